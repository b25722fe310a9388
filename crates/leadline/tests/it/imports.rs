//! Importing from CSV through the API: mapping of known exports, normalization,
//! de-duplication, the error report, encodings, bad files, undo, export round trip,
//! and the rest of a CRM (products, opportunities, users).

use crate::harness::{Backend, TestApp, problem_fields};
use axum::http::StatusCode;
use serde_json::{Value, json};

crate::on_both!(
    known_exports_are_mapped_without_help,
    values_are_normalized,
    addresses_in_parts_or_on_one_line,
    duplicates_in_every_form_are_found,
    merge_keeps_existing_values_and_update_overwrites,
    bad_rows_are_reported_and_the_rest_imported,
    encodings_and_delimiters_are_read,
    unusable_files_fail_with_one_message_and_write_nothing,
    undo_restores_and_keeps_later_edits,
    a_running_import_can_be_stopped_and_undone,
    export_then_import_reproduces_the_leads,
    products_opportunities_users_and_teams,
    mapping_overrides_and_unmapped_columns,
    random_files_import_whole_rows_or_nothing,
    a_list_imported_twice_at_once_is_stored_once,
    a_lead_added_during_an_import_is_found_by_it,
    an_undo_goes_on_when_its_request_goes_away,
    an_interrupted_undo_goes_on_when_a_server_starts,
    an_import_and_an_undo_of_one_organization_take_turns,
    a_lead_deleted_during_an_import_is_no_longer_matched,
    an_opportunity_names_one_lead_or_is_refused,
    an_import_waits_for_one_writing_whatever_their_ids,
    products_and_deals_keep_the_columns_no_field_claims,
    stages_of_the_old_crm_are_chosen_on_the_mapping_page,
    an_undo_keeps_what_was_worked_on_since,
    a_company_e_mail_domain_is_a_web_domain,
);

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/imports/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

async fn crm(backend: Backend) -> (TestApp, String) {
    let app = TestApp::new(backend).await;
    let org = app.org("CRM", "US").await;
    let (_, token) = app.user(&org, "admin@crm.test", "admin").await;
    (app, token)
}

fn contact(lead: &Value) -> &Value {
    &lead["contacts"][0]
}

fn phones(lead: &Value) -> Vec<String> {
    lead["contacts"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|c| c["phones"].as_array().cloned().unwrap_or_default())
        .map(|p| p["e164"].as_str().unwrap_or("").to_owned())
        .collect()
}

/// Deletes lead `id` over the API.
async fn delete_lead(app: &TestApp, token: &str, id: &str) {
    let r = app.request(axum::http::Method::DELETE, &format!("/api/v1/leads/{id}"), Some(token), None, &[]).await;
    assert!(r.status.is_success(), "{}", r.text);
}

/// Previews fixture `file` as `kind` over the API.
async fn preview_fixture(app: &TestApp, token: &str, kind: &str, file: &str) -> crate::harness::Response {
    app.upload("/api/v1/imports/preview", token, &[("kind", kind)], file, &fixture(file)).await
}

/// Undoes import `id` over the API.
async fn undo(app: &TestApp, token: &str, id: &str) -> crate::harness::Response {
    app.request(axum::http::Method::POST, &format!("/api/v1/imports/{id}/undo"), Some(token), None, &[]).await
}

/// Imports `csv` as `file` with the usual options and answers the import and every lead after it.
async fn import_and_list(app: &TestApp, token: &str, file: &str, csv: &str) -> (Value, Vec<Value>) {
    let done = app.import(token, &[], file, csv.as_bytes()).await;
    (done, app.all_leads(token).await)
}

/// The lead of that name among `leads`.
fn named<'a>(leads: &'a [Value], name: &str) -> &'a Value {
    leads.iter().find(|l| l["name"] == name).unwrap_or_else(|| panic!("no lead {name}: {leads:?}"))
}

async fn report(app: &TestApp, token: &str, id: &str) -> Vec<Value> {
    let r = app.get(&format!("/api/v1/imports/{id}/report"), token).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    r.body["items"].as_array().cloned().unwrap_or_default()
}

async fn known_exports_are_mapped_without_help(backend: Backend) {
    let (app, token) = crm(backend).await;
    // (fixture, lead name, contact name, e-mail, a phone in E.164, other expectations)
    let cases = [
        (
            "hubspot_contacts.csv",
            "Navy Systems, Inc.",
            "Grace Hopper",
            "grace.hopper@navy-systems.example",
            "+12065550142",
        ),
        ("hubspot_companies.csv", "Fjord Analytics AS", "Fjord Analytics AS", "", "+4722123456"),
        ("salesforce_leads.csv", "Lumière SARL", "Marc Dubois", "marc.dubois@lumiere.example", "+33142685300"),
        (
            "salesforce_contacts.csv",
            "Brightline Logistics Ltd",
            "Olivia Bennett",
            "olivia.bennett@brightline.example",
            "+447400123456",
        ),
        ("pipedrive_people.csv", "Nordvik Trä AB", "Lars Svensson", "lars@nordvik.example", "+46701234567"),
        ("pipedrive_organizations.csv", "Baltic Amber OÜ", "", "", ""),
        ("close_leads.csv", "Kestrel Robotics", "Priya Raman", "priya@kestrel.example", "+14155550133"),
        ("close_contacts.csv", "Orbit Labs", "Ravi Shah", "r.shah@orbit.example", "+16505550101"),
        ("zoho_leads.csv", "Sonnenhof Energie GmbH", "Jana Müller", "jana.mueller@sonnenhof.example", "+4930901820"),
        ("generic_de.csv", "Bäckerei Schmidt KG", "Uwe Schmidt", "uwe@baeckerei-schmidt.example", "+49891234567"),
        (
            "google_contacts.csv",
            "García Logística S.L.",
            "María José García",
            "maria.garcia@gmail.example",
            "+34911234568",
        ),
        ("outlook_contacts.csv", "Larsen Maskin A/S", "Henrik Larsen", "indkob@larsen-maskin.example", "+4586123456"),
        ("linkedin_connections.csv", "Revontuli Software Oy", "Aino Virtanen", "aino.virtanen@revontuli.example", ""),
    ];
    for (file, name, person, email, phone) in cases {
        let preview = app.upload("/api/v1/imports/preview", &token, &[], file, &fixture(file)).await;
        assert_eq!(preview.status, StatusCode::OK, "{file}: {}", preview.text);
        assert!(preview.body.get("imported_before").is_none(), "{file}: a new file");
        let unmapped: Vec<&str> = preview.body["columns"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["field"].as_str().unwrap().starts_with("custom:"))
            .map(|c| c["header"].as_str().unwrap())
            .collect();
        // An address book's export has columns for a person's life beyond their work
        // (nickname, birthday, home address): kept as custom fields when filled.
        let allowed = if file.starts_with("google") || file.starts_with("outlook") { 12 } else { 2 };
        assert!(unmapped.len() <= allowed, "{file}: too many unrecognised columns {unmapped:?}");
        let done = app.import(&token, &[], file, &fixture(file)).await;
        assert_eq!(done["status"], "completed", "{file}: {done}");
        assert_eq!(done["created"], 1, "{file}: {done}");
        assert_eq!(done["rejected"], 0, "{file}: {:?}", report(&app, &token, done["id"].as_str().unwrap()).await);
        let leads = app.all_leads(&token).await;
        let lead = leads.iter().find(|l| l["name"] == name).unwrap_or_else(|| panic!("{file}: no lead {name}"));
        if !person.is_empty() {
            assert_eq!(contact(lead)["name"], person, "{file}");
        }
        if !email.is_empty() {
            assert!(contact(lead)["emails"].as_array().unwrap().contains(&json!(email)), "{file}: {lead}");
        }
        if !phone.is_empty() {
            assert!(phones(lead).contains(&phone.to_owned()), "{file}: {lead}");
        }
        assert!(
            !lead["time_zones"].as_array().unwrap().is_empty()
                || file.starts_with("pipedrive_org")
                || file.starts_with("linkedin"),
            "{file}: {lead}"
        );
    }
    let leads = app.all_leads(&token).await;
    let by_name = |n: &str| leads.iter().find(|l| l["name"] == n).cloned().unwrap();
    let hubspot = by_name("Navy Systems, Inc.");
    assert_eq!(hubspot["external_id"], "5101");
    assert_eq!(hubspot["status"], "contacted");
    assert_eq!(hubspot["country"], "US");
    assert_eq!(hubspot["region"], "WA");
    assert_eq!(hubspot["website"], "https://navy-systems.example");
    assert_eq!(hubspot["owner_name"], "User admin@crm.test");
    assert_eq!(contact(&hubspot)["title"], "Rear Admiral");
    let oslo = by_name("Fjord Analytics AS");
    assert_eq!(oslo["time_zones"], json!(["Europe/Oslo"]));
    assert_eq!(oslo["custom_fields"]["Industry"], "Software");
    assert_eq!(oslo["street"], "Karl Johans gate 1, 4. etasje", "a second address line joins the street");
    let zoho = by_name("Sonnenhof Energie GmbH");
    assert_eq!(zoho["status"], "attempting");
    assert_eq!(contact(&zoho)["do_not_email"], true);
    assert_eq!(contact(&zoho)["emails"].as_array().unwrap().len(), 2);
    assert_eq!(zoho["time_zones"], json!(["Europe/Berlin"]));
    let close = by_name("Kestrel Robotics");
    assert_eq!(close["custom_fields"]["Industry"], "Robotics");
    assert_eq!(close["status"], "qualified");
    // Close's contacts export: a row per person, "name" beside "lead_name" is the person's.
    let orbit = by_name("Orbit Labs");
    let people: Vec<(&str, &str)> = orbit["contacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["name"].as_str().unwrap(), c["title"].as_str().unwrap()))
        .collect();
    assert_eq!(people, [("Ravi Shah", "CEO"), ("Mina Lee", "CTO")]);
    assert_eq!(orbit["external_id"], "lead_orbit");
    let pipedrive = by_name("Nordvik Trä AB");
    assert_eq!(pipedrive["tags"], json!(["hot lead"]));
    let google = by_name("García Logística S.L.");
    let kinds: Vec<(&str, &str)> = contact(&google)["phones"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["e164"].as_str().unwrap(), p["type"].as_str().unwrap()))
        .collect();
    assert_eq!(
        kinds,
        [("+34612345678", "mobile"), ("+34911234567", "work"), ("+34911234568", "work")],
        "each number's kind comes from the label column beside it; ' ::: ' separates numbers"
    );
    assert_eq!(google["tags"], json!(["prospects"]), "Google's own group myContacts is no tag");
    assert_eq!(google["street"], "Calle Mayor 1, 2º izquierda");
    assert_eq!(google["website"], "https://www.garcia-logistica.example");
    assert_eq!(contact(&google)["title"], "Directora de ventas");
    assert!(
        google["custom_fields"].get("E-mail 1 - Label").is_none()
            && google["custom_fields"].get("Address 1 - Formatted").is_none(),
        "columns describing another are not custom fields: {google}"
    );
    let outlook = by_name("Larsen Maskin A/S");
    assert_eq!(contact(&outlook)["title"], "Purchasing Manager", "Outlook's Title is the salutation");
    assert_eq!(outlook["custom_fields"]["Title"], "Mr.");
    assert_eq!(outlook["tags"], json!(["machinery", "prospects"]));
    assert_eq!(outlook["street"], "Industrivej 12");
    assert_eq!(outlook["country"], "DK");
    assert!(outlook["custom_fields"].get("E-mail Display Name").is_none(), "{outlook}");
    assert_eq!(contact(&outlook)["emails"].as_array().unwrap().len(), 2);
    let linkedin = by_name("Revontuli Software Oy");
    assert!(linkedin["website"].is_null(), "a person's profile is no company's web site: {linkedin}");
    assert_eq!(linkedin["custom_fields"]["URL"], "https://www.linkedin.com/in/aino-virtanen-4b1a2c");
    assert_eq!(contact(&linkedin)["title"], "Head of Procurement");
    let german = by_name("Bäckerei Schmidt KG");
    assert_eq!(german["country"], "DE");
    assert_eq!(german["city"], "München");
    assert_eq!(german["custom_fields"]["Branche"], "Lebensmittel");
    assert!(phones(&german).contains(&"+491719876543".to_owned()));
}

async fn values_are_normalized(backend: Backend) {
    let (app, token) = crm(backend).await;
    let csv = "Company,Contact,E-mail,Phone,Mobile,Country,State,Status,Owner\n\
        \"  Acme   Widgets \",\"  Ada   Lovelace \",\"  ADA@Acme.Example \",(206) 555-0100,,us,WA,Qualified,User admin@crm.test\n\
        Helsinki Oy,Väinö Virtanen,vaino@helsinki.example,040 123 4567,,Finland,,contacted,ADMIN@CRM.TEST\n\
        Tokyo KK,Aiko Sato,aiko@tokyo.example,03-1234-5678,,Japan,,,stranger@nowhere.test\n\
        Local Guy,Bob,bob@local.example,212-555-0187,,,,,\n";
    let done = app.import(&token, &[("default_region", "US")], "norm.csv", csv.as_bytes()).await;
    assert_eq!(done["created"], 4, "{done}");
    assert_eq!(done["warnings"], 1, "{done}");
    let leads = app.all_leads(&token).await;
    let acme = &leads[0];
    assert_eq!(acme["name"], "Acme Widgets");
    assert_eq!(contact(acme)["name"], "Ada Lovelace");
    assert_eq!(contact(acme)["emails"], json!(["ada@acme.example"]));
    assert_eq!(phones(acme), ["+12065550100"]);
    assert_eq!(acme["country"], "US");
    assert_eq!(acme["status"], "qualified");
    assert_eq!(acme["time_zones"], json!(["America/Los_Angeles"]));
    let fi = &leads[1];
    assert_eq!(phones(fi), ["+358401234567"], "a country column decides the region of local numbers");
    assert_eq!(fi["country"], "FI");
    assert!(fi["time_zones"].as_array().unwrap().contains(&json!("Europe/Helsinki")), "{fi}");
    assert_eq!(fi["owner_name"], "User admin@crm.test", "owners match by e-mail without case");
    let jp = &leads[2];
    assert_eq!(phones(jp), ["+81312345678"]);
    assert_eq!(jp["owner_name"], "User admin@crm.test", "an unknown owner falls back to the importing user");
    let local = &leads[3];
    assert_eq!(phones(local), ["+12125550187"]);
    let rows = report(&app, &token, done["id"].as_str().unwrap()).await;
    let warning = rows.iter().find(|r| r["outcome"] == "warning").expect("a warning for the unknown owner");
    assert_eq!(warning["row_number"], 4);
    assert_eq!(warning["column_name"], "Owner");
    assert_eq!(warning["value"], "stranger@nowhere.test");
    // A person's phones keep the file's order: the direct line before the company's
    // switchboard, so the lead's time zone is the person's (Boston, not Los Angeles).
    let csv = "Company Name,First Name,Direct Phone Number,Mobile phone,Company HQ Phone\n\
        Faraway Corp,Bo,+1 617 555 0142,+1 617 555 0143,+1 415 555 0100\n";
    app.import(&token, &[], "zoominfo.csv", csv.as_bytes()).await;
    let leads = app.all_leads(&token).await;
    let faraway = leads.iter().find(|l| l["name"] == "Faraway Corp").unwrap();
    assert_eq!(phones(faraway), ["+16175550142", "+16175550143", "+14155550100"]);
    assert_eq!(faraway["time_zones"], json!(["America/New_York"]), "{faraway}");
    // ... except a fax, which is nobody's number to call first (Outlook writes it first).
    let csv = "Company,First Name,Business Fax,Business Phone\nFaxco,Fay,(703) 555-0199,(703) 555-0100\n";
    let (_, leads) = import_and_list(&app, &token, "outlook.csv", csv).await;
    assert_eq!(phones(named(&leads, "Faxco")), ["+17035550100", "+17035550199"]);
    // A list of one country without a country column: a state of its phones' country gives it.
    let csv = "First Name,Last Name,Phone,City,State\nMary,Major,(503) 555-0143,Portland,Oregon\n\
        Tom,Toronto,416 555 0177,Toronto,ON\nNed,Nowhere,(503) 555-0144,Salem,Ontario\n";
    app.import(&token, &[], "b2c.csv", csv.as_bytes()).await;
    let leads = app.all_leads(&token).await;
    let country = |name: &str| leads.iter().find(|l| l["name"] == name).map(|l| l["country"].clone());
    assert_eq!(
        [country("Mary Major"), country("Tom Toronto"), country("Ned Nowhere")],
        [Some(json!("US")), Some(json!("CA")), Some(Value::Null)]
    );
    // A row without a country writing one number in international form: its national
    // numbers that are none of the organization's country are read as of that one.
    let csv = "First Name,Last Name,Company,Work Phone,Cell Phone\n\
        Tom,O'Neil,O'Neil & Sons Ltd.,+353 1 555 0123,087 123 4567\n\
        Ann,Arbor,Arbor Inc,+44 20 7946 0958,(734) 555-0123\n";
    let (done, leads) = import_and_list(&app, &token, "eventbrite.csv", csv).await;
    assert_eq!((&done["created"], &done["rejected"]), (&json!(2), &json!(0)), "{done}");
    assert_eq!(phones(named(&leads, "O'Neil & Sons Ltd.")), ["+35315550123", "+353871234567"]);
    assert_eq!(
        phones(named(&leads, "Arbor Inc")),
        ["+442079460958", "+17345550123"],
        "a number of the organization's country stays one"
    );
}

