package googleemu

import (
	"cmp"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"sort"
	"strings"
	"time"
)

// people.connections.list with page tokens and sync tokens.
//
// Every contact change takes the account's next change sequence. A listing
// is fixed at its first page to the sequence range (base, highWater]: a full
// listing has base 0 and shows live contacts; an incremental one (syncToken)
// starts at the token's sequence and includes tombstones. nextSyncToken, on
// the last page only, carries highWater.

type pageToken struct {
	Hash      string `json:"h"`
	HighWater uint64 `json:"w"`
	Base      uint64 `json:"b,omitempty"`
	FullSync  int64  `json:"f"`
	// After is the sort position of the last contact returned; the next page
	// starts after it. A position rather than a count: contacts that leave
	// the window between pages (changed or deleted) must not shift the rest.
	After *listKey `json:"k,omitempty"`
}

// listKey is a contact's position in a listing. Within a listing's window a
// contact's key never changes: a change moves the contact out of the window.
type listKey struct {
	Name string `json:"n,omitempty"` // FIRST_NAME_ASCENDING, LAST_NAME_ASCENDING
	Seq  uint64 `json:"s,omitempty"` // LAST_MODIFIED_*
	ID   uint64 `json:"i"`           // ties
}

type syncToken struct {
	Sub      string `json:"a"`
	Seq      uint64 `json:"s"`
	Issued   int64  `json:"i"`
	FullSync int64  `json:"f"`
	Gen      int    `json:"g"`
}

var sortOrders = set("LAST_MODIFIED_ASCENDING", "LAST_MODIFIED_DESCENDING", "FIRST_NAME_ASCENDING", "LAST_NAME_ASCENDING")

