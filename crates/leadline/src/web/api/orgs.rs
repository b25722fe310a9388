//! `/api/v1/orgs/me`

use crate::{
    app::orgs::OrgSettings,
    store::orgs::Org,
    web::{
        AppState,
        error::{ApiError, Problem},
        extract::{ApiActor, ApiJson},
    },
};
use axum::{Json, Router, extract::State, routing::get};

pub fn router() -> Router<AppState> {
    Router::new().route("/orgs/me", get(me)).route("/orgs/me/settings", get(settings).put(set_settings))
}

/// The organization's calling settings.
#[utoipa::path(get, operation_id = "getOrgSettings", path = "/api/v1/orgs/me/settings", tag = "organization",
    responses((status = 200, body = OrgSettings)), security(("bearer" = [])))]
pub async fn settings(State(s): State<AppState>, ApiActor(actor): ApiActor) -> Result<Json<OrgSettings>, ApiError> {
    Ok(Json(crate::app::orgs::settings(&s.db, &actor).await?))
}

/// Changes the organization's calling settings (admins).
#[utoipa::path(put, operation_id = "setOrgSettings", path = "/api/v1/orgs/me/settings", tag = "organization",
    request_body = OrgSettings,
    responses((status = 200, body = OrgSettings), (status = 403, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn set_settings(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(input): ApiJson<OrgSettings>,
) -> Result<Json<OrgSettings>, ApiError> {
    Ok(Json(crate::app::orgs::set_settings(&s.db, &actor, &input).await?))
}

/// The caller's organization.
#[utoipa::path(get, operation_id = "getCurrentOrg", path = "/api/v1/orgs/me", tag = "organization",
    responses((status = 200, body = Org), (status = 401, body = Problem)), security(("bearer" = [])))]
pub async fn me(ApiActor(actor): ApiActor) -> Json<Org> {
    Json(actor.org)
}