/// Pipedrive's address parts ("Street/road name of Address", "House number of Address")
/// make one street in the country's order; a row with only the whole address on one line
/// (or several) is taken apart into street, city, state, postcode and country, and the
/// country its last part names decides how its phone numbers are read and its time zone,
/// as its state does the zone. A state's code at the end ("CA") is no country by itself;
/// beside a phone of a country that has that state, it is that country's.
async fn addresses_in_parts_or_on_one_line(backend: Backend) {
    let (app, token) = crm(backend).await;
    let file = "pipedrive_organizations_address_parts.csv";
    let done = app.import(&token, &[], file, &fixture(file)).await;
    assert_eq!(done["created"], 3, "{done}");
    assert_eq!(done["rejected"], 0, "{done}");
    let leads = app.all_leads(&token).await;
    let by_name = |n: &str| leads.iter().find(|l| l["name"] == n).unwrap_or_else(|| panic!("{n}: {leads:?}"));
    let vega = by_name("Vega Logística S.L.");
    assert_eq!(
        (&vega["street"], &vega["city"], &vega["region"], &vega["postcode"], &vega["country"]),
        (&json!("Calle de Alcalá 50"), &json!("Madrid"), &json!("Comunidad de Madrid"), &json!("28014"), &json!("ES"))
    );
    assert_eq!(phones(vega), ["+34912345678"]);
    assert_eq!(vega["time_zones"], json!(["Europe/Madrid"]));
    assert!(vega["custom_fields"].get("Organization - Address").is_none(), "{vega}");
    let harbor = by_name("Harbor Freight Brokers LLC");
    assert_eq!((&harbor["street"], &harbor["country"]), (&json!("350 5th Ave"), &json!("US")));
    let tanaka = by_name("Tanaka Trading KK");
    assert_eq!(
        (&tanaka["street"], &tanaka["city"], &tanaka["postcode"]),
        (&json!("1-1 Marunouchi, Chiyoda City"), &json!("Tokyo"), &json!("100-0005"))
    );
    assert_eq!(tanaka["country"], "JP");
    assert_eq!(phones(tanaka), ["+81312345678"]);
    assert_eq!(tanaka["time_zones"], json!(["Asia/Tokyo"]));

    let csv = "Company,Address,City,State,Zip,Phone\n\
        Bay Area Co,\"1 Market St, San Francisco, CA\",,,,415 555 0100\n\
        Atlanta Co,\"1 Peachtree St, Atlanta, Georgia\",,,,404 555 0100\n\
        Hamburg GmbH,\"Speicherstadt 5, 20457 Hamburg, Deutschland\",,,,040 1234567\n\
        Nordic Steel AB,\"Industrigatan 4, Stockholm, Sweden\",Stockholm,,,08 123 456 78\n\
        Lone Star LLC,\"401 Congress Ave, Austin, TX 78701\",Austin,TX,78701,512 555 0142\n\
        Half Known Inc,\"9 Elm St, Austin, TX 78702\",Austin,TX,,512 555 0143\n\
        Fox GmbH,\"Leopoldstr. 1, München, Bavaria, Germany, 80802\",München,Bavaria,,089 1234567\n\
        Lincoln Land Inc,\"123 Main St\nSpringfield, IL 62701\nUSA\",,,,217 555 0100\n\
        Downing Ltd,\"10 Downing Street, London SW1A 2AA\",,,,020 7925 0918\n\
        Bay Street Corp,\"200 Bay Street, Toronto, ON M5J 2J2\",,,,\n";
    let done = app.import(&token, &[], "one-line.csv", csv.as_bytes()).await;
    assert_eq!(done["created"], 10, "{done}");
    let leads = app.all_leads(&token).await;
    let by_name = |n: &str| leads.iter().find(|l| l["name"] == n).unwrap_or_else(|| panic!("{n}: {leads:?}"));
    let parts = |l: &Value| {
        [&l["street"], &l["city"], &l["region"], &l["postcode"], &l["country"]].map(|v| v.as_str().map(str::to_owned))
    };
    let want = |parts: [Option<&str>; 5]| parts.map(|p| p.map(str::to_owned));
    let bay = by_name("Bay Area Co");
    // "CA" is California here, not Canada: the state of the phone's country gives the country.
    assert_eq!(parts(bay), want([Some("1 Market St"), Some("San Francisco"), Some("CA"), None, Some("US")]));
    let atlanta = by_name("Atlanta Co");
    assert_eq!(parts(atlanta), want([Some("1 Peachtree St"), Some("Atlanta"), Some("Georgia"), None, Some("US")]));
    let hamburg = by_name("Hamburg GmbH");
    assert_eq!(parts(hamburg), want([Some("Speicherstadt 5"), Some("Hamburg"), None, Some("20457"), Some("DE")]));
    let lincoln = by_name("Lincoln Land Inc");
    assert_eq!(parts(lincoln), want([Some("123 Main St"), Some("Springfield"), Some("IL"), Some("62701"), Some("US")]));
    assert_eq!(lincoln["time_zones"], json!(["America/Chicago"]));
    let downing = by_name("Downing Ltd");
    // So does a British one.
    assert_eq!(parts(downing), want([Some("10 Downing Street"), Some("London"), None, Some("SW1A 2AA"), Some("GB")]));
    assert_eq!(phones(downing), ["+442079250918"]);
    // A Canadian postcode says the country.
    let toronto = by_name("Bay Street Corp");
    assert_eq!(
        parts(toronto),
        want([Some("200 Bay Street"), Some("Toronto"), Some("ON"), Some("M5J 2J2"), Some("CA")])
    );
    assert_eq!(toronto["time_zones"], json!(["America/Toronto"]));
    assert_eq!(phones(hamburg), ["+49401234567"]);
    let nordic = by_name("Nordic Steel AB");
    assert_eq!(
        (&nordic["street"], &nordic["city"], &nordic["country"]),
        (&json!("Industrigatan 4"), &json!("Stockholm"), &json!("SE"))
    );
    assert_eq!(phones(nordic), ["+46812345678"]);
    assert_eq!(by_name("Lone Star LLC")["street"], "401 Congress Ave");
    // A postcode after the parts the row has apart is the row's postcode.
    let half = by_name("Half Known Inc");
    assert_eq!((&half["street"], &half["postcode"]), (&json!("9 Elm St"), &json!("78702")));
    let fox = by_name("Fox GmbH");
    assert_eq!(
        (&fox["street"], &fox["postcode"], &fox["country"]),
        (&json!("Leopoldstr. 1"), &json!("80802"), &json!("DE"))
    );
    // Close writes each address whole ("addresses") and in parts: the parts are the address;
    // the whole one serves a row without them, less the parts its columns give.
    let csv = "display_name,addresses,address_1_address_1,address_1_city,address_1_state,address_1_zipcode,address_1_country\n\
        Bluth Company,\"1 Ocean Ave, Newport Beach, CA 92660, US\",1 Ocean Ave,Newport Beach,CA,92660,US\n\
        Sitwell Enterprises,\"9 Bay St, Newport Beach, CA 92661, US\",,,,,US\n";
    let done = app.import(&token, &[], "close.csv", csv.as_bytes()).await;
    assert_eq!(done["created"], 2, "{done}");
    let leads = app.all_leads(&token).await;
    for (name, postcode) in [("Bluth Company", "92660"), ("Sitwell Enterprises", "92661")] {
        let lead = leads.iter().find(|l| l["name"] == name).unwrap();
        let street = if name == "Bluth Company" { "1 Ocean Ave" } else { "9 Bay St" };
        let got = parts(lead);
        assert_eq!(got, want([Some(street), Some("Newport Beach"), Some("CA"), Some(postcode), Some("US")]), "{lead}");
        assert_eq!(lead["time_zones"], json!(["America/Los_Angeles"]), "{lead}");
        assert!(lead["custom_fields"].as_object().is_none_or(|c| c.is_empty()), "{lead}");
    }
    assert_eq!(phones(fox), ["+49891234567"]);
    // A purchased list of people (Apollo) says where each person is and where their company
    // is: the lead is the company, at the company's address; the person's stays with the lead.
    let csv = "First Name,Last Name,Company,Email,City,State,Country,Company Address,Company City,Company State,Company Country\n\
        Jane,Doe,Globex Corporation,jane@globex.example,Oakland,California,United States,\
        \"1 Globex Way, Palo Alto, California, United States, 94301\",Palo Alto,California,United States\n";
    let done = app.import(&token, &[], "apollo.csv", csv.as_bytes()).await;
    assert_eq!(done["created"], 1, "{done}");
    let leads = app.all_leads(&token).await;
    let globex = leads.iter().find(|l| l["name"] == "Globex Corporation").unwrap();
    assert_eq!(
        parts(globex),
        want([Some("1 Globex Way"), Some("Palo Alto"), Some("California"), Some("94301"), Some("US")])
    );
    assert_eq!(globex["custom_fields"]["City"], "Oakland", "{globex}");
    // A profile's "Location" ("City, Region, Country") gives what the row lacks, and with the
    // country how its phones are read.
    let csv = "First Name,Last Name,Company,Location,Phone\n\
        Lena,Svensson,Nordvik AB (publ),\"Stockholm, Stockholm County, Sweden\",08-765 432 10\n\
        Sam,Houston,Lone Ranger LLC,\"Austin, Texas, United States\",(512) 555-0199\n";
    let (done, leads) = import_and_list(&app, &token, "salesnav.csv", csv).await;
    assert_eq!((&done["created"], &done["rejected"]), (&json!(2), &json!(0)), "{done}");
    let nordvik = named(&leads, "Nordvik AB (publ)");
    assert_eq!(parts(nordvik), want([None, Some("Stockholm"), Some("Stockholm County"), None, Some("SE")]));
    assert_eq!(phones(nordvik), ["+46876543210"]);
    let ranger = named(&leads, "Lone Ranger LLC");
    assert_eq!(parts(ranger), want([None, Some("Austin"), Some("Texas"), None, Some("US")]));
    assert_eq!(ranger["time_zones"], json!(["America/Chicago"]), "{ranger}");
    // Mailchimp sets an address's parts apart by two spaces.
    let csv = "Email Address,First Name,Last Name,Address\n\
        john.smith@example.org,John,Smith,123 Main St  Apt 4  Springfield  IL  62701  US\n";
    let (done, leads) = import_and_list(&app, &token, "mailchimp.csv", csv).await;
    assert_eq!(done["created"], 1, "{done}");
    let john = named(&leads, "John Smith");
    assert_eq!(
        parts(john),
        want([Some("123 Main St, Apt 4"), Some("Springfield"), Some("IL"), Some("62701"), Some("US")])
    );
}

async fn duplicates_in_every_form_are_found(backend: Backend) {
    let (app, token) = crm(backend).await;
    let existing = app
        .lead(
            &token,
            json!({"name": "Acme, Inc.", "website": "https://www.acme.example/about",
                   "contacts": [{"name": "Ann Existing", "emails": ["ann@acme.example"], "phones": ["+1 206 555 0100"]}]}),
        )
        .await;
    let other = app
        .lead(
            &token,
            json!({"name": "Jane Person", "kind": "person",
        "contacts": [{"name": "Jane Person", "emails": ["jane@home.example"], "phones": ["+44 20 7946 0000"]}]}),
        )
        .await;
    let csv = "Company,Name,Email,Phone,Website\n\
        ACME Inc,Someone,someone@else.example,,\n\
        Acme,,,,\n\
        Brand New Co,Ann Again,ANN@ACME.EXAMPLE,,\n\
        Other Co,Phone Match,,+1 (206) 555-0100,\n\
        ,Jane P,,020 7946 0000,\n\
        Domain Twin LLC,,,,acme.example\n\
        Fresh Start Ltd,Fresh,fresh@start.example,,\n\
        Fresh Start,Fresh Again,,,\n";
    let done =
        app.import(&token, &[("match_domain", "true"), ("default_region", "GB")], "dups.csv", csv.as_bytes()).await;
    assert_eq!(done["status"], "completed", "{done}");
    assert_eq!(done["created"], 1, "{done}");
    assert_eq!(done["duplicates"], 7, "{done}");
    let rows = report(&app, &token, done["id"].as_str().unwrap()).await;
    let reason = |row: i64| {
        rows.iter()
            .find(|r| r["row_number"] == row)
            .map(|r| (r["reason"].as_str().unwrap().to_owned(), r["entity_id"].clone()))
            .unwrap()
    };
    let acme_id = existing["id"].clone();
    assert!(reason(2).0.contains("same company name"), "{:?}", reason(2));
    assert_eq!(reason(2).1, acme_id);
    assert!(reason(3).0.contains("same company name"));
    assert!(reason(4).0.contains("same e-mail ann@acme.example"), "{:?}", reason(4));
    assert_eq!(reason(4).1, acme_id);
    assert!(reason(5).0.contains("same phone +12065550100"), "{:?}", reason(5));
    assert!(reason(6).0.contains("same phone +442079460000"), "{:?}", reason(6));
    assert_eq!(reason(6).1, other["id"]);
    assert!(reason(7).0.contains("same web domain acme.example"), "{:?}", reason(7));
    assert!(reason(9).0.contains("same company name"), "a duplicate within the file: {:?}", reason(9));
    assert!(reason(9).0.contains("created from an earlier row"), "{:?}", reason(9));
    // The CSV report names the rows too.
    let csv_report = app.get(&format!("/api/v1/imports/{}/report.csv", done["id"].as_str().unwrap()), &token).await;
    assert!(
        csv_report.text.starts_with("row,outcome,column,value,reason,record_id,record_name\n"),
        "{}",
        csv_report.text
    );
    assert!(csv_report.text.contains(&format!(
        "4,duplicate,,,same e-mail ann@acme.example: skipped as a duplicate of an existing lead,{},\"Acme, Inc.\"\n",
        acme_id.as_str().unwrap()
    )), "the matched lead by id and name: {}", csv_report.text);
    assert_eq!(rows.iter().find(|r| r["row_number"] == 6).unwrap()["record_name"], "Jane Person");
    // The same file again creates nothing new; its preview says it was imported before.
    let preview = app.upload("/api/v1/imports/preview", &token, &[], "dups-again.csv", csv.as_bytes()).await;
    assert_eq!(preview.body["imported_before"]["id"], done["id"], "{}", preview.text);
    assert_eq!(preview.body["imported_before"]["created"], done["created"]);
    let again =
        app.import(&token, &[("match_domain", "true"), ("default_region", "GB")], "dups.csv", csv.as_bytes()).await;
    assert_eq!(again["created"], 0, "{again}");
    assert_eq!(again["duplicates"], 8, "{again}");
    assert_eq!(again["skipped"], 8, "the summary's name for duplicates");
    assert_eq!(app.all_leads(&token).await.len(), 3);
    assert_eq!(again["file_sha256"], done["file_sha256"]);
    // The import's page suggests merging, which would add the skipped rows' people as contacts.
    let (_, session) = crate::auth::login(&app, "admin@crm.test", crate::harness::PASSWORD, &[]).await;
    let page = crate::auth::page(&app, &format!("/imports/{}", again["id"].as_str().unwrap()), &session.unwrap()).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("data-field=\"merge-hint\""), "{}", page.text);

    // People known by name alone are found by their name when the file comes again; a
    // namesake with a number of their own is another person.
    let people = "First Name,Last Name,Phone\nJohn,Smithers,\nMary,Quinnell,\nJohn,Smithers,+44 20 7946 0999\n";
    let first = app.import(&token, &[("default_region", "GB")], "people.csv", people.as_bytes()).await;
    assert_eq!((first["created"].clone(), first["duplicates"].clone()), (json!(3), json!(0)), "{first}");
    let again = app.import(&token, &[("default_region", "GB")], "people.csv", people.as_bytes()).await;
    assert_eq!((again["created"].clone(), again["duplicates"].clone()), (json!(0), json!(3)), "{again}");
    let rows = report(&app, &token, again["id"].as_str().unwrap()).await;
    assert!(rows[0]["reason"].as_str().unwrap().contains("same name (John Smithers)"), "{rows:?}");

    // HubSpot lists a contact's companies in one cell: the first is the lead the person joins.
    let companies = "Record ID,Company name,Phone Number\n9001,Bluebay Gaming Ltd,+44 20 7946 0111\n";
    let done = app.import(&token, &[("default_region", "GB")], "companies.csv", companies.as_bytes()).await;
    assert_eq!(done["created"], 1, "{done}");
    let contacts = "Record ID,First Name,Last Name,Email,Associated Company IDs\n8001,Priya,Example,priya@bluebay.example,9001;9999\n";
    let done = app.import(&token, &[("on_duplicate", "merge")], "contacts.csv", contacts.as_bytes()).await;
    assert_eq!((done["created"].clone(), done["merged"].clone()), (json!(0), json!(1)), "{done}");
    let leads = app.all_leads(&token).await;
    let bluebay = leads.iter().find(|l| l["name"] == "Bluebay Gaming Ltd").unwrap();
    assert!(bluebay["contacts"].to_string().contains("Priya Example"), "{bluebay}");
}

