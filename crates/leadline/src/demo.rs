//! The demo organization: users of every role and about 2,000 realistic leads in
//! the US, the UK, Finland and Germany. The same generator fills benchmark databases.

use crate::{
    app::{self, audit::By, users::NewUser},
    store::{
        self, Db,
        activities::Activity,
        bulk::{NewLeadRows, insert_leads},
        calls::Call,
        contacts::Contact,
        leads::{Address, Lead},
    },
};
use chrono::{DateTime, Datelike, Duration, TimeZone, Utc};
use chrono_tz::Tz;
use leadline_domain::{Disposition, LeadKind, LeadStatus, Phone, PhoneType, search, timezone};
use uuid::Uuid;

pub const ORG_NAME: &str = "Northwind Outreach";
pub const PASSWORD: &str = "leadline-demo";
pub const LEADS: usize = 2_000;

/// A small deterministic generator (xorshift), so demo data is the same every time.
pub struct Rng(u64);

impl Rng {
    #[must_use]
    pub fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    pub fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next_u64() % n as u64).unwrap_or(0)
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    pub fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

struct Market {
    country: &'static str,
    first: &'static [&'static str],
    last: &'static [&'static str],
    company_forms: &'static [&'static str],
    industries: &'static [&'static str],
    cities: &'static [(&'static str, &'static str, &'static str)],
    streets: &'static [&'static str],
    domain: &'static str,
}

const US: Market = Market {
    country: "US",
    first: &[
        "James", "Mary", "Robert", "Patricia", "Michael", "Jennifer", "David", "Linda", "Daniel", "Emily", "Kevin",
        "Ashley", "Brian", "Megan", "Carlos", "Maria", "Tyrone", "Aisha", "Wei", "Priya",
    ],
    last: &[
        "Smith",
        "Johnson",
        "Williams",
        "Brown",
        "Garcia",
        "Miller",
        "Davis",
        "Rodriguez",
        "Martinez",
        "Lee",
        "Walker",
        "Hall",
        "Young",
        "King",
        "Nguyen",
        "Patel",
        "Cohen",
        "O'Brien",
    ],
    company_forms: &["Inc.", "LLC", "Corp.", "Co."],
    industries: &[
        "Logistics",
        "Dental Group",
        "Roofing",
        "Software",
        "Analytics",
        "Manufacturing",
        "Insurance Agency",
        "Realty",
        "Solar",
        "HVAC Services",
        "Marketing",
        "Health Partners",
    ],
    cities: &[
        ("Seattle", "WA", "206"),
        ("New York", "NY", "212"),
        ("Chicago", "IL", "312"),
        ("San Francisco", "CA", "415"),
        ("Boston", "MA", "617"),
        ("Denver", "CO", "303"),
        ("Phoenix", "AZ", "602"),
        ("Houston", "TX", "713"),
        ("Miami", "FL", "305"),
        ("Atlanta", "GA", "404"),
    ],
    streets: &["Main St", "Oak Ave", "Pine St", "Maple Dr", "2nd Ave", "Market St", "Lake Shore Dr", "Elm St"],
    domain: "com",
};

const GB: Market = Market {
    country: "GB",
    first: &[
        "Oliver", "Amelia", "George", "Isla", "Harry", "Ava", "Jack", "Emily", "Charlie", "Sophie", "Thomas", "Grace",
        "Mohammed", "Priya", "Callum", "Niamh",
    ],
    last: &[
        "Smith",
        "Jones",
        "Taylor",
        "Brown",
        "Williams",
        "Wilson",
        "Evans",
        "Thomas",
        "Roberts",
        "Walker",
        "Wright",
        "Khan",
        "Hughes",
        "Clarke",
        "MacDonald",
    ],
    company_forms: &["Ltd", "Ltd", "PLC", "LLP"],
    industries: &[
        "Consulting",
        "Lettings",
        "Accountancy",
        "Engineering",
        "Print",
        "Recruitment",
        "Joinery",
        "Catering",
        "IT Services",
        "Wholesale",
    ],
    cities: &[
        ("London", "England", "20 7946 0"),
        ("Leeds", "England", "113 496 0"),
        ("Manchester", "England", "161 496 0"),
        ("Bristol", "England", "117 496 0"),
    ],
    streets: &["High Street", "Station Road", "Church Lane", "Victoria Road", "Mill Lane", "King Street"],
    domain: "co.uk",
};

