package carddav

import (
	"bufio"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// The multistatus bodies are written as a stream: a 5,000-card listing or
// sync is never built in memory (go-webdav builds it whole, docs/carddav.md).

const (
	nsDAV     = "DAV:"
	nsCardDAV = "urn:ietf:params:xml:ns:carddav"
	nsCS      = "http://calendarserver.org/ns/"
)

var prefixes = map[string]string{nsDAV: "d", nsCardDAV: "card", nsCS: "cs"}

// Names of the properties the server knows.
var (
	propResourceType    = xml.Name{Space: nsDAV, Local: "resourcetype"}
	propDisplayName     = xml.Name{Space: nsDAV, Local: "displayname"}
	propGetETag         = xml.Name{Space: nsDAV, Local: "getetag"}
	propGetContentType  = xml.Name{Space: nsDAV, Local: "getcontenttype"}
	propGetContentLen   = xml.Name{Space: nsDAV, Local: "getcontentlength"}
	propGetLastModified = xml.Name{Space: nsDAV, Local: "getlastmodified"}
	propSyncToken       = xml.Name{Space: nsDAV, Local: "sync-token"}
	propSupportedReport = xml.Name{Space: nsDAV, Local: "supported-report-set"}
	propPrincipal       = xml.Name{Space: nsDAV, Local: "current-user-principal"}
	propPrivileges      = xml.Name{Space: nsDAV, Local: "current-user-privilege-set"}
	propOwner           = xml.Name{Space: nsDAV, Local: "owner"}
	propCTag            = xml.Name{Space: nsCS, Local: "getctag"}
	propAddressData     = xml.Name{Space: nsCardDAV, Local: "address-data"}
	propSupportedData   = xml.Name{Space: nsCardDAV, Local: "supported-address-data"}
	propMaxSize         = xml.Name{Space: nsCardDAV, Local: "max-resource-size"}
	propDescription     = xml.Name{Space: nsCardDAV, Local: "addressbook-description"}
	propHomeSet         = xml.Name{Space: nsCardDAV, Local: "addressbook-home-set"}
)

// propRequest is the prop element of a PROPFIND or REPORT: the names asked
// for, or all of them.
type propRequest struct {
	all   bool
	names []xml.Name
}

func (p propRequest) wants(n xml.Name) bool {
	for _, x := range p.names {
		if x == n {
			return true
		}
	}
	return false
}

type propElem struct {
	Names []struct{ XMLName xml.Name } `xml:",any"`
}

func (p *propElem) request() propRequest {
	var r propRequest
	if p == nil {
		return propRequest{all: true}
	}
	for _, n := range p.Names {
		r.names = append(r.names, n.XMLName)
	}
	return r
}

type propfindReq struct {
	XMLName xml.Name  `xml:"DAV: propfind"`
	AllProp *struct{} `xml:"DAV: allprop"`
	Prop    *propElem `xml:"DAV: prop"`
}

// readPropfind returns what a PROPFIND asks for; an empty body is allprop.
func readPropfind(r *http.Request) (propRequest, error) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return propRequest{}, err
	}
	if strings.TrimSpace(string(body)) == "" {
		return propRequest{all: true}, nil
	}
	var req propfindReq
	if err := xml.Unmarshal(body, &req); err != nil {
		return propRequest{}, err
	}
	if req.AllProp != nil || req.Prop == nil {
		return propRequest{all: true}, nil
	}
	return req.Prop.request(), nil
}

// prop is a property value: inner XML, already escaped.
type prop struct {
	name  xml.Name
	inner string
}

// multistatus streams a 207 Multi-Status body.
type multistatus struct {
	w *bufio.Writer
}

func newMultistatus(w http.ResponseWriter) *multistatus {
	w.Header().Set("Content-Type", "application/xml; charset=utf-8")
	w.WriteHeader(http.StatusMultiStatus)
	m := &multistatus{w: bufio.NewWriterSize(w, 64<<10)}
	m.w.WriteString(`<?xml version="1.0" encoding="utf-8"?>` + "\n" +
		`<d:multistatus xmlns:d="DAV:" xmlns:card="urn:ietf:params:xml:ns:carddav" xmlns:cs="http://calendarserver.org/ns/">`)
	return m
}

// response writes one resource: the properties found, and the ones asked
// for but unknown as 404.
func (m *multistatus) response(href string, found []prop, missing []xml.Name) {
	m.w.WriteString("<d:response><d:href>" + esc(href) + "</d:href>")
	if len(found) > 0 {
		m.w.WriteString("<d:propstat><d:prop>")
		for _, p := range found {
			writeElem(m.w, p.name, p.inner)
		}
		m.w.WriteString("</d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat>")
	}
	if len(missing) > 0 {
		m.w.WriteString("<d:propstat><d:prop>")
		for _, n := range missing {
			writeElem(m.w, n, "")
		}
		m.w.WriteString("</d:prop><d:status>HTTP/1.1 404 Not Found</d:status></d:propstat>")
	}
	m.w.WriteString("</d:response>")
}

// gone writes a removed member of a sync-collection report.
func (m *multistatus) gone(href string) {
	m.w.WriteString("<d:response><d:href>" + esc(href) + "</d:href><d:status>HTTP/1.1 404 Not Found</d:status></d:response>")
}

func (m *multistatus) close(syncToken string) error {
	if syncToken != "" {
		m.w.WriteString("<d:sync-token>" + esc(syncToken) + "</d:sync-token>")
	}
	m.w.WriteString("</d:multistatus>\n")
	return m.w.Flush()
}

func writeElem(w *bufio.Writer, n xml.Name, inner string) {
	tag, decl := n.Local, ""
	if p, ok := prefixes[n.Space]; ok {
		tag = p + ":" + n.Local
	} else if n.Space != "" {
		tag, decl = "x:"+n.Local, ` xmlns:x="`+esc(n.Space)+`"`
	}
	if inner == "" {
		w.WriteString("<" + tag + decl + "/>")
		return
	}
	w.WriteString("<" + tag + decl + ">" + inner + "</" + tag + ">")
}

// selectProps splits the asked-for properties into found and missing, given
// a resource's property lookup. For allprop, every property in order is
// returned except those left out of allprop (address-data: the listing stays lean).
func selectProps(req propRequest, order []xml.Name, get func(xml.Name) (string, bool)) ([]prop, []xml.Name) {
	var (
		found   []prop
		missing []xml.Name
	)
	names := req.names
	if req.all {
		names = order
	}
	for _, n := range names {
		if req.all && n == propAddressData {
			continue
		}
		if v, ok := get(n); ok {
			found = append(found, prop{n, v})
		} else if !req.all {
			missing = append(missing, n)
		}
	}
	return found, missing
}

func esc(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s))
	return b.String()
}

func hrefElem(path string) string { return "<d:href>" + esc(path) + "</d:href>" }

// writeError answers a failed precondition with its DAV:error body.
func writeError(w http.ResponseWriter, status int, ns, cond string) {
	w.Header().Set("Content-Type", "application/xml; charset=utf-8")
	w.WriteHeader(status)
	fmt.Fprintf(w, `<?xml version="1.0" encoding="utf-8"?>`+"\n"+`<d:error xmlns:d="DAV:" xmlns:x=%q><x:%s/></d:error>`+"\n", ns, cond)
}
