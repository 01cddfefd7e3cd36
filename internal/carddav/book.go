package carddav

import (
	"context"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"simplecrm/internal/crm"
)

// Sync tokens name the book's scope and the organization's change version
// when they were issued. A token older than the trash retention is refused:
// contacts trashed since may have been purged, and with them the tombstones
// a sync would have to report.
const tokenPrefix = "urn:x-simplecrm:sync:"

func syncToken(scope string, version int64, now time.Time) string {
	return fmt.Sprintf("%s%s:%d:%d", tokenPrefix, scope, version, now.Unix())
}

// parseToken returns the version of a token the book can still answer.
func parseToken(tok, scope string, current int64, now time.Time) (int64, bool) {
	parts := strings.Split(strings.TrimPrefix(tok, tokenPrefix), ":")
	if !strings.HasPrefix(tok, tokenPrefix) || len(parts) != 3 || parts[0] != scope {
		return 0, false
	}
	v, err1 := strconv.ParseInt(parts[1], 10, 64)
	issued, err2 := strconv.ParseInt(parts[2], 10, 64)
	if err1 != nil || err2 != nil || v < 0 || v > current || now.Sub(time.Unix(issued, 0)) > crm.TrashRetention {
		return 0, false
	}
	return v, true
}

// ctag changes whenever the book may have: the organization's change version.
func (h *Handler) ctag(ctx context.Context, b *book) (string, error) {
	v, err := h.store.ChangeVersion(ctx, b.user.OrgID)
	return b.scope + "-" + strconv.FormatInt(v, 10), err
}

var bookProps = []xml.Name{propResourceType, propDisplayName, propPrincipal, propOwner, propCTag, propSyncToken,
	propSupportedReport, propSupportedData, propMaxSize, propPrivileges, propDescription}

// bookProp returns the book's properties.
func (h *Handler) bookProp(ctx context.Context, b *book) (func(xml.Name) (string, bool), error) {
	v, err := h.store.ChangeVersion(ctx, b.user.OrgID)
	if err != nil {
		return nil, err
	}
	return func(n xml.Name) (string, bool) {
		switch n {
		case propResourceType:
			return "<d:collection/><card:addressbook/>", true
		case propDisplayName:
			return esc(displayName(b.scope)), true
		case propPrincipal, propOwner:
			return hrefElem(b.principal()), true
		case propCTag:
			return esc(b.scope + "-" + strconv.FormatInt(v, 10)), true
		case propSyncToken:
			return esc(syncToken(b.scope, v, time.Now())), true
		case propSupportedReport:
			var s strings.Builder
			for _, r := range []string{"card:addressbook-multiget", "card:addressbook-query", "d:sync-collection"} {
				s.WriteString("<d:supported-report><d:report><" + r + "/></d:report></d:supported-report>")
			}
			return s.String(), true
		case propSupportedData:
			return `<card:address-data-type content-type="text/vcard" version="3.0"/>` +
				`<card:address-data-type content-type="text/vcard" version="4.0"/>`, true
		case propMaxSize:
			return strconv.Itoa(MaxResourceSize), true
		case propPrivileges:
			var s strings.Builder
			for _, p := range []string{"read", "write", "write-content", "write-properties", "bind", "unbind", "read-current-user-privilege-set"} {
				s.WriteString("<d:privilege><d:" + p + "/></d:privilege>")
			}
			return s.String(), true
		case propDescription:
			return esc("Your Simple CRM contacts"), true
		}
		return "", false
	}, nil
}

var homeProps = []xml.Name{propResourceType, propDisplayName, propPrincipal, propOwner, propHomeSet}

