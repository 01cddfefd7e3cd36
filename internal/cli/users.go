package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"strings"

	"simplecrm/internal/crm"
	"simplecrm/internal/password"
)

// userAdd creates a user, and the organization if new. The password is the
// first line of stdin, so it never shows in the process list or shell history.
func (a *App) userAdd(ctx context.Context, args []string) error {
	fs := a.newFlags("user add")
	cfg := a.configFlags(fs)
	org := fs.String("org", "", "organization name (matched case-insensitively; created if new)")
	email := fs.String("email", "", "the user's email, their login")
	admin := fs.Bool("admin", false, "make the user an administrator")
	if err := a.parse(fs, args); err != nil {
		return err
	}
	if *org == "" || *email == "" {
		return errors.New("user add needs --org NAME and --email EMAIL (password on stdin)")
	}
	if !crm.ValidEmail(*email) {
		return fmt.Errorf("--email %q is not an email address", *email)
	}
	pw, err := bufio.NewReader(a.Stdin).ReadString('\n')
	if err != nil && pw == "" {
		return errors.New("user add reads the password from stdin: echo 'PASSWORD' | simplecrm user add ...")
	}
	pw = strings.TrimRight(pw, "\r\n")
	if msg := password.Problem(pw); msg != "" {
		return fmt.Errorf("password: %s", msg)
	}
	db, err := openMigrated(ctx, cfg.DB, nil)
	if err != nil {
		return err
	}
	defer db.Close()
	u, o, created, err := createUser(ctx, db.Services(), *org, *email, pw, *admin)
	if err != nil {
		return err
	}
	if created {
		fmt.Fprintf(a.Stdout, "created organization %q\n", o.Name)
	}
	fmt.Fprintf(a.Stdout, "created %s %s in organization %q\n", u.Role, u.Email, o.Name)
	return nil
}

// createUser adds a user to the named organization, creating it if needed,
// in one transaction; created reports a new organization.
func createUser(ctx context.Context, svc crm.Services, orgName, email, pw string, admin bool) (u *crm.User, org *crm.Organization, created bool, err error) {
	hash, err := password.Hash(pw)
	if err != nil {
		return nil, nil, false, err
	}
	u = &crm.User{Email: email, Role: crm.RoleMember, PasswordHash: hash}
	if admin {
		u.Role = crm.RoleAdmin
	}
	if org, created, err = svc.Users.CreateUserInOrganization(ctx, orgName, u); err != nil {
		return nil, nil, false, err
	}
	return u, org, created, nil
}

// tokenCreate prints a new API token for a user, and nothing else on stdout,
// so that scripts can capture it.
func (a *App) tokenCreate(ctx context.Context, args []string) error {
	fs := a.newFlags("token create")
	cfg := a.configFlags(fs)
	email := fs.String("email", "", "the user the token acts as")
	name := fs.String("name", "cli", "a name to recognize the token by")
	if err := a.parse(fs, args); err != nil {
		return err
	}
	if *email == "" {
		return errors.New("token create needs --email EMAIL")
	}
	db, err := openExisting(ctx, cfg.DB)
	if err != nil {
		return err
	}
	defer db.Close()
	svc := db.Services()
	u, err := svc.Users.FindUserByEmail(ctx, *email)
	if err != nil {
		if crm.ErrorCode(err) == crm.ENOTFOUND {
			return fmt.Errorf("no user with email %s: create one with simplecrm user add", *email)
		}
		return err
	}
	_, secret, err := svc.Auth.CreateAPIToken(ctx, u.ID, *name)
	if err != nil {
		return err
	}
	fmt.Fprintln(a.Stdout, secret)
	return nil
}
