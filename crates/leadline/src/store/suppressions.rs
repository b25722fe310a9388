//! The do-not-call list: E.164 numbers (as integers) per organization.

use super::Tx;
use crate::on_tx;
use anyhow::Context;
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::QueryBuilder;
use utoipa::ToSchema;
use uuid::Uuid;

/// One suppressed number.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Suppression {
    /// E.164, with `+`.
    pub number: String,
    /// `manual`, `registry`, `disposition` or `opt_out`.
    pub source: String,
    pub reason: Option<String>,
    pub added_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct Row {
    number: i64,
    source: String,
    reason: Option<String>,
    added_by: Option<Uuid>,
    created_at: DateTime<Utc>,
}

impl Row {
    fn into_suppression(self) -> Suppression {
        Suppression {
            number: format!("+{}", self.number),
            source: self.source,
            reason: self.reason,
            added_by: self.added_by,
            created_at: self.created_at,
        }
    }
}

/// The number as stored: its E.164 digits as an integer.
#[must_use]
pub fn key(e164: &str) -> Option<i64> {
    let digits = e164.trim_start_matches('+');
    (!digits.is_empty() && digits.len() <= 15 && digits.bytes().all(|b| b.is_ascii_digit()))
        .then(|| digits.parse().ok())
        .flatten()
}

/// Adds a number; returns false when it was already there.
pub async fn add(tx: &mut Tx, org: Uuid, s: &Suppression) -> anyhow::Result<bool> {
    let Some(number) = key(&s.number) else { anyhow::bail!("not an E.164 number: {}", s.number) };
    let done = on_tx!(tx, |c| {
        sqlx::query(
        "INSERT INTO suppressions (org_id, number, source, reason, added_by, created_at) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT DO NOTHING"
    )
    .bind(org)
    .bind(number)
    .bind(&s.source)
    .bind(&s.reason)
    .bind(s.added_by)
    .bind(s.created_at)
    .execute(c)
    .await
    .map(|r| r.rows_affected())
    })
    .context("adding a suppressed number")?;
    if done == 1 {
        super::queue::suppress_number(tx, org, &number.to_string()).await?;
    }
    Ok(done == 1)
}

/// Adds many numbers from one source; returns how many were new.
pub async fn add_many(
    tx: &mut Tx,
    org: Uuid,
    numbers: &[i64],
    source: &str,
    by: Option<Uuid>,
    at: DateTime<Utc>,
) -> anyhow::Result<u64> {
    let mut added = 0;
    for chunk in numbers.chunks(5_000) {
        added += match tx {
            Tx::Sqlite(t) => {
                let mut q =
                    QueryBuilder::new("INSERT INTO suppressions (org_id, number, source, added_by, created_at) ");
                q.push_values(chunk, |mut b, n| {
                    b.push_bind(org).push_bind(*n).push_bind(source).push_bind(by).push_bind(at);
                });
                q.push(" ON CONFLICT DO NOTHING");
                q.build().execute(&mut ***t).await?.rows_affected()
            }
            Tx::Postgres(t) => sqlx::query(
                "INSERT INTO suppressions (org_id, number, source, added_by, created_at)
                 SELECT $1, n, $2, $3, $4 FROM UNNEST($5::BIGINT[]) AS n ON CONFLICT DO NOTHING",
            )
            .bind(org)
            .bind(source)
            .bind(by)
            .bind(at)
            .bind(chunk)
            .execute(&mut **t)
            .await?
            .rows_affected(),
        };
    }
    Ok(added)
}

pub async fn remove(tx: &mut Tx, org: Uuid, e164: &str) -> anyhow::Result<Option<Suppression>> {
    let Some(number) = key(e164) else { return Ok(None) };
    let row: Option<Row> = on_tx!(tx, |c| sqlx::query_as(
        "DELETE FROM suppressions WHERE org_id = $1 AND number = $2
         RETURNING number, source, reason, added_by, created_at"
    )
    .bind(org)
    .bind(number)
    .fetch_optional(c)
    .await)
    .context("removing a suppressed number")?;
    if row.is_some() {
        super::queue::unsuppress_number(tx, org, &number.to_string()).await?;
    }
    Ok(row.map(Row::into_suppression))
}

/// The entry for a number, if it is suppressed: one primary-key lookup.
pub async fn find(tx: &mut Tx, org: Uuid, e164: &str) -> anyhow::Result<Option<Suppression>> {
    let Some(number) = key(e164) else { return Ok(None) };
    let row: Option<Row> = on_tx!(tx, |c| sqlx::query_as(
        "SELECT number, source, reason, added_by, created_at FROM suppressions WHERE org_id = $1 AND number = $2"
    )
    .bind(org)
    .bind(number)
    .fetch_optional(c)
    .await)
    .context("checking the do-not-call list")?;
    Ok(row.map(Row::into_suppression))
}

/// A page of the list, in number order after `after`.
pub async fn page(tx: &mut Tx, org: Uuid, after: Option<i64>, limit: i64) -> anyhow::Result<Vec<Suppression>> {
    let rows: Vec<Row> = on_tx!(tx, |c| sqlx::query_as(
        "SELECT number, source, reason, added_by, created_at FROM suppressions WHERE org_id = $1 AND number > $2
         ORDER BY number LIMIT $3"
    )
    .bind(org)
    .bind(after.unwrap_or(-1))
    .bind(limit)
    .fetch_all(c)
    .await)
    .context("listing suppressed numbers")?;
    Ok(rows.into_iter().map(Row::into_suppression).collect())
}
