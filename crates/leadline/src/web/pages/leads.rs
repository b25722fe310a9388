//! Lead pages: the list, a lead, and the forms to create and edit one.

use super::{CsrfForm, OrPage, PageResult, PageUser, error_page, format, path_id, redirect_with_flash, render};
use crate::{
    app::{
        self, Actor, AppError, FieldError,
        input::{AddressInput, LeadPatch, NewContact, NewLead, NewNote, PhoneInput},
        leads::ListParams,
    },
    store::{self, audit::AuditEntry, contacts::ContactPhone, leads::Lead},
    web::AppState,
};
use askama::Template;
use axum::{
    Form, Router,
    extract::{Path, RawQuery, State},
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
};
use leadline_domain::LeadStatus;
use serde::Deserialize;
use std::collections::HashMap;
use uuid::Uuid;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/leads", get(list).post(create))
        .route("/leads/new", get(new_form))
        .route("/leads/{id}", get(show).post(update))
        .route("/leads/{id}/edit", get(edit_form))
        .route("/leads/{id}/delete", post(delete))
        .route("/leads/{id}/notes", post(add_note))
        .route("/notes/{id}/delete", post(delete_note))
}

fn statuses() -> Vec<(&'static str, &'static str)> {
    LeadStatus::ALL.iter().map(|s| (s.as_str(), s.label())).collect()
}

async fn owners(state: &AppState, actor: &Actor) -> Vec<(String, String)> {
    app::users::list(&state.db, actor.org_id())
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|u| u.active)
        .map(|u| (u.id.to_string(), u.name))
        .collect()
}

pub struct Row {
    id: Uuid,
    name: String,
    place: String,
    status: &'static str,
    status_label: &'static str,
    contact: String,
    phone: String,
    local_time: String,
    zone_title: String,
    owner: String,
    tags: Vec<String>,
    created: String,
    created_title: String,
}

/// The filter bar's values, as typed.
#[derive(Default)]
pub struct Filters {
    q: String,
    status: String,
    owner: String,
    tag: String,
    country: String,
    created_from: String,
    created_to: String,
    sort: String,
}

#[derive(Template)]
#[template(path = "leads.html")]
struct ListPage {
    shell: super::Shell,
    heading: &'static str,
    count_label: String,
    f: Filters,
    statuses: Vec<(&'static str, &'static str)>,
    owners: Vec<(String, String)>,
    sorts: Vec<(&'static str, &'static str)>,
    errors: Vec<FieldError>,
    rows: Vec<Row>,
    filtered: bool,
    /// The CSV download of this view (all pages).
    export_href: String,
    next_href: Option<String>,
    /// Column header links: (label, href, current direction arrow).
    sort_links: Vec<(&'static str, String, &'static str)>,
}

