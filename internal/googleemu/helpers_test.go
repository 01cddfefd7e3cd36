package googleemu

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"google.golang.org/api/googleapi"
	"google.golang.org/api/option"
	people "google.golang.org/api/people/v1"
)

const alice = "alice@example.com"

// mustService starts an emulator and returns it with a People client for alice.
func mustService(t *testing.T, opts Options) (*Server, *people.Service) {
	t.Helper()
	s := NewTestServer(t, opts)
	svc, err := s.PeopleService(context.Background(), alice)
	if err != nil {
		t.Fatalf("people service: %v", err)
	}
	return s, svc
}

func mustCreate(t *testing.T, svc *people.Service, given, family, email string) *people.Person {
	t.Helper()
	p := &people.Person{Names: []*people.Name{{GivenName: given, FamilyName: family}}}
	if email != "" {
		p.EmailAddresses = []*people.EmailAddress{{Value: email, Type: "home"}}
	}
	got, err := svc.People.CreateContact(p).PersonFields("names,emailAddresses,metadata,memberships").Do()
	if err != nil {
		t.Fatalf("create %s: %v", given, err)
	}
	return got
}

// apiErr asserts err is a googleapi error with code and status string.
func apiErr(t *testing.T, err error, code int, status string) *googleapi.Error {
	t.Helper()
	var ge *googleapi.Error
	if !errors.As(err, &ge) {
		t.Fatalf("want googleapi error %d %s, got %v", code, status, err)
	}
	if ge.Code != code {
		t.Fatalf("code = %d, want %d (%s)", ge.Code, code, ge.Body)
	}
	if status != "" && !strings.Contains(ge.Body, `"status":"`+status+`"`) {
		t.Fatalf("status in body %s, want %s", ge.Body, status)
	}
	return ge
}

// reason returns the ErrorInfo reason of a googleapi error.
func reason(ge *googleapi.Error) string {
	for _, d := range ge.Details {
		if m, ok := d.(map[string]any); ok {
			if r, ok := m["reason"].(string); ok {
				return r
			}
		}
	}
	return ""
}

func mustDo(t *testing.T, req *http.Request) *http.Response {
	t.Helper()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	t.Cleanup(func() { res.Body.Close() })
	return res
}

func mustJSON(t *testing.T, v interface{ MarshalJSON() ([]byte, error) }) []byte {
	t.Helper()
	b, err := v.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func optionsFor(s *Server, hc *http.Client) []option.ClientOption {
	return []option.ClientOption{option.WithEndpoint(s.APIURL()), option.WithHTTPClient(hc)}
}
