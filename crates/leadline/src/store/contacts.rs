//! Contacts: the people at a lead, with their phones and e-mails.

use super::Tx;
use crate::on_tx;
use anyhow::Context;
use chrono::{DateTime, Utc};
use leadline_domain::{Phone, PhoneType};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
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
}

impl From<&Phone> for ContactPhone {
    fn from(p: &Phone) -> Self {
        Self { number: p.e164().to_owned(), e164: p.e164().to_owned(), kind: p.kind() }
    }
}

/// A person at a lead.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
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

#[derive(sqlx::FromRow)]
struct ContactRow {
    id: Uuid,
    lead_id: Uuid,
    name: String,
    title: Option<String>,
    do_not_call: bool,
    do_not_email: bool,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
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
                "INSERT INTO contact_phones (contact_id, position, org_id, lead_id, e164, kind, digits, national, national_reversed)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
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
    Ok(details(tx, lead_ids, false).await?.0)
}

/// The contacts of these leads (with phones and e-mails) and, when `with_tags`, their
/// tags, by lead id: two statements, one for the contacts and one for everything
/// attached to them.
pub async fn details(
    tx: &mut Tx,
    lead_ids: &[Uuid],
    with_tags: bool,
) -> anyhow::Result<(HashMap<Uuid, Vec<Contact>>, HashMap<Uuid, Vec<String>>)> {
    let mut out: HashMap<Uuid, Vec<Contact>> = HashMap::new();
    let mut tags: HashMap<Uuid, Vec<String>> = HashMap::new();
    if lead_ids.is_empty() {
        return Ok((out, tags));
    }
    let (rows, attached) = on_tx!(tx, |c| {
        let mut q = sqlx::QueryBuilder::new(
            "SELECT id, lead_id, name, title, do_not_call, do_not_email, created_at, updated_at FROM contacts WHERE lead_id IN (",
        );
        let mut sep = q.separated(", ");
        for id in lead_ids {
            sep.push_bind(*id);
        }
        q.push(") ORDER BY created_at, id");
        let rows: Vec<ContactRow> = q.build_query_as().fetch_all(&mut *c).await?;

        // Phones and e-mails by contact id (their primary keys start with it), tags by
        // lead id: (owner, what, position, value, phone type).
        let contact_ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
        let mut q = sqlx::QueryBuilder::new("");
        let mut parts = 0;
        if !contact_ids.is_empty() {
            for (i, sql) in [
                "SELECT contact_id, 0, position, e164, kind FROM contact_phones WHERE contact_id IN (",
                "SELECT contact_id, 1, position, email, '' FROM contact_emails WHERE contact_id IN (",
            ]
            .into_iter()
            .enumerate()
            {
                if i > 0 {
                    q.push(" UNION ALL ");
                }
                q.push(sql);
                let mut sep = q.separated(", ");
                for id in &contact_ids {
                    sep.push_bind(*id);
                }
                q.push(")");
                parts += 1;
            }
        }
        if with_tags {
            if parts > 0 {
                q.push(" UNION ALL ");
            }
            q.push("SELECT lead_id, 2, 0, tag, '' FROM lead_tags WHERE lead_id IN (");
            let mut sep = q.separated(", ");
            for id in lead_ids {
                sep.push_bind(*id);
            }
            q.push(")");
            parts += 1;
        }
        let attached: Vec<(Uuid, i32, i32, String, String)> = if parts == 0 {
            Vec::new()
        } else {
            q.push(" ORDER BY 2, 1, 3, 4");
            q.build_query_as().fetch_all(&mut *c).await?
        };
        Ok::<_, sqlx::Error>((rows, attached))
    })
    .context("loading contacts")?;

    let mut phones_by: HashMap<Uuid, Vec<ContactPhone>> = HashMap::new();
    let mut emails_by: HashMap<Uuid, Vec<String>> = HashMap::new();
    for (owner, what, _, value, kind) in attached {
        match what {
            0 => {
                let kind = PhoneType::parse(&kind).unwrap_or(PhoneType::Other);
                phones_by.entry(owner).or_default().push(ContactPhone { number: value.clone(), e164: value, kind });
            }
            1 => emails_by.entry(owner).or_default().push(value),
            _ => tags.entry(owner).or_default().push(value),
        }
    }
    for r in rows {
        out.entry(r.lead_id).or_default().push(Contact {
            id: r.id,
            lead_id: r.lead_id,
            name: r.name,
            title: r.title,
            phones: phones_by.remove(&r.id).unwrap_or_default(),
            emails: emails_by.remove(&r.id).unwrap_or_default(),
            do_not_call: r.do_not_call,
            do_not_email: r.do_not_email,
            created_at: r.created_at,
            updated_at: r.updated_at,
        });
    }
    Ok((out, tags))
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
