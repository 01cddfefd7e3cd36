package bench

import (
	"context"
	"math/rand/v2"
	"slices"
	"time"

	"simplecrm/internal/crm"
	"simplecrm/internal/sample"
)

// latency holds percentiles of one kind of request.
type latency struct {
	P50, P95, P99 time.Duration
	Ops           int
}

func percentiles(ds []time.Duration) latency {
	slices.Sort(ds)
	at := func(p float64) time.Duration { return ds[int(p*float64(len(ds)-1))] }
	return latency{P50: at(0.50), P95: at(0.95), P99: at(0.99), Ops: len(ds)}
}

// storeFigures is what a user waits for on the contacts page of one engine.
type storeFigures struct {
	Search latency // first page of a search
	List   latency // one page of the listing, walking it by cursor
}

const (
	searches  = 600
	listPages = 300
)

// measureStore times searches as people type them and pages of the contact
// listing, in process, against a loaded database.
func measureStore(ctx context.Context, c *crmDB, d *dataset) (*storeFigures, error) {
	contacts := make([]*crm.Contact, len(d.crm))
	for i := range d.crm {
		contacts[i] = &d.crm[i]
	}
	qs := sample.SearchQueries(rand.New(rand.NewPCG(3, 4)), searches, contacts, d.companies)
	// One untimed round warms the caches, as on a server that has been up.
	for _, q := range qs[:50] {
		if _, _, err := c.db.ListContacts(ctx, c.org.ID, crm.ContactFilter{Query: q}); err != nil {
			return nil, err
		}
	}
	var f storeFigures
	ds := make([]time.Duration, 0, searches)
	for _, q := range qs {
		start := time.Now()
		if _, _, err := c.db.ListContacts(ctx, c.org.ID, crm.ContactFilter{Query: q}); err != nil {
			return nil, err
		}
		ds = append(ds, time.Since(start))
	}
	f.Search = percentiles(ds)
	ds = ds[:0]
	cursor := ""
	for range listPages {
		start := time.Now()
		_, next, err := c.db.ListContacts(ctx, c.org.ID, crm.ContactFilter{Cursor: cursor})
		if err != nil {
			return nil, err
		}
		ds = append(ds, time.Since(start))
		cursor = next
	}
	f.List = percentiles(ds)
	return &f, nil
}
