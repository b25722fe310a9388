//! Users, API tokens, sessions and failed log-in attempts.

use super::Tx;
use crate::on_tx;
use anyhow::Context;
use chrono::{DateTime, Utc};
use leadline_domain::Role;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// A person with one role in one organization.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct User {
    pub id: Uuid,
    #[serde(skip)]
    pub org_id: Uuid,
    pub email: String,
    pub name: String,
    #[schema(value_type = String, example = "inside_rep")]
    pub role: Role,
    pub active: bool,
    /// The team the user belongs to, if any.
    pub team_id: Option<Uuid>,
    /// The user's manager, if any.
    pub manager_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct UserRow {
    id: Uuid,
    org_id: Uuid,
    email: String,
    name: String,
    role: String,
    active: bool,
    team_id: Option<Uuid>,
    manager_id: Option<Uuid>,
    created_at: DateTime<Utc>,
    password_hash: String,
}

impl UserRow {
    fn into_user(self) -> (User, String) {
        let role = Role::parse(&self.role).unwrap_or(Role::FieldRep);
        let user = User {
            id: self.id,
            org_id: self.org_id,
            email: self.email,
            name: self.name,
            role,
            active: self.active,
            team_id: self.team_id,
            manager_id: self.manager_id,
            created_at: self.created_at,
        };
        (user, self.password_hash)
    }
}

const COLUMNS: &str =
    "u.id, u.org_id, u.email, u.name, u.role, u.active, u.team_id, u.manager_id, u.created_at, u.password_hash";

pub async fn insert_user(tx: &mut Tx, user: &User, password_hash: &str) -> anyhow::Result<()> {
    on_tx!(tx, |c| sqlx::query(
        "INSERT INTO users (id, org_id, email, name, role, password_hash, active, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)"
    )
    .bind(user.id)
    .bind(user.org_id)
    .bind(&user.email)
    .bind(&user.name)
    .bind(user.role.as_str())
    .bind(password_hash)
    .bind(user.active)
    .bind(user.created_at)
    .execute(c)
    .await
    .map(drop))
    .context("inserting user")
}

/// The user with this e-mail (any organization) and their password hash.
pub async fn user_by_email(tx: &mut Tx, email: &str) -> anyhow::Result<Option<(User, String)>> {
    let sql = sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM users u WHERE u.email = $1"));
    let row: Option<UserRow> =
        on_tx!(tx, |c| sqlx::query_as(sql).bind(email).fetch_optional(c).await).context("finding user by e-mail")?;
    Ok(row.map(UserRow::into_user))
}

/// A user of `org` by id; users of other organizations are not found.
pub async fn user_in_org(tx: &mut Tx, org: Uuid, id: Uuid) -> anyhow::Result<Option<User>> {
    let sql = sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM users u WHERE u.id = $1 AND u.org_id = $2"));
    let row: Option<UserRow> =
        on_tx!(tx, |c| sqlx::query_as(sql).bind(id).bind(org).fetch_optional(c).await).context("finding user")?;
    Ok(row.map(|r| r.into_user().0))
}

pub async fn users_in_org(tx: &mut Tx, org: Uuid) -> anyhow::Result<Vec<User>> {
    let sql = sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM users u WHERE u.org_id = $1 ORDER BY u.name, u.id"));
    let rows: Vec<UserRow> =
        on_tx!(tx, |c| sqlx::query_as(sql).bind(org).fetch_all(c).await).context("listing users")?;
    Ok(rows.into_iter().map(|r| r.into_user().0).collect())
}

pub async fn update_user(tx: &mut Tx, user: &User) -> anyhow::Result<()> {
    on_tx!(tx, |c| sqlx::query("UPDATE users SET name = $1, role = $2, active = $3, updated_at = $4 WHERE id = $5")
        .bind(&user.name)
        .bind(user.role.as_str())
        .bind(user.active)
        .bind(super::now())
        .bind(user.id)
        .execute(c)
        .await
        .map(drop))
    .context("updating user")
}

pub async fn set_password(tx: &mut Tx, user_id: Uuid, password_hash: &str) -> anyhow::Result<()> {
    on_tx!(tx, |c| sqlx::query("UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3")
        .bind(password_hash)
        .bind(super::now())
        .bind(user_id)
        .execute(c)
        .await
        .map(drop))
    .context("setting password")
}

pub async fn insert_token(tx: &mut Tx, user_id: Uuid, name: &str, token_hash: &str) -> anyhow::Result<Uuid> {
    let id = super::new_id();
    on_tx!(tx, |c| sqlx::query(
        "INSERT INTO api_tokens (id, user_id, name, token_hash, created_at) VALUES ($1, $2, $3, $4, $5)"
    )
    .bind(id)
    .bind(user_id)
    .bind(name)
    .bind(token_hash)
    .bind(super::now())
    .execute(c)
    .await
    .map(drop))
    .context("inserting API token")?;
    Ok(id)
}

/// The active user owning the token with this hash.
pub async fn user_by_token(tx: &mut Tx, token_hash: &str) -> anyhow::Result<Option<User>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1 AND u.active"
    ));
    let row: Option<UserRow> =
        on_tx!(tx, |c| sqlx::query_as(sql).bind(token_hash).fetch_optional(c).await).context("finding API token")?;
    Ok(row.map(|r| r.into_user().0))
}

