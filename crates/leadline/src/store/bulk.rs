//! Inserting many leads at once (demo data, benchmarks, imports), inside the caller's
//! transaction: on SQLite as multi-row `INSERT`s, on PostgreSQL through `COPY`, which spares
//! the server parsing and planning thousands of parameters per statement. Each table's row is
//! written once, as a list of [`Value`]s, and either bound or copied.

use super::{Tx, contacts::Contact, leads::Lead};
use chrono::{DateTime, SecondsFormat, Utc};
use leadline_domain::{Phone, search};
use sqlx::QueryBuilder;
use std::{borrow::Cow, fmt::Write as _};
use uuid::Uuid;

/// A lead ready to store, with its contacts and their parsed phones.
pub struct NewLeadRows {
    pub lead: Lead,
    pub contacts: Vec<(Contact, Vec<Phone>)>,
}

/// Rows per SQLite statement; keeps every statement under SQLite's 32,766 parameters.
const BATCH: usize = 500;

/// One value of a row.
enum Value<'a> {
    Null,
    Id(Uuid),
    Text(Cow<'a, str>),
    Bool(bool),
    Int(i64),
    Time(DateTime<Utc>),
}

impl From<Uuid> for Value<'_> {
    fn from(id: Uuid) -> Self {
        Value::Id(id)
    }
}

impl From<Option<Uuid>> for Value<'_> {
    fn from(id: Option<Uuid>) -> Self {
        id.map_or(Value::Null, Value::Id)
    }
}

impl<'a> From<&'a str> for Value<'a> {
    fn from(s: &'a str) -> Self {
        Value::Text(Cow::Borrowed(s))
    }
}

impl<'a> From<&'a Option<String>> for Value<'a> {
    fn from(s: &'a Option<String>) -> Self {
        s.as_deref().map_or(Value::Null, Value::from)
    }
}

impl From<String> for Value<'_> {
    fn from(s: String) -> Self {
        Value::Text(Cow::Owned(s))
    }
}

impl From<bool> for Value<'_> {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

impl From<DateTime<Utc>> for Value<'_> {
    fn from(at: DateTime<Utc>) -> Self {
        Value::Time(at)
    }
}

/// A table and the columns its rows fill, in order.
struct Table {
    name: &'static str,
    columns: &'static str,
}

macro_rules! lead_columns {
    () => {
        "id, org_id, name, name_key, kind, status, owner_id, source, website, street, city, region, postcode, country, \
         time_zones, time_zone_manual, description, custom_fields, created_by, created_at, updated_at, external_id, import_id"
    };
}
const LEADS: Table = Table { name: "leads", columns: lead_columns!() };
/// On PostgreSQL a lead carries its search document (indexed by a generated `tsvector`).
const LEADS_WITH_SEARCH: Table = Table { name: "leads", columns: concat!(lead_columns!(), ", search_doc") };
const TAGS: Table = Table { name: "lead_tags", columns: "lead_id, org_id, tag" };
const CONTACTS: Table = Table {
    name: "contacts",
    columns: "id, org_id, lead_id, name, title, do_not_call, do_not_email, created_at, updated_at, import_id",
};
const PHONES: Table = Table {
    name: "contact_phones",
    columns: "contact_id, position, org_id, lead_id, e164, kind, digits, national, national_reversed, extension",
};
const EMAILS: Table = Table { name: "contact_emails", columns: "contact_id, position, org_id, lead_id, email" };

fn search_doc(r: &NewLeadRows) -> String {
    let mut parts: Vec<&str> = vec![&r.lead.name];
    for (c, _) in &r.contacts {
        parts.push(&c.name);
        parts.extend(c.emails.iter().map(String::as_str));
    }
    search::document(parts)
}

/// The rows of one batch of leads, table by table, in the order they must go in.
struct Rows<'a> {
    leads: Vec<Vec<Value<'a>>>,
    tags: Vec<Vec<Value<'a>>>,
    contacts: Vec<Vec<Value<'a>>>,
    phones: Vec<Vec<Value<'a>>>,
    emails: Vec<Vec<Value<'a>>>,
}

