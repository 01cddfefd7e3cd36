package google_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"google.golang.org/api/googleapi"

	"simplecrm/internal/google"
)

// apiError parses an error answer as the generated client does.
func apiError(t *testing.T, code int, header http.Header, body string) error {
	t.Helper()
	err := googleapi.CheckResponse(&http.Response{StatusCode: code, Header: header, Body: io.NopCloser(strings.NewReader(body))})
	if err == nil {
		t.Fatal("CheckResponse accepted an error answer")
	}
	return err
}

// Each shape of Google's answers in people-api.md §11 is read on its own:
// the ErrorInfo reason, the WWW-Authenticate header, the status, and the
// message only as a fallback.
func TestClassifyShapes(t *testing.T) {
	scopeHeader := http.Header{"Www-Authenticate": {`Bearer realm="https://accounts.google.com/", error="insufficient_scope", scope="x"`}}
	for _, tc := range []struct {
		name       string
		code       int
		header     http.Header
		body       string
		kind, kcrt google.Kind // Classify, ClassifyCreate
	}{
		{"scope by header only", 403, scopeHeader, `{"error":{"code":403,"message":"Forbidden.","status":"PERMISSION_DENIED"}}`,
			google.KindScope, google.KindScope},
		{"scope by ErrorInfo only", 403, nil, `{"error":{"code":403,"message":"Forbidden.","status":"PERMISSION_DENIED","details":[` +
			`{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"ACCESS_TOKEN_SCOPE_INSUFFICIENT","domain":"googleapis.com"}]}}`,
			google.KindScope, google.KindScope},
		{"scope by message only", 403, nil, `{"error":{"code":403,"message":"Request had insufficient authentication scopes.","status":"PERMISSION_DENIED"}}`,
			google.KindScope, google.KindScope},
		{"API disabled is not a scope problem", 403, nil, `{"error":{"code":403,"message":"People API has not been used in project 1 before or it is disabled.","status":"PERMISSION_DENIED"}}`,
			google.KindOther, google.KindOther},
		{"full account, emulator wording", 400, nil, `{"error":{"code":400,"message":"Contacts limit reached: the account has 3 contacts.","status":"FAILED_PRECONDITION"}}`,
			google.KindContactLimit, google.KindContactLimit},
		{"full account, other wording: only a create can tell", 400, nil, `{"error":{"code":400,"message":"Precondition check failed.","status":"FAILED_PRECONDITION"}}`,
			google.KindOther, google.KindContactLimit},
		{"invalid create is not a full account", 400, nil, `{"error":{"code":400,"message":"Invalid personFields mask path.","status":"INVALID_ARGUMENT"}}`,
			google.KindOther, google.KindOther},
	} {
		err := apiError(t, tc.code, tc.header, tc.body)
		if k := google.Classify(err); k != tc.kind {
			t.Errorf("%s: Classify = %v, want %v", tc.name, k, tc.kind)
		}
		if k := google.ClassifyCreate(err); k != tc.kcrt {
			t.Errorf("%s: ClassifyCreate = %v, want %v", tc.name, k, tc.kcrt)
		}
	}
}
