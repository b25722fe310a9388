//! Keys that say when two records describe the same lead.
//!
//! Company names are compared without legal suffixes, case, punctuation or
//! diacritics ("Acme, Inc." = "ACME Inc" = "Acme"); web sites by their host
//! without `www.`.

use crate::search;

/// Legal-form words dropped from the end of a company name, after dots are removed
/// ("S.A." → "sa", "Co." → "co").
const LEGAL_SUFFIXES: &[&str] = &[
    "inc",
    "incorporated",
    "corp",
    "corporation",
    "co",
    "company",
    "llc",
    "lc",
    "ltd",
    "limited",
    "plc",
    "llp",
    "lp",
    "pllc",
    "pc",
    "gmbh",
    "mbh",
    "ag",
    "kg",
    "kgaa",
    "ohg",
    "ug",
    "gbr",
    "ev",
    "se",
    "oy",
    "oyj",
    "ky",
    "tmi",
    "ab",
    "hb",
    "as",
    "asa",
    "aps",
    "bv",
    "nv",
    "vof",
    "sa",
    "sas",
    "sarl",
    "sasu",
    "srl",
    "spa",
    "sl",
    "slu",
    "sro",
    "kft",
    "zrt",
    "nyrt",
    "pty",
    "pte",
    "pvt",
    // Sweden's public "AB (publ)", Germany's "e.K." and "UG (haftungsbeschränkt)",
    // Canada's "Ltée", Portugal's "Lda.", Indonesia's "Tbk", Switzerland's "Sagl".
    "publ",
    "ek",
    "haftungsbeschrankt",
    "ltee",
    "lda",
    "ulc",
    "tbk",
    "sagl",
    "eurl",
    "snc",
    "bvba",
    "ltda",
    "sp",
    "zoo",
    "doo",
    "ou",
    "kk",
    "bhd",
    "sdn",
    "holding",
    "holdings",
    "group",
    "the",
    "and",
];

/// Legal forms of several words, as they read once dots are gone and slashes split
/// words: Denmark's and Norway's "A/S", "I/S" and "K/S", Poland's "sp. z o.o.",
/// Mexico's "S.A. de C.V." and "S. de R.L.".
const LEGAL_FORMS: &[&[&str]] = &[
    &["a", "s"],
    &["i", "s"],
    &["k", "s"],
    &["sp", "z", "oo"],
    &["sa", "de", "cv"],
    &["sapi", "de", "cv"],
    &["s", "de", "rl", "de", "cv"],
    &["s", "de", "rl"],
    &["limited", "liability", "company"],
    // India's and Britain's "Private Limited", "Public Limited Company".
    &["private", "limited"],
    &["public", "limited", "company"],
];

/// The comparable form of a company name, or `None` when nothing is left to compare.
#[must_use]
pub fn company_key(name: &str) -> Option<String> {
    let undotted: String = name.chars().filter(|c| *c != '.').collect();
    let mut words = search::terms(&undotted.replace('&', " and "));
    let all = words.clone();
    strip_legal_forms(&mut words);
    if words.first().is_some_and(|w| w == "the") && words.len() > 1 {
        words.remove(0);
    }
    if words.is_empty() {
        words = all;
    }
    (!words.is_empty()).then(|| words.join(" "))
}

/// Drops legal forms ("inc", "gmbh", "s de rl de cv") from the end of a name's terms,
/// keeping at least one term.
pub fn strip_legal_forms(words: &mut Vec<String>) {
    while words.len() > 1 {
        if let Some(form) = LEGAL_FORMS
            .iter()
            .find(|f| words.len() > f.len() && words[words.len() - f.len()..].iter().zip(f.iter()).all(|(w, f)| w == f))
        {
            words.truncate(words.len() - form.len());
        } else if words.last().is_some_and(|w| LEGAL_SUFFIXES.contains(&w.as_str())) {
            words.pop();
        } else {
            break;
        }
    }
}

