//! Leads: the companies and households being sold to.

use super::{Tx, contacts::Contact};
use crate::on_tx;
use anyhow::Context;
use chrono::{DateTime, Utc};
use leadline_domain::{LeadKind, LeadStatus};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use utoipa::ToSchema;
use uuid::Uuid;

/// A postal address.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Address {
    pub street: Option<String>,
    pub city: Option<String>,
    pub region: Option<String>,
    pub postcode: Option<String>,
    /// ISO 3166-1 alpha-2 code.
    pub country: Option<String>,
}

/// A lead with its tags and contacts, as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Lead {
    pub id: Uuid,
    pub name: String,
    #[schema(value_type = String, example = "company")]
    pub kind: LeadKind,
    #[schema(value_type = String, example = "new")]
    pub status: LeadStatus,
    pub owner_id: Option<Uuid>,
    pub owner_name: Option<String>,
    /// The lead's id in the system it was imported from.
    pub external_id: Option<String>,
    pub source: Option<String>,
    pub website: Option<String>,
    pub address: Address,
    pub street: Option<String>,
    pub city: Option<String>,
    pub region: Option<String>,
    pub postcode: Option<String>,
    pub country: Option<String>,
    /// IANA zones the callee may be in; several when a number's prefix spans zones.
    pub time_zones: Vec<String>,
    /// True when the zones were set by hand rather than derived.
    pub time_zone_manual: bool,
    /// Priority in call queues: higher is called first among never-attempted leads.
    pub score: i64,
    pub description: Option<String>,
    pub tags: Vec<String>,
    #[schema(value_type = Object)]
    pub custom_fields: serde_json::Map<String, serde_json::Value>,
    pub contacts: Vec<Contact>,
    pub created_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Lead {
    /// Copies the nested address into the flat fields the API also shows.
    pub fn sync_address(&mut self) {
        self.street.clone_from(&self.address.street);
        self.city.clone_from(&self.address.city);
        self.region.clone_from(&self.address.region);
        self.postcode.clone_from(&self.address.postcode);
        self.country.clone_from(&self.address.country);
    }
}

#[derive(sqlx::FromRow)]
pub(super) struct LeadRow {
    id: Uuid,
    name: String,
    kind: String,
    status: String,
    owner_id: Option<Uuid>,
    owner_name: Option<String>,
    external_id: Option<String>,
    source: Option<String>,
    website: Option<String>,
    street: Option<String>,
    city: Option<String>,
    region: Option<String>,
    postcode: Option<String>,
    country: Option<String>,
    time_zones: String,
    time_zone_manual: bool,
    score: i64,
    description: Option<String>,
    custom_fields: String,
    created_by: Option<Uuid>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

pub(super) const LEAD_COLUMNS: &str = "l.id, l.name, l.kind, l.status, l.owner_id, o.name AS owner_name, l.external_id, l.source, \
    l.website, l.street, l.city, l.region, l.postcode, l.country, l.time_zones, l.time_zone_manual, l.score, l.description, \
    l.custom_fields, l.created_by, l.created_at, l.updated_at";

pub(super) const LEAD_FROM: &str = "leads l LEFT JOIN users o ON o.id = l.owner_id";

impl LeadRow {
    pub(super) fn into_lead(self) -> Lead {
        let mut lead = Lead {
            id: self.id,
            name: self.name,
            kind: LeadKind::parse(&self.kind).unwrap_or(LeadKind::Company),
            status: LeadStatus::parse(&self.status).unwrap_or(LeadStatus::New),
            owner_id: self.owner_id,
            owner_name: self.owner_name,
            external_id: self.external_id,
            source: self.source,
            website: self.website,
            address: Address {
                street: self.street,
                city: self.city,
                region: self.region,
                postcode: self.postcode,
                country: self.country,
            },
            street: None,
            city: None,
            region: None,
            postcode: None,
            country: None,
            time_zones: self.time_zones.split(',').filter(|z| !z.is_empty()).map(str::to_owned).collect(),
            time_zone_manual: self.time_zone_manual,
            score: self.score,
            description: self.description,
            tags: Vec::new(),
            custom_fields: serde_json::from_str(&self.custom_fields).unwrap_or_default(),
            contacts: Vec::new(),
            created_by: self.created_by,
            created_at: self.created_at,
            updated_at: self.updated_at,
        };
        lead.sync_address();
        lead
    }
}

pub async fn insert(tx: &mut Tx, org: Uuid, lead: &Lead) -> anyhow::Result<()> {
    on_tx!(tx, |c| sqlx::query(
        "INSERT INTO leads (id, org_id, name, name_key, kind, status, owner_id, source, website, street, city, region,
            postcode, country, time_zones, time_zone_manual, description, custom_fields, created_by, created_at, updated_at,
            external_id, score)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23)"
    )
    .bind(lead.id)
    .bind(org)
    .bind(&lead.name)
    .bind(lead.name.to_lowercase())
    .bind(lead.kind.as_str())
    .bind(lead.status.as_str())
    .bind(lead.owner_id)
    .bind(&lead.source)
    .bind(&lead.website)
    .bind(&lead.address.street)
    .bind(&lead.address.city)
    .bind(&lead.address.region)
    .bind(&lead.address.postcode)
    .bind(&lead.address.country)
    .bind(lead.time_zones.join(","))
    .bind(lead.time_zone_manual)
    .bind(&lead.description)
    .bind(serde_json::Value::Object(lead.custom_fields.clone()).to_string())
    .bind(lead.created_by)
    .bind(lead.created_at)
    .bind(lead.updated_at)
    .bind(&lead.external_id)
    .bind(lead.score)
    .execute(c)
    .await
    .map(drop))
    .context("inserting lead")
}

