//! Addresses written whole, on one line or several, as purchased lists and other CRMs
//! often hold them: "1 Market St, San Francisco, CA 94105, USA", "Königstraße 1, 80331
//! München", "10 Downing Street, London SW1A 2AA". Taken apart so that the city, the state
//! (and with it the time zone), the postcode and the country are fields of their own.

use crate::{Country, text, timezone};

/// An address's parts. Taking one apart fills only what it was not given; what cannot
/// be told apart stays in the street.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Parts {
    pub street: Option<String>,
    pub city: Option<String>,
    pub region: Option<String>,
    pub postcode: Option<String>,
    pub country: Option<String>,
}

/// Countries whose addresses name a state or province before the postcode.
const WITH_STATES: [&str; 3] = ["US", "CA", "AU"];

impl Parts {
    /// Takes the street apart: its last parts (after commas or line breaks) that name the
    /// country, or repeat the city, region or postcode already known, are dropped; those
    /// that give a city, a state and a postcode the address lacks fill them ("…,
    /// Springfield, IL 62701", "…, 80331 München", "…, London SW1A 2AA", "…, Tokyo
    /// 100-0005, Japan"). A part that disagrees with what is known stops the reading and
    /// stays in the street, as does everything of an address on one line with no commas.
    #[must_use]
    pub fn read_street(mut self) -> Self {
        let Some(whole) = self.street.take() else { return self };
        let mut parts: Vec<String> =
            whole.split([',', '\n', '\r']).map(text::collapse_whitespace).filter(|p| !p.is_empty()).collect();
        while let [.., previous, last] = parts.as_slice()
            && self.take_trailing(last, previous, parts.len())
        {
            parts.pop();
        }
        self.street = Some(parts.join(", "));
        self
    }

    /// Fills what is missing from a place written as people's profiles and prospect lists
    /// give it ("Austin, Texas, United States", "Berlin, Germany", "Ontario, Canada",
    /// "Sweden"): the country it ends with, then a state or province of that country, and
    /// the city before. Nothing is taken from a place in another country than the row's,
    /// and a region "Area" ("Greater London Area") is no city.
    #[must_use]
    pub fn read_place(mut self, place: &str) -> Self {
        let mut parts: Vec<String> =
            place.split(',').map(text::collapse_whitespace).filter(|p| !p.is_empty()).collect();
        if let Some(named) = parts.last().and_then(|last| country_named(last)) {
            if self.country.as_ref().is_some_and(|c| *c != named) {
                return self;
            }
            self.country = Some(named);
            parts.pop();
        }
        if parts.len() > 2 {
            return self;
        }
        if let Some(last) = parts.last()
            && let Some(country) = self.state_country(last, None)
        {
            self.country.get_or_insert_with(|| country.to_owned());
            self.region.get_or_insert_with(|| last.clone());
            parts.pop();
        }
        if let [city] = parts.as_slice() {
            let words: Vec<&str> = city.split_whitespace().collect();
            if is_place(&words) && !words.last().is_some_and(|w| w.eq_ignore_ascii_case("area")) {
                self.city.get_or_insert_with(|| city.clone());
            }
        } else if let [city, region] = parts.as_slice() {
            self.city.get_or_insert_with(|| city.clone());
            self.region.get_or_insert_with(|| region.clone());
        }
        self
    }

    /// Whether the last part of an address of `count` parts is one this takes (and fills
    /// from): the country, a part of the address already known, a postcode alone, a
    /// state after the part with the postcode, or a city with its state and postcode.
    fn take_trailing(&mut self, last: &str, previous: &str, count: usize) -> bool {
        let known = self.known_words();
        let words: Vec<&str> = last.split_whitespace().collect();
        if words.iter().all(|w| known.contains(&w.to_lowercase())) {
            return true;
        }
        if let Some(named) = country_named(last).or_else(|| country_code_after_postcode(last, previous)) {
            return self.fill_country(named);
        }
        if self.country.as_deref().is_some_and(|c| last.eq_ignore_ascii_case(c)) {
            return true;
        }
        if self.postcode.is_none() && postcode_last(&words).is_some_and(|(_, n)| n == words.len()) {
            let code = words.join(" ");
            if self.country.is_none() {
                self.country = country_of_postcode(&code).map(str::to_owned);
            }
            self.postcode = Some(code);
            return true;
        }
        if self.region.is_none() && count > 2 && is_place(&words) && is_locality(previous) {
            // "80802 München, Bavaria": a region after the city and its postcode.
            self.region = Some(words.join(" "));
            return true;
        }
        self.take_locality(&words, count)
    }

