//! Turning one CSV row into a lead with its contact: normalization and the keys
//! that find its duplicates. Runs on the reader thread; no I/O.

use super::{
    Issue,
    columns::{self, Columns},
};
use crate::{
    app::contacts::derive_zones,
    store::{
        self,
        bulk::NewLeadRows,
        contacts::{Contact, ContactPhone},
        leads::{Address, Lead},
    },
};
use csv::ByteRecord;
use leadline_domain::{
    Country, Email, Invalid, LeadKind, LeadStatus, Phone, PhoneType, Region, address, dedupe, text, timezone,
};
use serde_json::{Map, Value};
use std::hash::{DefaultHasher, Hash, Hasher};
use uuid::Uuid;

/// What a row is matched on, with the words the report uses.
#[derive(Debug, Clone)]
pub struct Key {
    pub hash: u64,
    pub reason: String,
    /// Rows with the same external id are one record, not duplicates of each other.
    pub external: bool,
    /// A person's name: it finds a lead only for a row with no other key.
    pub name_only: bool,
}

/// The kinds of key, hashed with the value so they never collide with each other.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    External = 1,
    Email = 2,
    Phone = 3,
    Company = 4,
    Domain = 5,
    /// A person lead's name, for rows that give nothing else to know them by.
    Person = 6,
    /// A lead's id in the Leadline export a row comes from (and of the lead it names here).
    LeadlineId = 7,
}

/// A person's name as compared for de-duplication: case, accents, punctuation and spacing
/// aside ("Jürgen  O'Neill" = "jurgen oneill").
#[must_use]
pub fn person_key(name: &str) -> Option<String> {
    let terms = leadline_domain::search::terms(name);
    (!terms.is_empty()).then(|| terms.join(" "))
}

/// A stable 64-bit hash of a key; two different keys share one with odds of 1 in 2^64.
#[must_use]
pub fn key_hash(kind: KeyKind, value: &str) -> u64 {
    let mut h = DefaultHasher::new();
    (kind as u8).hash(&mut h);
    value.hash(&mut h);
    h.finish()
}

/// The keys an imported lead is found by; `own_id` is its id in the Leadline export the
/// row comes from, which then groups the lead's rows in place of its external id.
pub fn keys_of(lead: &Lead, match_domain: bool, contacts: &[Contact], own_id: Option<&str>) -> Vec<Key> {
    let mut keys = Vec::new();
    if let Some(id) = own_id {
        keys.push(Key {
            hash: key_hash(KeyKind::LeadlineId, id),
            reason: format!("same Leadline id {id}"),
            external: true,
            name_only: false,
        });
    }
    if let Some(ext) = &lead.external_id {
        keys.push(Key {
            hash: key_hash(KeyKind::External, ext),
            reason: format!("same external id {ext}"),
            external: own_id.is_none(),
            name_only: false,
        });
    }
    for c in contacts {
        for e in &c.emails {
            keys.push(Key {
                hash: key_hash(KeyKind::Email, e),
                reason: format!("same e-mail {e}"),
                external: false,
                name_only: false,
            });
        }
        for p in &c.phones {
            keys.push(Key {
                hash: key_hash(KeyKind::Phone, &p.e164),
                reason: format!("same phone {}", p.e164),
                external: false,
                name_only: false,
            });
        }
    }
    if lead.kind == LeadKind::Company
        && let Some(k) = dedupe::company_key(&lead.name)
    {
        keys.push(Key {
            hash: key_hash(KeyKind::Company, &k),
            reason: format!("same company name ({})", lead.name),
            external: false,
            name_only: false,
        });
    }
    if match_domain {
        // The web site's domain, then those of the contacts' company e-mail addresses.
        let site = lead.website.as_deref().and_then(dedupe::company_domain).map(|d| (d, None));
        let mails =
            contacts.iter().flat_map(|c| &c.emails).filter_map(|e| Some((dedupe::email_company_domain(e)?, Some(e))));
        let mut seen = Vec::new();
        for (d, email) in site.into_iter().chain(mails) {
            if seen.contains(&d) {
                continue;
            }
            let reason = match email {
                Some(e) => format!("same web domain {d} (of the e-mail {e})"),
                None => format!("same web domain {d}"),
            };
            keys.push(Key { hash: key_hash(KeyKind::Domain, &d), reason, external: false, name_only: false });
            seen.push(d);
        }
    }
    // A person known by name alone (no id, e-mail or phone) is the person lead of that name:
    // importing such a file again finds them. Namesakes with their own numbers stay apart.
    if lead.kind == LeadKind::Person
        && let Some(k) = person_key(&lead.name)
    {
        keys.push(Key {
            hash: key_hash(KeyKind::Person, &k),
            reason: format!("same name ({}), and the row has no e-mail or phone", lead.name),
            external: false,
            name_only: true,
        });
    }
    keys
}

/// Everything a row needs that does not come from the row.
pub struct LeadContext {
    pub columns: Columns,
    pub region: Option<Region>,
    /// Users by lower-cased name and e-mail.
    pub owners: super::engine::Owners,
    pub importer: Option<Uuid>,
    pub match_domain: bool,
    /// The old CRM's own status names the user mapped.
    pub statuses: StatusNames,
    /// Tags the import adds to every lead.
    pub tags: Vec<String>,
}

