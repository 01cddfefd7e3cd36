package googleemu

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// Persistence: the whole state as one JSON snapshot, written atomically
// (temporary file, fsync, rename) after every mutation and on Close.

const snapshotVersion = 1

// snapshot is the data file. Files written before faults and quota were
// dropped from it still load: unknown keys are ignored.
type snapshot struct {
	Version int    `json:"version"`
	State   *state `json:"state"`
	Clock   int64  `json:"clock_offset_ns"`
}

// load reads the data file; a missing file is an empty emulator.
func (e *Emulator) load() error {
	b, err := os.ReadFile(e.dataFile)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read: %w", err)
	}
	var snap snapshot
	if err := json.Unmarshal(b, &snap); err != nil {
		return fmt.Errorf("decode: %w", err)
	}
	if snap.Version != snapshotVersion || snap.State == nil {
		return fmt.Errorf("unsupported data file version %d", snap.Version)
	}
	st := snap.State
	fill(&st.Accounts)
	fill(&st.Grants)
	fill(&st.Tokens)
	fill(&st.Consented)
	fill(&st.Sessions)
	st.Codes = map[string]*authCode{}
	for _, a := range st.Accounts {
		fill(&a.Contacts)
		fill(&a.Groups)
		a.countLive()
	}
	e.st = st
	e.clockOff = 0
	if snap.Clock != 0 {
		e.clockOff = time.Duration(snap.Clock)
	}
	return nil
}

// save writes the data file if one is configured.
func (e *Emulator) save() error {
	if e.dataFile == "" {
		return nil
	}
	e.saveMu.Lock()
	defer e.saveMu.Unlock()
	if e.closed {
		return nil
	}
	e.mu.Lock()
	b, err := json.Marshal(snapshot{Version: snapshotVersion, State: e.st.persisted(e.now()), Clock: int64(e.clockOff)})
	e.mu.Unlock()
	if err != nil {
		return fmt.Errorf("googleemu: encode state: %w", err)
	}
	return writeFileAtomic(e.dataFile, b)
}

// persisted is s as saved: expired access tokens are left out (they are
// refused anyway, and each refresh would grow the file). A shallow copy, to
// be encoded with e.mu held.
func (s *state) persisted(now time.Time) *state {
	cp := *s
	cp.Tokens = make(map[string]*accessToken, len(s.Tokens))
	for k, t := range s.Tokens {
		if now.Before(t.Expiry) {
			cp.Tokens[k] = t
		}
	}
	return &cp
}

func writeFileAtomic(path string, b []byte) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("googleemu: save: %w", err)
	}
	tmp := f.Name()
	_, werr := f.Write(b)
	if werr == nil {
		werr = f.Sync()
	}
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Rename(tmp, path)
	}
	if werr != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("googleemu: save %s: %w", path, werr)
	}
	return nil
}

func fill[K comparable, V any](m *map[K]V) {
	if *m == nil {
		*m = map[K]V{}
	}
}
