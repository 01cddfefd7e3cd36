package contactsync_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"google.golang.org/api/people/v1"

	"simplecrm/internal/contactsync"
	"simplecrm/internal/crm"
	"simplecrm/internal/google"
	"simplecrm/internal/googleemu"
)

// TestRandomizedSync is a model-based test of the engine: each case is a
// random sequence of edits on both sides (creates, field edits, deletes,
// restores, group moves, duplicate emails, company renames, unmanaged Google
// data) mixed with syncs that meet faults (429, 5xx, stale etags, lost
// answers, expired sync tokens, runs cut off midway), then fault-free syncs.
// The oracle checks convergence, agreement of every linked pair, no
// duplicates, nothing lost, unmanaged data intact, and that every synchronized
// value is one that was written to that contact.
//
// SIMPLECRM_SYNC_CASES sets the number of cases (default 1000, 100 with
// -short), SIMPLECRM_SYNC_FIRST_SEED the first seed (default 1, to explore
// new cases), and SIMPLECRM_SYNC_SEED replays one case, narrated.
func TestRandomizedSync(t *testing.T) {
	cases := 1000
	if testing.Short() {
		cases = 100
	}
	if v := os.Getenv("SIMPLECRM_SYNC_CASES"); v != "" {
		cases, _ = strconv.Atoi(v)
	}
	first := uint64(1)
	if v := os.Getenv("SIMPLECRM_SYNC_FIRST_SEED"); v != "" {
		first, _ = strconv.ParseUint(v, 10, 64)
	}
	if v := os.Getenv("SIMPLECRM_SYNC_SEED"); v != "" {
		first, _ = strconv.ParseUint(v, 10, 64)
		cases = 1
	}
	base := newFixture(t, "sqlite")
	// Faults come in bursts of a few: retry at once rather than in seconds.
	base.engine = contactsync.New(base.db, contactsync.Options{Backoff: google.Backoff{Base: time.Millisecond, Max: 5 * time.Millisecond}}, nil)
	for seed := first; seed < first+uint64(cases); seed++ {
		m := newModel(t, base, seed)
		if !m.run() {
			t.Fatalf("case failed; replay it with SIMPLECRM_SYNC_SEED=%d go test -run TestRandomizedSync ./internal/contactsync", seed)
		}
	}
	t.Logf("%d cases passed", cases)
}

// model is one case: its own organization, user and Google account on the
// shared database and emulator, and what the case wrote.
type model struct {
	*fixture
	t    *testing.T
	seed uint64
	rnd  *rand.Rand
	ok   bool

	crmIDs     []int64
	trashed    map[int64]bool
	googleMade []string                   // resource names the case created in Google
	deleted    map[string]bool            // ... and deleted
	unmanaged  map[string]string          // resource name → userDefined value added
	written    map[string]map[string]bool // entity key + field → values written
	companies  []int64
	group      string
}

func newModel(t *testing.T, base *fixture, seed uint64) *model {
	f := *base
	f.t = t
	org, err := f.svc.Users.EnsureOrganization(f.ctx, fmt.Sprintf("Case %d", seed))
	if err != nil {
		t.Fatal(err)
	}
	f.org = org
	f.user = &crm.User{OrgID: org.ID, Email: fmt.Sprintf("user%d@acme.example", seed), Role: crm.RoleAdmin, PasswordHash: "unused"}
	if err := f.svc.Users.CreateUser(f.ctx, f.user); err != nil {
		t.Fatal(err)
	}
	f.gmail = fmt.Sprintf("case%d@gmail.example", seed)
	f.acct = f.connect(f.user, f.gmail)
	g, err := f.emu.EnsureGroup(f.gmail, "SimpleCRM")
	if err != nil {
		t.Fatal(err)
	}
	return &model{fixture: &f, t: t, seed: seed, rnd: rand.New(rand.NewPCG(seed, 7)), ok: true,
		trashed: map[int64]bool{}, deleted: map[string]bool{}, unmanaged: map[string]string{},
		written: map[string]map[string]bool{}, group: g.ResourceName}
}

// logf narrates a replayed case (SIMPLECRM_SYNC_SEED).
func (m *model) logf(format string, args ...any) {
	if os.Getenv("SIMPLECRM_SYNC_SEED") != "" || os.Getenv("SIMPLECRM_SYNC_NARRATE") == strconv.FormatUint(m.seed, 10) {
		m.t.Logf(format, args...)
	}
}

func (m *model) failf(format string, args ...any) {
	m.t.Errorf("seed %d: "+format, append([]any{m.seed}, args...)...)
	m.ok = false
}

