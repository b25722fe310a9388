//! E-mail addresses, compared case-insensitively.

use crate::Invalid;
use serde::Serialize;
use std::fmt;

/// A syntactically valid e-mail address, trimmed and lower-cased.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Email(String);

impl Email {
    /// Parses an address as people type it (surrounding space, any case).
    pub fn parse(input: &str) -> Result<Self, Invalid> {
        let value = input.trim().to_lowercase();
        if value.is_empty() {
            return Err(Invalid::new("must not be empty"));
        }
        if value.len() > 254 {
            return Err(Invalid::new("is longer than 254 characters"));
        }
        let invalid = || Invalid::new(format!("'{}' is not a valid e-mail address", input.trim()));
        let (local, domain) = value.rsplit_once('@').ok_or_else(invalid)?;
        if local.is_empty() || local.len() > 64 || local.contains('@') {
            return Err(invalid());
        }
        let local_ok = local.chars().all(|c| c.is_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c))
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..");
        if !local_ok {
            return Err(invalid());
        }
        let labels: Vec<&str> = domain.split('.').collect();
        let domain_ok = labels.len() >= 2
            && labels.iter().all(|l| {
                !l.is_empty()
                    && l.len() <= 63
                    && !l.starts_with('-')
                    && !l.ends_with('-')
                    && l.chars().all(|c| c.is_alphanumeric() || c == '-')
            })
            // A top-level domain is letters, or an internationalized one in its xn-- form.
            && labels.last().is_some_and(|tld| {
                tld.len() >= 2 && (tld.chars().all(char::is_alphabetic) || tld.starts_with("xn--"))
            });
        if !domain_ok {
            return Err(invalid());
        }
        Ok(Self(value))
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The part after the `@`.
    #[must_use]
    pub fn domain(&self) -> &str {
        self.0.rsplit_once('@').map_or("", |(_, d)| d)
    }

    #[must_use]
    pub fn into_inner(self) -> String {
        self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lowercases_and_trims() {
        assert_eq!(Email::parse("  Ann@Acme.TEST ").unwrap().as_str(), "ann@acme.test");
    }

    #[test]
    fn accepts_common_forms() {
        for ok in ["a.b+tag@example.co.uk", "väinö@kärkkäinen.fi", "x_y@sub-domain.example.com", "ivan@пример.xn--p1ai"]
        {
            assert!(Email::parse(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn refuses_broken_addresses() {
        for bad in [
            "",
            "plain",
            "@acme.test",
            "ann@",
            "ann@acme",
            "ann@@acme.test",
            "ann lee@acme.test",
            "ann@acme..test",
            ".ann@acme.test",
            "ann@-acme.test",
            "ann@acme.t3st",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn any_case_compares_equal() {
        // A property over many spellings: case never makes two addresses differ.
        for raw in ["Ann@Acme.Test", "ANN@ACME.TEST", "ann@acme.test", "aNn@aCmE.tEsT"] {
            assert_eq!(Email::parse(raw).unwrap(), Email::parse("ann@acme.test").unwrap());
        }
    }
}
