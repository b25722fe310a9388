//! The demo organization: what `leadline demo` seeds is realistic and consistent.

use crate::harness::{Backend, TestApp};
use axum::http::StatusCode;
use chrono::{DateTime, Duration, Timelike, Utc};
use chrono_tz::Tz;
use leadline::app;

crate::on_both!(the_demo_has_people_leads_a_campaign_and_call_history);

async fn the_demo_has_people_leads_a_campaign_and_call_history(b: Backend) {
    let app = TestApp::new(b).await;
    let out = leadline::demo::seed(app.db()).await.expect("seed");
    assert!(out.contains("maria.manager@northwind.example"), "{out}");
    // Seeding again keeps what is there.
    let again = leadline::demo::seed(app.db()).await.expect("seed again");
    assert!(again.contains("Using the existing demo organization"), "{again}");
    let token = app::auth::create_token(app.db(), "maria.manager@northwind.example", "test").await.expect("token");
    let campaigns = app.get("/api/v1/campaigns", &token).await;
    assert_eq!(campaigns.body["items"].as_array().unwrap().len(), 1, "{}", campaigns.text);
    // Ten working days of calls, every one in business hours where the callee is.
    let today = Utc::now().date_naive();
    let from = (today - Duration::days(16)).to_string();
    let report = app.get(&format!("/api/v1/reports/calls?from={from}&to={today}"), &token).await;
    assert_eq!(report.status, StatusCode::OK, "{}", report.text);
    let days = report.body["items"].as_array().unwrap();
    assert!(days.len() >= 4 * 10, "four inside reps, ten days: {}", days.len());
    assert!(
        days.iter().all(
            |d| d["dials"].as_i64().unwrap() > 0 && d["connects"].as_i64().unwrap() <= d["dials"].as_i64().unwrap()
        )
    );
    let mut checked = 0;
    let mut cursor = String::new();
    loop {
        let page = app.get(&format!("/api/v1/calls?limit=500&cursor={cursor}"), &token).await;
        for call in page.body["items"].as_array().unwrap() {
            let lead = app.get(&format!("/api/v1/leads/{}", call["lead_id"].as_str().unwrap()), &token).await.body;
            let started: DateTime<Utc> = call["started_at"].as_str().unwrap().parse().unwrap();
            for zone in lead["time_zones"].as_array().unwrap() {
                let zone: Tz = zone.as_str().unwrap().parse().unwrap();
                let hour = started.with_timezone(&zone).hour();
                assert!((8..21).contains(&hour), "{started} is {hour}h in {zone}: {call}");
            }
            checked += 1;
        }
        match page.body["next_cursor"].as_str() {
            Some(c) if checked < 1_500 => cursor = c.to_owned(),
            _ => break,
        }
    }
    assert!(checked > 500, "{checked} calls");
    // The manager's report page shows them, outcomes by name.
    let (_, session) = crate::auth::login(&app, "maria.manager@northwind.example", "leadline-demo", &[]).await;
    let page =
        crate::auth::page(&app, &format!("/reports/calls?from={from}&to={today}"), session.as_deref().unwrap()).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("Sara Virtanen") && page.text.contains("No answer"), "{}", page.text);
    assert!(!page.text.contains("no_answer"), "{}", page.text);
    // The call log lists every call with its lead, a page at a time, filtered.
    let session = session.unwrap();
    let log = crate::auth::page(&app, "/calls?disposition=meeting_booked", &session).await;
    assert_eq!(log.status, StatusCode::OK);
    assert!(
        log.text.contains("data-label=\"Outcome\">Meeting booked<") && log.text.contains("href=\"/leads/"),
        "{}",
        log.text
    );
    assert!(!log.text.contains("data-label=\"Outcome\">No answer<"), "{}", log.text);
    let all = crate::auth::page(&app, "/calls", &session).await;
    assert!(all.text.contains("rel=\"next\""), "more than one page: {}", all.text);
    let bad = crate::auth::page(&app, "/calls?from=someday", &session).await;
    assert_eq!(bad.status, StatusCode::OK);
    assert!(bad.text.contains("from: must be a date"), "{}", bad.text);
}
