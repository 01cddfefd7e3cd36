package googleemu

import (
	"sort"
	"strings"
	"time"
)

// People API read methods: get, getBatchGet, searchContacts.

func (c *call) personFields(param string) ([]string, error) {
	return parseMask(c.q.Get(param), param, readPersonFields, true)
}

// getPerson is people.get: a contact, or people/me.
func (c *call) getPerson() (any, error) {
	mask, err := c.personFields("personFields")
	if err != nil {
		return nil, err
	}
	if c.name == "people/me" || c.name == "people/"+c.acct.Sub {
		return c.acct.renderSelf(mask), nil
	}
	ct := c.readContact(c.name)
	if ct == nil {
		return nil, errNotFound()
	}
	return c.acct.render(ct, mask, false), nil
}

// getBatchGet is people.getBatchGet: up to 200 resource names; unknown
// names are answered per item with a NOT_FOUND status.
func (c *call) getBatchGet() (any, error) {
	mask, err := c.personFields("personFields")
	if err != nil {
		return nil, err
	}
	names, err := c.resourceNames(200)
	if err != nil {
		return nil, err
	}
	responses := make([]map[string]any, 0, len(names))
	for _, rn := range names {
		var r map[string]any
		switch ct := c.readContact(rn); {
		case rn == "people/me":
			r = personResponse(c.acct.renderSelf(mask))
		case ct == nil:
			r = failedResponse(errNotFound())
		default:
			r = personResponse(c.acct.render(ct, mask, false))
		}
		r["requestedResourceName"] = rn
		responses = append(responses, r)
	}
	return map[string]any{"responses": responses}, nil
}

// searchContacts is people.searchContacts: prefix-phrase match over names,
// nicknames, emails, phones and organizations; at most 30 results.
func (c *call) searchContacts() (any, error) {
	mask, err := c.personFields("readMask")
	if err != nil {
		return nil, err
	}
	size, err := c.pageSize(10, 30, true)
	if err != nil {
		return nil, err
	}
	q := strings.Join(strings.Fields(strings.ToLower(c.q.Get("query"))), " ")
	if q == "" {
		c.acct.searchWarmups = append(c.acct.searchWarmups, c.now)
		return map[string]any{}, nil // the warm-up request
	}
	cacheAt := c.e.searchCacheTime(c.acct, c.now)
	var hits []*contact
	for _, ct := range c.acct.Contacts {
		// The emulator keeps no older versions, so a contact written after
		// the cache time is not found at all (Google may find its old version).
		if ct.Deleted || ct.Updated.After(cacheAt) {
			continue
		}
		for _, s := range ct.searchText() {
			if matchesPrefixPhrase(s, q) || matchesDigits(s, q) {
				hits = append(hits, ct)
				break
			}
		}
	}
	sort.Slice(hits, func(i, j int) bool { return hits[i].Seq > hits[j].Seq })
	if len(hits) > size {
		hits = hits[:size]
	}
	if len(hits) == 0 {
		return map[string]any{}, nil
	}
	results := make([]map[string]any, 0, len(hits))
	for _, ct := range hits {
		results = append(results, map[string]any{"person": c.acct.render(ct, mask, false)})
	}
	return map[string]any{"results": results}, nil
}

// searchCacheTime is the time of the writes search sees: Google's search is
// cache-backed and lags (reference §8). Without SearchNeedsWarmup the cache
// is SearchLag behind; with it, the cache is as of the latest warm-up made
// at least SearchLag ago. Called with e.mu held.
func (e *Emulator) searchCacheTime(a *account, now time.Time) time.Time {
	lag := e.opts.SearchLag
	if !e.opts.SearchNeedsWarmup {
		return now.Add(-lag)
	}
	var at time.Time
	var warming []time.Time
	for _, w := range a.searchWarmups {
		if w.Add(lag).After(now) {
			warming = append(warming, w)
		} else if w.After(at) {
			at = w
		}
	}
	if !at.IsZero() {
		warming = append(warming, at) // older done warm-ups no longer matter
	}
	a.searchWarmups = warming
	return at
}

// matchesDigits lets a query of digits match a phone number's digits.
func matchesDigits(s, q string) bool {
	dq := digits(q)
	if len(dq) < 3 || len(dq) != len(strings.ReplaceAll(strings.TrimPrefix(q, "+"), " ", "")) {
		return false
	}
	return strings.Contains(digits(s), dq)
}

func digits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}
