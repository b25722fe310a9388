//! Finding a row's duplicate and applying the row to it (update or merge).

use super::{
    engine::Job,
    leads::{Key, KeyKind, key_hash},
};
use crate::{
    app::contacts::derive_zones,
    store::{self, Db, Tx, bulk::NewLeadRows, contacts::Contact},
};
use anyhow::Context;
use chrono::{DateTime, Utc};
use futures_util::TryStreamExt;
use leadline_domain::{LeadKind, Phone, dedupe};
use std::collections::{HashMap, HashSet};
use uuid::Uuid;

/// How a row changes the lead it matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// The row's non-empty values replace the lead's.
    Update,
    /// The row fills the lead's empty fields; contacts, phones and e-mails are added.
    Merge,
}

/// How a row's contacts meet the lead's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Contacts {
    /// A contact with the same e-mail, phone or name is the same person.
    SamePerson,
    /// Each row is another contact: the further rows of one lead in a Leadline export,
    /// where two people of one household may share a name.
    EachRow,
}

/// A lead rows can match.
#[derive(Debug, Clone, Copy)]
pub struct Target {
    pub id: Uuid,
    /// Created by this import (so undo deletes it rather than restoring it).
    pub created_here: bool,
    /// Its position among the current batch's inserts, until the batch is stored.
    pub pending: Option<usize>,
    /// The hash of its external id, if it has one.
    pub external: Option<u64>,
    /// Deleted by someone while the import runs: rows no longer match it.
    pub gone: bool,
}

/// Which keys a stored lead is found by, beside its e-mails, phones and names.
#[derive(Debug, Clone, Copy)]
pub struct KeysOf {
    /// Its web domain too.
    pub match_domain: bool,
    /// Its own id too (a Leadline export; see `Columns::one_lead_per_id`).
    pub one_lead_per_id: bool,
}

/// A stored lead, as the index reads it.
struct Stored<'a> {
    id: Uuid,
    name: &'a str,
    kind: &'a str,
    website: Option<&'a str>,
    external: Option<&'a str>,
    created_here: bool,
}

/// A match and why.
pub struct Hit {
    pub slot: u32,
    pub reason: String,
    pub external: bool,
}

/// Every key of the organization's leads and of the rows imported so far, as 64-bit
/// hashes pointing at their lead: about 20 bytes a key, so a million leads with
/// their e-mails and phones fit in well under 200 MB.
#[derive(Default)]
pub struct Index {
    map: HashMap<u64, u32>,
    targets: Vec<Target>,
    pending: Vec<u32>,
    /// When this import's recent batches were written (see [`Index::catch_up`]).
    wrote_at: Vec<DateTime<Utc>>,
}

impl Index {
    /// Loads the keys of the organization's stored leads. For a Leadline export
    /// (`one_lead_per_id`) a lead is also found by its own id, so that a file exported here
    /// and edited updates the leads it came from; the leads this import stored before it was
    /// interrupted are each one of the file's ids (whose rows ended before the batch did,
    /// see `engine::spawn_reader`), so later rows of other ids stay apart from them.
    pub async fn load(db: &Db, org: Uuid, import: Uuid, keys: KeysOf) -> anyhow::Result<Self> {
        // The e-mails and phones are read beside the leads, each on a connection of its
        // own (an organization of a million leads has about as many of each).
        let (leads, emails, phones) = tokio::try_join!(
            Self::load_leads(db, org, import, keys),
            contact_keys(db, org, "contact_emails", "email", KeyKind::Email, keys.match_domain),
            contact_keys(db, org, "contact_phones", "e164", KeyKind::Phone, false),
        )
        .context("loading the organization's leads, e-mails and phones for de-duplication")?;
        let (mut index, slots) = leads;
        for (lead, hash) in emails.into_iter().chain(phones) {
            if let Some(slot) = slots.get(&lead) {
                index.point(hash, *slot);
            }
        }
        Ok(index)
    }

