package googleemu

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"time"

	people "google.golang.org/api/people/v1"
)

// SampleAccounts are the accounts the command starts with.
var SampleAccounts = []Account{
	{Email: "alice@example.com", Name: "Alice Martin"},
	{Email: "bob@example.com", Name: "Bob Dupont"},
	{Email: "carol@example.com", Name: "Carol Smith"},
}

// Command runs `simplecrm google-emulator`: it parses its flags, starts the
// emulator with the sample accounts, prints its URLs and serves until ctx is
// cancelled, then shuts down gracefully.
func Command(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("google-emulator", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are one line (DESIGN.md §4), not the flag list
	addr := fs.String("addr", "127.0.0.1:8090", "listen address")
	data := fs.String("data", "", "JSON data file that keeps state across restarts (default: in memory)")
	region := fs.String("region", "US", "default region for phone number canonicalForm")
	options := fs.String("options", "", `behaviour options as JSON, e.g. '{"sync_token_max_age":"1h","retry_after":"5s"}' (see GET /_emulator/options)`)
	var clientFiles fileList
	fs.Var(&clientFiles, "clients", "JSON file of registered OAuth clients (an array of {client_id, client_secret, redirect_uris}, "+
		"or a Google client secret file); repeatable; without it any client is accepted")
	if err := fs.Parse(args); errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(stdout, "Usage of simplecrm google-emulator:")
		fs.SetOutput(stdout)
		fs.PrintDefaults()
		return err
	} else if err != nil {
		return fmt.Errorf(`google-emulator: %v; run "simplecrm google-emulator -h"`, err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf(`google-emulator: unexpected argument %q; run "simplecrm google-emulator -h"`, fs.Arg(0))
	}
	if *data != "" {
		// Checked now: otherwise the first save fails, at start, with the
		// name of its temporary file, once per save.
		dir := filepath.Dir(*data)
		if fi, err := os.Stat(dir); err != nil {
			return fmt.Errorf("google-emulator: --data %s: directory %s does not exist", *data, dir)
		} else if !fi.IsDir() {
			return fmt.Errorf("google-emulator: --data %s: %s is not a directory", *data, dir)
		}
	}
	opts := Options{DataFile: *data, DefaultRegion: *region}
	if *options != "" {
		var err error
		// Decoded before the start, so that options fixed at start (issuer,
		// clients) can be given here too.
		if opts, err = decodeOptions(opts, []byte(*options)); err != nil {
			return fmt.Errorf("google-emulator: --options: %w", err)
		}
	}
	for _, f := range clientFiles {
		cs, err := readClientsFile(f)
		if err != nil {
			return fmt.Errorf("google-emulator: --clients: %w", err)
		}
		opts.Clients = append(opts.Clients, cs...)
	}
	s, err := Start(*addr, opts)
	if err != nil {
		return err
	}
	if err := seedSamples(s.Emulator); err != nil {
		return errors.Join(err, s.Close())
	}
	printBanner(stdout, stderr, s, *data)
	<-ctx.Done()
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Shutdown(sctx); err != nil {
		return fmt.Errorf("google-emulator: shutdown: %w", err)
	}
	return nil
}

// seedSamples adds the sample accounts and, to a new first account, a few
// contacts in a "SimpleCRM" label.
func seedSamples(e *Emulator) error {
	for i, sa := range SampleAccounts {
		if _, err := e.AddAccount(sa.Email, sa.Name); err != nil {
			return err
		}
		if i > 0 {
			continue
		}
		if ps, err := e.Contacts(sa.Email); err != nil || len(ps) > 0 {
			continue
		}
		if _, err := e.SeedGroup(sa.Email, "SimpleCRM", SamplePeople()...); err != nil {
			return err
		}
	}
	return nil
}

// SamplePeople returns a few sample contacts (names, home email, mobile
// phone, some with a company) for demos.
func SamplePeople() []*people.Person {
	mk := func(given, family, email, phone, company string) *people.Person {
		p := &people.Person{
			Names:          []*people.Name{{GivenName: given, FamilyName: family}},
			EmailAddresses: []*people.EmailAddress{{Value: email, Type: "home"}},
			PhoneNumbers:   []*people.PhoneNumber{{Value: phone, Type: "mobile"}},
		}
		if company != "" {
			p.Organizations = []*people.Organization{{Name: company, Type: "work"}}
		}
		return p
	}
	return []*people.Person{
		mk("Marie", "Curie", "marie.curie@example.org", "+33 6 12 34 56 78", "Institut du Radium"),
		mk("Alan", "Turing", "alan.turing@example.org", "+44 7700 900123", ""),
		mk("Katherine", "Johnson", "katherine@example.org", "(202) 555-0175", "NASA"),
	}
}

// fileList is a repeatable file flag.
type fileList []string

func (f *fileList) String() string     { return fmt.Sprint(*f) }
func (f *fileList) Set(v string) error { *f = append(*f, v); return nil }

func printBanner(stdout, stderr io.Writer, s *Server, data string) {
	u := s.URL
	fmt.Fprintf(stdout, "Google emulator listening on %s\n\n", u)
	fmt.Fprintf(stdout, "  Contacts page:   %s/\n", u)
	fmt.Fprintf(stdout, "  OAuth authorize: %s/o/oauth2/v2/auth\n", u)
	fmt.Fprintf(stdout, "  OAuth token:     %s/token\n", u)
	fmt.Fprintf(stdout, "  OAuth revoke:    %s/revoke\n", u)
	fmt.Fprintf(stdout, "  People API:      %s/v1/...\n", u)
	fmt.Fprintf(stdout, "  Controls:        %s/_emulator/...\n\n", u)
	fmt.Fprintf(stdout, "Point Simple CRM at it:\n")
	id, secret := "emulator", "emulator" // any client is accepted
	if cs := s.Clients(); len(cs) > 0 {
		id, secret = cs[0].ID, cs[0].Secret
	}
	fmt.Fprintf(stdout, "  export SIMPLECRM_GOOGLE_CLIENT_ID=%s SIMPLECRM_GOOGLE_CLIENT_SECRET=%s\n", id, secret)
	fmt.Fprintf(stdout, "  export SIMPLECRM_GOOGLE_AUTH_URL=%s/o/oauth2/v2/auth\n", u)
	fmt.Fprintf(stdout, "  export SIMPLECRM_GOOGLE_TOKEN_URL=%s/token\n", u)
	fmt.Fprintf(stdout, "  export SIMPLECRM_GOOGLE_REVOKE_URL=%s/revoke\n", u)
	fmt.Fprintf(stdout, "  export SIMPLECRM_GOOGLE_API_URL=%s/\n\n", u)
	fmt.Fprintf(stdout, "Sample accounts:")
	for _, a := range s.Accounts() {
		fmt.Fprintf(stdout, " %s", a.Email)
	}
	fmt.Fprintln(stdout)
	if data != "" {
		fmt.Fprintf(stdout, "State is kept in %s\n", data)
	} else {
		fmt.Fprintf(stdout, "State is in memory only (use --data FILE to keep it)\n")
	}
	if host, _, err := net.SplitHostPort(s.ln.Addr().String()); err == nil {
		if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
			fmt.Fprintf(stderr, "warning: listening on %s: the /_emulator/ control API has no authentication\n", host)
		}
	}
}
