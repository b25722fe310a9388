//! Which column fills which field: the automatic mapping, the user's overrides,
//! and reading a row's values through it.

use super::{ImportOptions, Issue, Unmapped, export::JSON_SUFFIX, source::FileError};
use csv::ByteRecord;
use leadline_domain::mapping::{self, Field, ImportKind};
use std::{borrow::Cow, collections::HashMap};

/// Where one column goes.
#[derive(Debug, Clone)]
pub enum Target {
    Field(&'static Field),
    /// A custom field of the lead, by name.
    Custom(String),
    Ignore,
}

impl Target {
    /// How the mapping screen and the API name it.
    #[must_use]
    pub fn describe(&self) -> String {
        match self {
            Target::Field(f) => f.name.to_owned(),
            Target::Custom(name) => format!("custom:{name}"),
            Target::Ignore => "ignore".to_owned(),
        }
    }
}

/// The columns of one file and where each goes.
#[derive(Debug, Clone)]
pub struct Columns {
    pub kind: ImportKind,
    pub headers: Vec<String>,
    pub targets: Vec<Target>,
    /// The columns filling each field of the row's first (or only) person and its lead.
    by_field: HashMap<&'static str, Vec<usize>>,
    /// The columns of the row's further numbered people ("contact2_email1"): person 1, 2, ….
    later: std::collections::BTreeMap<u8, HashMap<&'static str, Vec<usize>>>,
    /// A phone column → the column beside it saying what kind of phone it is.
    phone_types: HashMap<usize, usize>,
    /// A Leadline export's `id` column (see [`Columns::one_lead_per_id`]); found once per
    /// file, read on every row.
    own_id: Option<usize>,
    /// The text fields two or more columns fill, whose further values are kept as custom
    /// fields (see [`Columns::second_values`]); empty when unmapped columns are ignored.
    doubled: Vec<&'static str>,
}

/// The column a file of `kind` cannot do without, when `has` says it is missing.
fn missing_column(kind: ImportKind, has: impl Fn(&str) -> bool) -> Option<(&'static str, &'static str)> {
    let any = |names: &[&str]| names.iter().any(|n| has(n));
    match kind {
        ImportKind::Leads if !any(&["name", "contact_name", "first_name", "last_name"]) => Some(("name", "name")),
        ImportKind::Products if !any(&["name", "code"]) => Some(("product name", "name")),
        ImportKind::Opportunities if !any(&["lead", "lead_external_id"]) => Some(("lead (company)", "lead")),
        ImportKind::Users if !any(&["name", "first_name", "last_name"]) => Some(("name", "name")),
        ImportKind::Users if !any(&["email"]) => Some(("e-mail", "email")),
        _ => None,
    }
}

/// The advice to import a file as `kind`.
fn import_as(kind: ImportKind) -> String {
    format!(
        "it looks like a file of {k}: import it as {k} (leadline import {k}, or {k} on the import page)",
        k = kind.as_str()
    )
}

/// A custom field named after a header; Close exports prefix them with `custom.`, and
/// Leadline's exports also end the header with ` (JSON)` where the values are JSON.
fn custom_name(header: &str) -> String {
    let h = header.trim();
    match h.strip_prefix("custom.") {
        Some(name) => name.strip_suffix(JSON_SUFFIX).unwrap_or(name).to_owned(),
        None => h.to_owned(),
    }
}

/// Whether a custom field's column holds its values written as JSON (a Leadline export's
/// field that holds numbers, yes/no or lists).
pub fn holds_json(header: &str) -> bool {
    let h = header.trim();
    h.starts_with("custom.") && h.ends_with(JSON_SUFFIX)
}

impl Columns {
    /// Maps `headers` automatically, then applies the user's mapping; fails when a
    /// mapping names a missing column or field, or when no column names the record.
    pub fn build(kind: ImportKind, headers: Vec<String>, options: &ImportOptions) -> Result<Self, FileError> {
        if headers.iter().all(|h| h.trim().is_empty()) {
            return Err(FileError::new("the file has no header row"));
        }
        let auto = mapping::auto_map(kind, &headers);
        // Which column counts first where several fill a field of one value: the ones the
        // user mapped, then the closest names.
        let mut ranks: Vec<u32> = auto.iter().map(|f| f.map_or(u32::MAX, |(_, rank)| rank.saturating_add(1))).collect();
        // A column without a header keeps its values under its place ("Column 6").
        let mut targets: Vec<Target> = headers
            .iter()
            .zip(auto)
            .enumerate()
            .map(|(i, (h, f))| match f {
                Some((f, _)) => Target::Field(f),
                None if kind.has_custom_fields() && options.unmapped == Unmapped::Custom => {
                    Target::Custom(if h.trim().is_empty() { format!("Column {}", i + 1) } else { custom_name(h) })
                }
                None => Target::Ignore,
            })
            .collect();
        for i in described_elsewhere(&headers, &targets) {
            targets[i] = Target::Ignore;
        }
        for (header, field) in &options.mapping {
            let key = mapping::header_key(header);
            let Some(i) = headers
                .iter()
                .position(|h| h.trim() == header.trim())
                .or_else(|| headers.iter().position(|h| !key.is_empty() && mapping::header_key(h) == key))
            else {
                return Err(FileError::about(
                    "map",
                    format!("the mapping names the column '{header}', which is not in the file"),
                ));
            };
            targets[i] = parse_target(kind, &headers[i], field)?;
            ranks[i] = 0;
        }
        let mut by_field: HashMap<&'static str, Vec<usize>> = HashMap::new();
        let mut later: std::collections::BTreeMap<u8, HashMap<&'static str, Vec<usize>>> = Default::default();
        for (i, t) in targets.iter().enumerate() {
            if let Target::Field(f) = t {
                let person = if mapping::is_person_field(f.name) { mapping::person_of(&headers[i]) } else { 0 };
                let fields = if person == 0 { &mut by_field } else { later.entry(person).or_default() };
                fields.entry(f.name).or_default().push(i);
            }
        }
        // Several phones or e-mails keep the file's order (the first is the main one).
        for fields in std::iter::once(&mut by_field).chain(later.values_mut()) {
            for (field, columns) in fields.iter_mut() {
                if kind.fields().iter().any(|f| f.name == *field && !f.multi) {
                    columns.sort_by_key(|&i| (ranks[i], i));
                }
            }
        }
        let phone_types = pair_phone_types(&headers, &targets);
        // A Leadline export: its `id` column groups a lead's rows and finds the lead it came
        // from; it is no external id (only the `external_id` column is one).
        let is_external_id = |i: usize| matches!(&targets[i], Target::Field(f) if f.name == "external_id");
        let headed = |name: &str| (0..headers.len()).find(|&i| headers[i].trim() == name && is_external_id(i));
        let own_id =
            (kind == ImportKind::Leads).then(|| headed("id").zip(headed("external_id"))).flatten().map(|(id, _)| id);
        if let Some(id) = own_id
            && let Some(columns) = by_field.get_mut("external_id")
        {
            columns.retain(|&i| i != id);
        }
        let doubled = if kind == ImportKind::Leads && options.unmapped == Unmapped::Custom {
            ["name", "title", "source", "street", "city", "postcode", "description", "external_id"]
                .into_iter()
                .filter(|f| by_field.get(f).is_some_and(|cols| cols.len() > 1))
                .collect()
        } else {
            Vec::new()
        };
        let columns = Self { kind, headers, targets, by_field, later, phone_types, own_id, doubled };
        columns.check_required()?;
        Ok(columns)
    }

