package ui

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	"simplecrm/internal/crm"
	"simplecrm/internal/syncmobile"
)

// Runs: the sync page with live progress and the end message, its events,
// and the history of runs.

const (
	// progressEvery is how often the progress stream reads the run. The run
	// may execute on another instance, so the database is the only source.
	progressEvery = 500 * time.Millisecond
	// streamFor bounds one progress stream; the browser's EventSource then
	// reconnects by itself, so a stuck run never pins a connection forever.
	streamFor = 10 * time.Minute
	// maxRunEvents bounds the events shown on a run page.
	maxRunEvents = 500
	// historySize is how many runs the history pages show.
	historySize = 50
)

// runView is a run as the pages show it.
type runView struct {
	*crm.SyncRun
	Email string // the Google account's
}

// Finished reports whether the run has ended, either way.
func (v runView) Finished() bool { return syncmobile.Finished(v.SyncRun) }

// Percent is the progress bar's value; 0 when the total is not known yet.
func (v runView) Percent() int {
	if v.Total <= 0 {
		return 0
	}
	return min(100, v.Done*100/v.Total)
}

// Duration is how long the run took, or has been running.
func (v runView) Duration() string {
	if v.StartedAt == nil {
		return ""
	}
	end := time.Now()
	if v.FinishedAt != nil {
		end = *v.FinishedAt
	}
	return humanDuration(end.Sub(*v.StartedAt))
}

// StartedBy says in words what started the run; Trigger is the stored value.
func (v runView) StartedBy() string {
	switch v.Trigger {
	case "manual":
		return "Sync Mobile button"
	case "connect":
		return "Connecting the account"
	case "periodic":
		return "Automatic sync"
	case "api":
		return "REST API"
	case "cli":
		return "Command line"
	}
	return v.Trigger
}

// eventView is a run's event with the name of the contact it is about, so
// that its link reads "Jim Smith", not "contact".
type eventView struct {
	*crm.SyncEvent
	ContactName string
}

// namedEvents looks up the names of the events' contacts, once each. A
// contact deleted for good since keeps the generic word.
func (h *handler) namedEvents(r *http.Request, u *crm.User, list []*crm.SyncEvent) ([]eventView, error) {
	names := map[int64]string{0: ""}
	out := make([]eventView, len(list))
	for i, e := range list {
		name, ok := names[e.ContactID]
		if !ok {
			c, err := h.svc.Contacts.FindContact(r.Context(), u.OrgID, e.ContactID)
			switch {
			case err == nil:
				name = c.Name()
			case crm.ErrorCode(err) == crm.ENOTFOUND:
				name = "contact"
			default:
				return nil, err
			}
			names[e.ContactID] = name
		}
		out[i] = eventView{SyncEvent: e, ContactName: name}
	}
	return out, nil
}

// progress is what the stream sends: enough to draw the bar and to know
// when to show the end message.
type progress struct {
	Status   string         `json:"status"`
	Phase    string         `json:"phase"`
	Done     int            `json:"done"`
	Total    int            `json:"total"`
	Percent  int            `json:"percent"`
	Counts   crm.SyncCounts `json:"counts"`
	Error    string         `json:"error"`
	Finished bool           `json:"finished"`
}

func (h *handler) showRun(w http.ResponseWriter, r *http.Request, u *crm.User) error {
	v, err := h.findRun(r, u)
	if err != nil {
		return err
	}
	list, err := h.svc.SyncRuns.ListSyncEvents(r.Context(), v.ID, maxRunEvents)
	if err != nil {
		return err
	}
	events, err := h.namedEvents(r, u, list)
	if err != nil {
		return err
	}
	h.render(w, r, http.StatusOK, "google_run", view{
		"Run": v, "Events": events, "Back": cmp.Or(localPath(r.URL.Query().Get("back")), "/contacts"),
	})
	return nil
}

