//! `/api/v1/leads`

use super::parse_id;
use crate::{
    app::{
        self,
        input::{LeadPatch, NewLead},
        leads::ListParams,
    },
    store::leads::Lead,
    web::{
        AppState,
        error::{ApiError, Problem},
        extract::{ApiActor, ApiJson},
    },
};
use axum::{
    Json, Router,
    extract::{Path, RawQuery, State},
    http::StatusCode,
    routing::get,
};
use serde::Serialize;
use utoipa::ToSchema;

pub fn router() -> Router<AppState> {
    Router::new().route("/leads", get(list).post(create)).route("/leads/{id}", get(show).patch(update).delete(remove))
}

/// A page of leads.
#[derive(Serialize, ToSchema)]
pub struct LeadPage {
    pub items: Vec<Lead>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// Finds leads: filters, free text (names, e-mails, phone digits in any format), sorting, keyset pages.
#[utoipa::path(get, operation_id = "listLeads", path = "/api/v1/leads", tag = "leads", params(ListParams),
    responses((status = 200, body = LeadPage), (status = 401, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn list(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    RawQuery(raw): RawQuery,
) -> Result<Json<LeadPage>, ApiError> {
    let mut params = ListParams::from_query(raw.as_deref())?;
    app::leads::name_owner(&s.db, &actor, &mut params).await?;
    let query = app::leads::parse_query(&actor, &params)?;
    let page = app::leads::list(&s.db, &query).await?;
    let next_cursor = page.next.as_ref().map(|a| app::leads::encode_cursor(query.sort, a));
    Ok(Json(LeadPage { items: page.items, next_cursor }))
}

/// Creates a lead with its contacts. Phones in local form are read with the
/// organization's default region; the time zones follow from the first phone.
#[utoipa::path(post, operation_id = "createLead", path = "/api/v1/leads", tag = "leads", request_body = NewLead,
    params(("Idempotency-Key" = Option<String>, Header, description = "Repeat-safe POST: same key and body give the same response")),
    responses((status = 201, body = Lead), (status = 401, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn create(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(input): ApiJson<NewLead>,
) -> Result<(StatusCode, Json<Lead>), ApiError> {
    let lead = app::leads::create(&s.db, &actor, input).await?;
    Ok((StatusCode::CREATED, Json(lead)))
}

#[utoipa::path(get, operation_id = "getLead", path = "/api/v1/leads/{id}", tag = "leads", params(("id" = String, Path)),
    responses((status = 200, body = Lead), (status = 401, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn show(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Json<Lead>, ApiError> {
    Ok(Json(app::leads::get(&s.db, &actor, parse_id(&id, "lead")?).await?))
}

/// Changes a lead. Missing fields stay; `null` clears an optional field.
#[utoipa::path(patch, operation_id = "updateLead", path = "/api/v1/leads/{id}", tag = "leads", params(("id" = String, Path)), request_body = LeadPatch,
    responses((status = 200, body = Lead), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn update(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(patch): ApiJson<LeadPatch>,
) -> Result<Json<Lead>, ApiError> {
    Ok(Json(app::leads::update(&s.db, &actor, parse_id(&id, "lead")?, patch).await?))
}

/// Deletes a lead with its contacts and notes (admins and managers). The audit log keeps the record.
#[utoipa::path(delete, operation_id = "deleteLead", path = "/api/v1/leads/{id}", tag = "leads", params(("id" = String, Path)),
    responses((status = 204), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)),
    security(("bearer" = [])))]
pub async fn remove(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    app::leads::delete(&s.db, &actor, parse_id(&id, "lead")?).await?;
    Ok(StatusCode::NO_CONTENT)
}
