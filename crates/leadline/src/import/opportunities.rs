//! Importing opportunities: each names its lead (by name or external id), and may
//! name a product, an owner, a stage, an amount and dates. Stage names go through
//! the organization's stage map, the import's own additions and the built-in names.

use super::undo::Undone;
use super::{
    ImportOptions, Issue, OnDuplicate,
    columns::Columns,
    engine::{Job, Progress, owners},
    others::{Outcome, Row, Writer, default_currency, drive},
};
use crate::store::imports::Change;
use crate::store::{self, Db, Tx, orgs::Org, sales::Opportunity};
use chrono::{DateTime, NaiveDate, Utc};
use futures_util::TryStreamExt;
use leadline_domain::{Money, Stage, dedupe, money, stage, text};
use std::{
    collections::{HashMap, HashSet, hash_map::Entry},
    sync::Arc,
};
use uuid::Uuid;

/// What resolving a row needs: leads, products, users and stage names.
struct Lookup {
    columns: Columns,
    leads_by_name: HashMap<String, Uuid>,
    /// Company keys several leads share, with each one's id and name.
    same_name: HashMap<String, Vec<(Uuid, String)>>,
    leads_by_external: HashMap<String, Uuid>,
    products: HashMap<String, Uuid>,
    owners: super::engine::Owners,
    stages: HashMap<String, Stage>,
    importer: Option<Uuid>,
    currency: &'static str,
    us_dates: bool,
}

pub struct NewOpportunity {
    o: Opportunity,
    /// The file's words for its lead and product, as the preview shows them.
    lead: String,
    product: Option<String>,
    /// The name of the user who owns it.
    owner: Option<String>,
    /// When the old CRM says it was created ("Created Date"); the import's time otherwise.
    created_on: Option<NaiveDate>,
}

struct OpportunityWriter {
    created: HashSet<Uuid>,
}

pub async fn run(db: &Db, job: &Job, progress: &Arc<Progress>) -> anyhow::Result<u64> {
    let lookup = Arc::new(lookup(db, &job.org, &job.columns, &job.options, job.importer, None).await?);
    let mut writer = OpportunityWriter { created: HashSet::new() };
    drive(db, job, progress, move |line, rec| prepare(&lookup, line, rec), &mut writer).await
}

/// The first rows of a file as they would be stored, reading only the leads they name.
pub(crate) async fn preview(
    db: &Db,
    org: &Org,
    columns: &Columns,
    options: &ImportOptions,
    importer: Option<Uuid>,
    rows: &[(u64, csv::ByteRecord)],
) -> anyhow::Result<Vec<Row<NewOpportunity>>> {
    let mut wanted = Wanted::default();
    for (_, rec) in rows {
        if let Some((_, ext)) = columns.first(rec, "lead_external_id") {
            wanted.external.extend(super::ids_in(&ext).map(str::to_owned));
        }
        if let Some((_, name)) = columns.first(rec, "lead") {
            wanted.names.extend(dedupe::company_key(&name));
            wanted.external.extend(super::ids_in(&name).map(str::to_owned));
        }
    }
    let lookup = lookup(db, org, columns, options, importer, Some(&wanted)).await?;
    Ok(rows.iter().map(|(line, rec)| prepare(&lookup, *line, rec)).collect())
}

