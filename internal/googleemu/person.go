package googleemu

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/nyaruka/phonenumbers"
)

// readPersonFields are the valid paths of personFields / readMask.
var readPersonFields = set("addresses", "ageRanges", "biographies", "birthdays", "calendarUrls", "clientData",
	"coverPhotos", "emailAddresses", "events", "externalIds", "genders", "imClients", "interests", "locales",
	"locations", "memberships", "metadata", "miscKeywords", "names", "nicknames", "occupations", "organizations",
	"phoneNumbers", "photos", "relations", "sipAddresses", "skills", "urls", "userDefined")

// updatePersonFields are the valid paths of updatePersonFields / updateMask.
var updatePersonFields = set("addresses", "biographies", "birthdays", "calendarUrls", "clientData",
	"emailAddresses", "events", "externalIds", "genders", "imClients", "interests", "locales", "locations",
	"memberships", "miscKeywords", "names", "nicknames", "occupations", "organizations", "phoneNumbers",
	"relations", "sipAddresses", "urls", "userDefined")

// singletonFields may hold at most one item per contact source.
var singletonFields = set("names", "biographies", "birthdays", "genders")

var formattedTypes = map[string]string{
	"home": "Home", "work": "Work", "mobile": "Mobile", "homeFax": "Home Fax", "workFax": "Work Fax",
	"otherFax": "Other Fax", "pager": "Pager", "workMobile": "Work Mobile", "workPager": "Work Pager",
	"main": "Main", "googleVoice": "Google Voice", "other": "Other", "school": "School",
}

func set(items ...string) map[string]bool {
	m := make(map[string]bool, len(items))
	for _, s := range items {
		m[s] = true
	}
	return m
}

// parseMask splits a comma-separated field mask and checks each path.
func parseMask(raw, param string, valid map[string]bool, required bool) ([]string, error) {
	var out []string
	for _, p := range strings.Split(raw, ",") {
		p = strings.TrimPrefix(strings.TrimSpace(p), "person.")
		if p == "" {
			continue
		}
		if !valid[p] {
			return nil, errInvalid("Invalid %s mask path: %q. Valid paths are documented at https://developers.google.com/people/api/rest/v1/people/get.", param, p)
		}
		out = append(out, p)
	}
	if required && len(out) == 0 {
		return nil, errInvalid("%s mask is required. Please specify one or more valid paths. Valid paths are documented at https://developers.google.com/people/api/rest/v1/people/get.", param)
	}
	return out, nil
}

// personBody is a Person as sent by a client, field by field.
type personBody map[string]json.RawMessage

func decodePerson(raw []byte) (personBody, error) {
	var p personBody
	if err := json.Unmarshal(raw, &p); err != nil || p == nil {
		return nil, errInvalid("Invalid JSON payload received. Expected a Person object.")
	}
	return p, nil
}

// etag returns the etag a client sent: the person etag, else the CONTACT
// source etag of metadata.sources.
func (p personBody) etag() (person, source string) {
	_ = json.Unmarshal(p["etag"], &person)
	var md struct {
		Sources []struct{ Type, Etag string } `json:"sources"`
	}
	_ = json.Unmarshal(p["metadata"], &md)
	for _, s := range md.Sources {
		if s.Type == "CONTACT" {
			source = s.Etag
		}
	}
	return person, source
}

// memberships returns the contact group ids a body's memberships name.
func (p personBody) memberships() ([]string, error) {
	raw, ok := p["memberships"]
	if !ok || isNull(raw) {
		return nil, nil
	}
	var ms []struct {
		ContactGroupMembership *struct {
			ContactGroupID           string `json:"contactGroupId"`
			ContactGroupResourceName string `json:"contactGroupResourceName"`
		} `json:"contactGroupMembership"`
	}
	if err := json.Unmarshal(raw, &ms); err != nil {
		return nil, errInvalid("Invalid value at 'person.memberships'.")
	}
	var ids []string
	for _, m := range ms {
		if m.ContactGroupMembership == nil {
			continue
		}
		id := strings.TrimPrefix(m.ContactGroupMembership.ContactGroupResourceName, "contactGroups/")
		if id == "" {
			id = m.ContactGroupMembership.ContactGroupID
		}
		if id != "" {
			ids = append(ids, id)
		}
	}
	return ids, nil
}

func isNull(raw json.RawMessage) bool {
	t := bytes.TrimSpace(raw)
	return len(t) == 0 || bytes.Equal(t, []byte("null"))
}

