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

    /// Also accepts the status names of other CRMs (HubSpot, Salesforce, Zoho, Close,
    /// Pipedrive), compared without case or punctuation.
    pub fn parse_foreign(input: &str) -> Result<Self, Invalid> {
        if let Ok(s) = Self::parse(input) {
            return Ok(s);
        }
        let key = crate::search::terms(input).join(" ");
        // HubSpot writes its values in one word ("salesqualifiedlead", "IN_PROGRESS").
        let status = match key.as_str() {
            "open"
            | "assigned"
            | "open not contacted"
            | "not contacted"
            | "lead"
            | "subscriber"
            | "unassigned"
            | "fresh"
            | "prospect"
            | "raw"
            | "marketing qualified lead"
            | "marketingqualifiedlead"
            | "mql" => LeadStatus::New,
            "attempted to contact"
            | "attempted"
            | "attempting to contact"
            | "no answer"
            | "working"
            | "unresponsive"
            | "no response"
            | "left voicemail" => LeadStatus::Attempting,
            "working contacted" | "in progress" | "in process" | "connected" | "contact in future" | "contacted"
            | "engaged" | "nurture" | "nurturing" | "interested" | "follow up" => LeadStatus::Contacted,
            "open deal"
            | "converted"
            | "closed converted"
            | "pre qualified"
            | "sales qualified lead"
            | "salesqualifiedlead"
            | "sql"
            | "opportunity"
            | "potential"
            | "meeting booked"
            | "meeting scheduled"
            | "appointment set"
            | "demo scheduled"
            | "trial" => LeadStatus::Qualified,
            "bad timing"
            | "closed not converted"
            | "junk lead"
            | "junk"
            | "not qualified"
            | "disqualified"
            | "bad fit"
            | "not interested"
            | "do not contact"
            | "do not call"
            | "recycled" => LeadStatus::Unqualified,
            "won" | "closed won" | "client" | "active customer" | "evangelist" => LeadStatus::Customer,
            "lost lead" | "closed lost" | "dead" | "canceled" | "cancelled" | "churned" => LeadStatus::Lost,
            _ => return Self::parse(input),
        };
        Ok(status)
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
        assert_eq!(LeadStatus::parse_foreign("Working - Contacted").unwrap(), LeadStatus::Contacted);
        assert_eq!(LeadStatus::parse_foreign("ATTEMPTED_TO_CONTACT").unwrap(), LeadStatus::Attempting);
        assert_eq!(LeadStatus::parse_foreign("Closed Won").unwrap(), LeadStatus::Customer);
        assert_eq!(LeadStatus::parse_foreign("salesqualifiedlead").unwrap(), LeadStatus::Qualified);
        assert_eq!(LeadStatus::parse_foreign("Meeting booked").unwrap(), LeadStatus::Qualified);
        assert_eq!(LeadStatus::parse_foreign("Nurture").unwrap(), LeadStatus::Contacted);
        assert_eq!(LeadStatus::parse_foreign("Unresponsive").unwrap(), LeadStatus::Attempting);
        assert_eq!(LeadStatus::parse_foreign("Do not contact").unwrap(), LeadStatus::Unqualified);
        // SuiteCRM's and EspoCRM's statuses.
        for (name, status) in [
            ("Assigned", LeadStatus::New),
            ("In Process", LeadStatus::Contacted),
            ("Converted", LeadStatus::Qualified),
            ("Recycled", LeadStatus::Unqualified),
            ("Dead", LeadStatus::Lost),
        ] {
            assert_eq!(LeadStatus::parse_foreign(name).unwrap(), status, "{name}");
        }
        assert!(LeadStatus::parse_foreign("sleeping").is_err());
    }
}
