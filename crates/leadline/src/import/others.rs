//! The rest of a CRM: products, opportunities, users and teams. Fewer rows than
//! leads, so each row is written on its own inside its batch's transaction.

use super::undo::Undone;
use super::{
    Issue,
    engine::{Job, Progress, issue_rows, row_note, spawn_reader},
    undo::UndoReport,
};
use crate::store::imports::Change;
use crate::store::{
    self, Db, Tx,
    imports::{Counts, NewReportRow},
    sales::CustomFields,
};
use chrono::{DateTime, Utc};
use csv::ByteRecord;
use leadline_domain::mapping::ImportKind;
use std::sync::{Arc, atomic::Ordering};
use uuid::Uuid;

/// A prepared row, or why it was refused.
pub struct Row<T> {
    pub line: u64,
    pub result: Result<(T, Vec<Issue>), Vec<Issue>>,
}

/// A prepared row as the preview shows it: each field it will store, by name.
pub trait Shown {
    fn shown(&self) -> serde_json::Map<String, serde_json::Value>;
}

/// Fields with a value, as strings, in the order given.
pub fn shown_fields<'a>(
    fields: impl IntoIterator<Item = (&'a str, Option<String>)>,
) -> serde_json::Map<String, serde_json::Value> {
    fields.into_iter().filter_map(|(k, v)| Some((k.to_owned(), serde_json::Value::String(v?)))).collect()
}

/// The row's values of the columns kept as custom fields.
pub fn custom_fields(cols: &super::columns::Columns, rec: &ByteRecord) -> CustomFields {
    CustomFields(
        cols.customs(rec).map(|(_, name, v)| (name.to_owned(), serde_json::Value::String(v.into_owned()))).collect(),
    )
}

/// Custom fields as the preview shows them, after the fields ("custom:Probability").
pub fn shown_custom(custom: &CustomFields) -> impl Iterator<Item = (String, serde_json::Value)> + '_ {
    custom.0.iter().map(|(k, v)| (format!("custom:{k}"), v.clone()))
}

/// A row's custom fields on a record it matched: with `update` each replaces the record's
/// value; on merge only fields the record lacks are added.
pub fn keep_custom(record: &mut CustomFields, row: CustomFields, update: bool) {
    for (k, v) in row.0 {
        if update {
            record.0.insert(k, v);
        } else {
            record.0.entry(k).or_insert(v);
        }
    }
}

/// What writing one row did.
pub enum Outcome {
    Created(Uuid),
    Updated(Uuid, String),
    Merged(Uuid, String),
    Duplicate(Uuid, String),
    Rejected(Vec<Issue>),
}

/// Stores prepared rows of one kind.
pub(crate) trait Writer {
    type Item: Send + 'static;
    async fn write(&mut self, tx: &mut Tx, job: &Job, item: Self::Item, now: DateTime<Utc>) -> anyhow::Result<Outcome>;

    /// Warnings the last `write` found (a manager that is not a user, ...).
    fn take_warnings(&mut self) -> Vec<Issue> {
        Vec::new()
    }
}

pub async fn run(db: &Db, job: &Job, progress: &Arc<Progress>) -> anyhow::Result<u64> {
    match job.kind {
        ImportKind::Products => super::products::run(db, job, progress).await,
        ImportKind::Opportunities => super::opportunities::run(db, job, progress).await,
        ImportKind::Users => super::users::run(db, job, progress).await,
        ImportKind::Leads => anyhow::bail!("leads are imported by the lead engine"),
    }
}

/// Reads the file with `prepare` and stores every batch with `writer`.
pub(crate) async fn drive<W: Writer>(
    db: &Db,
    job: &Job,
    progress: &Arc<Progress>,
    prepare: impl Fn(u64, &ByteRecord) -> Row<W::Item> + Send + 'static,
    writer: &mut W,
) -> anyhow::Result<u64> {
    let columns = job.columns.clone();
    let (mut batches, reader) = spawn_reader(job, move |line, rec| {
        let mut row = prepare(line, rec);
        if let Ok((_, warnings)) = &mut row.result {
            warnings.extend(columns.overflow(rec));
        }
        row
    })?;
    while let Some(batch) = batches.recv().await {
        let now = store::now();
        let mut counts = Counts::default();
        let mut report: Vec<NewReportRow> = Vec::new();
        let mut tx = db.write().await?;
        for row in batch.items {
            let line = row.line;
            let push_issues =
                |report: &mut Vec<NewReportRow>, outcome: &'static str, issues: &[Issue], id: Option<Uuid>| {
                    report.extend(issue_rows(line, outcome, issues, id));
                };
            let (item, mut warnings) = match row.result {
                Ok(v) => v,
                Err(issues) => {
                    counts.rejected += 1;
                    push_issues(&mut report, "rejected", &issues, None);
                    continue;
                }
            };
            let outcome = writer.write(&mut tx, job, item, now).await?;
            warnings.extend(writer.take_warnings());
            let id = match &outcome {
                Outcome::Created(id) => {
                    counts.created += 1;
                    Some(*id)
                }
                Outcome::Updated(id, reason) => {
                    counts.updated += 1;
                    report.push(row_note(line, "updated", reason.clone(), Some(*id)));
                    Some(*id)
                }
                Outcome::Merged(id, reason) => {
                    counts.merged += 1;
                    report.push(row_note(line, "merged", reason.clone(), Some(*id)));
                    Some(*id)
                }
                Outcome::Duplicate(id, reason) => {
                    counts.duplicates += 1;
                    report.push(row_note(line, "duplicate", reason.clone(), Some(*id)));
                    None
                }
                Outcome::Rejected(issues) => {
                    counts.rejected += 1;
                    push_issues(&mut report, "rejected", issues, None);
                    None
                }
            };
            if id.is_some() && !warnings.is_empty() {
                counts.warnings += 1;
                push_issues(&mut report, "warning", &warnings, id);
            }
        }
        store::imports::add_rows(&mut tx, job.id, &report).await?;
        store::imports::progress(&mut tx, job.id, i64::try_from(batch.rows_read).unwrap_or(i64::MAX), &counts, now)
            .await?;
        tx.commit().await?;
        progress.rows_done.store(batch.rows_read, Ordering::Relaxed);
        progress.created.fetch_add(u64::try_from(counts.created).unwrap_or(0), Ordering::Relaxed);
        progress.duplicates.fetch_add(u64::try_from(counts.duplicates).unwrap_or(0), Ordering::Relaxed);
        progress.rejected.fetch_add(u64::try_from(counts.rejected).unwrap_or(0), Ordering::Relaxed);
        if super::engine::stop_requested(db, job.id).await? {
            break;
        }
    }
    drop(batches);
    reader.join().map_err(|_| anyhow::anyhow!("the reader thread panicked"))?
}