impl<'a> Rows<'a> {
    fn of(org: Uuid, import: Option<Uuid>, rows: &'a [NewLeadRows], with_search: bool) -> Self {
        let mut out = Rows { leads: vec![], tags: vec![], contacts: vec![], phones: vec![], emails: vec![] };
        for r in rows {
            let l = &r.lead;
            let mut lead: Vec<Value<'a>> = vec![
                l.id.into(),
                org.into(),
                l.name.as_str().into(),
                l.name.to_lowercase().into(),
                l.kind.as_str().into(),
                l.status.as_str().into(),
                l.owner_id.into(),
                (&l.source).into(),
                (&l.website).into(),
                (&l.address.street).into(),
                (&l.address.city).into(),
                (&l.address.region).into(),
                (&l.address.postcode).into(),
                (&l.address.country).into(),
                l.time_zones.join(",").into(),
                l.time_zone_manual.into(),
                (&l.description).into(),
                serde_json::to_string(&l.custom_fields).unwrap_or_else(|_| "{}".to_owned()).into(),
                l.created_by.into(),
                l.created_at.into(),
                l.updated_at.into(),
                (&l.external_id).into(),
                import.into(),
            ];
            if with_search {
                lead.push(search_doc(r).into());
            }
            out.leads.push(lead);
            out.tags.extend(l.tags.iter().map(|t| vec![l.id.into(), org.into(), t.as_str().into()]));
            for (ct, phones) in &r.contacts {
                out.contacts.push(vec![
                    ct.id.into(),
                    org.into(),
                    ct.lead_id.into(),
                    ct.name.as_str().into(),
                    (&ct.title).into(),
                    ct.do_not_call.into(),
                    ct.do_not_email.into(),
                    ct.created_at.into(),
                    ct.updated_at.into(),
                    import.into(),
                ]);
                for (i, p) in (0_i64..).zip(phones) {
                    out.phones.push(vec![
                        ct.id.into(),
                        Value::Int(i),
                        org.into(),
                        ct.lead_id.into(),
                        p.e164().into(),
                        p.kind().as_str().into(),
                        p.digits().into(),
                        p.national().into(),
                        p.national().chars().rev().collect::<String>().into(),
                        p.extension().map_or(Value::Null, Value::from),
                    ]);
                }
                for (i, e) in (0_i64..).zip(&ct.emails) {
                    out.emails.push(vec![
                        ct.id.into(),
                        Value::Int(i),
                        org.into(),
                        ct.lead_id.into(),
                        e.as_str().into(),
                    ]);
                }
            }
        }
        out
    }

    fn tables(self, leads: Table) -> [(Table, Vec<Vec<Value<'a>>>); 5] {
        [
            (leads, self.leads),
            (TAGS, self.tags),
            (CONTACTS, self.contacts),
            (PHONES, self.phones),
            (EMAILS, self.emails),
        ]
    }
}

/// Multi-row `INSERT`s of up to [`BATCH`] rows.
async fn insert_sqlite(c: &mut sqlx::SqliteConnection, table: &Table, rows: Vec<Vec<Value<'_>>>) -> sqlx::Result<()> {
    for chunk in rows.chunks(BATCH) {
        let mut q = QueryBuilder::<sqlx::Sqlite>::new(format!("INSERT INTO {} ({}) ", table.name, table.columns));
        q.push_values(chunk, |mut b, row| {
            for v in row {
                match v {
                    Value::Null => b.push_bind(None::<String>),
                    Value::Id(id) => b.push_bind(*id),
                    Value::Text(s) => b.push_bind(s.as_ref()),
                    Value::Bool(v) => b.push_bind(*v),
                    Value::Int(v) => b.push_bind(*v),
                    Value::Time(at) => b.push_bind(*at),
                };
            }
        });
        q.build().execute(&mut *c).await?;
    }
    Ok(())
}

/// One `COPY … FROM STDIN` in PostgreSQL's text format: tab-separated, `\N` for null,
/// backslash, tab, newline and carriage return escaped.
async fn copy_postgres(c: &mut sqlx::PgConnection, table: &Table, rows: Vec<Vec<Value<'_>>>) -> sqlx::Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let mut text = String::with_capacity(rows.len() * 128);
    for row in &rows {
        for (i, v) in row.iter().enumerate() {
            if i > 0 {
                text.push('\t');
            }
            match v {
                Value::Null => text.push_str("\\N"),
                Value::Id(id) => {
                    let _ = write!(text, "{}", id.hyphenated());
                }
                Value::Text(s) => {
                    for ch in s.chars() {
                        match ch {
                            '\\' => text.push_str("\\\\"),
                            '\t' => text.push_str("\\t"),
                            '\n' => text.push_str("\\n"),
                            '\r' => text.push_str("\\r"),
                            _ => text.push(ch),
                        }
                    }
                }
                Value::Bool(v) => text.push(if *v { 't' } else { 'f' }),
                Value::Int(v) => {
                    let _ = write!(text, "{v}");
                }
                // Microseconds, cut as a bound value is (PostgreSQL would round more digits).
                Value::Time(at) => text.push_str(&at.to_rfc3339_opts(SecondsFormat::Micros, true)),
            }
        }
        text.push('\n');
    }
    let mut copy = c.copy_in_raw(&format!("COPY {} ({}) FROM STDIN", table.name, table.columns)).await?;
    if let Err(e) = copy.send(text.into_bytes()).await.map(|_| ()) {
        // Leaves the connection usable; the caller's transaction fails with `e`.
        let _ = copy.abort(e.to_string()).await;
        return Err(e);
    }
    copy.finish().await.map(|_| ())
}