func encodeToken(v any) string {
	b, _ := json.Marshal(v) // plain structs always encode
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeToken(s string, v any) bool {
	b, err := base64.RawURLEncoding.DecodeString(s)
	return err == nil && json.Unmarshal(b, v) == nil
}

func (c *call) listConnections() (any, error) {
	if c.name != "people/me" {
		return nil, errInvalid("Connections can only be listed for people/me.")
	}
	mask, err := c.personFields("personFields")
	if err != nil {
		return nil, err
	}
	size, err := c.pageSize(100, 1000, false)
	if err != nil {
		return nil, err
	}
	order := c.q.Get("sortOrder")
	if order == "" {
		order = "LAST_MODIFIED_ASCENDING"
	}
	if !sortOrders[order] {
		return nil, errInvalid("Invalid value at 'sort_order' (type.googleapis.com/google.people.v1.ListConnectionsRequest.SortOrder), %q", order)
	}
	wantSync, err := c.boolParam("requestSyncToken")
	if err != nil {
		return nil, err
	}
	if wantSync && order == "LAST_MODIFIED_DESCENDING" && c.e.opts.RejectDescendingWithSyncToken {
		return nil, errInvalid("Sort order LAST_MODIFIED_DESCENDING is not supported with request_sync_token.")
	}
	h := sha256.Sum256([]byte(strings.Join([]string{c.q.Get("personFields"), order, c.q.Get("syncToken"),
		c.q.Get("requestSyncToken"), strings.Join(c.q["sources"], ",")}, "|")))
	hash := base64.RawURLEncoding.EncodeToString(h[:9])

	pt, err := c.listingWindow(hash)
	if err != nil {
		return nil, err
	}
	items := c.listingItems(pt, order)
	total := len(items)
	if pt.After != nil {
		compare := keyCompare(order)
		i := sort.Search(len(items), func(i int) bool { return compare(items[i].key, *pt.After) > 0 })
		items = items[i:]
	}
	res := map[string]any{}
	page := items[:min(size, len(items))]
	if len(page) > 0 {
		// A page without contacts is only {"nextSyncToken": ...} (reference
		// §3, CAPTURE-A finding 12), so totals come with contacts only (§3,
		// DISCO: totalItems and the deprecated totalPeople).
		res["totalItems"], res["totalPeople"] = total, total
		conns := make([]map[string]any, 0, len(page))
		for _, it := range page {
			conns = append(conns, withPrevious(c.acct.render(it.ct, mask, true), it.ct, mask, pt.Base > 0))
		}
		res["connections"] = conns
	}
	if len(items) > len(page) {
		next := pt
		next.After = &page[len(page)-1].key
		res["nextPageToken"] = encodeToken(next)
	} else if wantSync {
		res["nextSyncToken"] = encodeToken(syncToken{Sub: c.acct.Sub, Seq: pt.HighWater, Issued: c.now.Unix(),
			FullSync: pt.FullSync, Gen: c.e.st.TokenGen})
	}
	return res, nil
}

// listingWindow returns the window of this page: from the page token, or a
// new one fixed now (checking the sync token).
func (c *call) listingWindow(hash string) (pageToken, error) {
	if raw := c.q.Get("pageToken"); raw != "" {
		var pt pageToken
		if !decodeToken(raw, &pt) || pt.HighWater == 0 && pt.Hash == "" {
			return pageToken{}, errInvalid("Page token is not valid.")
		}
		if pt.Hash != hash {
			return pageToken{}, errInvalid("Parameters provided to the page token request must match the call that provided the page token.")
		}
		return pt, nil
	}
	pt := pageToken{Hash: hash, HighWater: c.acct.Seq, FullSync: c.now.Unix()}
	raw := c.q.Get("syncToken")
	if raw == "" {
		return pt, nil
	}
	var st syncToken
	if !decodeToken(raw, &st) || st.Sub != c.acct.Sub || st.Seq > c.acct.Seq {
		return pageToken{}, errInvalid("Sync token is not valid.")
	}
	basis := st.Issued
	if c.e.opts.SyncTokenAgeFromFullSync {
		basis = st.FullSync
	}
	if st.Gen < c.e.st.TokenGen || c.now.Sub(time.Unix(basis, 0)) > c.e.opts.SyncTokenMaxAge {
		return pageToken{}, c.e.errExpiredSyncToken()
	}
	pt.Base, pt.FullSync = st.Seq, st.FullSync
	if d := c.e.opts.SyncPropagationDelay; d > 0 {
		cut := c.now.Add(-d)
		for _, ct := range c.acct.Contacts {
			if ct.Seq > pt.Base && ct.Updated.After(cut) && ct.Seq <= pt.HighWater {
				pt.HighWater = ct.Seq - 1
			}
		}
		pt.HighWater = max(pt.HighWater, pt.Base)
	}
	return pt, nil
}

type listed struct {
	ct  *contact
	key listKey
}

// listingItems returns the contacts in the window, sorted by order.
func (c *call) listingItems(pt pageToken, order string) []listed {
	nameField := ""
	switch order {
	case "FIRST_NAME_ASCENDING":
		nameField = "givenName"
	case "LAST_NAME_ASCENDING":
		nameField = "familyName"
	}
	var items []listed
	for _, ct := range c.acct.Contacts {
		if ct.Seq <= pt.Base || ct.Seq > pt.HighWater {
			continue
		}
		if ct.Deleted && pt.Base == 0 {
			continue
		}
		k := listKey{ID: ct.ID}
		if nameField != "" {
			k.Name = ct.nameKey(nameField)
		} else {
			k.Seq = ct.Seq
		}
		items = append(items, listed{ct, k})
	}
	compare := keyCompare(order)
	sort.Slice(items, func(i, j int) bool { return compare(items[i].key, items[j].key) < 0 })
	return items
}

// keyCompare orders listing positions for a sort order.
func keyCompare(order string) func(a, b listKey) int {
	return func(a, b listKey) int {
		var c int
		switch order {
		case "LAST_MODIFIED_DESCENDING":
			c = cmp.Compare(b.Seq, a.Seq)
		case "FIRST_NAME_ASCENDING", "LAST_NAME_ASCENDING":
			c = strings.Compare(a.Name, b.Name)
		default:
			c = cmp.Compare(a.Seq, b.Seq)
		}
		if c == 0 {
			c = cmp.Compare(a.ID, b.ID)
		}
		return c
	}
}

func (c *contact) nameKey(key string) string {
	var names []map[string]any
	_ = json.Unmarshal(c.Fields["names"], &names)
	if len(names) == 0 {
		return "\uffff" // people without names sort last
	}
	s, _ := names[0][key].(string)
	return strings.ToLower(s)
}
