//! `leadline bench-dialer`: a campaign over the bench organization's leads (see
//! `leadline bench`), 5% of them suppressed within a suppression list of 1,000,000
//! numbers, and R reps working it at once over the HTTP API of a real `leadline serve`
//! process: each asks for its next lead and disposes it. Prints next-lead latency.

use crate::{
    app::{self, Actor, audit::By, campaigns::CampaignInput, users::NewUser},
    bench::{Server, analyze, bench_org, fill},
    demo::Rng,
    store::{self, Db},
};
use anyhow::Context;
use clap::Args;
use serde_json::{Value, json};
use std::{
    sync::{Arc, Mutex},
    time::Instant,
};
use uuid::Uuid;

#[derive(Args, Debug)]
pub struct BenchDialerArgs {
    /// Database to fill and measure (the bench organization is reused and topped up).
    #[arg(long, env = "LEADLINE_DATABASE_URL", default_value = "sqlite://leadline-bench.db")]
    pub database_url: String,
    /// Leads in the campaign.
    #[arg(long, default_value_t = 1_000_000)]
    pub leads: usize,
    /// Reps calling at once.
    #[arg(long, default_value_t = 50)]
    pub reps: usize,
    /// Next-lead requests per rep.
    #[arg(long, default_value_t = 40)]
    pub calls: usize,
    /// Rounds (next lead + disposition) each rep makes before those measured, while
    /// the server's connections and caches warm up, as they are in a server that has
    /// been running.
    #[arg(long, default_value_t = 3)]
    pub warm_up: usize,
    /// Pause of each rep between a disposition and the next request, in milliseconds
    /// (a real call takes minutes; 0 measures the saturated server).
    #[arg(long, default_value_t = 1000)]
    pub think_ms: u64,
    /// Numbers on the suppression list.
    #[arg(long, default_value_t = 1_000_000)]
    pub suppressed_numbers: usize,
}

/// A weekday afternoon in Europe and morning in the Americas: most callees are open.
const NOW: &str = "2026-03-10T15:00:00Z";

