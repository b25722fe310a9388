//! `/api/v1/imports`, `/api/v1/exports/leads.csv`, `/api/v1/stage-map`, and the
//! imported products, opportunities and teams.

use super::{Items, parse_id};
use crate::{
    app::{self, Actor, AppError, leads::ListParams},
    import::{
        ImportOptions, OnDuplicate, Unmapped,
        service::{self, Preview, ScratchFile},
        undo::UndoReport,
    },
    store::{
        self,
        imports::{Import, ReportRow},
        sales::{Opportunity, Product, Team},
    },
    web::{
        AppState,
        error::{ApiError, Problem},
        extract::{ApiActor, ApiJson},
    },
};
use axum::{
    Json, Router,
    body::Body,
    extract::{DefaultBodyLimit, Multipart, Path, RawQuery, State},
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use leadline_domain::{Stage, mapping::ImportKind, money::Money, stage};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// The largest file an upload may carry.
pub const MAX_UPLOAD: usize = 1 << 30;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/imports", get(list).post(create))
        .route("/imports/preview", post(preview))
        .route("/imports/{id}", get(show).delete(undo_by_delete))
        .route("/imports/{id}/report", get(report_json))
        .route("/imports/{id}/report.csv", get(report_csv))
        .route("/imports/{id}/errors.csv", get(errors_csv))
        .route("/imports/{id}/undo", post(undo))
        .route("/imports/{id}/stop", post(stop))
        .route("/exports/leads.csv", get(export_leads))
        .route("/stage-map", get(stage_map).put(set_stage_map))
        .route("/products", get(products))
        .route("/opportunities", get(opportunities))
        .route("/teams", get(teams))
        .layer(DefaultBodyLimit::max(MAX_UPLOAD))
}

/// The multipart form of an upload: `file`, and optional `kind`, `options` (JSON)
/// or the options as separate fields (which may also be given as query parameters).
/// Option names may be written with dashes or in camelCase (`on-duplicate`, `onDuplicate`).
#[derive(ToSchema)]
#[expect(dead_code, reason = "describes the multipart form in the OpenAPI document")]
pub struct ImportUpload {
    /// The CSV file.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    /// leads (default), products, opportunities or users.
    kind: Option<String>,
    /// ImportOptions as JSON.
    options: Option<String>,
    /// skip (default), update or merge.
    on_duplicate: Option<String>,
    default_region: Option<String>,
    encoding: Option<String>,
    delimiter: Option<String>,
    /// custom (default) or ignore.
    unmapped: Option<String>,
    /// true to treat leads with the same web domain as duplicates.
    match_domain: Option<String>,
    /// `Header=field`; repeatable.
    map: Option<String>,
    /// `Name=stage`; repeatable.
    stage: Option<String>,
}

/// An upload read from a multipart form.
pub struct Upload {
    pub kind: ImportKind,
    pub file_name: String,
    /// The file, written to a scratch file as it arrived (never held in memory whole).
    pub file: ScratchFile,
    pub options: ImportOptions,
    /// The page form's CSRF token, when the upload comes from the web page.
    pub csrf: String,
}

/// An upload as a multipart form, or the CSV file as the whole body (`text/csv`,
/// options as query parameters, the file's name as `file_name`).
pub struct UploadBody(pub Upload);

impl axum::extract::FromRequest<AppState> for UploadBody {
    type Rejection = ApiError;

    async fn from_request(req: axum::extract::Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let query = req.uri().query().map(str::to_owned);
        let multipart = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.to_ascii_lowercase().starts_with("multipart/"));
        if multipart {
            let form = Multipart::from_request(req, state).await.map_err(|e| bad("file", e.body_text()))?;
            return Ok(Self(read_upload(form, query.as_deref()).await?));
        }
        let (file, mut out) = ScratchFile::create().map_err(|e| ApiError(e.into()))?;
        let mut body = req.into_body().into_data_stream();
        let mut size = 0;
        while let Some(chunk) = futures_util::StreamExt::next(&mut body).await {
            let chunk = chunk.map_err(|e| bad("file", format!("the upload could not be read: {e}")))?;
            write_upload(&mut out, &mut size, &chunk)?;
        }
        let mut kind = ImportKind::Leads;
        let mut options = ImportOptions::default();
        let mut json_options = None;
        let mut csrf = String::new();
        let mut file_name = "upload.csv".to_owned();
        for pair in query.as_deref().unwrap_or("").split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let (k, v) = (crate::web::urldecode(k), crate::web::urldecode(v));
            if k == "file_name" || k == "filename" {
                file_name = v;
                continue;
            }
            set_option(&k, v.trim().to_owned(), &mut kind, &mut options, &mut json_options, &mut csrf)?;
        }
        Ok(Self(Upload { kind, file_name, file, options: json_options.unwrap_or(options), csrf }))
    }
}