async fn list(State(state): State<AppState>, user: PageUser, RawQuery(raw): RawQuery) -> PageResult {
    let params = ListParams::from_query(raw.as_deref()).unwrap_or_default();
    let val = |v: &Option<String>| v.clone().unwrap_or_default();
    let f = Filters {
        q: val(&params.q),
        status: val(&params.status),
        owner: val(&params.owner),
        tag: val(&params.tag),
        country: val(&params.country),
        created_from: val(&params.created_from),
        created_to: val(&params.created_to),
        sort: params.sort.clone().unwrap_or_else(|| "-created".into()),
    };
    let filtered =
        [&f.q, &f.status, &f.owner, &f.tag, &f.country, &f.created_from, &f.created_to].iter().any(|v| !v.is_empty());
    let heading = if f.owner == "me" { "My leads" } else { "Leads" };
    let mut page = ListPage {
        shell: user.shell(if f.owner == "me" { "mine" } else { "leads" }, &f.q),
        heading,
        count_label: String::new(),
        f,
        statuses: statuses(),
        owners: owners(&state, &user.actor).await,
        sorts: vec![
            ("-created", "Newest first"),
            ("created", "Oldest first"),
            ("-updated", "Recently updated"),
            ("name", "Name A–Z"),
            ("-name", "Name Z–A"),
        ],
        errors: Vec::new(),
        rows: Vec::new(),
        filtered,
        next_href: None,
        sort_links: Vec::new(),
        export_href: format!("/leads/export.csv?{}", params.to_query_string(None)),
    };
    let mut params = params;
    params.limit = Some(params.limit.unwrap_or(50));
    let current = page.f.sort.clone();
    page.sort_links = [("Lead", "name"), ("Created", "created")]
        .into_iter()
        .map(|(label, key)| {
            // Clicking the sorted column reverses it; another column starts in its natural order.
            let (next, arrow) = match current.as_str() {
                c if c == key => (format!("-{key}"), " ↑"),
                c if c.strip_prefix('-') == Some(key) => (key.to_owned(), " ↓"),
                _ if key == "name" => (key.to_owned(), ""),
                _ => (format!("-{key}"), ""),
            };
            let link = ListParams { sort: Some(next), order: None, cursor: None, ..params.clone() };
            (label, format!("/leads?{}", link.to_query_string(None)), arrow)
        })
        .collect();
    let query = match app::leads::parse_query(&user.actor, &params) {
        Ok(q) => q,
        Err(AppError::Validation(errors)) => {
            page.errors = errors;
            page.count_label = "Fix the filters to see leads".into();
            return Ok(render(&page, user.flash.is_some()));
        }
        Err(e) => return Err(error_page(&e)),
    };
    let (listed, counted) =
        tokio::join!(app::leads::list(&state.db, &query), app::leads::count(&state.db, &query, 1001));
    let listed = listed.or_page()?;
    page.count_label = match counted {
        Ok(n) if n > 1000 => "1,000+ leads".into(),
        Ok(1) => "1 lead".into(),
        Ok(n) => format!("{n} leads"),
        Err(_) => String::new(),
    };
    if let Some(after) = &listed.next {
        let cursor = app::leads::encode_cursor(query.sort, after);
        page.next_href = Some(format!("/leads?{}", params.to_query_string(Some(&cursor))));
    }
    let now = store::now();
    let zone = &user.actor.org.time_zone;
    page.rows = listed.items.into_iter().map(|l| row(l, now, zone)).collect();
    Ok(render(&page, user.flash.is_some()))
}