pub async fn update(tx: &mut Tx, org: Uuid, lead: &Lead) -> anyhow::Result<()> {
    on_tx!(tx, |c| sqlx::query(
        "UPDATE leads SET name = $1, name_key = $2, kind = $3, status = $4, owner_id = $5, source = $6, website = $7,
            street = $8, city = $9, region = $10, postcode = $11, country = $12, time_zones = $13,
            time_zone_manual = $14, description = $15, custom_fields = $16, updated_at = $17, external_id = $20, score = $21
         WHERE id = $18 AND org_id = $19"
    )
    .bind(&lead.name)
    .bind(lead.name.to_lowercase())
    .bind(lead.kind.as_str())
    .bind(lead.status.as_str())
    .bind(lead.owner_id)
    .bind(&lead.source)
    .bind(&lead.website)
    .bind(&lead.address.street)
    .bind(&lead.address.city)
    .bind(&lead.address.region)
    .bind(&lead.address.postcode)
    .bind(&lead.address.country)
    .bind(lead.time_zones.join(","))
    .bind(lead.time_zone_manual)
    .bind(&lead.description)
    .bind(serde_json::Value::Object(lead.custom_fields.clone()).to_string())
    .bind(lead.updated_at)
    .bind(lead.id)
    .bind(org)
    .bind(&lead.external_id)
    .bind(lead.score)
    .execute(c)
    .await
    .map(drop))
    .context("updating lead")
}

/// Marks a lead changed (a contact of it was edited).
pub async fn touch(tx: &mut Tx, org: Uuid, id: Uuid, at: DateTime<Utc>) -> anyhow::Result<()> {
    on_tx!(tx, |c| sqlx::query("UPDATE leads SET updated_at = $1 WHERE id = $2 AND org_id = $3")
        .bind(at)
        .bind(id)
        .bind(org)
        .execute(c)
        .await
        .map(drop))
    .context("touching lead")
}

pub async fn delete(tx: &mut Tx, org: Uuid, id: Uuid) -> anyhow::Result<()> {
    on_tx!(tx, |c| sqlx::query("DELETE FROM leads WHERE id = $1 AND org_id = $2")
        .bind(id)
        .bind(org)
        .execute(c)
        .await
        .map(drop))
    .context("deleting lead")
}

pub async fn set_tags(tx: &mut Tx, org: Uuid, id: Uuid, tags: &[String]) -> anyhow::Result<()> {
    on_tx!(tx, |c| {
        sqlx::query("DELETE FROM lead_tags WHERE lead_id = $1").bind(id).execute(&mut *c).await?;
        for tag in tags {
            sqlx::query("INSERT INTO lead_tags (lead_id, org_id, tag) VALUES ($1, $2, $3)")
                .bind(id)
                .bind(org)
                .bind(tag)
                .execute(&mut *c)
                .await?;
        }
        Ok::<_, sqlx::Error>(())
    })
    .context("storing tags")
}

/// The names of the leads of `org` among `ids` (for lists of other things).
pub async fn names(tx: &mut Tx, org: Uuid, ids: &[Uuid]) -> anyhow::Result<HashMap<Uuid, String>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(Uuid, String)> = on_tx!(tx, |c| {
        let mut q = sqlx::QueryBuilder::new("SELECT id, name FROM leads WHERE org_id = ");
        q.push_bind(org).push(" AND id IN (");
        super::push_ids(&mut q, ids);
        q.build_query_as().fetch_all(c).await
    })
    .context("loading lead names")?;
    Ok(rows.into_iter().collect())
}

/// One lead of `org` with its tags and contacts.
pub async fn get(tx: &mut Tx, org: Uuid, id: Uuid) -> anyhow::Result<Option<Lead>> {
    Ok(get_with(tx, org, id, false).await?.map(|(lead, _)| lead))
}

/// The lead with the numbers of its contacts that are on the organization's
/// do-not-call list (what the dialer needs, in the same two statements).
pub async fn get_for_calling(tx: &mut Tx, org: Uuid, id: Uuid) -> anyhow::Result<Option<(Lead, HashSet<String>)>> {
    get_with(tx, org, id, true).await
}