/// Lead statuses of the old CRM named in the import's options ("Hot" → qualified), compared
/// as search terms (case, accents and punctuation aside).
#[derive(Debug, Default, Clone)]
pub struct StatusNames(std::collections::HashMap<String, LeadStatus>);

impl StatusNames {
    #[must_use]
    pub fn new(names: &std::collections::BTreeMap<String, String>) -> Self {
        Self(names.iter().filter_map(|(k, v)| Some((Self::key(k), LeadStatus::parse(v).ok()?))).collect())
    }

    fn key(name: &str) -> String {
        leadline_domain::search::terms(name).join(" ")
    }

    /// The status a mapped name gives `value`, if any.
    #[must_use]
    pub fn mapped(&self, value: &str) -> Option<LeadStatus> {
        self.0.get(&Self::key(value)).copied()
    }

    /// Adds `names` the map does not have yet (by their key).
    pub fn remember(
        map: &mut std::collections::BTreeMap<String, String>,
        names: impl IntoIterator<Item = (String, String)>,
    ) {
        let mut keys: std::collections::HashSet<String> = map.keys().map(|k| Self::key(k)).collect();
        for (name, status) in names {
            if keys.insert(Self::key(&name)) {
                map.insert(name, status);
            }
        }
    }

    /// The status `value` names: a mapped name, else Leadline's or another CRM's own.
    pub fn parse(&self, value: &str) -> Result<LeadStatus, Invalid> {
        match self.0.get(&Self::key(value)) {
            Some(s) => Ok(*s),
            None => LeadStatus::parse_foreign(value).map_err(|e| {
                Invalid(format!(
                    "{e}, or map it to one (--status \"{}=qualified\", or on the mapping page)",
                    value.trim()
                ))
            }),
        }
    }
}

/// A row ready to store.
pub struct LeadRecord {
    pub row: u64,
    pub rows: NewLeadRows,
    pub keys: Vec<Key>,
    /// Things changed or left out, reported without refusing the row.
    pub warnings: Vec<Issue>,
}

/// A row, prepared or refused.
pub enum Prepared {
    Lead(Box<LeadRecord>),
    Rejected(u64, Vec<Issue>),
}

const PHONE_FIELDS: [(&str, Option<PhoneType>); 7] = [
    ("phone", None),
    ("mobile_phone", Some(PhoneType::Mobile)),
    ("work_phone", Some(PhoneType::Work)),
    ("home_phone", Some(PhoneType::Home)),
    ("direct_phone", Some(PhoneType::Direct)),
    ("fax", Some(PhoneType::Fax)),
    ("other_phone", Some(PhoneType::Other)),
];

/// A person's name written surname first ("Doe, Jane", "van Dyke, Anna B.", as address
/// books file them) turned round; anything else ("Jane Doe, PhD", "Jane Doe, John Doe")
/// as written.
fn first_name_first(name: &str) -> String {
    const PARTICLES: [&str; 9] = ["van", "von", "de", "da", "di", "del", "der", "la", "le"];
    const AFTER_NAME: [&str; 16] =
        ["jr", "sr", "ii", "iii", "iv", "phd", "md", "mba", "esq", "cpa", "dds", "rn", "msc", "bsc", "ma", "ba"];
    let Some((last, first)) = name.split_once(',') else { return name.to_owned() };
    let (last, first) = (last.trim(), first.trim());
    let last_words: Vec<&str> = last.split_whitespace().collect();
    let first_words: Vec<&str> = first.split_whitespace().collect();
    let surname = match last_words.as_slice() {
        [_] => true,
        [particles @ .., _] => particles.iter().all(|w| PARTICLES.contains(&w.to_lowercase().as_str())),
        [] => false,
    };
    let credential = first_words.iter().any(|w| {
        let bare: String = w.chars().filter(|c| c.is_alphanumeric()).collect::<String>().to_lowercase();
        AFTER_NAME.contains(&bare.as_str())
    });
    if first.contains(',') || !surname || credential || first_words.is_empty() || first_words.len() > 2 {
        return name.to_owned();
    }
    format!("{first} {last}")
}

/// Whether a web address is a person's profile page (LinkedIn's `/in/`, XING's `/profile/`).
fn is_personal_profile(url: &str) -> bool {
    let lower = url.trim().to_lowercase();
    let rest = lower.split_once("://").map_or(lower.as_str(), |(_, r)| r);
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    let on = |site: &str| host == site || host.ends_with(&format!(".{site}"));
    (on("linkedin.com") && (path.starts_with("in/") || path.starts_with("pub/")))
        || (on("xing.com") && path.starts_with("profile/"))
}

