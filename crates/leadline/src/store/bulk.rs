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

macro_rules! bulk_body {
    ($c:expr, $org:expr, $import:expr, $rows:expr, $postgres:expr) => {{
        let c = $c;
        let org: Uuid = $org;
        let import: Option<Uuid> = $import;
        for chunk in $rows.chunks(BATCH) {
            let mut q = QueryBuilder::new(
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
            q.build().execute(&mut *c).await?;

            let tags: Vec<(Uuid, &String)> = chunk.iter().flat_map(|r| r.lead.tags.iter().map(move |t| (r.lead.id, t))).collect();
            if !tags.is_empty() {
                let mut q = QueryBuilder::new("INSERT INTO lead_tags (lead_id, org_id, tag) ");
                q.push_values(&tags, |mut b, (id, tag)| {
                    b.push_bind(*id).push_bind(org).push_bind((*tag).clone());
                });
                q.build().execute(&mut *c).await?;
            }

            let contacts: Vec<&(Contact, Vec<Phone>)> = chunk.iter().flat_map(|r| r.contacts.iter()).collect();
            for part in contacts.chunks(BATCH) {
                let mut q = QueryBuilder::new(
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
                q.build().execute(&mut *c).await?;
            }
            let phones: Vec<(&Contact, i32, &Phone)> =
                contacts.iter().flat_map(|(ct, ps)| (0_i32..).zip(ps.iter()).map(move |(i, p)| (ct, i, p))).collect();
            for part in phones.chunks(BATCH) {
                let mut q = QueryBuilder::new(
                    "INSERT INTO contact_phones (contact_id, position, org_id, lead_id, e164, kind, digits, national, national_reversed, \
                     extension) ",
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
                        .push_bind(p.national().chars().rev().collect::<String>())
                        .push_bind(p.extension().map(str::to_owned));
                });
                q.build().execute(&mut *c).await?;
            }
            let emails: Vec<(&Contact, i32, &String)> =
                contacts.iter().flat_map(|(ct, _)| (0_i32..).zip(ct.emails.iter()).map(move |(i, e)| (ct, i, e))).collect();
            for part in emails.chunks(BATCH) {
                let mut q = QueryBuilder::new("INSERT INTO contact_emails (contact_id, position, org_id, lead_id, email) ");
                q.push_values(part, |mut b, (ct, i, e)| {
                    b.push_bind(ct.id).push_bind(*i).push_bind(org).push_bind(ct.lead_id).push_bind((*e).clone());
                });
                q.build().execute(&mut *c).await?;
            }
        }
        Ok::<_, sqlx::Error>(())
    }};
}

/// Inserts the leads with tags, contacts, phones, e-mails and search documents;
/// `import` marks them as created by that import.
pub async fn insert_leads(tx: &mut Tx, org: Uuid, import: Option<Uuid>, rows: &[NewLeadRows]) -> anyhow::Result<()> {
    use anyhow::Context;
    match tx {
        Tx::Sqlite(t) => {
            let c: &mut sqlx::SqliteConnection = t;
            bulk_body!(&mut *c, org, import, rows, false)?;
            // FTS rows: one lead_search row per lead, then its document under the same rowid.
            for chunk in rows.chunks(BATCH) {
                let created: Vec<_> = chunk.iter().map(|r| r.lead.created_at).collect();
                let rowids = super::leads::search_rowids(&mut *c, &created).await?;
                let ids: Vec<(i64, Uuid)> = rowids.into_iter().zip(chunk.iter().map(|r| r.lead.id)).collect();
                let mut q = QueryBuilder::<sqlx::Sqlite>::new("INSERT INTO lead_search (rowid, lead_id) ");
                q.push_values(&ids, |mut b, (rowid, id)| {
                    b.push_bind(*rowid).push_bind(*id);
                });
                q.build().execute(&mut *c).await?;
                let docs: std::collections::HashMap<Uuid, String> =
                    chunk.iter().map(|r| (r.lead.id, search_doc(r))).collect();
                let mut q = QueryBuilder::<sqlx::Sqlite>::new("INSERT INTO lead_fts (rowid, doc) ");
                q.push_values(&ids, |mut b, (rowid, id)| {
                    b.push_bind(*rowid).push_bind(docs.get(id).cloned().unwrap_or_default());
                });
                q.build().execute(&mut *c).await?;
            }
            Ok::<_, sqlx::Error>(())
        }
        Tx::Postgres(t) => {
            let c: &mut sqlx::PgConnection = t;
            bulk_body!(&mut *c, org, import, rows, true)
        }
    }
    .context("inserting leads in bulk")
}
