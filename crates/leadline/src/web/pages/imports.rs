//! The Import pages: upload, map and preview, live progress, summary, report
//! download and undo; and the CSV download of the lead list.

use super::{OrPage, PageResult, PageUser, error_page, path_id, redirect_with_flash, render};
use crate::{
    app::AppError,
    import::{
        ImportOptions, OnDuplicate, Unmapped,
        service::{self, Preview, ScratchFile},
        undo::{KeptRecord, UndoReport},
    },
    store::{self, imports::Import},
    web::{
        AppState,
        api::imports::{errors_response, export_response, read_upload, report_response},
    },
};
use askama::Template;
use axum::{
    Form, Json, Router,
    extract::{DefaultBodyLimit, Multipart, Path, RawQuery, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::{get, post},
};
use leadline_domain::mapping::{self, ImportKind};
use uuid::Uuid;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/imports", get(list).post(upload))
        .route("/imports/stage-map", post(save_stage_map))
        .route("/imports/{id}", get(show))
        .route("/imports/{id}/map", get(map).post(map_submit))
        .route("/imports/{id}/status", get(status))
        .route("/imports/{id}/report.csv", get(report))
        .route("/imports/{id}/errors.csv", get(errors))
        .route("/imports/{id}/undo", post(undo))
        .route("/imports/{id}/stop", post(stop))
        .route("/leads/export.csv", get(export))
        .layer(DefaultBodyLimit::max(crate::web::api::imports::MAX_UPLOAD))
}

const KINDS: [(&str, &str); 4] = [
    ("leads", "Leads and contacts"),
    ("products", "Products"),
    ("opportunities", "Opportunities"),
    ("users", "Users and teams"),
];

/// An import as a row of the list or the status page.
pub struct ImportView {
    pub import: Import,
    pub when: String,
    pub percent: i64,
    /// How long a finished import took, and its pace: "in 19.4 s · 10,309 rows/s".
    pub took: String,
    /// The tags the import gave its leads.
    pub tags: Vec<String>,
    /// An undo of it waits for an import writing into the organization to end.
    pub undo_waits: bool,
}

impl ImportView {
    fn new(import: Import, zone: &str) -> Self {
        let when = super::format::org_time(import.created_at, zone);
        let total = import.rows_total.unwrap_or(0).max(import.rows_done).max(1);
        let percent = if import.status == "running" { import.rows_done * 100 / total } else { 100 };
        let took = match (import.started_at, import.finished_at) {
            (Some(start), Some(end)) if end >= start => {
                #[allow(clippy::cast_precision_loss)]
                let secs = (end - start).num_milliseconds() as f64 / 1000.0;
                #[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation)]
                let rate = (import.rows_done as f64 / secs.max(0.001)).round() as i64;
                let pace =
                    if secs >= 1.0 { format!(" · {} rows/s", super::format::grouped(rate)) } else { String::new() };
                format!("in {}{pace}", super::format::duration(secs))
            }
            _ => String::new(),
        };
        let tags = import.options["tags"]
            .as_array()
            .map(|ts| ts.iter().filter_map(|t| t.as_str().map(str::to_owned)).collect())
            .unwrap_or_default();
        let now = store::now();
        let undo_waits = import.waits_for_undo(now, now - crate::import::engine::STALE_AFTER);
        Self { import, when, percent, took, tags, undo_waits }
    }

    /// A count as the page shows it: "188,296".
    #[must_use]
    pub fn n(&self, v: &i64) -> String {
        super::format::grouped(*v)
    }
}

#[derive(Template)]
#[template(path = "imports.html")]
struct ImportsPage {
    shell: super::Shell,
    imports: Vec<ImportView>,
    kinds: Vec<(&'static str, &'static str)>,
    error: Option<String>,
    /// The organization's own stage names: (name, stage).
    stage_aliases: Vec<(String, String)>,
    stages: Vec<&'static str>,
    can_edit_stages: bool,
}

