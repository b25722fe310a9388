//! Calling: campaigns, the dialer's next-lead rules, dispositions and callbacks, the
//! do-not-call list, manual and inbound calls, phone-system events and call reports.

use crate::harness::{Backend, TestApp};
use axum::http::{Method, StatusCode};
use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

pub fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).expect("time").with_timezone(&Utc)
}

/// An organization in Finland with an admin and two inside reps.
pub struct Team {
    pub app: TestApp,
    pub admin: String,
    pub rep: String,
    pub rep_id: String,
    pub rep2: String,
    pub rep2_id: String,
}

pub async fn team(b: Backend) -> Team {
    let app = TestApp::new(b).await;
    let (org, admin) = app.tenant("Calling Oy", "FI").await;
    let (u1, rep) = app.user(&org, "rep1@calling.test", "inside_rep").await;
    let (u2, rep2) = app.user(&org, "rep2@calling.test", "inside_rep").await;
    // Thursday 15 January 2026, 12:00 in Helsinki, 05:00 in New York.
    app.clock.set(utc("2026-01-15T10:00:00Z"));
    Team { app, admin, rep, rep_id: u1.id.to_string(), rep2, rep2_id: u2.id.to_string() }
}

impl Team {
    pub async fn lead(&self, name: &str, phone: &str, extra: Value) -> String {
        let mut body = json!({"name": name, "contacts": [{"name": format!("{name} contact"), "phones": [phone]}]});
        if let (Value::Object(b), Value::Object(e)) = (&mut body, extra) {
            b.extend(e);
        }
        self.app.lead(&self.admin, body).await["id"].as_str().expect("id").to_owned()
    }

    pub async fn campaign(&self, extra: Value) -> String {
        let mut body =
            json!({"name": "Q1 Finland SMB", "filter": {"status": ["new"]}, "assignees": [self.rep_id, self.rep2_id]});
        if let (Value::Object(b), Value::Object(e)) = (&mut body, extra) {
            b.extend(e);
        }
        let r = self.app.post("/api/v1/campaigns", &self.admin, body).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        r.body["id"].as_str().expect("id").to_owned()
    }

    pub async fn session(&self, token: &str, campaign: &str) -> String {
        let r = self.app.post("/api/v1/dialer/sessions", token, json!({"campaign_id": campaign})).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        r.body["id"].as_str().expect("id").to_owned()
    }

    pub async fn next(&self, token: &str, session: &str) -> Value {
        let r = self.app.post(&format!("/api/v1/dialer/sessions/{session}/next"), token, json!({})).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        r.body
    }

    pub async fn dispose(&self, token: &str, call: &Value, disposition: &str, extra: Value) -> Value {
        let id = call["call_id"].as_str().expect("a call");
        let mut body = json!({"disposition": disposition, "notes": "test"});
        if let (Value::Object(b), Value::Object(e)) = (&mut body, extra) {
            b.extend(e);
        }
        let r = self.app.post(&format!("/api/v1/calls/{id}/disposition"), token, body).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
        r.body
    }

    pub fn advance(&self, minutes: i64) {
        self.app.clock.advance(Duration::minutes(minutes));
    }
}

fn lead_name(offer: &Value) -> &str {
    offer["lead"]["name"].as_str().unwrap_or("<none>")
}

async fn next_lead_order_windows_retries_and_reasons(b: Backend) {
    let t = team(b).await;
    t.lead("Low score Oy", "+358 40 100 0001", json!({})).await;
    t.lead("High score Oy", "+358 40 100 0002", json!({"score": 50})).await;
    t.lead("New York Inc", "+1 212 555 0101", json!({})).await;
    t.lead("Suppressed Oy", "+358 40 100 0003", json!({})).await;
    t.lead("Qualified already", "+358 40 100 0004", json!({"status": "qualified"})).await;
    let r = t.app.post("/api/v1/suppressions", &t.rep, json!({"number": "040 100 0003", "reason": "asked"})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.body["number"], "+358401000003");
    let campaign = t.campaign(json!({})).await;
    let s = t.session(&t.rep, &campaign).await;

    let first = t.next(&t.rep, &s).await;
    assert_eq!(lead_name(&first), "High score Oy", "{first}");
    assert_eq!(first["number"], "+358401000002");
    assert_eq!(first["callee_time_zones"], json!(["Europe/Helsinki", "Europe/Mariehamn"]));
    assert_eq!(first["callee_local_times"][0], "12:00");
    assert!(first["contact"]["id"].is_string());
    // Asking again without a disposition gives the same lead back.
    assert_eq!(t.next(&t.rep, &s).await["call_id"], first["call_id"]);
    t.dispose(&t.rep, &first, "no_answer", json!({})).await;

    let second = t.next(&t.rep, &s).await;
    assert_eq!(lead_name(&second), "Low score Oy", "{second}");
    t.dispose(&t.rep, &second, "busy", json!({})).await;

    // New York is at 05:00, the suppressed number is never handed out.
    let none = t.next(&t.rep, &s).await;
    assert!(none["call_id"].is_null(), "{none}");
    let reason = none["reason"].as_str().unwrap();
    assert!(reason.contains("1 lead waits for their calling window"), "{reason}");
    // 08:00 in New York is 13:00 UTC = 15:00 in Helsinki.
    assert!(reason.contains("next opens 15:00 your time"), "{reason}");
    assert!(reason.contains("retry"), "{reason}");

    // Busy comes back after 30 minutes.
    t.advance(30);
    let again = t.next(&t.rep, &s).await;
    assert_eq!(lead_name(&again), "Low score Oy", "{again}");
    assert_eq!(again["attempts"], 1);
    t.dispose(&t.rep, &again, "not_interested", json!({})).await;

    // One minute before 08:00 in New York: still closed; at 08:00 it opens.
    t.app.clock.set(utc("2026-01-15T12:59:00Z"));
    assert!(t.next(&t.rep, &s).await["call_id"].is_null());
    t.app.clock.set(utc("2026-01-15T13:00:00Z"));
    let ny = t.next(&t.rep, &s).await;
    assert_eq!(lead_name(&ny), "New York Inc", "{ny}");
    assert_eq!(ny["callee_time_zones"], json!(["America/New_York"]));
    assert_eq!(ny["callee_local_times"], json!(["08:00"]));

    let stats = t.app.get(&format!("/api/v1/campaigns/{campaign}/stats"), &t.admin).await;
    assert_eq!(stats.status, StatusCode::OK, "{}", stats.text);
    assert_eq!(stats.body["suppressed"], 1, "{}", stats.text);
    assert_eq!(stats.body["done"], 1, "{}", stats.text);
}

