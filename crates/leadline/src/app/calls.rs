//! Calls: dispositions, click-to-call, calls logged after the fact, inbound calls and
//! later edits of a call's notes (its detail fields never change by hand).

use super::{
    Actor, AppError,
    audit::{self, Subject},
    dialer::{self, place_of},
    error::Errors,
};
use crate::{
    clock::Clock,
    store::{
        self, Db, Tx,
        activities::Activity,
        calls::Call,
        campaigns::Campaign,
        leads::Lead,
        queue::{self, Tier},
        suppressions::Suppression,
        tasks::Task,
    },
};
use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use leadline_domain::{CallingWindow, Disposition, LeadStatus, Phone, text};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// The outcome of a call.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct DispositionInput {
    /// `connected`, `no_answer`, `busy`, `voicemail_left`, `wrong_number`,
    /// `callback_requested`, `not_interested`, `do_not_call`, `meeting_booked`, `qualified`.
    pub disposition: Option<String>,
    pub notes: Option<String>,
    /// RFC 3339; the lead comes back to this rep at that time, and a task is created.
    pub callback_at: Option<String>,
    /// A new status for the lead.
    pub status: Option<String>,
    /// Talk time in seconds, when the phone system does not report it.
    pub duration_s: Option<i64>,
}

/// A skip, with its reason.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct SkipInput {
    pub reason: Option<String>,
}

/// Changes to a call: only the notes can change.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct CallPatch {
    pub notes: Option<String>,
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub other: Map<String, Value>,
}

/// A click-to-call from a lead page.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct DialInput {
    pub lead_id: Option<Uuid>,
    pub contact_id: Option<Uuid>,
    /// One of the lead's numbers (any format); default the first callable one.
    pub number: Option<String>,
}

/// A call made elsewhere, logged after the fact.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct LogInput {
    pub lead_id: Option<Uuid>,
    pub contact_id: Option<Uuid>,
    pub number: Option<String>,
    /// `outbound` (default) or `inbound`.
    pub direction: Option<String>,
    /// RFC 3339; default now.
    pub started_at: Option<String>,
    pub duration_s: Option<i64>,
    pub disposition: Option<String>,
    pub notes: Option<String>,
    pub callback_at: Option<String>,
}

/// A call arriving at the organization's phone system.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct InboundInput {
    /// The caller's number (any format; E.164 preferred).
    #[serde(alias = "caller", alias = "from_number")]
    pub from: Option<String>,
    /// The number that was called.
    #[serde(alias = "called", alias = "to_number")]
    pub to: Option<String>,
    /// The phone system's id for the call.
    #[serde(alias = "call_id")]
    pub provider_call_id: Option<String>,
    /// RFC 3339; default now.
    pub started_at: Option<String>,
}

fn parse_time(field: &str, raw: &str, errs: &mut Errors) -> Option<DateTime<Utc>> {
    match DateTime::parse_from_rfc3339(raw.trim()) {
        Ok(t) => Some(t.with_timezone(&Utc)),
        Err(_) => {
            errs.push(field, "must be an RFC 3339 time, e.g. 2026-03-10T14:00:00+02:00");
            None
        }
    }
}

pub(crate) async fn prefers_sip(tx: &mut Tx, actor: &Actor) -> anyhow::Result<bool> {
    Ok(super::users::calling_settings(tx, actor.user.id).await?.dial_scheme.as_deref() == Some("sip"))
}

/// Loads a call of the actor's organization that the actor may act on (their own, or
/// any for managers and admins).
async fn own_call(tx: &mut Tx, actor: &Actor, id: Uuid) -> Result<Call, AppError> {
    let call = store::calls::get(tx, actor.org_id(), id).await?.ok_or(AppError::NotFound("call"))?;
    if call.user_id != Some(actor.user.id) && !actor.user.role.deletes_leads() {
        return Err(AppError::Forbidden("this is another rep's call".into()));
    }
    Ok(call)
}

pub async fn get(db: &Db, actor: &Actor, id: Uuid) -> Result<Call, AppError> {
    let mut tx = db.read().await?;
    let call = store::calls::get(&mut tx, actor.org_id(), id).await?.ok_or(AppError::NotFound("call"))?;
    tx.commit().await?;
    Ok(call)
}

