//! Recognising the columns of other CRMs' exports.
//!
//! Headers are compared by their key: lower-case letters and digits only, diacritics
//! folded ("E-mail" → `email`, "Person - Email - Work" → `personemailwork`). A header
//! maps to one of the fields of an import kind; unmatched headers become custom fields
//! or are ignored, as the user chooses.

/// What is being imported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportKind {
    Leads,
    Products,
    Opportunities,
    Users,
}

impl ImportKind {
    pub const ALL: [ImportKind; 4] =
        [ImportKind::Leads, ImportKind::Products, ImportKind::Opportunities, ImportKind::Users];

    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            ImportKind::Leads => "leads",
            ImportKind::Products => "products",
            ImportKind::Opportunities => "opportunities",
            ImportKind::Users => "users",
        }
    }

    pub fn parse(input: &str) -> Result<Self, crate::Invalid> {
        Self::ALL.into_iter().find(|k| k.as_str() == input.trim().to_lowercase()).ok_or_else(|| {
            crate::Invalid::new(format!("'{input}' is not an import kind; use leads, products, opportunities or users"))
        })
    }

    /// The fields a column can be mapped to.
    #[must_use]
    pub fn fields(self) -> &'static [Field] {
        match self {
            ImportKind::Leads => LEAD_FIELDS,
            ImportKind::Products => PRODUCT_FIELDS,
            ImportKind::Opportunities => OPPORTUNITY_FIELDS,
            ImportKind::Users => USER_FIELDS,
        }
    }

    /// Whether unmatched columns can be kept as custom fields (users have none).
    #[must_use]
    pub fn has_custom_fields(self) -> bool {
        self != ImportKind::Users
    }
}

/// A field a column can fill.
#[derive(Debug)]
pub struct Field {
    pub name: &'static str,
    /// Header keys recognised for this field.
    pub aliases: &'static [&'static str],
    /// Several columns may fill it (phones, e-mails, tags).
    pub multi: bool,
}

