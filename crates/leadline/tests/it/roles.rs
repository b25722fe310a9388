//! What each role may do.

use crate::harness::{Backend, TestApp};
use axum::http::StatusCode;
use serde_json::json;

crate::on_both!(roles_have_their_permissions, requests_without_credentials_get_401);

async fn roles_have_their_permissions(b: Backend) {
    let app = TestApp::new(b).await;
    let (org, admin) = app.tenant("Roles Inc", "US").await;
    let (_, manager) = app.user(&org, "manager@roles.test", "manager").await;
    let (_, rep) = app.user(&org, "rep@roles.test", "inside_rep").await;
    let (field_user, field) = app.user(&org, "field@roles.test", "field_rep").await;

    // Field reps read but do not create.
    let r = app.post("/api/v1/leads", &field, json!({"name": "Nope"})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.headers["content-type"], "application/problem+json");
    let not_theirs = app.lead(&rep, json!({"name": "Rep's lead"})).await;
    let theirs = app.lead(&admin, json!({"name": "Field lead", "owner_id": field_user.id})).await;
    let nid = not_theirs["id"].as_str().unwrap();
    let tid = theirs["id"].as_str().unwrap();
    assert_eq!(app.get(&format!("/api/v1/leads/{nid}"), &field).await.status, StatusCode::OK);
    assert_eq!(
        app.patch(&format!("/api/v1/leads/{nid}"), &field, json!({"status": "contacted"})).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.post(&format!("/api/v1/leads/{nid}/notes"), &field, json!({"body": "x"})).await.status,
        StatusCode::FORBIDDEN
    );
    let ok = app.patch(&format!("/api/v1/leads/{tid}"), &field, json!({"status": "contacted"})).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text);
    assert_eq!(
        app.post(&format!("/api/v1/leads/{tid}/notes"), &field, json!({"body": "visited"})).await.status,
        StatusCode::CREATED
    );
    assert_eq!(
        app.post(&format!("/api/v1/leads/{tid}/contacts"), &field, json!({"name": "New Person"})).await.status,
        StatusCode::CREATED
    );
    // ...and cannot hand their lead to someone else.
    let rep_id = app.get("/api/v1/users/me", &rep).await.body["id"].clone();
    assert_eq!(
        app.patch(&format!("/api/v1/leads/{tid}"), &field, json!({"owner_id": rep_id})).await.status,
        StatusCode::FORBIDDEN
    );

    // Inside reps work any lead of the organization, but do not delete or manage users.
    assert_eq!(
        app.patch(&format!("/api/v1/leads/{tid}"), &rep, json!({"status": "qualified"})).await.status,
        StatusCode::OK
    );
    assert_eq!(app.delete(&format!("/api/v1/leads/{nid}"), &rep).await.status, StatusCode::FORBIDDEN);
    let new_user = json!({"email": "x@roles.test", "name": "X", "role": "inside_rep", "password": "long-enough-pw"});
    assert_eq!(app.post("/api/v1/users", &rep, new_user.clone()).await.status, StatusCode::FORBIDDEN);
    assert_eq!(app.post("/api/v1/users", &manager, new_user.clone()).await.status, StatusCode::FORBIDDEN);
    assert_eq!(app.get("/api/v1/audit", &rep).await.status, StatusCode::FORBIDDEN);
    assert_eq!(app.get("/api/v1/audit", &manager).await.status, StatusCode::FORBIDDEN);
    // Everyone sees the organization's users.
    let users = app.get("/api/v1/users", &field).await;
    assert_eq!(users.body["items"].as_array().unwrap().len(), 4);
    for u in users.body["items"].as_array().unwrap() {
        for key in ["id", "email", "name", "role"] {
            assert!(u.get(key).is_some(), "{key}");
        }
        assert!(u.get("password_hash").is_none());
    }

    // Managers delete leads; admins manage users.
    assert_eq!(app.delete(&format!("/api/v1/leads/{nid}"), &manager).await.status, StatusCode::NO_CONTENT);
    let created = app.post("/api/v1/users", &admin, new_user.clone()).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    assert_eq!(created.body["role"], "inside_rep");
    let dup = app.post("/api/v1/users", &admin, new_user).await;
    assert_eq!(dup.status, StatusCode::CONFLICT);
    assert_eq!(dup.body["errors"][0]["field"], "email");
    let weak = app
        .post(
            "/api/v1/users",
            &admin,
            json!({"email": "y@roles.test", "name": "Y", "role": "admin", "password": "short"}),
        )
        .await;
    assert_eq!(weak.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(weak.body["errors"][0]["field"], "password");
    // A deactivated user's token stops working at once.
    let uid = created.body["id"].as_str().unwrap();
    let t = leadline::app::auth::create_token(app.db(), "x@roles.test", "t").await.unwrap();
    assert_eq!(app.get("/api/v1/leads", &t).await.status, StatusCode::OK);
    assert_eq!(
        app.patch(&format!("/api/v1/users/{uid}"), &admin, json!({"active": false})).await.status,
        StatusCode::OK
    );
    assert_eq!(app.get("/api/v1/leads", &t).await.status, StatusCode::UNAUTHORIZED);
}

async fn requests_without_credentials_get_401(b: Backend) {
    let app = TestApp::new(b).await;
    app.tenant("Locked", "US").await;
    for path in ["/api/v1/leads", "/api/v1/users", "/api/v1/orgs/me", "/api/v1/audit"] {
        let r = app.request(axum::http::Method::GET, path, None, None, &[]).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{path}");
        assert_eq!(r.headers["content-type"], "application/problem+json");
        assert_eq!(r.body["status"], 401);
        let r = app.get(path, "ll_wrong").await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{path}");
    }
    let r = app.request(axum::http::Method::POST, "/api/v1/leads", None, Some(json!({"name": "x"})), &[]).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let r = app
        .request(
            axum::http::Method::POST,
            "/api/v1/leads",
            None,
            Some(json!({"name": "x"})),
            &[("Idempotency-Key", "k")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
}