    /// "[city] [state] postcode", "postcode city", "city [state]" or a state alone.
    fn take_locality(&mut self, words: &[&str], count: usize) -> bool {
        let (postcode, city_words) = match postcode_last(words) {
            Some((code, n)) => (Some(code), &words[..words.len() - n]),
            None => match postcode_first(words) {
                Some((code, n)) if is_place(&words[n..]) => (Some(code), &words[n..]),
                _ => (None, words),
            },
        };
        if postcode.is_some() && self.postcode.is_some() {
            return false;
        }
        let found_postcode = postcode.as_deref().or(self.postcode.as_deref());
        // The state: the last one to three words, when they name one.
        let (mut region, mut city) = (None, city_words);
        for n in (1..=city_words.len().min(3)).rev() {
            let (before, state) = city_words.split_at(city_words.len() - n);
            if let Some(country) = self.state_country(&state.join(" "), found_postcode) {
                // A state's name alone ("…, New York") is a city unless a city comes before it.
                let name_alone = before.is_empty() && (n > 1 || state[0].len() > 3);
                if postcode.is_none() && name_alone && count < 3 {
                    break;
                }
                region = Some((state.join(" "), country));
                city = before;
                break;
            }
        }
        if !city.is_empty() && !is_place(city) || city.is_empty() && region.is_none() && postcode.is_none() {
            return false;
        }
        if count < 3 && city.is_empty() && postcode.is_none() {
            // "1 Market St, CA": no city, and no more than the street before the state.
            return false;
        }
        let city = (!city.is_empty()).then(|| city.join(" "));
        let region_name = region.as_ref().map(|(r, _)| r.clone());
        if !agrees(self.city.as_ref(), city.as_ref()) || !agrees(self.region.as_ref(), region_name.as_ref()) {
            return false;
        }
        if self.country.is_none() {
            let by_state =
                region.as_ref().map(|(_, c)| *c).filter(|c| found_postcode.is_some_and(|p| postcode_of(c, p)));
            self.country = by_state.or_else(|| postcode.as_deref().and_then(country_of_postcode)).map(str::to_owned);
        }
        self.city = self.city.take().or(city);
        self.region = self.region.take().or(region_name);
        self.postcode = self.postcode.take().or(postcode);
        true
    }

    /// Takes a country the address names; one that is not the row's stops the reading.
    fn fill_country(&mut self, named: String) -> bool {
        match &self.country {
            Some(c) => *c == named,
            None => {
                self.country = Some(named);
                true
            }
        }
    }

    /// The words of the city, region and postcode known, in lower case.
    fn known_words(&self) -> Vec<String> {
        [&self.city, &self.region, &self.postcode]
            .into_iter()
            .flatten()
            .flat_map(|v| v.split_whitespace())
            .map(str::to_lowercase)
            .collect()
    }

    /// The country whose state or province `words` names ("CA", "IL", "New South Wales"):
    /// the row's country, or when it has none the first of those that write states whose
    /// postcodes look like `postcode`, else the first that has such a state.
    fn state_country(&self, words: &str, postcode: Option<&str>) -> Option<&'static str> {
        let code = (2..=3).contains(&words.len()) && words.chars().all(|c| c.is_ascii_uppercase());
        if !code && words.chars().filter(|c| c.is_alphabetic()).count() < 4 {
            return None;
        }
        let key = words.to_uppercase();
        let names = |c: &&str| timezone::region_zone(c, &key).is_some();
        match self.country.as_deref() {
            Some(country) => WITH_STATES.into_iter().filter(names).find(|c| *c == country),
            None => WITH_STATES
                .into_iter()
                .filter(names)
                .find(|c| postcode.is_some_and(|p| postcode_of(c, p)))
                .or_else(|| WITH_STATES.into_iter().find(names)),
        }
    }
}