    fn check_required(&self) -> Result<(), FileError> {
        let Some((what, hint)) = missing_column(self.kind, |n| self.has(n)) else { return Ok(()) };
        let found = self.headers.iter().map(|h| format!("'{h}'")).collect::<Vec<_>>().join(", ");
        // A products file uploaded as leads, say: name the kind it looks like.
        let other = ImportKind::ALL.into_iter().filter(|k| *k != self.kind).find(|k| {
            let auto = mapping::auto_map(*k, &self.headers);
            let known: Vec<&str> = auto.iter().flatten().map(|(f, _)| f.name).collect();
            known.len() >= 2 && missing_column(*k, |n| known.contains(&n)).is_none()
        });
        let kind_hint = other.map_or_else(String::new, |k| format!("; {}", import_as(k)));
        Err(FileError::new(format!(
            "the file has no {what} column (its columns are {found}); map one to \"{hint}\" on the mapping page, with --map \"Header={hint}\", or with the API's map=Header={hint}{kind_hint}"
        )))
    }

    /// A leads file that reads better as another kind: an opportunities export (a stage
    /// beside an amount or a close date) or a users export (a manager or team column),
    /// whose telling columns would otherwise become custom fields. A hint, not a refusal:
    /// such a file still imports as leads.
    #[must_use]
    pub fn fits_another_kind(&self) -> Option<String> {
        if self.kind != ImportKind::Leads {
            return None;
        }
        let signs: [(ImportKind, &[&str], &[&str]); 2] = [
            (ImportKind::Opportunities, &["stage"], &["amount", "close_date"]),
            (ImportKind::Users, &["manager", "team"], &["manager", "team"]),
        ];
        signs.into_iter().find_map(|(kind, first, second)| {
            let auto = mapping::auto_map(kind, &self.headers);
            // Columns the other kind names that no lead field claims here.
            let unclaimed: Vec<(&str, &str)> = auto
                .iter()
                .zip(&self.targets)
                .zip(&self.headers)
                .filter(|((_, t), _)| !matches!(t, Target::Field(_)))
                .filter_map(|((f, _), h)| f.map(|(f, _)| (f.name, h.as_str())))
                .collect();
            let has = |names: &[&str]| unclaimed.iter().any(|(f, _)| names.contains(f));
            // Two telling columns of different fields: a lone "Group" or "Department" beside a
            // lead's columns is no users file.
            let mut telling: Vec<&str> =
                unclaimed.iter().map(|(f, _)| *f).filter(|f| first.contains(f) || second.contains(f)).collect();
            telling.sort_unstable();
            telling.dedup();
            let required = missing_column(kind, |n| auto.iter().flatten().any(|(f, _)| f.name == n)).is_none();
            (required && has(first) && has(second) && telling.len() >= 2).then(|| {
                let named = unclaimed.iter().map(|(_, h)| format!("'{h}'")).collect::<Vec<_>>().join(", ");
                format!("its columns {named} are no lead's fields; {}", import_as(kind))
            })
        })
    }