/// Appends a piece of an upload to its scratch file, refusing a file over [`MAX_UPLOAD`].
fn write_upload(out: &mut std::fs::File, size: &mut usize, chunk: &[u8]) -> Result<(), ApiError> {
    use std::io::Write;
    *size += chunk.len();
    if *size > MAX_UPLOAD {
        return Err(bad("file", format!("is larger than {} MB; import it with the command line", MAX_UPLOAD >> 20)));
    }
    out.write_all(chunk).map_err(|e| ApiError(anyhow::Error::from(e).context("writing the upload").into()))
}

fn bad(field: &str, message: impl Into<String>) -> ApiError {
    ApiError(AppError::field(field, message))
}

fn split_pair(field: &str, v: &str) -> Result<(String, String), ApiError> {
    v.rsplit_once('=')
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .ok_or_else(|| bad(field, format!("'{v}' must look like NAME=VALUE")))
}

/// Reads the upload form.
pub async fn read_upload(mut form: Multipart, query: Option<&str>) -> Result<Upload, ApiError> {
    let mut kind = ImportKind::Leads;
    let mut file: Option<(String, ScratchFile, usize)> = None;
    let mut options = ImportOptions::default();
    let mut json_options: Option<ImportOptions> = None;
    let mut csrf = String::new();
    for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let (k, v) = (crate::web::urldecode(k), crate::web::urldecode(v));
        set_option(&k, v.trim().to_owned(), &mut kind, &mut options, &mut json_options, &mut csrf)?;
    }
    while let Some(field) =
        form.next_field().await.map_err(|e| bad("file", format!("the upload could not be read: {e}")))?
    {
        let name = field.name().unwrap_or("").to_owned();
        // The file is the field named `file`, or else any field that carries a file name.
        if name == "file" || (field.file_name().is_some() && file.is_none()) {
            let file_name = field.file_name().unwrap_or("upload.csv").to_owned();
            let (scratch, mut out) = ScratchFile::create().map_err(|e| ApiError(e.into()))?;
            let mut size = 0;
            let mut field = field;
            while let Some(chunk) =
                field.chunk().await.map_err(|e| bad("file", format!("the upload could not be read: {e}")))?
            {
                write_upload(&mut out, &mut size, &chunk)?;
            }
            file = Some((file_name, scratch, size));
            continue;
        }
        let text = field.text().await.map_err(|e| bad(&name, e.to_string()))?;
        let value = text.trim().to_owned();
        set_option(&name, value, &mut kind, &mut options, &mut json_options, &mut csrf)?;
    }
    let (file_name, file) = match file {
        Some((name, scratch, size)) if size > 0 || !name.is_empty() => (name, scratch),
        _ => return Err(bad("file", "is required (a multipart field named 'file')")),
    };
    let mut options = json_options.unwrap_or(options);
    options.tags =
        leadline_domain::text::tags(options.tags.iter().map(String::as_str)).map_err(|e| bad("tags", e.to_string()))?;
    for (k, v) in &options.stages.clone() {
        if Stage::parse(v).is_err() {
            return Err(bad("stage", format!("'{k}={v}': '{v}' is not a stage")));
        }
        options.stages.insert(k.clone(), v.clone());
    }
    for (k, v) in &options.statuses {
        if leadline_domain::LeadStatus::parse(v).is_err() {
            return Err(bad("status", format!("'{k}={v}': '{v}' is not a lead status")));
        }
    }
    Ok(Upload { kind, file_name, file, options, csrf })
}

