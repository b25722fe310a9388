//! The power dialer: a rep's session hands out one callable lead after another.
//!
//! Order: the rep's due callbacks, then never-attempted leads (highest score, then
//! oldest), then leads due for a retry. A lead is leased to one rep until its
//! disposition, a skip, the end of the session or 10 minutes. Before a lead is handed
//! out it is checked again as it is now: still matching the filter, a number that is
//! neither suppressed nor on a do-not-call contact, the calling window open in every
//! zone of the callee.

use super::{Actor, AppError, campaigns};
use crate::{
    clock::Clock,
    store::{
        self, Db, Tx,
        calls::Call,
        campaigns::{Campaign, Session},
        contacts::Contact,
        leads::Lead,
        queue::{self, Tier},
        search::{LeadQuery, OwnerFilter},
    },
};
use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use leadline_domain::{CallingWindow, calling, phone::region_of, timezone};
use serde::Serialize;
use std::collections::HashSet;
use utoipa::ToSchema;
use uuid::Uuid;

/// How long a lead stays with a rep without a disposition.
pub const LEASE: Duration = Duration::minutes(10);
/// How long a skipped lead rests before it is handed out again.
pub const SKIP_REST: Duration = Duration::minutes(15);

/// What `next` answers: a lead to call, or why there is none.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Offer {
    /// The call record for this attempt; `null` when nothing is callable.
    pub call_id: Option<Uuid>,
    pub session_id: Uuid,
    pub campaign_id: Uuid,
    /// Why nothing is callable (only when `call_id` is null).
    pub reason: Option<String>,
    pub lead: Option<Lead>,
    pub contact: Option<Contact>,
    /// The number to dial, E.164.
    pub number: Option<String>,
    /// `tel:` (or `sip:`) link for the number.
    pub dial_link: Option<String>,
    /// Zones the callee may be in (the window is open in all of them).
    pub callee_time_zones: Vec<String>,
    /// The callee's local time (`HH:MM`) in each zone, in the same order.
    pub callee_local_times: Vec<String>,
    /// True when the callee's zone is unknown and the organization's zone was used.
    pub zone_fallback: bool,
    /// Attempts made before this one.
    pub attempts: i32,
    /// This lead asked this rep to call back.
    pub callback: bool,
    pub waiting: Option<Waiting>,
}

/// What the queue holds that cannot be called right now.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct Waiting {
    /// Leads whose calling window is closed now.
    pub for_window: i64,
    /// When the next window opens.
    pub next_window_at: Option<DateTime<Utc>>,
    /// Leads waiting until a retry is due.
    pub for_retry: i64,
    pub next_retry_at: Option<DateTime<Utc>>,
    /// Callbacks scheduled, each for the rep who set it.
    pub callbacks: i64,
    /// Leads held by other reps right now.
    pub held: i64,
    pub done: i64,
    pub exhausted: i64,
    pub suppressed: i64,
}

/// Where a callee is, as the window needs it.
pub struct Place {
    pub zones: Vec<Tz>,
    pub zone_names: Vec<String>,
    pub fallback: bool,
    pub country: Option<String>,
    pub region: Option<String>,
}

/// The callee's place for a number of a lead: the lead's zones (or the number's, when
/// the lead has none), else the organization's zone, flagged.
#[must_use]
pub fn place_of(lead: &Lead, number: &str, org_zone: &str) -> Place {
    let mut names = lead.time_zones.clone();
    if names.is_empty() {
        names = timezone::zones_for_phone(number);
    }
    let (zones, fallback) = calling::effective_zones(&names, org_zone);
    let country = lead.address.country.clone().or_else(|| region_of(number));
    Place {
        zone_names: zones.iter().map(|z| z.name().to_owned()).collect(),
        zones,
        fallback,
        country,
        region: lead.address.region.clone(),
    }
}

impl Place {
    #[must_use]
    pub fn is_open(&self, w: &CallingWindow, at: DateTime<Utc>) -> bool {
        w.is_open(&self.zones, self.country.as_deref(), self.region.as_deref(), at)
    }

