//! Importing a sales database from CSV: leads with contacts, products,
//! opportunities, users and teams — with column mapping, normalization,
//! de-duplication, an error report, resumption after a crash, and undo.
//!
//! One engine serves the CLI, the API and the web page. A file is read once to
//! hash and sniff it, then streamed: a reader thread parses and normalizes rows
//! into batches while the writer de-duplicates each batch and stores it in one
//! transaction together with the import's progress, so a crash leaves whole
//! batches only and a re-run resumes after the last one.

pub mod columns;
pub mod command;
pub mod engine;
pub mod export;
pub mod generate;
pub mod leads;
pub mod merge;
pub mod opportunities;
pub mod others;
pub mod products;
pub mod report;
pub mod service;
pub mod source;
pub mod undo;
pub mod users;

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;

pub use engine::{Progress, Summary, run_file};
pub use source::FileError;

/// What to do with a row that matches an existing lead (or an earlier row).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OnDuplicate {
    /// Leave the existing lead alone; report the row.
    #[default]
    Skip,
    /// Overwrite the existing lead's fields with the row's non-empty values.
    Update,
    /// Fill the existing lead's empty fields and add new contacts, phones and e-mails.
    Merge,
}

impl OnDuplicate {
    pub fn parse(input: &str) -> Result<Self, String> {
        match input.trim().to_lowercase().as_str() {
            "skip" => Ok(Self::Skip),
            "update" => Ok(Self::Update),
            "merge" => Ok(Self::Merge),
            other => Err(format!("'{other}' is not a duplicate rule; use skip, update or merge")),
        }
    }
}

/// What happens to columns no field claims.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Unmapped {
    /// Keep them as custom fields on the lead, named after the header.
    #[default]
    Custom,
    Ignore,
}

impl Unmapped {
    pub fn parse(input: &str) -> Result<Self, String> {
        match input.trim().to_lowercase().as_str() {
            "custom" | "keep" | "" => Ok(Self::Custom),
            "ignore" | "drop" => Ok(Self::Ignore),
            other => Err(format!("'{other}' is not a choice; use custom or ignore")),
        }
    }
}

/// How a file is imported. Stored with the import.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct ImportOptions {
    pub on_duplicate: OnDuplicate,
    /// Region for phone numbers written without a country code (default: the
    /// organization's region; a row's country column wins).
    pub default_region: Option<String>,
    /// Encoding label (`utf-8`, `utf-16le`, `windows-1252`, `latin1`, ...); detected when absent.
    pub encoding: Option<String>,
    /// `,` `;` `tab` or `|`; sniffed when absent.
    pub delimiter: Option<String>,
    /// Header → field (`email`, `phone`, `custom`, `custom:Name`, `ignore`), over the automatic mapping.
    pub mapping: BTreeMap<String, String>,
    pub unmapped: Unmapped,
    /// Also treat leads with the same web domain as duplicates.
    pub match_domain: bool,
    /// Extra stage names for opportunities: name → Leadline stage.
    pub stages: BTreeMap<String, String>,
    /// The old CRM's own lead statuses: name → Leadline status ("Hot" → "qualified").
    pub statuses: BTreeMap<String, String>,
    /// Tags added to every lead the import creates, updates or merges ("trade show 2026"),
    /// so that its leads can be listed, exported or called as one group.
    pub tags: Vec<String>,
}

impl ImportOptions {
    /// The delimiter as a byte, if one was given.
    pub fn delimiter_byte(&self) -> Result<Option<u8>, FileError> {
        // A tab given as itself is white space: it is tested before trimming.
        let given = self.delimiter.as_deref().map(|d| if d.contains('\t') { "\t" } else { d.trim() });
        match given.map(str::to_ascii_lowercase).as_deref() {
            None | Some("") => Ok(None),
            Some("tab" | "\\t" | "\t" | "tabs") => Ok(Some(b'\t')),
            Some("comma") => Ok(Some(b',')),
            Some("semicolon") => Ok(Some(b';')),
            Some("pipe") => Ok(Some(b'|')),
            Some(d) if d.len() == 1 && matches!(d, "," | ";" | "|") => Ok(Some(d.as_bytes()[0])),
            Some(d) => Err(FileError::about("delimiter", format!("'{d}' is not a delimiter; use , ; tab or |"))),
        }
    }
}

/// One problem with one row, for the report.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Issue {
    pub column: Option<String>,
    pub value: Option<String>,
    pub reason: String,
}

impl Issue {
    pub fn new(column: Option<&str>, value: Option<&str>, reason: impl Into<String>) -> Self {
        Self { column: column.map(str::to_owned), value: value.map(str::to_owned), reason: reason.into() }
    }
}

#[cfg(test)]
mod fuzz_tests;

/// The ids in a cell that may list several, as HubSpot's association columns do ("9001;9002").
pub(crate) fn ids_in(cell: &str) -> impl Iterator<Item = &str> {
    cell.split(';').map(str::trim).filter(|id| !id.is_empty())
}

#[cfg(test)]
mod tests {
    use super::ImportOptions;

    #[test]
    fn a_delimiter_is_given_as_a_character_or_by_its_name() {
        let byte =
            |d: &str| ImportOptions { delimiter: Some(d.to_owned()), ..ImportOptions::default() }.delimiter_byte();
        for (given, want) in [
            ("\t", b'\t'),
            ("tab", b'\t'),
            ("TAB", b'\t'),
            ("\\t", b'\t'),
            (";", b';'),
            ("Semicolon", b';'),
            (" , ", b','),
            ("pipe", b'|'),
        ] {
            assert_eq!(byte(given).unwrap(), Some(want), "{given:?}");
        }
        assert_eq!(byte(" ").unwrap(), None, "blank: sniffed");
        assert!(byte(":").unwrap_err().0.contains("is not a delimiter"));
    }
}