// normalizeField validates one top-level field of a written person and adds
// what Google computes: item metadata, canonicalForm, formattedType,
// displayName, formattedValue. It returns nil for an empty field.
func (e *Emulator) normalizeField(name string, raw json.RawMessage, sourceID string) (json.RawMessage, error) {
	if isNull(raw) {
		return nil, nil
	}
	var items []map[string]any
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, errInvalid("Invalid value at 'person.%s': expected a list.", name)
	}
	if len(items) == 0 {
		return nil, nil
	}
	if singletonFields[name] && len(items) > 1 {
		return nil, errInvalid("Cannot have more than one person.%s per source.", name)
	}
	for i, it := range items {
		if it == nil {
			return nil, errInvalid("Invalid value at 'person.%s[%d]'.", name, i)
		}
		md := map[string]any{"source": map[string]any{"type": "CONTACT", "id": sourceID}}
		if i == 0 {
			md["primary"] = true
			md["sourcePrimary"] = true
		}
		it["metadata"] = md
		if t, ok := it["type"].(string); ok && t != "" {
			ft := formattedTypes[t]
			if ft == "" {
				ft = t
			}
			it["formattedType"] = ft
		} else {
			delete(it, "formattedType")
		}
		switch name {
		case "names":
			normalizeName(it)
		case "phoneNumbers":
			delete(it, "canonicalForm")
			if v, _ := it["value"].(string); v != "" {
				if c := canonicalPhone(v, e.opts.DefaultRegion); c != "" {
					it["canonicalForm"] = c
				}
			}
		case "addresses":
			if fv, _ := it["formattedValue"].(string); fv == "" {
				it["formattedValue"] = formatAddress(it)
			}
		case "biographies":
			if _, ok := it["contentType"]; !ok {
				it["contentType"] = "TEXT_PLAIN"
			}
		}
	}
	out, err := json.Marshal(items)
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", name, err)
	}
	return out, nil
}

func normalizeName(it map[string]any) {
	str := func(k string) string { s, _ := it[k].(string); return strings.TrimSpace(s) }
	parts := func(ss ...string) string {
		var out []string
		for _, s := range ss {
			if s != "" {
				out = append(out, s)
			}
		}
		return strings.Join(out, " ")
	}
	display := parts(str("honorificPrefix"), str("givenName"), str("middleName"), str("familyName"), str("honorificSuffix"))
	if display == "" {
		display = str("unstructuredName")
	}
	lastFirst := str("familyName")
	if rest := parts(str("givenName"), str("middleName")); rest != "" {
		if lastFirst != "" {
			lastFirst += ", " + rest
		} else {
			lastFirst = rest
		}
	}
	if lastFirst == "" {
		lastFirst = display
	}
	it["displayName"] = display
	it["displayNameLastFirst"] = lastFirst
	if str("unstructuredName") == "" && display != "" {
		it["unstructuredName"] = display
	}
}

func formatAddress(it map[string]any) string {
	var lines []string
	for _, k := range []string{"poBox", "streetAddress", "extendedAddress"} {
		if s, _ := it[k].(string); s != "" {
			lines = append(lines, s)
		}
	}
	var cityLine []string
	for _, k := range []string{"postalCode", "city", "region"} {
		if s, _ := it[k].(string); s != "" {
			cityLine = append(cityLine, s)
		}
	}
	if len(cityLine) > 0 {
		lines = append(lines, strings.Join(cityLine, " "))
	}
	if s, _ := it["country"].(string); s != "" {
		lines = append(lines, s)
	} else if s, _ := it["countryCode"].(string); s != "" {
		lines = append(lines, s)
	}
	return strings.Join(lines, "\n")
}

// canonicalPhone is the E.164 form of a possible number, or "".
func canonicalPhone(v, region string) string {
	n, err := phonenumbers.Parse(v, region)
	if err != nil {
		return ""
	}
	if phonenumbers.IsPossibleNumberWithReason(n) != phonenumbers.IS_POSSIBLE {
		return ""
	}
	return phonenumbers.Format(n, phonenumbers.E164)
}

// applyFields writes the masked fields of body into c (replace, or clear when
// absent from the body); memberships are handled by the caller.
func (e *Emulator) applyFields(c *contact, body personBody, mask []string) error {
	next := make(map[string]json.RawMessage, len(c.Fields))
	for k, v := range c.Fields {
		next[k] = v
	}
	for _, f := range mask {
		if f == "memberships" {
			continue
		}
		v, err := e.normalizeField(f, body[f], c.sourceID())
		if err != nil {
			return err
		}
		if v == nil {
			delete(next, f)
		} else {
			next[f] = v
		}
	}
	c.Fields = next
	return nil
}

