//! Log-in, sessions, CSRF and throttling through the web pages.

use crate::harness::{Backend, PASSWORD, Response, TestApp};
use axum::{
    body::Body,
    http::{Method, Request, StatusCode, header},
};
use leadline::web::{self, AppState};

crate::on_both!(
    login_sets_a_safe_session_cookie,
    sessions_live_in_the_database,
    forms_need_the_csrf_token,
    failed_logins_are_throttled_per_account,
    forms_keep_input_and_show_errors_beside_fields,
    an_admin_sets_a_password_for_an_imported_user,
    passwords_are_hashed_with_argon2id,
);

fn set_cookies(r: &Response) -> Vec<String> {
    r.headers.get_all(header::SET_COOKIE).iter().map(|v| v.to_str().unwrap().to_owned()).collect()
}

fn cookie_value(r: &Response, name: &str) -> Option<String> {
    set_cookies(r)
        .iter()
        .find_map(|c| c.strip_prefix(&format!("{name}=")).map(|v| v.split(';').next().unwrap().to_owned()))
}

pub(crate) fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker).unwrap_or_else(|| panic!("no {name} in page")) + marker.len();
    html[start..].split('"').next().unwrap().to_owned()
}

pub(crate) async fn form(
    app: &TestApp,
    path: &str,
    cookie: &str,
    fields: &[(&str, &str)],
    extra: &[(&str, &str)],
) -> Response {
    let body: String = fields.iter().map(|(k, v)| format!("{k}={}", web::urlencode(v))).collect::<Vec<_>>().join("&");
    let mut req = Request::builder()
        .method(Method::POST)
        .uri(path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, cookie);
    for (k, v) in extra {
        req = req.header(*k, *v);
    }
    app.send(req.body(Body::from(body)).unwrap()).await
}

pub(crate) async fn page(app: &TestApp, path: &str, cookie: &str) -> Response {
    app.send(Request::builder().uri(path).header(header::COOKIE, cookie).body(Body::empty()).unwrap()).await
}

/// Logs in through the form; returns the session cookie header value.
pub(crate) async fn login(
    app: &TestApp,
    email: &str,
    password: &str,
    extra: &[(&str, &str)],
) -> (Response, Option<String>) {
    let login_page = page(app, "/login", "").await;
    assert_eq!(login_page.status, StatusCode::OK);
    let csrf_cookie = cookie_value(&login_page, "leadline_login_csrf").expect("login CSRF cookie");
    let csrf = hidden(&login_page.text, "csrf");
    let cookie = format!("leadline_login_csrf={csrf_cookie}");
    let r = form(
        app,
        "/login",
        &cookie,
        &[("csrf", &csrf), ("email", email), ("password", password), ("next", "/leads")],
        extra,
    )
    .await;
    let session =
        cookie_value(&r, "leadline_session").filter(|v| !v.is_empty()).map(|v| format!("leadline_session={v}"));
    (r, session)
}

async fn login_sets_a_safe_session_cookie(b: Backend) {
    let app = TestApp::new(b).await;
    let org = app.org("Cookies", "US").await;
    let (_, token) = app.user(&org, "rep@cookies.test", "inside_rep").await;
    app.lead(&token, serde_json::json!({"name": "Listed Lead"})).await;
    let (r, session) = login(&app, "rep@cookies.test", PASSWORD, &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.headers[header::LOCATION], "/leads");
    let c = set_cookies(&r).into_iter().find(|c| c.starts_with("leadline_session=")).unwrap();
    assert!(c.contains("HttpOnly") && c.contains("SameSite=Lax") && !c.contains("Secure"), "{c}");
    let home = page(&app, "/leads", session.as_deref().unwrap()).await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.text.contains("User rep@cookies.test"));
    // Column headers sort, keeping the filters; the sorted column reverses.
    assert!(home.text.contains("href=\"/leads?sort=name\""), "{}", home.text);
    let by_name = page(&app, "/leads?status=new&sort=name", session.as_deref().unwrap()).await;
    assert!(by_name.text.contains("status=new&#38;sort=-name\""), "{}", by_name.text);

    let (r, _) = login(&app, "REP@cookies.test", PASSWORD, &[("x-forwarded-proto", "https")]).await;
    let c = set_cookies(&r).into_iter().find(|c| c.starts_with("leadline_session=")).unwrap();
    assert!(c.contains("Secure"), "HTTPS requests get Secure cookies: {c}");

    // Without the log-in form's token (a cross-site post), nothing happens.
    let r =
        form(&app, "/login", "", &[("csrf", "x"), ("email", "rep@cookies.test"), ("password", PASSWORD)], &[]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(cookie_value(&r, "leadline_session").is_none());
    // Pages need a session; the API does not accept one.
    let anon = page(&app, "/leads", "").await;
    assert_eq!(anon.status, StatusCode::SEE_OTHER);
    assert!(anon.headers[header::LOCATION].to_str().unwrap().starts_with("/login?next="));
    let api = page(&app, "/api/v1/leads", session.as_deref().unwrap()).await;
    assert_eq!(api.status, StatusCode::UNAUTHORIZED);
    let wrong = login(&app, "rep@cookies.test", "not-the-password", &[]).await.0;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.text.contains("e-mail or password is not right"));
}