/// The host of a web address without scheme, `www.`, port or path, lower-cased.
#[must_use]
pub fn web_domain(website: &str) -> Option<String> {
    let rest = website.trim();
    let rest = rest.split_once("://").map_or(rest, |(_, r)| r);
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
    let host = host.split(':').next().unwrap_or("").trim_end_matches('.').to_lowercase();
    let host = host.strip_prefix("www.").unwrap_or(&host);
    (host.contains('.') && !host.starts_with('.')).then(|| host.to_owned())
}

/// Hosts on which many companies have a page (social networks, site builders, map and
/// review sites): two leads with pages there are not the same company.
const SHARED_HOSTS: &[&str] = &[
    "linkedin.com",
    "facebook.com",
    "fb.com",
    "instagram.com",
    "twitter.com",
    "x.com",
    "youtube.com",
    "tiktok.com",
    "xing.com",
    "google.com",
    "goo.gl",
    "business.site",
    "wixsite.com",
    "wix.com",
    "wordpress.com",
    "blogspot.com",
    "squarespace.com",
    "weebly.com",
    "jimdo.com",
    "jimdofree.com",
    "webnode.com",
    "github.io",
    "github.com",
    "sites.google.com",
    "yelp.com",
    "tripadvisor.com",
    "bit.ly",
    "linktr.ee",
    "about.me",
    "medium.com",
    "substack.com",
    "shopify.com",
    "myshopify.com",
    "etsy.com",
    "amazon.com",
    "ebay.com",
];

/// The web domain that says two leads are one company, if their web site is one of its
/// own: the same as [`web_domain`], but nothing for a page on a host many companies
/// share ("linkedin.com/company/acme", "acme.wixsite.com").
#[must_use]
pub fn company_domain(website: &str) -> Option<String> {
    let host = web_domain(website)?;
    let shared = SHARED_HOSTS.iter().any(|s| host == *s || host.strip_suffix(s).is_some_and(|p| p.ends_with('.')));
    (!shared).then_some(host)
}

/// E-mail providers whose addresses anyone can have (webmail, internet providers): an
/// address there says nothing of the company its owner works for.
const MAIL_PROVIDERS: &[&str] = &[
    "gmail.com",
    "googlemail.com",
    "yahoo.com",
    "yahoo.co.uk",
    "yahoo.fr",
    "yahoo.de",
    "yahoo.es",
    "yahoo.it",
    "ymail.com",
    "rocketmail.com",
    "hotmail.com",
    "hotmail.co.uk",
    "hotmail.fr",
    "hotmail.de",
    "hotmail.es",
    "hotmail.it",
    "outlook.com",
    "outlook.de",
    "outlook.fr",
    "live.com",
    "live.co.uk",
    "live.fr",
    "live.de",
    "msn.com",
    "aol.com",
    "aim.com",
    "icloud.com",
    "me.com",
    "mac.com",
    "proton.me",
    "protonmail.com",
    "pm.me",
    "tutanota.com",
    "fastmail.com",
    "hey.com",
    "zoho.com",
    "zohomail.com",
    "mail.com",
    "email.com",
    "gmx.com",
    "gmx.net",
    "gmx.de",
    "gmx.at",
    "gmx.ch",
    "web.de",
    "t-online.de",
    "freenet.de",
    "posteo.de",
    "mailbox.org",
    "arcor.de",
    "orange.fr",
    "wanadoo.fr",
    "free.fr",
    "laposte.net",
    "sfr.fr",
    "neuf.fr",
    "libero.it",
    "virgilio.it",
    "tiscali.it",
    "alice.it",
    "btinternet.com",
    "sky.com",
    "virginmedia.com",
    "ntlworld.com",
    "talktalk.net",
    "comcast.net",
    "verizon.net",
    "att.net",
    "sbcglobal.net",
    "bellsouth.net",
    "cox.net",
    "charter.net",
    "earthlink.net",
    "shaw.ca",
    "rogers.com",
    "sympatico.ca",
    "bigpond.com",
    "optusnet.com.au",
    "xtra.co.nz",
    "seznam.cz",
    "wp.pl",
    "o2.pl",
    "interia.pl",
    "onet.pl",
    "luukku.com",
    "suomi24.fi",
    "mail.ru",
    "yandex.ru",
    "yandex.com",
    "ya.ru",
    "qq.com",
    "163.com",
    "126.com",
    "sina.com",
    "naver.com",
    "daum.net",
    "hanmail.net",
    "rediffmail.com",
    "uol.com.br",
    "bol.com.br",
    "terra.com.br",
    "telefonica.net",
    "bluewin.ch",
    "hispeed.ch",
    "chello.at",
    "kpnmail.nl",
    "ziggo.nl",
    "home.nl",
    "planet.nl",
    "telenet.be",
    "skynet.be",
];