/// The kind of phone a type column names as other programs write it ("Mobile", "Work
/// Fax", Google's "* Main" for the primary one); `None` leaves it to the number.
fn phone_type_named(label: &str) -> Option<PhoneType> {
    let l = label.trim().trim_start_matches('*').trim().to_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| l.contains(w));
    if has(&["fax"]) {
        Some(PhoneType::Fax)
    } else if has(&["mobile", "cell", "iphone", "handy", "mobil", "gsm"]) {
        Some(PhoneType::Mobile)
    } else if has(&["direct", "durchwahl"]) {
        Some(PhoneType::Direct)
    } else if has(&["work", "business", "office", "main", "company", "gesch", "büro", "buro"]) {
        Some(PhoneType::Work)
    } else if has(&["home", "private", "privat", "personal"]) {
        Some(PhoneType::Home)
    } else if l.is_empty() {
        None
    } else {
        Some(PhoneType::Other)
    }
}

/// The non-empty parts of a cell holding a list: between `separators`, or Google
/// Contacts' " ::: ".
fn list_parts<'c>(cell: &'c str, separators: &'c [char]) -> impl Iterator<Item = &'c str> + 'c {
    cell.split(":::").flat_map(move |c| c.split(separators)).map(str::trim).filter(|p| !p.is_empty())
}

/// The numbers in a phone cell, each with what `parse` made of it: the whole cell when
/// it is one number, else its parts between `;` `,` `|`, line breaks or " ::: " ("+1 212 555
/// 0101, +1 212 555 0102"), a part split at `/` only when each side is a number of its
/// own ("030 901820 / 0171 2345678", but not "089 / 1234567").
fn phones_in<E>(cell: &str, parse: impl Fn(&str) -> Result<Phone, E>) -> Vec<(&str, Result<Phone, E>)> {
    let whole = parse(cell);
    if whole.is_ok() || !cell.contains([';', ',', '|', '\n', '/', ':']) {
        return vec![(cell, whole)];
    }
    let mut out = Vec::new();
    for part in list_parts(cell, &[';', ',', '|', '\n', '\r']) {
        let parsed = parse(part);
        if parsed.is_err() && part.contains('/') {
            let sides: Vec<(&str, Result<Phone, E>)> = part.split('/').map(str::trim).map(|s| (s, parse(s))).collect();
            let long = |s: &str| s.chars().filter(char::is_ascii_digit).count() >= 6;
            if sides.iter().all(|(s, p)| p.is_ok() && long(s)) {
                out.extend(sides);
                continue;
            }
        }
        out.push((part, parsed));
    }
    out
}

/// The addresses in an e-mail cell as people and mail programs write them: several
/// between `;` `,` line breaks or spaces, "Jane Doe <jane@doe.example>" (only what is
/// between the angle brackets counts, so a display name may hold commas),
/// "mailto:jane@doe.example", "jane @ doe.example", a sentence's full stop after it.
fn emails_in(cell: &str) -> Vec<(&str, Result<Email, Invalid>)> {
    if cell.contains('<') && cell.contains('>') {
        let bracketed: Vec<&str> =
            cell.split('<').skip(1).filter_map(|s| s.split_once('>').map(|(inner, _)| inner.trim())).collect();
        if !bracketed.is_empty() {
            return bracketed.into_iter().map(|a| (a, parse_email(a))).collect();
        }
    }
    let mut out = Vec::new();
    for part in list_parts(cell, &[';', ',', '\n', '\r']) {
        let parsed = parse_email(part);
        if parsed.is_ok() || !part.contains(char::is_whitespace) {
            out.push((part, parsed));
            continue;
        }
        // "jane @ doe.example" is one address; "jane@a.example jane@b.example" two.
        let joined: String = part.split_whitespace().collect();
        if part.matches('@').count() == 1 && parse_email(&joined).is_ok() {
            out.push((part, parse_email(&joined)));
        } else {
            out.extend(part.split_whitespace().map(|w| (w, parse_email(w))));
        }
    }
    out
}

pub(super) fn parse_email(part: &str) -> Result<Email, Invalid> {
    let bare = part.trim().trim_end_matches('.');
    let bare = match bare.get(..7) {
        Some(p) if p.eq_ignore_ascii_case("mailto:") => &bare[7..],
        _ => bare,
    };
    // A mailto link's parameters ("?subject=…") are not part of the address.
    let bare = bare.split_once('?').map_or(bare, |(a, _)| a);
    Email::parse(bare)
}

/// Reads yes/no cells as people write them.
pub fn parse_flag(v: &str) -> Option<bool> {
    match v.trim().to_lowercase().as_str() {
        "yes" | "y" | "true" | "1" | "x" | "on" | "opted out" | "unsubscribed" | "do not call" | "dnc" | "ja"
        | "kyllä" | "kylla" => Some(true),
        "no" | "n" | "false" | "0" | "off" | "opted in" | "subscribed" | "nein" | "ei" | "-" => Some(false),
        _ => None,
    }
}

/// What a row says about one of its people.
struct PersonRead {
    name: Option<String>,
    title: Option<String>,
    phones: Vec<Phone>,
    emails: Vec<String>,
    do_not_call: bool,
    do_not_email: bool,
}

type Bad<'a> = dyn FnMut(&str, &str, String) + 'a;

/// The first value of `field` for the row's person `person` as one line of at most `max`
/// characters.
fn person_line(cols: &Columns, rec: &ByteRecord, field: &str, person: u8, max: usize, bad: &mut Bad) -> Option<String> {
    let (_, col, v) = cols.person_at(rec, field, person).next()?;
    text::optional_line(Some(&v), max).unwrap_or_else(|e| {
        bad(col, &v, e.to_string());
        None
    })
}

