//! Stored responses to POST requests made with an `Idempotency-Key`.

use super::Tx;
use crate::on_tx;
use anyhow::Context;
use uuid::Uuid;

/// What is on record for a key.
pub enum Recorded {
    /// Nothing yet: the key is now reserved for this request.
    New,
    /// A finished request: its body hash, status and response.
    Done { request_hash: String, status: u16, response: String },
    /// A request with this key is still running.
    InFlight { request_hash: String },
}

/// Reserves `key` for this request, or reports what an earlier request with it did.
pub async fn reserve(tx: &mut Tx, user: Uuid, key: &str, request_hash: &str) -> anyhow::Result<Recorded> {
    // Keys are kept for a day; a client retrying later than that is making a new request.
    on_tx!(tx, |c| sqlx::query("DELETE FROM idempotency_keys WHERE user_id = $1 AND created_at < $2")
        .bind(user)
        .bind(super::now() - chrono::Duration::hours(24))
        .execute(c)
        .await
        .map(drop))
    .context("forgetting old idempotency keys")?;
    let inserted = on_tx!(tx, |c| sqlx::query(
        "INSERT INTO idempotency_keys (user_id, key, request_hash, created_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (user_id, key) DO NOTHING"
    )
    .bind(user)
    .bind(key)
    .bind(request_hash)
    .bind(super::now())
    .execute(c)
    .await
    .map(|r| r.rows_affected()))
    .context("reserving idempotency key")?;
    if inserted == 1 {
        return Ok(Recorded::New);
    }
    let row: (String, Option<i32>, Option<String>) = on_tx!(tx, |c| sqlx::query_as(
        "SELECT request_hash, status, response FROM idempotency_keys WHERE user_id = $1 AND key = $2"
    )
    .bind(user)
    .bind(key)
    .fetch_one(c)
    .await)
    .context("reading idempotency key")?;
    Ok(match row {
        (request_hash, Some(status), Some(response)) => {
            Recorded::Done { request_hash, status: u16::try_from(status).unwrap_or(500), response }
        }
        (request_hash, _, _) => Recorded::InFlight { request_hash },
    })
}

pub async fn complete(tx: &mut Tx, user: Uuid, key: &str, status: u16, response: &str) -> anyhow::Result<()> {
    on_tx!(tx, |c| sqlx::query(
        "UPDATE idempotency_keys SET status = $1, response = $2 WHERE user_id = $3 AND key = $4"
    )
    .bind(i32::from(status))
    .bind(response)
    .bind(user)
    .bind(key)
    .execute(c)
    .await
    .map(drop))
    .context("recording idempotent response")
}

/// Forgets a reservation whose request failed, so that it may be retried.
pub async fn release(tx: &mut Tx, user: Uuid, key: &str) -> anyhow::Result<()> {
    on_tx!(tx, |c| sqlx::query("DELETE FROM idempotency_keys WHERE user_id = $1 AND key = $2 AND status IS NULL")
        .bind(user)
        .bind(key)
        .execute(c)
        .await
        .map(drop))
    .context("releasing idempotency key")
}
