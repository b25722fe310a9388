//! Finding leads: filters, free text, phone digits, sorting and keyset pages.

use super::{
    Tx,
    leads::{LEAD_COLUMNS, LEAD_FROM, Lead, LeadRow},
};
use anyhow::Context;
use chrono::{DateTime, Utc};
use leadline_domain::{LeadStatus, search};
use sqlx::{Database, QueryBuilder};
use uuid::Uuid;

/// What to sort leads by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortKey {
    #[default]
    Created,
    Updated,
    Name,
}

impl SortKey {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            SortKey::Created => "created",
            SortKey::Updated => "updated",
            SortKey::Name => "name",
        }
    }

    fn column(self) -> &'static str {
        match self {
            SortKey::Created => "l.created_at",
            SortKey::Updated => "l.updated_at",
            SortKey::Name => "l.name_key",
        }
    }
}

/// Owner filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OwnerFilter {
    User(Uuid),
    Unassigned,
}

/// The position after the last row of a page.
#[derive(Debug, Clone, PartialEq)]
pub enum After {
    Time(DateTime<Utc>, Uuid),
    Text(String, Uuid),
}

/// A lead search. Everything is scoped to `org`.
#[derive(Debug, Clone, Default)]
pub struct LeadQuery {
    pub org: Uuid,
    pub q: Option<String>,
    /// E.164 digits of the query read as a local number of the organization's region.
    pub q_phone_digits: Option<String>,
    pub statuses: Vec<LeadStatus>,
    pub owner: Option<OwnerFilter>,
    pub tags: Vec<String>,
    pub country: Option<String>,
    pub kind: Option<String>,
    pub created_from: Option<DateTime<Utc>>,
    pub created_to: Option<DateTime<Utc>>,
    pub sort: SortKey,
    pub descending: bool,
    pub after: Option<After>,
    pub limit: u32,
}

/// One page of leads and the position to continue from.
pub struct Page {
    pub items: Vec<Lead>,
    pub next: Option<After>,
}

fn push_filters<'a, DB>(q: &mut QueryBuilder<DB>, query: &'a LeadQuery, postgres: bool)
where
    DB: Database,
    Uuid: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    String: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    DateTime<Utc>: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
{
    q.push(" WHERE l.org_id = ").push_bind(query.org);
    if !query.statuses.is_empty() {
        q.push(" AND l.status IN (");
        let mut sep = q.separated(", ");
        for s in &query.statuses {
            sep.push_bind(s.as_str().to_owned());
        }
        q.push(")");
    }
    match query.owner {
        Some(OwnerFilter::User(id)) => {
            q.push(" AND l.owner_id = ").push_bind(id);
        }
        Some(OwnerFilter::Unassigned) => {
            q.push(" AND l.owner_id IS NULL");
        }
        None => {}
    }
    for tag in &query.tags {
        q.push(" AND l.id IN (SELECT lead_id FROM lead_tags WHERE org_id = ")
            .push_bind(query.org)
            .push(" AND tag = ")
            .push_bind(tag.clone())
            .push(")");
    }
    if let Some(country) = &query.country {
        q.push(" AND l.country = ").push_bind(country.clone());
    }
    if let Some(kind) = &query.kind {
        q.push(" AND l.kind = ").push_bind(kind.clone());
    }
    if let Some(from) = query.created_from {
        q.push(" AND l.created_at >= ").push_bind(from);
    }
    if let Some(to) = query.created_to {
        q.push(" AND l.created_at < ").push_bind(to);
    }
    if let Some(text) = query.q.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        q.push(" AND (");
        let mut any = false;
        if let Some(digits) = search::phone_digits(text) {
            push_phone_match(q, query, &digits);
            any = true;
        }
        let fts = if postgres { search::tsquery(text) } else { search::fts5_query(text) };
        if let Some(fts) = fts {
            if any {
                q.push(" OR ");
            }
            if postgres {
                q.push("l.search_tsv @@ to_tsquery('simple', ").push_bind(fts).push(")");
            } else {
                q.push(
                    "l.id IN (SELECT s.lead_id FROM lead_fts f JOIN lead_search s ON s.rowid = f.rowid WHERE lead_fts MATCH ",
                )
                .push_bind(fts)
                .push(")");
            }
            any = true;
        }
        if !any {
            q.push("1 = 0");
        }
        q.push(")");
    }
}

