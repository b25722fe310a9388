//! Running an import: the reader thread, the batch writer, progress, resumption.

use super::{
    ImportOptions, Issue,
    columns::Columns,
    leads::{self, LeadContext, Prepared},
    merge,
    source::{self, FileError, Sniffed},
};
use crate::store::{
    self, Db,
    auth::User,
    bulk::NewLeadRows,
    imports::{Counts, NewReportRow},
    orgs::Org,
};
use anyhow::Context;
use csv::ByteRecord;
use leadline_domain::{
    Region,
    mapping::{self, ImportKind},
};
use std::{
    collections::HashMap,
    fs::File,
    path::{Path, PathBuf},
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
};
use uuid::Uuid;

/// Rows per transaction: large enough that the index pages a batch touches are
/// written once per batch rather than once per few rows, small enough that other
/// writers wait well under a second.
pub const BATCH_ROWS: usize = 10_000;

/// Page cache of the import's own SQLite connection, in MiB.
pub const IMPORT_CACHE_MIB: u32 = 64;

/// An import is taken to have stopped when its heartbeat is older than this.
pub const STALE_AFTER: chrono::TimeDelta = chrono::TimeDelta::seconds(30);

/// Live counters for a progress bar.
#[derive(Debug, Default)]
pub struct Progress {
    pub rows_done: AtomicU64,
    pub rows_total: AtomicU64,
    pub created: AtomicU64,
    pub duplicates: AtomicU64,
    pub rejected: AtomicU64,
    pub resumed_from: AtomicU64,
    pub finished: AtomicBool,
    /// Advice when the file reads better as another kind (see `Columns::fits_another_kind`).
    pub hint: std::sync::Mutex<Option<String>>,
    /// The latest earlier import of the same file and kind that has ended.
    pub imported_before: std::sync::Mutex<Option<store::imports::Import>>,
}

/// How an import ended.
pub type Summary = store::imports::Import;

/// An import ready to run.
pub struct Job {
    pub id: Uuid,
    pub org: Org,
    /// The user importing; `None` for an operator at the command line in an
    /// organization without users.
    pub importer: Option<Uuid>,
    pub kind: ImportKind,
    pub options: ImportOptions,
    pub sniffed: Sniffed,
    pub columns: Columns,
    /// Data rows already stored by an earlier, interrupted run.
    pub resume_from: u64,
    pub path: PathBuf,
}

/// Reads the file's header and maps its columns; fails before anything is written.
pub fn open(path: &Path, kind: ImportKind, options: &ImportOptions) -> Result<(Sniffed, Columns), FileError> {
    let mut file = File::open(path).map_err(|e| FileError::new(format!("cannot open {}: {e}", path.display())))?;
    let sniffed = source::sniff(&mut file, options.encoding.as_deref(), options.delimiter_byte()?)?;
    let mut reader = source::csv_reader(
        source::utf8_reader(file, &sniffed).map_err(|e| FileError::new(format!("cannot read the file: {e:#}")))?,
        &sniffed,
    );
    let mut header = ByteRecord::new();
    match reader.read_byte_record(&mut header) {
        Ok(true) => {}
        Ok(false) => return Err(FileError::new("the file is empty")),
        Err(e) => return Err(FileError::new(format!("the file is not valid CSV: {e}"))),
    }
    let names = |rec: &ByteRecord| -> Vec<String> {
        rec.iter().map(|h| String::from_utf8_lossy(h).trim_start_matches('\u{feff}').trim().to_owned()).collect()
    };
    let mut sniffed = sniffed;
    let first = Columns::build(kind, names(&header), options);
    let filled = header.iter().filter(|h| !h.trim_ascii().is_empty()).count();
    // Whether a record after the header has been seen.
    let mut has_rows = false;
    let columns = if first.is_ok() && filled > 1 {
        first?
    } else {
        // A title or a note above the header ("Trade show leads 2026", "Customers"): the
        // header is the first of the next rows that names at least two fields.
        let mut found = None;
        for title_rows in 1..=10 {
            match reader.read_byte_record(&mut header) {
                Ok(true) if is_record(&header) => {}
                Ok(true) => continue,
                _ => break,
            }
            has_rows = true;
            let headers = names(&header);
            if headers.iter().filter(|h| mapping::recognise(kind, h).is_some()).count() >= 2 {
                found = Columns::build(kind, headers, options).ok().map(|c| (title_rows, c));
                break;
            }
        }
        match (found, first) {
            (Some((title_rows, columns)), _) => {
                sniffed.title_rows = title_rows;
                sniffed.rows_estimate = sniffed.rows_estimate.saturating_sub(title_rows).max(1);
                has_rows = false;
                columns
            }
            (None, first) => first?,
        }
    };
    // A header without rows is a wrong export more often than an intended no-op.
    let mut rec = ByteRecord::new();
    while !has_rows {
        match reader.read_byte_record(&mut rec) {
            Ok(true) if is_record(&rec) => has_rows = true,
            Ok(true) => {}
            Ok(false) => return Err(FileError::new("the file is empty: it has a header but no rows")),
            Err(e) => return Err(FileError::new(format!("the file is not valid CSV: {e}"))),
        }
    }
    Ok((sniffed, columns))
}

