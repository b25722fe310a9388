//! Calling pages: campaigns, the rep's call screen, a call's page, click-to-call from a
//! lead, the do-not-call list and the call report.

use super::{CsrfForm, OrPage, PageResult, PageUser, format, path_id, redirect_with_flash, render};
use crate::{
    app::{
        self, AppError,
        call_reports::{CampaignStats, RepDay},
        calls::{CallListParams, DialInput, DispositionInput, LogInput, SkipInput},
        campaigns::{CampaignInput, CampaignView, HoursBody},
        dialer::Offer,
        suppression::NewSuppression,
    },
    store::{self, activities::Activity, calls::Call, suppressions::Suppression, tasks::Task},
    web::AppState,
};
use askama::Template;
use axum::{
    Form, Router,
    body::Bytes,
    extract::{Path, Query, State},
    response::{IntoResponse, Redirect},
    routing::{get, post},
};
use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use leadline_domain::{Disposition, LeadStatus};
use serde::Deserialize;
use serde_json::{Map, Value};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/calling", get(|| async { Redirect::to("/campaigns") }))
        .route("/campaigns", get(campaigns).post(create_campaign))
        .route("/campaigns/{id}", get(campaign))
        .route("/campaigns/{id}/playbook", post(save_playbook))
        .route("/campaigns/{id}/start", post(start))
        .route("/calling/{id}", get(screen))
        .route("/calling/{id}/dispose", post(dispose))
        .route("/calling/{id}/skip", post(skip))
        .route("/calling/{id}/dial", post(dial_offer))
        .route("/calling/{id}/end", post(end))
        .route("/calls", get(call_log))
        .route("/calls/{id}", get(call_page))
        .route("/calls/{id}/dispose", post(dispose_call))
        .route("/calls/{id}/notes", post(save_notes))
        .route("/leads/{id}/call", post(click_to_call))
        .route("/leads/{id}/log-call", post(log_call))
        .route("/do-not-call", get(dnc).post(add_dnc))
        .route("/do-not-call/remove", post(remove_dnc))
        .route("/do-not-call/import", post(import_dnc))
        .route("/reports/calls", get(report))
        .route("/settings", get(settings).post(save_settings))
        .route("/calls/incoming", get(incoming))
}

fn zone(user: &PageUser) -> Tz {
    user.actor.org.time_zone.parse().unwrap_or(Tz::UTC)
}

fn dispositions() -> Vec<(char, &'static str, &'static str)> {
    Disposition::ALL.iter().map(|d| (d.key(), d.as_str(), d.label())).collect()
}

fn statuses() -> Vec<(&'static str, &'static str)> {
    LeadStatus::ALL.iter().map(|s| (s.as_str(), s.label())).collect()
}

// ---- Campaigns ----

#[derive(Template)]
#[template(path = "campaigns.html")]
struct CampaignsPage {
    shell: super::Shell,
    campaigns: Vec<CampaignView>,
    manages: bool,
    reps: Vec<(String, String)>,
    statuses: Vec<(&'static str, &'static str)>,
    errors: Vec<app::FieldError>,
}

async fn campaigns_page(state: &AppState, user: &PageUser, errors: Vec<app::FieldError>) -> PageResult {
    let campaigns = app::campaigns::list(&state.db, &user.actor).await.or_page()?;
    let users = app::users::list(&state.db, user.actor.org_id()).await.or_page()?;
    let reps = users
        .iter()
        .filter(|u| u.active)
        .map(|u| (u.id.to_string(), format!("{} ({})", u.name, u.role.label())))
        .collect();
    let manages = user.actor.user.role.deletes_leads();
    Ok(render(
        &CampaignsPage { shell: user.shell("campaigns", ""), campaigns, manages, reps, statuses: statuses(), errors },
        user.flash.is_some(),
    ))
}

async fn campaigns(State(state): State<AppState>, user: PageUser) -> PageResult {
    campaigns_page(&state, &user, Vec::new()).await
}

