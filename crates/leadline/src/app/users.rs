//! Users of an organization.

use super::{
    Actor, AppError,
    audit::{self, By, Subject},
    auth::hash_password,
    error::Errors,
};
use crate::store::{self, Db, Tx, auth::User, orgs::Org};
use leadline_domain::{Email, Password, Role, text};
use serde::{Deserialize, Serialize};
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
    /// The user's direct line (inbound calls to it go to them); `""` clears it.
    pub phone: Option<String>,
    /// `tel` (default) or `sip`: how the call screen's "Call" dials.
    pub dial_scheme: Option<String>,
}

/// A user's calling settings.
#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
pub struct CallingSettings {
    /// E.164 direct line.
    pub phone: Option<String>,
    /// `tel` or `sip`.
    pub dial_scheme: Option<String>,
}

/// Reads a user's calling settings.
pub async fn calling_settings(tx: &mut Tx, user: Uuid) -> anyhow::Result<CallingSettings> {
    let row: Option<(Option<String>, String)> =
        crate::on_tx!(tx, |c| sqlx::query_as("SELECT phone, dial_scheme FROM users WHERE id = $1")
            .bind(user)
            .fetch_optional(c)
            .await)?;
    Ok(row.map(|(phone, scheme)| CallingSettings { phone, dial_scheme: Some(scheme) }).unwrap_or_default())
}

/// Validates and stores calling settings (missing fields are kept).
pub(crate) async fn set_calling(
    tx: &mut Tx,
    actor: &Actor,
    errs: &mut Errors,
    user: Uuid,
    phone: Option<&str>,
    scheme: Option<&str>,
) -> Result<(), AppError> {
    let region = leadline_domain::Region::parse(&actor.org.default_region).ok();
    let phone = match phone.map(str::trim) {
        Some("") => Some(None),
        Some(p) => {
            errs.take("phone", leadline_domain::Phone::parse(p, region, None)).map(|p| Some(p.e164().to_owned()))
        }
        None => None,
    };
    let scheme = match scheme.map(|s| s.trim().to_lowercase()) {
        Some(s) if s == "tel" || s == "sip" => Some(s),
        Some(_) => {
            errs.push("dial_scheme", "must be tel or sip");
            None
        }
        None => None,
    };
    if let Some(phone) = phone {
        crate::on_tx!(tx, |c| sqlx::query("UPDATE users SET phone = $1 WHERE id = $2")
            .bind(phone)
            .bind(user)
            .execute(c)
            .await
            .map(drop))
        .map_err(anyhow::Error::from)?;
    }
    if let Some(scheme) = scheme {
        crate::on_tx!(tx, |c| sqlx::query("UPDATE users SET dial_scheme = $1 WHERE id = $2")
            .bind(scheme)
            .bind(user)
            .execute(c)
            .await
            .map(drop))
        .map_err(anyhow::Error::from)?;
    }
    Ok(())
}

/// A user changes their own calling settings.
pub async fn update_own_calling(db: &Db, actor: &Actor, input: &CallingSettings) -> Result<CallingSettings, AppError> {
    let mut tx = db.write().await?;
    let mut errs = Errors::default();
    set_calling(&mut tx, actor, &mut errs, actor.user.id, input.phone.as_deref(), input.dial_scheme.as_deref()).await?;
    errs.into_result()?;
    let out = calling_settings(&mut tx, actor.user.id).await?;
    tx.commit().await?;
    Ok(out)
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
        team_id: None,
        manager_id: None,
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

/// Sets the password of the user with `email` from the server's command line (an admin
/// who cannot sign in, a user imported without one); signs them out everywhere and, if they
/// were deactivated, leaves them so. `by` is who did it, for the audit log.
pub async fn set_password(db: &Db, by: By<'_>, email: &str, password: &str) -> Result<User, AppError> {
    let mut errs = Errors::default();
    let email = errs.take("email", Email::parse(email));
    let password = errs.take("password", Password::parse(password));
    errs.into_result()?;
    let (Some(email), Some(password)) = (email, password) else { unreachable!("validated") };
    let hash = hash_password(&password)?;
    let mut tx = db.write().await?;
    let (user, _) = store::auth::user_by_email(&mut tx, email.as_str()).await?.ok_or(AppError::NotFound("user"))?;
    store::auth::set_password(&mut tx, user.id, &hash).await?;
    store::auth::delete_user_sessions(&mut tx, user.id).await?;
    let subject = Subject { entity_type: "user", entity_id: user.id, lead_id: None };
    let change = json!({"password": "changed"});
    audit::record(&mut tx, By { org: user.org_id, ..by }, subject, "update", None, change.as_object()).await?;
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
    set_calling(&mut tx, actor, &mut errs, user.id, patch.phone.as_deref(), patch.dial_scheme.as_deref()).await?;
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