    /// The file is a Leadline export: beside `external_id`, its `id` column holds each
    /// lead's id there, repeated on the rows of the lead's further contacts. Leads with
    /// different ids were separate leads where they came from, so the import does not
    /// merge them with each other (only with leads already here), and an export imported
    /// into an empty organization gives back every lead.
    #[must_use]
    pub fn one_lead_per_id(&self) -> bool {
        self.own_id.is_some()
    }

    /// The lead's id in the Leadline export `rec` comes from, if the file is one.
    #[must_use]
    pub fn own_id<'r>(&self, rec: &'r ByteRecord) -> Option<Cow<'r, str>> {
        self.own_id.and_then(|i| value(rec, i)).filter(|v| !is_placeholder(v))
    }

    /// Whether a column fills `field` (of any person).
    #[must_use]
    pub fn has(&self, field: &str) -> bool {
        self.by_field.contains_key(field) || self.later.values().any(|f| f.contains_key(field))
    }

    /// The numbers of the row's further people that have columns (1 for "contact2_…").
    pub fn later_people(&self) -> impl Iterator<Item = u8> + '_ {
        self.later.keys().copied()
    }

    /// The first non-empty value of `field` in `rec`, with its column's header.
    #[must_use]
    pub fn first<'r>(&'r self, rec: &'r ByteRecord, field: &str) -> Option<(&'r str, Cow<'r, str>)> {
        self.all(rec, field).next()
    }

    /// Every value of `field` in `rec`, in column order, passing over empty cells and the
    /// placeholders lists put in them ("n/a", "-", "NULL", Excel's "#N/A").
    pub fn all<'r>(&'r self, rec: &'r ByteRecord, field: &str) -> impl Iterator<Item = (&'r str, Cow<'r, str>)> + 'r {
        self.all_at(rec, field).map(|(_, h, v)| (h, v))
    }

    /// Like [`Columns::all`], with each value's column index.
    pub fn all_at<'r>(
        &'r self,
        rec: &'r ByteRecord,
        field: &str,
    ) -> impl Iterator<Item = (usize, &'r str, Cow<'r, str>)> + 'r {
        self.person_at(rec, field, 0)
    }

    /// Like [`Columns::all_at`], for the row's person `person` (0 for the first).
    pub fn person_at<'r>(
        &'r self,
        rec: &'r ByteRecord,
        field: &str,
        person: u8,
    ) -> impl Iterator<Item = (usize, &'r str, Cow<'r, str>)> + 'r {
        let fields = if person == 0 { Some(&self.by_field) } else { self.later.get(&person) };
        fields.and_then(|f| f.get(field)).into_iter().flatten().filter_map(move |&i| {
            let v = value(rec, i).filter(|v| !is_placeholder(v))?;
            Some((i, self.headers[i].as_str(), v))
        })
    }

    /// What kind of phone the phone column `column` holds in `rec`, as the column beside
    /// it says ("Mobile", "Work Fax"), if there is one.
    #[must_use]
    pub fn phone_type_of<'r>(&'r self, rec: &'r ByteRecord, column: usize) -> Option<Cow<'r, str>> {
        self.phone_types.get(&column).and_then(|&t| value(rec, t)).filter(|v| !is_placeholder(v))
    }

    /// Cells of `rec` to the right of the last column, which no header names: reported,
    /// as they are left out.
    #[must_use]
    pub fn overflow(&self, rec: &ByteRecord) -> Option<Issue> {
        let extra: Vec<String> =
            (self.headers.len()..rec.len()).filter_map(|i| value(rec, i)).map(|v| v.into_owned()).collect();
        (!extra.is_empty()).then(|| {
            Issue::new(
                None,
                Some(&extra.join(", ")),
                format!("the row has {} more cell(s) than the header has columns; they were left out", extra.len()),
            )
        })
    }

    /// Custom-field columns with their non-empty values in `rec`.
    pub fn customs<'r>(&'r self, rec: &'r ByteRecord) -> impl Iterator<Item = (&'r str, &'r str, Cow<'r, str>)> + 'r {
        self.targets.iter().enumerate().filter_map(move |(i, t)| match t {
            Target::Custom(name) => value(rec, i).map(|v| (self.headers[i].as_str(), name.as_str(), v)),
            _ => None,
        })
    }

    /// Values that a text field of one value cannot also hold: where two columns fill it
    /// (a contacts export's company id beside the person's own "Record ID", two notes
    /// columns) and the second says something else, it is kept as a custom field named
    /// after its column instead of being lost (unless unmapped columns are ignored). Fields
    /// that columns write in different forms (country name and code, owner name and e-mail,
    /// status label and value) are left out: there the second is the same thing again.
    pub fn second_values<'r>(&'r self, rec: &'r ByteRecord) -> impl Iterator<Item = (&'r str, Cow<'r, str>)> + 'r {
        self.doubled.iter().flat_map(move |&f| {
            let mut values = self.all(rec, f);
            let first = values.next().map(|(_, v)| v.trim().to_lowercase());
            values.filter(move |(_, v)| first.as_deref().is_some_and(|x| x != v.trim().to_lowercase()))
        })
    }

    /// The number of the row's person column `i` fills, from the second on ("Contact 2
    /// E-mail" → 2); `None` for the first person's and the lead's columns.
    #[must_use]
    pub fn person_number(&self, i: usize) -> Option<u8> {
        self.later.iter().find(|(_, fields)| fields.values().any(|cols| cols.contains(&i))).map(|(p, _)| p + 1)
    }

    /// Header → target name, for showing the mapping.
    #[must_use]
    pub fn describe(&self) -> Vec<(String, String)> {
        self.headers.iter().cloned().zip(self.targets.iter().map(Target::describe)).collect()
    }
}

