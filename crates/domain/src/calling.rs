//! Calling rules: dispositions, calling windows in the callee's local time, stricter
//! windows per country or region, allowed weekdays and holidays.
//!
//! A window is checked in every zone a number may be in: a prefix that spans several
//! zones is callable only while the window is open in all of them.

use crate::Invalid;
use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Timelike, Utc, Weekday};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use std::str::FromStr;

/// The outcome of a call attempt. Keys 1–0 on the call screen, in this order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Disposition {
    Connected,
    NoAnswer,
    Busy,
    VoicemailLeft,
    WrongNumber,
    CallbackRequested,
    NotInterested,
    DoNotCall,
    MeetingBooked,
    Qualified,
}

impl Disposition {
    pub const ALL: [Disposition; 10] = [
        Disposition::Connected,
        Disposition::NoAnswer,
        Disposition::Busy,
        Disposition::VoicemailLeft,
        Disposition::WrongNumber,
        Disposition::CallbackRequested,
        Disposition::NotInterested,
        Disposition::DoNotCall,
        Disposition::MeetingBooked,
        Disposition::Qualified,
    ];

    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Disposition::Connected => "connected",
            Disposition::NoAnswer => "no_answer",
            Disposition::Busy => "busy",
            Disposition::VoicemailLeft => "voicemail_left",
            Disposition::WrongNumber => "wrong_number",
            Disposition::CallbackRequested => "callback_requested",
            Disposition::NotInterested => "not_interested",
            Disposition::DoNotCall => "do_not_call",
            Disposition::MeetingBooked => "meeting_booked",
            Disposition::Qualified => "qualified",
        }
    }

    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Disposition::Connected => "Connected",
            Disposition::NoAnswer => "No answer",
            Disposition::Busy => "Busy",
            Disposition::VoicemailLeft => "Voicemail left",
            Disposition::WrongNumber => "Wrong number",
            Disposition::CallbackRequested => "Callback requested",
            Disposition::NotInterested => "Not interested",
            Disposition::DoNotCall => "Do not call",
            Disposition::MeetingBooked => "Meeting booked",
            Disposition::Qualified => "Qualified",
        }
    }

    /// The key on the call screen: `1`–`9`, then `0`.
    #[must_use]
    pub fn key(self) -> char {
        let i = Self::ALL.iter().position(|d| *d == self).unwrap_or(0);
        if i == 9 { '0' } else { char::from(b'1' + u8::try_from(i).unwrap_or(0)) }
    }

    pub fn parse(input: &str) -> Result<Self, Invalid> {
        let norm = input.trim().to_lowercase().replace(['-', ' '], "_");
        let norm = match norm.as_str() {
            "voicemail" | "left_voicemail" => "voicemail_left",
            "dnc" => "do_not_call",
            "callback" => "callback_requested",
            other => other,
        }
        .to_owned();
        Self::ALL.into_iter().find(|d| d.as_str() == norm).ok_or_else(|| {
            Invalid::new(format!(
                "'{input}' is not a disposition; use one of {}",
                Self::ALL.map(Disposition::as_str).join(", ")
            ))
        })
    }

    /// The person was reached (counts as a connect in metrics).
    #[must_use]
    pub fn is_connect(self) -> bool {
        matches!(
            self,
            Disposition::Connected
                | Disposition::CallbackRequested
                | Disposition::NotInterested
                | Disposition::DoNotCall
                | Disposition::MeetingBooked
                | Disposition::Qualified
        )
    }
}

/// A time of day range `[start, end)` in local time. `end` may be `24:00` (as 23:59:59.999).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hours {
    pub start: NaiveTime,
    pub end: NaiveTime,
}

impl Hours {
    /// Reads `"08:00"`, `"8"` or `"8:30"`.
    pub fn parse_time(input: &str) -> Result<NaiveTime, Invalid> {
        let t = input.trim();
        if t == "24:00" || t == "24" {
            return Ok(NaiveTime::from_hms_milli_opt(23, 59, 59, 999).unwrap_or(NaiveTime::MIN));
        }
        let (h, m) = t.split_once(':').unwrap_or((t, "0"));
        let h: u32 = h.parse().map_err(|_| Invalid::new(format!("'{input}' is not a time of day (HH:MM)")))?;
        let m: u32 = m.parse().map_err(|_| Invalid::new(format!("'{input}' is not a time of day (HH:MM)")))?;
        NaiveTime::from_hms_opt(h, m, 0).ok_or_else(|| Invalid::new(format!("'{input}' is not a time of day (HH:MM)")))
    }

