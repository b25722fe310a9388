//! Many reps working one campaign at once: no lead is ever held by two reps, every
//! lead is accounted for, none is handed out outside its window, no suppressed number
//! is handed out. On SQLite in one process; on PostgreSQL across two `leadline serve`
//! processes sharing the database.

use crate::{
    calling::utc,
    harness::{Backend, TestApp, postgres_url},
};
use axum::{
    Router,
    body::Body,
    http::{Method, Request},
};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use std::{
    collections::HashSet,
    process::{Child, Command, Stdio},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};
use tower::ServiceExt;

const REPS: usize = 12;
const OPEN: usize = 150;
const CLOSED: usize = 30;
const SUPPRESSED: usize = 30;

#[derive(Clone)]
enum Client {
    InProcess(Router),
    Http(String),
}

impl Client {
    async fn post(&self, path: &str, token: &str, body: Value) -> (u16, Value) {
        match self {
            Client::InProcess(router) => {
                let req = Request::builder()
                    .method(Method::POST)
                    .uri(path)
                    .header("authorization", format!("Bearer {token}"))
                    .header("content-type", "application/json")
                    .body(Body::from(body.to_string()))
                    .unwrap();
                let res = router.clone().oneshot(req).await.unwrap();
                let status = res.status().as_u16();
                let bytes = res.into_body().collect().await.unwrap().to_bytes();
                (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
            }
            Client::Http(base) => {
                let (url, token) = (format!("{base}{path}"), token.to_owned());
                tokio::task::spawn_blocking(move || {
                    let res = ureq::post(&url)
                        .header("authorization", &format!("Bearer {token}"))
                        .config()
                        .http_status_as_error(false)
                        .build()
                        .send_json(&body)
                        .unwrap();
                    let status = res.status().as_u16();
                    let value = res.into_body().read_json::<Value>().unwrap_or(Value::Null);
                    (status, value)
                })
                .await
                .unwrap()
            }
        }
    }
}

struct Setup {
    app: TestApp,
    campaign: String,
    reps: Vec<String>,
    suppressed: HashSet<String>,
}

async fn setup(b: Backend) -> Setup {
    let app = TestApp::new(b).await;
    let (org, admin) = app.tenant("Load Oy", "FI").await;
    app.clock.set(utc("2026-01-15T10:00:00Z"));
    let mut reps = Vec::new();
    let mut ids = Vec::new();
    for i in 0..REPS {
        let (u, token) = app.user(&org, &format!("rep{i}@load.test"), "inside_rep").await;
        reps.push(token);
        ids.push(u.id.to_string());
    }
    let mut suppressed = HashSet::new();
    // Half the suppressed numbers are listed before the campaign starts (their leads join
    // it as suppressed), half after it from a registry file (the dialer finds them out
    // when they come up).
    let mut registry = String::new();
    for i in 0..OPEN + CLOSED + SUPPRESSED {
        let phone = if i < OPEN {
            format!("+358 40 1{i:06}")
        } else if i < OPEN + CLOSED {
            format!("+1 212 555 {:04}", i - OPEN)
        } else {
            format!("+358 50 2{i:06}")
        };
        app.lead(&admin, json!({"name": format!("Load {i}"), "contacts": [{"name": "C", "phones": [phone]}]})).await;
        if i >= OPEN + CLOSED + SUPPRESSED / 2 {
            registry.push_str(&format!("{phone}\n"));
            suppressed.insert(phone.replace(' ', ""));
        } else if i >= OPEN + CLOSED {
            let r = app.post("/api/v1/suppressions", &admin, json!({"number": phone})).await;
            suppressed.insert(r.body["number"].as_str().unwrap().to_owned());
        }
    }
    let r = app
        .post("/api/v1/campaigns", &admin, json!({"name": "Load", "filter": {"status": ["new"]}, "assignees": ids}))
        .await;
    assert_eq!(r.status.as_u16(), 201, "{}", r.text);
    let campaign = r.body["id"].as_str().unwrap().to_owned();
    let req = Request::builder()
        .method(Method::POST)
        .uri("/api/v1/suppressions/import")
        .header("authorization", format!("Bearer {admin}"))
        .header("content-type", "text/plain")
        .body(Body::from(registry))
        .unwrap();
    let r = app.send(req).await;
    assert_eq!(r.body["added"], SUPPRESSED / 2, "{}", r.text);
    Setup { app, campaign, reps, suppressed }
}

/// Every rep works the campaign until nothing is callable; returns each hand-out.
async fn work(clients: Vec<Client>, s: &Setup) -> Vec<(String, String)> {
    let handed = Arc::new(Mutex::new(Vec::new()));
    let mut tasks = Vec::new();
    for (i, token) in s.reps.iter().enumerate() {
        let client = clients[i % clients.len()].clone();
        let (token, campaign, handed) = (token.clone(), s.campaign.clone(), handed.clone());
        tasks.push(tokio::spawn(async move {
            let (status, session) =
                client.post("/api/v1/dialer/sessions", &token, json!({"campaign_id": campaign})).await;
            assert_eq!(status, 201, "{session}");
            let sid = session["id"].as_str().unwrap().to_owned();
            loop {
                let (status, offer) =
                    client.post(&format!("/api/v1/dialer/sessions/{sid}/next"), &token, json!({})).await;
                assert_eq!(status, 200, "{offer}");
                let Some(call) = offer["call_id"].as_str() else { break };
                handed.lock().unwrap().push((
                    offer["lead"]["id"].as_str().unwrap().to_owned(),
                    offer["number"].as_str().unwrap().to_owned(),
                ));
                let (status, body) = client
                    .post(
                        &format!("/api/v1/calls/{call}/disposition"),
                        &token,
                        json!({"disposition": "not_interested"}),
                    )
                    .await;
                assert_eq!(status, 200, "{body}");
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    Arc::try_unwrap(handed).unwrap().into_inner().unwrap()
}

fn check(handed: &[(String, String)], s: &Setup) {
    let leads: HashSet<&String> = handed.iter().map(|(l, _)| l).collect();
    assert_eq!(leads.len(), handed.len(), "a lead was handed out twice");
    assert_eq!(handed.len(), OPEN, "every callable lead is called exactly once");
    for (_, number) in handed {
        assert!(number.starts_with("+35840"), "{number} was outside its window or suppressed");
        assert!(!s.suppressed.contains(number), "{number} is suppressed");
    }
}

async fn stats(s: &Setup) -> Value {
    let admin_token = &s.reps[0];
    let r = s.app.get(&format!("/api/v1/campaigns/{}/stats", s.campaign), admin_token).await;
    r.body
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn many_reps_on_sqlite() {
    let s = setup(Backend::Sqlite).await;
    let handed = work(vec![Client::InProcess(s.app.router.clone())], &s).await;
    check(&handed, &s);
    let st = stats(&s).await;
    assert_eq!(st["done"], OPEN, "{st}");
    assert_eq!(st["suppressed"], SUPPRESSED, "{st}");
    assert_eq!(st["waiting_for_window"], CLOSED, "{st}");
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn serve(url: &str) -> (Server, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = Command::new(env!("CARGO_BIN_EXE_leadline"))
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .env("LEADLINE_DATABASE_URL", url)
        .env("LEADLINE_NOW", "2026-01-15T10:00:00Z")
        .env("LEADLINE_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(30);
    while ureq::get(&format!("{base}/healthz")).call().is_err() {
        assert!(Instant::now() < deadline, "server did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    (Server(child), base)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn many_reps_on_postgres_across_two_servers() {
    if postgres_url().is_none() {
        return;
    }
    let s = setup(Backend::Postgres).await;
    let (_a, base_a) = serve(&s.app.test_db.url);
    let (_b, base_b) = serve(&s.app.test_db.url);
    let handed = work(vec![Client::Http(base_a), Client::Http(base_b)], &s).await;
    check(&handed, &s);
    let st = stats(&s).await;
    assert_eq!(st["done"], OPEN, "{st}");
    assert_eq!(st["suppressed"], SUPPRESSED, "{st}");
}