const FI: Market = Market {
    country: "FI",
    first: &[
        "Väinö", "Aino", "Mikko", "Laura", "Juha", "Anna", "Timo", "Sanna", "Jukka", "Elina", "Antti", "Heidi",
        "Matti", "Kaisa", "Pekka", "Riikka",
    ],
    last: &[
        "Jääskeläinen",
        "Kärkkäinen",
        "Virtanen",
        "Korhonen",
        "Mäkinen",
        "Nieminen",
        "Mäkelä",
        "Hämäläinen",
        "Laine",
        "Heikkinen",
        "Koskinen",
        "Järvinen",
        "Lehtonen",
        "Saarinen",
    ],
    company_forms: &["Oy", "Oy", "Oyj", "Ky"],
    industries: &[
        "Rakennus",
        "Logistiikka",
        "Ohjelmistot",
        "Kiinteistöt",
        "Konepaja",
        "Sähkö",
        "Kuljetus",
        "Metalli",
        "Puutarha",
        "Tilitoimisto",
    ],
    cities: &[
        ("Helsinki", "Uusimaa", "9"),
        ("Espoo", "Uusimaa", "9"),
        ("Tampere", "Pirkanmaa", "3"),
        ("Turku", "Varsinais-Suomi", "2"),
        ("Oulu", "Pohjois-Pohjanmaa", "8"),
    ],
    streets: &["Mannerheimintie", "Hämeenkatu", "Aleksanterinkatu", "Kauppakatu", "Rautatienkatu", "Satamakatu"],
    domain: "fi",
};

const DE: Market = Market {
    country: "DE",
    first: &[
        "Lukas",
        "Anna",
        "Jonas",
        "Lea",
        "Felix",
        "Lena",
        "Maximilian",
        "Sophie",
        "Paul",
        "Marie",
        "Jürgen",
        "Ursula",
        "Stefan",
        "Katrin",
        "Mehmet",
        "Ayşe",
    ],
    last: &[
        "Müller",
        "Schmidt",
        "Schneider",
        "Fischer",
        "Weber",
        "Meyer",
        "Wagner",
        "Becker",
        "Schulz",
        "Hoffmann",
        "Koch",
        "Richter",
        "Wolf",
        "Schröder",
        "Neumann",
        "Yilmaz",
    ],
    company_forms: &["GmbH", "GmbH", "AG", "GmbH & Co. KG", "e.K."],
    industries: &[
        "Maschinenbau",
        "Logistik",
        "Software",
        "Immobilien",
        "Elektrotechnik",
        "Bau",
        "Handel",
        "Medizintechnik",
        "Druckerei",
        "Steuerberatung",
    ],
    cities: &[
        ("Berlin", "Berlin", "30 23125"),
        ("München", "Bayern", "89 99998"),
        ("Hamburg", "Hamburg", "40 66969"),
        ("Köln", "Nordrhein-Westfalen", "221 4710"),
        ("Frankfurt am Main", "Hessen", "69 90009"),
    ],
    streets: &["Hauptstraße", "Bahnhofstraße", "Gartenstraße", "Schulstraße", "Lindenstraße", "Friedrichstraße"],
    domain: "de",
};