/// Reads one option of an upload, from a form field or a query parameter.
fn set_option(
    name: &str,
    value: String,
    kind: &mut ImportKind,
    options: &mut ImportOptions,
    json_options: &mut Option<ImportOptions>,
    csrf: &mut String,
) -> Result<(), ApiError> {
    {
        match option_name(name).as_str() {
            "csrf" => *csrf = value,
            "kind" => *kind = ImportKind::parse(&value).map_err(|e| bad("kind", e.0))?,
            "options" if !value.is_empty() => {
                *json_options = Some(serde_json::from_str(&value).map_err(|e| bad("options", e.to_string()))?);
            }
            "on_duplicate" => options.on_duplicate = OnDuplicate::parse(&value).map_err(|e| bad("on_duplicate", e))?,
            "default_region" if !value.is_empty() => {
                let region = leadline_domain::Region::parse(&value).map_err(|e| bad("default_region", e.0))?;
                options.default_region = Some(region.as_str().to_owned());
            }
            "encoding" if !value.is_empty() => options.encoding = Some(value),
            "delimiter" if !value.is_empty() => options.delimiter = Some(value),
            "unmapped" => options.unmapped = Unmapped::parse(&value).map_err(|e| bad("unmapped", e))?,
            // Checked with the JSON options' tags once the upload is read.
            "tag" | "tags" => options.tags.extend(leadline_domain::text::comma_tags(&value).map(str::to_owned)),
            "match_domain" => {
                options.match_domain = match value.to_ascii_lowercase().as_str() {
                    "true" | "1" | "on" | "yes" => true,
                    "false" | "0" | "off" | "no" | "" => false,
                    _ => return Err(bad("match_domain", format!("'{value}' is not true or false"))),
                };
            }
            "map" | "mapping" if value.starts_with('{') => {
                let m: BTreeMap<String, String> = serde_json::from_str(&value)
                    .map_err(|e| bad(name, format!("is not a JSON object of strings: {e}")))?;
                options.mapping.extend(m);
            }
            "map" | "mapping" if !value.is_empty() => {
                let (k, v) = split_pair("map", &value)?;
                options.mapping.insert(k, v);
            }
            "stage" | "stages" if value.starts_with('{') => {
                let m: BTreeMap<String, String> = serde_json::from_str(&value)
                    .map_err(|e| bad(name, format!("is not a JSON object of strings: {e}")))?;
                options.stages.extend(m);
            }
            "stage" | "stages" if !value.is_empty() => {
                let (k, v) = split_pair("stage", &value)?;
                options.stages.insert(k, v);
            }
            "status" | "statuses" | "status_map" if value.starts_with('{') => {
                let m: BTreeMap<String, String> = serde_json::from_str(&value)
                    .map_err(|e| bad(name, format!("is not a JSON object of strings: {e}")))?;
                options.statuses.extend(m);
            }
            // A bare "status" without a name to map ("status=new") is no option here.
            key @ ("status" | "statuses" | "status_map")
                if value.contains('=') || (key != "status" && !value.is_empty()) =>
            {
                let (k, v) = split_pair("status", &value)?;
                options.statuses.insert(k, v);
            }
            _ => {}
        }
    }
    Ok(())
}

/// An option's name as written by a form, a script or the CLI (`on_duplicate`,
/// `on-duplicate`, `onDuplicate`), and a few other names for the same option.
fn option_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 2);
    for c in name.trim().chars() {
        match c {
            '-' | ' ' => out.push('_'),
            c if c.is_ascii_uppercase() => {
                if !out.is_empty() && !out.ends_with('_') {
                    out.push('_');
                }
                out.push(c.to_ascii_lowercase());
            }
            c => out.push(c),
        }
    }
    match out.as_str() {
        "type" | "import_kind" => "kind".to_owned(),
        "duplicates" | "on_duplicates" | "if_duplicate" => "on_duplicate".to_owned(),
        "region" => "default_region".to_owned(),
        "match_domains" | "match_web_domain" => "match_domain".to_owned(),
        _ => out,
    }
}

