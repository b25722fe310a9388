//! Turning text into search terms, the same way for what is stored and what is asked.
//!
//! Terms are lower-case alphanumeric runs with common Latin diacritics folded, so
//! "Kärkkäinen" and "karkkainen" find each other on SQLite (FTS5) and PostgreSQL
//! (tsvector) alike.

/// Splits text into folded search terms.
#[must_use]
pub fn terms(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for c in text.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            fold_into(c, &mut current);
        } else if !current.is_empty() {
            out.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

fn fold_into(c: char, out: &mut String) {
    let folded = match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' => "a",
        'æ' => "ae",
        'ç' | 'č' | 'ć' => "c",
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ę' | 'ě' => "e",
        'ì' | 'í' | 'î' | 'ï' => "i",
        'ñ' | 'ń' | 'ň' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ő' => "o",
        'ù' | 'ú' | 'û' | 'ü' | 'ű' | 'ů' => "u",
        'ý' | 'ÿ' => "y",
        'ß' => "ss",
        'š' | 'ś' => "s",
        'ž' | 'ź' | 'ż' => "z",
        'ł' => "l",
        'ř' => "r",
        'đ' | 'ð' => "d",
        'þ' => "th",
        _ => {
            out.push(c);
            return;
        }
    };
    out.push_str(folded);
}

/// The searchable document of a lead: its name, its contacts' names and e-mails.
#[must_use]
pub fn document<'a>(parts: impl IntoIterator<Item = &'a str>) -> String {
    let mut doc: Vec<String> = Vec::new();
    for part in parts {
        for t in terms(part) {
            if !doc.contains(&t) {
                doc.push(t);
            }
        }
    }
    doc.join(" ")
}

/// The terms a query asks for: a legal form at its end ("Orbit Labs Inc", "Acme GmbH") is
/// left out, as de-duplication leaves it out, so a lead stored without it is found.
fn query_terms(q: &str) -> Vec<String> {
    let mut t = terms(q);
    crate::dedupe::strip_legal_forms(&mut t);
    t
}

/// An FTS5 query matching documents that hold a term starting with each query term.
#[must_use]
pub fn fts5_query(q: &str) -> Option<String> {
    let t = query_terms(q);
    (!t.is_empty()).then(|| t.iter().map(|t| format!("\"{t}\"*")).collect::<Vec<_>>().join(" "))
}

/// A PostgreSQL `to_tsquery('simple', ...)` text with the same meaning as [`fts5_query`].
#[must_use]
pub fn tsquery(q: &str) -> Option<String> {
    let t = query_terms(q);
    (!t.is_empty()).then(|| t.iter().map(|t| format!("{t}:*")).collect::<Vec<_>>().join(" & "))
}

/// If the query looks like a phone number (only digits and dialling punctuation, at
/// least three digits), its digits.
#[must_use]
pub fn phone_digits(q: &str) -> Option<String> {
    let q = q.trim();
    let plausible = q.chars().all(|c| c.is_ascii_digit() || " +-().\u{a0}/".contains(c));
    let digits: String = q.chars().filter(char::is_ascii_digit).collect();
    (plausible && digits.len() >= 3).then_some(digits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_and_splits() {
        assert_eq!(terms("Kärkkäinen Oy, ANN@acme.test"), vec!["karkkainen", "oy", "ann", "acme", "test"]);
        assert_eq!(terms("Straße"), vec!["strasse"]);
    }

    #[test]
    fn queries_are_safe_and_prefixed() {
        assert_eq!(fts5_query("Kärk ann").unwrap(), "\"kark\"* \"ann\"*");
        assert_eq!(tsquery("o'brien & sons").unwrap(), "o:* & brien:* & sons:*");
        // A legal form at the end is left out; alone, it is searched for.
        assert_eq!(fts5_query("Kärk oy").unwrap(), "\"kark\"*");
        assert_eq!(tsquery("Orbit Labs, Inc.").unwrap(), "orbit:* & labs:*");
        assert_eq!(tsquery("GmbH").unwrap(), "gmbh:*");
        assert_eq!(fts5_query("  -- ").as_deref(), None);
    }

    #[test]
    fn phone_queries() {
        assert_eq!(phone_digits("(206) 555-0100").unwrap(), "2065550100");
        assert_eq!(phone_digits("+358 40").unwrap(), "35840");
        assert_eq!(phone_digits("acme 555"), None);
        assert_eq!(phone_digits("12"), None);
    }

    #[test]
    fn document_deduplicates() {
        assert_eq!(document(["Acme Oy", "Ann Lee", "ann@acme.fi"]), "acme oy ann lee fi");
    }
}
