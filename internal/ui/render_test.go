package ui

import "testing"

func TestLocalPath(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"/contacts?q=a", "/contacts?q=a"},
		{"/", "/"},
		{"", ""},
		{"//evil.example/x", ""},
		{"/\\evil.example", ""},
		{"https://evil.example/", ""},
		{"javascript:alert(1)", ""},
		{"contacts", ""},
		{"/a\r\nSet-Cookie: x", ""},
	} {
		if got := localPath(tc.in); got != tc.want {
			t.Errorf("localPath(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestRenameRow(t *testing.T) {
	rows := []int{0, 2} // form row 1 was removed before saving
	for in, want := range map[string]string{
		"employments.1.work_email": "employments.2.work_email",
		"employments.0.function":   "employments.0.function",
		"employments.7.function":   "employments.7.function",
		"first_name":               "first_name",
	} {
		if got := renameRow(in, rows); got != want {
			t.Errorf("renameRow(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestTemplatesParse(t *testing.T) {
	pages := mustParseTemplates()
	for _, p := range []string{"login", "contacts", "contact", "contact_form", "trash", "companies", "company", "company_form", "users", "tokens", "error"} {
		if pages[p] == nil {
			t.Errorf("page %q missing", p)
		}
	}
}