fn row(l: Lead, now: chrono::DateTime<chrono::Utc>, zone: &str) -> Row {
    let first = l.contacts.first();
    let phone = l.contacts.iter().flat_map(|c| c.phones.first()).next();
    Row {
        id: l.id,
        place: [l.address.city.as_deref(), l.address.country.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(", "),
        status: l.status.as_str(),
        status_label: l.status.label(),
        contact: first.map(|c| c.name.clone()).unwrap_or_default(),
        phone: phone.map(ContactPhone::display).unwrap_or_default(),
        local_time: format::their_time(&l.time_zones, now).replace(" their time", ""),
        zone_title: l.time_zones.join(", "),
        owner: l.owner_name.clone().unwrap_or_else(|| "—".into()),
        tags: l.tags.clone(),
        created: format::org_date(l.created_at, zone),
        created_title: format::org_time(l.created_at, zone),
        name: l.name,
    }
}

pub struct ContactView {
    id: Uuid,
    name: String,
    title: Option<String>,
    phones: Vec<PhoneView>,
    emails: Vec<String>,
    do_not_call: bool,
    do_not_email: bool,
}

pub struct PhoneView {
    e164: String,
    display: String,
    kind: &'static str,
    local: String,
}

pub struct EventView {
    id: Uuid,
    deletable: bool,
    kind: String,
    who: String,
    when: String,
    iso: String,
    body: String,
}

pub struct AuditView {
    pub who: String,
    pub action: String,
    pub entity: String,
    pub when: String,
    pub iso: String,
    pub changes: Vec<(String, String, String)>,
    pub lead_link: Option<String>,
}

impl AuditView {
    /// `names` turns user ids (owners) into names.
    pub fn new(e: &AuditEntry, zone: &str, names: &HashMap<String, String>) -> Self {
        let show = |k: &str, v: &serde_json::Value| {
            let text = format::value_text(v);
            if k == "owner_id" { names.get(&text).cloned().unwrap_or(text) } else { text }
        };
        let changes = e
            .changes
            .as_object()
            .map(|m| {
                m.iter()
                    .map(|(k, v)| {
                        (k.trim_end_matches("_id").replace('_', " "), show(k, &v["before"]), show(k, &v["after"]))
                    })
                    .collect()
            })
            .unwrap_or_default();
        let action = match e.action.as_str() {
            "create" => "created",
            "update" => "changed",
            "delete" => "deleted",
            other => other,
        };
        Self {
            who: e.actor_name.clone(),
            action: action.to_owned(),
            entity: format!("the {}", e.entity_type.replace('_', " ")),
            when: format::org_time(e.at, zone),
            iso: e.at.to_rfc3339(),
            changes,
            lead_link: e.lead_id.map(|id| format!("/leads/{id}")),
        }
    }
}

#[derive(Template)]
#[template(path = "lead.html")]
struct LeadPage {
    shell: super::Shell,
    lead: Lead,
    status: &'static str,
    status_label: &'static str,
    kind_label: &'static str,
    owner: String,
    source: String,
    address: String,
    zones: String,
    local_time: String,
    created: String,
    updated: String,
    custom: Vec<(String, String)>,
    contacts: Vec<ContactView>,
    timeline: Vec<EventView>,
    audit: Vec<AuditView>,
    can_edit: bool,
    can_delete: bool,
    note_body: String,
    note_error: Option<String>,
}

async fn lead_page(
    state: &AppState,
    user: &PageUser,
    id: Uuid,
    note_body: String,
    note_error: Option<String>,
) -> PageResult {
    let actor = &user.actor;
    let lead = app::leads::get(&state.db, actor, id).await.or_page()?;
    let timeline = app::notes::timeline(&state.db, actor, id, 200).await.unwrap_or_default();
    let audit = async {
        let mut tx = state.db.read().await?;
        let a = store::audit::for_lead(&mut tx, actor.org_id(), id, 100).await?;
        tx.commit().await?;
        Ok::<_, anyhow::Error>(a)
    }
    .await
    .unwrap_or_default();
    let zone = &actor.org.time_zone;
    let now = store::now();
    let role = actor.user.role;
    let contacts = lead
        .contacts
        .iter()
        .map(|c| ContactView {
            id: c.id,
            name: c.name.clone(),
            title: c.title.clone(),
            phones: c
                .phones
                .iter()
                .map(|p| {
                    let zones = leadline_domain::timezone::zones_for_phone(&p.e164);
                    PhoneView {
                        e164: p.e164.clone(),
                        display: p.display(),
                        kind: p.kind.as_str(),
                        local: format::their_time(&zones, now),
                    }
                })
                .collect(),
            emails: c.emails.clone(),
            do_not_call: c.do_not_call,
            do_not_email: c.do_not_email,
        })
        .collect();
    let a = &lead.address;
    let page = LeadPage {
        shell: user.shell("leads", ""),
        status: lead.status.as_str(),
        status_label: lead.status.label(),
        kind_label: lead.kind.label(),
        owner: lead.owner_name.clone().unwrap_or_else(|| "Unassigned".into()),
        source: lead.source.clone().unwrap_or_else(|| "—".into()),
        address: {
            let parts: Vec<&str> = [
                a.street.as_deref(),
                a.postcode.as_deref(),
                a.city.as_deref(),
                a.region.as_deref(),
                a.country.as_deref(),
            ]
            .into_iter()
            .flatten()
            .collect();
            if parts.is_empty() { "—".into() } else { parts.join(", ") }
        },
        zones: if lead.time_zones.is_empty() { "Unknown".into() } else { lead.time_zones.join(", ") },
        local_time: {
            let t = format::their_time(&lead.time_zones, now);
            if t.is_empty() { "—".into() } else { t }
        },
        created: format::org_time(lead.created_at, zone),
        updated: format::org_time(lead.updated_at, zone),
        custom: lead.custom_fields.iter().map(|(k, v)| (k.clone(), format::value_text(v))).collect(),
        contacts,
        timeline: timeline
            .iter()
            .map(|t| EventView {
                id: t.id,
                deletable: t.kind == "note" && (t.user_id == Some(actor.user.id) || role.deletes_leads()),
                kind: t.kind.replace('_', " "),
                who: t.user_name.clone().unwrap_or_else(|| "—".into()),
                when: format::org_time(t.occurred_at, zone),
                iso: t.occurred_at.to_rfc3339(),
                body: t.body.clone(),
            })
            .collect(),
        audit: {
            let names: HashMap<String, String> = owners(state, actor).await.into_iter().collect();
            audit.iter().map(|e| AuditView::new(e, zone, &names)).collect()
        },
        can_edit: role.edits_lead(lead.owner_id == Some(actor.user.id)),
        can_delete: role.deletes_leads(),
        note_body,
        note_error,
        lead,
    };
    Ok(render(&page, user.flash.is_some()))
}

async fn show(State(state): State<AppState>, user: PageUser, Path(id): Path<String>) -> PageResult {
    lead_page(&state, &user, path_id(&id, "lead")?, String::new(), None).await
}

/// The lead form's fields, as typed (kept when the form comes back with errors).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct LeadForm {
    csrf: String,
    name: String,
    kind: String,
    status: String,
    owner_id: String,
    source: String,
    website: String,
    tags: String,
    description: String,
    street: String,
    city: String,
    region: String,
    postcode: String,
    country: String,
    time_zone: String,
    contact_name: String,
    contact_title: String,
    contact_phone: String,
    contact_email: String,
}