async fn create_campaign(State(state): State<AppState>, user: PageUser, body: Bytes) -> PageResult {
    let form = form_pairs(&body);
    let one = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).unwrap_or_default();
    let all = |k: &str| form.iter().filter(|(n, _)| n == k).map(|(_, v)| v.clone()).collect::<Vec<_>>();
    user.check_csrf(&one("csrf"))?;
    let mut filter = Map::new();
    let statuses = all("status");
    if !statuses.is_empty() {
        filter.insert("status".into(), Value::from(statuses));
    }
    for key in ["tag", "country", "owner", "q"] {
        let v = one(key);
        if !v.trim().is_empty() {
            filter.insert(key.into(), Value::from(v.trim()));
        }
    }
    let mut retry = Map::new();
    for d in ["no_answer", "busy", "voicemail_left"] {
        let v = one(&format!("retry_{d}"));
        if !v.trim().is_empty() {
            retry.insert(d.into(), Value::from(v.trim()));
        }
    }
    let region_rules = one("region_rules")
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            // "US FL 08:00-20:00" or "US 09:00-20:00"
            let parts: Vec<&str> = l.split_whitespace().collect();
            let (hours, place) = parts.split_last().map_or(("", &[][..]), |(h, p)| (*h, p));
            let (start, end) = hours.split_once('-').unwrap_or((hours, ""));
            app::campaigns::RegionRuleBody {
                country: place.first().map(|s| (*s).to_owned()).unwrap_or_default(),
                region: place.get(1).map(|s| (*s).to_owned()),
                start: start.to_owned(),
                end: end.to_owned(),
            }
        })
        .collect();
    let input = CampaignInput {
        name: Some(one("name")),
        filter: Some(filter),
        assignees: Some(all("assignee").iter().filter_map(|a| uuid::Uuid::parse_str(a).ok()).collect()),
        playbook: Some(one("playbook")),
        calling_hours: Some(HoursBody { start: one("start"), end: one("end") }),
        weekdays: Some(all("weekday").into_iter().map(Value::from).collect()),
        holidays: Some(
            one("holidays").split([',', ' ', '\n']).filter(|s| !s.trim().is_empty()).map(str::to_owned).collect(),
        ),
        region_rules: Some(region_rules),
        max_attempts: one("max_attempts").trim().parse().ok(),
        retry_spacing: Some(retry),
        ..CampaignInput::default()
    };
    match app::campaigns::create(&state.db, &user.actor, input).await {
        Ok(c) => Ok(redirect_with_flash(&format!("/campaigns/{}", c.id), "Campaign created.")),
        Err(AppError::Validation(errors)) => campaigns_page(&state, &user, errors).await,
        Err(e) => Err(super::error_page(&e)),
    }
}

/// `application/x-www-form-urlencoded` pairs, repeated names kept.
fn form_pairs(body: &[u8]) -> Vec<(String, String)> {
    String::from_utf8_lossy(body)
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (crate::web::urldecode(&k.replace('+', " ")), crate::web::urldecode(&v.replace('+', " ")))
        })
        .collect()
}

#[derive(Template)]
#[template(path = "campaign.html")]
struct CampaignPage {
    shell: super::Shell,
    c: CampaignView,
    stats: CampaignStats,
    next_window: String,
    filter: String,
    assignees: String,
    weekdays: String,
}