/// The file's stage names that neither Leadline, another CRM's known names nor the
/// organization's stage map explain (`unknown`; their rows would be refused), and those the
/// import's `stage` option maps (name → stage), from its first 200,000 rows, at most 50.
pub(crate) async fn foreign_stages(
    db: &Db,
    org: Uuid,
    path: &std::path::Path,
    sniffed: &super::source::Sniffed,
    columns: &Columns,
    options: &ImportOptions,
) -> anyhow::Result<(Vec<String>, std::collections::BTreeMap<String, String>)> {
    let stages = stage_names(&mut db.read().await?, org, options).await?;
    let chosen: HashSet<String> = options.stages.keys().map(|a| stage::alias_key(a)).collect();
    let foreign = super::service::distinct_values(path, sniffed, columns, "stage", |v| {
        let key = stage::alias_key(v);
        chosen.contains(&key) || (!stages.contains_key(&key) && stage::default_alias(v).is_none())
    })?;
    let (mut unknown, mut mapped) = (Vec::new(), std::collections::BTreeMap::new());
    for v in foreign {
        match stages.get(&stage::alias_key(&v)) {
            Some(s) => {
                mapped.insert(v, s.as_str().to_owned());
            }
            None => unknown.push(v),
        }
    }
    Ok((unknown, mapped))
}

/// The stage names an import maps by its key: the organization's stage map, then the
/// import's own `stage` option over it (a file's names beyond these go through the built-in
/// names of other CRMs).
async fn stage_names(tx: &mut Tx, org: Uuid, options: &ImportOptions) -> anyhow::Result<HashMap<String, Stage>> {
    let mut stages: HashMap<String, Stage> = HashMap::new();
    for (alias, s) in store::sales::stage_aliases(tx, org).await? {
        if let Ok(s) = Stage::parse(&s) {
            stages.insert(stage::alias_key(&alias), s);
        }
    }
    for (alias, s) in &options.stages {
        let s = Stage::parse(s).map_err(|e| anyhow::anyhow!("stage map '{alias}': {e}"))?;
        stages.insert(stage::alias_key(alias), s);
    }
    Ok(stages)
}

/// The names of the leads that share a company key ("Twin Co" and "TWIN CO.").
async fn same_name_leads(
    tx: &mut Tx,
    same_ids: HashMap<String, Vec<Uuid>>,
) -> anyhow::Result<HashMap<String, Vec<(Uuid, String)>>> {
    let ids: Vec<Uuid> = same_ids.values().flatten().copied().collect();
    let mut names: HashMap<Uuid, String> = HashMap::new();
    for chunk in ids.chunks(500) {
        let found: Vec<(Uuid, String)> = crate::on_tx!(tx, |c| {
            let mut q = sqlx::QueryBuilder::new("SELECT id, name FROM leads WHERE id IN (");
            store::push_ids(&mut q, chunk);
            q.build_query_as().fetch_all(c).await
        })?;
        names.extend(found);
    }
    Ok(same_ids
        .into_iter()
        .map(|(key, ids)| (key, ids.into_iter().filter_map(|id| names.get(&id).map(|n| (id, n.clone()))).collect()))
        .collect())
}

/// The lead a row names by `name` whose company key several leads share: the one of
/// exactly that name (without case), else none, and why.
fn one_of_same_name(candidates: &[(Uuid, String)], name: &str) -> Result<Uuid, String> {
    let wanted = text::collapse_whitespace(name).to_lowercase();
    let exact: Vec<Uuid> = candidates
        .iter()
        .filter(|(_, n)| text::collapse_whitespace(n).to_lowercase() == wanted)
        .map(|(id, _)| *id)
        .collect();
    match exact.as_slice() {
        [one] => Ok(*one),
        _ => {
            let mut names: Vec<&str> = candidates.iter().map(|(_, n)| n.as_str()).take(5).collect();
            names.dedup();
            Err(format!(
                "{} leads of this organization have this name ({}); name the lead by its external id instead",
                candidates.len(),
                names.join(", ")
            ))
        }
    }
}

/// The leads a preview's rows name, by company key and by external id.
#[derive(Default)]
struct Wanted {
    names: HashSet<String>,
    external: HashSet<String>,
}