pub async fn run(args: BenchDialerArgs) -> anyhow::Result<()> {
    let db = Db::connect(&args.database_url).await?;
    db.migrate().await?;
    let (org, _) = bench_org(&db).await?;
    fill(&db, &org, args.leads).await?;
    let started = Instant::now();
    let listed = suppress(&db, org.id, args.suppressed_numbers).await?;
    println!("suppression list: {listed} numbers ({:.1} s)", started.elapsed().as_secs_f64());
    analyze(&db).await?;
    let tokens = reps(&db, &org, args.reps).await?;
    let admin = {
        let mut tx = db.read().await?;
        let user = store::auth::users_in_org(&mut tx, org.id).await?.into_iter().find(|u| u.role.manages_users());
        tx.commit().await?;
        user.context("the bench organization has no admin")?
    };
    let actor = Actor { user: admin, org: org.clone() };
    let started = Instant::now();
    let ids: Vec<Uuid> = {
        let mut tx = db.read().await?;
        let users = store::auth::users_in_org(&mut tx, org.id).await?;
        tx.commit().await?;
        users.iter().filter(|u| u.email.starts_with("dialer-rep")).map(|u| u.id).collect()
    };
    let campaign = app::campaigns::create(
        &db,
        &actor,
        CampaignInput {
            name: Some(format!("Bench dialer {}", store::new_id())),
            filter: Some(serde_json::Map::new()),
            assignees: Some(ids),
            ..CampaignInput::default()
        },
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    println!("campaign of {} leads created in {:.1} s", args.leads, started.elapsed().as_secs_f64());
    analyze(&db).await?;
    // The fresh queue is written out of the log before measuring, as in a server that has
    // been running; else the first seconds measure the flush of a million new rows.
    let settled = match &db {
        Db::Postgres(p) => sqlx::query("CHECKPOINT").execute(&**p).await.map(drop),
        Db::Sqlite(p) => sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&**p).await.map(drop),
    };
    if let Err(e) = settled {
        eprintln!("could not checkpoint the database ({e}); measuring anyway");
    }
    db.close().await;

    let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let mut server = Server::start_with(&args.database_url, port, &[("LEADLINE_NOW", NOW)])?;
    let base = format!("http://127.0.0.1:{port}");
    let times = Arc::new(Mutex::new((Vec::new(), Vec::new(), 0usize)));
    let wall = Instant::now();
    let mut threads = Vec::new();
    for token in tokens {
        let rounds = Rounds { warm_up: args.warm_up, measured: args.calls, think_ms: args.think_ms };
        let (base, times, campaign) = (base.clone(), times.clone(), campaign.id);
        threads.push(std::thread::spawn(move || work(&base, &token, campaign, &rounds, &times)));
    }
    for t in threads {
        t.join().map_err(|_| anyhow::anyhow!("a rep thread panicked"))??;
    }
    let elapsed = wall.elapsed().as_secs_f64();
    let (peak, _) = server.memory();
    server.stop();
    let (mut next, mut dispose, empty) = Arc::try_unwrap(times)
        .map_err(|_| anyhow::anyhow!("threads still running"))?
        .into_inner()
        .map_err(|_| anyhow::anyhow!("poisoned"))?;
    println!(
        "\nLeadline dialer bench on {}: {} leads, {} reps (pause {} ms), {} suppressed numbers, clock {NOW}",
        args.database_url.split(':').next().unwrap_or(""),
        args.leads,
        args.reps,
        args.think_ms,
        args.suppressed_numbers
    );
    println!("(each rep's first {} rounds warm the server up and are not counted)", args.warm_up);
    println!(
        "{:<36} {:>7} {:>9} {:>9} {:>9} {:>9}",
        "request (HTTP API, reps at once)", "count", "p50 ms", "p95 ms", "p99 ms", "max ms"
    );
    for (name, times) in
        [("POST /dialer/sessions/{id}/next", &mut next), ("POST /calls/{id}/disposition", &mut dispose)]
    {
        times.sort_by(f64::total_cmp);
        if times.is_empty() {
            continue;
        }
        #[expect(
            clippy::cast_precision_loss,
            clippy::cast_possible_truncation,
            clippy::cast_sign_loss,
            reason = "an index into a sorted sample"
        )]
        let q = |p: f64| times[((times.len() as f64 - 1.0) * p).round() as usize];
        println!("{name:<36} {:>7} {:>9.2} {:>9.2} {:>9.2} {:>9.2}", times.len(), q(0.5), q(0.95), q(0.99), q(1.0));
    }
    #[expect(clippy::cast_precision_loss, reason = "request counts")]
    let rate = (next.len() + args.warm_up * args.reps) as f64 / elapsed;
    println!("{rate:.0} leads handed out per second; {empty} empty answers; server peak RSS {:.0} MB", peak / 1024.0);
    Ok(())
}

/// How many rounds a rep makes and how long it pauses between them.
struct Rounds {
    warm_up: usize,
    measured: usize,
    think_ms: u64,
}

