//! Deriving a callee's IANA time zones from a phone number or an address.
//!
//! Phone prefixes come from `data/phone_prefix_timezones.txt` (derived from
//! libphonenumber's metadata, Apache-2.0): the longest matching prefix wins, and a
//! prefix that spans several zones yields all of them, so that calling windows can
//! be checked in each.

use crate::Invalid;
use std::{collections::HashMap, sync::LazyLock};

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

/// Validates an IANA zone name, returning its canonical spelling. Any case is read, and
/// so is HubSpot's spelling ("us_slash_eastern", "europe_slash_berlin"); the old US
/// names ("US/Eastern") give their city's zone.
pub fn parse_zone(input: &str) -> Result<String, Invalid> {
    static BY_LOWER: LazyLock<HashMap<String, chrono_tz::Tz>> =
        LazyLock::new(|| chrono_tz::TZ_VARIANTS.iter().map(|tz| (tz.name().to_lowercase(), *tz)).collect());
    let key = input.trim().to_lowercase().replace("_slash_", "/");
    let key = match key.as_str() {
        "us/eastern" => "america/new_york",
        "us/central" => "america/chicago",
        "us/mountain" => "america/denver",
        "us/arizona" => "america/phoenix",
        "us/pacific" => "america/los_angeles",
        "us/alaska" => "america/anchorage",
        "us/hawaii" => "pacific/honolulu",
        k => k,
    };
    BY_LOWER
        .get(key)
        .map(|tz| tz.name().to_owned())
        .ok_or_else(|| Invalid::new(format!("'{input}' is not an IANA time zone (e.g. Europe/Helsinki)")))
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
        "ES" => region.as_deref().filter(|r| !r.is_empty()).map(es_region_zone),
        "PT" => region.as_deref().filter(|r| !r.is_empty()).map(pt_region_zone),
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
    COUNTRY_ZONES.get(country.as_str()).cloned().unwrap_or_default()
}

/// [`country_zones`] of every region the phone metadata knows, worked out once.
static COUNTRY_ZONES: LazyLock<HashMap<String, Vec<String>>> = LazyLock::new(|| {
    let database = &*phonenumber::metadata::DATABASE;
    (1..1000_u16)
        .flat_map(|code| database.by_code(&code).unwrap_or_default())
        .map(|m| (m.id().to_owned(), country_zones(m.id())))
        .collect()
});

/// The zones of a country as a whole, from the zones of its calling code. A code
/// several countries share names theirs too (+44 Jersey and Guernsey, +7
/// Kazakhstan, +47 Svalbard, +1 Jamaica): a country that is not the code's main
/// one keeps the zones its example numbers have alone, the main one drops the
/// zones the others' have alone.
fn country_zones(country: &str) -> Vec<String> {
    let database = &*phonenumber::metadata::DATABASE;
    let Some(meta) = database.by_id(country) else { return Vec::new() };
    let code = meta.country_code();
    let all = zones_for_phone(&code.to_string());
    // The zones of the country's own leading digits (Kazakhstan: +7 7, Jamaica:
    // +1 876 and +1 658); without them, the zone of each example number
    // (landline, mobile) that has exactly one.
    let own = |m: &phonenumber::Metadata| -> Vec<String> {
        let leading: Option<Vec<&str>> = m.leading_digits().map(|r| r.as_str().split('|').collect());
        if let Some(alternatives) =
            leading.filter(|a| a.iter().all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit())))
        {
            return alternatives.iter().flat_map(|p| zones_for_phone(&format!("{code}{p}"))).collect();
        }
        let d = m.descriptors();
        [d.fixed_line(), d.mobile()]
            .into_iter()
            .flatten()
            .filter_map(|d| d.example())
            .map(|example| zones_for_phone(&format!("{code}{example}")))
            .filter(|zones| zones.len() == 1)
            .flatten()
            .collect()
    };
    let sharing = database.by_code(&code).unwrap_or_default();
    let mut narrowed = if sharing.len() < 2 {
        Vec::new()
    } else if meta.is_main_country_for_code() {
        let others: Vec<String> = sharing.iter().filter(|m| m.id() != meta.id()).flat_map(|m| own(m)).collect();
        all.iter().filter(|z| !others.contains(z)).cloned().collect()
    } else {
        own(meta)
    };
    narrowed.sort();
    narrowed.dedup();
    if narrowed.is_empty() { all } else { narrowed }
}

