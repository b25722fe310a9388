//! Phone-system events: signed call state changes applied to call records.
//!
//! A request carries `X-Leadline-Timestamp` (Unix seconds) and `X-Leadline-Signature`
//! (hex HMAC-SHA256 of `"{timestamp}.{body}"` with the organization's secret; a
//! `sha256=` or `v1=` prefix is accepted, as is the combined form `t=...,v1=...`).
//! Old timestamps and signatures seen before are refused. Events may arrive in any
//! order and more than once: each state is kept once per call and the call's times
//! are computed from all of them.

use super::{Actor, AppError};
use crate::{
    clock::Clock,
    store::{
        self, Db, Tx,
        calls::{Call, Event},
    },
};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;
use uuid::Uuid;

/// HMAC-SHA256 (RFC 2104).
#[must_use]
pub fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut block = [0u8; 64];
    if key.len() > 64 {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let mut inner = Sha256::new();
    inner.update(block.map(|b| b ^ 0x36));
    inner.update(message);
    let mut outer = Sha256::new();
    outer.update(block.map(|b| b ^ 0x5c));
    outer.update(inner.finalize());
    outer.finalize().into()
}

/// The signature header value for a body, as a phone system computes it.
#[must_use]
pub fn sign(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let mut message = format!("{timestamp}.").into_bytes();
    message.extend_from_slice(body);
    hex::encode(hmac_sha256(secret.as_bytes(), &message))
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A call state change from the phone system.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct EventInput {
    /// The phone system's id for the call.
    #[serde(alias = "call_id")]
    pub provider_call_id: String,
    /// `ringing`, `answered`, `completed` or `failed`.
    pub state: String,
    /// RFC 3339 time of the change; default when received.
    #[serde(alias = "timestamp", alias = "occurred_at")]
    pub at: Option<String>,
    /// Seconds of talk time (on `completed`).
    #[serde(alias = "duration")]
    pub duration_s: Option<i64>,
    pub recording_url: Option<String>,
    /// Leadline's call id, to tie the provider's id to a call the first time.
    pub leadline_call_id: Option<Uuid>,
}

/// What became of an event.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EventResult {
    /// The call it updated, or `null` when no call is known for the provider id yet
    /// (the event is kept and applied when the call appears).
    pub call_id: Option<Uuid>,
    pub state: Option<String>,
}

/// The signature headers of a request.
#[derive(Debug, Clone, Default)]
pub struct Signed {
    pub org: Option<Uuid>,
    pub timestamp: Option<String>,
    pub signature: Option<String>,
}

impl Signed {
    /// (timestamp, hex signature), from the separate or the combined header form.
    fn parts(&self) -> Option<(i64, String)> {
        let raw = self.signature.as_deref()?.trim();
        let mut ts = self.timestamp.as_deref().and_then(|t| t.trim().parse::<i64>().ok());
        let mut sig = None;
        for part in raw.split(',') {
            let part = part.trim();
            if let Some(t) = part.strip_prefix("t=") {
                ts = t.parse().ok();
            } else if let Some(s) = part.strip_prefix("v1=").or_else(|| part.strip_prefix("sha256=")) {
                sig = Some(s.to_lowercase());
            } else if !part.contains('=') {
                sig = Some(part.to_lowercase());
            }
        }
        Some((ts?, sig?))
    }
}

/// The organization's signing secret, created on first use.
pub async fn secret(db: &Db, actor: &Actor, rotate: bool) -> Result<String, AppError> {
    if !actor.user.role.manages_users() {
        return Err(AppError::Forbidden("only admins can see the telephony secret".into()));
    }
    let mut tx = db.write().await?;
    let current: Option<String> =
        crate::on_tx!(&mut tx, |c| sqlx::query_scalar("SELECT telephony_secret FROM orgs WHERE id = $1")
            .bind(actor.org_id())
            .fetch_one(c)
            .await)
        .map_err(anyhow::Error::from)?;
    let secret = match current {
        Some(s) if !rotate => s,
        _ => {
            let fresh = format!("whsec_{}", hex::encode(rand::random::<[u8; 24]>()));
            crate::on_tx!(&mut tx, |c| sqlx::query("UPDATE orgs SET telephony_secret = $1 WHERE id = $2")
                .bind(&fresh)
                .bind(actor.org_id())
                .execute(c)
                .await
                .map(drop))
            .map_err(anyhow::Error::from)?;
            fresh
        }
    };
    tx.commit().await?;
    Ok(secret)
}

/// Checks the signature and returns the organization it belongs to.
async fn verify(tx: &mut Tx, clock: &Clock, signed: &Signed, body: &[u8]) -> Result<Uuid, AppError> {
    let refuse = |why: &str| AppError::Forbidden(format!("telephony event refused: {why}"));
    let (ts, sig) = signed.parts().ok_or_else(|| refuse("missing X-Leadline-Timestamp or X-Leadline-Signature"))?;
    let at = DateTime::from_timestamp(ts, 0).ok_or_else(|| refuse("bad timestamp"))?;
    // Within five minutes of the server's clock (or of the wall clock, when the clock is fixed).
    let fresh = |now: DateTime<Utc>| (now - at).abs() <= Duration::minutes(5);
    if !fresh(clock.now()) && !fresh(Utc::now()) {
        return Err(refuse("the timestamp is too old or in the future"));
    }
    let secrets: Vec<(Uuid, Option<String>)> =
        crate::on_tx!(tx, |c| sqlx::query_as("SELECT id, telephony_secret FROM orgs").fetch_all(c).await)
            .map_err(anyhow::Error::from)?;
    let expected = hex::decode(&sig).map_err(|_| refuse("the signature is not hex"))?;
    let org = secrets
        .iter()
        .filter(|(id, _)| signed.org.is_none_or(|o| o == *id))
        .find_map(|(id, secret)| {
            let secret = secret.as_deref()?;
            let mine = hex::decode(sign(secret, ts, body)).ok()?;
            constant_time_eq(&mine, &expected).then_some(*id)
        })
        .ok_or_else(|| refuse("bad signature"))?;
    if !store::calls::first_use_of_signature(tx, &sig, Utc::now()).await? {
        return Err(refuse("this signature was used before (replay)"));
    }
    Ok(org)
}

