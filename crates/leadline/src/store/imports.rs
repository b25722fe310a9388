//! Imports: their records, report rows, undo snapshots and stored files.

use super::Tx;
use crate::on_tx;
use anyhow::Context;
use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::QueryBuilder;
use utoipa::ToSchema;
use uuid::Uuid;

/// Counts of what an import did to its rows, given both as fields of the import and as
/// one object under `counts`.
#[derive(Debug, Clone, Default, PartialEq, Eq, ToSchema, sqlx::FromRow)]
pub struct Counts {
    pub created: i64,
    pub updated: i64,
    pub merged: i64,
    /// Rows skipped because they matched an existing lead or an earlier row.
    pub duplicates: i64,
    /// The same count as `duplicates`, under the name the summary uses.
    #[sqlx(default)]
    pub skipped: i64,
    pub rejected: i64,
    /// Rows stored with something left out or changed (e.g. an unknown owner).
    pub warnings: i64,
}

impl Serialize for Counts {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        fn fields<T: SerializeStruct>(st: &mut T, c: &Counts) -> Result<(), T::Error> {
            st.serialize_field("created", &c.created)?;
            st.serialize_field("updated", &c.updated)?;
            st.serialize_field("merged", &c.merged)?;
            st.serialize_field("duplicates", &c.duplicates)?;
            st.serialize_field("skipped", &c.skipped)?;
            st.serialize_field("rejected", &c.rejected)?;
            st.serialize_field("warnings", &c.warnings)
        }
        struct Nested<'a>(&'a Counts);
        impl Serialize for Nested<'_> {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut st = s.serialize_struct("Counts", 7)?;
                fields(&mut st, self.0)?;
                st.end()
            }
        }
        let mut st = s.serialize_struct("Counts", 8)?;
        fields(&mut st, self)?;
        st.serialize_field("counts", &Nested(self))?;
        st.end()
    }
}

impl Counts {
    pub fn add(&mut self, other: &Counts) {
        self.created += other.created;
        self.updated += other.updated;
        self.merged += other.merged;
        self.duplicates += other.duplicates;
        self.skipped += other.skipped;
        self.rejected += other.rejected;
        self.warnings += other.warnings;
    }
}

/// One import as recorded.
#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
pub struct Import {
    pub id: Uuid,
    #[serde(skip)]
    pub org_id: Uuid,
    pub user_id: Option<Uuid>,
    #[sqlx(default)]
    pub user_name: Option<String>,
    /// leads, products, opportunities or users.
    pub kind: String,
    pub file_name: String,
    pub file_sha256: String,
    pub file_size: i64,
    #[schema(value_type = Object)]
    #[sqlx(json)]
    pub options: serde_json::Value,
    /// running, completed, failed, undoing or undone.
    pub status: String,
    pub error: Option<String>,
    /// Rows in the file (an estimate until the import completes).
    pub rows_total: Option<i64>,
    pub rows_done: i64,
    #[sqlx(flatten)]
    #[serde(flatten)]
    pub counts: Counts,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub heartbeat_at: Option<DateTime<Utc>>,
    /// The process running it (`host:pid`), to tell a crashed run from a live one.
    #[serde(skip)]
    pub runner: Option<String>,
    pub undone_at: Option<DateTime<Utc>>,
    #[schema(value_type = Option<Object>)]
    #[sqlx(json(nullable))]
    pub undo_report: Option<serde_json::Value>,
    /// Set while an undo asked for waits for an import writing into the organization to
    /// end (renewed every few seconds; cleared when the undo begins).
    pub undo_waiting_at: Option<DateTime<Utc>>,
}

impl Import {
    /// Whether an undo of it waits for an import writing into the organization (said since
    /// `stale_before` by a process that lives).
    #[must_use]
    pub fn waits_for_undo(&self, now: DateTime<Utc>, stale_before: DateTime<Utc>) -> bool {
        !matches!(self.status.as_str(), "undoing" | "undone")
            && self.undo_waiting_at.is_some_and(|t| t > stale_before && t <= now + chrono::TimeDelta::seconds(5))
    }

