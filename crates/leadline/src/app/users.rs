//! Users of an organization.

use super::{
    Actor, AppError,
    audit::{self, By, Subject},
    auth::hash_password,
    error::Errors,
};
use crate::store::{self, Db, auth::User, orgs::Org};
use leadline_domain::{Email, Password, Role, text};
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;
use uuid::Uuid;

/// A new user.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    pub email: Option<String>,
    pub name: Option<String>,
    /// admin, manager, inside_rep or field_rep.
    pub role: Option<String>,
    /// At least 10 characters.
    pub password: Option<String>,
}

/// Changes to a user.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserPatch {
    pub name: Option<String>,
    pub role: Option<String>,
    /// `false` blocks log-in and API tokens at once.
    pub active: Option<bool>,
    pub password: Option<String>,
}

fn require_admin(actor: &Actor) -> Result<(), AppError> {
    if actor.user.role.manages_users() {
        Ok(())
    } else {
        Err(AppError::Forbidden("only admins can manage users".into()))
    }
}

fn snapshot(u: &User) -> serde_json::Map<String, serde_json::Value> {
    match json!({"email": u.email, "name": u.name, "role": u.role, "active": u.active}) {
        serde_json::Value::Object(m) => m,
        _ => serde_json::Map::new(),
    }
}

/// Creates a user in `org`. `by` is who did it, for the audit log.
pub async fn create(db: &Db, org: &Org, by: By<'_>, input: &NewUser) -> Result<User, AppError> {
    let mut errs = Errors::default();
    let email = errs.take("email", Email::parse(input.email.as_deref().unwrap_or("")));
    let name = errs.take("name", text::required_line(input.name.as_deref().unwrap_or(""), 200));
    let role = errs.take("role", Role::parse(input.role.as_deref().unwrap_or("")));
    let password = errs.take("password", Password::parse(input.password.as_deref().unwrap_or("")));
    errs.into_result()?;
    let (Some(email), Some(name), Some(role), Some(password)) = (email, name, role, password) else {
        unreachable!("validated")
    };
    let hash = hash_password(&password)?;
    let user = User {
        id: store::new_id(),
        org_id: org.id,
        email: email.into_inner(),
        name,
        role,
        active: true,
        created_at: store::now(),
    };
    let mut tx = db.write().await?;
    if store::auth::user_by_email(&mut tx, &user.email).await?.is_some() {
        return Err(duplicate_email(&user.email));
    }
    if let Err(e) = store::auth::insert_user(&mut tx, &user, &hash).await {
        return Err(if store::is_unique_violation(&e) { duplicate_email(&user.email) } else { e.into() });
    }
    let subject = Subject { entity_type: "user", entity_id: user.id, lead_id: None };
    audit::record(&mut tx, by, subject, "create", None, Some(&snapshot(&user))).await?;
    tx.commit().await?;
    Ok(user)
}

fn duplicate_email(email: &str) -> AppError {
    AppError::Conflict {
        field: Some("email".into()),
        message: format!("a user with the e-mail {email} already exists"),
    }
}

pub async fn create_by_admin(db: &Db, actor: &Actor, input: &NewUser) -> Result<User, AppError> {
    require_admin(actor)?;
    create(db, &actor.org, actor.into(), input).await
}

pub async fn list(db: &Db, org: Uuid) -> Result<Vec<User>, AppError> {
    let mut tx = db.read().await?;
    let users = store::auth::users_in_org(&mut tx, org).await?;
    tx.commit().await?;
    Ok(users)
}

pub async fn get(db: &Db, actor: &Actor, id: Uuid) -> Result<User, AppError> {
    let mut tx = db.read().await?;
    let user = store::auth::user_in_org(&mut tx, actor.org_id(), id).await?;
    tx.commit().await?;
    user.ok_or(AppError::NotFound("user"))
}

pub async fn update(db: &Db, actor: &Actor, id: Uuid, patch: &UserPatch) -> Result<User, AppError> {
    require_admin(actor)?;
    let mut tx = db.write().await?;
    let before = store::auth::user_in_org(&mut tx, actor.org_id(), id).await?.ok_or(AppError::NotFound("user"))?;
    let mut user = before.clone();
    let mut errs = Errors::default();
    if let Some(n) = &patch.name {
        user.name = errs.take("name", text::required_line(n, 200)).unwrap_or_default();
    }
    if let Some(r) = &patch.role {
        user.role = errs.take("role", Role::parse(r)).unwrap_or(user.role);
    }
    if let Some(a) = patch.active {
        user.active = a;
    }
    let password = patch.password.as_deref().and_then(|p| errs.take("password", Password::parse(p)));
    errs.into_result()?;
    if user.id == actor.user.id && (user.role != Role::Admin || !user.active) {
        return Err(AppError::field("role", "you cannot remove your own admin rights or deactivate yourself"));
    }
    store::auth::update_user(&mut tx, &user).await?;
    if let Some(p) = password {
        store::auth::set_password(&mut tx, user.id, &hash_password(&p)?).await?;
        store::auth::delete_user_sessions(&mut tx, user.id).await?;
    }
    if !user.active {
        store::auth::delete_user_sessions(&mut tx, user.id).await?;
    }
    let subject = Subject { entity_type: "user", entity_id: user.id, lead_id: None };
    audit::record(&mut tx, actor, subject, "update", Some(&snapshot(&before)), Some(&snapshot(&user))).await?;
    tx.commit().await?;
    Ok(user)
}
