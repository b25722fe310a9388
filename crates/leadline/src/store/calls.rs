//! Call records and the phone system's events about them.
//!
//! A call's detail fields (numbers, rep, times, duration, disposition) are written by
//! the queue, the disposition and the phone system, never by an edit; only the notes
//! can be changed afterwards.

use super::Tx;
use crate::on_tx;
use anyhow::Context;
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// One call: an attempt from a campaign, a click-to-call, a logged call or an inbound call.
#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
pub struct Call {
    pub id: Uuid,
    pub lead_id: Option<Uuid>,
    pub contact_id: Option<Uuid>,
    pub campaign_id: Option<Uuid>,
    pub session_id: Option<Uuid>,
    /// The rep.
    pub user_id: Option<Uuid>,
    /// `outbound` or `inbound`.
    pub direction: String,
    pub from_number: Option<String>,
    pub to_number: Option<String>,
    /// `offered` (handed out, not dialled yet), `dialing`, `ringing`, `answered`,
    /// `completed`, `failed`, `skipped`, `logged`.
    pub state: String,
    pub provider_call_id: Option<String>,
    pub offered_at: Option<DateTime<Utc>>,
    pub started_at: Option<DateTime<Utc>>,
    pub ringing_at: Option<DateTime<Utc>>,
    pub answered_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
    /// Seconds.
    pub duration_s: Option<i64>,
    pub disposition: Option<String>,
    pub disposed_at: Option<DateTime<Utc>>,
    pub notes: String,
    pub recording_url: Option<String>,
    pub callback_at: Option<DateTime<Utc>>,
    pub skip_reason: Option<String>,
    /// The callee's zone was unknown: the window was checked in the organization's zone.
    pub zone_fallback: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Call {
    /// An outbound call created at `now` with nothing recorded yet; callers set what they know.
    #[must_use]
    pub fn blank(now: DateTime<Utc>) -> Self {
        Call {
            id: super::new_id(),
            lead_id: None,
            contact_id: None,
            campaign_id: None,
            session_id: None,
            user_id: None,
            direction: "outbound".into(),
            from_number: None,
            to_number: None,
            state: "offered".into(),
            provider_call_id: None,
            offered_at: None,
            started_at: None,
            ringing_at: None,
            answered_at: None,
            ended_at: None,
            duration_s: None,
            disposition: None,
            disposed_at: None,
            notes: String::new(),
            recording_url: None,
            callback_at: None,
            skip_reason: None,
            zone_fallback: false,
            created_at: now,
            updated_at: now,
        }
    }
}

const COLUMNS: &str = "id, lead_id, contact_id, campaign_id, session_id, user_id, direction, from_number, to_number, \
    state, provider_call_id, offered_at, started_at, ringing_at, answered_at, ended_at, duration_s, disposition, \
    disposed_at, notes, recording_url, callback_at, skip_reason, zone_fallback, created_at, updated_at";

pub async fn insert(tx: &mut Tx, org: Uuid, call: &Call) -> anyhow::Result<()> {
    on_tx!(tx, |c| sqlx::query(
        "INSERT INTO calls (id, org_id, lead_id, contact_id, campaign_id, session_id, user_id, direction, from_number,
            to_number, state, provider_call_id, offered_at, started_at, ringing_at, answered_at, ended_at, duration_s,
            disposition, disposed_at, notes, recording_url, callback_at, skip_reason, zone_fallback, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22,
            $23, $24, $25, $26, $27)"
    )
    .bind(call.id)
    .bind(org)
    .bind(call.lead_id)
    .bind(call.contact_id)
    .bind(call.campaign_id)
    .bind(call.session_id)
    .bind(call.user_id)
    .bind(&call.direction)
    .bind(&call.from_number)
    .bind(&call.to_number)
    .bind(&call.state)
    .bind(&call.provider_call_id)
    .bind(call.offered_at)
    .bind(call.started_at)
    .bind(call.ringing_at)
    .bind(call.answered_at)
    .bind(call.ended_at)
    .bind(call.duration_s)
    .bind(&call.disposition)
    .bind(call.disposed_at)
    .bind(&call.notes)
    .bind(&call.recording_url)
    .bind(call.callback_at)
    .bind(&call.skip_reason)
    .bind(call.zone_fallback)
    .bind(call.created_at)
    .bind(call.updated_at)
    .execute(c)
    .await
    .map(drop))
    .context("inserting call")
}