/// Reads what resolving rows needs; with `only`, only the leads it names.
async fn lookup(
    db: &Db,
    org_row: &Org,
    columns: &Columns,
    options: &ImportOptions,
    importer: Option<Uuid>,
    only: Option<&Wanted>,
) -> anyhow::Result<Lookup> {
    let org = org_row.id;
    let mut leads_by_name = HashMap::new();
    let mut leads_by_external = HashMap::new();
    let mut same_ids: HashMap<String, Vec<Uuid>> = HashMap::new();
    let mut tx = db.read().await?;
    crate::on_tx!(&mut tx, |c| {
        let mut rows = sqlx::query_as::<_, (Uuid, String, Option<String>)>(
            "SELECT id, name, external_id FROM leads WHERE org_id = $1",
        )
        .bind(org)
        .fetch(&mut *c);
        while let Some((id, name, ext)) = rows.try_next().await? {
            if let Some(k) = dedupe::company_key(&name).filter(|k| only.is_none_or(|w| w.names.contains(k))) {
                match leads_by_name.entry(k) {
                    Entry::Vacant(e) => {
                        e.insert(id);
                    }
                    Entry::Occupied(e) => same_ids.entry(e.key().clone()).or_insert_with(|| vec![*e.get()]).push(id),
                }
            }
            if let Some(e) = ext.filter(|e| only.is_none_or(|w| w.external.contains(e))) {
                leads_by_external.entry(e).or_insert(id);
            }
        }
        Ok::<_, sqlx::Error>(())
    })?;
    let same_name = same_name_leads(&mut tx, same_ids).await?;
    let mut products = HashMap::new();
    for p in store::sales::products(&mut tx, org).await? {
        products.insert(store::sales::name_key(&p.name), p.id);
        if let Some(code) = &p.code {
            products.insert(code.to_lowercase(), p.id);
        }
    }
    let stages = stage_names(&mut tx, org, options).await?;
    drop(tx);
    Ok(Lookup {
        columns: columns.clone(),
        leads_by_name,
        same_name,
        leads_by_external,
        products,
        owners: owners(db, org).await?,
        stages,
        importer,
        currency: default_currency(&org_row.default_region),
        us_dates: org_row.default_region == "US",
    })
}

/// Reads a date as CRMs and spreadsheets export them: ISO (with or without a time),
/// `31.12.2026`, `12/31/2026` or `31/12/2026` (the organization's custom decides when both
/// read), two-digit years (`12/31/26`), month names (`Dec 31, 2026`, `31-Dec-2026`,
/// `31. Dezember 2026`), `20261231`, and Excel's serial day numbers (`46022`). A time after
/// the date is passed over.
#[must_use]
pub fn parse_date(v: &str, us: bool) -> Option<NaiveDate> {
    let v = v.trim();
    if let Some(d) = v.get(..10).and_then(|head| NaiveDate::parse_from_str(head, "%Y-%m-%d").ok()) {
        return Some(d);
    }
    let tokens: Vec<&str> = v
        .split(|c: char| c.is_whitespace() || matches!(c, '/' | '.' | '-' | ','))
        .filter(|t| !t.is_empty())
        .take_while(|t| !t.contains(':'))
        .filter(|t| !is_weekday(t))
        .collect();
    match tokens.as_slice() {
        [one] if one.len() == 8 && one.bytes().all(|b| b.is_ascii_digit()) => {
            NaiveDate::parse_from_str(one, "%Y%m%d").ok()
        }
        [one] => {
            // Days since 1899-12-30, as Excel stores dates; 1982 … 2119 only.
            let serial: i64 = one.parse().ok().filter(|n| (30_000..80_000).contains(n))?;
            NaiveDate::from_ymd_opt(1899, 12, 30)?.checked_add_days(chrono::Days::new(u64::try_from(serial).ok()?))
        }
        [a, b, c] => {
            let named = [a, b, c].iter().position(|t| month_by_name(t).is_some());
            let (year, month, day) = if let Some(i) = named {
                let month = month_by_name([a, b, c][i])?;
                let rest: Vec<&str> = [a, b, c].iter().enumerate().filter(|(j, _)| *j != i).map(|(_, t)| **t).collect();
                // "Dec 31, 2026", "31 Dec 2026", "2026 Dec 31".
                if rest[0].len() == 4 {
                    (rest[0], month, rest[1].parse().ok()?)
                } else {
                    (rest[1], month, rest[0].parse().ok()?)
                }
            } else if a.len() == 4 {
                (*a, b.parse().ok()?, c.parse().ok()?)
            } else {
                let first: u32 = a.parse().ok()?;
                let second: u32 = b.parse().ok()?;
                let month_first = if first > 12 {
                    false
                } else if second > 12 {
                    true
                } else {
                    us
                };
                if month_first { (*c, first, second) } else { (*c, second, first) }
            };
            let year: i32 = match year.len() {
                4 => year.parse().ok()?,
                2 => {
                    let yy: i32 = year.parse().ok()?;
                    if yy < 70 { 2000 + yy } else { 1900 + yy }
                }
                _ => return None,
            };
            NaiveDate::from_ymd_opt(year, month, day)
        }
        _ => None,
    }
}