/// Starts an import from a CSV upload (multipart, or the file as a `text/csv` body with the
/// options as query parameters). The file is checked first: a file that
/// is not CSV, is empty or has no name column is refused with 422 and nothing is written.
/// The import then runs in the background; poll `GET /api/v1/imports/{id}`.
#[utoipa::path(post, operation_id = "createImport", path = "/api/v1/imports", tag = "imports",
    request_body(content(
        (ImportUpload = "multipart/form-data"),
        (String = "text/csv")
    )),
    responses((status = 202, body = Import), (status = 403, body = Problem), (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn create(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    UploadBody(up): UploadBody,
) -> Result<(StatusCode, [(header::HeaderName, String); 1], Json<Import>), ApiError> {
    let import = service::upload(&s.db, &actor, up.kind, &up.file_name, &up.file, &up.options, false).await?;
    service::launch(s.db.clone(), import.id, actor.org_id()).await?;
    let location = format!("/api/v1/imports/{}", import.id);
    Ok((StatusCode::ACCEPTED, [(header::LOCATION, location)], Json(import)))
}

/// Shows how a file would be read — encoding, delimiter, the mapping of its columns and
/// its first rows as they would be stored — without writing anything.
#[utoipa::path(post, operation_id = "previewImport", path = "/api/v1/imports/preview", tag = "imports",
    request_body(content = ImportUpload, content_type = "multipart/form-data"),
    responses((status = 200, body = Preview), (status = 422, body = Problem)), security(("bearer" = [])))]
pub async fn preview(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    UploadBody(up): UploadBody,
) -> Result<Json<Preview>, ApiError> {
    service::check_may_import(&actor, up.kind)?;
    let scratch = up.file;
    let mut tx = s.db.read().await?;
    let options = crate::import::engine::with_remembered_statuses(&mut tx, actor.org_id(), up.kind, up.options).await?;
    drop(tx);
    Ok(Json(service::preview_file(&s.db, &actor, up.kind, &scratch, &options, 10).await?))
}

/// The organization's imports, newest first.
#[utoipa::path(get, operation_id = "listImports", path = "/api/v1/imports", tag = "imports",
    responses((status = 200, body = Items<Import>)), security(("bearer" = [])))]
pub async fn list(State(s): State<AppState>, ApiActor(actor): ApiActor) -> Result<Json<Items<Import>>, ApiError> {
    let mut tx = s.db.read().await?;
    let items = store::imports::list(&mut tx, actor.org_id(), 200).await?;
    Ok(Json(Items { items: items.into_iter().filter(|i| i.status != "draft").collect() }))
}

async fn load(s: &AppState, actor: &Actor, id: &str) -> Result<Import, ApiError> {
    let id = parse_id(id, "import")?;
    let mut tx = s.db.read().await?;
    Ok(store::imports::get(&mut tx, actor.org_id(), id).await?.ok_or(AppError::NotFound("import"))?)
}

