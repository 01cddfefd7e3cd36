// Package vcard reads and writes vCards (RFC 2426 3.0, RFC 6350 4.0) the way
// CardDAV and import need them: a card is kept as its content lines, each with
// its original text, so that a card the CRM changes is re-serialized with only
// the changed lines rewritten, and every other line (unknown properties,
// itemN. groups, parameters, photos, line folding) stays byte for byte.
//
// go-vcard is not used for this: its decoder leaves "\;" escaped and splits N
// and ADR on it, and its encoder doubles backslashes, escapes the commas that
// separate CATEGORIES and does not fold lines (docs/carddav.md). It is still
// what carddav uses to evaluate addressbook-query filters.
package vcard

import (
	"bytes"
	"fmt"
	"strings"
)

// Card is one vCard: its content lines between BEGIN:VCARD and END:VCARD.
type Card struct {
	Lines []*Line
	// StartLine is the 1-based line number of BEGIN:VCARD in the parsed input,
	// for error reports of imports.
	StartLine int
}

// Line is one content line: group.NAME;params:value.
type Line struct {
	Group  string
	Name   string // upper-cased
	Params []Param
	Value  string // as on the wire: escaped, structured values joined with ';'
	// raw is the line's original text, folding included and line ends
	// excluded; it is what Encode writes until the line is changed.
	raw string
}

// Param is one parameter with its values, unquoted.
type Param struct {
	Name   string // upper-cased
	Values []string
}

// ParseError is a vCard that cannot be read, with the line it was found on.
type ParseError struct {
	Line int
	Msg  string
}

func (e *ParseError) Error() string { return fmt.Sprintf("line %d: %s", e.Line, e.Msg) }

// Parse reads every card of data. A line outside a card, or a card without
// END, is an error naming its line. Line ends may be CRLF or LF.
func Parse(data []byte) ([]*Card, error) {
	var (
		cards []*Card
		cur   *Card
	)
	lines := unfold(data)
	for _, pl := range lines {
		if strings.TrimSpace(pl.text) == "" {
			continue
		}
		l, err := parseLine(pl.text)
		if err != nil {
			return cards, &ParseError{pl.num, err.Error()}
		}
		l.raw = pl.raw
		switch {
		case l.Name == "BEGIN" && strings.EqualFold(l.Value, "VCARD"):
			if cur != nil {
				return cards, &ParseError{pl.num, "BEGIN:VCARD inside a card"}
			}
			cur = &Card{StartLine: pl.num}
		case l.Name == "END" && strings.EqualFold(l.Value, "VCARD"):
			if cur == nil {
				return cards, &ParseError{pl.num, "END:VCARD without BEGIN:VCARD"}
			}
			if cur.Version() == "" {
				return cards, &ParseError{cur.StartLine, "card without VERSION"}
			}
			cards = append(cards, cur)
			cur = nil
		case cur == nil:
			return cards, &ParseError{pl.num, "text outside BEGIN:VCARD and END:VCARD"}
		default:
			cur.Lines = append(cur.Lines, l)
		}
	}
	if cur != nil {
		return cards, &ParseError{cur.StartLine, "card without END:VCARD"}
	}
	return cards, nil
}

// ParseOne reads data that must hold exactly one card, as a CardDAV resource does.
func ParseOne(data []byte) (*Card, error) {
	cards, err := Parse(data)
	if err != nil {
		return nil, err
	}
	if len(cards) != 1 {
		return nil, &ParseError{1, fmt.Sprintf("expected one card, found %d", len(cards))}
	}
	return cards[0], nil
}

// Encode writes the card with CRLF line ends. Unchanged lines are written as
// they were read; changed and new lines are escaped and folded at 75 octets.
func (c *Card) Encode() []byte {
	var b bytes.Buffer
	b.WriteString("BEGIN:VCARD\r\n")
	for _, l := range c.Lines {
		if l.raw != "" {
			b.WriteString(l.raw)
		} else {
			fold(&b, l.text())
		}
		b.WriteString("\r\n")
	}
	b.WriteString("END:VCARD\r\n")
	return b.Bytes()
}

// Version returns the VERSION value ("3.0", "4.0"), or "".
func (c *Card) Version() string {
	if l := c.First("VERSION"); l != nil {
		return strings.TrimSpace(l.Value)
	}
	return ""
}

// UID returns the card's UID, or "".
func (c *Card) UID() string {
	if l := c.First("UID"); l != nil {
		return strings.TrimSpace(UnescapeText(l.Value))
	}
	return ""
}

// First returns the first line named name, or nil.
func (c *Card) First(name string) *Line {
	for _, l := range c.Lines {
		if l.Name == name {
			return l
		}
	}
	return nil
}

// All returns the lines named name, in order.
func (c *Card) All(name string) []*Line {
	var out []*Line
	for _, l := range c.Lines {
		if l.Name == name {
			out = append(out, l)
		}
	}
	return out
}

// Add appends a new line.
func (c *Card) Add(l *Line) { c.Lines = append(c.Lines, l) }

// Remove deletes a line from the card.
func (c *Card) Remove(l *Line) {
	for i, x := range c.Lines {
		if x == l {
			c.Lines = append(c.Lines[:i], c.Lines[i+1:]...)
			return
		}
	}
}

// NewLine returns a line with a raw (already escaped) value; see Text and
// Structured for values that need escaping.
func NewLine(name, value string, params ...Param) *Line {
	return &Line{Name: strings.ToUpper(name), Value: value, Params: params}
}

// SetValue replaces the line's raw value; the line is re-serialized.
func (l *Line) SetValue(raw string) {
	if raw != l.Value {
		l.Value, l.raw = raw, ""
	}
}