// writableFieldsOf lists the writable fields present in a create body.
func writableFieldsOf(body personBody) []string {
	var out []string
	for k := range body {
		if updatePersonFields[k] {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// render builds the Person JSON of c restricted to mask.
func (a *account) render(c *contact, mask []string, fromList bool) map[string]any {
	p := map[string]any{"resourceName": c.resourceName(), "etag": c.personETag(fromList)}
	md := map[string]any{
		"sources": []map[string]any{{
			"type": "CONTACT", "id": c.sourceID(), "etag": c.sourceETag(),
			"updateTime": c.Updated.UTC().Format(time.RFC3339Nano),
		}},
		"objectType": "PERSON",
	}
	if c.Deleted {
		md["deleted"] = true
		p["metadata"] = md
		return p
	}
	for _, f := range mask {
		switch f {
		case "metadata":
			p["metadata"] = md
		case "memberships":
			if ms := a.membershipsJSON(c); len(ms) > 0 {
				p["memberships"] = ms
			}
		default:
			if v, ok := c.Fields[f]; ok {
				if fromList && (f == "emailAddresses" || f == "phoneNumbers") {
					v = capItems(v, maxListItems)
				}
				p[f] = v
			}
		}
	}
	return p
}

// maxListItems caps emails and phones per person in connections.list.
const maxListItems = 100

func capItems(raw json.RawMessage, n int) json.RawMessage {
	if bytes.Count(raw, []byte(`"metadata"`)) <= n {
		return raw
	}
	var items []json.RawMessage
	if json.Unmarshal(raw, &items) != nil || len(items) <= n {
		return raw
	}
	out, err := json.Marshal(items[:n])
	if err != nil {
		return raw
	}
	return out
}

func (a *account) membershipsJSON(c *contact) []map[string]any {
	var out []map[string]any
	for _, id := range c.Groups {
		out = append(out, map[string]any{
			"metadata": map[string]any{"source": map[string]any{"type": "CONTACT", "id": c.sourceID()}},
			"contactGroupMembership": map[string]any{
				"contactGroupId": id, "contactGroupResourceName": "contactGroups/" + id,
			},
		})
	}
	return out
}

// renderSelf is people/me: the account's own profile.
func (a *account) renderSelf(mask []string) map[string]any {
	src := map[string]any{"type": "PROFILE", "id": a.Sub}
	p := map[string]any{"resourceName": "people/" + a.Sub, "etag": "%EgMBAgMa" + a.Sub}
	for _, f := range mask {
		switch f {
		case "names":
			p["names"] = []map[string]any{{"metadata": map[string]any{"primary": true, "source": src},
				"displayName": a.Name, "unstructuredName": a.Name}}
		case "emailAddresses":
			p["emailAddresses"] = []map[string]any{{"metadata": map[string]any{"primary": true, "verified": true,
				"source": map[string]any{"type": "ACCOUNT", "id": a.Sub}}, "value": a.Email}}
		case "metadata":
			p["metadata"] = map[string]any{"sources": []any{src}, "objectType": "PERSON"}
		}
	}
	return p
}

// searchText is what searchContacts matches against.
func (c *contact) searchText() []string {
	var out []string
	add := func(field string, keys ...string) {
		var items []map[string]any
		_ = json.Unmarshal(c.Fields[field], &items)
		for _, it := range items {
			for _, k := range keys {
				if s, _ := it[k].(string); s != "" {
					out = append(out, s)
				}
			}
		}
	}
	add("names", "displayName", "givenName", "familyName", "middleName", "unstructuredName")
	add("nicknames", "value")
	add("emailAddresses", "value")
	add("phoneNumbers", "value", "canonicalForm")
	add("organizations", "name", "title")
	return out
}

// matchesPrefixPhrase reports whether q is a prefix of a phrase of s that
// starts at a word boundary ("foo name" matches "f", "foo n", "nam").
func matchesPrefixPhrase(s, q string) bool {
	words := strings.Fields(strings.ToLower(s))
	for i := range words {
		if strings.HasPrefix(strings.Join(words[i:], " "), q) {
			return true
		}
	}
	return false
}
