//! Phone numbers in E.164 form.

use crate::Invalid;
use phonenumber::{
    Mode,
    country::{Id, Source},
    metadata::DATABASE,
};
use serde::{Deserialize, Serialize};
use std::{fmt, str::FromStr};

/// A region (ISO 3166-1 alpha-2) whose dialling conventions local numbers follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Region(Id);

impl Region {
    /// Accepts a region code (`FI`, `us`) or a country's name (`Finland`, `Deutschland`, `UK`).
    pub fn parse(input: &str) -> Result<Self, Invalid> {
        let code = input.trim().to_uppercase();
        Id::from_str(&code)
            .ok()
            .or_else(|| crate::country::Country::parse(input).ok().and_then(|c| Id::from_str(c.as_str()).ok()))
            .map(Region)
            .ok_or_else(|| Invalid::new(format!("'{input}' is not a known region code (e.g. US, GB, FI, DE)")))
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        self.0.as_ref()
    }

    /// The country calling code of this region (1 for US, 358 for FI).
    #[must_use]
    pub fn calling_code(&self) -> Option<u16> {
        phonenumber::metadata::DATABASE.by_id(self.as_str()).map(phonenumber::Metadata::country_code)
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a number is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PhoneType {
    Mobile,
    Work,
    Home,
    Direct,
    Fax,
    Other,
}

impl PhoneType {
    pub const ALL: [PhoneType; 6] =
        [PhoneType::Mobile, PhoneType::Work, PhoneType::Home, PhoneType::Direct, PhoneType::Fax, PhoneType::Other];

    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            PhoneType::Mobile => "mobile",
            PhoneType::Work => "work",
            PhoneType::Home => "home",
            PhoneType::Direct => "direct",
            PhoneType::Fax => "fax",
            PhoneType::Other => "other",
        }
    }

    pub fn parse(input: &str) -> Result<Self, Invalid> {
        let norm = input.trim().to_lowercase();
        let norm = match norm.as_str() {
            "cell" | "gsm" => "mobile",
            "office" | "business" | "main" => "work",
            n => n,
        };
        Self::ALL.into_iter().find(|t| t.as_str() == norm).ok_or_else(|| {
            Invalid::new(format!("'{input}' is not a phone type; use mobile, work, home, direct, fax or other"))
        })
    }
}

/// A valid phone number, held in E.164 form (`+12065550100`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phone {
    e164: String,
    calling_code: u16,
    national: String,
    kind: PhoneType,
    /// Dialled after the call connects ("x12", "ext. 12", "#12" after the number).
    extension: Option<String>,
}

/// Reads `raw` with `phonenumber`, working around its one flaw that matters here: given a
/// default region, it strips that region's national prefix even from a number written with
/// its own country code — "+49 151 …" read for the US lost its "1" (the US trunk prefix)
/// and "+33 1 …" was refused. A number with a country code ("+", or the region's
/// international call prefix such as "011" or "00") is therefore read again on its own.
fn read(raw: &str, region: Option<Id>) -> Result<phonenumber::PhoneNumber, ()> {
    let first = phonenumber::parse(region, raw);
    match (&first, region) {
        (Ok(n), Some(_)) if n.code().source() == Source::Plus => phonenumber::parse(None, raw).or(first).map_err(drop),
        (Ok(n), Some(id)) if n.code().source() == Source::Idd => {
            let digits: String = raw.chars().filter(char::is_ascii_digit).collect();
            let after_idd = DATABASE
                .by_id(id.as_ref())
                .and_then(|meta| meta.international_prefix()?.find(&digits))
                .filter(|m| m.start() == 0)
                .map(|m| &digits[m.end()..]);
            let Some(rest) = after_idd else { return first.map_err(drop) };
            let extension = n.extension().map_or(0, |e| e.chars().filter(char::is_ascii_digit).count());
            let rest = &rest[..rest.len().saturating_sub(extension)];
            phonenumber::parse(None, format!("+{rest}")).or(first).map_err(drop)
        }
        // "0049 151 …" — the international call prefix most of the world uses, also where
        // the region's own is another ("011" in North America).
        (Ok(n), _) if n.is_valid() => first.map_err(drop),
        _ => match raw.strip_prefix("00").map(|rest| phonenumber::parse(None, format!("+{rest}"))) {
            Some(Ok(n)) if n.is_valid() || first.is_err() => Ok(n),
            _ => first.map_err(drop),
        },
    }
}