#[derive(Template)]
#[template(path = "lead_form.html")]
struct LeadFormPage {
    shell: super::Shell,
    heading: String,
    action: String,
    submit: &'static str,
    cancel: String,
    form: LeadForm,
    statuses: Vec<(&'static str, &'static str)>,
    owners: Vec<(String, String)>,
    with_contact: bool,
    errors: HashMap<String, String>,
    other_errors: Vec<(String, String)>,
}

impl LeadFormPage {
    fn err(&self, name: &str) -> Option<&str> {
        self.errors.get(name).map(String::as_str)
    }

    fn has_err(&self, name: &str) -> bool {
        self.errors.contains_key(name)
    }

    fn value(&self, name: &str) -> &str {
        let f = &self.form;
        match name {
            "name" => &f.name,
            "source" => &f.source,
            "website" => &f.website,
            "tags" => &f.tags,
            "street" => &f.street,
            "city" => &f.city,
            "region" => &f.region,
            "postcode" => &f.postcode,
            "country" => &f.country,
            "time_zone" => &f.time_zone,
            "contact_name" => &f.contact_name,
            "contact_title" => &f.contact_title,
            "contact_phone" => &f.contact_phone,
            "contact_email" => &f.contact_email,
            _ => "",
        }
    }
}

/// Maps API field paths to the form's inputs; what has no input is listed at the top.
fn form_errors(errors: Vec<FieldError>) -> (HashMap<String, String>, Vec<(String, String)>) {
    let mut by_input = HashMap::new();
    let mut other = Vec::new();
    for e in errors {
        let input = match e.field.as_str() {
            f if f.starts_with("contacts[0].phones") => "contact_phone".to_owned(),
            f if f.starts_with("contacts[0].emails") => "contact_email".to_owned(),
            "contacts[0].name" => "contact_name".to_owned(),
            "contacts[0].title" => "contact_title".to_owned(),
            f if f.starts_with("time_zone") => "time_zone".to_owned(),
            f if f.starts_with("address.") => f.trim_start_matches("address.").to_owned(),
            f => f.to_owned(),
        };
        if LeadForm::INPUTS.contains(&input.as_str()) {
            by_input.entry(input).or_insert(e.message);
        } else {
            other.push((e.field, e.message));
        }
    }
    (by_input, other)
}

impl LeadForm {
    const INPUTS: [&'static str; 18] = [
        "name",
        "kind",
        "status",
        "owner_id",
        "source",
        "website",
        "tags",
        "description",
        "street",
        "city",
        "region",
        "postcode",
        "country",
        "time_zone",
        "contact_name",
        "contact_title",
        "contact_phone",
        "contact_email",
    ];

    fn from_lead(l: &Lead) -> Self {
        let a = &l.address;
        let s = |v: &Option<String>| v.clone().unwrap_or_default();
        Self {
            csrf: String::new(),
            name: l.name.clone(),
            kind: l.kind.as_str().into(),
            status: l.status.as_str().into(),
            owner_id: l.owner_id.map(|o| o.to_string()).unwrap_or_default(),
            source: s(&l.source),
            website: s(&l.website),
            tags: l.tags.join(", "),
            description: s(&l.description),
            street: s(&a.street),
            city: s(&a.city),
            region: s(&a.region),
            postcode: s(&a.postcode),
            country: s(&a.country),
            time_zone: if l.time_zone_manual { l.time_zones.join(", ") } else { String::new() },
            ..Self::default()
        }
    }

