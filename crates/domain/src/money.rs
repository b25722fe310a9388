//! Money: an integer count of minor units and an ISO 4217 currency code.

use crate::Invalid;
use serde::Serialize;

/// An amount of money, never a float.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Money {
    pub minor: i64,
    pub currency: String,
}

/// Currencies without minor units, and those with three.
const ZERO_DECIMALS: &[&str] = &["JPY", "KRW", "ISK", "CLP", "VND", "HUF", "XOF", "XAF", "PYG", "UGX"];
const THREE_DECIMALS: &[&str] = &["BHD", "KWD", "OMR", "JOD", "TND", "IQD", "LYD"];

/// Signs written in place of a code.
const SYMBOLS: &[(&str, &str)] = &[("€", "EUR"), ("$", "USD"), ("£", "GBP"), ("¥", "JPY"), ("kr", "SEK")];

/// Minor-unit digits of a currency.
#[must_use]
pub fn decimals(currency: &str) -> u32 {
    if ZERO_DECIMALS.contains(&currency) {
        0
    } else if THREE_DECIMALS.contains(&currency) {
        3
    } else {
        2
    }
}

/// A three-letter ISO 4217 code, upper-cased.
pub fn currency(input: &str) -> Result<String, Invalid> {
    let t = input.trim();
    if let Some((_, code)) = SYMBOLS.iter().find(|(s, _)| *s == t) {
        return Ok((*code).to_owned());
    }
    if t.len() == 3 && t.chars().all(|c| c.is_ascii_alphabetic()) {
        Ok(t.to_ascii_uppercase())
    } else {
        Err(Invalid::new(format!("'{t}' is not a currency; use an ISO 4217 code such as EUR or USD")))
    }
}

/// Codes recognised in a column's name ("Price (USD)", "Amount EUR", "Prices - CHF"): the
/// common ones only, since any three letters of a header could pass for a code.
const HEADER_CODES: &[&str] = &[
    "USD", "EUR", "GBP", "JPY", "CHF", "SEK", "NOK", "DKK", "ISK", "PLN", "CZK", "HUF", "RON", "BGN", "CAD", "AUD",
    "NZD", "INR", "CNY", "HKD", "SGD", "KRW", "BRL", "MXN", "ZAR", "TRY", "AED", "SAR", "ILS",
];

/// The currency a column's name gives its amounts: a common ISO code among its words, or a
/// currency sign ("Price (USD)", "Deal value €"); none when it names two.
#[must_use]
pub fn currency_in_header(header: &str) -> Option<String> {
    let mut found: Option<&str> = None;
    let words = header.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| w.len() == 3);
    let codes = words.filter_map(|w| HEADER_CODES.iter().find(|c| c.eq_ignore_ascii_case(w)).copied());
    let signs = SYMBOLS.iter().filter(|(s, _)| (*s == "$" || !s.is_ascii()) && header.contains(s));
    for code in codes.chain(signs.map(|(_, c)| *c)) {
        if found.is_some_and(|f| f != code) {
            return None;
        }
        found = Some(code);
    }
    found.map(str::to_owned)
}

