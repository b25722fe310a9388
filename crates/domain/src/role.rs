//! Roles and what each may do.

use crate::Invalid;
use serde::{Deserialize, Serialize};

/// A user's one role in their organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Manager,
    InsideRep,
    FieldRep,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Admin, Role::Manager, Role::InsideRep, Role::FieldRep];

    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Manager => "manager",
            Role::InsideRep => "inside_rep",
            Role::FieldRep => "field_rep",
        }
    }

    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Role::Admin => "Admin",
            Role::Manager => "Manager",
            Role::InsideRep => "Inside rep",
            Role::FieldRep => "Field rep",
        }
    }

    pub fn parse(input: &str) -> Result<Self, Invalid> {
        let norm = input.trim().to_lowercase().replace(['-', ' '], "_");
        Self::ALL.into_iter().find(|r| r.as_str() == norm).ok_or_else(|| {
            Invalid::new(format!("'{input}' is not a role; use admin, manager, inside_rep or field_rep"))
        })
    }

    /// May manage users and tokens of the organization.
    #[must_use]
    pub fn manages_users(self) -> bool {
        self == Role::Admin
    }

    /// May create leads.
    #[must_use]
    pub fn creates_leads(self) -> bool {
        self != Role::FieldRep
    }

    /// May edit a lead, given whether the user owns it.
    #[must_use]
    pub fn edits_lead(self, owns_it: bool) -> bool {
        self != Role::FieldRep || owns_it
    }

    /// May delete leads (an irreversible act kept to those who run the team).
    #[must_use]
    pub fn deletes_leads(self) -> bool {
        matches!(self, Role::Admin | Role::Manager)
    }

    /// May read the organization's audit log.
    #[must_use]
    pub fn reads_audit_log(self) -> bool {
        self == Role::Admin
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_names() {
        assert_eq!(Role::parse("inside_rep").unwrap(), Role::InsideRep);
        assert_eq!(Role::parse("Field Rep").unwrap(), Role::FieldRep);
        assert!(Role::parse("owner").is_err());
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()).unwrap(), r);
        }
    }

    #[test]
    fn permissions() {
        assert!(!Role::FieldRep.creates_leads());
        assert!(Role::FieldRep.edits_lead(true));
        assert!(!Role::FieldRep.edits_lead(false));
        assert!(Role::InsideRep.edits_lead(false));
        assert!(!Role::InsideRep.deletes_leads());
        assert!(Role::Admin.manages_users() && !Role::Manager.manages_users());
    }
}
