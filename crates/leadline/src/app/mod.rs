//! What users can do, independent of how they ask: the API, the web pages and the
//! CLI all call these functions, so validation, permissions, organization scoping
//! and the audit log behave the same everywhere.

pub mod audit;
pub mod auth;
pub mod call_reports;
pub mod calls;
pub mod campaigns;
pub mod contacts;
pub mod cursor;
pub mod dialer;
pub mod error;
pub mod input;
pub mod leads;
pub mod notes;
pub mod orgs;
pub mod suppression;
pub mod telephony;
pub mod users;

pub use error::{AppError, FieldError};

use crate::store::{auth::User, orgs::Org};

/// The user on whose behalf something is done, with their organization.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user: User,
    pub org: Org,
}

impl Actor {
    #[must_use]
    pub fn org_id(&self) -> uuid::Uuid {
        self.org.id
    }
}
