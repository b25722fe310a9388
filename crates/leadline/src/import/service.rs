//! Imports started from the web: uploads are stored in the database (so any
//! server process can run or resume them), checked before anything is written,
//! previewed, and run in the background.

use super::{
    FileError, ImportOptions, Issue, Progress,
    columns::Columns,
    engine::{self, Job, STALE_AFTER},
    leads::{self, LeadContext, Prepared},
};
use crate::{
    app::{Actor, AppError},
    store::{self, Db, imports::Import},
};
use anyhow::Context;
use csv::ByteRecord;
use leadline_domain::{Region, mapping::ImportKind};
use serde::Serialize;
use std::{
    io::{Read, Write},
    path::PathBuf,
    sync::Arc,
};
use utoipa::ToSchema;
use uuid::Uuid;

const CHUNK: usize = 1 << 20;

/// Whether the actor may import records of `kind`.
pub fn check_may_import(actor: &Actor, kind: ImportKind) -> Result<(), AppError> {
    let role = actor.user.role;
    let ok = match kind {
        ImportKind::Leads => role.creates_leads(),
        ImportKind::Products | ImportKind::Opportunities => role.deletes_leads(),
        ImportKind::Users => role.manages_users(),
    };
    if ok { Ok(()) } else { Err(AppError::Forbidden(format!("your role cannot import {}", kind.as_str()))) }
}

fn file_error(e: FileError) -> AppError {
    AppError::field(e.field(), e.0)
}

/// A scratch copy of an upload for reading; removed when dropped.
pub struct ScratchFile(pub PathBuf);

impl ScratchFile {
    /// A new empty scratch file, open for writing (an upload is written to it as it arrives).
    pub fn create() -> anyhow::Result<(Self, std::fs::File)> {
        let path = std::env::temp_dir().join(format!("leadline-import-{}.csv", store::new_id()));
        let f = std::fs::File::create(&path).with_context(|| format!("creating {}", path.display()))?;
        Ok((Self(path), f))
    }

    /// Its size in bytes.
    pub fn size(&self) -> anyhow::Result<u64> {
        Ok(std::fs::metadata(&self.0).context("reading the upload's size")?.len())
    }
}

impl Drop for ScratchFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Records an upload: checks that it is a CSV file with a usable header under
/// `options`, stores it, and returns the import (`draft` to map it first, or
/// `running`, ready for [`launch`]). A bad file writes nothing.
pub async fn upload(
    db: &Db,
    actor: &Actor,
    kind: ImportKind,
    file_name: &str,
    scratch: &ScratchFile,
    options: &ImportOptions,
    draft: bool,
) -> Result<Import, AppError> {
    check_may_import(actor, kind)?;
    let (sniffed, _) = engine::open(&scratch.0, kind, options).map_err(file_error)?;
    let size = scratch.size()?;
    let id = store::new_id();
    let now = store::now();
    let mut tx = db.write().await?;
    let options = &engine::with_remembered_statuses(&mut tx, actor.org_id(), kind, options.clone()).await?;
    let name = if file_name.trim().is_empty() { "upload.csv" } else { file_name.trim() };
    store::imports::insert(
        &mut tx,
        id,
        actor.org_id(),
        Some(actor.user.id),
        kind.as_str(),
        name,
        &sniffed.sha256,
        i64::try_from(size).unwrap_or(i64::MAX),
        &serde_json::to_value(options).map_err(anyhow::Error::from)?,
        i64::try_from(sniffed.rows_estimate).unwrap_or(0),
        now,
    )
    .await?;
    if draft {
        store::imports::set_status(&mut tx, id, "draft", None).await?;
    }
    // The file is stored with its import, a chunk at a time, so that any server can run or
    // resume it.
    let mut file = std::fs::File::open(&scratch.0).context("reading the upload")?;
    let mut chunk = Vec::with_capacity(CHUNK);
    for seq in 0_i32.. {
        chunk.clear();
        Read::by_ref(&mut file).take(CHUNK as u64).read_to_end(&mut chunk).context("reading the upload")?;
        if chunk.is_empty() {
            break;
        }
        store::imports::add_file_chunk(&mut tx, id, seq, &chunk).await?;
    }
    // Drafts nobody confirmed within a day are dropped.
    crate::on_tx!(&mut tx, |c| sqlx::query("DELETE FROM imports WHERE status = 'draft' AND created_at < $1")
        .bind(now - chrono::TimeDelta::days(1))
        .execute(c)
        .await
        .map(drop))
    .map_err(anyhow::Error::from)?;
    let import = store::imports::get(&mut tx, actor.org_id(), id).await?.ok_or(AppError::NotFound("import"))?;
    tx.commit().await?;
    Ok(import)
}