/// Whether a part found agrees with the one known (the same, or either unknown).
fn agrees(known: Option<&String>, found: Option<&String>) -> bool {
    match (known, found) {
        (Some(k), Some(f)) => k.to_lowercase() == f.to_lowercase(),
        _ => true,
    }
}

/// The country an address's part names in full ("Japan", "Deutschland", "USA"): a code
/// ("CA") may be a state, and Georgia is a state as often as it is a country.
#[must_use]
pub fn country_named(part: &str) -> Option<String> {
    let part = part.trim();
    let letters = part.chars().filter(|c| c.is_alphabetic()).count();
    if letters < 3 || part.eq_ignore_ascii_case("georgia") {
        return None;
    }
    Country::parse(part).ok().map(Country::into_inner)
}

/// A country's two-letter code after a part that ends with a postcode ("…, CA 94105, US",
/// "…, Toronto ON M5J 2J2, CA"); elsewhere a code may be a state ("…, Springfield, IL").
fn country_code_after_postcode(part: &str, previous: &str) -> Option<String> {
    let words: Vec<&str> = previous.split_whitespace().collect();
    let ends_with_postcode = postcode_last(&words).is_some_and(|(_, n)| n < words.len());
    let code = part.trim();
    (ends_with_postcode && code.len() == 2 && code.chars().all(|c| c.is_ascii_alphabetic()))
        .then(|| Country::parse(code).ok().map(Country::into_inner))
        .flatten()
}

/// Whether a postcode has the shape of `country`'s: "94105" or "94105-1234" in the United
/// States, "M5J 2J2" in Canada, "2000" in Australia.
fn postcode_of(country: &str, code: &str) -> bool {
    let b = code.as_bytes();
    let digits = |s: &[u8]| s.iter().all(u8::is_ascii_digit);
    match country {
        "US" => b.len() == 5 && digits(b) || b.len() == 10 && digits(&b[..5]) && b[5] == b'-' && digits(&b[6..]),
        "CA" => {
            let c: Vec<u8> = b.iter().copied().filter(|c| *c != b' ').collect();
            c.len() == 6
                && c.iter()
                    .enumerate()
                    .all(|(i, c)| if i % 2 == 0 { c.is_ascii_uppercase() } else { c.is_ascii_digit() })
        }
        "AU" => b.len() == 4 && digits(b),
        _ => false,
    }
}

/// The country a postcode's shape alone gives: "SW1A 2AA" is British, "M5J 2J2" Canadian,
/// "1012 AB" Dutch. Five digits or four are written in too many countries to say.
fn country_of_postcode(code: &str) -> Option<&'static str> {
    let (outward, inward) = code.split_once(' ')?;
    let shape = |w: &str| -> String {
        w.chars()
            .map(|c| {
                if c.is_ascii_digit() {
                    '9'
                } else if c.is_ascii_uppercase() {
                    'A'
                } else {
                    '?'
                }
            })
            .collect()
    };
    match (shape(outward).as_str(), shape(inward).as_str()) {
        ("A9A", "9A9") => Some("CA"),
        ("A9" | "A99" | "A9A" | "AA9" | "AA99" | "AA9A", "9AA") => Some("GB"),
        ("9999", "AA") => Some("NL"),
        _ => None,
    }
}

fn digit_count(word: &str) -> usize {
    word.chars().filter(char::is_ascii_digit).count()
}