/// Short text for the timeline.
fn summary(call: &Call) -> String {
    let number = if call.direction == "inbound" { call.from_number.as_deref() } else { call.to_number.as_deref() };
    let mut s = format!(
        "{} call {} {}",
        if call.direction == "inbound" { "Inbound" } else { "Outbound" },
        if call.direction == "inbound" { "from" } else { "to" },
        number.unwrap_or("unknown number")
    );
    if let Some(d) = call.disposition.as_deref().and_then(|d| Disposition::parse(d).ok()) {
        s.push_str(&format!(": {}", d.label()));
    }
    if let Some(secs) = call.duration_s.filter(|s| *s > 0) {
        s.push_str(&format!(" ({}:{:02})", secs / 60, secs % 60));
    }
    if !call.notes.trim().is_empty() {
        s.push_str(&format!("\n{}", call.notes.trim()));
    }
    s
}

/// Puts the call on (or refreshes it on) its lead's timeline.
pub(crate) async fn to_timeline(tx: &mut Tx, org: Uuid, call: &Call) -> anyhow::Result<()> {
    let Some(lead_id) = call.lead_id else { return Ok(()) };
    let a = Activity {
        id: call.id,
        lead_id,
        kind: "call".into(),
        body: summary(call),
        user_id: call.user_id,
        user_name: None,
        occurred_at: call.started_at.or(call.offered_at).unwrap_or(call.created_at),
    };
    store::activities::upsert_body(tx, org, &a).await?;
    Ok(())
}