/// The stored upload, copied to a scratch file.
async fn materialize(db: &Db, id: Uuid) -> anyhow::Result<Option<ScratchFile>> {
    let path = std::env::temp_dir().join(format!("leadline-import-{id}-{}.csv", store::new_id()));
    let scratch = ScratchFile(path);
    let mut f = std::fs::File::create(&scratch.0).context("creating a scratch file")?;
    let mut seq = 0;
    loop {
        let mut tx = db.read().await?;
        let chunk = store::imports::file_chunk(&mut tx, id, seq).await?;
        drop(tx);
        match chunk {
            Some(data) => f.write_all(&data).context("writing a scratch file")?,
            None if seq == 0 => return Ok(None),
            None => break,
        }
        seq += 1;
    }
    f.flush()?;
    Ok(Some(scratch))
}

/// The stored upload of import `id`, copied to a scratch file for reading.
pub async fn stored_file(db: &Db, id: Uuid) -> Result<ScratchFile, AppError> {
    materialize(db, id).await?.ok_or(AppError::NotFound("import file"))
}

/// Confirms a draft with its final options and starts it; `scratch` is its stored file.
pub async fn confirm(
    db: &Db,
    actor: &Actor,
    id: Uuid,
    options: &ImportOptions,
    scratch: ScratchFile,
) -> Result<Import, AppError> {
    let mut tx = db.write().await?;
    let import = store::imports::get(&mut tx, actor.org_id(), id).await?.ok_or(AppError::NotFound("import"))?;
    if import.status != "draft" {
        return Err(AppError::Conflict { field: None, message: "the import was already started".into() });
    }
    let kind = ImportKind::parse(&import.kind).map_err(|e| AppError::field("kind", e.0))?;
    check_may_import(actor, kind)?;
    drop(tx);
    engine::open(&scratch.0, kind, options).map_err(file_error)?;
    let mut tx = db.write().await?;
    let now = store::now();
    crate::on_tx!(&mut tx, |c| sqlx::query(
        "UPDATE imports SET status = 'running', options = $1, started_at = $2, heartbeat_at = $2, runner = $4
         WHERE id = $3"
    )
    .bind(sqlx::types::Json(options))
    .bind(now)
    .bind(id)
    .bind(store::imports::runner())
    .execute(c)
    .await
    .map(drop))
    .map_err(anyhow::Error::from)?;
    tx.commit().await?;
    launch_from(db.clone(), id, actor.org_id(), scratch).await?;
    let mut tx = db.read().await?;
    store::imports::get(&mut tx, actor.org_id(), id).await?.ok_or(AppError::NotFound("import"))
}

/// Runs a recorded, running import in the background from where it stopped.
pub async fn launch(db: Db, id: Uuid, org: Uuid) -> anyhow::Result<tokio::task::JoinHandle<()>> {
    let scratch = materialize(&db, id).await?.context("the import's file is no longer stored")?;
    launch_from(db, id, org, scratch).await
}

/// [`launch`] with the import's file already copied out.
async fn launch_from(db: Db, id: Uuid, org: Uuid, scratch: ScratchFile) -> anyhow::Result<tokio::task::JoinHandle<()>> {
    let mut tx = db.read().await?;
    let import = store::imports::get(&mut tx, org, id).await?.context("no such import")?;
    let org = store::orgs::by_id(&mut tx, org).await?.context("no such organization")?;
    drop(tx);
    let kind = ImportKind::parse(&import.kind).map_err(|e| anyhow::anyhow!(e.0))?;
    let options: ImportOptions = serde_json::from_value(import.options.clone()).unwrap_or_default();
    let (sniffed, columns) = engine::open(&scratch.0, kind, &options).map_err(|e| anyhow::anyhow!(e.0))?;
    let job = Job {
        id,
        org,
        importer: import.user_id,
        kind,
        options,
        sniffed,
        columns,
        resume_from: u64::try_from(import.rows_done).unwrap_or(0),
        path: scratch.0.clone(),
    };
    Ok(tokio::spawn(async move {
        let _keep = scratch;
        if let Err(e) = engine::execute(&db, &job, &Arc::new(Progress::default())).await {
            tracing::error!(import = %job.id, error = format!("{e:#}"), "import stopped");
        }
    }))
}

