//! Health and metrics.

use crate::harness::{Backend, TestApp};
use axum::http::{Method, StatusCode};

crate::on_both!(health_and_metrics);

async fn health_and_metrics(b: Backend) {
    let app = TestApp::new(b).await;
    let (_, token) = app.tenant("Ops", "US").await;
    let h = app.request(Method::GET, "/healthz", None, None, &[]).await;
    assert_eq!(h.status, StatusCode::OK);
    app.get("/api/v1/leads", &token).await;
    app.get("/api/v1/leads/01900000-0000-7000-8000-000000000000", &token).await;
    let m = app.request(Method::GET, "/metrics", None, None, &[]).await;
    assert_eq!(m.status, StatusCode::OK);
    assert!(m.headers["content-type"].to_str().unwrap().starts_with("text/plain"));
    assert!(
        m.text.contains("leadline_http_requests_total{method=\"GET\",route=\"/api/v1/leads\",status=\"200\"} 1"),
        "{}",
        m.text
    );
    assert!(m.text.contains("route=\"/api/v1/leads/{id}\",status=\"404\""));
    assert!(m.text.contains("leadline_http_request_duration_seconds_bucket"));
    assert!(m.text.contains("leadline_db_pool_connections"));
    app.db().close().await;
    let down = app.request(Method::GET, "/healthz", None, None, &[]).await;
    assert_eq!(down.status, StatusCode::SERVICE_UNAVAILABLE);
}