    fn tag_list(&self) -> Vec<String> {
        self.tags.split(',').map(str::trim).filter(|t| !t.is_empty()).map(str::to_owned).collect()
    }

    fn opt(v: &str) -> Option<String> {
        let t = v.trim();
        (!t.is_empty()).then(|| t.to_owned())
    }
}

async fn form_page(
    state: &AppState,
    user: &PageUser,
    lead: Option<&Lead>,
    form: LeadForm,
    errors: Vec<FieldError>,
) -> Response {
    let (errors, other_errors) = form_errors(errors);
    let page = LeadFormPage {
        shell: user.shell(if lead.is_some() { "leads" } else { "new" }, ""),
        heading: lead.map_or_else(|| "New lead".to_owned(), |l| format!("Edit {}", l.name)),
        action: lead.map_or_else(|| "/leads".to_owned(), |l| format!("/leads/{}", l.id)),
        submit: if lead.is_some() { "Save changes" } else { "Create lead" },
        cancel: lead.map_or_else(|| "/leads".to_owned(), |l| format!("/leads/{}", l.id)),
        form,
        statuses: statuses(),
        owners: owners(state, &user.actor).await,
        with_contact: lead.is_none(),
        errors,
        other_errors,
    };
    let status = if page.errors.is_empty() && page.other_errors.is_empty() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    let mut res = render(&page, false);
    if res.status().is_success() {
        *res.status_mut() = status;
    }
    res
}

async fn new_form(State(state): State<AppState>, user: PageUser) -> PageResult {
    if !user.actor.user.role.creates_leads() {
        return Err(error_page(&AppError::Forbidden("field reps cannot create leads".into())));
    }
    let form = LeadForm {
        status: "new".into(),
        kind: "company".into(),
        owner_id: user.actor.user.id.to_string(),
        ..LeadForm::default()
    };
    Ok(form_page(&state, &user, None, form, Vec::new()).await)
}

async fn create(State(state): State<AppState>, user: PageUser, Form(form): Form<LeadForm>) -> PageResult {
    user.check_csrf(&form.csrf)?;
    let mut owner_error = None;
    let owner_id = match form.owner_id.trim() {
        "" => None,
        raw => Uuid::parse_str(raw).map_err(|_| owner_error = Some(FieldError::new("owner_id", "is not a user"))).ok(),
    };
    let contact = if [&form.contact_name, &form.contact_title, &form.contact_phone, &form.contact_email]
        .iter()
        .any(|v| !v.trim().is_empty())
    {
        vec![NewContact {
            name: Some(form.contact_name.clone()),
            title: LeadForm::opt(&form.contact_title),
            phones: LeadForm::opt(&form.contact_phone).map(PhoneInput::Text).into_iter().collect(),
            emails: LeadForm::opt(&form.contact_email).into_iter().collect(),
            ..NewContact::default()
        }]
    } else {
        Vec::new()
    };
    let input = NewLead {
        name: Some(form.name.clone()),
        kind: LeadForm::opt(&form.kind),
        status: LeadForm::opt(&form.status),
        owner_id,
        source: LeadForm::opt(&form.source),
        website: LeadForm::opt(&form.website),
        description: LeadForm::opt(&form.description),
        address: Some(AddressInput {
            street: LeadForm::opt(&form.street),
            city: LeadForm::opt(&form.city),
            region: LeadForm::opt(&form.region),
            postcode: LeadForm::opt(&form.postcode),
            country: LeadForm::opt(&form.country),
        }),
        time_zone: LeadForm::opt(&form.time_zone),
        tags: form.tag_list(),
        contacts: contact,
        ..NewLead::default()
    };
    if let Some(e) = owner_error {
        return Ok(form_page(&state, &user, None, form, vec![e]).await);
    }
    Ok(match app::leads::create(&state.db, &user.actor, input).await {
        Ok(lead) => redirect_with_flash(&format!("/leads/{}", lead.id), "Lead created."),
        Err(AppError::Validation(errors)) => form_page(&state, &user, None, form, errors).await,
        Err(e) => error_page(&e),
    })
}

