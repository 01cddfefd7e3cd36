package contactsync

import "time"

// Side names one side of a link.
type Side string

const (
	SideCRM    Side = "crm"
	SideGoogle Side = "google"
)

// MergeInput is one linked pair as it stands now, with the base: what both
// sides held after the last sync of the link (zero for a link made this run).
type MergeInput struct {
	CRM, Google         View
	BaseCRM, BaseGoogle View
	// Modification times: the CRM contact's updated_at and the Google contact's
	// CONTACT source updateTime. They decide a field changed on both sides.
	CRMTime, GoogleTime time.Time
}

// Conflict is a field changed on both sides to different values.
type Conflict struct {
	Field       string
	CRMValue    any
	GoogleValue any
	Winner      Side
}

// MergeResult is what each side should hold after the sync.
type MergeResult struct {
	CRM       View // business fields are the CRM's own, always
	Google    View
	Conflicts []Conflict
}

// Merge merges a linked pair field by field against its base (DESIGN.md §3):
// a field changed on one side takes that side's value; a field changed on both
// sides takes the value of the side modified last, and is reported. Business
// fields only flow CRM → Google, and a business value edited in Google stays
// in Google (and shows in the Note block) unless the CRM value changed since.
func (p Phones) Merge(in MergeInput) MergeResult {
	out := MergeResult{CRM: in.CRM, Google: in.Google}
	googleLast := in.GoogleTime.After(in.CRMTime)
	for _, f := range TwoWayFields {
		if p.fieldEq(f, in.CRM, in.Google) {
			continue
		}
		crmChanged := !p.fieldEq(f, in.CRM, in.BaseCRM)
		googleChanged := !p.fieldEq(f, in.Google, in.BaseGoogle)
		winner := SideCRM
		switch {
		case crmChanged && !googleChanged:
		case googleChanged && !crmChanged:
			winner = SideGoogle
		default:
			if googleLast {
				winner = SideGoogle
			}
			if crmChanged && googleChanged {
				out.Conflicts = append(out.Conflicts, Conflict{f, in.CRM.get(f), in.Google.get(f), winner})
			}
		}
		if winner == SideCRM {
			out.Google.set(f, in.CRM.get(f))
		} else {
			out.CRM.set(f, in.Google.get(f))
		}
	}
	for _, f := range BusinessFields {
		if p.fieldEq(f, in.CRM, in.Google) {
			continue
		}
		crmChanged := !p.fieldEq(f, in.CRM, in.BaseCRM)
		googleChanged := !p.fieldEq(f, in.Google, in.BaseGoogle)
		toGoogle := crmChanged
		if crmChanged && googleChanged {
			toGoogle = !googleLast
			winner := SideCRM
			if !toGoogle {
				winner = SideGoogle
			}
			out.Conflicts = append(out.Conflicts, Conflict{f, in.CRM.get(f), in.Google.get(f), winner})
		}
		if toGoogle {
			out.Google.set(f, in.CRM.get(f))
		}
	}
	return out
}

// GoogleOnlyBusiness returns, for the Note block, the business values Google
// holds that differ from the CRM's primary employment, in field-map order.
func (p Phones) GoogleOnlyBusiness(crmView, googleView View) []NoteLine {
	var lines []NoteLine
	for _, f := range BusinessFields {
		g := googleView.get(f).(string)
		if g != "" && !p.fieldEq(f, crmView, googleView) {
			lines = append(lines, NoteLine{Field: f, Value: g})
		}
	}
	return lines
}
