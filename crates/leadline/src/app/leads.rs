//! Creating, reading, changing, deleting and finding leads.

use super::{
    Actor, AppError,
    audit::{self, Subject},
    contacts::{contact_from_input, derive_zones},
    error::Errors,
    input::{AddressInput, LeadPatch, NewLead},
};
use crate::store::{
    self, Db, Tx,
    leads::{Address, Lead},
    search::{After, LeadQuery, OwnerFilter, Page, SortKey},
};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use leadline_domain::{Country, LeadKind, LeadStatus, Phone, Region, search as terms, text, timezone};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use utoipa::IntoParams;
use uuid::Uuid;

/// The fields the audit log follows.
#[must_use]
pub fn snapshot(lead: &Lead) -> Map<String, Value> {
    let v = json!({
        "name": lead.name, "kind": lead.kind, "status": lead.status, "owner_id": lead.owner_id,
        "source": lead.source, "external_id": lead.external_id, "website": lead.website, "street": lead.address.street,
        "city": lead.address.city, "region": lead.address.region, "postcode": lead.address.postcode,
        "country": lead.address.country, "time_zones": lead.time_zones, "description": lead.description,
        "tags": lead.tags, "custom_fields": lead.custom_fields, "score": lead.score,
    });
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

fn subject(lead: &Lead) -> Subject<'static> {
    Subject { entity_type: "lead", entity_id: lead.id, lead_id: Some(lead.id) }
}

/// The organization's region for reading local phone numbers.
pub(crate) fn org_region(actor: &Actor) -> Option<Region> {
    Region::parse(&actor.org.default_region).ok()
}

pub async fn create(db: &Db, actor: &Actor, input: NewLead) -> Result<Lead, AppError> {
    let mut tx = db.write().await?;
    let lead = create_in(&mut tx, actor, input).await?;
    tx.commit().await?;
    Ok(lead)
}

/// Creates a lead within a transaction that the caller commits.
pub(crate) async fn create_in(tx: &mut Tx, actor: &Actor, input: NewLead) -> Result<Lead, AppError> {
    if !actor.user.role.creates_leads() {
        return Err(AppError::Forbidden("field reps cannot create leads".into()));
    }
    let now = store::now();
    let mut errs = Errors::default();
    let name = errs.take("name", text::required_line(input.name.as_deref().unwrap_or(""), 200));
    let kind = match input.kind.as_deref() {
        Some(k) => errs.take("kind", LeadKind::parse(k)),
        None => Some(LeadKind::Company),
    };
    let status = match input.status.as_deref() {
        Some(s) => errs.take("status", LeadStatus::parse(s)),
        None => Some(LeadStatus::New),
    };
    let source = errs.take("source", text::optional_line(input.source.as_deref(), 100)).flatten();
    let external_id = errs.take("external_id", text::optional_line(input.external_id.as_deref(), 200)).flatten();
    let website = errs.take("website", text::website(input.website.as_deref())).flatten();
    let description = errs.take("description", text::optional_block(input.description.as_deref(), 10_000)).flatten();
    let tags = errs.take("tags", text::tags(input.tags.iter().map(String::as_str))).unwrap_or_default();
    let flat = AddressInput {
        street: input.street.clone(),
        city: input.city.clone(),
        region: input.region.clone(),
        postcode: input.postcode.clone(),
        country: input.country.clone(),
    };
    let address = merge_address(&mut errs, &Address::default(), input.address.as_ref(), &flat_patch(&flat));
    let manual_zones = manual_zones(&mut errs, input.time_zone.as_deref(), input.time_zones.as_deref());
    let custom_fields = input.custom_fields.unwrap_or_default();
    let id = store::new_id();
    let region = org_region(actor);
    let contacts: Vec<_> = input
        .contacts
        .iter()
        .enumerate()
        .filter_map(|(i, c)| contact_from_input(&mut errs, &format!("contacts[{i}]"), c, region, id, now))
        .collect();
    let owner_id = match input.owner_id {
        Some(owner) => check_owner(tx, actor, &mut errs, owner).await?,
        None => Some(actor.user.id),
    };
    errs.into_result()?;
    let (Some(name), Some(kind), Some(status)) = (name, kind, status) else {
        unreachable!("validated above");
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
        time_zone_manual: manual_zones.is_some(),
        score: input.score.unwrap_or(0).clamp(-999_999, 999_999),
        time_zones: Vec::new(),
        description,
        tags,
        custom_fields,
        contacts: contacts.iter().map(|(c, _)| c.clone()).collect(),
        created_by: Some(actor.user.id),
        created_at: now,
        updated_at: now,
    };
    lead.time_zones =
        manual_zones.unwrap_or_else(|| derive_zones(&lead.address, contacts.first().and_then(|(_, p)| p.first())));
    store::leads::insert(tx, actor.org_id(), &lead).await?;
    store::leads::set_tags(tx, actor.org_id(), lead.id, &lead.tags).await?;
    for (contact, phones) in &contacts {
        store::contacts::insert(tx, actor.org_id(), contact, phones).await?;
    }
    store::leads::refresh_search(tx, &lead).await?;
    audit::record(tx, actor, subject(&lead), "create", None, Some(&snapshot(&lead))).await?;
    for (contact, _) in &contacts {
        audit::record(
            tx,
            actor,
            Subject { entity_type: "contact", entity_id: contact.id, lead_id: Some(lead.id) },
            "create",
            None,
            Some(&super::contacts::snapshot(contact)),
        )
        .await?;
    }
    let stored = store::leads::get(tx, actor.org_id(), lead.id).await?;
    stored.ok_or(AppError::NotFound("lead"))
}