/// An import's status and counts: rows done of the total, created, updated, merged,
/// duplicates, rejected, warnings.
#[utoipa::path(get, operation_id = "getImport", path = "/api/v1/imports/{id}", tag = "imports", params(("id" = String, Path)),
    responses((status = 200, body = Import), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn show(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Json<Import>, ApiError> {
    Ok(Json(load(&s, &actor, &id).await?))
}

/// The report's rows: refused rows with the column, value and reason; duplicates with the
/// lead they matched and why; rows that updated or merged into leads; warnings.
#[utoipa::path(get, operation_id = "getImportReport", path = "/api/v1/imports/{id}/report", tag = "imports", params(("id" = String, Path)),
    responses((status = 200, body = Items<ReportRow>), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn report_json(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Json<Items<ReportRow>>, ApiError> {
    let import = load(&s, &actor, &id).await?;
    let mut tx = s.db.read().await?;
    let rows = store::imports::report_page(&mut tx, import.id, None, 10_000).await?;
    Ok(Json(Items { items: rows.into_iter().map(|(r, _)| r).collect() }))
}

/// The report as CSV: `row,outcome,column,value,reason,record_id,record_name`.
#[utoipa::path(get, operation_id = "getImportReportCsv", path = "/api/v1/imports/{id}/report.csv", tag = "imports", params(("id" = String, Path)),
    responses((status = 200, content_type = "text/csv", body = String), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn report_csv(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let import = load(&s, &actor, &id).await?;
    report_response(&s, &import).await
}

/// The refused rows only, as CSV with the report's columns.
#[utoipa::path(get, operation_id = "getImportErrorsCsv", path = "/api/v1/imports/{id}/errors.csv", tag = "imports", params(("id" = String, Path)),
    responses((status = 200, content_type = "text/csv", body = String), (status = 404, body = Problem)), security(("bearer" = [])))]
pub async fn errors_csv(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let import = load(&s, &actor, &id).await?;
    errors_response(&s, &import).await
}

/// The error report: the refused rows (row number, column, value, reason) as CSV.
pub async fn errors_response(s: &AppState, import: &Import) -> Result<Response, ApiError> {
    let mut out = Vec::new();
    crate::import::report::write_only(&s.db, import.id, Some("rejected"), &mut out).await?;
    Ok(csv_download(out, &format!("import-{}-errors.csv", import.id)))
}

fn csv_download(body: Vec<u8>, file_name: &str) -> Response {
    let disposition = format!("attachment; filename=\"{file_name}\"");
    ([(header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()), (header::CONTENT_DISPOSITION, disposition)], body)
        .into_response()
}

/// The report CSV as a download.
pub async fn report_response(s: &AppState, import: &Import) -> Result<Response, ApiError> {
    let mut out = Vec::new();
    crate::import::report::write(&s.db, import.id, &mut out).await?;
    let name = format!("attachment; filename=\"import-{}-report.csv\"", import.id);
    Ok(([(header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()), (header::CONTENT_DISPOSITION, name)], out)
        .into_response())
}

/// How long an undo request waits for the undo to end before it answers 202 and leaves the
/// undo to run on (a million leads take minutes; clients and proxies give up after a minute).
/// A request may ask for less with `Prefer: wait=N` or `Prefer: respond-async` (RFC 7240).
const UNDO_WAIT: std::time::Duration = std::time::Duration::from_secs(20);

/// Undoes an import (also as `DELETE /api/v1/imports/{id}`): the leads and contacts (or products, opportunities, users) it created
/// are deleted and what it changed is restored — except what was edited since: a created lead
/// someone edited is kept, and in a changed lead each field edited after the import keeps its
/// value (`kept_edited` lists those records, `kept_fields` the fields kept). An undo that has
/// not ended after 20 seconds (or the N seconds of a `Prefer: wait=N` header; a second with
/// `Prefer: respond-async`) goes on in the server, and the answer is 202 with the import: its
/// status becomes `undone`, with the report in `undo_report`, when the undo is done.
#[utoipa::path(post, operation_id = "undoImport", path = "/api/v1/imports/{id}/undo", tag = "imports", params(("id" = String, Path)),
    responses((status = 200, body = UndoReport), (status = 202, body = Import), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)),
    security(("bearer" = [])))]
pub async fn undo(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let id = parse_id(&id, "import")?;
    let wait = preferred_wait(&headers).map_or(UNDO_WAIT, |w| w.min(UNDO_WAIT));
    match crate::import::undo::undo_within(&s.db, &actor, id, wait).await? {
        Some(report) => Ok(Json(report).into_response()),
        None => {
            let import = load(&s, &actor, &id.to_string()).await?;
            Ok((StatusCode::ACCEPTED, [(header::LOCATION, format!("/api/v1/imports/{id}"))], Json(import))
                .into_response())
        }
    }
}

/// How long the client would wait, from a request's `Prefer` headers: `wait=N` seconds, or
/// hardly at all with `respond-async`.
fn preferred_wait(headers: &HeaderMap) -> Option<std::time::Duration> {
    let prefs: Vec<&str> = headers
        .get_all("prefer")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split([',', ';']))
        .map(str::trim)
        .collect();
    let wait = prefs.iter().find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim().eq_ignore_ascii_case("wait").then(|| v.trim().trim_matches('"').parse::<u64>().ok())?
    });
    let async_ok = prefs.iter().any(|p| p.eq_ignore_ascii_case("respond-async"));
    wait.or(async_ok.then_some(0)).map(std::time::Duration::from_secs)
}

/// Stops a running import after the batch it is writing (202, status `stopping`, then
/// `stopped`). What it wrote stays, in whole rows, and can be undone.
#[utoipa::path(post, operation_id = "stopImport", path = "/api/v1/imports/{id}/stop", tag = "imports", params(("id" = String, Path)),
    responses((status = 202, body = Import), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)),
    security(("bearer" = [])))]