    /// A lead import that skipped rows as duplicates: some may be further people of a lead
    /// already here (a contacts export lists one row per person), which merging would add.
    #[must_use]
    pub fn skipped_duplicates(&self) -> bool {
        let on_duplicate = self.options.get("on_duplicate").and_then(serde_json::Value::as_str).unwrap_or("skip");
        self.kind == "leads" && self.counts.duplicates > 0 && on_duplicate == "skip"
    }
}

const COLUMNS: &str = "i.id, i.org_id, i.user_id, u.name AS user_name, i.kind, i.file_name, i.file_sha256, i.file_size, \
    i.options, i.status, i.error, i.rows_total, i.rows_done, i.created, i.updated, i.merged, i.duplicates, \
    i.duplicates AS skipped, i.rejected, \
    i.warnings, i.created_at, i.started_at, i.finished_at, i.heartbeat_at, i.runner, i.undone_at, i.undo_report, \
    i.undo_waiting_at";

/// A row of an import's report.
#[derive(Debug, Clone, Serialize, ToSchema, sqlx::FromRow)]
pub struct ReportRow {
    /// The row's number in the file, the header being row 1.
    pub row_number: i64,
    /// rejected, duplicate, updated, merged or warning.
    pub outcome: String,
    pub column_name: Option<String>,
    pub value: Option<String>,
    pub reason: String,
    /// The lead (or other record) the row matched or changed.
    pub entity_id: Option<Uuid>,
    /// That record's name now (none when it has been deleted since).
    pub record_name: Option<String>,
}

#[allow(clippy::too_many_arguments)]
pub async fn insert(
    tx: &mut Tx,
    id: Uuid,
    org: Uuid,
    user: Option<Uuid>,
    kind: &str,
    file_name: &str,
    sha256: &str,
    size: i64,
    options: &serde_json::Value,
    rows_total: i64,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    on_tx!(tx, |c| sqlx::query(
        "INSERT INTO imports (id, org_id, user_id, kind, file_name, file_sha256, file_size, options, status,
            rows_total, created_at, started_at, heartbeat_at, runner)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'running', $9, $10, $10, $10, $11)"
    )
    .bind(id)
    .bind(org)
    .bind(user)
    .bind(kind)
    .bind(file_name)
    .bind(sha256)
    .bind(size)
    .bind(sqlx::types::Json(options))
    .bind(rows_total)
    .bind(now)
    .bind(runner())
    .execute(c)
    .await
    .map(drop))
    .context("recording the import")
}

pub async fn get(tx: &mut Tx, org: Uuid, id: Uuid) -> anyhow::Result<Option<Import>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM imports i LEFT JOIN users u ON u.id = i.user_id WHERE i.id = $1 AND i.org_id = $2"
    ));
    on_tx!(tx, |c| sqlx::query_as(sql).bind(id).bind(org).fetch_optional(c).await).context("loading the import")
}

/// The organization's imports, newest first.
pub async fn list(tx: &mut Tx, org: Uuid, limit: i64) -> anyhow::Result<Vec<Import>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM imports i LEFT JOIN users u ON u.id = i.user_id WHERE i.org_id = $1
         ORDER BY i.created_at DESC, i.id DESC LIMIT $2"
    ));
    on_tx!(tx, |c| sqlx::query_as(sql).bind(org).bind(limit).fetch_all(c).await).context("listing imports")
}

/// This process, as `host:pid`.
#[must_use]
pub fn runner() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_else(|_| "localhost".into());
    format!("{}:{}", host.trim(), std::process::id())
}

/// Whether the import's process has stopped: its heartbeat is older than
/// `stale_before`, or it ran on this host under a process id that no longer exists.
#[must_use]
pub fn stopped(import: &Import, stale_before: DateTime<Utc>) -> bool {
    if import.heartbeat_at.is_none_or(|h| h < stale_before) {
        return true;
    }
    let Some((host, pid)) = import.runner.as_deref().and_then(|r| r.rsplit_once(':')) else { return false };
    let here = runner();
    let this_host = here.rsplit_once(':').map(|(h, _)| h) == Some(host);
    this_host && pid != std::process::id().to_string() && !process_lives(pid)
}