const fn f(name: &'static str, aliases: &'static [&'static str]) -> Field {
    Field { name, aliases, multi: false }
}

const fn m(name: &'static str, aliases: &'static [&'static str]) -> Field {
    Field { name, aliases, multi: true }
}

/// Lead and contact fields. `name` is the lead (company or household); the contact
/// is named by `contact_name` or `first_name` + `last_name`.
pub const LEAD_FIELDS: &[Field] = &[
    f(
        "name",
        &[
            "company",
            "companyname",
            "account",
            "accountname",
            "companyaccount",
            "organization",
            "organisation",
            "organizationname",
            "organisationname",
            "personorganization",
            "firma",
            "firmenname",
            "unternehmen",
            "yritys",
            "yrityksennimi",
            "businessname",
            "business",
            "displayname",
            "leadname",
            "customer",
            "customername",
            "kunde",
            "empresa",
            "entreprise",
            "societe",
            "associatedcompany",
            "primaryassociatedcompany",
            "company1",
            "dealorganization",
            "orgname",
        ],
    ),
    f(
        "contact_name",
        &[
            "contactname",
            "fullname",
            "personname",
            "contact",
            "primarycontactname",
            "kontakt",
            "ansprechpartner",
            "yhteyshenkilo",
            "contactperson",
            "dealcontactperson",
            "nimi",
        ],
    ),
    f("first_name", &["firstname", "personfirstname", "givenname", "fname", "vorname", "etunimi", "forename", "first"]),
    f("last_name", &["lastname", "personlastname", "surname", "familyname", "lname", "nachname", "sukunimi", "last"]),
    f(
        "middle_name",
        &["middlename", "additionalname", "middleinitial", "middlenames", "secondname", "weiterevornamen"],
    ),
    f(
        "title",
        &[
            "title",
            "jobtitle",
            "position",
            "designation",
            "contacttitle",
            "primarycontacttitle",
            "titel",
            "titteli",
            "asema",
            "personjobtitle",
            "persontitle",
            "role",
            "jobrole",
        ],
    ),
    m(
        "phone",
        &[
            "phone",
            "phonenumber",
            "telephone",
            "telephonenumber",
            "tel",
            "telefon",
            "telefonnummer",
            "puhelin",
            "puhelinnumero",
            "personphone",
            "contactphone",
            "primarycontactprimaryphone",
            "companyphone",
            "primaryphone",
            "organizationphone",
            "mainphone",
            "phoneno",
            "number",
            "firstphone",
            "corporatephone",
            "hqphone",
            "companyhqphone",
            "headquartersphone",
            "switchboard",
            "zentrale",
            "vaihde",
        ],
    ),
    m(
        "mobile_phone",
        &[
            "mobile",
            "mobilephone",
            "mobilephonenumber",
            "mobilenumber",
            "cell",
            "cellphone",
            "cellular",
            "handy",
            "mobil",
            "matkapuhelin",
            "gsm",
            "personphonemobile",
            "mobiili",
            "handynummer",
            "mobiltelefon",
            "mobiltelefonnummer",
        ],
    ),
    m("work_phone", &["workphone", "officephone", "personphonework", "businessphone", "businessphonenumber", "work"]),
    m("home_phone", &["homephone", "personphonehome", "privatephone", "personalphone", "home"]),
    m(
        "direct_phone",
        &["directphone", "directdial", "directline", "direct", "workdirectphone", "directphonenumber", "durchwahl"],
    ),
    m("fax", &["fax", "faxnumber", "telefax"]),
    m("other_phone", &["otherphone", "otherphonenumber", "personphoneother", "alternatephone", "phoneother"]),
    // What a phone column beside it holds ("Mobile", "Work"): Google Contacts' "Phone 1 - Type".
    m("phone_type", &["phonetype", "phonelabel", "phonenumbertype", "phonekind", "primaryphonetype"]),
    m(
        "email",
        &[
            "email",
            "emailaddress",
            "mail",
            "personemail",
            "personemailwork",
            "personemailhome",
            "personemailother",
            "workemail",
            "contactemail",
            "primarycontactprimaryemail",
            "secondaryemail",
            "supplementalemail",
            "alternateemail",
            "alternativeemail",
            "sahkoposti",
            "emailadresse",
            "courriel",
            "correo",
            "primaryemail",
            "otheremail",
            "additionalemail",
            "additionalemailaddress",
            "businessemail",
            "privateemail",
            "homeemail",
            "personalemail",
        ],
    ),
    f(
        "status",
        &[
            "status",
            "leadstatus",
            "hsleadstatus",
            "statuslabel",
            "leadstatuslabel",
            "tila",
            "leadstage",
            "statusreason",
        ],
    ),
    f(
        "owner",
        &[
            "owner",
            "leadowner",
            "contactowner",
            "companyowner",
            "accountowner",
            "personowner",
            "organizationowner",
            "recordowner",
            "assignedto",
            "salesrep",
            "omistaja",
            "besitzer",
            "ownername",
            "owneremail",
            "leadownername",
            // SuiteCRM's and EspoCRM's "Assigned User Name", Odoo's "Salesperson".
            "assignedusername",
            "assigneduser",
            "assignee",
            "salesperson",
            // Freshsales' "Sales owner", Copper's "Owned By", Zendesk Sell's "Owner".
            "salesowner",
            "ownedby",
        ],
    ),
    f("source", &["source", "leadsource", "originalsource", "personsource", "lahde", "quelle", "origin"]),
    f(
        "website",
        &[
            "website",
            "websiteurl",
            "web",
            "url",
            "companydomainname",
            "domain",
            "domainname",
            "companywebsite",
            "homepage",
            "organizationwebsite",
            "webseite",
            "kotisivu",
            "www",
            "webaddress",
            "webdomain",
            "webpage",
        ],
    ),
    f(
        "street",
        &[
            "street",
            "streetaddress",
            "address",
            "address1",
            "addressline1",
            "mailingstreet",
            "street1",
            "primaryaddressaddress1",
            "billingstreet",
            "strasse",
            "katuosoite",
            "osoite",
            "organizationaddress",
            "personaddress",
            "postaladdress",
            "adresse",
            "streetroadname",
            "streetname",
            "strassenname",
        ],
    ),
    f("house_number", &["housenumber", "hausnummer", "streetnumber", "houseno", "buildingnumber"]),
    m(
        "street2",
        &[
            "street2",
            "address2",
            "addressline2",
            "streetaddress2",
            "street3",
            "address3",
            "addressline3",
            "streetaddress3",
            "adresszusatz",
            "extendedaddress",
            "apartmentsuiteno",
            "apartmentsuite",
            "districtsublocality",
            "sublocality",
        ],
    ),
    f(
        "city",
        &[
            "city",
            "town",
            "mailingcity",
            "billingcity",
            "primaryaddresscity",
            "ort",
            "stadt",
            "kaupunki",
            "postitoimipaikka",
            "ville",
            "ciudad",
            "organizationaddresscity",
            "citytownvillagelocality",
            "locality",
        ],
    ),
    f(
        "region",
        &[
            "state",
            "region",
            "province",
            "stateregion",
            "stateprovince",
            "mailingstateprovince",
            "billingstateprovince",
            "county",
            "primaryaddressstate",
            "bundesland",
            "maakunta",
            "organizationaddressstate",
            "statecounty",
            "statecode",
            "regioncode",
            "provincecode",
        ],
    ),
    f(
        "postcode",
        &[
            "postcode",
            "postalcode",
            "zip",
            "zipcode",
            "zippostalcode",
            "mailingzippostalcode",
            "billingzippostalcode",
            "plz",
            "postleitzahl",
            "postinumero",
            "primaryaddresszipcode",
            "codepostal",
            "organizationaddresspostalcode",
        ],
    ),
    f(
        "country",
        &[
            "country",
            "countryregion",
            "mailingcountry",
            "billingcountry",
            "land",
            "maa",
            "primaryaddresscountry",
            "countrycode",
            "pays",
            "pais",
            "organizationaddresscountry",
        ],
    ),
    // A whole address on one line; its street is used where a row has no address in parts.
    f(
        "full_address",
        &["fullcombinedaddress", "fulladdress", "combinedaddress", "completeaddress", "formattedaddress"],
    ),
    // Where a person or company is, as profiles and prospect lists write it ("Austin, Texas,
    // United States"): fills the city, state and country a row lacks.
    f(
        "location",
        &["location", "personlocation", "contactlocation", "companylocation", "headquarterslocation", "hqlocation"],
    ),
    f(
        "description",
        &[
            "description",
            "notes",
            "note",
            "details",
            "comments",
            "comment",
            "remarks",
            "about",
            "beschreibung",
            "bemerkung",
            "bemerkungen",
            "notiz",
            "notizen",
            "kommentar",
            "kuvaus",
            "lisatiedot",
            "huomautus",
        ],
    ),
    m(
        "tags",
        &[
            "tags",
            "tag",
            "labels",
            "label",
            "personlabel",
            "organizationlabel",
            "keywords",
            "categories",
            "groupmembership",
        ],
    ),
    f("time_zone", &["timezone", "tz", "zone"]),
    f(
        "external_id",
        &[
            // A contacts export names each person's company by its id beside the person's
            // own id: the company is the lead, so its id comes first.
            "accountid",
            "companyid",
            "organizationid",
            "orgid",
            "leadid",
            "associatedcompanyid",
            // Purchased lists name the company's record beside the person's own.
            "apolloaccountid",
            "zoominfocompanyid",
            "id",
            "recordid",
            // HubSpot's internal name for its Record ID.
            "hsobjectid",
            "contactid",
            "personid",
            "externalid",
            "crmid",
            "hubspotid",
            "salesforceid",
            "zohoid",
            "closeid",
            "uniqueid",
        ],
    ),
    f("kind", &["kind", "leadkind", "leadtype", "customertype"]),
    f("do_not_call", &["donotcall", "dnc", "donotphone", "phoneoptout", "nocalls"]),
    f(
        "do_not_email",
        &[
            "donotemail",
            "emailoptout",
            "unsubscribed",
            "optedout",
            "hasoptedoutofemail",
            "optout",
            "unsubscribedfromallemail",
            "globalunsubscribe",
        ],
    ),
];

pub const PRODUCT_FIELDS: &[Field] = &[
    f(
        "name",
        &[
            "name",
            "productname",
            "product",
            "title",
            "itemname",
            "item",
            "tuote",
            "tuotenimi",
            "produkt",
            "produktname",
            "artikel",
            "artikelname",
            "bezeichnung",
            "artikelbezeichnung",
        ],
    ),
    f(
        "code",
        &[
            "code",
            "productcode",
            "sku",
            "itemcode",
            "articlenumber",
            "partnumber",
            "productid",
            "id",
            "koodi",
            "tuotekoodi",
            "tuotenumero",
            "artikelnummer",
            "artnr",
            "produktnummer",
            "produktcode",
        ],
    ),
    f(
        "price",
        &[
            "price",
            "prices",
            "unitprice",
            "listprice",
            "amount",
            "hinta",
            "yksikkohinta",
            "listahinta",
            "preis",
            "listenpreis",
            "einzelpreis",
            "stuckpreis",
            "verkaufspreis",
            "nettopreis",
            "cost",
        ],
    ),
    f("currency", &["currency", "currencycode", "pricecurrency", "valuta", "valuutta", "waehrung", "wahrung"]),
    f("description", &["description", "productdescription", "details", "kuvaus", "beschreibung"]),
];

pub const OPPORTUNITY_FIELDS: &[Field] = &[
    f(
        "name",
        &[
            "name",
            "opportunityname",
            "dealname",
            "dealtitle",
            "title",
            "deal",
            "opportunity",
            "potentialname",
            "verkaufschance",
            "chance",
            "myyntimahdollisuus",
        ],
    ),
    f(
        "lead",
        &[
            "lead",
            "leadname",
            "company",
            "companyname",
            "account",
            "accountname",
            "organization",
            "organizationname",
            "dealorganization",
            "associatedcompany",
            "customer",
            "dealorganizationname",
            "firma",
            "unternehmen",
            "kunde",
            "yritys",
            "asiakas",
        ],
    ),
    f(
        "lead_external_id",
        &[
            "leadid",
            "accountid",
            "companyid",
            "organizationid",
            "leadexternalid",
            "associatedcompanyid",
            "associatedcompanyids",
            "associatedcompanyrecordid",
            "dealorganizationid",
        ],
    ),
    f("product", &["product", "productname", "productcode", "sku", "dealproduct", "products"]),
    f(
        "owner",
        &[
            "owner",
            "dealowner",
            "opportunityowner",
            "ownername",
            "owneremail",
            "assignedto",
            "salesrep",
            "assignedusername",
            "assigneduser",
            "salesperson",
            "username",
        ],
    ),
    // Close names an opportunity's stage its "status_label" and whether it is won its "status_type".
    f(
        "stage",
        &[
            "stage",
            "dealstage",
            "opportunitystage",
            "pipelinestage",
            "salesstage",
            "statuslabel",
            "phase",
            "verkaufsphase",
            "vaihe",
        ],
    ),
    f(
        "amount",
        &[
            "amount",
            "value",
            "dealvalue",
            "dealamount",
            "opportunityamount",
            "total",
            "betrag",
            "wert",
            "summe",
            "arvo",
            "summa",
        ],
    ),
    f(
        "currency",
        &[
            "currency",
            "dealcurrency",
            "currencycode",
            "valuecurrency",
            "opportunitycurrency",
            "currencyofvalue",
            "amountcurrency",
        ],
    ),
    f(
        "close_date",
        &[
            "closedate",
            "expectedclosedate",
            "expectedclose",
            "dealexpectedclosedate",
            "closingdate",
            "abschlussdatum",
            "erwartetesabschlussdatum",
        ],
    ),
    // When a won or lost deal was actually closed (Pipedrive's "Won time", "Deal closed on").
    f(
        "closed_on",
        &[
            "wontime",
            "dealwontime",
            "losttime",
            "deallosttime",
            "closetime",
            "dealclosetime",
            "dealclosedon",
            "closedon",
            "dateclosed",
            "closeddate",
            "actualclosedate",
            "wondate",
            "lostdate",
            "datewon",
            "datelost",
        ],
    ),
    f(
        "created_date",
        &[
            "createdate",
            "createddate",
            "creationdate",
            "datecreated",
            "dealcreated",
            "created",
            "createdon",
            "createdat",
            "opened",
            "opendate",
            "createdtime",
        ],
    ),
    f("status", &["status", "dealstatus", "wonlost", "outcome", "result", "statustype"]),
    // Salesforce reports carry the outcome as two flags.
    f("won", &["won", "iswon", "closedwon"]),
    f("closed", &["closed", "isclosed"]),
    f("lost_reason", &["lostreason", "closedlostreason", "reasonlost", "deallostreason", "lossreason"]),
    f("external_id", &["id", "recordid", "dealid", "opportunityid", "externalid", "potentialid"]),
];

pub const USER_FIELDS: &[Field] = &[
    f("name", &["name", "fullname", "username", "displayname", "nimi"]),
    f("first_name", &["firstname", "givenname", "etunimi", "vorname"]),
    f("last_name", &["lastname", "surname", "familyname", "sukunimi", "nachname"]),
    f("email", &["email", "emailaddress", "mail", "useremail", "login", "sahkoposti"]),
    f("role", &["role", "userrole", "profile", "rooli", "rolle", "position", "title", "jobtitle", "designation"]),
    f(
        "team",
        &[
            "team",
            "teamname",
            "group",
            "department",
            "tiimi",
            "salesteam",
            "orgunitpath",
            "orgunit",
            "abteilung",
            "osasto",
        ],
    ),
    f(
        "manager",
        &[
            "manager",
            "managername",
            "manageremail",
            "reportsto",
            "esimies",
            "supervisor",
            "vorgesetzter",
            "vorgesetzte",
        ],
    ),
    f("active", &["active", "isactive", "enabled", "status", "userstatus", "accountstatus", "aktiv", "aktiivinen"]),
];

/// How a field of `kind` is shown to someone mapping columns ("Mobile phone", "E-mail").
#[must_use]
pub fn field_label(kind: ImportKind, name: &str) -> String {
    let special = match (kind, name) {
        (ImportKind::Leads, "name") => "Lead name (company or household)",
        (ImportKind::Products, "name") => "Product name",
        (ImportKind::Opportunities, "name") => "Opportunity name",
        (ImportKind::Users, "name") => "Full name",
        (ImportKind::Leads, "title") => "Contact's job title",
        (ImportKind::Leads, "first_name") => "Contact's first name",
        (ImportKind::Leads, "last_name") => "Contact's last name",
        (ImportKind::Leads, "middle_name") => "Contact's middle name",
        (ImportKind::Leads, "phone_type") => "Type of the phone beside it (mobile, work, ...)",
        (ImportKind::Leads, "contact_name") => "Contact's full name",
        (ImportKind::Leads, "kind") => "Kind (company or person)",
        (ImportKind::Leads, "region") => "Region / state",
        (ImportKind::Leads, "street2") => "Street, further line",
        (ImportKind::Leads, "full_address") => "Whole address on one line",
        (ImportKind::Leads, "location") => "Place (city, state, country)",
        (_, "email") => "E-mail",
        (_, "do_not_email") => "Do not e-mail",
        (_, "external_id") => "External id",
        (_, "lead_external_id") => "Lead's external id",
        (_, "lead") => "Lead (name)",
        (_, "owner") => "Owner (name or e-mail)",
        (_, "manager") => "Manager (name or e-mail)",
        (_, "code") => "Product code (SKU)",
        (_, "won") => "Won (yes or no)",
        (_, "closed_on") => "Closed on (won or lost)",
        (_, "closed") => "Closed (yes or no)",
        _ => "",
    };
    if !special.is_empty() {
        return special.to_owned();
    }
    let words = name.replace('_', " ");
    let mut chars = words.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

/// The comparable key of a header.
#[must_use]
pub fn header_key(header: &str) -> String {
    let key = crate::search::terms(&without_annotations(header)).concat();
    if key.is_empty() { crate::search::terms(header).concat() } else { key }
}

/// A header without the notes an export template adds to it: Google Workspace's
/// "Email Address [Required]" and "Status [READ ONLY]", "Phone (optional)", "E-mail*".
fn without_annotations(header: &str) -> String {
    let mut out = String::with_capacity(header.len());
    let mut rest = header;
    while let Some(open) = rest.find(['[', '(']) {
        let close = if rest[open..].starts_with('[') { ']' } else { ')' };
        let Some(len) = rest[open..].find(close) else { break };
        let inside = rest[open + 1..open + len].trim().to_lowercase();
        let note = close == ']'
            || matches!(
                inside.as_str(),
                "required" | "optional" | "mandatory" | "read only" | "read-only" | "pflichtfeld" | "pflicht" | "*"
            );
        out.push_str(&rest[..open]);
        if !note {
            out.push_str(&rest[open..=open + len]);
        }
        rest = &rest[open + len + 1..];
    }
    out.push_str(rest);
    out.replace('*', " ")
}

/// Whether a row is the footer a CRM report export ends with rather than a record:
/// one value alone, such as Salesforce's "Grand Totals (12 records)",
/// "Confidential Information - Do Not Distribute" and "Copyright (c) … salesforce.com".
#[must_use]
pub fn is_report_footer<'a>(mut fields: impl Iterator<Item = &'a str>) -> bool {
    let Some(first) = fields.next() else { return false };
    if fields.any(|f| !f.trim().is_empty()) {
        return false;
    }
    let v = first.trim().to_lowercase();
    [
        "grand total",
        "subtotal",
        "confidential information",
        "copyright (c)",
        "copyright ©",
        "generated by:",
        "filtered by:",
    ]
    .iter()
    .any(|p| v.starts_with(p))
}

/// Words other CRMs put in front of a field name ("Person - Email", "Mailing City").
const PREFIXES: &[&str] = &[
    "person",
    "deal",
    "organization",
    "contact",
    "company",
    "lead",
    "mailing",
    "billing",
    "shipping",
    "primary",
    "address1",
    "address",
    // Insightly's "ADDRESS_MAIL_STREET", "Postal City".
    "mail",
    "postal",
    // An event's or form's attendee list gives the company's address as the attendee's
    // work address ("Work Address 1", "Work City", "Business Country").
    "work",
    "business",
    "office",
];

/// Prefixes after which only a part of an address may follow.
const ADDRESS_PREFIXES: &[&str] = &["mailing", "billing", "shipping", "address1", "address", "mail", "postal"];

/// Whether a lead field is a part of an address.
fn is_address_part(name: &str) -> bool {
    ["street", "house_number", "street2", "city", "region", "postcode", "country", "full_address", "location"]
        .contains(&name)
}

/// Finds the field a header means, by its key, then without a trailing number
/// ("Phone 2"), then without up to two of a CRM's prefixes ("Organization - Address -
/// Country", "address_1_city"), then without numbers inside it or a kind after the field
/// ("E-mail 2 Address", "Phone - Mobile").
#[must_use]
pub fn recognise(kind: ImportKind, header: &str) -> Option<&'static Field> {
    recognise_ranked(kind, header).map(|(f, _)| f)
}

/// Like [`recognise`], with how closely the header names the field: 0 for the field's
/// own name, then by the order of its aliases, higher for a header found only after
/// taking a number, a plural or a prefix off. When several columns fill a field that
/// holds one value, the closest one counts ("Product code" before "Product ID").
#[must_use]
pub fn recognise_ranked(kind: ImportKind, header: &str) -> Option<(&'static Field, u32)> {
    let key = header_key(header);
    if key.is_empty() {
        return None;
    }
    // A second or later numbered person's column names one of that person's fields
    // ("contact2_email1" is an e-mail of contact 2); their company's fields are the first's.
    if let Some(unnumbered) = later_person(&key) {
        return recognise_key(kind, &unnumbered, 2, 2).filter(|(f, _)| is_person_field(f.name));
    }
    // Dynamics 365 exports its record's id as "(Do Not Modify) Lead" (or Contact, Account,
    // Opportunity) beside its row checksum and modification time.
    if let Some(rest) = key.strip_prefix("donotmodify") {
        return match rest {
            "lead" | "contact" | "account" | "opportunity" | "product" | "user" | "systemuser" => {
                recognise_key(kind, "externalid", 2, 2)
            }
            _ => None,
        };
    }
    // Pipedrive names the parts of an address field after it: "Organization - City/town/
    // village/locality of Address", "Person - ZIP/Postal code of Postal address".
    if kind == ImportKind::Leads
        && let Some((part, of)) = key.rsplit_once("of")
        && of.ends_with("address")
        && !part.is_empty()
        && let Some(found) = recognise_key(kind, part, 2, 2).filter(|(f, _)| is_address_part(f.name))
    {
        return Some(found);
    }
    // An amount column named for its currency: "Price (USD)", Pipedrive's "Prices - EUR".
    if matches!(kind, ImportKind::Products | ImportKind::Opportunities)
        && let Some(code) = crate::money::currency_in_header(header)
    {
        let rest: String = header
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.eq_ignore_ascii_case(&code) && !w.eq_ignore_ascii_case("in"))
            .collect::<Vec<_>>()
            .join(" ");
        let found = recognise_key(kind, &header_key(&rest), 2, 2).filter(|(f, _)| matches!(f.name, "price" | "amount"));
        if let Some((f, rank)) = found {
            return Some((f, rank + 1));
        }
    }
    // HubSpot marks the primary one of several associations: "Associated Company (Primary)".
    recognise_key(kind, &key, 2, 2)
        .or_else(|| {
            let k = key.strip_suffix("primary").filter(|k| !k.is_empty())?;
            recognise_key(kind, k, 2, 2).map(|(f, rank)| (f, rank + 1))
        })
        .or_else(|| {
            // The first person under another word for contact: "Ansprechpartner 1 Vorname".
            let rest = ["contactperson", "ansprechpartner"].iter().find_map(|p| key.strip_prefix(p))?;
            let k = format!("contact{rest}");
            recognise_key(kind, &k, 2, 2).filter(|(f, _)| is_person_field(f.name)).map(|(f, rank)| (f, rank + 1))
        })
}