/// `options` with the lead status names the organization's earlier imports mapped, for
/// those it does not name itself: a status mapped once is mapped for the next file too.
pub async fn with_remembered_statuses(
    tx: &mut store::Tx,
    org: Uuid,
    kind: ImportKind,
    mut options: ImportOptions,
) -> anyhow::Result<ImportOptions> {
    if kind == ImportKind::Leads {
        let earlier = store::imports::recent_status_names(tx, org).await?;
        leads::StatusNames::remember(&mut options.statuses, earlier);
    }
    Ok(options)
}

/// Imports a local file (the CLI): resumes an interrupted import of the same file
/// and kind, otherwise records a new one, then runs it to the end.
pub async fn run_file(
    db: &Db,
    org: &Org,
    user: Option<&User>,
    kind: ImportKind,
    path: &Path,
    options: ImportOptions,
    progress: Arc<Progress>,
) -> anyhow::Result<Result<Summary, FileError>> {
    let (sniffed, columns) = match open(path, kind, &options) {
        Ok(v) => v,
        Err(e) => return Ok(Err(e)),
    };
    if let Ok(mut hint) = progress.hint.lock() {
        *hint = columns.fits_another_kind();
    }
    let file_name = path.file_name().map_or_else(|| "import.csv".into(), |n| n.to_string_lossy().into_owned());
    let now = store::now();
    let mut tx = db.write().await?;
    let options = with_remembered_statuses(&mut tx, org.id, kind, options).await?;
    let mut earlier = None;
    for e in store::imports::running_for_file(&mut tx, org.id, kind.as_str(), &sniffed.sha256).await? {
        if store::imports::stopped(&e, now - STALE_AFTER) && store::imports::claim(&mut tx, &e, now).await? {
            earlier = Some(e);
            break;
        }
    }
    let (id, resume_from) = match earlier {
        Some(e) => (e.id, u64::try_from(e.rows_done).unwrap_or(0)),
        None => {
            let before = store::imports::earlier_of_file(&mut tx, org.id, kind.as_str(), &sniffed.sha256).await?;
            if let Ok(mut slot) = progress.imported_before.lock() {
                *slot = before;
            }
            let id = store::new_id();
            let opts = serde_json::to_value(&options)?;
            store::imports::insert(
                &mut tx,
                id,
                org.id,
                user.map(|u| u.id),
                kind.as_str(),
                &file_name,
                &sniffed.sha256,
                i64::try_from(sniffed.size).unwrap_or(i64::MAX),
                &opts,
                i64::try_from(sniffed.rows_estimate).unwrap_or(0),
                now,
            )
            .await?;
            (id, 0)
        }
    };
    tx.commit().await?;
    progress.resumed_from.store(resume_from, Ordering::Relaxed);
    let job = Job {
        id,
        org: org.clone(),
        importer: user.map(|u| u.id),
        kind,
        options,
        sniffed,
        columns,
        resume_from,
        path: path.to_owned(),
    };
    execute(db, &job, &progress).await?;
    let mut tx = db.read().await?;
    let summary = store::imports::get(&mut tx, org.id, id).await?.context("the import vanished")?;
    Ok(Ok(summary))
}

