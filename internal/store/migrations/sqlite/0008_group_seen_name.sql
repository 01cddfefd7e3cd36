-- The name the account's Google group (group_resource) had when a run last
-- saw it (contactsync.State.GroupName): a group renamed in Google is then
-- told apart from a group-name setting changed in the CRM (docs/sync.md).
-- Until now a run used the remembered group only while its name was the
-- setting's, so the setting is that name.
ALTER TABLE google_accounts ADD COLUMN group_seen_name TEXT NOT NULL DEFAULT '';
UPDATE google_accounts SET group_seen_name = group_name WHERE group_resource <> '';
