//! Showing times, places and values on pages.

use chrono::{DateTime, Offset, Utc};
use chrono_tz::Tz;
use std::str::FromStr;

/// A time in the organization's zone, saying which zone: "2026-11-26 14:05 EET".
pub fn org_time(t: DateTime<Utc>, zone: &str) -> String {
    match Tz::from_str(zone) {
        Ok(tz) => t.with_timezone(&tz).format("%Y-%m-%d %H:%M %Z").to_string(),
        Err(_) => t.format("%Y-%m-%d %H:%M UTC").to_string(),
    }
}

/// A short date in the organization's zone.
pub fn org_date(t: DateTime<Utc>, zone: &str) -> String {
    match Tz::from_str(zone) {
        Ok(tz) => t.with_timezone(&tz).format("%Y-%m-%d").to_string(),
        Err(_) => t.format("%Y-%m-%d").to_string(),
    }
}

/// The callee's local time now: "16:05 their time (Helsinki)", or a range when the
/// zones differ ("13:05–16:05 their time, 2 zones"). Empty without zones.
pub fn their_time(zones: &[String], now: DateTime<Utc>) -> String {
    let tzs: Vec<Tz> = zones.iter().filter_map(|z| Tz::from_str(z).ok()).collect();
    let Some(first) = tzs.first() else { return String::new() };
    let mut locals: Vec<(i32, String)> = tzs
        .iter()
        .map(|tz| {
            let l = now.with_timezone(tz);
            (l.offset().fix().local_minus_utc(), l.format("%H:%M").to_string())
        })
        .collect();
    locals.sort();
    locals.dedup_by(|a, b| a.0 == b.0);
    if locals.len() == 1 {
        format!("{} their time ({})", locals[0].1, city(first.name()))
    } else {
        format!("{}–{} their time, {} zones", locals[0].1, locals[locals.len() - 1].1, tzs.len())
    }
}

/// "Europe/Helsinki" → "Helsinki".
pub fn city(zone: &str) -> String {
    zone.rsplit('/').next().unwrap_or(zone).replace('_', " ")
}

/// A count with its thousands grouped: "188,296".
pub fn grouped(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A duration as people say it: "19.4 s", "3 min 12 s", "1 h 5 min".
pub fn duration(secs: f64) -> String {
    if secs < 60.0 {
        return format!("{secs:.1} s");
    }
    // Whole seconds from here on.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let whole = secs.round() as u64;
    if whole < 3600 {
        format!("{} min {} s", whole / 60, whole % 60)
    } else {
        format!("{} h {} min", whole / 3600, whole % 3600 / 60)
    }
}

/// A JSON value from the audit log, as text.
pub fn value_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => "—".into(),
        serde_json::Value::String(s) if s.is_empty() => "—".into(),
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Array(a) if a.is_empty() => "—".into(),
        serde_json::Value::Array(a) => a.iter().map(value_text).collect::<Vec<_>>().join(", "),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times() {
        let t = DateTime::parse_from_rfc3339("2026-01-15T12:00:00Z").unwrap().with_timezone(&Utc);
        assert_eq!(their_time(&["Europe/Helsinki".into()], t), "14:00 their time (Helsinki)");
        assert_eq!(
            their_time(&["Europe/Helsinki".into(), "Europe/Mariehamn".into()], t),
            "14:00 their time (Helsinki)"
        );
        assert_eq!(
            their_time(&["America/New_York".into(), "America/Los_Angeles".into()], t),
            "04:00–07:00 their time, 2 zones"
        );
        assert_eq!(their_time(&[], t), "");
        assert_eq!(org_time(t, "Europe/Helsinki"), "2026-01-15 14:00 EET");
    }

    #[test]
    fn decodes() {
        use crate::web::{urldecode, urlencode};
        assert_eq!(urldecode("Lead%20saved+ok%21"), "Lead saved ok!");
        assert_eq!(urldecode("100%"), "100%");
        assert_eq!(urldecode("%4"), "%4");
        assert_eq!(urldecode(&urlencode("Kärkkäinen & Co")), "Kärkkäinen & Co");
    }

    #[test]
    fn counts_and_durations_read_easily() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(300), "300");
        assert_eq!(grouped(1000), "1,000");
        assert_eq!(grouped(188_296), "188,296");
        assert_eq!(grouped(-1_234_567), "-1,234,567");
        assert_eq!(duration(19.44), "19.4 s");
        assert_eq!(duration(192.0), "3 min 12 s");
        assert_eq!(duration(3900.0), "1 h 5 min");
    }
}
