//! Errors as HTTP responses: `application/problem+json` (RFC 9457) for the API.

use crate::app::{AppError, FieldError};
use axum::{
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde::Serialize;
use utoipa::ToSchema;

/// An RFC 9457 problem document.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// For validation problems: each offending field and why.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// Seconds to wait before retrying (throttled log-ins).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<i64>,
}

/// An API error: an application error, rendered as problem+json.
#[derive(Debug)]
pub struct ApiError(pub AppError);

impl<E: Into<AppError>> From<E> for ApiError {
    fn from(e: E) -> Self {
        ApiError(e.into())
    }
}

impl ApiError {
    #[must_use]
    pub fn problem(&self) -> Problem {
        let (status, kind, title) = status_of(&self.0);
        let mut p = Problem {
            kind: format!("https://leadline.dev/problems/{kind}"),
            title: title.into(),
            status: status.as_u16(),
            detail: self.0.to_string(),
            errors: Vec::new(),
            retry_after: None,
        };
        match &self.0 {
            AppError::Validation(errors) => p.errors.clone_from(errors),
            AppError::Conflict { field: Some(f), message } => p.errors.push(FieldError::new(f, message)),
            AppError::Throttled { retry_after_secs } => p.retry_after = Some(*retry_after_secs),
            AppError::Internal(e) => {
                tracing::error!(error = %format!("{e:#}"), "internal error");
                p.detail = "something went wrong on our side; it has been logged".into();
            }
            _ => {}
        }
        p
    }
}

/// HTTP status, problem type slug and title for an error.
#[must_use]
pub fn status_of(e: &AppError) -> (StatusCode, &'static str, &'static str) {
    match e {
        AppError::Validation(_) => (StatusCode::UNPROCESSABLE_ENTITY, "validation", "Invalid input"),
        AppError::NotFound(_) => (StatusCode::NOT_FOUND, "not-found", "Not found"),
        AppError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden", "Not allowed"),
        AppError::Conflict { .. } => (StatusCode::CONFLICT, "conflict", "Conflict"),
        AppError::Unauthorized => (StatusCode::UNAUTHORIZED, "unauthorized", "Authentication required"),
        AppError::Throttled { .. } => (StatusCode::TOO_MANY_REQUESTS, "throttled", "Too many attempts"),
        AppError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal", "Internal error"),
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let p = self.problem();
        let status = StatusCode::from_u16(p.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_string(&p).unwrap_or_default();
        let mut res = (status, [(header::CONTENT_TYPE, "application/problem+json")], body).into_response();
        if status == StatusCode::UNAUTHORIZED {
            res.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"leadline\""));
        }
        if let Some(secs) = p.retry_after
            && let Ok(v) = HeaderValue::from_str(&secs.to_string())
        {
            res.headers_mut().insert(header::RETRY_AFTER, v);
        }
        res
    }
}