/// An owner must be an active user of the same organization.
async fn check_owner(tx: &mut Tx, actor: &Actor, errs: &mut Errors, owner: Uuid) -> Result<Option<Uuid>, AppError> {
    match store::auth::user_in_org(tx, actor.org_id(), owner).await? {
        Some(u) if u.active => Ok(Some(u.id)),
        _ => {
            errs.push("owner_id", "is not a user of this organization");
            Ok(None)
        }
    }
}

fn manual_zones(errs: &mut Errors, one: Option<&str>, many: Option<&[String]>) -> Option<Vec<String>> {
    if let Some(zone) = one.filter(|z| !z.trim().is_empty()) {
        return errs.take("time_zone", timezone::parse_zone(zone)).map(|z| vec![z]);
    }
    let many = many.filter(|m| !m.is_empty())?;
    let mut out = Vec::new();
    for (i, z) in many.iter().enumerate() {
        if let Some(z) = errs.take(&format!("time_zones[{i}]"), timezone::parse_zone(z))
            && !out.contains(&z)
        {
            out.push(z);
        }
    }
    Some(out)
}

type AddressPatch = [Option<Option<String>>; 5];

fn flat_patch(a: &AddressInput) -> AddressPatch {
    [
        a.street.clone().map(Some),
        a.city.clone().map(Some),
        a.region.clone().map(Some),
        a.postcode.clone().map(Some),
        a.country.clone().map(Some),
    ]
}

/// Applies a nested `address` object and the flat address fields over `current`.
fn merge_address(errs: &mut Errors, current: &Address, nested: Option<&AddressInput>, flat: &AddressPatch) -> Address {
    let mut out = current.clone();
    let mut apply = |field: &str, slot: &mut Option<String>, value: Option<Option<String>>, max: usize| {
        if let Some(v) = value {
            *slot = errs.take(field, text::optional_line(v.as_deref(), max)).flatten();
        }
    };
    let nested_patch = nested.map(flat_patch).unwrap_or_default();
    let [ns, nc, nr, np, nco] = nested_patch;
    let [fs, fc, fr, fp, fco] = flat.clone();
    apply("address.street", &mut out.street, ns, 200);
    apply("address.city", &mut out.city, nc, 100);
    apply("address.region", &mut out.region, nr, 100);
    apply("address.postcode", &mut out.postcode, np, 20);
    apply("street", &mut out.street, fs, 200);
    apply("city", &mut out.city, fc, 100);
    apply("region", &mut out.region, fr, 100);
    apply("postcode", &mut out.postcode, fp, 20);
    for (field, value) in [("address.country", nco), ("country", fco)] {
        match value {
            Some(Some(c)) if !c.trim().is_empty() => {
                out.country = errs.take(field, Country::parse(&c)).map(Country::into_inner);
            }
            Some(_) => out.country = None,
            None => {}
        }
    }
    out
}

/// One lead of the actor's organization.
pub async fn get(db: &Db, actor: &Actor, id: Uuid) -> Result<Lead, AppError> {
    let mut tx = db.read().await?;
    let lead = store::leads::get(&mut tx, actor.org_id(), id).await?;
    tx.commit().await?;
    lead.ok_or(AppError::NotFound("lead"))
}