    /// The organization's leads by their external ids, company and person names (and web
    /// domains), with each lead's slot.
    async fn load_leads(db: &Db, org: Uuid, import: Uuid, keys: KeysOf) -> anyhow::Result<(Self, HashMap<Uuid, u32>)> {
        let match_domain = keys.match_domain;
        let mut index = Index::default();
        let mut slots: HashMap<Uuid, u32> = HashMap::new();
        let mut each =
            |id: Uuid, name: &str, kind: &str, website: Option<&str>, external: Option<&str>, created_here| {
                let slot = index.add_stored(keys, Stored { id, name, kind, website, external, created_here });
                slots.insert(id, slot);
            };
        let mut tx = db.read().await?;
        // The web site only when domains are matched; whether this import created the lead
        // as a flag (less to read for each of a million leads).
        match &mut tx {
            Tx::Sqlite(t) => {
                let c: &mut sqlx::SqliteConnection = &mut *t;
                let sql = "SELECT json_group_array(json_array(hex(id), name, kind, CASE WHEN $3 THEN website END,
                                  external_id, COALESCE(import_id = $2, 0)))
                           FROM leads NOT INDEXED WHERE rowid > $4 AND rowid <= $5 AND org_id = $1";
                let mut runs = SqliteRuns::new(&mut *c, "leads").await?;
                while let Some((lo, hi)) = runs.next() {
                    let q = sqlx::query_scalar(sql).bind(org).bind(import).bind(match_domain).bind(lo).bind(hi);
                    let json: String = q.fetch_one(&mut *c).await?;
                    type Row = (String, String, String, Option<String>, Option<String>, i64);
                    for (id, name, kind, website, external, created_here) in serde_json::from_str::<Vec<Row>>(&json)? {
                        let id = Uuid::parse_str(&id)?;
                        each(id, &name, &kind, website.as_deref(), external.as_deref(), created_here != 0);
                    }
                }
            }
            Tx::Postgres(c) => {
                let sql = "SELECT id, name, kind, CASE WHEN $3 THEN website END, external_id,
                                  COALESCE(import_id = $2, FALSE)
                           FROM leads WHERE org_id = $1";
                type Row = (Uuid, String, String, Option<String>, Option<String>, bool);
                let mut rows = sqlx::query_as::<_, Row>(sql).bind(org).bind(import).bind(match_domain).fetch(&mut **c);
                while let Some((id, name, kind, website, external, created_here)) = rows.try_next().await? {
                    each(id, &name, &kind, website.as_deref(), external.as_deref(), created_here);
                }
            }
        }
        Ok((index, slots))
    }

    /// A stored lead's slot, with its keys: external id (and for a Leadline export its own
    /// id), company or person name, web domain.
    fn add_stored(&mut self, keys: KeysOf, lead: Stored<'_>) -> u32 {
        let Stored { id, name, kind, website, external, created_here } = lead;
        // Only a Leadline export finds leads by their own id.
        let own = keys.one_lead_per_id.then(|| key_hash(KeyKind::LeadlineId, &id.to_string()));
        let external = external.map(|ext| key_hash(KeyKind::External, ext));
        let group = if created_here { own.or(external) } else { external };
        let slot = self.add(Target { id, created_here, pending: None, external: group, gone: false });
        if let Some(ext) = external {
            self.point(ext, slot);
        }
        if let Some(own) = own {
            self.point(own, slot);
        }
        if kind == LeadKind::Company.as_str()
            && let Some(k) = dedupe::company_key(name)
        {
            self.point(key_hash(KeyKind::Company, &k), slot);
        }
        if keys.match_domain
            && let Some(d) = website.and_then(dedupe::company_domain)
        {
            self.point(key_hash(KeyKind::Domain, &d), slot);
        }
        if kind == LeadKind::Person.as_str()
            && let Some(k) = super::leads::person_key(name)
        {
            self.point(key_hash(KeyKind::Person, &k), slot);
        }
        slot
    }

    /// Learns the leads others stored or changed while this import runs (a rep adding a
    /// lead by hand, another import): those changed since `since` at a time none of this
    /// import's batches wrote at (`wrote_at`), with their e-mails and phones. The database
    /// tells them apart on its index on update time alone, so the import's own rows cost
    /// neither reads of the leads nor rows handed over. Answers the time to catch up from next.
    pub async fn catch_up(
        &mut self,
        db: &Db,
        org: Uuid,
        keys: KeysOf,
        since: DateTime<Utc>,
    ) -> anyhow::Result<DateTime<Utc>> {
        // A lead written in a transaction that began before this read and ended after it
        // carries an earlier time: look back a little each time (known leads add nothing).
        let next = store::now() - chrono::TimeDelta::seconds(2);
        let mut tx = db.read().await?;
        self.wrote_at.retain(|at| *at > since);
        let own = &self.wrote_at;
        let others: Vec<Uuid> = crate::on_tx!(&mut tx, |c| {
            let mut q = sqlx::QueryBuilder::new("SELECT id FROM leads WHERE org_id = ");
            q.push_bind(org).push(" AND updated_at > ").push_bind(since);
            if !own.is_empty() {
                q.push(" AND updated_at NOT IN (");
                let mut times = q.separated(", ");
                for at in own {
                    times.push_bind(*at);
                }
                q.push(")");
            }
            q.build_query_scalar().fetch_all(c).await
        })
        .context("finding leads changed since the import began")?;
        // Leads someone deleted meanwhile: a later row naming one creates it anew.
        let deleted: HashSet<Uuid> = crate::on_tx!(&mut tx, |c| sqlx::query_scalar(
            "SELECT entity_id FROM audit_log
             WHERE org_id = $1 AND at > $2 AND entity_type = 'lead' AND action = 'delete'"
        )
        .bind(org)
        .bind(since)
        .fetch_all(c)
        .await)
        .context("finding leads deleted since the import began")?
        .into_iter()
        .collect();
        if !deleted.is_empty() {
            for t in self.targets.iter_mut().filter(|t| deleted.contains(&t.id)) {
                t.gone = true;
            }
        }
        type Row = (Uuid, String, String, Option<String>, Option<String>);
        for chunk in others.chunks(500) {
            let leads: Vec<Row> = crate::on_tx!(&mut tx, |c| {
                let mut q =
                    sqlx::QueryBuilder::new("SELECT id, name, kind, website, external_id FROM leads WHERE id IN (");
                store::push_ids(&mut q, chunk);
                q.build_query_as().fetch_all(c).await
            })
            .context("reading leads changed since the import began")?;
            let mut slots = HashMap::new();
            for (id, name, kind, website, external) in &leads {
                let stored = Stored {
                    id: *id,
                    name,
                    kind,
                    website: website.as_deref(),
                    external: external.as_deref(),
                    created_here: false,
                };
                slots.insert(*id, self.add_stored(keys, stored));
            }
            for (table, column, kind) in
                [("contact_emails", "email", KeyKind::Email), ("contact_phones", "e164", KeyKind::Phone)]
            {
                let sql = format!(
                    "SELECT c.lead_id, k.{column} FROM contacts c JOIN {table} k ON k.contact_id = c.id WHERE c.lead_id IN ("
                );
                let found: Vec<(Uuid, String)> = crate::on_tx!(&mut tx, |c| {
                    let mut q = sqlx::QueryBuilder::new(sql.clone());
                    store::push_ids(&mut q, chunk);
                    q.build_query_as().fetch_all(c).await
                })
                .context("reading the e-mails and phones of leads changed since the import began")?;
                for (lead, value) in found {
                    if let Some(slot) = slots.get(&lead) {
                        for hash in value_keys(kind, &value, keys.match_domain) {
                            self.point(hash, *slot);
                        }
                    }
                }
            }
        }
        Ok(next)
    }

    /// A batch of this import was written at `at` (its leads' update time).
    pub fn wrote(&mut self, at: DateTime<Utc>) {
        self.wrote_at.push(at);
    }

    /// How many keys it knows.
    #[must_use]
    pub fn len(&self) -> usize {
        self.map.len()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    fn add(&mut self, target: Target) -> u32 {
        self.targets.push(target);
        u32::try_from(self.targets.len() - 1).unwrap_or(u32::MAX)
    }

    /// A lead this import creates from a row with `keys`; `pending` is its place in the
    /// batch being built.
    pub fn add_created(&mut self, id: Uuid, keys: &[Key], pending: Option<usize>) -> u32 {
        let external = keys.iter().find(|k| k.external).map(|k| k.hash);
        let slot = self.add(Target { id, created_here: true, pending, external, gone: false });
        self.pending.push(slot);
        slot
    }

    /// The first of `keys` already known, in the order given. With `one_lead_per_id`, a
    /// row with an external id does not match a lead this import created from another
    /// external id (see `Columns::one_lead_per_id`).
    #[must_use]
    pub fn find(&self, keys: &[Key], one_lead_per_id: bool) -> Option<Hit> {
        let own = keys.iter().find(|k| k.external).map(|k| k.hash).filter(|_| one_lead_per_id);
        let alone = keys.len() == 1;
        keys.iter().filter(|k| alone || !k.name_only).find_map(|k| {
            let slot = *self.map.get(&k.hash)?;
            let t = &self.targets[slot as usize];
            if t.gone {
                return None;
            }
            if own.is_some() && t.created_here && t.external.is_some() && t.external != own {
                return None;
            }
            Some(Hit { slot, reason: k.reason.clone(), external: k.external })
        })
    }

    pub fn insert_keys(&mut self, keys: &[Key], slot: u32) {
        for k in keys {
            self.point(k.hash, slot);
        }
    }

    /// Points a key not yet known, or known for a lead deleted meanwhile, at `slot`.
    fn point(&mut self, hash: u64, slot: u32) {
        let known = self.map.entry(hash).or_insert(slot);
        if self.targets[*known as usize].gone {
            *known = slot;
        }
    }

    #[must_use]
    pub fn target(&self, slot: u32) -> Target {
        self.targets[slot as usize]
    }

    /// The batch was stored: its leads are no longer pending.
    pub fn clear_pending(&mut self) {
        for slot in self.pending.drain(..) {
            self.targets[slot as usize].pending = None;
        }
    }
}