/// Stops a running import of the actor's organization after the batch it is writing:
/// what it wrote stays (whole rows only) and can be undone.
pub async fn stop(db: &Db, actor: &Actor, id: Uuid) -> Result<Import, AppError> {
    stop_as(db, actor.org_id(), id, |import| {
        let kind = ImportKind::parse(&import.kind).map_err(|e| anyhow::anyhow!(e.0))?;
        check_may_import(actor, kind)
    })
    .await
}

/// Stops import `id` of `org` (see [`stop`]) if `may` allows it; an import whose process
/// is gone is marked stopped at once.
pub async fn stop_as(
    db: &Db,
    org: Uuid,
    id: Uuid,
    may: impl FnOnce(&Import) -> Result<(), AppError>,
) -> Result<Import, AppError> {
    let mut tx = db.write().await?;
    let import = store::imports::get(&mut tx, org, id).await?.ok_or(AppError::NotFound("import"))?;
    may(&import)?;
    let now = store::now();
    match import.status.as_str() {
        "running" | "stopping" if store::imports::stopped(&import, now - STALE_AFTER) => {
            store::imports::finish(&mut tx, id, "stopped", None, None, now).await?;
        }
        "running" => {
            store::imports::request_stop(&mut tx, org, id).await?;
        }
        "stopping" => {}
        other => {
            return Err(AppError::Conflict {
                field: None,
                message: format!("the import is not running (it is {other})"),
            });
        }
    }
    let import = store::imports::get(&mut tx, org, id).await?.ok_or(AppError::NotFound("import"))?;
    tx.commit().await?;
    Ok(import)
}

/// Resumes imports and undos whose process stopped (a crash, a restart); called when a
/// server starts. Several servers may call it at once: each is claimed once.
pub async fn resume_interrupted(db: &Db) -> anyhow::Result<()> {
    let now = store::now();
    let mut tx = db.write().await?;
    let unfinished = store::imports::unfinished(&mut tx).await?;
    let (mut claimed, mut undos) = (Vec::new(), Vec::new());
    for i in unfinished.into_iter().filter(|i| store::imports::stopped(i, now - STALE_AFTER)) {
        if i.status == "stopping" {
            // Asked to stop, and its process ended before it could: it is stopped.
            store::imports::finish(&mut tx, i.id, "stopped", None, None, now).await?;
        } else if store::imports::claim(&mut tx, &i, now).await? {
            if i.status == "undoing" { undos.push(i) } else { claimed.push(i) }
        }
    }
    tx.commit().await?;
    for i in undos {
        tracing::info!(import = %i.id, "resuming an interrupted undo");
        super::undo::resume(db, i.org_id, i.id);
    }
    for i in claimed {
        tracing::info!(import = %i.id, rows_done = i.rows_done, "resuming an interrupted import");
        if let Err(e) = launch(db.clone(), i.id, i.org_id).await {
            tracing::warn!(import = %i.id, error = format!("{e:#}"), "cannot resume the import here");
        }
    }
    Ok(())
}

/// How a file's columns map without a mapping of the user's: (header, field) each, read
/// from the header alone.
pub fn automatic_mapping(
    scratch: &ScratchFile,
    kind: ImportKind,
    options: &ImportOptions,
) -> Result<Vec<(String, String)>, AppError> {
    let automatic = ImportOptions { mapping: Default::default(), ..options.clone() };
    let (_, columns) = engine::open(&scratch.0, kind, &automatic).map_err(file_error)?;
    Ok(columns.describe())
}