/// Whether process `pid` of this host runs: a killed one whose parent has not yet reaped
/// it (a zombie) does not. Without `/proc` (macOS) it is taken to run, and only its
/// heartbeat tells.
fn process_lives(pid: &str) -> bool {
    if !std::path::Path::new("/proc/self/stat").exists() {
        return true;
    }
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
        let state = stat.rsplit_once(')').and_then(|(_, rest)| rest.trim_start().chars().next());
        !matches!(state, Some('Z' | 'X') | None)
    })
}

/// Unfinished imports of the same file and kind, newest first.
pub async fn running_for_file(tx: &mut Tx, org: Uuid, kind: &str, sha256: &str) -> anyhow::Result<Vec<Import>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM imports i LEFT JOIN users u ON u.id = i.user_id
         WHERE i.org_id = $1 AND i.file_sha256 = $2 AND i.kind = $3 AND i.status = 'running'
         ORDER BY i.created_at DESC"
    ));
    on_tx!(tx, |c| sqlx::query_as(sql).bind(org).bind(sha256).bind(kind).fetch_all(c).await)
        .context("looking for an interrupted import")
}

/// The latest import of the same file and kind that has ended (completed, stopped,
/// failed or undone): importing a file again is worth a word.
pub async fn earlier_of_file(tx: &mut Tx, org: Uuid, kind: &str, sha256: &str) -> anyhow::Result<Option<Import>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM imports i LEFT JOIN users u ON u.id = i.user_id
         WHERE i.org_id = $1 AND i.file_sha256 = $2 AND i.kind = $3
           AND i.status IN ('completed', 'stopped', 'failed', 'undone')
         ORDER BY i.created_at DESC LIMIT 1"
    ));
    on_tx!(tx, |c| sqlx::query_as(sql).bind(org).bind(sha256).bind(kind).fetch_optional(c).await)
        .context("looking for an earlier import of the file")
}

/// Asks a running import to stop after the batch it is writing (nothing if it is not running).
pub async fn request_stop(tx: &mut Tx, org: Uuid, id: Uuid) -> anyhow::Result<()> {
    on_tx!(tx, |c| sqlx::query(
        "UPDATE imports SET status = 'stopping' WHERE id = $1 AND org_id = $2 AND status = 'running'"
    )
    .bind(id)
    .bind(org)
    .execute(c)
    .await
    .map(drop))
    .context("asking an import to stop")
}

/// Import `id`'s status now.
pub async fn status(tx: &mut Tx, id: Uuid) -> anyhow::Result<Option<String>> {
    on_tx!(tx, |c| sqlx::query_scalar("SELECT status FROM imports WHERE id = $1").bind(id).fetch_optional(c).await)
        .context("reading an import's status")
}

/// Every organization's unfinished imports and undos, for a starting server to resume those whose process stopped.
pub async fn unfinished(tx: &mut Tx) -> anyhow::Result<Vec<Import>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM imports i LEFT JOIN users u ON u.id = i.user_id
         WHERE i.status IN ('running', 'stopping', 'undoing') ORDER BY i.created_at"
    ));
    on_tx!(tx, |c| sqlx::query_as(sql).fetch_all(c).await).context("finding unfinished imports")
}

/// Other imports of the same kind into the organization that write into it: let in to
/// write and not ended, or being undone (an import and an undo of the same kind take turns,
/// so that an import never matches rows to leads an undo is deleting meanwhile).
pub async fn writing_besides(tx: &mut Tx, org: Uuid, kind: &str, id: Uuid) -> anyhow::Result<Vec<Import>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM imports i LEFT JOIN users u ON u.id = i.user_id
         WHERE i.org_id = $1 AND i.kind = $2 AND i.id <> $3
           AND ((i.status IN ('running', 'stopping') AND i.admitted_at IS NOT NULL) OR i.status = 'undoing')"
    ));
    on_tx!(tx, |c| sqlx::query_as(sql).bind(org).bind(kind).bind(id).fetch_all(c).await)
        .context("looking for other imports writing")
}

/// What is let in to write: an import, or the undo of one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Writer {
    Import,
    Undo,
}

