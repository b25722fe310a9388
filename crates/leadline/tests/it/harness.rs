//! Spawns the application on a fresh database and talks to it like a client.

use axum::{
    Router,
    body::Body,
    http::{Method, Request, StatusCode, header},
};
use http_body_util::BodyExt;
use leadline::{
    app::{self, audit::By, users::NewUser},
    store::{Db, orgs::Org},
    web::{self, AppState},
};
use serde_json::Value;
use std::path::PathBuf;
use tower::ServiceExt;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs each named test function once per backend.
#[macro_export]
macro_rules! on_both {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
               async fn $name() { super::$name($crate::harness::Backend::Sqlite).await } )*
        }
        mod postgres {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
               async fn $name() {
                   if $crate::harness::postgres_url().is_some() {
                       super::$name($crate::harness::Backend::Postgres).await
                   }
               } )*
        }
    };
}

/// The PostgreSQL server for tests, or `None` (with a notice) when there is none.
/// With `LEADLINE_REQUIRE_POSTGRES=1` a missing server fails the test instead.
pub fn postgres_url() -> Option<String> {
    match std::env::var("LEADLINE_TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            assert!(
                std::env::var("LEADLINE_REQUIRE_POSTGRES").as_deref() != Ok("1"),
                "LEADLINE_REQUIRE_POSTGRES=1 but LEADLINE_TEST_POSTGRES_URL is not set"
            );
            eprintln!("notice: PostgreSQL test skipped (set LEADLINE_TEST_POSTGRES_URL to run it)");
            None
        }
    }
}

/// A fresh database that is removed when dropped.
pub struct TestDb {
    pub db: Db,
    /// The database URL, for tests that run the binary against it.
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    File(PathBuf),
    Database { admin_url: String, name: String },
}

impl TestDb {
    pub async fn new(backend: Backend) -> Self {
        let id = uuid::Uuid::now_v7().simple().to_string();
        let (url, cleanup) = match backend {
            Backend::Sqlite => {
                let path = std::env::temp_dir().join(format!("leadline-test-{id}.db"));
                (format!("sqlite://{}", path.display()), Cleanup::File(path))
            }
            Backend::Postgres => {
                let admin_url = postgres_url().expect("PostgreSQL URL");
                let name = format!("leadline_test_{id}");
                let admin = Db::connect(&admin_url).await.expect("connect to PostgreSQL");
                if let Db::Postgres(pool) = &admin {
                    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                        .execute(&**pool)
                        .await
                        .expect("create database");
                }
                admin.close().await;
                let base = admin_url.rsplit_once('/').map_or(admin_url.as_str(), |(b, _)| b);
                (format!("{base}/{name}"), Cleanup::Database { admin_url, name })
            }
        };
        let db = Db::connect(&url).await.expect("connect");
        db.migrate().await.expect("migrate");
        Self { db, url, cleanup }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::File(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
                }
            }
            Cleanup::Database { admin_url, name } => {
                let (admin_url, name) = (admin_url.clone(), name.clone());
                let db = self.db.clone();
                // Drop runs outside async context guarantees: use a thread with its own runtime.
                let _ = std::thread::spawn(move || {
                    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
                    rt.block_on(async move {
                        db.close().await;
                        if let Ok(Db::Postgres(pool)) = Db::connect(&admin_url).await {
                            let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                            )))
                            .execute(&*pool)
                            .await;
                            pool.close().await;
                        }
                    });
                })
                .join();
            }
        }
    }
}

/// The application on a fresh database, with helpers to set up and call it.
pub struct TestApp {
    pub test_db: TestDb,
    pub router: Router,
    /// The server's clock; tests fix and advance it.
    pub clock: leadline::clock::Clock,
}

pub struct Response {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: Value,
    pub text: String,
}

pub const PASSWORD: &str = "a-long-test-password";

impl TestApp {
    pub async fn new(backend: Backend) -> Self {
        let test_db = TestDb::new(backend).await;
        let state = AppState::new(test_db.db.clone());
        let clock = state.clock.clone();
        let router = web::router(state);
        Self { test_db, router, clock }
    }

    pub fn db(&self) -> &Db {
        &self.test_db.db
    }

    pub async fn org(&self, name: &str, region: &str) -> Org {
        app::orgs::create(self.db(), name, region, &app::orgs::default_zone(region)).await.expect("create org")
    }