async fn two_reps_never_hold_the_same_lead(b: Backend) {
    let t = team(b).await;
    for i in 0..3 {
        t.lead(&format!("Lead {i}"), &format!("+358 40 200 000{i}"), json!({})).await;
    }
    let campaign = t.campaign(json!({})).await;
    let s1 = t.session(&t.rep, &campaign).await;
    let s2 = t.session(&t.rep2, &campaign).await;
    let a = t.next(&t.rep, &s1).await;
    let b2 = t.next(&t.rep2, &s2).await;
    assert_ne!(a["lead"]["id"], b2["lead"]["id"]);
    // A skipped lead is not handed straight back.
    let r = t
        .app
        .post(
            &format!("/api/v1/calls/{}/skip", a["call_id"].as_str().unwrap()),
            &t.rep,
            json!({"reason": "gatekeeper"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["skip_reason"], "gatekeeper");
    let c = t.next(&t.rep, &s1).await;
    assert_ne!(c["lead"]["id"], a["lead"]["id"]);
    assert_ne!(c["lead"]["id"], b2["lead"]["id"]);
    // Rep 2's lease runs out after 10 minutes: then someone else may get it.
    let s3 = t.session(&t.admin, &campaign).await;
    let none = t.next(&t.admin, &s3).await;
    assert!(none["call_id"].is_null(), "{none}");
    assert!(none["reason"].as_str().unwrap().contains("with other reps"), "{none}");
    t.advance(11);
    let took = t.next(&t.admin, &s3).await;
    assert!(took["call_id"].is_string(), "{took}");
    // Ending a session gives its lead back at once.
    let r = t.app.post(&format!("/api/v1/dialer/sessions/{s1}/end"), &t.rep, json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.body["ended_at"].is_string());
    let r = t.app.post(&format!("/api/v1/dialer/sessions/{s1}/next"), &t.rep, json!({})).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
}

async fn callbacks_come_back_to_their_rep(b: Backend) {
    let t = team(b).await;
    t.lead("Callback Oy", "+358 40 300 0001", json!({})).await;
    t.lead("Other Oy", "+358 40 300 0002", json!({"score": -5})).await;
    let campaign = t.campaign(json!({})).await;
    let s1 = t.session(&t.rep, &campaign).await;
    let s2 = t.session(&t.rep2, &campaign).await;
    let offer = t.next(&t.rep, &s1).await;
    assert_eq!(lead_name(&offer), "Callback Oy");
    let at = "2026-01-15T14:00:00+02:00";
    let call = t.dispose(&t.rep, &offer, "callback_requested", json!({"callback_at": at})).await;
    assert_eq!(call["callback_at"], "2026-01-15T12:00:00Z");
    let tasks = t.app.get("/api/v1/tasks", &t.rep).await;
    assert_eq!(tasks.body["items"].as_array().unwrap().len(), 1, "{}", tasks.text);
    assert_eq!(tasks.body["items"][0]["kind"], "call_back");
    // The campaign counts it as a callback, apart from the retries and from what may be called.
    let stats = t.app.get(&format!("/api/v1/campaigns/{campaign}/stats"), &t.admin).await.body;
    let counts = ["callable_now", "waiting_for_retry", "scheduled_callbacks", "held_by_reps"].map(|k| stats[k].clone());
    assert_eq!(counts, [json!(1), json!(0), json!(1), json!(0)], "{stats}");
    // Rep 2 never gets it, even when it is due.
    let other = t.next(&t.rep2, &s2).await;
    assert_eq!(lead_name(&other), "Other Oy");
    t.dispose(&t.rep2, &other, "not_interested", json!({})).await;
    t.app.clock.set(utc("2026-01-15T12:05:00Z"));
    assert!(t.next(&t.rep2, &s2).await["call_id"].is_null());
    // Rep 1 gets it at its time, first.
    t.app.clock.set(utc("2026-01-15T11:59:00Z"));
    assert!(t.next(&t.rep, &s1).await["call_id"].is_null());
    t.app.clock.set(utc("2026-01-15T12:00:00Z"));
    let back = t.next(&t.rep, &s1).await;
    assert_eq!(lead_name(&back), "Callback Oy", "{back}");
    assert_eq!(back["callback"], true);
    let stats = t.app.get(&format!("/api/v1/campaigns/{campaign}/stats"), &t.admin).await.body;
    let counts = ["waiting_for_retry", "scheduled_callbacks", "held_by_reps"].map(|k| stats[k].clone());
    assert_eq!(counts, [json!(0), json!(0), json!(1)], "a callback being called is with its rep: {stats}");
    // Callback in the past is refused.
    let r = t
        .app
        .post(
            &format!("/api/v1/calls/{}/disposition", back["call_id"].as_str().unwrap()),
            &t.rep,
            json!({"disposition": "callback_requested", "callback_at": "2026-01-01T10:00:00Z"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    t.dispose(&t.rep, &back, "meeting_booked", json!({"status": "qualified"})).await;
    let tasks = t.app.get("/api/v1/tasks", &t.rep).await;
    assert_eq!(tasks.body["items"].as_array().unwrap().len(), 0, "{}", tasks.text);
}

async fn several_zones_must_all_be_open_and_dst_is_followed(b: Backend) {
    let t = team(b).await;
    // +1 208 320 spans Boise (Mountain) and Los Angeles (Pacific).
    t.lead("Idaho Farms", "+1 208 320 0100", json!({})).await;
    let campaign = t.campaign(json!({})).await;
    let s = t.session(&t.rep, &campaign).await;
    // 15:30 UTC: 08:30 in Boise, 07:30 in Los Angeles.
    t.app.clock.set(utc("2026-01-15T15:30:00Z"));
    let none = t.next(&t.rep, &s).await;
    assert!(none["call_id"].is_null(), "{none}");
    t.app.clock.set(utc("2026-01-15T16:00:00Z"));
    let offer = t.next(&t.rep, &s).await;
    assert_eq!(offer["callee_time_zones"], json!(["America/Boise", "America/Los_Angeles"]), "{offer}");
    t.dispose(&t.rep, &offer, "no_answer", json!({})).await;

    // Daylight saving: New York moves to EDT on 8 March 2026.
    t.lead("Manhattan LLC", "+1 212 555 0199", json!({})).await;
    let c2 = t.campaign(json!({"name": "DST"})).await;
    let s2 = t.session(&t.rep, &c2).await;
    t.app.clock.set(utc("2026-03-06T12:30:00Z")); // 07:30 EST, Friday
    let r = t.next(&t.rep, &s2).await;
    assert!(r["call_id"].is_null() || lead_name(&r) != "Manhattan LLC", "{r}");
    t.app.clock.set(utc("2026-03-09T12:30:00Z")); // 08:30 EDT, Monday
    let mut names = Vec::new();
    for _ in 0..3 {
        let o = t.next(&t.rep, &s2).await;
        if o["call_id"].is_null() {
            break;
        }
        names.push(lead_name(&o).to_owned());
        t.dispose(&t.rep, &o, "not_interested", json!({})).await;
    }
    assert!(names.contains(&"Manhattan LLC".to_owned()), "{names:?}");
}

async fn campaign_rules_weekdays_holidays_regions_and_attempts(b: Backend) {
    let t = team(b).await;
    t.lead("Florida Sun", "+1 305 555 0100", json!({"country": "US", "region": "FL"})).await;
    let campaign = t
        .campaign(json!({
            "calling_hours": {"start": "09:00", "end": "21:00"},
            "region_rules": [{"country": "US", "region": "FL", "start": "08:00", "end": "20:00"}],
            "weekdays": [1, 2, 3, 4, 5],
            "holidays": ["2026-01-19"],
            "max_attempts": 2,
            "retry_spacing": {"no_answer": "1h"}
        }))
        .await;
    let shown = t.app.get(&format!("/api/v1/campaigns/{campaign}"), &t.admin).await;
    assert_eq!(shown.body["calling_hours"], json!({"start": "09:00", "end": "21:00"}), "{}", shown.text);
    assert_eq!(shown.body["retry_spacing"]["no_answer"], 60);
    assert_eq!(shown.body["max_attempts"], 2);
    assert_eq!(shown.body["filter"], json!({"status": ["new"]}), "the filter as it was given");
    let s = t.session(&t.rep, &campaign).await;
    // Thursday 20:30 in Miami (01:30 UTC Friday): the Florida rule closes at 20:00.
    t.app.clock.set(utc("2026-01-16T01:30:00Z"));
    assert!(t.next(&t.rep, &s).await["call_id"].is_null());
    // Saturday 10:00 in Miami: not a weekday. Monday 19 January: a holiday.
    t.app.clock.set(utc("2026-01-17T15:00:00Z"));
    let r = t.next(&t.rep, &s).await;
    assert!(r["call_id"].is_null(), "{r}");
    assert!(r["reason"].as_str().unwrap().contains("Tue 20 Jan 16:00"), "{r}");
    t.app.clock.set(utc("2026-01-20T14:00:00Z")); // Tuesday 09:00 Miami
    let o = t.next(&t.rep, &s).await;
    assert_eq!(lead_name(&o), "Florida Sun", "{o}");
    t.dispose(&t.rep, &o, "no_answer", json!({})).await;
    t.advance(61);
    let o = t.next(&t.rep, &s).await;
    assert_eq!(lead_name(&o), "Florida Sun", "{o}");
    t.dispose(&t.rep, &o, "no_answer", json!({})).await;
    t.advance(120);
    let r = t.next(&t.rep, &s).await;
    assert!(r["call_id"].is_null(), "{r}");
    assert!(r["reason"].as_str().unwrap().contains("1 reached the maximum attempts"), "{r}");
    // Bad rules name their field.
    let r = t
        .app
        .post(
            "/api/v1/campaigns",
            &t.admin,
            json!({"name": "Bad", "filter": {"status": ["nope"]}, "calling_hours": {"start": "22:00", "end": "08:00"},
                   "retry_spacing": {"maybe": 5}, "assignees": ["00000000-0000-0000-0000-000000000000"]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    let fields = crate::harness::problem_fields(&r);
    for f in ["calling_hours", "retry_spacing.maybe", "assignees[0]"] {
        assert!(fields.contains(&f.to_owned()), "{f} in {fields:?}");
    }
    // The filter names the owner by e-mail (kept as the user's id) and several countries.
    t.lead("Rep's Stockholm AB", "+46 8 123 456 78", json!({"country": "SE", "owner_id": t.rep_id})).await;
    t.lead("Rep's Oslo AS", "+47 22 12 34 56", json!({"country": "NO", "owner_id": t.rep_id})).await;
    let r = t
        .app
        .post(
            "/api/v1/campaigns",
            &t.admin,
            json!({"name": "Nordics", "filter": {"owner": "REP1@calling.test", "country": ["US", "se"]},
                   "assignees": [t.rep_id]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.body["filter"]["owner"], t.rep_id, "{}", r.text);
    let nordics = r.body["id"].as_str().unwrap().to_owned();
    let s = t.session(&t.rep, &nordics).await;
    let o = t.next(&t.rep, &s).await;
    assert_eq!(lead_name(&o), "Rep's Stockholm AB", "{o}");
    t.dispose(&t.rep, &o, "not_interested", json!({})).await;
    assert!(t.next(&t.rep, &s).await["call_id"].is_null(), "neither Oslo nor the admin's Florida lead");
    let r = t
        .app
        .post("/api/v1/campaigns", &t.admin, json!({"name": "Nobody's", "filter": {"owner": "nobody@calling.test"}}))
        .await;
    assert_eq!(crate::harness::problem_fields(&r), ["filter.owner"], "{}", r.text);
    // Reps cannot create campaigns but may edit the playbook.
    let r = t.app.post("/api/v1/campaigns", &t.rep, json!({"name": "Mine"})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = t
        .app
        .patch(&format!("/api/v1/campaigns/{campaign}"), &t.rep, json!({"playbook": "## Opening\nAsk about Q2."}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = t.app.patch(&format!("/api/v1/campaigns/{campaign}"), &t.rep, json!({"max_attempts": 9})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

async fn do_not_call_is_enforced_everywhere(b: Backend) {
    let t = team(b).await;
    let lead = t.lead("Opt Out Oy", "+358 40 400 0001", json!({})).await;
    let night = t.lead("Night Oy", "+358 40 400 0002", json!({})).await;
    let campaign = t.campaign(json!({})).await;
    let s = t.session(&t.rep, &campaign).await;
    let o = t.next(&t.rep, &s).await;
    assert_eq!(o["lead"]["id"], lead);
    t.dispose(&t.rep, &o, "do_not_call", json!({})).await;
    let r = t.app.get("/api/v1/suppressions/+358401000001", &t.rep).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = t.app.get("/api/v1/suppressions/%2B358404000001", &t.rep).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["source"], "disposition");
    // Numbers of other countries, in the path as written or percent-encoded.
    for (number, e164) in [("+1 (415) 555-0199", "+14155550199"), ("+49 151 33218456", "+4915133218456")] {
        let r = t.app.post("/api/v1/suppressions", &t.rep, json!({"number": number})).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        assert_eq!(r.body["number"], e164, "{}", r.text);
    }
    for path in ["+14155550199", "%2B1%20415%20555%200199", "+4915133218456", "%2B4915133218456"] {
        let r = t.app.get(&format!("/api/v1/suppressions/{path}"), &t.rep).await;
        assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.text);
    }
    // Click-to-call is refused with the reason, from any page.
    let r = t.app.post("/api/v1/calls", &t.rep, json!({"lead_id": lead})).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    assert!(r.text.contains("do-not-call"), "{}", r.text);
    // Outside the window a click-to-call is refused too: 22:30 in Helsinki.
    t.app.clock.set(utc("2026-01-15T20:30:00Z"));
    let r = t.app.post("/api/v1/calls", &t.rep, json!({"lead_id": night})).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
    assert!(r.text.contains("22:30 their time (Europe/Helsinki)"), "{}", r.text);
    t.app.clock.set(utc("2026-01-15T10:00:00Z"));
    let r = t.app.post("/api/v1/calls", &t.rep, json!({"lead_id": night, "number": "040 400 0002"})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.body["dial_link"], "tel:+358404000002");
    assert_eq!(r.body["state"], "dialing");
    // Only admins remove numbers; the removal is audited.
    let r = t.app.delete("/api/v1/suppressions/+358404000001", &t.rep).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = t.app.delete("/api/v1/suppressions/+358404000001", &t.admin).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let audit = t.app.get("/api/v1/audit?entity_type=suppression", &t.admin).await;
    assert!(audit.text.contains("+358404000001"), "{}", audit.text);
    // A registry file in any format.
    let file = "number\n+358 40 400 0002\n040-400 0009\n\"x\",\"+1 (212) 555-0188\"\nnot a number\n";
    let r = t
        .app
        .send(
            axum::http::Request::builder()
                .method(Method::POST)
                .uri("/api/v1/suppressions/import")
                .header("authorization", format!("Bearer {}", t.admin))
                .header("content-type", "text/plain")
                .body(axum::body::Body::from(file))
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["added"], 3, "{}", r.text);
    assert_eq!(r.body["rejected"], 2, "{}", r.text);
    let r = t.app.post("/api/v1/calls", &t.rep, json!({"lead_id": night})).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text);
}

async fn call_records_notes_and_logged_calls(b: Backend) {
    let t = team(b).await;
    let lead = t.lead("Record Oy", "+358 40 500 0001", json!({})).await;
    let campaign = t.campaign(json!({})).await;
    let s = t.session(&t.rep, &campaign).await;
    let o = t.next(&t.rep, &s).await;
    let id = o["call_id"].as_str().unwrap().to_owned();
    let r = t.app.post(&format!("/api/v1/calls/{id}/dial"), &t.rep, json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["dial_link"], "tel:+358405000001");
    t.advance(3);
    let call = t.dispose(&t.rep, &o, "connected", json!({"duration_s": 125})).await;
    assert_eq!(call["disposition"], "connected");
    assert_eq!(call["started_at"], "2026-01-15T10:00:00Z");
    // A second disposition is refused; details cannot be edited; notes can (audited).
    let r = t.app.post(&format!("/api/v1/calls/{id}/disposition"), &t.rep, json!({"disposition": "busy"})).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let r = t.app.patch(&format!("/api/v1/calls/{id}"), &t.rep, json!({"duration_s": 1, "notes": "x"})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(crate::harness::problem_fields(&r).contains(&"duration_s".to_owned()));
    let r = t.app.patch(&format!("/api/v1/calls/{id}"), &t.rep, json!({"notes": "Spoke with the CEO"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["duration_s"], 125);
    let audit = t.app.get(&format!("/api/v1/audit?entity_type=call&entity_id={id}"), &t.admin).await;
    assert!(audit.text.contains("Spoke with the CEO"), "{}", audit.text);
    // The timeline shows the call.
    let tl = t.app.get(&format!("/api/v1/leads/{lead}/activities"), &t.rep).await;
    assert!(tl.text.contains("Outbound call to +358405000001: Connected (2:05)"), "{}", tl.text);
    // A call made elsewhere is logged after the fact.
    let r = t
        .app
        .post(
            "/api/v1/calls/log",
            &t.rep,
            json!({"lead_id": lead, "started_at": "2026-01-14T09:00:00Z", "duration_s": 60, "disposition": "voicemail_left", "notes": "from mobile"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.body["state"], "logged");
    let calls = t.app.get(&format!("/api/v1/calls?lead_id={lead}"), &t.rep).await;
    assert_eq!(calls.body["items"].as_array().unwrap().len(), 2, "{}", calls.text);
}

async fn call_records_are_filtered_and_paged(b: Backend) {
    let t = team(b).await;
    for i in 0..3 {
        t.lead(&format!("Paged {i}"), &format!("+358 40 510 000{i}"), json!({})).await;
    }
    let campaign = t.campaign(json!({})).await;
    let (s1, s2) = (t.session(&t.rep, &campaign).await, t.session(&t.rep2, &campaign).await);
    for (token, session, disposition) in
        [(&t.rep, &s1, "no_answer"), (&t.rep2, &s2, "connected"), (&t.rep, &s1, "meeting_booked")]
    {
        let o = t.next(token, session).await;
        t.dispose(token, &o, disposition, json!({})).await;
        t.advance(5);
    }
    let app = &t.app;
    let admin = t.admin.as_str();
    let list = |q: &str| {
        let path = format!("/api/v1/calls{q}");
        async move { app.get(&path, admin).await }
    };
    let dispositions = |r: &crate::harness::Response| -> Vec<String> {
        r.body["items"].as_array().unwrap().iter().map(|c| c["disposition"].as_str().unwrap_or("").to_owned()).collect()
    };
    // Newest first; offers still open are not call records.
    let all = list("").await;
    assert_eq!(dispositions(&all), ["meeting_booked", "connected", "no_answer"], "{}", all.text);
    assert!(all.body["next_cursor"].is_null());
    assert_eq!(dispositions(&list("?disposition=connected").await), ["connected"]);
    assert_eq!(dispositions(&list(&format!("?user_id={}", t.rep_id)).await), ["meeting_booked", "no_answer"]);
    let mine = t.app.get("/api/v1/calls?user_id=me", &t.rep2).await;
    assert_eq!(dispositions(&mine), ["connected"]);
    assert_eq!(dispositions(&list(&format!("?campaign_id={campaign}&direction=outbound")).await).len(), 3);
    assert_eq!(dispositions(&list("?direction=inbound").await).len(), 0);
    // Dates are the organization's (Helsinki): 10:05 UTC on 15 January is that day there.
    assert_eq!(dispositions(&list("?from=2026-01-15&to=2026-01-15").await).len(), 3);
    assert_eq!(dispositions(&list("?from=2026-01-16").await).len(), 0);
    assert_eq!(dispositions(&list("?from=2026-01-15T10:04:00Z").await), ["meeting_booked", "connected"]);
    // A page at a time.
    let first = list("?limit=2").await;
    assert_eq!(dispositions(&first), ["meeting_booked", "connected"]);
    let cursor = first.body["next_cursor"].as_str().expect("a next page").to_owned();
    let second = list(&format!("?limit=2&cursor={cursor}")).await;
    assert_eq!(dispositions(&second), ["no_answer"], "{}", second.text);
    assert!(second.body["next_cursor"].is_null());
    // Bad filters name their field.
    for (q, field) in [
        ("?direction=sideways", "direction"),
        ("?disposition=maybe", "disposition"),
        ("?user_id=nobody", "user_id"),
        ("?from=yesterday", "from"),
        ("?limit=0", "limit"),
        ("?cursor=zz", "cursor"),
    ] {
        let r = list(q).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{q}: {}", r.text);
        assert!(crate::harness::problem_fields(&r).contains(&field.to_owned()), "{q}: {}", r.text);
    }
}

async fn inbound_calls_find_or_create_the_lead(b: Backend) {
    let t = team(b).await;
    let known = t.lead("Known Oy", "+358 40 600 0001", json!({})).await;
    // The rep's direct line.
    let r = t.app.patch(&format!("/api/v1/users/{}", t.rep_id), &t.admin, json!({"phone": "+358 9 600 0000"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = t.app.post("/api/v1/calls/inbound", &t.admin, json!({"from": "+358406000001", "to": "+35896000000"})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.body["lead_id"], known);
    assert_eq!(r.body["created_lead"], false);
    assert_eq!(r.body["user_id"], t.rep_id);
    let r =
        t.app.post("/api/v1/calls/inbound", &t.admin, json!({"from": "+358 50 777 0002", "to": "+35896000000"})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(r.body["created_lead"], true);
    let new_lead = r.body["lead_id"].as_str().unwrap().to_owned();
    let lead = t.app.get(&format!("/api/v1/leads/{new_lead}"), &t.admin).await;
    assert_eq!(lead.body["source"], "inbound_call");
    assert_eq!(lead.body["owner_id"], t.rep_id);
    assert_eq!(lead.body["contacts"][0]["phones"][0]["e164"], "+358507770002");
    // Unknown called number: the organization's default owner (the admin here).
    let r = t.app.post("/api/v1/calls/inbound", &t.admin, json!({"from": "+358 50 777 0003"})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_ne!(r.body["user_id"], t.rep_id);
    // It waits on the rep's screen for a disposition, and is on the timeline.
    let waiting = t.app.get("/api/v1/calls?waiting=me", &t.rep).await;
    assert_eq!(waiting.body["items"].as_array().unwrap().len(), 2, "{}", waiting.text);
    let tl = t.app.get(&format!("/api/v1/leads/{known}/activities"), &t.rep).await;
    assert!(tl.text.contains("Inbound call from +358406000001"), "{}", tl.text);
    let call = waiting.body["items"][0].clone();
    let r = t
        .app
        .post(
            &format!("/api/v1/calls/{}/disposition", call["id"].as_str().unwrap()),
            &t.rep,
            json!({"disposition": "qualified"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = t.app.post("/api/v1/calls/inbound", &t.admin, json!({"from": "hello"})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Phone systems send SIP addresses: the caller is the address's user part.
    let sip =
        json!({"from": "\"Known\" <sip:+358406000001@pbx.example;user=phone>", "to": "sip:+35896000000@pbx.example"});
    let r = t.app.post("/api/v1/calls/inbound", &t.admin, sip).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(
        (&r.body["lead_id"], &r.body["created_lead"], &r.body["user_id"]),
        (&json!(known), &json!(false), &json!(t.rep_id))
    );
}

async fn telephony_events_are_signed_and_idempotent(b: Backend) {
    let t = team(b).await;
    t.lead("Events Oy", "+358 40 700 0001", json!({})).await;
    let secret = t.app.get("/api/v1/telephony/secret", &t.admin).await.body["secret"].as_str().unwrap().to_owned();
    assert_eq!(t.app.get("/api/v1/telephony/secret", &t.rep).await.status, StatusCode::FORBIDDEN);
    let r = t
        .app
        .post("/api/v1/calls/inbound", &t.admin, json!({"from": "+358407000001", "provider_call_id": "pbx-1"}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let call_id = r.body["call"]["id"].as_str().unwrap().to_owned();
    let send = |body: Value, ts: i64, sig: Option<String>| {
        let body = body.to_string();
        let sig = sig.unwrap_or_else(|| leadline::app::telephony::sign(&secret, ts, body.as_bytes()));
        axum::http::Request::builder()
            .method(Method::POST)
            .uri("/api/v1/telephony/events")
            .header("content-type", "application/json")
            .header("x-leadline-timestamp", ts.to_string())
            .header("x-leadline-signature", sig)
            .body(axum::body::Body::from(body))
            .unwrap()
    };
    let now = Utc::now().timestamp();
    // Out of order: completed first, then answered, then ringing; each twice.
    let completed = json!({"provider_call_id": "pbx-1", "state": "completed", "at": "2026-01-15T10:05:00Z", "duration_s": 240, "recording_url": "https://pbx.example/rec/1.mp3"});
    let answered = json!({"provider_call_id": "pbx-1", "state": "answered", "at": "2026-01-15T10:01:00Z"});
    let ringing = json!({"provider_call_id": "pbx-1", "state": "ringing", "at": "2026-01-15T10:00:30Z"});
    for (i, e) in [&completed, &answered, &ringing, &completed, &answered].into_iter().enumerate() {
        let r = t.app.send(send(e.clone(), now + i64::try_from(i).unwrap(), None)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    }
    let call = t.app.get(&format!("/api/v1/calls/{call_id}"), &t.admin).await.body;
    assert_eq!(call["state"], "completed", "{call}");
    assert_eq!(call["answered_at"], "2026-01-15T10:01:00Z");
    assert_eq!(call["ended_at"], "2026-01-15T10:05:00Z");
    assert_eq!(call["duration_s"], 240);
    assert_eq!(call["recording_url"], "https://pbx.example/rec/1.mp3");
    // Bad signature, replay, stale timestamp: refused.
    let r = t.app.send(send(ringing.clone(), now, Some("00".repeat(32)))).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let body = ringing.to_string();
    let sig = leadline::app::telephony::sign(&secret, now + 50, body.as_bytes());
    assert_eq!(t.app.send(send(ringing.clone(), now + 50, Some(sig.clone()))).await.status, StatusCode::OK);
    assert_eq!(t.app.send(send(ringing.clone(), now + 50, Some(sig))).await.status, StatusCode::FORBIDDEN);
    assert_eq!(t.app.send(send(ringing.clone(), now - 3600, None)).await.status, StatusCode::FORBIDDEN);
    // An event for a call not known yet is kept and applied when the call appears.
    let early = json!({"provider_call_id": "pbx-2", "state": "answered", "at": "2026-01-15T10:10:00Z"});
    let r = t.app.send(send(early, now + 60, None)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.body["call_id"].is_null());
    let r = t
        .app
        .post("/api/v1/calls/inbound", &t.admin, json!({"from": "+358407000001", "provider_call_id": "pbx-2"}))
        .await;
    assert_eq!(r.body["call"]["state"], "answered", "{}", r.text);
    // Twilio's and Asterisk's names for the states.
    let r = t
        .app
        .post("/api/v1/calls/inbound", &t.admin, json!({"from": "+358407000001", "provider_call_id": "pbx-3"}))
        .await;
    let third = r.body["call"]["id"].as_str().unwrap().to_owned();
    for (i, (state, expected)) in
        [("in-progress", "answered"), ("NOANSWER", "failed"), ("no-answer", "failed")].into_iter().enumerate()
    {
        let e = json!({"provider_call_id": "pbx-3", "state": state});
        let r = t.app.send(send(e, now + 70 + i64::try_from(i).unwrap(), None)).await;
        assert_eq!(r.status, StatusCode::OK, "{state}: {}", r.text);
        let call = t.app.get(&format!("/api/v1/calls/{third}"), &t.admin).await.body;
        assert_eq!(call["state"], expected, "{state}: {call}");
    }
}

async fn call_metrics_per_rep_and_day(b: Backend) {
    let t = team(b).await;
    let mut lead = String::new();
    for i in 0..4 {
        lead = t.lead(&format!("Metric {i}"), &format!("+358 40 800 000{i}"), json!({})).await;
    }
    let campaign = t.campaign(json!({})).await;
    let s = t.session(&t.rep, &campaign).await;
    for (d, extra) in [
        ("no_answer", json!({})),
        ("connected", json!({"duration_s": 300})),
        ("meeting_booked", json!({"duration_s": 600})),
        ("callback_requested", json!({"callback_at": "2026-01-16T10:00:00Z"})),
    ] {
        let o = t.next(&t.rep, &s).await;
        t.dispose(&t.rep, &o, d, extra).await;
    }
    // An answered inbound call to the rep counts as inbound, not as a dial or a connect.
    let r = t.app.patch(&format!("/api/v1/users/{}", t.rep_id), &t.admin, json!({"phone": "+358 9 600 0000"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = t.app.post("/api/v1/calls/inbound", &t.admin, json!({"from": "+358408000000", "to": "+35896000000"})).await;
    let inbound = r.body["call"]["id"].as_str().expect("call id").to_owned();
    let r = t
        .app
        .post(
            &format!("/api/v1/calls/{inbound}/disposition"),
            &t.rep,
            json!({"disposition": "connected", "duration_s": 60}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    // A call made yesterday and logged today counts for yesterday.
    let logged =
        json!({"lead_id": lead, "started_at": "2026-01-14T12:00:00Z", "duration_s": 30, "disposition": "busy"});
    let r = t.app.post("/api/v1/calls/log", &t.rep, logged).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let yesterday = t.app.get("/api/v1/reports/calls?from=2026-01-14&to=2026-01-14", &t.admin).await;
    assert_eq!(yesterday.body["items"][0]["dials"], 1, "{}", yesterday.text);
    assert_eq!(yesterday.body["items"][0]["dispositions"]["busy"], 1, "{}", yesterday.text);
    let r = t.app.get("/api/v1/reports/calls?from=2026-01-15&to=2026-01-15", &t.admin).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["items"].as_array().unwrap().len(), 1, "{}", r.text);
    let row = &r.body["items"][0];
    assert_eq!(row["user_id"], t.rep_id, "{}", r.text);
    assert_eq!(row["date"], "2026-01-15");
    assert_eq!(row["dials"], 4);
    assert_eq!(row["connects"], 3);
    assert_eq!(row["connect_rate"], 0.75);
    assert_eq!(row["inbound"], 1);
    assert_eq!(row["inbound_answered"], 1);
    assert_eq!(row["talk_time_s"], 960);
    assert_eq!(row["callbacks_set"], 1);
    assert_eq!(row["meetings_booked"], 1);
    assert_eq!(row["dispositions"]["no_answer"], 1);
    let stats = t.app.get(&format!("/api/v1/campaigns/{campaign}/stats"), &t.admin).await.body;
    assert_eq!(stats["remaining"], 2, "{stats}");
    assert_eq!(stats["done"], 2, "{stats}");
}

/// More leads than the dialer reads ahead per group (16): the order by score holds across
/// the read-ahead, and a lead given back at the end of a session comes first again.
async fn order_holds_beyond_the_read_ahead(b: Backend) {
    let t = team(b).await;
    // Scores 1..=40, created out of order, all in the same place (Helsinki mobiles).
    for i in 0..40_i64 {
        let score = (i * 17) % 40 + 1;
        t.lead(&format!("Score {score:02}"), &format!("+358 40 200 {:04}", i), json!({"score": score})).await;
    }
    let campaign = t.campaign(json!({})).await;
    let s1 = t.session(&t.rep, &campaign).await;
    let first = t.next(&t.rep, &s1).await;
    assert_eq!(lead_name(&first), "Score 40", "{first}");
    // Ending the session gives the lead back; the other rep gets it first.
    let r = t.app.post(&format!("/api/v1/dialer/sessions/{s1}/end"), &t.rep, json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let s2 = t.session(&t.rep2, &campaign).await;
    let mut seen = Vec::new();
    for _ in 0..40 {
        let offer = t.next(&t.rep2, &s2).await;
        seen.push(lead_name(&offer).to_owned());
        t.dispose(&t.rep2, &offer, "not_interested", json!({})).await;
    }
    let expected: Vec<String> = (1..=40).rev().map(|s| format!("Score {s:02}")).collect();
    assert_eq!(seen, expected);
    assert!(t.next(&t.rep2, &s2).await["call_id"].is_null());
}

/// As if the campaign's last catch-up were ten minutes ago: the next request catches up.
async fn last_catch_up_long_ago(t: &Team, campaign: uuid::Uuid) {
    let db = t.app.db();
    let mut tx = db.write().await.unwrap();
    leadline::on_tx!(&mut tx, |c| sqlx::query("UPDATE campaigns SET synced_at = $1 WHERE id = $2")
        .bind(leadline::store::now() - Duration::minutes(10))
        .bind(campaign)
        .execute(c)
        .await
        .map(drop))
    .unwrap();
    tx.commit().await.unwrap();
}

/// Leads that start to match a running campaign join it at the next catch-up (every 30
/// s); one request claims each catch-up.
async fn leads_join_a_running_campaign_at_catch_up(b: Backend) {
    use leadline::store::{self, campaigns::claim_sync};
    let t = team(b).await;
    let first = t.lead("Early Oy", "+358 40 200 0001", json!({})).await;
    let campaign = t.campaign(json!({})).await;
    let id = uuid::Uuid::parse_str(&campaign).unwrap();
    let later = t.lead("Later Oy", "+358 40 200 0002", json!({})).await;
    let db = t.app.db();
    let queued = || async {
        let mut tx = db.read().await.unwrap();
        let n: i64 = leadline::on_tx!(&mut tx, |c| sqlx::query_scalar(
            "SELECT COUNT(*) FROM campaign_leads WHERE campaign_id = $1"
        )
        .bind(id)
        .fetch_one(c)
        .await)
        .unwrap();
        n
    };
    assert_eq!(queued().await, 1, "the later lead waits for the catch-up");
    // Just synced: nothing to claim.
    let now = store::now();
    let mut tx = db.write().await.unwrap();
    assert!(!claim_sync(&mut tx, id, now - Duration::seconds(30), now).await.unwrap());
    tx.commit().await.unwrap();
    last_catch_up_long_ago(&t, id).await;
    let session = t.session(&t.rep, &campaign).await;
    assert_eq!(queued().await, 2, "starting a session catches up");
    let a = t.next(&t.rep, &session).await;
    let b2 = t.next(&t.rep2, &t.session(&t.rep2, &campaign).await).await;
    let mut handed = [a["lead"]["id"].as_str().unwrap().to_owned(), b2["lead"]["id"].as_str().unwrap().to_owned()];
    handed.sort();
    let mut expected = [first, later];
    expected.sort();
    assert_eq!(handed, expected);
    // The catch-up moved the time: a second claim finds nothing to do; the campaign kept
    // everything else.
    let mut tx = db.write().await.unwrap();
    let now = store::now();
    assert!(!claim_sync(&mut tx, id, now - Duration::seconds(30), now).await.unwrap());
    assert!(claim_sync(&mut tx, id, now + Duration::seconds(1), now).await.unwrap());
    tx.commit().await.unwrap();
    let r = t.app.get(&format!("/api/v1/campaigns/{campaign}"), &t.admin).await;
    assert_eq!(r.body["name"], "Q1 Finland SMB", "{}", r.text);
}

/// A lead that stopped matching the campaign's filter leaves its queue; when it matches
/// again, the next catch-up brings it back.
async fn a_lead_matching_again_rejoins_at_catch_up(b: Backend) {
    let t = team(b).await;
    let mover = t.lead("Mover Oy", "+358 40 200 0009", json!({})).await;
    let campaign = t.campaign(json!({})).await;
    let r = t.app.patch(&format!("/api/v1/leads/{mover}"), &t.admin, json!({"status": "contacted"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let s = t.session(&t.rep, &campaign).await;
    let o = t.next(&t.rep, &s).await;
    assert!(o["call_id"].is_null(), "the lead no longer matches: {o}");
    let r = t.app.patch(&format!("/api/v1/leads/{mover}"), &t.admin, json!({"status": "new"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    last_catch_up_long_ago(&t, uuid::Uuid::parse_str(&campaign).unwrap()).await;
    let s = t.session(&t.rep, &campaign).await;
    let o = t.next(&t.rep, &s).await;
    assert_eq!(o["lead"]["id"], mover, "{o}");
}

/// A campaign counts its suppressed leads from the moment it is created, and a number
/// put on the list later takes its leads out of every queue at once; a lead with another
/// number still to call stays, and is offered that number.
async fn suppressed_leads_are_counted_from_the_start(b: Backend) {
    let t = team(b).await;
    let listed = t.lead("Listed Oy", "+358 40 500 0001", json!({})).await;
    let r = t.app.post("/api/v1/suppressions", &t.admin, json!({"number": "+358 40 500 0001"})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let body = json!({"name": "Opted Out Oy", "contacts": [{"name": "O", "phones": ["+358 40 500 0002"], "do_not_call": true}]});
    let opted = t.app.lead(&t.admin, body).await;
    let body = json!({"name": "Two Numbers Oy", "contacts": [
        {"name": "A", "phones": ["+358 40 500 0001"]}, {"name": "B", "phones": ["+358 40 500 0003"]}]});
    let two = t.app.lead(&t.admin, body).await["id"].as_str().expect("id").to_owned();
    let plain = t.lead("Plain Oy", "+358 40 500 0004", json!({})).await;
    let campaign = t.campaign(json!({})).await;
    let url = format!("/api/v1/campaigns/{campaign}/stats");
    let st = t.app.get(&url, &t.admin).await.body;
    assert_eq!((st["suppressed"].as_i64(), st["callable_now"].as_i64()), (Some(2), Some(2)), "{st}");
    let r = t.app.post("/api/v1/suppressions", &t.admin, json!({"number": "040 500 0004"})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let st = t.app.get(&url, &t.admin).await.body;
    assert_eq!((st["suppressed"].as_i64(), st["callable_now"].as_i64()), (Some(3), Some(1)), "{st}");
    let s = t.session(&t.rep, &campaign).await;
    let o = t.next(&t.rep, &s).await;
    assert_eq!(o["lead"]["id"], two, "{o}");
    assert_eq!(o["number"], "+358405000003", "{o}");
    t.dispose(&t.rep, &o, "not_interested", json!({})).await;
    let o = t.next(&t.rep, &s).await;
    assert!(o["call_id"].is_null(), "{o}");
    assert!(o["reason"].as_str().is_some_and(|r| r.contains("3 suppressed")), "{o}");
    // A number taken off the list brings its lead back; one the contact asked about stays.
    let r = t.app.delete("/api/v1/suppressions/+358405000004", &t.admin).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let o = t.next(&t.rep, &s).await;
    assert_eq!(o["lead"]["id"], plain, "{o}");
    t.dispose(&t.rep, &o, "do_not_call", json!({})).await;
    let r = t.app.delete("/api/v1/suppressions/+358405000004", &t.admin).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = t.app.delete("/api/v1/suppressions/+358405000001", &t.admin).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let o = t.next(&t.rep, &s).await;
    assert_eq!(o["lead"]["id"], listed, "{o}");
    t.dispose(&t.rep, &o, "not_interested", json!({})).await;
    let o = t.next(&t.rep, &s).await;
    assert!(o["call_id"].is_null(), "{o}");
    let st = t.app.get(&url, &t.admin).await.body;
    assert_eq!((st["suppressed"].as_i64(), st["done"].as_i64()), (Some(2), Some(2)), "{st}");
    // A contact who may be called again brings the lead back.
    let contact = opted["contacts"][0]["id"].as_str().expect("contact id");
    let r = t.app.patch(&format!("/api/v1/contacts/{contact}"), &t.admin, json!({"do_not_call": false})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let st = t.app.get(&url, &t.admin).await.body;
    assert_eq!((st["suppressed"].as_i64(), st["callable_now"].as_i64()), (Some(1), Some(1)), "{st}");
    let o = t.next(&t.rep, &s).await;
    assert_eq!(o["lead"]["id"], opted["id"], "{o}");
}

/// A lead without a phone waits as suppressed (nothing to call) and comes back when it
/// gets a number.
async fn leads_without_a_number_wait_until_they_get_one(b: Backend) {
    let t = team(b).await;
    let body = json!({"name": "No Phone Oy", "contacts": [{"name": "Nils", "emails": ["nils@nophone.example"]}]});
    let bare = t.app.lead(&t.admin, body).await["id"].as_str().expect("id").to_owned();
    t.lead("Plain Oy", "+358 40 500 0004", json!({})).await;
    let campaign = t.campaign(json!({})).await;
    let s = t.session(&t.rep, &campaign).await;
    let o = t.next(&t.rep, &s).await;
    assert_eq!(o["lead"]["name"], "Plain Oy", "{o}");
    t.dispose(&t.rep, &o, "not_interested", json!({})).await;
    let o = t.next(&t.rep, &s).await;
    assert!(o["call_id"].is_null(), "{o}");
    let url = format!("/api/v1/campaigns/{campaign}/stats");
    let st = t.app.get(&url, &t.admin).await.body;
    assert_eq!((st["suppressed"].as_i64(), st["remaining"].as_i64()), (Some(1), Some(0)), "{st}");
    let r = t
        .app
        .post(
            &format!("/api/v1/leads/{bare}/contacts"),
            &t.admin,
            json!({"name": "Nora", "phones": ["+358 40 500 0009"]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let st = t.app.get(&url, &t.admin).await.body;
    assert_eq!((st["suppressed"].as_i64(), st["callable_now"].as_i64()), (Some(0), Some(1)), "{st}");
    let o = t.next(&t.rep, &s).await;
    assert_eq!((o["lead"]["id"].as_str(), o["number"].as_str()), (Some(bare.as_str()), Some("+358405000009")), "{o}");
}

crate::on_both!(
    order_holds_beyond_the_read_ahead,
    leads_join_a_running_campaign_at_catch_up,
    a_lead_matching_again_rejoins_at_catch_up,
    next_lead_order_windows_retries_and_reasons,
    two_reps_never_hold_the_same_lead,
    callbacks_come_back_to_their_rep,
    several_zones_must_all_be_open_and_dst_is_followed,
    campaign_rules_weekdays_holidays_regions_and_attempts,
    do_not_call_is_enforced_everywhere,
    call_records_notes_and_logged_calls,
    call_records_are_filtered_and_paged,
    inbound_calls_find_or_create_the_lead,
    telephony_events_are_signed_and_idempotent,
    call_metrics_per_rep_and_day,
    do_not_call_from_the_command_line,
    suppressed_leads_are_counted_from_the_start,
    leads_without_a_number_wait_until_they_get_one,
);

async fn do_not_call_from_the_command_line(b: Backend) {
    let t = team(b).await;
    let file = std::env::temp_dir().join(format!("leadline-dnc-{}.txt", uuid::Uuid::now_v7().simple()));
    let mut text = String::from("phone\n");
    for i in 0..2_000 {
        text.push_str(&match i % 3 {
            0 => format!("+358 40 9{i:06}\n"),
            1 => format!("040-9{i:06}\n"),
            _ => format!("\"Name {i}\";\"00358 40 9{i:06}\"\n"),
        });
    }
    std::fs::write(&file, text).unwrap();
    let url = t.app.test_db.url.clone();
    let path = file.to_str().unwrap().to_owned();
    let out = tokio::task::spawn_blocking(move || {
        crate::cli::run(&url, &["suppression", "import", &path, "--org", "Calling Oy"], None)
    })
    .await
    .unwrap();
    let _ = std::fs::remove_file(&file);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let printed = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        printed.contains("2001 lines") && printed.contains("2000 numbers added") && printed.contains("1 line without"),
        "{printed}"
    );
    let r = t.app.get("/api/v1/suppressions/+358409000001", &t.rep).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.body["source"], "registry");
    let url = t.app.test_db.url.clone();
    let out = tokio::task::spawn_blocking(move || {
        let removed = crate::cli::run(&url, &["suppression", "remove", "040 9000001", "--org", "Calling Oy"], None);
        let check = crate::cli::run(&url, &["suppression", "check", "+358409000001", "--org", "Calling Oy"], None);
        (removed, check)
    })
    .await
    .unwrap();
    assert!(out.0.status.success(), "{}", String::from_utf8_lossy(&out.0.stderr));
    assert!(String::from_utf8_lossy(&out.1.stdout).contains("is not on the list"));
    // The US registry's flat file gives the area code and the number apart.
    let file = std::env::temp_dir().join(format!("ftc-{}.txt", uuid::Uuid::now_v7()));
    std::fs::write(&file, "201,5550123\n212,5550199\n").unwrap();
    let (url, path) = (t.app.test_db.url.clone(), file.to_str().unwrap().to_owned());
    let out = tokio::task::spawn_blocking(move || {
        crate::cli::run(&url, &["suppression", "import", &path, "--org", "Calling Oy"], None)
    })
    .await
    .unwrap();
    let _ = std::fs::remove_file(&file);
    assert!(String::from_utf8_lossy(&out.stdout).contains("2 lines: 2 numbers added"), "{out:?}");
    let r = t.app.get("/api/v1/suppressions/+12015550123", &t.rep).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    // The organization's default owner takes unknown inbound callers.
    let r = t
        .app
        .request(
            Method::PUT,
            "/api/v1/orgs/me/settings",
            Some(&t.admin),
            Some(json!({"default_owner_id": t.rep2_id})),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let r = t
        .app
        .request(
            Method::PUT,
            "/api/v1/orgs/me/settings",
            Some(&t.rep),
            Some(json!({"default_owner_id": t.rep_id})),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = t.app.post("/api/v1/calls/inbound", &t.admin, json!({"from": "+358 50 123 9999"})).await;
    assert_eq!(r.body["user_id"], t.rep2_id, "{}", r.text);
}