pub async fn stop(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<Import>), ApiError> {
    let id = parse_id(&id, "import")?;
    Ok((StatusCode::ACCEPTED, Json(service::stop(&s.db, &actor, id).await?)))
}

/// The same as `POST /api/v1/imports/{id}/undo`.
#[utoipa::path(delete, operation_id = "deleteImport", path = "/api/v1/imports/{id}", tag = "imports", params(("id" = String, Path)),
    responses((status = 200, body = UndoReport), (status = 202, body = Import), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)),
    security(("bearer" = [])))]
pub async fn undo_by_delete(
    s: State<AppState>,
    actor: ApiActor,
    id: Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    undo(s, actor, id, headers).await
}

/// Leads with their contacts as CSV, one row per contact, streamed. Takes the lead
/// list's filters (`status`, `owner`, `tag`, `country`, `kind`, `q`, `created_from`, ...).
#[utoipa::path(get, operation_id = "exportLeads", path = "/api/v1/exports/leads.csv", tag = "imports", params(ListParams),
    responses((status = 200, content_type = "text/csv", body = String), (status = 422, body = Problem)), security(("bearer" = [])))]
pub async fn export_leads(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    export_response(&s, &actor, raw.as_deref()).await
}

/// A streamed CSV download of the leads matching the list parameters in `raw`.
pub async fn export_response(s: &AppState, actor: &Actor, raw: Option<&str>) -> Result<Response, ApiError> {
    let mut params = ListParams::from_query(raw)?;
    app::leads::name_owner(&s.db, actor, &mut params).await?;
    let query = app::leads::parse_query(actor, &params)?;
    let (send, recv) = tokio::sync::mpsc::channel::<Vec<u8>>(4);
    let db = s.db.clone();
    tokio::spawn(async move {
        if let Err(e) = crate::import::export::leads(&db, query, send).await {
            tracing::error!(error = format!("{e:#}"), "export failed");
        }
    });
    let stream = futures_util::stream::unfold(recv, |mut r| async move {
        r.recv().await.map(|chunk| (Ok::<_, std::io::Error>(chunk), r))
    });
    let name = format!("attachment; filename=\"leads-{}.csv\"", chrono::Utc::now().format("%Y-%m-%d"));
    Ok((
        [(header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()), (header::CONTENT_DISPOSITION, name)],
        Body::from_stream(stream),
    )
        .into_response())
}

/// The stage map: the organization's own names, then the built-in ones.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct StageMap {
    /// Stage name in another CRM → Leadline stage (qualification, discovery, proposal,
    /// negotiation, won, lost). In a PUT, `null` removes a name.
    #[schema(value_type = Object)]
    pub custom: BTreeMap<String, Option<String>>,
    #[schema(value_type = Object)]
    #[serde(default, skip_deserializing)]
    pub built_in: BTreeMap<String, String>,
}

async fn current_stage_map(s: &AppState, actor: &Actor) -> Result<StageMap, ApiError> {
    let mut tx = s.db.read().await?;
    let custom =
        store::sales::stage_aliases(&mut tx, actor.org_id()).await?.into_iter().map(|(a, s)| (a, Some(s))).collect();
    let built_in = stage::default_aliases().map(|(a, s)| (a.to_owned(), s.as_str().to_owned())).collect();
    Ok(StageMap { custom, built_in })
}

/// How stage names of other CRMs map to Leadline stages when opportunities are imported.
#[utoipa::path(get, operation_id = "getStageMap", path = "/api/v1/stage-map", tag = "imports",
    responses((status = 200, body = StageMap)), security(("bearer" = [])))]
pub async fn stage_map(State(s): State<AppState>, ApiActor(actor): ApiActor) -> Result<Json<StageMap>, ApiError> {
    Ok(Json(current_stage_map(&s, &actor).await?))
}

/// Adds, changes or (with `null`) removes the organization's stage names.
#[utoipa::path(put, operation_id = "setStageMap", path = "/api/v1/stage-map", tag = "imports", request_body = StageMap,
    responses((status = 200, body = StageMap), (status = 403, body = Problem), (status = 422, body = Problem)), security(("bearer" = [])))]
