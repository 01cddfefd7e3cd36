-- Matching by email reads google_people_emails by (account_id, email_key) for
-- hundreds of keys at once. With resource_name in the index it answers from
-- the index alone; without it, SQLite's sampled statistics (PRAGMA optimize)
-- made the primary key, which is covering, look cheaper, and each look-up
-- scanned every row of the account: 350 ms per page at 100k Google contacts,
-- a third of a 100k+100k initial sync (docs/benchmarks.md).
DROP INDEX google_people_emails_key;
CREATE INDEX google_people_emails_key ON google_people_emails (account_id, email_key, resource_name);
