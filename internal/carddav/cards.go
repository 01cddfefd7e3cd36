package carddav

import (
	"context"
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"strings"

	"simplecrm/internal/contactsync"
	"simplecrm/internal/crm"
	"simplecrm/internal/vcard"
)

// Cards: GET/HEAD serve the stored bytes (or our rendering), PUT stores the
// client's bytes and updates the CRM contact through the field map, DELETE
// moves the contact to the trash. go-webdav would re-encode cards on the way
// out and ignores If-Match on DELETE, so these are ours.

func (h *Handler) serveCard(w http.ResponseWriter, r *http.Request, b *book, escaped string) {
	name, err := url.PathUnescape(escaped)
	if err != nil || name == "" {
		http.NotFound(w, r)
		return
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead, "PROPFIND":
		bd, err := h.resolve(r.Context(), b, name)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		if bd == nil {
			http.NotFound(w, r)
			return
		}
		if r.Method == "PROPFIND" {
			req, err := readPropfind(r)
			if err != nil {
				http.Error(w, "bad PROPFIND body", http.StatusBadRequest)
				return
			}
			ms := newMultistatus(w)
			found, missing := selectProps(req, cardProps, func(n xml.Name) (string, bool) { return cardProp(&bd.member, bd, n) })
			ms.response(b.href(&bd.member), found, missing)
			ms.close("")
			return
		}
		w.Header().Set("Content-Type", contentType)
		w.Header().Set("ETag", quote(bd.etag))
		w.Header().Set("Last-Modified", bd.modified.UTC().Format(http.TimeFormat))
		if r.Method == http.MethodGet {
			w.Write(bd.data)
		}
	case http.MethodPut:
		h.put(w, r, b, name)
	case http.MethodDelete:
		h.delete(w, r, b, name)
	default:
		w.Header().Set("Allow", "OPTIONS, GET, HEAD, PUT, DELETE, PROPFIND")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}

// resolve returns the card at name in the book, or nil: a stored card whose
// contact is live and in scope, or crm-{id}.vcf for a live contact in scope
// that has no stored card.
func (h *Handler) resolve(ctx context.Context, b *book, name string) (*body, error) {
	sc, err := h.store.Card(ctx, b.user.ID, name, "")
	if err != nil {
		return nil, err
	}
	var id int64
	if sc != nil {
		id = sc.ContactID
	} else if n, ok := crmNameID(name); ok {
		id = n
		cards, err := h.store.CardsOf(ctx, b.user.ID, []int64{id})
		if err != nil {
			return nil, err
		}
		if cards[id] != nil {
			return nil, nil // a client stored this contact under its own name
		}
	} else {
		return nil, nil
	}
	c, err := h.store.FindContact(ctx, b.user.OrgID, id)
	if crm.ErrorCode(err) == crm.ENOTFOUND {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if c.DeletedAt != nil || (b.ownerID != 0 && c.OwnerID != b.ownerID) {
		return nil, nil
	}
	return newBody(c, sc), nil
}

// preconditions checks If-Match and If-None-Match against the current ETag
// ("" when there is no resource).
func preconditions(r *http.Request, current string) bool {
	if im := r.Header.Get("If-Match"); im != "" {
		if current == "" || !etagListed(im, current) {
			return false
		}
	}
	if inm := r.Header.Get("If-None-Match"); inm != "" && current != "" && etagListed(inm, current) {
		return false
	}
	return true
}

// etagListed reports whether an If-Match style list holds the ETag or "*".
// Weak comparison is refused: our ETags are strong.
func etagListed(list, tag string) bool {
	for _, t := range strings.Split(list, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || t == quote(tag) {
			return true
		}
	}
	return false
}

func (h *Handler) delete(w http.ResponseWriter, r *http.Request, b *book, name string) {
	ctx := r.Context()
	bd, err := h.resolve(ctx, b, name)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if bd == nil {
		http.NotFound(w, r)
		return
	}
	if !preconditions(r, bd.etag) {
		http.Error(w, "The card changed since you read it.", http.StatusPreconditionFailed)
		return
	}
	// The stored card stays: it is the tombstone sync reports, and a restore
	// from the trash brings the card back as the client left it.
	if err := h.store.TrashContact(ctx, b.user.OrgID, bd.contact.ID); err != nil {
		h.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *Handler) put(w http.ResponseWriter, r *http.Request, b *book, name string) {
	ctx := r.Context()
	if !isVCardType(r.Header.Get("Content-Type")) {
		writeError(w, http.StatusUnsupportedMediaType, nsCardDAV, "supported-address-data")
		return
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, MaxResourceSize+1))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if len(data) > MaxResourceSize {
		writeError(w, http.StatusForbidden, nsCardDAV, "max-resource-size")
		return
	}
	card, err := vcard.ParseOne(data)
	if err != nil || card.UID() == "" || strings.Contains(name, "/") {
		writeError(w, http.StatusBadRequest, nsCardDAV, "valid-address-data")
		return
	}
	uid := card.UID()
	cur, err := h.resolve(ctx, b, name)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	curTag := ""
	if cur != nil {
		curTag = cur.etag
	}
	if !preconditions(r, curTag) {
		http.Error(w, "The card changed since you read it.", http.StatusPreconditionFailed)
		return
	}
	if _, isCRM := crmNameID(name); cur == nil && isCRM {
		http.Error(w, "Names crm-N.vcf are kept for contacts of the CRM.", http.StatusForbidden)
		return
	}
	if conflict, err := h.uidTaken(ctx, b, uid, name, cur); err != nil {
		h.fail(w, r, err)
		return
	} else if conflict {
		writeError(w, http.StatusConflict, nsCardDAV, "no-uid-conflict")
		return
	}
	sc := &StoredCard{OrgID: b.user.OrgID, UserID: b.user.ID, Href: name, UID: uid, Data: data, Hash: hashBytes(data)}
	if err := h.saveContact(ctx, b, cur, vcard.ViewOf(card), sc); err != nil {
		h.fail(w, r, err)
		return
	}
	// The bytes are stored as sent, so the ETag is theirs (RFC 7231 §4.3.4).
	w.Header().Set("ETag", quote(sc.Hash))
	if cur == nil {
		w.WriteHeader(http.StatusCreated)
	} else {
		w.WriteHeader(http.StatusNoContent)
	}
}

// uidTaken reports whether another live card of the book has this UID, or
// whether the card at name would change its UID (sabre-io/dav#993).
func (h *Handler) uidTaken(ctx context.Context, b *book, uid, name string, cur *body) (bool, error) {
	if cur != nil {
		curUID := crmUID(cur.contact.ID)
		if cur.card != nil {
			curUID = cur.card.UID
		}
		return curUID != uid, nil
	}
	other, err := h.store.Card(ctx, b.user.ID, "", uid)
	if err != nil {
		return false, err
	}
	otherName := ""
	if other != nil {
		otherName = other.Href
	} else if id, ok := strings.CutPrefix(uid, "simplecrm-contact-"); ok {
		otherName = "crm-" + id + ".vcf"
	}
	if otherName == "" || otherName == name {
		return false, nil
	}
	live, err := h.resolve(ctx, b, otherName)
	return live != nil, err
}

// saveContact creates or updates the CRM contact of a card with the field
// map, and stores the card with it: two-way fields take the card's values;
// business values the card holds that differ from the primary employment go
// into the Note block, the Google rule. Values the CRM refuses (a malformed
// email) are left out, so that a client's sync never fails on them.
func (h *Handler) saveContact(ctx context.Context, b *book, cur *body, v contactsync.View, sc *StoredCard) error {
	var c crm.Contact
	if cur != nil {
		c = *cur.contact
	} else {
		c = crm.Contact{OrgID: b.user.OrgID, OwnerID: b.user.ID}
	}
	old := c
	setTwoWay(&c, v)
	c.Note = contactsync.WithNoteBlock(c.Note, contactsync.Phones{}.GoogleOnlyBusiness(contactsync.ContactView(&old), v))
	for attempt := 0; ; attempt++ {
		err := h.store.SaveContactCard(ctx, &c, sc)
		fields := crm.ErrorFields(err)
		if crm.ErrorCode(err) != crm.EINVALID || attempt == 2 {
			return err
		}
		dropInvalid(&c, &old, fields)
	}
}

func setTwoWay(c *crm.Contact, v contactsync.View) {
	c.FirstName, c.LastName = v.FirstName, v.LastName
	c.HomePhone, c.MobilePhone, c.PersonalEmail = v.HomePhone, v.MobilePhone, v.PersonalEmail
	c.Address = v.Address
}

// dropInvalid puts back the previous value of each field the CRM refused,
// and names a contact that has neither name nor email.
func dropInvalid(c, old *crm.Contact, fields map[string]string) {
	for f := range fields {
		switch {
		case f == "first_name":
			c.FirstName = old.FirstName
		case f == "last_name":
			c.LastName = old.LastName
			if c.FirstName == "" && c.LastName == "" && c.PersonalEmail == "" {
				c.FirstName = "Unnamed"
			}
		case f == "home_phone":
			c.HomePhone = old.HomePhone
		case f == "mobile_phone":
			c.MobilePhone = old.MobilePhone
		case f == "personal_email":
			c.PersonalEmail = old.PersonalEmail
		case strings.HasPrefix(f, "address."):
			c.Address = old.Address
		case f == "note":
			c.Note = old.Note
		}
	}
}