// Text returns the value unescaped, for text properties (FN, NOTE, EMAIL...).
func (l *Line) Text() string { return UnescapeText(l.Value) }

// Components returns the unescaped components of a structured value (N, ADR, ORG).
func (l *Line) Components() []string { return SplitStructured(l.Value) }

// Types returns the line's TYPE values, lower-cased, with comma lists split
// (TYPE=home,voice and TYPE="home,voice" alike), plus vCard 2.1's bare
// parameters (TEL;HOME;CELL).
func (l *Line) Types() []string {
	var out []string
	for _, p := range l.Params {
		if p.Name != "TYPE" {
			continue
		}
		for _, v := range p.Values {
			for _, t := range strings.Split(v, ",") {
				if t = strings.ToLower(strings.TrimSpace(t)); t != "" {
					out = append(out, t)
				}
			}
		}
	}
	return out
}

// HasType reports whether the line has the TYPE t (case-insensitive).
func (l *Line) HasType(t string) bool {
	for _, x := range l.Types() {
		if x == strings.ToLower(t) {
			return true
		}
	}
	return false
}

// text is the line serialized from its parts, unfolded.
func (l *Line) text() string {
	var b strings.Builder
	if l.Group != "" {
		b.WriteString(l.Group + ".")
	}
	b.WriteString(l.Name)
	for _, p := range l.Params {
		b.WriteString(";" + p.Name)
		for i, v := range p.Values {
			if i == 0 {
				b.WriteByte('=')
			} else {
				b.WriteByte(',')
			}
			v = strings.NewReplacer("\"", "", "\r", "", "\n", " ").Replace(v)
			if strings.ContainsAny(v, ":;,") {
				v = `"` + v + `"`
			}
			b.WriteString(v)
		}
	}
	b.WriteByte(':')
	b.WriteString(strings.NewReplacer("\r\n", `\n`, "\n", `\n`, "\r", `\n`).Replace(l.Value))
	return b.String()
}

// fold writes s in lines of at most 75 octets (RFC 6350 §3.2), never cutting
// a UTF-8 sequence; continuation lines start with a space.
func fold(b *bytes.Buffer, s string) {
	limit := 75
	for len(s) > limit {
		cut := limit
		for cut > 0 && s[cut]&0xC0 == 0x80 { // inside a multi-byte rune
			cut--
		}
		b.WriteString(s[:cut])
		b.WriteString("\r\n ")
		s = s[cut:]
		limit = 74
	}
	b.WriteString(s)
}

type physicalLine struct {
	num  int
	text string // unfolded
	raw  string // as read, with its folding
}

// unfold joins folded lines; each logical line keeps its raw text (with
// CRLF between the folded parts) so that Encode can write it back unchanged.
func unfold(data []byte) []physicalLine {
	s := strings.TrimPrefix(string(data), "\ufeff")
	parts := strings.Split(s, "\n")
	var out []physicalLine
	for i, p := range parts {
		p = strings.TrimSuffix(p, "\r")
		if (strings.HasPrefix(p, " ") || strings.HasPrefix(p, "\t")) && len(out) > 0 {
			last := &out[len(out)-1]
			last.text += p[1:]
			last.raw += "\r\n" + p
			continue
		}
		out = append(out, physicalLine{num: i + 1, text: p, raw: p})
	}
	return out
}

func parseLine(s string) (*Line, error) {
	l := &Line{}
	// Name (with its group) runs to the first ';' or ':'.
	i := strings.IndexAny(s, ";:")
	if i <= 0 {
		return nil, fmt.Errorf("not a content line: %q", clip(s))
	}
	name := s[:i]
	if g, n, ok := strings.Cut(name, "."); ok {
		if g == "" {
			return nil, fmt.Errorf("empty group before '.': %q", clip(s))
		}
		l.Group, name = g, n
	}
	// RFC 6350 §3.3 allows only letters, digits and '-'; we are lenient
	// but refuse what our encoder could not write back unambiguously.
	if name == "" || strings.ContainsAny(name, " \t\".") {
		return nil, fmt.Errorf("bad property name: %q", clip(s))
	}
	l.Name = strings.ToUpper(name)
	rest := s[i:]
	for strings.HasPrefix(rest, ";") {
		var p Param
		var err error
		p, rest, err = parseParam(rest[1:])
		if err != nil {
			return nil, err
		}
		l.Params = append(l.Params, p)
	}
	if !strings.HasPrefix(rest, ":") {
		return nil, fmt.Errorf("missing ':' in %q", clip(s))
	}
	l.Value = rest[1:]
	return l, nil
}

// parseParam reads NAME=v1,"v2" up to the next unquoted ';' or ':'. A bare
// NAME (vCard 2.1) is a TYPE.
func parseParam(s string) (Param, string, error) {
	end := strings.IndexAny(s, "=;:")
	if end < 0 {
		return Param{}, "", fmt.Errorf("unterminated parameter")
	}
	if s[end] != '=' {
		return Param{Name: "TYPE", Values: []string{s[:end]}}, s[end:], nil
	}
	p := Param{Name: strings.ToUpper(strings.TrimSpace(s[:end]))}
	s = s[end+1:]
	for {
		var v string
		if strings.HasPrefix(s, `"`) {
			q := strings.IndexByte(s[1:], '"')
			if q < 0 {
				return Param{}, "", fmt.Errorf("unterminated quoted parameter value")
			}
			v, s = s[1:q+1], s[q+2:]
		} else {
			e := strings.IndexAny(s, ",;:")
			if e < 0 {
				return Param{}, "", fmt.Errorf("unterminated parameter")
			}
			v, s = s[:e], s[e:]
		}
		p.Values = append(p.Values, v)
		if !strings.HasPrefix(s, ",") {
			return p, s, nil
		}
		s = s[1:]
	}
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}