const MARKETS: [&Market; 4] = [&US, &GB, &FI, &DE];
const TITLES: &[&str] = &[
    "CEO",
    "CFO",
    "Head of Sales",
    "Office Manager",
    "Purchasing Manager",
    "IT Manager",
    "Owner",
    "Operations Director",
    "Marketing Lead",
];
const SOURCES: &[&str] =
    &["Website form", "Cold list", "Referral", "Trade show", "LinkedIn", "Inbound call", "Partner"];
const TAGS: &[&str] =
    &["vip", "q1-campaign", "event-2026", "upsell", "callback", "decision-maker", "smb", "enterprise"];
const NOTES: &[&str] = &[
    "Spoke with the gatekeeper; the decision maker is back on Monday.",
    "Interested in a demo next quarter. Budget cycle starts in January.",
    "Uses a competitor today; contract renews in the spring.",
    "Asked for pricing by e-mail. Sent the standard deck.",
    "Left a voicemail, will try again in the afternoon their time.",
    "Wants the field team to visit the main office.",
];

/// Which phone numbers to generate.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Numbers {
    /// The ranges regulators keep for fiction (US 555-01xx, UK 020 7946 0xxx, ...), for
    /// demo data people may click on. Few distinct numbers.
    Fictional,
    /// Numbers spread over whole ranges, nearly all distinct, as in a real database
    /// (for benchmarks, never dialled).
    Spread,
}

/// A phone number valid for the market.
fn phone(rng: &mut Rng, m: &Market, city_code: &str, mobile: bool, numbers: Numbers) -> String {
    let n = rng.below(100);
    let k = rng.below(1000);
    if numbers == Numbers::Spread && !(m.country == "FI" || (m.country == "DE" && mobile)) {
        let area = city_code.split_whitespace().next().unwrap_or("20");
        return match (m.country, mobile) {
            ("US", _) => {
                let exchange = match 200 + rng.below(800) {
                    555 => 556,
                    e if e % 100 == 11 => e + 1,
                    e => e,
                };
                format!("+1 {area} {exchange} {:04}", rng.below(10_000))
            }
            ("GB", true) => format!("+44 7{:03} {:06}", 400 + rng.below(500), rng.below(1_000_000)),
            ("GB", false) => {
                format!("+44 20 {}{:03} {:04}", [3, 7, 8][rng.below(3)], rng.below(1000), rng.below(10_000))
            }
            _ if area.len() == 2 => format!("+49 {area} {:08}", 10_000_000 + rng.below(89_999_999)),
            _ => format!("+49 {area} {:07}", 1_000_000 + rng.below(8_999_999)),
        };
    }
    match (m.country, mobile) {
        ("US", _) => format!("+1 {city_code} 555 01{n:02}"),
        ("GB", true) => format!("+44 7911 {:06}", rng.below(1_000_000)),
        ("GB", false) => format!("+44 {city_code}{k:03}"),
        ("FI", true) => format!("+358 40 {:03} {:04}", rng.below(900) + 100, rng.below(10_000)),
        ("FI", false) => format!("+358 {city_code} {:03} {:04}", rng.below(900) + 100, rng.below(10_000)),
        ("DE", true) => format!("+49 151 {:04} {:04}", rng.below(10_000), rng.below(10_000)),
        _ => format!("+49 {city_code}{k:03}"),
    }
}

/// An invented brand name ("Korvalin", "Brenta"): many distinct names, as real lists have.
fn brand(rng: &mut Rng) -> String {
    const ONSETS: &[&str] =
        &["B", "K", "V", "T", "S", "M", "L", "R", "N", "Br", "Kr", "St", "Tr", "H", "P", "D", "G", "J"];
    const VOWELS: &[&str] = &["a", "e", "i", "o", "u", "ai", "ea", "or", "el", "an"];
    const CODAS: &[&str] = &["n", "r", "l", "s", "x", "k", "nt", "rd", "la", "ton", "vik", "berg", "ford", "ia"];
    let mut s = String::new();
    for _ in 0..1 + rng.below(2) {
        for part in [rng.pick(ONSETS), rng.pick(VOWELS)] {
            s.push_str(part);
        }
    }
    let coda: &&str = rng.pick(CODAS);
    s.push_str(coda);
    let mut chars = s.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars.map(|c| c.to_ascii_lowercase())).collect()).unwrap_or(s)
}

