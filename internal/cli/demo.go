package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"simplecrm/internal/googleemu"
	"simplecrm/internal/store"
)

// The default addresses: fixed ones that the README can name, replaced by
// any free port when they are taken (a second demo, a running server).
const (
	demoCRMAddr    = "127.0.0.1:8080"
	demoGoogleAddr = "127.0.0.1:8090"
)

// demoOptions are the demo command's flags.
type demoOptions struct {
	keep, addr, googleAddr string
	verbose                bool
}

// demo runs the product on a throwaway SQLite database filled with sample
// data, beside the built-in Google emulator with two sample Google accounts,
// so that a newcomer can try everything, Sync Mobile included, with one
// command and nothing installed.
func (a *App) demo(ctx context.Context, args []string) error {
	fs := a.newFlags("demo")
	var o demoOptions
	fs.StringVar(&o.keep, "keep", "", "keep the demo data (CRM database and Google emulator) in this directory between runs")
	fs.StringVar(&o.addr, "addr", a.Getenv("SIMPLECRM_ADDR"), "listen address (default "+demoCRMAddr+", or a free port if taken)")
	fs.StringVar(&o.googleAddr, "google-addr", "", "Google emulator listen address (default "+demoGoogleAddr+", or a free port if taken)")
	fs.BoolVar(&o.verbose, "verbose", false, "log every request and job (by default only warnings and errors)")
	if err := a.parse(fs, args); err != nil {
		return err
	}
	dir := o.keep
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
	err := a.runDemo(ctx, o, dir)
	if ctx.Err() != nil {
		// Ctrl-C, even during start-up, is how a demo ends: whatever it
		// interrupted (loading the sample data) is redone on the next run.
		err = nil
	}
	fmt.Fprintln(a.Stdout, "Simple CRM demo stopped.")
	return err
}

// runDemo loads the sample data when dir has none yet, starts the Google
// emulator and serves until ctx is cancelled.
func (a *App) runDemo(ctx context.Context, o demoOptions, dir string) error {
	// The demo's terminal is for the banner; the request log would bury it.
	log := a.quietLogger()
	if o.verbose {
		log = a.logger()
	}
	fresh, err := startDemoSeeding(dir)
	if err != nil {
		return err
	}
	if fresh {
		fmt.Fprintln(a.Stdout, "Loading the sample data…")
	}
	cfg := a.demoConfig(dir)
	db, err := openMigrated(ctx, cfg.DB, log)
	if err != nil {
		return err
	}
	defer db.Close()
	if fresh {
		if err := seedDemo(ctx, db.Services()); err != nil {
			return fmt.Errorf("demo data: %w", err)
		}
	}
	emu, err := startDemoGoogle(o.googleAddr, o.keep != "", dir, fresh)
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
	if err := finishDemoSeeding(dir); err != nil {
		return err
	}
	l, err := a.listenDemo(o, dir, cfg, emu)
	if err != nil {
		return err
	}
	return a.serveDemo(ctx, cfg, db, l, log)
}

// serveDemo runs the server until ctx is cancelled, saying when it stops
// that a second Ctrl-C forces it: cmd/simplecrm stops catching the signal
// once the first has come, and a running sync may hold the stop up to 30 s.
func (a *App) serveDemo(ctx context.Context, cfg *Config, db *store.DB, l net.Listener, log *slog.Logger) error {
	said := make(chan struct{})
	stopSaying := context.AfterFunc(ctx, func() {
		fmt.Fprintln(a.Stdout, "Stopping… (press Ctrl-C again to force)")
		close(said)
	})
	err := a.runServer(ctx, cfg, db, l, log)
	if !stopSaying() {
		<-said // before the last line
	}
	return err
}

// demoConfig is serve's configuration — its defaults and the SIMPLECRM_*
// environment — with what the demo owns overridden: its database and key in
// dir, the emulator as Google, and the base URL derived from the address it
// ends up listening on. The sync interval and lease stay as serve has them.
func (a *App) demoConfig(dir string) *Config {
	cfg := a.configFlags(flag.NewFlagSet("demo", flag.ContinueOnError))
	cfg.DB = "sqlite:" + filepath.Join(dir, "simplecrm.db")
	cfg.BaseURL, cfg.SecretKey = "", ""
	// Any client id and secret are accepted by the emulator.
	cfg.GoogleClient, cfg.GoogleSecret = "demo", "demo"
	return cfg
}

// listenDemo listens, points the configuration at the emulator and prints
// the banner.
func (a *App) listenDemo(o demoOptions, dir string, cfg *Config, emu *googleemu.Server) (net.Listener, error) {
	l, err := listenFallback(o.addr, demoCRMAddr)
	if err != nil {
		return nil, err
	}
	cfg.Addr = l.Addr().String()
	cfg.GoogleAuthURL = emu.URL + "/o/oauth2/v2/auth"
	cfg.GoogleToken = emu.URL + "/token"
	cfg.GoogleRevoke = emu.URL + "/revoke"
	cfg.GoogleAPI = emu.APIURL()
	if err := cfg.resolve(); err != nil {
		l.Close()
		return nil, err
	}
	printDemoBanner(a.Stdout, cfg.BaseURL, emu.URL, dir, o.keep != "")
	return l, nil
}

// startDemoGoogle starts the Google emulator, with the demo's accounts and
// contacts when fresh. With --keep its state lives in DIR like the CRM's, so
// a connected account still works on the next run.
func startDemoGoogle(addr string, keep bool, dir string, fresh bool) (*googleemu.Server, error) {
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
	if fresh {
		if err := seedGoogle(emu.Emulator); err != nil {
			return nil, errors.Join(fmt.Errorf("google emulator data: %w", err), emu.Close())
		}
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
			return nil, fmt.Errorf("listen on %s (%s): %w", addr, setting("SIMPLECRM_ADDR"), err)
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
