package carddav

import (
	"context"
	"net/http"

	"github.com/emersion/go-vcard"
	"github.com/emersion/go-webdav"
	gocarddav "github.com/emersion/go-webdav/carddav"
)

// discoveryBackend gives go-webdav what it needs to answer PROPFIND on the
// context root and the principal. Everything below the principal is served
// by Handler itself, so the other methods are never reached from there.
type discoveryBackend struct{ b *book }

var errNotHere = webdav.NewHTTPError(http.StatusNotFound, nil)

func (d *discoveryBackend) CurrentUserPrincipal(context.Context) (string, error) {
	return d.b.principal(), nil
}

func (d *discoveryBackend) AddressBookHomeSetPath(context.Context) (string, error) {
	return d.b.home(), nil
}

func (d *discoveryBackend) ListAddressBooks(context.Context) ([]gocarddav.AddressBook, error) {
	return []gocarddav.AddressBook{d.addressBook()}, nil
}

func (d *discoveryBackend) GetAddressBook(_ context.Context, p string) (*gocarddav.AddressBook, error) {
	ab := d.addressBook()
	return &ab, nil
}

func (d *discoveryBackend) addressBook() gocarddav.AddressBook {
	return gocarddav.AddressBook{Path: d.b.path(), Name: displayName(d.b.scope), MaxResourceSize: MaxResourceSize}
}

func (d *discoveryBackend) CreateAddressBook(context.Context, *gocarddav.AddressBook) error {
	return webdav.NewHTTPError(http.StatusForbidden, nil)
}

func (d *discoveryBackend) DeleteAddressBook(context.Context, string) error {
	return webdav.NewHTTPError(http.StatusForbidden, nil)
}

func (d *discoveryBackend) GetAddressObject(context.Context, string, *gocarddav.AddressDataRequest) (*gocarddav.AddressObject, error) {
	return nil, errNotHere
}

func (d *discoveryBackend) ListAddressObjects(context.Context, string, *gocarddav.AddressDataRequest) ([]gocarddav.AddressObject, error) {
	return nil, errNotHere
}

func (d *discoveryBackend) QueryAddressObjects(context.Context, string, *gocarddav.AddressBookQuery) ([]gocarddav.AddressObject, error) {
	return nil, errNotHere
}

func (d *discoveryBackend) PutAddressObject(context.Context, string, vcard.Card, *gocarddav.PutAddressObjectOptions) (*gocarddav.AddressObject, error) {
	return nil, errNotHere
}

func (d *discoveryBackend) DeleteAddressObject(context.Context, string) error { return errNotHere }

func displayName(scope string) string {
	if scope == ScopeAll {
		return "Simple CRM (all contacts)"
	}
	return "Simple CRM"
}