async fn edit_form(State(state): State<AppState>, user: PageUser, Path(id): Path<String>) -> PageResult {
    let id = path_id(&id, "lead")?;
    Ok(match app::leads::get(&state.db, &user.actor, id).await {
        Ok(lead) if !user.actor.user.role.edits_lead(lead.owner_id == Some(user.actor.user.id)) => {
            error_page(&AppError::Forbidden("field reps can only change leads they own".into()))
        }
        Ok(lead) => form_page(&state, &user, Some(&lead), LeadForm::from_lead(&lead), Vec::new()).await,
        Err(e) => error_page(&e),
    })
}

async fn update(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<String>,
    Form(form): Form<LeadForm>,
) -> PageResult {
    user.check_csrf(&form.csrf)?;
    let id = path_id(&id, "lead")?;
    let lead = app::leads::get(&state.db, &user.actor, id).await.or_page()?;
    let owner_id = match form.owner_id.trim() {
        "" => None,
        raw => match Uuid::parse_str(raw) {
            Ok(u) => Some(u),
            Err(_) => {
                return Ok(form_page(
                    &state,
                    &user,
                    Some(&lead),
                    form,
                    vec![FieldError::new("owner_id", "is not a user")],
                )
                .await);
            }
        },
    };
    let clearable = |v: &str| Some(LeadForm::opt(v));
    let patch = LeadPatch {
        name: Some(form.name.clone()),
        kind: LeadForm::opt(&form.kind),
        status: LeadForm::opt(&form.status),
        owner_id: (owner_id != lead.owner_id).then_some(owner_id),
        source: clearable(&form.source),
        website: clearable(&form.website),
        description: clearable(&form.description),
        street: clearable(&form.street),
        city: clearable(&form.city),
        region: clearable(&form.region),
        postcode: clearable(&form.postcode),
        country: clearable(&form.country),
        time_zones: Some(
            LeadForm::opt(&form.time_zone)
                .map(|z| z.split(',').map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect()),
        ),
        tags: Some(form.tag_list()),
        ..LeadPatch::default()
    };
    Ok(match app::leads::update(&state.db, &user.actor, id, patch).await {
        Ok(l) => redirect_with_flash(&format!("/leads/{}", l.id), "Changes saved."),
        Err(AppError::Validation(errors)) => form_page(&state, &user, Some(&lead), form, errors).await,
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
    let id = path_id(&id, "lead")?;
    Ok(match app::leads::delete(&state.db, &user.actor, id).await {
        Ok(()) => redirect_with_flash("/leads", "Lead deleted."),
        Err(e) => error_page(&e),
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NoteForm {
    csrf: String,
    body: String,
}

async fn add_note(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<String>,
    Form(f): Form<NoteForm>,
) -> PageResult {
    user.check_csrf(&f.csrf)?;
    let id = path_id(&id, "lead")?;
    Ok(match app::notes::create(&state.db, &user.actor, id, NewNote { body: Some(f.body.clone()) }).await {
        Ok(_) => Redirect::to(&format!("/leads/{id}#timeline-h")).into_response(),
        Err(AppError::Validation(errors)) => {
            let msg = errors.into_iter().next().map(|e| e.message);
            let mut res = lead_page(&state, &user, id, f.body, msg).await?;
            *res.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            res
        }
        Err(e) => error_page(&e),
    })
}

async fn delete_note(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<String>,
    Form(f): Form<CsrfForm>,
) -> PageResult {
    user.check_csrf(&f.csrf)?;
    let id = path_id(&id, "note")?;
    let lead = async {
        let mut tx = state.db.read().await?;
        let a = store::activities::get(&mut tx, user.actor.org_id(), id).await?;
        tx.commit().await?;
        Ok::<_, anyhow::Error>(a.map(|a| a.lead_id))
    }
    .await;
    Ok(match (lead, app::notes::delete(&state.db, &user.actor, id).await) {
        (Ok(Some(lead_id)), Ok(())) => redirect_with_flash(&format!("/leads/{lead_id}#timeline-h"), "Note deleted."),
        (_, Err(e)) => error_page(&e),
        (Err(e), _) => error_page(&e.into()),
        (Ok(None), Ok(())) => redirect_with_flash("/leads", "Note deleted."),
    })
}