/// `number` without a leading link scheme or label ("tel:+44 20 …", "callto:…", "Tel. 089 …",
/// "Mobile: 040 …"), as CRM exports and web forms sometimes write it; of a SIP address, as phone
/// systems send callers (`"Alice" <sip:+12065550100@pbx.example;user=phone>`), the user part.
fn without_label(number: &str) -> &str {
    const LABELS: [&str; 9] = ["tel:", "tel.", "callto:", "sips:", "sip:", "phone:", "ph:", "mobile:", "mob:"];
    let number = match (number.rfind('<'), number.strip_suffix('>')) {
        (Some(start), Some(inner)) if inner[start + 1..].contains(|c: char| c.is_ascii_digit()) => {
            inner[start + 1..].trim()
        }
        _ => number,
    };
    let lower = number.get(..8.min(number.len())).unwrap_or("").to_ascii_lowercase();
    let Some(label) = LABELS.iter().find(|l| lower.starts_with(*l)) else { return number };
    let rest = number[label.len()..].trim_start();
    match *label {
        "sip:" | "sips:" => rest.split(['@', ';']).next().unwrap_or(rest),
        "tel:" => rest.split(';').next().unwrap_or(rest),
        _ => rest,
    }
}

/// `number` without a note after it in brackets ("206-555-0148 (mobile)", "020 7946
/// 0018 [switchboard]"), with the kind of phone the note names, if it names one.
fn without_note(number: &str) -> (&str, Option<PhoneType>) {
    let open = match number.chars().last() {
        Some(')') => '(',
        Some(']') => '[',
        _ => return (number, None),
    };
    let Some(start) = number.rfind(open) else { return (number, None) };
    let note = number[start + 1..number.len() - 1].trim();
    let before = number[..start].trim_end();
    let wordy = !note.is_empty() && note.chars().all(|c| c.is_alphabetic() || c == ' ' || c == '.');
    if !wordy || !before.chars().any(|c| c.is_ascii_digit()) {
        return (number, None);
    }
    (before, PhoneType::parse(note.trim_end_matches('.')).ok())
}

/// "2065550142.0": a number a program read from a spreadsheet as a decimal number.
fn without_decimal_zero(number: &str) -> &str {
    match number.split_once('.') {
        Some((whole, zeros))
            if whole.len() > 4
                && whole.trim_start_matches('+').chars().all(|c| c.is_ascii_digit())
                && !zeros.is_empty()
                && zeros.chars().all(|c| c == '0') =>
        {
            whole
        }
        _ => number,
    }
}

/// "4.47911E+11", "3,58401E+11": what Excel writes for a long number in a General cell.
fn looks_scientific(raw: &str) -> bool {
    let Some((mantissa, exponent)) = raw.split_once(['E', 'e']) else { return false };
    let exponent = exponent.strip_prefix('+').unwrap_or(exponent);
    let mut parts = mantissa.splitn(2, ['.', ',']);
    let whole = parts.next().unwrap_or("");
    let fraction = parts.next().unwrap_or("0");
    !exponent.is_empty()
        && exponent.chars().all(|c| c.is_ascii_digit())
        && !whole.is_empty()
        && whole.chars().all(|c| c.is_ascii_digit())
        && fraction.chars().all(|c| c.is_ascii_digit())
}

/// A number written with letters for its last digits, as toll-free numbers are advertised
/// ("1 (800) FLOWERS", "1-800-GOT-JUNK"), in the digits a keypad gives them: three or more
/// capital letters after at least three digits, and nothing else alphabetic.
fn vanity_digits(raw: &str) -> Option<String> {
    let letters = raw.chars().filter(char::is_ascii_uppercase).count();
    let digits = raw.chars().filter(char::is_ascii_digit).count();
    let first_letter = raw.find(|c: char| c.is_ascii_uppercase())?;
    let digits_before = raw[..first_letter].chars().filter(char::is_ascii_digit).count();
    if letters < 3 || digits_before < 3 || !(10..=15).contains(&(letters + digits)) {
        return None;
    }
    if raw.chars().any(|c| c.is_alphabetic() && !c.is_ascii_uppercase()) {
        return None;
    }
    // "… EXT 12", "… X 12", "TEL …" are words around a number, not its digits.
    let words = ["X", "EXT", "EXTN", "EXTENSION", "TEL", "FAX", "PHONE", "MOBILE", "CELL", "DW", "DIRECT"];
    if raw.split(|c: char| !c.is_ascii_uppercase()).any(|run| words.contains(&run)) {
        return None;
    }
    let key = |c: char| match c {
        'A'..='C' => '2',
        'D'..='F' => '3',
        'G'..='I' => '4',
        'J'..='L' => '5',
        'M'..='O' => '6',
        'P'..='S' => '7',
        'T'..='V' => '8',
        _ => '9',
    };
    Some(raw.chars().map(|c| if c.is_ascii_uppercase() { key(c) } else { c }).collect())
}