    pub fn parse(start: &str, end: &str) -> Result<Self, Invalid> {
        let hours = Self { start: Self::parse_time(start)?, end: Self::parse_time(end)? };
        if hours.start >= hours.end {
            return Err(Invalid::new("the window must start before it ends"));
        }
        Ok(hours)
    }

    fn contains(self, t: NaiveTime) -> bool {
        t >= self.start && t < self.end
    }

    /// The overlap of two windows (`None` when they do not overlap).
    #[must_use]
    pub fn intersect(self, other: Hours) -> Option<Hours> {
        let h = Hours { start: self.start.max(other.start), end: self.end.min(other.end) };
        (h.start < h.end).then_some(h)
    }

    #[must_use]
    pub fn label(self) -> String {
        format!("{}–{}", self.start.format("%H:%M"), self.end.format("%H:%M"))
    }
}

impl Default for Hours {
    /// 08:00–21:00, the usual legal window.
    fn default() -> Self {
        Self {
            start: NaiveTime::from_hms_opt(8, 0, 0).unwrap_or(NaiveTime::MIN),
            end: NaiveTime::from_hms_opt(21, 0, 0).unwrap_or(NaiveTime::MIN),
        }
    }
}

/// A stricter window for callees in one country, or one region (state) of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegionRule {
    /// ISO 3166-1 alpha-2 code.
    pub country: String,
    /// A state or region code as stored on leads (e.g. `FL`); `None` for the whole country.
    pub region: Option<String>,
    pub hours: Hours,
}

/// Where a callee is, for choosing the window: zones and country/region.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Callee<'a> {
    pub zones: &'a [String],
    pub country: Option<&'a str>,
    pub region: Option<&'a str>,
}

/// When a campaign may call: hours in the callee's local time, weekdays, holidays and
/// stricter rules per country or region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallingWindow {
    pub hours: Hours,
    /// Allowed local weekdays, Monday = 1 … Sunday = 7.
    pub weekdays: Vec<u8>,
    /// Local dates on which nobody is called.
    pub holidays: Vec<NaiveDate>,
    pub rules: Vec<RegionRule>,
}

impl Default for CallingWindow {
    fn default() -> Self {
        Self { hours: Hours::default(), weekdays: vec![1, 2, 3, 4, 5, 6, 7], holidays: Vec::new(), rules: Vec::new() }
    }
}

/// The zones a check uses: the callee's, or the fallback when none is known.
#[must_use]
pub fn effective_zones(zones: &[String], fallback: &str) -> (Vec<Tz>, bool) {
    let parsed: Vec<Tz> = zones.iter().filter_map(|z| Tz::from_str(z).ok()).collect();
    if parsed.is_empty() {
        (Tz::from_str(fallback).map(|z| vec![z]).unwrap_or_else(|_| vec![Tz::UTC]), true)
    } else {
        (parsed, false)
    }
}

impl CallingWindow {
    /// The hours for a callee: the campaign's, narrowed by every rule for its country and
    /// region. `None` when the rules leave no time at all.
    #[must_use]
    pub fn hours_for(&self, country: Option<&str>, region: Option<&str>) -> Option<Hours> {
        let mut hours = Some(self.hours);
        for rule in &self.rules {
            let country_matches = country.is_some_and(|c| c.eq_ignore_ascii_case(&rule.country));
            let region_matches = match &rule.region {
                None => true,
                Some(r) => region.is_some_and(|x| x.trim().eq_ignore_ascii_case(r)),
            };
            if country_matches && region_matches {
                hours = hours.and_then(|h| h.intersect(rule.hours));
            }
        }
        hours
    }

