//! Free-text fields: names, titles, short labels.

use crate::Invalid;

/// Trims and collapses runs of whitespace to one space.
#[must_use]
pub fn collapse_whitespace(input: &str) -> String {
    input.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A required single-line text (a name): collapsed, non-empty, at most `max` characters.
pub fn required_line(input: &str, max: usize) -> Result<String, Invalid> {
    let value = collapse_whitespace(input);
    if value.is_empty() {
        return Err(Invalid::new("must not be empty"));
    }
    check_length(&value, max)?;
    Ok(value)
}

/// An optional single-line text: blank becomes `None`.
pub fn optional_line(input: Option<&str>, max: usize) -> Result<Option<String>, Invalid> {
    match input.map(collapse_whitespace) {
        None => Ok(None),
        Some(v) if v.is_empty() => Ok(None),
        Some(v) => {
            check_length(&v, max)?;
            Ok(Some(v))
        }
    }
}

/// An optional multi-line text (a description or note body): trimmed, blank becomes `None`.
pub fn optional_block(input: Option<&str>, max: usize) -> Result<Option<String>, Invalid> {
    match input.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => {
            check_length(v, max)?;
            Ok(Some(v.to_owned()))
        }
    }
}

/// At most `max` characters, none of them NUL (which no text means, and PostgreSQL cannot
/// store).
fn check_length(value: &str, max: usize) -> Result<(), Invalid> {
    if value.contains('\0') {
        return Err(Invalid::new("must not contain NUL characters (U+0000)"));
    }
    if value.chars().count() > max { Err(Invalid::new(format!("must be at most {max} characters"))) } else { Ok(()) }
}

/// A tag: lower-case, trimmed, no commas, 1–50 characters.
pub fn tag(input: &str) -> Result<String, Invalid> {
    let value = collapse_whitespace(input).to_lowercase();
    if value.is_empty() {
        return Err(Invalid::new("tags must not be empty"));
    }
    if value.contains(',') {
        return Err(Invalid::new("tags must not contain commas"));
    }
    check_length(&value, 50)?;
    Ok(value)
}

/// The tags written in one comma-separated field ("vip, trade fair ,"), trimmed, empty
/// ones passed over; [`tags`] checks them.
pub fn comma_tags(input: &str) -> impl Iterator<Item = &str> + Clone {
    input.split(',').map(str::trim).filter(|t| !t.is_empty())
}

/// Parses a list of tags, dropping duplicates while keeping their order.
pub fn tags<'a>(inputs: impl IntoIterator<Item = &'a str>) -> Result<Vec<String>, Invalid> {
    let mut out: Vec<String> = Vec::new();
    for raw in inputs {
        let t = tag(raw)?;
        if !out.contains(&t) {
            out.push(t);
        }
    }
    if out.len() > 50 {
        return Err(Invalid::new("at most 50 tags"));
    }
    Ok(out)
}

/// An optional web address: adds `https://` when no scheme was given.
pub fn website(input: Option<&str>) -> Result<Option<String>, Invalid> {
    let Some(v) = optional_line(input, 300)? else {
        return Ok(None);
    };
    if v.contains(' ') {
        return Err(Invalid::new("is not a web address"));
    }
    let url = if v.starts_with("http://") || v.starts_with("https://") { v } else { format!("https://{v}") };
    let host = url.split("://").nth(1).unwrap_or("").split('/').next().unwrap_or("");
    if !host.contains('.') || host.starts_with('.') || host.ends_with('.') {
        return Err(Invalid::new("is not a web address"));
    }
    Ok(Some(url))
}

/// Orders names as people read them: numbers by their value ("Property 2" before
/// "Property 10"), letters without case; equal names by their bytes.
#[must_use]
pub fn natural_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    fn parts(s: &str) -> Vec<(bool, String)> {
        let mut out: Vec<(bool, String)> = Vec::new();
        for c in s.chars() {
            let digit = c.is_ascii_digit();
            match out.last_mut() {
                Some((d, run)) if *d == digit => run.push(c),
                _ => out.push((digit, c.to_string())),
            }
        }
        out
    }
    // A number as its digits padded to one width, so that comparing text compares values.
    let key = |(digit, run): &(bool, String)| {
        if *digit { format!("{:0>40}", run.trim_start_matches('0')) } else { run.to_lowercase() }
    };
    parts(a).iter().map(key).cmp(parts(b).iter().map(key)).then_with(|| a.cmp(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collapses_and_requires() {
        assert_eq!(required_line("  Acme   Oy \n", 10).unwrap(), "Acme Oy");
        assert!(required_line("   ", 10).is_err());
        assert!(required_line("abcdefghijk", 10).is_err());
        assert!(required_line("Acme\0 Oy", 10).unwrap_err().to_string().contains("NUL"));
        assert!(optional_block(Some("line\0"), 10).is_err() && optional_line(Some("a\0"), 10).is_err());
    }

    #[test]
    fn tags_are_deduplicated_lowercase() {
        assert_eq!(tags(["VIP", "vip", " Hot  lead "]).unwrap(), vec!["vip", "hot lead"]);
        assert!(tag("a,b").is_err());
    }

    #[test]
    fn website_gets_a_scheme() {
        assert_eq!(website(Some("acme.fi")).unwrap().as_deref(), Some("https://acme.fi"));
        assert!(website(Some("not a site")).is_err());
        assert_eq!(website(Some(" ")).unwrap(), None);
    }

    #[test]
    fn names_are_ordered_as_read() {
        let mut names = vec!["Property 10", "property 2", "Property 1", "Region", "Property 2b", "Property 02"];
        names.sort_by(|a, b| super::natural_cmp(a, b));
        assert_eq!(names, ["Property 1", "Property 02", "property 2", "Property 2b", "Property 10", "Region"]);
    }
}
