//! `Idempotency-Key` on POST: the same key with the same body gets the same response
//! and does the work once; the same key with another body is refused.
//!
//! Keys are kept per user in the database, so several server processes agree.

use super::{AppState, error::ApiError, extract::bearer};
use crate::{
    app::{AppError, auth},
    store::idempotency::{self, Recorded},
};
use axum::{
    body::{Body, to_bytes},
    extract::{Request, State},
    http::{HeaderValue, Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use sha2::{Digest, Sha256};

const MAX_BODY: usize = 16 * 1024 * 1024;

pub async fn layer(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if req.method() != Method::POST {
        return next.run(req).await;
    }
    let Some(key) = req.headers().get("idempotency-key").and_then(|v| v.to_str().ok()).map(str::to_owned) else {
        return next.run(req).await;
    };
    if key.is_empty() || key.len() > 255 {
        return ApiError(AppError::field("Idempotency-Key", "must be 1–255 characters")).into_response();
    }
    let (mut parts, body) = req.into_parts();
    let actor = match bearer(&parts) {
        Some(token) => match auth::token_actor(&state.db, token).await {
            Ok(Some(actor)) => actor,
            Ok(None) => return ApiError(AppError::Unauthorized).into_response(),
            Err(e) => return ApiError(e).into_response(),
        },
        None => return ApiError(AppError::Unauthorized).into_response(),
    };
    let Ok(bytes) = to_bytes(body, MAX_BODY).await else {
        return ApiError(AppError::field("body", "is too large")).into_response();
    };
    let mut hasher = Sha256::new();
    hasher.update(parts.uri.path().as_bytes());
    hasher.update([0]);
    hasher.update(&bytes);
    let request_hash = hex::encode(hasher.finalize());
    let user = actor.user.id;

    let recorded = async {
        let mut tx = state.db.write().await?;
        let r = idempotency::reserve(&mut tx, user, &key, &request_hash).await?;
        tx.commit().await?;
        Ok::<_, anyhow::Error>(r)
    }
    .await;
    match recorded {
        Err(e) => return ApiError(e.into()).into_response(),
        Ok(Recorded::Done { request_hash: h, status, response }) if h == request_hash => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
            let content_type = if status.is_success() { "application/json" } else { "application/problem+json" };
            let mut res = (status, [(header::CONTENT_TYPE, content_type)], response).into_response();
            res.headers_mut().insert("idempotent-replayed", HeaderValue::from_static("true"));
            return res;
        }
        Ok(Recorded::Done { .. }) => {
            return ApiError(AppError::field(
                "Idempotency-Key",
                "was already used with a different request; use a new key for a new request",
            ))
            .into_response();
        }
        Ok(Recorded::InFlight { .. }) => {
            return ApiError(AppError::Conflict {
                field: Some("Idempotency-Key".into()),
                message: "a request with this key is still being processed; retry shortly".into(),
            })
            .into_response();
        }
        Ok(Recorded::New) => {}
    }

    parts.extensions.insert(actor);
    let res = next.run(Request::from_parts(parts, Body::from(bytes))).await;
    let (res_parts, res_body) = res.into_parts();
    let Ok(res_bytes) = to_bytes(res_body, MAX_BODY).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let status = res_parts.status;
    let saved = async {
        let mut tx = state.db.write().await?;
        if status.is_server_error() {
            idempotency::release(&mut tx, user, &key).await?;
        } else {
            idempotency::complete(&mut tx, user, &key, status.as_u16(), &String::from_utf8_lossy(&res_bytes)).await?;
        }
        tx.commit().await
    }
    .await;
    if let Err(e) = saved {
        tracing::error!(error = %format!("{e:#}"), "recording idempotent response");
    }
    Response::from_parts(res_parts, Body::from(res_bytes))
}