    #[must_use]
    pub fn next_open(&self, w: &CallingWindow, at: DateTime<Utc>) -> Option<DateTime<Utc>> {
        w.next_open(&self.zones, self.country.as_deref(), self.region.as_deref(), at)
    }

    #[must_use]
    pub fn local_times(&self, at: DateTime<Utc>) -> Vec<String> {
        self.zones.iter().map(|z| calling::local_clock(*z, at)).collect()
    }

    /// "07:12 their time (Europe/Helsinki)".
    #[must_use]
    pub fn describe(&self, at: DateTime<Utc>) -> String {
        self.zones
            .iter()
            .map(|z| format!("{} their time ({})", calling::local_clock(*z, at), z.name()))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The first number of the lead that may be dialled, with its contact: the contact is not
/// marked do-not-call and the number is not among `suppressed` (the organization's list).
/// `None`: nothing to call (no phone, or every number listed or its contact do-not-call);
/// the lead then waits as suppressed until a number may be called.
#[must_use]
pub fn reachable(lead: &Lead, suppressed: &HashSet<String>) -> Option<(Contact, String)> {
    lead.contacts.iter().filter(|c| !c.do_not_call).find_map(|contact| {
        let phone = contact.phones.iter().find(|p| !suppressed.contains(&p.e164))?;
        Some((contact.clone(), phone.e164.clone()))
    })
}

/// True when the lead still matches the campaign's filter (free text is matched when
/// the lead joins only).
fn still_matches(lead: &Lead, q: &LeadQuery) -> bool {
    (q.statuses.is_empty() || q.statuses.contains(&lead.status))
        && match q.owner {
            Some(OwnerFilter::User(u)) => lead.owner_id == Some(u),
            Some(OwnerFilter::Unassigned) => lead.owner_id.is_none(),
            None => true,
        }
        && q.tags.iter().all(|t| lead.tags.contains(t))
        && (q.countries.is_empty() || lead.address.country.as_ref().is_some_and(|c| q.countries.contains(c)))
        && q.kind.as_ref().is_none_or(|k| lead.kind.as_str() == k)
}

/// The `tel:` or `sip:` link for a number.
#[must_use]
pub fn dial_link(number: &str, sip: bool) -> String {
    if sip { format!("sip:{number}") } else { format!("tel:{number}") }
}

pub async fn start(db: &Db, clock: &Clock, actor: &Actor, campaign_id: Uuid) -> Result<Session, AppError> {
    let mut tx = db.write().await?;
    let mut campaign = campaigns::load(&mut tx, actor, campaign_id).await?;
    if !campaign.active {
        return Err(AppError::Conflict { field: Some("campaign_id".into()), message: "the campaign is paused".into() });
    }
    campaigns::catch_up(&mut tx, actor, &mut campaign).await?;
    let session =
        Session { id: store::new_id(), campaign_id, user_id: actor.user.id, started_at: clock.now(), ended_at: None };
    store::campaigns::insert_session(&mut tx, actor.org_id(), &session).await?;
    tx.commit().await?;
    Ok(session)
}

/// Loads the actor's own session.
async fn own_session(tx: &mut Tx, actor: &Actor, id: Uuid) -> Result<Session, AppError> {
    let s = store::campaigns::session(tx, actor.org_id(), id).await?.ok_or(AppError::NotFound("session"))?;
    if s.user_id != actor.user.id {
        return Err(AppError::NotFound("session"));
    }
    Ok(s)
}

pub async fn session(db: &Db, actor: &Actor, id: Uuid) -> Result<Session, AppError> {
    let mut tx = db.read().await?;
    let s = own_session(&mut tx, actor, id).await?;
    tx.commit().await?;
    Ok(s)
}

/// Ends a session: leads it still holds go back to the queue at once.
pub async fn end(db: &Db, clock: &Clock, actor: &Actor, id: Uuid) -> Result<Session, AppError> {
    let now = clock.now();
    let mut tx = db.write().await?;
    let mut s = own_session(&mut tx, actor, id).await?;
    for call in store::calls::open_in_session(&mut tx, actor.org_id(), s.id).await? {
        if call.state == "offered" {
            give_back(&mut tx, actor, call, "session ended", now, now).await?;
        }
    }
    store::campaigns::end_session(&mut tx, s.id, now).await?;
    s.ended_at.get_or_insert(now);
    tx.commit().await?;
    Ok(s)
}

/// Marks an offered call skipped and returns its lead to the queue at `ready_at`.
pub(crate) async fn give_back(
    tx: &mut Tx,
    actor: &Actor,
    mut call: Call,
    reason: &str,
    now: DateTime<Utc>,
    ready_at: DateTime<Utc>,
) -> Result<(), AppError> {
    call.state = "skipped".into();
    call.skip_reason = Some(reason.to_owned());
    call.updated_at = now;
    store::calls::save(tx, actor.org_id(), &call).await?;
    if let (Some(campaign), Some(lead)) = (call.campaign_id, call.lead_id) {
        queue::release(tx, campaign, lead, call.id, ready_at.timestamp_millis()).await?;
    }
    Ok(())
}

/// The next lead for the session's rep.
pub async fn next(db: &Db, clock: &Clock, actor: &Actor, session_id: Uuid) -> Result<Offer, AppError> {
    let now = clock.now();
    let mut tx = db.write_offer().await?;
    let ctx = store::campaigns::session_context(&mut tx, actor.org_id(), session_id, now.timestamp_millis())
        .await?
        .filter(|c| c.session.user_id == actor.user.id)
        .ok_or(AppError::NotFound("session"))?;
    let (session, mut campaign) = (ctx.session, ctx.campaign);
    if session.ended_at.is_some() {
        return Err(AppError::Conflict { field: None, message: "this session has ended; start a new one".into() });
    }
    if !campaigns::works_on(&mut tx, actor, &campaign).await? {
        return Err(AppError::NotFound("campaign"));
    }
    let settings = super::users::CallingSettings { phone: ctx.phone, dial_scheme: Some(ctx.dial_scheme) };
    // A lead already handed out in this session and still held comes back first.
    if ctx.holds_offer {
        for call in store::calls::open_in_session(&mut tx, actor.org_id(), session.id).await? {
            let (Some(lead_id), true) = (call.lead_id, call.state == "offered") else { continue };
            let entry = queue::entry(&mut tx, campaign.id, lead_id).await?;
            let held =
                entry.as_ref().is_some_and(|e| e.leased_call == Some(call.id) && e.ready_at > now.timestamp_millis());
            if held {
                let offer = offer_for(&mut tx, actor, &campaign, &session, &call, None, entry, &settings, now).await?;
                tx.commit().await?;
                return Ok(offer);
            }
            give_back(&mut tx, actor, call, "lease expired", now, now).await?;
        }
    }
    let offer = if campaign.active {
        campaigns::catch_up(&mut tx, actor, &mut campaign).await?;
        let picking =
            Picking { campaign: &campaign, session: &session, settings: &settings, callback_due: ctx.callback_due };
        let picked;
        (tx, picked) = pick(db, tx, actor, &picking, now).await?;
        picked
    } else {
        None
    };
    let offer = match offer {
        Some(o) => o,
        None => {
            let waiting = waiting(&mut tx, actor, &campaign, now).await?;
            let reason = if campaign.active { explain(&waiting, actor, now) } else { "The campaign is paused.".into() };
            Offer {
                call_id: None,
                session_id: session.id,
                campaign_id: campaign.id,
                reason: Some(reason),
                lead: None,
                contact: None,
                number: None,
                dial_link: None,
                callee_time_zones: Vec::new(),
                callee_local_times: Vec::new(),
                zone_fallback: false,
                attempts: 0,
                callback: false,
                waiting: Some(waiting),
            }
        }
    };
    tx.commit().await?;
    Ok(offer)
}

/// What `pick` works with.
struct Picking<'a> {
    campaign: &'a Campaign,
    session: &'a Session,
    settings: &'a super::users::CallingSettings,
    /// One of the rep's callbacks is due (else their callbacks are not looked for).
    callback_due: bool,
}

/// Commits what `pick` decided about a lead it will not offer (out of the queue, or
/// back to wait for its window) and goes on in a new transaction: the row's lock ends
/// at once, so other reps' reads see the lead gone instead of stumbling on it for as
/// long as this request keeps looking.
async fn settle(db: &Db, tx: Tx) -> Result<Tx, AppError> {
    tx.commit().await?;
    Ok(db.write_offer().await?)
}

/// Most leads one request looks at before it answers (those it passes over leave the
/// queue or wait for their window, committed as it goes).
const PICK_ROUNDS: usize = 200;

/// Finds, leases and checks the next lead; `None` when nothing is callable now. Returns
/// the transaction to go on with (leads passed over are committed on the way).
async fn pick(
    db: &Db,
    mut tx: Tx,
    actor: &Actor,
    p: &Picking<'_>,
    now: DateTime<Utc>,
) -> Result<(Tx, Option<Offer>), AppError> {
    let (campaign, session) = (p.campaign, p.session);
    let now_ms = now.timestamp_millis();
    let org_zone = actor.org.time_zone.clone();
    let window = &campaign.rules.window;
    let open: Vec<i64> = queue::groups(&mut tx, campaign.id)
        .await?
        .into_iter()
        .filter(|g| {
            let names: Vec<String> = g.zones.split(',').filter(|z| !z.is_empty()).map(str::to_owned).collect();
            let (zones, _) = calling::effective_zones(&names, &org_zone);
            let country = Some(g.country.as_str()).filter(|c| !c.is_empty());
            let region = Some(g.region.as_str()).filter(|r| !r.is_empty());
            // Rules only narrow the window, so a group closed without knowing its country
            // is closed; leads whose country comes from their number are checked below.
            window.is_open(&zones, country, region, now)
        })
        .map(|g| g.id)
        .collect();
    let query = campaigns::query_of(actor, &campaign.filter)?;
    let mut callback_due = p.callback_due;
    for _round in 0..PICK_ROUNDS {
        let mut candidates = Vec::new();
        let mut from_hopper = false;
        if callback_due {
            candidates = queue::due_callbacks(&mut tx, campaign.id, actor.user.id, now_ms, 5).await?;
            callback_due = !candidates.is_empty();
        }
        let mut candidates: Vec<Uuid> = candidates.into_iter().map(|(id, _)| id).collect();
        if candidates.is_empty() {
            candidates = queue::fresh(&mut tx, campaign.id, &open, now_ms, 4).await?;
            from_hopper = true;
        }
        if candidates.is_empty() {
            from_hopper = false;
            candidates = queue::candidates(&mut tx, campaign.id, &open, Tier::Retry, now_ms, 3)
                .await?
                .into_iter()
                .map(|(id, _)| id)
                .collect();
        }
        if candidates.is_empty() {
            return Ok((tx, None));
        }
        let call_id = store::new_id();
        let leased = queue::lease_first(
            &mut tx,
            campaign.id,
            &candidates,
            actor.user.id,
            call_id,
            now_ms,
            (now + LEASE).timestamp_millis(),
        )
        .await?;
        if from_hopper {
            // Those before the leased one were taken by others; the leased one is ours.
            let upto = leased
                .as_ref()
                .and_then(|e| candidates.iter().position(|id| *id == e.entry.lead_id))
                .map_or(candidates.len(), |i| i + 1);
            queue::taken(campaign.id, &candidates[..upto]);
        }
        let Some(queue::Leased { entry: leased, lead: row }) = leased else { continue };
        let lead_id = leased.lead_id;
        let rank = leased.rank;
        let tier = Tier::from_i32(leased.tier);
        let attempts = leased.attempts;
        let callback_user = leased.callback_user;
        let entry = Some(leased);
        let loaded = match row {
            Some(lead) => Some(store::leads::complete_for_calling(&mut tx, actor.org_id(), lead).await?),
            None => store::leads::get_for_calling(&mut tx, actor.org_id(), lead_id).await?,
        };
        let Some((lead, suppressed)) = loaded else {
            queue::place(&mut tx, campaign.id, lead_id, Tier::Left, rank, now_ms, None).await?;
            tx = settle(db, tx).await?;
            continue;
        };
        if !still_matches(&lead, &query) {
            queue::place(&mut tx, campaign.id, lead_id, Tier::Left, rank, now_ms, None).await?;
            tx = settle(db, tx).await?;
            continue;
        }
        if tier != Tier::Callback && attempts >= i32::try_from(campaign.rules.max_attempts).unwrap_or(i32::MAX) {
            queue::place(&mut tx, campaign.id, lead_id, Tier::Exhausted, rank, now_ms, None).await?;
            tx = settle(db, tx).await?;
            continue;
        }
        let Some((contact, number)) = reachable(&lead, &suppressed) else {
            queue::place(&mut tx, campaign.id, lead_id, Tier::Suppressed, rank, now_ms, None).await?;
            tx = settle(db, tx).await?;
            continue;
        };
        let place = place_of(&lead, &number, &org_zone);
        if !place.is_open(window, now) {
            let opens = place.next_open(window, now).unwrap_or(now + Duration::days(1));
            queue::place(&mut tx, campaign.id, lead_id, tier, rank, opens.timestamp_millis(), callback_user).await?;
            tx = settle(db, tx).await?;
            continue;
        }
        let call = Call {
            id: call_id,
            lead_id: Some(lead.id),
            contact_id: Some(contact.id),
            campaign_id: Some(campaign.id),
            session_id: Some(session.id),
            user_id: Some(actor.user.id),
            direction: "outbound".into(),
            from_number: p.settings.phone.clone(),
            to_number: Some(number.clone()),
            state: "offered".into(),
            offered_at: Some(now),
            zone_fallback: place.fallback,
            ..Call::blank(now)
        };
        store::calls::insert(&mut tx, actor.org_id(), &call).await?;
        let offer = offer_for(&mut tx, actor, campaign, session, &call, Some(lead), entry, p.settings, now).await?;
        return Ok((tx, Some(offer)));
    }
    Ok((tx, None))
}

#[expect(clippy::too_many_arguments, reason = "what `pick` already loaded is passed on instead of read again")]
async fn offer_for(
    tx: &mut Tx,
    actor: &Actor,
    campaign: &Campaign,
    session: &Session,
    call: &Call,
    loaded: Option<Lead>,
    entry: Option<queue::Entry>,
    settings: &super::users::CallingSettings,
    now: DateTime<Utc>,
) -> Result<Offer, AppError> {
    let lead_id = call.lead_id.ok_or(AppError::NotFound("lead"))?;
    let lead = match loaded {
        Some(l) => l,
        None => store::leads::get(tx, actor.org_id(), lead_id).await?.ok_or(AppError::NotFound("lead"))?,
    };
    let number = call.to_number.clone().unwrap_or_default();
    let place = place_of(&lead, &number, &actor.org.time_zone);
    let contact = lead.contacts.iter().find(|c| Some(c.id) == call.contact_id).cloned();
    let sip = settings.dial_scheme.as_deref() == Some("sip");
    Ok(Offer {
        call_id: Some(call.id),
        session_id: session.id,
        campaign_id: campaign.id,
        reason: None,
        contact,
        dial_link: Some(dial_link(&number, sip)),
        number: Some(number),
        callee_time_zones: place.zone_names.clone(),
        callee_local_times: place.local_times(now),
        zone_fallback: place.fallback,
        attempts: entry.as_ref().map_or(0, |e| e.attempts),
        callback: entry.is_some_and(|e| e.tier == Tier::Callback.as_i32()),
        waiting: None,
        lead: Some(lead),
    })
}

/// Counts what the queue holds that is not callable now.
pub async fn waiting(tx: &mut Tx, actor: &Actor, campaign: &Campaign, now: DateTime<Utc>) -> Result<Waiting, AppError> {
    let now_ms = now.timestamp_millis();
    let groups = queue::groups(tx, campaign.id).await?;
    let mut w = Waiting::default();
    for (group_id, tier, count, ready, not_ready_min) in queue::counts(tx, campaign.id, now_ms).await? {
        let tier = Tier::from_i32(tier);
        match tier {
            Tier::Done => w.done += count,
            Tier::Exhausted => w.exhausted += count,
            Tier::Suppressed => w.suppressed += count,
            Tier::Left => {}
            Tier::Callback => w.callbacks += count,
            Tier::Fresh | Tier::Retry => {
                let Some(g) = groups.iter().find(|g| g.id == group_id) else { continue };
                let names: Vec<String> = g.zones.split(',').filter(|z| !z.is_empty()).map(str::to_owned).collect();
                let (zones, _) = calling::effective_zones(&names, &actor.org.time_zone);
                let country = Some(g.country.as_str()).filter(|c| !c.is_empty());
                let region = Some(g.region.as_str()).filter(|r| !r.is_empty());
                let window = &campaign.rules.window;
                if window.is_open(&zones, country, region, now) {
                    w.for_retry += count - ready;
                } else {
                    w.for_window += ready;
                    w.for_retry += count - ready;
                    if ready > 0
                        && let Some(t) = window.next_open(&zones, country, region, now)
                    {
                        w.next_window_at = Some(w.next_window_at.map_or(t, |x| x.min(t)));
                    }
                }
                if let Some(t) = not_ready_min.and_then(DateTime::from_timestamp_millis) {
                    w.next_retry_at = Some(w.next_retry_at.map_or(t, |x| x.min(t)));
                }
            }
        }
    }
    // Rows held right now are rows whose lease runs: counted among those "not ready",
    // as callbacks or with the retries.
    let (held, held_callbacks) = crate::on_tx!(tx, |c| sqlx::query_as::<_, (i64, i64)>(
        "SELECT COUNT(*), COALESCE(SUM(CASE WHEN q.tier = $3 THEN 1 ELSE 0 END), 0)
         FROM calls c LEFT JOIN campaign_leads q ON q.campaign_id = c.campaign_id AND q.lead_id = c.lead_id
         WHERE c.campaign_id = $1 AND c.state = 'offered' AND c.offered_at > $2"
    )
    .bind(campaign.id)
    .bind(now - LEASE)
    .bind(Tier::Callback.as_i32())
    .fetch_one(c)
    .await)
    .map_err(anyhow::Error::from)?;
    w.held = held;
    w.callbacks = (w.callbacks - held_callbacks).max(0);
    w.for_retry = (w.for_retry - (held - held_callbacks)).max(0);
    Ok(w)
}

/// "312 leads wait for their calling window; next opens 14:00 your time."
fn explain(w: &Waiting, actor: &Actor, now: DateTime<Utc>) -> String {
    let zone: Tz = actor.org.time_zone.parse().unwrap_or(Tz::UTC);
    let at = |t: DateTime<Utc>| {
        let local = t.with_timezone(&zone);
        if local.date_naive() == now.with_timezone(&zone).date_naive() {
            format!("{} your time", local.format("%H:%M"))
        } else {
            format!("{} your time", local.format("%a %d %b %H:%M"))
        }
    };
    let mut parts = Vec::new();
    if w.for_window > 0 {
        let next = w.next_window_at.map(|t| format!("; next opens {}", at(t))).unwrap_or_default();
        parts.push(format!("{} {} for their calling window{next}", w.for_window, leads(w.for_window, "waits", "wait")));
    }
    if w.for_retry > 0 {
        let next = w.next_retry_at.map(|t| format!("; next due {}", at(t))).unwrap_or_default();
        parts.push(format!("{} {} for a retry{next}", w.for_retry, leads(w.for_retry, "waits", "wait")));
    }
    if w.callbacks > 0 {
        let (n, what) = if w.callbacks == 1 { ("callback is", "its rep") } else { ("callbacks are", "their reps") };
        parts.push(format!("{} {n} scheduled for {what}", w.callbacks));
    }
    if w.held > 0 {
        parts.push(format!("{} {} with other reps", w.held, leads(w.held, "is", "are")));
    }
    if parts.is_empty() {
        let total = w.done + w.exhausted + w.suppressed;
        if total == 0 {
            return "No leads match this campaign's filter.".into();
        }
        return format!(
            "Every lead has been worked: {} done, {} reached the maximum attempts, {} suppressed (no number that may be called).",
            w.done, w.exhausted, w.suppressed
        );
    }
    let mut text = parts.join(". ");
    text.push('.');
    text
}

fn leads(n: i64, one: &str, many: &str) -> String {
    if n == 1 { format!("lead {one}") } else { format!("leads {many}") }
}