/// The first rows of a file as they would be stored, and how its columns map.
#[derive(Debug, Serialize, ToSchema)]
pub struct Preview {
    pub encoding: String,
    pub delimiter: String,
    /// Rows in the file (estimated from its lines).
    pub rows_estimate: u64,
    pub columns: Vec<ColumnPreview>,
    pub rows: Vec<RowPreview>,
    /// Advice when the file reads better as another kind ("it looks like a file of
    /// opportunities: …"); absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
    /// Lead statuses in the file that are no Leadline status and that no CRM's name for
    /// one explains (map them with the `status` option, or the rows are refused); absent
    /// when there are none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unknown_statuses: Vec<String>,
    /// The file's own statuses that the `status` option (or an earlier import of the
    /// organization) maps: name → Leadline status; absent when there are none.
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub mapped_statuses: std::collections::BTreeMap<String, String>,
    /// Opportunity stages in the file that are no Leadline stage, no other CRM's known name
    /// and not in the organization's stage map (map them with the `stage` option or the stage
    /// map, or the rows are refused); absent when there are none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unknown_stages: Vec<String>,
    /// The file's own stages that the `stage` option maps: name → Leadline stage; absent
    /// when there are none.
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub mapped_stages: std::collections::BTreeMap<String, String>,
    /// The organization's latest earlier import of the same file (by its SHA-256) and
    /// kind that has ended; absent when the file is new to it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub imported_before: Option<Import>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ColumnPreview {
    pub header: String,
    /// The field it fills: a field name, `custom:<name>` or `ignore`.
    pub field: String,
    /// For a numbered person's column from the second on ("Contact 2 E-mail"), that
    /// person's number: the field is theirs, on a contact of their own.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub person: Option<u8>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RowPreview {
    pub row: u64,
    /// What would be stored — leads: the lead with its contacts; products, opportunities,
    /// users: each field's value by field name (references to leads, products and owners
    /// as the file names them) — or, for a refused row, the file's values by
    /// "field (header)".
    #[schema(value_type = Object)]
    pub record: serde_json::Value,
    /// Why the row would be refused, or what would be left out.
    pub issues: Vec<Issue>,
    pub rejected: bool,
}

/// Reads the first `n` rows of an upload under `options`: how they would be stored.
pub async fn preview_file(
    db: &Db,
    actor: &Actor,
    kind: ImportKind,
    scratch: &ScratchFile,
    options: &ImportOptions,
    n: usize,
) -> Result<Preview, AppError> {
    let (sniffed, columns) = engine::open(&scratch.0, kind, options).map_err(file_error)?;
    let (mut reader, mut sheet_rows) = engine::rows_after_header(&scratch.0, &sniffed)?;
    let mut rec = ByteRecord::new();
    let ctx = LeadContext {
        columns: columns.clone(),
        region: options
            .default_region
            .as_deref()
            .and_then(|r| Region::parse(r).ok())
            .or_else(|| Region::parse(&actor.org.default_region).ok()),
        owners: engine::owners(db, actor.org_id()).await?,
        importer: Some(actor.user.id),
        match_domain: options.match_domain,
        statuses: leads::StatusNames::new(&options.statuses),
        tags: options.tags.clone(),
    };
    let mut records = Vec::new();
    while records.len() < n && reader.read_byte_record(&mut rec).unwrap_or(false) {
        let row = sheet_rows.next(&reader, &rec);
        if engine::is_record(&rec) {
            records.push((row, rec.clone()));
        }
    }
    let rows = match kind {
        ImportKind::Leads => records.iter().map(|(line, rec)| lead_preview(&ctx, &columns, *line, rec)).collect(),
        ImportKind::Products => {
            let currency = super::others::default_currency(&actor.org.default_region);
            let prepared = records.iter().map(|(line, rec)| super::products::prepare(&columns, currency, *line, rec));
            shown_rows(&columns, &records, prepared)
        }
        ImportKind::Users => {
            let prepared = records.iter().map(|(line, rec)| super::users::prepare(&columns, *line, rec));
            shown_rows(&columns, &records, prepared)
        }
        ImportKind::Opportunities => {
            let prepared =
                super::opportunities::preview(db, &actor.org, &columns, options, Some(actor.user.id), &records).await?;
            shown_rows(&columns, &records, prepared)
        }
    };
    let (unknown_statuses, mapped_statuses) =
        if kind == ImportKind::Leads { foreign_statuses(&scratch.0, &sniffed, &ctx)? } else { Default::default() };
    let (unknown_stages, mapped_stages) = if kind == ImportKind::Opportunities {
        super::opportunities::foreign_stages(db, actor.org_id(), &scratch.0, &sniffed, &columns, options).await?
    } else {
        Default::default()
    };
    let imported_before = {
        let mut tx = db.read().await?;
        store::imports::earlier_of_file(&mut tx, actor.org_id(), kind.as_str(), &sniffed.sha256).await?
    };
    Ok(Preview {
        encoding: if sniffed.mixed {
            "UTF-8, some bytes windows-1252".to_owned()
        } else {
            sniffed.encoding.name().to_owned()
        },
        delimiter: match sniffed.delimiter {
            b'\t' => "tab".to_owned(),
            d => (d as char).to_string(),
        },
        rows_estimate: sniffed.rows_estimate,
        columns: columns
            .describe()
            .into_iter()
            .enumerate()
            .map(|(i, (header, field))| ColumnPreview { header, field, person: columns.person_number(i) })
            .collect(),
        rows,
        hint: columns.fits_another_kind(),
        unknown_statuses,
        mapped_statuses,
        unknown_stages,
        mapped_stages,
        imported_before,
    })
}