async fn merge_keeps_existing_values_and_update_overwrites(backend: Backend) {
    let (app, token) = crm(backend).await;
    let lead = app
        .lead(
            &token,
            json!({"name": "Merge Me Oy", "source": "Referral", "tags": ["vip"], "custom_fields": {"Tier": "Gold"},
                   "contacts": [{"name": "Mia Merge", "title": "CEO", "emails": ["mia@merge.example"], "phones": ["+358 40 111 2222"]}]}),
        )
        .await;
    let id = lead["id"].as_str().unwrap().to_owned();
    let csv = "Company,Contact,Title,Email,Phone,Source,City,Tags,Tier\n\
        Merge Me,Mia Merge,Chair,mia.private@merge.example,+358 50 333 4444,Cold call,Helsinki,hot,Silver\n\
        Merge Me Oy,Max Second,CTO,max@merge.example,,,,,\n\
        Merge Me Oy,Mia A. Merge,,mia@merge.example,+358 40 555 6666,,,,\n";
    let done = app.import(&token, &[("onDuplicate", "merge")], "merge.csv", csv.as_bytes()).await;
    assert_eq!(done["merged"], 3, "{done}");
    assert_eq!(done["created"], 0);
    let merged = app.get(&format!("/api/v1/leads/{id}"), &token).await.body;
    assert_eq!(merged["source"], "Referral", "merge keeps existing values");
    assert_eq!(merged["city"], "Helsinki", "merge fills empty fields");
    assert_eq!(merged["custom_fields"]["Tier"], "Gold");
    assert_eq!(merged["tags"], json!(["hot", "vip"]));
    let contacts = merged["contacts"].as_array().unwrap();
    assert_eq!(contacts.len(), 2, "a new contact is appended: {merged}");
    let mia = contacts.iter().find(|c| c["name"] == "Mia Merge").unwrap();
    assert_eq!(mia["title"], "CEO");
    assert_eq!(mia["emails"], json!(["mia@merge.example", "mia.private@merge.example"]));
    assert_eq!(mia["phones"].as_array().unwrap().len(), 3, "her name written another way is her: {merged}");
    let rows = report(&app, &token, done["id"].as_str().unwrap()).await;
    assert!(rows.iter().all(|r| r["outcome"] == "merged" && r["entity_id"] == id), "{rows:?}");
    let kept = "; kept the lead's source 'Referral' (the file's 'Cold call'), Tier 'Gold' (the file's 'Silver'), \
                Mia Merge's title 'CEO' (the file's 'Chair')";
    assert!(rows[0]["reason"].as_str().unwrap().ends_with(kept), "the report says what the merge left out: {rows:?}");
    assert!(!rows[1]["reason"].as_str().unwrap().contains("kept the lead's"), "nothing left out: {rows:?}");
    // Two rows of one new lead: the second's other city is reported too.
    let twice = "Company,City\nTwice Oy,Oslo\nTwice Oy,Bergen\n";
    let done = app.import(&token, &[("on_duplicate", "merge")], "twice.csv", twice.as_bytes()).await;
    let rows = report(&app, &token, done["id"].as_str().unwrap()).await;
    assert!(
        rows[0]["reason"].as_str().unwrap().ends_with("; kept the lead's city 'Oslo' (the file's 'Bergen')"),
        "{rows:?}"
    );
    let twice_id = rows[0]["entity_id"].as_str().unwrap().to_owned();
    delete_lead(&app, &token, &twice_id).await;

    let update = "Company,Source,City,Tier,Contact,Title\nMerge Me Oy,Trade fair,Espoo,Platinum,Mia Merge,Founder\n";
    let done = app.import(&token, &[("on-duplicate", "update")], "update.csv", update.as_bytes()).await;
    assert_eq!(done["updated"], 1, "{done}");
    let updated = app.get(&format!("/api/v1/leads/{id}"), &token).await.body;
    assert_eq!(updated["source"], "Trade fair");
    assert_eq!(updated["city"], "Espoo");
    assert_eq!(updated["custom_fields"]["Tier"], "Platinum");
    assert_eq!(updated["contacts"].as_array().unwrap().len(), 2, "update never removes contacts");
    assert!(updated["contacts"].to_string().contains(r#""title":"Founder""#), "{updated}");
    let rows = report(&app, &token, done["id"].as_str().unwrap()).await;
    let replaced = "; replaced the lead's source 'Referral' (the file's 'Trade fair'), city 'Helsinki' (the file's \
                    'Espoo'), Tier 'Gold' (the file's 'Platinum'), Mia Merge's title 'CEO' (the file's 'Founder')";
    assert!(rows[0]["reason"].as_str().unwrap().ends_with(replaced), "the report says what update replaced: {rows:?}");

    // Tags given to the import go on every lead it creates or changes, and undo takes them off.
    let fair = "Company,City\nMerge Me Oy,Espoo\nFair Newcomer Oy,Tampere\n";
    let tags = [("on_duplicate", "merge"), ("tags", "Trade Fair 2026, q4"), ("tag", "fair")];
    let done = app.import(&token, &tags, "fair.csv", fair.as_bytes()).await;
    assert_eq!((done["created"].clone(), done["merged"].clone()), (json!(1), json!(1)), "{done}");
    assert_eq!(done["options"]["tags"], json!(["trade fair 2026", "q4", "fair"]), "{done}");
    let tagged = app.get("/api/v1/leads?tag=trade%20fair%202026", &token).await.body;
    let names: Vec<&str> = tagged["items"].as_array().unwrap().iter().map(|l| l["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Fair Newcomer Oy", "Merge Me Oy"], "{tagged}");
    let r = undo(&app, &token, done["id"].as_str().unwrap()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let after = app.get(&format!("/api/v1/leads/{id}"), &token).await.body;
    assert_eq!(after["tags"], json!(["hot", "vip"]), "undo takes the import's tags off");
    let bad = app.upload("/api/v1/imports", &token, &[("tags", &"x".repeat(60))], "fair.csv", fair.as_bytes()).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.text);
    // In the file, a label too long to be a tag is left out with a warning; its lead is kept.
    let labels = format!("Company,Tags\nLong Label Ltd,\"ok, {}\"\n", "x".repeat(60));
    let done = app.import(&token, &[], "labels.csv", labels.as_bytes()).await;
    assert_eq!((done["created"].clone(), done["warnings"].clone()), (json!(1), json!(1)), "{done}");
    let labelled = app.all_leads(&token).await.into_iter().find(|l| l["name"] == "Long Label Ltd").unwrap();
    assert_eq!(labelled["tags"], json!(["ok"]));

    // Accounts, then their people: each person becomes a contact of their company, found
    // by the company's id, even when they share its switchboard; the company's own number
    // and the people's names, addresses and opt-outs are all kept.
    let accounts = "Id,Name,Phone,Website\n001A,Edge Communications,(512) 757-6000,edge.example\n";
    let done = app.import(&token, &[], "accounts.csv", accounts.as_bytes()).await;
    assert_eq!(done["created"], 1, "{done}");
    let people = "Id,AccountId,FirstName,LastName,Phone,MobilePhone,Email,DoNotCall\n\
        003A,001A,Rose,Gonzalez,(512) 757-6000,(512) 757-9340,rose@edge.example,false\n\
        003B,001A,Sean,Forbes,(512) 757-6000,(512) 757-4561,sean@edge.example,true\n\
        003C,001A,Jack,Rogers,,,jack@edge.example,false\n";
    let done = app.import(&token, &[("on_duplicate", "merge")], "people.csv", people.as_bytes()).await;
    assert_eq!((done["created"].clone(), done["merged"].clone()), (json!(0), json!(3)), "{done}");
    let leads = app.all_leads(&token).await;
    let edge = leads.iter().find(|l| l["name"] == "Edge Communications").unwrap();
    let edge = app.get(&format!("/api/v1/leads/{}", edge["id"].as_str().unwrap()), &token).await.body;
    let names: Vec<&str> = edge["contacts"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Edge Communications", "Rose Gonzalez", "Sean Forbes", "Jack Rogers"], "{edge}");
    let sean = &edge["contacts"][2];
    assert_eq!((sean["emails"].clone(), sean["do_not_call"].clone()), (json!(["sean@edge.example"]), json!(true)));
    assert_eq!(edge["contacts"][0]["do_not_call"], false, "one person's opt-out is not the company's");
}

async fn bad_rows_are_reported_and_the_rest_imported(backend: Backend) {
    let (app, token) = crm(backend).await;
    let csv = "Company,Contact,Email,Phone,Status\n\
        Good One,Ann,ann@good.example,+1 206 555 0101,new\n\
        Bad Mail,Bob,not-an-email,,new\n\
        Bad Phone,Cy,cy@bad.example,12,new\n\
        ,,,,new\n\
        ,,nameless@x.example,,new\n\
        Bad Status,Di,di@bad.example,,sleeping\n\
        Good Two,Eve,eve@good.example,,Attempted to contact\n";
    let done = app.import(&token, &[], "bad.csv", csv.as_bytes()).await;
    assert_eq!(done["created"], 2, "{done}");
    assert_eq!(done["rejected"], 5, "{done}");
    let id = done["id"].as_str().unwrap();
    let rows = report(&app, &token, id).await;
    let rejected: Vec<(i64, String, String)> = rows
        .iter()
        .filter(|r| r["outcome"] == "rejected")
        .map(|r| {
            (
                r["row_number"].as_i64().unwrap(),
                r["column_name"].as_str().unwrap_or("").to_owned(),
                r["value"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    assert_eq!(
        rejected,
        [
            (3, "Email".to_owned(), "not-an-email".to_owned()),
            (4, "Phone".to_owned(), "12".to_owned()),
            (5, "Company".to_owned(), String::new()),
            (6, "Company".to_owned(), String::new()),
            (7, "Status".to_owned(), "sleeping".to_owned()),
        ]
    );
    assert!(rows.iter().all(|r| !r["reason"].as_str().unwrap().is_empty()));
    let csv_report = app.get(&format!("/api/v1/imports/{id}/report.csv"), &token).await;
    assert_eq!(csv_report.headers["content-type"], "text/csv; charset=utf-8");
    let mut reader = csv::Reader::from_reader(csv_report.text.as_bytes());
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(records.len(), 5);
    let errors = app.get(&format!("/api/v1/imports/{id}/errors.csv"), &token).await;
    assert_eq!(errors.text.lines().count(), 6, "the header and the five refused rows: {}", errors.text);
    assert_eq!(&records[0][0], "3");
    assert_eq!(&records[0][2], "Email");
    assert_eq!(&records[0][3], "not-an-email");
    assert!(records[0][4].contains("e-mail"), "{:?}", records[0]);
    let names: Vec<String> =
        app.all_leads(&token).await.iter().map(|l| l["name"].as_str().unwrap().to_owned()).collect();
    assert_eq!(names, ["Good One", "Good Two"]);

    // Rows are numbered as a spreadsheet shows them: the header is row 1, Windows line ends
    // count as others do, a cell's line break does not start a row, and a blank line is a row.
    let files = [
        ("windows.csv", "Company,Contact,Email,Notes\r\nBad First,Bob,not-an-email,\r\nFine Oy,Ann,,\r\n", 2),
        (
            "note.csv",
            "Company,Contact,Email,Notes\nNotes Oy,Ann,,\"first line\nsecond line\"\nBad Again,Bob,not-an-email,\n",
            3,
        ),
        ("gap.csv", "Company,Contact,Email,Notes\r\nGap Oy,Ann,,\r\n\r\nBad Again,Bob,not-an-email,\r\n", 4),
        // A title and a blank row above the header are passed over, and counted.
        (
            "title.csv",
            "Trade show leads 2026,,,\n,,,\nCompany,Contact,Email,Notes\nTitle Oy,Ann,,\nBad Title,Bob,not-an-email,\n",
            5,
        ),
        // A title that happens to name a field ("Customers" → the lead's name) all the same.
        ("customers.csv", "Customers\nCompany,Contact,Email,Notes\nCust Oy,Ann,,\nBad Cust,Bob,not-an-email,\n", 4),
    ];
    for (name, text, row) in files {
        let done = app.import(&token, &[], name, text.as_bytes()).await;
        assert_eq!((done["created"].clone(), done["rejected"].clone()), (json!(1), json!(1)), "{name}: {done}");
        let rows = report(&app, &token, done["id"].as_str().unwrap()).await;
        assert_eq!(rows.len(), 1, "{name}: {rows:?}");
        assert_eq!((rows[0]["row_number"].as_i64(), rows[0]["value"].as_str()), (Some(row), Some("not-an-email")));
    }

    // Cells beyond the header's last column are stored nowhere: the row says so. Placeholder
    // cells ("n/a", "-") are empty, so they refuse no row.
    let text = "Company,Contact,Phone,Email\nWide Oy,Ann,+358 40 123 4567,ann@wide.example,,stray value\n\
        Placeholder Oy,Bob,n/a,-\n\
        Extension Inc,Cy,+1 212 555 0199 x12,\n";
    let done = app.import(&token, &[], "wide.csv", text.as_bytes()).await;
    assert_eq!((done["created"].clone(), done["warnings"].clone()), (json!(3), json!(1)), "{done}");
    let rows = report(&app, &token, done["id"].as_str().unwrap()).await;
    assert_eq!((rows[0]["row_number"].as_i64(), rows[0]["value"].as_str()), (Some(2), Some("stray value")), "{rows:?}");
    // An extension is kept beside the number, and comes back in an export.
    let leads = app.all_leads(&token).await;
    let ext = leads.iter().find(|l| l["name"] == "Extension Inc").unwrap();
    assert_eq!(contact(ext)["phones"][0]["e164"], "+12125550199");
    assert_eq!(contact(ext)["phones"][0]["extension"], "12", "{ext}");
    let export = app.get("/api/v1/exports/leads.csv", &token).await;
    assert!(export.text.contains("+12125550199 x12"), "{}", export.text);

    // A quote never closed runs the rows after it into one name: refused with the reason,
    // not stored as one lead named after three rows.
    let text = "Company,Phone,City\nFine Quote Oy,+358 40 765 4321,Oulu\n\"Unclosed Co,+1 206 555 0114,Spokane\n\
        After One,+1 206 555 0115,Olympia\nAfter Two,+1 206 555 0116,Tacoma\n";
    let done = app.import(&token, &[], "unclosed.csv", text.as_bytes()).await;
    assert_eq!((done["created"].clone(), done["rejected"].clone()), (json!(1), json!(1)), "{done}");
    let rows = report(&app, &token, done["id"].as_str().unwrap()).await;
    assert_eq!(rows[0]["row_number"].as_i64(), Some(3), "{rows:?}");
    assert!(rows[0]["reason"].as_str().unwrap().contains("never closed"), "{rows:?}");
}

async fn a_running_import_can_be_stopped_and_undone(backend: Backend) {
    let (app, token) = crm(backend).await;
    let mut csv = String::from("Company,Contact,Email,Phone\n");
    for i in 0..30_000 {
        csv.push_str(&format!(
            "Stop {i} Oy,Person {i},p{i}@stop{i}.example,+358 40 {:03} {:04}\n",
            100 + i / 10_000,
            i % 10_000
        ));
    }
    let r = app.upload("/api/v1/imports", &token, &[], "stop.csv", csv.as_bytes()).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text);
    let id = r.body["id"].as_str().unwrap().to_owned();
    // Undo waits for the import to be stopped first.
    let r = undo(&app, &token, &id).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    assert!(r.text.contains("stop it first"), "{}", r.text);
    let r = app.request(axum::http::Method::POST, &format!("/api/v1/imports/{id}/stop"), Some(&token), None, &[]).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text);
    assert!(r.body["status"] == "stopping" || r.body["status"] == "stopped", "{}", r.text);
    let done = app.wait_import(&token, &id).await;
    assert_eq!(done["status"], "stopped", "{done}");
    let written = done["created"].as_i64().unwrap();
    assert!(written < 30_000, "it stopped early: {done}");
    assert_eq!(done["rows_done"].as_i64().unwrap(), written, "whole batches only: {done}");
    let leads = app.get("/api/v1/leads?limit=1", &token).await;
    assert_eq!(leads.status, StatusCode::OK);
    let total = app.get("/api/v1/leads?limit=200&q=Stop", &token).await.body["items"].as_array().unwrap().len();
    assert_eq!(total, usize::try_from(written.min(200)).unwrap());
    // Stopping it again is refused; undo removes what it wrote.
    let r = app.request(axum::http::Method::POST, &format!("/api/v1/imports/{id}/stop"), Some(&token), None, &[]).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    let r = undo(&app, &token, &id).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["deleted"].as_i64().unwrap(), written, "{}", r.text);
    assert!(app.all_leads(&token).await.is_empty());

    // The same from the import's page: a Stop button while it runs, then Undo.
    let r = app.upload("/api/v1/imports", &token, &[], "stop-page.csv", csv.as_bytes()).await;
    let id = r.body["id"].as_str().unwrap().to_owned();
    let (_, session) = crate::auth::login(&app, "admin@crm.test", crate::harness::PASSWORD, &[]).await;
    let session = session.expect("logged in");
    let running = crate::auth::page(&app, &format!("/imports/{id}"), &session).await;
    assert!(running.text.contains("Stop import"), "{}", running.text);
    let refresh = r#"<noscript><meta http-equiv="refresh" content="3"></noscript>"#;
    assert!(running.text.contains(refresh), "without JavaScript the page reloads itself while it runs");
    let csrf = crate::auth::hidden(&running.text, "csrf");
    let r = crate::auth::form(&app, &format!("/imports/{id}/stop"), &session, &[("csrf", &csrf)], &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert_eq!(app.wait_import(&token, &id).await["status"], "stopped");
    let stopped = crate::auth::page(&app, &format!("/imports/{id}"), &session).await;
    assert!(stopped.text.contains("data-field=\"stopped-note\"") && stopped.text.contains("Undo import"));
    assert!(!stopped.text.contains("Stop import"));
    assert!(!stopped.text.contains(refresh), "an import that has ended is not reloaded");
    let r = crate::auth::form(&app, &format!("/imports/{id}/undo"), &session, &[("csrf", &csrf)], &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert!(app.all_leads(&token).await.is_empty());
}

async fn encodings_and_delimiters_are_read(backend: Backend) {
    let (app, token) = crm(backend).await;
    let text = "Firma;Name;Ort\nCafé Zürich AG;Jörg Weiß;Genève\n\"Multi\nLine GmbH\";\"Anna \"\"Q\"\" Quote\";Köln\n";
    let utf16le: Vec<u8> = [0xFF, 0xFE].into_iter().chain(text.encode_utf16().flat_map(u16::to_le_bytes)).collect();
    let utf16be: Vec<u8> = [0xFE, 0xFF].into_iter().chain(text.encode_utf16().flat_map(u16::to_be_bytes)).collect();
    let (latin, _, _) = encoding_rs::WINDOWS_1252.encode(text);
    let bom: Vec<u8> = b"\xEF\xBB\xBF".iter().copied().chain(text.bytes()).collect();
    let tabbed = text.replace(';', "\t");
    let comma =
        "Firma,Name,Ort\n\"Café Zürich AG\",Jörg Weiß,Genève\n\"Multi\nLine GmbH\",\"Anna \"\"Q\"\" Quote\",Köln\n";
    let files: Vec<(&str, Vec<u8>)> = vec![
        ("utf8.csv", text.as_bytes().to_vec()),
        ("utf8-bom.csv", bom),
        ("utf16le.csv", utf16le),
        ("utf16be.csv", utf16be),
        ("utf16le-no-bom.csv", text.encode_utf16().flat_map(u16::to_le_bytes).collect()),
        ("latin1.csv", latin.into_owned()),
        // Excel for Mac's "CSV": Mac Roman.
        ("mac-roman.csv", encoding_rs::MACINTOSH.encode(text).0.into_owned()),
        ("tab.tsv", tabbed.into_bytes()),
        ("comma.csv", comma.as_bytes().to_vec()),
        // Excel's "CSV for Excel": a first line naming the delimiter, Windows-1252.
        ("excel-sep.csv", encoding_rs::WINDOWS_1252.encode(&format!("sep=;\r\n{text}")).0.into_owned()),
    ];
    for (name, bytes) in files {
        let before = app.all_leads(&token).await.len();
        let done = app.import(&token, &[("on_duplicate", "skip")], name, &bytes).await;
        // Later files repeat the same companies: they are found as duplicates, read the same.
        let leads = app.all_leads(&token).await;
        if before == 0 {
            assert_eq!(done["created"], 2, "{name}: {done}");
            let cafe =
                leads.iter().find(|l| l["name"] == "Café Zürich AG").unwrap_or_else(|| panic!("{name}: {leads:?}"));
            assert_eq!(contact(cafe)["name"], "Jörg Weiß");
            assert_eq!(cafe["city"], "Genève");
            let multi = leads.iter().find(|l| l["name"] == "Multi Line GmbH").expect("quoted line break, collapsed");
            assert_eq!(contact(multi)["name"], "Anna \"Q\" Quote");
        } else {
            assert_eq!((done["created"].clone(), done["duplicates"].clone()), (json!(0), json!(2)), "{name}: {done}");
        }
    }
    // An explicit encoding wins over detection.
    let (latin, _, _) = encoding_rs::WINDOWS_1252.encode("Company\nSmørrebrød ApS\n");
    let done = app.import(&token, &[("encoding", "latin1")], "latin.csv", &latin).await;
    assert_eq!(done["created"], 1, "{done}");
    assert!(app.all_leads(&token).await.iter().any(|l| l["name"] == "Smørrebrød ApS"));
    // UTF-8 with a row a Windows-1252 program added: each row read as it was written.
    let cp1252 = encoding_rs::WINDOWS_1252.encode("Crème Café,Brühl\n").0;
    let mixed: Vec<u8> = [&b"Company,City\n"[..], "Brötchen Bäckerei,München\n".as_bytes(), &cp1252].concat();
    let done = app.import(&token, &[], "mixed.csv", &mixed).await;
    assert_eq!(done["created"], 2, "{done}");
    let leads = app.all_leads(&token).await;
    for (name, city) in [("Brötchen Bäckerei", "München"), ("Crème Café", "Brühl")] {
        assert!(leads.iter().any(|l| l["name"] == name && l["city"] == city), "{name}: {leads:?}");
    }
    // Stray NUL characters, early in the file or after its first 8 KB, are dropped on either
    // database (PostgreSQL cannot store them and refused the whole batch).
    let mut nuls = String::from("Company,Contact,Notes,Favourite\nEarly\0 Nul Oy,Ann\0 Early,,\n");
    for i in 0..300 {
        nuls.push_str(&format!("Filler {i} Oy,Person {i},a note long enough to fill the first kilobytes,\n"));
    }
    nuls.push_str("Late Nul\0 Oy,Bob\0 Late,\"line\0 one\nline two\",x\0y\n");
    let done = app.import(&token, &[], "nuls.csv", nuls.as_bytes()).await;
    assert_eq!((done["status"].clone(), done["created"].clone()), (json!("completed"), json!(302)), "{done}");
    let late = app.get("/api/v1/leads?q=late", &token).await.body;
    let late = &late["items"][0];
    assert_eq!(
        (late["name"].clone(), late["description"].clone()),
        (json!("Late Nul Oy"), json!("line one\nline two"))
    );
    assert_eq!(
        (contact(late)["name"].clone(), late["custom_fields"]["Favourite"].clone()),
        (json!("Bob Late"), json!("xy"))
    );
    let early = app.get("/api/v1/leads?q=early", &token).await.body;
    assert_eq!(early["items"][0]["name"], "Early Nul Oy");
}

async fn unusable_files_fail_with_one_message_and_write_nothing(backend: Backend) {
    let (app, token) = crm(backend).await;
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x10\0\0\0\x10\x08\x06\0\0\0\x1f\xf3\xffa".to_vec();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("empty.csv", Vec::new(), "empty"),
        ("blank.csv", b"\n\n  \n".to_vec(), "empty"),
        ("header-only.csv", b"Company,Phone\r\n\r\n".to_vec(), "header but no rows"),
        ("picture.png", png, "not a CSV file"),
        ("leads.json", br#"[{"name": "Acme", "phone": "+1 206 555 0100"}]"#.to_vec(), "JSON"),
        ("report.xls", b"<html><body><table><tr><td>Company</td></tr>".to_vec(), "HTML"),
        ("no-name.csv", b"Phone,City\n+1 206 555 0100,Seattle\n".to_vec(), "no name column"),
    ];
    for (name, bytes, words) in cases {
        let r = app.upload("/api/v1/imports", &token, &[], name, &bytes).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{name}: {}", r.text);
        assert_eq!(r.headers["content-type"], "application/problem+json");
        let errors = r.body["errors"].as_array().unwrap();
        assert_eq!(errors.len(), 1, "{name}: one clear message: {}", r.text);
        assert_eq!(errors[0]["field"], "file");
        assert!(errors[0]["message"].as_str().unwrap().contains(words), "{name}: {}", r.text);
    }
    let r = app.upload("/api/v1/imports", &token, &[("map", "Phone=nonsense")], "x.csv", b"Name,Phone\nA,1\n").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(r.text.contains("nonsense"), "{}", r.text);
    // An option that cannot be used is named as the field at fault.
    assert_eq!(r.body["errors"][0]["field"], "map", "{}", r.text);
    let r = app.upload("/api/v1/imports", &token, &[("encoding", "klingon")], "x.csv", b"Name,Phone\nA,1\n").await;
    assert_eq!(
        (r.status, &r.body["errors"][0]["field"]),
        (StatusCode::UNPROCESSABLE_ENTITY, &json!("encoding")),
        "{}",
        r.text
    );
    let r = app.upload("/api/v1/imports", &token, &[("match_domain", "perhaps")], "x.csv", b"Name,Phone\nA,1\n").await;
    assert_eq!((r.status, problem_fields(&r)), (StatusCode::UNPROCESSABLE_ENTITY, vec!["match_domain".to_owned()]));
    assert!(app.get("/api/v1/imports", &token).await.body["items"].as_array().unwrap().is_empty());
    assert!(app.all_leads(&token).await.is_empty());
}

async fn undo_restores_and_keeps_later_edits(backend: Backend) {
    let (app, token) = crm(backend).await;
    let keep = app.lead(&token, json!({"name": "Kept Changes Ltd", "source": "Referral"})).await;
    let restore = app
        .lead(
            &token,
            json!({"name": "Restore Me Ltd", "source": "Referral",
        "contacts": [{"name": "Rita", "emails": ["rita@restore.example"]}]}),
        )
        .await;
    let both = app
        .lead(
            &token,
            json!({"name": "Both Edited GmbH", "source": "Fair", "tags": ["fair"], "custom_fields": {"Seats": "5"},
        "contacts": [{"name": "Bea", "phones": ["+49 30 1234567"]}]}),
        )
        .await;
    let csv = "Company,Source,Contact,Email,Phone,City,Tags,Seats\n\
        Kept Changes Ltd,Import,,,,,,\n\
        Restore Me Ltd,Import,Ron New,ron@restore.example,,,,\n\
        Created One,Import,,,,,,\n\
        Created Two,Import,,,,,,\n\
        Both Edited GmbH,Import,Bea,bea@both.example,+49 30 7654321,Berlin,imported,50\n";
    let done = app.import(&token, &[("on_duplicate", "update")], "undo.csv", csv.as_bytes()).await;
    assert_eq!((done["created"].clone(), done["updated"].clone()), (json!(2), json!(3)), "{done}");
    let id = done["id"].as_str().unwrap().to_owned();
    let restored_now = app.get(&format!("/api/v1/leads/{}", restore["id"].as_str().unwrap()), &token).await.body;
    assert_eq!(restored_now["source"], "Import");
    assert_eq!(restored_now["contacts"].as_array().unwrap().len(), 2);
    // Edits after the import: a field the import did not touch, a created lead, and
    // fields the import changed.
    let kept_id = keep["id"].as_str().unwrap();
    let r = app.patch(&format!("/api/v1/leads/{kept_id}"), &token, json!({"city": "Leeds"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let created_two = app.all_leads(&token).await.into_iter().find(|l| l["name"] == "Created Two").unwrap();
    let r = app
        .patch(
            &format!("/api/v1/leads/{}", created_two["id"].as_str().unwrap()),
            &token,
            json!({"status": "contacted"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let both_id = both["id"].as_str().unwrap();
    let r =
        app.patch(&format!("/api/v1/leads/{both_id}"), &token, json!({"city": "Potsdam", "status": "qualified"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);

    let r = undo(&app, &token, &id).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["deleted"], 1, "{}", r.text);
    assert_eq!(r.body["restored"], 2, "the edits since conflict with the import only in Both Edited: {}", r.text);
    let kept: Vec<&str> = r.body["kept_edited"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    assert!(
        kept.contains(&kept_id) && kept.contains(&created_two["id"].as_str().unwrap()) && kept.contains(&both_id),
        "every record edited since is reported: {}",
        r.text
    );
    assert_eq!(r.body["kept_fields"], json!([{"entity_id": both_id, "field": "city"}]), "{}", r.text);
    // The import's page names the records kept, each with a link and what kept its value.
    let (_, session) = crate::auth::login(&app, "admin@crm.test", crate::harness::PASSWORD, &[]).await;
    let page = crate::auth::page(&app, &format!("/imports/{id}"), &session.unwrap()).await.text;
    assert!(page.contains("kept what was edited or worked on since the import in 3 records:"), "{page}");
    let kept_line = |name: &str, id: &str, what: &str| {
        format!(r#"<a href="/leads/{id}">{name}</a> <span class="muted">{what}</span>"#)
    };
    for (name, id, what) in [
        ("Both Edited GmbH", both_id, "kept city as edited since; the import&#39;s other changes were undone"),
        (
            "Kept Changes Ltd",
            kept_id,
            "edited since in fields the import had not changed: the import&#39;s changes were undone",
        ),
        (
            "Created Two",
            created_two["id"].as_str().unwrap(),
            "created by the import and edited or worked on since (calls, notes, tasks, deals): kept",
        ),
    ] {
        assert!(page.contains(&kept_line(name, id, what)), "{name}: {page}");
    }
    let names: Vec<String> =
        app.all_leads(&token).await.iter().map(|l| l["name"].as_str().unwrap().to_owned()).collect();
    assert_eq!(names, ["Kept Changes Ltd", "Restore Me Ltd", "Both Edited GmbH", "Created Two"]);
    let back = app.get(&format!("/api/v1/leads/{}", restore["id"].as_str().unwrap()), &token).await.body;
    assert_eq!(back["source"], "Referral", "restored to its state before the import");
    assert_eq!(back["contacts"].as_array().unwrap().len(), 1, "the contact the import added is gone");
    let kept_lead = app.get(&format!("/api/v1/leads/{kept_id}"), &token).await.body;
    assert_eq!(
        (kept_lead["source"].clone(), kept_lead["city"].clone()),
        (json!("Referral"), json!("Leeds")),
        "the import's change is undone, the later edit of another field stays"
    );
    let b = app.get(&format!("/api/v1/leads/{both_id}"), &token).await.body;
    assert_eq!(b["city"], "Potsdam", "a field edited since keeps the edit: {b}");
    assert_eq!(b["status"], "qualified");
    assert_eq!(b["source"], "Fair", "{b}");
    assert_eq!(b["tags"], json!(["fair"]), "{b}");
    assert_eq!(b["custom_fields"], json!({"Seats": "5"}), "{b}");
    let bea = &b["contacts"][0];
    assert_eq!(b["contacts"].as_array().unwrap().len(), 1, "{b}");
    assert_eq!(bea["emails"], json!([]), "the e-mail the import added is taken out: {b}");
    let numbers: Vec<&str> = bea["phones"].as_array().unwrap().iter().map(|p| p["e164"].as_str().unwrap()).collect();
    assert_eq!(numbers, ["+49301234567"], "{b}");
    let status = app.get(&format!("/api/v1/imports/{id}"), &token).await.body;
    assert_eq!(status["status"], "undone");
    let again = undo(&app, &token, &id).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
}

/// Comparable content of the organization's leads.
async fn snapshot(app: &TestApp, token: &str) -> Vec<String> {
    let mut out: Vec<String> = app
        .all_leads(token)
        .await
        .iter()
        .map(|l| {
            let mut contacts: Vec<String> = l["contacts"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| {
                    let mut ph: Vec<String> = c["phones"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|p| format!("{}/{}/{}", p["e164"], p["type"], p["extension"]))
                        .collect();
                    ph.sort();
                    format!(
                        "{}|{}|{}|{:?}|{}|{}",
                        c["name"], c["title"], c["emails"], ph, c["do_not_call"], c["do_not_email"]
                    )
                })
                .collect();
            contacts.sort();
            format!(
                "{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{}|{:?}",
                l["name"],
                l["kind"],
                l["status"],
                l["source"],
                l["external_id"],
                l["website"],
                l["street"],
                l["city"],
                l["region"],
                l["postcode"],
                l["country"],
                l["time_zones"],
                l["description"],
                l["tags"],
                l["custom_fields"],
                contacts
            )
        })
        .collect();
    out.sort();
    out
}

async fn export_then_import_reproduces_the_leads(backend: Backend) {
    let app = TestApp::new(backend).await;
    let (_, token) = app.tenant("Exporter", "FI").await;
    let (_, empty_token) = app.tenant("Importer", "US").await;
    app.lead(&token, json!({"name": "Kärkkäinen Oy", "status": "qualified", "source": "Fair", "website": "karkkainen.example",
        "city": "Kuopio", "country": "FI", "tags": ["vip", "q1"], "custom_fields": {"Industry": "Retail", "Seats": "12"},
        "description": "Line one\nline two, with \"quotes\"",
        "contacts": [
            {"name": "Väinö Jääskeläinen", "title": "CEO", "emails": ["vaino@karkkainen.example", "v@k.example"],
             "phones": [{"number": "+358 40 100 4500", "type": "mobile"}, {"number": "+358 9 123 4567", "type": "work"}]},
            {"name": "Liisa Lahti", "emails": ["liisa@karkkainen.example"], "do_not_call": true}
        ]})).await;
    // Two people of one household may share a name: they stay two contacts.
    app.lead(&token, json!({"name": "Household Smith", "kind": "person", "contacts": [{"name": "Tom Smith", "phones": ["+1 212 555 0100 x7"]},
        {"name": "Tom Smith", "emails": ["junior@smith.example"]}]})).await;
    app.lead(
        &token,
        // Custom fields given through the API as numbers, yes/no or lists come back as such
        // (a column that holds them is written as JSON, its text values too).
        json!({"name": "No Contacts AB", "country": "SE", "external_id": "sf-0042", "street": "Storgatan 1",
            "postcode": "111 22", "city": "Stockholm",
            "custom_fields": {"Seats": 40, "Partner": true, "Regions": ["EU", "US"], "Score": -2.5}}),
    )
    .await;
    // Separate leads that the import's rules would call duplicates of each other (the
    // same company name after its legal suffix, the same switchboard number) stay
    // separate: they were separate where they came from.
    app.lead(
        &token,
        json!({"name": "KARKKAINEN Ltd", "contacts": [{"name": "Reception", "phones": ["+358 9 123 4567"]}]}),
    )
    .await;
    // Values a spreadsheet would run as formulas are written as text, and read back as they were.
    app.lead(
        &token,
        json!({"name": "=HYPERLINK(\"http://x.example\") Co", "description": "- first\n- second",
            "custom_fields": {"Handle": "@formula"}}),
    )
    .await;
    // Backslashes, tabs and carriage returns (PostgreSQL's COPY escapes them) come back as they were.
    app.lead(
        &token,
        json!({"name": "Back\\slash\tTab Ltd", "description": "C:\\new\ttab\r\nrow \\N \\.",
            "custom_fields": {"Path": "\\\\srv\\share\\"}}),
    )
    .await;
    let export = app.get("/api/v1/exports/leads.csv", &token).await;
    assert_eq!(export.status, StatusCode::OK);
    assert_eq!(export.headers["content-type"], "text/csv; charset=utf-8");
    assert!(export.text.contains("\"'=HYPERLINK(") && export.text.contains(",'@formula"), "{}", export.text);
    let done = app.import(&empty_token, &[], "export.csv", export.text.as_bytes()).await;
    assert_eq!(done["rejected"], 0, "{done}: {:?}", report(&app, &empty_token, done["id"].as_str().unwrap()).await);
    assert_eq!(done["created"], 6, "{done}: {:?}", report(&app, &empty_token, done["id"].as_str().unwrap()).await);
    assert_eq!(snapshot(&app, &token).await, snapshot(&app, &empty_token).await);
    let imported = app.all_leads(&empty_token).await;
    let smith = imported.iter().find(|l| l["name"] == "Household Smith").unwrap();
    assert!(smith["contacts"].to_string().contains(r#""extension":"7""#), "an extension comes back: {smith}");
    // The same export again creates nothing.
    let again = app.import(&empty_token, &[], "export.csv", export.text.as_bytes()).await;
    assert_eq!((again["created"].clone(), again["duplicates"].clone()), (json!(0), json!(8)), "{again}");
    // Exported, edited in a spreadsheet and imported back with `update`, rows find the
    // leads they came from by their id, even with a new name and a new e-mail.
    let edited = export
        .text
        .replace("No Contacts AB", "Renamed Holding AB")
        .replace("liisa@karkkainen.example", "liisa.lahti@karkkainen.example");
    let before = app.all_leads(&token).await.len();
    let back = app.import(&token, &[("on_duplicate", "update")], "edited.csv", edited.as_bytes()).await;
    assert_eq!((back["created"].clone(), back["rejected"].clone()), (json!(0), json!(0)), "{back}");
    let after = app.all_leads(&token).await;
    assert_eq!(after.len(), before);
    let renamed = after.iter().find(|l| l["external_id"] == "sf-0042").unwrap();
    assert_eq!(renamed["name"], "Renamed Holding AB", "{renamed}");
    let report_text = report(&app, &token, back["id"].as_str().unwrap()).await;
    assert!(format!("{report_text:?}").contains("same Leadline id"), "{report_text:?}");
    // A filtered export holds only the matching leads.
    let filtered = app.get("/api/v1/exports/leads.csv?status=qualified", &token).await;
    assert_eq!(filtered.text.lines().filter(|l| l.contains("Kärkkäinen")).count(), 2);
    assert!(!filtered.text.contains("Household Smith"));
}

async fn products_opportunities_users_and_teams(backend: Backend) {
    let (app, token) = crm(backend).await;
    // Uploaded as leads (the default), a deals export is read as leads, with advice.
    let as_leads = app.upload("/api/v1/imports/preview", &token, &[], "deals.csv", &fixture("opportunities.csv")).await;
    assert!(as_leads.body["hint"].as_str().unwrap_or("").contains("import it as opportunities"), "{}", as_leads.text);
    let as_opps = preview_fixture(&app, &token, "opportunities", "opportunities.csv").await;
    assert!(as_opps.body.get("hint").is_none(), "{}", as_opps.text);
    let preview = preview_fixture(&app, &token, "users", "users.csv").await;
    assert_eq!(
        preview.body["rows"][1]["record"],
        json!({"name": "Sam Rep", "email": "sam@crm.test", "role": "inside_rep", "team": "East",
               "manager": "maria@crm.test", "active": "yes"}),
        "{}",
        preview.text
    );
    let users = app.import(&token, &[("kind", "users")], "users.csv", &fixture("users.csv")).await;
    assert_eq!(
        (users["created"].clone(), users["rejected"].clone(), users["warnings"].clone()),
        (json!(6), json!(2), json!(1)),
        "{users}"
    );
    let listed = app.get("/api/v1/users", &token).await.body;
    let user = |email: &str| listed["items"].as_array().unwrap().iter().find(|u| u["email"] == email).cloned().unwrap();
    let (sam, maria, rita, otto) =
        (user("sam@crm.test"), user("maria@crm.test"), user("rita@crm.test"), user("otto@crm.test"));
    assert_eq!(sam["role"], "inside_rep");
    assert_eq!(sam["manager_id"], maria["id"], "a manager named by e-mail on an earlier row");
    assert_eq!(user("fiona@crm.test")["manager_id"], maria["id"], "a manager named by name");
    // Roles from job titles; a manager on a later row of the file is found all the same.
    assert_eq!((rita["role"].as_str(), otto["role"].as_str()), (Some("inside_rep"), Some("manager")));
    assert_eq!(rita["manager_id"], otto["id"], "{rita}");
    assert_eq!(rita["team_id"], otto["team_id"]);
    // A manager who is nobody here is reported on the row that named them.
    let nina = user("nina@crm.test");
    assert!(nina["manager_id"].is_null());
    // A user the old CRM had deactivated comes in deactivated, and owns no imported lead.
    assert_eq!(
        (nina["active"].clone(), sam["active"].clone(), rita["active"].clone()),
        (json!(false), json!(true), json!(true))
    );
    let owned = "Company,Owner\nNina's Lead,nina@crm.test\nSam's Lead,  SAM   REP \n";
    let preview = app.upload("/api/v1/imports/preview", &token, &[], "owned.csv", owned.as_bytes()).await;
    assert_eq!(preview.body["rows"][1]["record"]["owner_name"], "Sam Rep", "the preview shows whose: {}", preview.text);
    let done = app.import(&token, &[], "owned.csv", owned.as_bytes()).await;
    assert_eq!((done["created"].clone(), done["warnings"].clone()), (json!(2), json!(1)), "{done}");
    let rows = report(&app, &token, done["id"].as_str().unwrap()).await;
    assert!(rows[0]["reason"].as_str().unwrap().starts_with("is a deactivated user"), "{rows:?}");
    let leads = app.all_leads(&token).await;
    let sams = leads.iter().find(|l| l["name"] == "Sam's Lead").unwrap();
    assert_eq!(sams["owner_id"], sam["id"], "owners by name, whatever the case and spacing");
    let rows = report(&app, &token, users["id"].as_str().unwrap()).await;
    let warning = rows.iter().find(|r| r["outcome"] == "warning").cloned().unwrap();
    assert_eq!(
        (warning["row_number"].clone(), warning["value"].clone()),
        (json!(9), json!("Ghost Person")),
        "{warning}"
    );
    let teams = app.get("/api/v1/teams", &token).await.body;
    let names: Vec<&str> = teams["items"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["East", "West"]);
    assert!(teams["items"][0]["manager_id"].is_string(), "the manager of East is Maria: {teams}");
    // A Google Workspace user export: notes in its headers, teams as organizational units.
    let google = preview_fixture(&app, &token, "users", "google_workspace_users.csv").await;
    assert_eq!(
        (google.body["rows"][0]["record"].clone(), google.body["rows"][1]["record"]["active"].clone()),
        (json!({"name": "Gia Google", "email": "gia@crm.test", "team": "Inside", "active": "yes"}), json!("no")),
        "{}",
        google.text
    );
    // A file with job titles and no role column: the title says the role where it names one;
    // one that names none keeps the row (an inside rep), with a warning.
    let titles = "Name,Email,Job Title\nVera Vp,vera@crm.test,VP of Sales\nFinn Field,finn@crm.test,Field Sales Representative\n\
        Olga Ops,olga@crm.test,Sales Operations\n";
    let preview =
        app.upload("/api/v1/imports/preview", &token, &[("kind", "users")], "titles.csv", titles.as_bytes()).await;
    let roles: Vec<&Value> = preview.body["rows"].as_array().unwrap().iter().map(|r| &r["record"]["role"]).collect();
    assert_eq!(roles, [&json!("manager"), &json!("field_rep"), &Value::Null], "{}", preview.text);
    let done = app.import(&token, &[("kind", "users")], "titles.csv", titles.as_bytes()).await;
    assert_eq!((done["created"].clone(), done["warnings"].clone()), (json!(3), json!(1)), "{done}");
    assert_eq!(undo(&app, &token, done["id"].as_str().unwrap()).await.body["deleted"], 3);
    // Salesforce exports a permission profile beside the role hierarchy: an administrator's
    // profile makes an admin whatever the role, a manager's role a manager whatever the profile.
    let profiles = "Full Name,Email,Profile,Role\nSam Sys,sam@crm.test,System Administrator,CEO\n\
        Vic Vp,vic@crm.test,Standard User,VP of Sales\nIda In,ida@crm.test,Standard User,Inside Sales\n";
    let preview =
        app.upload("/api/v1/imports/preview", &token, &[("kind", "users")], "sf.csv", profiles.as_bytes()).await;
    let roles: Vec<&Value> = preview.body["rows"].as_array().unwrap().iter().map(|r| &r["record"]["role"]).collect();
    assert_eq!(roles, [&json!("admin"), &json!("manager"), &json!("inside_rep")], "{}", preview.text);

    // The preview shows products as they will be stored, and the row that will be refused.
    let preview = preview_fixture(&app, &token, "products", "products.csv").await;
    let rows = preview.body["rows"].as_array().unwrap();
    assert_eq!(
        rows[0]["record"],
        json!({"name": "Starter plan", "code": "STARTER", "price": "1200.00 EUR", "description": "Up to 5 seats"}),
        "{}",
        preview.text
    );
    assert_eq!(rows[2]["record"]["price"], "750.00 EUR");
    assert_eq!(
        (rows[3]["rejected"].clone(), rows[3]["issues"][0]["column"].clone()),
        (json!(true), json!("Unit Price"))
    );
    let products = app.import(&token, &[("kind", "products")], "products.csv", &fixture("products.csv")).await;
    assert_eq!((products["created"].clone(), products["rejected"].clone()), (json!(3), json!(1)), "{products}");
    let listed = app.get("/api/v1/products", &token).await.body;
    let starter = listed["items"].as_array().unwrap().iter().find(|p| p["code"] == "STARTER").cloned().unwrap();
    assert_eq!((starter["price_minor"].clone(), starter["currency"].clone()), (json!(120_000), json!("EUR")));
    assert_eq!(starter["price"], json!(1200.0), "the price in euros beside the exact minor units");
    let onboarding = listed["items"].as_array().unwrap().iter().find(|p| p["code"] == "ONBOARD").cloned().unwrap();
    assert_eq!((onboarding["price_minor"].clone(), onboarding["currency"].clone()), (json!(75_000), json!("EUR")));
    let again = app.import(&token, &[("kind", "products")], "products.csv", &fixture("products.csv")).await;
    assert_eq!((again["created"].clone(), again["duplicates"].clone()), (json!(0), json!(3)));
    // A price list imported with `update`, then undone: the old price comes back.
    // (a price list names products by code alone; an unknown code cannot make a product)
    let prices = "Product Code,Unit Price,Description\nSTARTER,990.00,Up to 5 seats\nNOPE,10.00,\n";
    let up =
        app.import(&token, &[("kind", "products"), ("on_duplicate", "update")], "prices.csv", prices.as_bytes()).await;
    assert_eq!((up["updated"].clone(), up["rejected"].clone()), (json!(1), json!(1)), "{up}");
    let price = |listed: &Value| {
        listed["items"].as_array().unwrap().iter().find(|p| p["code"] == "STARTER").unwrap()["price_minor"].clone()
    };
    assert_eq!(price(&app.get("/api/v1/products", &token).await.body), json!(99_000));
    let r = undo(&app, &token, up["id"].as_str().unwrap()).await;
    assert_eq!((r.body["restored"].clone(), r.body["kept_edited"].clone()), (json!(1), json!([])), "{}", r.text);
    assert_eq!(price(&app.get("/api/v1/products", &token).await.body), json!(120_000));
    // A price column named for its currency (Pipedrive's "Prices - USD") is the price in it.
    let named = "Name,Product code,Cost (USD),Prices - USD\nSupport plan,SUPPORT,200,\"1,500.00\"\n";
    let done = app.import(&token, &[("kind", "products")], "named.csv", named.as_bytes()).await;
    assert_eq!(done["created"], 1, "{done}");
    let listed = app.get("/api/v1/products", &token).await.body;
    let support = listed["items"].as_array().unwrap().iter().find(|p| p["code"] == "SUPPORT").cloned().unwrap();
    assert_eq!((support["price_minor"].clone(), support["currency"].clone()), (json!(150_000), json!("USD")));

    app.lead(&token, json!({"name": "Navy Systems Inc"})).await;
    app.lead(&token, json!({"name": "Fjord Analytics AS"})).await;
    let r = app
        .request(
            axum::http::Method::PUT,
            "/api/v1/stage-map",
            Some(&token),
            Some(json!({"custom": {"Verbal yes": "negotiation"}})),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    // Names that cannot be one are refused by name, and nothing of the request is kept.
    for bad in ["  ", "Won\u{0}", "--", &"x".repeat(101)] {
        let body = json!({"custom": {"Zz first": "won", bad: "won"}});
        let r = app.request(axum::http::Method::PUT, "/api/v1/stage-map", Some(&token), Some(body), &[]).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{bad:?}: {}", r.text);
        assert_eq!(problem_fields(&r), [format!("custom.{bad}")], "{}", r.text);
    }
    let map = app.get("/api/v1/stage-map", &token).await.body;
    assert!(map["custom"].get("Zz first").is_none(), "{map}");
    let preview = preview_fixture(&app, &token, "opportunities", "opportunities.csv").await;
    let rows = preview.body["rows"].as_array().unwrap();
    assert_eq!(
        rows[0]["record"],
        json!({"name": "Navy expansion", "lead": "Navy Systems, Inc.", "product": "STARTER", "owner": "User admin@crm.test", "stage": "proposal",
               "status": "open", "amount": "12500.00 USD", "close_date": "2026-12-31", "created_date": "2026-03-15",
               "external_id": "OPP-1"}),
        "{}",
        preview.text
    );
    assert_eq!(rows[1]["issues"][0]["column"], "Opportunity Owner", "{}", preview.text);
    assert!(rows.iter().any(|r| r["rejected"] == true), "{}", preview.text);
    let opps =
        app.import(&token, &[("kind", "opportunities")], "opportunities.csv", &fixture("opportunities.csv")).await;
    assert_eq!((opps["created"].clone(), opps["rejected"].clone()), (json!(4), json!(2)), "{opps}");
    let rows = report(&app, &token, opps["id"].as_str().unwrap()).await;
    let rejected: Vec<(i64, &str)> = rows
        .iter()
        .filter(|r| r["outcome"] == "rejected")
        .map(|r| (r["row_number"].as_i64().unwrap(), r["column_name"].as_str().unwrap()))
        .collect();
    assert_eq!(rejected, [(6, "Stage"), (7, "Account Name")]);
    assert!(rows.iter().any(|r| r["outcome"] == "warning" && r["value"] == "nobody@crm.test"));
    let listed = app.get("/api/v1/opportunities", &token).await.body;
    let items = listed["items"].as_array().unwrap();
    let by = |ext: &str| items.iter().find(|o| o["external_id"] == ext).cloned().unwrap();
    assert_eq!(by("OPP-1")["stage"], "proposal");
    assert_eq!(
        (by("OPP-1")["amount_minor"].clone(), by("OPP-1")["amount"].clone()),
        (json!(1_250_000), json!(12_500.0))
    );
    assert_eq!(by("OPP-1")["close_date"], "2026-12-31");
    assert!(
        by("OPP-1")["created_at"].as_str().unwrap().starts_with("2026-03-15"),
        "the old CRM's creation date is kept: {}",
        by("OPP-1")
    );
    assert!(by("OPP-1")["product_id"].is_string());
    assert_eq!((by("OPP-2")["stage"].clone(), by("OPP-2")["status"].clone()), (json!("won"), json!("won")));
    assert_eq!((by("OPP-3")["status"].clone(), by("OPP-3")["lost_reason"].clone()), (json!("lost"), json!("Price")));
    assert_eq!(by("OPP-4")["stage"], "negotiation", "the organization's own stage name");
    // A Pipedrive deals export: a won or lost deal closed on the day it was won or lost.
    let deals = "Deal - ID,Deal - Title,Deal - Organization,Deal - Status,Deal - Expected close date,\
                 Deal - Won time,Deal - Lost time\n\
                 PD-1,Won it,Navy Systems Inc,won,2026-12-31,2026-11-28 10:15:00,\n\
                 PD-2,Lost it,Navy Systems Inc,lost,2026-12-31,,2026-10-02 09:00:00\n\
                 PD-3,Still open,Navy Systems Inc,open,2026-12-31,,\n";
    let pd = app.import(&token, &[("kind", "opportunities")], "deals.csv", deals.as_bytes()).await;
    assert_eq!(pd["created"], 3, "{pd}");
    let listed = app.get("/api/v1/opportunities", &token).await.body;
    let closed: Vec<(&str, &str)> = ["PD-1", "PD-2", "PD-3"]
        .iter()
        .map(|ext| {
            let o = listed["items"].as_array().unwrap().iter().find(|o| o["external_id"] == *ext).unwrap();
            (o["status"].as_str().unwrap(), o["close_date"].as_str().unwrap())
        })
        .collect();
    assert_eq!(closed, [("won", "2026-11-28"), ("lost", "2026-10-02"), ("open", "2026-12-31")]);
    undo(&app, &token, pd["id"].as_str().unwrap()).await;

    // Undo removes what the import created.
    let r = undo(&app, &token, opps["id"].as_str().unwrap()).await;
    assert_eq!(r.body["deleted"], 4, "{}", r.text);
    assert!(app.get("/api/v1/opportunities", &token).await.body["items"].as_array().unwrap().is_empty());
    let r = undo(&app, &token, users["id"].as_str().unwrap()).await;
    assert_eq!((r.body["deleted"].clone(), r.body["deactivated"].clone()), (json!(4), json!(2)), "{}", r.text);
    let users_now = |listed: Value| -> Vec<(String, bool)> {
        let mut users: Vec<(String, bool)> = listed["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| (u["email"].as_str().unwrap().to_owned(), u["active"] == true))
            .collect();
        users.sort();
        users
    };
    assert_eq!(
        users_now(app.get("/api/v1/users", &token).await.body),
        [("admin@crm.test".to_owned(), true), ("maria@crm.test".to_owned(), false), ("sam@crm.test".to_owned(), false)],
        "a user who owns leads is deactivated, and so is their manager; the rest are deleted"
    );
    // A manager listed before the people who report to them is deleted with them, and so is
    // the team the import made.
    let team = "Full Name,Email,Role,Team,Manager\nBoss One,boss1@crm.test,Sales Manager,North,\n\
                Rep One,rep1@crm.test,SDR,North,boss1@crm.test\nRep Two,rep2@crm.test,SDR,North,Boss One\n";
    let done = app.import(&token, &[("kind", "users")], "north.csv", team.as_bytes()).await;
    assert_eq!(done["created"], 3, "{done}");
    let r = undo(&app, &token, done["id"].as_str().unwrap()).await;
    assert_eq!(r.body["deleted"], 3, "{}", r.text);
    assert_eq!(users_now(app.get("/api/v1/users", &token).await.body).len(), 3, "the three are gone");
    let teams = app.get("/api/v1/teams", &token).await.body;
    assert!(teams["items"].as_array().unwrap().iter().all(|t| t["name"] != "North"), "{teams}");

    // `update` may deactivate a user, but never the admin importing the file.
    let file = "Full Name,Email,Role,Status\nThe Admin,admin@crm.test,SDR,Inactive\nZed Former,zed@crm.test,SDR,Suspended\n\
         Ivy Invited,ivy@crm.test,SDR,Invited\nOdd Status,odd@crm.test,SDR,Sleeping\n";
    let done =
        app.import(&token, &[("kind", "users"), ("on_duplicate", "update")], "status.csv", file.as_bytes()).await;
    assert_eq!(
        (done["created"].clone(), done["updated"].clone(), done["warnings"].clone()),
        (json!(3), json!(1), json!(2)),
        "{done}"
    );
    let listed = app.get("/api/v1/users", &token).await.body;
    let user = |email: &str| listed["items"].as_array().unwrap().iter().find(|u| u["email"] == email).cloned().unwrap();
    let (me, zed) = (user("admin@crm.test"), user("zed@crm.test"));
    assert_eq!(
        (me["role"].clone(), me["active"].clone(), me["name"].clone()),
        (json!("admin"), json!(true), json!("The Admin"))
    );
    assert_eq!(zed["active"], false);
    assert_eq!(
        (user("ivy@crm.test")["active"].clone(), user("odd@crm.test")["active"].clone()),
        (json!(true), json!(true))
    );

    // A Salesforce report gives the outcome as two flags, Won and Closed.
    let flags = "Opportunity Name,Account Name,Stage,Won,Closed,Opportunity ID\n\
        Open one,Fjord Analytics,Prospecting,0,0,SF-1\n\
        Won one,Fjord Analytics,Closed Won,1,1,SF-2\n\
        Lost one,Fjord Analytics,Negotiation/Review,false,true,SF-3\n\
        Odd one,Fjord Analytics,Prospecting,maybe,0,SF-4\n";
    let done = app.import(&token, &[("kind", "opportunities")], "flags.csv", flags.as_bytes()).await;
    assert_eq!((done["created"].clone(), done["rejected"].clone()), (json!(3), json!(1)), "{done}");
    let listed = app.get("/api/v1/opportunities", &token).await.body;
    let status: Vec<(String, String)> = ["SF-1", "SF-2", "SF-3"]
        .iter()
        .map(|ext| {
            let o = listed["items"].as_array().unwrap().iter().find(|o| o["external_id"] == *ext).unwrap();
            (o["status"].as_str().unwrap().to_owned(), o["stage"].as_str().unwrap().to_owned())
        })
        .collect();
    assert_eq!(
        status,
        [("open".into(), "qualification".into()), ("won".into(), "won".into()), ("lost".into(), "lost".into())]
    );
}

async fn mapping_overrides_and_unmapped_columns(backend: Backend) {
    let (app, token) = crm(backend).await;
    // A purchased list of companies with numbered people: each person is a contact.
    let people = "Company,City,Contact 1 Name,Contact 1 Title,Contact 1 Email,Contact 2 Name,Contact 2 Email,\
        Contact 2 Phone,Contact 2 Address,Contact 3 Name,Contact 3 Email\n\
        Numbered Oy,Turku,Aino Aalto,CEO,aino@numbered.example,Bo Berg,bo@numbered.example,+358 40 700 0002,\
        Side St 1,,\n\
        Solo Oy,Oulu,,,,,,,,Cai Chen,cai@solo.example\n";
    let preview = app.upload("/api/v1/imports/preview", &token, &[], "people.csv", people.as_bytes()).await;
    let person = |header: &str| {
        preview.body["columns"].as_array().unwrap().iter().find(|c| c["header"] == header).unwrap()["person"].clone()
    };
    assert_eq!(
        (person("Contact 1 Email"), person("Contact 2 Email"), person("Contact 3 Name")),
        (Value::Null, json!(2), json!(3))
    );
    let done = app.import(&token, &[], "people.csv", people.as_bytes()).await;
    assert_eq!((done["created"].clone(), done["rejected"].clone()), (json!(2), json!(0)), "{done}");
    let leads = app.all_leads(&token).await;
    let numbered = leads.iter().find(|l| l["name"] == "Numbered Oy").unwrap();
    let contacts: Vec<(String, String)> = numbered["contacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["name"].as_str().unwrap().to_owned(), c["emails"][0].as_str().unwrap_or("").to_owned()))
        .collect();
    assert_eq!(
        contacts,
        [
            ("Aino Aalto".to_owned(), "aino@numbered.example".to_owned()),
            ("Bo Berg".into(), "bo@numbered.example".into())
        ],
        "{numbered}"
    );
    assert_eq!(numbered["contacts"][0]["title"], "CEO");
    assert_eq!(numbered["contacts"][1]["phones"][0]["e164"], "+358407000002", "{numbered}");
    assert_eq!(numbered["custom_fields"]["Contact 2 Address"], "Side St 1", "a person's address is no lead's");
    let solo = leads.iter().find(|l| l["name"] == "Solo Oy").unwrap();
    assert_eq!(solo["contacts"][0]["name"], "Cai Chen", "{solo}");
    // Two columns for one text field: the second's other value is kept, not lost.
    // A column without a header is kept under its place; an empty one (a trailing comma)
    // adds nothing.
    let two = "Company,Account Name,Description,Notes,,\nTwo Cols Oy,Two Columns Ltd,first note,second note,unnamed,\n";
    let done = app.import(&token, &[], "two.csv", two.as_bytes()).await;
    assert_eq!(done["created"], 1, "{done}");
    let lead = app.all_leads(&token).await.into_iter().find(|l| l["name"] == "Two Cols Oy").unwrap();
    assert_eq!(lead["description"], "first note", "{lead}");
    assert_eq!(
        lead["custom_fields"],
        json!({"Account Name": "Two Columns Ltd", "Notes": "second note", "Column 5": "unnamed"}),
        "{lead}"
    );
    delete_lead(&app, &token, lead["id"].as_str().unwrap()).await;
    // An old CRM's own statuses: listed by the preview, mapped by the user, else refused.
    let temps = "Company,Lead Status\nHot Oy,Hot\nCold Oy,cold\nWarm Oy,Warm\nPlain Oy,Working - Contacted\n";
    let preview = app.upload("/api/v1/imports/preview", &token, &[], "temps.csv", temps.as_bytes()).await;
    assert_eq!(preview.body["unknown_statuses"], json!(["Hot", "cold", "Warm"]), "{}", preview.text);
    let done = app
        .import(
            &token,
            &[("status", "Hot=qualified"), ("statuses", r#"{"COLD": "unqualified"}"#)],
            "temps.csv",
            temps.as_bytes(),
        )
        .await;
    assert_eq!((done["created"].clone(), done["rejected"].clone()), (json!(3), json!(1)), "{done}");
    let rows = report(&app, &token, done["id"].as_str().unwrap()).await;
    assert!(rows[0]["reason"].as_str().unwrap().contains("--status \"Warm=qualified\""), "{rows:?}");
    let leads = app.all_leads(&token).await;
    let status = |name: &str| leads.iter().find(|l| l["name"] == name).unwrap()["status"].clone();
    assert_eq!(
        (status("Hot Oy"), status("Cold Oy"), status("Plain Oy")),
        (json!("qualified"), json!("unqualified"), json!("contacted"))
    );
    // The names mapped once are remembered for the organization's next files.
    let again = app.upload("/api/v1/imports/preview", &token, &[], "temps.csv", temps.as_bytes()).await;
    assert_eq!(again.body["unknown_statuses"], json!(["Warm"]), "{}", again.text);
    assert_eq!(again.body["mapped_statuses"], json!({"Hot": "qualified", "cold": "unqualified"}), "{}", again.text);
    let bad = app.upload("/api/v1/imports", &token, &[("status", "Hot=boiling")], "temps.csv", temps.as_bytes()).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.text);
    for name in ["Hot Oy", "Cold Oy", "Plain Oy"] {
        let id = leads.iter().find(|l| l["name"] == name).unwrap()["id"].as_str().unwrap().to_owned();
        delete_lead(&app, &token, &id).await;
    }
    // The same file again finds both leads (by e-mail) and creates nothing.
    let again = app.import(&token, &[], "people.csv", people.as_bytes()).await;
    assert_eq!((again["created"].clone(), again["duplicates"].clone()), (json!(0), json!(2)), "{again}");
    for lead in [numbered, solo] {
        delete_lead(&app, &token, lead["id"].as_str().unwrap()).await;
    }

    let csv = "Kunde,Rufnummer,Notiz,Lieblingsfarbe\nAcme Oy,+358 40 555 1234,Call in May,blue\n";
    let done = app
        .import(
            &token,
            &[
                ("map", "Kunde=company"),
                ("map", "Rufnummer=mobile"),
                ("mapping", r#"{"Notiz": "notes"}"#),
                ("unmapped", "ignore"),
            ],
            "map.csv",
            csv.as_bytes(),
        )
        .await;
    assert_eq!(done["created"], 1, "{done}");
    let lead = &app.all_leads(&token).await[0];
    assert_eq!(lead["name"], "Acme Oy");
    assert_eq!(lead["description"], "Call in May");
    assert_eq!(contact(lead)["phones"][0]["type"], "mobile");
    assert_eq!(lead["custom_fields"], json!({}), "unmapped columns ignored on request");
    // Options may come as query parameters, and the file under another field name.
    let (content_type, body) = crate::harness::multipart(&[], "again.csv", b"Company,City\nAcme Oy,Turku\n");
    let body = String::from_utf8(body).unwrap().replace("name=\"file\"", "name=\"upload\"");
    let req = axum::http::Request::builder()
        .method(axum::http::Method::POST)
        .uri("/api/v1/imports?on_duplicate=merge")
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", content_type)
        .body(axum::body::Body::from(body))
        .unwrap();
    let r = app.send(req).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text);
    let done = app.wait_import(&token, r.body["id"].as_str().unwrap()).await;
    assert_eq!(done["merged"], 1, "{done}");
    assert_eq!(app.all_leads(&token).await[0]["city"], "Turku");
    // Or the CSV file as the whole body.
    let req = axum::http::Request::builder()
        .method(axum::http::Method::POST)
        .uri("/api/v1/imports?file_name=raw.csv&kind=leads")
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "text/csv")
        .body(axum::body::Body::from("Company;Phone\nGamma Oy;+358 40 777 8888\n"))
        .unwrap();
    let r = app.send(req).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text);
    assert_eq!(r.body["file_name"], "raw.csv");
    let done = app.wait_import(&token, r.body["id"].as_str().unwrap()).await;
    assert_eq!(done["created"], 1, "{done}");
    let kept = "Company,Lieblingsfarbe,Size\nBeta Oy,green,\n";
    let done = app.import(&token, &[("map", "Size=custom:Employees")], "keep.csv", kept.as_bytes()).await;
    assert_eq!(done["created"], 1);
    let beta = app.all_leads(&token).await.into_iter().find(|l| l["name"] == "Beta Oy").unwrap();
    assert_eq!(beta["custom_fields"], json!({"Lieblingsfarbe": "green"}), "empty cells are not stored");
}

/// Random CSV-like files (a deterministic generator): each is refused as a whole
/// or imported, and what is stored is whole rows only.
async fn random_files_import_whole_rows_or_nothing(backend: Backend) {
    let (app, token) = crm(backend).await;
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let pieces = [
        "Company",
        "Email",
        "Phone",
        "Name",
        "Country",
        "Status",
        "\"",
        "\"\"",
        "+1 206 555 0100",
        "a@b.example",
        "bad@",
        "Ä€😀",
        "Acme",
        "Oy",
        "FI",
        "new",
        "won",
        "040 123 4567",
        "",
        " ",
        "x",
        "\u{feff}",
    ];
    let seps = [",", ";", "\t", "\n", "\r\n", "|"];
    let mut accepted = 0;
    for case in 0..24 {
        let mut bytes = Vec::new();
        if case % 4 != 0 {
            bytes.extend_from_slice(b"Company,Name,Email,Phone,Status\n");
        }
        for _ in 0..(next() % 80) {
            bytes.extend_from_slice(pieces[(next() % pieces.len() as u64) as usize].as_bytes());
            bytes.extend_from_slice(seps[(next() % seps.len() as u64) as usize].as_bytes());
            if next() % 61 == 0 {
                bytes.push((next() % 256) as u8);
            }
        }
        let r = app.upload("/api/v1/imports", &token, &[("on_duplicate", "merge")], "random.csv", &bytes).await;
        match r.status {
            StatusCode::UNPROCESSABLE_ENTITY => assert_eq!(r.body["errors"][0]["field"], "file", "{}", r.text),
            StatusCode::ACCEPTED => {
                accepted += 1;
                let done = app.wait_import(&token, r.body["id"].as_str().unwrap()).await;
                assert_eq!(done["status"], "completed", "case {case}: {done}");
                let handled: i64 = ["created", "updated", "merged", "duplicates", "rejected"]
                    .iter()
                    .map(|k| done[k].as_i64().unwrap())
                    .sum();
                assert!(handled <= done["rows_done"].as_i64().unwrap(), "case {case}: {done}");
            }
            other => panic!("case {case}: {other}: {}", r.text),
        }
    }
    let leads = app.all_leads(&token).await;
    assert!(accepted >= 8 && !leads.is_empty(), "the generator must exercise imports: {accepted} accepted");
    let imports = app.get("/api/v1/imports", &token).await.body;
    let created: i64 = imports["items"].as_array().unwrap().iter().map(|i| i["created"].as_i64().unwrap()).sum();
    assert_eq!(created, i64::try_from(leads.len()).unwrap());
    for lead in &leads {
        assert!(!lead["name"].as_str().unwrap().trim().is_empty());
        for c in lead["contacts"].as_array().unwrap() {
            assert_eq!(c["lead_id"], lead["id"]);
            assert!(!c["name"].as_str().unwrap().is_empty());
        }
    }
}

/// The same list uploaded twice at once (two people, or a double click): the second
/// import waits for the first, then finds every row it stored, so each lead is stored once.
async fn a_list_imported_twice_at_once_is_stored_once(backend: Backend) {
    let (app, token) = crm(backend).await;
    let mut csv = String::from("Company,Phone\n");
    for i in 0..3_000 {
        csv.push_str(&format!("Twice {i} Inc,+1 206 55{:01} {:04}\n", i / 1000, i % 1000 + 1000));
    }
    let start = || app.upload("/api/v1/imports", &token, &[], "twice.csv", csv.as_bytes());
    let (first, second) = tokio::join!(start(), start());
    assert_eq!((first.status, second.status), (StatusCode::ACCEPTED, StatusCode::ACCEPTED), "{}", second.text);
    let first = app.wait_import(&token, first.body["id"].as_str().unwrap()).await;
    let second = app.wait_import(&token, second.body["id"].as_str().unwrap()).await;
    let created = first["created"].as_i64().unwrap() + second["created"].as_i64().unwrap();
    let duplicates = first["duplicates"].as_i64().unwrap() + second["duplicates"].as_i64().unwrap();
    assert_eq!((created, duplicates), (3_000, 3_000), "{first}\n{second}");
    let export = app.get("/api/v1/exports/leads.csv", &token).await;
    assert_eq!(export.text.lines().count(), 3_001, "one row per lead and the header");
}

/// Waits until import `id` has stored its first batch (or ended).
async fn first_batch_stored(app: &TestApp, token: &str, id: &str) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    loop {
        let r = app.get(&format!("/api/v1/imports/{id}"), token).await;
        if r.body["rows_done"].as_i64().unwrap_or(0) > 0 || r.body["status"] != "running" {
            return;
        }
        assert!(std::time::Instant::now() < deadline, "the import never stored a batch");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// A file of `n` (at most 500,000) companies "{prefix} {i} Inc", each with a phone number
/// of its own in area code `area`.
fn companies(prefix: &str, n: usize, area: u16) -> String {
    let mut csv = String::from("Company,Phone\n");
    for i in 0..n {
        csv.push_str(&format!("{prefix} {i} Inc,+1 {area} 5{:02} {:04}\n", 50 + i / 10_000, i % 10_000));
    }
    csv
}

/// Starts importing 40,000 companies and then `last_row`; answers the import's id once its
/// first batch is stored, with the later rows still to come.
async fn long_import_under_way(app: &TestApp, token: &str, prefix: &str, last_row: &str) -> String {
    let csv = companies(prefix, 40_000, 206) + last_row;
    let started = app.upload("/api/v1/imports", token, &[], "long.csv", csv.as_bytes()).await;
    assert_eq!(started.status, StatusCode::ACCEPTED, "{}", started.text);
    let id = started.body["id"].as_str().unwrap().to_owned();
    first_batch_stored(app, token, &id).await;
    id
}

/// Whether import `id` still runs (so that what a test did meanwhile happened during it),
/// and the import once it has ended.
async fn still_running_then_ended(app: &TestApp, token: &str, id: &str) -> (bool, Value) {
    let still_running = app.get(&format!("/api/v1/imports/{id}"), token).await.body["status"] == "running";
    (still_running, app.wait_import(token, id).await)
}

/// A lead a rep adds by hand while a long import runs is a duplicate for the import's
/// later rows, as if it had been there when the import began.
async fn a_lead_added_during_an_import_is_found_by_it(backend: Backend) {
    let (app, token) = crm(backend).await;
    // Once the first batch is stored, a rep adds the lead the file's last row names.
    let id = long_import_under_way(&app, &token, "Early", "Late Arrival Inc,+1 312 555 0199\n").await;
    let added = app.lead(&token, json!({"name": "Late Arrival, Inc."})).await;
    let (still_running, done) = still_running_then_ended(&app, &token, &id).await;
    if !still_running {
        eprintln!("the import ended before the lead was added; nothing to check");
        return;
    }
    assert_eq!((done["created"].clone(), done["duplicates"].clone()), (json!(40_000), json!(1)), "{done}");
    let rows = report(&app, &token, &id).await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["entity_id"], added["id"], "{rows:?}");
}

/// A million leads take minutes to undo: the undo goes on when the request that started it
/// goes away (a closed browser, a client's timeout), and a second one meanwhile is refused.
async fn an_undo_goes_on_when_its_request_goes_away(backend: Backend) {
    let (app, token) = crm(backend).await;
    let done = app.import(&token, &[], "gone.csv", companies("Gone", 20_000, 312).as_bytes()).await;
    assert_eq!(done["created"], 20_000, "{done}");
    let id = done["id"].as_str().unwrap();
    let gave_up = tokio::time::timeout(std::time::Duration::from_millis(150), undo(&app, &token, id)).await;
    assert!(gave_up.is_err(), "20,000 leads take longer than 150 ms to delete");
    let again = undo(&app, &token, id).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.text);
    let after = app.wait_import(&token, id).await;
    assert_eq!(after["status"], "undone", "{after}");
    assert_eq!(app.all_leads(&token).await.len(), 0);
}

/// An undo whose process died (killed half way through a million leads) is not left
/// "undoing": while its process lives another undo is refused; once it is gone, the next
/// server start goes on with it, deleting the rest and putting back what the import
/// changed, and its report counts what the first process did too.
async fn an_interrupted_undo_goes_on_when_a_server_starts(backend: Backend) {
    let (app, token) = crm(backend).await;
    let changed = app.lead(&token, json!({"name": "Changed Co", "city": "Old Town"})).await;
    let csv = companies("Halfway", 3_000, 415) + "Changed Co,+1 415 555 0000\n";
    let csv = csv
        .replacen("Company,Phone\n", "Company,Phone,City\n", 1)
        .replace("Changed Co,+1 415 555 0000", "Changed Co,,New Town");
    let done = app.import(&token, &[("on_duplicate", "update")], "halfway.csv", csv.as_bytes()).await;
    assert_eq!((&done["created"], &done["updated"]), (&json!(3_000), &json!(1)), "{done}");
    let id: uuid::Uuid = done["id"].as_str().unwrap().parse().unwrap();
    // Another process began the undo: it deleted 1,000 of the leads, said so, and lives on.
    let mut tx = app.db().write().await.unwrap();
    leadline::on_tx!(&mut tx, |c| sqlx::query(
        "DELETE FROM leads WHERE id IN (SELECT id FROM leads WHERE import_id = $1 ORDER BY created_at, id LIMIT 1000)"
    )
    .bind(id)
    .execute(c)
    .await
    .map(drop))
    .unwrap();
    tx.commit().await.unwrap();
    let so_far = r#"{"deleted": 1000, "restored": 0, "kept_edited": [], "kept_fields": []}"#;
    set_import(&app, &format!("status = 'undoing', runner = 'elsewhere:1', undo_report = '{so_far}'"), id).await;
    set_heartbeat(&app, id, leadline::store::now()).await;
    let refused = undo(&app, &token, &id.to_string()).await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.text);
    // The process is gone (no heartbeat for minutes); a server starts.
    set_heartbeat(&app, id, leadline::store::now() - chrono::TimeDelta::minutes(5)).await;
    leadline::import::service::resume_interrupted(app.db()).await.unwrap();
    let after = app.wait_import(&token, &id.to_string()).await;
    assert_eq!(after["status"], "undone", "{after}");
    assert_eq!(after["undo_report"]["deleted"], 3_000, "{after}");
    assert_eq!(after["undo_report"]["restored"], 1, "{after}");
    let leads = app.all_leads(&token).await;
    assert_eq!(leads.len(), 1, "only the lead that was there before");
    assert_eq!((&leads[0]["id"], &leads[0]["city"]), (&changed["id"], &json!("Old Town")));
}

/// An import never matches its rows to leads an undo is deleting meanwhile: an import
/// waits while an undo of the organization's leads runs (in another process here), and an
/// undo waits for an import writing into it; each goes on once the other ends.
async fn an_import_and_an_undo_of_one_organization_take_turns(backend: Backend) {
    let app = TestApp::new(backend).await;
    let org = app.org("CRM", "US").await;
    let (_, token) = app.user(&org, "admin@crm.test", "admin").await;
    let done = app.import(&token, &[], "first.csv", b"Company\nFirst Co\n").await;
    let first = done["id"].as_str().unwrap().to_owned();
    // Another process is busy with an import of the organization's leads: undoing it, then
    // writing one.
    let other = uuid::Uuid::now_v7();
    let mut tx = app.db().write().await.unwrap();
    let now = leadline::store::now();
    leadline::store::imports::insert(&mut tx, other, org.id, None, "leads", "other.csv", "x", 1, &json!({}), 1, now)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let busy = |status: &'static str| {
        let app = &app;
        async move {
            set_heartbeat(app, other, leadline::store::now()).await;
            set_import(app, &format!("status = '{status}', runner = 'elsewhere:1', admitted_at = heartbeat_at"), other)
                .await;
        }
    };
    busy("undoing").await;
    let started = app.upload("/api/v1/imports", &token, &[], "next.csv", b"Company\nNext Co\n").await;
    let next = started.body["id"].as_str().unwrap().to_owned();
    tokio::time::sleep(std::time::Duration::from_millis(1_500)).await;
    let waiting = app.get(&format!("/api/v1/imports/{next}"), &token).await;
    assert_eq!((&waiting.body["status"], &waiting.body["created"]), (&json!("running"), &json!(0)), "{}", waiting.text);
    set_import(&app, "status = 'undone'", other).await;
    assert_eq!(app.wait_import(&token, &next).await["created"], 1);
    busy("running").await;
    // The undo waits for the import writing; a client that would wait one second only is
    // answered 202 with the import to follow, and the undo goes on in the server.
    let path = format!("/api/v1/imports/{first}/undo");
    let started = std::time::Instant::now();
    let undoing = app.request(axum::http::Method::POST, &path, Some(&token), None, &[("prefer", "wait=1")]).await;
    assert_eq!(undoing.status, StatusCode::ACCEPTED, "{}", undoing.text);
    assert!(started.elapsed() < std::time::Duration::from_secs(10), "answered after the wait asked for");
    assert_eq!(undoing.headers["location"], format!("/api/v1/imports/{first}"));
    assert_eq!(undoing.body["id"], json!(first), "{}", undoing.text);
    let again = undo(&app, &token, &first).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "one undo at a time: {}", again.text);
    let meanwhile = app.get(&format!("/api/v1/imports/{first}"), &token).await;
    assert_eq!(meanwhile.body["status"], "completed", "{}", meanwhile.text);
    assert!(meanwhile.body["undo_waiting_at"].is_string(), "the import says its undo waits: {}", meanwhile.text);
    assert_eq!(app.all_leads(&token).await.len(), 2, "nothing deleted yet");
    set_import(&app, "status = 'completed'", other).await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let now = app.get(&format!("/api/v1/imports/{first}"), &token).await;
        if now.body["status"] == "undone" {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the undo never went on: {}", now.text);
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let left = app.all_leads(&token).await;
    assert_eq!((left.len(), &left[0]["name"]), (1, &json!("Next Co")));
    let undone = app.get(&format!("/api/v1/imports/{first}"), &token).await;
    assert!(undone.body["undo_waiting_at"].is_null(), "{}", undone.text);
}

/// A lead someone deletes while a long import runs no longer absorbs the import's later
/// rows: the row naming it creates it anew rather than being skipped as its duplicate.
async fn a_lead_deleted_during_an_import_is_no_longer_matched(backend: Backend) {
    let (app, token) = crm(backend).await;
    let doomed = app.lead(&token, json!({"name": "Doomed Widgets LLC"})).await;
    let id = long_import_under_way(&app, &token, "Steady", "Doomed Widgets,+1 312 555 0198\n").await;
    delete_lead(&app, &token, doomed["id"].as_str().unwrap()).await;
    let (still_running, done) = still_running_then_ended(&app, &token, &id).await;
    if !still_running {
        eprintln!("the import ended before the lead was deleted; nothing to check");
        return;
    }
    assert_eq!((done["created"].clone(), done["duplicates"].clone()), (json!(40_001), json!(0)), "{done}");
    let found = app.get("/api/v1/leads?q=Doomed", &token).await;
    assert_eq!(found.body["items"].as_array().map(Vec::len), Some(1), "{}", found.text);
}

/// Several leads may share a company name ("Twin Co" and "TWIN CO."): an opportunity naming
/// one of them exactly goes to it; one naming them only alike is refused, not attached to
/// either at random.
async fn an_opportunity_names_one_lead_or_is_refused(backend: Backend) {
    let (app, token) = crm(backend).await;
    let plain = app.lead(&token, json!({"name": "Twin Co"})).await;
    app.lead(&token, json!({"name": "TWIN CO."})).await;
    let csv = "Opportunity Name,Account Name,Stage,Amount\nExact deal,twin co,Prospecting,100\n\
        Vague deal,Twin Company,Prospecting,200\n";
    let done = app.import(&token, &[("kind", "opportunities")], "twins.csv", csv.as_bytes()).await;
    assert_eq!((done["created"].clone(), done["rejected"].clone()), (json!(1), json!(1)), "{done}");
    let opportunities = app.get("/api/v1/opportunities", &token).await;
    let items = opportunities.body["items"].as_array().cloned().unwrap_or_default();
    assert_eq!(items.len(), 1, "{}", opportunities.text);
    assert_eq!(items[0]["lead_id"], plain["id"], "{}", opportunities.text);
    let rows = report(&app, &token, done["id"].as_str().unwrap()).await;
    let refused = rows.iter().find(|r| r["outcome"] == "rejected").expect("the vague row is refused");
    assert_eq!(refused["row_number"], 3);
    assert!(refused["reason"].as_str().unwrap().contains("2 leads of this organization have this name"), "{refused}");

    // The lead column may hold the old CRM's id of the lead instead of its name.
    let known = app.lead(&token, json!({"name": "Known Ltd", "external_id": "0015e00000ACC1"})).await;
    let csv = "Opportunity Name,Account Name,Stage,Amount\nBy id,0015e00000ACC1,Prospecting,300\n\
        Nowhere,0015e00000NONE,Prospecting,400\n";
    let done = app.import(&token, &[("kind", "opportunities")], "by-id.csv", csv.as_bytes()).await;
    assert_eq!((done["created"].clone(), done["rejected"].clone()), (json!(1), json!(1)), "{done}");
    let opportunities = app.get("/api/v1/opportunities", &token).await.body;
    let by_id = opportunities["items"].as_array().unwrap().iter().find(|o| o["name"] == "By id").cloned().unwrap();
    assert_eq!(by_id["lead_id"], known["id"], "{opportunities}");
    let rows = report(&app, &token, done["id"].as_str().unwrap()).await;
    let refused = rows.iter().find(|r| r["outcome"] == "rejected").expect("the unknown lead is refused");
    assert_eq!(refused["reason"], "no lead of this organization has this name or external id", "{refused}");
}

/// An import writing into the organization holds the next one up whatever their ids say
/// (an upload takes its id before its record commits; a draft is launched long after it
/// was uploaded); once it ends, the next one goes on.
async fn an_import_waits_for_one_writing_whatever_their_ids(backend: Backend) {
    let app = TestApp::new(backend).await;
    let org = app.org("CRM", "US").await;
    let (_, token) = app.user(&org, "admin@crm.test", "admin").await;
    // Another process writes an import whose id sorts after any new one.
    let writer = uuid::Uuid::from_u128(u128::MAX >> 1);
    let mut tx = app.db().write().await.unwrap();
    let now = leadline::store::now();
    leadline::store::imports::insert(&mut tx, writer, org.id, None, "leads", "other.csv", "x", 1, &json!({}), 1, now)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    set_import(&app, "admitted_at = heartbeat_at", writer).await;
    let started = app.upload("/api/v1/imports", &token, &[], "next.csv", b"Company\nNext Co\n").await;
    assert_eq!(started.status, StatusCode::ACCEPTED, "{}", started.text);
    let id = started.body["id"].as_str().unwrap().to_owned();
    tokio::time::sleep(std::time::Duration::from_millis(1_500)).await;
    let waiting = app.get(&format!("/api/v1/imports/{id}"), &token).await;
    assert_eq!((&waiting.body["status"], &waiting.body["created"]), (&json!("running"), &json!(0)), "{}", waiting.text);
    set_import(&app, "status = 'completed'", writer).await;
    let done = app.wait_import(&token, &id).await;
    assert_eq!(done["created"], 1, "{done}");
}

/// Sets the heartbeat of import `id` as its process (another one) would.
async fn set_heartbeat(app: &TestApp, id: uuid::Uuid, at: chrono::DateTime<chrono::Utc>) {
    let mut tx = app.db().write().await.unwrap();
    leadline::on_tx!(&mut tx, |c| sqlx::query("UPDATE imports SET heartbeat_at = $1 WHERE id = $2")
        .bind(at)
        .bind(id)
        .execute(c)
        .await
        .map(drop))
    .unwrap();
    tx.commit().await.unwrap();
}

/// Sets columns of import `id` as another process would (`set` as in SQL's SET).
async fn set_import(app: &TestApp, set: &str, id: uuid::Uuid) {
    let sql = format!("UPDATE imports SET {set} WHERE id = $1");
    let mut tx = app.db().write().await.unwrap();
    leadline::on_tx!(&mut tx, |c| sqlx::query(sqlx::AssertSqlSafe(sql.clone())).bind(id).execute(c).await.map(drop))
        .unwrap();
    tx.commit().await.unwrap();
}

/// A products or deals file's columns that no field claims ("Probability (%)", "Next
/// Step", "Active") are kept as custom fields of each record, as on leads, or dropped with
/// `unmapped=ignore`; merge adds the ones a record lacks, update replaces them, undo puts
/// them back.
async fn products_and_deals_keep_the_columns_no_field_claims(backend: Backend) {
    let (app, token) = crm(backend).await;
    let products = "Product Name,Unit Price,Currency,Active,Category\nStarter,100,USD,true,SaaS\n";
    let done = app.import(&token, &[("kind", "products")], "products.csv", products.as_bytes()).await;
    assert_eq!(done["created"], 1, "{done}");
    let listed = app.get("/api/v1/products", &token).await.body;
    assert_eq!(listed["items"][0]["custom_fields"], json!({"Active": "true", "Category": "SaaS"}), "{listed}");

    app.lead(&token, json!({"name": "Navy Systems"})).await;
    let deals = "Opportunity Name,Account Name,Stage,Amount,Probability (%),Next Step,Type\n\
        Navy expansion,Navy Systems,Proposal,1000,40,Call the CFO,New Business\n";
    let preview = app
        .upload("/api/v1/imports/preview", &token, &[("kind", "opportunities")], "deals.csv", deals.as_bytes())
        .await;
    let columns = preview.body["columns"].to_string();
    assert!(columns.contains(r#""field":"custom:Probability (%)""#), "{columns}");
    assert_eq!(preview.body["rows"][0]["record"]["custom:Next Step"], "Call the CFO", "{}", preview.text);
    let ignored = app
        .upload(
            "/api/v1/imports/preview",
            &token,
            &[("kind", "opportunities"), ("unmapped", "ignore")],
            "deals.csv",
            deals.as_bytes(),
        )
        .await;
    assert!(ignored.body["columns"].to_string().contains(r#""field":"ignore""#), "{}", ignored.text);

    let done = app.import(&token, &[("kind", "opportunities")], "deals.csv", deals.as_bytes()).await;
    assert_eq!(done["created"], 1, "{done}");
    assert_eq!(
        deal_custom(&app, &token).await,
        json!({"Probability (%)": "40", "Next Step": "Call the CFO", "Type": "New Business"})
    );
    // Merge adds what the deal lacks and keeps what it has.
    let later = "Opportunity Name,Account Name,Stage,Next Step,Forecast Category\n\
        Navy expansion,Navy Systems,Proposal,Send the contract,Commit\n";
    let merged = app
        .import(&token, &[("kind", "opportunities"), ("on_duplicate", "merge")], "later.csv", later.as_bytes())
        .await;
    assert_eq!(merged["merged"], 1, "{merged}");
    assert_eq!(
        deal_custom(&app, &token).await,
        json!({"Probability (%)": "40", "Next Step": "Call the CFO", "Type": "New Business", "Forecast Category": "Commit"})
    );
    // Update replaces the file's fields; its undo puts them back.
    let updated = app
        .import(&token, &[("kind", "opportunities"), ("on_duplicate", "update")], "later.csv", later.as_bytes())
        .await;
    assert_eq!(updated["updated"], 1, "{updated}");
    assert_eq!(deal_custom(&app, &token).await["Next Step"], "Send the contract");
    let undone = undo(&app, &token, updated["id"].as_str().unwrap()).await;
    assert_eq!(undone.status, StatusCode::OK, "{}", undone.text);
    assert_eq!(deal_custom(&app, &token).await["Next Step"], "Call the CFO");
}

/// The custom fields of the organization's first opportunity.
async fn deal_custom(app: &TestApp, token: &str) -> Value {
    app.get("/api/v1/opportunities", token).await.body["items"][0]["custom_fields"].clone()
}

async fn stages_of_the_old_crm_are_chosen_on_the_mapping_page(backend: Backend) {
    use crate::auth::{form, hidden, login, page};
    let (app, token) = crm(backend).await;
    app.lead(&token, json!({"name": "Navy Systems Inc"})).await;
    let deals = "Deal Name,Company,Stage,Amount\n\
        Big one,Navy Systems Inc,Verbal yes,1000\n\
        Small one,Navy Systems Inc,Closed Won,10\n\
        Odd one,Navy Systems Inc,Parked,5\n\
        Bigger one,Navy Systems Inc,VERBAL YES,2000\n";
    let kind = [("kind", "opportunities")];
    let preview = app.upload("/api/v1/imports/preview", &token, &kind, "deals.csv", deals.as_bytes()).await;
    assert_eq!(preview.body["unknown_stages"], json!(["Verbal yes", "Parked"]), "{}", preview.text);
    let chosen = [("kind", "opportunities"), ("stage", "Verbal yes=negotiation")];
    let preview = app.upload("/api/v1/imports/preview", &token, &chosen, "deals.csv", deals.as_bytes()).await;
    assert_eq!(preview.body["unknown_stages"], json!(["Parked"]), "{}", preview.text);
    assert_eq!(preview.body["mapped_stages"], json!({"Verbal yes": "negotiation"}), "{}", preview.text);

    // On the Import page: the mapping page asks for a stage for each unknown name.
    let (_, session) = login(&app, "admin@crm.test", crate::harness::PASSWORD, &[]).await;
    let cookie = session.unwrap();
    let csrf = hidden(&page(&app, "/imports", &cookie).await.text, "csrf");
    let upload = |kind: &'static str, file: &'static str| {
        let (content_type, body) =
            crate::harness::multipart(&[("csrf", &csrf), ("kind", kind)], "file.csv", file.as_bytes());
        let request = axum::http::Request::builder()
            .method(axum::http::Method::POST)
            .uri("/imports")
            .header("cookie", &cookie)
            .header("content-type", content_type)
            .body(axum::body::Body::from(body))
            .unwrap();
        let app = &app;
        async move {
            let uploaded = app.send(request).await;
            assert_eq!(uploaded.status, StatusCode::SEE_OTHER, "{}", uploaded.text);
            uploaded.headers["location"].to_str().unwrap().to_owned()
        }
    };
    // Starts the import of a mapping page with `choices` for its names; answers the finished import.
    let start = |map_path: String, map: String, choices: [(&'static str, &'static str); 2]| {
        let (app, cookie, csrf, token) = (&app, &cookie, &csrf, &token);
        async move {
            let read_with = hidden(&map, "read_with");
            let mut fields = vec![("csrf", csrf.as_str()), ("read_with", &read_with), ("action", "start")];
            fields.extend(choices);
            let started = form(app, &map_path, cookie, &fields, &[]).await;
            assert_eq!(started.status, StatusCode::SEE_OTHER, "{}", started.text);
            app.wait_import(token, map_path.trim_start_matches("/imports/").trim_end_matches("/map")).await
        }
    };
    let map_path = upload("opportunities", deals).await;
    let map = page(&app, &map_path, &cookie).await.text;
    assert!(map.contains("Stages of the old CRM"), "{map}");
    assert!(map.contains(r#"name="stage:Verbal yes""#) && map.contains(r#"name="stage:Parked""#), "{map}");
    let done = start(map_path, map, [("stage:Verbal yes", "negotiation"), ("stage:Parked", "")]).await;
    let id = done["id"].as_str().unwrap();
    assert_eq!((done["created"].clone(), done["rejected"].clone()), (json!(3), json!(1)), "{done}");
    let rows = report(&app, &token, id).await;
    assert_eq!(
        rows[0]["reason"],
        "is not a known stage; use one of qualification, discovery, proposal, negotiation, won, lost, or map it to \
         one (--stage \"Parked=negotiation\", on the mapping page, or in the stage map)",
        "{rows:?}"
    );
    let listed = app.get("/api/v1/opportunities", &token).await.body;
    let stage =
        |name: &str| listed["items"].as_array().unwrap().iter().find(|o| o["name"] == name).unwrap()["stage"].clone();
    assert_eq!(
        (stage("Big one"), stage("Bigger one"), stage("Small one")),
        (json!("negotiation"), json!("negotiation"), json!("won"))
    );
    // The choice is kept in the stage map: the next file with that name needs no mapping.
    let map = app.get("/api/v1/stage-map", &token).await.body;
    assert_eq!(map["custom"]["Verbal yes"], "negotiation", "{map}");
    let preview = app.upload("/api/v1/imports/preview", &token, &kind, "deals.csv", deals.as_bytes()).await;
    assert_eq!(preview.body["unknown_stages"], json!(["Parked"]), "{}", preview.text);

    // A leads file's own statuses are asked for the same way.
    let map_path = upload("leads", "Company,Lead Status\nHot Oy,Hot\nCold Oy,Cold\n").await;
    let map = page(&app, &map_path, &cookie).await.text;
    assert!(map.contains("Statuses of the old CRM") && !map.contains("Stages of the old CRM"), "{map}");
    assert!(map.contains(r#"name="status:Hot""#) && map.contains(r#"name="status:Cold""#), "{map}");
    let done = start(map_path, map, [("status:Hot", "qualified"), ("status:Cold", "")]).await;
    assert_eq!((done["created"].clone(), done["rejected"].clone()), (json!(1), json!(1)), "{done}");
    let hot = app.all_leads(&token).await.into_iter().find(|l| l["name"] == "Hot Oy").unwrap();
    assert_eq!(hot["status"], "qualified");
}

async fn an_undo_keeps_what_was_worked_on_since(backend: Backend) {
    let (app, token) = crm(backend).await;
    let csv = "Company,Phone\nCalled Co,+1 206 555 0101\nDeal Co,+1 206 555 0102\nUntouched Co,+1 206 555 0103\n";
    let leads_import = app.import(&token, &[], "leads.csv", csv.as_bytes()).await;
    assert_eq!(leads_import["created"], 3, "{leads_import}");
    let products = "Product Name,Product Code,Unit Price,Currency\nUsed,USED,10,EUR\nUnused,UNUSED,20,EUR\n";
    let products_import = app.import(&token, &[("kind", "products")], "products.csv", products.as_bytes()).await;
    assert_eq!(products_import["created"], 2, "{products_import}");
    // Work since: a call logged on one lead (which leaves the lead as it was), a deal on another.
    let leads = app.all_leads(&token).await;
    let id_of = |name: &str| leads.iter().find(|l| l["name"] == name).unwrap()["id"].as_str().unwrap().to_owned();
    let logged =
        app.post("/api/v1/calls/log", &token, json!({"lead_id": id_of("Called Co"), "disposition": "busy"})).await;
    assert!(logged.status.is_success(), "{}", logged.text);
    let deals = "Opportunity Name,Account Name,Product,Amount\nFirst deal,Deal Co,USED,100\n";
    let deal = app.import(&token, &[("kind", "opportunities")], "deals.csv", deals.as_bytes()).await;
    assert_eq!(deal["created"], 1, "{deal}");

    // The product a deal names stays; the other goes.
    let r = undo(&app, &token, products_import["id"].as_str().unwrap()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["deleted"], 1, "{}", r.text);
    assert_eq!(r.body["kept_edited"].as_array().unwrap().len(), 1, "{}", r.text);
    let (_, session) = crate::auth::login(&app, "admin@crm.test", crate::harness::PASSWORD, &[]).await;
    let products_page =
        crate::auth::page(&app, &format!("/imports/{}", products_import["id"].as_str().unwrap()), &session.unwrap())
            .await
            .text;
    assert!(products_page.contains("<li>Used <span class=\"muted\">created by the import and edited since, or named by a deal: kept</span></li>"), "{products_page}");
    let left = app.get("/api/v1/products", &token).await.body;
    let codes: Vec<&str> = left["items"].as_array().unwrap().iter().map(|p| p["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["USED"]);
    let deals_now = app.get("/api/v1/opportunities", &token).await.body;
    assert!(deals_now["items"][0]["product_id"].is_string(), "the deal keeps its product: {deals_now}");

    // The leads called or sold to stay, with their calls and deals; the untouched one goes.
    let r = undo(&app, &token, leads_import["id"].as_str().unwrap()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["deleted"], 1, "{}", r.text);
    let mut names: Vec<String> =
        app.all_leads(&token).await.iter().map(|l| l["name"].as_str().unwrap().to_owned()).collect();
    names.sort();
    assert_eq!(names, ["Called Co", "Deal Co"]);
    let kept: Vec<&str> = r.body["kept_edited"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    assert_eq!(kept.len(), 2, "both are reported: {}", r.text);
    assert_eq!(app.get("/api/v1/opportunities", &token).await.body["items"].as_array().unwrap().len(), 1);
}

async fn a_company_e_mail_domain_is_a_web_domain(backend: Backend) {
    let (app, token) = crm(backend).await;
    app.lead(&token, json!({"name": "Acme Widgets", "website": "https://www.acme-widgets.example/contact"})).await;
    app.lead(&token, json!({"name": "Solo Ltd", "contacts": [{"name": "Sal", "emails": ["sal@solo.example"]}]})).await;
    let csv = "Company,Website,Email\n\
        AW Holdings,,bob@acme-widgets.example\n\
        Sunrise Partners,solo.example,\n\
        Gmail One,,amy@gmail.com\n\
        Gmail Two,,jim@gmail.com\n\
        Branch Office,,carl@branch.example\n\
        Branch Two,,dora@branch.example\n";
    let plain = app.upload("/api/v1/imports/preview", &token, &[], "domains.csv", csv.as_bytes()).await;
    assert_eq!(plain.status, StatusCode::OK, "{}", plain.text);
    let done = app.import(&token, &[("match_domain", "true")], "domains.csv", csv.as_bytes()).await;
    assert_eq!((done["created"].clone(), done["duplicates"].clone()), (json!(3), json!(3)), "{done}");
    let rows = report(&app, &token, done["id"].as_str().unwrap()).await;
    let reasons: Vec<(i64, &str)> =
        rows.iter().map(|r| (r["row_number"].as_i64().unwrap(), r["reason"].as_str().unwrap())).collect();
    assert!(
        reasons[0].1.starts_with("same web domain acme-widgets.example (of the e-mail bob@acme-widgets.example)"),
        "{reasons:?}"
    );
    assert_eq!(rows[0]["record_name"], "Acme Widgets");
    assert!(reasons[1].1.starts_with("same web domain solo.example"), "a stored contact's e-mail domain: {reasons:?}");
    assert_eq!(rows[1]["record_name"], "Solo Ltd");
    assert_eq!(reasons[2].0, 7, "the second branch.example row, not the webmail ones: {reasons:?}");
    // Without domain matching, each is a lead of its own.
    let undone = undo(&app, &token, done["id"].as_str().unwrap()).await;
    assert_eq!(undone.status, StatusCode::OK, "{}", undone.text);
    let apart = app.import(&token, &[], "domains.csv", csv.as_bytes()).await;
    assert_eq!((apart["created"].clone(), apart["duplicates"].clone()), (json!(6), json!(0)), "{apart}");
}

/// The import benchmark's floor, SQLite copying an organization's leads by itself, stores
/// the same leads the import did: tags, contacts, phones, e-mails and search rows.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_import_benchmarks_sqlite_copy_stores_the_same_leads() {
    let app = TestApp::new(Backend::Sqlite).await;
    let (from, token) = app.tenant("Copied From", "FI").await;
    let (to, to_token) = app.tenant("Copied To", "FI").await;
    let file = "Company,Contact,Title,Email,Phone,Mobile,Tags,Industry\n\
                Kärkkäinen Oy,Väinö Jääskeläinen,CEO,vaino@karkkainen.example,09 123 4567,040 100 4500,\"vip,q1\",Retail\n\
                Kärkkäinen Oy,Liisa Lahti,,liisa@karkkainen.example,,,,\n\
                Household Smith,Tom Smith,,,+1 212 555 0100 x7,,,\n\
                No Contacts AB,,,,,,,\n";
    let done = app.import(&token, &[("on_duplicate", "merge")], "leads.csv", file.as_bytes()).await;
    assert_eq!((done["created"].clone(), done["rejected"].clone()), (json!(3), json!(0)), "{done}");
    let (_, copied) = leadline::store::bulk::copy_leads_sqlite(app.db(), from.id, to.id).await.unwrap();
    assert_eq!(copied, 3);
    assert_eq!(snapshot(&app, &token).await, snapshot(&app, &to_token).await);
    let found = app.get("/api/v1/leads?q=jaaskelainen", &to_token).await;
    assert_eq!(found.body["items"].as_array().unwrap().len(), 1, "{}", found.text);
    let found = app.get("/api/v1/leads?q=liisa%40karkkainen.example", &to_token).await;
    assert_eq!(found.body["items"][0]["name"], "Kärkkäinen Oy", "{}", found.text);
}
