package cli

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

// On a terminal a log record clears the bar's line and the bar is drawn
// again under it; elsewhere progress and log are lines of their own.
func TestBarWriter(t *testing.T) {
	var buf bytes.Buffer
	b := &barWriter{w: &buf, tty: true}
	b.progress("[###...] 50%")
	fmt.Fprint(b, "level=ERROR msg=boom\n")
	if !b.overwritten() {
		t.Fatal("a log record over the bar is not noticed")
	}
	b.progress("[###...] 50%")
	b.endBar()
	bar := fmt.Sprintf("\r%-78s", "[###...] 50%")
	if want := bar + "\r\033[Klevel=ERROR msg=boom\n" + bar + "\n"; buf.String() != want {
		t.Errorf("terminal output %q, want %q", buf.String(), want)
	}
	if b.overwritten() {
		t.Error("the redrawn bar still counts as overwritten")
	}

	buf.Reset()
	b = &barWriter{w: &buf}
	b.progress("Reading changes: 1")
	fmt.Fprint(b, "level=ERROR msg=boom\n")
	b.progress("Done")
	b.endBar()
	if want := "Reading changes: 1\nlevel=ERROR msg=boom\nDone\n"; buf.String() != want || strings.Contains(buf.String(), "\r") {
		t.Errorf("pipe output %q, want %q", buf.String(), want)
	}
}