/// Runs a recorded import to its end and marks it completed, or failed with the reason.
pub async fn execute(db: &Db, job: &Job, progress: &Arc<Progress>) -> anyhow::Result<()> {
    progress.rows_total.store(job.sniffed.rows_estimate, Ordering::Relaxed);
    progress.rows_done.store(job.resume_from, Ordering::Relaxed);
    let result = match wait_for_earlier(db, job).await {
        Ok(true) => match job.kind {
            ImportKind::Leads => run_leads(db, job, progress).await,
            _ => super::others::run(db, job, progress).await,
        },
        Ok(false) => Ok(job.resume_from),
        Err(e) => Err(e),
    };
    let mut tx = db.write().await?;
    let status = store::imports::status(&mut tx, job.id).await?;
    match (&result, status.as_deref()) {
        (Ok(_), Some("stopping")) => {
            store::imports::finish(&mut tx, job.id, "stopped", None, None, store::now()).await?;
        }
        (Ok(rows), Some("running")) => {
            // The estimate from the file's size gives way to the count.
            progress.rows_total.store(*rows, Ordering::Relaxed);
            let total = i64::try_from(*rows).unwrap_or(i64::MAX);
            store::imports::finish(&mut tx, job.id, "completed", None, Some(total), store::now()).await?;
        }
        // Marked stopped (its runner taken for gone), or undone, meanwhile: left so.
        (Ok(_), _) => {}
        (Err(e), _) => {
            tracing::error!(import = %job.id, error = format!("{e:#}"), "import failed");
            store::imports::finish(&mut tx, job.id, "failed", Some(&format!("{e:#}")), None, store::now()).await?;
        }
    }
    tx.commit().await?;
    progress.finished.store(true, Ordering::Relaxed);
    result.map(drop)
}

