//! HTTP: the JSON API under `/api/v1`, the web pages, health and metrics.
//!
//! Each feature owns a router; [`router`] merges them and adds the layers once.

pub mod api;
pub mod error;
pub mod extract;
pub mod idempotency;
pub mod metrics;
pub mod pages;

use crate::store::Db;
use axum::{
    Router,
    extract::State,
    http::{StatusCode, header},
    middleware,
    response::IntoResponse,
    routing::get,
};
use std::{net::SocketAddr, sync::Arc};

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub metrics: Arc<metrics::Metrics>,
    /// The server's clock (fixed by `LEADLINE_NOW` for tests and demos).
    pub clock: crate::clock::Clock,
}

impl AppState {
    #[must_use]
    pub fn new(db: Db) -> Self {
        Self { db, metrics: Arc::new(metrics::Metrics::default()), clock: crate::clock::Clock::from_env() }
    }
}

/// The whole application.
pub fn router(state: AppState) -> Router {
    Router::new()
        .nest("/api/v1", api::router(state.clone()))
        .merge(pages::router())
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics::render))
        .route("/static/app.css", get(stylesheet))
        .route("/static/app.js", get(script))
        .layer(middleware::from_fn_with_state(state.clone(), metrics::track))
        .with_state(state)
}

/// 200 when the database answers, 503 otherwise.
async fn healthz(State(state): State<AppState>) -> impl IntoResponse {
    match state.db.ping().await {
        Ok(()) => (StatusCode::OK, [(header::CONTENT_TYPE, "application/json")], r#"{"status":"ok"}"#),
        Err(e) => {
            tracing::error!(error = %format!("{e:#}"), "health check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                [(header::CONTENT_TYPE, "application/json")],
                r#"{"status":"database unavailable"}"#,
            )
        }
    }
}

async fn stylesheet() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")],
        include_str!("../../static/app.css"),
    )
}

async fn script() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")],
        include_str!("../../static/app.js"),
    )
}

/// Serves until SIGTERM or Ctrl-C, then finishes the requests in flight.
pub async fn serve(db: Db, listen: SocketAddr) -> anyhow::Result<()> {
    let listener =
        tokio::net::TcpListener::bind(listen).await.map_err(|e| anyhow::anyhow!("cannot listen on {listen}: {e}"))?;
    serve_on(db, listener, shutdown_signal()).await
}

/// Serves on an already bound listener until `shutdown` completes.
pub async fn serve_on(
    db: Db,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    serve_state(AppState::new(db), listener, shutdown).await
}

/// Serves the application with the given state (its clock, for tests and demos).
pub async fn serve_state(
    state: AppState,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    use axum::serve::ListenerExt;
    let db = state.db.clone();
    tokio::task::spawn_blocking(leadline_domain::phone::warm_up).await?;
    let resume = db.clone();
    tokio::spawn(async move {
        if let Err(e) = crate::import::service::resume_interrupted(&resume).await {
            tracing::warn!(error = format!("{e:#}"), "could not look for interrupted imports");
        }
    });
    let app = router(state);
    // Without TCP_NODELAY, small responses wait on Nagle's algorithm (tens of ms).
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    axum::serve(listener, app).with_graceful_shutdown(shutdown).await?;
    db.close().await;
    tracing::info!("stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}

/// Percent-encodes a query-string value.
#[must_use]
pub fn urlencode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Decodes a percent-encoded query-string part (`+` is a space).
#[must_use]
pub fn urldecode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                match std::str::from_utf8(&bytes[i + 1..i + 3]).ok().and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => {
                        out.push(b);
                        i += 3;
                    }
                    None => {
                        out.push(b'%');
                        i += 1;
                    }
                }
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}