fn slug(s: &str) -> String {
    search::terms(s).join("")
}

/// One generated lead with 1–3 contacts (companies) or 1–2 people (households).
pub fn generate(
    rng: &mut Rng,
    owners: &[Uuid],
    creator: Uuid,
    created_at: DateTime<Utc>,
    contacts_per_lead: Option<usize>,
    numbers: Numbers,
) -> NewLeadRows {
    let m = *rng.pick(&MARKETS);
    let company = rng.chance(75);
    let (city, region, code) = *rng.pick(m.cities);
    let last = *rng.pick(m.last);
    let name = if company {
        let base = match rng.below(10) {
            0..=3 => brand(rng),
            4..=6 => last.to_owned(),
            _ => format!("{city} {}", rng.pick(m.industries)),
        };
        format!("{base} {} {}", if rng.chance(40) { rng.pick(m.industries) } else { "" }, rng.pick(m.company_forms))
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    } else {
        format!("{} household", last)
    };
    let id = store::new_id();
    let domain = format!("{}.{}", slug(&name.split_whitespace().take(2).collect::<Vec<_>>().join("")), m.domain);
    let n_contacts = contacts_per_lead.unwrap_or(if company { 1 + rng.below(3) } else { 1 + rng.below(2) });
    let mut contacts = Vec::new();
    for i in 0..n_contacts {
        let first = *rng.pick(m.first);
        let last_name = if company { *rng.pick(m.last) } else { last };
        let mut phones = Vec::new();
        // One phone each; the first contact sometimes has a second (a direct line).
        let mut kinds = vec![rng.chance(60)];
        if i == 0 && rng.chance(30) {
            kinds.push(!kinds[0]);
        }
        for mobile in kinds {
            let kind = if mobile { PhoneType::Mobile } else { PhoneType::Work };
            if let Ok(p) = Phone::parse(&phone(rng, m, code, mobile, numbers), None, Some(kind))
                && !phones.iter().any(|q: &Phone| q.e164() == p.e164())
            {
                phones.push(p);
            }
        }
        let email_domain = if company { domain.clone() } else { format!("mail.{}", m.domain) };
        let email = format!(
            "{}.{}{}@{email_domain}",
            slug(first),
            slug(last_name),
            if company { String::new() } else { rng.below(100).to_string() }
        );
        let contact = Contact {
            id: store::new_id(),
            lead_id: id,
            name: format!("{first} {last_name}"),
            title: company.then(|| (*rng.pick(TITLES)).to_owned()),
            phones: phones.iter().map(Into::into).collect(),
            emails: vec![email],
            do_not_call: rng.chance(3),
            do_not_email: rng.chance(4),
            created_at,
            updated_at: created_at,
        };
        contacts.push((contact, phones));
    }
    let address = Address {
        street: Some(format!("{} {}", rng.pick(m.streets), 1 + rng.below(180))),
        city: Some(city.to_owned()),
        region: Some(region.to_owned()),
        postcode: Some(format!("{:05}", rng.below(99_999))),
        country: Some(m.country.to_owned()),
    };
    let first_phone = contacts.first().and_then(|(_, p)| p.first());
    let time_zones = match first_phone {
        Some(p) => timezone::zones_for_phone(p.e164()),
        None => timezone::zones_for_address(m.country, Some(region)),
    };
    let status = *rng.pick(&[
        LeadStatus::New,
        LeadStatus::New,
        LeadStatus::New,
        LeadStatus::Attempting,
        LeadStatus::Attempting,
        LeadStatus::Contacted,
        LeadStatus::Qualified,
        LeadStatus::Unqualified,
        LeadStatus::Customer,
        LeadStatus::Lost,
    ]);
    let mut tags: Vec<String> = Vec::new();
    for _ in 0..rng.below(3) {
        let t = (*rng.pick(TAGS)).to_owned();
        if !tags.contains(&t) {
            tags.push(t);
        }
    }
    let mut lead = Lead {
        id,
        name,
        kind: if company { LeadKind::Company } else { LeadKind::Person },
        status,
        owner_id: if rng.chance(90) && !owners.is_empty() { Some(*rng.pick(owners)) } else { None },
        owner_name: None,
        external_id: None,
        source: Some((*rng.pick(SOURCES)).to_owned()),
        website: company.then(|| format!("https://www.{domain}")),
        address,
        street: None,
        city: None,
        region: None,
        postcode: None,
        country: None,
        time_zones,
        time_zone_manual: false,
        score: 0,
        description: None,
        tags,
        custom_fields: serde_json::Map::new(),
        contacts: contacts.iter().map(|(c, _)| c.clone()).collect(),
        created_by: Some(creator),
        created_at,
        updated_at: created_at,
    };
    lead.sync_address();
    NewLeadRows { lead, contacts }
}

