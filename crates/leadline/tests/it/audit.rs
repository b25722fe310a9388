//! The audit log records every create, update and delete.

use crate::harness::{Backend, TestApp};
use axum::http::StatusCode;
use serde_json::json;

crate::on_both!(changes_are_recorded_with_before_and_after);

async fn changes_are_recorded_with_before_and_after(b: Backend) {
    let app = TestApp::new(b).await;
    let (org, admin) = app.tenant("Auditors", "US").await;
    let (rep_user, rep) = app.user(&org, "rep@auditors.test", "inside_rep").await;
    let lead = app
        .lead(
            &rep,
            json!({"name": "Tracked Inc", "status": "new", "contacts": [{"name": "Ann", "phones": ["+12065550100"]}]}),
        )
        .await;
    let id = lead["id"].as_str().unwrap();
    app.patch(&format!("/api/v1/leads/{id}"), &rep, json!({"status": "contacted", "name": "Tracked Inc."})).await;
    let cid = lead["contacts"][0]["id"].as_str().unwrap();
    app.patch(&format!("/api/v1/contacts/{cid}"), &rep, json!({"do_not_call": true})).await;
    app.post(&format!("/api/v1/leads/{id}/notes"), &rep, json!({"body": "hello"})).await;

    let entries = app.get(&format!("/api/v1/leads/{id}/audit"), &rep).await.body["items"].as_array().unwrap().clone();
    let update = entries.iter().find(|e| e["entity_type"] == "lead" && e["action"] == "update").expect("lead update");
    assert_eq!(update["changes"]["status"], json!({"before": "new", "after": "contacted"}));
    assert_eq!(update["changes"]["name"], json!({"before": "Tracked Inc", "after": "Tracked Inc."}));
    assert!(update["changes"].get("source").is_none(), "only changed fields");
    assert_eq!(update["actor_id"], json!(rep_user.id));
    assert_eq!(update["actor_name"], rep_user.name);
    assert!(update["at"].as_str().is_some());
    let create = entries.iter().find(|e| e["entity_type"] == "lead" && e["action"] == "create").expect("lead create");
    assert_eq!(create["changes"]["name"]["after"], "Tracked Inc");
    let contact =
        entries.iter().find(|e| e["entity_type"] == "contact" && e["action"] == "update").expect("contact update");
    assert_eq!(contact["changes"]["do_not_call"], json!({"before": false, "after": true}));
    assert!(entries.iter().any(|e| e["entity_type"] == "note" && e["action"] == "create"));

    // A no-op patch records nothing.
    let before = entries.len();
    app.patch(&format!("/api/v1/leads/{id}"), &rep, json!({"status": "contacted"})).await;
    let again = app.get(&format!("/api/v1/leads/{id}/audit"), &rep).await.body["items"].as_array().unwrap().len();
    assert_eq!(again, before);

    // Deletes are recorded and outlive the lead; admins list the whole log.
    assert_eq!(app.delete(&format!("/api/v1/leads/{id}"), &admin).await.status, StatusCode::NO_CONTENT);
    let log = app.get("/api/v1/audit?limit=3", &admin).await;
    assert_eq!(log.status, StatusCode::OK);
    let first = &log.body["items"][0];
    assert_eq!(first["action"], "delete");
    assert_eq!(first["entity_id"], id);
    assert_eq!(first["changes"]["status"], json!({"before": "contacted", "after": null}));
    let next = log.body["next_cursor"].as_str().expect("more pages");
    let page2 = app.get(&format!("/api/v1/audit?limit=3&cursor={next}"), &admin).await;
    assert_eq!(page2.body["items"].as_array().unwrap().len(), 3);
    assert_ne!(page2.body["items"][0]["id"], first["id"]);
    let users_only = app.get("/api/v1/audit?entity_type=user", &admin).await;
    assert!(users_only.body["items"].as_array().unwrap().iter().all(|e| e["entity_type"] == "user"));
    assert!(!users_only.body["items"].as_array().unwrap().is_empty());
}
