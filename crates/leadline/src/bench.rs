//! `leadline bench`: fills a database with N leads (2 contacts each) and measures,
//! over the HTTP API of a real `leadline serve` process, the latency of the lead
//! list, a name-fragment search, a phone search and a lead page, and the server's memory.

use crate::{
    app::{self, audit::By, users::NewUser},
    demo::{Numbers, Rng, generate},
    store::{self, Db, bulk::insert_leads, orgs::Org},
};
use anyhow::Context;
use chrono::{DateTime, Utc};
use clap::Args;
use indicatif::ProgressBar;
use std::{
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};
use uuid::Uuid;

#[derive(Args, Debug)]
pub struct BenchArgs {
    /// Database to fill and measure; an existing bench organization is reused and topped up.
    #[arg(long, env = "LEADLINE_DATABASE_URL", default_value = "sqlite://leadline-bench.db")]
    pub database_url: String,
    /// How many leads the bench organization should hold.
    #[arg(long, default_value_t = 1_000_000)]
    pub leads: usize,
    /// Timed requests per scenario.
    #[arg(long, default_value_t = 300)]
    pub requests: usize,
}

const ORG: &str = "Leadline Bench";
const BATCH: usize = 5_000;

pub async fn run(args: BenchArgs) -> anyhow::Result<()> {
    let db = Db::connect(&args.database_url).await?;
    db.migrate().await?;
    let (org, admin_email) = bench_org(&db).await?;
    fill(&db, &org, args.leads).await?;
    analyze(&db).await?;
    let samples = Samples::load(&db, &org, 200).await?;
    let token = app::auth::create_token(&db, &admin_email, "bench").await.map_err(|e| anyhow::anyhow!("{e}"))?;
    db.close().await;

    let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let mut server = Server::start(&args.database_url, port)?;
    let base = format!("http://127.0.0.1:{port}");
    let requests = args.requests;
    let report = tokio::task::spawn_blocking(move || measure(&base, &token, &samples, requests)).await??;
    let (peak, rss) = server.memory();
    server.stop();
    println!("\nLeadline bench: {} leads (2 contacts each) on {}", args.leads, db.backend());
    println!("{:<34} {:>9} {:>9} {:>9} {:>9}", "scenario (HTTP API)", "p50 ms", "p95 ms", "p99 ms", "max ms");
    for (name, mut times) in report {
        times.sort_by(f64::total_cmp);
        let q = |p: f64| times[((times.len() as f64 - 1.0) * p).round() as usize];
        println!("{name:<34} {:>9.2} {:>9.2} {:>9.2} {:>9.2}", q(0.5), q(0.95), q(0.99), q(1.0));
    }
    println!("server memory: peak RSS {:.0} MB, RSS after the run {:.0} MB", peak / 1024.0, rss / 1024.0);
    Ok(())
}

