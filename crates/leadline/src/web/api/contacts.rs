//! `/api/v1/leads/{id}/contacts` and `/api/v1/contacts/{id}`

use super::{Items, parse_id};
use crate::{
    app::{
        self,
        input::{ContactPatch, NewContact, NewContactForLead},
    },
    store::contacts::Contact,
    web::{
        AppState,
        error::{ApiError, Problem},
        extract::{ApiActor, ApiJson},
    },
};
use axum::{
    Json, Router,
    extract::{Path, State},
    http::StatusCode,
    routing::{get, post},
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/leads/{id}/contacts", get(list).post(create))
        .route("/contacts", post(create_for_lead))
        .route("/contacts/{id}", get(show).patch(update).delete(remove))
}

#[utoipa::path(get, operation_id = "listContacts", path = "/api/v1/leads/{id}/contacts", tag = "contacts", params(("id" = String, Path)),
    responses((status = 200, body = Items<Contact>), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn list(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Json<Items<Contact>>, ApiError> {
    let lead = app::leads::get(&s.db, &actor, parse_id(&id, "lead")?).await?;
    Ok(Json(Items { items: lead.contacts }))
}

#[utoipa::path(post, operation_id = "createContact", path = "/api/v1/leads/{id}/contacts", tag = "contacts", params(("id" = String, Path)),
    request_body = NewContact,
    responses((status = 201, body = Contact), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn create(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<NewContact>,
) -> Result<(StatusCode, Json<Contact>), ApiError> {
    let c = app::contacts::create(&s.db, &actor, parse_id(&id, "lead")?, input).await?;
    Ok((StatusCode::CREATED, Json(c)))
}

#[utoipa::path(get, operation_id = "getContact", path = "/api/v1/contacts/{id}", tag = "contacts", params(("id" = String, Path)),
    responses((status = 200, body = Contact), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn show(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Json<Contact>, ApiError> {
    Ok(Json(app::contacts::get(&s.db, &actor, parse_id(&id, "contact")?).await?))
}

/// Changes a contact; `phones` and `emails`, when given, replace the lists.
#[utoipa::path(patch, operation_id = "updateContact", path = "/api/v1/contacts/{id}", tag = "contacts", params(("id" = String, Path)),
    request_body = ContactPatch,
    responses((status = 200, body = Contact), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn update(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(patch): ApiJson<ContactPatch>,
) -> Result<Json<Contact>, ApiError> {
    Ok(Json(app::contacts::update(&s.db, &actor, parse_id(&id, "contact")?, patch).await?))
}

#[utoipa::path(delete, operation_id = "deleteContact", path = "/api/v1/contacts/{id}", tag = "contacts", params(("id" = String, Path)),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn remove(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    app::contacts::delete(&s.db, &actor, parse_id(&id, "contact")?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Creates a contact for the lead named in the body.
#[utoipa::path(post, operation_id = "createContactForLead", path = "/api/v1/contacts", tag = "contacts",
    request_body = NewContactForLead,
    responses((status = 201, body = Contact), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn create_for_lead(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(input): ApiJson<NewContactForLead>,
) -> Result<(StatusCode, Json<Contact>), ApiError> {
    let (lead_id, input) = input.split();
    let c = app::contacts::create(&s.db, &actor, lead_id, input).await?;
    Ok((StatusCode::CREATED, Json(c)))
}
