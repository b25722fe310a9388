//! Leadline's domain: the types and rules of inside sales, with no I/O.
//!
//! Values enter the system through the `parse` constructors here (parse, don't
//! validate); past this boundary the rest of the code trusts its types.

pub mod address;
pub mod calling;
pub mod country;
pub mod dedupe;
pub mod email;
pub mod lead;
pub mod mapping;
pub mod money;
pub mod password;
pub mod phone;
pub mod role;
pub mod search;
pub mod stage;
pub mod text;
pub mod timezone;

pub use calling::{CallingWindow, Disposition};
pub use country::Country;
pub use email::Email;
pub use lead::{LeadKind, LeadStatus};
pub use money::Money;
pub use password::Password;
pub use phone::{Phone, PhoneType, Region};
pub use role::Role;
pub use stage::Stage;

/// Why a value was refused, in words a user can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Invalid(pub String);

impl Invalid {
    pub fn new(reason: impl Into<String>) -> Self {
        Self(reason.into())
    }
}