pub(crate) async fn bench_org(db: &Db) -> anyhow::Result<(Org, String)> {
    let admin = "admin@bench.leadline.test".to_owned();
    let existing = {
        let mut tx = db.read().await?;
        let o = store::orgs::by_name(&mut tx, ORG).await?;
        tx.commit().await?;
        o
    };
    if let Some(org) = existing {
        return Ok((org, admin));
    }
    let org = app::orgs::create(db, ORG, "US", "America/New_York").await.map_err(|e| anyhow::anyhow!("{e}"))?;
    for i in 0..11 {
        let (email, role) =
            if i == 0 { (admin.clone(), "admin") } else { (format!("rep{i}@bench.leadline.test"), "inside_rep") };
        let input = NewUser {
            email: Some(email),
            name: Some(format!("Bench User {i}")),
            role: Some(role.into()),
            password: Some("bench-password".into()),
        };
        app::users::create(db, &org, By { org: org.id, user_id: None, name: "bench" }, &input)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    Ok((org, admin))
}

async fn count_leads(db: &Db, org: Uuid) -> anyhow::Result<usize> {
    let n: i64 = match db {
        Db::Sqlite(p) => {
            sqlx::query_scalar("SELECT COUNT(*) FROM leads WHERE org_id = $1").bind(org).fetch_one(&**p).await?
        }
        Db::Postgres(p) => {
            sqlx::query_scalar("SELECT COUNT(*) FROM leads WHERE org_id = $1").bind(org).fetch_one(&**p).await?
        }
    };
    Ok(usize::try_from(n).unwrap_or(0))
}

/// Tops the organization up to `target` leads, in batches of one transaction each.
pub(crate) async fn fill(db: &Db, org: &Org, target: usize) -> anyhow::Result<()> {
    let have = count_leads(db, org.id).await?;
    if have >= target {
        println!("{have} leads already in place.");
        return Ok(());
    }
    let users = app::users::list(db, org.id).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let owners: Vec<Uuid> = users.iter().map(|u| u.id).collect();
    let creator = owners[0];
    let bar = ProgressBar::new((target - have) as u64);
    bar.set_style(crate::import::command::bar_style("filling {bar:40} {pos}/{len} leads  {rate}  ETA {eta}"));
    let mut rng = Rng::new(have as u64 + 7);
    let start = store::now() - chrono::Duration::days(730);
    let mut done = have;
    while done < target {
        let n = BATCH.min(target - done);
        let rows: Vec<_> = (0..n)
            .map(|i| {
                let at = start + chrono::Duration::seconds(i64::try_from((done + i) * 60).unwrap_or(0));
                generate(&mut rng, &owners, creator, at, Some(2), Numbers::Spread)
            })
            .collect();
        let mut tx = db.write().await?;
        insert_leads(&mut tx, org.id, None, &rows).await?;
        tx.commit().await?;
        done += n;
        bar.inc(n as u64);
    }
    bar.finish();
    Ok(())
}

/// Fresh planner statistics for the whole database, as after any bulk load (an import
/// or a registry import refreshes them too).
pub(crate) async fn analyze(db: &Db) -> anyhow::Result<()> {
    match db {
        Db::Postgres(p) => sqlx::query("ANALYZE").execute(&**p).await.map(drop),
        Db::Sqlite(p) => sqlx::query("ANALYZE").execute(&**p).await.map(drop),
    }
    .context("analyzing the database")
}

/// Real values to ask for: lead ids, name fragments and phone numbers from the data.
struct Samples {
    ids: Vec<Uuid>,
    fragments: Vec<String>,
    phones: Vec<String>,
}

impl Samples {
    async fn load(db: &Db, org: &Org, n: usize) -> anyhow::Result<Self> {
        // Random points in time between the oldest and newest lead, each found by index.
        let range_sql = "SELECT MIN(created_at), MAX(created_at) FROM leads WHERE org_id = $1";
        let (first, last): (Option<DateTime<Utc>>, Option<DateTime<Utc>>) = match db {
            Db::Sqlite(p) => sqlx::query_as(range_sql).bind(org.id).fetch_one(&**p).await?,
            Db::Postgres(p) => sqlx::query_as(range_sql).bind(org.id).fetch_one(&**p).await?,
        };
        let (Some(first), Some(last)) = (first, last) else { anyhow::bail!("the bench organization has no leads") };
        let span = (last - first).num_seconds().max(1);
        let mut rng = Rng::new(99);
        let mut out = Samples { ids: Vec::new(), fragments: Vec::new(), phones: Vec::new() };
        for _ in 0..n {
            let at = first
                + chrono::Duration::seconds(i64::try_from(rng.below(usize::try_from(span).unwrap_or(1))).unwrap_or(0));
            let sql = "SELECT l.id, l.name, (SELECT p.e164 FROM contact_phones p JOIN contacts c ON c.id = p.contact_id
                       WHERE c.lead_id = l.id LIMIT 1)
                       FROM leads l WHERE l.org_id = $1 AND l.created_at >= $2 ORDER BY l.created_at LIMIT 1";
            let row: (Uuid, String, Option<String>) = match db {
                Db::Sqlite(p) => sqlx::query_as(sql).bind(org.id).bind(at).fetch_one(&**p).await,
                Db::Postgres(p) => sqlx::query_as(sql).bind(org.id).bind(at).fetch_one(&**p).await,
            }
            .context("sampling leads")?;
            out.ids.push(row.0);
            let word = leadline_domain::search::terms(&row.1).into_iter().next().unwrap_or_default();
            out.fragments.push(word.chars().take(5).collect());
            if let Some(e164) = row.2 {
                // Ask the way people type: E.164, national digits, or the last seven digits.
                let phone = leadline_domain::Phone::from_e164(&e164, leadline_domain::PhoneType::Other)?;
                let national = phone.national().to_owned();
                out.phones.push(match rng.below(3) {
                    0 => e164,
                    1 => national,
                    _ => national[national.len().saturating_sub(7)..].to_owned(),
                });
            }
        }
        Ok(out)
    }
}

