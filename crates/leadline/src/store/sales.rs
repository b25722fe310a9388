//! Products, opportunities and teams.

use super::Tx;
use crate::on_tx;
use anyhow::Context;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;
use uuid::Uuid;

/// Values of a record's columns that no field claims (a deals export's "Probability",
/// "Next Step"), by column name; stored as a JSON object.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CustomFields(pub Map<String, Value>);

impl TryFrom<String> for CustomFields {
    type Error = serde_json::Error;
    fn try_from(stored: String) -> Result<Self, Self::Error> {
        serde_json::from_str(&stored).map(CustomFields)
    }
}

impl CustomFields {
    fn stored(&self) -> String {
        Value::Object(self.0.clone()).to_string()
    }
}

/// A sellable item or service.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, sqlx::FromRow)]
pub struct Product {
    pub id: Uuid,
    pub name: String,
    pub code: Option<String>,
    /// Price in minor units of `currency` (cents).
    pub price_minor: Option<i64>,
    /// ISO 4217 code.
    pub currency: Option<String>,
    pub description: Option<String>,
    /// Columns of the imported file that no field claims.
    #[schema(value_type = Object)]
    #[sqlx(try_from = "String")]
    #[serde(default)]
    pub custom_fields: CustomFields,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A potential deal with a lead.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, sqlx::FromRow)]
pub struct Opportunity {
    pub id: Uuid,
    pub lead_id: Uuid,
    pub product_id: Option<Uuid>,
    pub owner_id: Option<Uuid>,
    pub name: String,
    /// qualification, discovery, proposal, negotiation, won or lost.
    pub stage: String,
    /// open, won or lost.
    pub status: String,
    pub amount_minor: Option<i64>,
    pub currency: Option<String>,
    pub close_date: Option<NaiveDate>,
    pub lost_reason: Option<String>,
    pub external_id: Option<String>,
    /// Columns of the imported file that no field claims.
    #[schema(value_type = Object)]
    #[sqlx(try_from = "String")]
    #[serde(default)]
    pub custom_fields: CustomFields,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A team of users with a manager.
#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
pub struct Team {
    pub id: Uuid,
    pub name: String,
    pub manager_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
}

const PRODUCT_COLUMNS: &str =
    "id, name, code, price_minor, currency, description, custom_fields, created_at, updated_at";
const OPPORTUNITY_COLUMNS: &str = "id, lead_id, product_id, owner_id, name, stage, status, amount_minor, currency, \
    close_date, lost_reason, external_id, custom_fields, created_at, updated_at";

pub async fn products(tx: &mut Tx, org: Uuid) -> anyhow::Result<Vec<Product>> {
    let sql =
        sqlx::AssertSqlSafe(format!("SELECT {PRODUCT_COLUMNS} FROM products WHERE org_id = $1 ORDER BY name_key"));
    on_tx!(tx, |c| sqlx::query_as(sql).bind(org).fetch_all(c).await).context("listing products")
}

pub async fn product(tx: &mut Tx, org: Uuid, id: Uuid) -> anyhow::Result<Option<Product>> {
    let sql = sqlx::AssertSqlSafe(format!("SELECT {PRODUCT_COLUMNS} FROM products WHERE org_id = $1 AND id = $2"));
    on_tx!(tx, |c| sqlx::query_as(sql).bind(org).bind(id).fetch_optional(c).await).context("loading product")
}

/// Stores a product: inserts it, or updates the one with its id. `import` marks a
/// new product as created by that import.
pub async fn save_product(tx: &mut Tx, org: Uuid, p: &Product, import: Option<Uuid>) -> anyhow::Result<()> {
    on_tx!(tx, |c| sqlx::query(
        "INSERT INTO products (id, org_id, name, name_key, code, price_minor, currency, description, import_id,
            created_at, updated_at, custom_fields) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, name_key = excluded.name_key, code = excluded.code,
            price_minor = excluded.price_minor, currency = excluded.currency, description = excluded.description,
            custom_fields = excluded.custom_fields, updated_at = excluded.updated_at
         WHERE products.org_id = excluded.org_id"
    )
    .bind(p.id)
    .bind(org)
    .bind(&p.name)
    .bind(name_key(&p.name))
    .bind(&p.code)
    .bind(p.price_minor)
    .bind(&p.currency)
    .bind(&p.description)
    .bind(import)
    .bind(p.created_at)
    .bind(p.updated_at)
    .bind(p.custom_fields.stored())
    .execute(c)
    .await
    .map(drop))
    .context("storing product")
}

/// The comparable form of a product or team name.
#[must_use]
pub fn name_key(name: &str) -> String {
    leadline_domain::search::terms(name).join(" ")
}

pub async fn opportunities_of_lead(tx: &mut Tx, org: Uuid, lead: Uuid) -> anyhow::Result<Vec<Opportunity>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {OPPORTUNITY_COLUMNS} FROM opportunities WHERE org_id = $1 AND lead_id = $2 ORDER BY created_at"
    ));
    on_tx!(tx, |c| sqlx::query_as(sql).bind(org).bind(lead).fetch_all(c).await).context("listing opportunities")
}

pub async fn opportunities(tx: &mut Tx, org: Uuid, limit: i64) -> anyhow::Result<Vec<Opportunity>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {OPPORTUNITY_COLUMNS} FROM opportunities WHERE org_id = $1 ORDER BY created_at, id LIMIT $2"
    ));
    on_tx!(tx, |c| sqlx::query_as(sql).bind(org).bind(limit).fetch_all(c).await).context("listing opportunities")
}

