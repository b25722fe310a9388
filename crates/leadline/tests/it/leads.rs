//! Creating, reading, changing and deleting leads, contacts and notes.

use crate::harness::{Backend, TestApp, problem_fields};
use axum::http::{Method, StatusCode};
use serde_json::json;

crate::on_both!(
    create_matches_the_contract,
    phones_normalize_with_the_org_region,
    multi_zone_prefix_records_every_zone,
    zones_from_address_and_by_hand,
    validation_names_every_field_and_writes_nothing,
    unknown_fields_are_refused,
    patch_changes_only_given_fields,
    delete_removes_lead_and_contacts,
    contacts_crud_updates_the_lead,
    notes_go_on_the_timeline,
    idempotency_key_replays_without_duplicating,
);

async fn create_matches_the_contract(b: Backend) {
    let app = TestApp::new(b).await;
    let (_, token) = app.tenant("Acme Sales", "US").await;
    let r = app
        .post(
            "/api/v1/leads",
            &token,
            json!({"name": "Acme Oy", "kind": "company", "contacts": [{"name": "Ann Lee", "title": "CTO",
                "phones": ["(206) 555-0100"], "emails": ["Ann@Acme.test"]}]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let lead = &r.body;
    assert!(lead["id"].as_str().is_some_and(|s| !s.is_empty()));
    assert_eq!(lead["name"], "Acme Oy");
    assert_eq!(lead["kind"], "company");
    assert_eq!(lead["status"], "new");
    assert_eq!(lead["time_zones"], json!(["America/Los_Angeles"]));
    let contact = &lead["contacts"][0];
    assert_eq!(contact["name"], "Ann Lee");
    assert_eq!(contact["title"], "CTO");
    assert_eq!(contact["phones"][0]["number"], "+12065550100");
    assert_eq!(contact["phones"][0]["e164"], "+12065550100");
    assert_eq!(contact["emails"], json!(["ann@acme.test"]));
    assert_eq!(contact["do_not_call"], false);

    let id = lead["id"].as_str().unwrap();
    let got = app.get(&format!("/api/v1/leads/{id}"), &token).await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(got.body["contacts"][0]["phones"][0]["number"], "+12065550100");
}

async fn phones_normalize_with_the_org_region(b: Backend) {
    let app = TestApp::new(b).await;
    let (_, token) = app.tenant("Suomi Myynti", "FI").await;
    let lead = app
        .lead(
            &token,
            json!({"name": "Kärkkäinen Oy", "contacts": [{"name": "Väinö Jääskeläinen",
                "phones": ["040 123 4567", {"number": "+1 (206) 555-0100", "type": "direct"}, "09 1234 5678"]}]}),
        )
        .await;
    let phones = &lead["contacts"][0]["phones"];
    assert_eq!(phones[0]["number"], "+358401234567");
    assert_eq!(phones[0]["type"], "mobile");
    assert_eq!(phones[1]["number"], "+12065550100");
    assert_eq!(phones[1]["type"], "direct");
    assert_eq!(phones[2]["number"], "+358912345678");
    assert_eq!(lead["time_zones"], json!(["Europe/Helsinki", "Europe/Mariehamn"]));
    // The phones as the API shows them go back as they are, with one more.
    let mut sent = phones.as_array().unwrap().clone();
    sent.push(json!("050 765 4321"));
    let id = lead["contacts"][0]["id"].as_str().unwrap();
    let r = app.patch(&format!("/api/v1/contacts/{id}"), &token, json!({"phones": sent})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let numbers: Vec<&str> = r.body["phones"].as_array().unwrap().iter().map(|p| p["e164"].as_str().unwrap()).collect();
    assert_eq!(numbers, ["+358401234567", "+12065550100", "+358912345678", "+358507654321"], "{}", r.text);
    assert_eq!(r.body["phones"][1]["type"], "direct", "{}", r.text);
}

async fn multi_zone_prefix_records_every_zone(b: Backend) {
    let app = TestApp::new(b).await;
    let (_, token) = app.tenant("Idaho Calls", "US").await;
    // +1 208 29x: the prefix spans Boise and Los Angeles.
    let lead = app
        .lead(&token, json!({"name": "Boise Roofing", "contacts": [{"name": "Bo", "phones": ["208-299-1234"]}]}))
        .await;
    assert_eq!(lead["time_zones"], json!(["America/Boise", "America/Los_Angeles"]));
    assert_eq!(lead["time_zone_manual"], false);
}

async fn zones_from_address_and_by_hand(b: Backend) {
    let app = TestApp::new(b).await;
    let (_, token) = app.tenant("Zones", "US").await;
    let lead =
        app.lead(&token, json!({"name": "No Phone GmbH", "address": {"city": "Berlin", "country": "Germany"}})).await;
    assert_eq!(lead["address"]["country"], "DE");
    assert_eq!(lead["country"], "DE");
    assert_eq!(lead["time_zones"], json!(["Europe/Berlin"]));
    let flat = app.lead(&token, json!({"name": "Texan LLC", "country": "US", "region": "TX"})).await;
    assert_eq!(flat["time_zones"], json!(["America/Chicago"]));

    let id = lead["id"].as_str().unwrap();
    let r = app.patch(&format!("/api/v1/leads/{id}"), &token, json!({"time_zone": "Europe/Helsinki"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["time_zones"], json!(["Europe/Helsinki"]));
    assert_eq!(r.body["time_zone_manual"], true);
    // Adding a phone does not override a zone set by hand...
    let c = app
        .post(&format!("/api/v1/leads/{id}/contacts"), &token, json!({"name": "Jo", "phones": ["+1 206 555 0101"]}))
        .await;
    assert_eq!(c.status, StatusCode::CREATED, "{}", c.text);
    let got = app.get(&format!("/api/v1/leads/{id}"), &token).await;
    assert_eq!(got.body["time_zones"], json!(["Europe/Helsinki"]));
    // ...until the manual zone is cleared, when it is derived again from the phone.
    let r = app.patch(&format!("/api/v1/leads/{id}"), &token, json!({"time_zone": null})).await;
    assert_eq!(r.body["time_zones"], json!(["America/Los_Angeles"]));
    let bad = app.patch(&format!("/api/v1/leads/{id}"), &token, json!({"time_zone": "Mars/Base"})).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem_fields(&bad), vec!["time_zone"]);
}

async fn validation_names_every_field_and_writes_nothing(b: Backend) {
    let app = TestApp::new(b).await;
    let (_, token) = app.tenant("Strict", "US").await;
    let r = app
        .post(
            "/api/v1/leads",
            &token,
            json!({"name": "  ", "kind": "planet", "status": "won", "country": "Atlantis",
                "contacts": [{"name": "Ann", "phones": ["555-CALL-NOW", "+1 206 555 0100"], "emails": ["not-an-email"]},
                             {"name": "", "phones": [{"number": "+44 20 7946 0000", "type": "pager"}]}]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(r.headers["content-type"], "application/problem+json");
    let fields = problem_fields(&r);
    for f in [
        "name",
        "kind",
        "status",
        "country",
        "contacts[0].phones[0]",
        "contacts[0].emails[0]",
        "contacts[1].name",
        "contacts[1].phones[0].type",
    ] {
        assert!(fields.contains(&f.to_owned()), "missing {f} in {fields:?}");
    }
    assert_eq!(r.body["status"], 422);
    assert!(r.body["detail"].as_str().unwrap().contains("contacts[0].phones[0]"));
    let list = app.get("/api/v1/leads", &token).await;
    assert_eq!(list.body["items"], json!([]), "nothing may be written");
}

async fn unknown_fields_are_refused(b: Backend) {
    let app = TestApp::new(b).await;
    let (_, token) = app.tenant("Strict2", "US").await;
    let r = app.post("/api/v1/leads", &token, json!({"name": "A", "colour": "red"})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem_fields(&r), vec!["colour"]);
    let r = app.post("/api/v1/leads", &token, json!({"name": "A", "contacts": [{"name": "B", "fax": "1"}]})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem_fields(&r), vec!["contacts[0].fax"]);
    let r = app.post("/api/v1/leads", &token, json!({"name": 42})).await;
    assert_eq!(problem_fields(&r), vec!["name"]);
    // A NUL character is refused by name on either database (PostgreSQL cannot store one).
    let r = app
        .post("/api/v1/leads", &token, json!({"name": "A\u{0}B", "contacts": [{"name": "C\u{0}", "title": "\u{0}"}]}))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert_eq!(problem_fields(&r), vec!["name", "contacts[0].name", "contacts[0].title"], "{}", r.text);
    let lead = app.lead(&token, json!({"name": "Patchable"})).await;
    let r =
        app.patch(&format!("/api/v1/leads/{}", lead["id"].as_str().unwrap()), &token, json!({"nmae": "typo"})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem_fields(&r), vec!["nmae"]);
}

async fn patch_changes_only_given_fields(b: Backend) {
    let app = TestApp::new(b).await;
    let (_, token) = app.tenant("Patchers", "US").await;
    let lead = app
        .lead(&token, json!({"name": "Old Name", "source": "Referral", "website": "old.example.com", "tags": ["VIP", "smb"], "description": "x"}))
        .await;
    assert_eq!(lead["website"], "https://old.example.com");
    assert_eq!(lead["tags"], json!(["smb", "vip"]));
    let id = lead["id"].as_str().unwrap();
    let r = app
        .patch(
            &format!("/api/v1/leads/{id}"),
            &token,
            json!({"name": "New Name", "status": "qualified", "description": null, "tags": ["hot"]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["name"], "New Name");
    assert_eq!(r.body["status"], "qualified");
    assert_eq!(r.body["source"], "Referral");
    assert_eq!(r.body["description"], serde_json::Value::Null);
    assert_eq!(r.body["tags"], json!(["hot"]));
    assert!(r.body["updated_at"].as_str() >= lead["updated_at"].as_str());
    let bad = app.patch(&format!("/api/v1/leads/{id}"), &token, json!({"status": "won"})).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem_fields(&bad), vec!["status"]);
    let after = app.get(&format!("/api/v1/leads/{id}"), &token).await;
    assert_eq!(after.body["status"], "qualified", "a refused patch changes nothing");
}

async fn delete_removes_lead_and_contacts(b: Backend) {
    let app = TestApp::new(b).await;
    let (_, token) = app.tenant("Deleters", "US").await;
    let lead =
        app.lead(&token, json!({"name": "Gone Inc", "contacts": [{"name": "A", "phones": ["+12065550100"]}]})).await;
    let id = lead["id"].as_str().unwrap();
    let cid = lead["contacts"][0]["id"].as_str().unwrap();
    assert_eq!(app.delete(&format!("/api/v1/leads/{id}"), &token).await.status, StatusCode::NO_CONTENT);
    assert_eq!(app.get(&format!("/api/v1/leads/{id}"), &token).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get(&format!("/api/v1/contacts/{cid}"), &token).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.delete(&format!("/api/v1/leads/{id}"), &token).await.status, StatusCode::NOT_FOUND);
    let found = app.get("/api/v1/leads?q=2065550100", &token).await;
    assert_eq!(found.body["items"], json!([]));
    assert_eq!(app.get("/api/v1/leads/not-a-uuid", &token).await.status, StatusCode::NOT_FOUND);
}

async fn contacts_crud_updates_the_lead(b: Backend) {
    let app = TestApp::new(b).await;
    let (_, token) = app.tenant("Contacters", "GB").await;
    let lead = app.lead(&token, json!({"name": "Brit Ltd"})).await;
    let id = lead["id"].as_str().unwrap();
    assert_eq!(lead["time_zones"], json!([]));
    let c = app
        .post(&format!("/api/v1/leads/{id}/contacts"), &token, json!({"name": "Oliver Smith", "phones": ["020 7946 0018"], "emails": ["O.Smith@Brit.test", "o.smith@brit.test"]}))
        .await;
    assert_eq!(c.status, StatusCode::CREATED, "{}", c.text);
    assert_eq!(c.body["phones"][0]["number"], "+442079460018");
    assert_eq!(c.body["emails"], json!(["o.smith@brit.test"]));
    let cid = c.body["id"].as_str().unwrap();
    let got = app.get(&format!("/api/v1/leads/{id}"), &token).await;
    assert_eq!(got.body["time_zones"], json!(["Europe/London"]));
    // Search finds the lead by the new contact's name and e-mail.
    let s = app.get("/api/v1/leads?q=oliver", &token).await;
    assert_eq!(s.body["items"][0]["id"], id);
    let s = app.get("/api/v1/leads?q=o.smith%40brit.test", &token).await;
    assert_eq!(s.body["items"][0]["id"], id);

    let u = app
        .patch(
            &format!("/api/v1/contacts/{cid}"),
            &token,
            json!({"do_not_call": true, "phones": [{"number": "07911 123456", "type": "mobile"}]}),
        )
        .await;
    assert_eq!(u.status, StatusCode::OK, "{}", u.text);
    assert_eq!(u.body["do_not_call"], true);
    assert_eq!(u.body["phones"], json!([{"number": "+447911123456", "e164": "+447911123456", "type": "mobile"}]));
    let bad = app.patch(&format!("/api/v1/contacts/{cid}"), &token, json!({"emails": ["nope"]})).await;
    assert_eq!(problem_fields(&bad), vec!["emails[0]"]);
    // Contacts and notes can also name their lead in the body.
    let c2 = app
        .post("/api/v1/contacts", &token, json!({"lead_id": id, "name": "Second Person", "emails": ["two@brit.test"]}))
        .await;
    assert_eq!(c2.status, StatusCode::CREATED, "{}", c2.text);
    let no_lead = app.post("/api/v1/contacts", &token, json!({"name": "Orphan"})).await;
    assert_eq!(problem_fields(&no_lead), vec!["lead_id"]);
    let n = app.post("/api/v1/notes", &token, json!({"lead_id": id, "body": "Called the office."})).await;
    assert_eq!(n.status, StatusCode::CREATED, "{}", n.text);
    assert_eq!(
        app.delete(&format!("/api/v1/contacts/{}", c2.body["id"].as_str().unwrap()), &token).await.status,
        StatusCode::NO_CONTENT
    );
    let list = app.get(&format!("/api/v1/leads/{id}/contacts"), &token).await;
    assert_eq!(list.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(app.delete(&format!("/api/v1/contacts/{cid}"), &token).await.status, StatusCode::NO_CONTENT);
    let s = app.get("/api/v1/leads?q=oliver", &token).await;
    assert_eq!(s.body["items"], json!([]));
}

async fn notes_go_on_the_timeline(b: Backend) {
    let app = TestApp::new(b).await;
    let (_, token) = app.tenant("Noters", "US").await;
    let lead = app.lead(&token, json!({"name": "Noted Inc"})).await;
    let id = lead["id"].as_str().unwrap();
    let n1 = app.post(&format!("/api/v1/leads/{id}/notes"), &token, json!({"body": "First call went well."})).await;
    assert_eq!(n1.status, StatusCode::CREATED, "{}", n1.text);
    assert_eq!(n1.body["kind"], "note");
    let n2 = app.post(&format!("/api/v1/leads/{id}/notes"), &token, json!({"body": "Sent pricing."})).await;
    let empty = app.post(&format!("/api/v1/leads/{id}/notes"), &token, json!({"body": "  "})).await;
    assert_eq!(problem_fields(&empty), vec!["body"]);
    let t = app.get(&format!("/api/v1/leads/{id}/activities"), &token).await;
    let items = t.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["id"], n2.body["id"], "newest first");
    let nid = n1.body["id"].as_str().unwrap();
    assert_eq!(app.delete(&format!("/api/v1/activities/{nid}"), &token).await.status, StatusCode::NO_CONTENT);
    let t = app.get(&format!("/api/v1/leads/{id}/notes"), &token).await;
    assert_eq!(t.body["items"].as_array().unwrap().len(), 1);
}

async fn idempotency_key_replays_without_duplicating(b: Backend) {
    let app = TestApp::new(b).await;
    let (_, token) = app.tenant("Retriers", "US").await;
    let body = json!({"name": "Once Only Inc"});
    let h = [("Idempotency-Key", "key-123")];
    let r1 = app.request(Method::POST, "/api/v1/leads", Some(&token), Some(body.clone()), &h).await;
    let r2 = app.request(Method::POST, "/api/v1/leads", Some(&token), Some(body.clone()), &h).await;
    assert_eq!(r1.status, StatusCode::CREATED);
    assert_eq!(r2.status, StatusCode::CREATED);
    assert_eq!(r1.body, r2.body, "the same response");
    assert_eq!(r2.headers["idempotent-replayed"], "true");
    let list = app.get("/api/v1/leads?q=once", &token).await;
    assert_eq!(list.body["items"].as_array().unwrap().len(), 1, "no duplicate");
    let other = app.request(Method::POST, "/api/v1/leads", Some(&token), Some(json!({"name": "Different"})), &h).await;
    assert_eq!(other.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem_fields(&other), vec!["Idempotency-Key"]);
    // A failed validation is also replayed, not re-run into a different result.
    let bad = [("Idempotency-Key", "key-bad")];
    let b1 = app.request(Method::POST, "/api/v1/leads", Some(&token), Some(json!({"name": ""})), &bad).await;
    let b2 = app.request(Method::POST, "/api/v1/leads", Some(&token), Some(json!({"name": ""})), &bad).await;
    assert_eq!(b1.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(b1.body, b2.body);
    // Keys belong to their user: another user may use the same key.
    let (org2, t2) = app.tenant("Other Retriers", "US").await;
    let _ = org2;
    let r3 = app.request(Method::POST, "/api/v1/leads", Some(&t2), Some(body), &h).await;
    assert_eq!(r3.status, StatusCode::CREATED);
    assert_ne!(r3.body["id"], r1.body["id"]);
}
