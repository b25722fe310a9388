//! `leadline bench-import`: the import engine against a plain insert of the same
//! rows, with the import's peak memory and the lead list's latency while it runs.
//!
//! (a) imports a generated file end to end in a `leadline import` process (parse,
//! normalize, de-duplicate, insert, index); (b) reads the same file, normalizes it
//! outside the clock, and times only the multi-row inserts of those rows into the
//! same schema; on SQLite (c) times SQLite alone copying the rows (b) stored, the schema's
//! floor; meanwhile a `leadline serve` process answers lead-list requests.

use crate::{
    app::{self, audit::By, users::NewUser},
    import::{ImportOptions, columns::Columns, engine, generate, leads},
    store::{self, Db, bulk::NewLeadRows},
};
use anyhow::Context;
use clap::Args;
use leadline_domain::{Region, mapping::ImportKind};
use std::{
    process::{Command, Stdio},
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

#[derive(Args, Debug)]
pub struct BenchImportArgs {
    /// Database to import into (fresh organizations are created in it).
    #[arg(long, env = "LEADLINE_DATABASE_URL", default_value = "sqlite://leadline-bench-import.db")]
    pub database_url: String,
    /// Rows in the generated file.
    #[arg(long, default_value_t = 1_000_000)]
    pub rows: usize,
    /// Use this file instead of generating one (kept afterwards).
    #[arg(long)]
    pub file: Option<std::path::PathBuf>,
}

fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status.lines().find(|l| l.starts_with("VmHWM:"))?.split_whitespace().nth(1)?.parse().ok()
}

async fn org_with_admin(db: &Db, name: &str) -> anyhow::Result<(store::orgs::Org, String)> {
    let org = app::orgs::create(db, name, "US", "America/New_York").await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let email = format!("admin-{}@bench.leadline.test", org.id.simple());
    let input = NewUser {
        email: Some(email.clone()),
        name: Some("Bench Admin".into()),
        role: Some("admin".into()),
        password: Some("bench-password".into()),
    };
    app::users::create(db, &org, By { org: org.id, user_id: None, name: "bench" }, &input)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok((org, email))
}