/// Pairs each column that says what kind a phone is ("Phone 1 - Type") with its phone
/// column: the one of the same name ("Phone 1 - Value"), else the phone column next to it.
fn pair_phone_types(headers: &[String], targets: &[Target]) -> HashMap<usize, usize> {
    let field_at = |i: usize| match targets.get(i) {
        Some(Target::Field(f)) => Some(f.name),
        _ => None,
    };
    let is_phone = |i: usize| field_at(i).is_some_and(|n| n == "phone" || n == "fax" || n.ends_with("_phone"));
    let stem = |h: &str| {
        let key = mapping::header_key(h);
        ["type", "label", "kind", "value", "number"]
            .iter()
            .find_map(|s| key.strip_suffix(s).map(str::to_owned))
            .unwrap_or(key)
    };
    let mut pairs = HashMap::new();
    for t in (0..targets.len()).filter(|&i| field_at(i) == Some("phone_type")) {
        let own = stem(&headers[t]);
        let phone = (0..targets.len())
            .find(|&p| is_phone(p) && stem(&headers[p]) == own)
            .or_else(|| [t + 1, t.wrapping_sub(1)].into_iter().find(|&p| is_phone(p) && !pairs.contains_key(&p)));
        if let Some(p) = phone {
            pairs.entry(p).or_insert(t);
        }
    }
    pairs
}