async fn campaign(State(state): State<AppState>, user: PageUser, Path(id): Path<String>) -> PageResult {
    let id = path_id(&id, "campaign")?;
    let c = app::campaigns::get(&state.db, &user.actor, id).await.or_page()?;
    let stats = app::call_reports::campaign(&state.db, &state.clock, &user.actor, id).await.or_page()?;
    let users = app::users::list(&state.db, user.actor.org_id()).await.or_page()?;
    let names: Vec<String> = users.iter().filter(|u| c.assignees.contains(&u.id)).map(|u| u.name.clone()).collect();
    let text = |v: &Value| match v {
        Value::Array(items) => items.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(", "),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let filter = c.filter.iter().map(|(k, v)| format!("{k}: {}", text(v))).collect::<Vec<_>>().join(" · ");
    let days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    let weekdays = c
        .weekdays
        .iter()
        .filter_map(|d| days.get(usize::from(*d).saturating_sub(1)))
        .copied()
        .collect::<Vec<_>>()
        .join(" ");
    let next_window = stats.next_window_at.map(|t| format::org_time(t, &user.actor.org.time_zone)).unwrap_or_default();
    Ok(render(
        &CampaignPage {
            shell: user.shell("campaigns", ""),
            assignees: if names.is_empty() { "—".into() } else { names.join(", ") },
            filter: if filter.is_empty() { "all leads".into() } else { filter },
            weekdays,
            next_window,
            stats,
            c,
        },
        user.flash.is_some(),
    ))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct PlaybookForm {
    csrf: String,
    playbook: String,
    back: String,
}

async fn save_playbook(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<String>,
    Form(form): Form<PlaybookForm>,
) -> PageResult {
    user.check_csrf(&form.csrf)?;
    let id = path_id(&id, "campaign")?;
    let input = CampaignInput { playbook: Some(form.playbook), ..CampaignInput::default() };
    app::campaigns::update(&state.db, &user.actor, id, input).await.or_page()?;
    let back = if form.back.starts_with("/calling/") { form.back } else { format!("/campaigns/{id}") };
    Ok(redirect_with_flash(&back, "Playbook saved."))
}

async fn start(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<String>,
    Form(form): Form<CsrfForm>,
) -> PageResult {
    user.check_csrf(&form.csrf)?;
    let id = path_id(&id, "campaign")?;
    let session = app::dialer::start(&state.db, &state.clock, &user.actor, id).await.or_page()?;
    Ok(Redirect::to(&format!("/calling/{}", session.id)).into_response())
}

// ---- The call screen ----

#[derive(Template)]
#[template(path = "call_screen.html")]
struct ScreenPage {
    shell: super::Shell,
    session_id: String,
    campaign: CampaignView,
    stats: CampaignStats,
    offer: Offer,
    their_time: String,
    number_display: String,
    timeline: Vec<(String, String, String)>,
    tasks: Vec<(String, String)>,
    inbound: Vec<(String, String, String)>,
    dispositions: Vec<(char, &'static str, &'static str)>,
    statuses: Vec<(&'static str, &'static str)>,
    your_zone: String,
    callee_zone: String,
    error: Option<String>,
}

async fn screen(State(state): State<AppState>, user: PageUser, Path(id): Path<String>) -> PageResult {
    screen_page(&state, &user, &id, None).await
}

async fn screen_page(state: &AppState, user: &PageUser, id: &str, error: Option<String>) -> PageResult {
    let sid = path_id(id, "session")?;
    let session = app::dialer::session(&state.db, &user.actor, sid).await.or_page()?;
    if session.ended_at.is_some() {
        return Ok(redirect_with_flash(&format!("/campaigns/{}", session.campaign_id), "Session ended."));
    }
    let offer = app::dialer::next(&state.db, &state.clock, &user.actor, sid).await.or_page()?;
    let campaign = app::campaigns::get(&state.db, &user.actor, session.campaign_id).await.or_page()?;
    let stats =
        app::call_reports::campaign(&state.db, &state.clock, &user.actor, session.campaign_id).await.or_page()?;
    let now = state.clock.now();
    let org_zone = user.actor.org.time_zone.clone();
    let mut tx = state.db.read().await.map_err(|e| super::error_page(&AppError::Internal(e)))?;
    let (activities, tasks): (Vec<Activity>, Vec<Task>) = match offer.lead.as_ref() {
        Some(lead) => (
            store::activities::for_lead(&mut tx, user.actor.org_id(), lead.id, 15).await.unwrap_or_default(),
            store::tasks::open_for_lead(&mut tx, user.actor.org_id(), lead.id).await.unwrap_or_default(),
        ),
        None => (Vec::new(), Vec::new()),
    };
    let inbound =
        store::calls::inbound_waiting(&mut tx, user.actor.org_id(), user.actor.user.id).await.unwrap_or_default();
    drop(tx);
    let their_time = format::their_time(&offer.callee_time_zones, now);
    // The contact's own entry for the number also gives the extension to dial once connected.
    let number_display = offer
        .number
        .as_deref()
        .map(|n| {
            let stored = offer.contact.iter().flat_map(|c| &c.phones).find(|p| p.e164 == n);
            stored
                .map_or_else(|| leadline_domain::phone::display_e164(n), crate::store::contacts::ContactPhone::display)
        })
        .unwrap_or_default();
    Ok(render(
        &ScreenPage {
            shell: user.shell("calling", ""),
            session_id: sid.to_string(),
            timeline: activities
                .into_iter()
                .map(|a| (format::org_time(a.occurred_at, &org_zone), a.kind, a.body))
                .collect(),
            tasks: tasks.into_iter().map(|t| (format::org_time(t.due_at, &org_zone), t.title)).collect(),
            inbound: inbound
                .into_iter()
                .map(|c| {
                    (c.id.to_string(), c.from_number.unwrap_or_default(), format::org_time(c.created_at, &org_zone))
                })
                .collect(),
            dispositions: dispositions(),
            statuses: statuses(),
            your_zone: org_zone.clone(),
            callee_zone: offer.callee_time_zones.first().cloned().unwrap_or_else(|| org_zone.clone()),
            their_time,
            number_display,
            campaign,
            stats,
            offer,
            error,
        },
        user.flash.is_some(),
    ))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct DispositionForm {
    csrf: String,
    call_id: String,
    disposition: String,
    notes: String,
    callback_at: String,
    status: String,
    reason: String,
}

/// A `datetime-local` value in the organization's zone, as RFC 3339.
fn local_to_rfc3339(raw: &str, zone: Tz) -> Option<String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    let naive = NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M").ok()?;
    zone.from_local_datetime(&naive).earliest().map(|t| t.to_utc().to_rfc3339())
}

fn disposition_input(form: &DispositionForm, zone: Tz) -> DispositionInput {
    DispositionInput {
        disposition: Some(form.disposition.clone()).filter(|d| !d.is_empty()),
        notes: Some(form.notes.clone()),
        callback_at: local_to_rfc3339(&form.callback_at, zone).or_else(|| Some(form.callback_at.clone())),
        status: Some(form.status.clone()).filter(|s| !s.is_empty()),
        duration_s: None,
    }
}

async fn dispose(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<String>,
    Form(form): Form<DispositionForm>,
) -> PageResult {
    user.check_csrf(&form.csrf)?;
    let call = path_id(&form.call_id, "call")?;
    match app::calls::dispose(&state.db, &state.clock, &user.actor, call, disposition_input(&form, zone(&user))).await {
        Ok(_) => Ok(Redirect::to(&format!("/calling/{id}")).into_response()),
        Err(e @ (AppError::Validation(_) | AppError::Conflict { .. })) => {
            screen_page(&state, &user, &id, Some(e.to_string())).await
        }
        Err(e) => Err(super::error_page(&e)),
    }
}

async fn skip(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<String>,
    Form(form): Form<DispositionForm>,
) -> PageResult {
    user.check_csrf(&form.csrf)?;
    let call = path_id(&form.call_id, "call")?;
    let reason = Some(form.reason.clone()).filter(|r| !r.trim().is_empty());
    match app::calls::skip(&state.db, &state.clock, &user.actor, call, SkipInput { reason }).await {
        Ok(_) | Err(AppError::Conflict { .. }) => Ok(Redirect::to(&format!("/calling/{id}")).into_response()),
        Err(e) => Err(super::error_page(&e)),
    }
}

/// "Call": records the start (JSON for the screen's script; a redirect to the `tel:` link otherwise).
async fn dial_offer(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<String>,
    headers: axum::http::HeaderMap,
    Form(form): Form<DispositionForm>,
) -> PageResult {
    user.check_csrf(&form.csrf)?;
    let call = path_id(&form.call_id, "call")?;
    let wants_json = headers.get("accept").and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("json"));
    match app::calls::start(&state.db, &state.clock, &user.actor, call).await {
        Ok((call, link)) if wants_json => Ok(axum::Json(serde_json::json!({
            "dial_link": link,
            "started_at": call.started_at.map(|t| format::org_time(t, &user.actor.org.time_zone)),
        }))
        .into_response()),
        Ok((_, link)) => Ok(Redirect::to(&link).into_response()),
        Err(e) if wants_json => {
            Ok((axum::http::StatusCode::CONFLICT, axum::Json(serde_json::json!({"error": e.to_string()})))
                .into_response())
        }
        Err(e @ AppError::Conflict { .. }) => screen_page(&state, &user, &id, Some(e.to_string())).await,
        Err(e) => Err(super::error_page(&e)),
    }
}

async fn end(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<String>,
    Form(form): Form<CsrfForm>,
) -> PageResult {
    user.check_csrf(&form.csrf)?;
    let sid = path_id(&id, "session")?;
    let s = app::dialer::end(&state.db, &state.clock, &user.actor, sid).await.or_page()?;
    Ok(redirect_with_flash(
        &format!("/campaigns/{}", s.campaign_id),
        "Session ended. Your leads went back to the queue.",
    ))
}

// ---- A call ----

#[derive(Template)]
#[template(path = "call.html")]
struct CallPage {
    shell: super::Shell,
    call: Call,
    times: Vec<(&'static str, String)>,
    dial_link: String,
    dispositions: Vec<(char, &'static str, &'static str)>,
    statuses: Vec<(&'static str, &'static str)>,
    your_zone: String,
}

async fn call_page(State(state): State<AppState>, user: PageUser, Path(id): Path<String>) -> PageResult {
    let call = app::calls::get(&state.db, &user.actor, path_id(&id, "call")?).await.or_page()?;
    let zone = user.actor.org.time_zone.clone();
    let t = |label: &'static str, v: Option<DateTime<Utc>>| v.map(|v| (label, format::org_time(v, &zone)));
    let times = [
        t("Started", call.started_at),
        t("Ringing", call.ringing_at),
        t("Answered", call.answered_at),
        t("Ended", call.ended_at),
        t("Callback", call.callback_at),
    ]
    .into_iter()
    .flatten()
    .collect();
    let number = if call.direction == "inbound" { call.from_number.clone() } else { call.to_number.clone() };
    Ok(render(
        &CallPage {
            shell: user.shell("calling", ""),
            dial_link: number.map(|n| format!("tel:{n}")).unwrap_or_default(),
            times,
            call,
            dispositions: dispositions(),
            statuses: statuses(),
            your_zone: zone,
        },
        user.flash.is_some(),
    ))
}

async fn dispose_call(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<String>,
    Form(form): Form<DispositionForm>,
) -> PageResult {
    user.check_csrf(&form.csrf)?;
    let call = path_id(&id, "call")?;
    match app::calls::dispose(&state.db, &state.clock, &user.actor, call, disposition_input(&form, zone(&user))).await {
        Ok(_) => Ok(redirect_with_flash(&format!("/calls/{id}"), "Call saved.")),
        Err(e @ (AppError::Validation(_) | AppError::Conflict { .. })) => {
            Ok(redirect_with_flash(&format!("/calls/{id}"), &e.to_string()))
        }
        Err(e) => Err(super::error_page(&e)),
    }
}

async fn save_notes(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<String>,
    Form(form): Form<DispositionForm>,
) -> PageResult {
    user.check_csrf(&form.csrf)?;
    let call = path_id(&id, "call")?;
    let patch = app::calls::CallPatch { notes: Some(form.notes), other: Map::new() };
    app::calls::update_notes(&state.db, &state.clock, &user.actor, call, patch).await.or_page()?;
    Ok(redirect_with_flash(&format!("/calls/{id}"), "Notes saved."))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CallForm {
    csrf: String,
    number: String,
    disposition: String,
    notes: String,
    started_at: String,
    duration_min: String,
}

async fn click_to_call(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<String>,
    Form(form): Form<CallForm>,
) -> PageResult {
    user.check_csrf(&form.csrf)?;
    let lead = path_id(&id, "lead")?;
    let input = DialInput { lead_id: Some(lead), contact_id: None, number: Some(form.number) };
    match app::calls::dial(&state.db, &state.clock, &user.actor, input).await {
        Ok((call, _)) => Ok(redirect_with_flash(
            &format!("/calls/{}", call.id),
            "Call started: your phone dials from the link below.",
        )),
        Err(e @ (AppError::Validation(_) | AppError::Conflict { .. })) => {
            Ok(redirect_with_flash(&format!("/leads/{lead}"), &e.to_string()))
        }
        Err(e) => Err(super::error_page(&e)),
    }
}

async fn log_call(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<String>,
    Form(form): Form<CallForm>,
) -> PageResult {
    user.check_csrf(&form.csrf)?;
    let lead = path_id(&id, "lead")?;
    let input = LogInput {
        lead_id: Some(lead),
        number: Some(form.number).filter(|n| !n.trim().is_empty()),
        started_at: local_to_rfc3339(&form.started_at, zone(&user)),
        duration_s: form.duration_min.trim().parse::<f64>().ok().map(|m| (m * 60.0).round() as i64),
        disposition: Some(form.disposition).filter(|d| !d.is_empty()),
        notes: Some(form.notes),
        ..LogInput::default()
    };
    match app::calls::log(&state.db, &state.clock, &user.actor, input).await {
        Ok(_) => Ok(redirect_with_flash(&format!("/leads/{lead}"), "Call logged.")),
        Err(e @ (AppError::Validation(_) | AppError::Conflict { .. })) => {
            Ok(redirect_with_flash(&format!("/leads/{lead}"), &e.to_string()))
        }
        Err(e) => Err(super::error_page(&e)),
    }
}

// ---- Do not call ----

#[derive(Template)]
#[template(path = "dnc.html")]
struct DncPage {
    shell: super::Shell,
    items: Vec<Suppression>,
    next: Option<String>,
    is_admin: bool,
    can_import: bool,
    found: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct DncQuery {
    after: String,
    check: String,
}

async fn dnc(State(state): State<AppState>, user: PageUser, Query(q): Query<DncQuery>) -> PageResult {
    let items = app::suppression::page(&state.db, &user.actor, Some(q.after.as_str()).filter(|a| !a.is_empty()), 100)
        .await
        .or_page()?;
    let next = (items.len() == 100).then(|| items.last().map(|s| s.number.clone())).flatten();
    let found = if q.check.trim().is_empty() {
        None
    } else {
        Some(match app::suppression::find(&state.db, &user.actor, &q.check).await {
            Ok(Some(s)) => format!("{} is on the list ({}).", s.number, s.source),
            Ok(None) => format!("{} is not on the list.", q.check.trim()),
            Err(e) => e.to_string(),
        })
    };
    Ok(render(
        &DncPage {
            shell: user.shell("dnc", ""),
            items,
            next,
            is_admin: user.actor.user.role.manages_users(),
            can_import: user.actor.user.role.deletes_leads(),
            found,
        },
        user.flash.is_some(),
    ))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct DncForm {
    csrf: String,
    number: String,
    reason: String,
    registry: String,
}

async fn add_dnc(State(state): State<AppState>, user: PageUser, Form(form): Form<DncForm>) -> PageResult {
    user.check_csrf(&form.csrf)?;
    let input = NewSuppression { number: Some(form.number), reason: Some(form.reason) };
    Ok(match app::suppression::add(&state.db, &user.actor, input).await {
        Ok(s) => redirect_with_flash("/do-not-call", &format!("{} will not be called.", s.number)),
        Err(e @ AppError::Validation(_)) => redirect_with_flash("/do-not-call", &e.to_string()),
        Err(e) => return Err(super::error_page(&e)),
    })
}

async fn remove_dnc(State(state): State<AppState>, user: PageUser, Form(form): Form<DncForm>) -> PageResult {
    user.check_csrf(&form.csrf)?;
    let removed = app::suppression::remove(&state.db, &user.actor, &form.number).await.or_page()?;
    Ok(redirect_with_flash("/do-not-call", &format!("{} removed from the list.", removed.number)))
}

async fn import_dnc(State(state): State<AppState>, user: PageUser, Form(form): Form<DncForm>) -> PageResult {
    user.check_csrf(&form.csrf)?;
    let counts =
        app::suppression::import(&state.db, &user.actor, std::io::Cursor::new(form.registry.into_bytes()), "registry")
            .await
            .or_page()?;
    Ok(redirect_with_flash("/do-not-call", &format!("Registry imported: {}.", counts.summary())))
}

// ---- Report ----

#[derive(Template)]
#[template(path = "call_report.html")]
struct ReportPage {
    shell: super::Shell,
    from: String,
    to: String,
    rows: Vec<RepDay>,
    campaigns: Vec<(CampaignView, CampaignStats)>,
}

impl ReportPage {
    /// A disposition as people read it ("Callback requested").
    fn label(&self, code: &str) -> String {
        leadline_domain::Disposition::parse(code).map_or_else(|_| code.to_owned(), |d| d.label().to_owned())
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ReportQuery {
    from: String,
    to: String,
}

async fn report(State(state): State<AppState>, user: PageUser, Query(q): Query<ReportQuery>) -> PageResult {
    let today = state.clock.now().with_timezone(&zone(&user)).date_naive();
    let from = NaiveDate::parse_from_str(q.from.trim(), "%Y-%m-%d").unwrap_or(today - chrono::Duration::days(6));
    let to = NaiveDate::parse_from_str(q.to.trim(), "%Y-%m-%d").unwrap_or(today);
    let rows = app::call_reports::rep_days(&state.db, &user.actor, from, to).await.or_page()?;
    let mut campaigns = Vec::new();
    for c in app::campaigns::list(&state.db, &user.actor).await.or_page()? {
        let s = app::call_reports::campaign(&state.db, &state.clock, &user.actor, c.id).await.or_page()?;
        campaigns.push((c, s));
    }
    Ok(render(
        &ReportPage { shell: user.shell("reports", ""), from: from.to_string(), to: to.to_string(), rows, campaigns },
        user.flash.is_some(),
    ))
}

// ---- Call log ----

/// One call in the log, as shown.
struct CallRow {
    id: String,
    when: String,
    rep: String,
    inbound: bool,
    number: String,
    lead_id: String,
    lead: String,
    outcome: String,
    duration: String,
    notes: String,
}

#[derive(Template)]
#[template(path = "calls.html")]
struct CallLogPage {
    shell: super::Shell,
    q: CallListParams,
    reps: Vec<(String, String)>,
    dispositions: Vec<(char, &'static str, &'static str)>,
    rows: Vec<CallRow>,
    error: Option<String>,
    next: Option<String>,
}

/// Every call record, newest first, filtered by rep, outcome, direction and days.
async fn call_log(State(state): State<AppState>, user: PageUser, Query(q): Query<CallListParams>) -> PageResult {
    let users = app::users::list(&state.db, user.actor.org_id()).await.or_page()?;
    let (calls, next_cursor, error) = match app::calls::page(&state.db, &user.actor, &q).await {
        Ok(page) => (page.items, page.next_cursor, None),
        Err(AppError::Validation(errors)) => (
            Vec::new(),
            None,
            Some(errors.iter().map(|e| format!("{}: {}", e.field, e.message)).collect::<Vec<_>>().join("; ")),
        ),
        Err(e) => return Err(super::error_page(&e)),
    };
    let names = app::calls::lead_names(&state.db, &user.actor, &calls).await.or_page()?;
    let zone = user.actor.org.time_zone.clone();
    let rows = calls
        .into_iter()
        .map(|c| {
            let inbound = c.direction == "inbound";
            let number = if inbound { c.from_number.clone() } else { c.to_number.clone() };
            let seconds = c.duration_s.unwrap_or(0);
            CallRow {
                id: c.id.to_string(),
                when: format::org_time(c.started_at.unwrap_or(c.created_at), &zone),
                rep: c
                    .user_id
                    .and_then(|u| users.iter().find(|x| x.id == u))
                    .map(|u| u.name.clone())
                    .unwrap_or_default(),
                inbound,
                number: number.unwrap_or_default(),
                lead_id: c.lead_id.map(|l| l.to_string()).unwrap_or_default(),
                lead: c.lead_id.and_then(|l| names.get(&l).cloned()).unwrap_or_default(),
                outcome: c
                    .disposition
                    .as_deref()
                    .and_then(|d| Disposition::parse(d).ok())
                    .map_or_else(|| c.state.clone(), |d| d.label().to_owned()),
                duration: if seconds > 0 { format!("{}:{:02}", seconds / 60, seconds % 60) } else { String::new() },
                notes: c.notes.lines().next().unwrap_or("").chars().take(80).collect(),
            }
        })
        .collect();
    let next = next_cursor.map(|cursor| {
        let keep = [
            ("user_id", &q.user_id),
            ("disposition", &q.disposition),
            ("direction", &q.direction),
            ("from", &q.from),
            ("to", &q.to),
            ("lead_id", &q.lead_id),
            ("campaign_id", &q.campaign_id),
        ];
        format!("/calls?{}", app::leads::query_string(&keep, Some(&cursor)))
    });
    let reps = users.iter().filter(|u| u.active).map(|u| (u.id.to_string(), u.name.clone())).collect();
    Ok(render(
        &CallLogPage { shell: user.shell("reports", ""), q, reps, dispositions: dispositions(), rows, error, next },
        user.flash.is_some(),
    ))
}

// ---- My settings and incoming calls ----

#[derive(Template)]
#[template(path = "settings.html")]
struct SettingsPage {
    shell: super::Shell,
    phone: String,
    sip: bool,
    error: Option<String>,
}

async fn settings(State(state): State<AppState>, user: PageUser) -> PageResult {
    let mut tx = state.db.read().await.map_err(|e| super::error_page(&AppError::Internal(e)))?;
    let s = app::users::calling_settings(&mut tx, user.actor.user.id)
        .await
        .map_err(|e| super::error_page(&AppError::Internal(e)))?;
    drop(tx);
    Ok(render(
        &SettingsPage {
            shell: user.shell("settings", ""),
            phone: s.phone.unwrap_or_default(),
            sip: s.dial_scheme.as_deref() == Some("sip"),
            error: None,
        },
        user.flash.is_some(),
    ))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct SettingsForm {
    csrf: String,
    phone: String,
    dial_scheme: String,
}

async fn save_settings(State(state): State<AppState>, user: PageUser, Form(form): Form<SettingsForm>) -> PageResult {
    user.check_csrf(&form.csrf)?;
    let input =
        app::users::CallingSettings { phone: Some(form.phone.clone()), dial_scheme: Some(form.dial_scheme.clone()) };
    match app::users::update_own_calling(&state.db, &user.actor, &input).await {
        Ok(_) => Ok(redirect_with_flash("/settings", "Settings saved.")),
        Err(e @ AppError::Validation(_)) => Ok(render(
            &SettingsPage {
                shell: user.shell("settings", ""),
                phone: form.phone,
                sip: form.dial_scheme == "sip",
                error: Some(e.to_string()),
            },
            false,
        )),
        Err(e) => Err(super::error_page(&e)),
    }
}

/// Inbound calls waiting for the user's disposition, for the call screen's banner.
async fn incoming(State(state): State<AppState>, user: PageUser) -> PageResult {
    let calls = app::calls::waiting_for(&state.db, &user.actor).await.or_page()?;
    let zone = user.actor.org.time_zone.clone();
    let items: Vec<Value> = calls
        .into_iter()
        .map(|c| serde_json::json!({"id": c.id, "from": c.from_number, "at": format::org_time(c.created_at, &zone)}))
        .collect();
    Ok(axum::Json(serde_json::json!({"items": items})).into_response())
}