// runEvents streams the run's progress as server-sent events until it ends:
// a "progress" event whenever it changed, then one "end" event.
func (h *handler) runEvents(w http.ResponseWriter, r *http.Request, u *crm.User) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	run, err := h.sync.Run(r.Context(), u, id)
	if err != nil {
		return err
	}
	rc := http.NewResponseController(w)
	// The server's write timeout is meant for pages, not for a stream.
	_ = rc.SetWriteDeadline(time.Now().Add(streamFor + time.Minute))
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no") // nginx would hold the events back
	w.WriteHeader(http.StatusOK)

	tick := time.NewTicker(progressEvery)
	defer tick.Stop()
	stop := time.After(streamFor)
	var last []byte
	for {
		v := runView{SyncRun: run}
		b, _ := json.Marshal(progress{Status: v.Status, Phase: v.Phase, Done: v.Done, Total: v.Total,
			Percent: v.Percent(), Counts: v.Counts, Error: v.Error, Finished: v.Finished()})
		kind := "progress"
		if v.Finished() {
			kind = "end"
		}
		if string(b) != string(last) || kind == "end" {
			fmt.Fprintf(w, "event: %s\ndata: %s\n\n", kind, b)
			if err := rc.Flush(); err != nil {
				return nil // the browser went away
			}
			last = b
		}
		if kind == "end" {
			return nil
		}
		select {
		case <-r.Context().Done():
			return nil
		case <-stop:
			return nil
		case <-tick.C:
		}
		if run, err = h.sync.Run(r.Context(), u, id); err != nil {
			if r.Context().Err() == nil {
				h.log.Error("ui: run progress", "run_id", id, "err", err)
			}
			return nil // headers are sent: ending the stream is all that is left
		}
	}
}

func (h *handler) history(w http.ResponseWriter, r *http.Request, u *crm.User) error {
	accounts, err := h.sync.Accounts(r.Context(), u)
	if err != nil {
		return err
	}
	return h.historyPage(w, r, u, accounts, nil)
}

func (h *handler) accountHistory(w http.ResponseWriter, r *http.Request, u *crm.User) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	a, err := h.sync.Account(r.Context(), u, id)
	if err != nil {
		return err
	}
	return h.historyPage(w, r, u, []*crm.GoogleAccount{a}, a)
}

// historyPage lists the latest runs of accounts, newest first. The store
// lists runs per organization, so they are read per account of the user.
func (h *handler) historyPage(w http.ResponseWriter, r *http.Request, u *crm.User, accounts []*crm.GoogleAccount, only *crm.GoogleAccount) error {
	var runs []runView
	for _, a := range accounts {
		list, err := h.svc.SyncRuns.ListSyncRuns(r.Context(), u.OrgID, a.ID, historySize)
		if err != nil {
			return err
		}
		for _, run := range list {
			runs = append(runs, runView{SyncRun: run, Email: a.Email})
		}
	}
	slices.SortFunc(runs, func(a, b runView) int { return cmp.Compare(b.ID, a.ID) })
	runs = runs[:min(len(runs), historySize)]
	h.render(w, r, http.StatusOK, "google_history", view{"Runs": runs, "Account": only})
	return nil
}

// findRun returns the {id} run of u with its account's email.
func (h *handler) findRun(r *http.Request, u *crm.User) (runView, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return runView{}, err
	}
	run, err := h.sync.Run(r.Context(), u, id)
	if err != nil {
		return runView{}, err
	}
	a, err := h.sync.Account(r.Context(), u, run.AccountID)
	if err != nil {
		return runView{}, err
	}
	return runView{SyncRun: run, Email: a.Email}, nil
}

// humanDuration rounds d for people: "0.4 s", "12 s", "3 min 5 s", "2 h 10 min".
func humanDuration(d time.Duration) string {
	switch {
	case d < 10*time.Second:
		return strconv.FormatFloat(d.Seconds(), 'f', 1, 64) + " s"
	case d < time.Minute:
		return strconv.Itoa(int(d.Seconds())) + " s"
	case d < time.Hour:
		return fmt.Sprintf("%d min %d s", int(d.Minutes()), int(d.Seconds())%60)
	}
	return fmt.Sprintf("%d h %d min", int(d.Hours()), int(d.Minutes())%60)
}