/// Columns that only describe another column (Google Contacts' "E-mail 1 - Type" beside
/// "E-mail 1 - Value", "Address 1 - Formatted" beside "Address 1 - Street", Outlook's
/// "E-mail Display Name" beside "E-mail Address"): no custom field of their own.
fn described_elsewhere(headers: &[String], targets: &[Target]) -> Vec<usize> {
    let keys: Vec<String> = headers.iter().map(|h| mapping::header_key(h)).collect();
    let mapped = |stem: &str, skip: usize| {
        keys.iter()
            .zip(targets)
            .enumerate()
            .any(|(j, (k, t))| j != skip && matches!(t, Target::Field(_)) && k.starts_with(stem))
    };
    (0..headers.len())
        .filter(|&i| matches!(targets[i], Target::Custom(_)))
        .filter(|&i| {
            ["type", "label", "formatted", "displayname"].iter().filter_map(|s| keys[i].strip_suffix(s)).any(|stem| {
                (stem.ends_with(|c: char| c.is_ascii_digit())
                    || ["email", "phone", "website", "address"].iter().any(|w| stem.ends_with(w)))
                    && mapped(stem, i)
            })
        })
        .collect()
}

/// A cell that says there is no value. Custom fields keep such cells as written.
fn is_placeholder(v: &str) -> bool {
    const WORDS: [&str; 14] = [
        "n/a",
        "#n/a",
        "n.a.",
        "null",
        "none",
        "(none)",
        "(blank)",
        "[blank]",
        "unknown",
        "not available",
        "not provided",
        "not known",
        "keine angabe",
        "k.a.",
    ];
    v.chars().all(|c| matches!(c, '-' | '–' | '—' | '?' | '.' | '_')) || WORDS.iter().any(|w| v.eq_ignore_ascii_case(w))
}

/// A trimmed, non-empty cell. An apostrophe that keeps a spreadsheet from running the
/// cell as a formula ("'=…", "'+1 206…", as Leadline's export and others write it) is not
/// part of the value.
fn value(rec: &ByteRecord, i: usize) -> Option<Cow<'_, str>> {
    let raw = rec.get(i)?;
    let text = String::from_utf8_lossy(raw);
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return None;
    }
    let unescaped = |t: &str| -> usize {
        let formula = t.strip_prefix('\'').is_some_and(|rest| rest.starts_with(['=', '+', '-', '@']));
        usize::from(formula)
    };
    Some(match text {
        Cow::Borrowed(b) => {
            let t = b.trim();
            Cow::Borrowed(&t[unescaped(t)..])
        }
        Cow::Owned(o) => {
            let t = o.trim();
            Cow::Owned(t[unescaped(t)..].to_owned())
        }
    })
}