async fn sessions_live_in_the_database(b: Backend) {
    let app = TestApp::new(b).await;
    let org = app.org("Shared", "US").await;
    app.user(&org, "rep@shared.test", "inside_rep").await;
    let (_, session) = login(&app, "rep@shared.test", PASSWORD, &[]).await;
    let session = session.unwrap();
    // A second server process over the same database knows the session.
    let other = TestApp {
        test_db: crate::harness::TestDb::new(b).await,
        router: web::router(AppState::new(app.db().clone())),
        clock: leadline::clock::Clock::system(),
    };
    let r = page(&other, "/leads", &session).await;
    assert_eq!(r.status, StatusCode::OK);
    // Logging out (with the CSRF token) ends it everywhere.
    let csrf = hidden(&r.text, "csrf");
    let out = form(&app, "/logout", &session, &[("csrf", &csrf)], &[]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert_eq!(page(&other, "/leads", &session).await.status, StatusCode::SEE_OTHER);
    assert_eq!(page(&app, "/leads", &session).await.status, StatusCode::SEE_OTHER);
}

async fn forms_need_the_csrf_token(b: Backend) {
    let app = TestApp::new(b).await;
    let (org, token) = app.tenant("Csrf", "US").await;
    app.user(&org, "rep@csrf.test", "inside_rep").await;
    let (_, session) = login(&app, "rep@csrf.test", PASSWORD, &[]).await;
    let session = session.unwrap();
    let new_page = page(&app, "/leads/new", &session).await;
    let csrf = hidden(&new_page.text, "csrf");
    let forged = form(&app, "/leads", &session, &[("csrf", "forged"), ("name", "Forged Lead")], &[]).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let missing = form(&app, "/leads", &session, &[("name", "Forged Lead")], &[]).await;
    assert_eq!(missing.status, StatusCode::FORBIDDEN);
    let list = app.get("/api/v1/leads?q=forged", &token).await;
    assert_eq!(list.body["items"], serde_json::json!([]), "nothing was created");
    let ok = form(
        &app,
        "/leads",
        &session,
        &[("csrf", &csrf), ("name", "Real Lead"), ("status", "new"), ("kind", "company")],
        &[],
    )
    .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.text);
    let lead_path = ok.headers[header::LOCATION].to_str().unwrap().to_owned();
    let shown = page(&app, &lead_path, &format!("{session}; leadline_flash=Lead%20created.")).await;
    assert!(shown.text.contains("Real Lead"));
    assert!(shown.text.contains("Lead created."));
    // Notes are added and deleted from the lead page.
    let note =
        form(&app, &format!("{lead_path}/notes"), &session, &[("csrf", &csrf), ("body", "Spoke to the CFO.")], &[])
            .await;
    assert_eq!(note.status, StatusCode::SEE_OTHER);
    let shown = page(&app, &lead_path, &session).await;
    assert!(shown.text.contains("Spoke to the CFO."));
    let marker = "action=\"/notes/";
    let start = shown.text.find(marker).expect("a delete button for the author") + marker.len();
    let note_id = shown.text[start..].split('/').next().unwrap().to_owned();
    let gone = form(&app, &format!("/notes/{note_id}/delete"), &session, &[("csrf", &csrf)], &[]).await;
    assert_eq!(gone.status, StatusCode::SEE_OTHER);
    // Off the timeline (the audit log below it still records what was deleted).
    assert!(!page(&app, &lead_path, &session).await.text.contains(&format!("/notes/{note_id}/delete")));
    // Another session's token is not accepted either.
    let (_, other) = login(&app, "admin@csrf.test", PASSWORD, &[]).await;
    let other_csrf = hidden(&page(&app, "/leads/new", other.as_deref().unwrap()).await.text, "csrf");
    let cross = form(&app, &format!("{lead_path}/delete"), &session, &[("csrf", &other_csrf)], &[]).await;
    assert_eq!(cross.status, StatusCode::FORBIDDEN);
}