impl Money {
    /// Reads an amount as people write it: "1234.5", "1,234.50", "1.234,50", "€ 99",
    /// "USD 1,000", "12 500,00 EUR". A currency in the text wins over `default_currency`.
    pub fn parse(input: &str, default_currency: Option<&str>) -> Result<Self, Invalid> {
        let raw = input.trim();
        let bad = || Invalid::new(format!("'{raw}' is not an amount of money"));
        let mut code: Option<String> = None;
        let mut number = String::new();
        let mut letters = String::new();
        for c in raw.chars() {
            if c.is_ascii_digit() || matches!(c, '.' | ',' | '-') {
                number.push(c);
            } else if c.is_alphabetic() {
                letters.push(c);
            } else if let Some((_, sym)) = SYMBOLS.iter().find(|(s, _)| s.starts_with(c)) {
                code = Some((*sym).to_owned());
            } else if !(c.is_whitespace() || c == '\'' || c == '\u{a0}' || c == '\u{202f}') {
                return Err(bad());
            }
        }
        if !number.bytes().any(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        if !letters.is_empty() {
            code = Some(currency(&letters)?);
        }
        let currency = match (code, default_currency) {
            (Some(c), _) => c,
            (None, Some(d)) => currency(d)?,
            (None, None) => return Err(Invalid::new(format!("'{raw}' has no currency"))),
        };
        let negative = number.starts_with('-');
        let number = number.trim_start_matches('-');
        if number.is_empty() || number.contains('-') {
            return Err(bad());
        }
        // The last separator followed by 1–2 digits (or 3 for three-decimal currencies,
        // when it is the only one) is the decimal point; the others group thousands.
        let places = decimals(&currency);
        let last_sep = number.rfind(['.', ',']);
        let (int_part, frac_part) = match last_sep {
            Some(i) => {
                let frac = &number[i + 1..];
                let sep = number.as_bytes()[i];
                let single = number.bytes().filter(|b| *b == sep).count() == 1;
                let is_decimal = frac.len() < 3 || (single && frac.len() != 3) || (single && places == 3);
                if is_decimal { (&number[..i], frac) } else { (number, "") }
            }
            None => (number, ""),
        };
        let int_digits: String = int_part.chars().filter(char::is_ascii_digit).collect();
        if frac_part.len() > places as usize || !frac_part.chars().all(|c| c.is_ascii_digit()) {
            return Err(Invalid::new(format!("'{raw}' has more decimals than {currency} allows")));
        }
        let mut minor: i64 = if int_digits.is_empty() { 0 } else { int_digits.parse().map_err(|_| bad())? };
        minor = minor.checked_mul(10_i64.pow(places)).ok_or_else(bad)?;
        if !frac_part.is_empty() {
            let scaled: i64 =
                frac_part.parse::<i64>().map_err(|_| bad())? * 10_i64.pow(places - frac_part.len() as u32);
            minor += scaled;
        }
        Ok(Self { minor: if negative { -minor } else { minor }, currency })
    }

    /// The amount in units of its currency, e.g. 1234.5 (for display and JSON; `minor` is exact).
    #[must_use]
    #[allow(clippy::cast_precision_loss)] // amounts stay far below 2^53 minor units
    pub fn units(&self) -> f64 {
        self.minor as f64 / 10_f64.powi(decimals(&self.currency) as i32)
    }

    /// The amount as a plain decimal string, e.g. "1234.50".
    #[must_use]
    pub fn amount(&self) -> String {
        let places = decimals(&self.currency);
        if places == 0 {
            return self.minor.to_string();
        }
        let scale = 10_i64.pow(places);
        let sign = if self.minor < 0 { "-" } else { "" };
        let abs = self.minor.unsigned_abs();
        format!("{sign}{}.{:0width$}", abs / scale as u64, abs % scale as u64, width = places as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(s: &str) -> (i64, String) {
        let v = Money::parse(s, Some("EUR")).unwrap();
        (v.minor, v.currency)
    }

    #[test]
    fn finds_the_currency_a_column_is_named_for() {
        for (header, code) in [
            ("Price (USD)", Some("USD")),
            ("Prices - eur", Some("EUR")),
            ("Deal value €", Some("EUR")),
            ("Amount ($)", Some("USD")),
        ] {
            assert_eq!(currency_in_header(header).as_deref(), code, "{header}");
        }
        for header in ["Price", "Net price", "Amount USD/EUR", "Price per seat"] {
            assert_eq!(currency_in_header(header), None, "{header}");
        }
    }

    #[test]
    fn reads_the_usual_ways_of_writing_amounts() {
        assert_eq!(m("1234.5"), (123_450, "EUR".into()));
        assert_eq!(m("1,234.50"), (123_450, "EUR".into()));
        assert_eq!(m("1.234,50"), (123_450, "EUR".into()));
        assert_eq!(m("12 500,00 EUR"), (1_250_000, "EUR".into()));
        assert_eq!(m("$99"), (9_900, "USD".into()));
        assert_eq!(m("USD 1,000"), (100_000, "USD".into()));
        assert_eq!(m("1,000,000"), (100_000_000, "EUR".into()));
        assert_eq!(m("JPY 5000"), (5_000, "JPY".into()));
        assert_eq!(m("-10.5"), (-1_050, "EUR".into()));
    }

    #[test]
    fn refuses_what_is_not_money() {
        assert_eq!(Money::parse("ten", Some("EUR")).unwrap_err().0, "'ten' is not an amount of money");
        assert!(Money::parse("10", None).is_err());
        assert!(Money::parse("1.0055", Some("EUR")).is_err());
        assert_eq!(m("1.005"), (100_500, "EUR".into()));
    }

    #[test]
    fn formats_minor_units() {
        assert_eq!(Money { minor: 123_450, currency: "EUR".into() }.amount(), "1234.50");
        assert_eq!(Money { minor: -5, currency: "USD".into() }.amount(), "-0.05");
        assert_eq!(Money { minor: 7, currency: "JPY".into() }.amount(), "7");
    }
}
