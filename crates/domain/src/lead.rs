//! Lead kinds and statuses.

use crate::Invalid;
use serde::{Deserialize, Serialize};

/// A company (B2B) or a person / household (B2C).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LeadKind {
    Company,
    Person,
}

impl LeadKind {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            LeadKind::Company => "company",
            LeadKind::Person => "person",
        }
    }

    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            LeadKind::Company => "Company (B2B)",
            LeadKind::Person => "Person / household (B2C)",
        }
    }

    /// Accepts the stored names and the usual synonyms (`b2b`, `household`, ...).
    pub fn parse(input: &str) -> Result<Self, Invalid> {
        match input.trim().to_lowercase().as_str() {
            "company" | "b2b" | "business" | "organization" | "organisation" => Ok(LeadKind::Company),
            "person" | "b2c" | "household" | "individual" | "consumer" => Ok(LeadKind::Person),
            _ => Err(Invalid::new(format!("'{input}' is not a lead kind; use company or person"))),
        }
    }
}

/// Where a lead stands in the sales process.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LeadStatus {
    New,
    Attempting,
    Contacted,
    Qualified,
    Unqualified,
    Customer,
    Lost,
}

impl LeadStatus {
    pub const ALL: [LeadStatus; 7] = [
        LeadStatus::New,
        LeadStatus::Attempting,
        LeadStatus::Contacted,
        LeadStatus::Qualified,
        LeadStatus::Unqualified,
        LeadStatus::Customer,
        LeadStatus::Lost,
    ];

    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            LeadStatus::New => "new",
            LeadStatus::Attempting => "attempting",
            LeadStatus::Contacted => "contacted",
            LeadStatus::Qualified => "qualified",
            LeadStatus::Unqualified => "unqualified",
            LeadStatus::Customer => "customer",
            LeadStatus::Lost => "lost",
        }
    }

    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            LeadStatus::New => "New",
            LeadStatus::Attempting => "Attempting",
            LeadStatus::Contacted => "Contacted",
            LeadStatus::Qualified => "Qualified",
            LeadStatus::Unqualified => "Unqualified",
            LeadStatus::Customer => "Customer",
            LeadStatus::Lost => "Lost",
        }
    }

    pub fn parse(input: &str) -> Result<Self, Invalid> {
        let norm = input.trim().to_lowercase();
        Self::ALL.into_iter().find(|s| s.as_str() == norm).ok_or_else(|| {
            Invalid::new(format!(
                "'{input}' is not a status; use one of new, attempting, contacted, qualified, unqualified, customer, lost"
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        for s in LeadStatus::ALL {
            assert_eq!(LeadStatus::parse(s.as_str()).unwrap(), s);
        }
        assert_eq!(LeadKind::parse("Household").unwrap(), LeadKind::Person);
        assert!(LeadStatus::parse("won").is_err());
        assert!(LeadKind::parse("planet").is_err());
    }
}
