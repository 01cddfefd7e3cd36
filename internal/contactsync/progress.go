package contactsync

import "context"

// A run's progress (crm.SyncRun Done and Total) counts contacts to handle:
// every CRM contact changed since the checkpoint (counted when the run
// starts) plus every Google contact of the listing (Google's totalItems on
// its first page, when Google gives it; a full listing counts every
// connection, in the group or not, since each is read and matched). Total
// is 0 while nothing is known. The bar never goes back nor past 100%: Total
// is set once, the work it did not foresee (a listing started again after
// an expired token, creates looked for again after a lost answer) is not
// counted, and Done stops one short of Total until the run succeeds.
type work struct {
	crmPending int  // CRM contacts to send, counted at the start
	listings   int  // listings started this run
	listing    bool // the first listing's size is in Total
}

// startProgress counts the CRM side; a resumed run starts its count over.
func (r *run) startProgress(ctx context.Context) error {
	n, err := r.store.CountContactsChangedSince(ctx, r.acct.OrgID, r.owner, r.state.CRMVersion)
	if err != nil {
		return err
	}
	r.work = work{crmPending: n}
	r.rec.Done, r.rec.Total = 0, 0
	return nil
}

// listingSize is told the size of each listing, from its first page.
func (r *run) listingSize(total int64) {
	r.work.listings++
	if r.work.listings == 1 && total > 0 && r.rec.Total == 0 {
		r.work.listing = true
		r.rec.Total = r.work.crmPending + int(total)
	}
}

// pulledOne counts a Google contact of the first listing, when its size is known.
func (r *run) pulledOne() {
	if r.work.listing && r.work.listings == 1 {
		r.step()
	}
}

// pushing starts the CRM side: without a listing size, Total is the CRM's.
func (r *run) pushing() {
	if r.rec.Total == 0 {
		r.rec.Total = r.work.crmPending
	}
}

func (r *run) pushedOne() { r.step() }

func (r *run) step() {
	r.rec.Done++
	if r.rec.Total > 0 && r.rec.Done >= r.rec.Total {
		r.rec.Done = r.rec.Total - 1 // 100% is for a finished run
	}
}

// finishProgress fills the bar of a run that succeeded; a failed one shows
// where it stopped.
func (r *run) finishProgress(ok bool) {
	if !ok {
		return
	}
	if r.rec.Total == 0 {
		r.rec.Total = r.rec.Done
	}
	r.rec.Done = r.rec.Total
}