// serveHome answers PROPFIND on the home set; at depth 1 it lists the book.
func (h *Handler) serveHome(w http.ResponseWriter, r *http.Request, b *book) {
	if r.Method != "PROPFIND" {
		w.Header().Set("Allow", "OPTIONS, PROPFIND")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	req, err := readPropfind(r)
	if err != nil {
		http.Error(w, "bad PROPFIND body", http.StatusBadRequest)
		return
	}
	bp, err := h.bookProp(r.Context(), b)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	ms := newMultistatus(w)
	found, missing := selectProps(req, homeProps, func(n xml.Name) (string, bool) {
		switch n {
		case propResourceType:
			return "<d:collection/>", true
		case propDisplayName:
			return "Address books", true
		case propPrincipal, propOwner:
			return hrefElem(b.principal()), true
		case propHomeSet:
			return hrefElem(b.home()), true
		}
		return "", false
	})
	ms.response(b.home(), found, missing)
	if r.Header.Get("Depth") != "0" {
		found, missing = selectProps(req, bookProps, bp)
		ms.response(b.path(), found, missing)
	}
	ms.close("")
}

// serveBook answers PROPFIND and REPORT on the address book.
func (h *Handler) serveBook(w http.ResponseWriter, r *http.Request, b *book) {
	switch r.Method {
	case "PROPFIND":
		h.propfindBook(w, r, b)
	case "REPORT":
		h.report(w, r, b)
	case "PROPPATCH", "MKCOL", "DELETE":
		http.Error(w, "The address book is managed by Simple CRM.", http.StatusForbidden)
	default:
		w.Header().Set("Allow", "OPTIONS, PROPFIND, REPORT")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}

func (h *Handler) propfindBook(w http.ResponseWriter, r *http.Request, b *book) {
	req, err := readPropfind(r)
	if err != nil {
		http.Error(w, "bad PROPFIND body", http.StatusBadRequest)
		return
	}
	ctx := r.Context()
	bp, err := h.bookProp(ctx, b)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var members []Member
	if r.Header.Get("Depth") != "0" {
		// Depth 1, and infinity (or none) served as 1: cards have no children.
		if members, err = h.store.BookMembers(ctx, b.user.OrgID, b.user.ID, b.ownerID, 0); err != nil {
			h.fail(w, r, err)
			return
		}
	}
	ms := newMultistatus(w)
	found, missing := selectProps(req, bookProps, bp)
	ms.response(b.path(), found, missing)
	if err := h.writeMembers(ctx, ms, b, members, req); err != nil {
		h.log.Error("carddav: listing", "err", err)
	}
	ms.close("")
}

// href returns a member's URL path.
func (b *book) href(m *Member) string { return b.path() + url.PathEscape(memberName(m)) }

func memberName(m *Member) string {
	if m.Card != nil {
		return m.Card.Href
	}
	return crmName(m.ContactID)
}

// crmName is the resource name of a contact no client has stored a card of.
func crmName(id int64) string { return "crm-" + strconv.FormatInt(id, 10) + ".vcf" }

func crmNameID(name string) (int64, bool) {
	s, ok := strings.CutPrefix(name, "crm-")
	if !ok {
		return 0, false
	}
	s, ok = strings.CutSuffix(s, ".vcf")
	id, err := strconv.ParseInt(s, 10, 64)
	return id, ok && err == nil && id > 0 && strconv.FormatInt(id, 10) == s
}

// crmUID is the UID of a card the CRM writes for a contact.
func crmUID(id int64) string { return "simplecrm-contact-" + strconv.FormatInt(id, 10) }

// encoderRev is part of the ETag of cards the CRM writes, so that a change
// of our encoder changes their ETags too.
const encoderRev = "e1"

// etag is a member's strong ETag, unquoted: the hash of the client's bytes
// while the contact is as they left it; otherwise the bytes are our
// re-serialization, a function of the contact's version (and of the client's
// bytes, if any).
func etag(m *Member) string {
	v := strconv.FormatInt(m.Version, 10)
	switch {
	case m.Card != nil && m.Card.ContactVersion == m.Version:
		return m.Card.Hash
	case m.Card != nil:
		return m.Card.Hash[:min(16, len(m.Card.Hash))] + "-" + v + encoderRev
	}
	return "crm-" + v + encoderRev
}

func quote(tag string) string { return `"` + tag + `"` }