    fn open_in(&self, hours: Hours, zone: Tz, at: DateTime<Utc>) -> bool {
        let local = at.with_timezone(&zone);
        let weekday = u8::try_from(local.weekday().number_from_monday()).unwrap_or(0);
        self.weekdays.contains(&weekday) && !self.holidays.contains(&local.date_naive()) && hours.contains(local.time())
    }

    /// True when the window is open at `at` in every one of `zones`.
    #[must_use]
    pub fn is_open(&self, zones: &[Tz], country: Option<&str>, region: Option<&str>, at: DateTime<Utc>) -> bool {
        let Some(hours) = self.hours_for(country, region) else { return false };
        !zones.is_empty() && zones.iter().all(|z| self.open_in(hours, *z, at))
    }

    /// The first moment at or after `from` (within 15 days) when the window is open in
    /// every zone. Daylight-saving changes are followed through the zone database.
    #[must_use]
    pub fn next_open(
        &self,
        zones: &[Tz],
        country: Option<&str>,
        region: Option<&str>,
        from: DateTime<Utc>,
    ) -> Option<DateTime<Utc>> {
        if self.is_open(zones, country, region, from) {
            return Some(from);
        }
        let hours = self.hours_for(country, region)?;
        // The window opens, in all zones at once, at one of the zones' local start times.
        let mut candidates: Vec<DateTime<Utc>> = Vec::new();
        for zone in zones {
            let local_day = from.with_timezone(zone).date_naive();
            for d in 0..16 {
                let Some(day) = local_day.checked_add_signed(Duration::days(d)) else { continue };
                // A day opens at the start of the hours, or at midnight when a holiday or
                // a closed weekday ends while the hours are already running.
                for time in [hours.start, NaiveTime::MIN] {
                    if let Some(t) = local_instant(*zone, day, time) {
                        candidates.push(t);
                    }
                }
            }
        }
        candidates.retain(|t| *t > from);
        candidates.sort();
        candidates.dedup();
        candidates.into_iter().find(|t| self.is_open(zones, country, region, *t))
    }
}

/// The UTC instant of a local date and time; in a daylight-saving gap, the first
/// valid instant after it.
fn local_instant(zone: Tz, day: NaiveDate, time: NaiveTime) -> Option<DateTime<Utc>> {
    let naive = day.and_time(time);
    match zone.from_local_datetime(&naive) {
        chrono::LocalResult::Single(t) => Some(t.with_timezone(&Utc)),
        chrono::LocalResult::Ambiguous(first, _) => Some(first.with_timezone(&Utc)),
        chrono::LocalResult::None => {
            // Skip forward minute by minute through the gap (at most a few hours).
            (1..=240).find_map(|m| {
                zone.from_local_datetime(&(naive + Duration::minutes(m))).earliest().map(|t| t.with_timezone(&Utc))
            })
        }
    }
}

/// `HH:MM` of `at` in `zone`.
#[must_use]
pub fn local_clock(zone: Tz, at: DateTime<Utc>) -> String {
    let local = at.with_timezone(&zone);
    format!("{:02}:{:02}", local.hour(), local.minute())
}

