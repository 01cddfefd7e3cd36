package carddav

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"net/http"
	"strconv"
	"strings"
	"time"

	"simplecrm/internal/contactsync"
	"simplecrm/internal/crm"
	"simplecrm/internal/vcard"
)

const contentType = "text/vcard; charset=utf-8"

var cardProps = []xml.Name{propResourceType, propGetETag, propGetContentType, propGetContentLen, propGetLastModified}

// loadBatch bounds the contacts rendered at once for a listing or report.
const loadBatch = 500

// writeMembers writes the live members' responses. The cards are rendered
// only when their content (address-data, length, date) is asked for.
func (h *Handler) writeMembers(ctx context.Context, ms *multistatus, b *book, members []Member, req propRequest) error {
	needBody := req.wants(propAddressData) || req.wants(propGetContentLen) || req.wants(propGetLastModified)
	for start := 0; start < len(members); start += loadBatch {
		batch := members[start:min(start+loadBatch, len(members))]
		var bodies map[int64]*body
		if needBody {
			var err error
			if bodies, err = h.bodies(ctx, b, batch); err != nil {
				return err
			}
		}
		for i := range batch {
			m := &batch[i]
			if !m.Live {
				continue
			}
			bd := bodies[m.ContactID]
			if needBody && bd == nil {
				continue // gone meanwhile
			}
			found, missing := selectProps(req, cardProps, func(n xml.Name) (string, bool) { return cardProp(m, bd, n) })
			ms.response(b.href(m), found, missing)
		}
	}
	return nil
}

func cardProp(m *Member, bd *body, n xml.Name) (string, bool) {
	switch n {
	case propResourceType:
		return "", true
	case propGetETag:
		if bd != nil {
			return esc(quote(bd.etag)), true
		}
		return esc(quote(etag(m))), true
	case propGetContentType:
		return contentType, true
	case propGetContentLen:
		if bd != nil {
			return strconv.Itoa(len(bd.data)), true
		}
	case propGetLastModified:
		if bd != nil {
			return bd.modified.UTC().Format(http.TimeFormat), true
		}
	case propAddressData:
		if bd != nil {
			return esc(string(bd.data)), true
		}
	}
	return "", false
}

// body is a member's card as served.
type body struct {
	member   Member
	contact  *crm.Contact
	card     *StoredCard
	data     []byte
	etag     string
	modified time.Time
}

// bodies renders the members' cards, by contact id. The ETag is taken from
// the freshly read contact, which may be newer than the listing's.
func (h *Handler) bodies(ctx context.Context, b *book, members []Member) (map[int64]*body, error) {
	ids := make([]int64, 0, len(members))
	for _, m := range members {
		if m.Live {
			ids = append(ids, m.ContactID)
		}
	}
	contacts, err := h.store.FindContacts(ctx, b.user.OrgID, ids)
	if err != nil {
		return nil, err
	}
	cards, err := h.store.CardsOf(ctx, b.user.ID, ids)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]*body, len(contacts))
	for _, c := range contacts {
		if c.DeletedAt != nil || (b.ownerID != 0 && c.OwnerID != b.ownerID) {
			continue
		}
		out[c.ID] = newBody(c, cards[c.ID])
	}
	return out, nil
}

func newBody(c *crm.Contact, sc *StoredCard) *body {
	m := Member{ContactID: c.ID, Version: c.Version, Live: true, Card: sc}
	return &body{member: m, contact: c, card: sc, data: render(c, sc), etag: etag(&m), modified: c.UpdatedAt}
}

// render returns the card served for a contact: the client's bytes while
// the contact is as they left it; otherwise those bytes with the fields the
// CRM changed rewritten by our encoder; a card of our own if no client ever
// stored one.
func render(c *crm.Contact, sc *StoredCard) []byte {
	cv := contactsync.ContactView(c)
	if sc == nil {
		return vcard.New(crmUID(c.ID), cv).Encode()
	}
	if sc.ContactVersion == c.Version {
		return sc.Data
	}
	card, err := vcard.ParseOne(sc.Data)
	if err != nil { // stored bytes always parsed once; be safe anyway
		return vcard.New(sc.UID, cv).Encode()
	}
	out := vcard.ViewOf(card)
	var changed []string
	for _, f := range contactsync.TwoWayFields {
		if get(&out, f) != get(&cv, f) {
			set(&out, f, get(&cv, f))
			changed = append(changed, f)
		}
	}
	// Business fields: the card keeps its own value (reported in the Note
	// block) unless the CRM changed its value since the card was stored.
	for _, f := range contactsync.BusinessFields {
		if get(&cv, f) != get(&sc.Base, f) && get(&out, f) != get(&cv, f) {
			set(&out, f, get(&cv, f))
			changed = append(changed, f)
		}
	}
	vcard.Apply(card, out, changed)
	return card.Encode()
}

// get and set address one field of a view; the address is compared whole.
func get(v *contactsync.View, f string) any {
	if f == contactsync.FieldAddress {
		return v.Address
	}
	return *strField(v, f)
}

func set(v *contactsync.View, f string, val any) {
	if f == contactsync.FieldAddress {
		v.Address = val.(crm.Address)
		return
	}
	*strField(v, f) = val.(string)
}

func strField(v *contactsync.View, f string) *string {
	switch f {
	case contactsync.FieldFirstName:
		return &v.FirstName
	case contactsync.FieldLastName:
		return &v.LastName
	case contactsync.FieldHomePhone:
		return &v.HomePhone
	case contactsync.FieldMobilePhone:
		return &v.MobilePhone
	case contactsync.FieldPersonalEmail:
		return &v.PersonalEmail
	case contactsync.FieldWorkPhone:
		return &v.WorkPhone
	case contactsync.FieldWorkMobile:
		return &v.WorkMobile
	case contactsync.FieldWorkEmail:
		return &v.WorkEmail
	case contactsync.FieldCompany:
		return &v.Company
	case contactsync.FieldTitle:
		return &v.Title
	}
	panic("carddav: unknown field " + f)
}

func hashBytes(data []byte) string {
	h := sha256.Sum256(data)
	return hex.EncodeToString(h[:16])
}

func isVCardType(ct string) bool {
	ct = strings.ToLower(strings.TrimSpace(strings.Split(ct, ";")[0]))
	return ct == "" || ct == "text/vcard" || ct == "text/x-vcard" || ct == "text/directory"
}