/// Inserts the leads with tags, contacts, phones, e-mails and search documents;
/// `import` marks them as created by that import. The rest of the transaction plans its
/// statements generically ([`super::Plans`]).
pub async fn insert_leads(tx: &mut Tx, org: Uuid, import: Option<Uuid>, rows: &[NewLeadRows]) -> anyhow::Result<()> {
    use anyhow::Context;
    // Each row's foreign-key checks: planned anew per row, 60% of the server's time in an import.
    tx.plans(super::Plans::Generic).await?;
    match tx {
        Tx::Sqlite(t) => {
            let c: &mut sqlx::SqliteConnection = t;
            for chunk in rows.chunks(BATCH) {
                for (table, rows) in Rows::of(org, import, chunk, false).tables(LEADS) {
                    insert_sqlite(&mut *c, &table, rows).await?;
                }
                // FTS rows: one lead_search row per lead, then its document under the same rowid.
                let created: Vec<_> = chunk.iter().map(|r| r.lead.created_at).collect();
                let rowids = super::leads::search_rowids(&mut *c, &created).await?;
                let (search, fts): (Vec<_>, Vec<_>) = rowids
                    .into_iter()
                    .zip(chunk)
                    .map(|(rowid, r)| {
                        (vec![Value::Int(rowid), r.lead.id.into()], vec![Value::Int(rowid), search_doc(r).into()])
                    })
                    .unzip();
                insert_sqlite(&mut *c, &Table { name: "lead_search", columns: "rowid, lead_id" }, search).await?;
                insert_sqlite(&mut *c, &Table { name: "lead_fts", columns: "rowid, doc" }, fts).await?;
            }
            Ok::<_, sqlx::Error>(())
        }
        Tx::Postgres(t) => {
            let c: &mut sqlx::PgConnection = t;
            for (table, rows) in Rows::of(org, import, rows, true).tables(LEADS_WITH_SEARCH) {
                copy_postgres(&mut *c, &table, rows).await?;
            }
            Ok(())
        }
    }
    .context("inserting leads in bulk")
}

