package ui

import (
	"net/http"
	"net/url"

	"simplecrm/internal/crm"
)

// Listings are paginated by the store's opaque cursors, which only lead
// forward. To offer "Previous", each link carries the cursors of the pages
// before it (p=...), the way back, bounded by maxBackPages.
const maxBackPages = 20

// pager holds the links to the neighbouring pages; empty means none.
type pager struct{ Prev, Next string }

func pageLinks(r *http.Request, next string) pager {
	q := r.URL.Query()
	cur, back := q.Get("cursor"), q["p"]
	link := func(cursor string, back []string) string {
		v := url.Values{}
		for k, vs := range q {
			v[k] = vs
		}
		v.Del("cursor")
		v.Del("p")
		if cursor != "" {
			v.Set("cursor", cursor)
			v["p"] = back
		}
		if len(v) == 0 {
			return r.URL.Path
		}
		return r.URL.Path + "?" + v.Encode()
	}
	var p pager
	if cur != "" {
		prev := ""
		if len(back) > 0 {
			prev, back = back[len(back)-1], back[:len(back)-1]
		}
		p.Prev = link(prev, back)
		back = append(back, prev) // restore for the next link
	}
	if next != "" {
		nb := append(append([]string(nil), back...), cur)
		if len(nb) > maxBackPages {
			nb = nb[len(nb)-maxBackPages:]
		}
		p.Next = link(next, nb)
	}
	return p
}

// pageLimit reads ?limit=, within the store's bounds.
func pageLimit(q url.Values) int {
	n := int(atoi64(q.Get("limit")))
	if n <= 0 {
		return crm.DefaultPageSize
	}
	return min(n, crm.MaxPageSize)
}
