//! The OpenAPI 3.1 document, served at `/api/v1/openapi.json`.

use crate::{
    app::{FieldError, input, users},
    store::{activities, audit, auth, contacts, leads, orgs},
    web::error::Problem,
};
use axum::{Json, Router, routing::get};
use utoipa::{
    Modify, OpenApi,
    openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme},
};

#[derive(OpenApi)]
#[openapi(
    info(title = "Leadline API", description = "Inside-sales platform: leads, contacts, activities, users. \
        Authenticate with `Authorization: Bearer <token>` (create one with `leadline token create`). \
        Errors are RFC 9457 problem documents. POST accepts an `Idempotency-Key` header."),
    paths(
        super::leads::list, super::leads::create, super::leads::show, super::leads::update, super::leads::remove,
        super::contacts::list, super::contacts::create, super::contacts::create_for_lead, super::contacts::show, super::contacts::update, super::contacts::remove,
        super::notes::timeline, super::notes::create, super::notes::create_for_lead, super::notes::remove,
        super::users::list, super::users::me, super::users::show, super::users::create, super::users::update, super::users::my_settings, super::users::set_my_settings,
        super::orgs::me, super::orgs::settings, super::orgs::set_settings, super::audit::list, super::audit::for_lead,
        super::imports::create, super::imports::preview, super::imports::list, super::imports::show,
        super::imports::report_json, super::imports::report_csv, super::imports::errors_csv, super::imports::undo, super::imports::stop, super::imports::undo_by_delete, super::imports::export_leads,
        super::imports::stage_map, super::imports::set_stage_map, super::imports::products,
        super::imports::opportunities, super::imports::teams,
        super::calling::list_campaigns, super::calling::create_campaign, super::calling::show_campaign, super::calling::update_campaign,
        super::calling::campaign_stats, super::calling::start_session, super::calling::show_session, super::calling::end_session,
        super::calling::next, super::calling::list_calls, super::calling::dial, super::calling::log_call, super::calling::inbound,
        super::calling::show_call, super::calling::update_call, super::calling::dispose, super::calling::skip, super::calling::start_call,
        super::calling::telephony_event, super::calling::telephony_secret, super::calling::rotate_secret,
        super::calling::list_suppressions, super::calling::add_suppression, super::calling::show_suppression,
        super::calling::remove_suppression, super::calling::import_suppressions, super::calling::call_report, super::calling::my_tasks,
    ),
    components(schemas(
        leads::Lead, leads::Address, contacts::Contact, contacts::ContactPhone, activities::Activity,
        audit::AuditEntry, auth::User, orgs::Org, crate::app::orgs::OrgSettings, Problem, FieldError,
        input::NewLead, input::LeadPatch, input::NewContact, input::ContactPatch, input::PhoneInput,
        input::TypedPhone, input::AddressInput, input::NewNote, input::NewContactForLead, input::NewNoteForLead, users::NewUser, users::UserPatch, users::CallingSettings,
        super::leads::LeadPage, super::audit::AuditPage,
        crate::store::imports::Import, crate::store::imports::Counts, crate::store::imports::ReportRow,
        crate::import::undo::UndoReport, crate::import::service::Preview, crate::import::service::ColumnPreview,
        crate::import::service::RowPreview, crate::import::Issue, super::imports::ImportUpload, super::imports::StageMap,
        crate::store::sales::Product, crate::store::sales::Opportunity, crate::store::sales::Team, super::imports::ProductView,
        super::imports::OpportunityView,
        crate::app::campaigns::CampaignInput, crate::app::campaigns::CampaignView, crate::app::campaigns::HoursBody,
        crate::app::campaigns::RegionRuleBody, crate::store::campaigns::Session, crate::app::dialer::Offer,
        crate::app::dialer::Waiting, crate::store::calls::Call, crate::app::calls::DispositionInput, crate::app::calls::SkipInput,
        crate::app::calls::CallPatch, crate::app::calls::DialInput, crate::app::calls::LogInput, crate::app::calls::InboundInput,
        crate::app::calls::InboundResult, crate::app::telephony::EventInput, crate::app::telephony::EventResult,
        crate::store::suppressions::Suppression, crate::app::suppression::NewSuppression, crate::app::suppression::RegistryImport,
        crate::app::call_reports::RepDay, crate::app::call_reports::CampaignStats, crate::store::tasks::Task,
        super::calling::NewSession, super::calling::Dialing, super::calling::TelephonySecret,
    )),
    modifiers(&BearerAuth),
    tags(
        (name = "leads", description = "Companies and households being sold to"),
        (name = "contacts", description = "People at a lead"),
        (name = "activities", description = "Notes and the timeline"),
        (name = "users", description = "People of the organization"),
        (name = "organization", description = "The caller's organization"),
        (name = "audit", description = "Who changed what"),
        (name = "calling", description = "Campaigns, the dialer's call queue, calls and dispositions, inbound calls, phone-system events, the do-not-call list, call reports and tasks"),
        (name = "imports", description = "CSV imports and exports, with their reports and undo; imported products, opportunities and teams"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

pub fn router() -> Router<crate::web::AppState> {
    Router::new().route("/openapi.json", get(document))
}

/// The document as served.
#[must_use]
pub fn spec() -> serde_json::Value {
    let mut doc = ApiDoc::openapi();
    doc.info.version = env!("CARGO_PKG_VERSION").to_owned();
    doc.servers = Some(vec![utoipa::openapi::Server::new("/")]);
    serde_json::to_value(&doc).unwrap_or_default()
}

async fn document() -> Json<serde_json::Value> {
    Json(spec())
}
