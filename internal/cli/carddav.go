package cli

import (
	"context"
	"errors"
	"fmt"

	"simplecrm/internal/crm"
)

// appPasswordCreate prints a new CardDAV app password of a user: what a
// phone or desktop client logs in with, beside the user's email.
func (a *App) appPasswordCreate(ctx context.Context, args []string) error {
	fs := a.newFlags("app-password create")
	cfg := a.configFlags(fs)
	email := fs.String("email", "", "the user whose address book the client reads")
	name := fs.String("name", "cli", "a name to recognize the client by")
	if err := a.parse(fs, args); err != nil {
		return err
	}
	if *email == "" {
		return errors.New("app-password create needs --email EMAIL")
	}
	db, err := openExisting(ctx, cfg.DB)
	if err != nil {
		return err
	}
	defer db.Close()
	u, err := db.FindUserByEmail(ctx, *email)
	if err != nil {
		if crm.ErrorCode(err) == crm.ENOTFOUND {
			return fmt.Errorf("no user with email %s: create one with simplecrm user add", *email)
		}
		return err
	}
	_, secret, err := db.CreateAppPassword(ctx, u.ID, *name)
	if err != nil {
		return err
	}
	fmt.Fprintln(a.Stdout, secret)
	return nil
}
