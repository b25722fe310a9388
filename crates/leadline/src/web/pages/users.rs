//! The users page and the audit log page (admins).

use super::{OrPage, PageResult, PageUser, error_page, leads::AuditView, redirect_with_flash, render};
use crate::{
    app::{
        self, AppError,
        users::{NewUser, UserPatch},
    },
    store::{self, auth::User},
    web::AppState,
};
use askama::Template;
use axum::{
    Form, Router,
    extract::{Path, Query, State},
    http::StatusCode,
    response::Response,
    routing::{get, post},
};
use chrono::{DateTime, Utc};
use leadline_domain::Role;
use serde::Deserialize;
use std::collections::HashMap;
use uuid::Uuid;

pub fn router() -> Router<AppState> {
    Router::new().route("/users", get(list).post(create)).route("/users/{id}", post(update)).route("/audit", get(audit))
}

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    shell: super::Shell,
    users: Vec<User>,
    roles: Vec<(&'static str, &'static str)>,
    fields: Vec<(&'static str, &'static str, &'static str, String)>,
    new_role: String,
    errors: HashMap<String, String>,
}

impl UsersPage {
    fn err(&self, name: &str) -> Option<&str> {
        self.errors.get(name).map(String::as_str)
    }

    fn has_err(&self, name: &str) -> bool {
        self.errors.contains_key(name)
    }
}

fn require_admin(user: &PageUser) -> Result<(), Response> {
    if user.actor.user.role.manages_users() {
        Ok(())
    } else {
        Err(error_page(&AppError::Forbidden("Only admins can manage users.".into())))
    }
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct NewUserForm {
    csrf: String,
    name: String,
    email: String,
    role: String,
    password: String,
}

async fn users_page(
    state: &AppState,
    user: &PageUser,
    form: NewUserForm,
    errors: HashMap<String, String>,
) -> PageResult {
    let users = app::users::list(&state.db, user.actor.org_id()).await.or_page()?;
    let failed = !errors.is_empty();
    let page = UsersPage {
        shell: user.shell("users", ""),
        users,
        roles: Role::ALL.iter().map(|r| (r.as_str(), r.label())).collect(),
        fields: vec![
            ("name", "Name", "text", form.name),
            ("email", "E-mail", "email", form.email),
            ("password", "Password (at least 10 characters)", "password", String::new()),
        ],
        new_role: if form.role.is_empty() { "inside_rep".into() } else { form.role },
        errors,
    };
    let mut res = render(&page, user.flash.is_some());
    if failed && res.status().is_success() {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(res)
}

async fn list(State(state): State<AppState>, user: PageUser) -> PageResult {
    require_admin(&user)?;
    users_page(&state, &user, NewUserForm::default(), HashMap::new()).await
}

async fn create(State(state): State<AppState>, user: PageUser, Form(form): Form<NewUserForm>) -> PageResult {
    user.check_csrf(&form.csrf).and_then(|()| require_admin(&user))?;
    let input = NewUser {
        email: Some(form.email.clone()),
        name: Some(form.name.clone()),
        role: Some(form.role.clone()),
        password: Some(form.password.clone()),
    };
    Ok(match app::users::create_by_admin(&state.db, &user.actor, &input).await {
        Ok(u) => redirect_with_flash("/users", &format!("Added {}.", u.name)),
        Err(AppError::Validation(errors)) => {
            let errors = errors.into_iter().map(|e| (e.field, e.message)).collect();
            users_page(&state, &user, form, errors).await?
        }
        Err(AppError::Conflict { field, message }) => {
            let errors = HashMap::from([(field.unwrap_or_else(|| "email".into()), message)]);
            users_page(&state, &user, form, errors).await?
        }
        Err(e) => error_page(&e),
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct UpdateForm {
    csrf: String,
    role: String,
    active: Option<String>,
    /// A new password; blank leaves it (imported users have none until one is set).
    password: String,
}

async fn update(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<String>,
    Form(form): Form<UpdateForm>,
) -> PageResult {
    user.check_csrf(&form.csrf).and_then(|()| require_admin(&user))?;
    let id = super::path_id(&id, "user")?;
    let password = Some(form.password).filter(|p| !p.is_empty());
    let patch =
        UserPatch { role: Some(form.role), active: Some(form.active.is_some()), password, ..UserPatch::default() };
    Ok(match app::users::update(&state.db, &user.actor, id, &patch).await {
        Ok(u) => redirect_with_flash("/users", &format!("Saved {}.", u.name)),
        Err(AppError::Validation(errors)) => {
            let msg = errors.into_iter().map(|e| e.message).collect::<Vec<_>>().join("; ");
            redirect_with_flash("/users", &format!("Not saved: {msg}"))
        }
        Err(e) => error_page(&e),
    })
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    shell: super::Shell,
    zone: String,
    entries: Vec<AuditView>,
    next_href: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AuditQuery {
    before: String,
}

async fn audit(State(state): State<AppState>, user: PageUser, Query(q): Query<AuditQuery>) -> PageResult {
    if !user.actor.user.role.reads_audit_log() {
        return Err(error_page(&AppError::Forbidden("Only admins can read the audit log.".into())));
    }
    let before = q.before.split_once('_').and_then(|(at, id)| {
        let at = DateTime::parse_from_rfc3339(at).ok()?.with_timezone(&Utc);
        Some((at, Uuid::parse_str(id).ok()?))
    });
    let limit = 100;
    let entries = async {
        let mut tx = state.db.read().await?;
        let e = store::audit::for_org(&mut tx, user.actor.org_id(), before, None, limit + 1).await?;
        tx.commit().await?;
        Ok::<_, anyhow::Error>(e)
    }
    .await;
    let mut entries = entries.map_err(AppError::from).or_page()?;
    let next_href = if entries.len() > usize::try_from(limit).unwrap_or(100) {
        entries.truncate(usize::try_from(limit).unwrap_or(100));
        entries.last().map(|e| format!("/audit?before={}_{}", crate::web::urlencode(&e.at.to_rfc3339()), e.id))
    } else {
        None
    };
    let zone = user.actor.org.time_zone.clone();
    let page = AuditPage {
        shell: user.shell("audit", ""),
        entries: {
            let users = app::users::list(&state.db, user.actor.org_id()).await.unwrap_or_default();
            let names: HashMap<String, String> = users.into_iter().map(|u| (u.id.to_string(), u.name)).collect();
            entries.iter().map(|e| AuditView::new(e, &zone, &names)).collect()
        },
        zone,
        next_href,
    };
    Ok(render(&page, user.flash.is_some()))
}