    /// A user of `org` with a fresh API token.
    pub async fn user(&self, org: &Org, email: &str, role: &str) -> (leadline::store::auth::User, String) {
        let input = NewUser {
            email: Some(email.into()),
            name: Some(format!("User {email}")),
            role: Some(role.into()),
            password: Some(PASSWORD.into()),
        };
        let by = By { org: org.id, user_id: None, name: "test" };
        let user = app::users::create(self.db(), org, by, &input).await.expect("create user");
        let token = app::auth::create_token(self.db(), email, "test").await.expect("token");
        (user, token)
    }

    /// An organization with an admin; returns (org, admin token).
    pub async fn tenant(&self, name: &str, region: &str) -> (Org, String) {
        let org = self.org(name, region).await;
        let slug = name.to_lowercase().replace(' ', "");
        let (_, token) = self.user(&org, &format!("admin@{slug}.test"), "admin").await;
        (org, token)
    }

    pub async fn request(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> Response {
        let mut req = Request::builder().method(method).uri(path);
        if let Some(t) = token {
            req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let req = match body {
            Some(b) => req.header(header::CONTENT_TYPE, "application/json").body(Body::from(b.to_string())),
            None => req.body(Body::empty()),
        }
        .expect("request");
        self.send(req).await
    }

    pub async fn send(&self, req: Request<Body>) -> Response {
        let res = self.router.clone().oneshot(req).await.expect("response");
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = res.into_body().collect().await.expect("body").to_bytes();
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Response { status, headers, body, text }
    }

    pub async fn get(&self, path: &str, token: &str) -> Response {
        self.request(Method::GET, path, Some(token), None, &[]).await
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> Response {
        self.request(Method::POST, path, Some(token), Some(body), &[]).await
    }

    pub async fn patch(&self, path: &str, token: &str, body: Value) -> Response {
        self.request(Method::PATCH, path, Some(token), Some(body), &[]).await
    }

    pub async fn delete(&self, path: &str, token: &str) -> Response {
        self.request(Method::DELETE, path, Some(token), None, &[]).await
    }

    /// Creates a lead through the API and returns its JSON.
    pub async fn lead(&self, token: &str, body: Value) -> Value {
        let r = self.post("/api/v1/leads", token, body).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        r.body
    }
}

/// The field names of a 422 problem.
pub fn problem_fields(r: &Response) -> Vec<String> {
    r.body["errors"]
        .as_array()
        .map(|a| a.iter().map(|e| e["field"].as_str().unwrap_or("").to_owned()).collect())
        .unwrap_or_default()
}

/// A multipart/form-data body with text fields and one file.
pub fn multipart(fields: &[(&str, &str)], file_name: &str, file: &[u8]) -> (String, Vec<u8>) {
    let boundary = "leadline-test-boundary-7d1f";
    let mut body = Vec::new();
    for (k, v) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n").as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: text/csv\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

impl TestApp {
    /// Posts a multipart upload to `path`.
    pub async fn upload(
        &self,
        path: &str,
        token: &str,
        fields: &[(&str, &str)],
        file_name: &str,
        file: &[u8],
    ) -> Response {
        let (content_type, body) = multipart(fields, file_name, file);
        let req = Request::builder()
            .method(Method::POST)
            .uri(path)
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::CONTENT_TYPE, content_type)
            .body(Body::from(body))
            .expect("request");
        self.send(req).await
    }

    /// Starts an import through the API and waits for it to end; returns the import.
    pub async fn import(&self, token: &str, fields: &[(&str, &str)], file_name: &str, file: &[u8]) -> Value {
        let r = self.upload("/api/v1/imports", token, fields, file_name, file).await;
        assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text);
        let id = r.body["id"].as_str().expect("import id").to_owned();
        self.wait_import(token, &id).await
    }

    /// Polls an import until it is no longer running.
    pub async fn wait_import(&self, token: &str, id: &str) -> Value {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
        loop {
            let r = self.get(&format!("/api/v1/imports/{id}"), token).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text);
            if !["running", "stopping", "undoing"].contains(&r.body["status"].as_str().unwrap_or("")) {
                for count in ["created", "updated", "merged", "duplicates", "rejected", "warnings"] {
                    assert_eq!(r.body["counts"][count], r.body[count], "{count} also under counts: {}", r.text);
                }
                return r.body;
            }
            assert!(std::time::Instant::now() < deadline, "import {id} did not finish");
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }

    /// Every lead of the caller's organization (up to 200), oldest first.
    pub async fn all_leads(&self, token: &str) -> Vec<Value> {
        let r = self.get("/api/v1/leads?limit=200&sort=created", token).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        r.body["items"].as_array().cloned().unwrap_or_default()
    }
}