/// Waits while another import of the same kind writes into the organization: each
/// import finds duplicates among the records there when it begins, so two at once (the
/// same list uploaded twice) would both store what neither had seen. Imports are let in
/// one at a time (`store::imports::admit`), whatever the order they were recorded or
/// committed in; one whose process is gone does not hold the next up. Answers whether to
/// go on (not when this import was asked to stop meanwhile).
async fn wait_for_earlier(db: &Db, job: &Job) -> anyhow::Result<bool> {
    let mut last_beat: Option<std::time::Instant> = None;
    loop {
        let now = store::now();
        let mut tx = db.read().await?;
        let writing = store::imports::writing_besides(&mut tx, job.org.id, job.kind.as_str(), job.id).await?;
        drop(tx);
        let Some(running) = writing.iter().find(|e| !store::imports::stopped(e, now - STALE_AFTER)) else {
            let mut tx = db.write().await?;
            let now = store::now();
            let (org, kind, writer) = (job.org.id, job.kind.as_str(), store::imports::Writer::Import);
            if store::imports::admit(&mut tx, org, kind, job.id, writer, now, now - STALE_AFTER).await? {
                tx.commit().await?;
                return Ok(true);
            }
            tx.commit().await?;
            continue;
        };
        // A heartbeat now and then (well within `STALE_AFTER`), so that this import is not
        // taken for one whose process is gone.
        if last_beat.is_none_or(|b| b.elapsed() >= std::time::Duration::from_secs(5)) {
            if last_beat.is_none() {
                tracing::info!(import = %job.id, waits_for = %running.id, "waiting for an earlier import to finish");
            }
            let mut tx = db.write().await?;
            store::imports::beat(&mut tx, job.id, now).await?;
            tx.commit().await?;
            last_beat = Some(std::time::Instant::now());
        }
        if stop_requested(db, job.id).await? {
            return Ok(false);
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
}

/// A batch of prepared rows and the number of data rows read so far.
pub struct Batch<T> {
    pub items: Vec<T>,
    pub rows_read: u64,
}

/// The reader thread; it answers how many data rows it read.
pub type ReaderHandle = std::thread::JoinHandle<anyhow::Result<u64>>;

/// Whether a row holds a record: blank rows and a report's footer do not.
pub fn is_record(rec: &ByteRecord) -> bool {
    !rec.iter().all(|f| f.iter().all(u8::is_ascii_whitespace))
        && !mapping::is_report_footer(rec.iter().map(|f| std::str::from_utf8(f).unwrap_or("")))
}

/// Parses and prepares rows on a thread of its own, `BATCH_ROWS` at a time,
/// skipping the first `skip` data rows. The receiver ends when the file does; the
/// handle tells whether it ended in an error.
pub fn spawn_reader<T: Send + 'static>(
    job: &Job,
    prepare: impl Fn(u64, &ByteRecord) -> T + Send + 'static,
) -> anyhow::Result<(tokio::sync::mpsc::Receiver<Batch<T>>, ReaderHandle)> {
    let (send, recv) = tokio::sync::mpsc::channel::<Batch<T>>(1);
    let path = job.path.clone();
    let sniffed = job.sniffed.clone();
    let skip = job.resume_from;
    let columns = job.columns.clone();
    let reader = std::thread::Builder::new().name("import-reader".into()).spawn(move || -> anyhow::Result<u64> {
        let (mut reader, mut rows) = rows_after_header(&path, &sniffed)?;
        let mut rec = ByteRecord::new();
        let mut read = 0_u64;
        let mut items = Vec::with_capacity(BATCH_ROWS);
        // In a Leadline export a full batch ends where the next lead's rows begin, so an
        // interrupted import resumes at a lead's first row (see `merge::Index::load`).
        let mut last_id: Option<String> = None;
        loop {
            match reader.read_byte_record(&mut rec) {
                Ok(true) => {}
                Ok(false) => break,
                Err(e) => anyhow::bail!("the file is not valid CSV after data row {read}: {e}"),
            }
            read += 1;
            let row = rows.next(&reader, &rec);
            if read <= skip || !is_record(&rec) {
                continue;
            }
            if items.len() >= BATCH_ROWS {
                let id = columns.own_id(&rec);
                let same_lead = id.is_some() && id.as_deref() == last_id.as_deref() && items.len() < 4 * BATCH_ROWS;
                if !same_lead {
                    let batch = Batch {
                        items: std::mem::replace(&mut items, Vec::with_capacity(BATCH_ROWS)),
                        rows_read: read - 1,
                    };
                    if send.blocking_send(batch).is_err() {
                        return Ok(read - 1);
                    }
                }
            }
            if columns.one_lead_per_id() {
                last_id = columns.own_id(&rec).map(std::borrow::Cow::into_owned);
            }
            items.push(prepare(row, &rec));
        }
        if !items.is_empty() || read > skip {
            let _ = send.blocking_send(Batch { items, rows_read: read });
        }
        Ok(read)
    })?;
    Ok((recv, reader))
}

/// Numbers records as a spreadsheet numbers its rows (the header is row 1): a field
/// holding line breaks (notes, addresses) is one row, a blank line is a row of its own,
/// and a file ending its lines with CR LF counts as one ending them with LF.
///
/// The CSV reader's own record positions cannot be used: a record's position is taken
/// before the blank lines in front of it are skipped, and on CR LF files it lags by one.
/// The reader's position *after* a record can: it has passed the previous line's end,
/// the blank lines and the record, so the lines it moved over, less the line breaks
/// inside the record's fields, are the rows it moved over.
#[derive(Debug)]
pub struct SheetRows {
    line: u64,
    row: u64,
}

/// The file's reader past its title rows and header, and the numbering of the rows
/// that follow.
pub fn rows_after_header(
    path: &Path,
    sniffed: &Sniffed,
) -> anyhow::Result<(csv::Reader<Box<dyn std::io::Read + Send>>, SheetRows)> {
    let file = File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let mut reader = source::csv_reader(source::utf8_reader(file, sniffed)?, sniffed);
    let mut rows = SheetRows::before_header(&reader);
    let mut rec = ByteRecord::new();
    for _ in 0..=sniffed.title_rows {
        if !reader.read_byte_record(&mut rec).context("reading the header")? {
            break;
        }
        rows.next(&reader, &rec);
    }
    Ok((reader, rows))
}

impl SheetRows {
    /// Starts before anything has been read by `reader`.
    pub fn before_header<R: std::io::Read>(reader: &csv::Reader<R>) -> Self {
        Self { line: reader.position().line(), row: 0 }
    }

    /// Starts after the header, the file's first row, has been read by `reader`.
    pub fn after_header<R: std::io::Read>(reader: &csv::Reader<R>) -> Self {
        Self { line: reader.position().line(), row: 1 }
    }

    /// The row of `rec`, just read by `reader`.
    pub fn next<R: std::io::Read>(&mut self, reader: &csv::Reader<R>, rec: &ByteRecord) -> u64 {
        let line = reader.position().line();
        let inside = rec.as_slice().iter().filter(|&&b| b == b'\n').count() as u64;
        // At least one row: a file ending its lines with a bare CR has no line numbers.
        self.row += line.saturating_sub(self.line).saturating_sub(inside).max(1);
        self.line = line;
        self.row
    }
}

/// The users a file may name as owners, by e-mail or name (case and runs of white space
/// do not count).
#[derive(Default)]
pub struct Owners {
    active: HashMap<String, Uuid>,
    inactive: std::collections::HashSet<String>,
    names: HashMap<Uuid, String>,
}

impl Owners {
    fn key(name: &str) -> String {
        leadline_domain::text::collapse_whitespace(name).to_lowercase()
    }

    /// The active user `name` names (also written surname first, "Lopez, Maria"), else why
    /// none does.
    pub fn find(&self, name: &str) -> Result<Uuid, &'static str> {
        let key = Self::key(name);
        let turned = name.split_once(',').map(|(last, first)| Self::key(&format!("{first} {last}")));
        let found = self.active.get(&key).or_else(|| turned.as_ref().and_then(|k| self.active.get(k)));
        found.copied().ok_or(if self.inactive.contains(&key) {
            "is a deactivated user"
        } else {
            "is not a user of this organization"
        })
    }

    /// The name of the active user `id`, for showing whom a row gives a record to.
    pub fn name_of(&self, id: Uuid) -> Option<String> {
        self.names.get(&id).cloned()
    }
}

