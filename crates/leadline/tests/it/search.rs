//! Finding leads: free text, phone digits in any format, filters, sorting, paging.

use crate::harness::{Backend, TestApp, problem_fields};
use axum::http::StatusCode;
use serde_json::{Value, json};

crate::on_both!(
    phone_digits_in_any_format_find_the_number,
    text_search_covers_names_contacts_and_emails,
    filters_combine,
    keyset_pages_cover_everything_once,
    sorting_by_name_and_updated,
    bad_list_parameters_are_named,
);

fn names(v: &Value) -> Vec<String> {
    v["items"].as_array().unwrap().iter().map(|l| l["name"].as_str().unwrap().to_owned()).collect()
}

async fn phone_digits_in_any_format_find_the_number(b: Backend) {
    let app = TestApp::new(b).await;
    let (_, token) = app.tenant("Dialers", "US").await;
    app.lead(&token, json!({"name": "Seattle Co", "contacts": [{"name": "A", "phones": ["(206) 555-0100"]}]})).await;
    app.lead(&token, json!({"name": "Helsinki Oy", "contacts": [{"name": "B", "phones": ["+358 40 123 4567"]}]})).await;
    app.lead(&token, json!({"name": "Other Inc", "contacts": [{"name": "C", "phones": ["+1 312 555 0199"]}]})).await;
    for q in ["2065550100", "(206) 555-0100", "206-555-0100", "+1 206 555 0100", "12065550100", "555-0100", "206 555"] {
        let r = app.get(&format!("/api/v1/leads?q={}", leadline::web::urlencode(q)), &token).await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(names(&r.body), vec!["Seattle Co"], "query {q}");
    }
    for q in ["+358 40 123 4567", "040 123 4567", "0401234567", "358401234567", "00358401234567", "123 4567"] {
        let r = app.get(&format!("/api/v1/leads?q={}", leadline::web::urlencode(q)), &token).await;
        assert_eq!(names(&r.body), vec!["Helsinki Oy"], "query {q}");
    }
    let none = app.get("/api/v1/leads?q=999888777", &token).await;
    assert_eq!(names(&none.body), Vec::<String>::new());
}

async fn text_search_covers_names_contacts_and_emails(b: Backend) {
    let app = TestApp::new(b).await;
    let (_, token) = app.tenant("Searchers", "FI").await;
    app.lead(&token, json!({"name": "Kärkkäinen Oy", "contacts": [{"name": "Väinö Jääskeläinen", "emails": ["vaino@karkkainen.fi"]}]})).await;
    app.lead(
        &token,
        json!({"name": "Acme Widgets Inc", "contacts": [{"name": "Ann Lee", "emails": ["ann@acme.test"]}]}),
    )
    .await;
    app.lead(&token, json!({"name": "Lee Household", "kind": "person"})).await;
    let q = |s: &str| format!("/api/v1/leads?q={}&sort=name", leadline::web::urlencode(s));
    assert_eq!(names(&app.get(&q("kärk"), &token).await.body), vec!["Kärkkäinen Oy"]);
    assert_eq!(names(&app.get(&q("karkkainen"), &token).await.body), vec!["Kärkkäinen Oy"]);
    assert_eq!(names(&app.get(&q("Jääskel"), &token).await.body), vec!["Kärkkäinen Oy"]);
    assert_eq!(names(&app.get(&q("widg"), &token).await.body), vec!["Acme Widgets Inc"]);
    // A legal form at the end of the query need not be the stored one.
    assert_eq!(names(&app.get(&q("Acme Widgets, Inc."), &token).await.body), vec!["Acme Widgets Inc"]);
    assert_eq!(names(&app.get(&q("acme widgets gmbh"), &token).await.body), vec!["Acme Widgets Inc"]);
    assert_eq!(names(&app.get(&q("Lee Household Ltd"), &token).await.body), vec!["Lee Household"]);
    assert_eq!(names(&app.get(&q("ann@acme.test"), &token).await.body), vec!["Acme Widgets Inc"]);
    assert_eq!(names(&app.get(&q("lee"), &token).await.body), vec!["Acme Widgets Inc", "Lee Household"]);
    assert_eq!(names(&app.get(&q("ann lee"), &token).await.body), vec!["Acme Widgets Inc"]);
    assert_eq!(names(&app.get(&q("zzz"), &token).await.body), Vec::<String>::new());
    assert_eq!(names(&app.get(&q("\"*) OR 1=1 --"), &token).await.body).len(), 0);
}

