//! Deriving a callee's IANA time zones from a phone number or an address.
//!
//! Phone prefixes come from `data/phone_prefix_timezones.txt` (derived from
//! libphonenumber's metadata, Apache-2.0): the longest matching prefix wins, and a
//! prefix that spans several zones yields all of them, so that calling windows can
//! be checked in each.

use crate::Invalid;
use std::{collections::HashMap, str::FromStr, sync::LazyLock};

static PREFIXES: LazyLock<(HashMap<&'static str, Vec<&'static str>>, usize)> = LazyLock::new(|| {
    let mut map = HashMap::new();
    let mut longest = 0;
    for line in include_str!("../data/phone_prefix_timezones.txt").lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some((prefix, zones)) = line.split_once('|') {
            longest = longest.max(prefix.len());
            map.insert(prefix, zones.split('&').filter(|z| !z.is_empty()).collect());
        }
    }
    (map, longest)
});

/// The zones of the longest prefix of `e164` (with or without `+`) found in the table.
#[must_use]
pub fn zones_for_phone(e164: &str) -> Vec<String> {
    let digits = e164.trim_start_matches('+');
    let (map, longest) = &*PREFIXES;
    (1..=digits.len().min(*longest))
        .rev()
        .find_map(|n| map.get(&digits[..n]))
        .map(|zones| zones.iter().map(|z| (*z).to_owned()).collect())
        .unwrap_or_default()
}

/// Validates an IANA zone name, returning its canonical spelling.
pub fn parse_zone(input: &str) -> Result<String, Invalid> {
    chrono_tz::Tz::from_str(input.trim())
        .map(|tz| tz.name().to_owned())
        .map_err(|_| Invalid::new(format!("'{input}' is not an IANA time zone (e.g. Europe/Helsinki)")))
}

/// Zones for an address: by country, and by state or province where a country spans
/// several zones. Returns every zone of the country when the region is unknown.
#[must_use]
pub fn zones_for_address(country: &str, region: Option<&str>) -> Vec<String> {
    let country = country.to_uppercase();
    let region = region.map(|r| r.trim().to_uppercase());
    let by_region = match country.as_str() {
        "US" => region.as_deref().and_then(us_state_zone),
        "CA" => region.as_deref().and_then(ca_province_zone),
        "AU" => region.as_deref().and_then(au_state_zone),
        _ => None,
    };
    if let Some(zone) = by_region {
        return vec![zone.to_owned()];
    }
    let whole: &[&str] = match country.as_str() {
        "US" => &[
            "America/New_York",
            "America/Chicago",
            "America/Denver",
            "America/Phoenix",
            "America/Los_Angeles",
            "America/Anchorage",
            "Pacific/Honolulu",
        ],
        "CA" => &[
            "America/St_Johns",
            "America/Halifax",
            "America/Toronto",
            "America/Winnipeg",
            "America/Regina",
            "America/Edmonton",
            "America/Vancouver",
        ],
        "AU" => {
            &["Australia/Sydney", "Australia/Brisbane", "Australia/Adelaide", "Australia/Darwin", "Australia/Perth"]
        }
        _ => &[],
    };
    if !whole.is_empty() {
        return whole.iter().map(|z| (*z).to_owned()).collect();
    }
    // Elsewhere the calling code's own entry names the country's zone(s).
    crate::Region::parse(&country)
        .ok()
        .and_then(|r| r.calling_code())
        .map(|code| zones_for_phone(&code.to_string()))
        .unwrap_or_default()
}

fn us_state_zone(state: &str) -> Option<&'static str> {
    Some(match state {
        "CT" | "DE" | "DC" | "FL" | "GA" | "ME" | "MD" | "MA" | "NH" | "NJ" | "NY" | "NC" | "OH" | "PA" | "RI"
        | "SC" | "VT" | "VA" | "WV" | "MI" | "CONNECTICUT" | "FLORIDA" | "GEORGIA" | "NEW YORK" | "MASSACHUSETTS"
        | "PENNSYLVANIA" | "OHIO" | "VIRGINIA" | "MICHIGAN" | "NEW JERSEY" => "America/New_York",
        "IN" | "KY" => "America/New_York",
        "AL" | "AR" | "IL" | "IA" | "KS" | "LA" | "MN" | "MS" | "MO" | "NE" | "ND" | "OK" | "SD" | "TN" | "TX"
        | "WI" | "TEXAS" | "ILLINOIS" | "MINNESOTA" | "TENNESSEE" | "WISCONSIN" => "America/Chicago",
        "CO" | "ID" | "MT" | "NM" | "UT" | "WY" | "COLORADO" | "UTAH" => "America/Denver",
        "AZ" | "ARIZONA" => "America/Phoenix",
        "CA" | "NV" | "OR" | "WA" | "CALIFORNIA" | "NEVADA" | "OREGON" | "WASHINGTON" => "America/Los_Angeles",
        "AK" | "ALASKA" => "America/Anchorage",
        "HI" | "HAWAII" => "Pacific/Honolulu",
        _ => return None,
    })
}

fn ca_province_zone(province: &str) -> Option<&'static str> {
    Some(match province {
        "NL" => "America/St_Johns",
        "NS" | "NB" | "PE" => "America/Halifax",
        "ON" | "QC" => "America/Toronto",
        "MB" => "America/Winnipeg",
        "SK" => "America/Regina",
        "AB" => "America/Edmonton",
        "BC" => "America/Vancouver",
        _ => return None,
    })
}

fn au_state_zone(state: &str) -> Option<&'static str> {
    Some(match state {
        "NSW" | "ACT" | "VIC" | "TAS" => "Australia/Sydney",
        "QLD" => "Australia/Brisbane",
        "SA" => "Australia/Adelaide",
        "NT" => "Australia/Darwin",
        "WA" => "Australia/Perth",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn longest_prefix_wins() {
        assert_eq!(zones_for_phone("+12065550100"), vec!["America/Los_Angeles"]);
        // Finnish mobiles may be on the Åland Islands too; both zones are kept.
        assert_eq!(zones_for_phone("+358401234567"), vec!["Europe/Helsinki", "Europe/Mariehamn"]);
        assert_eq!(zones_for_phone("+3581234567"), vec!["Europe/Helsinki"]);
        assert_eq!(zones_for_phone("+442079460018").first().map(String::as_str), Some("Europe/London"));
        assert_eq!(zones_for_phone("+493012345678"), vec!["Europe/Berlin"]);
    }

    #[test]
    fn multi_zone_prefix_yields_every_zone() {
        // 1208 2xx spans Boise and Los Angeles unless a longer prefix says otherwise.
        assert_eq!(zones_for_phone("+12082991234"), vec!["America/Boise", "America/Los_Angeles"]);
        assert_eq!(zones_for_phone("+12082011234"), vec!["America/Denver"]);
    }

    #[test]
    fn addresses() {
        assert_eq!(zones_for_address("us", Some("wa")), vec!["America/Los_Angeles"]);
        assert_eq!(zones_for_address("DE", None), vec!["Europe/Berlin"]);
        assert_eq!(zones_for_address("US", None).len(), 7);
        assert!(zones_for_address("ZZ", None).is_empty());
    }

    #[test]
    fn zone_names() {
        assert_eq!(parse_zone("Europe/Helsinki").unwrap(), "Europe/Helsinki");
        assert!(parse_zone("Mars/Olympus").is_err());
    }
}