/// Lets import `id` (or its undo) begin writing when no other import or undo of `kind`
/// writes into `org` (with a live heartbeat; `stale_before` as in [`stopped`]), in a write
/// transaction that no other admission runs beside (SQLite has one writer; PostgreSQL
/// takes a lock for it). Answers whether it was let in; an undo let in is marked as being
/// undone by this process.
#[allow(clippy::too_many_arguments)]
pub async fn admit(
    tx: &mut Tx,
    org: Uuid,
    kind: &str,
    id: Uuid,
    writer: Writer,
    now: DateTime<Utc>,
    stale_before: DateTime<Utc>,
) -> anyhow::Result<bool> {
    if let Tx::Postgres(c) = tx {
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(ADMISSION_LOCK)
            .execute(&mut **c)
            .await
            .context("waiting to begin writing")?;
    }
    if writing_besides(tx, org, kind, id).await?.iter().any(|i| !stopped(i, stale_before)) {
        return Ok(false);
    }
    match writer {
        Writer::Undo => undo_begins(tx, id, now).await?,
        Writer::Import => {
            on_tx!(tx, |c| sqlx::query("UPDATE imports SET admitted_at = $1, heartbeat_at = $1 WHERE id = $2")
                .bind(now)
                .bind(id)
                .execute(c)
                .await
                .map(drop))
            .context("beginning the import")?
        }
    }
    Ok(true)
}

/// The PostgreSQL advisory lock imports are let in under, one at a time.
const ADMISSION_LOCK: i64 = 0x1EAD_11E0;

/// Says that the import's process is alive (while it waits for another import).
pub async fn beat(tx: &mut Tx, id: Uuid, now: DateTime<Utc>) -> anyhow::Result<()> {
    on_tx!(tx, |c| sqlx::query("UPDATE imports SET heartbeat_at = $1 WHERE id = $2")
        .bind(now)
        .bind(id)
        .execute(c)
        .await
        .map(drop))
    .context("recording the import's heartbeat")?;
    Ok(())
}

/// Takes over a stopped import, or its undo (`import.status` as seen: running or
/// undoing): only one process wins, as the heartbeat must still be the one seen. A resumed
/// import is let in to write anew.
pub async fn claim(tx: &mut Tx, import: &Import, now: DateTime<Utc>) -> anyhow::Result<bool> {
    let n = on_tx!(tx, |c| {
        sqlx::query(
            "UPDATE imports SET heartbeat_at = $1, runner = $2,
                admitted_at = CASE WHEN status = 'running' THEN NULL ELSE admitted_at END
             WHERE id = $3 AND status = $4 AND (heartbeat_at = $5 OR heartbeat_at IS NULL)",
        )
        .bind(now)
        .bind(runner())
        .bind(import.id)
        .bind(&import.status)
        .bind(import.heartbeat_at)
        .execute(c)
        .await
        .map(|r| r.rows_affected())
    })
    .context("claiming the import")?;
    Ok(n == 1)
}

/// Records a batch's progress; runs in the batch's transaction.
pub async fn progress(tx: &mut Tx, id: Uuid, rows_done: i64, added: &Counts, now: DateTime<Utc>) -> anyhow::Result<()> {
    on_tx!(tx, |c| sqlx::query(
        "UPDATE imports SET rows_done = $1, created = created + $2, updated = updated + $3, merged = merged + $4,
            duplicates = duplicates + $5, rejected = rejected + $6, warnings = warnings + $7, heartbeat_at = $8
         WHERE id = $9"
    )
    .bind(rows_done)
    .bind(added.created)
    .bind(added.updated)
    .bind(added.merged)
    .bind(added.duplicates)
    .bind(added.rejected)
    .bind(added.warnings)
    .bind(now)
    .bind(id)
    .execute(c)
    .await
    .map(drop))
    .context("recording import progress")
}