pub async fn owners(db: &Db, org: uuid::Uuid) -> anyhow::Result<Owners> {
    let mut tx = db.read().await?;
    let users = store::auth::users_in_org(&mut tx, org).await?;
    let mut owners = Owners::default();
    for u in users.iter().filter(|u| u.active) {
        owners.active.insert(Owners::key(&u.email), u.id);
        owners.active.entry(Owners::key(&u.name)).or_insert(u.id);
        owners.names.insert(u.id, u.name.clone());
    }
    for u in users.iter().filter(|u| !u.active) {
        for key in [Owners::key(&u.email), Owners::key(&u.name)] {
            if !owners.active.contains_key(&key) {
                owners.inactive.insert(key);
            }
        }
    }
    Ok(owners)
}

async fn run_leads(db: &Db, job: &Job, progress: &Arc<Progress>) -> anyhow::Result<u64> {
    let region = job
        .options
        .default_region
        .as_deref()
        .and_then(|r| Region::parse(r).ok())
        .or_else(|| Region::parse(&job.org.default_region).ok());
    let ctx = Arc::new(LeadContext {
        columns: job.columns.clone(),
        region,
        owners: owners(db, job.org.id).await?,
        importer: job.importer,
        match_domain: job.options.match_domain,
        statuses: leads::StatusNames::new(&job.options.statuses),
        tags: job.options.tags.clone(),
    });
    let loading = std::time::Instant::now();
    let mut since = store::now() - chrono::TimeDelta::seconds(5);
    let keys = merge::KeysOf { match_domain: job.options.match_domain, one_lead_per_id: job.columns.one_lead_per_id() };
    let mut index = merge::Index::load(db, job.org.id, job.id, keys).await?;
    tracing::debug!(import = %job.id, keys = index.len(), secs = loading.elapsed().as_secs_f64(), "loaded the organization's keys");
    let writer = db.dedicated_writer(IMPORT_CACHE_MIB).await?;
    let prep = Arc::clone(&ctx);
    let (mut batches, reader) = spawn_reader(job, move |line, rec| leads::prepare(&prep, line, rec))?;
    // PostgreSQL plans from statistics: refresh them as the organization grows
    // (after 10,000 new leads, then each time their number quadruples), or lists
    // that other users run meanwhile would be planned for an empty table.
    let mut analyze_at = 10_000;
    let mut created = 0;
    while let Some(batch) = batches.recv().await {
        // Over the import's own connection: on SQLite its cache holds the pages the
        // import just wrote, where a pooled reader would fill a cache of its own.
        since = index.catch_up(&writer, job.org.id, keys, since).await?;
        let counts = write_lead_batch(&writer, job, &mut index, batch.items, batch.rows_read).await?;
        created += counts.created;
        if matches!(db, Db::Postgres(_)) && created >= analyze_at {
            analyze(db).await?;
            analyze_at = created * 4;
        }
        progress.rows_done.store(batch.rows_read, Ordering::Relaxed);
        progress.created.fetch_add(u64::try_from(counts.created).unwrap_or(0), Ordering::Relaxed);
        progress.duplicates.fetch_add(u64::try_from(counts.duplicates).unwrap_or(0), Ordering::Relaxed);
        progress.rejected.fetch_add(u64::try_from(counts.rejected).unwrap_or(0), Ordering::Relaxed);
        if stop_requested(db, job.id).await? {
            break;
        }
    }
    // Stopping early: the reader ends when it finds nobody takes its batches.
    drop(batches);
    if matches!(db, Db::Postgres(_)) {
        // Fresh statistics for the leads' tables, as after any bulk load.
        analyze(db).await?;
    }
    reader.join().map_err(|_| anyhow::anyhow!("the reader thread panicked"))?
}

