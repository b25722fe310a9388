//! Opportunity stages, and how other CRMs' stage names map onto them.

use crate::Invalid;
use serde::{Deserialize, Serialize};

/// Where an opportunity stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    Qualification,
    Discovery,
    Proposal,
    Negotiation,
    Won,
    Lost,
}

impl Stage {
    pub const ALL: [Stage; 6] =
        [Stage::Qualification, Stage::Discovery, Stage::Proposal, Stage::Negotiation, Stage::Won, Stage::Lost];

    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Qualification => "qualification",
            Stage::Discovery => "discovery",
            Stage::Proposal => "proposal",
            Stage::Negotiation => "negotiation",
            Stage::Won => "won",
            Stage::Lost => "lost",
        }
    }

    /// Accepts the stored names only; other CRMs' names go through [`default_alias`]
    /// and the organization's own stage map.
    pub fn parse(input: &str) -> Result<Self, Invalid> {
        let key = alias_key(input);
        Stage::ALL.into_iter().find(|s| s.as_str() == key).ok_or_else(|| {
            Invalid::new(format!(
                "'{}' is not a stage; use qualification, discovery, proposal, negotiation, won or lost",
                input.trim()
            ))
        })
    }
}

/// A stage name of another CRM as a user gives it for the stage map: one line, at most
/// 100 characters.
pub fn alias_name(input: &str) -> Result<String, crate::Invalid> {
    let name = crate::text::required_line(input, 100)?;
    if alias_key(&name).is_empty() {
        return Err(crate::Invalid::new("a stage name needs a letter or a digit"));
    }
    Ok(name)
}

/// The comparable form of a stage name: lower-case letters and digits, single spaces.
#[must_use]
pub fn alias_key(name: &str) -> String {
    crate::search::terms(name).join(" ")
}

/// The stage names of HubSpot, Salesforce, Pipedrive, Zoho and Close, by their key.
const DEFAULT_ALIASES: &[(&str, Stage)] = &[
    ("prospecting", Stage::Qualification),
    ("qualification", Stage::Qualification),
    ("qualified", Stage::Qualification),
    ("qualified to buy", Stage::Qualification),
    ("lead in", Stage::Qualification),
    ("appointment scheduled", Stage::Qualification),
    ("new", Stage::Qualification),
    ("open", Stage::Qualification),
    ("active", Stage::Qualification),
    ("discovery", Stage::Discovery),
    ("needs analysis", Stage::Discovery),
    ("value proposition", Stage::Discovery),
    ("id decision makers", Stage::Discovery),
    ("perception analysis", Stage::Discovery),
    ("identify decision makers", Stage::Discovery),
    ("needs defined", Stage::Discovery),
    ("evaluation", Stage::Discovery),
    ("solution presentation", Stage::Discovery),
    ("presentation", Stage::Discovery),
    ("pilot", Stage::Discovery),
    ("trial", Stage::Discovery),
    ("contact made", Stage::Discovery),
    ("demo scheduled", Stage::Discovery),
    ("presentation scheduled", Stage::Discovery),
    ("decision maker bought in", Stage::Discovery),
    ("proposal", Stage::Proposal),
    ("proposal price quote", Stage::Proposal),
    ("proposal made", Stage::Proposal),
    ("quote", Stage::Proposal),
    ("proposal sent", Stage::Proposal),
    ("negotiation", Stage::Negotiation),
    ("negotiation review", Stage::Negotiation),
    ("negotiations started", Stage::Negotiation),
    ("contract sent", Stage::Negotiation),
    ("closing", Stage::Negotiation),
    ("verbal commitment", Stage::Negotiation),
    ("commit", Stage::Negotiation),
    ("contract signed", Stage::Won),
    ("closed won", Stage::Won),
    ("won", Stage::Won),
    ("closedwon", Stage::Won),
    ("closed lost", Stage::Lost),
    ("lost", Stage::Lost),
    ("closedlost", Stage::Lost),
    ("closed lost to competition", Stage::Lost),
    // German and Finnish names.
    ("qualifizierung", Stage::Qualification),
    ("neu", Stage::Qualification),
    ("bedarfsanalyse", Stage::Discovery),
    ("analyse", Stage::Discovery),
    ("angebot", Stage::Proposal),
    ("angebot erstellt", Stage::Proposal),
    ("angebot versendet", Stage::Proposal),
    ("verhandlung", Stage::Negotiation),
    ("gewonnen", Stage::Won),
    ("verloren", Stage::Lost),
    ("liidi", Stage::Qualification),
    ("kartoitus", Stage::Discovery),
    ("tarjous", Stage::Proposal),
    ("neuvottelu", Stage::Negotiation),
    ("voitettu", Stage::Won),
    ("havitty", Stage::Lost),
    // HubSpot's internal stage ids.
    ("appointmentscheduled", Stage::Qualification),
    ("qualifiedtobuy", Stage::Qualification),
    ("presentationscheduled", Stage::Discovery),
    ("decisionmakerboughtin", Stage::Discovery),
    ("contractsent", Stage::Negotiation),
];

/// The built-in mapping of a foreign stage name, if any.
#[must_use]
pub fn default_alias(name: &str) -> Option<Stage> {
    let key = alias_key(name);
    Stage::parse(&key).ok().or_else(|| DEFAULT_ALIASES.iter().find(|(k, _)| *k == key).map(|(_, s)| *s))
}

/// The built-in aliases, for showing and editing.
pub fn default_aliases() -> impl Iterator<Item = (&'static str, Stage)> {
    DEFAULT_ALIASES.iter().copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn other_crms_stage_names_map() {
        assert_eq!(default_alias("Closed Won"), Some(Stage::Won));
        assert_eq!(default_alias("Proposal/Price Quote"), Some(Stage::Proposal));
        assert_eq!(default_alias("appointmentscheduled"), Some(Stage::Qualification));
        assert_eq!(default_alias("Appointment scheduled"), Some(Stage::Qualification));
        assert_eq!(default_alias("negotiation"), Some(Stage::Negotiation));
        assert_eq!(default_alias("Identify Decision Makers"), Some(Stage::Discovery));
        assert_eq!(default_alias("Needs Defined"), Some(Stage::Discovery));
        assert_eq!(default_alias("Closed-Lost to Competition"), Some(Stage::Lost));
        assert_eq!(default_alias("Something else"), None);
        assert_eq!(default_alias("Gewonnen"), Some(Stage::Won));
        assert_eq!(default_alias("Angebot versendet"), Some(Stage::Proposal));
        assert_eq!(default_alias("Hävitty"), Some(Stage::Lost));
    }
}