/// The import benchmark's floor on SQLite: copies every lead of organization `from`, with
/// its tags, contacts, phones, e-mails and search rows, into organization `to` under new
/// ids, by SQLite's own `INSERT … SELECT`s in one transaction — the schema's B-tree work
/// with no parsing, normalizing, binding or Leadline code between rows. The map of new ids
/// and the search documents are prepared first and not timed. Answers the seconds the
/// copy took, its commit included, and the leads copied.
pub async fn copy_leads_sqlite(db: &super::Db, from: Uuid, to: Uuid) -> anyhow::Result<(f64, u64)> {
    use anyhow::Context;
    // New ids keep the old ones' order, after every id stored so far (a fresh v7 prefix).
    let prefix = || Uuid::now_v7().simple().to_string()[..16].to_owned();
    let mut tx = db.write().await?;
    let Tx::Sqlite(t) = &mut tx else { anyhow::bail!("the floor copy is for SQLite") };
    let c: &mut sqlx::SqliteConnection = t;
    for sql in [
        "DROP TABLE IF EXISTS temp.floor_leads",
        "DROP TABLE IF EXISTS temp.floor_contacts",
        "CREATE TEMP TABLE floor_leads (old BLOB PRIMARY KEY, new BLOB NOT NULL, doc TEXT NOT NULL) WITHOUT ROWID",
        "CREATE TEMP TABLE floor_contacts (old BLOB PRIMARY KEY, new BLOB NOT NULL, lead BLOB NOT NULL) WITHOUT ROWID",
    ] {
        sqlx::query(sql).execute(&mut *c).await?;
    }
    sqlx::query(
        "INSERT INTO floor_leads (old, new, doc)
         SELECT l.id, unhex($1 || printf('%016x', row_number() OVER (ORDER BY l.id))),
                l.name || coalesce(' ' || (SELECT group_concat(c.name || coalesce(' ' ||
                    (SELECT group_concat(e.email, ' ') FROM contact_emails e WHERE e.contact_id = c.id), ''), ' ')
                    FROM contacts c WHERE c.lead_id = l.id), '')
         FROM leads l WHERE l.org_id = $2",
    )
    .bind(prefix())
    .bind(from)
    .execute(&mut *c)
    .await
    .context("mapping the leads to copy")?;
    sqlx::query(
        "INSERT INTO floor_contacts (old, new, lead)
         SELECT c.id, unhex($1 || printf('%016x', row_number() OVER (ORDER BY c.id))), m.new
         FROM floor_leads m JOIN contacts c ON c.lead_id = m.old",
    )
    .bind(prefix())
    .execute(&mut *c)
    .await
    .context("mapping the contacts to copy")?;
    tx.commit().await?;

    // Each table's columns as the import fills them, with the ids replaced.
    let select = |table: &Table, with: &[(&str, &str)]| {
        let columns = table.columns.split(", ").map(str::trim);
        let values: Vec<String> = columns
            .map(|col| {
                with.iter().find(|(c, _)| *c == col).map_or_else(|| format!("t.{col}"), |(_, v)| (*v).to_owned())
            })
            .collect();
        format!("INSERT INTO {} ({}) SELECT {}", table.name, table.columns, values.join(", "))
    };
    let statements = [
        format!(
            "{} FROM floor_leads m JOIN leads t ON t.id = m.old ORDER BY m.new",
            select(&LEADS, &[("id", "m.new"), ("org_id", "$1"), ("import_id", "NULL")])
        ),
        format!(
            "{} FROM floor_leads m JOIN lead_tags t ON t.lead_id = m.old ORDER BY m.new",
            select(&TAGS, &[("lead_id", "m.new"), ("org_id", "$1")])
        ),
        format!(
            "{} FROM floor_contacts m JOIN contacts t ON t.id = m.old ORDER BY m.new",
            select(&CONTACTS, &[("id", "m.new"), ("org_id", "$1"), ("lead_id", "m.lead"), ("import_id", "NULL")])
        ),
        format!(
            "{} FROM floor_contacts m JOIN contact_phones t ON t.contact_id = m.old ORDER BY m.new, t.position",
            select(&PHONES, &[("contact_id", "m.new"), ("org_id", "$1"), ("lead_id", "m.lead")])
        ),
        format!(
            "{} FROM floor_contacts m JOIN contact_emails t ON t.contact_id = m.old ORDER BY m.new, t.position",
            select(&EMAILS, &[("contact_id", "m.new"), ("org_id", "$1"), ("lead_id", "m.lead")])
        ),
    ];
    // The search rows name no organization.
    let search = [
        "INSERT INTO lead_search (lead_id) SELECT new FROM floor_leads ORDER BY new",
        "INSERT INTO lead_fts (rowid, doc) SELECT s.rowid, m.doc FROM floor_leads m JOIN lead_search s ON s.lead_id = m.new",
    ];
    let started = std::time::Instant::now();
    let mut tx = db.write().await?;
    let Tx::Sqlite(t) = &mut tx else { anyhow::bail!("the floor copy is for SQLite") };
    let c: &mut sqlx::SqliteConnection = t;
    let mut leads = 0;
    for (i, sql) in statements.into_iter().enumerate() {
        let done =
            sqlx::query(sqlx::AssertSqlSafe(sql)).bind(to).execute(&mut *c).await.context("copying the leads")?;
        if i == 0 {
            leads = done.rows_affected();
        }
    }
    for sql in search {
        sqlx::query(sql).execute(&mut *c).await.context("copying the leads' search rows")?;
    }
    tx.commit().await?;
    let secs = started.elapsed().as_secs_f64();
    let mut tx = db.write().await?;
    if let Tx::Sqlite(t) = &mut tx {
        let c: &mut sqlx::SqliteConnection = t;
        sqlx::query("DROP TABLE temp.floor_leads").execute(&mut *c).await?;
        sqlx::query("DROP TABLE temp.floor_contacts").execute(&mut *c).await?;
    }
    tx.commit().await?;
    Ok((secs, leads))
}