/// The keys a stored contact's e-mail or phone gives its lead: the value's own, and with
/// `match_domain` an e-mail's company domain.
fn value_keys(kind: KeyKind, value: &str, match_domain: bool) -> impl Iterator<Item = u64> {
    let domain = (match_domain && kind == KeyKind::Email).then(|| dedupe::email_company_domain(value)).flatten();
    std::iter::once(key_hash(kind, value)).chain(domain.map(|d| key_hash(KeyKind::Domain, &d)))
}

/// The organization's contact e-mails or phones (`column` of `table`) as (lead, key hash),
/// with e-mails' company domains too when `match_domain`.
async fn contact_keys(
    db: &Db,
    org: Uuid,
    table: &'static str,
    column: &'static str,
    kind: KeyKind,
    match_domain: bool,
) -> anyhow::Result<Vec<(Uuid, u64)>> {
    let mut out = Vec::new();
    let mut tx = db.read().await?;
    match &mut tx {
        Tx::Sqlite(t) => {
            let c: &mut sqlx::SqliteConnection = &mut *t;
            let sql = format!(
                "SELECT json_group_array(json_array(hex(lead_id), {column}))
                 FROM {table} NOT INDEXED WHERE rowid > $2 AND rowid <= $3 AND org_id = $1"
            );
            let mut runs = SqliteRuns::new(&mut *c, table).await?;
            while let Some((lo, hi)) = runs.next() {
                let q = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.as_str())).bind(org).bind(lo).bind(hi);
                let json: String = q.fetch_one(&mut *c).await?;
                for (lead, value) in serde_json::from_str::<Vec<(String, String)>>(&json)? {
                    let lead = Uuid::parse_str(&lead)?;
                    out.extend(value_keys(kind, &value, match_domain).map(|hash| (lead, hash)));
                }
            }
        }
        Tx::Postgres(c) => {
            let sql = format!("SELECT lead_id, {column} FROM {table} WHERE org_id = $1");
            let mut rows = sqlx::query_as::<_, (Uuid, String)>(sqlx::AssertSqlSafe(sql)).bind(org).fetch(&mut **c);
            while let Some((lead, value)) = rows.try_next().await? {
                out.extend(value_keys(kind, &value, match_domain).map(|hash| (lead, hash)));
            }
        }
    }
    Ok(out)
}