/// One rep: a session, then next + disposition `warm_up + measured` times.
fn work(
    base: &str,
    token: &str,
    campaign: Uuid,
    rounds: &Rounds,
    times: &Mutex<(Vec<f64>, Vec<f64>, usize)>,
) -> anyhow::Result<()> {
    let think_ms = rounds.think_ms;
    let mut rng = Rng::new(u64::from(token.as_bytes()[token.len() - 1]));
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let auth = format!("Bearer {token}");
    let post = |path: &str, body: Value| -> anyhow::Result<(f64, Value)> {
        let start = Instant::now();
        let mut res = agent.post(&format!("{base}{path}")).header("Authorization", &auth).send_json(&body)?;
        let value: Value = res.body_mut().read_json().unwrap_or(Value::Null);
        anyhow::ensure!(res.status().is_success(), "{path} answered {}: {value}", res.status());
        Ok((start.elapsed().as_secs_f64() * 1000.0, value))
    };
    // Reps do not all start in the same millisecond.
    if think_ms > 0 {
        std::thread::sleep(std::time::Duration::from_millis(
            u64::try_from(rng.below(usize::try_from(think_ms).unwrap_or(1))).unwrap_or(0),
        ));
    }
    let (_, session) = post("/api/v1/dialer/sessions", json!({"campaign_id": campaign}))?;
    let sid = session["id"].as_str().context("session id")?.to_owned();
    let dispositions = ["no_answer", "busy", "voicemail_left", "not_interested", "connected"];
    for i in 0..rounds.warm_up + rounds.measured {
        let counted = i >= rounds.warm_up;
        let (t, offer) = post(&format!("/api/v1/dialer/sessions/{sid}/next"), json!({}))?;
        let Some(call) = offer["call_id"].as_str() else {
            if counted {
                times.lock().map_err(|_| anyhow::anyhow!("poisoned"))?.2 += 1;
            }
            continue;
        };
        let (d, _) = post(
            &format!("/api/v1/calls/{call}/disposition"),
            json!({"disposition": dispositions[i % 5], "notes": "bench"}),
        )?;
        if counted {
            let mut guard = times.lock().map_err(|_| anyhow::anyhow!("poisoned"))?;
            guard.0.push(t);
            guard.1.push(d);
        }
        if think_ms > 0 {
            // Uniform between half and one and a half times the pause, so reps drift apart.
            let ms = think_ms / 2 + u64::try_from(rng.below(usize::try_from(think_ms).unwrap_or(1))).unwrap_or(0);
            std::thread::sleep(std::time::Duration::from_millis(ms));
        }
    }
    Ok(())
}

/// Suppresses every number of 5% of the leads, then fills the list with other numbers.
async fn suppress(db: &Db, org: Uuid, target: usize) -> anyhow::Result<usize> {
    let leads: Vec<(Uuid, String)> = match db {
        Db::Sqlite(p) => {
            sqlx::query_as("SELECT lead_id, digits FROM contact_phones WHERE org_id = $1")
                .bind(org)
                .fetch_all(&**p)
                .await?
        }
        Db::Postgres(p) => {
            sqlx::query_as("SELECT lead_id, digits FROM contact_phones WHERE org_id = $1")
                .bind(org)
                .fetch_all(&**p)
                .await?
        }
    };
    // 5% of leads, chosen by their id's last byte.
    let mut numbers: Vec<i64> =
        leads.iter().filter(|(id, _)| id.as_bytes()[15] % 20 == 0).filter_map(|(_, d)| d.parse().ok()).collect();
    let mut rng = Rng::new(4242);
    while numbers.len() < target {
        // Numbers of a range no generated lead uses (+1 999 ...).
        numbers.push(19_990_000_000 + i64::try_from(rng.below(999_999_999)).unwrap_or(0));
    }
    numbers.sort_unstable();
    numbers.dedup();
    let now = store::now();
    for chunk in numbers.chunks(100_000) {
        let mut tx = db.write().await?;
        store::suppressions::add_many(&mut tx, org, chunk, "registry", None, now).await?;
        tx.commit().await?;
    }
    Ok(numbers.len())
}

/// `n` inside reps with API tokens (created once, reused by later runs).
async fn reps(db: &Db, org: &store::orgs::Org, n: usize) -> anyhow::Result<Vec<String>> {
    let mut tokens = Vec::new();
    let existing = {
        let mut tx = db.read().await?;
        let users = store::auth::users_in_org(&mut tx, org.id).await?;
        tx.commit().await?;
        users
    };
    for i in 0..n {
        let email = format!("dialer-rep{i}@bench.leadline.test");
        if !existing.iter().any(|u| u.email == email) {
            let input = NewUser {
                email: Some(email.clone()),
                name: Some(format!("Dialer Rep {i}")),
                role: Some("inside_rep".into()),
                password: Some("bench-password".into()),
            };
            app::users::create(db, org, By { org: org.id, user_id: None, name: "bench" }, &input)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
        }
        tokens.push(app::auth::create_token(db, &email, "bench-dialer").await.map_err(|e| anyhow::anyhow!("{e}"))?);
    }
    Ok(tokens)
}
