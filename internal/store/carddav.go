package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"simplecrm/internal/carddav"
	"simplecrm/internal/contactsync"
	"simplecrm/internal/crm"
)

// This file implements the address books of carddav.Store: the clients'
// stored cards and the listings and change queries of a user's book.

const (
	selectScopeSQL = `SELECT scope FROM carddav_books WHERE user_id = $1`
	upsertScopeSQL = `INSERT INTO carddav_books (user_id, scope) VALUES ($1, $2)
		ON CONFLICT (user_id) DO UPDATE SET scope = excluded.scope`
	changeVersionSQL = `SELECT change_seq FROM organizations WHERE id = $1`

	memberColumns = `c.id, c.version, c.deleted_at, COALESCE(c.owner_id, 0),
		k.href, k.uid, k.hash, k.contact_version, k.version`
	memberFrom = ` FROM contacts c LEFT JOIN carddav_cards k ON k.user_id = $2 AND k.contact_id = c.id`
	// liveMembersSQL lists a book; an owner condition may follow.
	liveMembersSQL = `SELECT ` + memberColumns + memberFrom + ` WHERE c.org_id = $1 AND c.deleted_at IS NULL`
	// changedMembersSQL finds changes through the two version indexes.
	changedMembersSQL = `SELECT ` + memberColumns + memberFrom + ` WHERE c.org_id = $1 AND c.id IN (
			SELECT id FROM contacts WHERE org_id = $1 AND version > $3
			UNION
			SELECT contact_id FROM carddav_cards WHERE user_id = $2 AND version > $3)`

	cardColumns   = `k.user_id, k.contact_id, k.href, k.uid, k.data, k.hash, k.contact_version, k.base, k.version`
	cardByHrefSQL = `SELECT ` + cardColumns + ` FROM carddav_cards k WHERE k.user_id = $1 AND k.href = $2`
	cardByUIDSQL  = `SELECT ` + cardColumns + ` FROM carddav_cards k WHERE k.user_id = $1 AND k.uid = $2`
	cardsOfSQL    = `SELECT ` + cardColumns + ` FROM carddav_cards k WHERE k.user_id = $1 AND k.contact_id IN `
	// One DELETE per unique key: SQLite scanned the user's whole book for
	// "contact_id = $2 OR href = $3 OR uid = $4", which made an upload O(n²).
	deleteCardOfContactSQL = `DELETE FROM carddav_cards WHERE user_id = $1 AND contact_id = $2`
	deleteCardAtHrefSQL    = `DELETE FROM carddav_cards WHERE user_id = $1 AND href = $2`
	deleteCardWithUIDSQL   = `DELETE FROM carddav_cards WHERE user_id = $1 AND uid = $2`
	insertCardSQL          = `INSERT INTO carddav_cards (user_id, contact_id, href, uid, data, hash, contact_version, base, version)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`
)

// BookScope returns the scope of the user's book, ScopeOwned by default.
func (db *DB) BookScope(ctx context.Context, userID int64) (string, error) {
	var scope string
	err := db.r.QueryRowContext(ctx, selectScopeSQL, userID).Scan(&scope)
	if errors.Is(err, sql.ErrNoRows) {
		return carddav.ScopeOwned, nil
	}
	if err != nil {
		return "", fmt.Errorf("book scope: %w", err)
	}
	return scope, nil
}

// SetBookScope changes the scope of the user's book.
func (db *DB) SetBookScope(ctx context.Context, userID int64, scope string) error {
	if scope != carddav.ScopeOwned && scope != carddav.ScopeAll {
		return crm.FieldErrors{"scope": "Choose your contacts or all contacts."}.Err()
	}
	if _, err := db.w.ExecContext(ctx, upsertScopeSQL, userID, scope); err != nil {
		if db.dialect.isForeignKey(err) {
			return crm.NotFound("user")
		}
		return fmt.Errorf("set book scope: %w", err)
	}
	return nil
}

// ChangeVersion returns the organization's latest change version.
func (db *DB) ChangeVersion(ctx context.Context, orgID int64) (int64, error) {
	var v int64
	err := db.r.QueryRowContext(ctx, changeVersionSQL, orgID).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, crm.NotFound("organization")
	}
	if err != nil {
		return 0, fmt.Errorf("change version: %w", err)
	}
	return v, nil
}