func (m *model) run() bool {
	steps := 6 + m.rnd.IntN(14)
	for i := 0; i < steps && m.ok; i++ {
		m.step()
		time.Sleep(2 * time.Millisecond) // modification times must tell writes apart
	}
	m.emu.ClearFaults()
	for i := 0; i < 3 && m.ok; i++ {
		m.syncOnce(false)
	}
	if m.ok {
		m.emu.ResetRequests()
		if run := m.sync(); run.Status != crm.RunSucceeded || m.writes() != 0 {
			m.failf("not converged: a further sync is %s and writes %d times: %v", run.Status, m.writes(), m.emu.RequestCounts())
		}
	}
	if m.ok {
		m.check()
	}
	return m.ok
}

var names = []string{"Ann", "Bob", "Chloé", "Dmitri", "Eve", "Fatou", "Gus", "Hana"}

func (m *model) pick(n int) int { return m.rnd.IntN(n) }

func (m *model) note(key, field, value string) {
	k := key + "/" + field
	if m.written[k] == nil {
		m.written[k] = map[string]bool{}
	}
	m.written[k][value] = true
}

func (m *model) email() string {
	if len(m.crmIDs) > 0 && m.pick(8) == 0 { // a duplicate email now and then
		c := m.find(m.crmIDs[m.pick(len(m.crmIDs))])
		if c.PersonalEmail != "" {
			return c.PersonalEmail
		}
	}
	return fmt.Sprintf("p%d.%d@example.org", m.seed, m.rnd.IntN(1_000_000))
}

func (m *model) step() {
	op := m.pick(14)
	switch {
	case op < 2:
		m.crmCreate()
	case op < 4:
		m.crmEdit()
	case op == 4:
		m.crmTrashOrRestore()
	case op == 5:
		m.companyRename()
	case op < 8:
		m.googleCreate()
	case op < 10:
		m.googleEdit()
	case op == 10:
		m.googleDeleteOrUngroup()
	case op == 11:
		m.googleUnmanaged()
	default:
		m.syncOnce(true)
	}
}

func (m *model) crmCreate() {
	c := crm.Contact{OrgID: m.org.ID, OwnerID: m.user.ID, FirstName: names[m.pick(len(names))],
		LastName: "L" + strconv.Itoa(m.pick(100)), PersonalEmail: m.email()}
	if m.pick(2) == 0 {
		c.MobilePhone = fmt.Sprintf("+33 6 %02d %02d %02d %02d", m.pick(100), m.pick(100), m.pick(100), m.pick(100))
	}
	if m.pick(3) == 0 {
		c.Employments = []crm.Employment{{CompanyName: fmt.Sprintf("Co %d-%d", m.seed, m.pick(3)), Function: "Buyer"}}
	}
	if err := m.svc.Contacts.CreateContact(m.ctx, &c); err != nil {
		m.failf("create contact: %v", err)
		return
	}
	m.crmIDs = append(m.crmIDs, c.ID)
	m.logf("CRM create %d %s %s <%s>", c.ID, c.FirstName, c.LastName, c.PersonalEmail)
	m.noteContact(&c)
	for _, e := range c.Employments {
		m.companies = append(m.companies, e.CompanyID)
	}
}

func (m *model) noteContact(c *crm.Contact) {
	key := "c" + strconv.FormatInt(c.ID, 10)
	m.note(key, "first", c.FirstName)
	m.note(key, "last", c.LastName)
	m.note(key, "mobile", c.MobilePhone)
	m.note(key, "email", c.PersonalEmail)
}

func (m *model) crmEdit() {
	if len(m.crmIDs) == 0 {
		return
	}
	c := m.find(m.crmIDs[m.pick(len(m.crmIDs))])
	switch m.pick(3) {
	case 0:
		c.FirstName = names[m.pick(len(names))] + "x"
	case 1:
		c.LastName = "E" + strconv.Itoa(m.pick(100))
	default:
		c.MobilePhone = fmt.Sprintf("06 %02d %02d %02d %02d", m.pick(100), m.pick(100), m.pick(100), m.pick(100))
	}
	c.Version = 0
	if err := m.svc.Contacts.UpdateContact(m.ctx, c); err != nil {
		m.failf("edit contact: %v", err)
		return
	}
	m.logf("CRM edit %d: %s %s %s", c.ID, c.FirstName, c.LastName, c.MobilePhone)
	m.noteContact(c)
}

func (m *model) crmTrashOrRestore() {
	if len(m.crmIDs) == 0 {
		return
	}
	id := m.crmIDs[m.pick(len(m.crmIDs))]
	var err error
	if m.find(id).DeletedAt == nil {
		err = m.svc.Contacts.TrashContact(m.ctx, m.org.ID, id)
		m.trashed[id] = true
		m.logf("CRM trash %d", id)
	} else {
		err = m.svc.Contacts.RestoreContact(m.ctx, m.org.ID, id)
		m.logf("CRM restore %d", id)
	}
	if err != nil {
		m.failf("trash/restore: %v", err)
	}
}

func (m *model) companyRename() {
	if len(m.companies) == 0 {
		return
	}
	co, err := m.svc.Companies.FindCompany(m.ctx, m.org.ID, m.companies[m.pick(len(m.companies))])
	if err != nil {
		m.failf("find company: %v", err)
		return
	}
	co.Name = fmt.Sprintf("%s r%d", co.Name, m.pick(1000))
	if err := m.svc.Companies.UpdateCompany(m.ctx, co); err != nil {
		m.failf("rename company: %v", err)
	}
}

func (m *model) googleCreate() {
	p := &people.Person{Names: []*people.Name{{GivenName: names[m.pick(len(names))], FamilyName: "G" + strconv.Itoa(m.pick(100))}},
		EmailAddresses: []*people.EmailAddress{{Value: m.email(), Type: "home"}}}
	if m.pick(3) == 0 {
		p.Organizations = []*people.Organization{{Name: "Google Co", Title: "Boss"}}
	}
	created, err := m.emu.SeedGroup(m.gmail, "SimpleCRM", p)
	if err != nil {
		m.failf("google create: %v", err)
		return
	}
	rn := created[0].ResourceName
	m.googleMade = append(m.googleMade, rn)
	m.logf("Google create %s <%s>", rn, p.EmailAddresses[0].Value)
	v := contactsync.PersonView(created[0])
	m.note(rn, "first", v.FirstName)
	m.note(rn, "last", v.LastName)
	m.note(rn, "email", v.PersonalEmail)
	m.note(rn, "mobile", "")
}

// someGoogle returns a random existing Google contact of the account.
func (m *model) someGoogle() *people.Person {
	all, err := m.emu.Contacts(m.gmail)
	if err != nil || len(all) == 0 {
		return nil
	}
	return all[m.pick(len(all))]
}

func (m *model) googleEdit() {
	p := m.someGoogle()
	if p == nil {
		return
	}
	var field string
	switch m.pick(3) {
	case 0:
		if len(p.Names) == 0 {
			p.Names = []*people.Name{{}}
		}
		p.Names[0].GivenName = names[m.pick(len(names))] + "g"
		field = "names"
		m.note(p.ResourceName, "first", p.Names[0].GivenName)
	case 1:
		if len(p.Names) == 0 {
			p.Names = []*people.Name{{}}
		}
		p.Names[0].FamilyName = "F" + strconv.Itoa(m.pick(100))
		field = "names"
		m.note(p.ResourceName, "last", p.Names[0].FamilyName)
	default:
		v := fmt.Sprintf("+33 7 %02d %02d %02d %02d", m.pick(100), m.pick(100), m.pick(100), m.pick(100))
		var phones []*people.PhoneNumber
		for _, ph := range p.PhoneNumbers {
			if ph.Type != "mobile" {
				phones = append(phones, ph)
			}
		}
		p.PhoneNumbers = append(phones, &people.PhoneNumber{Value: v, Type: "mobile"})
		field = "phoneNumbers"
		m.note(p.ResourceName, "mobile", v)
	}
	if _, err := m.emu.UpdateContact(m.gmail, p, field); err != nil {
		m.failf("google edit: %v", err)
	}
	m.logf("Google edit %s %s", p.ResourceName, field)
}

func (m *model) googleDeleteOrUngroup() {
	p := m.someGoogle()
	if p == nil {
		return
	}
	var err error
	switch m.pick(3) {
	case 0:
		err = m.emu.DeleteContact(m.gmail, p.ResourceName)
		m.deleted[p.ResourceName] = true
		m.logf("Google delete %s", p.ResourceName)
	case 1:
		err = m.emu.ModifyGroupMembers(m.gmail, m.group, nil, []string{p.ResourceName})
		m.logf("Google ungroup %s", p.ResourceName)
	default:
		err = m.emu.ModifyGroupMembers(m.gmail, m.group, []string{p.ResourceName}, nil)
		m.logf("Google group %s", p.ResourceName)
	}
	if err != nil {
		m.failf("google delete/ungroup: %v", err)
	}
}

func (m *model) googleUnmanaged() {
	p := m.someGoogle()
	if p == nil {
		return
	}
	v := "tier-" + strconv.Itoa(m.pick(100))
	p.UserDefined = []*people.UserDefined{{Key: "tier", Value: v}}
	if _, err := m.emu.UpdateContact(m.gmail, p, "userDefined"); err != nil {
		m.failf("google unmanaged: %v", err)
		return
	}
	m.unmanaged[p.ResourceName] = v
}

var faults = []googleemu.Fault{
	{Status: 429, Times: 2},
	{Status: 503, Times: 2},
	{Method: "people.batchUpdateContacts", Kind: googleemu.FaultStaleETag, Times: 1},
	{Method: "people.batchCreateContacts", Kind: googleemu.FaultTimeoutAfterCommit, Times: 1},
	{Method: "people.batchUpdateContacts", Kind: googleemu.FaultTimeoutAfterCommit, Times: 1},
	{Method: "people.batchCreateContacts", Status: 500, Times: 1},
	{Method: "contactGroups.members.modify", Status: 503, Times: 1},
}

// syncOnce runs a sync, with a fault, an expired token or a cut-off when
// faulty; a faulty run may fail, but must never corrupt anything.
func (m *model) syncOnce(faulty bool) {
	ctx := m.ctx
	if faulty {
		switch k := m.pick(10); {
		case k < 5:
			f := faults[m.pick(len(faults))]
			m.emu.AddFault(f)
			m.logf("fault %+v", f)
		case k == 5:
			m.emu.ExpireSyncTokens()
			m.logf("sync tokens expired")
		case k == 6:
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, time.Duration(1+m.pick(15))*time.Millisecond)
			defer cancel()
			m.logf("run cut off")
		}
	}
	full, err := m.svc.GoogleAccounts.FindGoogleAccount(m.ctx, m.org.ID, m.acct.ID)
	if err != nil {
		m.failf("find account: %v", err)
		return
	}
	run := &crm.SyncRun{OrgID: m.org.ID, AccountID: m.acct.ID, Trigger: "test"}
	if err := m.svc.SyncRuns.CreateSyncRun(m.ctx, run); err != nil {
		m.failf("create run: %v", err)
		return
	}
	err = m.engine.Run(ctx, m.googleClient(full), full, run, nil)
	m.emu.ClearFaults()
	m.logf("sync (faulty %v): %s %q %+v", faulty, run.Status, run.Error, run.Counts)
	switch {
	case err != nil && ctx.Err() == nil:
		m.failf("run error: %v", err)
	case !faulty && err == nil && run.Status != crm.RunSucceeded:
		m.failf("fault-free run %s: %s", run.Status, run.Error)
	}
}

// holders returns the entities (CRM contacts, Google contacts) that were ever
// given this email.
func (m *model) holders(email string) []string {
	var out []string
	for key, values := range m.written {
		entity, field, _ := strings.Cut(key, "/")
		if field != "email" {
			continue
		}
		for v := range values {
			if contactsync.EmailKey(v) == contactsync.EmailKey(email) {
				out = append(out, entity)
			}
		}
	}
	return out
}

func (m *model) wasWritten(entities []string, field, value string) bool {
	for _, e := range entities {
		if m.written[e+"/"+field][value] {
			return true
		}
	}
	return false
}

// check is the oracle.
func (m *model) check() {
	all, err := m.emu.Contacts(m.gmail)
	if err != nil {
		m.failf("contacts: %v", err)
		return
	}
	byName := map[string]*people.Person{}
	outside := map[string]bool{} // emails of Google contacts out of the group
	var members []*people.Person
	perCRMID := map[string]int{}
	for _, p := range all {
		byName[p.ResourceName] = p
		for _, d := range p.ClientData {
			if d.Key == contactsync.ClientDataKey {
				perCRMID[d.Value]++
			}
		}
		in := false
		for _, ms := range p.Memberships {
			in = in || ms.ContactGroupMembership != nil && ms.ContactGroupMembership.ContactGroupResourceName == m.group
		}
		if in {
			members = append(members, p)
		} else {
			for _, e := range p.EmailAddresses {
				outside[contactsync.EmailKey(e.Value)] = true
			}
		}
	}
	for id, n := range perCRMID {
		if n > 1 {
			m.failf("CRM contact %s exists %d times in Google", id, n)
		}
	}
	links, err := m.db.ListLinks(m.ctx, m.acct.ID, 0, 100000)
	if err != nil {
		m.failf("links: %v", err)
		return
	}
	linked := map[int64]bool{}
	linkedNames, linkedEmails := map[string]bool{}, map[string]bool{}
	ph := contactsync.Phones{}
	for _, l := range links {
		linked[l.ContactID] = true
		linkedNames[l.ResourceName] = true
		p := byName[l.ResourceName]
		if p == nil {
			m.failf("link to a Google contact that does not exist: %s", l.ResourceName)
			continue
		}
		c := m.find(l.ContactID)
		if c.DeletedAt != nil {
			m.failf("contact %d is in the trash but still linked", c.ID)
		}
		cv, gv := contactsync.ContactView(c), contactsync.PersonView(p)
		for _, e := range cv.Emails() {
			linkedEmails[e] = true
		}
		if cv.FirstName != gv.FirstName || cv.LastName != gv.LastName || contactsync.EmailKey(cv.PersonalEmail) != contactsync.EmailKey(gv.PersonalEmail) ||
			!(cv.MobilePhone == gv.MobilePhone || (cv.MobilePhone != "" && gv.MobilePhone != "" && ph.Same(cv.MobilePhone, gv.MobilePhone))) {
			m.failf("pair %d/%s disagrees:\n CRM    %+v\n Google %+v", c.ID, p.ResourceName, cv, gv)
		}
		// Contacts sharing an email are one person for the sync (it links
		// them): a value may come from any of them.
		sources := []string{"c" + strconv.FormatInt(c.ID, 10), l.ResourceName}
		for _, e := range []string{cv.PersonalEmail, gv.PersonalEmail} {
			sources = append(sources, m.holders(e)...)
		}
		for field, value := range map[string]string{"first": cv.FirstName, "last": cv.LastName, "mobile": cv.MobilePhone} {
			if !m.wasWritten(sources, field, value) {
				m.failf("contact %d/%s: %s %q was never written to it", c.ID, l.ResourceName, field, value)
			}
		}
	}
	// Every member is linked once, but for a second Google contact of a
	// linked CRM contact's email: reported, not imported (DESIGN.md §3).
	for _, p := range members {
		dup := false
		for _, e := range p.EmailAddresses {
			dup = dup || linkedEmails[contactsync.EmailKey(e.Value)]
		}
		if !linkedNames[p.ResourceName] && !dup {
			m.failf("group member %s is not linked", p.ResourceName)
		}
	}
	if len(links) > len(members) {
		m.failf("%d links for %d group members", len(links), len(members))
	}
	oldest := map[string]*crm.Contact{}
	var live []*crm.Contact
	for _, id := range m.crmIDs {
		c, err := m.svc.Contacts.FindContact(m.ctx, m.org.ID, id)
		if err != nil {
			m.failf("contact %d is gone: %v", id, err)
			continue
		}
		if c.DeletedAt != nil {
			continue
		}
		live = append(live, c)
		for _, e := range contactsync.ContactView(c).Emails() {
			if o := oldest[e]; o == nil || c.CreatedAt.Before(o.CreatedAt) || (c.CreatedAt.Equal(o.CreatedAt) && c.ID < o.ID) {
				oldest[e] = c
			}
		}
	}
	ids := make([]int64, len(live))
	for i, c := range live {
		ids[i] = c.ID
	}
	xs, err := m.db.Exclusions(m.ctx, m.acct.ID, ids, nil)
	if err != nil {
		m.failf("exclusions: %v", err)
	}
	excluded := map[int64]bool{}
	for _, x := range xs {
		excluded[x.ContactID] = true
	}
	for _, c := range live {
		// Removing a Google contact from the group unlinks its CRM contact,
		// which then stays out of sync until a Google contact of it joins
		// the group again (DESIGN.md §3, docs/sync.md).
		first, leftGroup := true, excluded[c.ID]
		for _, e := range contactsync.ContactView(c).Emails() {
			first = first && oldest[e].ID == c.ID
			leftGroup = leftGroup || outside[e]
		}
		if first && !linked[c.ID] && !leftGroup {
			m.failf("live contact %d (%s) is not synchronized", c.ID, c.PersonalEmail)
		}
	}
	for _, rn := range m.googleMade {
		if !m.deleted[rn] && byName[rn] == nil {
			m.failf("Google contact %s, never deleted by the user, is gone", rn)
		}
	}
	for rn, v := range m.unmanaged {
		p := byName[rn]
		if p == nil {
			continue
		}
		if len(p.UserDefined) != 1 || p.UserDefined[0].Value != v {
			m.failf("unmanaged data of %s lost: %+v", rn, p.UserDefined)
		}
	}
}
