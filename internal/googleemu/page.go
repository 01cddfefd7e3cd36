package googleemu

import (
	"encoding/json"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	people "google.golang.org/api/people/v1"
)

// The contacts web page: what a person sees on a phone. Sign-in goes
// through the emulator's own account chooser and consent pages.

const (
	pageClientID  = "googleemu-contacts"
	sessionCookie = "googleemu_session"
	stateCookie   = "googleemu_state"
)

var (
	phoneTypes = []string{"mobile", "home", "work", "workMobile", "main", "homeFax", "workFax", "pager", "other"}
	emailTypes = []string{"home", "work", "other"}
)

func (e *Emulator) pageRoutes(m *http.ServeMux) {
	m.HandleFunc("GET /{$}", e.pageHome)
	m.HandleFunc("GET /_page/login", e.pageLogin)
	m.HandleFunc("GET /_page/callback", e.pageCallback)
	m.HandleFunc("POST /_page/logout", e.pageLogout)
	m.HandleFunc("POST /_page/groups", e.withAccount(e.pageCreateGroup))
	m.HandleFunc("GET /contacts", e.withAccount(e.pageList))
	m.HandleFunc("GET /contacts/new", e.withAccount(e.pageNew))
	m.HandleFunc("POST /contacts/new", e.withAccount(e.pageSave))
	m.HandleFunc("GET /contacts/{id}", e.withAccount(e.pageEdit))
	m.HandleFunc("POST /contacts/{id}", e.withAccount(e.pageSave))
	m.HandleFunc("POST /contacts/{id}/delete", e.withAccount(e.pageDelete))
}

func (e *Emulator) pageHome(w http.ResponseWriter, r *http.Request) {
	if e.sessionAccount(r) != nil {
		http.Redirect(w, r, "/contacts", http.StatusFound)
		return
	}
	msg := ""
	if r.URL.Query().Get("error") != "" {
		msg = "Sign-in was cancelled."
	}
	render(w, http.StatusOK, "signin", map[string]any{"Title": "Contacts", "Error": msg})
}

func (e *Emulator) pageLogin(w http.ResponseWriter, r *http.Request) {
	state := randomToken("", 12)
	http.SetCookie(w, &http.Cookie{Name: stateCookie, Value: state, Path: "/_page/", HttpOnly: true, SameSite: http.SameSiteLaxMode})
	q := url.Values{"client_id": {pageClientID}, "redirect_uri": {baseURL(r) + "/_page/callback"},
		"response_type": {"code"}, "scope": {DefaultScope}, "state": {state}, "prompt": {"select_account"}}
	http.Redirect(w, r, "/o/oauth2/v2/auth?"+q.Encode(), http.StatusFound)
}

func (e *Emulator) pageCallback(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	st, err := r.Cookie(stateCookie)
	if q.Get("error") != "" || err != nil || st.Value != q.Get("state") {
		http.Redirect(w, r, "/?error=1", http.StatusFound)
		return
	}
	e.mu.Lock()
	code := e.st.Codes[q.Get("code")]
	delete(e.st.Codes, q.Get("code"))
	sid := ""
	if code != nil && code.ClientID == pageClientID && e.now().Before(code.Expiry) {
		sid = randomToken("", 18)
		e.st.Sessions[sid] = code.Sub
		key := code.Sub + "|" + pageClientID
		e.st.Consented[key] = code.Scopes
	}
	e.mu.Unlock()
	if sid == "" {
		http.Redirect(w, r, "/?error=1", http.StatusFound)
		return
	}
	_ = e.save() // best effort: sessions are saved with the next mutation too
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: sid, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, "/contacts", http.StatusFound)
}

func (e *Emulator) pageLogout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(sessionCookie); err == nil {
		e.mu.Lock()
		delete(e.st.Sessions, c.Value)
		e.mu.Unlock()
		_ = e.save()
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1})
	http.Redirect(w, r, "/", http.StatusFound)
}

func (e *Emulator) sessionAccount(r *http.Request) *Account {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	a := e.st.Accounts[e.st.Sessions[c.Value]]
	if a == nil {
		return nil
	}
	return &Account{Sub: a.Sub, Email: a.Email, Name: a.Name}
}

