//! Countries as ISO 3166-1 alpha-2 codes.

use crate::Invalid;
use serde::Serialize;

/// An ISO 3166-1 alpha-2 country code, upper-case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Country(String);

/// Common English and local names of countries, for input given as a name.
const NAMES: &[(&str, &str)] = &[
    ("united states", "US"),
    ("united states of america", "US"),
    ("usa", "US"),
    ("u.s.", "US"),
    ("u.s.a.", "US"),
    ("america", "US"),
    ("united kingdom", "GB"),
    ("uk", "GB"),
    ("great britain", "GB"),
    ("england", "GB"),
    ("scotland", "GB"),
    ("wales", "GB"),
    ("northern ireland", "GB"),
    ("finland", "FI"),
    ("suomi", "FI"),
    ("germany", "DE"),
    ("deutschland", "DE"),
    ("sweden", "SE"),
    ("sverige", "SE"),
    ("norway", "NO"),
    ("norge", "NO"),
    ("denmark", "DK"),
    ("danmark", "DK"),
    ("estonia", "EE"),
    ("eesti", "EE"),
    ("france", "FR"),
    ("spain", "ES"),
    ("españa", "ES"),
    ("italy", "IT"),
    ("italia", "IT"),
    ("netherlands", "NL"),
    ("the netherlands", "NL"),
    ("holland", "NL"),
    ("belgium", "BE"),
    ("austria", "AT"),
    ("österreich", "AT"),
    ("switzerland", "CH"),
    ("schweiz", "CH"),
    ("ireland", "IE"),
    ("poland", "PL"),
    ("polska", "PL"),
    ("portugal", "PT"),
    ("canada", "CA"),
    ("mexico", "MX"),
    ("brazil", "BR"),
    ("australia", "AU"),
    ("new zealand", "NZ"),
    ("japan", "JP"),
    ("china", "CN"),
    ("india", "IN"),
    ("south africa", "ZA"),
    ("singapore", "SG"),
    ("israel", "IL"),
    ("czech republic", "CZ"),
    ("czechia", "CZ"),
    ("lithuania", "LT"),
    ("latvia", "LV"),
    ("iceland", "IS"),
    ("luxembourg", "LU"),
    ("greece", "GR"),
    ("hungary", "HU"),
    ("romania", "RO"),
    ("bulgaria", "BG"),
    ("croatia", "HR"),
    ("serbia", "RS"),
    ("slovakia", "SK"),
    ("slovenia", "SI"),
    ("ukraine", "UA"),
    ("russia", "RU"),
    ("russian federation", "RU"),
    ("turkey", "TR"),
    ("türkiye", "TR"),
    ("cyprus", "CY"),
    ("malta", "MT"),
    ("argentina", "AR"),
    ("chile", "CL"),
    ("colombia", "CO"),
    ("peru", "PE"),
    ("venezuela", "VE"),
    ("south korea", "KR"),
    ("korea", "KR"),
    ("republic of korea", "KR"),
    ("taiwan", "TW"),
    ("hong kong", "HK"),
    ("philippines", "PH"),
    ("vietnam", "VN"),
    ("viet nam", "VN"),
    ("thailand", "TH"),
    ("malaysia", "MY"),
    ("indonesia", "ID"),
    ("pakistan", "PK"),
    ("bangladesh", "BD"),
    ("united arab emirates", "AE"),
    ("uae", "AE"),
    ("saudi arabia", "SA"),
    ("qatar", "QA"),
    ("egypt", "EG"),
    ("morocco", "MA"),
    ("nigeria", "NG"),
    ("kenya", "KE"),
    ("ghana", "GH"),
    ("frankreich", "FR"),
    ("spanien", "ES"),
    ("italien", "IT"),
    ("niederlande", "NL"),
    ("schweden", "SE"),
    ("ruotsi", "SE"),
    ("saksa", "DE"),
    ("norja", "NO"),
    ("tanska", "DK"),
    ("viro", "EE"),
    ("yhdysvallat", "US"),
    ("vereinigte staaten", "US"),
    ("großbritannien", "GB"),
    ("vereinigtes königreich", "GB"),
    ("britain", "GB"),
    ("méxico", "MX"),
    ("brasil", "BR"),
];

impl Country {
    /// Accepts a code (`fi`, `FI`) or a common name (`Finland`, `Deutschland`).
    pub fn parse(input: &str) -> Result<Self, Invalid> {
        let trimmed = input.trim();
        let lower = trimmed.to_lowercase();
        if let Some((_, code)) = NAMES.iter().find(|(name, _)| *name == lower) {
            return Ok(Self((*code).to_owned()));
        }
        let upper = if trimmed.eq_ignore_ascii_case("uk") { "GB".to_owned() } else { trimmed.to_uppercase() };
        if upper.len() == 2 && upper.chars().all(|c| c.is_ascii_uppercase()) && crate::Region::parse(&upper).is_ok() {
            return Ok(Self(upper));
        }
        Err(Invalid::new(format!("'{trimmed}' is not a country; use an ISO 3166 code such as US, GB, FI or DE")))
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    #[must_use]
    pub fn into_inner(self) -> String {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_names() {
        assert_eq!(Country::parse("fi").unwrap().as_str(), "FI");
        assert_eq!(Country::parse("Deutschland").unwrap().as_str(), "DE");
        assert_eq!(Country::parse("UK").unwrap().as_str(), "GB");
        assert!(Country::parse("Atlantis").is_err());
        assert!(Country::parse("QQ").is_err());
    }
}