pub(crate) struct Server(Child, u32);

impl Server {
    pub(crate) fn start(url: &str, port: u16) -> anyhow::Result<Self> {
        Self::start_with(url, port, &[])
    }

    /// Starts `leadline serve` with extra environment variables.
    pub(crate) fn start_with(url: &str, port: u16, env: &[(&str, &str)]) -> anyhow::Result<Self> {
        let child = Command::new(std::env::current_exe()?)
            .args(["serve", "--database-url", url, "--listen", &format!("127.0.0.1:{port}")])
            .env("LEADLINE_LOG", "warn")
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .spawn()
            .context("starting the server")?;
        let pid = child.id();
        let deadline = Instant::now() + Duration::from_secs(60);
        while ureq::get(&format!("http://127.0.0.1:{port}/healthz")).call().is_err() {
            anyhow::ensure!(Instant::now() < deadline, "the server did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        Ok(Self(child, pid))
    }

    /// (peak RSS, current RSS) in KiB, from /proc.
    pub(crate) fn memory(&self) -> (f64, f64) {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.1)).unwrap_or_default();
        let field = |name: &str| {
            status
                .lines()
                .find(|l| l.starts_with(name))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse::<f64>().ok())
                .unwrap_or(0.0)
        };
        (field("VmHWM:"), field("VmRSS:"))
    }

    pub(crate) fn stop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

type Report = Vec<(&'static str, Vec<f64>)>;
/// A scenario's name and how to build its i-th request path.
type Scenario<'a> = (&'static str, Box<dyn Fn(usize) -> String + 'a>);

fn measure(base: &str, token: &str, s: &Samples, n: usize) -> anyhow::Result<Report> {
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let auth = format!("Bearer {token}");
    let get = |path: &str| -> anyhow::Result<f64> {
        let start = Instant::now();
        let mut res = agent.get(&format!("{base}{path}")).header("Authorization", &auth).call()?;
        let _ = res.body_mut().read_to_string()?;
        anyhow::ensure!(res.status().is_success(), "{path} answered {}", res.status());
        Ok(start.elapsed().as_secs_f64() * 1000.0)
    };
    let statuses = ["new", "attempting", "contacted", "qualified"];
    let countries = ["US", "GB", "FI", "DE"];
    let enc = crate::web::urlencode;
    let scenarios: Vec<Scenario> = vec![
        (
            "list: status+country, newest first",
            Box::new(|i| {
                format!(
                    "/api/v1/leads?status={}&country={}&sort=-created&limit=50",
                    statuses[i % 4],
                    countries[(i / 4) % 4]
                )
            }),
        ),
        (
            "list: by owner, name A-Z",
            Box::new(|i| format!("/api/v1/leads?owner=me&sort=name&limit=50&status={}", statuses[i % 4])),
        ),
        (
            "search: name fragment",
            Box::new(|i| format!("/api/v1/leads?q={}&limit=50", enc(&s.fragments[i % s.fragments.len()]))),
        ),
        (
            "search: phone digits",
            Box::new(|i| format!("/api/v1/leads?q={}&limit=50", enc(&s.phones[i % s.phones.len()]))),
        ),
        ("lead page: GET /leads/{id}", Box::new(|i| format!("/api/v1/leads/{}", s.ids[i % s.ids.len()]))),
    ];
    let mut report = Vec::new();
    for (name, path) in &scenarios {
        for i in 0..20 {
            get(&path(i))?;
        }
        let mut times = Vec::with_capacity(n);
        for i in 0..n {
            times.push(get(&path(i + 20))?);
        }
        report.push((*name, times));
    }
    Ok(report)
}