/// The fields of a row's person (its contact), as opposed to the lead's.
#[must_use]
pub fn is_person_field(name: &str) -> bool {
    matches!(
        name,
        "contact_name"
            | "first_name"
            | "last_name"
            | "middle_name"
            | "title"
            | "phone"
            | "mobile_phone"
            | "work_phone"
            | "home_phone"
            | "direct_phone"
            | "fax"
            | "other_phone"
            | "phone_type"
            | "email"
            | "do_not_call"
            | "do_not_email"
    )
}

/// Which numbered person of a row a column belongs to: 0 for the first or only one, 1 for
/// "contact2_name" or "Contact 2 E-mail", 2 for "person3…", and so on (up to the tenth).
#[must_use]
pub fn person_of(header: &str) -> u8 {
    person_number(&header_key(header)).map_or(0, |n| n - 1)
}

/// How files number their people: "Contact 2 …", "Contact Person 2 …", "Ansprechpartner 2 …".
const PERSON_PREFIXES: [&str; 4] = ["contactperson", "ansprechpartner", "contact", "person"];

/// The number of a numbered person's column from the second on ("contact2…" → 2).
fn person_number(key: &str) -> Option<u8> {
    PERSON_PREFIXES.iter().find_map(|p| {
        let rest = key.strip_prefix(p)?;
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        let n = digits.parse::<u8>().ok().filter(|n| (2..=10).contains(n))?;
        (rest.len() > digits.len()).then_some(n)
    })
}