/// An organization's rows of a SQLite table, read in runs of rowids, each run's rows as one
/// JSON array. sqlx hands SQLite rows over from the connection's thread one at a time, at
/// about 3 µs a row; a run of 4,096 comes over as one value. Rowid runs read the table in
/// its own order, where reading through an index on `org_id` sends each row's read to
/// another page: an organization's million leads, e-mails and phones are read in about 3 s
/// instead of 10–19 s. (A SQLite database holds one or a few organizations.)
struct SqliteRuns {
    next: i64,
    max: i64,
}

impl SqliteRuns {
    const RUN: i64 = 4096;

    async fn new(c: &mut sqlx::SqliteConnection, table: &'static str) -> anyhow::Result<Self> {
        let sql = format!("SELECT COALESCE(max(rowid), 0) FROM {table}");
        let max: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql)).fetch_one(c).await?;
        Ok(Self { next: 0, max })
    }

    /// The next run's bounds: rowids above the first, up to the second.
    fn next(&mut self) -> Option<(i64, i64)> {
        (self.next < self.max).then(|| {
            let lo = self.next;
            self.next += Self::RUN;
            (lo, self.next)
        })
    }
}

fn fill<T: Clone + PartialEq>(slot: &mut Option<T>, value: Option<&T>, rule: Rule) -> bool {
    match (value, rule) {
        (Some(v), Rule::Update) if slot.as_ref() != Some(v) => {
            *slot = Some(v.clone());
            true
        }
        (Some(v), Rule::Merge) if slot.is_none() => {
            *slot = Some(v.clone());
            true
        }
        _ => false,
    }
}