/// The table each kind's records live in.
pub(super) fn table(kind: &str) -> Option<&'static str> {
    match kind {
        "products" | "product" => Some("products"),
        "opportunities" | "opportunity" => Some("opportunities"),
        "users" | "user" => Some("users"),
        _ => None,
    }
}

/// Deletes the records an import of `kind` created, keeping those edited since.
pub async fn delete_created(
    db: &Db,
    org: Uuid,
    import: Uuid,
    kind: &str,
    finished: DateTime<Utc>,
    report: &mut UndoReport,
) -> anyhow::Result<()> {
    let Some(table) = table(kind) else { return Ok(()) };
    let mut tx = db.write().await?;
    let sql = sqlx::AssertSqlSafe(format!("SELECT id, updated_at FROM {table} WHERE org_id = $1 AND import_id = $2"));
    let rows: Vec<(Uuid, DateTime<Utc>)> =
        crate::on_tx!(&mut tx, |c| sqlx::query_as(sql).bind(org).bind(import).fetch_all(c).await)?;
    let mut doomed = Vec::new();
    for (id, updated) in rows {
        if updated > finished || (table == "products" && super::products::in_use(&mut tx, id).await?) {
            report.keep(id);
        } else {
            doomed.push(id);
        }
    }
    // Users are deleted in rounds, those nobody reports to first: a manager the same import
    // created has no work left once the people it made report to them are gone.
    loop {
        let mut left = Vec::new();
        for &id in &doomed {
            if table == "users" && super::users::has_work(&mut tx, id).await? {
                left.push(id);
            } else {
                let sql = sqlx::AssertSqlSafe(format!("DELETE FROM {table} WHERE id = $1"));
                crate::on_tx!(&mut tx, |c| sqlx::query(sql).bind(id).execute(c).await.map(drop))?;
                report.deleted += 1;
            }
        }
        let progressed = left.len() < doomed.len();
        doomed = left;
        if doomed.is_empty() || !progressed {
            break;
        }
    }
    for id in doomed {
        // A user who already owns or did work is deactivated, not deleted.
        crate::on_tx!(&mut tx, |c| sqlx::query("UPDATE users SET active = $1, import_id = NULL WHERE id = $2")
            .bind(false)
            .bind(id)
            .execute(c)
            .await
            .map(drop))?;
        report.deactivated += 1;
    }
    if table == "users" {
        crate::on_tx!(&mut tx, |c| sqlx::query(
            "DELETE FROM teams WHERE org_id = $1 AND import_id = $2
               AND NOT EXISTS (SELECT 1 FROM users u WHERE u.team_id = teams.id)"
        )
        .bind(org)
        .bind(import)
        .execute(c)
        .await
        .map(drop))?;
    }
    super::undo::save_progress(&mut tx, import, report).await?;
    tx.commit().await?;
    Ok(())
}

/// Puts a product, opportunity or user back as it was, unless edited since.
pub async fn restore(tx: &mut Tx, org: Uuid, id: Uuid, change: &Change) -> anyhow::Result<Undone> {
    match change.entity_type.as_str() {
        "product" => super::products::restore(tx, org, id, change).await,
        "opportunity" => super::opportunities::restore(tx, org, id, change).await,
        "user" => super::users::restore(tx, org, id, change).await,
        _ => Ok(Undone::gone()),
    }
}

/// When a record was last changed, to tell whether it was edited since an import.
pub async fn updated_at(tx: &mut Tx, kind: &str, id: Uuid) -> anyhow::Result<Option<DateTime<Utc>>> {
    let Some(table) = table(kind) else { return Ok(None) };
    let sql = sqlx::AssertSqlSafe(format!("SELECT updated_at FROM {table} WHERE id = $1"));
    Ok(crate::on_tx!(tx, |c| sqlx::query_scalar(sql).bind(id).fetch_optional(c).await)?)
}

/// The currency an organization most likely prices in, from its region.
#[must_use]
pub fn default_currency(region: &str) -> &'static str {
    match region {
        "US" | "EC" | "SV" | "PR" => "USD",
        "GB" => "GBP",
        "SE" => "SEK",
        "NO" => "NOK",
        "DK" => "DKK",
        "CH" | "LI" => "CHF",
        "PL" => "PLN",
        "CZ" => "CZK",
        "HU" => "HUF",
        "CA" => "CAD",
        "AU" => "AUD",
        "NZ" => "NZD",
        "JP" => "JPY",
        "IN" => "INR",
        "BR" => "BRL",
        "MX" => "MXN",
        "ZA" => "ZAR",
        "SG" => "SGD",
        "IL" => "ILS",
        "IS" => "ISK",
        _ => "EUR",
    }
}
