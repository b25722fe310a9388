//! Realistic lead files for tests and benchmarks: distinct companies and people
//! from four countries, phones in the formats people write (local, international,
//! with `00`), countries as codes or names, about 5% duplicates in several forms
//! (a repeated row, an e-mail in other case, a phone in another format, a company
//! name with another legal suffix) and about 1% rows that cannot be stored.

use crate::demo::Rng;
use std::io::Write;

struct Country {
    names: &'static [&'static str],
    first: &'static [&'static str],
    last: &'static [&'static str],
    forms: &'static [&'static str],
    cities: &'static [(&'static str, &'static str)],
    tld: &'static str,
}

const COUNTRIES: [Country; 4] = [
    Country {
        names: &["US", "United States", "USA"],
        first: &[
            "James", "Mary", "Robert", "Patricia", "Michael", "Jennifer", "David", "Linda", "Carlos", "Aisha", "Wei",
            "Priya",
        ],
        last: &[
            "Smith", "Johnson", "Williams", "Brown", "Garcia", "Miller", "Davis", "Lee", "Walker", "Nguyen", "Patel",
            "O'Brien",
        ],
        forms: &["Inc.", "LLC", "Corp.", "Co."],
        cities: &[("Seattle", "WA"), ("New York", "NY"), ("Chicago", "IL"), ("Denver", "CO"), ("Houston", "TX")],
        tld: "com",
    },
    Country {
        names: &["GB", "United Kingdom", "UK"],
        first: &["Oliver", "Amelia", "George", "Isla", "Harry", "Ava", "Jack", "Sophie", "Mohammed", "Niamh"],
        last: &["Jones", "Taylor", "Evans", "Thomas", "Roberts", "Wright", "Khan", "Hughes", "Wilson", "Clarke"],
        forms: &["Ltd", "Limited", "PLC", "LLP"],
        cities: &[("London", ""), ("Manchester", ""), ("Leeds", ""), ("Bristol", "")],
        tld: "co.uk",
    },
    Country {
        names: &["FI", "Finland", "Suomi"],
        first: &["Väinö", "Aino", "Juhani", "Helmi", "Eero", "Kaisa", "Mikko", "Liisa", "Ilkka", "Sanna"],
        last: &["Virtanen", "Korhonen", "Mäkinen", "Nieminen", "Järvinen", "Lehtonen", "Kärkkäinen", "Heikkinen"],
        forms: &["Oy", "Oyj", "Ky", "Tmi"],
        cities: &[("Helsinki", ""), ("Tampere", ""), ("Turku", ""), ("Oulu", "")],
        tld: "fi",
    },
    Country {
        names: &["DE", "Germany", "Deutschland"],
        first: &["Lukas", "Anna", "Jonas", "Lea", "Felix", "Marie", "Paul", "Sophie", "Jörg", "Jana"],
        last: &["Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Weiß"],
        forms: &["GmbH", "AG", "KG", "GmbH & Co. KG"],
        cities: &[("Berlin", "Berlin"), ("München", "Bayern"), ("Hamburg", "Hamburg"), ("Köln", "NRW")],
        tld: "de",
    },
];

const SYLLABLES: [&str; 32] = [
    "ka", "lu", "mer", "vo", "tri", "sen", "dal", "ro", "qui", "bex", "na", "tor", "li", "gra", "fen", "zu", "mo",
    "pra", "shi", "ven", "ko", "ra", "nel", "sta", "dor", "vi", "lum", "ex", "ari", "ton", "bel", "cor",
];
const INDUSTRIES: [&str; 12] = [
    "Logistics",
    "Software",
    "Dental",
    "Roofing",
    "Analytics",
    "Solar",
    "Foods",
    "Insurance",
    "Realty",
    "Marketing",
    "Health",
    "Robotics",
];
const TITLES: [&str; 8] =
    ["CEO", "Head of Sales", "Office Manager", "CFO", "Purchasing Manager", "Owner", "CTO", "Operations Lead"];
const STATUSES: [&str; 6] = ["New", "Open", "Attempted to contact", "Connected", "Qualified", "Bad timing"];

/// A distinct brand for every index: syllables in mixed radix.
fn brand(mut i: usize) -> String {
    let mut s = String::new();
    for _ in 0..4 {
        s.push_str(SYLLABLES[i % SYLLABLES.len()]);
        i /= SYLLABLES.len();
        if i == 0 {
            break;
        }
    }
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or(s)
}

