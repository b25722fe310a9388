//! `leadline import ...` and `leadline export ...`.

use super::{ImportOptions, OnDuplicate, Progress, Unmapped, engine, report, undo};
use crate::{
    app::audit::By,
    cli::find_org,
    store::{self, Db, auth::User, orgs::Org},
};
use anyhow::Context;
use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use leadline_domain::{Role, mapping::ImportKind};
use std::{
    io::IsTerminal,
    io::Write,
    path::PathBuf,
    sync::Arc,
    sync::atomic::{AtomicBool, AtomicU64, Ordering},
    time::Duration,
};
use uuid::Uuid;

#[derive(Args, Debug, Clone)]
pub struct ImportArgs {
    /// The CSV file (UTF-8, UTF-16 or Windows-1252; `,` `;` or tab separated).
    pub file: PathBuf,
    /// The organization to import into.
    #[arg(long)]
    pub org: String,
    /// E-mail of the user the import is done as (default: the organization's first admin).
    #[arg(long = "as", value_name = "EMAIL")]
    pub as_user: Option<String>,
    /// Map a column to a field, over the automatic mapping: "Header=field" (fields: name,
    /// contact_name, first_name, last_name, title, phone, mobile_phone, email, status, owner,
    /// website, street, city, region, postcode, country, tags, external_id, custom, custom:NAME, ignore, ...).
    #[arg(long = "map", value_name = "HEADER=FIELD")]
    pub map: Vec<String>,
    /// What to do with rows that match an existing record: skip, update or merge.
    #[arg(long, default_value = "skip")]
    pub on_duplicate: String,
    /// Region for phone numbers without a country code (default: the organization's).
    #[arg(long)]
    pub default_region: Option<String>,
    /// The file's encoding (detected when not given): utf-8, utf-16le, utf-16be, windows-1252, latin1, macintosh, ...
    #[arg(long)]
    pub encoding: Option<String>,
    /// The delimiter (sniffed when not given): , ; tab or |
    #[arg(long)]
    pub delimiter: Option<String>,
    /// Columns no field claims: keep them as custom fields (custom) or drop them (ignore).
    #[arg(long, default_value = "custom")]
    pub unmapped: String,
    /// Also treat leads with the same web domain as duplicates.
    #[arg(long)]
    pub match_domain: bool,
    /// Map a stage name of the old CRM to a Leadline stage: "Name=stage" (opportunities).
    #[arg(long = "stage", value_name = "NAME=STAGE")]
    pub stages: Vec<String>,
    /// Map a lead status of the old CRM to a Leadline status: "Hot=qualified" (leads).
    #[arg(long = "status", value_name = "NAME=STATUS")]
    pub statuses: Vec<String>,
    /// Add a tag to every lead the import creates, updates or merges (leads). Repeatable.
    #[arg(long = "tag", value_name = "TAG")]
    pub tags: Vec<String>,
}

