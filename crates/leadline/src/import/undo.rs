//! Undoing an import: what it created is deleted, what it changed is restored —
//! except what was edited since: a lead the import created and someone edited is kept;
//! in a lead it changed, each field someone changed after it keeps that value. Both are
//! reported.

use crate::{
    app::{Actor, AppError, audit::By},
    store::{
        self, Db, Tx,
        contacts::Contact,
        imports::{Change, Writer},
        leads::Lead,
    },
};
use chrono::{DateTime, Utc};
use leadline_domain::Phone;
use serde::{Deserialize, Serialize};
use std::sync::{
    Mutex,
    atomic::{AtomicU64, Ordering},
};
use tokio::task::JoinHandle;
use utoipa::ToSchema;
use uuid::Uuid;

/// What an undo did.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct UndoReport {
    /// Records the import created that were deleted.
    pub deleted: u64,
    /// Records the import changed that were put back as they were.
    pub restored: u64,
    /// Users the import created who were deactivated rather than deleted: they own leads or
    /// deals, did work, or manage someone.
    #[serde(default)]
    pub deactivated: u64,
    /// Records edited after the import: what was edited is left as it is.
    pub kept_edited: Vec<Uuid>,
    /// The fields of those records that were kept because they were edited after the
    /// import (the rest of each record was restored).
    pub kept_fields: Vec<KeptField>,
}

impl UndoReport {
    /// What the undo did, in words: "deleted 12, restored 3" (and the users it deactivated).
    #[must_use]
    pub fn done(&self) -> String {
        let mut done = format!("deleted {}, restored {}", self.deleted, self.restored);
        if self.deactivated > 0 {
            done.push_str(&format!(", deactivated {} (users who own or did work)", self.deactivated));
        }
        done
    }

    /// Reports a record kept as edited, once (an undo resumed sees it again).
    pub fn keep(&mut self, id: Uuid) {
        if !self.kept_edited.contains(&id) {
            self.kept_edited.push(id);
        }
    }
}

/// A record an undo left as someone edited it after the import, named for people to find it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeptRecord {
    pub id: Uuid,
    /// Its name now (its id when it has been deleted since).
    pub name: String,
    /// The import created it (and it was kept whole); otherwise the import changed it and
    /// only `fields` kept their edited values.
    pub created: bool,
    /// What keeps a record of its kind that the import created ("edited since, or named by a deal").
    pub kept_for: &'static str,
    /// The fields the import had changed that kept the value someone gave them since.
    pub fields: Vec<String>,
}

impl KeptRecord {
    /// What the undo did to it, in words.
    #[must_use]
    pub fn what_was_kept(&self) -> String {
        if self.created {
            format!("created by the import and {}: kept", self.kept_for)
        } else if self.fields.is_empty() {
            "edited since in fields the import had not changed: the import's changes were undone".to_owned()
        } else {
            format!("kept {} as edited since; the import's other changes were undone", self.fields.join(", "))
        }
    }
}

/// The first `limit` records `report` says were kept, with their names, for `import` of `kind`.
pub async fn kept_records(
    tx: &mut Tx,
    org: Uuid,
    import: Uuid,
    kind: &str,
    report: &UndoReport,
    limit: usize,
) -> anyhow::Result<Vec<KeptRecord>> {
    let ids: Vec<Uuid> = report.kept_edited.iter().take(limit).copied().collect();
    let table = if kind == "leads" { Some("leads") } else { super::others::table(kind) };
    let kept_for = match kind {
        "leads" => "edited or worked on since (calls, notes, tasks, deals)",
        "products" => "edited since, or named by a deal",
        _ => "edited since",
    };
    let mut found: std::collections::HashMap<Uuid, (String, Option<Uuid>)> = Default::default();
    if let Some(table) = table {
        for chunk in ids.chunks(1_000) {
            let rows: Vec<(Uuid, String, Option<Uuid>)> = crate::on_tx!(tx, |c| {
                let sql = format!("SELECT id, name, import_id FROM {table} WHERE org_id = ");
                let mut q = sqlx::QueryBuilder::new(sql);
                q.push_bind(org).push(" AND id IN (");
                store::push_ids(&mut q, chunk);
                q.build_query_as().fetch_all(c).await
            })?;
            found.extend(rows.into_iter().map(|(id, name, by)| (id, (name, by))));
        }
    }
    Ok(ids
        .into_iter()
        .map(|id| {
            let row = found.get(&id);
            KeptRecord {
                id,
                name: row.map_or_else(|| id.to_string(), |(name, _)| name.clone()),
                created: row.is_some_and(|(_, by)| *by == Some(import)),
                kept_for,
                fields: report.kept_fields.iter().filter(|f| f.entity_id == id).map(|f| f.field.clone()).collect(),
            }
        })
        .collect())
}