type pageHandler func(w http.ResponseWriter, r *http.Request, acct *Account)

func (e *Emulator) withAccount(h pageHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		a := e.sessionAccount(r)
		if a == nil {
			http.Redirect(w, r, "/", http.StatusFound)
			return
		}
		h(w, r, a)
	}
}

type pageGroup struct {
	ID, Label string
	Count     int
}

type pageRow struct{ Type, Value string }

type pageContact struct {
	ID, ResourceName, Display, Subtitle, Updated        string
	Given, Family, OrgName, OrgTitle, Note              string
	Street, Extended, PostalCode, City, Region, Country string
	Phones, Emails                                      []pageRow
	Groups                                              map[string]bool
	Labels                                              []string
}

func (e *Emulator) pageGroups(email string) []pageGroup {
	var out []pageGroup
	_ = e.view(email, func(a *account) error {
		for _, g := range a.sortedGroups() {
			label := g.Name
			if fn := systemGroupNames[g.ID]; g.System && fn != "" {
				label = fn
			}
			out = append(out, pageGroup{ID: g.ID, Label: label, Count: len(a.members(g.ID))})
		}
		return nil
	})
	return out
}

func (e *Emulator) pageList(w http.ResponseWriter, r *http.Request, acct *Account) {
	q := strings.Join(strings.Fields(strings.ToLower(r.URL.Query().Get("q"))), " ")
	group := r.URL.Query().Get("group")
	groups := e.pageGroups(acct.Email)
	labels := map[string]string{}
	for _, g := range groups {
		labels[g.ID] = g.Label
	}
	var list []pageContact
	_ = e.view(acct.Email, func(a *account) error {
		for _, ct := range a.sortedContacts() {
			if group != "" && !ct.inGroup(group) {
				continue
			}
			if q != "" && !matchesAny(ct.searchText(), q) {
				continue
			}
			p, err := toPerson(a.render(ct, allReadFields, false))
			if err != nil {
				return err
			}
			pc := toPageContact(p)
			for _, id := range ct.Groups {
				pc.Labels = append(pc.Labels, labels[id])
			}
			list = append(list, pc)
		}
		return nil
	})
	sort.SliceStable(list, func(i, j int) bool { return strings.ToLower(list[i].Display) < strings.ToLower(list[j].Display) })
	render(w, http.StatusOK, "contacts", map[string]any{"Title": "Contacts", "Account": acct, "Contacts": list,
		"Groups": groups, "Query": r.URL.Query().Get("q"), "Group": group})
}

func matchesAny(texts []string, q string) bool {
	for _, s := range texts {
		if matchesPrefixPhrase(s, q) || strings.Contains(strings.ToLower(s), q) || matchesDigits(s, q) {
			return true
		}
	}
	return false
}

func (e *Emulator) pageNew(w http.ResponseWriter, r *http.Request, acct *Account) {
	e.renderContactForm(w, acct, pageContact{Groups: map[string]bool{groupMyContacts: true}}, true, "")
}

func (e *Emulator) pageEdit(w http.ResponseWriter, r *http.Request, acct *Account) {
	p, err := e.Contact(acct.Email, "people/c"+r.PathValue("id"))
	if err != nil {
		http.NotFound(w, r)
		return
	}
	e.renderContactForm(w, acct, toPageContact(p), false, "")
}

func (e *Emulator) renderContactForm(w http.ResponseWriter, acct *Account, c pageContact, isNew bool, msg string) {
	c.Phones = append(c.Phones, pageRow{Type: "mobile"}, pageRow{Type: "home"})
	c.Emails = append(c.Emails, pageRow{Type: "home"})
	action := "/contacts/new"
	if !isNew {
		action = "/contacts/" + c.ID
	}
	code := http.StatusOK
	if msg != "" {
		code = http.StatusBadRequest
	}
	render(w, code, "contact", map[string]any{"Title": "Contact", "Account": acct, "C": c, "New": isNew,
		"Action": action, "Groups": e.pageGroups(acct.Email), "PhoneTypes": phoneTypes, "EmailTypes": emailTypes, "Error": msg})
}

