//! `/api/v1/users`

use super::{Items, parse_id};
use crate::{
    app::{
        self,
        users::{NewUser, UserPatch},
    },
    store::auth::User,
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
    routing::get,
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/users", get(list).post(create))
        .route("/users/me", get(me))
        .route("/users/me/settings", get(my_settings).put(set_my_settings))
        .route("/users/{id}", get(show).patch(update))
}

/// The organization's users.
#[utoipa::path(get, operation_id = "listUsers", path = "/api/v1/users", tag = "users",
    responses((status = 200, body = Items<User>), (status = 401, body = Problem)), security(("bearer" = [])))]
pub async fn list(State(s): State<AppState>, ApiActor(actor): ApiActor) -> Result<Json<Items<User>>, ApiError> {
    Ok(Json(Items { items: app::users::list(&s.db, actor.org_id()).await? }))
}

/// The calling user.
#[utoipa::path(get, operation_id = "getCurrentUser", path = "/api/v1/users/me", tag = "users",
    responses((status = 200, body = User), (status = 401, body = Problem)), security(("bearer" = [])))]
pub async fn me(ApiActor(actor): ApiActor) -> Json<User> {
    Json(actor.user)
}

#[utoipa::path(get, operation_id = "getUser", path = "/api/v1/users/{id}", tag = "users", params(("id" = String, Path)),
    responses((status = 200, body = User), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn show(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Json<User>, ApiError> {
    Ok(Json(app::users::get(&s.db, &actor, parse_id(&id, "user")?).await?))
}

/// Adds a user (admins).
#[utoipa::path(post, operation_id = "createUser", path = "/api/v1/users", tag = "users", request_body = NewUser,
    responses((status = 201, body = User), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn create(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(input): ApiJson<NewUser>,
) -> Result<(StatusCode, Json<User>), ApiError> {
    Ok((StatusCode::CREATED, Json(app::users::create_by_admin(&s.db, &actor, &input).await?)))
}

/// Changes a user's name, role, password or active flag (admins).
#[utoipa::path(patch, operation_id = "updateUser", path = "/api/v1/users/{id}", tag = "users", params(("id" = String, Path)), request_body = UserPatch,
    responses((status = 200, body = User), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn update(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    ApiJson(patch): ApiJson<UserPatch>,
) -> Result<Json<User>, ApiError> {
    Ok(Json(app::users::update(&s.db, &actor, parse_id(&id, "user")?, &patch).await?))
}

/// The caller's calling settings: direct line and `tel`/`sip` dialing.
#[utoipa::path(get, operation_id = "getMySettings", path = "/api/v1/users/me/settings", tag = "users",
    responses((status = 200, body = app::users::CallingSettings)), security(("bearer" = [])))]
pub async fn my_settings(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
) -> Result<Json<app::users::CallingSettings>, ApiError> {
    let mut tx = s.db.read().await.map_err(app::AppError::from)?;
    let out = app::users::calling_settings(&mut tx, actor.user.id).await.map_err(app::AppError::from)?;
    tx.commit().await.map_err(app::AppError::from)?;
    Ok(Json(out))
}

/// Changes the caller's calling settings.
#[utoipa::path(put, operation_id = "setMySettings", path = "/api/v1/users/me/settings", tag = "users",
    request_body = app::users::CallingSettings,
    responses((status = 200, body = app::users::CallingSettings), (status = 422, body = Problem)), security(("bearer" = [])))]
pub async fn set_my_settings(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(input): ApiJson<app::users::CallingSettings>,
) -> Result<Json<app::users::CallingSettings>, ApiError> {
    Ok(Json(app::users::update_own_calling(&s.db, &actor, &input).await?))
}
