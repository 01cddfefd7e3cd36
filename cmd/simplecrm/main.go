// Command simplecrm is Simple CRM: the web UI, REST API, background jobs, the
// Google emulator and the operator commands, in one binary.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"simplecrm/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		// The first signal asks for a graceful stop, which may wait for
		// running syncs; the next one kills at once, as a signal does.
		<-ctx.Done()
		stop()
	}()
	code := cli.NewApp().Main(ctx, os.Args[1:])
	stop()
	os.Exit(code)
}