/// Parses a weekday list such as `["mon", "tue"]` or `[1, 2]` entries given as text.
pub fn parse_weekday(input: &str) -> Result<u8, Invalid> {
    let t = input.trim().to_lowercase();
    if let Ok(n) = t.parse::<u8>() {
        return if (1..=7).contains(&n) { Ok(n) } else { Err(Invalid::new("weekdays are 1 (Monday) to 7 (Sunday)")) };
    }
    let day = Weekday::from_str(&t).map_err(|_| Invalid::new(format!("'{input}' is not a weekday")))?;
    Ok(u8::try_from(day.number_from_monday()).unwrap_or(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn tz(z: &str) -> Tz {
        Tz::from_str(z).unwrap()
    }

    #[test]
    fn dispositions_parse_and_have_keys() {
        assert_eq!(Disposition::parse("No answer").unwrap(), Disposition::NoAnswer);
        assert_eq!(Disposition::parse("voicemail").unwrap(), Disposition::VoicemailLeft);
        assert!(Disposition::parse("maybe").is_err());
        assert_eq!(Disposition::Connected.key(), '1');
        assert_eq!(Disposition::Qualified.key(), '0');
        for d in Disposition::ALL {
            assert_eq!(Disposition::parse(d.as_str()).unwrap(), d);
        }
    }

    #[test]
    fn window_is_checked_in_local_time() {
        let w = CallingWindow::default();
        let helsinki = [tz("Europe/Helsinki")];
        // 05:30 UTC = 07:30 in Helsinki (winter): closed; 06:00 UTC = 08:00: open.
        assert!(!w.is_open(&helsinki, None, None, utc("2026-01-15T05:30:00Z")));
        assert!(w.is_open(&helsinki, None, None, utc("2026-01-15T06:00:00Z")));
        assert!(!w.is_open(&helsinki, None, None, utc("2026-01-15T19:00:00Z")));
        assert_eq!(w.next_open(&helsinki, None, None, utc("2026-01-15T05:30:00Z")), Some(utc("2026-01-15T06:00:00Z")));
    }

    #[test]
    fn several_zones_must_all_be_open() {
        let w = CallingWindow::default();
        let us = [tz("America/New_York"), tz("America/Los_Angeles")];
        // 13:00 UTC = 08:00 New York, 05:00 Los Angeles: closed until 16:00 UTC.
        assert!(!w.is_open(&us, None, None, utc("2026-01-15T13:00:00Z")));
        assert_eq!(w.next_open(&us, None, None, utc("2026-01-15T13:00:00Z")), Some(utc("2026-01-15T16:00:00Z")));
        // 01:30 UTC = 20:30 New York, 17:30 LA: open; 02:00 UTC = 21:00 New York: closed.
        assert!(w.is_open(&us, None, None, utc("2026-01-16T01:30:00Z")));
        assert!(!w.is_open(&us, None, None, utc("2026-01-16T02:00:00Z")));
    }

    #[test]
    fn daylight_saving_moves_the_window() {
        let w = CallingWindow::default();
        let ny = [tz("America/New_York")];
        // 12:30 UTC is 07:30 EST in winter (closed) and 08:30 EDT in summer (open).
        assert!(!w.is_open(&ny, None, None, utc("2026-03-06T12:30:00Z")));
        assert!(w.is_open(&ny, None, None, utc("2026-03-09T12:30:00Z")));
        // The night of the change (8 March 2026): opens at 08:00 EDT = 12:00 UTC.
        assert_eq!(w.next_open(&ny, None, None, utc("2026-03-08T06:00:00Z")), Some(utc("2026-03-08T12:00:00Z")));
    }

    #[test]
    fn rules_weekdays_and_holidays_narrow_the_window() {
        let mut w = CallingWindow::default();
        w.rules.push(RegionRule {
            country: "US".into(),
            region: Some("FL".into()),
            hours: Hours::parse("8", "20").unwrap(),
        });
        let ny = [tz("America/New_York")];
        let at = utc("2027-01-14T00:30:00Z"); // 19:30 local, Wednesday
        assert!(w.is_open(&ny, Some("US"), Some("FL"), at));
        let at = utc("2027-01-14T01:30:00Z"); // 20:30 local
        assert!(!w.is_open(&ny, Some("US"), Some("FL"), at));
        assert!(w.is_open(&ny, Some("US"), Some("NY"), at));
        w.weekdays = vec![1, 2, 3, 4, 5];
        let saturday = utc("2027-01-16T15:00:00Z");
        assert!(!w.is_open(&ny, None, None, saturday));
        assert_eq!(w.next_open(&ny, None, None, saturday), Some(utc("2027-01-18T13:00:00Z")));
        w.holidays.push(NaiveDate::from_ymd_opt(2027, 1, 18).unwrap());
        assert_eq!(w.next_open(&ny, None, None, saturday), Some(utc("2027-01-19T13:00:00Z")));
    }

    #[test]
    fn unknown_zones_fall_back() {
        let (zones, flagged) = effective_zones(&[], "Europe/Berlin");
        assert_eq!(zones, vec![tz("Europe/Berlin")]);
        assert!(flagged);
        let (zones, flagged) = effective_zones(&["Asia/Tokyo".to_owned()], "Europe/Berlin");
        assert_eq!(zones, vec![tz("Asia/Tokyo")]);
        assert!(!flagged);
    }
}