fn month_by_name(t: &str) -> Option<u32> {
    const MONTHS: [&[&str]; 12] = [
        &["jan", "january", "januar", "jänner"],
        &["feb", "february", "februar"],
        &["mar", "march", "mär", "märz", "maerz"],
        &["apr", "april"],
        &["may", "mai"],
        &["jun", "june", "juni"],
        &["jul", "july", "juli"],
        &["aug", "august"],
        &["sep", "sept", "september"],
        &["oct", "october", "okt", "oktober"],
        &["nov", "november"],
        &["dec", "december", "dez", "dezember"],
    ];
    let lower = t.to_lowercase();
    MONTHS.iter().position(|names| names.contains(&lower.as_str())).and_then(|i| u32::try_from(i + 1).ok())
}

fn is_weekday(t: &str) -> bool {
    const DAYS: [&str; 14] = [
        "mon",
        "tue",
        "wed",
        "thu",
        "fri",
        "sat",
        "sun",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    ];
    DAYS.contains(&t.to_lowercase().as_str())
}

fn prepare(l: &Lookup, line: u64, rec: &csv::ByteRecord) -> Row<NewOpportunity> {
    let cols = &l.columns;
    let issues = std::cell::RefCell::new(Vec::new());
    let mut warnings = Vec::new();
    let bad = |col: &str, v: &str, reason: String| issues.borrow_mut().push(Issue::new(Some(col), Some(v), reason));
    // HubSpot lists several associations in one cell ("9001;9002"): the first known counts.
    let by_external = |ext: &str| super::ids_in(ext).find_map(|id| l.leads_by_external.get(id).copied());
    let external = cols.first(rec, "lead_external_id").map(|(col, ext)| (col, by_external(&ext), ext));
    let lead = match (external, cols.first(rec, "lead")) {
        (Some((_, Some(found), _)), _) => Some(found),
        (_, Some((col, name))) => {
            let key = dedupe::company_key(&name);
            match key.as_ref().and_then(|k| l.same_name.get(k)) {
                Some(candidates) => one_of_same_name(candidates, &name).map_err(|why| bad(col, &name, why)).ok(),
                None => {
                    // A lead column may hold the old CRM's id of the lead instead of its name.
                    let found = key.and_then(|k| l.leads_by_name.get(&k).copied()).or_else(|| by_external(&name));
                    if found.is_none() {
                        bad(col, &name, "no lead of this organization has this name or external id".into());
                    }
                    found
                }
            }
        }
        (Some((col, None, ext)), None) => {
            bad(col, &ext, "no lead of this organization has this external id".into());
            None
        }
        (None, None) => {
            issues.borrow_mut().push(Issue::new(None, None, "the row names no lead"));
            None
        }
    };
    let product = cols.first(rec, "product").and_then(|(col, v)| {
        let found = l.products.get(&v.to_lowercase()).or_else(|| l.products.get(&store::sales::name_key(&v))).copied();
        if found.is_none() {
            bad(col, &v, "no product of this organization has this name or code".into());
        }
        found
    });
    let owner_id = match cols.first(rec, "owner") {
        Some((col, v)) => match l.owners.find(&v) {
            Ok(owner) => Some(owner),
            Err(why) => {
                warnings.push(Issue::new(Some(col), Some(&v), format!("{why}; the importing user owns it")));
                l.importer
            }
        },
        None => l.importer,
    };
    let stage = match cols.first(rec, "stage") {
        Some((col, v)) => {
            let key = stage::alias_key(&v);
            let found = l.stages.get(&key).copied().or_else(|| stage::default_alias(&v));
            if found.is_none() {
                let stages: Vec<&str> = Stage::ALL.iter().map(|s| s.as_str()).collect();
                let why = format!(
                    "is not a known stage; use one of {}, or map it to one (--stage \"{}=negotiation\", on the \
                     mapping page, or in the stage map)",
                    stages.join(", "),
                    v.trim()
                );
                bad(col, &v, why);
            }
            found
        }
        None => Some(Stage::Qualification),
    };
    let status = match cols.first(rec, "status") {
        Some((col, v)) => match v.trim().to_lowercase().as_str() {
            "won" | "closed won" | "true" | "yes" => Some("won"),
            "lost" | "closed lost" | "false" | "no" => Some("lost"),
            "open" | "" | "in progress" | "active" => None,
            _ => {
                bad(col, &v, "is not open, won or lost".into());
                None
            }
        },
        None => None,
    };
    let flag = |field: &str| {
        cols.first(rec, field).and_then(|(col, v)| match v.trim().to_lowercase().as_str() {
            "1" | "true" | "yes" | "y" | "x" => Some(true),
            "0" | "false" | "no" | "n" | "" => Some(false),
            _ => {
                bad(col, &v, "is not yes or no".into());
                None
            }
        })
    };
    let status = match (status, flag("won"), flag("closed")) {
        (Some(s), ..) => Some(s),
        (None, Some(true), _) => Some("won"),
        (None, Some(false), Some(true)) => Some("lost"),
        _ => None,
    };
    let stage = match (stage, status) {
        (_, Some("won")) => Some(Stage::Won),
        (Some(Stage::Won), Some("lost")) | (_, Some("lost")) => Some(Stage::Lost),
        (s, _) => s,
    };
    let status = match stage {
        Some(Stage::Won) => "won",
        Some(Stage::Lost) => "lost",
        _ => "open",
    };
    let currency = cols
        .first(rec, "currency")
        .and_then(|(col, v)| money::currency(&v).map_err(|e| bad(col, &v, e.to_string())).ok());
    let amount = cols.first(rec, "amount").and_then(|(col, v)| {
        let named = money::currency_in_header(col);
        let currency = currency.as_deref().or(named.as_deref()).unwrap_or(l.currency);
        Money::parse(&v, Some(currency)).map_err(|e| bad(col, &v, e.to_string())).ok()
    });
    let close_date = cols.first(rec, "close_date").and_then(|(col, v)| {
        let d = parse_date(&v, l.us_dates);
        if d.is_none() {
            bad(col, &v, "is not a date; write it as 2026-12-31".into());
        }
        d
    });
    // A won or lost deal closed on the day it was won or lost, whatever was expected;
    // the won and the lost time are two columns of which a row fills one.
    let closed_on = cols.first(rec, "closed_on").and_then(|(col, v)| {
        let d = parse_date(&v, l.us_dates);
        if d.is_none() {
            warnings.push(Issue::new(Some(col), Some(&v), "is not a date; it was not used"));
        }
        d
    });
    let close_date = if status == "open" { close_date } else { closed_on.or(close_date) };
    let created_on = cols.first(rec, "created_date").and_then(|(col, v)| {
        let d = parse_date(&v, l.us_dates);
        if d.is_none() {
            warnings.push(Issue::new(Some(col), Some(&v), "is not a date; the import's time was kept instead"));
        }
        d
    });
    let line_text =
        |field: &str| cols.first(rec, field).and_then(|(_, v)| text::optional_line(Some(&v), 200).ok().flatten());
    let external_id = line_text("external_id");
    let lost_reason = line_text("lost_reason");
    let name = line_text("name").or_else(|| cols.first(rec, "lead").map(|(_, v)| format!("{} opportunity", v.trim())));
    let issues = issues.into_inner();
    if !issues.is_empty() {
        return Row { line, result: Err(issues) };
    }
    let (Some(lead_id), Some(stage)) = (lead, stage) else {
        return Row { line, result: Err(vec![Issue::new(None, None, "the row could not be read")]) };
    };
    let now = store::now();
    let o = Opportunity {
        id: store::new_id(),
        lead_id,
        product_id: product,
        owner_id,
        name: name.unwrap_or_else(|| "Opportunity".into()),
        stage: stage.as_str().to_owned(),
        status: status.to_owned(),
        amount_minor: amount.as_ref().map(|m| m.minor),
        currency: amount.map(|m| m.currency).or(currency),
        close_date,
        lost_reason,
        external_id,
        custom_fields: super::others::custom_fields(cols, rec),
        created_at: now,
        updated_at: now,
    };
    let lead =
        cols.first(rec, "lead").or_else(|| cols.first(rec, "lead_external_id")).map(|(_, v)| v.trim().to_owned());
    let product = cols.first(rec, "product").map(|(_, v)| v.trim().to_owned());
    let owner = owner_id.and_then(|id| l.owners.name_of(id));
    let item = NewOpportunity { o, lead: lead.unwrap_or_default(), product, owner, created_on };
    Row { line, result: Ok((item, warnings)) }
}

