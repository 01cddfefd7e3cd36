package googleemu

import (
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
)

// ClickThrough does on the emulator's OAuth pages what a person does in a
// browser: open authURL (the account chooser), pick the account of email, and
// on the consent page press Allow (keeping the scopes in grant ticked, or all
// of them when grant is nil) or Cancel. c should carry the cookies of the
// application's session, as the browser would. It returns the URL the
// redirects end on: normally the application's callback, already followed.
func ClickThrough(c *http.Client, authURL, email string, allow bool, grant []string) (string, error) {
	u, err := url.Parse(authURL)
	if err != nil {
		return "", fmt.Errorf("click through: %w", err)
	}
	origin := u.Scheme + "://" + u.Host
	page, _, err := readPage(c.Get(authURL))
	if err != nil {
		return "", err
	}
	form := hiddenInputs(page)
	form.Set("email", email)
	if page, _, err = readPage(c.PostForm(origin+"/o/oauth2/v2/auth/choose", form)); err != nil {
		return "", err
	}
	form = hiddenInputs(page)
	for _, m := range optionalScopeRe.FindAllStringSubmatch(page, -1) {
		if scope := html.UnescapeString(m[1]); grant == nil || slices.Contains(grant, scope) {
			form.Add("granted", scope)
		}
	}
	form.Set("action", "cancel")
	if allow {
		form.Set("action", "allow")
	}
	_, landed, err := readPage(c.PostForm(origin+"/o/oauth2/v2/auth/consent", form))
	return landed, err
}

var (
	hiddenInputRe   = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)
	optionalScopeRe = regexp.MustCompile(`<input type="checkbox" name="granted" value="([^"]+)"`)
)

func hiddenInputs(page string) url.Values {
	v := url.Values{}
	for _, m := range hiddenInputRe.FindAllStringSubmatch(page, -1) {
		v.Add(html.UnescapeString(m[1]), html.UnescapeString(m[2]))
	}
	return v
}

// readPage returns a response's body and the URL it came from, after redirects.
func readPage(resp *http.Response, err error) (body, from string, _ error) {
	if err != nil {
		return "", "", fmt.Errorf("click through: %w", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", "", fmt.Errorf("click through: %w", err)
	}
	return string(b), resp.Request.URL.String(), nil
}