/// A field undo left alone because someone changed it after the import.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct KeptField {
    pub entity_id: Uuid,
    /// The field, as the API names it (`city`, `custom_fields.Industry`, `contact Jo Bloggs`).
    pub field: String,
}

const PAGE: i64 = 2_000;

/// Changed records put back per transaction: a few hundred leads' worth of reading and
/// writing, so that other writers (a rep saving a call) wait well under a second.
const CHANGES_PAGE: i64 = 500;

/// Undoes import `id` of the actor's organization (safe to run again after a crash),
/// waiting for the end at most `wait` (at least a second, in which an undo that cannot
/// begin says why): its report, or `None` when it goes on by itself.
pub async fn undo_within(
    db: &Db,
    actor: &Actor,
    id: Uuid,
    wait: std::time::Duration,
) -> Result<Option<UndoReport>, AppError> {
    let mut task = start(db, actor, id)?;
    match tokio::time::timeout(wait.max(std::time::Duration::from_secs(1)), &mut task).await {
        Ok(joined) => ended(joined).map(Some),
        Err(_) => Ok(None),
    }
}

/// What an undo [`start`] began ended with.
fn ended(joined: Result<Result<UndoReport, AppError>, tokio::task::JoinError>) -> Result<UndoReport, AppError> {
    joined.map_err(|e| AppError::Internal(anyhow::anyhow!("the undo stopped: {e}")))?
}

/// Starts undoing import `id` on a task of its own, so that it runs to the end when the
/// request that asked for it goes away (a browser closed during the minutes a million
/// leads take); the handle gives its report. One undo of an import runs at a time in
/// this process.
pub fn start(db: &Db, actor: &Actor, id: Uuid) -> Result<JoinHandle<Result<UndoReport, AppError>>, AppError> {
    if !actor.user.role.deletes_leads() {
        return Err(AppError::Forbidden("only admins and managers can undo imports".into()));
    }
    let running = Running::claim(id).ok_or_else(being_undone)?;
    let (db, actor) = (db.clone(), actor.clone());
    Ok(tokio::spawn(async move {
        let _running = running;
        undo_as(&db, (&actor).into(), id, &AtomicU64::new(0)).await
    }))
}

fn being_undone() -> AppError {
    AppError::Conflict { field: None, message: "the import is being undone; its page shows when it is done".into() }
}

/// Goes on with an undo whose process stopped (a crash, a restart) and that this process
/// has claimed ([`store::imports::claim`]); called when a server starts.
pub fn resume(db: &Db, org: Uuid, id: Uuid) {
    let Some(running) = Running::claim(id) else { return };
    let db = db.clone();
    tokio::spawn(async move {
        let _running = running;
        let by = By { org, user_id: None, name: "Leadline (an interrupted undo, resumed)" };
        match undo_as(&db, by, id, &AtomicU64::new(0)).await {
            Ok(report) => tracing::info!(import = %id, deleted = report.deleted, "resumed undo ended"),
            Err(e) => tracing::warn!(import = %id, error = %e, "cannot resume the undo here"),
        }
    });
}

