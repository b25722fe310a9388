//! Undoing an import: what it created is deleted, what it changed is restored —
//! except records edited since, which are kept as they are and reported.

use crate::{
    app::{Actor, AppError, audit::By},
    store::{self, Db, Tx, contacts::Contact, leads::Lead},
};
use chrono::{DateTime, Utc};
use leadline_domain::Phone;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// What an undo did.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct UndoReport {
    /// Records the import created that were deleted.
    pub deleted: u64,
    /// Records the import changed that were put back as they were.
    pub restored: u64,
    /// Records edited after the import: left as they are.
    pub kept_edited: Vec<Uuid>,
}

const PAGE: i64 = 2_000;

/// Undoes import `id` of the actor's organization. Safe to run again after a crash.
pub async fn undo(db: &Db, actor: &Actor, id: Uuid) -> Result<UndoReport, AppError> {
    if !actor.user.role.deletes_leads() {
        return Err(AppError::Forbidden("only admins and managers can undo imports".into()));
    }
    undo_as(db, actor.into(), id).await
}

/// Undoes import `id` of `by.org`, on behalf of `by`.
pub async fn undo_as(db: &Db, by: By<'_>, id: Uuid) -> Result<UndoReport, AppError> {
    let org = by.org;
    let mut tx = db.write().await?;
    let import = store::imports::get(&mut tx, org, id).await?.ok_or(AppError::NotFound("import"))?;
    let stale_before = store::now() - super::engine::STALE_AFTER;
    match import.status.as_str() {
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
    store::imports::set_status(&mut tx, id, "undoing", None).await?;
    tx.commit().await?;
    let finished = import.finished_at.unwrap_or_else(store::now);
    let started = import.started_at.unwrap_or(import.created_at);
    let mut report = UndoReport::default();
    match import.kind.as_str() {
        "leads" => delete_created_leads(db, org, id, started, finished, &mut report).await?,
        other => super::others::delete_created(db, org, id, other, finished, &mut report).await?,
    }
    let mut tx = db.write().await?;
    for (entity_type, entity_id, before, after) in store::imports::changes(&mut tx, id).await? {
        let restored = match entity_type.as_str() {
            "lead" => restore_lead(&mut tx, org, id, entity_id, &before, after).await?,
            other => super::others::restore(&mut tx, org, other, entity_id, &before, after).await?,
        };
        if restored {
            report.restored += 1;
        } else {
            report.kept_edited.push(entity_id);
        }
    }
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

/// Deletes the leads the import created, a page per transaction, in creation order;
/// leads edited after the import finished are kept.
async fn delete_created_leads(
    db: &Db,
    org: Uuid,
    id: Uuid,
    started: DateTime<Utc>,
    finished: DateTime<Utc>,
    report: &mut UndoReport,
) -> anyhow::Result<()> {
    let mut after: (DateTime<Utc>, Uuid) = (started - chrono::TimeDelta::seconds(1), Uuid::nil());
    loop {
        let mut tx = db.write().await?;
        let page: Vec<(Uuid, DateTime<Utc>, DateTime<Utc>)> = crate::on_tx!(&mut tx, |c| sqlx::query_as(
            "SELECT id, created_at, updated_at FROM leads
             WHERE org_id = $1 AND created_at <= $2 AND (created_at > $3 OR (created_at = $3 AND id > $4))
               AND import_id = $5
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
        let mut doomed = Vec::new();
        for (lead, _, updated) in &page {
            if *updated > finished {
                report.kept_edited.push(*lead);
            } else {
                doomed.push(*lead);
            }
        }
        delete_leads(&mut tx, &doomed).await?;
        tx.commit().await?;
        report.deleted += doomed.len() as u64;
    }
    Ok(())
}

async fn delete_leads(tx: &mut Tx, ids: &[Uuid]) -> anyhow::Result<()> {
    if ids.is_empty() {
        return Ok(());
    }
    crate::on_tx!(tx, |c| {
        let mut q = sqlx::QueryBuilder::new("DELETE FROM leads WHERE id IN (");
        let mut sep = q.separated(", ");
        for id in ids {
            sep.push_bind(*id);
        }
        q.push(")");
        q.build().execute(c).await.map(drop)
    })?;
    Ok(())
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