/// Loads a lead for changing and checks the actor may change it.
pub(crate) async fn load_editable(tx: &mut Tx, actor: &Actor, id: Uuid) -> Result<Lead, AppError> {
    let lead = store::leads::get(tx, actor.org_id(), id).await?.ok_or(AppError::NotFound("lead"))?;
    if !actor.user.role.edits_lead(lead.owner_id == Some(actor.user.id)) {
        return Err(AppError::Forbidden("field reps can only change leads they own".into()));
    }
    Ok(lead)
}

pub async fn update(db: &Db, actor: &Actor, id: Uuid, patch: LeadPatch) -> Result<Lead, AppError> {
    let mut tx = db.write().await?;
    let before = load_editable(&mut tx, actor, id).await?;
    let mut lead = before.clone();
    let mut errs = Errors::default();
    if let Some(name) = &patch.name {
        lead.name = errs.take("name", text::required_line(name, 200)).unwrap_or_default();
    }
    if let Some(kind) = &patch.kind {
        lead.kind = errs.take("kind", LeadKind::parse(kind)).unwrap_or(lead.kind);
    }
    if let Some(status) = &patch.status {
        lead.status = errs.take("status", LeadStatus::parse(status)).unwrap_or(lead.status);
    }
    if let Some(owner) = patch.owner_id {
        if actor.user.role == leadline_domain::Role::FieldRep && owner != Some(actor.user.id) {
            return Err(AppError::Forbidden("field reps cannot give leads to others".into()));
        }
        lead.owner_id = match owner {
            Some(o) => check_owner(&mut tx, actor, &mut errs, o).await?,
            None => None,
        };
    }
    if let Some(external_id) = &patch.external_id {
        lead.external_id = errs.take("external_id", text::optional_line(external_id.as_deref(), 200)).flatten();
    }
    if let Some(source) = &patch.source {
        lead.source = errs.take("source", text::optional_line(source.as_deref(), 100)).flatten();
    }
    if let Some(website) = &patch.website {
        lead.website = errs.take("website", text::website(website.as_deref())).flatten();
    }
    if let Some(d) = &patch.description {
        lead.description = errs.take("description", text::optional_block(d.as_deref(), 10_000)).flatten();
    }
    if let Some(score) = patch.score {
        lead.score = score.clamp(-999_999, 999_999);
    }
    if let Some(tags) = &patch.tags {
        lead.tags = errs.take("tags", text::tags(tags.iter().map(String::as_str))).unwrap_or_default();
    }
    if let Some(cf) = &patch.custom_fields {
        lead.custom_fields.clone_from(cf);
    }
    let flat =
        [patch.street.clone(), patch.city.clone(), patch.region.clone(), patch.postcode.clone(), patch.country.clone()];
    lead.address = merge_address(&mut errs, &lead.address, patch.address.as_ref(), &flat);
    lead.sync_address();
    let zone_patch = match (&patch.time_zone, &patch.time_zones) {
        (Some(Some(z)), _) => Some(manual_zones(&mut errs, Some(z), None)),
        (_, Some(Some(zs))) => Some(manual_zones(&mut errs, None, Some(zs))),
        (Some(None), _) | (_, Some(None)) => Some(None),
        (None, None) => None,
    };
    errs.into_result()?;
    match zone_patch {
        Some(Some(zones)) => {
            lead.time_zones = zones;
            lead.time_zone_manual = true;
        }
        Some(None) => lead.time_zone_manual = false,
        None => {}
    }
    if !lead.time_zone_manual {
        lead.time_zones = zones_from_contacts(&lead);
    }
    lead.updated_at = store::now();
    store::leads::update(&mut tx, actor.org_id(), &lead).await?;
    if patch.tags.is_some() {
        store::leads::set_tags(&mut tx, actor.org_id(), lead.id, &lead.tags).await?;
    }
    if lead.name != before.name {
        store::leads::refresh_search(&mut tx, &lead).await?;
    }
    audit::record(&mut tx, actor, subject(&lead), "update", Some(&snapshot(&before)), Some(&snapshot(&lead))).await?;
    let stored = store::leads::get(&mut tx, actor.org_id(), lead.id).await?;
    tx.commit().await?;
    stored.ok_or(AppError::NotFound("lead"))
}