pub async fn finish(
    tx: &mut Tx,
    id: Uuid,
    status: &str,
    error: Option<&str>,
    rows_total: Option<i64>,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    on_tx!(tx, |c| sqlx::query(
        "UPDATE imports SET status = $1, error = $2, rows_total = COALESCE($3, rows_total), finished_at = $4,
            heartbeat_at = $4 WHERE id = $5"
    )
    .bind(status)
    .bind(error)
    .bind(rows_total)
    .bind(now)
    .bind(id)
    .execute(c)
    .await
    .map(drop))
    .context("finishing the import")?;
    on_tx!(tx, |c| sqlx::query("DELETE FROM import_files WHERE import_id = $1").bind(id).execute(c).await.map(drop))
        .context("dropping the import's file")
}

pub async fn set_status(tx: &mut Tx, id: Uuid, status: &str, report: Option<&serde_json::Value>) -> anyhow::Result<()> {
    let now = super::now();
    on_tx!(tx, |c| sqlx::query(
        "UPDATE imports SET status = $1, undo_report = COALESCE($2, undo_report),
            undone_at = CASE WHEN $1 = 'undone' THEN $3 ELSE undone_at END WHERE id = $4"
    )
    .bind(status)
    .bind(report.map(sqlx::types::Json))
    .bind(now)
    .bind(id)
    .execute(c)
    .await
    .map(drop))
    .context("changing the import's status")
}

/// A report row to add.
#[derive(Debug, Clone)]
pub struct NewReportRow {
    pub row: i64,
    pub outcome: &'static str,
    pub column: Option<String>,
    pub value: Option<String>,
    pub reason: String,
    pub entity: Option<Uuid>,
}

/// Adds report rows.
pub async fn add_rows(tx: &mut Tx, id: Uuid, rows: &[NewReportRow]) -> anyhow::Result<()> {
    // Several issues of one row get consecutive sequence numbers.
    let mut seq = Vec::with_capacity(rows.len());
    let mut last = (-1_i64, 0_i32);
    for r in rows {
        last = if r.row == last.0 { (r.row, last.1 + 1) } else { (r.row, 0) };
        seq.push(last.1);
    }
    for (part, seqs) in rows.chunks(2000).zip(seq.chunks(2000)) {
        on_tx!(tx, |c| {
            let mut q = QueryBuilder::new(
                "INSERT INTO import_rows (import_id, row_number, seq, outcome, column_name, value, reason, entity_id) ",
            );
            q.push_values(part.iter().zip(seqs), |mut b, (r, s)| {
                b.push_bind(id)
                    .push_bind(r.row)
                    .push_bind(*s)
                    .push_bind(r.outcome)
                    .push_bind(r.column.as_ref().map(|v| v.chars().take(500).collect::<String>()))
                    .push_bind(r.value.as_ref().map(|v| v.chars().take(500).collect::<String>()))
                    .push_bind(r.reason.clone())
                    .push_bind(r.entity);
            });
            q.push(" ON CONFLICT DO NOTHING");
            q.build().execute(c).await.map(drop)
        })
        .context("storing the import report")?;
    }
    Ok(())
}

/// The report's rows in file order, a page at a time (`after` = last row number seen).
pub async fn report_page(
    tx: &mut Tx,
    id: Uuid,
    after: Option<(i64, i32)>,
    limit: i64,
) -> anyhow::Result<Vec<(ReportRow, i32)>> {
    let (row, seq) = after.unwrap_or((-1, 0));
    let rows: Vec<ReportRowSeq> = on_tx!(tx, |c| sqlx::query_as(
        "SELECT row_number, outcome, column_name, value, reason, entity_id, seq,
                COALESCE((SELECT name FROM leads WHERE id = r.entity_id),
                         (SELECT name FROM products WHERE id = r.entity_id),
                         (SELECT name FROM opportunities WHERE id = r.entity_id),
                         (SELECT name FROM users WHERE id = r.entity_id)) AS record_name
         FROM import_rows r
         WHERE import_id = $1 AND (row_number > $2 OR (row_number = $2 AND seq > $3))
         ORDER BY row_number, seq LIMIT $4"
    )
    .bind(id)
    .bind(row)
    .bind(seq)
    .bind(limit)
    .fetch_all(c)
    .await)
    .context("reading the import report")?;
    Ok(rows.into_iter().map(|r| (r.row, r.seq)).collect())
}