/// The zone an office in `country` most likely keeps: the capital's, or for a
/// country whose zones are listed alphabetically the most populous one.
#[must_use]
pub fn main_zone(country: &str) -> Option<String> {
    let country = country.trim().to_uppercase();
    let principal = match country.as_str() {
        "US" => Some("America/New_York"),
        "CA" => Some("America/Toronto"),
        "AU" => Some("Australia/Sydney"),
        "BR" => Some("America/Sao_Paulo"),
        "MX" => Some("America/Mexico_City"),
        "RU" => Some("Europe/Moscow"),
        "KZ" => Some("Asia/Almaty"),
        "ID" => Some("Asia/Jakarta"),
        "AR" => Some("America/Argentina/Buenos_Aires"),
        "CL" => Some("America/Santiago"),
        "ES" => Some("Europe/Madrid"),
        "PT" => Some("Europe/Lisbon"),
        "NZ" => Some("Pacific/Auckland"),
        "EC" => Some("America/Guayaquil"),
        "CD" => Some("Africa/Kinshasa"),
        "MN" => Some("Asia/Ulaanbaatar"),
        "UA" => Some("Europe/Kyiv"),
        "MA" => Some("Africa/Casablanca"),
        // The prefix table lists London's zones for Irish numbers (same offsets).
        "IE" => Some("Europe/Dublin"),
        _ => None,
    };
    principal.map(str::to_owned).or_else(|| zones_for_address(&country, None).into_iter().next())
}

/// The zone of a state or province of a country that spans several (the United States,
/// Canada, Australia) by its code or name in capitals ("CA", "NEW SOUTH WALES"); `None`
/// for other countries and for names that are no region of the country.
#[must_use]
pub fn region_zone(country: &str, region: &str) -> Option<&'static str> {
    match country {
        "US" => us_state_zone(region),
        "CA" => ca_province_zone(region),
        "AU" => au_state_zone(region),
        _ => None,
    }
}

fn us_state_zone(state: &str) -> Option<&'static str> {
    Some(match state {
        "CT"
        | "DE"
        | "DC"
        | "FL"
        | "GA"
        | "ME"
        | "MD"
        | "MA"
        | "NH"
        | "NJ"
        | "NY"
        | "NC"
        | "OH"
        | "PA"
        | "RI"
        | "SC"
        | "VT"
        | "VA"
        | "WV"
        | "MI"
        | "IN"
        | "KY"
        | "CONNECTICUT"
        | "DELAWARE"
        | "DISTRICT OF COLUMBIA"
        | "FLORIDA"
        | "GEORGIA"
        | "MAINE"
        | "MARYLAND"
        | "MASSACHUSETTS"
        | "NEW HAMPSHIRE"
        | "NEW JERSEY"
        | "NEW YORK"
        | "NORTH CAROLINA"
        | "OHIO"
        | "PENNSYLVANIA"
        | "RHODE ISLAND"
        | "SOUTH CAROLINA"
        | "VERMONT"
        | "VIRGINIA"
        | "WEST VIRGINIA"
        | "MICHIGAN"
        | "INDIANA"
        | "KENTUCKY" => "America/New_York",
        "AL" | "AR" | "IL" | "IA" | "KS" | "LA" | "MN" | "MS" | "MO" | "NE" | "ND" | "OK" | "SD" | "TN" | "TX"
        | "WI" | "ALABAMA" | "ARKANSAS" | "ILLINOIS" | "IOWA" | "KANSAS" | "LOUISIANA" | "MINNESOTA"
        | "MISSISSIPPI" | "MISSOURI" | "NEBRASKA" | "NORTH DAKOTA" | "OKLAHOMA" | "SOUTH DAKOTA" | "TENNESSEE"
        | "TEXAS" | "WISCONSIN" => "America/Chicago",
        "CO" | "ID" | "MT" | "NM" | "UT" | "WY" | "COLORADO" | "IDAHO" | "MONTANA" | "NEW MEXICO" | "UTAH"
        | "WYOMING" => "America/Denver",
        "AZ" | "ARIZONA" => "America/Phoenix",
        "CA" | "NV" | "OR" | "WA" | "CALIFORNIA" | "NEVADA" | "OREGON" | "WASHINGTON" => "America/Los_Angeles",
        "AK" | "ALASKA" => "America/Anchorage",
        "HI" | "HAWAII" => "Pacific/Honolulu",
        _ => return None,
    })
}

fn ca_province_zone(province: &str) -> Option<&'static str> {
    Some(match province {
        "NL" | "NEWFOUNDLAND AND LABRADOR" | "NEWFOUNDLAND" => "America/St_Johns",
        "NS" | "NB" | "PE" | "NOVA SCOTIA" | "NEW BRUNSWICK" | "PRINCE EDWARD ISLAND" => "America/Halifax",
        "ON" | "QC" | "ONTARIO" | "QUEBEC" | "QUÉBEC" | "NU" | "NUNAVUT" => "America/Toronto",
        "MB" | "MANITOBA" => "America/Winnipeg",
        "SK" | "SASKATCHEWAN" => "America/Regina",
        "AB" | "ALBERTA" | "NT" | "NORTHWEST TERRITORIES" => "America/Edmonton",
        "BC" | "BRITISH COLUMBIA" | "YT" | "YUKON" => "America/Vancouver",
        _ => return None,
    })
}

