//! Contact forms: add, edit and delete the people at a lead.

use super::{CsrfForm, OrPage, PageResult, PageUser, error_page, path_id, redirect_with_flash, render};
use crate::{
    app::{
        self, AppError, FieldError,
        input::{ContactPatch, NewContact, PhoneInput, TypedPhone},
    },
    store::contacts::Contact,
    web::AppState,
};
use askama::Template;
use axum::{
    Form, Router,
    extract::{Path, State},
    http::StatusCode,
    response::Response,
    routing::{get, post},
};
use leadline_domain::PhoneType;
use serde::Deserialize;
use std::collections::HashMap;
use uuid::Uuid;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/leads/{id}/contacts/new", get(new_form))
        .route("/leads/{id}/contacts", post(create))
        .route("/contacts/{id}/edit", get(edit_form))
        .route("/contacts/{id}", post(update))
        .route("/contacts/{id}/delete", post(delete))
}

/// Up to three phones and two e-mails per contact on the form.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ContactForm {
    csrf: String,
    name: String,
    title: String,
    email_1: String,
    email_2: String,
    phone_1: String,
    phone_1_type: String,
    phone_2: String,
    phone_2_type: String,
    phone_3: String,
    phone_3_type: String,
    do_not_call: Option<String>,
    do_not_email: Option<String>,
}

pub struct PhoneRow {
    i: usize,
    number: String,
    kind: String,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "contact_form.html")]
struct ContactPage {
    shell: super::Shell,
    heading: String,
    lead_name: String,
    action: String,
    cancel: String,
    delete_action: Option<String>,
    text_fields: Vec<(&'static str, &'static str, String)>,
    phones: Vec<PhoneRow>,
    phone_types: Vec<&'static str>,
    do_not_call: bool,
    do_not_email: bool,
    errors: HashMap<String, String>,
}

impl ContactPage {
    fn err(&self, name: &str) -> Option<&str> {
        self.errors.get(name).map(String::as_str)
    }

    fn has_err(&self, name: &str) -> bool {
        self.errors.contains_key(name)
    }
}

impl ContactForm {
    fn from_contact(c: &Contact) -> Self {
        let phone = |i: usize| c.phones.get(i).map(|p| (p.written(), p.kind.as_str().to_owned())).unwrap_or_default();
        let (p1, t1) = phone(0);
        let (p2, t2) = phone(1);
        let (p3, t3) = phone(2);
        Self {
            csrf: String::new(),
            name: c.name.clone(),
            title: c.title.clone().unwrap_or_default(),
            email_1: c.emails.first().cloned().unwrap_or_default(),
            email_2: c.emails.get(1).cloned().unwrap_or_default(),
            phone_1: p1,
            phone_1_type: t1,
            phone_2: p2,
            phone_2_type: t2,
            phone_3: p3,
            phone_3_type: t3,
            do_not_call: c.do_not_call.then(|| "on".into()),
            do_not_email: c.do_not_email.then(|| "on".into()),
        }
    }

    /// The filled-in phones with the form position (1–3) of each.
    fn phones(&self) -> (Vec<PhoneInput>, Vec<usize>) {
        let mut inputs = Vec::new();
        let mut positions = Vec::new();
        for (i, (n, t)) in [
            (&self.phone_1, &self.phone_1_type),
            (&self.phone_2, &self.phone_2_type),
            (&self.phone_3, &self.phone_3_type),
        ]
        .into_iter()
        .enumerate()
        {
            if !n.trim().is_empty() {
                let kind = (!t.is_empty()).then(|| t.clone());
                inputs.push(PhoneInput::Typed(TypedPhone {
                    number: Some(n.clone()),
                    e164: None,
                    kind,
                    extension: None,
                }));
                positions.push(i + 1);
            }
        }
        (inputs, positions)
    }

    fn emails(&self) -> (Vec<String>, Vec<usize>) {
        let mut out = Vec::new();
        let mut positions = Vec::new();
        for (i, e) in [&self.email_1, &self.email_2].into_iter().enumerate() {
            if !e.trim().is_empty() {
                out.push(e.clone());
                positions.push(i + 1);
            }
        }
        (out, positions)
    }
}

/// Maps `phones[1]` and `emails[0]` back to the inputs they came from.
fn form_errors(errors: Vec<FieldError>, phone_pos: &[usize], email_pos: &[usize]) -> HashMap<String, String> {
    let index = |f: &str, prefix: &str| -> Option<usize> { f.strip_prefix(prefix)?.split(']').next()?.parse().ok() };
    let mut out = HashMap::new();
    for e in errors {
        let input = if let Some(i) = index(&e.field, "phones[") {
            format!("phone_{}", phone_pos.get(i).copied().unwrap_or(1))
        } else if let Some(i) = index(&e.field, "emails[") {
            format!("email_{}", email_pos.get(i).copied().unwrap_or(1))
        } else {
            e.field.clone()
        };
        out.entry(input).or_insert(e.message);
    }
    out
}