async fn imports_page(state: &AppState, user: &PageUser, error: Option<String>) -> PageResult {
    let imports = async {
        let mut tx = state.db.read().await?;
        store::imports::list(&mut tx, user.actor.org_id(), 100).await
    }
    .await
    .map_err(AppError::from)
    .or_page()?;
    let stage_aliases = async {
        let mut tx = state.db.read().await?;
        store::sales::stage_aliases(&mut tx, user.actor.org_id()).await
    }
    .await
    .map_err(AppError::from)
    .or_page()?;
    let zone = user.actor.org.time_zone.clone();
    let failed = error.is_some();
    let page = ImportsPage {
        shell: user.shell("imports", ""),
        imports: imports.into_iter().filter(|i| i.status != "draft").map(|i| ImportView::new(i, &zone)).collect(),
        kinds: KINDS.to_vec(),
        error,
        stage_aliases,
        stages: leadline_domain::Stage::ALL.iter().map(|s| s.as_str()).collect(),
        can_edit_stages: user.actor.user.role.deletes_leads(),
    };
    let mut res = render(&page, user.flash.is_some());
    if failed {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

async fn list(State(state): State<AppState>, user: PageUser) -> PageResult {
    imports_page(&state, &user, None).await
}

async fn upload(State(state): State<AppState>, user: PageUser, form: Multipart) -> PageResult {
    let up = match read_upload(form, None).await {
        Ok(up) => up,
        Err(e) => return imports_page(&state, &user, Some(message(&e.0))).await,
    };
    user.check_csrf(&up.csrf)?;
    match service::upload(&state.db, &user.actor, up.kind, &up.file_name, &up.file, &up.options, true).await {
        Ok(import) => Ok(axum::response::Redirect::to(&format!("/imports/{}/map", import.id)).into_response()),
        Err(AppError::Validation(errs)) => {
            imports_page(&state, &user, Some(errs.into_iter().map(|e| e.message).collect::<Vec<_>>().join("; "))).await
        }
        Err(e) => Err(error_page(&e)),
    }
}

fn message(e: &AppError) -> String {
    match e {
        AppError::Validation(errs) => errs.iter().map(|e| e.message.clone()).collect::<Vec<_>>().join("; "),
        other => other.to_string(),
    }
}

async fn load(state: &AppState, user: &PageUser, id: &str) -> Result<Import, Response> {
    let id = path_id(id, "import")?;
    let found = async {
        let mut tx = state.db.read().await?;
        store::imports::get(&mut tx, user.actor.org_id(), id).await
    }
    .await
    .map_err(AppError::from)
    .or_page()?;
    found.ok_or_else(|| error_page(&AppError::NotFound("import")))
}

/// One column's choice on the mapping screen.
pub struct ColumnChoice {
    pub index: usize,
    pub header: String,
    pub field: String,
    /// The numbered person (2, 3, …) whose contact the column fills.
    pub person: Option<u8>,
}

/// A preview row as cells.
pub struct PreviewRow {
    pub row: u64,
    pub cells: Vec<String>,
    pub issues: String,
    pub rejected: bool,
}

#[derive(Template)]
#[template(path = "import_map.html")]
struct MapPage {
    shell: super::Shell,
    import: Import,
    kind_label: &'static str,
    columns: Vec<ColumnChoice>,
    /// Each field a column can go to, with its label.
    fields: Vec<(String, String)>,
    custom_allowed: bool,
    options: ImportOptions,
    head: Vec<&'static str>,
    rows: Vec<PreviewRow>,
    encoding: String,
    delimiter: String,
    /// The encoding and delimiter the columns shown were read with (`read_with`).
    read_with: String,
    encodings: &'static [(&'static str, &'static str)],
    rows_estimate: u64,
    error: Option<String>,
    /// The earlier import whose hand-made mapping this one starts from (its file name).
    remembered: Option<String>,
    /// The file reads better as another kind.
    hint: Option<String>,
    /// The latest earlier import of the same file.
    imported_before: Option<ImportView>,
    /// The old CRM's statuses or stages to map to Leadline's.
    foreign: Vec<ForeignNames>,
}

/// Names of an old CRM's statuses or stages in a file, each with the Leadline one chosen for
/// it (empty: its rows are refused); the form sends `PREFIX:NAME` = choice.
struct ForeignNames {
    prefix: &'static str,
    legend: &'static str,
    note: String,
    names: Vec<(String, String)>,
    choices: Vec<&'static str>,
}

impl ForeignNames {
    /// The mapped names with their choices, then those still unknown; none when there are neither.
    fn of(
        prefix: &'static str,
        legend: &'static str,
        note: String,
        mapped: &std::collections::BTreeMap<String, String>,
        unknown: &[String],
        choices: Vec<&'static str>,
    ) -> Option<Self> {
        let names: Vec<(String, String)> = mapped
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .chain(unknown.iter().map(|v| (v.clone(), String::new())))
            .collect();
        (!names.is_empty()).then_some(Self { prefix, legend, note, names, choices })
    }
}

impl MapPage {
    fn on_dup(&self, v: &str) -> bool {
        matches!(
            (self.options.on_duplicate, v),
            (OnDuplicate::Skip, "skip") | (OnDuplicate::Update, "update") | (OnDuplicate::Merge, "merge")
        )
    }

    fn keeps_unmapped(&self) -> bool {
        self.options.unmapped == Unmapped::Custom
    }

    fn encoding_is(&self, v: &str) -> bool {
        self.options.encoding.as_deref().unwrap_or("") == v
    }

    fn delimiter_is(&self, v: &str) -> bool {
        self.options.delimiter.as_deref().unwrap_or("") == v
    }
}

/// The encodings the mapping page offers when detection got a file wrong.
const ENCODINGS: &[(&str, &str)] = &[
    ("utf-8", "UTF-8"),
    ("utf-16le", "UTF-16 (little-endian)"),
    ("utf-16be", "UTF-16 (big-endian)"),
    ("windows-1252", "Windows-1252 / Latin-1 (Western Europe)"),
    ("iso-8859-15", "ISO-8859-15 (Latin-9, with €)"),
    ("macintosh", "Mac Roman (Excel for Mac)"),
    ("windows-1250", "Windows-1250 (Central Europe)"),
    ("windows-1251", "Windows-1251 (Cyrillic)"),
    ("windows-1253", "Windows-1253 (Greek)"),
    ("windows-1254", "Windows-1254 (Turkish)"),
    ("shift_jis", "Shift JIS (Japanese)"),
    ("gbk", "GBK (Simplified Chinese)"),
    ("big5", "Big5 (Traditional Chinese)"),
    ("euc-kr", "EUC-KR (Korean)"),
];

/// How a file's columns were read: the encoding and delimiter chosen ("" for detected).
fn read_with(options: &ImportOptions) -> String {
    format!("{}|{}", options.encoding.as_deref().unwrap_or(""), options.delimiter.as_deref().unwrap_or(""))
}

fn lead_cells(record: &serde_json::Value) -> Vec<String> {
    let s = |v: &serde_json::Value| match v {
        serde_json::Value::Null => String::new(),
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Array(a) => {
            a.iter().map(|x| x.as_str().map_or_else(|| x.to_string(), str::to_owned)).collect::<Vec<_>>().join(", ")
        }
        other => other.to_string(),
    };
    // Every contact of the row (a file may number several people: "contact2_name").
    let contacts: Vec<serde_json::Value> =
        record.get("contacts").and_then(|c| c.as_array()).cloned().unwrap_or_default();
    let phones = contacts
        .iter()
        .flat_map(|c| c.get("phones").and_then(|p| p.as_array()).cloned().unwrap_or_default())
        .map(|p| {
            let ext = p.get("extension").map(&s).map_or_else(String::new, |e| format!(" ext. {e}"));
            format!(
                "{}{ext} ({})",
                // One number never breaks across lines.
                leadline_domain::phone::display_e164(&p.get("e164").map(&s).unwrap_or_default())
                    .replace(' ', "\u{a0}")
                    .replace('-', "\u{2011}"),
                p.get("type").map(&s).unwrap_or_default()
            )
        })
        .collect::<Vec<_>>()
        .join(", ");
    let each = |field: &str| {
        contacts.iter().filter_map(|c| c.get(field).map(&s)).filter(|v| !v.is_empty()).collect::<Vec<_>>().join("; ")
    };
    let customs = record
        .get("custom_fields")
        .and_then(|c| c.as_object())
        .map(|m| m.iter().map(|(k, v)| format!("{k}: {}", s(v))).collect::<Vec<_>>().join("; "))
        .unwrap_or_default();
    vec![
        record.get("name").map(&s).unwrap_or_default(),
        record.get("kind").map(&s).unwrap_or_default(),
        record.get("status").map(&s).unwrap_or_default(),
        record.get("owner_name").map(&s).unwrap_or_default(),
        each("name"),
        phones,
        each("emails"),
        record.get("country").map(&s).unwrap_or_default(),
        record.get("time_zones").map(&s).unwrap_or_default(),
        customs,
    ]
}

async fn map_page(
    state: &AppState,
    user: &PageUser,
    import: Import,
    scratch: &ScratchFile,
    options: ImportOptions,
    error: Option<String>,
    remembered: Option<String>,
) -> PageResult {
    let kind = ImportKind::parse(&import.kind).map_err(|e| error_page(&AppError::field("kind", e.0)))?;
    let preview: Result<Preview, AppError> =
        service::preview_file(&state.db, &user.actor, kind, scratch, &options, 10).await;
    let (preview, error, read_with) = match (preview, error) {
        (Ok(p), e) => (p, e, read_with(&options)),
        (Err(e), _) => {
            // The chosen mapping (or encoding, or delimiter) is unusable: show the file as
            // detected, mapped automatically, with the reason.
            let fallback =
                ImportOptions { mapping: Default::default(), encoding: None, delimiter: None, ..options.clone() };
            let p = service::preview_file(&state.db, &user.actor, kind, scratch, &fallback, 10).await.or_page()?;
            (p, Some(message(&e)), read_with(&fallback))
        }
    };
    let lead_kind = kind == ImportKind::Leads;
    let head: Vec<&'static str> = if lead_kind {
        vec![
            "Lead",
            "Kind",
            "Status",
            "Owner",
            "Contact",
            "Phones",
            "E-mails",
            "Country",
            "Time zones",
            "Custom fields",
        ]
    } else {
        vec!["As it will be stored (refused rows: the file's values by field)"]
    };
    let rows = preview
        .rows
        .iter()
        .map(|r| PreviewRow {
            row: r.row,
            cells: if lead_kind && !r.rejected {
                lead_cells(&r.record)
            } else if !r.rejected {
                // Products, opportunities, users: each field as it will be stored, in the
                // order of the field list.
                let values = r.record.as_object();
                vec![
                    kind.fields()
                        .iter()
                        .filter_map(|f| {
                            let v = values?.get(f.name)?.as_str()?;
                            Some(format!("{}: {v}", mapping::field_label(kind, f.name)))
                        })
                        .chain(values.into_iter().flatten().filter_map(|(k, v)| {
                            Some(format!("Custom field “{}”: {}", k.strip_prefix("custom:")?, v.as_str()?))
                        }))
                        .collect::<Vec<_>>()
                        .join("; "),
                ]
            } else {
                // The raw values in the file's column order, spanning the table's columns.
                let values = r.record.as_object();
                vec![
                    preview
                        .columns
                        .iter()
                        .filter_map(|c| {
                            let key = format!("{} ({})", c.field, c.header);
                            let v = values?.get(&key)?.as_str()?;
                            Some(format!("{key}: {v}"))
                        })
                        .collect::<Vec<_>>()
                        .join("; "),
                ]
            },
            issues: r
                .issues
                .iter()
                .map(|i| {
                    // "Contact owner 'Maria Manager': is not a user …" unless the reason quotes it.
                    let value = i.value.as_deref().filter(|v| !v.is_empty() && !i.reason.contains(*v));
                    match (&i.column, value) {
                        (Some(c), Some(v)) => format!("{c} '{v}': {}", i.reason),
                        (Some(c), None) => format!("{c}: {}", i.reason),
                        (None, _) => i.reason.clone(),
                    }
                })
                .collect::<Vec<_>>()
                .join("; "),
            rejected: r.rejected,
        })
        .collect();
    let failed = error.is_some();
    // The file's own statuses and stages: those mapped (by this import or, for statuses, an
    // earlier one) with their choice, then those no name explains.
    let saves_stages = if user.actor.user.role.deletes_leads() {
        " Your choices are added to the stage map for later imports."
    } else {
        ""
    };
    let foreign = [
        ForeignNames::of(
            "status",
            "Statuses of the old CRM",
            "These statuses in the file are none of Leadline's. Choose one for each, or their rows are refused.".into(),
            &preview.mapped_statuses,
            &preview.unknown_statuses,
            leadline_domain::LeadStatus::ALL.iter().map(|s| s.as_str()).collect(),
        ),
        ForeignNames::of(
            "stage",
            "Stages of the old CRM",
            format!(
                "These stages in the file are none of Leadline's, of the stage names other CRMs use, or of the \
                 stage map. Choose one for each, or their rows are refused.{saves_stages}"
            ),
            &preview.mapped_stages,
            &preview.unknown_stages,
            leadline_domain::Stage::ALL.iter().map(|s| s.as_str()).collect(),
        ),
    ]
    .into_iter()
    .flatten()
    .collect();
    let page = MapPage {
        shell: user.shell("imports", ""),
        kind_label: KINDS.iter().find(|(k, _)| *k == kind.as_str()).map_or("Records", |(_, l)| l),
        columns: preview
            .columns
            .iter()
            .enumerate()
            .map(|(index, c)| ColumnChoice {
                index,
                header: c.header.clone(),
                field: c.field.clone(),
                person: c.person,
            })
            .collect(),
        fields: kind.fields().iter().map(|f| (f.name.to_owned(), mapping::field_label(kind, f.name))).collect(),
        custom_allowed: kind.has_custom_fields(),
        options,
        head,
        rows,
        encoding: preview.encoding,
        delimiter: preview.delimiter,
        read_with,
        encodings: ENCODINGS,
        rows_estimate: preview.rows_estimate,
        hint: preview.hint,
        imported_before: preview.imported_before.map(|b| ImportView::new(b, &user.actor.org.time_zone)),
        foreign,
        import,
        error,
        remembered,
    };
    let mut res = render(&page, user.flash.is_some());
    if failed {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

async fn map(State(state): State<AppState>, user: PageUser, Path(id): Path<String>) -> PageResult {
    let import = load(&state, &user, &id).await?;
    if import.status != "draft" {
        return Ok(axum::response::Redirect::to(&format!("/imports/{}", import.id)).into_response());
    }
    let mut options: ImportOptions = serde_json::from_value(import.options.clone()).unwrap_or_default();
    let scratch = service::stored_file(&state.db, import.id).await.or_page()?;
    // Columns mapped by hand in an earlier import of a file with the same columns are
    // mapped the same way again (shown, to be changed).
    // (The file's headers are read only when an earlier mapping could apply.)
    let mut remembered = None;
    if options.mapping.is_empty()
        && let Ok(kind) = ImportKind::parse(&import.kind)
    {
        let earlier = async {
            let mut tx = state.db.read().await?;
            let earlier = store::imports::recent_mappings(&mut tx, user.actor.org_id(), kind.as_str()).await?;
            tx.commit().await?;
            Ok::<_, anyhow::Error>(earlier)
        };
        let earlier = earlier.await.map_err(AppError::from).or_page()?;
        if !earlier.is_empty()
            && let Ok(automatic) = service::automatic_mapping(&scratch, kind, &options)
        {
            let headers: std::collections::HashSet<&str> = automatic.iter().map(|(h, _)| h.as_str()).collect();
            if let Some((file, mapping)) =
                earlier.into_iter().find(|(_, m)| m.keys().all(|h| headers.contains(h.as_str())))
            {
                options.mapping = mapping;
                remembered = Some(file);
            }
        }
    }
    map_page(&state, &user, import, &scratch, options, None, remembered).await
}

async fn map_submit(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> PageResult {
    let get = |k: &str| fields.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()).unwrap_or_default();
    user.check_csrf(&get("csrf"))?;
    let import = load(&state, &user, &id).await?;
    let kind = ImportKind::parse(&import.kind).map_err(|e| error_page(&AppError::field("kind", e.0)))?;
    let stored: ImportOptions = serde_json::from_value(import.options.clone()).unwrap_or_default();
    let mut options = ImportOptions {
        on_duplicate: OnDuplicate::parse(&get("on_duplicate")).unwrap_or_default(),
        unmapped: Unmapped::parse(&get("unmapped")).unwrap_or_default(),
        match_domain: get("match_domain") == "on",
        default_region: Some(get("default_region")).filter(|r| !r.trim().is_empty()),
        encoding: Some(get("encoding")).filter(|e| !e.trim().is_empty()),
        delimiter: Some(get("delimiter")).filter(|d| !d.trim().is_empty()),
        mapping: Default::default(),
        tags: Vec::new(),
        ..stored
    };
    let tags = get("tags");
    let typed = leadline_domain::text::comma_tags(&tags);
    let tag_error = match leadline_domain::text::tags(typed.clone()) {
        Ok(t) => {
            options.tags = t;
            None
        }
        Err(e) => {
            // Shown again as typed, to be corrected; nothing is imported with them.
            options.tags = typed.map(str::to_owned).collect();
            Some(format!("Tags: {e}"))
        }
    };
    // Each column's choice; those equal to the automatic mapping need not be stored.
    // Columns read with another encoding or delimiter are other columns: mapped anew.
    let scratch = service::stored_file(&state.db, import.id).await.or_page()?;
    let same_columns = get("read_with") == read_with(&options);
    let automatic = if same_columns { service::automatic_mapping(&scratch, kind, &options) } else { Ok(Vec::new()) };
    let automatic = match automatic {
        Ok(a) => a,
        Err(e) => return map_page(&state, &user, import, &scratch, options, Some(message(&e)), None).await,
    };
    for (i, (header, field)) in automatic.into_iter().enumerate() {
        let chosen = get(&format!("col_{i}"));
        if !chosen.is_empty() && chosen != field {
            options.mapping.insert(header, chosen);
        }
    }
    // The old CRM's status names mapped to Leadline statuses ("status:Hot" = "qualified").
    options.statuses = fields
        .iter()
        .filter_map(|(n, v)| Some((n.strip_prefix("status:")?.to_owned(), v.clone())))
        .filter(|(_, v)| leadline_domain::LeadStatus::parse(v).is_ok())
        .collect();
    // The old CRM's opportunity stages mapped to Leadline stages ("stage:Verbal yes" = "negotiation").
    options.stages = fields
        .iter()
        .filter_map(|(n, v)| Some((n.strip_prefix("stage:")?.to_owned(), v.clone())))
        .filter(|(_, v)| leadline_domain::Stage::parse(v).is_ok())
        .collect();
    // A file read anew is shown before it is imported.
    if get("action") != "start" || tag_error.is_some() || !same_columns {
        return map_page(&state, &user, import, &scratch, options, tag_error, None).await;
    }
    if user.actor.user.role.deletes_leads() && !options.stages.is_empty() {
        // Stage names chosen here are kept in the stage map for the next imports.
        let saved = async {
            let mut tx = state.db.write().await?;
            for (alias, stage) in &options.stages {
                store::sales::set_stage_alias(&mut tx, user.actor.org_id(), alias, Some(stage)).await?;
            }
            tx.commit().await
        };
        saved.await.map_err(AppError::from).or_page()?;
    }
    match service::confirm(&state.db, &user.actor, import.id, &options, scratch).await {
        Ok(i) => Ok(axum::response::Redirect::to(&format!("/imports/{}", i.id)).into_response()),
        Err(e @ AppError::Validation(_)) => {
            let scratch = service::stored_file(&state.db, import.id).await.or_page()?;
            map_page(&state, &user, import, &scratch, options, Some(message(&e)), None).await
        }
        Err(e) => Err(error_page(&e)),
    }
}

/// How many kept records an import's page names.
const KEPT_SHOWN: usize = 50;

#[derive(Template)]
#[template(path = "import_status.html")]
struct StatusPage {
    shell: super::Shell,
    view: ImportView,
    undo_report: Option<String>,
    /// The first records the undo kept as they were edited since the import.
    kept: Vec<KeptRecord>,
    /// How many records the undo kept in all.
    kept_total: usize,
    /// The report's first rows.
    report: Vec<store::imports::ReportRow>,
}

async fn show(State(state): State<AppState>, user: PageUser, Path(id): Path<String>) -> PageResult {
    let import = load(&state, &user, &id).await?;
    if import.status == "draft" {
        return Ok(axum::response::Redirect::to(&format!("/imports/{}/map", import.id)).into_response());
    }
    let undo = import.undo_report.clone().and_then(|r| serde_json::from_value::<UndoReport>(r).ok());
    let undo_report = undo.as_ref().map(|r| {
        if import.status == "undoing" {
            return format!("So far the undo has {}.", r.done());
        }
        let kept = r.kept_edited.len();
        format!(
            "Undo {}, and kept what was edited or worked on since the import in {kept} {}{}",
            r.done(),
            if kept == 1 { "record" } else { "records" },
            if kept == 0 { "." } else { ":" }
        )
    });
    let kept_total = undo.as_ref().map_or(0, |r| r.kept_edited.len());
    let kept = match &undo {
        Some(r) if import.status != "undoing" => async {
            let mut tx = state.db.read().await?;
            crate::import::undo::kept_records(&mut tx, import.org_id, import.id, &import.kind, r, KEPT_SHOWN).await
        }
        .await
        .map_err(AppError::from)
        .or_page()?,
        _ => Vec::new(),
    };
    let report = async {
        let mut tx = state.db.read().await?;
        store::imports::report_page(&mut tx, import.id, None, 50).await
    }
    .await
    .map_err(AppError::from)
    .or_page()?
    .into_iter()
    .map(|(r, _)| r)
    .collect();
    let zone = user.actor.org.time_zone.clone();
    let page = StatusPage {
        shell: user.shell("imports", ""),
        view: ImportView::new(import, &zone),
        undo_report,
        kept,
        kept_total,
        report,
    };
    Ok(render(&page, user.flash.is_some()))
}

async fn status(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<String>,
) -> Result<Json<Import>, Response> {
    Ok(Json(load(&state, &user, &id).await?))
}

async fn report(State(state): State<AppState>, user: PageUser, Path(id): Path<String>) -> PageResult {
    let import = load(&state, &user, &id).await?;
    report_response(&state, &import).await.map_err(|e| error_page(&e.0))
}

async fn errors(State(state): State<AppState>, user: PageUser, Path(id): Path<String>) -> PageResult {
    let import = load(&state, &user, &id).await?;
    errors_response(&state, &import).await.map_err(|e| error_page(&e.0))
}

async fn undo(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<String>,
    Form(form): Form<super::CsrfForm>,
) -> PageResult {
    user.check_csrf(&form.csrf)?;
    let id: Uuid = path_id(&id, "import")?;
    // A large import takes minutes to undo: past a few seconds the undo goes on by itself
    // and the import's page follows it.
    let done =
        match crate::import::undo::undo_within(&state.db, &user.actor, id, std::time::Duration::from_secs(5)).await {
            Ok(Some(report)) => Ok(report),
            Ok(None) => {
                return Ok(redirect_with_flash(
                    &format!("/imports/{id}"),
                    "Undoing the import: what it created is being deleted. This page shows when it is done.",
                ));
            }
            Err(e) => Err(e),
        };
    Ok(back_to_import(id, done, |r| {
        format!(
            "Import undone: {}; what was edited or worked on since was kept in {} {}.",
            r.done(),
            r.kept_edited.len(),
            if r.kept_edited.len() == 1 { "record" } else { "records" }
        )
    }))
}

async fn stop(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<String>,
    Form(form): Form<super::CsrfForm>,
) -> PageResult {
    user.check_csrf(&form.csrf)?;
    let id: Uuid = path_id(&id, "import")?;
    let done = crate::import::service::stop(&state.db, &user.actor, id).await;
    Ok(back_to_import(id, done, |i| {
        format!("Stopping the import after {} rows; what it wrote can be undone once it has stopped.", i.rows_done)
    }))
}

/// Back to the import's page with what an action did, or why it was refused.
fn back_to_import<T>(id: Uuid, done: Result<T, AppError>, said: impl FnOnce(T) -> String) -> Response {
    match done {
        Ok(v) => redirect_with_flash(&format!("/imports/{id}"), &said(v)),
        Err(e @ (AppError::Conflict { .. } | AppError::Forbidden(_))) => {
            redirect_with_flash(&format!("/imports/{id}"), &e.to_string())
        }
        Err(e) => error_page(&e),
    }
}

/// Saves the stage map: changed stages, removed names and one new name.
async fn save_stage_map(
    State(state): State<AppState>,
    user: PageUser,
    Form(fields): Form<Vec<(String, String)>>,
) -> PageResult {
    let get = |k: &str| fields.iter().find(|(n, _)| n == k).map(|(_, v)| v.trim().to_owned()).unwrap_or_default();
    user.check_csrf(&get("csrf"))?;
    if !user.actor.user.role.deletes_leads() {
        return Err(error_page(&AppError::Forbidden("Only admins and managers can change the stage map.".into())));
    }
    let mut changes: Vec<(String, Option<String>)> = Vec::new();
    for (k, alias) in &fields {
        if let Some(i) = k.strip_prefix("alias_") {
            let stage = get(&format!("stage_{i}"));
            let remove = get(&format!("remove_{i}")) == "on";
            changes.push((alias.clone(), if remove { None } else { Some(stage) }));
        }
    }
    let new_alias = get("new_alias");
    if !new_alias.is_empty() {
        changes.push((new_alias, Some(get("new_stage"))));
    }
    let saved = async {
        let mut tx = state.db.write().await?;
        for (alias, stage) in &changes {
            leadline_domain::stage::alias_name(alias).map_err(|e| anyhow::anyhow!("'{alias}': {e}"))?;
            let stage = match stage {
                Some(s) => {
                    Some(leadline_domain::Stage::parse(s).map_err(|e| anyhow::anyhow!("{alias}: {e}"))?.as_str())
                }
                None => None,
            };
            store::sales::set_stage_alias(&mut tx, user.actor.org_id(), alias, stage).await?;
        }
        tx.commit().await?;
        Ok::<_, anyhow::Error>(())
    }
    .await;
    Ok(match saved {
        Ok(()) => redirect_with_flash("/imports#stages-h", "Stage map saved."),
        Err(e) => redirect_with_flash("/imports#stages-h", &format!("Not saved: {e}")),
    })
}

async fn export(State(state): State<AppState>, user: PageUser, RawQuery(raw): RawQuery) -> PageResult {
    export_response(&state, &user.actor, raw.as_deref()).await.map_err(|e| error_page(&e.0))
}
