//! Notes and the activity timeline: `/api/v1/leads/{id}/activities`, `/api/v1/leads/{id}/notes`.

use super::{Items, parse_id};
use crate::{
    app::{
        self,
        input::{NewNote, NewNoteForLead},
    },
    store::activities::Activity,
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
    routing::{delete, get, post},
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/leads/{id}/activities", get(timeline))
        .route("/leads/{id}/notes", get(timeline).post(create))
        .route("/activities/{id}", delete(remove))
        .route("/notes", post(create_for_lead))
        .route("/notes/{id}", delete(remove))
}

/// The lead's timeline (notes, and later calls and e-mails), newest first.
#[utoipa::path(get, operation_id = "listActivities", path = "/api/v1/leads/{id}/activities", tag = "activities", params(("id" = String, Path)),
    responses((status = 200, body = Items<Activity>), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn timeline(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Json<Items<Activity>>, ApiError> {
    let items = app::notes::timeline(&s.db, &actor, parse_id(&id, "lead")?, 500).await?;
    Ok(Json(Items { items }))
}

/// Adds a note to the lead's timeline.
#[utoipa::path(post, operation_id = "createNote", path = "/api/v1/leads/{id}/notes", tag = "activities", params(("id" = String, Path)),
    request_body = NewNote,
    responses((status = 201, body = Activity), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn create(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<NewNote>,
) -> Result<(StatusCode, Json<Activity>), ApiError> {
    let note = app::notes::create(&s.db, &actor, parse_id(&id, "lead")?, input).await?;
    Ok((StatusCode::CREATED, Json(note)))
}

/// Deletes a note (its author, a manager or an admin).
#[utoipa::path(delete, operation_id = "deleteActivity", path = "/api/v1/activities/{id}", tag = "activities", params(("id" = String, Path)),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn remove(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    app::notes::delete(&s.db, &actor, parse_id(&id, "activity")?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Adds a note to the lead named in the body.
#[utoipa::path(post, operation_id = "createNoteForLead", path = "/api/v1/notes", tag = "activities",
    request_body = NewNoteForLead,
    responses((status = 201, body = Activity), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn create_for_lead(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(input): ApiJson<NewNoteForLead>,
) -> Result<(StatusCode, Json<Activity>), ApiError> {
    let note = app::notes::create(&s.db, &actor, input.lead_id, NewNote { body: input.body }).await?;
    Ok((StatusCode::CREATED, Json(note)))
}
