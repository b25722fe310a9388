//! The JSON API under `/api/v1`, documented in the OpenAPI document it serves.

pub mod audit;
pub mod calling;
pub mod contacts;
pub mod imports;
pub mod leads;
pub mod notes;
pub mod openapi;
pub mod orgs;
pub mod users;

use super::{AppState, error::ApiError, idempotency};
use crate::app::AppError;
use axum::{Router, middleware, response::IntoResponse};
use uuid::Uuid;

pub fn router(state: AppState) -> Router<AppState> {
    Router::new()
        .merge(leads::router())
        .merge(contacts::router())
        .merge(notes::router())
        .merge(users::router())
        .merge(orgs::router())
        .merge(audit::router())
        .merge(imports::router())
        .merge(calling::router())
        .merge(openapi::router())
        .fallback(|| async { ApiError(AppError::NotFound("endpoint")).into_response() })
        .layer(middleware::from_fn_with_state(state, idempotency::layer))
}

/// Reads an id from the path. Anything that is not an id cannot exist: 404.
pub fn parse_id(raw: &str, what: &'static str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(raw).map_err(|_| ApiError(AppError::NotFound(what)))
}

/// `{"items": [...]}` — every list the API returns.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Items<T> {
    pub items: Vec<T>,
}
