package vcard

import "strings"

// Values are escaped as RFC 6350 §3.4 says: backslash, newline, comma and
// semicolon. Structured values (N, ADR, ORG) separate components with an
// unescaped ';'; lists (CATEGORIES) separate items with an unescaped ','.

// EscapeText escapes a text value.
func EscapeText(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			b.WriteString(`\\`)
		case ',':
			b.WriteString(`\,`)
		case ';':
			b.WriteString(`\;`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			if i+1 < len(s) && s[i+1] == '\n' {
				continue
			}
			b.WriteString(`\n`)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// UnescapeText reverses EscapeText; an unknown escape keeps its character
// (vCard 3.0 writers escape ':' sometimes), a trailing backslash is kept.
func UnescapeText(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 == len(s) {
			b.WriteByte(c)
			continue
		}
		i++
		switch s[i] {
		case 'n', 'N':
			b.WriteByte('\n')
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// SplitStructured splits a raw structured value on unescaped ';' and
// unescapes each component.
func SplitStructured(raw string) []string {
	return splitUnescaped(raw, ';')
}

// JoinStructured escapes components and joins them with ';'.
func JoinStructured(components ...string) string {
	for i, c := range components {
		components[i] = EscapeText(c)
	}
	return strings.Join(components, ";")
}

// SplitList splits a raw list value (CATEGORIES) on unescaped ',' and
// unescapes each item.
func SplitList(raw string) []string {
	return splitUnescaped(raw, ',')
}

// JoinList escapes items and joins them with ','.
func JoinList(items ...string) string {
	out := make([]string, len(items))
	for i, c := range items {
		out[i] = EscapeText(c)
	}
	return strings.Join(out, ",")
}

func splitUnescaped(raw string, sep byte) []string {
	var (
		out   []string
		start int
	)
	for i := 0; i < len(raw); i++ {
		switch raw[i] {
		case '\\':
			i++
		case sep:
			out = append(out, UnescapeText(raw[start:i]))
			start = i + 1
		}
	}
	return append(out, UnescapeText(raw[start:]))
}
