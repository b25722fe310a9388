//! The OpenAPI document: served, complete, and unchanged unless on purpose.

use crate::harness::{Backend, TestApp};
use axum::http::{Method, StatusCode};

#[tokio::test]
async fn document_is_served_and_matches_the_snapshot() {
    let app = TestApp::new(Backend::Sqlite).await;
    let r = app.request(Method::GET, "/api/v1/openapi.json", None, None, &[]).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["openapi"], "3.1.0");
    let paths = r.body["paths"].as_object().unwrap();
    for p in [
        "/api/v1/leads",
        "/api/v1/leads/{id}",
        "/api/v1/users",
        "/api/v1/orgs/me",
        "/api/v1/audit",
        "/api/v1/leads/{id}/notes",
        "/api/v1/contacts/{id}",
    ] {
        assert!(paths.contains_key(p), "{p} is documented");
    }
    let pretty = serde_json::to_string_pretty(&r.body).unwrap() + "\n";
    let snapshot = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/snapshots/openapi.json");
    if std::env::var("UPDATE_SNAPSHOTS").is_ok() {
        std::fs::write(snapshot, &pretty).unwrap();
    }
    let expected =
        std::fs::read_to_string(snapshot).expect("snapshot exists; run with UPDATE_SNAPSHOTS=1 to create it");
    assert!(expected == pretty, "the OpenAPI document changed; review and run with UPDATE_SNAPSHOTS=1 to accept");
}

#[test]
fn every_route_is_documented() {
    // Routes the routers serve under /api/v1 (except the document itself).
    let served = [
        "/api/v1/leads",
        "/api/v1/leads/{id}",
        "/api/v1/leads/{id}/contacts",
        "/api/v1/contacts/{id}",
        "/api/v1/leads/{id}/activities",
        "/api/v1/leads/{id}/notes",
        "/api/v1/activities/{id}",
        "/api/v1/users",
        "/api/v1/users/me",
        "/api/v1/users/{id}",
        "/api/v1/orgs/me",
        "/api/v1/audit",
        "/api/v1/leads/{id}/audit",
    ];
    let spec = leadline::web::api::openapi::spec();
    for p in served {
        assert!(spec["paths"].get(p).is_some(), "{p} missing from the OpenAPI document");
    }
}