/// Creates the demo organization on first run; says who can log in either way.
pub async fn seed(db: &Db) -> anyhow::Result<String> {
    let mut out = String::new();
    let existing = {
        let mut tx = db.read().await?;
        let o = store::orgs::by_name(&mut tx, ORG_NAME).await?;
        tx.commit().await?;
        o
    };
    let org = match existing {
        Some(org) => {
            out.push_str(&format!("Using the existing demo organization '{ORG_NAME}'.\n"));
            org
        }
        None => {
            let org =
                app::orgs::create(db, ORG_NAME, "US", "America/New_York").await.map_err(|e| anyhow::anyhow!("{e}"))?;
            create_people_and_leads(db, &org).await?;
            out.push_str(&format!("Created the demo organization '{ORG_NAME}' with {LEADS} leads.\n"));
            org
        }
    };
    out.push_str("Users (all with the same password):\n");
    for u in app::users::list(db, org.id).await.map_err(|e| anyhow::anyhow!("{e}"))? {
        out.push_str(&format!("  {:<34} {}\n", u.email, u.role.label()));
    }
    Ok(out)
}

const PEOPLE: &[(&str, &str, &str)] = &[
    ("admin@northwind.example", "Alex Admin", "admin"),
    ("maria.manager@northwind.example", "Maria Lopez", "manager"),
    ("ian.rep@northwind.example", "Ian Chen", "inside_rep"),
    ("sara.rep@northwind.example", "Sara Virtanen", "inside_rep"),
    ("tom.rep@northwind.example", "Tom Becker", "inside_rep"),
    ("nina.rep@northwind.example", "Nina Patel", "inside_rep"),
    ("frank.field@northwind.example", "Frank Müller", "field_rep"),
    ("grace.field@northwind.example", "Grace Taylor", "field_rep"),
];