/// Writes every field of a call back (callers decide which fields may change).
pub async fn save(tx: &mut Tx, org: Uuid, call: &Call) -> anyhow::Result<()> {
    on_tx!(tx, |c| sqlx::query(
        "UPDATE calls SET lead_id = $1, contact_id = $2, state = $3, provider_call_id = $4, started_at = $5,
            ringing_at = $6, answered_at = $7, ended_at = $8, duration_s = $9, disposition = $10, disposed_at = $11,
            notes = $12, recording_url = $13, callback_at = $14, skip_reason = $15, updated_at = $16, user_id = $17
         WHERE id = $18 AND org_id = $19"
    )
    .bind(call.lead_id)
    .bind(call.contact_id)
    .bind(&call.state)
    .bind(&call.provider_call_id)
    .bind(call.started_at)
    .bind(call.ringing_at)
    .bind(call.answered_at)
    .bind(call.ended_at)
    .bind(call.duration_s)
    .bind(&call.disposition)
    .bind(call.disposed_at)
    .bind(&call.notes)
    .bind(&call.recording_url)
    .bind(call.callback_at)
    .bind(&call.skip_reason)
    .bind(call.updated_at)
    .bind(call.user_id)
    .bind(call.id)
    .bind(org)
    .execute(c)
    .await
    .map(drop))
    .context("saving call")
}

pub async fn get(tx: &mut Tx, org: Uuid, id: Uuid) -> anyhow::Result<Option<Call>> {
    let sql = sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM calls WHERE id = $1 AND org_id = $2"));
    on_tx!(tx, |c| sqlx::query_as(sql).bind(id).bind(org).fetch_optional(c).await).context("loading call")
}

pub async fn by_provider_id(tx: &mut Tx, org: Uuid, provider_id: &str) -> anyhow::Result<Option<Call>> {
    let sql = sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM calls WHERE org_id = $1 AND provider_call_id = $2"));
    on_tx!(tx, |c| sqlx::query_as(sql).bind(org).bind(provider_id).fetch_optional(c).await)
        .context("finding call by provider id")
}

/// The session's calls handed out and not yet disposed or skipped.
pub async fn open_in_session(tx: &mut Tx, org: Uuid, session: Uuid) -> anyhow::Result<Vec<Call>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM calls WHERE org_id = $1 AND session_id = $2 AND disposition IS NULL AND state <> 'skipped'
         ORDER BY created_at"
    ));
    on_tx!(tx, |c| sqlx::query_as(sql).bind(org).bind(session).fetch_all(c).await).context("loading open calls")
}

/// Calls created or started in `[from, to)`, for reports (a call logged after the fact
/// is recorded after it started).
pub async fn between(tx: &mut Tx, org: Uuid, from: DateTime<Utc>, to: DateTime<Utc>) -> anyhow::Result<Vec<Call>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM calls WHERE org_id = $1
           AND ((created_at >= $2 AND created_at < $3) OR (started_at >= $2 AND started_at < $3))
         ORDER BY created_at"
    ));
    on_tx!(tx, |c| sqlx::query_as(sql).bind(org).bind(from).bind(to).fetch_all(c).await).context("loading calls")
}

/// What a list of call records is narrowed to; `None` is no condition.
#[derive(Debug, Clone, Default)]
pub struct CallFilter {
    pub lead: Option<Uuid>,
    pub user: Option<Uuid>,
    pub campaign: Option<Uuid>,
    pub direction: Option<String>,
    pub disposition: Option<String>,
    /// Created at or after.
    pub from: Option<DateTime<Utc>>,
    /// Created before.
    pub to: Option<DateTime<Utc>>,
}

