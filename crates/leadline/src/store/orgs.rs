//! Organizations (tenants).

use super::Tx;
use crate::on_tx;
use anyhow::Context;
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// A tenant: a selling company, or an agency selling for clients.
#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
pub struct Org {
    pub id: Uuid,
    pub name: String,
    /// Region (ISO 3166-1 alpha-2) used to read phone numbers written in local form.
    pub default_region: String,
    /// IANA time zone of the organization's office.
    pub time_zone: String,
    pub created_at: DateTime<Utc>,
}

const COLUMNS: &str = "id, name, default_region, time_zone, created_at";

pub async fn insert(tx: &mut Tx, org: &Org) -> anyhow::Result<()> {
    on_tx!(tx, |c| sqlx::query(
        "INSERT INTO orgs (id, name, name_key, default_region, time_zone, created_at) VALUES ($1, $2, $3, $4, $5, $6)"
    )
    .bind(org.id)
    .bind(&org.name)
    .bind(org.name.to_lowercase())
    .bind(&org.default_region)
    .bind(&org.time_zone)
    .bind(org.created_at)
    .execute(c)
    .await
    .map(drop))
    .context("inserting organization")
}

pub async fn by_name(tx: &mut Tx, name: &str) -> anyhow::Result<Option<Org>> {
    let sql = sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM orgs WHERE name_key = $1"));
    on_tx!(tx, |c| sqlx::query_as(sql).bind(name.trim().to_lowercase()).fetch_optional(c).await)
        .context("finding organization by name")
}

pub async fn by_id(tx: &mut Tx, id: Uuid) -> anyhow::Result<Option<Org>> {
    let sql = sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM orgs WHERE id = $1"));
    on_tx!(tx, |c| sqlx::query_as(sql).bind(id).fetch_optional(c).await).context("finding organization")
}

pub async fn list(tx: &mut Tx) -> anyhow::Result<Vec<Org>> {
    let sql = sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM orgs ORDER BY name_key"));
    on_tx!(tx, |c| sqlx::query_as(sql).fetch_all(c).await).context("listing organizations")
}