/// The distinct statuses in the file's first 200,000 rows that are neither Leadline's nor
/// another CRM's known names (at most 50): those no mapping explains, and those mapped.
fn foreign_statuses(
    path: &std::path::Path,
    sniffed: &super::source::Sniffed,
    ctx: &LeadContext,
) -> anyhow::Result<(Vec<String>, std::collections::BTreeMap<String, String>)> {
    let (mut found, mut mapped) = (Vec::new(), std::collections::BTreeMap::new());
    let foreign = distinct_values(path, sniffed, &ctx.columns, "status", |v| {
        leadline_domain::LeadStatus::parse_foreign(v).is_err()
    })?;
    for v in foreign {
        match ctx.statuses.mapped(&v) {
            Some(s) => {
                mapped.insert(v, s.as_str().to_owned());
            }
            None => found.push(v),
        }
    }
    Ok((found, mapped))
}

/// The distinct values (case aside) of `field`'s first column in the file's first 200,000
/// rows that `wanted` keeps, trimmed, in the file's order, at most 50.
pub(crate) fn distinct_values(
    path: &std::path::Path,
    sniffed: &super::source::Sniffed,
    columns: &Columns,
    field: &str,
    wanted: impl Fn(&str) -> bool,
) -> anyhow::Result<Vec<String>> {
    let mut found = Vec::new();
    if !columns.has(field) {
        return Ok(found);
    }
    let (mut reader, _) = engine::rows_after_header(path, sniffed)?;
    let mut rec = ByteRecord::new();
    let mut seen = std::collections::HashSet::new();
    for _ in 0..200_000 {
        if found.len() >= 50 || !reader.read_byte_record(&mut rec).unwrap_or(false) {
            break;
        }
        if let Some((_, v)) = columns.first(&rec, field) {
            let v = v.trim();
            if !v.is_empty() && seen.insert(v.to_lowercase()) && wanted(v) {
                found.push(v.to_owned());
            }
        }
    }
    Ok(found)
}

fn lead_preview(ctx: &LeadContext, columns: &Columns, line: u64, rec: &ByteRecord) -> RowPreview {
    match leads::prepare(ctx, line, rec) {
        Prepared::Lead(r) => {
            let mut lead = r.rows.lead.clone();
            lead.owner_name = lead.owner_id.and_then(|id| ctx.owners.name_of(id));
            lead.contacts = r.rows.contacts.iter().map(|(c, _)| c.clone()).collect();
            RowPreview {
                row: line,
                record: serde_json::to_value(&lead).unwrap_or_default(),
                issues: r.warnings,
                rejected: false,
            }
        }
        Prepared::Rejected(_, issues) => RowPreview { row: line, record: raw(columns, rec), issues, rejected: true },
    }
}

/// Prepared rows of products, opportunities or users: the fields each will store, or
/// the file's values with the reasons a row would be refused.
fn shown_rows<T: super::others::Shown>(
    columns: &Columns,
    records: &[(u64, ByteRecord)],
    prepared: impl IntoIterator<Item = super::others::Row<T>>,
) -> Vec<RowPreview> {
    records
        .iter()
        .zip(prepared)
        .map(|((_, rec), r)| match r.result {
            Ok((item, warnings)) => RowPreview {
                row: r.line,
                record: serde_json::Value::Object(item.shown()),
                issues: warnings,
                rejected: false,
            },
            Err(issues) => RowPreview { row: r.line, record: raw(columns, rec), issues, rejected: true },
        })
        .collect()
}

/// The row's values by the field each column fills.
fn raw(columns: &Columns, rec: &ByteRecord) -> serde_json::Value {
    let mut m = serde_json::Map::new();
    for (i, (header, field)) in columns.describe().into_iter().enumerate() {
        if field == "ignore" {
            continue;
        }
        let v = rec.get(i).map(|b| String::from_utf8_lossy(b).trim().to_owned()).unwrap_or_default();
        if !v.is_empty() {
            m.insert(format!("{field} ({header})"), serde_json::Value::String(v));
        }
    }
    serde_json::Value::Object(m)
}