impl super::others::Shown for NewOpportunity {
    fn shown(&self) -> serde_json::Map<String, serde_json::Value> {
        let o = &self.o;
        let amount = o
            .amount_minor
            .zip(o.currency.as_ref())
            .map(|(minor, currency)| format!("{} {currency}", Money { minor, currency: currency.clone() }.amount()));
        super::others::shown_fields([
            ("name", Some(o.name.clone())),
            ("lead", Some(self.lead.clone())),
            ("product", self.product.clone()),
            ("owner", self.owner.clone()),
            ("stage", Some(o.stage.clone())),
            ("status", Some(o.status.clone())),
            ("amount", amount),
            ("close_date", o.close_date.map(|d| d.to_string())),
            ("created_date", self.created_on.map(|d| d.to_string())),
            ("lost_reason", o.lost_reason.clone()),
            ("external_id", o.external_id.clone()),
        ])
        .into_iter()
        .chain(super::others::shown_custom(&o.custom_fields))
        .collect()
    }
}

impl Writer for OpportunityWriter {
    type Item = NewOpportunity;

    async fn write(
        &mut self,
        tx: &mut Tx,
        job: &Job,
        item: NewOpportunity,
        now: DateTime<Utc>,
    ) -> anyhow::Result<Outcome> {
        let org = job.org.id;
        let mut o = item.o;
        let existing = match &o.external_id {
            Some(ext) => store::sales::opportunity_by_external(tx, org, ext)
                .await?
                .map(|x| (x, format!("same external id {ext}"))),
            None => store::sales::opportunities_of_lead(tx, org, o.lead_id)
                .await?
                .into_iter()
                .find(|x| store::sales::name_key(&x.name) == store::sales::name_key(&o.name))
                .map(|x| (x, format!("same lead and name {}", o.name))),
        };
        let Some((mut current, reason)) = existing else {
            // Noon UTC keeps the old CRM's date the same day in every time zone of the Americas
            // and Europe; a date ahead of today is the import's time.
            o.created_at = item
                .created_on
                .and_then(|d| d.and_hms_opt(12, 0, 0))
                .map(|t| t.and_utc())
                .filter(|t| *t < now)
                .unwrap_or(now);
            o.updated_at = now;
            store::sales::save_opportunity(tx, org, &o, Some(job.id)).await?;
            self.created.insert(o.id);
            return Ok(Outcome::Created(o.id));
        };
        let update = match job.options.on_duplicate {
            OnDuplicate::Skip => {
                return Ok(Outcome::Duplicate(current.id, format!("{reason}: skipped as a duplicate")));
            }
            OnDuplicate::Update => true,
            OnDuplicate::Merge => false,
        };
        let before = serde_json::to_value(&current)?;
        if update {
            current.stage = o.stage;
            current.status = o.status;
            current.name = o.name;
            current.owner_id = o.owner_id;
        }
        macro_rules! set {
            ($f:ident) => {
                if o.$f.is_some() && (update || current.$f.is_none()) {
                    current.$f = o.$f.clone();
                }
            };
        }
        set!(product_id);
        set!(amount_minor);
        set!(currency);
        set!(close_date);
        set!(lost_reason);
        super::others::keep_custom(&mut current.custom_fields, o.custom_fields, update);
        current.updated_at = now;
        store::sales::save_opportunity(tx, org, &current, None).await?;
        if !self.created.contains(&current.id) {
            let after = serde_json::to_value(&current)?;
            store::imports::record_change(tx, job.id, "opportunity", current.id, &before, Some(&after), now).await?;
        }
        Ok(if update {
            Outcome::Updated(current.id, format!("{reason}: updated the opportunity"))
        } else {
            Outcome::Merged(current.id, format!("{reason}: merged into the opportunity"))
        })
    }
}