/// The fields the lead, or the contact that is the row's person, already has another value
/// for than the row, as "city 'Leeds' (the file's 'London')" or "Ann Lee's title 'CTO' (the
/// file's 'CEO')": merge keeps the lead's, update replaces it.
#[must_use]
pub fn conflicts(target_rows: &NewLeadRows, incoming_rows: &NewLeadRows, contacts: Contacts) -> Vec<String> {
    let differs = |have: &str, file: &str| !have.trim().eq_ignore_ascii_case(file.trim());
    let mut out = Vec::new();
    let mut note = |field: &str, have: Option<&str>, file: Option<&str>| {
        if let (Some(have), Some(file)) = (have, file)
            && differs(have, file)
        {
            out.push(format!("{field} '{have}' (the file's '{file}')"));
        }
    };
    let (target, incoming) = (&target_rows.lead, &incoming_rows.lead);
    if incoming.status != leadline_domain::LeadStatus::New {
        note("status", Some(target.status.as_str()), Some(incoming.status.as_str()));
    }
    note("external id", target.external_id.as_deref(), incoming.external_id.as_deref());
    note("source", target.source.as_deref(), incoming.source.as_deref());
    note("website", target.website.as_deref(), incoming.website.as_deref());
    note("description", target.description.as_deref(), incoming.description.as_deref());
    let (t, i) = (&target.address, &incoming.address);
    note("street", t.street.as_deref(), i.street.as_deref());
    note("city", t.city.as_deref(), i.city.as_deref());
    note("region", t.region.as_deref(), i.region.as_deref());
    note("postcode", t.postcode.as_deref(), i.postcode.as_deref());
    note("country", t.country.as_deref(), i.country.as_deref());
    let text = |v: &serde_json::Value| v.as_str().map_or_else(|| v.to_string(), str::to_owned);
    for (k, v) in &incoming.custom_fields {
        let have = target.custom_fields.get(k).filter(|x| !x.is_null() && x.as_str() != Some(""));
        note(k, have.map(text).as_deref(), Some(&text(v)));
    }
    for (contact, phones) in &incoming_rows.contacts {
        if let Some(i) = same_contact(target_rows, contact, phones, contacts) {
            let have = &target_rows.contacts[i].0;
            note(&format!("{}'s title", have.name), have.title.as_deref(), contact.title.as_deref());
        }
    }
    out
}