/// Call records (not leads handed out and left, not skips), newest first, those after
/// the `before` position of an earlier page.
pub async fn page(
    tx: &mut Tx,
    org: Uuid,
    f: &CallFilter,
    before: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> anyhow::Result<Vec<Call>> {
    on_tx!(tx, |c| {
        let mut q = sqlx::QueryBuilder::new(format!(
            "SELECT {COLUMNS} FROM calls WHERE state NOT IN ('offered', 'skipped') AND org_id = "
        ));
        q.push_bind(org);
        if let Some(v) = f.lead {
            q.push(" AND lead_id = ").push_bind(v);
        }
        if let Some(v) = f.user {
            q.push(" AND user_id = ").push_bind(v);
        }
        if let Some(v) = f.campaign {
            q.push(" AND campaign_id = ").push_bind(v);
        }
        if let Some(v) = &f.direction {
            q.push(" AND direction = ").push_bind(v.clone());
        }
        if let Some(v) = &f.disposition {
            q.push(" AND disposition = ").push_bind(v.clone());
        }
        if let Some(v) = f.from {
            q.push(" AND created_at >= ").push_bind(v);
        }
        if let Some(v) = f.to {
            q.push(" AND created_at < ").push_bind(v);
        }
        if let Some((at, id)) = before {
            q.push(" AND (created_at < ")
                .push_bind(at)
                .push(" OR (created_at = ")
                .push_bind(at)
                .push(" AND id < ")
                .push_bind(id)
                .push("))");
        }
        q.push(" ORDER BY created_at DESC, id DESC LIMIT ").push_bind(limit);
        q.build_query_as().fetch_all(c).await
    })
    .context("listing calls")
}

/// A rep's inbound calls still waiting for a disposition.
pub async fn inbound_waiting(tx: &mut Tx, org: Uuid, user: Uuid) -> anyhow::Result<Vec<Call>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM calls WHERE org_id = $1 AND user_id = $2 AND direction = 'inbound' AND disposition IS NULL
         ORDER BY created_at DESC LIMIT 20"
    ));
    on_tx!(tx, |c| sqlx::query_as(sql).bind(org).bind(user).fetch_all(c).await).context("loading inbound calls")
}

/// A phone-system event as received.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Event {
    pub state: String,
    pub at: DateTime<Utc>,
    pub duration_s: Option<i64>,
    pub recording_url: Option<String>,
}

/// Stores an event; the same state of the same call again keeps the first one, merged
/// with anything new it carries (duration, recording).
pub async fn record_event(
    tx: &mut Tx,
    org: Uuid,
    provider_id: &str,
    e: &Event,
    received_at: DateTime<Utc>,
) -> anyhow::Result<()> {
    on_tx!(tx, |c| sqlx::query(
        "INSERT INTO telephony_events (org_id, provider_call_id, state, at, duration_s, recording_url, received_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (org_id, provider_call_id, state) DO UPDATE SET
            duration_s = COALESCE(telephony_events.duration_s, excluded.duration_s),
            recording_url = COALESCE(telephony_events.recording_url, excluded.recording_url)"
    )
    .bind(org)
    .bind(provider_id)
    .bind(&e.state)
    .bind(e.at)
    .bind(e.duration_s)
    .bind(&e.recording_url)
    .bind(received_at)
    .execute(c)
    .await
    .map(drop))
    .context("recording a telephony event")
}

pub async fn events(tx: &mut Tx, org: Uuid, provider_id: &str) -> anyhow::Result<Vec<Event>> {
    on_tx!(tx, |c| sqlx::query_as(
        "SELECT state, at, duration_s, recording_url FROM telephony_events WHERE org_id = $1 AND provider_call_id = $2"
    )
    .bind(org)
    .bind(provider_id)
    .fetch_all(c)
    .await)
    .context("loading telephony events")
}

/// Remembers a signature; false when it was seen before (a replay).
pub async fn first_use_of_signature(tx: &mut Tx, signature: &str, at: DateTime<Utc>) -> anyhow::Result<bool> {
    let done = on_tx!(tx, |c| sqlx::query(
        "INSERT INTO telephony_signatures (signature, received_at) VALUES ($1, $2) ON CONFLICT DO NOTHING"
    )
    .bind(signature)
    .bind(at)
    .execute(c)
    .await
    .map(|r| r.rows_affected()))
    .context("recording a signature")?;
    Ok(done == 1)
}