pub async fn opportunity(tx: &mut Tx, org: Uuid, id: Uuid) -> anyhow::Result<Option<Opportunity>> {
    let sql =
        sqlx::AssertSqlSafe(format!("SELECT {OPPORTUNITY_COLUMNS} FROM opportunities WHERE org_id = $1 AND id = $2"));
    on_tx!(tx, |c| sqlx::query_as(sql).bind(org).bind(id).fetch_optional(c).await).context("loading opportunity")
}

pub async fn opportunity_by_external(tx: &mut Tx, org: Uuid, external: &str) -> anyhow::Result<Option<Opportunity>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {OPPORTUNITY_COLUMNS} FROM opportunities WHERE org_id = $1 AND external_id = $2 LIMIT 1"
    ));
    on_tx!(tx, |c| sqlx::query_as(sql).bind(org).bind(external).fetch_optional(c).await).context("finding opportunity")
}

/// Stores an opportunity: inserts it, or updates the one with its id. `import` marks
/// a new opportunity as created by that import.
pub async fn save_opportunity(tx: &mut Tx, org: Uuid, o: &Opportunity, import: Option<Uuid>) -> anyhow::Result<()> {
    on_tx!(tx, |c| sqlx::query(
        "INSERT INTO opportunities (id, org_id, lead_id, product_id, owner_id, name, stage, status, amount_minor,
            currency, close_date, lost_reason, external_id, import_id, created_at, updated_at, custom_fields)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
         ON CONFLICT (id) DO UPDATE SET lead_id = excluded.lead_id, product_id = excluded.product_id,
            owner_id = excluded.owner_id, name = excluded.name, stage = excluded.stage, status = excluded.status,
            amount_minor = excluded.amount_minor, currency = excluded.currency, close_date = excluded.close_date,
            lost_reason = excluded.lost_reason, external_id = excluded.external_id,
            custom_fields = excluded.custom_fields, updated_at = excluded.updated_at
         WHERE opportunities.org_id = excluded.org_id"
    )
    .bind(o.id)
    .bind(org)
    .bind(o.lead_id)
    .bind(o.product_id)
    .bind(o.owner_id)
    .bind(&o.name)
    .bind(&o.stage)
    .bind(&o.status)
    .bind(o.amount_minor)
    .bind(&o.currency)
    .bind(o.close_date)
    .bind(&o.lost_reason)
    .bind(&o.external_id)
    .bind(import)
    .bind(o.created_at)
    .bind(o.updated_at)
    .bind(o.custom_fields.stored())
    .execute(c)
    .await
    .map(drop))
    .context("storing opportunity")
}

pub async fn teams(tx: &mut Tx, org: Uuid) -> anyhow::Result<Vec<Team>> {
    on_tx!(tx, |c| sqlx::query_as(
        "SELECT id, name, manager_id, created_at FROM teams WHERE org_id = $1 ORDER BY name_key"
    )
    .bind(org)
    .fetch_all(c)
    .await)
    .context("listing teams")
}

/// The team named `name` (compared without case), created if missing.
pub async fn team_named(tx: &mut Tx, org: Uuid, name: &str, import: Option<Uuid>) -> anyhow::Result<(Uuid, bool)> {
    let key = name_key(name);
    let found: Option<Uuid> =
        on_tx!(tx, |c| sqlx::query_scalar("SELECT id FROM teams WHERE org_id = $1 AND name_key = $2")
            .bind(org)
            .bind(&key)
            .fetch_optional(c)
            .await)
        .context("finding team")?;
    if let Some(id) = found {
        return Ok((id, false));
    }
    let id = super::new_id();
    on_tx!(tx, |c| sqlx::query(
        "INSERT INTO teams (id, org_id, name, name_key, import_id, created_at) VALUES ($1, $2, $3, $4, $5, $6)"
    )
    .bind(id)
    .bind(org)
    .bind(name.trim())
    .bind(&key)
    .bind(import)
    .bind(super::now())
    .execute(c)
    .await
    .map(drop))
    .context("creating team")?;
    Ok((id, true))
}

pub async fn set_team_manager_if_none(tx: &mut Tx, team: Uuid, manager: Uuid) -> anyhow::Result<()> {
    on_tx!(tx, |c| sqlx::query("UPDATE teams SET manager_id = $1 WHERE id = $2 AND manager_id IS NULL")
        .bind(manager)
        .bind(team)
        .execute(c)
        .await
        .map(drop))
    .context("setting the team's manager")
}

/// The organization's own stage names: (name, stage).
pub async fn stage_aliases(tx: &mut Tx, org: Uuid) -> anyhow::Result<Vec<(String, String)>> {
    on_tx!(tx, |c| sqlx::query_as("SELECT alias, stage FROM stage_aliases WHERE org_id = $1 ORDER BY alias_key")
        .bind(org)
        .fetch_all(c)
        .await)
    .context("loading the stage map")
}

/// Maps `alias` to `stage` for the organization, or removes the mapping (`None`).
pub async fn set_stage_alias(tx: &mut Tx, org: Uuid, alias: &str, stage: Option<&str>) -> anyhow::Result<()> {
    let key = leadline_domain::stage::alias_key(alias);
    on_tx!(tx, |c| sqlx::query("DELETE FROM stage_aliases WHERE org_id = $1 AND alias_key = $2")
        .bind(org)
        .bind(&key)
        .execute(c)
        .await
        .map(drop))
    .context("changing the stage map")?;
    if let Some(stage) = stage {
        on_tx!(tx, |c| sqlx::query(
            "INSERT INTO stage_aliases (org_id, alias_key, alias, stage) VALUES ($1, $2, $3, $4)"
        )
        .bind(org)
        .bind(&key)
        .bind(alias.trim())
        .bind(stage)
        .execute(c)
        .await
        .map(drop))
        .context("changing the stage map")?;
    }
    Ok(())
}
