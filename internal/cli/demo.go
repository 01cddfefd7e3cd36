package cli

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"

	"simplecrm/internal/crm"
	"simplecrm/internal/sample"
)

// Demo login, printed by the demo command.
const (
	demoOrg      = "Demo Company"
	demoEmail    = "demo@example.com"
	demoPassword = "demo-password"
)

// demo runs the product on a throwaway SQLite database filled with sample
// data, so a newcomer can try it with one command and nothing installed.
func (a *App) demo(ctx context.Context, args []string) error {
	fs := a.newFlags("demo")
	keep := fs.String("keep", "", "keep the demo data in this directory between runs")
	addr := fs.String("addr", a.Getenv("SIMPLECRM_ADDR"), "listen address (default 127.0.0.1:8080, or a free port if taken)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	dir := *keep
	if dir == "" {
		tmp, err := os.MkdirTemp("", "simplecrm-demo-")
		if err != nil {
			return fmt.Errorf("demo directory: %w", err)
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	} else if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("demo directory: %w", err)
	}

	log := a.logger()
	cfg := &Config{DB: "sqlite:" + filepath.Join(dir, "simplecrm.db"), syncInterval: "15m"}
	db, err := openMigrated(ctx, cfg.DB, log)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := seedDemo(ctx, db.Services()); err != nil {
		return fmt.Errorf("demo data: %w", err)
	}

	l, err := listenDemo(*addr)
	if err != nil {
		return err
	}
	cfg.Addr = l.Addr().String()
	if err := cfg.resolve(); err != nil {
		return err
	}
	where := dir
	if *keep == "" {
		where += " (deleted on exit; keep it with --keep DIR)"
	}
	fmt.Fprintf(a.Stdout, `
Simple CRM demo is running.

  Open      %s
  Log in    %s / %s
  Data in   %s

Press Ctrl-C to stop.

`, cfg.BaseURL, demoEmail, demoPassword, where)
	return a.runServer(ctx, cfg, db, l, log)
}

// listenDemo listens on addr, or on 127.0.0.1:8080 and, if that is taken, on
// any free loopback port: a demo should not fail because of a busy port.
func listenDemo(addr string) (net.Listener, error) {
	if addr != "" {
		l, err := net.Listen("tcp", addr)
		if err != nil {
			return nil, fmt.Errorf("listen on %s: %w", addr, err)
		}
		return l, nil
	}
	if l, err := net.Listen("tcp", "127.0.0.1:8080"); err == nil {
		return l, nil
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen: %w", err)
	}
	return l, nil
}

// seedDemo creates the demo organization, its admin and about 50 contacts
// working for a dozen companies. It does nothing when the admin exists, so a
// kept demo directory is reused as it is.
func seedDemo(ctx context.Context, svc crm.Services) error {
	if _, err := svc.Users.FindUserByEmail(ctx, demoEmail); err == nil {
		return nil
	} else if crm.ErrorCode(err) != crm.ENOTFOUND {
		return err
	}
	admin, err := createUser(ctx, svc, demoOrg, demoEmail, demoPassword, true)
	if err != nil {
		return err
	}
	g := sample.New(2026)
	var companies []string
	seen := map[string]bool{}
	for len(companies) < 12 {
		co := g.Company()
		if seen[co.Name] {
			continue
		}
		seen[co.Name] = true
		co.OrgID = admin.OrgID
		if err := svc.Companies.CreateCompany(ctx, &co); err != nil {
			return err
		}
		companies = append(companies, co.Name)
	}
	for i := 0; i < 50; i++ {
		c := g.Contact(companies[i%len(companies)])
		c.OrgID, c.OwnerID = admin.OrgID, admin.ID
		if err := svc.Contacts.CreateContact(ctx, &c); err != nil {
			return err
		}
	}
	return nil
}