fn au_state_zone(state: &str) -> Option<&'static str> {
    Some(match state {
        "NSW"
        | "ACT"
        | "VIC"
        | "TAS"
        | "NEW SOUTH WALES"
        | "AUSTRALIAN CAPITAL TERRITORY"
        | "VICTORIA"
        | "TASMANIA" => "Australia/Sydney",
        "QLD" | "QUEENSLAND" => "Australia/Brisbane",
        "SA" | "SOUTH AUSTRALIA" => "Australia/Adelaide",
        "NT" | "NORTHERN TERRITORY" => "Australia/Darwin",
        "WA" | "WESTERN AUSTRALIA" => "Australia/Perth",
        _ => return None,
    })
}

/// Spain: the Canary Islands keep their own time; every other region the peninsula's.
fn es_region_zone(region: &str) -> &'static str {
    let canary = ["CANARIAS", "CANARY", "LAS PALMAS", "TENERIFE", "GRAN CANARIA", "LANZAROTE", "FUERTEVENTURA"];
    if canary.iter().any(|c| region.contains(c)) { "Atlantic/Canary" } else { "Europe/Madrid" }
}

/// Portugal: the Azores and Madeira keep their own time; the mainland Lisbon's.
fn pt_region_zone(region: &str) -> &'static str {
    if ["AZORES", "AÇORES", "ACORES"].iter().any(|c| region.contains(c)) {
        "Atlantic/Azores"
    } else if region.contains("MADEIRA") {
        "Atlantic/Madeira"
    } else {
        "Europe/Lisbon"
    }
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
        assert_eq!(zones_for_address("US", Some("North Carolina")), vec!["America/New_York"]);
        assert_eq!(zones_for_address("CA", Some("British Columbia")), vec!["America/Vancouver"]);
        assert_eq!(zones_for_address("AU", Some("Western Australia")), vec!["Australia/Perth"]);
        assert_eq!(zones_for_address("ES", Some("Comunidad de Madrid")), vec!["Europe/Madrid"]);
        assert_eq!(zones_for_address("ES", Some("Santa Cruz de Tenerife")), vec!["Atlantic/Canary"]);
        assert_eq!(zones_for_address("ES", None).len(), 2);
        assert_eq!(zones_for_address("PT", Some("Região Autónoma dos Açores")), vec!["Atlantic/Azores"]);
        assert_eq!(zones_for_address("DE", None), vec!["Europe/Berlin"]);
        assert_eq!(zones_for_address("US", None).len(), 7);
        assert!(zones_for_address("ZZ", None).is_empty());
    }

    #[test]
    fn a_country_without_its_neighbours_on_the_same_code() {
        assert_eq!(zones_for_address("GB", None), vec!["Europe/London"]);
        assert_eq!(zones_for_address("JE", None), vec!["Europe/Jersey"]);
        assert_eq!(zones_for_address("NO", None), vec!["Europe/Oslo"]);
        assert_eq!(zones_for_address("FI", None), vec!["Europe/Helsinki"]);
        assert_eq!(zones_for_address("JM", None), vec!["America/Jamaica"]);
        assert_eq!(zones_for_address("KZ", None), vec!["Asia/Almaty", "Asia/Aqtobe"]);
        let russia = zones_for_address("RU", None);
        assert!(
            russia.contains(&"Europe/Moscow".to_owned()) && !russia.contains(&"Asia/Almaty".to_owned()),
            "{russia:?}"
        );
        assert_eq!(main_zone("GB").as_deref(), Some("Europe/London"));
        assert_eq!(main_zone("ca").as_deref(), Some("America/Toronto"));
        assert_eq!(main_zone("BR").as_deref(), Some("America/Sao_Paulo"));
        assert_eq!(main_zone("DE").as_deref(), Some("Europe/Berlin"));
        assert_eq!(main_zone("ZZ"), None);
    }

    #[test]
    fn every_main_zone_is_a_zone() {
        for code in
            ["US", "CA", "AU", "BR", "MX", "RU", "KZ", "ID", "AR", "CL", "ES", "PT", "NZ", "EC", "CD", "MN", "UA", "MA"]
        {
            let zone = main_zone(code).unwrap();
            assert!(parse_zone(&zone).is_ok(), "{code}: {zone}");
        }
    }

    #[test]
    fn zone_names() {
        assert_eq!(parse_zone("Europe/Helsinki").unwrap(), "Europe/Helsinki");
        assert_eq!(parse_zone("europe/helsinki").unwrap(), "Europe/Helsinki");
        assert_eq!(parse_zone("us_slash_central").unwrap(), "America/Chicago");
        assert_eq!(parse_zone("US/Eastern").unwrap(), "America/New_York");
        assert_eq!(parse_zone("europe_slash_berlin").unwrap(), "Europe/Berlin");
        assert_eq!(parse_zone("america_slash_port_of_spain").unwrap(), "America/Port_of_Spain");
        assert!(parse_zone("Mars/Olympus").is_err());
    }
}