/// A second or later numbered person's column key as the first person's would read
/// ("contact2email1" → "contactemail1", "ansprechpartner2nachname" → "contactnachname").
fn later_person(key: &str) -> Option<String> {
    let n = person_number(key)?;
    let prefix = PERSON_PREFIXES.into_iter().find(|p| key.starts_with(p))?;
    Some(format!("contact{}", &key[prefix.len() + n.to_string().len()..]))
}

/// `prefixes` and `tails` bound how many prefixes and how many numbers or qualifiers may
/// still be taken off, so that no header ("workworkwork…") makes the search explode.
fn recognise_key(kind: ImportKind, key: &str, prefixes: u8, tails: u8) -> Option<(&'static Field, u32)> {
    let find = |k: &str| {
        kind.fields().iter().find_map(|f| {
            if f.name.replace('_', "") == k {
                return Some((f, 0));
            }
            let at = f.aliases.iter().position(|a| *a == k)?;
            Some((f, u32::try_from(at).unwrap_or(u32::MAX - 100) + 1))
        })
    };
    if let Some(found) = find(key) {
        return Some(found);
    }
    let unnumbered = key.trim_end_matches(|c: char| c.is_ascii_digit());
    // "Phone 2" is a further phone; "Street Address 1" (Keap) is the street, while a
    // field of one value numbered 2 or more ("Company 2") is none.
    let first = &key[unnumbered.len()..] == "1";
    if unnumbered != key
        && let Some((f, rank)) = find(unnumbered).filter(|(f, _)| f.multi || first)
    {
        return Some((f, rank + 1));
    }
    // Numbered people and their numbers ("contact1_name", "contact1_email1", "E-mail 2
    // Address") when that names a field as it is; "address_1_address_2" is the second line.
    let plain: String = key.chars().filter(|c| !c.is_ascii_digit()).collect();
    if plain.len() < key.len()
        && let Some((f, rank)) = find(&plain).filter(|(f, _)| f.multi || !key.ends_with(|c: char| c.is_ascii_digit()))
    {
        return Some((f, rank + 1));
    }
    // Headers in the plural ("Phones", "Other e-mail addresses", "Unit prices").
    if let Some((f, rank)) =
        ["es", "s"].iter().filter_map(|s| unnumbered.strip_suffix(s)).filter(|k| !k.is_empty()).find_map(find)
    {
        return Some((f, rank + 1));
    }
    if prefixes == 0 {
        return qualified(kind, key, unnumbered, prefixes, tails);
    }
    // A products or deals export may name its record in front of every field
    // ("Product - Product code"); in a leads file, "Product name" is no lead's name.
    let own: &[&str] = match kind {
        ImportKind::Products => &["product", "item"],
        ImportKind::Opportunities => &["opportunity", "potential"],
        ImportKind::Leads | ImportKind::Users => &[],
    };
    // A deal's "Contact Name" is the name of a person on it, not the deal's.
    let others: &[&str] = match kind {
        ImportKind::Opportunities => &["contact", "person"],
        _ => &[],
    };
    // After "Address", "Mailing" or "Billing" comes a part of an address ("Address - Home"
    // is no home phone).
    let address_part = |f: &Field| is_address_part(f.name);
    PREFIXES
        .iter()
        .chain(own)
        .filter(|p| !others.contains(p))
        .filter_map(|p| key.strip_prefix(p).map(|r| (p, r)))
        .filter(|(_, r)| !r.is_empty())
        .find_map(|(p, r)| {
            recognise_key(kind, r, prefixes - 1, tails)
                .filter(|(f, _)| !ADDRESS_PREFIXES.contains(p) || kind != ImportKind::Leads || address_part(f))
        })
        .map(|(f, rank)| (f, rank + 1))
        .or_else(|| qualified(kind, key, unnumbered, prefixes, tails))
}

