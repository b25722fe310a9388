//! Contacts: the people at a lead, their phones and e-mails.

use super::{
    Actor, AppError,
    audit::{self, Subject},
    error::Errors,
    input::{ContactPatch, NewContact, PhoneInput},
    leads::{load_editable, org_region, zones_from_contacts},
};
use crate::store::{self, Db, Tx, contacts::Contact, leads::Address};
use chrono::{DateTime, Utc};
use leadline_domain::{Email, Phone, PhoneType, Region, text, timezone};
use serde_json::{Map, Value, json};
use uuid::Uuid;

/// The fields of a contact the audit log follows.
#[must_use]
pub fn snapshot(c: &Contact) -> Map<String, Value> {
    let phones: Vec<&str> = c.phones.iter().map(|p| p.e164.as_str()).collect();
    match json!({
        "name": c.name, "title": c.title, "phones": phones, "emails": c.emails,
        "do_not_call": c.do_not_call, "do_not_email": c.do_not_email,
    }) {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// Zones for a lead: the first phone's prefix, else the address.
#[must_use]
pub fn derive_zones(address: &Address, first_phone: Option<&Phone>) -> Vec<String> {
    if let Some(phone) = first_phone {
        let zones = timezone::zones_for_phone(phone.e164());
        if !zones.is_empty() {
            return zones;
        }
    }
    address.country.as_deref().map(|c| timezone::zones_for_address(c, address.region.as_deref())).unwrap_or_default()
}

/// Parses a list of phone inputs under `field`, dropping repeats of one number.
pub(crate) fn parse_phones(
    errs: &mut Errors,
    field: &str,
    inputs: &[PhoneInput],
    region: Option<Region>,
) -> Vec<Phone> {
    let mut out: Vec<Phone> = Vec::new();
    for (i, input) in inputs.iter().enumerate() {
        let (number, kind, extension) = input.parts();
        let f = format!("{field}[{i}]");
        let kind = match kind {
            Some(k) => match errs.take(&format!("{f}.type"), PhoneType::parse(k)) {
                Some(k) => Some(k),
                None => continue,
            },
            None => None,
        };
        let extension = extension.map(str::trim).filter(|e| !e.is_empty());
        if let Some(ext) = extension
            && !ext.chars().all(|c| c.is_ascii_digit() || c.is_whitespace())
        {
            errs.push(format!("{f}.extension"), format!("'{ext}' is not an extension: digits only"));
            continue;
        }
        if let Some(p) = errs.take(&f, Phone::parse(number, region, kind))
            && !out.iter().any(|o| o.e164() == p.e164())
        {
            out.push(if extension.is_some() { p.with_extension(extension) } else { p });
        }
    }
    out
}

pub(crate) fn parse_emails(errs: &mut Errors, field: &str, inputs: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (i, raw) in inputs.iter().enumerate() {
        if let Some(e) = errs.take(&format!("{field}[{i}]"), Email::parse(raw)) {
            let e = e.into_inner();
            if !out.contains(&e) {
                out.push(e);
            }
        }
    }
    out
}

/// Validates a new contact; errors are recorded under `prefix` (e.g. `contacts[0]`).
pub(crate) fn contact_from_input(
    errs: &mut Errors,
    prefix: &str,
    input: &NewContact,
    region: Option<Region>,
    lead_id: Uuid,
    now: DateTime<Utc>,
) -> Option<(Contact, Vec<Phone>)> {
    let field = |f: &str| if prefix.is_empty() { f.to_owned() } else { format!("{prefix}.{f}") };
    let before = errs.0.len();
    let name = errs.take(&field("name"), text::required_line(input.name.as_deref().unwrap_or(""), 200));
    let title = errs.take(&field("title"), text::optional_line(input.title.as_deref(), 200)).flatten();
    let phones = parse_phones(errs, &field("phones"), &input.phones, region);
    let emails = parse_emails(errs, &field("emails"), &input.emails);
    if errs.0.len() > before {
        return None;
    }
    let contact = Contact {
        id: store::new_id(),
        lead_id,
        name: name?,
        title,
        phones: phones.iter().map(Into::into).collect(),
        emails,
        do_not_call: input.do_not_call,
        do_not_email: input.do_not_email,
        created_at: now,
        updated_at: now,
    };
    Some((contact, phones))
}

/// After a contact changed: the lead's search text, derived zones and `updated_at`.
async fn after_contact_change(tx: &mut Tx, actor: &Actor, lead_id: Uuid) -> Result<(), AppError> {
    let mut lead = store::leads::get(tx, actor.org_id(), lead_id).await?.ok_or(AppError::NotFound("lead"))?;
    store::leads::refresh_search(tx, &lead).await?;
    let before_zones = lead.time_zones.clone();
    lead.updated_at = store::now();
    if !lead.time_zone_manual {
        lead.time_zones = zones_from_contacts(&lead);
    }
    if lead.time_zones == before_zones {
        store::leads::touch(tx, actor.org_id(), lead.id, lead.updated_at).await?;
    } else {
        store::leads::update(tx, actor.org_id(), &lead).await?;
    }
    store::queue::recheck_lead(tx, lead_id).await?;
    Ok(())
}

fn subject(c: &Contact) -> Subject<'static> {
    Subject { entity_type: "contact", entity_id: c.id, lead_id: Some(c.lead_id) }
}

pub async fn create(db: &Db, actor: &Actor, lead_id: Uuid, input: NewContact) -> Result<Contact, AppError> {
    let mut tx = db.write().await?;
    load_editable(&mut tx, actor, lead_id).await?;
    let mut errs = Errors::default();
    let parsed = contact_from_input(&mut errs, "", &input, org_region(actor), lead_id, store::now());
    errs.into_result()?;
    let (contact, phones) = parsed.ok_or_else(|| AppError::field("name", "must not be empty"))?;
    store::contacts::insert(&mut tx, actor.org_id(), &contact, &phones).await?;
    after_contact_change(&mut tx, actor, lead_id).await?;
    audit::record(&mut tx, actor, subject(&contact), "create", None, Some(&snapshot(&contact))).await?;
    tx.commit().await?;
    Ok(contact)
}

/// A contact of the actor's organization, with the lead it belongs to.
async fn load(tx: &mut Tx, actor: &Actor, id: Uuid) -> Result<Contact, AppError> {
    let lead_id = store::contacts::lead_of(tx, actor.org_id(), id).await?.ok_or(AppError::NotFound("contact"))?;
    let mut by_lead = store::contacts::for_leads(tx, &[lead_id]).await?;
    by_lead.remove(&lead_id).and_then(|cs| cs.into_iter().find(|c| c.id == id)).ok_or(AppError::NotFound("contact"))
}

pub async fn get(db: &Db, actor: &Actor, id: Uuid) -> Result<Contact, AppError> {
    let mut tx = db.read().await?;
    let c = load(&mut tx, actor, id).await?;
    tx.commit().await?;
    Ok(c)
}

pub async fn update(db: &Db, actor: &Actor, id: Uuid, patch: ContactPatch) -> Result<Contact, AppError> {
    let mut tx = db.write().await?;
    let before = load(&mut tx, actor, id).await?;
    load_editable(&mut tx, actor, before.lead_id).await?;
    let mut c = before.clone();
    let mut errs = Errors::default();
    if let Some(name) = &patch.name {
        c.name = errs.take("name", text::required_line(name, 200)).unwrap_or_default();
    }
    if let Some(title) = &patch.title {
        c.title = errs.take("title", text::optional_line(title.as_deref(), 200)).flatten();
    }
    let region = org_region(actor);
    let phones = match &patch.phones {
        Some(p) => parse_phones(&mut errs, "phones", p, region),
        None => c.phones.iter().filter_map(crate::store::contacts::ContactPhone::to_phone).collect(),
    };
    if let Some(emails) = &patch.emails {
        c.emails = parse_emails(&mut errs, "emails", emails);
    }
    if let Some(v) = patch.do_not_call {
        c.do_not_call = v;
    }
    if let Some(v) = patch.do_not_email {
        c.do_not_email = v;
    }
    errs.into_result()?;
    c.phones = phones.iter().map(Into::into).collect();
    c.updated_at = store::now();
    store::contacts::update(&mut tx, actor.org_id(), &c, &phones).await?;
    after_contact_change(&mut tx, actor, c.lead_id).await?;
    audit::record(&mut tx, actor, subject(&c), "update", Some(&snapshot(&before)), Some(&snapshot(&c))).await?;
    tx.commit().await?;
    Ok(c)
}

pub async fn delete(db: &Db, actor: &Actor, id: Uuid) -> Result<(), AppError> {
    let mut tx = db.write().await?;
    let c = load(&mut tx, actor, id).await?;
    load_editable(&mut tx, actor, c.lead_id).await?;
    store::contacts::delete(&mut tx, actor.org_id(), id).await?;
    after_contact_change(&mut tx, actor, c.lead_id).await?;
    audit::record(&mut tx, actor, subject(&c), "delete", Some(&snapshot(&c)), None).await?;
    tx.commit().await?;
    Ok(())
}
