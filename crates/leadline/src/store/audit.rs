//! The audit log: who created, changed or deleted what, with before and after.

use super::Tx;
use crate::on_tx;
use anyhow::Context;
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// One recorded change.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AuditEntry {
    pub id: Uuid,
    pub actor_id: Option<Uuid>,
    pub actor_name: String,
    /// `lead`, `contact`, `note`, `user`, `api_token`, `org`.
    pub entity_type: String,
    pub entity_id: Uuid,
    pub lead_id: Option<Uuid>,
    /// `create`, `update` or `delete`.
    pub action: String,
    /// For each changed field: `{"before": ..., "after": ...}`.
    #[schema(value_type = Object)]
    pub changes: serde_json::Value,
    pub at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct AuditRow {
    id: Uuid,
    actor_id: Option<Uuid>,
    actor_name: String,
    entity_type: String,
    entity_id: Uuid,
    lead_id: Option<Uuid>,
    action: String,
    changes: String,
    at: DateTime<Utc>,
}

impl From<AuditRow> for AuditEntry {
    fn from(r: AuditRow) -> Self {
        Self {
            id: r.id,
            actor_id: r.actor_id,
            actor_name: r.actor_name,
            entity_type: r.entity_type,
            entity_id: r.entity_id,
            lead_id: r.lead_id,
            action: r.action,
            changes: serde_json::from_str(&r.changes).unwrap_or_default(),
            at: r.at,
        }
    }
}

pub async fn insert(tx: &mut Tx, org: Uuid, e: &AuditEntry) -> anyhow::Result<()> {
    on_tx!(tx, |c| sqlx::query(
        "INSERT INTO audit_log (id, org_id, actor_id, actor_name, entity_type, entity_id, lead_id, action, changes, at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
    )
    .bind(e.id)
    .bind(org)
    .bind(e.actor_id)
    .bind(&e.actor_name)
    .bind(&e.entity_type)
    .bind(e.entity_id)
    .bind(e.lead_id)
    .bind(&e.action)
    .bind(e.changes.to_string())
    .bind(e.at)
    .execute(c)
    .await
    .map(drop))
    .context("writing audit entry")
}

const COLUMNS: &str = "id, actor_id, actor_name, entity_type, entity_id, lead_id, action, changes, at";

/// Entries about one lead (and its contacts and notes), newest first.
pub async fn for_lead(tx: &mut Tx, org: Uuid, lead: Uuid, limit: i64) -> anyhow::Result<Vec<AuditEntry>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM audit_log WHERE lead_id = $1 AND org_id = $2 ORDER BY at DESC, id DESC LIMIT $3"
    ));
    let rows: Vec<AuditRow> = on_tx!(tx, |c| sqlx::query_as(sql).bind(lead).bind(org).bind(limit).fetch_all(c).await)
        .context("loading lead audit")?;
    Ok(rows.into_iter().map(AuditEntry::from).collect())
}

/// The organization's log, newest first, keyset-paged by `(at, id)`.
pub async fn for_org(
    tx: &mut Tx,
    org: Uuid,
    before: Option<(DateTime<Utc>, Uuid)>,
    entity_type: Option<&str>,
    limit: i64,
) -> anyhow::Result<Vec<AuditEntry>> {
    let rows: Vec<AuditRow> = on_tx!(tx, |c| {
        let mut q = sqlx::QueryBuilder::new(format!("SELECT {COLUMNS} FROM audit_log WHERE org_id = "));
        q.push_bind(org);
        if let Some((at, id)) = before {
            q.push(" AND (at < ")
                .push_bind(at)
                .push(" OR (at = ")
                .push_bind(at)
                .push(" AND id < ")
                .push_bind(id)
                .push("))");
        }
        if let Some(t) = entity_type {
            q.push(" AND entity_type = ").push_bind(t.to_owned());
        }
        q.push(" ORDER BY at DESC, id DESC LIMIT ").push_bind(limit);
        q.build_query_as().fetch_all(c).await
    })
    .context("listing audit log")?;
    Ok(rows.into_iter().map(AuditEntry::from).collect())
}