/// The company domain of an e-mail address: its domain, unless anyone can have an address
/// there ("jo@acme.example" → "acme.example"; "jo@gmail.com" → none).
#[must_use]
pub fn email_company_domain(email: &str) -> Option<String> {
    let (_, domain) = email.trim().rsplit_once('@')?;
    let domain = web_domain(domain)?;
    let provider =
        MAIL_PROVIDERS.iter().any(|p| domain == *p || domain.strip_suffix(p).is_some_and(|s| s.ends_with('.')));
    (!provider).then_some(domain)
}

/// Given names and the short forms people go by ("Robert" is "Bob", "Rob", "Bobby"). A
/// short form may stand for several names ("Alex", "Chris", "Pat", "Sam").
const NICKNAMES: &[&[&str]] = &[
    &["robert", "rob", "bob", "bobby", "robbie", "bert"],
    &["william", "will", "bill", "billy", "willy", "liam"],
    &["james", "jim", "jimmy", "jamie"],
    &["john", "jack", "johnny", "jon"],
    &["jonathan", "jon", "jonny", "nathan"],
    &["michael", "mike", "mikey", "mick", "mickey"],
    &["richard", "rick", "ricky", "rich", "richie", "dick"],
    &["thomas", "tom", "tommy"],
    &["joseph", "joe", "joey"],
    &["charles", "charlie", "chuck", "chas"],
    &["christopher", "chris", "kit"],
    &["christine", "christina", "chris", "tina", "chrissy"],
    &["daniel", "dan", "danny"],
    &["matthew", "matt", "matty"],
    &["anthony", "tony"],
    &["steven", "stephen", "steve", "stevie"],
    &["edward", "ed", "eddie", "ted", "ned"],
    &["david", "dave", "davey"],
    &["andrew", "andy", "drew"],
    &["benjamin", "ben", "benny"],
    &["nicholas", "nick", "nicky"],
    &["alexander", "alex", "xander", "sasha"],
    &["alexandra", "alex", "lexi", "sasha"],
    &["samuel", "sam", "sammy"],
    &["samantha", "sam", "sammy"],
    &["timothy", "tim", "timmy"],
    &["patrick", "pat", "paddy"],
    &["patricia", "pat", "patty", "trish", "tricia"],
    &["peter", "pete"],
    &["gregory", "greg"],
    &["jeffrey", "geoffrey", "jeff", "geoff"],
    &["kenneth", "ken", "kenny"],
    &["ronald", "ron", "ronnie"],
    &["donald", "don", "donnie"],
    &["lawrence", "laurence", "larry"],
    &["gerald", "gerry", "jerry"],
    &["raymond", "ray"],
    &["frederick", "fred", "freddie"],
    &["henry", "hank", "harry"],
    &["harold", "hal", "harry"],
    &["elizabeth", "liz", "lizzie", "beth", "betty", "eliza", "libby"],
    &["margaret", "maggie", "meg", "peggy"],
    &["katherine", "catherine", "kathryn", "kate", "katie", "kathy", "cathy", "kat"],
    &["jennifer", "jen", "jenny"],
    &["jessica", "jess", "jessie"],
    &["rebecca", "becky", "becca"],
    &["susan", "sue", "susie"],
    &["deborah", "debra", "deb", "debbie"],
    &["victoria", "vicky", "tori"],
    &["abigail", "abby"],
    &["barbara", "barb"],
    &["cynthia", "cindy"],
    &["jacqueline", "jackie"],
    &["kimberly", "kim"],
    &["pamela", "pam"],
    &["sandra", "sandy"],
    &["stephanie", "steph"],
    &["theresa", "teresa", "terry", "tess"],
    &["judith", "judy"],
    &["anne", "ann", "anna", "annie"],
];

