//! Campaigns and dialer sessions.

use super::Tx;
use crate::on_tx;
use anyhow::Context;
use chrono::{DateTime, Utc};
use leadline_domain::CallingWindow;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use uuid::Uuid;

/// Who works a campaign.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assignees {
    #[serde(default)]
    pub users: Vec<Uuid>,
    #[serde(default)]
    pub teams: Vec<Uuid>,
}

/// How a campaign calls: window, attempts and retry spacing (minutes per disposition).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rules {
    pub window: CallingWindow,
    pub max_attempts: u32,
    pub retry_minutes: BTreeMap<String, i64>,
}

impl Default for Rules {
    fn default() -> Self {
        Self {
            window: CallingWindow::default(),
            max_attempts: 6,
            retry_minutes: BTreeMap::from([
                ("no_answer".to_owned(), 240),
                ("busy".to_owned(), 30),
                ("voicemail_left".to_owned(), 24 * 60),
            ]),
        }
    }
}

/// A campaign as stored.
#[derive(Debug, Clone)]
pub struct Campaign {
    pub id: Uuid,
    pub org_id: Uuid,
    pub name: String,
    /// The lead-list filter (smart view), as the list's query parameters.
    pub filter: BTreeMap<String, String>,
    pub assignees: Assignees,
    pub playbook: String,
    pub rules: Rules,
    pub active: bool,
    pub synced_at: DateTime<Utc>,
    pub created_by: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: Uuid,
    org_id: Uuid,
    name: String,
    filter: String,
    assignees: String,
    playbook: String,
    rules: String,
    active: bool,
    synced_at: DateTime<Utc>,
    created_by: Option<Uuid>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl Row {
    fn into_campaign(self) -> Campaign {
        Campaign {
            id: self.id,
            org_id: self.org_id,
            name: self.name,
            filter: serde_json::from_str(&self.filter).unwrap_or_default(),
            assignees: serde_json::from_str(&self.assignees).unwrap_or_default(),
            playbook: self.playbook,
            rules: serde_json::from_str(&self.rules).unwrap_or_default(),
            active: self.active,
            synced_at: self.synced_at,
            created_by: self.created_by,
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }
}

const COLUMNS: &str =
    "id, org_id, name, filter, assignees, playbook, rules, active, synced_at, created_by, created_at, updated_at";

fn json<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

pub async fn insert(tx: &mut Tx, c: &Campaign) -> anyhow::Result<()> {
    on_tx!(tx, |conn| sqlx::query(
        "INSERT INTO campaigns (id, org_id, name, filter, assignees, playbook, rules, active, synced_at, created_by,
            created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
    )
    .bind(c.id)
    .bind(c.org_id)
    .bind(&c.name)
    .bind(json(&c.filter))
    .bind(json(&c.assignees))
    .bind(&c.playbook)
    .bind(json(&c.rules))
    .bind(c.active)
    .bind(c.synced_at)
    .bind(c.created_by)
    .bind(c.created_at)
    .bind(c.updated_at)
    .execute(conn)
    .await
    .map(drop))
    .context("inserting campaign")
}

pub async fn update(tx: &mut Tx, c: &Campaign) -> anyhow::Result<()> {
    on_tx!(tx, |conn| sqlx::query(
        "UPDATE campaigns SET name = $1, filter = $2, assignees = $3, playbook = $4, rules = $5, active = $6,
            synced_at = $7, updated_at = $8 WHERE id = $9 AND org_id = $10"
    )
    .bind(&c.name)
    .bind(json(&c.filter))
    .bind(json(&c.assignees))
    .bind(&c.playbook)
    .bind(json(&c.rules))
    .bind(c.active)
    .bind(c.synced_at)
    .bind(c.updated_at)
    .bind(c.id)
    .bind(c.org_id)
    .execute(conn)
    .await
    .map(drop))
    .context("updating campaign")
}

/// Moves the campaign's catch-up time to `now` if it is still at or before
/// `stale_before`; false when another request has just done so or is doing so (on
/// PostgreSQL its row lock is skipped, not waited for).
pub async fn claim_sync(
    tx: &mut Tx,
    id: Uuid,
    stale_before: DateTime<Utc>,
    now: DateTime<Utc>,
) -> anyhow::Result<bool> {
    let sql = match tx {
        Tx::Sqlite(_) => "UPDATE campaigns SET synced_at = $1 WHERE id = $2 AND synced_at <= $3",
        Tx::Postgres(_) => {
            "UPDATE campaigns SET synced_at = $1 WHERE id = (
                SELECT id FROM campaigns WHERE id = $2 AND synced_at <= $3 FOR UPDATE SKIP LOCKED)"
        }
    };
    let claimed = on_tx!(tx, |c| sqlx::query(sql)
        .bind(now)
        .bind(id)
        .bind(stale_before)
        .execute(c)
        .await
        .map(|r| r.rows_affected()))
    .context("claiming a campaign's catch-up")?;
    Ok(claimed == 1)
}

pub async fn get(tx: &mut Tx, org: Uuid, id: Uuid) -> anyhow::Result<Option<Campaign>> {
    let sql = sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM campaigns WHERE id = $1 AND org_id = $2"));
    let row: Option<Row> =
        on_tx!(tx, |c| sqlx::query_as(sql).bind(id).bind(org).fetch_optional(c).await).context("loading campaign")?;
    Ok(row.map(Row::into_campaign))
}

pub async fn list(tx: &mut Tx, org: Uuid) -> anyhow::Result<Vec<Campaign>> {
    let sql =
        sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM campaigns WHERE org_id = $1 ORDER BY created_at DESC"));
    let rows: Vec<Row> =
        on_tx!(tx, |c| sqlx::query_as(sql).bind(org).fetch_all(c).await).context("listing campaigns")?;
    Ok(rows.into_iter().map(Row::into_campaign).collect())
}

/// A rep working through a campaign.
#[derive(Debug, Clone, Serialize, sqlx::FromRow, utoipa::ToSchema)]
pub struct Session {
    pub id: Uuid,
    pub campaign_id: Uuid,
    pub user_id: Uuid,
    pub started_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
}

pub async fn insert_session(tx: &mut Tx, org: Uuid, s: &Session) -> anyhow::Result<()> {
    on_tx!(tx, |c| sqlx::query(
        "INSERT INTO dialer_sessions (id, org_id, campaign_id, user_id, started_at) VALUES ($1, $2, $3, $4, $5)"
    )
    .bind(s.id)
    .bind(org)
    .bind(s.campaign_id)
    .bind(s.user_id)
    .bind(s.started_at)
    .execute(c)
    .await
    .map(drop))
    .context("starting a dialer session")
}

pub async fn session(tx: &mut Tx, org: Uuid, id: Uuid) -> anyhow::Result<Option<Session>> {
    on_tx!(tx, |c| sqlx::query_as(
        "SELECT id, campaign_id, user_id, started_at, ended_at FROM dialer_sessions WHERE id = $1 AND org_id = $2"
    )
    .bind(id)
    .bind(org)
    .fetch_optional(c)
    .await)
    .context("loading a dialer session")
}

/// What `next` needs to know about a session, read in one statement: the session, its
/// campaign, the rep's calling settings, whether the session holds an offered lead and
/// whether one of the rep's callbacks is due.
pub struct SessionContext {
    pub session: Session,
    pub campaign: Campaign,
    pub phone: Option<String>,
    pub dial_scheme: String,
    pub holds_offer: bool,
    pub callback_due: bool,
}

pub async fn session_context(tx: &mut Tx, org: Uuid, id: Uuid, now_ms: i64) -> anyhow::Result<Option<SessionContext>> {
    let columns: Vec<String> = COLUMNS.split(", ").map(|c| format!("c.{c}")).collect();
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {}, s.user_id AS session_user, s.started_at AS session_started_at, s.ended_at AS session_ended_at,
            u.phone AS user_phone, u.dial_scheme AS user_dial_scheme,
            EXISTS(SELECT 1 FROM calls k WHERE k.session_id = s.id AND k.state = 'offered') AS holds_offer,
            EXISTS(SELECT 1 FROM campaign_leads q WHERE q.campaign_id = s.campaign_id AND q.callback_user = s.user_id
                AND q.tier = 0 AND q.rank <= $3 AND q.ready_at <= $3) AS callback_due
         FROM dialer_sessions s JOIN campaigns c ON c.id = s.campaign_id JOIN users u ON u.id = s.user_id
         WHERE s.id = $1 AND s.org_id = $2",
        columns.join(", ")
    ));
    on_tx!(tx, |c| {
        use sqlx::{FromRow, Row as _};
        match sqlx::query(sql).bind(id).bind(org).bind(now_ms).fetch_optional(c).await? {
            Some(r) => {
                let campaign = Row::from_row(&r)?.into_campaign();
                Ok::<_, sqlx::Error>(Some(SessionContext {
                    session: Session {
                        id,
                        campaign_id: campaign.id,
                        user_id: r.try_get("session_user")?,
                        started_at: r.try_get("session_started_at")?,
                        ended_at: r.try_get("session_ended_at")?,
                    },
                    campaign,
                    phone: r.try_get("user_phone")?,
                    dial_scheme: r.try_get("user_dial_scheme")?,
                    holds_offer: r.try_get("holds_offer")?,
                    callback_due: r.try_get("callback_due")?,
                }))
            }
            None => Ok(None),
        }
    })
    .context("loading a dialer session")
}

pub async fn end_session(tx: &mut Tx, id: Uuid, at: DateTime<Utc>) -> anyhow::Result<()> {
    on_tx!(tx, |c| sqlx::query("UPDATE dialer_sessions SET ended_at = $1 WHERE id = $2 AND ended_at IS NULL")
        .bind(at)
        .bind(id)
        .execute(c)
        .await
        .map(drop))
    .context("ending a dialer session")
}

/// The ids of the teams a user belongs to (one at most today).
pub async fn team_of(tx: &mut Tx, user: Uuid) -> anyhow::Result<Option<Uuid>> {
    on_tx!(tx, |c| sqlx::query_scalar("SELECT team_id FROM users WHERE id = $1").bind(user).fetch_optional(c).await)
        .map(Option::flatten)
        .context("loading a user's team")
}