#[derive(Subcommand, Debug)]
pub enum ImportCommand {
    /// Import leads with their contacts.
    Leads(ImportArgs),
    /// Import products (name, code, price, currency).
    Products(ImportArgs),
    /// Import opportunities (lead, product, owner, stage, amount, dates, won/lost).
    Opportunities(ImportArgs),
    /// Import users and teams (name, e-mail, role, team, manager).
    Users(ImportArgs),
    /// Undo an import: delete what it created, restore what it changed.
    Undo {
        id: Uuid,
        /// The organization the import is of (checked when given).
        #[arg(long)]
        org: Option<String>,
    },
    /// Stop a running import after the batch it is writing (what it wrote can be undone).
    Stop {
        id: Uuid,
        /// The organization the import is of (checked when given).
        #[arg(long)]
        org: Option<String>,
    },
    /// List an organization's imports.
    List {
        #[arg(long)]
        org: String,
    },
    /// Print an import's report (rejected, duplicate, changed and warned rows) as CSV.
    Report {
        id: Uuid,
        /// The organization the import is of (checked when given).
        #[arg(long)]
        org: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
pub enum ExportCommand {
    /// Export leads with their contacts as CSV to standard output.
    Leads {
        /// The organization whose leads to export.
        #[arg(long)]
        org: String,
        /// A lead-list filter, as in the web list: status=new, owner=EMAIL or name, tag=vip,
        /// country=FI, kind=company, q=text, created_from=2026-01-01. Repeatable.
        #[arg(long = "filter", value_name = "KEY=VALUE")]
        filters: Vec<String>,
    },
}

fn split_pair(s: &str, what: &str) -> anyhow::Result<(String, String)> {
    let (k, v) = s.rsplit_once('=').with_context(|| format!("{what} '{s}' must look like NAME=VALUE"))?;
    Ok((k.trim().to_owned(), v.trim().to_owned()))
}

impl ImportArgs {
    fn options(&self) -> anyhow::Result<ImportOptions> {
        let mut o = ImportOptions {
            on_duplicate: OnDuplicate::parse(&self.on_duplicate).map_err(anyhow::Error::msg)?,
            default_region: match &self.default_region {
                Some(r) => Some(
                    leadline_domain::Region::parse(r)
                        .map_err(|e| anyhow::anyhow!("--default-region: {e}"))?
                        .as_str()
                        .to_owned(),
                ),
                None => None,
            },
            encoding: self.encoding.clone(),
            delimiter: self.delimiter.clone(),
            unmapped: Unmapped::parse(&self.unmapped).map_err(|e| anyhow::anyhow!("--unmapped: {e}"))?,
            match_domain: self.match_domain,
            ..ImportOptions::default()
        };
        for m in &self.map {
            let (k, v) = split_pair(m, "--map")?;
            o.mapping.insert(k, v);
        }
        for s in &self.stages {
            let (k, v) = split_pair(s, "--stage")?;
            leadline_domain::Stage::parse(&v).map_err(|e| anyhow::anyhow!("--stage '{s}': {e}"))?;
            o.stages.insert(k, v);
        }
        for s in &self.statuses {
            let (k, v) = split_pair(s, "--status")?;
            leadline_domain::LeadStatus::parse(&v).map_err(|e| anyhow::anyhow!("--status '{s}': {e}"))?;
            o.statuses.insert(k, v);
        }
        o.tags = leadline_domain::text::tags(self.tags.iter().map(String::as_str))
            .map_err(|e| anyhow::anyhow!("--tag: {e}"))?;
        Ok(o)
    }
}

/// The user an import runs as: the one named, else the first admin, else nobody.
pub(crate) async fn importer(db: &Db, org: &Org, email: Option<&str>) -> anyhow::Result<Option<User>> {
    let mut tx = db.read().await?;
    let users = store::auth::users_in_org(&mut tx, org.id).await?;
    if let Some(email) = email {
        let u = users.into_iter().find(|u| u.email.eq_ignore_ascii_case(email));
        return u.map(Some).with_context(|| format!("no user {email} in '{}'", org.name));
    }
    Ok(users.into_iter().filter(|u| u.active).min_by_key(|u| (u.role != Role::Admin, u.created_at)))
}

/// How often a progress line is printed when standard error is not a terminal.
const PROGRESS_LINE_EVERY: Duration = Duration::from_secs(2);

/// "progress: 50000/200000 rows (25%), 7012 rows/s, ETA 21 s; 47100 created, 2400 duplicates, 500 rejected"
/// A progress bar's style: `template` with `{rate}`, items a second as a whole number
/// ("9,933/s"; indicatif's own `{per_sec}` shows four decimals).
pub(crate) fn bar_style(template: &str) -> ProgressStyle {
    ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_bar()).with_key(
        "rate",
        |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
            #[expect(clippy::cast_possible_truncation, reason = "a rate, rounded and far below 2^63")]
            let rate = state.per_sec().round() as i64;
            let _ = write!(w, "{}/s", crate::web::pages::format::grouped(rate));
        },
    )
}

fn progress_line(progress: &Progress, elapsed: Duration) -> String {
    let done = progress.rows_done.load(Ordering::Relaxed);
    let total = progress.rows_total.load(Ordering::Relaxed).max(done);
    let secs = elapsed.as_secs_f64().max(0.001);
    #[expect(clippy::cast_precision_loss, reason = "row counts are far below 2^52")]
    let rate = done as f64 / secs;
    #[expect(clippy::cast_precision_loss, reason = "row counts are far below 2^52")]
    let eta = match (done, total) {
        (_, 0) => "0 s".to_owned(),
        (0, _) => "not known yet".to_owned(),
        _ => format!("{:.0} s", (total - done) as f64 / rate),
    };
    let percent = (done * 100).checked_div(total).unwrap_or(100);
    format!(
        "progress: {done}/{total} rows ({percent}%), {rate:.0} rows/s, ETA {eta}; {} created, {} duplicates, {} rejected",
        progress.created.load(Ordering::Relaxed),
        progress.duplicates.load(Ordering::Relaxed),
        progress.rejected.load(Ordering::Relaxed)
    )
}

