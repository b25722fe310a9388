//! Log-in and log-out pages.

use super::{SESSION_COOKIE, cookie, is_https, page_error, set_cookie};
use crate::{
    app::{AppError, auth},
    web::AppState,
};
use askama::Template;
use axum::{
    Form, Router,
    extract::{Query, State},
    http::{HeaderMap, StatusCode, header},
    response::{Html, IntoResponse, Redirect, Response},
    routing::{get, post},
};
use serde::Deserialize;

const LOGIN_CSRF_COOKIE: &str = "leadline_login_csrf";

pub fn router() -> Router<AppState> {
    Router::new().route("/login", get(form).post(submit)).route("/logout", post(logout))
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    csrf: String,
    next: String,
    email: String,
    error: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct NextParam {
    #[serde(default)]
    next: String,
}

/// Only local paths may follow a log-in, never another site.
fn safe_next(next: &str) -> String {
    if next.starts_with('/') && !next.starts_with("//") && !next.contains('\\') {
        next.to_owned()
    } else {
        "/leads".to_owned()
    }
}

/// The log-in form carries a token that must match a cookie (double submit), so
/// another site cannot log a browser into an account of its choosing.
fn login_page(status: StatusCode, headers: &HeaderMap, next: &str, email: &str, error: Option<String>) -> Response {
    let csrf = auth::random_secret(16);
    let page = LoginPage { csrf: csrf.clone(), next: safe_next(next), email: email.to_owned(), error };
    match page.render() {
        Ok(html) => {
            let mut res = (status, Html(html)).into_response();
            res.headers_mut().append(header::SET_COOKIE, set_cookie(LOGIN_CSRF_COOKIE, &csrf, 3600, is_https(headers)));
            res
        }
        Err(_) => page_error(StatusCode::INTERNAL_SERVER_ERROR, "Error", "The log-in page could not be shown."),
    }
}

async fn form(headers: HeaderMap, Query(q): Query<NextParam>) -> Response {
    login_page(StatusCode::OK, &headers, &q.next, "", None)
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    next: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

async fn submit(State(state): State<AppState>, headers: HeaderMap, Form(f): Form<LoginForm>) -> Response {
    let expected = cookie(&headers, LOGIN_CSRF_COOKIE).unwrap_or("");
    if expected.is_empty() || !auth::same_secret(&f.csrf, expected) {
        let msg = "Your log-in form expired. Please try again.".to_owned();
        return login_page(StatusCode::FORBIDDEN, &headers, &f.next, &f.email, Some(msg));
    }
    match auth::login(&state.db, &f.email, &f.password, crate::store::now()).await {
        Ok(session) => {
            let secure = is_https(&headers);
            let max_age = auth::SESSION_DAYS * 24 * 3600;
            let mut res = Redirect::to(&safe_next(&f.next)).into_response();
            res.headers_mut().append(header::SET_COOKIE, set_cookie(SESSION_COOKIE, &session.token, max_age, secure));
            res.headers_mut().append(header::SET_COOKIE, set_cookie(LOGIN_CSRF_COOKIE, "", 0, secure));
            tracing::info!(user = %session.actor.user.id, "logged in");
            res
        }
        Err(AppError::Unauthorized) => {
            let msg = "The e-mail or password is not right.".to_owned();
            login_page(StatusCode::UNAUTHORIZED, &headers, &f.next, &f.email, Some(msg))
        }
        Err(AppError::Throttled { retry_after_secs }) => {
            let minutes = (retry_after_secs + 59) / 60;
            let msg = format!(
                "Too many failed log-in attempts for this account. For your security, log-in is paused: try again in {minutes} minute{}.",
                if minutes == 1 { "" } else { "s" }
            );
            let mut res = login_page(StatusCode::TOO_MANY_REQUESTS, &headers, &f.next, &f.email, Some(msg));
            if let Ok(v) = retry_after_secs.to_string().parse() {
                res.headers_mut().insert(header::RETRY_AFTER, v);
            }
            res
        }
        Err(e) => super::error_page(&e),
    }
}

#[derive(Deserialize)]
pub struct LogoutForm {
    #[serde(default)]
    csrf: String,
}

async fn logout(State(state): State<AppState>, headers: HeaderMap, Form(f): Form<LogoutForm>) -> Response {
    if let Some(token) = cookie(&headers, SESSION_COOKIE) {
        if let Ok(Some((_, csrf))) = auth::session(&state.db, token, crate::store::now()).await
            && !auth::same_secret(&f.csrf, &csrf)
        {
            return page_error(StatusCode::FORBIDDEN, "Form expired", "Reload the page and log out again.");
        }
        if let Err(e) = auth::logout(&state.db, token).await {
            return super::error_page(&e);
        }
    }
    let mut res = Redirect::to("/login").into_response();
    res.headers_mut().append(header::SET_COOKIE, set_cookie(SESSION_COOKIE, "", 0, is_https(&headers)));
    res
}