func toPageContact(p *people.Person) pageContact {
	c := pageContact{ResourceName: p.ResourceName, ID: strings.TrimPrefix(p.ResourceName, "people/c"), Groups: map[string]bool{}}
	if len(p.Names) > 0 {
		c.Given, c.Family, c.Display = p.Names[0].GivenName, p.Names[0].FamilyName, p.Names[0].DisplayName
	}
	for _, ph := range p.PhoneNumbers {
		c.Phones = append(c.Phones, pageRow{ph.Type, ph.Value})
	}
	for _, em := range p.EmailAddresses {
		c.Emails = append(c.Emails, pageRow{em.Type, em.Value})
	}
	if len(p.Organizations) > 0 {
		c.OrgName, c.OrgTitle = p.Organizations[0].Name, p.Organizations[0].Title
	}
	if len(p.Biographies) > 0 {
		c.Note = p.Biographies[0].Value
	}
	if len(p.Addresses) > 0 {
		ad := p.Addresses[0]
		c.Street, c.Extended, c.PostalCode, c.City, c.Region, c.Country = ad.StreetAddress, ad.ExtendedAddress, ad.PostalCode, ad.City, ad.Region, ad.Country
	}
	for _, m := range p.Memberships {
		if m.ContactGroupMembership != nil {
			c.Groups[strings.TrimPrefix(m.ContactGroupMembership.ContactGroupResourceName, "contactGroups/")] = true
		}
	}
	if c.Display == "" && len(c.Emails) > 0 {
		c.Display = c.Emails[0].Value
	}
	if c.Display == "" {
		c.Display = "(no name)"
	}
	switch {
	case len(c.Emails) > 0 && c.Display != c.Emails[0].Value:
		c.Subtitle = c.Emails[0].Value
	case len(c.Phones) > 0:
		c.Subtitle = c.Phones[0].Value
	}
	if p.Metadata != nil && len(p.Metadata.Sources) > 0 {
		if t, err := time.Parse(time.RFC3339Nano, p.Metadata.Sources[0].UpdateTime); err == nil {
			c.Updated = t.Format("2006-01-02 15:04:05 MST")
		}
	}
	return c
}

// pageSave creates or updates a contact from the form, keeping what the
// form does not show (other addresses, middle names, custom fields...).
func (e *Emulator) pageSave(w http.ResponseWriter, r *http.Request, acct *Account) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	id := r.PathValue("id")
	f := r.PostForm
	groups := f["groups"]
	if len(groups) == 0 {
		c := formContact(f)
		c.ID, c.ResourceName = id, "people/c"+id
		e.renderContactForm(w, acct, c, id == "", "A contact must have at least one label (keep “My Contacts”).")
		return
	}
	err := e.mutate(acct.Email, func(a *account, now time.Time) error {
		var old *contact
		if id != "" {
			if old = a.contactByName("people/c" + id); old == nil {
				return errNotFound()
			}
		}
		body := formBody(f, old)
		if old == nil {
			if err := e.checkCapacity(a, 1); err != nil {
				return err
			}
			ct, err := e.buildContact(a, body)
			if err != nil {
				return err
			}
			e.commit(a, ct, now)
			return nil
		}
		body["etag"], _ = json.Marshal(old.personETag(false))
		next, err := e.updated(a, old, body, []string{"names", "phoneNumbers", "emailAddresses", "organizations",
			"biographies", "addresses", "memberships"}, false)
		if err != nil {
			return err
		}
		e.commit(a, next, now)
		return nil
	})
	if err != nil {
		c := formContact(f)
		c.ID = id
		e.renderContactForm(w, acct, c, id == "", wrap("save", err).Error())
		return
	}
	http.Redirect(w, r, "/contacts", http.StatusSeeOther)
}

func (e *Emulator) pageDelete(w http.ResponseWriter, r *http.Request, acct *Account) {
	if err := e.DeleteContact(acct.Email, "people/c"+r.PathValue("id")); err != nil {
		http.NotFound(w, r)
		return
	}
	http.Redirect(w, r, "/contacts", http.StatusSeeOther)
}

func (e *Emulator) pageCreateGroup(w http.ResponseWriter, r *http.Request, acct *Account) {
	if _, err := e.EnsureGroup(acct.Email, r.PostFormValue("name")); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	http.Redirect(w, r, "/contacts", http.StatusSeeOther)
}

