//! `/api/v1/orgs/me`

use crate::{
    store::orgs::Org,
    web::{AppState, error::Problem, extract::ApiActor},
};
use axum::{Json, Router, routing::get};

pub fn router() -> Router<AppState> {
    Router::new().route("/orgs/me", get(me))
}

/// The caller's organization.
#[utoipa::path(get, operation_id = "getCurrentOrg", path = "/api/v1/orgs/me", tag = "organization",
    responses((status = 200, body = Org), (status = 401, body = Problem)), security(("bearer" = [])))]
pub async fn me(ApiActor(actor): ApiActor) -> Json<Org> {
    Json(actor.org)
}
