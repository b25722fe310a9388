//! Campaigns: a lead filter (smart view), the reps who work it, a playbook and the
//! calling rules. Creating a campaign fills its call queue from the filter; leads that
//! change to match it later join when a rep next works the campaign.

use super::{
    Actor, AppError,
    audit::{self, Subject},
    error::Errors,
    leads::{self, ListParams, parse_query},
};
use crate::store::{
    self, Db, Tx,
    campaigns::{Assignees, Campaign, Rules},
    queue,
    search::LeadQuery,
};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use leadline_domain::{
    Disposition, Role,
    calling::{Hours, RegionRule, parse_weekday},
    text,
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use utoipa::ToSchema;
use uuid::Uuid;

/// Local hours, e.g. `{"start": "08:00", "end": "21:00"}`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct HoursBody {
    pub start: String,
    pub end: String,
}

/// A stricter window for one country or one region of it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RegionRuleBody {
    /// ISO 3166-1 alpha-2 code.
    pub country: String,
    /// State or region code as on leads (e.g. `FL`); omit for the whole country.
    #[serde(default)]
    pub region: Option<String>,
    pub start: String,
    pub end: String,
}

/// A new campaign, or changes to one (missing fields are kept).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct CampaignInput {
    pub name: Option<String>,
    /// The lead list's filters: `status`, `owner`, `tag`, `country`, `kind`, `q`,
    /// `created_from`, `created_to`; values are strings or arrays of strings.
    #[schema(value_type = Option<Object>)]
    pub filter: Option<Map<String, Value>>,
    /// Ids of the reps (users) or teams who work the campaign.
    pub assignees: Option<Vec<Uuid>>,
    /// Ids of teams whose members work the campaign.
    pub teams: Option<Vec<Uuid>>,
    /// Markdown talk track, editable by the campaign's reps.
    pub playbook: Option<String>,
    /// Default 08:00–21:00 in the callee's local time.
    #[serde(alias = "calling_window", alias = "window")]
    pub calling_hours: Option<HoursBody>,
    /// Allowed local weekdays: 1 (Monday) … 7 (Sunday) or names; default every day.
    #[schema(value_type = Option<Vec<String>>)]
    pub weekdays: Option<Vec<Value>>,
    /// Local dates (YYYY-MM-DD) with no calls.
    pub holidays: Option<Vec<String>>,
    /// Stricter windows per country or region.
    #[serde(alias = "rules")]
    pub region_rules: Option<Vec<RegionRuleBody>>,
    /// Default 6.
    pub max_attempts: Option<u32>,
    /// Minutes until a retry, per disposition (defaults: no_answer 240, busy 30,
    /// voicemail_left 1440). Values may also be written `"4h"`, `"30m"`, `"1d"`.
    #[serde(alias = "retry")]
    #[schema(value_type = Option<Object>)]
    pub retry_spacing: Option<Map<String, Value>>,
    pub active: Option<bool>,
}

impl CampaignInput {
    /// True when nothing but the playbook is being changed (reps may do that).
    fn only_playbook(&self) -> bool {
        self.name.is_none()
            && self.filter.is_none()
            && self.assignees.is_none()
            && self.teams.is_none()
            && self.calling_hours.is_none()
            && self.weekdays.is_none()
            && self.holidays.is_none()
            && self.region_rules.is_none()
            && self.max_attempts.is_none()
            && self.retry_spacing.is_none()
            && self.active.is_none()
    }
}

/// A campaign as the API shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CampaignView {
    pub id: Uuid,
    pub name: String,
    /// The lead list's filters as given: `status` and `tag` as lists, the rest as text.
    #[schema(value_type = Object)]
    pub filter: Map<String, Value>,
    /// User ids.
    pub assignees: Vec<Uuid>,
    /// Team ids.
    pub teams: Vec<Uuid>,
    pub playbook: String,
    pub calling_hours: HoursBody,
    pub weekdays: Vec<u8>,
    pub holidays: Vec<NaiveDate>,
    pub region_rules: Vec<RegionRuleBody>,
    pub max_attempts: u32,
    /// Minutes per disposition.
    #[schema(value_type = Object)]
    pub retry_spacing: BTreeMap<String, i64>,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn hours_body(h: Hours) -> HoursBody {
    HoursBody { start: h.start.format("%H:%M").to_string(), end: h.end.format("%H:%M").to_string() }
}

