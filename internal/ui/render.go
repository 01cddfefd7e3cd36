package ui

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"simplecrm/internal/crm"
)

// view is the data of one page. render adds the keys every page shares: User
// (nil when logged out), Flash and Nav (the section to highlight).
type view map[string]any

// pageTemplate is one page file parsed together with the layout and partials,
// so each page can define its own "title" and "content" blocks.
type pageTemplate = *template.Template

func mustParseTemplates() map[string]pageTemplate {
	base := template.Must(template.New("").Funcs(template.FuncMap{
		"field":     fieldFor,
		"date":      formatDate,
		"datetime":  formatDateTime,
		"purgeDate": func(t *time.Time) string { return formatDate(t.Add(crm.TrashRetention)) },
		"id":        inputID,
		"inc":       func(i int) int { return i + 1 },
		"website":   websiteURL,
		// html/template only trusts http, https and mailto URLs; a tel: link
		// made of digits and "+" alone is safe.
		"tel": func(phone string) template.URL { return template.URL("tel:" + strings.Map(telChar, phone)) },
	}).ParseFS(assets, "templates/layout/*.html"))
	pages := map[string]pageTemplate{}
	files, err := fs.Glob(assets, "templates/*.html")
	if err != nil {
		panic(err)
	}
	for _, f := range files {
		t := template.Must(template.Must(base.Clone()).ParseFS(assets, f))
		pages[strings.TrimSuffix(path.Base(f), ".html")] = t
	}
	return pages
}

// render writes page with status. The page is rendered into a buffer first so
// that a template error becomes a clean error page, not half a page.
func (h *handler) render(w http.ResponseWriter, r *http.Request, status int, page string, v view) {
	if v == nil {
		v = view{}
	}
	v["User"] = currentUser(r)
	if _, ok := v["Flash"]; !ok {
		v["Flash"] = takeFlash(w, r)
	}
	if _, ok := v["Nav"]; !ok {
		v["Nav"] = strings.SplitN(strings.TrimPrefix(r.URL.Path, "/"), "/", 2)[0]
	}
	var buf bytes.Buffer
	t, ok := h.pages[page]
	if !ok {
		h.log.Error("ui: unknown template", "page", page)
		http.Error(w, "Internal error.", http.StatusInternalServerError)
		return
	}
	if err := t.ExecuteTemplate(&buf, "layout", v); err != nil {
		h.log.Error("ui: render", "page", page, "err", err)
		if page == "error" {
			http.Error(w, "Internal error.", http.StatusInternalServerError)
			return
		}
		h.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// fail renders the error page that fits err's code. Internal errors are logged
// with their detail and shown with a generic message.
func (h *handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	status := http.StatusInternalServerError
	title := "Something went wrong"
	var mbe *http.MaxBytesError
	switch code := crm.ErrorCode(err); {
	case errors.As(err, &mbe):
		status, title = http.StatusRequestEntityTooLarge, "Too much data"
		err = crm.Errorf(crm.EINVALID, "The form was too large to be saved.")
	case code == crm.ENOTFOUND:
		status, title = http.StatusNotFound, "Not found"
	case code == crm.EFORBIDDEN:
		status, title = http.StatusForbidden, "Not allowed"
	case code == crm.EINVALID || code == crm.ECONFLICT:
		status, title = http.StatusBadRequest, "Cannot do that"
	case code == crm.ETOOMANY:
		status, title = http.StatusTooManyRequests, "Slow down"
	case code == crm.EUNAUTHORIZED:
		status, title = http.StatusUnauthorized, "Please log in"
	default:
		h.log.Error("ui: internal error", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	msg := crm.ErrorMessage(err)
	if status == http.StatusNotFound {
		msg = "This page does not exist, or what it showed was deleted."
	}
	h.render(w, r, status, "error", view{"Title": title, "Message": msg})
}

// redirect sends the browser to a page after a POST (303, so a reload does not
// repeat the action), leaving a flash message for that page.
func (h *handler) redirect(w http.ResponseWriter, r *http.Request, to string, f *flash) {
	if f != nil {
		h.setFlash(w, f)
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// flash is a one-time message shown on the next page. RestoreID offers an
// "Undo" button that restores that contact from the trash.
type flash struct {
	Message   string `json:"m"`
	Error     bool   `json:"e,omitempty"`
	RestoreID int64  `json:"r,omitempty"`
}

const flashCookie = "simplecrm_flash"

func (h *handler) setFlash(w http.ResponseWriter, f *flash) {
	b, _ := json.Marshal(f)
	http.SetCookie(w, &http.Cookie{
		Name: flashCookie, Value: base64.RawURLEncoding.EncodeToString(b), Path: "/",
		MaxAge: 60, HttpOnly: true, Secure: h.secure, SameSite: http.SameSiteLaxMode,
	})
}

// takeFlash reads and clears the flash cookie. Its content is only ever
// rendered escaped and RestoreID is a number, so a forged cookie can at worst
// show a wrong message.
func takeFlash(w http.ResponseWriter, r *http.Request) *flash {
	c, err := r.Cookie(flashCookie)
	if err != nil {
		return nil
	}
	http.SetCookie(w, &http.Cookie{Name: flashCookie, Path: "/", MaxAge: -1})
	b, err := base64.RawURLEncoding.DecodeString(c.Value)
	if err != nil {
		return nil
	}
	var f flash
	if json.Unmarshal(b, &f) != nil || f.Message == "" {
		return nil
	}
	return &f
}

func formatDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Local().Format("2 Jan 2006")
}

func formatDateTime(t any) string {
	switch v := t.(type) {
	case time.Time:
		if v.IsZero() {
			return ""
		}
		return v.Local().Format("2 Jan 2006 15:04")
	case *time.Time:
		if v == nil {
			return "never"
		}
		return formatDateTime(*v)
	}
	return ""
}

// websiteURL makes a link of what people type as a website ("globex.com").
// The result is still a plain string: html/template refuses any scheme other
// than http, https and mailto, so a "javascript:" website stays harmless.
func websiteURL(s string) string {
	if strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://") {
		return s
	}
	return "https://" + s
}

// telChar keeps what a tel: link may hold.
func telChar(r rune) rune {
	if r == '+' || (r >= '0' && r <= '9') {
		return r
	}
	return -1
}

// localPath returns next if it is a path on this site, "" otherwise, so that
// the login page cannot be used to send people to another site.
func localPath(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n\t") {
		return ""
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return ""
	}
	return next
}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }
