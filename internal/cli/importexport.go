package cli

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"simplecrm/internal/contactio"
	"simplecrm/internal/crm"
	"simplecrm/internal/store"
)

// importCmd imports a .vcf or Google Contacts CSV file: contacts matched by
// email are filled in, the others created for the owner; bad cards and rows
// are reported with their line numbers and the rest is imported.
func (a *App) importCmd(ctx context.Context, args []string) error {
	fs := a.newFlags("import")
	cfg := a.configFlags(fs)
	email := fs.String("email", "", "the user who owns the contacts the import creates")
	dry := fs.Bool("dry-run", false, "show what the import would do, change nothing")
	// The file may come before or after the flags.
	var file string
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		file, args = args[0], args[1:]
	}
	if err := a.parseFlags(fs, args); err != nil {
		return err
	}
	if file == "" && fs.NArg() == 1 {
		file = fs.Arg(0)
	} else if fs.NArg() != 0 {
		file = ""
	}
	if file == "" || *email == "" {
		return errors.New("usage: simplecrm import FILE --email OWNER [--dry-run]")
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	recs, bad, err := readImport(file, data)
	if err != nil {
		return err
	}
	db, u, err := a.openUser(ctx, cfg.DB, *email)
	if err != nil {
		return err
	}
	defer db.Close()
	plan, err := contactio.NewPlan(ctx, db, u, recs, bad)
	if err != nil {
		return err
	}
	if !*dry {
		if err := plan.Apply(ctx, db); err != nil {
			return err
		}
	}
	for _, e := range plan.Errors {
		fmt.Fprintf(a.Stderr, "line %d: %s\n", e.Line, e.Msg)
	}
	verb := "created"
	if *dry {
		verb = "would create"
	}
	fmt.Fprintf(a.Stdout, "%s %d, updated %d, skipped %d (unchanged or repeated), %d bad rows\n",
		verb, plan.Count(contactio.Create), plan.Count(contactio.Update), plan.Count(contactio.Skip), len(plan.Errors))
	return nil
}

// readImport reads the file to import, as vCard for .vcf and .vcard, as
// Google CSV for .csv, and told apart by its content otherwise. A file that
// holds no contact it can import (empty, another format, every row bad) is
// an error of one line; otherwise the bad rows are returned to be reported
// and the rest is imported.
func readImport(file string, data []byte) ([]contactio.Record, []contactio.RowError, error) {
	if len(bytes.TrimSpace(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")))) == 0 {
		return nil, nil, fmt.Errorf("import: %s is empty: it holds no contact", file)
	}
	var (
		recs []contactio.Record
		bad  []contactio.RowError
	)
	switch strings.ToLower(filepath.Ext(file)) {
	case ".vcf", ".vcard":
		if !bytes.Contains(bytes.ToUpper(data), []byte("BEGIN:VCARD")) {
			return nil, nil, fmt.Errorf("import: %s is not a vCard file: it has no BEGIN:VCARD", file)
		}
		recs, bad = contactio.ReadVCF(data)
	case ".csv":
		recs, bad = contactio.ReadGoogleCSV(data)
	default:
		recs, bad = contactio.Read(data)
	}
	if len(recs) > 0 {
		return recs, bad, nil
	}
	if len(bad) == 0 {
		return nil, nil, fmt.Errorf("import: %s holds no contact", file)
	}
	msg := fmt.Sprintf("import: %s holds no contact that can be imported: line %d: %s", file, bad[0].Line, bad[0].Msg)
	if len(bad) > 1 {
		msg += fmt.Sprintf(" (and %d more bad rows)", len(bad)-1)
	}
	return nil, nil, errors.New(msg)
}

// exportCmd writes the contacts of the user's organization (or only the
// user's own with --mine) to stdout as vCard 3.0 or Google CSV.
func (a *App) exportCmd(ctx context.Context, args []string) error {
	fs := a.newFlags("export")
	cfg := a.configFlags(fs)
	email := fs.String("email", "", "a user of the organization to export")
	format := fs.String("format", contactio.FormatVCF, "vcf or csv")
	mine := fs.Bool("mine", false, "only the contacts the user owns")
	if err := a.parse(fs, args); err != nil {
		return err
	}
	if *email == "" || (*format != contactio.FormatVCF && *format != contactio.FormatCSV) {
		return errors.New("usage: simplecrm export --format vcf|csv --email USER [--mine]")
	}
	db, u, err := a.openUser(ctx, cfg.DB, *email)
	if err != nil {
		return err
	}
	defer db.Close()
	owner := int64(0)
	if *mine {
		owner = u.ID
	}
	w := bufio.NewWriter(a.Stdout)
	if err := contactio.Export(ctx, db, u.OrgID, owner, *format, w); err != nil {
		return err
	}
	return w.Flush()
}

func (a *App) openUser(ctx context.Context, dsn, email string) (*store.DB, *crm.User, error) {
	db, err := openExisting(ctx, dsn)
	if err != nil {
		return nil, nil, err
	}
	u, err := db.FindUserByEmail(ctx, email)
	if err != nil {
		db.Close()
		if crm.ErrorCode(err) == crm.ENOTFOUND {
			return nil, nil, fmt.Errorf("no user with email %s: create one with simplecrm user add", email)
		}
		return nil, nil, err
	}
	return db, u, nil
}