pub async fn import(command: ImportCommand, db: &Db) -> anyhow::Result<()> {
    let (kind, args) = match command {
        ImportCommand::Leads(a) => (ImportKind::Leads, a),
        ImportCommand::Products(a) => (ImportKind::Products, a),
        ImportCommand::Opportunities(a) => (ImportKind::Opportunities, a),
        ImportCommand::Users(a) => (ImportKind::Users, a),
        ImportCommand::Undo { id, org } => return undo_command(db, id, org.as_deref()).await,
        ImportCommand::Stop { id, org } => {
            let org = import_org(db, id, org.as_deref()).await?;
            let import = super::service::stop_as(db, org, id, |_| Ok(())).await.map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("Import {id} is {} after {}.", import.status, rows(import.rows_done));
            return Ok(());
        }
        ImportCommand::List { org } => return list(db, &org).await,
        ImportCommand::Report { id, org } => {
            import_org(db, id, org.as_deref()).await?;
            let mut out = Vec::new();
            report::write(db, id, &mut out).await?;
            std::io::stdout().write_all(&out)?;
            return Ok(());
        }
    };
    let options = args.options()?;
    let tags = options.tags.clone();
    let org = find_org(db, &args.org).await?;
    let user = importer(db, &org, args.as_user.as_deref()).await?;
    let progress = Arc::new(Progress::default());
    // Drawn once the file's row count is known (a bar of 0/0 rows would show full).
    let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::hidden());
    bar.set_style(bar_style("{bar:40} {pos}/{len} rows  {rate}  ETA {eta}  {msg}"));
    // On a terminal a bar; otherwise (a log, a pipe, a job runner) a line every few seconds.
    let tty = std::io::stderr().is_terminal();
    let started = std::time::Instant::now();
    let watcher = {
        let (progress, bar) = (Arc::clone(&progress), bar.clone());
        tokio::spawn(async move {
            let mut last_line = std::time::Instant::now();
            while !progress.finished.load(Ordering::Relaxed) {
                let total = progress.rows_total.load(Ordering::Relaxed).max(progress.rows_done.load(Ordering::Relaxed));
                bar.set_length(total);
                if total > 0 && bar.is_hidden() && tty {
                    bar.set_draw_target(ProgressDrawTarget::stderr());
                }
                bar.set_position(progress.rows_done.load(Ordering::Relaxed));
                bar.set_message(format!(
                    "{} created, {} duplicates, {} rejected",
                    progress.created.load(Ordering::Relaxed),
                    progress.duplicates.load(Ordering::Relaxed),
                    progress.rejected.load(Ordering::Relaxed)
                ));
                if !tty && last_line.elapsed() >= PROGRESS_LINE_EVERY {
                    eprintln!("{}", progress_line(&progress, started.elapsed()));
                    last_line = std::time::Instant::now();
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        })
    };
    let result = engine::run_file(db, &org, user.as_ref(), kind, &args.file, options, Arc::clone(&progress)).await;
    progress.finished.store(true, Ordering::Relaxed);
    let _ = watcher.await;
    bar.finish_and_clear();
    if !tty && result.as_ref().is_ok_and(Result::is_ok) {
        eprintln!("{}", progress_line(&progress, started.elapsed()));
    }
    let summary = match result? {
        Ok(s) => s,
        Err(file_error) => anyhow::bail!("{}: {file_error}; nothing was imported", args.file.display()),
    };
    if let Some(hint) = progress.hint.lock().ok().and_then(|h| h.clone()) {
        eprintln!("Note: {hint}.");
    }
    if let Some(before) = progress.imported_before.lock().ok().and_then(|b| b.clone()) {
        let again = if before.status == "undone" { "" } else { "; the records it stored were matched again" };
        eprintln!(
            "Note: this file was imported before, on {} (import {}, {}, {} created){again}.",
            before.created_at.format("%Y-%m-%d %H:%M UTC"),
            before.id,
            before.status,
            before.counts.created
        );
    }
    let resumed = progress.resumed_from.load(Ordering::Relaxed);
    if resumed > 0 {
        eprintln!("Resumed an interrupted import of this file after row {resumed}.");
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "Import {} {}: {} in {:.1} s ({:.0} rows/s)",
        summary.id,
        summary.status,
        rows(summary.rows_done),
        secs,
        summary.rows_done as f64 / secs.max(0.001)
    );
    let c = &summary.counts;
    println!(
        "  created {}, updated {}, merged {}, skipped as duplicates {}, rejected {}, with warnings {}",
        c.created, c.updated, c.merged, c.duplicates, c.rejected, c.warnings
    );
    if c.rejected + c.duplicates + c.warnings + c.updated + c.merged > 0 {
        let mut tx = db.read().await?;
        let first = store::imports::report_page(&mut tx, summary.id, None, 10).await?;
        drop(tx);
        for (r, _) in &first {
            let column = r.column_name.as_deref().map(|c| format!(" {c}")).unwrap_or_default();
            let value = r.value.as_deref().map(|v| format!(" '{v}'")).unwrap_or_default();
            let target = match (r.entity_id, &r.record_name) {
                (Some(id), Some(name)) => format!(" ('{name}', record {id})"),
                (Some(id), None) => format!(" (record {id})"),
                (None, _) => String::new(),
            };
            println!("  row {}: {}{column}{value}: {}{target}", r.row_number, r.outcome, r.reason);
        }
        let shown = first.len() as i64;
        println!("  report{}: leadline import report {}", if shown >= 10 { " of every row" } else { "" }, summary.id);
    }
    let recorded = store::imports::get(&mut db.read().await?, org.id, summary.id).await?;
    if recorded.is_some_and(|i| i.skipped_duplicates()) {
        println!(
            "  hint:   rows skipped as duplicates may name other people of the same leads; \
             --on-duplicate merge adds them as contacts (and fills empty fields)"
        );
    }
    if let Some(tag) = tags.first() {
        println!("  leads:  tagged '{tag}': leadline export leads --org '{}' --filter 'tag={tag}'", org.name);
    }
    println!("  undo:   leadline import undo {}", summary.id);
    if let Some(e) = &summary.error {
        anyhow::bail!("the import failed: {e}");
    }
    Ok(())
}

/// The organization of import `id`, which must be `named` when a name is given.
async fn import_org(db: &Db, id: Uuid, named: Option<&str>) -> anyhow::Result<Uuid> {
    let org: Option<Uuid> =
        crate::on_tx!(&mut db.read().await?, |c| sqlx::query_scalar("SELECT org_id FROM imports WHERE id = $1")
            .bind(id)
            .fetch_optional(c)
            .await)?;
    let org = org.with_context(|| format!("no import {id}"))?;
    if let Some(name) = named
        && find_org(db, name).await?.id != org
    {
        anyhow::bail!("no import {id} in the organization '{name}'");
    }
    Ok(org)
}

/// Undoes an import, with a bar (or a line every few seconds) of the leads deleted so far.
async fn undo_command(db: &Db, id: Uuid, named: Option<&str>) -> anyhow::Result<()> {
    let org = import_org(db, id, named).await?;
    let (created, kind) = {
        let mut tx = db.read().await?;
        let import = store::imports::get(&mut tx, org, id).await?;
        import.map_or((0, String::new()), |i| (i.counts.created.max(0).unsigned_abs(), i.kind))
    };
    let by = By { org, user_id: None, name: "command line" };
    let deleted = Arc::new(AtomicU64::new(0));
    let finished = Arc::new(AtomicBool::new(false));
    let bar = ProgressBar::new(created);
    bar.set_style(bar_style("{bar:40} {pos}/{len} records deleted  {rate}  ETA {eta}"));
    let tty = std::io::stderr().is_terminal();
    let watcher = {
        let (deleted, finished, bar) = (Arc::clone(&deleted), Arc::clone(&finished), bar.clone());
        tokio::spawn(async move {
            let mut last_line = std::time::Instant::now();
            while !finished.load(Ordering::Relaxed) {
                let done = deleted.load(Ordering::Relaxed);
                bar.set_position(done);
                if !tty && last_line.elapsed() >= PROGRESS_LINE_EVERY && done > 0 {
                    eprintln!("undo: {done}/{created} records deleted");
                    last_line = std::time::Instant::now();
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        })
    };
    let result = undo::undo_as(db, by, id, &deleted).await;
    finished.store(true, Ordering::Relaxed);
    let _ = watcher.await;
    bar.finish_and_clear();
    let r = result.map_err(|e| anyhow::anyhow!("{e}"))?;
    println!("Undid import {id}: {}.", r.done());
    if !r.kept_edited.is_empty() {
        println!(
            "Edited or worked on since the import: {} record(s). Created records someone edited or worked on \
             stay; in changed ones only the fields edited since keep their value.",
            r.kept_edited.len()
        );
        const SHOWN: usize = 100;
        for k in undo::kept_records(&mut db.read().await?, org, id, &kind, &r, SHOWN).await? {
            println!("  {} ({}): {}", k.name, k.id, k.what_was_kept());
        }
        if r.kept_edited.len() > SHOWN {
            println!(
                "  … and {} more (GET /api/v1/imports/{id} lists them all in undo_report)",
                r.kept_edited.len() - SHOWN
            );
        }
    }
    Ok(())
}

async fn list(db: &Db, org: &str) -> anyhow::Result<()> {
    let org = find_org(db, org).await?;
    let mut tx = db.read().await?;
    let imports = store::imports::list(&mut tx, org.id, 100).await?;
    println!(
        "{:<38} {:<14} {:<10} {:>8} {:>8} {:>8} {:>8} FILE",
        "ID", "KIND", "STATUS", "ROWS", "CREATED", "DUPES", "REJECTED"
    );
    for i in imports {
        println!(
            "{:<38} {:<14} {:<10} {:>8} {:>8} {:>8} {:>8} {}",
            i.id.to_string(),
            i.kind,
            i.status,
            i.rows_done,
            i.counts.created,
            i.counts.duplicates,
            i.counts.rejected,
            i.file_name
        );
    }
    Ok(())
}

pub async fn export(command: ExportCommand, db: &Db) -> anyhow::Result<()> {
    let ExportCommand::Leads { org, filters } = command;
    let org = find_org(db, &org).await?;
    let mut tx = db.read().await?;
    let users = store::auth::users_in_org(&mut tx, org.id).await?;
    drop(tx);
    let mut pairs = Vec::new();
    for f in filters.iter().flat_map(|f| f.split('&')).filter(|f| !f.trim().is_empty()) {
        // `status=new`, or `status:new` as search boxes write it.
        let (k, v) = match f.find([':', '=']) {
            Some(i) => (f[..i].trim().to_lowercase(), f[i + 1..].trim().to_owned()),
            None => anyhow::bail!("--filter '{f}' must look like NAME=VALUE"),
        };
        const KEYS: [&str; 9] =
            ["status", "owner", "tag", "country", "kind", "q", "created_from", "created_to", "sort"];
        if !KEYS.contains(&k.as_str()) {
            anyhow::bail!("--filter '{f}': '{k}' is not a filter; use {}", KEYS.join(", "));
        }
        if k == "owner" && v.eq_ignore_ascii_case("me") {
            anyhow::bail!("--filter '{f}': name the owner by e-mail or name on the command line");
        }
        pairs.push(format!("{}={}", crate::web::urlencode(&k), crate::web::urlencode(&v)));
    }
    let mut params =
        crate::app::leads::ListParams::from_query(Some(&pairs.join("&"))).map_err(|e| anyhow::anyhow!("{e}"))?;
    let anyone = users.into_iter().next();
    let actor_user = anyone.unwrap_or_else(|| User {
        id: Uuid::nil(),
        org_id: org.id,
        email: String::new(),
        name: "command line".into(),
        role: Role::Admin,
        active: true,
        team_id: None,
        manager_id: None,
        created_at: store::now(),
    });
    let actor = crate::app::Actor { user: actor_user, org: org.clone() };
    // An owner is named by e-mail or name ("me" means nobody here).
    crate::app::leads::name_owner(db, &actor, &mut params).await.map_err(|e| anyhow::anyhow!("--filter {e}"))?;
    let query = crate::app::leads::parse_query(&actor, &params).map_err(|e| anyhow::anyhow!("{e}"))?;
    let (send, mut recv) = tokio::sync::mpsc::channel::<Vec<u8>>(4);
    let db2 = db.clone();
    let task = tokio::spawn(async move { super::export::leads(&db2, query, send).await });
    let mut stdout = std::io::stdout().lock();
    while let Some(chunk) = recv.recv().await {
        stdout.write_all(&chunk)?;
    }
    stdout.flush()?;
    let n = task.await??;
    eprintln!("Exported {n} {}.", if n == 1 { "lead" } else { "leads" });
    Ok(())
}

/// "1 row", "2 rows".
fn rows(n: impl Into<i64>) -> String {
    let n: i64 = n.into();
    if n == 1 { "1 row".to_owned() } else { format!("{n} rows") }
}
