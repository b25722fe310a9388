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

/// The organization with this name, or a not-found error naming it.
pub async fn by_name(db: &Db, name: &str) -> Result<Org, AppError> {
    let mut tx = db.read().await?;
    let org = store::orgs::by_name(&mut tx, name).await?;
    tx.commit().await?;
    org.ok_or(AppError::NotFound("organization"))
}

/// A sensible default time zone for a region (used when none is given).
#[must_use]
pub fn default_zone(region: &str) -> String {
    timezone::zones_for_address(region, None).into_iter().next().unwrap_or_else(|| "UTC".into())
}