/// Zones derived from the first phone of the first contact, else from the address.
pub(crate) fn zones_from_contacts(lead: &Lead) -> Vec<String> {
    let first = lead.contacts.iter().flat_map(|c| c.phones.first()).next();
    let phone = first.and_then(|p| Phone::from_e164(&p.e164, p.kind).ok());
    derive_zones(&lead.address, phone.as_ref())
}

pub async fn delete(db: &Db, actor: &Actor, id: Uuid) -> Result<(), AppError> {
    let mut tx = db.write().await?;
    let lead = store::leads::get(&mut tx, actor.org_id(), id).await?.ok_or(AppError::NotFound("lead"))?;
    if !actor.user.role.deletes_leads() {
        return Err(AppError::Forbidden("only admins and managers can delete leads".into()));
    }
    store::leads::delete(&mut tx, actor.org_id(), id).await?;
    audit::record(&mut tx, actor, subject(&lead), "delete", Some(&snapshot(&lead)), None).await?;
    tx.commit().await?;
    Ok(())
}

/// Query parameters of a lead list, shared by the API and the web page.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Free text over lead names, contact names, e-mails and phone numbers (digits in any format).
    pub q: Option<String>,
    /// One status or several separated by commas.
    pub status: Option<String>,
    /// A user id, e-mail or name, `me`, or `unassigned`.
    pub owner: Option<String>,
    /// One tag or several separated by commas (all must match).
    pub tag: Option<String>,
    /// ISO 3166-1 alpha-2 code (or country name); several separated by commas.
    pub country: Option<String>,
    /// `company` or `person`.
    pub kind: Option<String>,
    /// Created on or after (date `2026-01-31` or RFC 3339 time).
    pub created_from: Option<String>,
    /// Created before the end of this date (or before this RFC 3339 time).
    pub created_to: Option<String>,
    /// `created`, `updated` or `name`; prefix `-` for descending. Default `-created`.
    pub sort: Option<String>,
    /// `asc` or `desc`, overriding the `-` prefix.
    pub order: Option<String>,
    /// 1–200, default 50.
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl ListParams {
    /// Reads a query string. Repeated `status` and `tag` parameters add up
    /// (`status=new&status=lost` = `status=new,lost`); `owner_id`, `created_after`,
    /// `created_before` and `per_page` are accepted as other names; a `limit` that is not a
    /// number is reported as a field error.
    pub fn from_query(raw: Option<&str>) -> Result<Self, AppError> {
        let mut p = ListParams::default();
        let mut errs = Errors::default();
        for pair in raw.unwrap_or("").split('&').filter(|s| !s.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let key = crate::web::urldecode(k);
            let value = crate::web::urldecode(v);
            let append = |slot: &mut Option<String>, v: String| match slot {
                Some(existing) if !existing.is_empty() && !v.is_empty() => existing.push_str(&format!(",{v}")),
                _ => *slot = Some(v),
            };
            match key.as_str() {
                "q" | "search" => p.q = Some(value),
                "status" | "status[]" => append(&mut p.status, value),
                "tag" | "tags" | "tag[]" => append(&mut p.tag, value),
                "owner" | "owner_id" => p.owner = Some(value),
                "country" => p.country = Some(value),
                "kind" => p.kind = Some(value),
                "created_from" | "created_after" | "created_since" => p.created_from = Some(value),
                "created_to" | "created_before" | "created_until" => p.created_to = Some(value),
                "sort" => p.sort = Some(value),
                "order" | "direction" => p.order = Some(value),
                "cursor" => p.cursor = Some(value),
                "limit" | "per_page" => match value.trim().parse::<u32>() {
                    Ok(n) => p.limit = Some(n),
                    Err(_) if value.trim().is_empty() => {}
                    Err(_) => errs.push("limit", "must be a whole number between 1 and 200"),
                },
                _ => {}
            }
        }
        errs.into_result()?;
        Ok(p)
    }

    /// The parameters as a query string (for links that keep the view).
    #[must_use]
    pub fn to_query_string(&self, cursor: Option<&str>) -> String {
        query_string(
            &[
                ("q", &self.q),
                ("status", &self.status),
                ("owner", &self.owner),
                ("tag", &self.tag),
                ("country", &self.country),
                ("kind", &self.kind),
                ("created_from", &self.created_from),
                ("created_to", &self.created_to),
                ("sort", &self.sort),
                ("order", &self.order),
            ],
            cursor,
        )
    }
}

