package contactio

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"strconv"
	"strings"
)

// Google Contacts CSV: one row per contact, a header naming the columns.
// Columns come in numbered groups ("E-mail 1 - Type", "E-mail 1 - Value");
// a cell may hold several values separated by " ::: ". Older exports name
// the kind "Type", newer ones "Label": both are read.

// csvHeader is what Export writes: the columns of a Google export that the
// field map uses, in Google's order.
var csvHeader = []string{
	"First Name", "Middle Name", "Last Name", "Organization Name", "Organization Title", "Notes", "Labels",
	"E-mail 1 - Type", "E-mail 1 - Value", "E-mail 2 - Type", "E-mail 2 - Value",
	"Phone 1 - Type", "Phone 1 - Value", "Phone 2 - Type", "Phone 2 - Value",
	"Phone 3 - Type", "Phone 3 - Value", "Phone 4 - Type", "Phone 4 - Value",
	"Address 1 - Type", "Address 1 - Street", "Address 1 - Extended Address", "Address 1 - City",
	"Address 1 - Region", "Address 1 - Postal Code", "Address 1 - Country",
}

// ReadGoogleCSV reads a Google Contacts CSV export. A row that cannot be
// read is reported with its line; the others are read.
func ReadGoogleCSV(data []byte) ([]Record, []RowError) {
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))))
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err != nil {
		return nil, []RowError{{1, "no header row: " + csvMsg(err)}}
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.ToLower(strings.TrimSpace(strings.Replace(h, " - Label", " - Type", 1)))] = i
	}
	if _, ok := col["first name"]; !ok {
		if _, ok := col["e-mail 1 - value"]; !ok {
			return nil, []RowError{{1, "not a Google Contacts CSV: no First Name or E-mail 1 - Value column"}}
		}
	}
	var (
		recs []Record
		errs []RowError
	)
	for {
		row, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			line := 0
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line = pe.StartLine
			}
			errs = append(errs, RowError{line, csvMsg(err)})
			continue
		}
		line, _ := r.FieldPos(0) // only valid after a row was read
		if len(row) > len(header) {
			errs = append(errs, RowError{line, "more cells than the header has columns"})
			continue
		}
		errs = append(errs, addRecord(&recs, rowRecord(line, row, col))...)
	}
	return recs, errs
}

func csvMsg(err error) string {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

func rowRecord(line int, row []string, col map[string]int) Record {
	get := func(name string) string {
		if i, ok := col[strings.ToLower(name)]; ok && i < len(row) {
			return strings.TrimSpace(row[i])
		}
		return ""
	}
	rec := Record{Line: line, Note: strings.TrimSpace(get("Notes"))}
	v := &rec.View
	v.FirstName, v.LastName = get("First Name"), get("Last Name")
	v.Company, v.Title = get("Organization Name"), get("Organization Title")
	for n := 1; ; n++ {
		p := "E-mail " + strconv.Itoa(n) + " - "
		if _, ok := col[strings.ToLower(p+"value")]; !ok {
			break
		}
		for _, val := range values(get(p + "Value")) {
			if kind(get(p+"Type")) == "work" {
				setEmpty(&v.WorkEmail, val)
			} else {
				setEmpty(&v.PersonalEmail, val)
			}
		}
	}
	var others []string
	for n := 1; ; n++ {
		p := "Phone " + strconv.Itoa(n) + " - "
		if _, ok := col[strings.ToLower(p+"value")]; !ok {
			break
		}
		for _, val := range values(get(p + "Value")) {
			switch kind(get(p + "Type")) {
			case "mobile":
				setEmpty(&v.MobilePhone, val)
			case "home":
				setEmpty(&v.HomePhone, val)
			case "work":
				setEmpty(&v.WorkPhone, val)
			case "work mobile":
				setEmpty(&v.WorkMobile, val)
			default:
				others = append(others, val)
			}
		}
	}
	for _, val := range others { // untyped numbers fill the mobile, as in the vCard map
		setEmpty(&v.MobilePhone, val)
	}
	for n := 1; ; n++ {
		p := "Address " + strconv.Itoa(n) + " - "
		if _, ok := col[strings.ToLower(p+"street")]; !ok {
			break
		}
		if !v.Address.IsZero() && kind(get(p+"Type")) != "home" {
			continue
		}
		a := v.Address
		a.Street, a.Extended, a.City = get(p+"Street"), get(p+"Extended Address"), get(p+"City")
		a.Region, a.PostalCode, a.Country = get(p+"Region"), get(p+"Postal Code"), get(p+"Country")
		if !a.IsZero() {
			v.Address = a
		}
	}
	return rec
}

// values splits a cell holding several values.
func values(cell string) []string {
	var out []string
	for _, s := range strings.Split(cell, ":::") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// kind is a Type cell without Google's "* " mark of the primary value.
func kind(t string) string {
	return strings.ToLower(strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(t), "*")))
}

func setEmpty(p *string, s string) {
	if *p == "" {
		*p = s
	}
}

// writeCSV writes views as a Google CSV.
func writeCSV(w io.Writer, views []exported) error {
	cw := csv.NewWriter(w)
	cw.Write(csvHeader)
	for _, e := range views {
		v := e.view
		a := v.Address
		cw.Write([]string{v.FirstName, "", v.LastName, v.Company, v.Title, e.note, "* myContacts",
			typed("* Home", v.PersonalEmail), v.PersonalEmail, typed("Work", v.WorkEmail), v.WorkEmail,
			typed("Mobile", v.MobilePhone), v.MobilePhone, typed("Home", v.HomePhone), v.HomePhone,
			typed("Work", v.WorkPhone), v.WorkPhone, typed("Work Mobile", v.WorkMobile), v.WorkMobile,
			typed("Home", a.Street+a.Extended+a.City+a.Region+a.PostalCode+a.Country),
			a.Street, a.Extended, a.City, a.Region, a.PostalCode, a.Country})
	}
	cw.Flush()
	return cw.Error()
}

func typed(t, val string) string {
	if val == "" {
		return ""
	}
	return t
}
