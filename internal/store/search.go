package store

import (
	"context"
	"encoding/base64"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"

	"simplecrm/internal/crm"
)

// Search works the same on both engines because the words are made here, in
// Go: a contact's search text is its folded words (lower case, no diacritics,
// letters and digits only) joined by spaces, and a query is folded the same
// way. Each query word must then be a prefix of some word of the text; FTS5
// and PostgreSQL's tsvector only index and match those ready-made words.

const (
	// maxWordLen bounds indexed and queried words alike, so a long word still
	// matches by its first maxWordLen characters on both engines.
	maxWordLen = 64
	// maxQueryWords bounds the work one search can ask for.
	maxQueryWords = 16
)

// specialFolds are letters that do not decompose into a base letter and a
// combining mark, folded to what people type when their keyboard lacks them.
var specialFolds = strings.NewReplacer(
	"ß", "ss", "æ", "ae", "œ", "oe", "ø", "o", "ł", "l", "đ", "d", "ð", "d", "þ", "th", "ı", "i",
)

// fold lower-cases s and removes its diacritics: "Émile Zoë" → "emile zoe".
func fold(s string) string {
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	out, _, err := transform.String(t, strings.ToLower(s))
	if err != nil {
		out = strings.ToLower(s)
	}
	return specialFolds.Replace(out)
}