/// Whether import `id` should stop (checked between batches): someone asked it to, or
/// it is no longer running at all (marked stopped, or being undone).
pub async fn stop_requested(db: &Db, id: Uuid) -> anyhow::Result<bool> {
    let mut tx = db.read().await?;
    Ok(store::imports::status(&mut tx, id).await?.as_deref() != Some("running"))
}

async fn analyze(db: &Db) -> anyhow::Result<()> {
    let mut tx = db.write().await?;
    crate::on_tx!(&mut tx, |c| sqlx::query("ANALYZE leads, lead_tags, contacts, contact_phones, contact_emails")
        .execute(c)
        .await
        .map(drop))
    .context("refreshing planner statistics")?;
    tx.commit().await?;
    Ok(())
}

/// Report rows for a row's issues.
pub fn issue_rows(line: u64, outcome: &'static str, issues: &[Issue], entity: Option<Uuid>) -> Vec<NewReportRow> {
    let row = i64::try_from(line).unwrap_or(i64::MAX);
    issues
        .iter()
        .map(|i| NewReportRow {
            row,
            outcome,
            column: i.column.clone(),
            value: i.value.clone(),
            reason: i.reason.clone(),
            entity,
        })
        .collect()
}

/// A report row about the whole row.
pub fn row_note(line: u64, outcome: &'static str, reason: String, entity: Option<Uuid>) -> NewReportRow {
    NewReportRow { row: i64::try_from(line).unwrap_or(i64::MAX), outcome, column: None, value: None, reason, entity }
}

