//! Inserting many leads at once (demo data, benchmarks, imports): multi-row
//! statements in batches, inside the caller's transaction.

use super::{Tx, contacts::Contact, leads::Lead};
use leadline_domain::{Phone, search};
use sqlx::QueryBuilder;
use uuid::Uuid;

/// A lead ready to store, with its contacts and their parsed phones.
pub struct NewLeadRows {
    pub lead: Lead,
    pub contacts: Vec<(Contact, Vec<Phone>)>,
}

/// Rows per statement; keeps every statement under SQLite's 32,766 parameters.
const BATCH: usize = 500;

fn search_doc(r: &NewLeadRows) -> String {
    let mut parts: Vec<&str> = vec![&r.lead.name];
    for (c, _) in &r.contacts {
        parts.push(&c.name);
        parts.extend(c.emails.iter().map(String::as_str));
    }
    search::document(parts)
}

/// Runs a built statement now.
macro_rules! run_now {
    ($c:expr, $q:expr) => {
        $q.build().execute(&mut *$c).await?
    };
}

/// Keeps a built statement (SQL and arguments) to run later.
macro_rules! keep {
    ($plan:expr, $q:expr) => {{
        use sqlx::Execute;
        let mut query = $q.build();
        let args = query.take_arguments().map_err(sqlx::Error::Encode)?.unwrap_or_default();
        $plan.push((query.sql(), args));
    }};
}

/// The statements that store `$rows`; each is passed to `$emit!(c, query_builder)`.
macro_rules! bulk_body {
    ($db:ty, $c:expr, $org:expr, $import:expr, $rows:expr, $postgres:expr, $emit:ident) => {{
        let c = $c;
        let org: Uuid = $org;
        let import: Option<Uuid> = $import;
        for chunk in $rows.chunks(BATCH) {
            let mut q = QueryBuilder::<$db>::new(
                "INSERT INTO leads (id, org_id, name, name_key, kind, status, owner_id, source, website, street, city, \
                 region, postcode, country, time_zones, time_zone_manual, description, custom_fields, created_by, created_at, updated_at, \
                 external_id, import_id",
            );
            q.push(if $postgres { ", search_doc) " } else { ") " });
            q.push_values(chunk, |mut b, r| {
                let l = &r.lead;
                b.push_bind(l.id)
                    .push_bind(org)
                    .push_bind(l.name.clone())
                    .push_bind(l.name.to_lowercase())
                    .push_bind(l.kind.as_str())
                    .push_bind(l.status.as_str())
                    .push_bind(l.owner_id)
                    .push_bind(l.source.clone())
                    .push_bind(l.website.clone())
                    .push_bind(l.address.street.clone())
                    .push_bind(l.address.city.clone())
                    .push_bind(l.address.region.clone())
                    .push_bind(l.address.postcode.clone())
                    .push_bind(l.address.country.clone())
                    .push_bind(l.time_zones.join(","))
                    .push_bind(l.time_zone_manual)
                    .push_bind(l.description.clone())
                    .push_bind(serde_json::Value::Object(l.custom_fields.clone()).to_string())
                    .push_bind(l.created_by)
                    .push_bind(l.created_at)
                    .push_bind(l.updated_at)
                    .push_bind(l.external_id.clone())
                    .push_bind(import);
                if $postgres {
                    b.push_bind(search_doc(r));
                }
            });
            $emit!(c, q);

            let tags: Vec<(Uuid, &String)> = chunk.iter().flat_map(|r| r.lead.tags.iter().map(move |t| (r.lead.id, t))).collect();
            if !tags.is_empty() {
                let mut q = QueryBuilder::<$db>::new("INSERT INTO lead_tags (lead_id, org_id, tag) ");
                q.push_values(&tags, |mut b, (id, tag)| {
                    b.push_bind(*id).push_bind(org).push_bind((*tag).clone());
                });
                $emit!(c, q);
            }

            let contacts: Vec<&(Contact, Vec<Phone>)> = chunk.iter().flat_map(|r| r.contacts.iter()).collect();
            for part in contacts.chunks(BATCH) {
                let mut q = QueryBuilder::<$db>::new(
                    "INSERT INTO contacts (id, org_id, lead_id, name, title, do_not_call, do_not_email, created_at, updated_at, \
                     import_id) ",
                );
                q.push_values(part, |mut b, (ct, _)| {
                    b.push_bind(ct.id)
                        .push_bind(org)
                        .push_bind(ct.lead_id)
                        .push_bind(ct.name.clone())
                        .push_bind(ct.title.clone())
                        .push_bind(ct.do_not_call)
                        .push_bind(ct.do_not_email)
                        .push_bind(ct.created_at)
                        .push_bind(ct.updated_at)
                        .push_bind(import);
                });
                $emit!(c, q);
            }
            let phones: Vec<(&Contact, i32, &Phone)> =
                contacts.iter().flat_map(|(ct, ps)| (0_i32..).zip(ps.iter()).map(move |(i, p)| (ct, i, p))).collect();
            for part in phones.chunks(BATCH) {
                let mut q = QueryBuilder::<$db>::new(
                    "INSERT INTO contact_phones (contact_id, position, org_id, lead_id, e164, kind, digits, national, national_reversed) ",
                );
                q.push_values(part, |mut b, (ct, i, p)| {
                    b.push_bind(ct.id)
                        .push_bind(*i)
                        .push_bind(org)
                        .push_bind(ct.lead_id)
                        .push_bind(p.e164().to_owned())
                        .push_bind(p.kind().as_str())
                        .push_bind(p.digits().to_owned())
                        .push_bind(p.national().to_owned())
                        .push_bind(p.national().chars().rev().collect::<String>());
                });
                $emit!(c, q);
            }
            let emails: Vec<(&Contact, i32, &String)> =
                contacts.iter().flat_map(|(ct, _)| (0_i32..).zip(ct.emails.iter()).map(move |(i, e)| (ct, i, e))).collect();
            for part in emails.chunks(BATCH) {
                let mut q = QueryBuilder::<$db>::new("INSERT INTO contact_emails (contact_id, position, org_id, lead_id, email) ");
                q.push_values(part, |mut b, (ct, i, e)| {
                    b.push_bind(ct.id).push_bind(*i).push_bind(org).push_bind(ct.lead_id).push_bind((*e).clone());
                });
                $emit!(c, q);
            }
        }
        Ok::<_, sqlx::Error>(())
    }};
}