/// The reason of a merged or updated row with its conflicts: what merge left out ("…; kept the
/// lead's city 'Leeds' (the file's 'London')") or update replaced ("…; replaced the lead's …").
#[must_use]
pub fn with_conflicts(reason: &str, conflicts: &[String], rule: Rule) -> String {
    if conflicts.is_empty() {
        return reason.to_owned();
    }
    let what = if rule == Rule::Merge { "kept" } else { "replaced" };
    format!("{reason}; {what} the lead's {}", conflicts.join(", "))
}

/// Applies `incoming` to `target` by `rule`; never removes a value, contact, phone or
/// e-mail. Returns whether anything changed.
pub fn apply_rows(
    target: &mut NewLeadRows,
    incoming: &NewLeadRows,
    rule: Rule,
    contacts: Contacts,
    now: DateTime<Utc>,
) -> bool {
    let (t, i) = (&mut target.lead, &incoming.lead);
    let mut changed = false;
    if rule == Rule::Update && t.kind == i.kind && t.name != i.name && i.kind == LeadKind::Company {
        t.name.clone_from(&i.name);
        changed = true;
    }
    if rule == Rule::Update && i.status != leadline_domain::LeadStatus::New && t.status != i.status {
        t.status = i.status;
        changed = true;
    }
    changed |= fill(&mut t.external_id, i.external_id.as_ref(), rule);
    changed |= fill(&mut t.source, i.source.as_ref(), rule);
    changed |= fill(&mut t.website, i.website.as_ref(), rule);
    changed |= fill(&mut t.description, i.description.as_ref(), rule);
    changed |= fill(&mut t.address.street, i.address.street.as_ref(), rule);
    changed |= fill(&mut t.address.city, i.address.city.as_ref(), rule);
    changed |= fill(&mut t.address.region, i.address.region.as_ref(), rule);
    changed |= fill(&mut t.address.postcode, i.address.postcode.as_ref(), rule);
    changed |= fill(&mut t.address.country, i.address.country.as_ref(), rule);
    for tag in &i.tags {
        if !t.tags.contains(tag) {
            t.tags.push(tag.clone());
            changed = true;
        }
    }
    for (k, v) in &i.custom_fields {
        let present = t.custom_fields.get(k).is_some_and(|x| !x.is_null() && x.as_str() != Some(""));
        if (rule == Rule::Update && t.custom_fields.get(k) != Some(v)) || !present {
            t.custom_fields.insert(k.clone(), v.clone());
            changed = true;
        }
    }
    if i.time_zone_manual && (rule == Rule::Update || !t.time_zone_manual) && t.time_zones != i.time_zones {
        t.time_zones.clone_from(&i.time_zones);
        t.time_zone_manual = true;
        changed = true;
    }
    for (contact, phones) in &incoming.contacts {
        changed |= merge_contact(target, contact, phones, rule, contacts, now);
    }
    let t = &mut target.lead;
    if !t.time_zone_manual {
        let zones = derive_zones(&t.address, target.contacts.first().and_then(|(_, p)| p.first()));
        if zones != t.time_zones {
            t.time_zones = zones;
            changed = true;
        }
    }
    if changed {
        t.updated_at = now;
        t.sync_address();
    }
    changed
}

/// A name as compared: case and runs of white space do not count.
fn name_key(name: &str) -> String {
    leadline_domain::text::collapse_whitespace(name).to_lowercase()
}