/// Whether two given names, in lower case, are one person's: the same, or a name and a
/// short form of it ("robert" and "bob"), or two short forms of one name ("bob", "rob").
#[must_use]
pub fn same_given_name(a: &str, b: &str) -> bool {
    a == b || NICKNAMES.iter().any(|names| names.contains(&a) && names.contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn company_domains_of_e_mail_addresses() {
        assert_eq!(email_company_domain("Bob@Acme-Widgets.example").as_deref(), Some("acme-widgets.example"));
        assert_eq!(email_company_domain("jo@mail.acme.example").as_deref(), Some("mail.acme.example"));
        for anyone in ["amy@gmail.com", "x@GMX.de", "y@yahoo.co.uk", "z@t-online.de", "w@btinternet.com"] {
            assert_eq!(email_company_domain(anyone), None, "{anyone}");
        }
        assert_eq!(email_company_domain("no-at-sign"), None);
    }

    #[test]
    fn legal_suffixes_case_and_punctuation_do_not_matter() {
        let acme = company_key("Acme").unwrap();
        for name in ["Acme, Inc.", "ACME Inc", "acme inc.", "Acme Corporation", "The Acme Co.", "Acme Ltd", "  ACME  "]
        {
            assert_eq!(company_key(name).as_deref(), Some(acme.as_str()), "{name}");
        }
        assert_eq!(company_key("Kärkkäinen Oy"), company_key("KARKKAINEN OY"));
        assert_eq!(company_key("Müller GmbH & Co. KG"), company_key("Muller"));
        assert_eq!(company_key("Nordic S.A."), company_key("Nordic SA"));
        for name in [
            "Acme A/S",
            "ACME Sp. z o.o.",
            "Acme S.A. de C.V.",
            "Acme, S. de R.L. de C.V.",
            "Acme Holding A/S",
            "Acme AB (publ)",
            "Acme e.K.",
            "Acme UG (haftungsbeschränkt)",
            "Acme Pte. Ltd.",
            "Acme (Pty) Ltd",
            "Acme Ltée",
            "Acme, Lda.",
            "Acme Private Limited",
            "Acme Pvt. Ltd.",
            "Acme Public Limited Company",
            "Acme Limited Liability Company",
        ] {
            assert_eq!(company_key(name).as_deref(), Some(acme.as_str()), "{name}");
        }
        assert_ne!(company_key("Generation Z"), company_key("Generation"));
        assert_ne!(company_key("Acme Robotics"), company_key("Acme"));
    }

    #[test]
    fn a_name_made_only_of_suffixes_is_kept() {
        assert_eq!(company_key("Company").as_deref(), Some("company"));
        assert_eq!(company_key(" ,. "), None);
    }

    #[test]
    fn domains_ignore_scheme_www_and_path() {
        for site in ["https://www.acme.com/about", "acme.com", "http://ACME.com:8080", "www.acme.com."] {
            assert_eq!(web_domain(site).as_deref(), Some("acme.com"), "{site}");
        }
        assert_eq!(web_domain("localhost"), None);
    }

    #[test]
    fn pages_on_shared_hosts_name_no_company() {
        for site in
            ["https://www.linkedin.com/company/acme", "acme.wixsite.com/home", "fb.com/acme", "de.linkedin.com/in/x"]
        {
            assert_eq!(company_domain(site), None, "{site}");
        }
        assert_eq!(company_domain("https://shop.acme.com").as_deref(), Some("shop.acme.com"));
        assert_eq!(company_domain("notlinkedin.com").as_deref(), Some("notlinkedin.com"));
    }

    #[test]
    fn short_forms_of_a_given_name_are_the_name() {
        assert!(
            same_given_name("robert", "bob") && same_given_name("bob", "rob") && same_given_name("kate", "catherine")
        );
        assert!(!same_given_name("robert", "william") && !same_given_name("bob", "bill"));
    }
}