// words splits folded text into runs of letters and digits.
func words(folded string) []string {
	ws := strings.FieldsFunc(folded, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	for i, w := range ws {
		if len(w) > maxWordLen {
			r := []rune(w)
			if len(r) > maxWordLen {
				ws[i] = string(r[:maxWordLen])
			}
		}
	}
	return ws
}

// queryWords returns the distinct folded words of a user's query; none means
// "everything".
func queryWords(q string) []string {
	var out []string
	seen := map[string]bool{}
	for _, w := range words(fold(q)) {
		if !seen[w] && len(out) < maxQueryWords {
			seen[w] = true
			out = append(out, w)
		}
	}
	return out
}

// defaultScanWindow is how many rows of a listing searchContacts reads in
// list order before it turns to the text index.
const defaultScanWindow = 2000

// searchContacts returns the first n contacts selected by b whose search text
// matches every word, in list order, and their sort keys.
//
// A text index answers a rare word at once, but a common one ("a", "06",
// "example") matches most contacts, and collecting and sorting all of them
// to show the first page takes longer than the 30 ms we allow. So the first
// scanWindow rows of the listing are checked here first: if they hold a
// page of matches (or are all there is), that is the answer, read in list
// order and cut short; only a rarer query, whose matches are then few, goes
// to the index.
func (db *DB) searchContacts(ctx context.Context, b whereBuilder, ws []string, n int) ([]*crm.Contact, []string, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT c.id, c.search_text FROM contacts c`+b.where()+
		fmt.Sprintf(` ORDER BY c.sort_key, c.id LIMIT %d`, db.scanWindow), b.args...)
	if err != nil {
		return nil, nil, err
	}
	var (
		ids     []any
		scanned int
	)
	for rows.Next() && len(ids) < n {
		var (
			id   int64
			text string
		)
		if err := rows.Scan(&id, &text); err != nil {
			rows.Close()
			return nil, nil, err
		}
		scanned++
		if matchesAll(text, ws) {
			ids = append(ids, id)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	if len(ids) == n || scanned < db.scanWindow {
		if len(ids) == 0 {
			return nil, nil, nil
		}
		return queryContacts(ctx, db.r, b.with("c.id IN ("+strings.TrimSuffix(strings.Repeat("$?, ", len(ids)), ", ")+")", ids...), n)
	}
	// The index's matches come unordered: keep the first n in list order
	// here rather than with ORDER BY ... LIMIT, which PostgreSQL may answer
	// by walking the whole list in order and testing every row.
	b = b.with(db.dialect.contactMatch("$?"), db.dialect.matchArg(ws))
	rows, err = db.r.QueryContext(ctx, `SELECT c.id, c.sort_key FROM contacts c`+b.where(), b.args...)
	if err != nil {
		return nil, nil, err
	}
	var first []listKey
	for rows.Next() {
		var k listKey
		if err := rows.Scan(&k.id, &k.sortKey); err != nil {
			rows.Close()
			return nil, nil, err
		}
		first = insertFirst(first, k, n)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	if len(first) == 0 {
		return nil, nil, nil
	}
	ids = ids[:0]
	for _, k := range first {
		ids = append(ids, k.id)
	}
	return queryContacts(ctx, db.r, b.with("c.id IN ("+strings.TrimSuffix(strings.Repeat("$?, ", len(ids)), ", ")+")", ids...), n)
}

// listKey is a contact's place in a listing: sort key, then id.
type listKey struct {
	sortKey string
	id      int64
}

func (k listKey) less(o listKey) bool {
	return k.sortKey < o.sortKey || k.sortKey == o.sortKey && k.id < o.id
}

// insertFirst inserts k into sorted, which holds at most the n first keys.
func insertFirst(sorted []listKey, k listKey, n int) []listKey {
	i := sort.Search(len(sorted), func(i int) bool { return k.less(sorted[i]) })
	if i >= n {
		return sorted
	}
	if len(sorted) < n {
		sorted = append(sorted, listKey{})
	}
	copy(sorted[i+1:], sorted[i:])
	sorted[i] = k
	return sorted
}

// matchesAll reports whether every query word is a prefix of a word of the
// search text: what the text indexes answer, computed here.
func matchesAll(text string, ws []string) bool {
	textWords := strings.Fields(text)
	for _, w := range ws {
		found := false
		for _, tw := range textWords {
			if strings.HasPrefix(tw, w) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// searchText collects the distinct words of texts and phone numbers. A phone
// also yields its digits alone, so "0612" finds "06 12 34 56 78".
type searchText struct {
	seen  map[string]bool
	words []string
}

func (s *searchText) add(texts ...string) {
	if s.seen == nil {
		s.seen = map[string]bool{}
	}
	for _, t := range texts {
		for _, w := range words(fold(t)) {
			if !s.seen[w] {
				s.seen[w] = true
				s.words = append(s.words, w)
			}
		}
	}
}

func (s *searchText) addPhone(phones ...string) {
	for _, p := range phones {
		s.add(p)
		s.add(strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' {
				return r
			}
			return -1
		}, p))
	}
}

func (s *searchText) String() string { return strings.Join(s.words, " ") }

// contactSearchText is what a contact is found by: its name, emails, phones and
// the names of the companies it works for. Employments must carry CompanyName.
func contactSearchText(c *crm.Contact) string {
	var s searchText
	s.add(c.FirstName, c.LastName, c.PersonalEmail)
	s.addPhone(c.HomePhone, c.MobilePhone)
	for _, e := range c.Employments {
		s.add(e.CompanyName, e.WorkEmail)
		s.addPhone(e.WorkPhone, e.WorkMobile)
	}
	return s.String()
}

func companySearchText(name string) string {
	var s searchText
	s.add(name)
	return s.String()
}

// contactSortKey orders contacts by last name, then first name, ignoring case
// and diacritics; a contact with neither sorts by its email.
func contactSortKey(c *crm.Contact) string {
	k := strings.TrimSpace(fold(c.LastName) + " " + fold(c.FirstName))
	if k == "" {
		k = fold(c.PersonalEmail)
	}
	return k
}

func companySortKey(name string) string { return fold(name) }

// likeWord is the LIKE pattern that finds word as a prefix of a word of a
// search text preceded by a space. Words hold only letters and digits, so no
// LIKE wildcard can come from the user.
func likeWord(w string) string { return "% " + w + "%" }

// A cursor is the sort key and id of the last row of a page, base64-encoded so
// that clients treat it as opaque.

func encodeCursor(sortKey string, id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(id, 10) + ":" + sortKey))
}

func decodeCursor(s string) (sortKey string, id int64, err error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return "", 0, errInvalidCursor
	}
	num, key, ok := strings.Cut(string(b), ":")
	id, err = strconv.ParseInt(num, 10, 64)
	// The key goes back to the database as text: it must be valid UTF-8
	// without NUL, which PostgreSQL refuses.
	if !ok || err != nil || id <= 0 || !utf8.ValidString(key) || strings.ContainsRune(key, 0) {
		return "", 0, errInvalidCursor
	}
	return key, id, nil
}

// errInvalidCursor is what a cursor that no page of ours produced gets.
var errInvalidCursor = crm.Errorf(crm.EINVALID, "invalid cursor")

// pageSize applies crm.DefaultPageSize and crm.MaxPageSize.
func pageSize(limit int) int {
	switch {
	case limit <= 0:
		return crm.DefaultPageSize
	case limit > crm.MaxPageSize:
		return crm.MaxPageSize
	}
	return limit
}
