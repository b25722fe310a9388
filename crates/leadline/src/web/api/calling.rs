//! Calling: `/api/v1/campaigns`, `/api/v1/dialer/sessions`, `/api/v1/calls`,
//! `/api/v1/telephony`, `/api/v1/suppressions`, `/api/v1/reports/calls`, `/api/v1/tasks`.

use super::{Items, parse_id};
use crate::{
    app::{
        self, AppError,
        call_reports::{CampaignStats, RepDay},
        calls::{
            CallListParams, CallPage, CallPatch, DialInput, DispositionInput, InboundInput, InboundResult, LogInput,
            SkipInput,
        },
        campaigns::{CampaignInput, CampaignView},
        dialer::Offer,
        suppression::{NewSuppression, RegistryImport},
        telephony::{EventResult, Signed},
    },
    store::{calls::Call, campaigns::Session, suppressions::Suppression, tasks::Task},
    web::{
        AppState,
        error::{ApiError, Problem},
        extract::{ApiActor, ApiJson},
    },
};
use axum::{
    Json, Router,
    body::Bytes,
    extract::{DefaultBodyLimit, Path, Query, State},
    http::{HeaderMap, StatusCode},
    routing::{get, post},
};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/campaigns", get(list_campaigns).post(create_campaign))
        .route("/campaigns/{id}", get(show_campaign).patch(update_campaign))
        .route("/campaigns/{id}/stats", get(campaign_stats))
        .route("/dialer/sessions", post(start_session))
        .route("/dialer/sessions/{id}", get(show_session).delete(end_session))
        .route("/dialer/sessions/{id}/next", post(next))
        .route("/dialer/sessions/{id}/end", post(end_session))
        .route("/calls", get(list_calls).post(dial))
        .route("/calls/log", post(log_call))
        .route("/calls/inbound", post(inbound))
        .route("/calls/{id}", get(show_call).patch(update_call))
        .route("/calls/{id}/disposition", post(dispose))
        .route("/calls/{id}/skip", post(skip))
        .route("/calls/{id}/dial", post(start_call))
        .route("/telephony/events", post(telephony_event))
        .route("/telephony/secret", get(telephony_secret).post(rotate_secret))
        .route("/suppressions", get(list_suppressions).post(add_suppression))
        .route("/suppressions/import", post(import_suppressions).layer(DefaultBodyLimit::max(1024 * 1024 * 1024)))
        .route("/suppressions/{number}", get(show_suppression).delete(remove_suppression))
        .route("/reports/calls", get(call_report))
        .route("/tasks", get(my_tasks))
}

/// The campaigns the caller works (managers and admins: all).
#[utoipa::path(get, operation_id = "listCampaigns", path = "/api/v1/campaigns", tag = "calling",
    responses((status = 200, body = Items<CampaignView>)), security(("bearer" = [])))]
pub async fn list_campaigns(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
) -> Result<Json<Items<CampaignView>>, ApiError> {
    Ok(Json(Items { items: app::campaigns::list(&s.db, &a).await? }))
}

