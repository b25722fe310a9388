//! Tasks: due items for a user, such as a callback a lead asked for.

use super::Tx;
use crate::on_tx;
use anyhow::Context;
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
pub struct Task {
    pub id: Uuid,
    pub lead_id: Option<Uuid>,
    pub user_id: Uuid,
    /// `call_back`, ...
    pub kind: String,
    pub title: String,
    pub due_at: DateTime<Utc>,
    pub done_at: Option<DateTime<Utc>>,
    pub call_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
}

const COLUMNS: &str = "id, lead_id, user_id, kind, title, due_at, done_at, call_id, created_at";

pub async fn insert(tx: &mut Tx, org: Uuid, t: &Task) -> anyhow::Result<()> {
    on_tx!(tx, |c| sqlx::query(
        "INSERT INTO tasks (id, org_id, lead_id, user_id, kind, title, due_at, done_at, call_id, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
    )
    .bind(t.id)
    .bind(org)
    .bind(t.lead_id)
    .bind(t.user_id)
    .bind(&t.kind)
    .bind(&t.title)
    .bind(t.due_at)
    .bind(t.done_at)
    .bind(t.call_id)
    .bind(t.created_at)
    .execute(c)
    .await
    .map(drop))
    .context("inserting task")
}

/// A user's open tasks, earliest due first.
pub async fn open_for_user(tx: &mut Tx, org: Uuid, user: Uuid, limit: i64) -> anyhow::Result<Vec<Task>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM tasks WHERE user_id = $1 AND org_id = $2 AND done_at IS NULL ORDER BY due_at LIMIT $3"
    ));
    on_tx!(tx, |c| sqlx::query_as(sql).bind(user).bind(org).bind(limit).fetch_all(c).await).context("loading tasks")
}

/// A lead's open tasks.
pub async fn open_for_lead(tx: &mut Tx, org: Uuid, lead: Uuid) -> anyhow::Result<Vec<Task>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM tasks WHERE lead_id = $1 AND org_id = $2 AND done_at IS NULL ORDER BY due_at LIMIT 50"
    ));
    on_tx!(tx, |c| sqlx::query_as(sql).bind(lead).bind(org).fetch_all(c).await).context("loading a lead's tasks")
}

/// Marks a lead's open callback tasks for `user` done (the callback was made).
pub async fn complete_callbacks(
    tx: &mut Tx,
    org: Uuid,
    lead: Uuid,
    user: Uuid,
    at: DateTime<Utc>,
) -> anyhow::Result<()> {
    on_tx!(tx, |c| sqlx::query(
        "UPDATE tasks SET done_at = $1 WHERE lead_id = $2 AND org_id = $3 AND user_id = $4 AND kind = 'call_back'
         AND done_at IS NULL AND due_at <= $1"
    )
    .bind(at)
    .bind(lead)
    .bind(org)
    .bind(user)
    .execute(c)
    .await
    .map(drop))
    .context("completing callback tasks")
}