/// The active user owning the token with this hash, with their organization, in one
/// statement (every API request asks this first).
pub async fn actor_by_token(db: &super::Db, token_hash: &str) -> anyhow::Result<Option<(User, super::orgs::Org)>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS}, {ORG_COLUMNS} FROM api_tokens t JOIN users u ON u.id = t.user_id
         JOIN orgs o ON o.id = u.org_id WHERE t.token_hash = $1 AND u.active"
    ));
    let row = crate::on_keyed!(db, |p| {
        match sqlx::query(sql).bind(token_hash).fetch_optional(p).await? {
            Some(r) => Ok::<_, sqlx::Error>(Some(user_and_org(&r)?)),
            None => Ok(None),
        }
    })
    .context("finding API token")?;
    Ok(row)
}

/// The organization's columns beside a user's, prefixed `org_`.
const ORG_COLUMNS: &str =
    "o.name AS org_name, o.default_region AS org_region, o.time_zone AS org_zone, o.created_at AS org_created_at";

fn user_and_org<'r, R: sqlx::Row>(r: &'r R) -> Result<(User, super::orgs::Org), sqlx::Error>
where
    &'r str: sqlx::ColumnIndex<R>,
    Uuid: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    Option<Uuid>: sqlx::Decode<'r, R::Database>,
    String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    bool: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    DateTime<Utc>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    let user = UserRow {
        id: r.try_get("id")?,
        org_id: r.try_get("org_id")?,
        email: r.try_get("email")?,
        name: r.try_get("name")?,
        role: r.try_get("role")?,
        active: r.try_get("active")?,
        team_id: r.try_get("team_id")?,
        manager_id: r.try_get("manager_id")?,
        created_at: r.try_get("created_at")?,
        password_hash: String::new(),
    }
    .into_user()
    .0;
    let org = super::orgs::Org {
        id: user.org_id,
        name: r.try_get("org_name")?,
        default_region: r.try_get("org_region")?,
        time_zone: r.try_get("org_zone")?,
        created_at: r.try_get("org_created_at")?,
    };
    Ok((user, org))
}

pub async fn insert_session(
    tx: &mut Tx,
    token_hash: &str,
    user_id: Uuid,
    csrf_token: &str,
    expires_at: DateTime<Utc>,
) -> anyhow::Result<()> {
    on_tx!(tx, |c| sqlx::query(
        "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)"
    )
    .bind(token_hash)
    .bind(user_id)
    .bind(csrf_token)
    .bind(super::now())
    .bind(expires_at)
    .execute(c)
    .await
    .map(drop))
    .context("inserting session")
}

/// The active user of an unexpired session, with their organization and the session's
/// CSRF token, in one statement.
pub async fn session_actor(
    db: &super::Db,
    token_hash: &str,
    now: DateTime<Utc>,
) -> anyhow::Result<Option<(User, super::orgs::Org, String)>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS}, {ORG_COLUMNS}, s.csrf_token FROM sessions s JOIN users u ON u.id = s.user_id
         JOIN orgs o ON o.id = u.org_id WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.active"
    ));
    crate::on_keyed!(db, |p| {
        use sqlx::Row;
        match sqlx::query(sql).bind(token_hash).bind(now).fetch_optional(p).await? {
            Some(r) => {
                let (user, org) = user_and_org(&r)?;
                Ok::<_, sqlx::Error>(Some((user, org, r.try_get("csrf_token")?)))
            }
            None => Ok(None),
        }
    })
    .context("finding session")
}

pub async fn delete_session(tx: &mut Tx, token_hash: &str) -> anyhow::Result<()> {
    on_tx!(tx, |c| sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(token_hash)
        .execute(c)
        .await
        .map(drop))
    .context("deleting session")
}

/// Ends every session of a user (on deactivation or password change).
pub async fn delete_user_sessions(tx: &mut Tx, user_id: Uuid) -> anyhow::Result<()> {
    on_tx!(tx, |c| sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user_id).execute(c).await.map(drop))
        .context("deleting sessions")
}

pub async fn record_login_failure(tx: &mut Tx, email: &str, at: DateTime<Utc>) -> anyhow::Result<()> {
    on_tx!(tx, |c| sqlx::query("INSERT INTO login_failures (email, at) VALUES ($1, $2)")
        .bind(email)
        .bind(at)
        .execute(c)
        .await
        .map(drop))
    .context("recording failed log-in")
}

/// Failed attempts for `email` since `since`: how many, and when the earliest was.
pub async fn login_failures_since(
    tx: &mut Tx,
    email: &str,
    since: DateTime<Utc>,
) -> anyhow::Result<(i64, Option<DateTime<Utc>>)> {
    on_tx!(tx, |c| sqlx::query_as("SELECT COUNT(*), MIN(at) FROM login_failures WHERE email = $1 AND at > $2")
        .bind(email)
        .bind(since)
        .fetch_one(c)
        .await)
    .context("counting failed log-ins")
}

pub async fn clear_login_failures(tx: &mut Tx, email: &str, before: DateTime<Utc>) -> anyhow::Result<()> {
    on_tx!(tx, |c| sqlx::query("DELETE FROM login_failures WHERE email = $1 OR at < $2")
        .bind(email)
        .bind(before)
        .execute(c)
        .await
        .map(drop))
    .context("clearing failed log-ins")
}

/// Removes sessions that have expired.
pub async fn delete_expired_sessions(tx: &mut Tx, now: DateTime<Utc>) -> anyhow::Result<()> {
    on_tx!(tx, |c| sqlx::query("DELETE FROM sessions WHERE expires_at < $1").bind(now).execute(c).await.map(drop))
        .context("deleting expired sessions")
}