/// A valid phone number of row `i` written in one of the country's usual ways.
fn phone(rng: &mut Rng, country: usize, i: usize, mobile: bool) -> String {
    let a = i % 10_000;
    let b = (i / 10_000) % 100;
    match (country, mobile, rng.below(3)) {
        (0, _, 0) => format!("({}) {}-{a:04}", [206, 212, 312, 303, 713][b % 5], 201 + b),
        (0, _, 1) => format!("{}-{}-{a:04}", [206, 212, 312, 303, 713][b % 5], 201 + b),
        (0, _, _) => format!("+1 {} {} {a:04}", [206, 212, 312, 303, 713][b % 5], 201 + b),
        (1, true, 0) => format!("074{b:02} {a:04}{}", i % 10 + 10),
        (1, true, _) => format!("+44 74{b:02} {a:04}{}", i % 10 + 10),
        (1, false, 0) => format!("020 3{b:02}{} {a:04}", i % 10),
        (1, false, 1) => format!("0044 20 3{b:02}{} {a:04}", i % 10),
        (1, false, _) => format!("+44 20 3{b:02}{} {a:04}", i % 10),
        (2, true, 0) => format!("040 {b:02}{} {a:04}", i % 10),
        (2, true, _) => format!("+358 40 {b:02}{} {a:04}", i % 10),
        (2, false, 0) => format!("09 {} {a:04}", 300 + b),
        (2, false, _) => format!("+358 9 {} {a:04}", 300 + b),
        (_, true, 0) => format!("0171 {b:02}{}{a:04}", i % 10),
        (_, true, _) => format!("+49 171 {b:02}{}{a:04}", i % 10),
        (_, false, 0) => format!("030 {b:02}{}{a:04}", i % 10),
        (_, false, _) => format!("+49 30 {b:02}{}{a:04}", i % 10),
    }
}

fn csv_field(v: &str) -> String {
    if v.contains([',', '"', '\n']) { format!("\"{}\"", v.replace('"', "\"\"")) } else { v.to_owned() }
}

/// The header of generated files.
pub const HEADER: &str = "Company,First Name,Last Name,Title,Email,Phone,Mobile,Street,City,State,Postal Code,Country,Website,Lead Status,Tags,Industry";

/// Writes `rows` data rows (and the header) to `out`; the same seed gives the same file.
pub fn write_leads(out: &mut impl Write, rows: usize, seed: u64) -> std::io::Result<()> {
    let mut rng = Rng::new(seed);
    let mut recent: std::collections::VecDeque<Vec<String>> = std::collections::VecDeque::with_capacity(1024);
    writeln!(out, "{HEADER}")?;
    for i in 0..rows {
        let mut row = if recent.len() > 10 && rng.chance(5) {
            // A duplicate of a recent row, in one of several forms.
            let mut dup = recent[rng.below(recent.len())].clone();
            match rng.below(4) {
                0 => {}
                1 => dup[4] = dup[4].to_uppercase(),
                2 => {
                    dup[4] = String::new();
                    dup[5] = dup[5].replace(['(', ')', '-'], " ");
                }
                _ => {
                    dup[0] = dup[0].replace(',', "").to_uppercase();
                    dup[4] = String::new();
                    dup[5] = String::new();
                    dup[6] = String::new();
                }
            }
            dup
        } else {
            let c = rng.below(COUNTRIES.len());
            let m = &COUNTRIES[c];
            let first = *rng.pick(m.first);
            let last = *rng.pick(m.last);
            let (city, state) = *rng.pick(m.cities);
            let base = brand(i);
            let company = match rng.below(3) {
                0 => format!("{base} {}", rng.pick(m.forms)),
                1 => format!("{base} {} {}", rng.pick(&INDUSTRIES), rng.pick(m.forms)),
                _ => format!("{base} {last} {}", rng.pick(m.forms)),
            };
            let domain = format!("{}.{}", base.to_lowercase(), m.tld);
            let email = format!("{}.{}@{domain}", first.to_lowercase(), i);
            vec![
                company,
                first.to_owned(),
                last.to_owned(),
                (*rng.pick(&TITLES)).to_owned(),
                email,
                phone(&mut rng, c, i, false),
                if rng.chance(40) { phone(&mut rng, c, i, true) } else { String::new() },
                format!(
                    "{} {}",
                    rng.pick(&["Main St", "High Street", "Mannerheimintie", "Hauptstraße"]),
                    1 + rng.below(200)
                ),
                city.to_owned(),
                state.to_owned(),
                format!("{:05}", rng.below(99_999)),
                (*rng.pick(m.names)).to_owned(),
                if rng.chance(60) { format!("www.{domain}") } else { String::new() },
                (*rng.pick(&STATUSES)).to_owned(),
                if rng.chance(20) { "imported, q1".to_owned() } else { String::new() },
                (*rng.pick(&INDUSTRIES)).to_owned(),
            ]
        };
        if recent.len() == 1024 {
            recent.pop_front();
        }
        recent.push_back(row.clone());
        if rng.chance(1) {
            // A row that cannot be stored.
            match rng.below(4) {
                0 => row[4] = "not-an-email@".to_owned(),
                1 => row[5] = "12".to_owned(),
                2 => {
                    row[0] = String::new();
                    row[1] = String::new();
                    row[2] = String::new();
                }
                _ => row[13] = "Sleeping".to_owned(),
            }
        }
        let line: Vec<String> = row.iter().map(|v| csv_field(v)).collect();
        writeln!(out, "{}", line.join(","))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn brands_are_distinct_and_files_repeatable() {
        let names: std::collections::HashSet<String> = (0..50_000).map(brand).collect();
        assert_eq!(names.len(), 50_000);
        let mut a = Vec::new();
        let mut b = Vec::new();
        write_leads(&mut a, 500, 7).unwrap();
        write_leads(&mut b, 500, 7).unwrap();
        assert_eq!(a, b);
        assert_eq!(String::from_utf8(a).unwrap().lines().count(), 501);
    }
}