/// A person's name: their full name (turned round when written surname first, except in
/// a Leadline export, which holds names as they were stored), else first, middle and last.
fn person_name(cols: &Columns, rec: &ByteRecord, person: u8, bad: &mut Bad) -> Option<String> {
    let own_export = cols.one_lead_per_id();
    person_line(cols, rec, "contact_name", person, 200, bad)
        .map(|n| if own_export { n } else { first_name_first(&n) })
        .or_else(|| {
            let parts = ["first_name", "middle_name", "last_name"].map(|f| person_line(cols, rec, f, person, 100, bad));
            let joined = parts.into_iter().flatten().collect::<Vec<_>>().join(" ");
            (!joined.is_empty()).then_some(joined)
        })
}

/// A person's phones, from every phone column in the file's order (a list's "Direct
/// Phone" before its "Company HQ Phone": the first number is the person's main one, and
/// the lead's time zone comes from it), faxes last, each number once.
///
/// A national number that is no number of `region` is read as one of `beside`, the country
/// of a number the row writes in international form ("087 123 4567" beside
/// "+353 1 555 0123" in a list whose organization is in the US).
fn person_phones(cols: &Columns, rec: &ByteRecord, person: u8, regions: &Regions, bad: &mut Bad) -> Vec<Phone> {
    let mut cells: Vec<_> = PHONE_FIELDS
        .into_iter()
        .flat_map(|(field, kind)| cols.person_at(rec, field, person).map(move |(i, col, cell)| (i, kind, col, cell)))
        .collect();
    cells.sort_by_key(|(i, ..)| *i);
    let mut phones: Vec<Phone> = Vec::new();
    for (i, kind, col, cell) in cells {
        let kind = kind.or_else(|| cols.phone_type_of(rec, i).and_then(|t| phone_type_named(&t)));
        let parse = |p: &str| {
            Phone::parse(p, regions.row, kind).or_else(|e| match regions.beside() {
                Some(beside) if Some(beside) != regions.row => Phone::parse(p, Some(beside), kind).map_err(|_| e),
                _ => Err(e),
            })
        };
        for (part, parsed) in phones_in(&cell, parse) {
            match parsed {
                Ok(p) => match phones.iter_mut().find(|q| q.e164() == p.e164()) {
                    // The same number again, this time with its extension.
                    Some(q) if q.extension().is_none() && p.extension().is_some() => {
                        *q = q.clone().with_extension(p.extension());
                    }
                    Some(_) => {}
                    None => phones.push(p),
                },
                Err(e) => bad(col, part, e.to_string()),
            }
        }
    }
    // A fax is nobody's number to call first (Outlook puts "Business Fax" before "Business Phone").
    phones.sort_by_key(|p| p.kind() == PhoneType::Fax);
    phones
}

/// The regions a row's national phone numbers are read in: the row's own (its country, or
/// the import's default), and, for numbers that are none of it, the country of the first
/// number the row writes in international form (looked for only then).
struct Regions<'r> {
    row: Option<Region>,
    cols: &'r Columns,
    rec: &'r ByteRecord,
    beside: std::cell::OnceCell<Option<Region>>,
}

impl<'r> Regions<'r> {
    fn of(cols: &'r Columns, rec: &'r ByteRecord, row: Option<Region>) -> Self {
        Self { row, cols, rec, beside: std::cell::OnceCell::new() }
    }

    fn beside(&self) -> Option<Region> {
        *self.beside.get_or_init(|| {
            PHONE_FIELDS
                .into_iter()
                .flat_map(|(field, _)| self.cols.all(self.rec, field))
                .filter(|(_, cell)| cell.contains('+') || cell.trim_start().starts_with("00"))
                .flat_map(|(_, cell)| {
                    phones_in(&cell, |p| Phone::parse(p, None, None))
                        .into_iter()
                        .filter_map(|(_, parsed)| parsed.ok())
                        .collect::<Vec<_>>()
                })
                .find_map(|p| leadline_domain::phone::region_of(p.e164()))
                .and_then(|code| Region::parse(&code).ok())
        })
    }
}

/// A person's e-mail addresses, each once.
fn person_emails(cols: &Columns, rec: &ByteRecord, person: u8, bad: &mut Bad) -> Vec<String> {
    let mut emails: Vec<String> = Vec::new();
    for (_, col, cell) in cols.person_at(rec, "email", person) {
        for (part, parsed) in emails_in(&cell) {
            match parsed {
                Ok(e) => {
                    let e = e.into_inner();
                    if !emails.contains(&e) {
                        emails.push(e);
                    }
                }
                Err(err) => bad(col, part, err.to_string()),
            }
        }
    }
    emails
}

/// A person's yes/no field (do not call, do not e-mail); absent is no.
fn person_flag(cols: &Columns, rec: &ByteRecord, field: &str, person: u8, bad: &mut Bad) -> bool {
    cols.person_at(rec, field, person).next().is_some_and(|(_, col, v)| {
        parse_flag(&v).unwrap_or_else(|| {
            bad(col, &v, "is not yes or no".to_owned());
            false
        })
    })
}