#[derive(sqlx::FromRow)]
struct ReportRowSeq {
    #[sqlx(flatten)]
    row: ReportRow,
    seq: i32,
}

/// Keeps a record's state from before the import first changed it (later calls keep
/// the first snapshot) and when the import last changed it.
pub async fn record_change(
    tx: &mut Tx,
    id: Uuid,
    entity_type: &str,
    entity_id: Uuid,
    before: &serde_json::Value,
    after: Option<&serde_json::Value>,
    after_updated_at: DateTime<Utc>,
) -> anyhow::Result<()> {
    on_tx!(tx, |c| sqlx::query(
        "INSERT INTO import_changes (import_id, entity_type, entity_id, before, after, after_updated_at)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (import_id, entity_type, entity_id)
         DO UPDATE SET after = excluded.after, after_updated_at = excluded.after_updated_at"
    )
    .bind(id)
    .bind(entity_type)
    .bind(entity_id)
    .bind(before.to_string())
    .bind(after.map(ToString::to_string))
    .bind(after_updated_at)
    .execute(c)
    .await
    .map(drop))
    .context("keeping what the import changed")
}

/// The lead status names the organization's recent lead imports mapped (`statuses` in
/// their options), newest first.
pub async fn recent_status_names(tx: &mut Tx, org: Uuid) -> anyhow::Result<Vec<(String, String)>> {
    let options: Vec<sqlx::types::Json<serde_json::Value>> = on_tx!(tx, |c| sqlx::query_scalar(
        "SELECT options FROM imports WHERE org_id = $1 AND kind = 'leads' AND status <> 'draft'
         ORDER BY created_at DESC LIMIT 50"
    )
    .bind(org)
    .fetch_all(c)
    .await)
    .context("loading earlier imports' status names")?;
    Ok(options
        .into_iter()
        .filter_map(|o| o.0.get("statuses").and_then(|s| s.as_object()).cloned())
        .flat_map(|m| m.into_iter().filter_map(|(k, v)| Some((k, v.as_str()?.to_owned()))).collect::<Vec<_>>())
        .collect())
}

/// The columns earlier imports of `kind` mapped by hand (header → field), newest first,
/// each with its file's name.
pub async fn recent_mappings(
    tx: &mut Tx,
    org: Uuid,
    kind: &str,
) -> anyhow::Result<Vec<(String, std::collections::BTreeMap<String, String>)>> {
    let rows: Vec<(String, sqlx::types::Json<serde_json::Value>)> = on_tx!(tx, |c| sqlx::query_as(
        "SELECT file_name, options FROM imports WHERE org_id = $1 AND kind = $2 AND status <> 'draft'
         ORDER BY created_at DESC LIMIT 50"
    )
    .bind(org)
    .bind(kind)
    .fetch_all(c)
    .await)
    .context("loading earlier imports' mappings")?;
    Ok(rows
        .into_iter()
        .filter_map(|(file, o)| {
            let mapping: std::collections::BTreeMap<String, String> =
                o.0.get("mapping")?
                    .as_object()?
                    .iter()
                    .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
                    .collect();
            (!mapping.is_empty()).then_some((file, mapping))
        })
        .collect())
}

/// A record the import changed.
#[derive(Debug, sqlx::FromRow)]
pub struct Change {
    pub entity_type: String,
    pub entity_id: Uuid,
    /// The record before the import (JSON).
    pub before: String,
    /// The record as the import left it (JSON), where kept.
    pub after: Option<String>,
    /// When the import last changed it.
    pub after_updated_at: DateTime<Utc>,
}

/// What the import changed.
pub async fn changes(tx: &mut Tx, id: Uuid, limit: i64) -> anyhow::Result<Vec<Change>> {
    on_tx!(tx, |c| sqlx::query_as(
        "SELECT entity_type, entity_id, before, after, after_updated_at FROM import_changes WHERE import_id = $1
         ORDER BY entity_type, entity_id LIMIT $2"
    )
    .bind(id)
    .bind(limit)
    .fetch_all(c)
    .await)
    .context("loading what the import changed")
}