async fn failed_logins_are_throttled_per_account(b: Backend) {
    let app = TestApp::new(b).await;
    let org = app.org("Throttle", "US").await;
    app.user(&org, "target@throttle.test", "inside_rep").await;
    app.user(&org, "bystander@throttle.test", "inside_rep").await;
    for _ in 0..10 {
        let (r, _) = login(&app, "target@throttle.test", "wrong-password", &[]).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
    let (r, session) = login(&app, "target@throttle.test", PASSWORD, &[]).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "even the right password is refused while throttled");
    assert!(session.is_none());
    assert!(r.text.contains("Too many failed log-in attempts"), "{}", r.text);
    assert!(r.text.contains("try again in 15 minutes"), "{}", r.text);
    assert!(r.headers.contains_key(header::RETRY_AFTER));
    // Other accounts are unaffected.
    let (r, _) = login(&app, "bystander@throttle.test", PASSWORD, &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    // Once the window has passed, the account can log in again.
    let later = leadline::store::now() + chrono::Duration::minutes(16);
    assert!(leadline::app::auth::login(app.db(), "target@throttle.test", PASSWORD, later).await.is_ok());
}

async fn forms_keep_input_and_show_errors_beside_fields(b: Backend) {
    let app = TestApp::new(b).await;
    let org = app.org("Forms", "US").await;
    app.user(&org, "rep@forms.test", "inside_rep").await;
    let (_, session) = login(&app, "rep@forms.test", PASSWORD, &[]).await;
    let session = session.unwrap();
    let csrf = hidden(&page(&app, "/leads/new", &session).await.text, "csrf");
    let r = form(
        &app,
        "/leads",
        &session,
        &[
            ("csrf", &csrf),
            ("name", "Typed Name Oy"),
            ("status", "new"),
            ("contact_name", "Ann"),
            ("contact_phone", "12"),
            ("contact_email", "ann@@x"),
        ],
        &[],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("value=\"Typed Name Oy\""), "keeps what was typed");
    assert!(r.text.contains("value=\"ann@@x\""));
    assert!(r.text.contains("id=\"contact_phone-err\""), "error beside the phone field");
    assert!(r.text.contains("id=\"contact_email-err\""));
    assert!(r.text.contains("aria-invalid=\"true\""));
}

async fn passwords_are_hashed_with_argon2id(b: Backend) {
    let app = TestApp::new(b).await;
    let org = app.org("Hashes", "US").await;
    app.user(&org, "h@hashes.test", "admin").await;
    let mut tx = app.db().read().await.unwrap();
    let (_, hash) = leadline::store::auth::user_by_email(&mut tx, "h@hashes.test").await.unwrap().unwrap();
    tx.commit().await.unwrap();
    assert!(hash.starts_with("$argon2id$"), "{hash}");
    assert!(!hash.contains(PASSWORD));
}

/// Users created by an import have no password; an admin sets one on the Users page.
async fn an_admin_sets_a_password_for_an_imported_user(b: Backend) {
    let app = TestApp::new(b).await;
    let org = app.org("Password Co", "US").await;
    let (_, token) = app.user(&org, "admin@password.test", "admin").await;
    let done = app
        .import(&token, &[("kind", "users")], "users.csv", b"Name,Email,Role\nIvy Imported,ivy@password.test,SDR\n")
        .await;
    assert_eq!(done["created"], 1, "{done}");
    let (r, _) = login(&app, "ivy@password.test", "whatever-password", &[]).await;
    assert_ne!(r.status, axum::http::StatusCode::SEE_OTHER, "no password yet");
    let (_, cookie) = login(&app, "admin@password.test", PASSWORD, &[]).await;
    let cookie = cookie.expect("admin session");
    let users = page(&app, "/users", &cookie).await;
    let csrf = hidden(&users.text, "csrf");
    let ivy = app.get("/api/v1/users", &token).await.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["email"] == "ivy@password.test")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = form(
        &app,
        &format!("/users/{ivy}"),
        &cookie,
        &[("csrf", &csrf), ("role", "inside_rep"), ("active", "on"), ("password", "ivy-new-password")],
        &[],
    )
    .await;
    assert_eq!(r.status, axum::http::StatusCode::SEE_OTHER, "{}", r.text);
    let (r, session) = login(&app, "ivy@password.test", "ivy-new-password", &[]).await;
    assert_eq!(r.status, axum::http::StatusCode::SEE_OTHER, "{}", r.text);
    assert!(session.is_some());
}