pub async fn set_stage_map(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(input): ApiJson<StageMap>,
) -> Result<Json<StageMap>, ApiError> {
    if !actor.user.role.deletes_leads() {
        return Err(ApiError(AppError::Forbidden("only admins and managers can change the stage map".into())));
    }
    let mut tx = s.db.write().await?;
    for (alias, st) in &input.custom {
        stage::alias_name(alias).map_err(|e| bad(&format!("custom.{alias}"), e.0))?;
        let st = match st {
            Some(v) => Some(Stage::parse(v).map_err(|e| bad(&format!("custom.{alias}"), e.0))?.as_str()),
            None => None,
        };
        store::sales::set_stage_alias(&mut tx, actor.org_id(), alias, st).await?;
    }
    tx.commit().await?;
    Ok(Json(current_stage_map(&s, &actor).await?))
}

/// A product as the API shows it: its price also in units of its currency.
#[derive(Serialize, ToSchema)]
pub struct ProductView {
    #[serde(flatten)]
    product: Product,
    /// The price in units of `currency` (1299.5 for 129950 minor units of EUR); `price_minor` is exact.
    price: Option<f64>,
}

/// An opportunity as the API shows it: its amount also in units of its currency.
#[derive(Serialize, ToSchema)]
pub struct OpportunityView {
    #[serde(flatten)]
    opportunity: Opportunity,
    /// The amount in units of `currency`; `amount_minor` is exact.
    amount: Option<f64>,
}

/// Minor units of a currency (two decimals when none is given) in units of it.
fn units(minor: Option<i64>, currency: Option<&String>) -> Option<f64> {
    let currency = currency.cloned().unwrap_or_default();
    minor.map(|minor| Money { minor, currency }.units())
}

/// The organization's products.
#[utoipa::path(get, operation_id = "listProducts", path = "/api/v1/products", tag = "imports",
    responses((status = 200, body = Items<ProductView>)), security(("bearer" = [])))]
pub async fn products(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
) -> Result<Json<Items<ProductView>>, ApiError> {
    let mut tx = s.db.read().await?;
    let products = store::sales::products(&mut tx, actor.org_id()).await?;
    let view = |product: Product| ProductView { price: units(product.price_minor, product.currency.as_ref()), product };
    Ok(Json(Items { items: products.into_iter().map(view).collect() }))
}

/// The organization's opportunities (the first 1,000, oldest first).
#[utoipa::path(get, operation_id = "listOpportunities", path = "/api/v1/opportunities", tag = "imports",
    responses((status = 200, body = Items<OpportunityView>)), security(("bearer" = [])))]
pub async fn opportunities(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
) -> Result<Json<Items<OpportunityView>>, ApiError> {
    let mut tx = s.db.read().await?;
    let deals = store::sales::opportunities(&mut tx, actor.org_id(), 1000).await?;
    let view = |o: Opportunity| OpportunityView { amount: units(o.amount_minor, o.currency.as_ref()), opportunity: o };
    Ok(Json(Items { items: deals.into_iter().map(view).collect() }))
}

/// The organization's teams.
#[utoipa::path(get, operation_id = "listTeams", path = "/api/v1/teams", tag = "imports",
    responses((status = 200, body = Items<Team>)), security(("bearer" = [])))]
pub async fn teams(State(s): State<AppState>, ApiActor(actor): ApiActor) -> Result<Json<Items<Team>>, ApiError> {
    let mut tx = s.db.read().await?;
    Ok(Json(Items { items: store::sales::teams(&mut tx, actor.org_id()).await? }))
}

#[cfg(test)]
mod tests {
    use super::preferred_wait;
    use axum::http::{HeaderMap, HeaderValue};
    use std::time::Duration;

    fn prefer(values: &[&'static str]) -> Option<Duration> {
        let mut headers = HeaderMap::new();
        for v in values {
            headers.append("prefer", HeaderValue::from_static(v));
        }
        preferred_wait(&headers)
    }

    #[test]
    fn how_long_a_client_would_wait() {
        assert_eq!(prefer(&[]), None);
        assert_eq!(prefer(&["wait=5"]), Some(Duration::from_secs(5)));
        assert_eq!(prefer(&["respond-async, wait=3"]), Some(Duration::from_secs(3)));
        assert_eq!(prefer(&["return=minimal", "Respond-Async"]), Some(Duration::ZERO));
        assert_eq!(prefer(&["wait=soon"]), None);
    }
}