/// Forgets changes an undo has put back (in the transaction that did), so that an undo
/// resumed after a crash goes on with the rest.
pub async fn drop_changes(tx: &mut Tx, id: Uuid, done: &[Change]) -> anyhow::Result<()> {
    let kinds: std::collections::BTreeSet<&str> = done.iter().map(|c| c.entity_type.as_str()).collect();
    for kind in kinds {
        let ids: Vec<Uuid> = done.iter().filter(|c| c.entity_type == kind).map(|c| c.entity_id).collect();
        on_tx!(tx, |c| {
            let mut q = QueryBuilder::new("DELETE FROM import_changes WHERE import_id = ");
            q.push_bind(id).push(" AND entity_type = ").push_bind(kind).push(" AND entity_id IN (");
            super::push_ids(&mut q, &ids);
            q.build().execute(c).await.map(drop)
        })
        .context("forgetting changes undone")?;
    }
    Ok(())
}

/// Says that an undo of import `id` waits for its turn.
pub async fn undo_waits(tx: &mut Tx, id: Uuid, now: DateTime<Utc>) -> anyhow::Result<()> {
    on_tx!(tx, |c| sqlx::query("UPDATE imports SET undo_waiting_at = $1 WHERE id = $2")
        .bind(now)
        .bind(id)
        .execute(c)
        .await
        .map(drop))
    .context("saying that the undo waits")
}

/// Marks import `id` as being undone by this process.
pub async fn undo_begins(tx: &mut Tx, id: Uuid, now: DateTime<Utc>) -> anyhow::Result<()> {
    on_tx!(tx, |c| sqlx::query(
        "UPDATE imports SET status = 'undoing', runner = $1, heartbeat_at = $2, undo_waiting_at = NULL WHERE id = $3"
    )
    .bind(runner())
    .bind(now)
    .bind(id)
    .execute(c)
    .await
    .map(drop))
    .context("starting the undo")
}

/// Records an undo's report so far, and that its process lives; runs in the transaction
/// of the step it reports.
pub async fn undo_progress(
    tx: &mut Tx,
    id: Uuid,
    report: &serde_json::Value,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    on_tx!(tx, |c| sqlx::query("UPDATE imports SET undo_report = $1, heartbeat_at = $2 WHERE id = $3")
        .bind(sqlx::types::Json(report))
        .bind(now)
        .bind(id)
        .execute(c)
        .await
        .map(drop))
    .context("recording the undo's progress")
}

/// Stores a chunk of the uploaded file.
pub async fn add_file_chunk(tx: &mut Tx, id: Uuid, seq: i32, data: &[u8]) -> anyhow::Result<()> {
    on_tx!(tx, |c| sqlx::query("INSERT INTO import_files (import_id, seq, data) VALUES ($1, $2, $3)")
        .bind(id)
        .bind(seq)
        .bind(data)
        .execute(c)
        .await
        .map(drop))
    .context("storing the uploaded file")
}

pub async fn file_chunk(tx: &mut Tx, id: Uuid, seq: i32) -> anyhow::Result<Option<Vec<u8>>> {
    on_tx!(tx, |c| sqlx::query_scalar("SELECT data FROM import_files WHERE import_id = $1 AND seq = $2")
        .bind(id)
        .bind(seq)
        .fetch_optional(c)
        .await)
    .context("reading the uploaded file")
}

#[cfg(test)]
mod tests {
    use super::process_lives;

    #[test]
    fn a_killed_process_not_yet_reaped_does_not_live() {
        if !std::path::Path::new("/proc/self/stat").exists() {
            eprintln!("no /proc here; nothing to check");
            return;
        }
        assert!(process_lives(&std::process::id().to_string()));
        assert!(!process_lives("999999999"));
        let mut child = std::process::Command::new("true").spawn().unwrap();
        // Ended and not waited for: a zombie until `wait`.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while process_lives(&child.id().to_string()) && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        assert!(!process_lives(&child.id().to_string()));
        assert!(std::path::Path::new(&format!("/proc/{}", child.id())).exists(), "still a zombie");
        child.wait().unwrap();
    }
}