fn parse_target(kind: ImportKind, header: &str, field: &str) -> Result<Target, FileError> {
    let f = field.trim();
    if f.is_empty() || f.eq_ignore_ascii_case("ignore") || f == "-" {
        return Ok(Target::Ignore);
    }
    if kind.has_custom_fields() {
        if f.eq_ignore_ascii_case("custom") {
            return Ok(Target::Custom(custom_name(header)));
        }
        if let Some(name) = f.strip_prefix("custom:").or_else(|| f.strip_prefix("custom.")) {
            let name = name.trim();
            if !name.is_empty() {
                return Ok(Target::Custom(name.to_owned()));
            }
        }
    }
    mapping::field_named(kind, f).map(Target::Field).ok_or_else(|| {
        let names: Vec<&str> = kind.fields().iter().map(|f| f.name).collect();
        let extra = if kind.has_custom_fields() { ", custom, custom:<name>" } else { "" };
        FileError::about(
            "map",
            format!("'{f}' (for the column '{header}') is not a field; use {}{extra} or ignore", names.join(", ")),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn first(
        kind: ImportKind,
        headers: &[&str],
        row: &[&str],
        mapping: &[(&str, &str)],
        field: &str,
    ) -> Option<String> {
        let options = ImportOptions {
            mapping: mapping.iter().map(|(h, f)| ((*h).to_owned(), (*f).to_owned())).collect(),
            ..ImportOptions::default()
        };
        let columns = Columns::build(kind, headers.iter().map(|h| (*h).to_owned()).collect(), &options).ok()?;
        let rec = ByteRecord::from(row.to_vec());
        columns.first(&rec, field).map(|(_, v)| v.into_owned())
    }

    #[test]
    fn placeholders_are_empty_cells_except_in_custom_fields() {
        let headers = ["Company", "Phone", "Industry"];
        for placeholder in ["n/a", "N/A", "#N/A", "-", "—", "NULL", "none", "?"] {
            let row = ["Acme", placeholder, placeholder];
            assert_eq!(first(ImportKind::Leads, &headers, &row, &[], "phone"), None, "{placeholder}");
        }
        let options = ImportOptions::default();
        let columns =
            Columns::build(ImportKind::Leads, headers.iter().map(|h| (*h).to_owned()).collect(), &options).unwrap();
        let rec = ByteRecord::from(vec!["Acme", "n/a", "n/a"]);
        let customs: Vec<String> = columns.customs(&rec).map(|(_, _, v)| v.into_owned()).collect();
        assert_eq!(customs, ["n/a"]);
        assert_eq!(
            first(ImportKind::Leads, &headers, &["Namibia Ltd", "", ""], &[], "name").as_deref(),
            Some("Namibia Ltd")
        );
    }

    #[test]
    fn a_file_of_another_kind_is_named_as_such() {
        let headers = ["Product Name", "Product Code", "Unit Price"].map(str::to_owned).to_vec();
        let err = Columns::build(ImportKind::Leads, headers, &ImportOptions::default()).err().unwrap().0;
        assert!(err.contains("no name column") && err.contains("import it as products"), "{err}");
        let headers = ["Email", "Phone"].map(str::to_owned).to_vec();
        let err = Columns::build(ImportKind::Leads, headers, &ImportOptions::default()).err().unwrap().0;
        assert!(!err.contains("looks like"), "{err}");
    }

    #[test]
    fn a_file_that_reads_better_as_another_kind_gets_a_hint() {
        let hint = |kind: ImportKind, headers: &[&str]| {
            let headers = headers.iter().map(|h| (*h).to_owned()).collect();
            Columns::build(kind, headers, &ImportOptions::default()).unwrap().fits_another_kind()
        };
        let deals = ["Opportunity Name", "Account Name", "Stage", "Amount", "Close Date"];
        let h = hint(ImportKind::Leads, &deals).unwrap();
        assert!(h.contains("'Stage'") && h.contains("import it as opportunities"), "{h}");
        assert_eq!(hint(ImportKind::Opportunities, &deals), None);
        let users = ["Full Name", "Email", "Role", "Manager", "Team"];
        assert!(hint(ImportKind::Leads, &users).unwrap().contains("import it as users"));
        assert_eq!(hint(ImportKind::Leads, &["Company", "Contact", "Email", "Phone", "Status", "Title"]), None);
        // An event's sign-ups (Eventbrite's "Group"), a purchased list's "Department": one
        // team-like column beside a lead's is no users file.
        assert_eq!(
            hint(ImportKind::Leads, &["First Name", "Last Name", "Email", "Group", "Company", "Work Phone"]),
            None
        );
        assert_eq!(
            hint(ImportKind::Leads, &["First Name", "Last Name", "Email Address", "Department", "Company Name"]),
            None
        );
    }

    #[test]
    fn a_contacts_company_id_is_the_leads_external_id() {
        let headers = ["Id", "AccountId", "LastName"];
        assert_eq!(
            first(ImportKind::Leads, &headers, &["003A", "001A", "Doe"], &[], "external_id").as_deref(),
            Some("001A")
        );
        // A person of no company is a lead of their own, known by their own id.
        assert_eq!(
            first(ImportKind::Leads, &headers, &["003B", "", "Roe"], &[], "external_id").as_deref(),
            Some("003B")
        );
        let close = ["id", "lead_id", "name"];
        assert_eq!(
            first(ImportKind::Leads, &close, &["cont_1", "lead_1", "Ann"], &[], "external_id").as_deref(),
            Some("lead_1")
        );
    }

    #[test]
    fn the_closest_column_fills_a_field_of_one_value() {
        let headers = ["Product - ID", "Product - Name", "Product - Product code"];
        let row = ["7", "Gold", "GOLD-1"];
        assert_eq!(first(ImportKind::Products, &headers, &row, &[], "code").as_deref(), Some("GOLD-1"));
        // Empty in the closest column: the next one counts.
        let row = ["7", "Gold", ""];
        assert_eq!(first(ImportKind::Products, &headers, &row, &[], "code").as_deref(), Some("7"));
        // A column the user mapped counts first.
        let row = ["7", "Gold", "GOLD-1"];
        let mapped = [("Product - ID", "code")];
        assert_eq!(first(ImportKind::Products, &headers, &row, &mapped, "code").as_deref(), Some("7"));
    }
}
