package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"simplecrm/internal/googleemu"
)

// The emulator's addresses: a fixed default that the README can name, and
// any free port when it is taken (a second demo, a running emulator).
const demoGoogleAddr = "127.0.0.1:8090"

// demo runs the product on a throwaway SQLite database filled with sample
// data, beside the built-in Google emulator with two sample Google accounts,
// so that a newcomer can try everything, Sync Mobile included, with one
// command and nothing installed.
func (a *App) demo(ctx context.Context, args []string) error {
	fs := a.newFlags("demo")
	keep := fs.String("keep", "", "keep the demo data (CRM database and Google emulator) in this directory between runs")
	addr := fs.String("addr", a.Getenv("SIMPLECRM_ADDR"), "listen address (default 127.0.0.1:8080, or a free port if taken)")
	googleAddr := fs.String("google-addr", "", "Google emulator listen address (default "+demoGoogleAddr+", or a free port if taken)")
	verbose := fs.Bool("verbose", false, "log every request and job (by default only warnings and errors)")
	if err := a.parse(fs, args); err != nil {
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

	// The demo's terminal is for the banner; the request log would bury it.
	log := a.quietLogger()
	if *verbose {
		log = a.logger()
	}
	cfg := &Config{DB: "sqlite:" + filepath.Join(dir, "simplecrm.db"), syncInterval: "15m"}
	db, err := openMigrated(ctx, cfg.DB, log)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := seedDemo(ctx, db.Services()); err != nil {
		return fmt.Errorf("demo data: %w", err)
	}

	emu, err := startDemoGoogle(*googleAddr, *keep != "", dir)
	if err != nil {
		return err
	}
	defer func() {
		// After the server: running syncs finish before Google goes away.
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if err := emu.Shutdown(sctx); err != nil {
			log.Error("demo: google emulator shutdown", "err", err)
		}
	}()

	l, err := listenFallback(*addr, "127.0.0.1:8080")
	if err != nil {
		return err
	}
	cfg.Addr = l.Addr().String()
	// Any client id and secret are accepted by the emulator.
	cfg.GoogleClient, cfg.GoogleSecret = "demo", "demo"
	cfg.GoogleAuthURL = emu.URL + "/o/oauth2/v2/auth"
	cfg.GoogleToken = emu.URL + "/token"
	cfg.GoogleRevoke = emu.URL + "/revoke"
	cfg.GoogleAPI = emu.APIURL()
	if err := cfg.resolve(); err != nil {
		l.Close()
		return err
	}
	printDemoBanner(a.Stdout, cfg.BaseURL, emu.URL, dir, *keep != "")
	err = a.runServer(ctx, cfg, db, l, log)
	fmt.Fprintln(a.Stdout, "Simple CRM demo stopped.")
	return err
}

// startDemoGoogle starts the Google emulator with the demo's accounts. With
// --keep its state lives in DIR like the CRM's, so a connected account
// still works on the next run.
func startDemoGoogle(addr string, keep bool, dir string) (*googleemu.Server, error) {
	opts := googleemu.Options{}
	if keep {
		opts.DataFile = filepath.Join(dir, "google-emulator.json")
	}
	var emu *googleemu.Server
	var err error
	if addr != "" {
		emu, err = googleemu.Start(addr, opts)
	} else if emu, err = googleemu.Start(demoGoogleAddr, opts); err != nil {
		emu, err = googleemu.Start("127.0.0.1:0", opts)
	}
	if err != nil {
		return nil, fmt.Errorf("google emulator: %w", err)
	}
	if err := seedGoogle(emu.Emulator); err != nil {
		return nil, errors.Join(fmt.Errorf("google emulator data: %w", err), emu.Close())
	}
	return emu, nil
}

func printDemoBanner(w io.Writer, crmURL, googleURL, dir string, keep bool) {
	var accounts []string
	for _, a := range demoAccounts {
		accounts = append(accounts, a.email)
	}
	where := dir
	if !keep {
		where += " (deleted on exit; keep it with --keep DIR)"
	}
	fmt.Fprintf(w, `
Simple CRM demo is running.

  Simple CRM    %s
  Log in        %s / %s
  Google        %s  (built-in emulator: its own contacts page, no real Google)
  Google accts  %s
  Data in       %s

Click "Sync Mobile", choose a Google account, and allow access.
Press Ctrl-C to stop.

`, crmURL, demoEmail, demoPassword, googleURL, strings.Join(accounts, ", "), where)
}

// listenFallback listens on addr when given; otherwise on def and, if that
// is taken, on any free loopback port: a demo should not fail because of a
// busy port.
func listenFallback(addr, def string) (net.Listener, error) {
	if addr != "" {
		l, err := net.Listen("tcp", addr)
		if err != nil {
			return nil, fmt.Errorf("listen on %s: %w", addr, err)
		}
		return l, nil
	}
	if l, err := net.Listen("tcp", def); err == nil {
		return l, nil
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen: %w", err)
	}
	return l, nil
}
