-- A CRM contact and its Google contact taken out of sync on purpose for one
-- account: the Google contact left the group, or was deleted in Google with
-- "unlink only" (side 'google'), or the CRM contact went to the trash with
-- "unlink only" (side 'crm'), or was trashed because its Google contact
-- was deleted in Google (side 'trashed': that Google contact coming back, under
-- its name or a new one, restores it). Matching, creates and imports leave them alone
-- until a person brings them back (docs/sync.md, "Deletions").
CREATE TABLE google_exclusions (
    account_id    INTEGER NOT NULL REFERENCES google_accounts (id) ON DELETE CASCADE,
    contact_id    INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    resource_name TEXT NOT NULL,
    side          TEXT NOT NULL CHECK (side IN ('google', 'crm', 'trashed')),
    PRIMARY KEY (account_id, contact_id)
);
CREATE INDEX google_exclusions_resource ON google_exclusions (account_id, resource_name);
-- Purging a contact cascades through this index.
CREATE INDEX google_exclusions_contact ON google_exclusions (contact_id);
