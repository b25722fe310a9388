//! One organization can never see, change or detect another's data.

use crate::harness::{Backend, TestApp};
use axum::http::{Method, StatusCode};
use serde_json::json;

crate::on_both!(every_endpoint_hides_other_organizations);

async fn every_endpoint_hides_other_organizations(b: Backend) {
    let app = TestApp::new(b).await;
    let (_, a) = app.tenant("Alpha Org", "US").await;
    let (_, z) = app.tenant("Zulu Org", "US").await;
    let lead = app.lead(&a, json!({"name": "Secret Lead", "contacts": [{"name": "Hidden Person", "phones": ["+12065550100"], "emails": ["hidden@alpha.test"]}]})).await;
    let id = lead["id"].as_str().unwrap();
    let cid = lead["contacts"][0]["id"].as_str().unwrap();
    let note = app.post(&format!("/api/v1/leads/{id}/notes"), &a, json!({"body": "private"})).await.body;
    let nid = note["id"].as_str().unwrap();
    let users = app.get("/api/v1/users", &a).await.body;
    let uid = users["items"][0]["id"].as_str().unwrap();

    let probes: Vec<(Method, String, Option<serde_json::Value>)> = vec![
        (Method::GET, format!("/api/v1/leads/{id}"), None),
        (Method::PATCH, format!("/api/v1/leads/{id}"), Some(json!({"name": "pwned"}))),
        (Method::DELETE, format!("/api/v1/leads/{id}"), None),
        (Method::GET, format!("/api/v1/leads/{id}/contacts"), None),
        (Method::POST, format!("/api/v1/leads/{id}/contacts"), Some(json!({"name": "x"}))),
        (Method::GET, format!("/api/v1/contacts/{cid}"), None),
        (Method::PATCH, format!("/api/v1/contacts/{cid}"), Some(json!({"name": "x"}))),
        (Method::DELETE, format!("/api/v1/contacts/{cid}"), None),
        (Method::GET, format!("/api/v1/leads/{id}/activities"), None),
        (Method::POST, format!("/api/v1/leads/{id}/notes"), Some(json!({"body": "x"}))),
        (Method::DELETE, format!("/api/v1/activities/{nid}"), None),
        (Method::GET, format!("/api/v1/leads/{id}/audit"), None),
        (Method::GET, format!("/api/v1/users/{uid}"), None),
        (Method::PATCH, format!("/api/v1/users/{uid}"), Some(json!({"name": "x"}))),
    ];
    for (method, path, body) in probes {
        let r = app.request(method.clone(), &path, Some(&z), body, &[]).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{method} {path}: {}", r.text);
        // Same answer as for something that never existed.
        let fake = path
            .replace(id, "01900000-0000-7000-8000-000000000000")
            .replace(cid, "01900000-0000-7000-8000-000000000001");
        let r2 = app.request(method.clone(), &fake, Some(&z), None, &[]).await;
        if r2.status == StatusCode::NOT_FOUND {
            assert_eq!(r.body["title"], r2.body["title"]);
        }
    }
    // Lists and searches never include the other organization's rows.
    for path in
        ["/api/v1/leads", "/api/v1/leads?q=secret", "/api/v1/leads?q=2065550100", "/api/v1/leads?q=hidden%40alpha.test"]
    {
        let r = app.get(path, &z).await;
        assert_eq!(r.body["items"], json!([]), "{path}");
    }
    let users_z = app.get("/api/v1/users", &z).await.body;
    assert_eq!(users_z["items"].as_array().unwrap().len(), 1);
    let audit_z = app.get("/api/v1/audit", &z).await.body;
    assert!(audit_z["items"].as_array().unwrap().iter().all(|e| e["entity_id"] != id));
    // Another organization's user cannot become an owner.
    let zu = app.get("/api/v1/users/me", &z).await.body;
    let r = app.post("/api/v1/leads", &a, json!({"name": "X", "owner_id": zu["id"]})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Nothing changed for the owner.
    let still = app.get(&format!("/api/v1/leads/{id}"), &a).await;
    assert_eq!(still.body["name"], "Secret Lead");
    assert_eq!(still.body["contacts"][0]["name"], "Hidden Person");
}