impl From<&Campaign> for CampaignView {
    fn from(c: &Campaign) -> Self {
        let w = &c.rules.window;
        Self {
            id: c.id,
            name: c.name.clone(),
            filter: filter_view(&c.filter),
            assignees: c.assignees.users.clone(),
            teams: c.assignees.teams.clone(),
            playbook: c.playbook.clone(),
            calling_hours: hours_body(w.hours),
            weekdays: w.weekdays.clone(),
            holidays: w.holidays.clone(),
            region_rules: w
                .rules
                .iter()
                .map(|r| {
                    let h = hours_body(r.hours);
                    RegionRuleBody { country: r.country.clone(), region: r.region.clone(), start: h.start, end: h.end }
                })
                .collect(),
            max_attempts: c.rules.max_attempts,
            retry_spacing: c.rules.retry_minutes.clone(),
            active: c.active,
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }
}

/// Reads a spacing: minutes as a number, or `"90m"`, `"4h"`, `"1d"`.
fn parse_spacing(v: &Value) -> Result<i64, String> {
    let bad = || format!("'{v}' is not a spacing; use minutes or a text like 30m, 4h, 1d");
    match v {
        Value::Number(n) => n.as_i64().filter(|m| (0..=525_600).contains(m)).ok_or_else(bad),
        Value::String(s) => {
            let s = s.trim().to_lowercase();
            let (num, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
            let n: i64 = num.parse().map_err(|_| bad())?;
            let factor = match unit.trim() {
                "" | "m" | "min" | "minutes" => 1,
                "h" | "hours" => 60,
                "d" | "days" => 1440,
                _ => return Err(bad()),
            };
            Ok(n * factor)
        }
        _ => Err(bad()),
    }
}

/// The filter as list parameters (values joined by commas).
fn filter_params(filter: &Map<String, Value>, errs: &mut Errors) -> BTreeMap<String, String> {
    const KNOWN: [&str; 9] = ["status", "owner", "tag", "country", "kind", "q", "created_from", "created_to", "tags"];
    let mut out = BTreeMap::new();
    for (k, v) in filter {
        if !KNOWN.contains(&k.as_str()) {
            errs.push(
                format!("filter.{k}"),
                "is not a lead filter; use status, owner, tag, country, kind, q, created_from or created_to",
            );
            continue;
        }
        let text = match v {
            Value::String(s) => s.clone(),
            Value::Array(items) => items
                .iter()
                .map(|i| match i {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect::<Vec<_>>()
                .join(","),
            Value::Null => continue,
            other => other.to_string(),
        };
        out.insert(if k == "tags" { "tag".to_owned() } else { k.clone() }, text);
    }
    out
}

/// The stored filter as the API shows it: the lists (`status`, `tag`) as arrays, as
/// `POST /api/v1/campaigns` takes them.
fn filter_view(filter: &BTreeMap<String, String>) -> Map<String, Value> {
    filter
        .iter()
        .map(|(k, v)| {
            let value = if matches!(k.as_str(), "status" | "tag") {
                Value::Array(v.split(',').filter(|s| !s.is_empty()).map(|s| Value::String(s.to_owned())).collect())
            } else {
                Value::String(v.clone())
            };
            (k.clone(), value)
        })
        .collect()
}

/// The lead query a campaign's filter stands for.
pub fn query_of(actor: &Actor, filter: &BTreeMap<String, String>) -> Result<LeadQuery, AppError> {
    let get = |k: &str| filter.get(k).cloned();
    let params = ListParams {
        q: get("q"),
        status: get("status"),
        owner: get("owner"),
        tag: get("tag"),
        country: get("country"),
        kind: get("kind"),
        created_from: get("created_from"),
        created_to: get("created_to"),
        ..ListParams::default()
    };
    parse_query(actor, &params).map_err(|e| match e {
        AppError::Validation(errors) => AppError::Validation(
            errors
                .into_iter()
                .map(|mut f| {
                    f.field = format!("filter.{}", f.field);
                    f
                })
                .collect(),
        ),
        other => other,
    })
}

/// Applies `input` over `c`, naming every field that is wrong.
async fn apply(tx: &mut Tx, actor: &Actor, c: &mut Campaign, input: &CampaignInput) -> Result<(), AppError> {
    let mut errs = Errors::default();
    if let Some(name) = &input.name {
        c.name = errs.take("name", text::required_line(name, 200)).unwrap_or_default();
    }
    if let Some(filter) = &input.filter {
        c.filter = filter_params(filter, &mut errs);
    }
    // The organization's users, read once where the filter names an owner or assignees are given.
    let mut owner = c.filter.get("owner").cloned();
    let owner_named = input.filter.is_some() && leads::owner_by_name(owner.as_deref()).is_some();
    let assigning = input.assignees.is_some() || input.teams.is_some();
    let users =
        if owner_named || assigning { store::auth::users_in_org(tx, actor.org_id()).await? } else { Vec::new() };
    if owner_named {
        // An owner named by e-mail or name is kept as the user's id.
        match leads::resolve_owner(&users, &mut owner) {
            Ok(()) => {
                c.filter.insert("owner".into(), owner.unwrap_or_default());
            }
            Err(e) => errs.push("filter.owner", e),
        }
    }
    if assigning {
        let mut assignees = Assignees::default();
        let teams = store::sales::teams(tx, actor.org_id()).await?;
        for (field, ids) in [("assignees", &input.assignees), ("teams", &input.teams)] {
            for (i, id) in ids.iter().flatten().enumerate() {
                if users.iter().any(|u| u.id == *id && u.active) {
                    if !assignees.users.contains(id) {
                        assignees.users.push(*id);
                    }
                } else if teams.iter().any(|t| t.id == *id) {
                    if !assignees.teams.contains(id) {
                        assignees.teams.push(*id);
                    }
                } else {
                    errs.push(format!("{field}[{i}]"), "is not an active user or a team of this organization");
                }
            }
        }
        c.assignees = assignees;
    }
    if let Some(p) = &input.playbook {
        c.playbook = errs.take("playbook", text::optional_block(Some(p), 100_000)).flatten().unwrap_or_default();
    }
    apply_rules(&mut errs, &mut c.rules, input);
    if let Some(a) = input.active {
        c.active = a;
    }
    errs.into_result()?;
    query_of(actor, &c.filter)?;
    Ok(())
}

fn apply_rules(errs: &mut Errors, rules: &mut Rules, input: &CampaignInput) {
    let w = &mut rules.window;
    if let Some(h) = &input.calling_hours
        && let Some(hours) = errs.take("calling_hours", Hours::parse(&h.start, &h.end))
    {
        w.hours = hours;
    }
    if let Some(days) = &input.weekdays {
        let mut out = Vec::new();
        for (i, d) in days.iter().enumerate() {
            let text = match d {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            if let Some(n) = errs.take(&format!("weekdays[{i}]"), parse_weekday(&text))
                && !out.contains(&n)
            {
                out.push(n);
            }
        }
        out.sort_unstable();
        if out.is_empty() {
            errs.push("weekdays", "must allow at least one day");
        }
        w.weekdays = out;
    }
    if let Some(days) = &input.holidays {
        w.holidays = days
            .iter()
            .enumerate()
            .filter_map(|(i, d)| match NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d") {
                Ok(d) => Some(d),
                Err(_) => {
                    errs.push(format!("holidays[{i}]"), "must be a date (YYYY-MM-DD)");
                    None
                }
            })
            .collect();
    }
    if let Some(list) = &input.region_rules {
        w.rules = list
            .iter()
            .enumerate()
            .filter_map(|(i, r)| {
                let country =
                    errs.take(&format!("region_rules[{i}].country"), leadline_domain::Country::parse(&r.country))?;
                let hours = errs.take(&format!("region_rules[{i}]"), Hours::parse(&r.start, &r.end))?;
                let region = r.region.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_uppercase);
                Some(RegionRule { country: country.into_inner(), region, hours })
            })
            .collect();
    }
    if let Some(m) = input.max_attempts {
        if (1..=100).contains(&m) {
            rules.max_attempts = m;
        } else {
            errs.push("max_attempts", "must be between 1 and 100");
        }
    }
    if let Some(spacing) = &input.retry_spacing {
        for (k, v) in spacing {
            match Disposition::parse(k) {
                Ok(Disposition::DoNotCall) => {
                    errs.push(format!("retry_spacing.{k}"), "a do-not-call number is never called again");
                }
                Ok(d) => match (v, parse_spacing(v)) {
                    (Value::Null, _) => {
                        rules.retry_minutes.remove(d.as_str());
                    }
                    (_, Ok(m)) => {
                        rules.retry_minutes.insert(d.as_str().to_owned(), m);
                    }
                    (_, Err(e)) => errs.push(format!("retry_spacing.{k}"), e),
                },
                Err(e) => errs.push(format!("retry_spacing.{k}"), e.0),
            }
        }
    }
}

fn manages(actor: &Actor) -> Result<(), AppError> {
    if matches!(actor.user.role, Role::Admin | Role::Manager) {
        Ok(())
    } else {
        Err(AppError::Forbidden("only managers and admins can create or change campaigns".into()))
    }
}

pub async fn create(db: &Db, actor: &Actor, input: CampaignInput) -> Result<CampaignView, AppError> {
    manages(actor)?;
    if input.name.is_none() {
        return Err(AppError::field("name", "is required"));
    }
    let now = store::now();
    let mut c = Campaign {
        id: store::new_id(),
        org_id: actor.org_id(),
        name: String::new(),
        filter: BTreeMap::new(),
        assignees: Assignees::default(),
        playbook: String::new(),
        rules: Rules::default(),
        active: true,
        synced_at: now,
        created_by: Some(actor.user.id),
        created_at: now,
        updated_at: now,
    };
    let mut tx = db.write().await?;
    apply(&mut tx, actor, &mut c, &input).await?;
    store::campaigns::insert(&mut tx, &c).await?;
    let query = query_of(actor, &c.filter)?;
    queue::enqueue(&mut tx, c.id, &query).await?;
    audit::record(&mut tx, actor, subject(&c), "create", None, Some(&snapshot(&c))).await?;
    tx.commit().await?;
    Ok(CampaignView::from(&c))
}

fn subject(c: &Campaign) -> Subject<'static> {
    Subject { entity_type: "campaign", entity_id: c.id, lead_id: None }
}

fn snapshot(c: &Campaign) -> Map<String, Value> {
    match json!(CampaignView::from(c)) {
        Value::Object(mut m) => {
            m.remove("updated_at");
            m.remove("created_at");
            m
        }
        _ => Map::new(),
    }
}

/// May the actor work this campaign (call from it, edit its playbook)?
pub async fn works_on(tx: &mut Tx, actor: &Actor, c: &Campaign) -> Result<bool, AppError> {
    if matches!(actor.user.role, Role::Admin | Role::Manager) || c.assignees.users.contains(&actor.user.id) {
        return Ok(true);
    }
    if c.assignees.teams.is_empty() {
        return Ok(false);
    }
    let team = store::campaigns::team_of(tx, actor.user.id).await?;
    Ok(team.is_some_and(|t| c.assignees.teams.contains(&t)))
}

/// Loads a campaign the actor may see (managers all, reps those they work).
pub(crate) async fn load(tx: &mut Tx, actor: &Actor, id: Uuid) -> Result<Campaign, AppError> {
    let c = store::campaigns::get(tx, actor.org_id(), id).await?.ok_or(AppError::NotFound("campaign"))?;
    if works_on(tx, actor, &c).await? { Ok(c) } else { Err(AppError::NotFound("campaign")) }
}

pub async fn get(db: &Db, actor: &Actor, id: Uuid) -> Result<CampaignView, AppError> {
    let mut tx = db.read().await?;
    let c = load(&mut tx, actor, id).await?;
    tx.commit().await?;
    Ok(CampaignView::from(&c))
}

pub async fn list(db: &Db, actor: &Actor) -> Result<Vec<CampaignView>, AppError> {
    let mut tx = db.read().await?;
    let mut out = Vec::new();
    for c in store::campaigns::list(&mut tx, actor.org_id()).await? {
        if works_on(&mut tx, actor, &c).await? {
            out.push(CampaignView::from(&c));
        }
    }
    tx.commit().await?;
    Ok(out)
}

/// Changes a campaign. Reps who work it may change the playbook only.
pub async fn update(db: &Db, actor: &Actor, id: Uuid, input: CampaignInput) -> Result<CampaignView, AppError> {
    let mut tx = db.write().await?;
    let before = load(&mut tx, actor, id).await?;
    if !input.only_playbook() {
        manages(actor)?;
    }
    let mut c = before.clone();
    apply(&mut tx, actor, &mut c, &input).await?;
    c.updated_at = store::now();
    let refill = c.filter != before.filter;
    if refill {
        // Leads that no longer match leave when they come up; new matches join now.
        c.synced_at = c.updated_at;
    }
    store::campaigns::update(&mut tx, &c).await?;
    if refill {
        let query = query_of(actor, &c.filter)?;
        queue::enqueue(&mut tx, c.id, &query).await?;
    }
    audit::record(&mut tx, actor, subject(&c), "update", Some(&snapshot(&before)), Some(&snapshot(&c))).await?;
    tx.commit().await?;
    Ok(CampaignView::from(&c))
}

/// Adds leads that changed since the last catch-up and now match the filter, every
/// 30 seconds. One request claims each catch-up (the others, arriving meanwhile, go
/// on without waiting for it), and the claim writes only the time, never a campaign
/// a manager may be editing at the same moment.
pub(crate) async fn catch_up(tx: &mut Tx, actor: &Actor, c: &mut Campaign) -> Result<(), AppError> {
    const EVERY: Duration = Duration::seconds(30);
    let wall = store::now();
    if wall - c.synced_at < EVERY || !store::campaigns::claim_sync(tx, c.id, wall - EVERY, wall).await? {
        return Ok(());
    }
    let mut query = query_of(actor, &c.filter)?;
    query.updated_from = Some(c.synced_at - Duration::seconds(5));
    // The lead filter needs plans for its values; the dialer's own statements do not.
    tx.plans(store::Plans::Custom).await?;
    queue::enqueue(tx, c.id, &query).await?;
    tx.plans(store::Plans::Generic).await?;
    c.synced_at = wall;
    Ok(())
}