/// An import this process is undoing, until dropped.
struct Running(Uuid);

static RUNNING: Mutex<Vec<Uuid>> = Mutex::new(Vec::new());

impl Running {
    fn claim(id: Uuid) -> Option<Running> {
        let mut running = RUNNING.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        (!running.contains(&id)).then(|| {
            running.push(id);
            Running(id)
        })
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        RUNNING.lock().unwrap_or_else(std::sync::PoisonError::into_inner).retain(|r| *r != self.0);
    }
}

/// Undoes import `id` of `by.org`, on behalf of `by`, counting the leads deleted so far
/// in `deleted` (for a progress bar: a million leads take minutes).
pub async fn undo_as(db: &Db, by: By<'_>, id: Uuid, deleted: &AtomicU64) -> Result<UndoReport, AppError> {
    let org = by.org;
    let mut tx = db.write().await?;
    let import = store::imports::get(&mut tx, org, id).await?.ok_or(AppError::NotFound("import"))?;
    let stale_before = store::now() - super::engine::STALE_AFTER;
    match import.status.as_str() {
        // Another process undoing it still lives: it goes on there.
        "undoing"
            if !store::imports::stopped(&import, stale_before)
                && import.runner.as_deref() != Some(store::imports::runner().as_str()) =>
        {
            return Err(being_undone());
        }
        "completed" | "failed" | "undoing" | "stopped" => {}
        "stopping" if store::imports::stopped(&import, stale_before) => {}
        "undone" => return Err(AppError::Conflict { field: None, message: "the import was already undone".into() }),
        "stopping" => {
            return Err(AppError::Conflict {
                field: None,
                message: "the import is stopping after the batch it is writing; undo it when it has stopped".into(),
            });
        }
        _ => {
            return Err(AppError::Conflict {
                field: None,
                message: "the import is still running; stop it first (Stop on its page, `leadline import stop ID` or POST /api/v1/imports/{id}/stop), then undo it".into(),
            });
        }
    }
    // An undo that was interrupted goes on from where it got, its report so far kept.
    let mut report: UndoReport = match (&*import.status, &import.undo_report) {
        ("undoing", Some(so_far)) => serde_json::from_value(so_far.clone()).unwrap_or_default(),
        _ => UndoReport::default(),
    };
    drop(tx);
    // An import writing into the organization meanwhile ends first, and one starting waits
    // for the undo: it would match its rows to leads the undo is deleting.
    for waited in 0_u64.. {
        let mut tx = db.write().await?;
        let now = store::now();
        let kind = import.kind.as_str();
        let admitted =
            store::imports::admit(&mut tx, org, kind, id, Writer::Undo, now, now - super::engine::STALE_AFTER).await?;
        if !admitted && waited % 20 == 0 {
            store::imports::undo_waits(&mut tx, id, now).await?;
        }
        tx.commit().await?;
        if admitted {
            break;
        }
        if waited % 120 == 0 {
            tracing::info!(import = %id, "the undo waits for an import writing into the organization to end");
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    let finished = import.finished_at.unwrap_or_else(store::now);
    let started = import.started_at.unwrap_or(import.created_at);
    match import.kind.as_str() {
        "leads" => delete_created_leads(db, org, id, started, finished, &mut report, deleted).await?,
        other => super::others::delete_created(db, org, id, other, finished, &mut report).await?,
    }
    // What the import changed, put back a page per transaction; each page's changes are
    // forgotten with it, so that a resumed undo puts back only the rest.
    loop {
        let mut tx = db.write().await?;
        let page = store::imports::changes(&mut tx, id, CHANGES_PAGE).await?;
        if page.is_empty() {
            break;
        }
        for change in &page {
            let (entity_id, before, when) = (change.entity_id, &change.before, change.after_updated_at);
            let outcome = match (change.entity_type.as_str(), &change.after) {
                ("lead", Some(after)) => undo_lead_change(&mut tx, org, id, entity_id, before, after, when).await?,
                ("lead", None) => Undone::whole(restore_lead(&mut tx, org, id, entity_id, before, when).await?),
                _ => super::others::restore(&mut tx, org, entity_id, change).await?,
            };
            if outcome.restored {
                report.restored += 1;
            }
            if outcome.edited_since {
                report.kept_edited.push(entity_id);
                report.kept_fields.extend(outcome.kept.into_iter().map(|field| KeptField { entity_id, field }));
            }
        }
        store::imports::drop_changes(&mut tx, id, &page).await?;
        save_progress(&mut tx, id, &report).await?;
        tx.commit().await?;
    }
    let mut tx = db.write().await?;
    let json = serde_json::to_value(&report).map_err(anyhow::Error::from)?;
    store::imports::set_status(&mut tx, id, "undone", Some(&json)).await?;
    crate::app::audit::record(
        &mut tx,
        by,
        crate::app::audit::Subject { entity_type: "import", entity_id: id, lead_id: None },
        "undo",
        None,
        json.as_object(),
    )
    .await?;
    tx.commit().await?;
    Ok(report)
}

/// Deletes the leads the import created, a page per transaction, in creation order (a row
/// value, which the index on creation seeks to: an import's batch of 10,000 leads shares one
/// creation time); leads edited or worked on after the import finished are kept.
async fn delete_created_leads(
    db: &Db,
    org: Uuid,
    id: Uuid,
    started: DateTime<Utc>,
    finished: DateTime<Utc>,
    report: &mut UndoReport,
    deleted: &AtomicU64,
) -> anyhow::Result<()> {
    let mut after: (DateTime<Utc>, Uuid) = (started - chrono::TimeDelta::seconds(1), Uuid::nil());
    loop {
        let mut tx = db.write().await?;
        let page: Vec<(Uuid, DateTime<Utc>, DateTime<Utc>)> = crate::on_tx!(&mut tx, |c| sqlx::query_as(
            "SELECT id, created_at, updated_at FROM leads
             WHERE org_id = $1 AND created_at <= $2 AND (created_at, id) > ($3, $4) AND import_id = $5
             ORDER BY created_at, id LIMIT $6"
        )
        .bind(org)
        .bind(finished)
        .bind(after.0)
        .bind(after.1)
        .bind(id)
        .bind(PAGE)
        .fetch_all(c)
        .await)?;
        let Some(last) = page.last() else { break };
        after = (last.1, last.0);
        let ids: Vec<Uuid> = page.iter().map(|(lead, ..)| *lead).collect();
        let worked = worked_on(&mut tx, &ids).await?;
        let mut doomed = Vec::new();
        for (lead, _, updated) in &page {
            if *updated > finished || worked.contains(lead) {
                report.keep(*lead);
            } else {
                doomed.push(*lead);
            }
        }
        delete_leads(&mut tx, &doomed).await?;
        report.deleted += doomed.len() as u64;
        save_progress(&mut tx, id, report).await?;
        tx.commit().await?;
        deleted.store(report.deleted, Ordering::Relaxed);
    }
    Ok(())
}

/// Records the undo's report so far in the transaction of the step it reports.
pub(super) async fn save_progress(tx: &mut Tx, id: Uuid, report: &UndoReport) -> anyhow::Result<()> {
    store::imports::undo_progress(tx, id, &serde_json::to_value(report)?, store::now()).await
}

/// The leads among `ids` someone has worked on: called (a call dialled or logged, not one only
/// offered or skipped), written a note or had a task for, or made a deal with. Deleting them
/// would take that work with them, so an undo keeps them.
async fn worked_on(tx: &mut Tx, ids: &[Uuid]) -> anyhow::Result<std::collections::HashSet<Uuid>> {
    if ids.is_empty() {
        return Ok(std::collections::HashSet::new());
    }
    let found: Vec<Uuid> = crate::on_tx!(tx, |c| {
        let mut q = sqlx::QueryBuilder::new(
            "SELECT lead_id FROM calls WHERE state NOT IN ('offered', 'skipped') AND lead_id IN (",
        );
        store::push_ids(&mut q, ids);
        for table in ["activities", "tasks", "opportunities"] {
            q.push(format!(" UNION SELECT lead_id FROM {table} WHERE lead_id IN ("));
            store::push_ids(&mut q, ids);
        }
        q.build_query_scalar().fetch_all(c).await
    })?;
    Ok(found.into_iter().collect())
}

async fn delete_leads(tx: &mut Tx, ids: &[Uuid]) -> anyhow::Result<()> {
    if ids.is_empty() {
        return Ok(());
    }
    // Each lead's cascades into its contacts, phones, e-mails, tags and queue rows.
    tx.plans(store::Plans::Generic).await?;
    crate::on_tx!(tx, |c| {
        let mut q = sqlx::QueryBuilder::new("DELETE FROM leads WHERE id IN (");
        store::push_ids(&mut q, ids);
        q.build().execute(c).await.map(drop)
    })?;
    Ok(())
}

/// What undoing one record's change did.
#[derive(Debug, Default)]
pub struct Undone {
    /// Someone changed the record after the import.
    pub edited_since: bool,
    /// Everything the import changed in it is as it was before.
    pub restored: bool,
    /// The fields kept as they are because they were changed after the import.
    pub kept: Vec<String>,
    /// The record needs writing.
    pub changed: bool,
}

impl Undone {
    /// A record restored whole, or kept whole.
    fn whole(restored: bool) -> Self {
        Self { edited_since: !restored, restored, kept: Vec::new(), changed: restored }
    }

    /// The record was deleted since: nothing to restore.
    #[must_use]
    pub fn gone() -> Self {
        Self { edited_since: true, ..Self::default() }
    }
}

/// Undoes `change` in a flat record (a product, an opportunity, a user) three ways: each
/// top-level field the import changed goes back to its value before the import if it
/// still has the import's value, else keeps its value and is named in `kept`. A change
/// recorded without the record's state after the import is undone whole, unless the
/// record was edited since (`updated_at`).
pub fn three_way_record<T: Serialize + serde::de::DeserializeOwned>(
    current: &T,
    change: &Change,
    updated_at: DateTime<Utc>,
) -> anyhow::Result<(T, Undone)> {
    let now = serde_json::to_value(current)?;
    let before: serde_json::Value = serde_json::from_str(&change.before)?;
    let Some(after) = &change.after else {
        let restored = updated_at == change.after_updated_at;
        let record = serde_json::from_value(if restored { before } else { now })?;
        return Ok((record, Undone::whole(restored)));
    };
    let after: serde_json::Value = serde_json::from_str(after)?;
    let (mut out, mut kept) = (now.clone(), Vec::new());
    if let (Some(o), Some(b), Some(a)) = (out.as_object_mut(), before.as_object(), after.as_object()) {
        let (mut b, mut a) = (without_stamps(b), without_stamps(a));
        // Custom fields (of a product or deal) go back one by one, as a lead's do.
        if let (
            Some(serde_json::Value::Object(cb)),
            Some(serde_json::Value::Object(ca)),
            Some(serde_json::Value::Object(co)),
        ) = (b.remove("custom_fields"), a.remove("custom_fields"), o.get_mut("custom_fields"))
        {
            three_way_map(co, &cb, &ca, "custom_fields.", &mut kept);
        }
        three_way_map(o, &b, &a, "", &mut kept);
    }
    let undone = Undone {
        edited_since: updated_at != change.after_updated_at || !kept.is_empty(),
        restored: kept.is_empty(),
        changed: out != now,
        kept,
    };
    Ok((serde_json::from_value(out)?, undone))
}

/// Puts each field of a lead the import changed back as it was, unless someone changed
/// it after the import: a three-way comparison of the lead before the import, as the
/// import left it, and as it is now. Contacts the import added are deleted, phones and
/// e-mails it added are removed, unless edited since.
async fn undo_lead_change(
    tx: &mut Tx,
    org: Uuid,
    import: Uuid,
    lead_id: Uuid,
    before: &str,
    after: &str,
    import_touched: DateTime<Utc>,
) -> anyhow::Result<Undone> {
    let Some(current) = store::leads::get(tx, org, lead_id).await? else {
        return Ok(Undone::gone());
    };
    let before: Lead = serde_json::from_str(before)?;
    let after: Lead = serde_json::from_str(after)?;
    let mut kept = Vec::new();
    let mut lead = current.clone();
    three_way(&mut lead.name, &before.name, &after.name, "name", &mut kept);
    three_way(&mut lead.kind, &before.kind, &after.kind, "kind", &mut kept);
    three_way(&mut lead.status, &before.status, &after.status, "status", &mut kept);
    three_way(&mut lead.owner_id, &before.owner_id, &after.owner_id, "owner", &mut kept);
    three_way(&mut lead.external_id, &before.external_id, &after.external_id, "external_id", &mut kept);
    three_way(&mut lead.source, &before.source, &after.source, "source", &mut kept);
    three_way(&mut lead.website, &before.website, &after.website, "website", &mut kept);
    let a = &mut lead.address;
    three_way(&mut a.street, &before.address.street, &after.address.street, "street", &mut kept);
    three_way(&mut a.city, &before.address.city, &after.address.city, "city", &mut kept);
    three_way(&mut a.region, &before.address.region, &after.address.region, "region", &mut kept);
    three_way(&mut a.postcode, &before.address.postcode, &after.address.postcode, "postcode", &mut kept);
    three_way(&mut a.country, &before.address.country, &after.address.country, "country", &mut kept);
    lead.sync_address();
    let mut zones = (lead.time_zones.clone(), lead.time_zone_manual);
    three_way(
        &mut zones,
        &(before.time_zones.clone(), before.time_zone_manual),
        &(after.time_zones.clone(), after.time_zone_manual),
        "time_zones",
        &mut kept,
    );
    (lead.time_zones, lead.time_zone_manual) = zones;
    three_way(&mut lead.score, &before.score, &after.score, "score", &mut kept);
    three_way(&mut lead.description, &before.description, &after.description, "description", &mut kept);
    lead.tags = undo_in_list(&lead.tags, &before.tags, &after.tags);
    three_way_map(&mut lead.custom_fields, &before.custom_fields, &after.custom_fields, "custom_fields.", &mut kept);
    // Contacts: the import's own are deleted unless edited since; the others get back
    // what the import changed in them.
    let mut contacts = Vec::new();
    for c in &current.contacts {
        let was = before.contacts.iter().find(|b| b.id == c.id);
        let left = after.contacts.iter().find(|x| x.id == c.id);
        match (was, left) {
            (None, Some(left)) if left.updated_at == c.updated_at => {
                crate::on_tx!(tx, |x| sqlx::query(
                    "DELETE FROM contacts WHERE id = $1 AND lead_id = $2 AND import_id = $3"
                )
                .bind(c.id)
                .bind(lead_id)
                .bind(import)
                .execute(x)
                .await
                .map(drop))?;
            }
            (None, Some(_)) => {
                kept.push(format!("contact {}", c.name));
                contacts.push(c.clone());
            }
            (Some(was), Some(left)) if was != left => {
                let mut contact = c.clone();
                let what = |field: &str| format!("contact {}: {field}", c.name);
                three_way(&mut contact.name, &was.name, &left.name, &what("name"), &mut kept);
                three_way(&mut contact.title, &was.title, &left.title, &what("title"), &mut kept);
                three_way(
                    &mut contact.do_not_call,
                    &was.do_not_call,
                    &left.do_not_call,
                    &what("do_not_call"),
                    &mut kept,
                );
                three_way(
                    &mut contact.do_not_email,
                    &was.do_not_email,
                    &left.do_not_email,
                    &what("do_not_email"),
                    &mut kept,
                );
                contact.emails = undo_in_list(&c.emails, &was.emails, &left.emails);
                let numbers = |list: &[crate::store::contacts::ContactPhone]| {
                    list.iter().map(|p| p.e164.clone()).collect::<Vec<_>>()
                };
                let keep = undo_in_list(&numbers(&c.phones), &numbers(&was.phones), &numbers(&left.phones));
                let mut phones: Vec<_> = c.phones.iter().filter(|p| keep.contains(&p.e164)).cloned().collect();
                for p in &was.phones {
                    if keep.contains(&p.e164) && !phones.iter().any(|q| q.e164 == p.e164) {
                        phones.push(p.clone());
                    }
                }
                phones.sort_by_key(|p| keep.iter().position(|k| *k == p.e164));
                contact.phones = phones;
                if contact != *c {
                    contact.updated_at = store::now();
                    store::contacts::update(tx, org, &contact, &phones_of(&contact)).await?;
                }
                contacts.push(contact);
            }
            _ => contacts.push(c.clone()),
        }
    }
    lead.contacts = contacts;
    if lead != current {
        lead.updated_at = store::now();
        store::leads::update(tx, org, &lead).await?;
        store::leads::set_tags(tx, org, lead.id, &lead.tags).await?;
        store::leads::refresh_search(tx, &lead).await?;
    }
    let edited_since = current.updated_at != import_touched || !kept.is_empty();
    Ok(Undone { edited_since, restored: kept.is_empty(), changed: true, kept })
}

/// One field three ways: back to `before` if it is still as the import left it; kept
/// (and named in `kept`) if someone changed it since.
fn three_way<T: PartialEq + Clone>(current: &mut T, before: &T, after: &T, name: &str, kept: &mut Vec<String>) {
    if before == after {
        return;
    }
    if current == after {
        current.clone_from(before);
    } else {
        kept.push(name.to_owned());
    }
}

/// [`three_way`] for each key of two JSON objects (a key absent on a side is a value too),
/// naming kept keys after `prefix`.
fn three_way_map(current: &mut JsonMap, before: &JsonMap, after: &JsonMap, prefix: &str, kept: &mut Vec<String>) {
    let keys: std::collections::BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    for key in keys {
        let mut value = current.get(key).cloned();
        three_way(&mut value, &before.get(key).cloned(), &after.get(key).cloned(), &format!("{prefix}{key}"), kept);
        match value {
            Some(v) => current.insert(key.clone(), v),
            None => current.remove(key),
        };
    }
}

type JsonMap = serde_json::Map<String, serde_json::Value>;

/// A record's fields without its id and timestamps, which undo leaves to the store.
fn without_stamps(record: &JsonMap) -> JsonMap {
    record
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "id" | "created_at" | "updated_at"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// A list with what the import added taken out and what it took out put back, keeping
/// what others changed since.
fn undo_in_list(current: &[String], before: &[String], after: &[String]) -> Vec<String> {
    let mut out: Vec<String> = current.iter().filter(|v| before.contains(v) || !after.contains(v)).cloned().collect();
    for v in before {
        if !after.contains(v) && !out.contains(v) {
            out.push(v.clone());
        }
    }
    out
}

/// Puts a lead back as it was before the import, unless it changed since.
async fn restore_lead(
    tx: &mut Tx,
    org: Uuid,
    import: Uuid,
    lead_id: Uuid,
    before: &str,
    import_touched: DateTime<Utc>,
) -> anyhow::Result<bool> {
    let Some(current) = store::leads::get(tx, org, lead_id).await? else { return Ok(false) };
    if current.updated_at != import_touched {
        return Ok(false);
    }
    let mut lead: Lead = serde_json::from_str(before)?;
    lead.updated_at = store::now();
    store::leads::update(tx, org, &lead).await?;
    store::leads::set_tags(tx, org, lead.id, &lead.tags).await?;
    crate::on_tx!(tx, |c| sqlx::query("DELETE FROM contacts WHERE lead_id = $1 AND import_id = $2")
        .bind(lead_id)
        .bind(import)
        .execute(c)
        .await
        .map(drop))?;
    for contact in &lead.contacts {
        store::contacts::update(tx, org, contact, &phones_of(contact)).await?;
    }
    store::leads::refresh_search(tx, &lead).await?;
    Ok(true)
}

fn phones_of(c: &Contact) -> Vec<Phone> {
    c.phones.iter().filter_map(crate::store::contacts::ContactPhone::to_phone).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    #[test]
    fn a_field_goes_back_only_if_nobody_changed_it_since() {
        let mut kept = Vec::new();
        let mut untouched = "Oslo".to_owned();
        three_way(&mut untouched, &"Oslo".to_owned(), &"Oslo".to_owned(), "city", &mut kept);
        let mut as_left = "Bergen".to_owned();
        three_way(&mut as_left, &"Oslo".to_owned(), &"Bergen".to_owned(), "city", &mut kept);
        let mut edited = "Tromsø".to_owned();
        three_way(&mut edited, &"Oslo".to_owned(), &"Bergen".to_owned(), "city", &mut kept);
        assert_eq!((untouched.as_str(), as_left.as_str(), edited.as_str()), ("Oslo", "Oslo", "Tromsø"));
        assert_eq!(kept, ["city"]);
    }

    #[test]
    fn a_list_loses_what_the_import_added_and_keeps_later_additions() {
        let s = |v: &[&str]| v.iter().map(|x| (*x).to_owned()).collect::<Vec<_>>();
        // The import added "import" and took out "old"; someone then added "mine".
        let now = undo_in_list(&s(&["keep", "import", "mine"]), &s(&["keep", "old"]), &s(&["keep", "import"]));
        assert_eq!(now, s(&["keep", "mine", "old"]));
    }

    #[test]
    fn a_flat_record_is_undone_field_by_field() {
        let at = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        let change = Change {
            entity_type: "product".into(),
            entity_id: Uuid::nil(),
            before: json!({"name": "Starter", "price_minor": 100, "code": "S", "updated_at": "x"}).to_string(),
            after: Some(json!({"name": "Starter 2", "price_minor": 200, "code": "S", "updated_at": "y"}).to_string()),
            after_updated_at: at("2026-01-01T00:00:00Z"),
        };
        // Nobody touched it: all back.
        let current = json!({"name": "Starter 2", "price_minor": 200, "code": "S", "updated_at": "y"});
        let (v, undone): (Value, Undone) = three_way_record(&current, &change, at("2026-01-01T00:00:00Z")).unwrap();
        assert_eq!((v["name"].clone(), v["price_minor"].clone()), (json!("Starter"), json!(100)));
        assert!(undone.restored && undone.changed && !undone.edited_since);
        // The price was edited since: it stays, the name goes back.
        let current = json!({"name": "Starter 2", "price_minor": 250, "code": "S", "updated_at": "z"});
        let (v, undone): (Value, Undone) = three_way_record(&current, &change, at("2026-02-01T00:00:00Z")).unwrap();
        assert_eq!((v["name"].clone(), v["price_minor"].clone()), (json!("Starter"), json!(250)));
        assert!(!undone.restored && undone.edited_since);
        assert_eq!(undone.kept, ["price_minor"]);
        // A change kept without the record after it: whole, unless edited since.
        let legacy = Change { after: None, ..change };
        let (v, undone): (Value, Undone) = three_way_record(&current, &legacy, at("2026-02-01T00:00:00Z")).unwrap();
        assert_eq!(v, current);
        assert!(!undone.restored && undone.edited_since);
    }
}
