//! Passwords, log-in with throttling, sessions and API tokens.

use super::{
    Actor, AppError,
    audit::{self, By, Subject},
};
use crate::store::{self, Db, Tx, auth::User};
use anyhow::Context;
use argon2::{Argon2, PasswordHash, PasswordHasher, PasswordVerifier, password_hash::SaltString};
use chrono::{DateTime, Duration, Utc};
use leadline_domain::{Email, Password};
use rand::RngCore;
use sha2::{Digest, Sha256};

/// Failed attempts allowed per account within [`THROTTLE_WINDOW_MINUTES`].
pub const MAX_FAILED_LOGINS: i64 = 10;
pub const THROTTLE_WINDOW_MINUTES: i64 = 15;
/// How long a log-in session lasts.
pub const SESSION_DAYS: i64 = 14;

static DUMMY_HASH: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    Password::parse("not-a-real-password").ok().and_then(|p| hash_password(&p).ok()).unwrap_or_default()
});

/// An Argon2id hash in PHC string form.
pub fn hash_password(password: &Password) -> anyhow::Result<String> {
    let mut salt_bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut salt_bytes);
    let salt = SaltString::encode_b64(&salt_bytes).map_err(|e| anyhow::anyhow!("making salt: {e}"))?;
    Argon2::default()
        .hash_password(password.expose().as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("hashing password: {e}"))
}

fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

/// A fresh random secret, hex-encoded.
#[must_use]
pub fn random_secret(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buf);
    hex::encode(buf)
}

/// The SHA-256 of a secret, as stored (secrets themselves never are).
#[must_use]
pub fn secret_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Compares two secrets in time independent of where they differ.
#[must_use]
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

async fn actor_for(tx: &mut Tx, user: User) -> anyhow::Result<Option<Actor>> {
    Ok(store::orgs::by_id(tx, user.org_id).await?.map(|org| Actor { user, org }))
}

/// A new log-in session.
pub struct Session {
    pub token: String,
    pub csrf: String,
    pub expires_at: DateTime<Utc>,
    pub actor: Actor,
}

/// Checks e-mail and password. After [`MAX_FAILED_LOGINS`] failures for one account
/// within the window, every attempt is refused until the window has passed, even
/// with the right password.
pub async fn login(db: &Db, email: &str, password: &str, now: DateTime<Utc>) -> Result<Session, AppError> {
    let email = Email::parse(email).map(Email::into_inner).unwrap_or_else(|_| email.trim().to_lowercase());
    let window_start = now - Duration::minutes(THROTTLE_WINDOW_MINUTES);
    let mut tx = db.write().await?;
    let (failures, oldest) = store::auth::login_failures_since(&mut tx, &email, window_start).await?;
    if failures >= MAX_FAILED_LOGINS {
        let until = oldest.unwrap_or(now) + Duration::minutes(THROTTLE_WINDOW_MINUTES);
        return Err(AppError::Throttled { retry_after_secs: (until - now).num_seconds().max(1) });
    }
    let found = store::auth::user_by_email(&mut tx, &email).await?;
    let ok = match &found {
        Some((user, hash)) => verify_password(password, hash) && user.active,
        None => {
            // Hash anyway, so that timing does not reveal which accounts exist.
            verify_password(password, &DUMMY_HASH);
            false
        }
    };
    let Some((user, _)) = found.filter(|_| ok) else {
        store::auth::record_login_failure(&mut tx, &email, now).await?;
        tx.commit().await?;
        return Err(AppError::Unauthorized);
    };
    store::auth::clear_login_failures(&mut tx, &email, window_start).await?;
    store::auth::delete_expired_sessions(&mut tx, now).await?;
    let token = random_secret(32);
    let csrf = random_secret(32);
    let expires_at = now + Duration::days(SESSION_DAYS);
    store::auth::insert_session(&mut tx, &secret_hash(&token), user.id, &csrf, expires_at).await?;
    let actor = actor_for(&mut tx, user).await?.context("user without organization")?;
    tx.commit().await?;
    Ok(Session { token, csrf, expires_at, actor })
}

/// The actor and CSRF token of a live session.
pub async fn session(db: &Db, token: &str, now: DateTime<Utc>) -> Result<Option<(Actor, String)>, AppError> {
    let found = store::auth::session_actor(db, &secret_hash(token), now).await?;
    Ok(found.map(|(user, org, csrf)| (Actor { user, org }, csrf)))
}

pub async fn logout(db: &Db, token: &str) -> Result<(), AppError> {
    let mut tx = db.write().await?;
    store::auth::delete_session(&mut tx, &secret_hash(token)).await?;
    tx.commit().await?;
    Ok(())
}

/// The actor an API token stands for.
pub async fn token_actor(db: &Db, token: &str) -> Result<Option<Actor>, AppError> {
    let found = store::auth::actor_by_token(db, &secret_hash(token.trim())).await?;
    Ok(found.map(|(user, org)| Actor { user, org }))
}

/// Creates an API token for the user with `email` and returns it; only its hash is kept.
pub async fn create_token(db: &Db, email: &str, label: &str) -> Result<String, AppError> {
    let email = Email::parse(email).map_err(|e| AppError::field("email", e.0))?;
    let mut tx = db.write().await?;
    let (user, _) = store::auth::user_by_email(&mut tx, email.as_str()).await?.ok_or(AppError::NotFound("user"))?;
    if !user.active {
        return Err(AppError::field("email", "this user is deactivated"));
    }
    let token = format!("ll_{}", random_secret(24));
    let label = if label.trim().is_empty() { "API token" } else { label.trim() };
    let id = store::auth::insert_token(&mut tx, user.id, label, &secret_hash(&token)).await?;
    let by = By { org: user.org_id, user_id: Some(user.id), name: &user.name };
    let subject = Subject { entity_type: "api_token", entity_id: id, lead_id: None };
    let after = serde_json::json!({ "name": label, "user": user.email });
    audit::record(&mut tx, by, subject, "create", None, after.as_object()).await?;
    tx.commit().await?;
    Ok(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify() {
        let p = Password::parse("correct horse battery").unwrap();
        let h = hash_password(&p).unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &h));
        assert!(!verify_password("wrong horse battery", &h));
    }

    #[test]
    fn secrets() {
        assert_eq!(random_secret(16).len(), 32);
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd"));
        assert_eq!(secret_hash("x").len(), 64);
    }
}
