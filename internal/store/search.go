package store

import (
	"context"
	"database/sql"
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
// list order at a time; defaultIndexCap is how many matches it takes from the
// text index to sort them itself.
const (
	defaultScanWindow = 2000
	defaultIndexCap   = 4000
)

// searchContacts returns the first n contacts selected by b whose search text
// matches every word, in list order, and their sort keys.
//
// A text index answers a rare word at once, but a common one ("a", "06",
// "example") matches most contacts, and collecting and sorting all of them
// to show the first page takes longer than the 30 ms we allow. So:
//
//  1. the first scanWindow rows of the listing are tested here: a page of
//     matches there (or the end of the listing) is the answer, and most
//     common words stop here;
//  2. else the index is asked for at most indexCap matches: when that is all
//     of them, the first n in list order are the answer (PostgreSQL sorts
//     all the matches itself instead: see sortedMatches);
//  3. else the word is common but its matches lie further down the listing
//     (a country's phone prefix; a last-name prefix such as "sch"): the
//     database walks the listing in order and tests each row against the
//     index's matches, which costs a fraction of looking each match up.
//
// At 100k contacts on SQLite: 1 is about 1 ms, 2 about 2 µs per match, 3
// about 0.2 µs per row walked plus 0.5 µs per match.
func (db *DB) searchContacts(ctx context.Context, b whereBuilder, ws []string, n int) ([]*crm.Contact, []string, error) {
	ids, complete, err := db.scanListing(ctx, b, ws, n)
	switch {
	case err != nil:
		return nil, nil, err
	case len(ids) == n || complete:
		return contactsByID(ctx, db.r, ids, n)
	case db.dialect.sortsMatches:
		return db.sortedMatches(ctx, b, ws, n)
	}
	first, all, err := db.indexMatches(ctx, b, ws, n)
	switch {
	case err != nil:
		return nil, nil, err
	case !all:
		return queryContacts(ctx, db.r, b.with(db.dialect.contactMatch("$?"), db.dialect.matchArg(ws)), n)
	}
	ids = ids[:0]
	for _, k := range first {
		ids = append(ids, k.id)
	}
	return contactsByID(ctx, db.r, ids, n)
}

// sortedMatches has PostgreSQL collect the matches through the text index
// (a bitmap scan) and keep the first n in list order (a top-N heapsort).
// Whenever a prefix looks common ("sch") it would rather read the rows one
// by one and test each tsvector — walking the listing's index in order, or
// the whole table: 60 to 83 ms at 100k. Index and sequential scans are
// therefore off for this query.
func (db *DB) sortedMatches(ctx context.Context, b whereBuilder, ws []string, n int) ([]*crm.Contact, []string, error) {
	tx, err := db.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, nil, err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `SELECT set_config('enable_seqscan', 'off', true), set_config('enable_indexscan', 'off', true)`); err != nil {
		return nil, nil, err
	}
	m := b.with(db.dialect.contactMatch("$?"), db.dialect.matchArg(ws))
	rows, err := tx.QueryContext(ctx, `SELECT c.id FROM contacts c`+m.where()+
		fmt.Sprintf(` ORDER BY c.sort_key, c.id LIMIT %d`, n), m.args...)
	if err != nil {
		return nil, nil, err
	}
	var ids []any
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, nil, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	tx.Rollback() // read only; its settings must not reach the next query
	return contactsByID(ctx, db.r, ids, n)
}

// scanListing tests the first scanWindow rows of the listing selected by b
// and returns the ids of up to n of them matching every word, and whether
// those rows were the whole listing.
func (db *DB) scanListing(ctx context.Context, b whereBuilder, ws []string, n int) ([]any, bool, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT c.id, c.search_text FROM contacts c`+b.where()+
		fmt.Sprintf(` ORDER BY c.sort_key, c.id LIMIT %d`, db.scanWindow), b.args...)
	if err != nil {
		return nil, false, err
	}
	defer rows.Close()
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
			return nil, false, err
		}
		scanned++
		if matchesAll(text, ws) {
			ids = append(ids, id)
		}
	}
	return ids, scanned < db.scanWindow, rows.Err()
}

// indexMatches asks the text index for the contacts selected by b matching
// every word and returns the first n in list order, and whether they were
// all (at most db.indexCap). The index's matches come unordered: the
// first n are kept here rather than with ORDER BY ... LIMIT, which PostgreSQL
// may answer by walking the whole list in order and testing every row.
func (db *DB) indexMatches(ctx context.Context, b whereBuilder, ws []string, n int) ([]listKey, bool, error) {
	m := b.with(db.dialect.matchCond("$?"), db.dialect.matchArg(ws))
	rows, err := db.r.QueryContext(ctx, `SELECT c.id, c.sort_key FROM `+db.dialect.matchFrom+m.where()+
		fmt.Sprintf(` LIMIT %d`, db.indexCap+1), m.args...)
	if err != nil {
		return nil, false, err
	}
	defer rows.Close()
	var (
		first []listKey
		count int
	)
	for rows.Next() {
		var k listKey
		if err := rows.Scan(&k.id, &k.sortKey); err != nil {
			return nil, false, err
		}
		first = insertFirst(first, k, n)
		count++
	}
	return first, count <= db.indexCap, rows.Err()
}

// contactsByID reads the contacts a search selected, in list order. The ids
// come from queries scoped by b, so b is not repeated: with the organization
// in the condition, SQLite (without statistics) walked the organization's
// index and tested every contact against the ids.
func contactsByID(ctx context.Context, q querier, ids []any, n int) ([]*crm.Contact, []string, error) {
	if len(ids) == 0 {
		return nil, nil, nil
	}
	var b whereBuilder
	b.add("c.id IN ("+strings.TrimSuffix(strings.Repeat("$?, ", len(ids)), ", ")+")", ids...)
	return queryContacts(ctx, q, b, n)
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
	for _, w := range ws {
		if !hasWordPrefix(text, w) {
			return false
		}
	}
	return true
}

// hasWordPrefix reports whether w starts a word of text (words separated by
// single spaces), without allocating: it runs on every row a search scans.
func hasWordPrefix(text, w string) bool {
	for i := 0; i < len(text); {
		j := strings.Index(text[i:], w)
		if j < 0 {
			return false
		}
		if j += i; j == 0 || text[j-1] == ' ' {
			return true
		}
		i = j + 1
	}
	return false
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

// errInvalidCursor is what a cursor that no page of ours produced gets. It
// is read by API clients and by people following a mangled page link.
var errInvalidCursor = crm.InvalidCursor("cursor", "next_cursor")

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
