package googleemu

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// state is everything that persists: accounts with their contacts and
// groups, OAuth grants and tokens. It is guarded by Emulator.mu.
type state struct {
	Accounts  map[string]*account     `json:"accounts"` // by sub
	Grants    map[string]*grant       `json:"grants"`   // by refresh token
	Tokens    map[string]*accessToken `json:"tokens"`   // by access token
	Codes     map[string]*authCode    `json:"-"`
	NextID    uint64                  `json:"next_id"`
	TokenGen  int                     `json:"token_gen"` // sync tokens of older generations are expired
	Consented map[string][]string     `json:"consented"` // sub+"|"+client -> scopes granted
	KeyDER    []byte                  `json:"signing_key,omitempty"`
	// Sessions of the contacts page (session id -> account sub), kept so
	// that a restart does not sign people out.
	Sessions map[string]string `json:"sessions,omitempty"`
}

type account struct {
	Sub      string              `json:"sub"`
	Email    string              `json:"email"`
	Name     string              `json:"name"`
	Seq      uint64              `json:"seq"` // change sequence of this account's contacts and groups
	Contacts map[uint64]*contact `json:"contacts"`
	Groups   map[string]*group   `json:"groups"`
	Created  time.Time           `json:"created"`
	live     int                 // live (not deleted) contacts, recomputed on load
	// searchWarmups are the times of searchContacts warm-up requests (see
	// Options.SearchNeedsWarmup); the search cache is not kept on restart.
	searchWarmups []time.Time
	// Renamed maps a contact's former resource names to its id (rename.go).
	Renamed map[string]uint64 `json:"renamed,omitempty"`
}

type contact struct {
	ID      uint64                     `json:"id"`
	Fields  map[string]json.RawMessage `json:"fields"` // top-level Person fields except memberships/metadata
	Groups  []string                   `json:"groups"` // contact group ids, sorted
	Rev     uint64                     `json:"rev"`    // bumped on every mutation; the etag
	Seq     uint64                     `json:"seq"`    // account change sequence of the last mutation
	Updated time.Time                  `json:"updated"`
	Deleted bool                       `json:"deleted,omitempty"`
	// Previous lists the contact's former resource names (rename.go).
	Previous []string `json:"previous,omitempty"`
}

type group struct {
	ID         string          `json:"id"`
	Name       string          `json:"name"`
	System     bool            `json:"system,omitempty"`
	ClientData json.RawMessage `json:"client_data,omitempty"`
	Rev        uint64          `json:"rev"`
	Seq        uint64          `json:"seq"`
	Updated    time.Time       `json:"updated"`
	Deleted    bool            `json:"deleted,omitempty"`
}

const (
	groupMyContacts = "myContacts"
	groupStarred    = "starred"
)

func newState() *state {
	return &state{
		Accounts:  map[string]*account{},
		Grants:    map[string]*grant{},
		Tokens:    map[string]*accessToken{},
		Codes:     map[string]*authCode{},
		Consented: map[string][]string{},
		Sessions:  map[string]string{},
		NextID:    1,
	}
}

// resourceName of a contact: people/c + the decimal form of its hex source id.
func (c *contact) resourceName() string { return "people/c" + strconv.FormatUint(c.ID, 10) }
func (c *contact) sourceID() string     { return strconv.FormatUint(c.ID, 16) }

// sourceETag is the "#..." etag of the CONTACT source.
func (c *contact) sourceETag() string {
	h := sha256.Sum256([]byte(fmt.Sprintf("%d/%d", c.ID, c.Rev)))
	return "#" + base64.StdEncoding.EncodeToString(h[:8])
}

// personETag is the opaque person etag; it encodes the revision and whether
// it was read through connections.list (see Options.RejectListETags).
func (c *contact) personETag(fromList bool) string {
	kind := "g"
	if fromList {
		kind = "l"
	}
	return "%" + base64.StdEncoding.EncodeToString([]byte(fmt.Sprintf("EgcBAgM%s|%d|%d", kind, c.ID, c.Rev)))
}

// parseETag returns the contact id, revision and list flag of a person etag.
func parseETag(s string) (id, rev uint64, fromList bool, ok bool) {
	if len(s) < 2 || s[0] != '%' {
		return 0, 0, false, false
	}
	b, err := base64.StdEncoding.DecodeString(s[1:])
	if err != nil {
		return 0, 0, false, false
	}
	var kind string
	if _, err := fmt.Sscanf(string(b), "EgcBAgM%1s|%d|%d", &kind, &id, &rev); err != nil {
		return 0, 0, false, false
	}
	return id, rev, kind == "l", true
}