/// A row's address. "1 Market St", a house number and a further line ("Suite 200") are
/// one street; a row with no address in parts takes the street of a whole address on one
/// line (or several). The street is then taken apart where it ends in a city, state,
/// postcode or country ([`address::Parts::read_street`]): its country by name ("…, Japan")
/// is the row's when no column gives one, so that its phone numbers and time zones are
/// read for that country. A Leadline export is read as written.
fn read_address(cols: &Columns, rec: &ByteRecord, country: Option<String>, bad: &mut Bad) -> Address {
    // A line break in a street or a whole address parts it like a comma.
    let line = |field: &str, max: usize, bad: &mut Bad| {
        let (_, col, v) = cols.person_at(rec, field, 0).next()?;
        let whole = matches!(field, "street" | "full_address");
        let lines = v.contains('\n') && whole;
        let v = if lines {
            v.lines().map(str::trim).collect::<Vec<_>>().join(", ").into()
        } else if whole && let Some(parts) = spaced_parts(&v) {
            parts.into()
        } else {
            v
        };
        text::optional_line(Some(&v), max).unwrap_or_else(|e| {
            bad(col, &v, e.to_string());
            None
        })
    };
    let street = line("street", 200, bad);
    let number = line("house_number", 20, bad);
    let mut lines: Vec<String> = match (street, number) {
        (Some(s), Some(n)) => vec![street_with_number(&s, &n, country.as_deref())],
        (s, n) => s.or(n).into_iter().collect(),
    };
    for (col, v) in cols.all(rec, "street2") {
        match text::optional_line(Some(&v), 200) {
            Ok(Some(l)) if !lines.contains(&l) => lines.push(l),
            Ok(_) => {}
            Err(e) => bad(col, &v, e.to_string()),
        }
    }
    let (city, region, postcode) = (line("city", 100, bad), line("region", 100, bad), line("postcode", 20, bad));
    let in_parts = !lines.is_empty() || city.is_some() || postcode.is_some();
    if !in_parts && let Some(whole) = line("full_address", 200, bad) {
        lines.push(whole);
    }
    let street = (!lines.is_empty()).then(|| lines.join(", "));
    let parts = address::Parts { street, city, region, postcode, country };
    let parts = if cols.one_lead_per_id() { parts } else { parts.read_street() };
    let parts = match line("location", 200, bad) {
        Some(place) => parts.read_place(&place),
        None => parts,
    };
    Address {
        street: parts.street,
        city: parts.city,
        region: parts.region,
        postcode: parts.postcode,
        country: parts.country,
    }
}

/// An address whose parts are set apart by runs of spaces instead of commas, as Mailchimp
/// exports one ("1 Main St  Apt 4  Springfield  IL  62701  US"), written with commas, a
/// postcode joined to the part before it ("…, Springfield, IL 62701, US").
fn spaced_parts(v: &str) -> Option<String> {
    if v.contains(',') || v.trim().matches("  ").count() < 2 {
        return None;
    }
    let mut parts: Vec<String> = Vec::new();
    for part in v.split("  ").map(str::trim).filter(|p| !p.is_empty()) {
        let words = part.split_whitespace().count();
        let postcode =
            words <= 2 && part.len() <= 10 && part.split_whitespace().any(|w| w.contains(|c: char| c.is_ascii_digit()));
        match parts.last_mut() {
            Some(last) if postcode && !last.contains(|c: char| c.is_ascii_digit()) => {
                last.push(' ');
                last.push_str(part);
            }
            _ => parts.push(part.to_owned()),
        }
    }
    Some(parts.join(", "))
}

/// The country of a row that names none, when its state or province is one of the
/// country of its first phone ("OR" or "Oregon" beside +1 503 …): a purchased list of one
/// country seldom has a country column, and the lead list filters on it.
fn country_of_state(region: Option<&str>, phone: Option<&Phone>) -> Option<String> {
    let (region, phone) = (region?.to_uppercase(), phone?);
    let country = leadline_domain::phone::region_of(phone.e164())?;
    timezone::region_zone(&country, &region).map(|_| country)
}

/// A street name and its house number, in the order the country writes them: the number
/// first in "350 Fifth Avenue" (the United States, Britain, France, …), after the name in
/// "Hauptstraße 5" (most of Europe and Latin America), and after it where no country is known.
fn street_with_number(street: &str, number: &str, country: Option<&str>) -> String {
    const NUMBER_FIRST: &[&str] =
        &["US", "CA", "GB", "IE", "AU", "NZ", "FR", "ZA", "SG", "MY", "PH", "IN", "HK", "IL", "LU", "MC"];
    if street.split_whitespace().any(|w| w == number) {
        return street.to_owned();
    }
    if country.is_some_and(|c| NUMBER_FIRST.contains(&c)) {
        format!("{number} {street}")
    } else {
        format!("{street} {number}")
    }
}

