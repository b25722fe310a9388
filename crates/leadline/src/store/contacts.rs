//! Contacts: the people at a lead, with their phones and e-mails.

use super::Tx;
use crate::on_tx;
use anyhow::Context;
use chrono::{DateTime, Utc};
use leadline_domain::{Phone, PhoneType};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use utoipa::ToSchema;
use uuid::Uuid;

/// A phone number of a contact.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ContactPhone {
    /// E.164 form, e.g. `+12065550100`.
    pub number: String,
    /// The same E.164 form, under its own name.
    pub e164: String,
    #[serde(rename = "type")]
    #[schema(value_type = String, example = "mobile")]
    pub kind: PhoneType,
    /// The extension to dial once the call connects ("12"); absent when the number has none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(example = "12")]
    pub extension: Option<String>,
}

impl From<&Phone> for ContactPhone {
    fn from(p: &Phone) -> Self {
        Self {
            number: p.e164().to_owned(),
            e164: p.e164().to_owned(),
            kind: p.kind(),
            extension: p.extension().map(str::to_owned),
        }
    }
}

impl ContactPhone {
    /// The stored number as a [`Phone`] again, with its extension.
    #[must_use]
    pub fn to_phone(&self) -> Option<Phone> {
        Phone::from_e164(&self.e164, self.kind).ok().map(|p| p.with_extension(self.extension.as_deref()))
    }

    /// The number as people read it, with its extension ("+1 212-555-0100 ext. 12").
    #[must_use]
    pub fn display(&self) -> String {
        let number = leadline_domain::phone::display_e164(&self.e164);
        match &self.extension {
            Some(ext) => format!("{number} ext. {ext}"),
            None => number,
        }
    }

    /// The number as a person types it, with its extension ("+12125550100 x12").
    #[must_use]
    pub fn written(&self) -> String {
        match &self.extension {
            Some(ext) => format!("{} x{ext}", self.e164),
            None => self.e164.clone(),
        }
    }
}

/// A person at a lead.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Contact {
    pub id: Uuid,
    pub lead_id: Uuid,
    pub name: String,
    pub title: Option<String>,
    pub phones: Vec<ContactPhone>,
    /// Lower-cased addresses.
    pub emails: Vec<String>,
    pub do_not_call: bool,
    pub do_not_email: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Inserts the contact with its phones and e-mails.
pub async fn insert(tx: &mut Tx, org: Uuid, contact: &Contact, phones: &[Phone]) -> anyhow::Result<()> {
    on_tx!(tx, |c| sqlx::query(
        "INSERT INTO contacts (id, org_id, lead_id, name, title, do_not_call, do_not_email, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
    )
    .bind(contact.id)
    .bind(org)
    .bind(contact.lead_id)
    .bind(&contact.name)
    .bind(&contact.title)
    .bind(contact.do_not_call)
    .bind(contact.do_not_email)
    .bind(contact.created_at)
    .bind(contact.updated_at)
    .execute(c)
    .await
    .map(drop))
    .context("inserting contact")?;
    write_channels(tx, org, contact, phones).await
}

/// Updates the contact and replaces its phones and e-mails.
pub async fn update(tx: &mut Tx, org: Uuid, contact: &Contact, phones: &[Phone]) -> anyhow::Result<()> {
    on_tx!(tx, |c| {
        sqlx::query(
            "UPDATE contacts SET name = $1, title = $2, do_not_call = $3, do_not_email = $4, updated_at = $5
             WHERE id = $6 AND org_id = $7",
        )
        .bind(&contact.name)
        .bind(&contact.title)
        .bind(contact.do_not_call)
        .bind(contact.do_not_email)
        .bind(contact.updated_at)
        .bind(contact.id)
        .bind(org)
        .execute(&mut *c)
        .await?;
        sqlx::query("DELETE FROM contact_phones WHERE contact_id = $1").bind(contact.id).execute(&mut *c).await?;
        sqlx::query("DELETE FROM contact_emails WHERE contact_id = $1").bind(contact.id).execute(&mut *c).await?;
        Ok::<_, sqlx::Error>(())
    })
    .context("updating contact")?;
    write_channels(tx, org, contact, phones).await
}