async fn filters_combine(b: Backend) {
    let app = TestApp::new(b).await;
    let (org, token) = app.tenant("Filterers", "US").await;
    let (rep, rep_token) = app.user(&org, "rep@filterers.test", "inside_rep").await;
    app.lead(&token, json!({"name": "A1", "status": "new", "country": "US", "tags": ["vip"]})).await;
    app.lead(&token, json!({"name": "A2", "status": "qualified", "country": "FI", "tags": ["vip", "smb"]})).await;
    app.lead(&rep_token, json!({"name": "A3", "status": "new", "country": "FI"})).await;
    app.lead(&token, json!({"name": "A4", "status": "lost", "kind": "person", "owner_id": null})).await;
    let get = |p: &str| format!("/api/v1/leads?sort=name&{p}");
    assert_eq!(names(&app.get(&get("status=new"), &token).await.body), vec!["A1", "A3"]);
    assert_eq!(names(&app.get(&get("status=new,qualified"), &token).await.body), vec!["A1", "A2", "A3"]);
    assert_eq!(names(&app.get(&get("status=new&status=qualified"), &token).await.body), vec!["A1", "A2", "A3"]);
    assert_eq!(names(&app.get(&get("country=fi"), &token).await.body), vec!["A2", "A3"]);
    assert_eq!(names(&app.get(&get("country=fi,US"), &token).await.body), vec!["A1", "A2", "A3"]);
    assert_eq!(names(&app.get(&get("tag=vip"), &token).await.body), vec!["A1", "A2"]);
    assert_eq!(names(&app.get(&get("tag=vip,smb"), &token).await.body), vec!["A2"]);
    assert_eq!(names(&app.get(&get("owner=me"), &rep_token).await.body), vec!["A3"]);
    assert_eq!(names(&app.get(&get(&format!("owner={}", rep.id)), &token).await.body), vec!["A3"]);
    // By e-mail too, as the command line's export names owners.
    assert_eq!(names(&app.get(&get("owner=REP@filterers.test"), &token).await.body), vec!["A3"]);
    assert_eq!(names(&app.get(&get("kind=person"), &token).await.body), vec!["A4"]);
    assert_eq!(names(&app.get(&get("status=new&country=FI"), &token).await.body), vec!["A3"]);
    let today = chrono::Utc::now().date_naive();
    assert_eq!(names(&app.get(&get(&format!("created_from={today}&created_to={today}")), &token).await.body).len(), 4);
    assert_eq!(names(&app.get(&get("created_to=2000-01-01"), &token).await.body).len(), 0);
}

async fn keyset_pages_cover_everything_once(b: Backend) {
    let app = TestApp::new(b).await;
    let (_, token) = app.tenant("Pagers", "US").await;
    for i in 0..23 {
        app.lead(&token, json!({"name": format!("Lead {i:02}")})).await;
    }
    for sort in ["-created", "created", "name", "-name", "-updated"] {
        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let mut path = format!("/api/v1/leads?limit=5&sort={sort}");
            if let Some(c) = &cursor {
                path.push_str(&format!("&cursor={c}"));
            }
            let r = app.get(&path, &token).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text);
            seen.extend(names(&r.body));
            match r.body["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_owned()),
                None => break,
            }
        }
        assert_eq!(seen.len(), 23, "sort {sort}");
        let mut unique = seen.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), 23, "no repeats with sort {sort}");
        if sort == "name" {
            assert_eq!(seen.first().unwrap(), "Lead 00");
        }
        if sort == "-created" {
            assert_eq!(seen.first().unwrap(), "Lead 22", "newest first by default");
        }
    }
}

async fn sorting_by_name_and_updated(b: Backend) {
    let app = TestApp::new(b).await;
    let (_, token) = app.tenant("Sorters", "US").await;
    let b_lead = app.lead(&token, json!({"name": "beta"})).await;
    app.lead(&token, json!({"name": "Alpha"})).await;
    app.lead(&token, json!({"name": "Gamma"})).await;
    assert_eq!(names(&app.get("/api/v1/leads?sort=name", &token).await.body), vec!["Alpha", "beta", "Gamma"]);
    assert_eq!(
        names(&app.get("/api/v1/leads?sort=name&order=desc", &token).await.body),
        vec!["Gamma", "beta", "Alpha"]
    );
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    app.patch(&format!("/api/v1/leads/{}", b_lead["id"].as_str().unwrap()), &token, json!({"status": "contacted"}))
        .await;
    assert_eq!(names(&app.get("/api/v1/leads?sort=-updated", &token).await.body)[0], "beta");
}

async fn bad_list_parameters_are_named(b: Backend) {
    let app = TestApp::new(b).await;
    let (_, token) = app.tenant("Params", "US").await;
    for (query, field) in [
        ("status=won", "status"),
        ("sort=colour", "sort"),
        ("limit=0", "limit"),
        ("limit=1000", "limit"),
        ("limit=ten", "limit"),
        ("owner=bob", "owner"),
        ("created_from=yesterday", "created_from"),
        ("cursor=zz", "cursor"),
        ("country=Narnia", "country"),
    ] {
        let r = app.get(&format!("/api/v1/leads?{query}"), &token).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{query}");
        assert_eq!(problem_fields(&r), vec![field], "{query}");
    }
}