/// Digits typed in any form find the stored number: as a prefix of the E.164 digits
/// (`358401...`), of the national number (`401...`, `2065550100`), as its ending
/// (`555-0100`), or as the number the query means in the organization's region.
fn push_phone_match<'a, DB>(q: &mut QueryBuilder<DB>, query: &'a LeadQuery, digits: &str)
where
    DB: Database,
    Uuid: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    String: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
{
    let trimmed = digits.trim_start_matches('0');
    let mut ranges: Vec<(&str, String)> = vec![("digits", digits.to_owned()), ("national", trimmed.to_owned())];
    if let Some(intl) = digits.strip_prefix("00") {
        ranges.push(("digits", intl.to_owned()));
    }
    if let Some(local) = &query.q_phone_digits {
        ranges.push(("digits", local.clone()));
    }
    if digits.len() >= 4 {
        ranges.push(("national_reversed", digits.chars().rev().collect()));
    }
    q.push("l.id IN (SELECT p.lead_id FROM contact_phones p WHERE p.org_id = ").push_bind(query.org).push(" AND (");
    for (i, (column, prefix)) in ranges.into_iter().filter(|(_, p)| !p.is_empty()).enumerate() {
        if i > 0 {
            q.push(" OR ");
        }
        // A prefix range an index can use: "abc" <= x < "abc:" (':' sorts right after '9').
        let upper = format!("{prefix}:");
        q.push(format!("(p.{column} >= "))
            .push_bind(prefix)
            .push(format!(" AND p.{column} < "))
            .push_bind(upper)
            .push(")");
    }
    q.push("))");
}

fn push_keyset<'a, DB>(q: &mut QueryBuilder<DB>, query: &'a LeadQuery)
where
    DB: Database,
    Uuid: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    String: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
    DateTime<Utc>: sqlx::Encode<'a, DB> + sqlx::Type<DB>,
{
    let col = query.sort.column();
    let op = if query.descending { "<" } else { ">" };
    match &query.after {
        Some(After::Time(t, id)) => {
            q.push(format!(" AND ({col} {op} ")).push_bind(*t);
            q.push(format!(" OR ({col} = ")).push_bind(*t).push(format!(" AND l.id {op} ")).push_bind(*id).push("))");
        }
        Some(After::Text(s, id)) => {
            q.push(format!(" AND ({col} {op} ")).push_bind(s.clone());
            q.push(format!(" OR ({col} = "))
                .push_bind(s.clone())
                .push(format!(" AND l.id {op} "))
                .push_bind(*id)
                .push("))");
        }
        None => {}
    }
    let dir = if query.descending { "DESC" } else { "ASC" };
    // The limit is a number we produced, not user text: safe to write inline.
    q.push(format!(" ORDER BY {col} {dir}, l.id {dir} LIMIT {}", u64::from(query.limit) + 1));
}

/// One page of leads matching `query`, with tags and contacts.
pub async fn list(tx: &mut Tx, query: &LeadQuery) -> anyhow::Result<Page> {
    let head = format!("SELECT {LEAD_COLUMNS} FROM {LEAD_FROM}");
    let rows: Vec<LeadRow> = match tx {
        Tx::Sqlite(t) => {
            let mut q = QueryBuilder::new(head);
            push_filters(&mut q, query, false);
            push_keyset(&mut q, query);
            q.build_query_as().fetch_all(&mut **t).await
        }
        Tx::Postgres(t) => {
            let mut q = QueryBuilder::new(head);
            push_filters(&mut q, query, true);
            push_keyset(&mut q, query);
            q.build_query_as().fetch_all(&mut **t).await
        }
    }
    .context("listing leads")?;
    let mut items: Vec<Lead> = rows.into_iter().map(LeadRow::into_lead).collect();
    let next = if items.len() > query.limit as usize {
        items.truncate(query.limit as usize);
        items.last().map(|l| match query.sort {
            SortKey::Created => After::Time(l.created_at, l.id),
            SortKey::Updated => After::Time(l.updated_at, l.id),
            SortKey::Name => After::Text(l.name.to_lowercase(), l.id),
        })
    } else {
        None
    };
    super::leads::attach_details(tx, &mut items).await?;
    Ok(Page { items, next })
}

/// How many leads match, counting at most `cap` (so that it stays cheap).
pub async fn count(tx: &mut Tx, query: &LeadQuery, cap: i64) -> anyhow::Result<i64> {
    let head = format!("SELECT COUNT(*) FROM (SELECT 1 FROM {LEAD_FROM}");
    match tx {
        Tx::Sqlite(t) => {
            let mut q = QueryBuilder::new(head);
            push_filters(&mut q, query, false);
            q.push(" LIMIT ").push_bind(cap).push(") AS capped");
            q.build_query_scalar().fetch_one(&mut **t).await
        }
        Tx::Postgres(t) => {
            let mut q = QueryBuilder::new(head);
            push_filters(&mut q, query, true);
            q.push(" LIMIT ").push_bind(cap).push(") AS capped");
            q.build_query_scalar().fetch_one(&mut **t).await
        }
    }
    .context("counting leads")
}
