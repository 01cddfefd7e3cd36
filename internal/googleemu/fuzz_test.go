package googleemu

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzWrites sends arbitrary bodies to the write methods: every answer must
// be 200 or a 4xx google.rpc error, never a panic or a 500.
func FuzzWrites(f *testing.F) {
	for _, s := range []string{`{}`, `{"names":[{"givenName":"a"}]}`, `{"names":"x"}`, `{"names":[null]}`,
		`{"phoneNumbers":[{"value":5}]}`, `{"memberships":[{"contactGroupMembership":{"contactGroupResourceName":"contactGroups/zz"}}]}`,
		`{"contacts":{"people/c1":null},"updateMask":"names"}`, `{"contacts":[{"contactPerson":null}],"readMask":"names"}`,
		`{"resourceNames":["x"]}`, `{"resourceNamesToAdd":[1]}`, `null`, `[]`, `{"etag":5}`, ``} {
		f.Add(s)
	}
	targets := []struct{ method, path string }{
		{"POST", "/v1/people:createContact"},
		{"PATCH", "/v1/people/c1:updateContact?updatePersonFields=names,memberships,phoneNumbers"},
		{"POST", "/v1/people:batchCreateContacts"},
		{"POST", "/v1/people:batchUpdateContacts"},
		{"POST", "/v1/people:batchDeleteContacts"},
		{"POST", "/v1/contactGroups"},
		{"POST", "/v1/contactGroups/myContacts/members:modify"},
	}
	f.Fuzz(func(t *testing.T, body string) {
		// A fresh emulator per input keeps executions fast and independent.
		e, err := New(Options{})
		if err != nil {
			t.Fatal(err)
		}
		tok, err := e.IssueToken(alice, ScopeContacts)
		if err != nil {
			t.Fatal(err)
		}
		for _, tg := range targets {
			req := httptest.NewRequest(tg.method, tg.path, strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
			rec := httptest.NewRecorder()
			e.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK && (rec.Code < 400 || rec.Code >= 500) {
				t.Fatalf("%s %s %q: %d %s", tg.method, tg.path, body, rec.Code, rec.Body)
			}
			if !json.Valid(rec.Body.Bytes()) {
				t.Fatalf("%s: invalid JSON answer %s", tg.path, rec.Body)
			}
		}
	})
}