impl Phone {
    /// Parses a number as people write it. Local forms ("(206) 555-0100", "040 123 4567")
    /// are read with `default_region`; international forms ("+358 40 123 4567", "00358...")
    /// need none. Numbers that are not valid for their region are refused.
    pub fn parse(input: &str, default_region: Option<Region>, kind: Option<PhoneType>) -> Result<Self, Invalid> {
        let (raw, noted) = without_note(without_label(input.trim()));
        let raw = without_decimal_zero(raw);
        let kind = kind.or(noted);
        if raw.is_empty() {
            return Err(Invalid::new("must not be empty"));
        }
        if looks_scientific(raw) {
            return Err(Invalid::new(format!(
                "'{raw}' is a number a spreadsheet wrote in scientific notation, which loses its last digits; \
                 format the column as text and export the file again"
            )));
        }
        if let Some(dialled) = vanity_digits(raw) {
            return Self::parse(&dialled, default_region, kind);
        }
        let digits = raw.chars().filter(char::is_ascii_digit).count();
        if digits < 5 || raw.chars().any(|c| c.is_alphabetic() && !matches!(c, 'x' | 'X' | 'e' | 'E' | 't' | 'T')) {
            return Err(Invalid::new(format!("'{raw}' is not a phone number")));
        }
        let number = read(raw, default_region.map(|r| r.0)).map_err(|()| {
            if default_region.is_none() && !raw.starts_with('+') {
                Invalid::new(format!("'{raw}' has no country code; write it as +<country code> <number>"))
            } else {
                Invalid::new(format!("'{raw}' is not a phone number"))
            }
        })?;
        let e164 = number.format().mode(Mode::E164).to_string();
        let fiction = reserved_for_fiction(&e164);
        if !number.is_valid() && fiction.is_none() {
            // A number written with its country code is not the default region's.
            let own_code = number.code().source() != Source::Default;
            let hint = match (number.country().id(), default_region) {
                (Some(id), _) => format!(" for {}", id.as_ref()),
                (None, _) if own_code => format!(" (country code +{})", number.code().value()),
                (None, Some(r)) => format!(" for {r}"),
                _ => String::new(),
            };
            return Err(Invalid::new(format!("'{raw}' is not a valid phone number{hint}")));
        }
        let kind = kind.or(fiction.map(|(_, kind)| kind)).unwrap_or_else(|| {
            if number.number_type(&phonenumber::metadata::DATABASE) == phonenumber::Type::Mobile {
                PhoneType::Mobile
            } else {
                PhoneType::Work
            }
        });
        let calling_code = number.code().value();
        let national = e164[1 + calling_code.to_string().len()..].to_owned();
        let extension = number
            .extension()
            .map(|e| e.to_string())
            .filter(|e| !e.is_empty())
            .or_else(|| Self::extension_in(raw, default_region));
        Ok(Self { e164, calling_code, national, kind, extension })
    }

    /// The extension written after a number ("x12", "ext. 12", "#12"); read apart from the
    /// number, as reading "0044 …" again with "+44" drops it.
    fn extension_in(raw: &str, default_region: Option<Region>) -> Option<String> {
        if !raw.contains(['x', 'X', '#']) {
            return None;
        }
        let n = phonenumber::parse(default_region.map(|r| r.0), raw).ok()?;
        n.extension().map(|e| e.to_string()).filter(|e| !e.is_empty())
    }