func formContact(f url.Values) pageContact {
	c := pageContact{Given: f.Get("given"), Family: f.Get("family"), OrgName: f.Get("org_name"), OrgTitle: f.Get("org_title"),
		Note: f.Get("note"), Street: f.Get("addr_street"), Extended: f.Get("addr_ext"), PostalCode: f.Get("addr_postal"),
		City: f.Get("addr_city"), Region: f.Get("addr_region"), Country: f.Get("addr_country"), Groups: map[string]bool{}}
	for _, g := range f["groups"] {
		c.Groups[g] = true
	}
	c.Phones = formRows(f["phone_type"], f["phone_value"])
	c.Emails = formRows(f["email_type"], f["email_value"])
	return c
}

func formRows(types, values []string) []pageRow {
	var out []pageRow
	for i, v := range values {
		if v = strings.TrimSpace(v); v != "" {
			t := "other"
			if i < len(types) && types[i] != "" {
				t = types[i]
			}
			out = append(out, pageRow{Type: t, Value: v})
		}
	}
	return out
}

// formBody turns the form into Person fields, merged over old's entries.
func formBody(f url.Values, old *contact) personBody {
	oldItems := func(field string) []map[string]any {
		var items []map[string]any
		if old != nil {
			_ = json.Unmarshal(old.Fields[field], &items)
		}
		return items
	}
	first := func(field string) (map[string]any, []map[string]any) {
		items := oldItems(field)
		if len(items) == 0 {
			return map[string]any{}, nil
		}
		return items[0], items[1:]
	}
	set := func(m map[string]any, k, v string) {
		if v = strings.TrimSpace(v); v == "" {
			delete(m, k)
		} else {
			m[k] = v
		}
	}
	body := personBody{}
	put := func(field string, items []map[string]any) {
		var keep []map[string]any
		for _, it := range items {
			if hasContent(it) {
				keep = append(keep, it)
			}
		}
		body[field], _ = json.Marshal(keep)
	}
	name, _ := first("names")
	delete(name, "unstructuredName")
	set(name, "givenName", f.Get("given"))
	set(name, "familyName", f.Get("family"))
	put("names", []map[string]any{name})

	org, orgRest := first("organizations")
	set(org, "name", f.Get("org_name"))
	set(org, "title", f.Get("org_title"))
	put("organizations", append([]map[string]any{org}, orgRest...))

	bio := map[string]any{}
	set(bio, "value", f.Get("note"))
	put("biographies", []map[string]any{bio})

	addr, addrRest := first("addresses")
	delete(addr, "formattedValue")
	for k, field := range map[string]string{"streetAddress": "addr_street", "extendedAddress": "addr_ext",
		"postalCode": "addr_postal", "city": "addr_city", "region": "addr_region", "country": "addr_country"} {
		set(addr, k, f.Get(field))
	}
	if addr["type"] == nil && len(addr) > 0 {
		addr["type"] = "home"
	}
	put("addresses", append([]map[string]any{addr}, addrRest...))

	for _, kind := range []struct{ field, prefix string }{{"phoneNumbers", "phone"}, {"emailAddresses", "email"}} {
		olds := oldItems(kind.field)
		var items []map[string]any
		for i, row := range formRows(f[kind.prefix+"_type"], f[kind.prefix+"_value"]) {
			it := map[string]any{}
			if i < len(olds) {
				it = olds[i]
			}
			it["type"], it["value"] = row.Type, row.Value
			items = append(items, it)
		}
		put(kind.field, items)
	}
	var ms []map[string]any
	for _, g := range f["groups"] {
		ms = append(ms, map[string]any{"contactGroupMembership": map[string]any{"contactGroupResourceName": "contactGroups/" + g}})
	}
	body["memberships"], _ = json.Marshal(ms)
	return body
}

// derivedKeys are computed or descriptive: an item with nothing else is empty.
var derivedKeys = set("metadata", "type", "formattedType", "contentType", "displayName", "displayNameLastFirst",
	"unstructuredName", "formattedValue", "canonicalForm")

func hasContent(it map[string]any) bool {
	for k, v := range it {
		if s, ok := v.(string); !derivedKeys[k] && (!ok || s != "") {
			return true
		}
	}
	return false
}