/// `k=v&…` of the parameters that are set, then the cursor (for links that keep a view).
#[must_use]
pub fn query_string(params: &[(&str, &Option<String>)], cursor: Option<&str>) -> String {
    let mut parts = Vec::new();
    for (k, v) in params {
        if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
            parts.push(format!("{k}={}", crate::web::urlencode(v)));
        }
    }
    if let Some(c) = cursor {
        parts.push(format!("cursor={c}"));
    }
    parts.join("&")
}

/// Lets the owner filter name a user by e-mail or name as well as by id
/// (`owner=rita@example.com`): replaces the name with the user's id.
pub async fn name_owner(db: &Db, actor: &Actor, p: &mut ListParams) -> Result<(), AppError> {
    if owner_by_name(p.owner.as_deref()).is_none() {
        return Ok(());
    }
    let mut tx = db.read().await?;
    let users = store::auth::users_in_org(&mut tx, actor.org_id()).await?;
    tx.commit().await?;
    resolve_owner(&users, &mut p.owner).map_err(|e| AppError::field("owner", e))
}

/// The owner filter's value when it names a user by e-mail or name (not by id, `me`, ...).
#[must_use]
pub fn owner_by_name(owner: Option<&str>) -> Option<&str> {
    owner
        .map(str::trim)
        .filter(|v| !v.is_empty() && !matches!(*v, "any" | "me" | "unassigned" | "none") && Uuid::parse_str(v).is_err())
}

/// Replaces an owner filter naming a user by e-mail or name with the user's id.
pub fn resolve_owner(users: &[store::auth::User], owner: &mut Option<String>) -> Result<(), String> {
    let Some(named) = owner_by_name(owner.as_deref()) else { return Ok(()) };
    match users.iter().find(|u| u.email.eq_ignore_ascii_case(named) || u.name.eq_ignore_ascii_case(named)) {
        Some(u) => {
            *owner = Some(u.id.to_string());
            Ok(())
        }
        None => Err(format!("no user '{named}' in this organization")),
    }
}

/// Turns list parameters into a query, naming any parameter that is wrong.
pub fn parse_query(actor: &Actor, p: &ListParams) -> Result<LeadQuery, AppError> {
    let mut errs = Errors::default();
    let blank = |v: &Option<String>| v.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned);
    let mut statuses = Vec::new();
    for s in blank(&p.status).iter().flat_map(|s| s.split(',').map(str::to_owned).collect::<Vec<_>>()) {
        if let Some(s) = errs.take("status", LeadStatus::parse(&s)) {
            statuses.push(s);
        }
    }
    let owner = match blank(&p.owner).as_deref() {
        None | Some("any") => None,
        Some("me") => Some(OwnerFilter::User(actor.user.id)),
        Some("unassigned" | "none") => Some(OwnerFilter::Unassigned),
        Some(id) => match Uuid::parse_str(id) {
            Ok(id) => Some(OwnerFilter::User(id)),
            Err(_) => {
                errs.push("owner", "must be a user id, e-mail or name, 'me' or 'unassigned'");
                None
            }
        },
    };
    let tags = match blank(&p.tag) {
        Some(t) => errs.take("tag", text::tags(t.split(','))).unwrap_or_default(),
        None => Vec::new(),
    };
    let mut countries: Vec<String> = Vec::new();
    for c in blank(&p.country).iter().flat_map(|c| c.split(',').map(str::trim).filter(|c| !c.is_empty())) {
        if let Some(c) = errs.take("country", Country::parse(c)).map(Country::into_inner)
            && !countries.contains(&c)
        {
            countries.push(c);
        }
    }
    let kind = blank(&p.kind).and_then(|k| errs.take("kind", LeadKind::parse(&k))).map(|k| k.as_str().to_owned());
    let created_from = blank(&p.created_from).and_then(|v| errs.take("created_from", parse_time(&v, false, Tz::UTC)));
    let created_to = blank(&p.created_to).and_then(|v| errs.take("created_to", parse_time(&v, true, Tz::UTC)));
    let sort_raw = blank(&p.sort).unwrap_or_else(|| "-created".into());
    let (mut descending, key) = match sort_raw.strip_prefix('-') {
        Some(k) => (true, k.to_owned()),
        None => (false, sort_raw.clone()),
    };
    let sort = match key.as_str() {
        "created" | "created_at" => SortKey::Created,
        "updated" | "updated_at" => SortKey::Updated,
        "name" => SortKey::Name,
        _ => {
            errs.push("sort", "must be created, updated or name (prefix - for descending)");
            SortKey::Created
        }
    };
    match blank(&p.order).as_deref() {
        Some("asc") => descending = false,
        Some("desc") => descending = true,
        Some(_) => errs.push("order", "must be asc or desc"),
        None => {}
    }
    let limit = p.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        errs.push("limit", "must be between 1 and 200");
    }
    let after = match blank(&p.cursor) {
        Some(c) => match decode_cursor(&c, sort) {
            Some(a) => Some(a),
            None => {
                errs.push("cursor", "is not a cursor of this list (it belongs to another sort order or was altered)");
                None
            }
        },
        None => None,
    };
    errs.into_result()?;
    let q = blank(&p.q);
    let q_phone_digits = q.as_deref().and_then(terms::phone_digits).and_then(|_| {
        Phone::parse(q.as_deref().unwrap_or(""), org_region(actor), None).ok().map(|p| p.digits().to_owned())
    });
    Ok(LeadQuery {
        org: actor.org_id(),
        q,
        q_phone_digits,
        statuses,
        owner,
        tags,
        countries,
        kind,
        created_from,
        created_to,
        updated_from: None,
        sort,
        descending,
        after,
        limit: limit.clamp(1, 200),
    })
}