func (c *contact) inGroup(id string) bool {
	i := sort.SearchStrings(c.Groups, id)
	return i < len(c.Groups) && c.Groups[i] == id
}

func (c *contact) addGroup(id string) bool {
	if c.inGroup(id) {
		return false
	}
	c.Groups = append(c.Groups, id)
	sort.Strings(c.Groups)
	return true
}

func (c *contact) removeGroup(id string) bool {
	i := sort.SearchStrings(c.Groups, id)
	if i >= len(c.Groups) || c.Groups[i] != id {
		return false
	}
	c.Groups = append(c.Groups[:i], c.Groups[i+1:]...)
	return true
}

// newID returns a unique id that looks like Google's: a bijective mix of a
// counter, so ids are unique and spread over 63 bits.
func (s *state) newID() uint64 {
	s.NextID++
	z := s.NextID + 0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	z ^= z >> 31
	return z & 0x7fffffffffffffff
}

// nextSeq returns a number greater than any returned before.
func (s *state) nextSeq() uint64 {
	s.NextID++
	return s.NextID
}

// touch marks a contact changed at now: new revision, new change sequence.
func (a *account) touch(c *contact, now time.Time) {
	a.Seq++
	c.Seq = a.Seq
	c.Rev++
	c.Updated = now
}

func (a *account) touchGroup(g *group, now time.Time) {
	a.Seq++
	g.Seq = a.Seq
	g.Rev++
	g.Updated = now
}

func (a *account) liveContacts() int { return a.live }

func (a *account) countLive() {
	a.live = 0
	for _, c := range a.Contacts {
		if !c.Deleted {
			a.live++
		}
	}
}

// contactByName finds a live contact by resource name.
func (a *account) contactByName(rn string) *contact {
	var id uint64
	if _, err := fmt.Sscanf(rn, "people/c%d", &id); err != nil || rn != "people/c"+strconv.FormatUint(id, 10) {
		return nil
	}
	c := a.Contacts[id]
	if c == nil || c.Deleted {
		return nil
	}
	return c
}

func (a *account) groupByName(name string) *group {
	for _, g := range a.Groups {
		if !g.Deleted && g.Name == name {
			return g
		}
	}
	return nil
}

// addAccount creates the account for email if it does not exist yet.
func (s *state) addAccount(email, name string, now time.Time) *account {
	email = normEmail(email)
	for _, a := range s.Accounts {
		if a.Email == email {
			if name != "" && a.Name == "" {
				a.Name = name
			}
			return a
		}
	}
	h := sha256.Sum256([]byte("sub:" + email))
	sub := "1" + strconv.FormatUint(uint64(h[0])<<48|uint64(h[1])<<40|uint64(h[2])<<32|uint64(h[3])<<24|uint64(h[4])<<16|uint64(h[5])<<8|uint64(h[6]), 10)
	for len(sub) < 21 {
		sub += strconv.Itoa(int(h[len(sub)%32]) % 10)
	}
	if name == "" {
		name = email
		if i := strings.IndexByte(email, '@'); i > 0 {
			name = email[:i]
		}
	}
	a := &account{Sub: sub, Email: email, Name: name, Contacts: map[uint64]*contact{}, Groups: map[string]*group{}, Created: now}
	for _, id := range []string{groupMyContacts, groupStarred} {
		a.Groups[id] = &group{ID: id, Name: id, System: true, Updated: now}
	}
	s.Accounts[sub] = a
	return a
}

func (s *state) accountByEmail(email string) *account {
	email = normEmail(email)
	for _, a := range s.Accounts {
		if a.Email == email {
			return a
		}
	}
	return nil
}

func (s *state) sortedAccounts() []*account {
	out := make([]*account, 0, len(s.Accounts))
	for _, a := range s.Accounts {
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].Created.Before(out[j].Created) || out[i].Created.Equal(out[j].Created) && out[i].Email < out[j].Email
	})
	return out
}

func randomToken(prefix string, n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return prefix + hex.EncodeToString(b)
}

func (a *account) sortedContacts() []*contact {
	var out []*contact
	for _, c := range a.Contacts {
		if !c.Deleted {
			out = append(out, c)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Seq < out[j].Seq })
	return out
}

func (a *account) sortedGroups() []*group {
	var out []*group
	for _, g := range a.Groups {
		if !g.Deleted {
			out = append(out, g)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].System != out[j].System {
			return out[i].System
		}
		return out[i].Name < out[j].Name
	})
	return out
}