async fn create_people_and_leads(db: &Db, org: &store::orgs::Org) -> anyhow::Result<()> {
    let mut users = Vec::new();
    for (email, name, role) in PEOPLE {
        let input = NewUser {
            email: Some((*email).into()),
            name: Some((*name).into()),
            role: Some((*role).into()),
            password: Some(PASSWORD.into()),
        };
        let by = By { org: org.id, user_id: None, name: "demo setup" };
        users.push(app::users::create(db, org, by, &input).await.map_err(|e| anyhow::anyhow!("{e}"))?);
    }
    let reps: Vec<Uuid> = users.iter().filter(|u| u.role.as_str().ends_with("_rep")).map(|u| u.id).collect();
    let admin = users[0].id;
    let mut rng = Rng::new(2026);
    let now = store::now();
    let rows: Vec<NewLeadRows> = (0..LEADS)
        .map(|i| {
            let age = Duration::minutes(i64::try_from((LEADS - i) * 131).unwrap_or(0));
            generate(&mut rng, &reps, admin, now - age, None, Numbers::Fictional)
        })
        .collect();
    let mut tx = db.write().await?;
    insert_leads(&mut tx, org.id, None, &rows).await?;
    for (i, r) in rows.iter().enumerate().filter(|(i, _)| i % 3 == 0) {
        let author = r.lead.owner_id.unwrap_or(admin);
        let note = Activity {
            id: store::new_id(),
            lead_id: r.lead.id,
            kind: "note".into(),
            body: (*rng.pick(NOTES)).into(),
            user_id: Some(author),
            user_name: None,
            occurred_at: r.lead.created_at + Duration::hours(i64::try_from(i % 48).unwrap_or(1) + 1),
        };
        store::activities::insert(&mut tx, org.id, &note).await?;
    }
    tx.commit().await?;
    let inside: Vec<Uuid> = users.iter().filter(|u| u.role == leadline_domain::Role::InsideRep).map(|u| u.id).collect();
    call_history(db, org, &inside, &rows, &mut rng, now).await?;
    // A campaign over the new leads for the inside reps, with a playbook to start from.
    let manager = users.iter().find(|u| u.role == leadline_domain::Role::Manager).unwrap_or(&users[0]).clone();
    let actor = app::Actor { user: manager, org: org.clone() };
    let mut filter = serde_json::Map::new();
    filter.insert("status".into(), serde_json::json!(["new"]));
    let input = app::campaigns::CampaignInput {
        name: Some("New leads — first call".into()),
        filter: Some(filter),
        assignees: Some(inside),
        playbook: Some(PLAYBOOK.into()),
        ..app::campaigns::CampaignInput::default()
    };
    app::campaigns::create(db, &actor, input).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(())
}

/// Outcomes of the demo's past calls, with their share in percent (about what an
/// outbound team sees: most calls reach nobody).
const OUTCOMES: [(Disposition, usize); 8] = [
    (Disposition::NoAnswer, 44),
    (Disposition::VoicemailLeft, 16),
    (Disposition::Busy, 7),
    (Disposition::Connected, 14),
    (Disposition::NotInterested, 8),
    (Disposition::CallbackRequested, 5),
    (Disposition::MeetingBooked, 4),
    (Disposition::WrongNumber, 2),
];

const CALL_NOTES: &[&str] = &[
    "Gatekeeper; asked for the best time to reach the decision maker.",
    "Interested in a pilot for one team; wants pricing first.",
    "Happy with their current supplier until the contract ends in Q3.",
    "Booked a meeting with the field rep for next week.",
    "Asked to call back after their board meeting.",
];

