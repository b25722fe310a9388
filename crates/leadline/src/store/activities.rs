//! Activities: what happened with a lead (notes now; calls and e-mails later).

use super::Tx;
use crate::on_tx;
use anyhow::Context;
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// One entry on a lead's timeline.
#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
pub struct Activity {
    pub id: Uuid,
    pub lead_id: Uuid,
    /// `note`, `status_change`, ...
    pub kind: String,
    pub body: String,
    pub user_id: Option<Uuid>,
    pub user_name: Option<String>,
    pub occurred_at: DateTime<Utc>,
}

pub async fn insert(tx: &mut Tx, org: Uuid, a: &Activity) -> anyhow::Result<()> {
    write(tx, org, a, "").await.context("inserting activity")
}

/// Inserts an activity, or rewrites the body of the one with its id.
pub async fn upsert_body(tx: &mut Tx, org: Uuid, a: &Activity) -> anyhow::Result<()> {
    write(tx, org, a, " ON CONFLICT (id) DO UPDATE SET body = excluded.body WHERE activities.org_id = excluded.org_id")
        .await
        .context("recording activity")
}

async fn write(tx: &mut Tx, org: Uuid, a: &Activity, on_conflict: &str) -> Result<(), sqlx::Error> {
    let sql = sqlx::AssertSqlSafe(format!(
        "INSERT INTO activities (id, org_id, lead_id, kind, body, user_id, occurred_at, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7){on_conflict}"
    ));
    on_tx!(tx, |c| sqlx::query(sql)
        .bind(a.id)
        .bind(org)
        .bind(a.lead_id)
        .bind(&a.kind)
        .bind(&a.body)
        .bind(a.user_id)
        .bind(a.occurred_at)
        .execute(c)
        .await
        .map(drop))
}

/// The lead's timeline, newest first.
pub async fn for_lead(tx: &mut Tx, org: Uuid, lead: Uuid, limit: i64) -> anyhow::Result<Vec<Activity>> {
    on_tx!(tx, |c| sqlx::query_as(
        "SELECT a.id, a.lead_id, a.kind, a.body, a.user_id, u.name AS user_name, a.occurred_at
         FROM activities a LEFT JOIN users u ON u.id = a.user_id
         WHERE a.lead_id = $1 AND a.org_id = $2 ORDER BY a.occurred_at DESC, a.id DESC LIMIT $3"
    )
    .bind(lead)
    .bind(org)
    .bind(limit)
    .fetch_all(c)
    .await)
    .context("loading timeline")
}

pub async fn get(tx: &mut Tx, org: Uuid, id: Uuid) -> anyhow::Result<Option<Activity>> {
    on_tx!(tx, |c| sqlx::query_as(
        "SELECT a.id, a.lead_id, a.kind, a.body, a.user_id, u.name AS user_name, a.occurred_at
         FROM activities a LEFT JOIN users u ON u.id = a.user_id WHERE a.id = $1 AND a.org_id = $2"
    )
    .bind(id)
    .bind(org)
    .fetch_optional(c)
    .await)
    .context("loading activity")
}

pub async fn delete(tx: &mut Tx, org: Uuid, id: Uuid) -> anyhow::Result<()> {
    on_tx!(tx, |c| sqlx::query("DELETE FROM activities WHERE id = $1 AND org_id = $2")
        .bind(id)
        .bind(org)
        .execute(c)
        .await
        .map(drop))
    .context("deleting activity")
}