const STATES: [&str; 4] = ["ringing", "answered", "completed", "failed"];

/// Receives one signed event.
pub async fn receive(db: &Db, clock: &Clock, signed: &Signed, body: &[u8]) -> Result<EventResult, AppError> {
    let mut tx = db.write().await?;
    let org = verify(&mut tx, clock, signed, body).await?;
    let input: EventInput =
        serde_json::from_slice(body).map_err(|e| AppError::field("body", format!("is not a telephony event: {e}")))?;
    // Other names phone systems give the states (Twilio's `CallStatus`, Asterisk's `DIALSTATUS`).
    let state = input.state.trim().to_lowercase().replace(['-', ' '], "_");
    let state = match state.as_str() {
        "ended" | "hangup" | "hung_up" => "completed".to_owned(),
        "busy" | "no_answer" | "noanswer" | "canceled" | "cancelled" | "cancel" | "error" | "congestion"
        | "chanunavail" => "failed".to_owned(),
        "in_progress" | "answer" => "answered".to_owned(),
        "queued" | "initiated" | "ring" => "ringing".to_owned(),
        _ => state,
    };
    if !STATES.contains(&state.as_str()) {
        return Err(AppError::field("state", "must be ringing, answered, completed or failed"));
    }
    let provider = input.provider_call_id.trim().to_owned();
    if provider.is_empty() {
        return Err(AppError::field("provider_call_id", "must not be empty"));
    }
    let now = clock.now();
    let at = match input.at.as_deref() {
        Some(t) => DateTime::parse_from_rfc3339(t.trim())
            .map_err(|_| AppError::field("at", "must be an RFC 3339 time"))?
            .with_timezone(&Utc),
        None => now,
    };
    if input.duration_s.is_some_and(|d| !(0..=86_400).contains(&d)) {
        return Err(AppError::field("duration_s", "must be between 0 and 86400 seconds"));
    }
    let event = Event { state, at, duration_s: input.duration_s, recording_url: input.recording_url.clone() };
    store::calls::record_event(&mut tx, org, &provider, &event, now).await?;
    if let Some(id) = input.leadline_call_id
        && store::calls::by_provider_id(&mut tx, org, &provider).await?.is_none()
        && let Some(mut call) = store::calls::get(&mut tx, org, id).await?
        && call.provider_call_id.is_none()
    {
        call.provider_call_id = Some(provider.clone());
        store::calls::save(&mut tx, org, &call).await?;
    }
    let call = apply_events(&mut tx, org, &provider, now).await?;
    tx.commit().await?;
    Ok(EventResult { call_id: call.as_ref().map(|c| c.id), state: call.map(|c| c.state) })
}

/// Recomputes a call's phone-system fields from every event received for it.
pub async fn apply_events(tx: &mut Tx, org: Uuid, provider: &str, now: DateTime<Utc>) -> anyhow::Result<Option<Call>> {
    let Some(mut call) = store::calls::by_provider_id(tx, org, provider).await? else { return Ok(None) };
    let events = store::calls::events(tx, org, provider).await?;
    let of = |s: &str| events.iter().find(|e| e.state == s);
    if let Some(e) = of("ringing") {
        call.ringing_at = Some(call.ringing_at.map_or(e.at, |t| t.min(e.at)));
        call.started_at.get_or_insert(e.at);
    }
    if let Some(e) = of("answered") {
        call.answered_at = Some(e.at);
        call.started_at = Some(call.started_at.map_or(e.at, |t| t.min(e.at)));
    }
    let end = of("completed").or(of("failed"));
    if let Some(e) = end {
        call.ended_at = Some(e.at);
        let talk = e.duration_s.or_else(|| call.answered_at.map(|a| (e.at - a).num_seconds().max(0)));
        if talk.is_some() {
            call.duration_s = talk;
        }
    }
    if let Some(url) = events.iter().find_map(|e| e.recording_url.clone()) {
        call.recording_url = Some(url);
    }
    if call.state != "skipped" && call.state != "logged" {
        let rank = |s: &str| STATES.iter().position(|x| *x == s).map_or(0, |p| p + 1);
        let best = events.iter().map(|e| e.state.as_str()).max_by_key(|s| rank(s));
        if let Some(best) = best
            && rank(best) > rank(&call.state)
        {
            call.state = best.to_owned();
        }
    }
    call.updated_at = now;
    store::calls::save(tx, org, &call).await?;
    if call.disposition.is_some() || call.direction == "inbound" || call.started_at.is_some() {
        super::calls::to_timeline(tx, org, &call).await?;
    }
    Ok(Some(call))
}

#[cfg(test)]
mod tests {
    #[test]
    fn hmac_matches_rfc_4231() {
        // RFC 4231, test case 2.
        let mac = super::hmac_sha256(b"Jefe", b"what do ya want for nothing?");
        assert_eq!(hex::encode(mac), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    }
}
