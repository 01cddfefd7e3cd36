package googleemu

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"slices"
)

// Registered OAuth clients. With none, any client id and secret and any
// http(s) redirect URI are accepted; with some, OAuth checks them like
// Google. They come from Options.Clients, `--clients FILE` and the control
// API, and are not kept in the data file.

// Client is a registered OAuth client.
type Client struct {
	ID           string   `json:"client_id"`
	Secret       string   `json:"client_secret"`
	RedirectURIs []string `json:"redirect_uris"`
}

// AddClient registers c, replacing a client with the same id. From the
// first registered client on, unknown clients are refused.
func (e *Emulator) AddClient(c Client) error {
	if c.ID == "" {
		return errors.New("googleemu: add client: client_id is required")
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	cs := slices.DeleteFunc(slices.Clone(e.opts.Clients), func(o Client) bool { return o.ID == c.ID })
	e.opts.Clients = append(cs, c)
	return nil
}

// ClearClients forgets the registered clients: any client is accepted again.
func (e *Emulator) ClearClients() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.opts.Clients = nil
}

// Clients returns the registered clients.
func (e *Emulator) Clients() []Client {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.opts.Clients)
}

// lookupClient finds client id. restricted reports whether clients are
// registered at all (if not, every client is accepted).
func (e *Emulator) lookupClient(id string) (c Client, found, restricted bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, c := range e.opts.Clients {
		if c.ID == id {
			return c, true, true
		}
	}
	return Client{}, false, len(e.opts.Clients) > 0
}

// readClientsFile reads OAuth clients from a JSON file: an array of
// {"client_id", "client_secret", "redirect_uris"}, or a client secret file
// as Google Cloud console downloads it ({"web": {...}} or {"installed": {...}}).
func readClientsFile(path string) ([]Client, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("clients: %w", err)
	}
	var list []Client
	if err := json.Unmarshal(b, &list); err == nil {
		return checkClients(path, list)
	}
	var google map[string]Client
	if err := json.Unmarshal(b, &google); err != nil {
		return nil, fmt.Errorf("clients: %s: want a JSON array of clients or a Google client secret file: %w", path, err)
	}
	for _, kind := range []string{"web", "installed"} {
		if c, ok := google[kind]; ok {
			list = append(list, c)
		}
	}
	return checkClients(path, list)
}

func checkClients(path string, cs []Client) ([]Client, error) {
	if len(cs) == 0 {
		return nil, fmt.Errorf("clients: %s: no client", path)
	}
	for i, c := range cs {
		if c.ID == "" {
			return nil, fmt.Errorf("clients: %s: client %d has no client_id", path, i)
		}
	}
	return cs, nil
}

func (e *Emulator) ctlClients(w http.ResponseWriter, r *http.Request) {
	cs := e.Clients()
	if cs == nil {
		cs = []Client{}
	}
	writeJSON(w, 200, map[string]any{"clients": cs})
}

func (e *Emulator) ctlAddClient(w http.ResponseWriter, r *http.Request) {
	var c Client
	if !readJSON(w, r, &c) {
		return
	}
	if err := e.AddClient(c); err != nil {
		ctlError(w, 400, err)
		return
	}
	e.ctlClients(w, r)
}

func (e *Emulator) ctlClearClients(w http.ResponseWriter, r *http.Request) {
	e.ClearClients()
	e.ctlClients(w, r)
}
