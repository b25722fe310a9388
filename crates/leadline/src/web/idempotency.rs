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
        return ApiError(AppError::field(
            "body",
            "is too large to send with an Idempotency-Key (16 MB at most); send it without the header \
             (an import of the same file again, with on_duplicate skip, creates nothing new)",
        ))
        .into_response();
    };
    let request_hash = request_hash(parts.uri.path(), parts.headers.get(header::CONTENT_TYPE), &bytes);
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

/// What makes two requests the same: the path and the body, where a multipart body's
/// boundary (which a client draws anew for each attempt) does not count.
fn request_hash(path: &str, content_type: Option<&HeaderValue>, body: &[u8]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(path.as_bytes());
    hasher.update([0]);
    let boundary = content_type
        .and_then(|v| v.to_str().ok())
        .filter(|v| v.trim_start().to_ascii_lowercase().starts_with("multipart/"))
        .and_then(|v| v.split(';').find_map(|p| p.trim().strip_prefix("boundary=")))
        .map(|b| b.trim_matches('"'))
        .filter(|b| !b.is_empty())
        .map(|b| format!("--{b}"));
    match boundary {
        Some(b) => {
            let mut rest = body;
            while let Some(at) = rest.windows(b.len()).position(|w| w == b.as_bytes()) {
                hasher.update(&rest[..at]);
                hasher.update(b"--boundary");
                rest = &rest[at + b.len()..];
            }
            hasher.update(rest);
        }
        None => hasher.update(body),
    }
    hex::encode(hasher.finalize())
}

#[cfg(test)]
mod tests {
    use super::request_hash;
    use axum::http::HeaderValue;

    fn upload(boundary: &str, csv: &str) -> (HeaderValue, Vec<u8>) {
        let body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\n\r\n{csv}\r\n--{boundary}--\r\n"
        );
        (HeaderValue::from_str(&format!("multipart/form-data; boundary={boundary}")).unwrap(), body.into_bytes())
    }

    #[test]
    fn a_retried_upload_is_the_same_request_whatever_its_boundary() {
        let (t1, b1) = upload("X-BOUNDARY-1", "Company\nAcme\n");
        let (t2, b2) = upload("----WebKitFormBoundary7MA4YWxk", "Company\nAcme\n");
        let (t3, b3) = upload("X-BOUNDARY-1", "Company\nGlobex\n");
        let path = "/api/v1/imports";
        assert_eq!(request_hash(path, Some(&t1), &b1), request_hash(path, Some(&t2), &b2));
        assert_ne!(request_hash(path, Some(&t1), &b1), request_hash(path, Some(&t3), &b3));
        assert_ne!(request_hash(path, Some(&t1), &b1), request_hash("/api/v1/leads", Some(&t1), &b1));
        let json = HeaderValue::from_static("application/json");
        assert_ne!(request_hash(path, Some(&json), br#"{"a":1}"#), request_hash(path, Some(&json), br#"{"a":2}"#));
    }
}