/// Whether two people's names can be one name written two ways: the same first and last
/// names around a middle name or initial, or a first name given as its initial or as a
/// short form (`Robert`, `Bob`), or only the first name (`Wile E. Coyote`, `W. Coyote`,
/// `Wile`; not `Road Runner`).
fn one_name(a: &str, b: &str) -> bool {
    let words = |name: &str| -> Vec<String> {
        name.split(|c: char| !c.is_alphanumeric() && c != '\'' && c != '-')
            .filter(|w| !w.is_empty())
            .map(str::to_lowercase)
            .collect()
    };
    let (a, b) = (words(a), words(b));
    let (Some(first_a), Some(first_b)) = (a.first(), b.first()) else {
        return false;
    };
    let initial = |w: &str| w.chars().count() == 1;
    let firsts = leadline_domain::dedupe::same_given_name(first_a, first_b)
        || (initial(first_a) && first_b.starts_with(first_a.as_str()))
        || (initial(first_b) && first_a.starts_with(first_b.as_str()));
    firsts && (a.len() == 1 || b.len() == 1 || a.last() == b.last())
}

/// The lead's contact that is the person of a row's `incoming` contact, if any.
fn same_contact(target: &NewLeadRows, incoming: &Contact, phones: &[Phone], contacts: Contacts) -> Option<usize> {
    let is_person = |name: &str| !stands_for_company(&target.lead, name);
    let incoming_person = is_person(&incoming.name);
    let same_person = |c: &Contact, ps: &[Phone]| {
        let existing_person = is_person(&c.name);
        if name_key(&c.name) == name_key(&incoming.name) {
            return true;
        }
        // Two people of one company are two contacts, whatever they share, unless their
        // names are one name written two ways ("Wile Coyote", "Wile E. Coyote") and they
        // share an address or a number: then they are one person.
        if existing_person && incoming_person {
            return one_name(&c.name, &incoming.name)
                && (c.emails.iter().any(|e| incoming.emails.contains(e))
                    || ps.iter().any(|p| phones.iter().any(|q| q.e164() == p.e164())));
        }
        // A person's own address says who they are; a shared number may be the company's
        // switchboard, which makes a person its contact only on a row of the company's own.
        c.emails.iter().any(|e| incoming.emails.contains(e))
            || (!incoming_person && ps.iter().any(|p| phones.iter().any(|q| q.e164() == p.e164())))
    };
    match contacts {
        Contacts::SamePerson => target.contacts.iter().position(|(c, ps)| same_person(c, ps)),
        Contacts::EachRow => None,
    }
}

/// A company's row without a person gives its contact the company's name: that contact
/// stands for the company (its switchboard, its info@ address), not a person.
fn stands_for_company(lead: &store::leads::Lead, contact_name: &str) -> bool {
    lead.kind == LeadKind::Company && name_key(&lead.name) == name_key(contact_name)
}

fn merge_contact(
    target: &mut NewLeadRows,
    incoming: &Contact,
    phones: &[Phone],
    rule: Rule,
    contacts: Contacts,
    now: DateTime<Utc>,
) -> bool {
    let found = same_contact(target, incoming, phones, contacts);
    let Some((c, ps)) = found.map(|i| &mut target.contacts[i]) else {
        let mut added = incoming.clone();
        added.id = store::new_id();
        added.lead_id = target.lead.id;
        added.created_at = now;
        added.updated_at = now;
        target.contacts.push((added, phones.to_vec()));
        return true;
    };
    let mut changed = false;
    // The company's contact found by a person's own address is that person.
    if !stands_for_company(&target.lead, &incoming.name) && stands_for_company(&target.lead, &c.name) {
        c.name.clone_from(&incoming.name);
        changed = true;
    }
    changed |= fill(&mut c.title, incoming.title.as_ref(), rule);
    for p in phones {
        match ps.iter().position(|q| q.e164() == p.e164()) {
            None => {
                ps.push(p.clone());
                c.phones.push(p.into());
                changed = true;
            }
            // A number already there gains the extension the row gives it (update: takes it).
            Some(i)
                if p.extension().is_some()
                    && ps[i].extension() != p.extension()
                    && (ps[i].extension().is_none() || rule == Rule::Update) =>
            {
                ps[i] = ps[i].clone().with_extension(p.extension());
                if let Some(stored) = c.phones.iter_mut().find(|q| q.e164 == p.e164()) {
                    stored.extension = p.extension().map(str::to_owned);
                }
                changed = true;
            }
            Some(_) => {}
        }
    }
    for e in &incoming.emails {
        if !c.emails.contains(e) {
            c.emails.push(e.clone());
            changed = true;
        }
    }
    // An opt-out is never lost.
    if incoming.do_not_call && !c.do_not_call {
        c.do_not_call = true;
        changed = true;
    }
    if incoming.do_not_email && !c.do_not_email {
        c.do_not_email = true;
        changed = true;
    }
    if changed {
        c.updated_at = now;
    }
    changed
}