#[allow(clippy::too_many_arguments)]
fn page(
    user: &PageUser,
    lead_id: Uuid,
    lead_name: &str,
    contact: Option<Uuid>,
    form: ContactForm,
    errors: HashMap<String, String>,
) -> Response {
    let phones = [
        (1, &form.phone_1, &form.phone_1_type),
        (2, &form.phone_2, &form.phone_2_type),
        (3, &form.phone_3, &form.phone_3_type),
    ]
    .into_iter()
    .map(|(i, n, t)| PhoneRow {
        i,
        number: n.clone(),
        kind: t.clone(),
        error: errors.get(&format!("phone_{i}")).cloned(),
    })
    .collect();
    let p = ContactPage {
        shell: user.shell("leads", ""),
        heading: if contact.is_some() { "Edit contact".into() } else { "Add contact".into() },
        lead_name: lead_name.to_owned(),
        action: contact.map_or_else(|| format!("/leads/{lead_id}/contacts"), |c| format!("/contacts/{c}")),
        cancel: format!("/leads/{lead_id}"),
        delete_action: contact.map(|c| format!("/contacts/{c}/delete")),
        text_fields: vec![
            ("name", "Name", form.name.clone()),
            ("title", "Title", form.title.clone()),
            ("email_1", "E-mail", form.email_1.clone()),
            ("email_2", "Second e-mail", form.email_2.clone()),
        ],
        phones,
        phone_types: PhoneType::ALL.iter().map(|t| t.as_str()).collect(),
        do_not_call: form.do_not_call.is_some(),
        do_not_email: form.do_not_email.is_some(),
        errors,
    };
    let failed = !p.errors.is_empty();
    let mut res = render(&p, false);
    if failed && res.status().is_success() {
        *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    res
}

async fn new_form(State(state): State<AppState>, user: PageUser, Path(id): Path<String>) -> PageResult {
    let id = path_id(&id, "lead")?;
    Ok(match app::leads::get(&state.db, &user.actor, id).await {
        Ok(lead) => page(&user, lead.id, &lead.name, None, ContactForm::default(), HashMap::new()),
        Err(e) => error_page(&e),
    })
}

async fn create(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<String>,
    Form(form): Form<ContactForm>,
) -> PageResult {
    user.check_csrf(&form.csrf)?;
    let id = path_id(&id, "lead")?;
    let lead = app::leads::get(&state.db, &user.actor, id).await.or_page()?;
    let (phones, phone_pos) = form.phones();
    let (emails, email_pos) = form.emails();
    let input = NewContact {
        name: Some(form.name.clone()),
        title: Some(form.title.clone()),
        phones,
        emails,
        do_not_call: form.do_not_call.is_some(),
        do_not_email: form.do_not_email.is_some(),
    };
    Ok(match app::contacts::create(&state.db, &user.actor, id, input).await {
        Ok(_) => redirect_with_flash(&format!("/leads/{id}"), "Contact added."),
        Err(AppError::Validation(errors)) => {
            page(&user, id, &lead.name, None, form, form_errors(errors, &phone_pos, &email_pos))
        }
        Err(e) => error_page(&e),
    })
}

async fn edit_form(State(state): State<AppState>, user: PageUser, Path(id): Path<String>) -> PageResult {
    let id = path_id(&id, "contact")?;
    let contact = app::contacts::get(&state.db, &user.actor, id).await.or_page()?;
    Ok(match app::leads::get(&state.db, &user.actor, contact.lead_id).await {
        Ok(lead) => page(&user, lead.id, &lead.name, Some(id), ContactForm::from_contact(&contact), HashMap::new()),
        Err(e) => error_page(&e),
    })
}

async fn update(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<String>,
    Form(form): Form<ContactForm>,
) -> PageResult {
    user.check_csrf(&form.csrf)?;
    let id = path_id(&id, "contact")?;
    let contact = app::contacts::get(&state.db, &user.actor, id).await.or_page()?;
    let (phones, phone_pos) = form.phones();
    let (emails, email_pos) = form.emails();
    let patch = ContactPatch {
        name: Some(form.name.clone()),
        title: Some(Some(form.title.clone())),
        phones: Some(phones),
        emails: Some(emails),
        do_not_call: Some(form.do_not_call.is_some()),
        do_not_email: Some(form.do_not_email.is_some()),
    };
    Ok(match app::contacts::update(&state.db, &user.actor, id, patch).await {
        Ok(c) => redirect_with_flash(&format!("/leads/{}", c.lead_id), "Contact saved."),
        Err(AppError::Validation(errors)) => {
            let lead_name =
                app::leads::get(&state.db, &user.actor, contact.lead_id).await.map(|l| l.name).unwrap_or_default();
            page(&user, contact.lead_id, &lead_name, Some(id), form, form_errors(errors, &phone_pos, &email_pos))
        }
        Err(e) => error_page(&e),
    })
}

async fn delete(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<String>,
    Form(f): Form<CsrfForm>,
) -> PageResult {
    user.check_csrf(&f.csrf)?;
    let id = path_id(&id, "contact")?;
    let lead_id = app::contacts::get(&state.db, &user.actor, id).await.or_page()?.lead_id;
    Ok(match app::contacts::delete(&state.db, &user.actor, id).await {
        Ok(()) => redirect_with_flash(&format!("/leads/{lead_id}"), "Contact deleted."),
        Err(e) => error_page(&e),
    })
}
