package contactio_test

import (
	"testing"

	"simplecrm/internal/contactio"
)

// FuzzReadGoogleCSV: any input is read without panicking, every record and
// error names a line of the input, and a record names someone.
func FuzzReadGoogleCSV(f *testing.F) {
	f.Add([]byte(googleCSV))
	f.Add([]byte("First Name,E-mail 1 - Value\nA,a@b\n\"x\n"))
	f.Add([]byte("\xef\xbb\xbfFirst Name,Last Name,Phone 1 - Label,Phone 1 - Value\nA,B,* Mobile,1 ::: 2\n"))
	f.Add([]byte("First Name\na\"b\n,,,\n"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, data []byte) {
		recs, errs := contactio.ReadGoogleCSV(data)
		lines := 1
		for _, b := range data {
			if b == '\n' {
				lines++
			}
		}
		for _, r := range recs {
			if r.Line < 2 || r.Line > lines {
				t.Fatalf("record on line %d of %d", r.Line, lines)
			}
			v := r.View
			if v.FirstName == "" && v.LastName == "" && v.PersonalEmail == "" && v.WorkEmail == "" && v.Company == "" {
				t.Fatalf("record names nobody: %+v", r)
			}
		}
		for _, e := range errs {
			if e.Line < 0 || e.Line > lines || e.Msg == "" {
				t.Fatalf("error %+v of %d lines", e, lines)
			}
		}
	})
}