/// Words after a field that say which one of several it is ("Phone - Work", "E-mail
/// (Home)", Google's "Phone 1 - Value", Outlook's German "Telefon geschäftlich"), with
/// the kind of phone each names, and whether it may follow any field (a company's
/// address: "Straße geschäftlich") or only a phone or e-mail.
const QUALIFIERS: &[(&str, Option<&str>, bool)] = &[
    ("value", None, true),
    ("main", None, true),
    ("work", Some("work"), true),
    ("business", Some("work"), true),
    ("office", Some("work"), true),
    ("buro", Some("work"), true),
    ("geschaftlich", Some("work"), true),
    ("dienstlich", Some("work"), true),
    ("tyo", Some("work"), true),
    ("home", Some("home"), false),
    ("private", Some("home"), false),
    ("personal", Some("home"), false),
    ("privat", Some("home"), false),
    ("koti", Some("home"), false),
    ("mobile", Some("mobile"), false),
    ("cell", Some("mobile"), false),
    ("mobil", Some("mobile"), false),
    ("other", Some("other"), false),
    ("direct", Some("direct"), false),
    ("fax", Some("fax"), false),
];

/// The last tries for a header: without digits inside it ("E-mail 2 Address",
/// "Organization 1 - Name"), then without a qualifier after the field ("Phone - Mobile"
/// is a mobile phone, "E-mail - Work" an e-mail).
fn qualified(kind: ImportKind, key: &str, unnumbered: &str, prefixes: u8, tails: u8) -> Option<(&'static Field, u32)> {
    if tails == 0 {
        return None;
    }
    if key.contains(|c: char| c.is_ascii_digit()) {
        let plain: String = key.chars().filter(|c| !c.is_ascii_digit()).collect();
        if !plain.is_empty()
            && plain != unnumbered
            && let Some((f, rank)) = recognise_key(kind, &plain, prefixes, tails - 1)
        {
            return Some((f, rank + 1));
        }
    }
    QUALIFIERS.iter().find_map(|(q, phone, any_field)| {
        let base = unnumbered.strip_suffix(q).filter(|b| !b.is_empty())?;
        let (f, rank) = recognise_key(kind, base, prefixes, tails - 1)?;
        if !any_field && !f.multi {
            return None;
        }
        let phone_kind = phone.filter(|_| f.name == "phone").and_then(|p| {
            let of_kind =
                |k: &str| recognise_key(kind, k, 0, 0).filter(|(g, _)| g.name.ends_with("phone") || g.name == "fax");
            of_kind(&format!("{p}phone")).or_else(|| of_kind(p))
        });
        Some(phone_kind.map_or((f, rank + 1), |(g, _)| (g, rank + 1)))
    })
}

/// A field by its name as users write it in a mapping (`email`, `mobile`, `company`).
#[must_use]
pub fn field_named(kind: ImportKind, name: &str) -> Option<&'static Field> {
    let n = name.trim().to_lowercase().replace([' ', '-'], "_");
    let n = match (kind, n.as_str()) {
        (ImportKind::Leads, "company" | "lead_name") => "name",
        (ImportKind::Leads, "mobile") => "mobile_phone",
        (ImportKind::Leads, "e_mail") => "email",
        (_, "zip" | "postal_code") => "postcode",
        _ => n.as_str(),
    };
    kind.fields().iter().find(|f| f.name == n).or_else(|| recognise(kind, name))
}

