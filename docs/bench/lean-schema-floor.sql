-- What a leaner schema would cost to fill: 1,000,000 leads with a contact, 1.3 phones and an
-- e-mail each, generated inside SQLite (no parsing, no binding), one transaction. Integer keys
-- and times, four lead indexes instead of nine, one phone index instead of three, full-text
-- search as now. Run with the sqlite3 shell (3.40 or later):
--   rm -f lean.db*; sqlite3 lean.db < docs/bench/lean-schema-floor.sql
-- Measured 2026-12-07 on the 2-core development machine: leads 4.5 s, contacts 0.6 s, phones
-- 1.9 s, e-mails 3.1 s, full-text search 7.5 s, commit 1.8 s: ~20 s, a 577 MB file. Leadline's
-- schema filled the same way (bench-import's (c)) takes 73.5 s and ~2 GB.
-- Again 2026-12-07 night: 20.2 s as written; 19.4 s with the leanest full-text index
-- (`detail=none, columnsize=0`); 12.3 s with no full-text index at all. Reading and normalizing
-- the rows (the import's reader thread alone, perf stat) costs another ~21 µs a row of one core.
PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-262144; PRAGMA temp_store=memory;
CREATE TABLE leads (id INTEGER PRIMARY KEY, org INTEGER NOT NULL, name TEXT NOT NULL, name_key TEXT NOT NULL, kind INTEGER, status INTEGER NOT NULL, owner INTEGER, source TEXT, website TEXT, street TEXT, city TEXT, region TEXT, postcode TEXT, country TEXT, time_zones TEXT, custom_fields TEXT, created INTEGER NOT NULL, updated INTEGER NOT NULL);
CREATE INDEX leads_name ON leads(org, name_key);
CREATE INDEX leads_status ON leads(org, status, id);
CREATE INDEX leads_owner ON leads(org, owner, id);
CREATE INDEX leads_updated ON leads(org, updated);
CREATE TABLE contacts (id INTEGER PRIMARY KEY, lead INTEGER NOT NULL, name TEXT NOT NULL, title TEXT);
CREATE INDEX contacts_lead ON contacts(lead);
CREATE TABLE phones (contact INTEGER NOT NULL, pos INTEGER NOT NULL, org INTEGER NOT NULL, e164 TEXT NOT NULL, reversed TEXT NOT NULL, PRIMARY KEY (contact, pos)) WITHOUT ROWID;
CREATE INDEX phones_reversed ON phones(org, reversed);
CREATE TABLE emails (contact INTEGER NOT NULL, pos INTEGER NOT NULL, org INTEGER NOT NULL, email TEXT NOT NULL, PRIMARY KEY (contact, pos)) WITHOUT ROWID;
CREATE INDEX emails_email ON emails(org, email);
CREATE VIRTUAL TABLE lead_fts USING fts5(doc, content='', tokenize='unicode61 remove_diacritics 2');
.timer on
BEGIN;
CREATE TEMP TABLE n(i INTEGER PRIMARY KEY, r INTEGER);
WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c WHERE i < 1000000) INSERT INTO n SELECT i, abs(random()) FROM c;
COMMIT;
BEGIN;
INSERT INTO leads SELECT i, 1, 'Company '||(r%1000003)||' Ltd', 'company '||(r%1000003), 1, r%4, 2, 'Import', 'www.c'||i||'.example', (r%999)||' Main Street', 'Springfield', 'IL', printf('%05d', r%99999), 'US', 'America/Chicago', '{"Industry":"Software"}', 1765000000000+i, 1765000000000+i FROM n;
INSERT INTO contacts SELECT i, i, 'Person '||r, 'CEO' FROM n;
INSERT INTO phones SELECT i, 0, 1, '+1'||(2000000000+r%7999999999), printf('%d', (r*31) % 9999999999) FROM n;
INSERT INTO phones SELECT i, 1, 1, '+1'||(2000000000+(r/7)%7999999999), printf('%d', (r*37) % 9999999999) FROM n WHERE r % 10 < 3;
INSERT INTO emails SELECT i, 0, 1, 'p'||r||'@c'||i||'.example' FROM n;
INSERT INTO lead_fts(rowid, doc) SELECT i, 'Company '||(r%1000003)||' Ltd Person '||r||' p'||r||'@c'||i||'.example' FROM n;
COMMIT;