fn snapshot(call: &Call) -> Map<String, Value> {
    match json!({
        "disposition": call.disposition, "notes": call.notes, "callback_at": call.callback_at,
        "to_number": call.to_number, "duration_s": call.duration_s,
    }) {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

fn call_subject(call: &Call) -> Subject<'static> {
    Subject { entity_type: "call", entity_id: call.id, lead_id: call.lead_id }
}

/// Records a call's outcome and moves its lead in the queue.
pub async fn dispose(
    db: &Db,
    clock: &Clock,
    actor: &Actor,
    id: Uuid,
    input: DispositionInput,
) -> Result<Call, AppError> {
    let now = clock.now();
    let mut errs = Errors::default();
    let disposition = match input.disposition.as_deref() {
        Some(d) => errs.take("disposition", Disposition::parse(d)),
        None => {
            errs.push("disposition", "is required");
            None
        }
    };
    let notes = errs.take("notes", text::optional_block(input.notes.as_deref(), 20_000)).flatten().unwrap_or_default();
    let callback_at = input
        .callback_at
        .as_deref()
        .filter(|s| !s.trim().is_empty())
        .and_then(|s| parse_time("callback_at", s, &mut errs));
    if callback_at.is_some_and(|t| t <= now) {
        errs.push("callback_at", "must be in the future");
    }
    let status = input
        .status
        .as_deref()
        .filter(|s| !s.trim().is_empty())
        .and_then(|s| errs.take("status", LeadStatus::parse(s)));
    if input.duration_s.is_some_and(|d| !(0..=86_400).contains(&d)) {
        errs.push("duration_s", "must be between 0 and 86400 seconds");
    }
    errs.into_result()?;
    let Some(disposition) = disposition else { unreachable!("validated above") };
    let mut tx = db.write().await?;
    let mut call = own_call(&mut tx, actor, id).await?;
    if call.disposition.is_some() {
        return Err(AppError::Conflict {
            field: Some("disposition".into()),
            message: "this call already has a disposition".into(),
        });
    }
    if call.state == "skipped" {
        return Err(AppError::Conflict { field: None, message: "this lead was skipped; it was not called".into() });
    }
    // A callback asked for without a time comes back in a day.
    let callback_at =
        callback_at.or_else(|| (disposition == Disposition::CallbackRequested).then(|| now + Duration::days(1)));
    call.disposition = Some(disposition.as_str().to_owned());
    call.disposed_at = Some(now);
    call.notes = notes;
    call.callback_at = callback_at;
    if call.duration_s.is_none() {
        call.duration_s = input.duration_s;
    }
    if call.ended_at.is_none() && call.started_at.is_some() {
        call.ended_at = Some(now);
    }
    if matches!(call.state.as_str(), "offered" | "dialing" | "ringing" | "answered") {
        call.state = "completed".into();
    }
    call.updated_at = now;
    store::calls::save(&mut tx, actor.org_id(), &call).await?;
    after_outcome(&mut tx, actor, &call, disposition, callback_at, now).await?;
    if let (Some(status), Some(lead_id)) = (status, call.lead_id) {
        set_status(&mut tx, actor, lead_id, status).await?;
    }
    to_timeline(&mut tx, actor.org_id(), &call).await?;
    audit::record(&mut tx, actor, call_subject(&call), "dispose", None, Some(&snapshot(&call))).await?;
    tx.commit().await?;
    Ok(call)
}

/// What an outcome does beyond the call record: suppression, callback task, queue move.
async fn after_outcome(
    tx: &mut Tx,
    actor: &Actor,
    call: &Call,
    disposition: Disposition,
    callback_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let number = if call.direction == "inbound" { call.from_number.clone() } else { call.to_number.clone() };
    if disposition == Disposition::DoNotCall
        && let Some(n) = &number
        && store::suppressions::key(n).is_some()
    {
        let added = store::suppressions::add(
            tx,
            actor.org_id(),
            &Suppression {
                number: n.clone(),
                source: "disposition".into(),
                reason: Some("do-not-call disposition".into()),
                added_by: Some(actor.user.id),
                created_at: now,
            },
        )
        .await?;
        if added {
            audit::record(
                tx,
                actor,
                Subject { entity_type: "suppression", entity_id: call.id, lead_id: call.lead_id },
                "create",
                None,
                json!({"number": n, "source": "disposition"}).as_object(),
            )
            .await?;
        }
    }
    if let (Some(at), Some(lead_id)) = (callback_at, call.lead_id) {
        let task = Task {
            id: store::new_id(),
            lead_id: Some(lead_id),
            user_id: call.user_id.unwrap_or(actor.user.id),
            kind: "call_back".into(),
            title: format!("Call back {}", number.as_deref().unwrap_or("")),
            due_at: at,
            done_at: None,
            call_id: Some(call.id),
            created_at: now,
        };
        store::tasks::insert(tx, actor.org_id(), &task).await?;
    }
    let (Some(campaign_id), Some(lead_id)) = (call.campaign_id, call.lead_id) else { return Ok(()) };
    let Some(campaign) = store::campaigns::get(tx, actor.org_id(), campaign_id).await? else { return Ok(()) };
    let Some(entry) = queue::entry(tx, campaign_id, lead_id).await? else { return Ok(()) };
    if entry.tier == Tier::Callback.as_i32() {
        store::tasks::complete_callbacks(tx, actor.org_id(), lead_id, call.user_id.unwrap_or(actor.user.id), now)
            .await?;
    }
    // A later lease by someone else (this one expired) keeps its lead.
    if entry.leased_call.is_some_and(|c| c != call.id) && entry.ready_at > now.timestamp_millis() {
        queue::record_attempt(tx, campaign_id, lead_id, disposition.as_str()).await?;
        return Ok(());
    }
    let (tier, rank, ready, cb_user) = placement(&campaign, disposition, callback_at, entry.attempts + 1, call, now);
    queue::place_after_attempt(tx, campaign_id, lead_id, disposition.as_str(), (tier, rank, ready, cb_user)).await?;
    Ok(())
}

/// Where a lead goes after an attempt: (tier, rank, ready_at, callback rep).
fn placement(
    campaign: &Campaign,
    disposition: Disposition,
    callback_at: Option<DateTime<Utc>>,
    attempts: i32,
    call: &Call,
    now: DateTime<Utc>,
) -> (Tier, i64, i64, Option<Uuid>) {
    let now_ms = now.timestamp_millis();
    if disposition == Disposition::DoNotCall {
        return (Tier::Suppressed, now_ms, now_ms, None);
    }
    if let Some(at) = callback_at {
        let ms = at.timestamp_millis();
        return (Tier::Callback, ms, ms, call.user_id);
    }
    if disposition == Disposition::WrongNumber {
        return (Tier::Done, now_ms, now_ms, None);
    }
    match campaign.rules.retry_minutes.get(disposition.as_str()) {
        Some(_) if attempts >= i32::try_from(campaign.rules.max_attempts).unwrap_or(i32::MAX) => {
            (Tier::Exhausted, now_ms, now_ms, None)
        }
        Some(minutes) => {
            let due = (now + Duration::minutes(*minutes)).timestamp_millis();
            (Tier::Retry, due, due, None)
        }
        None => (Tier::Done, now_ms, now_ms, None),
    }
}

async fn set_status(tx: &mut Tx, actor: &Actor, lead_id: Uuid, status: LeadStatus) -> Result<(), AppError> {
    let before = super::leads::load_editable(tx, actor, lead_id).await?;
    if before.status == status {
        return Ok(());
    }
    let mut lead = before.clone();
    lead.status = status;
    lead.updated_at = store::now();
    store::leads::update(tx, actor.org_id(), &lead).await?;
    let subject = Subject { entity_type: "lead", entity_id: lead.id, lead_id: Some(lead.id) };
    audit::record(
        tx,
        actor,
        subject,
        "update",
        Some(&super::leads::snapshot(&before)),
        Some(&super::leads::snapshot(&lead)),
    )
    .await?;
    Ok(())
}

/// Skips an offered lead; it rests for a while, then returns to the queue.
pub async fn skip(db: &Db, clock: &Clock, actor: &Actor, id: Uuid, input: SkipInput) -> Result<Call, AppError> {
    let now = clock.now();
    let reason = text::optional_line(input.reason.as_deref(), 200)
        .map_err(|e| AppError::field("reason", e.0))?
        .unwrap_or_else(|| "skipped".into());
    let mut tx = db.write().await?;
    let call = own_call(&mut tx, actor, id).await?;
    if call.state != "offered" || call.disposition.is_some() {
        return Err(AppError::Conflict { field: None, message: "only a lead not yet called can be skipped".into() });
    }
    dialer::give_back(&mut tx, actor, call, &reason, now, now + dialer::SKIP_REST).await?;
    let call = store::calls::get(&mut tx, actor.org_id(), id).await?.ok_or(AppError::NotFound("call"))?;
    tx.commit().await?;
    Ok(call)
}

/// Why a number may not be dialled now, if it may not.
async fn refusal(
    tx: &mut Tx,
    actor: &Actor,
    lead: &Lead,
    contact_dnc: bool,
    number: &str,
    window: &CallingWindow,
    now: DateTime<Utc>,
) -> Result<Option<String>, AppError> {
    if contact_dnc {
        return Ok(Some(format!("{number} belongs to a contact marked do-not-call")));
    }
    if store::suppressions::find(tx, actor.org_id(), number).await?.is_some() {
        return Ok(Some(format!("{number} is on the do-not-call list")));
    }
    let place = place_of(lead, number, &actor.org.time_zone);
    if !place.is_open(window, now) {
        let opens = place
            .next_open(window, now)
            .map(|t| format!("; the window opens at {}", place_times(&place, t)))
            .unwrap_or_default();
        return Ok(Some(format!(
            "outside the calling window ({} their time): it is {}{opens}",
            window.hours.label(),
            place.describe(now)
        )));
    }
    Ok(None)
}

fn place_times(place: &dialer::Place, t: DateTime<Utc>) -> String {
    place
        .zones
        .iter()
        .map(|z| format!("{} {}", leadline_domain::calling::local_clock(*z, t), z.name()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Finds the number to call on a lead: the one asked for (which must be the lead's),
/// or the first of the contact / lead. Returns (contact id, do-not-call flag, number).
async fn choose_number(
    tx: &mut Tx,
    actor: &Actor,
    lead: &Lead,
    contact_id: Option<Uuid>,
    number: Option<&str>,
) -> Result<(Option<Uuid>, bool, String), AppError> {
    let region = super::leads::org_region(actor);
    let wanted = match number.filter(|n| !n.trim().is_empty()) {
        Some(n) => Some(Phone::parse(n, region, None).map_err(|e| AppError::field("number", e.0))?.e164().to_owned()),
        None => None,
    };
    for contact in &lead.contacts {
        if contact_id.is_some_and(|id| id != contact.id) {
            continue;
        }
        for phone in &contact.phones {
            if wanted.as_ref().is_none_or(|w| *w == phone.e164) {
                return Ok((Some(contact.id), contact.do_not_call, phone.e164.clone()));
            }
        }
    }
    if contact_id.is_some() && !lead.contacts.iter().any(|c| Some(c.id) == contact_id) {
        return Err(AppError::field("contact_id", "is not a contact of this lead"));
    }
    let _ = tx;
    match wanted {
        Some(_) => Err(AppError::field("number", "is not a number of this lead's contacts")),
        None => Err(AppError::field("number", "this lead has no phone number to call")),
    }
}

/// Click-to-call: checks compliance (refused with the reason, no override), then
/// records the attempt's start.
pub async fn dial(db: &Db, clock: &Clock, actor: &Actor, input: DialInput) -> Result<(Call, String), AppError> {
    let now = clock.now();
    let lead_id = input.lead_id.ok_or_else(|| AppError::field("lead_id", "is required"))?;
    let mut tx = db.write().await?;
    let lead = store::leads::get(&mut tx, actor.org_id(), lead_id).await?.ok_or(AppError::NotFound("lead"))?;
    let (contact_id, dnc, number) =
        choose_number(&mut tx, actor, &lead, input.contact_id, input.number.as_deref()).await?;
    if let Some(why) = refusal(&mut tx, actor, &lead, dnc, &number, &CallingWindow::default(), now).await? {
        return Err(AppError::Conflict { field: Some("number".into()), message: format!("Call refused: {why}.") });
    }
    let place = place_of(&lead, &number, &actor.org.time_zone);
    let call = Call {
        lead_id: Some(lead.id),
        contact_id,
        user_id: Some(actor.user.id),
        direction: "outbound".into(),
        from_number: super::users::calling_settings(&mut tx, actor.user.id).await?.phone,
        to_number: Some(number.clone()),
        state: "dialing".into(),
        started_at: Some(now),
        zone_fallback: place.fallback,
        ..Call::blank(now)
    };
    store::calls::insert(&mut tx, actor.org_id(), &call).await?;
    to_timeline(&mut tx, actor.org_id(), &call).await?;
    let link = dialer::dial_link(&number, prefers_sip(&mut tx, actor).await?);
    tx.commit().await?;
    Ok((call, link))
}

/// "Call" on the call screen: checks the number again and records the start.
pub async fn start(db: &Db, clock: &Clock, actor: &Actor, id: Uuid) -> Result<(Call, String), AppError> {
    let now = clock.now();
    let mut tx = db.write().await?;
    let mut call = own_call(&mut tx, actor, id).await?;
    if call.disposition.is_some() || call.state == "skipped" {
        return Err(AppError::Conflict { field: None, message: "this call is over".into() });
    }
    let number = call.to_number.clone().unwrap_or_default();
    if call.started_at.is_none() {
        let lead_id = call.lead_id.ok_or(AppError::NotFound("lead"))?;
        let lead = store::leads::get(&mut tx, actor.org_id(), lead_id).await?.ok_or(AppError::NotFound("lead"))?;
        let window = match call.campaign_id {
            Some(c) => {
                store::campaigns::get(&mut tx, actor.org_id(), c).await?.map(|c| c.rules.window).unwrap_or_default()
            }
            None => CallingWindow::default(),
        };
        let dnc = lead.contacts.iter().any(|c| Some(c.id) == call.contact_id && c.do_not_call);
        if let Some(why) = refusal(&mut tx, actor, &lead, dnc, &number, &window, now).await? {
            return Err(AppError::Conflict { field: Some("number".into()), message: format!("Call refused: {why}.") });
        }
        call.started_at = Some(now);
        call.state = "dialing".into();
        call.updated_at = now;
        store::calls::save(&mut tx, actor.org_id(), &call).await?;
        to_timeline(&mut tx, actor.org_id(), &call).await?;
    }
    let link = dialer::dial_link(&number, prefers_sip(&mut tx, actor).await?);
    tx.commit().await?;
    Ok((call, link))
}

/// Logs a call made elsewhere.
pub async fn log(db: &Db, clock: &Clock, actor: &Actor, input: LogInput) -> Result<Call, AppError> {
    let now = clock.now();
    let mut errs = Errors::default();
    let lead_id = input.lead_id;
    if lead_id.is_none() {
        errs.push("lead_id", "is required");
    }
    let direction = input.direction.as_deref().unwrap_or("outbound").trim().to_lowercase();
    if !matches!(direction.as_str(), "outbound" | "inbound") {
        errs.push("direction", "must be outbound or inbound");
    }
    let started = input.started_at.as_deref().and_then(|s| parse_time("started_at", s, &mut errs)).unwrap_or(now);
    if started > now + Duration::minutes(5) {
        errs.push("started_at", "must not be in the future");
    }
    let disposition = input.disposition.as_deref().and_then(|d| errs.take("disposition", Disposition::parse(d)));
    if input.duration_s.is_some_and(|d| !(0..=86_400).contains(&d)) {
        errs.push("duration_s", "must be between 0 and 86400 seconds");
    }
    let notes = errs.take("notes", text::optional_block(input.notes.as_deref(), 20_000)).flatten().unwrap_or_default();
    let callback_at = input.callback_at.as_deref().and_then(|s| parse_time("callback_at", s, &mut errs));
    errs.into_result()?;
    let mut tx = db.write().await?;
    let lead = store::leads::get(&mut tx, actor.org_id(), lead_id.unwrap_or_default())
        .await?
        .ok_or(AppError::NotFound("lead"))?;
    let (contact_id, _, number) =
        choose_number(&mut tx, actor, &lead, input.contact_id, input.number.as_deref()).await?;
    let own = super::users::calling_settings(&mut tx, actor.user.id).await?.phone;
    let (from, to) = if direction == "inbound" { (Some(number), own) } else { (own, Some(number)) };
    let call = Call {
        lead_id: Some(lead.id),
        contact_id,
        user_id: Some(actor.user.id),
        direction,
        from_number: from,
        to_number: to,
        state: "logged".into(),
        started_at: Some(started),
        ended_at: input.duration_s.map(|d| started + Duration::seconds(d)),
        duration_s: input.duration_s,
        disposition: disposition.map(|d| d.as_str().to_owned()),
        disposed_at: disposition.map(|_| now),
        notes,
        callback_at,
        created_at: started,
        ..Call::blank(now)
    };
    store::calls::insert(&mut tx, actor.org_id(), &call).await?;
    if let Some(d) = disposition {
        after_outcome(&mut tx, actor, &call, d, callback_at, now).await?;
    }
    to_timeline(&mut tx, actor.org_id(), &call).await?;
    audit::record(&mut tx, actor, call_subject(&call), "create", None, Some(&snapshot(&call))).await?;
    tx.commit().await?;
    Ok(call)
}

/// Changes a call's notes (audited). Every other field is a record and stays.
pub async fn update_notes(db: &Db, clock: &Clock, actor: &Actor, id: Uuid, patch: CallPatch) -> Result<Call, AppError> {
    let mut errs = Errors::default();
    for field in patch.other.keys() {
        errs.push(field.clone(), "is part of the call record and cannot be changed; only notes can");
    }
    let notes = match &patch.notes {
        Some(n) => errs.take("notes", text::optional_block(Some(n), 20_000)).flatten().unwrap_or_default(),
        None => {
            errs.push("notes", "is required");
            String::new()
        }
    };
    errs.into_result()?;
    let mut tx = db.write().await?;
    let before = own_call(&mut tx, actor, id).await?;
    let mut call = before.clone();
    call.notes = notes;
    call.updated_at = clock.now();
    store::calls::save(&mut tx, actor.org_id(), &call).await?;
    if call.disposition.is_some() || call.state != "offered" {
        to_timeline(&mut tx, actor.org_id(), &call).await?;
    }
    let b = json!({"notes": before.notes});
    let a = json!({"notes": call.notes});
    audit::record(&mut tx, actor, call_subject(&call), "update", b.as_object(), a.as_object()).await?;
    tx.commit().await?;
    Ok(call)
}

/// What an inbound call did: the call, its lead, and whether the lead is new.
#[derive(Debug, Clone, serde::Serialize, ToSchema)]
pub struct InboundResult {
    pub call: Call,
    pub lead_id: Uuid,
    pub contact_id: Option<Uuid>,
    pub created_lead: bool,
    /// The rep who gets the call.
    pub user_id: Option<Uuid>,
}

/// An inbound call: the caller is matched by E.164 to a contact; an unknown caller
/// becomes a new lead owned by the called number's user (or the default owner).
pub async fn inbound(db: &Db, clock: &Clock, actor: &Actor, input: InboundInput) -> Result<InboundResult, AppError> {
    let now = clock.now();
    let region = super::leads::org_region(actor);
    let mut errs = Errors::default();
    let from = match input.from.as_deref() {
        Some(f) => errs.take("from", Phone::parse(f, region, None)),
        None => {
            errs.push("from", "is required (the caller's number)");
            None
        }
    };
    let to = match input.to.as_deref().filter(|t| !t.trim().is_empty()) {
        Some(t) => errs.take("to", Phone::parse(t, region, None)),
        None => None,
    };
    let started = input.started_at.as_deref().and_then(|s| parse_time("started_at", s, &mut errs)).unwrap_or(now);
    let provider = errs.take("provider_call_id", text::optional_line(input.provider_call_id.as_deref(), 200)).flatten();
    errs.into_result()?;
    let Some(from) = from else { unreachable!("validated above") };
    let mut tx = db.write().await?;
    if let Some(p) = &provider
        && let Some(existing) = store::calls::by_provider_id(&mut tx, actor.org_id(), p).await?
        && existing.direction == "inbound"
    {
        let result = InboundResult {
            lead_id: existing.lead_id.unwrap_or_default(),
            contact_id: existing.contact_id,
            created_lead: false,
            user_id: existing.user_id,
            call: existing,
        };
        tx.commit().await?;
        return Ok(result);
    }
    let owner_of_number = match &to {
        Some(t) => user_with_phone(&mut tx, actor.org_id(), t.e164()).await?,
        None => None,
    };
    let matched = contact_by_phone(&mut tx, actor.org_id(), from.digits()).await?;
    let (lead_id, contact_id, created, owner) = match matched {
        Some((lead_id, contact_id)) => {
            let lead = store::leads::get(&mut tx, actor.org_id(), lead_id).await?;
            let owner = owner_of_number.or(lead.and_then(|l| l.owner_id));
            (lead_id, Some(contact_id), false, owner)
        }
        None => {
            let owner = match owner_of_number {
                Some(o) => Some(o),
                None => default_owner(&mut tx, actor).await?,
            };
            let (lead_id, contact_id) = new_caller_lead(&mut tx, actor, &from, owner, now).await?;
            (lead_id, Some(contact_id), true, owner)
        }
    };
    let call = Call {
        lead_id: Some(lead_id),
        contact_id,
        user_id: owner,
        direction: "inbound".into(),
        from_number: Some(from.e164().to_owned()),
        to_number: to.map(|t| t.e164().to_owned()),
        state: "ringing".into(),
        provider_call_id: provider.clone(),
        started_at: Some(started),
        ringing_at: Some(started),
        ..Call::blank(now)
    };
    store::calls::insert(&mut tx, actor.org_id(), &call).await?;
    // Events that arrived before the call was known apply now.
    let call = match &provider {
        Some(p) => super::telephony::apply_events(&mut tx, actor.org_id(), p, now).await?.unwrap_or(call),
        None => call,
    };
    to_timeline(&mut tx, actor.org_id(), &call).await?;
    tx.commit().await?;
    Ok(InboundResult { lead_id, contact_id, created_lead: created, user_id: owner, call })
}

async fn user_with_phone(tx: &mut Tx, org: Uuid, e164: &str) -> anyhow::Result<Option<Uuid>> {
    crate::on_tx!(tx, |c| sqlx::query_scalar(
        "SELECT id FROM users WHERE org_id = $1 AND phone = $2 AND active = $3 LIMIT 1"
    )
    .bind(org)
    .bind(e164)
    .bind(true)
    .fetch_optional(c)
    .await)
    .map_err(Into::into)
}

async fn contact_by_phone(tx: &mut Tx, org: Uuid, digits: &str) -> anyhow::Result<Option<(Uuid, Uuid)>> {
    crate::on_tx!(tx, |c| sqlx::query_as(
        "SELECT p.lead_id, p.contact_id FROM contact_phones p JOIN contacts c ON c.id = p.contact_id
         WHERE p.org_id = $1 AND p.digits = $2 ORDER BY c.created_at LIMIT 1"
    )
    .bind(org)
    .bind(digits)
    .fetch_optional(c)
    .await)
    .map_err(Into::into)
}

/// The organization's default owner, else its first active admin.
async fn default_owner(tx: &mut Tx, actor: &Actor) -> anyhow::Result<Option<Uuid>> {
    let set: Option<Uuid> =
        crate::on_tx!(tx, |c| sqlx::query_scalar("SELECT default_owner_id FROM orgs WHERE id = $1")
            .bind(actor.org_id())
            .fetch_optional(c)
            .await)?
        .flatten();
    if set.is_some() {
        return Ok(set);
    }
    let users = store::auth::users_in_org(tx, actor.org_id()).await?;
    Ok(users
        .iter()
        .find(|u| u.active && u.role == leadline_domain::Role::Admin)
        .or(users.iter().find(|u| u.active))
        .map(|u| u.id))
}

async fn new_caller_lead(
    tx: &mut Tx,
    actor: &Actor,
    from: &Phone,
    owner: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<(Uuid, Uuid), AppError> {
    let input = super::input::NewLead {
        name: Some(format!("Caller {}", from.display())),
        kind: Some("person".into()),
        source: Some("inbound_call".into()),
        owner_id: owner,
        contacts: vec![super::input::NewContact {
            name: Some(format!("Caller {}", from.display())),
            phones: vec![super::input::PhoneInput::Text(from.e164().to_owned())],
            ..super::input::NewContact::default()
        }],
        ..super::input::NewLead::default()
    };
    let _ = now;
    let lead = super::leads::create_in(tx, actor, input).await?;
    let contact = lead.contacts.first().map(|c| c.id).unwrap_or_default();
    Ok((lead.id, contact))
}

/// The actor's inbound calls still waiting for a disposition, newest first.
pub async fn waiting_for(db: &Db, actor: &Actor) -> Result<Vec<Call>, AppError> {
    let mut tx = db.read().await?;
    let calls = store::calls::inbound_waiting(&mut tx, actor.org_id(), actor.user.id).await?;
    tx.commit().await?;
    Ok(calls)
}

/// The filters of the call record list, as given (query parameters).
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CallListParams {
    /// `me`: only the caller's inbound calls still waiting for a disposition (one page;
    /// the other filters do not apply).
    pub waiting: Option<String>,
    /// The calls of one lead.
    pub lead_id: Option<String>,
    /// The calls of one rep: a user id or `me`.
    pub user_id: Option<String>,
    pub campaign_id: Option<String>,
    /// `inbound` or `outbound`.
    pub direction: Option<String>,
    /// One disposition, e.g. `meeting_booked`.
    pub disposition: Option<String>,
    /// Calls recorded from this RFC 3339 time, or from the start of this date (YYYY-MM-DD)
    /// in the organization's time zone. (A call logged after the fact is recorded when it
    /// is logged; reports count it on the day it happened.)
    pub from: Option<String>,
    /// Calls recorded until this RFC 3339 time (excluded), or to the end of this date
    /// (included).
    pub to: Option<String>,
    /// 1–500, default 100.
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// A page of call records, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct CallPage {
    pub items: Vec<Call>,
    /// Pass as `cursor` for the next page; `null` on the last.
    pub next_cursor: Option<String>,
}

/// Call records of the organization, filtered and a page at a time.
pub async fn page(db: &Db, actor: &Actor, p: &CallListParams) -> Result<CallPage, AppError> {
    let mut errs = Errors::default();
    let id = |errs: &mut Errors, field: &str, v: &Option<String>| {
        let v = v.as_deref().map(str::trim).filter(|v| !v.is_empty())?;
        errs.take(field, Uuid::parse_str(v).map_err(|_| leadline_domain::Invalid::new("is not an id")))
    };
    let zone: Tz = actor.org.time_zone.parse().unwrap_or(Tz::UTC);
    let time = |errs: &mut Errors, field: &str, v: &Option<String>, end: bool| {
        let v = v.as_deref().map(str::trim).filter(|v| !v.is_empty())?;
        errs.take(field, super::leads::parse_time(v, end, zone))
    };
    let user = match p.user_id.as_deref().map(str::trim) {
        Some("me") => Some(actor.user.id),
        _ => id(&mut errs, "user_id", &p.user_id),
    };
    let direction = p.direction.as_deref().map(str::trim).filter(|d| !d.is_empty()).map(str::to_owned);
    if let Some(d) = direction.as_deref()
        && !matches!(d, "inbound" | "outbound")
    {
        errs.push("direction", "must be inbound or outbound");
    }
    let disposition = p.disposition.as_deref().map(str::trim).filter(|d| !d.is_empty());
    let disposition =
        disposition.and_then(|d| errs.take("disposition", Disposition::parse(d))).map(|d| d.as_str().to_owned());
    let filter = store::calls::CallFilter {
        lead: id(&mut errs, "lead_id", &p.lead_id),
        user,
        campaign: id(&mut errs, "campaign_id", &p.campaign_id),
        direction,
        disposition,
        from: time(&mut errs, "from", &p.from, false),
        to: time(&mut errs, "to", &p.to, true),
    };
    let limit = p.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        errs.push("limit", "must be between 1 and 500");
    }
    let before = p.cursor.as_deref().filter(|c| !c.is_empty()).and_then(|c| {
        let decoded = super::cursor::decode(c);
        if decoded.is_none() {
            errs.push("cursor", "is not a cursor of this list");
        }
        decoded
    });
    errs.into_result()?;
    let mut tx = db.read().await?;
    if let Some(lead) = filter.lead
        && store::leads::names(&mut tx, actor.org_id(), &[lead]).await?.is_empty()
    {
        return Err(AppError::NotFound("lead"));
    }
    let mut items = store::calls::page(&mut tx, actor.org_id(), &filter, before, limit + 1).await?;
    tx.commit().await?;
    let limit = usize::try_from(limit).unwrap_or(0);
    let next_cursor = if items.len() > limit {
        items.truncate(limit);
        items.last().map(|c| super::cursor::encode(c.created_at, c.id))
    } else {
        None
    };
    Ok(CallPage { items, next_cursor })
}

/// The names of the leads of `calls`, for lists of calls.
pub async fn lead_names(db: &Db, actor: &Actor, calls: &[Call]) -> Result<HashMap<Uuid, String>, AppError> {
    let mut ids: Vec<Uuid> = calls.iter().filter_map(|c| c.lead_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let mut tx = db.read().await?;
    let names = store::leads::names(&mut tx, actor.org_id(), &ids).await?;
    tx.commit().await?;
    Ok(names)
}

/// Whether the lead's numbers may be called, for the lead page.
pub async fn check(
    db: &Db,
    clock: &Clock,
    actor: &Actor,
    lead_id: Uuid,
) -> Result<Vec<(String, Option<String>)>, AppError> {
    let now = clock.now();
    let mut tx = db.read().await?;
    let lead = store::leads::get(&mut tx, actor.org_id(), lead_id).await?.ok_or(AppError::NotFound("lead"))?;
    let mut out = Vec::new();
    for c in &lead.contacts {
        for p in &c.phones {
            let why = refusal(&mut tx, actor, &lead, c.do_not_call, &p.e164, &CallingWindow::default(), now).await?;
            out.push((p.e164.clone(), why));
        }
    }
    tx.commit().await?;
    Ok(out)
}
