//! The web application: server-rendered pages with a session cookie and CSRF tokens.
#![expect(
    clippy::result_large_err,
    reason = "page helpers return a finished response as their error, built at most once per request"
)]

mod auth;
mod calling;
mod contacts;
pub(crate) mod format;
mod imports;
mod leads;
mod users;

use super::AppState;
use crate::app::{Actor, AppError, auth as app_auth};
use askama::Template;
use axum::{
    Router,
    extract::FromRequestParts,
    http::{HeaderMap, HeaderValue, StatusCode, header, request::Parts},
    response::{Html, IntoResponse, Redirect, Response},
    routing::get,
};

pub const SESSION_COOKIE: &str = "leadline_session";
const FLASH_COOKIE: &str = "leadline_flash";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(|| async { Redirect::to("/leads") }))
        .merge(auth::router())
        .merge(leads::router())
        .merge(contacts::router())
        .merge(users::router())
        .merge(imports::router())
        .merge(calling::router())
}

/// The logged-in user of a page request, with the session's CSRF token.
pub struct PageUser {
    pub actor: Actor,
    pub csrf: String,
    pub flash: Option<String>,
}

/// A cookie's value from the request headers.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// True when the request reached us over HTTPS (directly or through a proxy that says so).
pub fn is_https(headers: &HeaderMap) -> bool {
    let forwarded_proto =
        headers.get("x-forwarded-proto").and_then(|v| v.to_str().ok()).is_some_and(|v| v.eq_ignore_ascii_case("https"));
    let forwarded = headers
        .get(header::FORWARDED)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().contains("proto=https"));
    forwarded_proto || forwarded
}

/// A `Set-Cookie` value: always `HttpOnly` and `SameSite=Lax`, `Secure` over HTTPS.
#[must_use]
pub fn set_cookie(name: &str, value: &str, max_age_secs: i64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{secure}"))
        .unwrap_or_else(|_| HeaderValue::from_static(""))
}

impl FromRequestParts<AppState> for PageUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let login = || {
            let next = parts.uri.path_and_query().map_or("/leads", |p| p.as_str());
            Redirect::to(&format!("/login?next={}", super::urlencode(next))).into_response()
        };
        let Some(token) = cookie(&parts.headers, SESSION_COOKIE) else {
            return Err(login());
        };
        match app_auth::session(&state.db, token, crate::store::now()).await {
            Ok(Some((actor, csrf))) => {
                let flash = cookie(&parts.headers, FLASH_COOKIE).map(super::urldecode);
                Ok(PageUser { actor, csrf, flash })
            }
            Ok(None) => Err(login()),
            Err(e) => Err(error_page(&e)),
        }
    }
}

impl PageUser {
    /// Refuses a form whose CSRF token is not this session's.
    pub fn check_csrf(&self, submitted: &str) -> Result<(), Response> {
        if app_auth::same_secret(submitted, &self.csrf) {
            Ok(())
        } else {
            Err(page_error(
                StatusCode::FORBIDDEN,
                "Form expired",
                "This form was not sent from your current session (or it expired). Go back, reload the page and try again.",
            ))
        }
    }

    /// The navigation shell for a page.
    #[must_use]
    pub fn shell(&self, active: &'static str, q: &str) -> Shell {
        let role = self.actor.user.role;
        Shell {
            user_name: self.actor.user.name.clone(),
            role_label: role.label().to_owned(),
            org_name: self.actor.org.name.clone(),
            is_admin: role.manages_users(),
            can_create: role.creates_leads(),
            active,
            csrf: self.csrf.clone(),
            q: q.to_owned(),
            flash: self.flash.clone(),
        }
    }
}

/// What a page handler answers: the page, or (through `?`) an error page.
pub type PageResult = Result<Response, Response>;

/// Turns an application error into its error page, for `?` in page handlers.
pub trait OrPage<T> {
    fn or_page(self) -> Result<T, Response>;
}

impl<T> OrPage<T> for Result<T, AppError> {
    fn or_page(self) -> Result<T, Response> {
        self.map_err(|e| error_page(&e))
    }
}

/// A form that carries only its CSRF token (delete buttons).
#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct CsrfForm {
    pub csrf: String,
}

/// An id from the path; anything that is not an id cannot exist, so it is not found.
pub fn path_id(raw: &str, what: &'static str) -> Result<uuid::Uuid, Response> {
    uuid::Uuid::parse_str(raw).map_err(|_| error_page(&AppError::NotFound(what)))
}

/// What the layout shows around every page.
pub struct Shell {
    pub user_name: String,
    pub role_label: String,
    pub org_name: String,
    pub is_admin: bool,
    pub can_create: bool,
    pub active: &'static str,
    pub csrf: String,
    pub q: String,
    pub flash: Option<String>,
}

/// Renders a template; a page that showed a flash message clears it.
pub fn render(t: &impl Template, had_flash: bool) -> Response {
    match t.render() {
        Ok(html) => {
            let mut res = Html(html).into_response();
            if had_flash {
                res.headers_mut().append(header::SET_COOKIE, set_cookie(FLASH_COOKIE, "", 0, false));
            }
            res
        }
        Err(e) => {
            tracing::error!(error = %e, "rendering a page");
            page_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong",
                "The page could not be shown; the error has been logged.",
            )
        }
    }
}

/// A redirect that shows `message` on the next page.
pub fn redirect_with_flash(to: &str, message: &str) -> Response {
    let mut res = Redirect::to(to).into_response();
    res.headers_mut().append(header::SET_COOKIE, set_cookie(FLASH_COOKIE, &super::urlencode(message), 30, false));
    res
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    title: &'a str,
    detail: &'a str,
}

pub fn page_error(status: StatusCode, title: &str, detail: &str) -> Response {
    let html = ErrorPage { title, detail }.render().unwrap_or_else(|_| detail.to_owned());
    (status, Html(html)).into_response()
}

/// An application error as a page (validation errors are shown on their forms instead).
pub fn error_page(e: &AppError) -> Response {
    let (status, _, title) = super::error::status_of(e);
    let detail = match e {
        AppError::NotFound(what) => format!("There is no such {what}, or it is not in your organization."),
        AppError::Internal(err) => {
            tracing::error!(error = %format!("{err:#}"), "internal error on a page");
            "Something went wrong on our side; it has been logged.".to_owned()
        }
        other => other.to_string(),
    };
    page_error(status, title, &detail)
}