/// De-duplicates and stores one batch, with its report rows and the import's
/// progress, in one transaction.
async fn write_lead_batch(
    db: &Db,
    job: &Job,
    index: &mut merge::Index,
    items: Vec<Prepared>,
    rows_read: u64,
) -> anyhow::Result<Counts> {
    let now = store::now();
    index.wrote(now);
    let mut counts = Counts::default();
    let mut report: Vec<NewReportRow> = Vec::new();
    let mut inserts: Vec<NewLeadRows> = Vec::new();
    // Rows to apply to leads stored before this batch: (lead, row, rule).
    // Changes to stored leads, each with its row's place in the report (for its conflicts).
    let mut stored_changes: Vec<(merge::Target, NewLeadRows, merge::Rule, merge::Contacts, usize)> = Vec::new();
    let one_lead_per_id = job.columns.one_lead_per_id();
    for item in items {
        let rec = match item {
            Prepared::Rejected(line, issues) => {
                counts.rejected += 1;
                report.extend(issue_rows(line, "rejected", &issues, None));
                continue;
            }
            Prepared::Lead(rec) => rec,
        };
        let mut rec = *rec;
        match index.find(&rec.keys, one_lead_per_id) {
            None => {
                rec.rows.lead.created_at = now;
                rec.rows.lead.updated_at = now;
                for (c, _) in &mut rec.rows.contacts {
                    c.created_at = now;
                    c.updated_at = now;
                }
                let slot = index.add_created(rec.rows.lead.id, &rec.keys, Some(inserts.len()));
                index.insert_keys(&rec.keys, slot);
                if !rec.warnings.is_empty() {
                    counts.warnings += 1;
                    report.extend(issue_rows(rec.row, "warning", &rec.warnings, Some(rec.rows.lead.id)));
                }
                inserts.push(rec.rows);
                counts.created += 1;
            }
            Some(hit) => {
                let target = index.target(hit.slot);
                let rule = match (job.options.on_duplicate, target.created_here && hit.external) {
                    (_, true) => Some(merge::Rule::Merge),
                    (super::OnDuplicate::Skip, false) => None,
                    (super::OnDuplicate::Update, false) => Some(merge::Rule::Update),
                    (super::OnDuplicate::Merge, false) => Some(merge::Rule::Merge),
                };
                let lead_id = target.id;
                let Some(rule) = rule else {
                    counts.duplicates += 1;
                    report.push(row_note(
                        rec.row,
                        "duplicate",
                        if target.created_here {
                            format!("{}: skipped as a duplicate of a lead created from an earlier row", hit.reason)
                        } else {
                            format!("{}: skipped as a duplicate of an existing lead", hit.reason)
                        },
                        Some(lead_id),
                    ));
                    continue;
                };
                let (outcome, what) = match rule {
                    merge::Rule::Update => ("updated", "updated the lead"),
                    merge::Rule::Merge => ("merged", "merged into the lead"),
                };
                if rule == merge::Rule::Update {
                    counts.updated += 1;
                } else {
                    counts.merged += 1;
                }
                let noted = report.len();
                report.push(row_note(rec.row, outcome, format!("{}: {what}", hit.reason), Some(lead_id)));
                if !rec.warnings.is_empty() {
                    counts.warnings += 1;
                    report.extend(issue_rows(rec.row, "warning", &rec.warnings, Some(lead_id)));
                }
                index.insert_keys(&rec.keys, hit.slot);
                let contacts = if one_lead_per_id && hit.external && target.created_here {
                    merge::Contacts::EachRow
                } else {
                    merge::Contacts::SamePerson
                };
                match target.pending {
                    Some(p) => {
                        let conflicts = merge::conflicts(&inserts[p], &rec.rows, contacts);
                        report[noted].reason = merge::with_conflicts(&report[noted].reason, &conflicts, rule);
                        merge::apply_rows(&mut inserts[p], &rec.rows, rule, contacts, now);
                    }
                    None => stored_changes.push((target, rec.rows, rule, contacts, noted)),
                }
            }
        }
    }
    index.clear_pending();
    let mut tx = db.write().await?;
    store::bulk::insert_leads(&mut tx, job.org.id, Some(job.id), &inserts).await?;
    for (target, rows, rule, contacts, noted) in &stored_changes {
        let conflicts = merge::apply_stored(&mut tx, job, *target, rows, *rule, *contacts, now).await?;
        report[*noted].reason = merge::with_conflicts(&report[*noted].reason, &conflicts, *rule);
    }
    store::imports::add_rows(&mut tx, job.id, &report).await?;
    store::imports::progress(&mut tx, job.id, i64::try_from(rows_read).unwrap_or(i64::MAX), &counts, now).await?;
    tx.commit().await?;
    Ok(counts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owners_are_found_by_name_or_e_mail_in_any_order() {
        let maria = Uuid::from_u128(7);
        let mut owners = Owners::default();
        owners.active.insert(Owners::key("Maria  Lopez"), maria);
        owners.active.insert(Owners::key("maria@crm.test"), maria);
        owners.inactive.insert(Owners::key("Old Rep"));
        for name in ["maria lopez", "MARIA@crm.test", "Lopez, Maria", " Lopez,Maria "] {
            assert_eq!(owners.find(name), Ok(maria), "{name}");
        }
        assert_eq!(owners.find("Old Rep"), Err("is a deactivated user"));
        assert_eq!(owners.find("Doe, John"), Err("is not a user of this organization"));
    }

    /// The rows `is_record` keeps, numbered as a spreadsheet shows them.
    fn rows_of(csv: &str) -> Vec<(u64, String)> {
        let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(csv.as_bytes());
        let mut rec = ByteRecord::new();
        assert!(reader.read_byte_record(&mut rec).unwrap());
        let mut rows = SheetRows::after_header(&reader);
        let mut out = Vec::new();
        while reader.read_byte_record(&mut rec).unwrap() {
            let row = rows.next(&reader, &rec);
            if is_record(&rec) {
                out.push((row, String::from_utf8_lossy(&rec[0]).into_owned()));
            }
        }
        out
    }

    #[test]
    fn rows_are_numbered_as_a_spreadsheet_shows_them() {
        let expected = |names: &[(u64, &str)]| names.iter().map(|(r, n)| (*r, (*n).to_owned())).collect::<Vec<_>>();
        let plain = expected(&[(2, "a"), (3, "b"), (4, "c")]);
        assert_eq!(rows_of("name\na\nb\nc\n"), plain);
        assert_eq!(rows_of("name\r\na\r\nb\r\nc\r\n"), plain);
        assert_eq!(rows_of("name\ra\rb\rc\r"), plain);
        assert_eq!(rows_of("name\na\nb\nc"), plain);
        // A cell holding line breaks is one row.
        let multi = expected(&[(2, "a"), (3, "b\nb"), (4, "c")]);
        assert_eq!(rows_of("name\na\n\"b\nb\"\nc\n"), multi);
        assert_eq!(rows_of("name\r\na\r\n\"b\nb\"\r\nc\r\n"), multi);
        assert_eq!(rows_of("\"na\nme\"\na\n\"b\nb\"\nc\n"), multi);
        // Blank lines are rows; so are rows of empty cells.
        let gaps = expected(&[(2, "a"), (4, "b"), (7, "c")]);
        assert_eq!(rows_of("name\na\n\nb\n\n,\nc\n"), gaps);
        assert_eq!(rows_of("name\r\na\r\n\r\nb\r\n\r\n,\r\nc\r\n"), gaps);
        assert_eq!(rows_of("name\n\na\nb\n"), expected(&[(3, "a"), (4, "b")]));
    }
}
