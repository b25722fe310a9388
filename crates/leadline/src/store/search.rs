//! Finding leads: filters, free text, phone digits, sorting and keyset pages.

use super::{
    Tx,
    leads::{LEAD_COLUMNS, Lead, LeadRow},
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
    /// ISO codes; a lead in any of them matches.
    pub countries: Vec<String>,
    pub kind: Option<String>,
    pub created_from: Option<DateTime<Utc>>,
    pub created_to: Option<DateTime<Utc>>,
    /// Changed at or after (for catching up with leads that changed since a time).
    pub updated_from: Option<DateTime<Utc>>,
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

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Engine {
    Sqlite,
    Postgres,
}

/// How a query finds its rows.
pub(super) enum Plan {
    /// Walk the leads by the sort index.
    Plain,
    /// SQLite: start from the (few) leads whose phones or text match, then sort them.
    FromMatches { digits: Option<String>, fts: Option<String> },
    /// SQLite: walk the full-text index in creation order and stop after one page.
    FtsInCreationOrder(String),
    /// PostgreSQL: full text and phones as conditions; the planner picks the order.
    Conditions { digits: Option<String>, tsquery: Option<String> },
    /// Text with no searchable terms: nothing matches.
    Nothing,
}

pub(super) fn plan(query: &LeadQuery, engine: Engine) -> Plan {
    let Some(text) = query.q.as_deref().map(str::trim).filter(|t| !t.is_empty()) else { return Plan::Plain };
    let digits = search::phone_digits(text);
    match engine {
        Engine::Postgres => {
            let tsquery = search::tsquery(text);
            if digits.is_none() && tsquery.is_none() { Plan::Nothing } else { Plan::Conditions { digits, tsquery } }
        }
        Engine::Sqlite => {
            let fts = search::fts5_query(text);
            match (digits, fts) {
                (None, None) => Plan::Nothing,
                (None, Some(fts)) if query.sort == SortKey::Created => Plan::FtsInCreationOrder(fts),
                (digits, fts) => Plan::FromMatches { digits, fts },
            }
        }
    }
}

pub(super) trait Binds<'a, DB: Database>: sqlx::Encode<'a, DB> + sqlx::Type<DB> + Send + 'a {}
impl<'a, DB: Database, T: sqlx::Encode<'a, DB> + sqlx::Type<DB> + Send + 'a> Binds<'a, DB> for T {}

/// Writes `SELECT <select> FROM ... WHERE ...` for the query (without order and limit).
pub(super) fn push_query<'a, DB>(q: &mut QueryBuilder<DB>, query: &'a LeadQuery, plan: &Plan, select: &str)
where
    DB: Database,
    Uuid: Binds<'a, DB>,
    String: Binds<'a, DB>,
    DateTime<Utc>: Binds<'a, DB>,
{
    q.push(format!("SELECT {select} FROM "));
    match plan {
        Plan::FromMatches { digits, fts } => {
            q.push("(");
            let mut first = true;
            if let Some(d) = digits {
                push_phone_matches(q, query, d);
                first = false;
            }
            if let Some(fts) = fts {
                if !first {
                    q.push(" UNION ");
                }
                q.push(
                    "SELECT s.lead_id FROM lead_fts f JOIN lead_search s ON s.rowid = f.rowid WHERE lead_fts MATCH ",
                )
                .push_bind(fts.clone());
            }
            q.push(") m CROSS JOIN leads l ON l.id = m.lead_id ");
        }
        Plan::FtsInCreationOrder(_) => {
            q.push("lead_fts f CROSS JOIN lead_search s ON s.rowid = f.rowid CROSS JOIN leads l ON l.id = s.lead_id ");
        }
        _ => {
            q.push("leads l ");
        }
    }
    q.push("LEFT JOIN users o ON o.id = l.owner_id WHERE l.org_id = ").push_bind(query.org);
    match plan {
        Plan::FtsInCreationOrder(fts) => {
            q.push(" AND lead_fts MATCH ").push_bind(fts.clone());
        }
        Plan::Conditions { digits: Some(d), tsquery } => {
            // One IN over index-driven arms (phones, then text), so the planner starts
            // from the few matches instead of testing every lead.
            q.push(" AND l.id IN (");
            push_phone_matches(q, query, d);
            if let Some(t) = tsquery {
                q.push(" UNION SELECT x.id FROM leads x WHERE x.org_id = ")
                    .push_bind(query.org)
                    .push(" AND x.search_tsv @@ to_tsquery('simple', ")
                    .push_bind(t.clone())
                    .push(")");
            }
            q.push(")");
        }
        Plan::Conditions { digits: None, tsquery } => {
            if let Some(t) = tsquery {
                q.push(" AND l.search_tsv @@ to_tsquery('simple', ").push_bind(t.clone()).push(")");
            }
        }
        Plan::Nothing => {
            q.push(" AND 1 = 0");
        }
        Plan::Plain | Plan::FromMatches { .. } => {}
    }
    push_filters(q, query);
}

