//! `/api/v1/audit` and `/api/v1/leads/{id}/audit`

use super::{Items, parse_id};
use crate::{
    app::{self, AppError},
    store::{self, audit::AuditEntry},
    web::{
        AppState,
        error::{ApiError, Problem},
        extract::ApiActor,
    },
};
use axum::{
    Json, Router,
    extract::{Path, Query, State},
    routing::get,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

pub fn router() -> Router<AppState> {
    Router::new().route("/audit", get(list)).route("/leads/{id}/audit", get(for_lead))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditParams {
    /// Only entries about this kind of thing: lead, contact, note, user, api_token.
    pub entity_type: Option<String>,
    /// 1–500, default 100.
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct AuditPage {
    pub items: Vec<AuditEntry>,
    pub next_cursor: Option<String>,
}

/// The organization's audit log, newest first (admins).
#[utoipa::path(get, operation_id = "listAuditLog", path = "/api/v1/audit", tag = "audit", params(AuditParams),
    responses((status = 200, body = AuditPage), (status = 403, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn list(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    Query(p): Query<AuditParams>,
) -> Result<Json<AuditPage>, ApiError> {
    if !actor.user.role.reads_audit_log() {
        return Err(AppError::Forbidden("only admins can read the audit log".into()).into());
    }
    let limit = p.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(AppError::field("limit", "must be between 1 and 500").into());
    }
    let before = match p.cursor.as_deref().filter(|c| !c.is_empty()) {
        Some(c) => {
            Some(app::cursor::decode(c).ok_or_else(|| AppError::field("cursor", "is not a cursor of this list"))?)
        }
        None => None,
    };
    let mut tx = s.db.read().await?;
    let mut items = store::audit::for_org(&mut tx, actor.org_id(), before, p.entity_type.as_deref(), limit + 1).await?;
    tx.commit().await?;
    let next_cursor = if items.len() > usize::try_from(limit).unwrap_or(0) {
        items.truncate(usize::try_from(limit).unwrap_or(0));
        items.last().map(|e| app::cursor::encode(e.at, e.id))
    } else {
        None
    };
    Ok(Json(AuditPage { items, next_cursor }))
}

/// Changes to one lead, its contacts and notes, newest first.
#[utoipa::path(get, operation_id = "listLeadAudit", path = "/api/v1/leads/{id}/audit", tag = "audit", params(("id" = String, Path)),
    responses((status = 200, body = Items<AuditEntry>), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn for_lead(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Json<Items<AuditEntry>>, ApiError> {
    let lead = app::leads::get(&s.db, &actor, parse_id(&id, "lead")?).await?;
    let mut tx = s.db.read().await?;
    let items = store::audit::for_lead(&mut tx, actor.org_id(), lead.id, 500).await?;
    tx.commit().await?;
    Ok(Json(Items { items }))
}