/// Ten working days of calls by the inside reps, so that reports and timelines have
/// something to show: each call in business hours of the callee's own time zone, on a
/// lead already being worked (not one still waiting in the demo campaign).
async fn call_history(
    db: &Db,
    org: &store::orgs::Org,
    reps: &[Uuid],
    rows: &[NewLeadRows],
    rng: &mut Rng,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let worked: Vec<&NewLeadRows> = rows
        .iter()
        .filter(|r| r.lead.status != LeadStatus::New && r.contacts.iter().any(|(_, phones)| !phones.is_empty()))
        .collect();
    if worked.is_empty() || reps.is_empty() {
        return Ok(());
    }
    let office: Tz = org.time_zone.parse().unwrap_or(Tz::UTC);
    let today = now.with_timezone(&office).date_naive();
    let mut tx = db.write().await?;
    let mut day = today;
    let mut days = 0;
    while days < 10 {
        day = day.pred_opt().unwrap_or(day);
        if day.weekday().number_from_monday() > 5 {
            continue;
        }
        days += 1;
        for rep in reps {
            for _ in 0..18 + rng.below(20) {
                let r = *rng.pick(&worked);
                let Some((contact, phones)) = r.contacts.iter().find(|(_, p)| !p.is_empty()) else { continue };
                let zone: Tz = r.lead.time_zones.first().and_then(|z| z.parse().ok()).unwrap_or(office);
                let local = day.and_hms_opt(9, 30, 0).unwrap_or_default()
                    + Duration::minutes(i64::try_from(rng.below(7 * 60)).unwrap_or(0));
                let Some(started) = zone.from_local_datetime(&local).earliest().map(|t| t.with_timezone(&Utc)) else {
                    continue;
                };
                let mut roll = rng.below(100);
                let disposition = OUTCOMES
                    .iter()
                    .find(|(_, share)| {
                        let hit = roll < *share;
                        roll = roll.saturating_sub(*share);
                        hit
                    })
                    .map_or(Disposition::NoAnswer, |(d, _)| *d);
                // A callback still ahead would need its task and its place in a queue.
                let disposition = match disposition {
                    Disposition::CallbackRequested if started + Duration::days(2) > now => Disposition::Connected,
                    d => d,
                };
                let seconds = match disposition {
                    Disposition::Connected | Disposition::CallbackRequested => 60 + rng.below(540),
                    Disposition::MeetingBooked => 300 + rng.below(900),
                    Disposition::NotInterested | Disposition::WrongNumber => 20 + rng.below(100),
                    Disposition::VoicemailLeft => 25 + rng.below(35),
                    _ => 0,
                };
                let duration = i64::try_from(seconds).unwrap_or(0);
                let talked = disposition.is_connect();
                let ended = started + Duration::seconds(duration + 20);
                let callback = (disposition == Disposition::CallbackRequested).then(|| started + Duration::days(2));
                let call = Call {
                    lead_id: Some(r.lead.id),
                    contact_id: Some(contact.id),
                    user_id: Some(*rep),
                    to_number: Some(phones[0].e164().to_owned()),
                    state: "completed".into(),
                    started_at: Some(started),
                    answered_at: talked.then(|| started + Duration::seconds(15)),
                    ended_at: Some(ended),
                    duration_s: Some(duration),
                    disposition: Some(disposition.as_str().to_owned()),
                    disposed_at: Some(ended + Duration::seconds(30)),
                    notes: if talked { (*rng.pick(CALL_NOTES)).to_owned() } else { String::new() },
                    callback_at: callback,
                    ..Call::blank(started)
                };
                store::calls::insert(&mut tx, org.id, &call).await?;
                app::calls::to_timeline(&mut tx, org.id, &call).await?;
            }
        }
    }
    tx.commit().await?;
    Ok(())
}

const PLAYBOOK: &str = "## Opening
Introduce yourself and Northwind in one sentence; ask if now is a bad time.

## Questions
- How do you handle this today? What does it cost you?
- Who else is involved in choosing a supplier?
- What would have to be true for you to change this quarter?

## Objections
- *Send me an e-mail* — agree, and ask what it should answer so it is worth reading.
- *We have a supplier* — ask what they would improve about them.

## Next step
Book a meeting with a field rep, or set a callback at a time they choose.";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_leads_have_valid_phones_and_zones() {
        let mut rng = Rng::new(1);
        let owner = Uuid::now_v7();
        for numbers in [Numbers::Fictional, Numbers::Spread] {
            let mut phones = 0;
            for _ in 0..400 {
                let r = generate(&mut rng, &[owner], owner, Utc::now(), Some(2), numbers);
                assert_eq!(r.contacts.len(), 2);
                assert!(!r.lead.time_zones.is_empty(), "{}", r.lead.name);
                phones += r.contacts.iter().map(|(_, p)| p.len()).sum::<usize>();
            }
            // Every contact gets a phone the parser accepts (valid for its region).
            assert!(phones >= 800, "{phones} phones for 800 contacts with {}", numbers == Numbers::Spread);
        }
    }
}