fn push_filters<'a, DB>(q: &mut QueryBuilder<DB>, query: &'a LeadQuery)
where
    DB: Database,
    Uuid: Binds<'a, DB>,
    String: Binds<'a, DB>,
    DateTime<Utc>: Binds<'a, DB>,
{
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
        q.push(" AND EXISTS (SELECT 1 FROM lead_tags t WHERE t.lead_id = l.id AND t.tag = ")
            .push_bind(tag.clone())
            .push(")");
    }
    match query.countries.as_slice() {
        [] => {}
        [one] => {
            q.push(" AND l.country = ").push_bind(one.clone());
        }
        several => {
            q.push(" AND l.country IN (");
            let mut sep = q.separated(", ");
            for c in several {
                sep.push_bind(c.clone());
            }
            q.push(")");
        }
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
    if let Some(from) = query.updated_from {
        q.push(" AND l.updated_at >= ").push_bind(from);
    }
}

/// Leads whose phones match the digits typed in any form: as a prefix of the E.164
/// digits (`358401...`), of the national number (`401...`, `2065550100`), as its
/// ending (`555-0100`), or as the number the query means in the organization's
/// region. Each arm is an index range scan (':' sorts right after '9').
fn push_phone_matches<'a, DB>(q: &mut QueryBuilder<DB>, query: &'a LeadQuery, digits: &str)
where
    DB: Database,
    Uuid: Binds<'a, DB>,
    String: Binds<'a, DB>,
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
    ranges.retain(|(_, p)| !p.is_empty());
    ranges.dedup();
    for (i, (column, prefix)) in ranges.into_iter().enumerate() {
        if i > 0 {
            q.push(" UNION ");
        }
        let upper = format!("{prefix}:");
        q.push("SELECT p.lead_id FROM contact_phones p WHERE p.org_id = ").push_bind(query.org);
        q.push(format!(" AND p.{column} >= ")).push_bind(prefix).push(format!(" AND p.{column} < ")).push_bind(upper);
    }
}

fn push_keyset<'a, DB>(q: &mut QueryBuilder<DB>, query: &'a LeadQuery, plan: &Plan)
where
    DB: Database,
    Uuid: Binds<'a, DB>,
    String: Binds<'a, DB>,
    DateTime<Utc>: Binds<'a, DB>,
{
    let op = if query.descending { "<" } else { ">" };
    let dir = if query.descending { "DESC" } else { "ASC" };
    if matches!(plan, Plan::FtsInCreationOrder(_)) {
        if let Some(After::Time(_, id)) = &query.after {
            q.push(format!(" AND f.rowid {op} (SELECT rowid FROM lead_search WHERE lead_id = "))
                .push_bind(*id)
                .push(")");
        }
        // The limit is a number we produced, not user text: safe to write inline.
        q.push(format!(" ORDER BY f.rowid {dir} LIMIT {}", u64::from(query.limit) + 1));
        return;
    }
    let col = query.sort.column();
    // A row value, which both databases seek to in the index (sort column, id); written as
    // "col < t OR (col = t AND id < x)", SQLite walked the leads of one time (an import
    // batch: 10,000) to the page, ten times slower deep in it.
    match &query.after {
        Some(After::Time(t, id)) => {
            q.push(format!(" AND ({col}, l.id) {op} (")).push_bind(*t).push(", ").push_bind(*id).push(")");
        }
        Some(After::Text(s, id)) => {
            q.push(format!(" AND ({col}, l.id) {op} (")).push_bind(s.clone()).push(", ").push_bind(*id).push(")");
        }
        None => {}
    }
    q.push(format!(" ORDER BY {col} {dir}, l.id {dir} LIMIT {}", u64::from(query.limit) + 1));
}

/// One page of leads matching `query`, with tags and contacts.
pub async fn list(tx: &mut Tx, query: &LeadQuery) -> anyhow::Result<Page> {
    let rows: Vec<LeadRow> = match tx {
        Tx::Sqlite(t) => {
            let plan = plan(query, Engine::Sqlite);
            let mut q = QueryBuilder::new("");
            push_query(&mut q, query, &plan, LEAD_COLUMNS);
            push_keyset(&mut q, query, &plan);
            q.build_query_as().fetch_all(&mut ***t).await
        }
        Tx::Postgres(t) => {
            let plan = plan(query, Engine::Postgres);
            let mut q = QueryBuilder::new("");
            push_query(&mut q, query, &plan, LEAD_COLUMNS);
            push_keyset(&mut q, query, &plan);
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
    let limit = format!(" LIMIT {}) AS capped", cap.max(0));
    match tx {
        Tx::Sqlite(t) => {
            let plan = plan(query, Engine::Sqlite);
            let mut q = QueryBuilder::new("SELECT COUNT(*) FROM (");
            push_query(&mut q, query, &plan, "1");
            q.push(limit);
            q.build_query_scalar().fetch_one(&mut ***t).await
        }
        Tx::Postgres(t) => {
            let plan = plan(query, Engine::Postgres);
            let mut q = QueryBuilder::new("SELECT COUNT(*) FROM (");
            push_query(&mut q, query, &plan, "1");
            q.push(limit);
            q.build_query_scalar().fetch_one(&mut **t).await
        }
    }
    .context("counting leads")
}