/// Maps every header: `Some((field, rank))` where recognised (the rank as in
/// [`recognise_ranked`]). For leads, a bare "Name" names the contact when another
/// column names the company.
#[must_use]
pub fn auto_map(kind: ImportKind, headers: &[String]) -> Vec<Option<(&'static Field, u32)>> {
    let mut out: Vec<Option<(&'static Field, u32)>> = headers.iter().map(|h| recognise_ranked(kind, h)).collect();
    if kind == ImportKind::Leads {
        // "Name" and "Lead Name" name the person when another column names the company.
        let generic = |h: &String| matches!(header_key(h).as_str(), "name" | "leadname" | "personname" | "nimi");
        let company_column =
            headers.iter().zip(&out).any(|(h, f)| f.is_some_and(|(f, _)| f.name == "name") && !generic(h));
        let person_column = headers.iter().zip(&out).any(|(h, f)| {
            f.is_some_and(|(f, _)| ["contact_name", "first_name", "last_name"].contains(&f.name)) && !generic(h)
        });
        for (h, slot) in headers.iter().zip(out.iter_mut()) {
            let key = header_key(h);
            if !matches!(key.as_str(), "name" | "leadname") {
                continue;
            }
            // Close's "lead_name" beside its "display_name" and the contact's own columns is
            // the company again: it fills the lead's name only where the company is empty.
            if key == "leadname" && company_column && person_column {
                continue;
            }
            // Beside a "Lead Name" (Close's contacts export), a bare "Name" is the person's.
            let lead_name_column = key == "name" && headers.iter().any(|h| header_key(h) == "leadname");
            let target = if company_column || lead_name_column { "contact_name" } else { "name" };
            *slot = kind.fields().iter().find(|f| f.name == target).map(|f| (f, 0));
        }
        // Beside the parts of an address (a street name, a house number), a column that
        // only says "Address" holds the whole address on one line.
        let one_line = |h: &String| {
            let key = header_key(h);
            let whole = |k: &str| {
                matches!(
                    k,
                    "address"
                        | "addresses"
                        | "fulladdress"
                        | "completeaddress"
                        | "postaladdress"
                        | "adresse"
                        | "osoite"
                )
            };
            whole(&key) || PREFIXES.iter().filter_map(|p| key.strip_prefix(p)).any(whole)
        };
        let in_parts = headers
            .iter()
            .zip(&out)
            .any(|(h, f)| f.is_some_and(|(f, _)| f.name == "house_number" || (f.name == "street" && !one_line(h))));
        if in_parts {
            let whole = kind.fields().iter().find(|f| f.name == "full_address");
            for (h, slot) in headers.iter().zip(out.iter_mut()) {
                if slot.is_some_and(|(f, _)| f.name == "street") && one_line(h) {
                    *slot = whole.map(|f| (f, 0));
                }
            }
        }
        // A list of people (Apollo, ZoomInfo, Pipedrive's people) says where the person is
        // beside the company's address ("City" and "Company City"): the lead is the company,
        // so its address is the company's; the person's parts it also has are left to be
        // custom fields.
        let of_company = |h: &String| {
            let key = header_key(h);
            ["company", "organization", "organisation", "account"]
                .iter()
                .any(|p| key.len() > p.len() && key.starts_with(p))
        };
        let address_part = |slot: &Option<(&Field, u32)>| slot.map(|(f, _)| f.name).filter(|n| is_address_part(n));
        let company_parts: Vec<&str> = headers
            .iter()
            .zip(&out)
            .filter(|(h, _)| of_company(h))
            .filter_map(|(_, slot)| address_part(slot))
            .collect();
        for (h, slot) in headers.iter().zip(out.iter_mut()) {
            if !of_company(h) && address_part(slot).is_some_and(|n| company_parts.contains(&n)) {
                *slot = None;
            }
        }
        // Beside a "Job Title", a bare "Title" is the salutation ("Mr.", as Outlook writes it).
        let job_title = headers
            .iter()
            .zip(&out)
            .any(|(h, f)| f.is_some_and(|(f, _)| f.name == "title") && header_key(h) != "title");
        if job_title {
            for (h, slot) in headers.iter().zip(out.iter_mut()) {
                if header_key(h) == "title" {
                    *slot = None;
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(kind: ImportKind, headers: &[&str]) -> Vec<&'static str> {
        let hs: Vec<String> = headers.iter().map(|h| (*h).to_owned()).collect();
        auto_map(kind, &hs).into_iter().map(|f| f.map_or("-", |(f, _)| f.name)).collect()
    }

    #[test]
    fn every_field_has_a_label() {
        for kind in ImportKind::ALL {
            for field in kind.fields() {
                let label = field_label(kind, field.name);
                assert!(label.starts_with(|c: char| c.is_uppercase()) && !label.contains('_'), "{label}");
            }
        }
        assert_eq!(field_label(ImportKind::Leads, "mobile_phone"), "Mobile phone");
        assert_eq!(field_label(ImportKind::Products, "name"), "Product name");
    }

    #[test]
    fn report_footers_are_not_records() {
        for footer in [
            "Grand Totals (2 records)",
            "Confidential Information - Do Not Distribute",
            "Copyright (c) 2000-2026 salesforce.com, inc. All rights reserved.",
        ] {
            assert!(is_report_footer([footer, "", " "].into_iter()), "{footer}");
        }
        assert!(!is_report_footer(["Grand Totals Oy", "+358 40 123 4567"].into_iter()));
        assert!(!is_report_footer(["Acme Oy"].into_iter()));
        assert!(!is_report_footer(std::iter::empty()));
    }

    /// A header and the field it must fill ("-": none).
    type Column = (&'static str, &'static str);

    /// Headers of other CRMs' exports.
    const EXPORTS: &[(&str, ImportKind, &[Column])] = &[
        (
            "Keap contacts",
            ImportKind::Leads,
            &[
                ("Street Address 1", "street"),
                ("Street Address 2", "street2"),
                ("Phone 1", "phone"),
                ("Phone 1 Type", "phone_type"),
                ("Phone 2", "phone"),
                ("Company 2", "-"),
            ],
        ),
        (
            "Freshsales and Copper contacts",
            ImportKind::Leads,
            &[
                ("Emails", "email"),
                ("Work", "work_phone"),
                ("Sales owner", "owner"),
                ("Owned By", "owner"),
                ("Details", "description"),
                ("Account name", "name"),
            ],
        ),
        (
            "Close opportunities",
            ImportKind::Opportunities,
            &[
                ("id", "external_id"),
                ("lead_id", "lead_external_id"),
                ("lead_name", "lead"),
                ("status_label", "stage"),
                ("status_type", "status"),
                ("value", "amount"),
                ("value_currency", "currency"),
                ("date_won", "closed_on"),
                ("user_name", "owner"),
            ],
        ),
        (
            "German products",
            ImportKind::Products,
            &[("Produktname", "name"), ("Artikelnummer", "code"), ("Preis", "price"), ("Währung", "currency")],
        ),
        (
            "German deals",
            ImportKind::Opportunities,
            &[
                ("Verkaufschance", "name"),
                ("Firma", "lead"),
                ("Phase", "stage"),
                ("Betrag", "amount"),
                ("Abschlussdatum", "close_date"),
            ],
        ),
        (
            "Finnish products",
            ImportKind::Products,
            &[("Tuotenimi", "name"), ("Tuotekoodi", "code"), ("Hinta", "price"), ("Valuutta", "currency")],
        ),
        (
            "A prospect list",
            ImportKind::Leads,
            &[
                ("Supplemental Email", "email"),
                ("Location", "location"),
                ("Person Location", "location"),
                ("Direct Phone Number", "direct_phone"),
            ],
        ),
        (
            "HubSpot contacts",
            ImportKind::Leads,
            &[
                ("First Name", "first_name"),
                ("Last Name", "last_name"),
                ("Email", "email"),
                ("Phone Number", "phone"),
                ("Mobile Phone Number", "mobile_phone"),
                ("Company Name", "name"),
                ("Unsubscribed from all email", "do_not_email"),
            ],
        ),
        (
            "Salesforce leads report",
            ImportKind::Leads,
            &[
                ("Company / Account", "name"),
                ("Zip/Postal Code", "postcode"),
                ("State/Province", "region"),
                ("Lead Owner", "owner"),
            ],
        ),
        (
            "Pipedrive people",
            ImportKind::Leads,
            &[
                ("Person - Name", "contact_name"),
                ("Person - Organization", "name"),
                ("Person - Email - Work", "email"),
                ("Person - Phone - Mobile", "mobile_phone"),
            ],
        ),
        (
            "Pipedrive organizations",
            ImportKind::Leads,
            &[
                ("Organization - Name", "name"),
                ("Organization - Address", "full_address"),
                ("Organization - Address - Street/road name", "street"),
                ("Organization - Address - House number", "house_number"),
                ("Organization - Address - City/town/village/locality", "city"),
                ("Organization - Address - State/county", "region"),
                ("Organization - Address - ZIP/Postal code", "postcode"),
                ("Organization - Address - Country", "country"),
                ("Organization - Web domain", "website"),
                ("Organization - Label", "tags"),
            ],
        ),
        (
            "Pipedrive organizations (each part of an address named after the field)",
            ImportKind::Leads,
            &[
                ("Organization - Name", "name"),
                ("Organization - Address", "full_address"),
                ("Organization - Apartment/suite no of Address", "street2"),
                ("Organization - Street/road name of Address", "street"),
                ("Organization - House number of Address", "house_number"),
                ("Organization - District/sublocality of Address", "street2"),
                ("Organization - City/town/village/locality of Address", "city"),
                ("Organization - State/County of Address", "region"),
                ("Organization - Region of Address", "region"),
                ("Organization - ZIP/Postal code of Address", "postcode"),
                ("Organization - Country of Address", "country"),
                ("Organization - Full/combined address of Address", "full_address"),
                ("Organization - Visible to", "-"),
            ],
        ),
        (
            "Pipedrive people (a postal address in parts)",
            ImportKind::Leads,
            &[
                ("Person - Name", "contact_name"),
                ("Person - Organization", "name"),
                ("Person - Postal address", "full_address"),
                ("Person - Street/road name of Postal address", "street"),
                ("Person - City/town/village/locality of Postal address", "city"),
                ("Person - Country of Postal address", "country"),
            ],
        ),
        (
            "Close contacts",
            ImportKind::Leads,
            &[
                ("lead_id", "external_id"),
                ("lead_name", "name"),
                ("name", "contact_name"),
                ("title", "title"),
                ("primary_email", "email"),
            ],
        ),
        (
            "Close leads",
            ImportKind::Leads,
            &[
                ("display_name", "name"),
                ("address_1_address_1", "street"),
                ("address_1_address_2", "street2"),
                ("address_1_city", "city"),
                ("address_1_zipcode", "postcode"),
                ("address_1_country", "country"),
            ],
        ),
        (
            "HubSpot deals (the primary company of each deal)",
            ImportKind::Opportunities,
            &[
                ("Deal Name", "name"),
                ("Associated Company (Primary)", "lead"),
                ("Associated Company IDs (Primary)", "lead_external_id"),
                ("Deal owner", "owner"),
            ],
        ),
        (
            "Zoho deals",
            ImportKind::Opportunities,
            &[
                ("Deal Owner", "owner"),
                ("Deal Name", "name"),
                ("Amount", "amount"),
                ("Closing Date", "close_date"),
                ("Account Name", "lead"),
                ("Stage", "stage"),
                ("Contact Name", "-"),
                ("Expected Revenue", "-"),
                ("Created Time", "created_date"),
            ],
        ),
        (
            "Pipedrive deals",
            ImportKind::Opportunities,
            &[
                ("Deal - Title", "name"),
                ("Deal - Value", "amount"),
                ("Deal - Currency of Value", "currency"),
                ("Deal - Organization", "lead"),
            ],
        ),
        (
            "Pipedrive products",
            ImportKind::Products,
            &[
                ("Product - ID", "code"),
                ("Product - Name", "name"),
                ("Product - Product code", "code"),
                ("Product - Unit prices", "price"),
            ],
        ),
        (
            "HubSpot companies",
            ImportKind::Leads,
            &[
                ("Company name", "name"),
                ("Street Address", "street"),
                ("Street Address 2", "street2"),
                ("Address Line 3", "street2"),
                ("Postal Code", "postcode"),
            ],
        ),
        (
            "Apollo people (a purchased list)",
            ImportKind::Leads,
            &[
                ("First Name", "first_name"),
                ("Company", "name"),
                ("Email", "email"),
                ("First Phone", "phone"),
                ("Work Direct Phone", "direct_phone"),
                ("Mobile Phone", "mobile_phone"),
                ("Corporate Phone", "phone"),
                ("Person Linkedin Url", "-"),
                ("Apollo Contact Id", "-"),
                ("Apollo Account Id", "external_id"),
                ("City", "-"),
                ("State", "-"),
                ("Country", "-"),
                ("Company Address", "street"),
                ("Company City", "city"),
                ("Company State", "region"),
                ("Company Country", "country"),
            ],
        ),
        (
            "Pipedrive people with their organization's address",
            ImportKind::Leads,
            &[
                ("Person - Name", "contact_name"),
                ("Person - Organization", "name"),
                ("Person - Postal address", "-"),
                ("Organization - Address", "street"),
            ],
        ),
        (
            "A company list: the company's street, then its city",
            ImportKind::Leads,
            &[("Company", "name"), ("Company Address", "street"), ("City", "city"), ("Zip", "postcode")],
        ),
        (
            "ZoomInfo contacts (a purchased list)",
            ImportKind::Leads,
            &[
                ("Job Title", "title"),
                ("Direct Phone Number", "direct_phone"),
                ("Email Address", "email"),
                ("Mobile phone", "mobile_phone"),
                ("Company Name", "name"),
                ("Company HQ Phone", "phone"),
                ("ZoomInfo Contact ID", "-"),
                ("ZoomInfo Company ID", "external_id"),
                ("Person Zip Code", "postcode"),
            ],
        ),
        (
            "Eventbrite attendees (an event's sign-ups)",
            ImportKind::Leads,
            &[
                ("Order #", "-"),
                ("First Name", "first_name"),
                ("Company", "name"),
                ("Cell Phone", "mobile_phone"),
                ("Work Phone", "work_phone"),
                ("Home Address 1", "-"),
                ("Work Address 1", "street"),
                ("Work Address 2", "street2"),
                ("Work City", "city"),
                ("Work Zip", "postcode"),
                ("Work Country", "country"),
                ("Work Email", "email"),
            ],
        ),
        (
            "Outlook contacts",
            ImportKind::Leads,
            &[
                ("Title", "-"),
                ("First Name", "first_name"),
                ("Middle Name", "middle_name"),
                ("Last Name", "last_name"),
                ("Company", "name"),
                ("Job Title", "title"),
                ("Business Street", "street"),
                ("Business Phone", "work_phone"),
                ("Business Phone 2", "work_phone"),
                ("Mobile Phone", "mobile_phone"),
                ("E-mail Address", "email"),
                ("E-mail 2 Address", "email"),
                ("Web Page", "website"),
                ("Categories", "tags"),
            ],
        ),
        (
            "Outlook contacts in German",
            ImportKind::Leads,
            &[
                ("Firma", "name"),
                ("Vorname", "first_name"),
                ("Nachname", "last_name"),
                ("Straße geschäftlich", "street"),
                ("Ort geschäftlich", "city"),
                ("Postleitzahl geschäftlich", "postcode"),
                ("Telefon geschäftlich", "work_phone"),
                ("Telefon privat", "home_phone"),
                ("Mobiltelefon", "mobile_phone"),
                ("Fax geschäftlich", "fax"),
                ("E-Mail 2: Adresse", "email"),
            ],
        ),
        (
            "Google contacts",
            ImportKind::Leads,
            &[
                ("Name", "contact_name"),
                ("Given Name", "first_name"),
                ("Additional Name", "middle_name"),
                ("Family Name", "last_name"),
                ("E-mail 1 - Type", "-"),
                ("E-mail 1 - Value", "email"),
                ("Phone 1 - Type", "phone_type"),
                ("Phone 1 - Value", "phone"),
                ("Phone 2 - Label", "phone_type"),
                ("Phone 2 - Value", "phone"),
                ("Address 1 - Street", "street"),
                ("Address 1 - Postal Code", "postcode"),
                ("Organization 1 - Name", "name"),
                ("Organization 1 - Title", "title"),
                ("Website 1 - Value", "website"),
                ("Group Membership", "tags"),
            ],
        ),
        (
            "a kind after the field",
            ImportKind::Leads,
            &[
                ("Organization", "name"),
                ("Email - Work", "email"),
                ("E-mail (Home)", "email"),
                ("Phone - Work", "work_phone"),
                ("Phone (Mobile)", "mobile_phone"),
                ("Phone - Home", "home_phone"),
                ("Phone Main", "phone"),
                ("Tel. (Büro)", "work_phone"),
                ("Personal Email", "email"),
                ("Address (Home)", "-"),
            ],
        ),
        (
            "Close leads with numbered contacts",
            ImportKind::Leads,
            &[
                ("display_name", "name"),
                ("lead_name", "name"),
                ("primary_contact_name", "contact_name"),
                ("primary_contact_primary_phone", "phone"),
                ("primary_contact_primary_phone_type", "phone_type"),
                ("contact1_name", "contact_name"),
                ("contact1_email1", "email"),
                ("contact1_phone1_type", "phone_type"),
                ("contact2_name", "contact_name"),
                ("contact2_email1", "email"),
                ("contact2_address", "-"),
                ("Contact Person 2 Email", "email"),
                ("Ansprechpartner 1 Vorname", "first_name"),
                ("Ansprechpartner E-Mail", "email"),
                ("Ansprechpartner 2 E-Mail", "email"),
                ("Ansprechpartner 2 Nachname", "last_name"),
                ("Company 2", "-"),
            ],
        ),
        ("a leads file naming a product", ImportKind::Leads, &[("Company", "name"), ("Product name", "-")]),
    ];

    #[test]
    fn a_header_made_to_branch_is_read_at_once() {
        // Without a bound, each "work" could be a prefix or a qualifier: 2^80 tries.
        let header = "Work ".repeat(40) + &"Value 1 ".repeat(40);
        assert!(recognise(ImportKind::Leads, &header).is_none());
    }

    #[test]
    fn crm_export_headers() {
        for (export, kind, columns) in EXPORTS {
            let headers: Vec<&str> = columns.iter().map(|(h, _)| *h).collect();
            let expected: Vec<&str> = columns.iter().map(|(_, f)| *f).collect();
            assert_eq!(names(*kind, &headers), expected, "{export}");
        }
    }

    #[test]
    fn generic_names_numbers_and_context() {
        assert_eq!(
            names(ImportKind::Leads, &["E-mail", "Firma", "Phone 2", "Name"]),
            ["email", "name", "phone", "contact_name"]
        );
        assert_eq!(names(ImportKind::Leads, &["Name", "Phone"]), ["name", "phone"]);
        assert_eq!(names(ImportKind::Leads, &["Favourite colour"]), ["-"]);
        assert_eq!(field_named(ImportKind::Leads, "Company").unwrap().name, "name");
        assert_eq!(field_named(ImportKind::Leads, "notes").unwrap().name, "description");
        assert_eq!(field_named(ImportKind::Leads, "Bemerkung").unwrap().name, "description");
        // Notes an export template adds to its headers.
        let name = |kind, h| recognise(kind, h).map(|f| f.name);
        assert_eq!(name(ImportKind::Users, "Email Address [Required]"), Some("email"));
        assert_eq!(name(ImportKind::Users, "First Name [Required]"), Some("first_name"));
        assert_eq!(name(ImportKind::Users, "Status [READ ONLY]"), Some("active"));
        assert_eq!(name(ImportKind::Users, "Org Unit Path [Required]"), Some("team"));
        // Amounts named for their currency.
        assert_eq!(name(ImportKind::Opportunities, "Deal value (EUR)"), Some("amount"));
        assert_eq!(name(ImportKind::Products, "Unit price in USD"), Some("price"));
        assert_eq!(name(ImportKind::Products, "Prices - CHF"), Some("price"));
        assert_eq!(name(ImportKind::Leads, "E-mail*"), Some("email"));
        assert_eq!(name(ImportKind::Leads, "Phone (optional)"), Some("phone"));
        assert_eq!(name(ImportKind::Leads, "Associated Company (Primary)"), Some("name"));
        // Insightly, Freshsales, Dynamics 365.
        assert_eq!(name(ImportKind::Leads, "ADDRESS_MAIL_STREET"), Some("street"));
        assert_eq!(name(ImportKind::Leads, "ADDRESS_MAIL_POSTCODE"), Some("postcode"));
        assert_eq!(name(ImportKind::Leads, "ADDRESS_MAIL_COUNTRY"), Some("country"));
        assert_eq!(name(ImportKind::Leads, "Postal City"), Some("city"));
        assert_eq!(name(ImportKind::Leads, "Lead stage"), Some("status"));
        assert_eq!(name(ImportKind::Leads, "Status Reason"), Some("status"));
        assert_eq!(name(ImportKind::Leads, "hs_lead_status"), Some("status"));
        assert_eq!(name(ImportKind::Leads, "hs_object_id"), Some("external_id"));
        assert_eq!(name(ImportKind::Leads, "(Do Not Modify) Lead"), Some("external_id"));
        assert_eq!(name(ImportKind::Leads, "(Do Not Modify) Row Checksum"), None);
        assert_eq!(name(ImportKind::Leads, "Assigned User Name"), Some("owner"));
        assert_eq!(name(ImportKind::Opportunities, "Salesperson"), Some("owner"));
        assert_eq!(name(ImportKind::Leads, "Mail"), Some("email"));
        assert_eq!(name(ImportKind::Leads, "Mailbox"), None);
        assert_eq!(name(ImportKind::Leads, "Domain name"), Some("website"));
        assert_eq!(field_named(ImportKind::Leads, "state").unwrap().name, "region");
        assert_eq!(names(ImportKind::Leads, &["Lead Name", "Company"]), ["contact_name", "name"]);
        assert_eq!(names(ImportKind::Leads, &["Lead Name", "Phone"]), ["name", "phone"]);
        assert_eq!(
            names(
                ImportKind::Leads,
                &["Company", "Phones", "Other Phones", "E-mails", "Email Addresses", "Additional email addresses"]
            ),
            ["name", "phone", "other_phone", "email", "email", "email"]
        );
        assert_eq!(
            names(ImportKind::Leads, &["Notes", "Owners", "Status", "Address"]),
            ["description", "owner", "status", "street"]
        );
        // Beside a street and house number, "Address" is the whole address on one line.
        assert_eq!(
            names(ImportKind::Leads, &["Company", "Address", "Street", "House number", "City"]),
            ["name", "full_address", "street", "house_number", "city"]
        );
        assert_eq!(names(ImportKind::Leads, &["Address", "Address 2", "City"]), ["street", "street2", "city"]);
    }
}