fn is_code_word(word: &str) -> bool {
    word.len() <= 10 && word.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

/// A postcode at the end of a part's words, and how many words it takes: "62701",
/// "94105-1234", "100-0005", "SW1A 2AA", "M5J 2J2", "D02 X285".
fn postcode_last(words: &[&str]) -> Option<(String, usize)> {
    let last = *words.last()?;
    if let [.., outward, inward] = words {
        let upper = |w: &str| w.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
        let british = (2..=4).contains(&outward.len())
            && upper(outward)
            && outward.starts_with(|c: char| c.is_ascii_uppercase())
            && digit_count(outward) > 0
            && inward.len() == 3
            && upper(inward)
            && inward.starts_with(|c: char| c.is_ascii_digit());
        let irish =
            outward.len() == 3 && upper(outward) && digit_count(outward) >= 1 && inward.len() == 4 && upper(inward);
        if british || irish && digit_count(inward) > 0 {
            return Some((format!("{outward} {last}"), 2));
        }
    }
    let digits = digit_count(last);
    let letters = last.chars().filter(char::is_ascii_alphabetic).count();
    (is_code_word(last) && (digits >= 3 || digits >= 2 && letters >= 2 && last.len() >= 5))
        .then(|| (last.to_owned(), 1))
}

/// A postcode before the city, and how many words it takes: "80331", "D-80331",
/// "00-950", "1000-001", "111 22" (Sweden), "1012 AB" (the Netherlands).
fn postcode_first(words: &[&str]) -> Option<(String, usize)> {
    let first = *words.first()?;
    let all_digits = |w: &str, n: usize| w.len() == n && w.bytes().all(|b| b.is_ascii_digit());
    if let [_, second, ..] = words
        && (all_digits(first, 3) && all_digits(second, 2)
            || all_digits(first, 4) && second.len() == 2 && second.chars().all(|c| c.is_ascii_uppercase()))
    {
        return Some((format!("{first} {second}"), 2));
    }
    (is_code_word(first) && digit_count(first) >= 4).then(|| (first.to_owned(), 1))
}

/// Whether a part is a city with its postcode ("80331 München", "London SW1A 2AA").
fn is_locality(part: &str) -> bool {
    let words: Vec<&str> = part.split_whitespace().collect();
    postcode_last(&words).is_some_and(|(_, n)| n < words.len() && is_place(&words[..words.len() - n]))
        || postcode_first(&words).is_some_and(|(_, n)| is_place(&words[n..]))
}

/// Whether words can be a city's name: a few words with no digits, not a line of a
/// building ("Suite", "Apt", "c/o") nor a street ("… St", "…straße").
fn is_place(words: &[&str]) -> bool {
    const NOT_FIRST: &[&str] = &[
        "apt",
        "apartment",
        "suite",
        "ste",
        "unit",
        "floor",
        "fl",
        "flr",
        "building",
        "bldg",
        "room",
        "rm",
        "po",
        "p.o",
        "box",
        "c/o",
        "dept",
        "department",
        "level",
        "lvl",
        "office",
        "attn",
        "wing",
        "block",
        "rue",
        "via",
        "calle",
        "avenida",
        "rua",
        "avenue",
    ];
    const NOT_LAST: &[&str] = &[
        "st",
        "street",
        "ave",
        "av",
        "avenue",
        "rd",
        "road",
        "blvd",
        "boulevard",
        "dr",
        "drive",
        "ln",
        "lane",
        "way",
        "ct",
        "court",
        "pl",
        "place",
        "pkwy",
        "parkway",
        "hwy",
        "highway",
        "sq",
        "square",
        "ter",
        "terrace",
        "cres",
        "crescent",
        "close",
        "row",
        "walk",
        "estate",
        "floor",
    ];
    const STREET_ENDINGS: &[&str] = &[
        "straße", "strasse", "str", "weg", "gasse", "allee", "platz", "gatan", "vägen", "vej", "gade", "straat", "laan",
    ];
    let (Some(first), Some(last)) = (words.first(), words.last()) else { return false };
    let key = |w: &str| w.trim_matches(['.', ',']).to_lowercase();
    let (first, last) = (key(first), key(last));
    // A code of two or three capitals ("ON", "NSW") is a state's, not a city's name.
    let code =
        words.len() == 1 && (2..=3).contains(&words[0].len()) && words[0].chars().all(|c| c.is_ascii_uppercase());
    !code
        && words.len() <= 5
        && words.iter().any(|w| w.chars().any(char::is_alphabetic))
        && !words.iter().any(|w| w.chars().any(|c| c.is_ascii_digit()) || w.starts_with('#'))
        && !NOT_FIRST.contains(&first.as_str())
        && !NOT_LAST.contains(&last.as_str())
        && !STREET_ENDINGS.iter().any(|e| last.ends_with(e))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(whole: &str, country: Option<&str>) -> [Option<String>; 5] {
        let p = Parts { street: Some(whole.to_owned()), country: country.map(str::to_owned), ..Parts::default() }
            .read_street();
        [p.street, p.city, p.region, p.postcode, p.country]
    }

    fn parts(
        street: &str,
        city: Option<&str>,
        region: Option<&str>,
        postcode: Option<&str>,
        country: Option<&str>,
    ) -> [Option<String>; 5] {
        [Some(street), city, region, postcode, country].map(|v| v.map(str::to_owned))
    }

    #[test]
    fn a_place_fills_what_the_row_lacks() {
        let place = |p: &str, country: Option<&str>| {
            let parts = Parts { country: country.map(str::to_owned), ..Parts::default() }.read_place(p);
            [parts.city, parts.region, parts.country].map(|v| v.unwrap_or_default())
        };
        assert_eq!(place("Austin, Texas, United States", None), ["Austin", "Texas", "US"]);
        assert_eq!(place("Stockholm, Stockholm County, Sweden", None), ["Stockholm", "Stockholm County", "SE"]);
        assert_eq!(place("Berlin, Germany", None), ["Berlin", "", "DE"]);
        assert_eq!(place("Sweden", None), ["", "", "SE"]);
        assert_eq!(place("Ontario, Canada", None), ["", "Ontario", "CA"]);
        assert_eq!(place("Texas", None), ["", "Texas", "US"]);
        assert_eq!(place("Greater London Area", Some("GB")), ["", "", "GB"]);
        assert_eq!(place("Paris, France", Some("DE")), ["", "", "DE"], "another country's place is left out");
        assert_eq!(place("Toronto", None), ["Toronto", "", ""]);
    }

    #[test]
    fn reads_the_usual_ways_of_writing_an_address() {
        let cases = [
            (
                "123 Main St, Springfield, IL 62701",
                None,
                parts("123 Main St", Some("Springfield"), Some("IL"), Some("62701"), Some("US")),
            ),
            (
                "1600 Amphitheatre Pkwy, Mountain View CA 94043, USA",
                None,
                parts("1600 Amphitheatre Pkwy", Some("Mountain View"), Some("CA"), Some("94043"), Some("US")),
            ),
            (
                "123 Main St\nSpringfield, IL 62701\nUSA",
                None,
                parts("123 Main St", Some("Springfield"), Some("IL"), Some("62701"), Some("US")),
            ),
            (
                "1 Market St, San Francisco, CA 94105, US",
                None,
                parts("1 Market St", Some("San Francisco"), Some("CA"), Some("94105"), Some("US")),
            ),
            (
                "200 Bay St, Toronto ON M5J 2J2, CA",
                None,
                parts("200 Bay St", Some("Toronto"), Some("ON"), Some("M5J 2J2"), Some("CA")),
            ),
            (
                "Königstraße 1, 80331 München",
                Some("DE"),
                parts("Königstraße 1", Some("München"), None, Some("80331"), Some("DE")),
            ),
            (
                "Speicherstadt 5, 20457 Hamburg, Deutschland",
                None,
                parts("Speicherstadt 5", Some("Hamburg"), None, Some("20457"), Some("DE")),
            ),
            (
                "10 Downing Street, London SW1A 2AA",
                None,
                parts("10 Downing Street", Some("London"), None, Some("SW1A 2AA"), Some("GB")),
            ),
            (
                "9 Bay St, Newport Beach 92661",
                Some("US"),
                parts("9 Bay St", Some("Newport Beach"), None, Some("92661"), Some("US")),
            ),
            (
                "1 Rue de Rivoli, 75001 Paris, France",
                None,
                parts("1 Rue de Rivoli", Some("Paris"), None, Some("75001"), Some("FR")),
            ),
            (
                "200 Bay Street, Toronto, ON M5J 2J2",
                None,
                parts("200 Bay Street", Some("Toronto"), Some("ON"), Some("M5J 2J2"), Some("CA")),
            ),
            (
                "1 George St, Sydney NSW 2000, Australia",
                None,
                parts("1 George St", Some("Sydney"), Some("NSW"), Some("2000"), Some("AU")),
            ),
            (
                "Damrak 1, 1012 AB Amsterdam",
                None,
                parts("Damrak 1", Some("Amsterdam"), None, Some("1012 AB"), Some("NL")),
            ),
            (
                "Drottninggatan 5, 111 22 Stockholm, Sweden",
                None,
                parts("Drottninggatan 5", Some("Stockholm"), None, Some("111 22"), Some("SE")),
            ),
            (
                "1-1 Marunouchi, Chiyoda City, Tokyo 100-0005, Japan",
                None,
                parts("1-1 Marunouchi, Chiyoda City", Some("Tokyo"), None, Some("100-0005"), Some("JP")),
            ),
            (
                "1 Market St, San Francisco, CA",
                None,
                parts("1 Market St", Some("San Francisco"), Some("CA"), None, None),
            ),
            (
                "1 Peachtree St, Atlanta, Georgia",
                None,
                parts("1 Peachtree St", Some("Atlanta"), Some("Georgia"), None, None),
            ),
            ("350 5th Ave, New York", Some("US"), parts("350 5th Ave", Some("New York"), None, None, Some("US"))),
            (
                "350 5th Ave, New York, NY 10118",
                None,
                parts("350 5th Ave", Some("New York"), Some("NY"), Some("10118"), Some("US")),
            ),
            (
                "1 Main St, Seattle, Washington 98101",
                None,
                parts("1 Main St", Some("Seattle"), Some("Washington"), Some("98101"), Some("US")),
            ),
            (
                "Leopoldstr. 1, 80802 München, Bavaria, Germany",
                None,
                parts("Leopoldstr. 1", Some("München"), Some("Bavaria"), Some("80802"), Some("DE")),
            ),
            ("5 Main St, Springfield", None, parts("5 Main St", Some("Springfield"), None, None, None)),
            (
                "10 Downing Street, London, SW1A 2AA",
                None,
                parts("10 Downing Street", Some("London"), None, Some("SW1A 2AA"), Some("GB")),
            ),
        ];
        for (whole, country, want) in cases {
            assert_eq!(read(whole, country), want, "{whole}");
        }
    }

    #[test]
    fn lines_of_a_building_or_a_street_are_no_city() {
        for whole in [
            "1 Market St, Suite 200",
            "123 Main Street, Building 5",
            "Acme House, 10 High Street",
            "10 Main St, Apt B",
            "Acme Tower, 12345 Main St",
            "Gebäude B, Hauptstraße 12",
            "Hauptstraße 12 80331 München",
            "1 Market St, CA",
        ] {
            assert_eq!(read(whole, None), parts(whole, None, None, None, None), "{whole}");
        }
    }

    #[test]
    fn what_the_row_knows_is_kept_and_repeated_parts_dropped() {
        let given = |street: &str, city: Option<&str>, region: Option<&str>, country: Option<&str>| Parts {
            street: Some(street.to_owned()),
            city: city.map(str::to_owned),
            region: region.map(str::to_owned),
            postcode: None,
            country: country.map(str::to_owned),
        };
        let p = given("Industrigatan 4, Stockholm, Sweden", Some("Stockholm"), None, None).read_street();
        assert_eq!((p.street.as_deref(), p.country.as_deref()), (Some("Industrigatan 4"), Some("SE")));
        let p = given("9 Elm St, Austin, TX 78702", Some("Austin"), Some("TX"), None).read_street();
        assert_eq!((p.street.as_deref(), p.postcode.as_deref()), (Some("9 Elm St"), Some("78702")));
        let p = given("Leopoldstr. 1, München, Bavaria, Germany, 80802", Some("München"), Some("Bavaria"), None)
            .read_street();
        assert_eq!((p.street.as_deref(), p.postcode.as_deref()), (Some("Leopoldstr. 1"), Some("80802")));
        // A city other than the row's stays where it is written.
        let p = given("9 Elm St, Dallas, TX 75201", Some("Austin"), Some("TX"), None).read_street();
        assert_eq!((p.street.as_deref(), p.city.as_deref()), (Some("9 Elm St, Dallas"), Some("Austin")));
        // So does a province of a country other than the row's (a code is no city).
        let p = given("200 Bay Street, Toronto, ON M5J 2J2", None, None, Some("US")).read_street();
        assert_eq!((p.street.as_deref(), p.city.as_deref()), (Some("200 Bay Street, Toronto, ON M5J 2J2"), None));
        // As does a country other than the row's.
        let p = given("1 Rue de Rivoli, 75001 Paris, France", None, None, Some("BE")).read_street();
        assert_eq!(p.street.as_deref(), Some("1 Rue de Rivoli, 75001 Paris, France"));
    }
}