    /// Rebuilds a number already stored in E.164 form.
    pub fn from_e164(e164: &str, kind: PhoneType) -> Result<Self, Invalid> {
        Self::parse(e164, None, Some(kind))
    }

    /// The same number with `extension` (digits only; empty is none).
    #[must_use]
    pub fn with_extension(mut self, extension: Option<&str>) -> Self {
        self.extension =
            extension.map(|e| e.chars().filter(char::is_ascii_digit).collect::<String>()).filter(|e| !e.is_empty());
        self
    }

    /// The extension to dial once the call connects, if the number has one.
    #[must_use]
    pub fn extension(&self) -> Option<&str> {
        self.extension.as_deref()
    }

    #[must_use]
    pub fn e164(&self) -> &str {
        &self.e164
    }

    /// The E.164 digits without `+` (`12065550100`).
    #[must_use]
    pub fn digits(&self) -> &str {
        &self.e164[1..]
    }

    /// The national significant number (`2065550100`), without trunk prefix.
    #[must_use]
    pub fn national(&self) -> &str {
        &self.national
    }

    #[must_use]
    pub fn calling_code(&self) -> u16 {
        self.calling_code
    }

    #[must_use]
    pub fn kind(&self) -> PhoneType {
        self.kind
    }

    /// A readable international form (`+1 206-555-0100`).
    #[must_use]
    pub fn display(&self) -> String {
        display_e164(&self.e164)
    }
}

/// A stored E.164 number in its readable international form (`+1 206-555-0100`), or as
/// stored when it cannot be read.
#[must_use]
pub fn display_e164(e164: &str) -> String {
    phonenumber::parse(None, e164)
        .map_or_else(|_| e164.to_owned(), |n| n.format().mode(Mode::International).to_string())
}

/// The ISO 3166 region of an E.164 number (`+1206...` → `US`), when it can be told.
#[must_use]
pub fn region_of(e164: &str) -> Option<String> {
    if let Some((region, _)) = reserved_for_fiction(e164) {
        return Some(region.to_owned());
    }
    let n = phonenumber::parse(None, e164).ok()?;
    n.country().id().map(|id| id.as_ref().to_owned())
}

/// Ranges that telephone regulators keep for films, books and examples — so that no real
/// subscriber is ever rung — which the phone-number library does not count as valid:
/// Ofcom's 07700 900000–900999 and 01632 960000–960999 (United Kingdom) and ARCEP's
/// 06 39 98 00 00–99 99 (France). Sample lists and test data use them, so they are read
/// as numbers of their country (region and kind) rather than refused.
fn reserved_for_fiction(e164: &str) -> Option<(&'static str, PhoneType)> {
    const RANGES: [(&str, usize, &str, PhoneType); 3] = [
        ("+447700900", 13, "GB", PhoneType::Mobile),
        ("+441632960", 13, "GB", PhoneType::Work),
        ("+3363998", 12, "FR", PhoneType::Mobile),
    ];
    RANGES
        .iter()
        .find(|(prefix, len, _, _)| e164.len() == *len && e164.starts_with(prefix))
        .map(|&(_, _, region, kind)| (region, kind))
}