/// The lines of a name cell that holds further rows of the file ("Unclosed Co,+1 206…,
/// Spokane⏎After Unclosed,+1 206…"): a line break followed by two delimiters of one kind.
fn rows_run_together(v: &str) -> Option<usize> {
    let (_, after) = v.split_once('\n')?;
    let together = [',', ';', '\t', '|'].iter().any(|d| after.matches(*d).count() >= 2);
    together.then(|| v.lines().count())
}

/// Normalizes one row. Rows that cannot be stored come back with every reason.
#[must_use]
pub fn prepare(ctx: &LeadContext, row: u64, rec: &ByteRecord) -> Prepared {
    let cols = &ctx.columns;
    let issues = std::cell::RefCell::new(Vec::<Issue>::new());
    let mut warnings: Vec<Issue> = cols.overflow(rec).into_iter().collect();
    let mut bad = |col: &str, v: &str, reason: String| issues.borrow_mut().push(Issue::new(Some(col), Some(v), reason));

    let line =
        |field: &str, max: usize, bad: &mut dyn FnMut(&str, &str, String)| person_line(cols, rec, field, 0, max, bad);

    // A quote never closed runs the rows after it into one cell: refused, with the reason.
    for field in ["name", "contact_name"] {
        if let Some((col, v)) = cols.first(rec, field)
            && let Some(lines) = rows_run_together(&v)
        {
            bad(
                col,
                &v,
                format!(
                    "the cell runs over {lines} lines of the file, as if rows were in it: a quote (\") opening it \
                     is never closed; fix the quote and import the file again"
                ),
            );
        }
    }
    let company = line("name", 200, &mut bad);
    // A Leadline export holds names and web sites as they were stored: kept so.
    let own_export = cols.one_lead_per_id();
    let contact_name = person_name(cols, rec, 0, &mut bad);
    let kind = match cols.first(rec, "kind") {
        Some((col, v)) => LeadKind::parse(&v).map_err(|e| bad(col, &v, e.to_string())).ok(),
        None => Some(if company.is_some() { LeadKind::Company } else { LeadKind::Person }),
    };
    // A file of people numbered "contact2_…" with nobody first is named after the first of them.
    let name = company
        .clone()
        .or_else(|| contact_name.clone())
        .or_else(|| cols.later_people().find_map(|n| person_name(cols, rec, n, &mut |_: &str, _: &str, _: String| {})));
    if name.is_none() {
        let col = ["name", "contact_name", "first_name", "last_name"]
            .iter()
            .find_map(|f| cols.all(rec, f).next().map(|(c, _)| c.to_owned()))
            .or_else(|| {
                ["name", "contact_name", "first_name"].iter().find_map(|f| {
                    cols.headers.iter().zip(&cols.targets).find_map(|(h, t)| match t {
                        super::columns::Target::Field(x) if x.name == *f => Some(h.clone()),
                        _ => None,
                    })
                })
            });
        issues.borrow_mut().push(Issue::new(col.as_deref(), Some(""), "the row has no name"));
    }
    let status = match cols.first(rec, "status") {
        Some((col, v)) => ctx.statuses.parse(&v).map_err(|e| bad(col, &v, e.to_string())).ok(),
        None => Some(LeadStatus::New),
    };
    let country = cols.first(rec, "country").and_then(|(col, v)| match Country::parse(&v) {
        Ok(c) => Some(c.into_inner()),
        Err(e) => {
            warnings.push(Issue::new(Some(col), Some(&v), format!("{e}; the country was left out")));
            None
        }
    });
    let address = read_address(cols, rec, country, &mut bad);
    let region = address.country.as_deref().and_then(|c| Region::parse(c).ok()).or(ctx.region);
    let regions = Regions::of(cols, rec, region);

    let phones = person_phones(cols, rec, 0, &regions, &mut bad);
    let emails = person_emails(cols, rec, 0, &mut bad);
    let do_not_call = person_flag(cols, rec, "do_not_call", 0, &mut bad);
    let do_not_email = person_flag(cols, rec, "do_not_email", 0, &mut bad);
    let title = line("title", 200, &mut bad);
    // The row's further numbered people ("contact2_…"), each a contact of their own.
    let others: Vec<PersonRead> = cols
        .later_people()
        .map(|n| PersonRead {
            name: person_name(cols, rec, n, &mut bad),
            title: person_line(cols, rec, "title", n, 200, &mut bad),
            phones: person_phones(cols, rec, n, &regions, &mut bad),
            emails: person_emails(cols, rec, n, &mut bad),
            do_not_call: person_flag(cols, rec, "do_not_call", n, &mut bad),
            do_not_email: person_flag(cols, rec, "do_not_email", n, &mut bad),
        })
        .filter(|p| p.name.is_some() || !p.phones.is_empty() || !p.emails.is_empty())
        .collect();
    let source = line("source", 100, &mut bad);
    // HubSpot's "Associated Company IDs" may list several ("9001;9002"): the first is the lead's.
    let external_id = line("external_id", 200, &mut bad).map(|e| {
        let first = super::ids_in(&e).next().map(str::to_owned);
        first.filter(|f| f.len() < e.len() && !own_export).unwrap_or(e)
    });
    let description = cols.first(rec, "description").and_then(|(col, v)| {
        text::optional_block(Some(&v), 10_000).map_err(|e| bad(col, &v, e.to_string())).ok().flatten()
    });
    let mut tags: Vec<String> = Vec::new();
    for (col, cell) in cols.all(rec, "tags") {
        // Google Contacts marks its own groups with "* " and puts everyone in "myContacts".
        let parts = list_parts(&cell, &[',', ';', '|'])
            .map(|t| t.trim_start_matches("* "))
            .filter(|t| !t.eq_ignore_ascii_case("mycontacts"));
        // A label that can be no tag (too long) is left out with a warning; the lead is kept.
        for part in parts {
            match text::tag(part) {
                Ok(t) if tags.contains(&t) => {}
                Ok(t) if tags.len() >= 50 => warnings.push(Issue::new(
                    Some(col),
                    Some(&t),
                    "is one tag more than the 50 a lead may have; it was left out",
                )),
                Ok(t) => tags.push(t),
                Err(e) => warnings.push(Issue::new(Some(col), Some(part), format!("{e}; the tag was left out"))),
            }
        }
    }
    tags.extend(ctx.tags.iter().filter(|t| !tags.contains(t)).cloned().collect::<Vec<_>>());
    // A person's profile page (a LinkedIn export's "URL") is no company's web site: it is kept
    // as a custom field named after its column.
    let (profiles, sites): (Vec<_>, Vec<_>) =
        cols.all(rec, "website").partition(|(_, v)| !own_export && is_personal_profile(v));
    let website = sites.into_iter().next().and_then(|(col, v)| match text::website(Some(&v)) {
        Ok(w) => w,
        Err(e) => {
            warnings.push(Issue::new(Some(col), Some(&v), format!("{e}; the web site was left out")));
            None
        }
    });
    let zone = cols.first(rec, "time_zone").and_then(|(col, v)| match timezone::parse_zone(&v) {
        Ok(z) => Some(z),
        Err(e) => {
            warnings.push(Issue::new(Some(col), Some(&v), format!("{e}; the time zone was derived instead")));
            None
        }
    });
    let owner_id = match cols.first(rec, "owner") {
        Some((col, v)) => match ctx.owners.find(&v) {
            Ok(owner) => Some(owner),
            Err(why) => {
                let fallback = if ctx.importer.is_some() { "given to the importing user" } else { "left unassigned" };
                warnings.push(Issue::new(Some(col), Some(&v), format!("{why}; the lead was {fallback}")));
                ctx.importer
            }
        },
        None => ctx.importer,
    };
    let mut custom_fields = Map::new();
    for (header, name, v) in cols.customs(rec) {
        let value = if columns::holds_json(header) {
            serde_json::from_str(&v).unwrap_or_else(|_| Value::String(v.into_owned()))
        } else {
            Value::String(v.into_owned())
        };
        custom_fields.insert(name.to_owned(), value);
    }
    for (col, v) in profiles.into_iter().chain(cols.second_values(rec)) {
        custom_fields.entry(col.trim().to_owned()).or_insert_with(|| Value::String(v.trim().to_owned()));
    }

    let issues = issues.into_inner();
    if !issues.is_empty() {
        return Prepared::Rejected(row, issues);
    }
    let (Some(name), Some(kind), Some(status)) = (name, kind, status) else {
        return Prepared::Rejected(row, vec![Issue::new(None, None, "the row could not be read")]);
    };
    let id = store::new_id();
    let now = store::now();
    // The row's first person is a contact if anything names them; further ones when they
    // have a name, a phone or an e-mail.
    let first = PersonRead { name: contact_name, title, phones, emails, do_not_call, do_not_email };
    let first_known =
        first.name.is_some() || first.title.is_some() || !first.phones.is_empty() || !first.emails.is_empty();
    let mut contacts = Vec::new();
    for person in std::iter::once(first).filter(|_| first_known).chain(others) {
        let contact = Contact {
            id: store::new_id(),
            lead_id: id,
            name: person.name.unwrap_or_else(|| name.clone()),
            title: person.title,
            phones: person.phones.iter().map(ContactPhone::from).collect(),
            emails: person.emails,
            do_not_call: person.do_not_call,
            do_not_email: person.do_not_email,
            created_at: now,
            updated_at: now,
        };
        contacts.push((contact, person.phones));
    }
    let first_phone = contacts.first().and_then(|(_, p): &(Contact, Vec<Phone>)| p.first());
    let mut address = address;
    if address.country.is_none() {
        address.country = country_of_state(address.region.as_deref(), first_phone);
    }
    let time_zones = match &zone {
        Some(z) => vec![z.clone()],
        None => derive_zones(&address, first_phone),
    };
    let mut lead = Lead {
        id,
        name,
        kind,
        status,
        owner_id,
        owner_name: None,
        external_id,
        source,
        website,
        address,
        street: None,
        city: None,
        region: None,
        postcode: None,
        country: None,
        time_zones,
        time_zone_manual: zone.is_some(),
        score: 0,
        description,
        tags,
        custom_fields,
        contacts: Vec::new(),
        created_by: ctx.importer,
        created_at: now,
        updated_at: now,
    };
    lead.sync_address();
    let contact_list: Vec<Contact> = contacts.iter().map(|(c, _)| c.clone()).collect();
    let keys = keys_of(&lead, ctx.match_domain, &contact_list, cols.own_id(rec).as_deref());
    Prepared::Lead(Box::new(LeadRecord { row, rows: NewLeadRows { lead, contacts }, keys, warnings }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numbers(cell: &str) -> Vec<String> {
        let region = Region::parse("DE").ok();
        phones_in(cell, |p| Phone::parse(p, region, None))
            .into_iter()
            .map(|(part, parsed)| parsed.map_or_else(|_| format!("bad:{part}"), |p| p.e164().to_owned()))
            .collect()
    }

    #[test]
    fn a_phone_cell_may_hold_several_numbers() {
        assert_eq!(numbers("089 / 1234567"), ["+49891234567"]);
        assert_eq!(numbers("+1 212 555 0101, +1 212 555 0102"), ["+12125550101", "+12125550102"]);
        assert_eq!(numbers("030 901820\n0171 2345678"), ["+4930901820", "+491712345678"]);
        assert_eq!(numbers("030 901820 / 0171 2345678"), ["+4930901820", "+491712345678"]);
        assert_eq!(numbers("030 901820; call after 5"), ["+4930901820", "bad:call after 5"]);
        assert_eq!(numbers("not a number"), ["bad:not a number"]);
        assert_eq!(numbers("030 901820 ::: 0171 2345678"), ["+4930901820", "+491712345678"]);
    }

    #[test]
    fn an_address_set_apart_by_spaces_is_read_in_parts() {
        assert_eq!(
            spaced_parts("123 Main St  Apt 4  Springfield  IL  62701  US").as_deref(),
            Some("123 Main St, Apt 4, Springfield, IL 62701, US")
        );
        assert_eq!(
            spaced_parts("Königstraße 1    München  80331  DE").as_deref(),
            Some("Königstraße 1, München 80331, DE")
        );
        assert_eq!(spaced_parts("1 Main St  Springfield"), None, "one double space may be a typing slip");
        assert_eq!(spaced_parts("1 Main St,  Springfield,  IL"), None);
    }

    #[test]
    fn a_name_written_surname_first_is_turned_round() {
        assert_eq!(first_name_first("Doe, Jane"), "Jane Doe");
        assert_eq!(first_name_first("van Dyke, Anna B."), "Anna B. van Dyke");
        assert_eq!(first_name_first("Jane Doe"), "Jane Doe");
        assert_eq!(first_name_first("Jane Doe, PhD"), "Jane Doe, PhD");
        assert_eq!(first_name_first("Doe, Jr."), "Doe, Jr.");
        assert_eq!(first_name_first("Jane Doe, John Doe"), "Jane Doe, John Doe");
        assert_eq!(first_name_first("Doe, Jane, Joe"), "Doe, Jane, Joe");
    }

    #[test]
    fn a_person_s_profile_page_is_no_web_site() {
        assert!(is_personal_profile("https://www.linkedin.com/in/jane-doe-123"));
        assert!(is_personal_profile("de.linkedin.com/in/jane"));
        assert!(is_personal_profile("https://www.xing.com/profile/Jane_Doe"));
        assert!(!is_personal_profile("https://www.linkedin.com/company/acme"));
        assert!(!is_personal_profile("https://acme.example/in/"));
    }

    #[test]
    fn a_phone_type_is_read_as_address_books_write_it() {
        let named = |l: &str| phone_type_named(l).map(PhoneType::as_str);
        assert_eq!(named("Mobile"), Some("mobile"));
        assert_eq!(named("* Main"), Some("work"));
        assert_eq!(named("Work Fax"), Some("fax"));
        assert_eq!(named("home"), Some("home"));
        assert_eq!(named("Google Voice"), Some("other"));
        assert_eq!(named(" "), None);
    }

    fn addresses(cell: &str) -> Vec<String> {
        emails_in(cell)
            .into_iter()
            .map(|(part, parsed)| parsed.map_or_else(|_| format!("bad:{part}"), Email::into_inner))
            .collect()
    }

    #[test]
    fn an_email_cell_is_read_as_mail_programs_write_it() {
        assert_eq!(addresses("Jane Doe <Jane@Doe.example>"), ["jane@doe.example"]);
        assert_eq!(
            addresses("\"Doe, Jane\" <jane@doe.example>, <joe@doe.example>"),
            ["jane@doe.example", "joe@doe.example"]
        );
        assert_eq!(addresses("mailto:Jane@Doe.Example?subject=Hi"), ["jane@doe.example"]);
        assert_eq!(addresses("jane @ doe.example"), ["jane@doe.example"]);
        assert_eq!(addresses("jane@doe.example."), ["jane@doe.example"]);
        assert_eq!(addresses("a@doe.example b@doe.example"), ["a@doe.example", "b@doe.example"]);
        assert_eq!(addresses("a@doe.example; not an address"), ["a@doe.example", "bad:not", "bad:an", "bad:address"]);
        assert_eq!(addresses("jane(at)doe.example"), ["bad:jane(at)doe.example"]);
        assert_eq!(addresses("a@doe.example ::: b@doe.example"), ["a@doe.example", "b@doe.example"]);
    }
}