async fn write_channels(tx: &mut Tx, org: Uuid, contact: &Contact, phones: &[Phone]) -> anyhow::Result<()> {
    on_tx!(tx, |c| {
        for (position, phone) in (0_i32..).zip(phones) {
            sqlx::query(
                "INSERT INTO contact_phones (contact_id, position, org_id, lead_id, e164, kind, digits, national, national_reversed, extension)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            )
            .bind(contact.id)
            .bind(position)
            .bind(org)
            .bind(contact.lead_id)
            .bind(phone.e164())
            .bind(phone.kind().as_str())
            .bind(phone.digits())
            .bind(phone.national())
            .bind(phone.national().chars().rev().collect::<String>())
            .bind(phone.extension())
            .execute(&mut *c)
            .await?;
        }
        for (position, email) in (0_i32..).zip(&contact.emails) {
            sqlx::query(
                "INSERT INTO contact_emails (contact_id, position, org_id, lead_id, email) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(contact.id)
            .bind(position)
            .bind(org)
            .bind(contact.lead_id)
            .bind(email)
            .execute(&mut *c)
            .await?;
        }
        Ok::<_, sqlx::Error>(())
    })
    .context("storing phones and e-mails")
}

pub async fn delete(tx: &mut Tx, org: Uuid, id: Uuid) -> anyhow::Result<()> {
    on_tx!(tx, |c| sqlx::query("DELETE FROM contacts WHERE id = $1 AND org_id = $2")
        .bind(id)
        .bind(org)
        .execute(c)
        .await
        .map(drop))
    .context("deleting contact")
}

/// The contacts of these leads, oldest first, with phones and e-mails, by lead id.
pub async fn for_leads(tx: &mut Tx, lead_ids: &[Uuid]) -> anyhow::Result<HashMap<Uuid, Vec<Contact>>> {
    Ok(details(tx, lead_ids, false, None).await?.contacts)
}

/// What [`details`] reads for a set of leads.
#[derive(Debug, Default)]
pub struct Details {
    /// Contacts by lead id, oldest first, with phones and e-mails in their order.
    pub contacts: HashMap<Uuid, Vec<Contact>>,
    /// Tags by lead id, alphabetically.
    pub tags: HashMap<Uuid, Vec<String>>,
    /// The contacts' numbers on the do-not-call list, when asked for.
    pub suppressed: HashSet<String>,
}

/// One row of [`details`]' statement: a contact (`what` = 0), a phone (1, or 2 when
/// the number is suppressed), an e-mail (3) or a tag (4).
#[derive(sqlx::FromRow)]
struct DetailRow {
    lead_id: Uuid,
    contact_id: Option<Uuid>,
    what: i32,
    value: String,
    extra: Option<String>,
    /// A phone's extension.
    extension: Option<String>,
    do_not_call: i32,
    do_not_email: i32,
    created_at: Option<DateTime<Utc>>,
    updated_at: Option<DateTime<Utc>>,
}

/// The contacts of these leads with their phones and e-mails, when `with_tags` their
/// tags, and when `suppressed_in` is an organization which of the numbers are on its
/// do-not-call list — in one statement (one round trip: the lead page, lists and the
/// dialer's next lead all wait for it).
pub async fn details(
    tx: &mut Tx,
    lead_ids: &[Uuid],
    with_tags: bool,
    suppressed_in: Option<Uuid>,
) -> anyhow::Result<Details> {
    let mut out = Details::default();
    if lead_ids.is_empty() {
        return Ok(out);
    }
    let rows: Vec<DetailRow> = on_tx!(tx, |c| {
        let mut q = sqlx::QueryBuilder::new("");
        let leads_in = |q: &mut sqlx::QueryBuilder<_>| super::push_ids(q, lead_ids);
        q.push(
            "SELECT c.lead_id, c.id AS contact_id, 0 AS what, 0 AS position, c.name AS value, c.title AS extra, CAST(NULL AS TEXT) AS extension, \
             CASE WHEN c.do_not_call THEN 1 ELSE 0 END AS do_not_call, \
             CASE WHEN c.do_not_email THEN 1 ELSE 0 END AS do_not_email, c.created_at, c.updated_at \
             FROM contacts c WHERE c.lead_id IN (",
        );
        leads_in(&mut q);
        q.push(" UNION ALL SELECT c.lead_id, c.id, ");
        match suppressed_in {
            // Suppressed numbers are stored as their E.164 digits, as an integer.
            Some(org) => {
                q.push("CASE WHEN EXISTS (SELECT 1 FROM suppressions s WHERE s.org_id = ")
                    .push_bind(org)
                    .push(" AND s.number = CAST(p.digits AS BIGINT)) THEN 2 ELSE 1 END");
            }
            None => {
                q.push("1");
            }
        }
        q.push(
            ", p.position, p.e164, p.kind, p.extension, 0, 0, NULL, NULL \
             FROM contacts c JOIN contact_phones p ON p.contact_id = c.id WHERE c.lead_id IN (",
        );
        leads_in(&mut q);
        q.push(
            " UNION ALL SELECT c.lead_id, c.id, 3, e.position, e.email, NULL, NULL, 0, 0, NULL, NULL \
             FROM contacts c JOIN contact_emails e ON e.contact_id = c.id WHERE c.lead_id IN (",
        );
        leads_in(&mut q);
        if with_tags {
            q.push(" UNION ALL SELECT t.lead_id, NULL, 4, 0, t.tag, NULL, NULL, 0, 0, NULL, NULL FROM lead_tags t WHERE t.lead_id IN (");
            leads_in(&mut q);
        }
        // Contacts come oldest first, phones and e-mails in their order, tags by name.
        q.push(" ORDER BY position, created_at, contact_id, value");
        q.build_query_as().fetch_all(&mut *c).await
    })
    .context("loading contacts")?;

    let mut contacts: Vec<Contact> = Vec::new();
    let mut phones: HashMap<Uuid, Vec<ContactPhone>> = HashMap::new();
    let mut emails: HashMap<Uuid, Vec<String>> = HashMap::new();
    for r in rows {
        match (r.what, r.contact_id) {
            (0, Some(id)) => {
                let created_at = r.created_at.unwrap_or_default();
                contacts.push(Contact {
                    id,
                    lead_id: r.lead_id,
                    name: r.value,
                    title: r.extra,
                    phones: Vec::new(),
                    emails: Vec::new(),
                    do_not_call: r.do_not_call != 0,
                    do_not_email: r.do_not_email != 0,
                    created_at,
                    updated_at: r.updated_at.unwrap_or(created_at),
                });
            }
            (1 | 2, Some(id)) => {
                if r.what == 2 {
                    out.suppressed.insert(r.value.clone());
                }
                let kind = r.extra.as_deref().and_then(|k| PhoneType::parse(k).ok()).unwrap_or(PhoneType::Other);
                phones.entry(id).or_default().push(ContactPhone {
                    number: r.value.clone(),
                    e164: r.value,
                    kind,
                    extension: r.extension,
                });
            }
            (3, Some(id)) => emails.entry(id).or_default().push(r.value),
            _ => out.tags.entry(r.lead_id).or_default().push(r.value),
        }
    }
    for mut contact in contacts {
        contact.phones = phones.remove(&contact.id).unwrap_or_default();
        contact.emails = emails.remove(&contact.id).unwrap_or_default();
        out.contacts.entry(contact.lead_id).or_default().push(contact);
    }
    Ok(out)
}

/// The lead a contact of `org` belongs to.
pub async fn lead_of(tx: &mut Tx, org: Uuid, contact: Uuid) -> anyhow::Result<Option<Uuid>> {
    on_tx!(tx, |c| sqlx::query_scalar("SELECT lead_id FROM contacts WHERE id = $1 AND org_id = $2")
        .bind(contact)
        .bind(org)
        .fetch_optional(c)
        .await)
    .context("finding contact")
}