/// Puts an opportunity back as it was, unless edited since the import.
pub async fn restore(tx: &mut Tx, org: Uuid, id: Uuid, change: &Change) -> anyhow::Result<Undone> {
    let Some(current) = store::sales::opportunity(tx, org, id).await? else { return Ok(Undone::gone()) };
    let (mut o, undone): (Opportunity, Undone) = super::undo::three_way_record(&current, change, current.updated_at)?;
    if undone.changed {
        o.updated_at = store::now();
        store::sales::save_opportunity(tx, org, &o, None).await?;
    }
    Ok(undone)
}

#[cfg(test)]
mod tests {
    use super::parse_date;
    use chrono::NaiveDate;

    #[test]
    fn dates_in_the_usual_forms() {
        let d = NaiveDate::from_ymd_opt(2026, 12, 31).unwrap();
        for v in [
            "2026-12-31",
            "2026-12-31T10:00:00Z",
            "2026-12-31 10:00",
            "31.12.2026",
            "31.12.26",
            "12/31/2026",
            "12/31/26",
            "12/31/2026 10:00 AM",
            "31/12/2026",
            "2026/12/31",
            "Dec 31, 2026",
            "Thu, Dec 31, 2026",
            "December 31, 2026 10:00 PM",
            "31-Dec-2026",
            "31 Dec 2026",
            "31. Dezember 2026",
            "20261231",
            "46387",
        ] {
            assert_eq!(parse_date(v, false), Some(d), "{v}");
        }
        assert_eq!(parse_date("1/2/99", true), NaiveDate::from_ymd_opt(1999, 1, 2));
        assert_eq!(parse_date("31/02/2026", false), None);
        assert_eq!(parse_date("12345", false), None);
        assert_eq!(parse_date("12/31/026", false), None);
        assert_eq!(parse_date("03/04/2026", true), NaiveDate::from_ymd_opt(2026, 3, 4));
        assert_eq!(parse_date("03/04/2026", false), NaiveDate::from_ymd_opt(2026, 4, 3));
        assert_eq!(parse_date("soon", false), None);
    }
}
