//! Call metrics for managers: per rep and day (in the organization's time zone), and
//! per campaign.

use super::{Actor, AppError, campaigns, dialer};
use crate::{
    clock::Clock,
    store::{self, Db},
};
use chrono::{NaiveDate, TimeZone};
use chrono_tz::Tz;
use leadline_domain::Disposition;
use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;
use uuid::Uuid;

/// One rep's calls on one day.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct RepDay {
    pub user_id: Uuid,
    pub user_name: String,
    /// The organization's local date.
    pub date: NaiveDate,
    /// Outbound attempts (dialled or given a disposition).
    pub dials: i64,
    /// Outbound attempts where the person was reached.
    pub connects: i64,
    /// connects / dials, 0–1.
    pub connect_rate: f64,
    /// Seconds, outbound and inbound.
    pub talk_time_s: i64,
    /// Inbound calls to the rep.
    pub inbound: i64,
    /// Inbound calls that were answered.
    pub inbound_answered: i64,
    #[schema(value_type = Object)]
    pub dispositions: BTreeMap<String, i64>,
    pub callbacks_set: i64,
    pub meetings_booked: i64,
}

/// Per rep and day for the days `from..=to` (organization dates).
pub async fn rep_days(db: &Db, actor: &Actor, from: NaiveDate, to: NaiveDate) -> Result<Vec<RepDay>, AppError> {
    if !actor.user.role.deletes_leads() && actor.user.role != leadline_domain::Role::InsideRep {
        return Err(AppError::Forbidden("call reports are for managers, admins and inside reps".into()));
    }
    if to < from || (to - from).num_days() > 366 {
        return Err(AppError::field("to", "must be on or after from, at most a year later"));
    }
    let zone: Tz = actor.org.time_zone.parse().unwrap_or(Tz::UTC);
    let start = zone.from_local_datetime(&from.and_hms_opt(0, 0, 0).unwrap_or_default()).earliest();
    let end =
        zone.from_local_datetime(&to.succ_opt().unwrap_or(to).and_hms_opt(0, 0, 0).unwrap_or_default()).earliest();
    let (Some(start), Some(end)) = (start, end) else { return Err(AppError::field("from", "is not a valid date")) };
    let mut tx = db.read().await?;
    let calls = store::calls::between(&mut tx, actor.org_id(), start.to_utc(), end.to_utc()).await?;
    let users = store::auth::users_in_org(&mut tx, actor.org_id()).await?;
    tx.commit().await?;
    let mut out: BTreeMap<(NaiveDate, Uuid), RepDay> = BTreeMap::new();
    for call in calls {
        let Some(user) = call.user_id else { continue };
        if call.state == "skipped" || (call.state == "offered" && call.disposition.is_none()) {
            continue;
        }
        // Reps see their own figures only.
        if !actor.user.role.deletes_leads() && user != actor.user.id {
            continue;
        }
        // The day the call happened, which for a call logged later is not the day it was
        // recorded.
        let at = call.started_at.or(call.disposed_at).unwrap_or(call.created_at);
        let date = at.with_timezone(&zone).date_naive();
        if date < from || date > to {
            continue;
        }
        let day = out.entry((date, user)).or_insert_with(|| RepDay {
            user_id: user,
            user_name: users.iter().find(|u| u.id == user).map(|u| u.name.clone()).unwrap_or_default(),
            date,
            ..RepDay::default()
        });
        let disposition = call.disposition.as_deref().and_then(|d| Disposition::parse(d).ok());
        let reached = disposition.is_some_and(Disposition::is_connect) || call.answered_at.is_some();
        if call.direction == "inbound" {
            day.inbound += 1;
            day.inbound_answered += i64::from(reached);
        } else {
            day.dials += 1;
            day.connects += i64::from(reached);
        }
        day.talk_time_s += call.duration_s.unwrap_or(0);
        if let Some(d) = disposition {
            *day.dispositions.entry(d.as_str().to_owned()).or_default() += 1;
            if d == Disposition::MeetingBooked {
                day.meetings_booked += 1;
            }
        }
        if call.callback_at.is_some() {
            day.callbacks_set += 1;
        }
    }
    let mut days: Vec<RepDay> = out.into_values().collect();
    for d in &mut days {
        #[expect(clippy::cast_precision_loss, reason = "call counts are far below 2^52")]
        {
            d.connect_rate = if d.dials > 0 { d.connects as f64 / d.dials as f64 } else { 0.0 };
        }
    }
    Ok(days)
}

/// Where a campaign's leads stand.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CampaignStats {
    pub campaign_id: Uuid,
    /// Leads still to be worked (callable now or later).
    pub remaining: i64,
    pub callable_now: i64,
    pub waiting_for_window: i64,
    /// Leads waiting until a retry is due.
    pub waiting_for_retry: i64,
    /// Callbacks scheduled, each for the rep who set it (not callable by others).
    pub scheduled_callbacks: i64,
    pub held_by_reps: i64,
    pub done: i64,
    pub exhausted: i64,
    /// Leads with no number that may be called: each is on the do-not-call list or its
    /// contact asked not to be called, or the lead has none. They come back when one may be.
    pub suppressed: i64,
    pub next_window_at: Option<chrono::DateTime<chrono::Utc>>,
}

pub async fn campaign(db: &Db, clock: &Clock, actor: &Actor, id: Uuid) -> Result<CampaignStats, AppError> {
    let now = clock.now();
    let mut tx = db.read().await?;
    let c = campaigns::load(&mut tx, actor, id).await?;
    let w = dialer::waiting(&mut tx, actor, &c, now).await?;
    let counts = store::queue::counts(&mut tx, c.id, now.timestamp_millis()).await?;
    tx.commit().await?;
    let remaining: i64 = counts.iter().filter(|(_, t, ..)| *t <= 2).map(|(_, _, n, ..)| n).sum();
    let callable = (remaining - w.for_window - w.for_retry - w.callbacks - w.held).max(0);
    Ok(CampaignStats {
        campaign_id: c.id,
        remaining,
        callable_now: callable,
        waiting_for_window: w.for_window,
        waiting_for_retry: w.for_retry,
        scheduled_callbacks: w.callbacks,
        held_by_reps: w.held,
        done: w.done,
        exhausted: w.exhausted,
        suppressed: w.suppressed,
        next_window_at: w.next_window_at,
    })
}
