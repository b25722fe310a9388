//! Organizations.

use super::{AppError, error::Errors};
use crate::store::{self, Db, orgs::Org};
use leadline_domain::{Region, text, timezone};

/// Creates an organization. Its name is unique, compared case-insensitively.
pub async fn create(db: &Db, name: &str, default_region: &str, time_zone: &str) -> Result<Org, AppError> {
    let mut errs = Errors::default();
    let name = errs.take("name", text::required_line(name, 200));
    let region = errs.take("default_region", Region::parse(default_region));
    let zone = errs.take("time_zone", timezone::parse_zone(time_zone));
    errs.into_result()?;
    let (Some(name), Some(region), Some(zone)) = (name, region, zone) else { unreachable!("validated") };
    let org = Org {
        id: store::new_id(),
        name,
        default_region: region.as_str().to_owned(),
        time_zone: zone,
        created_at: store::now(),
    };
    let mut tx = db.write().await?;
    if store::orgs::by_name(&mut tx, &org.name).await?.is_some() {
        return Err(AppError::Conflict {
            field: Some("name".into()),
            message: format!("an organization named '{}' already exists", org.name),
        });
    }
    store::orgs::insert(&mut tx, &org).await?;
    tx.commit().await?;
    Ok(org)
}

/// The organization with this name (any case) or this id, or a not-found error.
pub async fn by_name(db: &Db, name: &str) -> Result<Org, AppError> {
    let mut tx = db.read().await?;
    let org = match store::orgs::by_name(&mut tx, name).await? {
        None if let Ok(id) = uuid::Uuid::parse_str(name.trim()) => store::orgs::by_id(&mut tx, id).await?,
        found => found,
    };
    tx.commit().await?;
    org.ok_or(AppError::NotFound("organization"))
}

/// A sensible default time zone for a region (used when none is given).
#[must_use]
pub fn default_zone(region: &str) -> String {
    timezone::main_zone(region).unwrap_or_else(|| "UTC".into())
}

/// The organization's calling settings.
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
pub struct OrgSettings {
    /// Owner of leads created by inbound calls to a number no user has (default: the first admin).
    pub default_owner_id: Option<uuid::Uuid>,
}

/// Reads the organization's calling settings.
pub async fn settings(db: &Db, actor: &super::Actor) -> Result<OrgSettings, AppError> {
    let mut tx = db.read().await?;
    let owner: Option<uuid::Uuid> =
        crate::on_tx!(&mut tx, |c| sqlx::query_scalar("SELECT default_owner_id FROM orgs WHERE id = $1")
            .bind(actor.org_id())
            .fetch_one(c)
            .await)
        .map_err(anyhow::Error::from)?;
    tx.commit().await?;
    Ok(OrgSettings { default_owner_id: owner })
}

/// Changes the organization's calling settings (admins).
pub async fn set_settings(db: &Db, actor: &super::Actor, input: &OrgSettings) -> Result<OrgSettings, AppError> {
    if !actor.user.role.manages_users() {
        return Err(AppError::Forbidden("only admins can change the organization's settings".into()));
    }
    let mut tx = db.write().await?;
    if let Some(owner) = input.default_owner_id {
        let user = store::auth::user_in_org(&mut tx, actor.org_id(), owner).await?;
        if !user.is_some_and(|u| u.active) {
            return Err(AppError::field("default_owner_id", "is not an active user of this organization"));
        }
    }
    crate::on_tx!(&mut tx, |c| sqlx::query("UPDATE orgs SET default_owner_id = $1 WHERE id = $2")
        .bind(input.default_owner_id)
        .bind(actor.org_id())
        .execute(c)
        .await
        .map(drop))
    .map_err(anyhow::Error::from)?;
    super::audit::record(
        &mut tx,
        actor,
        super::audit::Subject { entity_type: "organization", entity_id: actor.org_id(), lead_id: None },
        "update",
        None,
        serde_json::json!({"default_owner_id": input.default_owner_id}).as_object(),
    )
    .await?;
    tx.commit().await?;
    Ok(input.clone())
}