pub async fn run(args: BenchImportArgs) -> anyhow::Result<()> {
    let generated = args.file.is_none();
    let path =
        args.file.clone().unwrap_or_else(|| std::env::temp_dir().join(format!("leadline-bench-{}.csv", args.rows)));
    if generated {
        let started = Instant::now();
        let mut out = std::io::BufWriter::new(std::fs::File::create(&path)?);
        generate::write_leads(&mut out, args.rows, 42)?;
        std::io::Write::flush(&mut out)?;
        println!(
            "generated {} rows ({:.0} MB) in {:.1} s",
            args.rows,
            std::fs::metadata(&path)?.len() as f64 / 1e6,
            started.elapsed().as_secs_f64()
        );
    }
    let db = Db::connect(&args.database_url).await?;
    db.migrate().await?;
    let stamp = store::now().format("%Y%m%d%H%M%S").to_string();
    let (import_org, admin) = org_with_admin(&db, &format!("Import Bench {stamp}")).await?;
    let (plain_org, _) = org_with_admin(&db, &format!("Plain Insert Bench {stamp}")).await?;
    let token = app::auth::create_token(&db, &admin, "bench").await.map_err(|e| anyhow::anyhow!("{e}"))?;

    // A server on the same database, answering the lead list while the import runs.
    let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let mut server = Command::new(std::env::current_exe()?)
        .args(["serve", "--database-url", &args.database_url, "--listen", &format!("127.0.0.1:{port}")])
        .env("LEADLINE_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()
        .context("starting the server")?;
    let base = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(60);
    while ureq::get(&format!("{base}/healthz")).call().is_err() {
        anyhow::ensure!(Instant::now() < deadline, "the server did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    let running = Arc::new(AtomicBool::new(true));
    let poller = {
        let running = Arc::clone(&running);
        std::thread::spawn(move || {
            let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
            let mut times = Vec::new();
            let mut i = 0_usize;
            while running.load(Ordering::Relaxed) {
                let path =
                    ["/api/v1/leads?limit=50", "/api/v1/leads?limit=50&sort=name", "/api/v1/leads?limit=50&status=new"]
                        [i % 3];
                i += 1;
                let t = Instant::now();
                if let Ok(mut r) =
                    agent.get(&format!("{base}{path}")).header("Authorization", &format!("Bearer {token}")).call()
                {
                    let _ = r.body_mut().read_to_string();
                    times.push(t.elapsed().as_secs_f64() * 1000.0);
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            times
        })
    };

    // (a) the import, end to end, in its own process.
    let started = Instant::now();
    let mut child = Command::new(std::env::current_exe()?)
        .args(["import", "leads"])
        .arg(&path)
        .args(["--org", &import_org.name, "--database-url", &args.database_url])
        .env("LEADLINE_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .context("starting the import")?;
    let pid = child.id();
    let mut peak = 0;
    while child.try_wait()?.is_none() {
        peak = peak.max(peak_rss_kib(pid).unwrap_or(0));
        std::thread::sleep(Duration::from_millis(20));
    }
    let import_secs = started.elapsed().as_secs_f64();
    let out = child.wait_with_output()?;
    running.store(false, Ordering::Relaxed);
    let mut list = poller.join().map_err(|_| anyhow::anyhow!("the poller panicked"))?;
    let _ = server.kill();
    let _ = server.wait();
    let summary = String::from_utf8_lossy(&out.stdout).into_owned();

    // (b) the same rows, normalized beforehand, inserted plainly.
    let (insert_secs, inserted, rows) = plain_insert(&db, &plain_org, &path).await?;
    // (c) on SQLite, the schema's floor: the rows (b) stored, copied by SQLite alone.
    let floor = if matches!(db, Db::Sqlite(_)) {
        let (floor_org, _) = org_with_admin(&db, &format!("SQLite Copy Bench {stamp}")).await?;
        let writer = db.dedicated_writer(engine::IMPORT_CACHE_MIB).await?;
        let floor = store::bulk::copy_leads_sqlite(&writer, plain_org.id, floor_org.id).await?;
        writer.close().await;
        Some(floor)
    } else {
        None
    };
    list.sort_by(f64::total_cmp);
    let q = |p: f64| if list.is_empty() { 0.0 } else { list[((list.len() as f64 - 1.0) * p).round() as usize] };
    println!("\nLeadline import bench on {} ({rows} rows)", db.backend());
    print!("{summary}");
    println!("(a) import end to end:      {import_secs:>8.1} s  ({:.0} rows/s)", rows as f64 / import_secs);
    println!("(b) plain insert, same rows: {insert_secs:>8.1} s  ({inserted} rows)");
    println!("ratio (a)/(b):               {:>8.2}", import_secs / insert_secs);
    if let Some((floor_secs, copied)) = floor {
        println!(
            "(c) SQLite alone, same rows: {floor_secs:>8.1} s  ({copied} leads copied by INSERT … SELECT, one transaction)"
        );
        println!("ratio (a)/(c):               {:>8.2}", import_secs / floor_secs);
    }
    println!("import peak memory (RSS):    {:>8.0} MB", peak as f64 / 1024.0);
    println!(
        "lead list while importing:   p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms ({} requests)",
        q(0.5),
        q(0.99),
        q(1.0),
        list.len()
    );
    if generated {
        let _ = std::fs::remove_file(&path);
    }
    Ok(())
}

/// Normalizes the file's rows (untimed) and times only their inserts, in the
/// import's batch size, one transaction per batch. Answers the seconds, the leads
/// inserted and the file's rows.
async fn plain_insert(db: &Db, org: &store::orgs::Org, path: &std::path::Path) -> anyhow::Result<(f64, usize, u64)> {
    let options = ImportOptions::default();
    let (sniffed, columns): (_, Columns) =
        engine::open(path, ImportKind::Leads, &options).map_err(|e| anyhow::anyhow!(e.0))?;
    let ctx = leads::LeadContext {
        columns,
        region: Region::parse(&org.default_region).ok(),
        owners: engine::owners(db, org.id).await?,
        importer: None,
        match_domain: false,
        statuses: leads::StatusNames::default(),
        tags: Vec::new(),
    };
    // The same connection settings as the import's writer.
    let db = &db.dedicated_writer(engine::IMPORT_CACHE_MIB).await?;
    let (mut reader, _) = engine::rows_after_header(path, &sniffed)?;
    let mut rec = csv::ByteRecord::new();
    let mut total = Duration::ZERO;
    let mut normalizing = Duration::ZERO;
    let mut inserted = 0;
    let mut batch: Vec<NewLeadRows> = Vec::with_capacity(engine::BATCH_ROWS);
    let mut line = 1;
    loop {
        let more = reader.read_byte_record(&mut rec)?;
        if more {
            line += 1;
            let t = Instant::now();
            if let leads::Prepared::Lead(r) = leads::prepare(&ctx, line, &rec) {
                batch.push(r.rows);
            }
            normalizing += t.elapsed();
        }
        if batch.len() >= engine::BATCH_ROWS || (!more && !batch.is_empty()) {
            let now = store::now();
            for r in &mut batch {
                r.lead.created_at = now;
                r.lead.updated_at = now;
            }
            let t = Instant::now();
            let mut tx = db.write().await?;
            store::bulk::insert_leads(&mut tx, org.id, None, &batch).await?;
            tx.commit().await?;
            total += t.elapsed();
            inserted += batch.len();
            batch.clear();
        }
        if !more {
            break;
        }
    }
    println!("(normalizing the rows for (b), not timed: {:.1} s)", normalizing.as_secs_f64());
    Ok((total.as_secs_f64(), inserted, line - 1))
}