/// A bound of a time range: an RFC 3339 time, or a date meaning the start of that day in
/// `zone` (with `end_of_day`, the start of the next, so that the day is included).
pub(crate) fn parse_time(v: &str, end_of_day: bool, zone: Tz) -> Result<DateTime<Utc>, leadline_domain::Invalid> {
    if let Ok(t) = DateTime::parse_from_rfc3339(v) {
        return Ok(t.with_timezone(&Utc));
    }
    let date = NaiveDate::parse_from_str(v, "%Y-%m-%d")
        .map_err(|_| leadline_domain::Invalid::new("must be a date (YYYY-MM-DD) or an RFC 3339 time"))?;
    let date = if end_of_day { date.succ_opt().unwrap_or(date) } else { date };
    let midnight = date.and_hms_opt(0, 0, 0).unwrap_or_default();
    // A day whose midnight falls in a DST gap starts an hour later, when the clocks resume.
    let start = zone
        .from_local_datetime(&midnight)
        .earliest()
        .or_else(|| zone.from_local_datetime(&(midnight + chrono::Duration::hours(1))).earliest());
    Ok(start.map_or_else(|| midnight.and_utc(), |t| t.with_timezone(&Utc)))
}

/// A page of leads for the actor.
pub async fn list(db: &Db, query: &LeadQuery) -> Result<Page, AppError> {
    let mut tx = db.read().await?;
    let page = store::search::list(&mut tx, query).await?;
    tx.commit().await?;
    Ok(page)
}

/// How many leads match, up to `cap`.
pub async fn count(db: &Db, query: &LeadQuery, cap: i64) -> Result<i64, AppError> {
    let mut tx = db.read().await?;
    let n = store::search::count(&mut tx, query, cap).await?;
    tx.commit().await?;
    Ok(n)
}

/// An opaque cursor for the position after `after` in a list sorted by `sort`.
#[must_use]
pub fn encode_cursor(sort: SortKey, after: &After) -> String {
    let raw = match after {
        After::Time(t, id) => format!("{}|t|{}|{id}", sort.as_str(), t.to_rfc3339()),
        After::Text(s, id) => format!("{}|s|{s}|{id}", sort.as_str()),
    };
    hex::encode(raw)
}

fn decode_cursor(c: &str, sort: SortKey) -> Option<After> {
    let raw = String::from_utf8(hex::decode(c).ok()?).ok()?;
    let (key, rest) = raw.split_once('|')?;
    if key != sort.as_str() {
        return None;
    }
    let (kind, rest) = rest.split_once('|')?;
    let (value, id) = rest.rsplit_once('|')?;
    let id = Uuid::parse_str(id).ok()?;
    match kind {
        "t" => Some(After::Time(DateTime::parse_from_rfc3339(value).ok()?.with_timezone(&Utc), id)),
        "s" => Some(After::Text(value.to_owned(), id)),
        _ => None,
    }
}