// BookMembers returns the live contacts of a user's book (since = 0), or
// every contact, live or not, changed or whose card changed after since.
func (db *DB) BookMembers(ctx context.Context, orgID, userID, ownerID, since int64) ([]carddav.Member, error) {
	query, args := liveMembersSQL, []any{orgID, userID}
	if since > 0 {
		query, args = changedMembersSQL, append(args, since)
	} else if ownerID != 0 {
		query, args = query+` AND c.owner_id = $3`, append(args, ownerID)
	}
	rows, err := db.r.QueryContext(ctx, query+` ORDER BY c.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("book members: %w", err)
	}
	defer rows.Close()
	var out []carddav.Member
	for rows.Next() {
		var (
			m                   carddav.Member
			deleted             sql.NullTime
			owner               int64
			href, uid, hash     sql.NullString
			cardCV, cardVersion sql.NullInt64
		)
		if err := rows.Scan(&m.ContactID, &m.Version, &deleted, &owner, &href, &uid, &hash, &cardCV, &cardVersion); err != nil {
			return nil, fmt.Errorf("book members: %w", err)
		}
		m.Live = !deleted.Valid && (ownerID == 0 || owner == ownerID)
		if href.Valid {
			m.Card = &carddav.StoredCard{OrgID: orgID, UserID: userID, ContactID: m.ContactID, Href: href.String,
				UID: uid.String, Hash: hash.String, ContactVersion: cardCV.Int64, Version: cardVersion.Int64}
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("book members: %w", err)
	}
	return out, nil
}

// Card returns the user's card at href, or with this UID when href is "",
// or nil.
func (db *DB) Card(ctx context.Context, userID int64, href, uid string) (*carddav.StoredCard, error) {
	query, key := cardByHrefSQL, href
	if href == "" {
		query, key = cardByUIDSQL, uid
	}
	rows, err := db.r.QueryContext(ctx, query, userID, key)
	if err != nil {
		return nil, fmt.Errorf("find card: %w", err)
	}
	cards, err := scanCards(rows)
	if err != nil || len(cards) == 0 {
		return nil, err
	}
	return cards[0], nil
}

// CardsOf returns the user's cards of these contacts, by contact id.
func (db *DB) CardsOf(ctx context.Context, userID int64, contactIDs []int64) (map[int64]*carddav.StoredCard, error) {
	out := map[int64]*carddav.StoredCard{}
	err := eachIn(idArgs(contactIDs), func(batch []any) error {
		rows, err := db.r.QueryContext(ctx, cardsOfSQL+"("+placeholders(2, len(batch))+")", append([]any{userID}, batch...)...)
		if err != nil {
			return err
		}
		cards, err := scanCards(rows)
		for _, c := range cards {
			out[c.ContactID] = c
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("cards of contacts: %w", err)
	}
	return out, nil
}

// SaveCard stores c as the user's card of its contact, replacing the
// contact's previous card and any card at the same href or with the same UID,
// and stamps it with a new change version of the organization.
func (db *DB) SaveCard(ctx context.Context, c *carddav.StoredCard) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		v, err := nextVersion(ctx, tx, c.OrgID, "organization")
		if err != nil {
			return err
		}
		return saveCardTx(ctx, tx, c, v)
	})
}

// SaveContactCard creates (ID 0) or updates the contact and stores the card
// as its card in one transaction: a PUT is one commit, not two (on SQLite
// each commit is a WAL write; an upload of 5,000 cards spent its time there),
// and a failed card write leaves no contact behind. The card's ContactID,
// ContactVersion and Base are taken from the saved contact.
func (db *DB) SaveContactCard(ctx context.Context, c *crm.Contact, card *carddav.StoredCard) error {
	return db.writeContact(ctx, c, "contact", func(tx *sql.Tx, v int64) error {
		var err error
		if c.ID == 0 {
			err = db.createContactTx(ctx, tx, c, v)
		} else {
			err = db.updateContactTx(ctx, tx, c, v)
		}
		if err != nil {
			return err
		}
		card.ContactID, card.ContactVersion, card.Base = c.ID, c.Version, contactsync.ContactView(c)
		return saveCardTx(ctx, tx, card, v)
	})
}

func saveCardTx(ctx context.Context, tx *sql.Tx, c *carddav.StoredCard, v int64) error {
	base, err := json.Marshal(c.Base)
	if err != nil {
		return fmt.Errorf("save card: %w", err)
	}
	for _, del := range []struct {
		query string
		key   any
	}{{deleteCardOfContactSQL, c.ContactID}, {deleteCardAtHrefSQL, c.Href}, {deleteCardWithUIDSQL, c.UID}} {
		if _, err := tx.ExecContext(ctx, del.query, c.UserID, del.key); err != nil {
			return fmt.Errorf("save card: %w", err)
		}
	}
	_, err = tx.ExecContext(ctx, insertCardSQL, c.UserID, c.ContactID, c.Href, c.UID, string(c.Data), c.Hash,
		c.ContactVersion, string(base), v)
	if err != nil {
		return fmt.Errorf("save card: %w", err)
	}
	c.Version = v
	return nil
}

func scanCards(rows *sql.Rows) ([]*carddav.StoredCard, error) {
	defer rows.Close()
	var out []*carddav.StoredCard
	for rows.Next() {
		var (
			c          carddav.StoredCard
			data, base string
		)
		err := rows.Scan(&c.UserID, &c.ContactID, &c.Href, &c.UID, &data, &c.Hash, &c.ContactVersion, &base, &c.Version)
		if err != nil {
			return nil, err
		}
		c.Data = []byte(data)
		if err := json.Unmarshal([]byte(base), &c.Base); err != nil {
			return nil, fmt.Errorf("card base: %w", err)
		}
		out = append(out, &c)
	}
	return out, rows.Err()
}
