//! Opaque cursors of lists ordered newest first by (time, id): the audit log, call records.

use chrono::{DateTime, Utc};
use uuid::Uuid;

/// The cursor for the position after the row at `at` with `id`.
#[must_use]
pub fn encode(at: DateTime<Utc>, id: Uuid) -> String {
    hex::encode(format!("{}|{id}", at.to_rfc3339()))
}

/// The position a cursor stands for; `None` when it was not made by [`encode`].
#[must_use]
pub fn decode(c: &str) -> Option<(DateTime<Utc>, Uuid)> {
    let raw = String::from_utf8(hex::decode(c).ok()?).ok()?;
    let (at, id) = raw.split_once('|')?;
    Some((DateTime::parse_from_rfc3339(at).ok()?.with_timezone(&Utc), Uuid::parse_str(id).ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_refusal() {
        let at = DateTime::parse_from_rfc3339("2026-03-10T15:00:00.123Z").unwrap().with_timezone(&Utc);
        let id = Uuid::now_v7();
        assert_eq!(decode(&encode(at, id)), Some((at, id)));
        assert_eq!(decode("zz"), None);
        assert_eq!(decode(&hex::encode("2026-03-10|nope")), None);
    }
}