/// SQLite statements for a set of rows, built away from the connection (an import
/// builds the next batch's while the database stores the current one).
pub struct SqlitePlan {
    statements: Vec<(sqlx::SqlStr, sqlx::sqlite::SqliteArguments)>,
    /// Per lead: id, creation time and search document.
    search: Vec<(Uuid, chrono::DateTime<chrono::Utc>, String)>,
}

/// Builds the SQLite statements that store `rows`.
pub fn plan_sqlite(org: Uuid, import: Option<Uuid>, rows: &[NewLeadRows]) -> Result<SqlitePlan, sqlx::Error> {
    let mut statements = Vec::new();
    let plan = &mut statements;
    bulk_body!(sqlx::Sqlite, plan, org, import, rows, false, keep)?;
    let search = rows.iter().map(|r| (r.lead.id, r.lead.created_at, search_doc(r))).collect();
    Ok(SqlitePlan { statements, search })
}

type SearchEntry = (Uuid, chrono::DateTime<chrono::Utc>, String);

/// Runs a plan in the caller's transaction.
pub async fn run_sqlite(c: &mut sqlx::SqliteConnection, plan: SqlitePlan) -> Result<(), sqlx::Error> {
    for (sql, args) in plan.statements {
        sqlx::query_with(sql, args).execute(&mut *c).await?;
    }
    // FTS rows: one lead_search row per lead, then its document under the same rowid.
    for chunk in plan.search.chunks(BATCH) {
        let created: Vec<_> = chunk.iter().map(|(_, at, _)| *at).collect();
        let rowids = super::leads::search_rowids(&mut *c, &created).await?;
        let rows: Vec<(i64, &SearchEntry)> = rowids.into_iter().zip(chunk).collect();
        let mut q = QueryBuilder::<sqlx::Sqlite>::new("INSERT INTO lead_search (rowid, lead_id) ");
        q.push_values(&rows, |mut b, (rowid, (id, _, _))| {
            b.push_bind(*rowid).push_bind(*id);
        });
        q.build().execute(&mut *c).await?;
        let mut q = QueryBuilder::<sqlx::Sqlite>::new("INSERT INTO lead_fts (rowid, doc) ");
        q.push_values(&rows, |mut b, (rowid, (_, _, doc))| {
            b.push_bind(*rowid).push_bind(doc.clone());
        });
        q.build().execute(&mut *c).await?;
    }
    Ok(())
}

/// Inserts the leads with tags, contacts, phones, e-mails and search documents;
/// `import` marks them as created by that import.
pub async fn insert_leads(tx: &mut Tx, org: Uuid, import: Option<Uuid>, rows: &[NewLeadRows]) -> anyhow::Result<()> {
    insert_planned(tx, org, import, rows, None).await
}

/// Stores `rows`, with statements planned beforehand when there is a plan (SQLite).
pub async fn insert_planned(
    tx: &mut Tx,
    org: Uuid,
    import: Option<Uuid>,
    rows: &[NewLeadRows],
    plan: Option<SqlitePlan>,
) -> anyhow::Result<()> {
    use anyhow::Context;
    match tx {
        Tx::Sqlite(t) => {
            let plan = match plan {
                Some(p) => p,
                None => plan_sqlite(org, import, rows)?,
            };
            run_sqlite(&mut *t, plan).await
        }
        Tx::Postgres(t) => {
            let c: &mut sqlx::PgConnection = t;
            bulk_body!(sqlx::Postgres, &mut *c, org, import, rows, true, run_now)
        }
    }
    .context("inserting leads in bulk")
}