/// Applies a row to a lead stored before this batch, keeping the lead's state from
/// before the import for undo (unless this import created it).
pub async fn apply_stored(
    tx: &mut Tx,
    job: &Job,
    target: Target,
    incoming: &NewLeadRows,
    rule: Rule,
    each: Contacts,
    now: DateTime<Utc>,
) -> anyhow::Result<Vec<String>> {
    let org = job.org.id;
    let Target { id: lead_id, created_here, .. } = target;
    let Some(lead) = store::leads::get(tx, org, lead_id).await? else { return Ok(Vec::new()) };
    let before = serde_json::to_value(&lead)?;
    let mut contacts = Vec::new();
    for c in &lead.contacts {
        let phones: Vec<Phone> = c.phones.iter().filter_map(store::contacts::ContactPhone::to_phone).collect();
        contacts.push((c.clone(), phones));
    }
    let existing: HashSet<Uuid> = lead.contacts.iter().map(|c| c.id).collect();
    let originals: HashMap<Uuid, Contact> = lead.contacts.iter().map(|c| (c.id, c.clone())).collect();
    let mut rows = NewLeadRows { lead, contacts };
    let conflicts = conflicts(&rows, incoming, each);
    if !apply_rows(&mut rows, incoming, rule, each, now) {
        return Ok(conflicts);
    }
    let lead = &mut rows.lead;
    store::leads::update(tx, org, lead).await?;
    store::leads::set_tags(tx, org, lead.id, &lead.tags).await?;
    for (c, phones) in &rows.contacts {
        if !existing.contains(&c.id) {
            store::contacts::insert(tx, org, c, phones).await?;
            crate::on_tx!(tx, |x| sqlx::query("UPDATE contacts SET import_id = $1 WHERE id = $2")
                .bind(job.id)
                .bind(c.id)
                .execute(x)
                .await
                .map(drop))?;
        } else if originals.get(&c.id).is_some_and(|o| o != c) {
            store::contacts::update(tx, org, c, phones).await?;
        }
    }
    lead.contacts = rows.contacts.iter().map(|(c, _)| c.clone()).collect();
    store::leads::refresh_search(tx, lead).await?;
    if !created_here {
        let after = serde_json::to_value(&*lead)?;
        store::imports::record_change(tx, job.id, "lead", lead.id, &before, Some(&after), now).await?;
    }
    Ok(conflicts)
}

#[cfg(test)]
mod tests {
    use super::one_name;

    #[test]
    fn names_written_two_ways_are_one_name() {
        for (a, b) in [
            ("Wile Coyote", "Wile E. Coyote"),
            ("W. Coyote", "wile coyote"),
            ("Wile", "Wile Coyote"),
            ("Anna-Lena Berg", "Anna-Lena M. Berg"),
            ("Bob Smith", "Robert J. Smith"),
            ("Kate Lee", "Catherine Lee"),
        ] {
            assert!(one_name(a, b) && one_name(b, a), "{a} / {b}");
        }
        for (a, b) in [
            ("Wile Coyote", "Road Runner"),
            ("John Smith", "Jane Smith"),
            ("Ann Lee", "Ann Park"),
            ("", "Ann"),
            ("Bob Smith", "Bill Smith"),
        ] {
            assert!(!one_name(a, b), "{a} / {b}");
        }
    }
}