/// Creates a campaign and fills its call queue from the filter (managers and admins).
#[utoipa::path(post, operation_id = "createCampaign", path = "/api/v1/campaigns", tag = "calling", request_body = CampaignInput,
    responses((status = 201, body = CampaignView), (status = 403, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn create_campaign(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    ApiJson(input): ApiJson<CampaignInput>,
) -> Result<(StatusCode, Json<CampaignView>), ApiError> {
    Ok((StatusCode::CREATED, Json(app::campaigns::create(&s.db, &a, input).await?)))
}

#[utoipa::path(get, operation_id = "getCampaign", path = "/api/v1/campaigns/{id}", tag = "calling", params(("id" = String, Path)),
    responses((status = 200, body = CampaignView), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn show_campaign(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    Path(id): Path<String>,
) -> Result<Json<CampaignView>, ApiError> {
    Ok(Json(app::campaigns::get(&s.db, &a, parse_id(&id, "campaign")?).await?))
}

/// Changes a campaign; reps who work it may change the playbook.
#[utoipa::path(patch, operation_id = "updateCampaign", path = "/api/v1/campaigns/{id}", tag = "calling", params(("id" = String, Path)),
    request_body = CampaignInput,
    responses((status = 200, body = CampaignView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn update_campaign(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<CampaignInput>,
) -> Result<Json<CampaignView>, ApiError> {
    Ok(Json(app::campaigns::update(&s.db, &a, parse_id(&id, "campaign")?, input).await?))
}

/// Leads remaining, callable now, waiting, exhausted and suppressed.
#[utoipa::path(get, operation_id = "getCampaignStats", path = "/api/v1/campaigns/{id}/stats", tag = "calling", params(("id" = String, Path)),
    responses((status = 200, body = CampaignStats), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn campaign_stats(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    Path(id): Path<String>,
) -> Result<Json<CampaignStats>, ApiError> {
    Ok(Json(app::call_reports::campaign(&s.db, &s.clock, &a, parse_id(&id, "campaign")?).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewSession {
    pub campaign_id: Uuid,
}

/// Starts working a campaign.
#[utoipa::path(post, operation_id = "startDialerSession", path = "/api/v1/dialer/sessions", tag = "calling", request_body = NewSession,
    responses((status = 201, body = Session), (status = 404, body = Problem), (status = 409, body = Problem)), security(("bearer" = [])))]
pub async fn start_session(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    ApiJson(input): ApiJson<NewSession>,
) -> Result<(StatusCode, Json<Session>), ApiError> {
    Ok((StatusCode::CREATED, Json(app::dialer::start(&s.db, &s.clock, &a, input.campaign_id).await?)))
}

#[utoipa::path(get, operation_id = "getDialerSession", path = "/api/v1/dialer/sessions/{id}", tag = "calling", params(("id" = String, Path)),
    responses((status = 200, body = Session), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn show_session(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    Path(id): Path<String>,
) -> Result<Json<Session>, ApiError> {
    Ok(Json(app::dialer::session(&s.db, &a, parse_id(&id, "session")?).await?))
}

/// Ends a session; leads it holds go back to the queue.
#[utoipa::path(post, operation_id = "endDialerSession", path = "/api/v1/dialer/sessions/{id}/end", tag = "calling", params(("id" = String, Path)),
    responses((status = 200, body = Session), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn end_session(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    Path(id): Path<String>,
) -> Result<Json<Session>, ApiError> {
    Ok(Json(app::dialer::end(&s.db, &s.clock, &a, parse_id(&id, "session")?).await?))
}

/// The next lead to call (leased to the caller for 10 minutes), or why there is none
/// (`call_id` null and a `reason`).
#[utoipa::path(post, operation_id = "nextLead", path = "/api/v1/dialer/sessions/{id}/next", tag = "calling", params(("id" = String, Path)),
    responses((status = 200, body = Offer), (status = 404, body = Problem), (status = 409, body = Problem)), security(("bearer" = [])))]
pub async fn next(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    Path(id): Path<String>,
) -> Result<Json<Offer>, ApiError> {
    Ok(Json(app::dialer::next(&s.db, &s.clock, &a, parse_id(&id, "session")?).await?))
}

/// Call records, newest first: filtered by lead, rep, campaign, direction, disposition and
/// time, a page at a time; or the inbound calls waiting for the caller.
#[utoipa::path(get, operation_id = "listCalls", path = "/api/v1/calls", tag = "calling", params(CallListParams),
    responses((status = 200, body = CallPage), (status = 422, body = Problem)), security(("bearer" = [])))]
pub async fn list_calls(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    Query(q): Query<CallListParams>,
) -> Result<Json<CallPage>, ApiError> {
    if q.waiting.as_deref().is_some_and(|w| !w.is_empty() && w != "false") {
        return Ok(Json(CallPage { items: app::calls::waiting_for(&s.db, &a).await?, next_cursor: None }));
    }
    Ok(Json(app::calls::page(&s.db, &a, &q).await?))
}

/// A call and the link that dials it.
#[derive(Debug, Serialize, ToSchema)]
pub struct Dialing {
    #[serde(flatten)]
    pub call: Call,
    /// `tel:` or `sip:` link.
    pub dial_link: String,
}

/// Click-to-call: refused with the reason when the number is suppressed, its contact
/// said do-not-call, or it is outside 08:00–21:00 in the callee's time zones.
#[utoipa::path(post, operation_id = "dial", path = "/api/v1/calls", tag = "calling", request_body = DialInput,
    responses((status = 201, body = Dialing), (status = 409, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
pub async fn dial(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    ApiJson(input): ApiJson<DialInput>,
) -> Result<(StatusCode, Json<Dialing>), ApiError> {
    let (call, dial_link) = app::calls::dial(&s.db, &s.clock, &a, input).await?;
    Ok((StatusCode::CREATED, Json(Dialing { call, dial_link })))
}

/// Logs a call made elsewhere.
#[utoipa::path(post, operation_id = "logCall", path = "/api/v1/calls/log", tag = "calling", request_body = LogInput,
    responses((status = 201, body = Call), (status = 422, body = Problem)), security(("bearer" = [])))]
pub async fn log_call(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    ApiJson(input): ApiJson<LogInput>,
) -> Result<(StatusCode, Json<Call>), ApiError> {
    Ok((StatusCode::CREATED, Json(app::calls::log(&s.db, &s.clock, &a, input).await?)))
}

/// An inbound call from the phone system: the caller is matched by E.164, or becomes a
/// new lead (source `inbound_call`).
#[utoipa::path(post, operation_id = "inboundCall", path = "/api/v1/calls/inbound", tag = "calling", request_body = InboundInput,
    responses((status = 201, body = InboundResult), (status = 422, body = Problem)), security(("bearer" = [])))]
pub async fn inbound(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    ApiJson(input): ApiJson<InboundInput>,
) -> Result<(StatusCode, Json<InboundResult>), ApiError> {
    Ok((StatusCode::CREATED, Json(app::calls::inbound(&s.db, &s.clock, &a, input).await?)))
}

#[utoipa::path(get, operation_id = "getCall", path = "/api/v1/calls/{id}", tag = "calling", params(("id" = String, Path)),
    responses((status = 200, body = Call), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn show_call(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    Path(id): Path<String>,
) -> Result<Json<Call>, ApiError> {
    Ok(Json(app::calls::get(&s.db, &a, parse_id(&id, "call")?).await?))
}

/// Changes a call's notes (audited); the other fields are a record and cannot change.
#[utoipa::path(patch, operation_id = "updateCall", path = "/api/v1/calls/{id}", tag = "calling", params(("id" = String, Path)),
    request_body = CallPatch,
    responses((status = 200, body = Call), (status = 404, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
pub async fn update_call(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    Path(id): Path<String>,
    ApiJson(patch): ApiJson<CallPatch>,
) -> Result<Json<Call>, ApiError> {
    Ok(Json(app::calls::update_notes(&s.db, &s.clock, &a, parse_id(&id, "call")?, patch).await?))
}

/// Records the outcome; the lead moves in the queue (retry, callback, done).
#[utoipa::path(post, operation_id = "disposeCall", path = "/api/v1/calls/{id}/disposition", tag = "calling", params(("id" = String, Path)),
    request_body = DispositionInput,
    responses((status = 200, body = Call), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn dispose(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<DispositionInput>,
) -> Result<Json<Call>, ApiError> {
    Ok(Json(app::calls::dispose(&s.db, &s.clock, &a, parse_id(&id, "call")?, input).await?))
}

/// Skips a lead handed out by `next` (with a reason).
#[utoipa::path(post, operation_id = "skipCall", path = "/api/v1/calls/{id}/skip", tag = "calling", params(("id" = String, Path)),
    request_body = SkipInput,
    responses((status = 200, body = Call), (status = 404, body = Problem), (status = 409, body = Problem)), security(("bearer" = [])))]
pub async fn skip(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Json<Call>, ApiError> {
    let input: SkipInput = if body.iter().all(u8::is_ascii_whitespace) {
        SkipInput::default()
    } else {
        crate::web::extract::parse_json(&body)?
    };
    Ok(Json(app::calls::skip(&s.db, &s.clock, &a, parse_id(&id, "call")?, input).await?))
}

/// "Call": checks the number again and records the attempt's start.
#[utoipa::path(post, operation_id = "startCall", path = "/api/v1/calls/{id}/dial", tag = "calling", params(("id" = String, Path)),
    responses((status = 200, body = Dialing), (status = 404, body = Problem), (status = 409, body = Problem)), security(("bearer" = [])))]
pub async fn start_call(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    Path(id): Path<String>,
) -> Result<Json<Dialing>, ApiError> {
    let (call, dial_link) = app::calls::start(&s.db, &s.clock, &a, parse_id(&id, "call")?).await?;
    Ok(Json(Dialing { call, dial_link }))
}

/// A call state change from the phone system, signed with the organization's secret:
/// `X-Leadline-Timestamp: <unix seconds>`, `X-Leadline-Signature: <hex HMAC-SHA256 of
/// "{timestamp}.{body}">`. No bearer token.
#[utoipa::path(post, operation_id = "telephonyEvent", path = "/api/v1/telephony/events", tag = "calling",
    request_body = crate::app::telephony::EventInput,
    responses((status = 200, body = EventResult), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn telephony_event(
    State(s): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<EventResult>, ApiError> {
    let header =
        |names: &[&str]| names.iter().find_map(|n| headers.get(*n).and_then(|v| v.to_str().ok()).map(str::to_owned));
    let signed = Signed {
        org: header(&["x-leadline-org", "x-organization-id"]).and_then(|v| Uuid::parse_str(v.trim()).ok()),
        timestamp: header(&["x-leadline-timestamp", "x-timestamp", "x-signature-timestamp"]),
        signature: header(&["x-leadline-signature", "x-signature", "x-hub-signature-256"]),
    };
    Ok(Json(app::telephony::receive(&s.db, &s.clock, &signed, &body).await?))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TelephonySecret {
    /// The key phone systems sign events with.
    pub secret: String,
}

/// The organization's signing secret for telephony events (admins).
#[utoipa::path(get, operation_id = "getTelephonySecret", path = "/api/v1/telephony/secret", tag = "calling",
    responses((status = 200, body = TelephonySecret), (status = 403, body = Problem)), security(("bearer" = [])))]
pub async fn telephony_secret(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
) -> Result<Json<TelephonySecret>, ApiError> {
    Ok(Json(TelephonySecret { secret: app::telephony::secret(&s.db, &a, false).await? }))
}

/// Replaces the signing secret (admins).
#[utoipa::path(post, operation_id = "rotateTelephonySecret", path = "/api/v1/telephony/secret", tag = "calling",
    responses((status = 200, body = TelephonySecret), (status = 403, body = Problem)), security(("bearer" = [])))]
pub async fn rotate_secret(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
) -> Result<Json<TelephonySecret>, ApiError> {
    Ok(Json(TelephonySecret { secret: app::telephony::secret(&s.db, &a, true).await? }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SuppressionQuery {
    /// The last number of the previous page.
    pub after: Option<String>,
    /// 1–1000, default 100.
    pub limit: Option<i64>,
}

/// The do-not-call list, in number order.
#[utoipa::path(get, operation_id = "listSuppressions", path = "/api/v1/suppressions", tag = "calling", params(SuppressionQuery),
    responses((status = 200, body = Items<Suppression>)), security(("bearer" = [])))]
pub async fn list_suppressions(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    Query(q): Query<SuppressionQuery>,
) -> Result<Json<Items<Suppression>>, ApiError> {
    Ok(Json(Items { items: app::suppression::page(&s.db, &a, q.after.as_deref(), q.limit.unwrap_or(100)).await? }))
}

/// Adds a number to the do-not-call list (any user; takes effect at once).
#[utoipa::path(post, operation_id = "addSuppression", path = "/api/v1/suppressions", tag = "calling", request_body = NewSuppression,
    responses((status = 201, body = Suppression), (status = 422, body = Problem)), security(("bearer" = [])))]
pub async fn add_suppression(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    ApiJson(input): ApiJson<NewSuppression>,
) -> Result<(StatusCode, Json<Suppression>), ApiError> {
    Ok((StatusCode::CREATED, Json(app::suppression::add(&s.db, &a, input).await?)))
}

/// Whether a number is on the list (404 when it is not).
#[utoipa::path(get, operation_id = "getSuppression", path = "/api/v1/suppressions/{number}", tag = "calling", params(("number" = String, Path)),
    responses((status = 200, body = Suppression), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn show_suppression(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    Path(number): Path<String>,
) -> Result<Json<Suppression>, ApiError> {
    let found = app::suppression::find(&s.db, &a, &number).await?;
    Ok(Json(found.ok_or(ApiError(AppError::NotFound("suppressed number")))?))
}

/// Removes a number (admins only; audited).
#[utoipa::path(delete, operation_id = "removeSuppression", path = "/api/v1/suppressions/{number}", tag = "calling", params(("number" = String, Path)),
    responses((status = 200, body = Suppression), (status = 403, body = Problem), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn remove_suppression(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    Path(number): Path<String>,
) -> Result<Json<Suppression>, ApiError> {
    Ok(Json(app::suppression::remove(&s.db, &a, &number).await?))
}

/// Imports a registry file as the request body: one number per line, or CSV (the first
/// field holding a number), any format. Managers and admins.
#[utoipa::path(post, operation_id = "importSuppressions", path = "/api/v1/suppressions/import", tag = "calling",
    request_body(content = String, content_type = "text/plain"),
    responses((status = 200, body = RegistryImport), (status = 403, body = Problem)), security(("bearer" = [])))]
pub async fn import_suppressions(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    body: Bytes,
) -> Result<Json<RegistryImport>, ApiError> {
    Ok(Json(app::suppression::import(&s.db, &a, std::io::Cursor::new(body), "registry").await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// First day (organization's date, YYYY-MM-DD); default today.
    pub from: Option<NaiveDate>,
    /// Last day; default `from`.
    pub to: Option<NaiveDate>,
}

/// Per rep and day: dials, connects, connect rate, talk time, dispositions, callbacks, meetings.
#[utoipa::path(get, operation_id = "callReport", path = "/api/v1/reports/calls", tag = "calling", params(ReportQuery),
    responses((status = 200, body = Items<RepDay>), (status = 422, body = Problem)), security(("bearer" = [])))]
pub async fn call_report(
    State(s): State<AppState>,
    ApiActor(a): ApiActor,
    Query(q): Query<ReportQuery>,
) -> Result<Json<Items<RepDay>>, ApiError> {
    let zone: chrono_tz::Tz = a.org.time_zone.parse().unwrap_or(chrono_tz::Tz::UTC);
    let today = s.clock.now().with_timezone(&zone).date_naive();
    let from = q.from.unwrap_or(today);
    let to = q.to.unwrap_or(from.max(q.from.map_or(today, |_| from)));
    Ok(Json(Items { items: app::call_reports::rep_days(&s.db, &a, from, to).await? }))
}

/// The caller's open tasks (callbacks and others), earliest first.
#[utoipa::path(get, operation_id = "listTasks", path = "/api/v1/tasks", tag = "calling",
    responses((status = 200, body = Items<Task>)), security(("bearer" = [])))]
pub async fn my_tasks(State(s): State<AppState>, ApiActor(a): ApiActor) -> Result<Json<Items<Task>>, ApiError> {
    let mut tx = s.db.read().await.map_err(AppError::from)?;
    let items =
        crate::store::tasks::open_for_user(&mut tx, a.org_id(), a.user.id, 500).await.map_err(AppError::from)?;
    tx.commit().await.map_err(AppError::from)?;
    Ok(Json(Items { items }))
}