/// Adds contacts and tags to a lead read without them, with the numbers of its
/// contacts that are on the organization's do-not-call list.
pub async fn complete_for_calling(tx: &mut Tx, org: Uuid, lead: Lead) -> anyhow::Result<(Lead, HashSet<String>)> {
    complete(tx, org, lead, true).await
}

async fn get_with(
    tx: &mut Tx,
    org: Uuid,
    id: Uuid,
    suppressed: bool,
) -> anyhow::Result<Option<(Lead, HashSet<String>)>> {
    let sql = sqlx::AssertSqlSafe(format!("SELECT {LEAD_COLUMNS} FROM {LEAD_FROM} WHERE l.id = $1 AND l.org_id = $2"));
    let row: Option<LeadRow> =
        on_tx!(tx, |c| sqlx::query_as(sql).bind(id).bind(org).fetch_optional(c).await).context("loading lead")?;
    match row {
        Some(row) => Ok(Some(complete(tx, org, row.into_lead(), suppressed).await?)),
        None => Ok(None),
    }
}

async fn complete(tx: &mut Tx, org: Uuid, mut lead: Lead, suppressed: bool) -> anyhow::Result<(Lead, HashSet<String>)> {
    let mut details = super::contacts::details(tx, &[lead.id], true, suppressed.then_some(org)).await?;
    lead.tags = details.tags.remove(&lead.id).unwrap_or_default();
    lead.contacts = details.contacts.remove(&lead.id).unwrap_or_default();
    Ok((lead, details.suppressed))
}

/// Fills in tags and contacts for a page of leads, in one statement.
pub async fn attach_details(tx: &mut Tx, leads: &mut [Lead]) -> anyhow::Result<()> {
    if leads.is_empty() {
        return Ok(());
    }
    let ids: Vec<Uuid> = leads.iter().map(|l| l.id).collect();
    let mut details = super::contacts::details(tx, &ids, true, None).await?;
    for lead in leads {
        lead.tags = details.tags.remove(&lead.id).unwrap_or_default();
        lead.contacts = details.contacts.remove(&lead.id).unwrap_or_default();
    }
    Ok(())
}

/// Rewrites the lead's search document from its name and its contacts.
pub async fn refresh_search(tx: &mut Tx, lead: &Lead) -> anyhow::Result<()> {
    let mut parts: Vec<&str> = vec![&lead.name];
    for contact in &lead.contacts {
        parts.push(&contact.name);
        parts.extend(contact.emails.iter().map(String::as_str));
    }
    let doc = leadline_domain::search::document(parts);
    match tx {
        Tx::Sqlite(t) => {
            let c: &mut sqlx::SqliteConnection = t;
            let rowid: Option<i64> = sqlx::query_scalar("SELECT rowid FROM lead_search WHERE lead_id = $1")
                .bind(lead.id)
                .fetch_optional(&mut *c)
                .await?;
            let rowid = match rowid {
                Some(r) => {
                    sqlx::query("DELETE FROM lead_fts WHERE rowid = $1").bind(r).execute(&mut *c).await?;
                    r
                }
                None => {
                    let rowid = search_rowids(&mut *c, &[lead.created_at]).await?[0];
                    sqlx::query("INSERT INTO lead_search (rowid, lead_id) VALUES ($1, $2)")
                        .bind(rowid)
                        .bind(lead.id)
                        .execute(&mut *c)
                        .await?;
                    rowid
                }
            };
            sqlx::query("INSERT INTO lead_fts (rowid, doc) VALUES ($1, $2)")
                .bind(rowid)
                .bind(&doc)
                .execute(&mut *c)
                .await?;
        }
        Tx::Postgres(t) => {
            sqlx::query("UPDATE leads SET search_doc = $1 WHERE id = $2")
                .bind(&doc)
                .bind(lead.id)
                .execute(&mut **t)
                .await?;
        }
    }
    Ok(())
}

/// Free FTS row ids (SQLite) for leads created at these times. A lead's id in the
/// full-text index is its creation time in milliseconds shifted left by 20 bits plus a
/// sequence, so walking the index in rowid order walks leads in creation order: a
/// search sorted by creation stops after one page instead of sorting every match.
pub(super) async fn search_rowids(
    c: &mut sqlx::SqliteConnection,
    created: &[DateTime<Utc>],
) -> Result<Vec<i64>, sqlx::Error> {
    let mut next: HashMap<i64, i64> = HashMap::new();
    let mut out = Vec::with_capacity(created.len());
    for at in created {
        let base = at.timestamp_millis().max(0) << 20;
        let slot = match next.get(&base) {
            Some(n) => *n,
            None => {
                let max: Option<i64> =
                    sqlx::query_scalar("SELECT MAX(rowid) FROM lead_search WHERE rowid >= $1 AND rowid < $2")
                        .bind(base)
                        .bind(base + (1 << 20))
                        .fetch_one(&mut *c)
                        .await?;
                max.map_or(base, |m| m + 1)
            }
        };
        next.insert(base, slot + 1);
        out.push(slot);
    }
    Ok(out)
}