/// Parses a number of each common shape once, so that the phone-number library's
/// lazily built patterns are ready before the first request needs them.
pub fn warm_up() {
    for (number, region) in
        [("(206) 555-0100", "US"), ("020 7946 0018", "GB"), ("040 123 4567", "FI"), ("030 12345678", "DE")]
    {
        let _ = Phone::parse(number, Region::parse(region).ok(), None).map(|p| p.display());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn us() -> Option<Region> {
        Some(Region::parse("US").unwrap())
    }

    #[test]
    fn regions_by_code_or_country_name() {
        assert_eq!(Region::parse("fi").unwrap().as_str(), "FI");
        assert_eq!(Region::parse("Finland").unwrap().as_str(), "FI");
        assert_eq!(Region::parse("UK").unwrap().as_str(), "GB");
        assert_eq!(Region::parse("Deutschland").unwrap().as_str(), "DE");
        assert!(Region::parse("Atlantis").is_err());
    }

    #[test]
    fn numbers_kept_for_fiction_are_numbers_of_their_country() {
        let gb = Some(Region::parse("GB").unwrap());
        let mobile = Phone::parse("07700 900123", gb, None).unwrap();
        assert_eq!((mobile.e164(), mobile.kind), ("+447700900123", PhoneType::Mobile));
        assert_eq!(Phone::parse("+44 7700 900999", None, None).unwrap().e164(), "+447700900999");
        assert_eq!(Phone::parse("01632 960123", gb, None).unwrap().kind, PhoneType::Work);
        assert_eq!(region_of("+447700900123").as_deref(), Some("GB"));
        let fr = Phone::parse("06 39 98 12 34", Region::parse("FR").ok(), None).unwrap();
        assert_eq!((fr.e164(), fr.kind), ("+33639981234", PhoneType::Mobile));
        // Next to them, numbers of no range stay refused.
        assert!(Phone::parse("01632 970123", gb, None).is_err());
        assert!(Phone::parse("07700 9001234", gb, None).is_err());
        // A refused number written with a country code is not said to be the region's.
        let refused = Phone::parse("+1 624 201 0100", gb, None).unwrap_err().to_string();
        assert!(refused.ends_with("(country code +1)") || refused.ends_with("for US"), "{refused}");
    }

    #[test]
    fn link_schemes_and_labels_are_passed_over() {
        let fi = Some(Region::parse("FI").unwrap());
        assert_eq!(Phone::parse("tel:+44-20-7946-0001", None, None).unwrap().e164(), "+442079460001");
        assert_eq!(Phone::parse("callto:+358401234567", None, None).unwrap().e164(), "+358401234567");
        // Callers as phone systems send them: SIP addresses, with or without a display name.
        let us = Region::parse("US").ok();
        for caller in [
            "sip:+16505550100@pbx.example.com",
            "sips:+16505550100@pbx.example.com;transport=tls",
            "<sip:6505550100@10.0.0.1>",
            "\"Ravi Shah\" <sip:+1-650-555-0100@pbx.example;user=phone>",
            "tel:+16505550100;phone-context=example.com",
        ] {
            assert_eq!(Phone::parse(caller, us, None).unwrap().e164(), "+16505550100", "{caller}");
        }
        assert_eq!(Phone::parse("Tel. 09 1234567", fi, None).unwrap().e164(), "+35891234567");
        assert_eq!(Phone::parse("Mobile: 040 123 4567", fi, None).unwrap().e164(), "+358401234567");
        assert!(Phone::parse("telephone", fi, None).is_err());
    }

    #[test]
    fn notes_and_decimal_zeros_after_a_number() {
        let us = Region::parse("US").ok();
        let p = Phone::parse("206-555-0148 (mobile)", us, None).unwrap();
        assert_eq!((p.e164(), p.kind()), ("+12065550148", PhoneType::Mobile));
        let p = Phone::parse("+44 20 7946 0018 [switchboard]", us, None).unwrap();
        assert_eq!((p.e164(), p.kind()), ("+442079460018", PhoneType::Work));
        // The column's kind is kept over the note's.
        let p = Phone::parse("206-555-0148 (cell)", us, Some(PhoneType::Home)).unwrap();
        assert_eq!(p.kind(), PhoneType::Home);
        assert_eq!(Phone::parse("2065550145.0", us, None).unwrap().e164(), "+12065550145");
        assert_eq!(Phone::parse("(206) 555-0149", us, None).unwrap().e164(), "+12065550149");
        assert!(Phone::parse("206555.01", us, None).is_err());
    }

    #[test]
    fn a_number_spelled_in_letters_is_dialled_as_a_keypad_gives_it() {
        let us = us();
        assert_eq!(Phone::parse("1 (800) FLOWERS", us, None).unwrap().e164(), "+18003569377");
        assert_eq!(Phone::parse("1-800-GOT-JUNK", us, None).unwrap().e164(), "+18004685865");
        assert_eq!(Phone::parse("+1 212 555 0100 EXT 12", us, None).unwrap().extension(), Some("12"));
        assert!(Phone::parse("ACME", us, None).is_err());
        assert!(Phone::parse("call 1-800-GOT-JUNK", us, None).is_err(), "words around it");
    }

    #[test]
    fn spreadsheet_scientific_notation_is_named() {
        let gb = Some(Region::parse("GB").unwrap());
        for raw in ["4.47911E+11", "3,58401E+11", "4E11", "4.47911e+11"] {
            let err = Phone::parse(raw, gb, None).unwrap_err().to_string();
            assert!(err.contains("scientific notation"), "{raw}: {err}");
        }
    }

    #[test]
    fn an_extension_is_kept_beside_the_number() {
        let gb = Some(Region::parse("GB").unwrap());
        let us = us();
        let ext = |raw: &str, region| Phone::parse(raw, region, None).unwrap().extension().map(str::to_owned);
        assert_eq!(ext("+44 20 7946 0001 ext 12", gb).as_deref(), Some("12"));
        assert_eq!(ext("020 7946 0001 x7", gb).as_deref(), Some("7"));
        assert_eq!(ext("0044 20 7946 0001 x7", us).as_deref(), Some("7"), "an international call prefix");
        assert_eq!(ext("+1 (212) 555-0100 #204", us).as_deref(), Some("204"));
        assert_eq!(ext("+44 20 7946 0001", gb), None);
        let p = Phone::parse("+44 20 7946 0001 ext 12", gb, None).unwrap();
        assert_eq!(p.e164(), "+442079460001", "the extension is not part of the number");
        let stored = Phone::from_e164(p.e164(), p.kind()).unwrap().with_extension(p.extension());
        assert_eq!(stored, p);
    }

    #[test]
    fn local_forms_use_the_default_region() {
        let p = Phone::parse("(206) 555-0100", us(), None).unwrap();
        assert_eq!(p.e164(), "+12065550100");
        assert_eq!(p.national(), "2065550100");
        assert_eq!(p.digits(), "12065550100");
        let fi = Phone::parse("040 123 4567", Some(Region::parse("fi").unwrap()), None).unwrap();
        assert_eq!(fi.e164(), "+358401234567");
        assert_eq!(fi.kind(), PhoneType::Mobile);
    }

    #[test]
    fn international_forms_ignore_the_default_region() {
        for raw in ["+358 40 123 4567", "+358-40-1234567", "00358401234567"] {
            let region = if raw.starts_with("00") { None } else { us() };
            assert_eq!(Phone::parse(raw, region, None).unwrap().e164(), "+358401234567", "{raw}");
        }
        assert_eq!(Phone::parse("+44 20 7946 0018", us(), None).unwrap().e164(), "+442079460018");
        assert_eq!(Phone::parse("+49 30 12345678", None, None).unwrap().e164(), "+493012345678");
    }

    #[test]
    fn a_country_code_wins_over_the_default_regions_trunk_prefix() {
        let region = |r: &str| Some(Region::parse(r).unwrap());
        // National numbers that start with 1, the North American trunk prefix.
        for (raw, home, e164) in [
            ("+49 151 33218456", "US", "+4915133218456"),
            ("+4915133218456", "CA", "+4915133218456"),
            ("+33 1 42 68 53 00", "US", "+33142685300"),
            ("+86 10 1234 5678", "US", "+861012345678"),
            ("+31 10 123 4567", "US", "+31101234567"),
            ("+49 (0)151 33218456", "US", "+4915133218456"),
            ("+49 (0)30 123456", "DE", "+4930123456"),
            ("011 49 151 33218456", "US", "+4915133218456"),
            ("0049 151 33218456", "US", "+4915133218456"),
            ("00 33 1 42 68 53 00", "FI", "+33142685300"),
            ("+1 (415) 555-0199", "US", "+14155550199"),
            ("1 415 555 0199", "US", "+14155550199"),
            ("(415) 555-0199", "US", "+14155550199"),
            ("0151 33218456", "DE", "+4915133218456"),
        ] {
            assert_eq!(
                Phone::parse(raw, region(home), None).map(|p| p.e164().to_owned()),
                Ok(e164.to_owned()),
                "{raw} in {home}"
            );
        }
    }

    #[test]
    fn refuses_invalid_numbers() {
        for bad in ["", "12", "hello", "555-CALL-NOW", "+1 000 000 0000", "+358 0"] {
            assert!(Phone::parse(bad, us(), None).is_err(), "{bad}");
        }
        assert!(Phone::parse("040 123 4567", None, None).is_err());
    }

    #[test]
    fn type_names() {
        assert_eq!(PhoneType::parse("Cell").unwrap(), PhoneType::Mobile);
        assert!(PhoneType::parse("pager").is_err());
    }
}
