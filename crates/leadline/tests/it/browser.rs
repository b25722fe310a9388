//! End-to-end in headless Chromium (Debian's `chromium` + `chromium-driver`) over
//! WebDriver: log in, create a lead with a contact, find it by its phone digits, open it.
//! Skipped with a notice when Chromium is absent; `LEADLINE_REQUIRE_BROWSER=1` makes
//! that a failure.

use crate::harness::{Backend, PASSWORD, TestApp};
use base64::Engine;
use serde_json::{Value, json};
use std::{
    net::TcpListener,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

fn find(bin: &[&str]) -> Option<String> {
    bin.iter().map(|b| (*b).to_owned()).find(|b| std::path::Path::new(b).exists())
}

/// Paths of Chromium and ChromeDriver, or `None` with a notice.
pub fn browser() -> Option<(String, String)> {
    let chromium = find(&["/usr/bin/chromium", "/usr/bin/chromium-browser"]);
    let driver = find(&["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"]);
    match (chromium, driver) {
        (Some(c), Some(d)) => Some((c, d)),
        _ => {
            assert!(
                std::env::var("LEADLINE_REQUIRE_BROWSER").as_deref() != Ok("1"),
                "LEADLINE_REQUIRE_BROWSER=1 but chromium / chromedriver are not installed"
            );
            eprintln!("notice: browser test skipped (install Debian's chromium and chromium-driver to run it)");
            None
        }
    }
}

/// A WebDriver session on a chromedriver process of our own.
pub struct Browser {
    driver: Child,
    base: String,
    session: String,
    _profile: std::path::PathBuf,
}

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

impl Browser {
    pub fn start(chromium: &str, chromedriver: &str, width: u32, height: u32) -> Self {
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let driver = Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let base = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(20);
        while ureq::get(&format!("{base}/status")).call().is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        let profile = std::env::temp_dir().join(format!("leadline-chromium-{}", uuid::Uuid::now_v7().simple()));
        let caps = json!({"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": {
            "binary": chromium,
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     format!("--user-data-dir={}", profile.display()), format!("--window-size={width},{height}")]
        }}}});
        let mut res = ureq::post(&format!("{base}/session")).send_json(&caps).expect("new WebDriver session");
        let v: Value = res.body_mut().read_json().expect("session json");
        let session = v["value"]["sessionId"].as_str().expect("session id").to_owned();
        Self { driver, base, session, _profile: profile }
    }

    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}/session/{}{path}", self.base, self.session);
        let res = match method {
            "GET" => ureq::get(&url).call(),
            "DELETE" => ureq::delete(&url).call(),
            _ => ureq::post(&url).send_json(body.unwrap_or_else(|| json!({}))),
        };
        let mut res = res.unwrap_or_else(|e| panic!("WebDriver {method} {path}: {e}"));
        res.body_mut().read_json::<Value>().map(|v| v["value"].clone()).unwrap_or(Value::Null)
    }

    pub fn goto(&self, url: &str) {
        self.call("POST", "/url", Some(json!({ "url": url })));
    }

    pub fn find(&self, css: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let url = format!("{}/session/{}/element", self.base, self.session);
            if let Ok(mut r) = ureq::post(&url).send_json(json!({"using": "css selector", "value": css}))
                && let Ok(v) = r.body_mut().read_json::<Value>()
                && let Some(id) = v["value"][ELEMENT].as_str()
            {
                return id.to_owned();
            }
            assert!(Instant::now() < deadline, "element {css} not found; page: {}", self.source());
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn type_into(&self, css: &str, text: &str) {
        let id = self.find(css);
        self.call("POST", &format!("/element/{id}/clear"), None);
        self.call("POST", &format!("/element/{id}/value"), Some(json!({ "text": text })));
    }

    pub fn click(&self, css: &str) {
        let id = self.find(css);
        self.call("POST", &format!("/element/{id}/click"), None);
    }

    pub fn keys(&self, css: &str, keys: &str) {
        let id = self.find(css);
        self.call("POST", &format!("/element/{id}/value"), Some(json!({ "text": keys })));
    }

    /// Presses keys on whatever has the focus (W3C actions): `\u{E007}` is Enter,
    /// `\u{E00C}` Escape.
    pub fn press(&self, keys: &str) {
        let mut actions = Vec::new();
        for ch in keys.chars() {
            actions.push(json!({"type": "keyDown", "value": ch.to_string()}));
            actions.push(json!({"type": "keyUp", "value": ch.to_string()}));
        }
        self.call(
            "POST",
            "/actions",
            Some(json!({"actions": [{"type": "key", "id": "keyboard", "actions": actions}]})),
        );
    }

    /// Presses `key` while holding `modifier` (e.g. `\u{E009}` Control).
    pub fn chord(&self, modifier: &str, key: &str) {
        let actions = json!([
            {"type": "keyDown", "value": modifier}, {"type": "keyDown", "value": key},
            {"type": "keyUp", "value": key}, {"type": "keyUp", "value": modifier},
        ]);
        self.call(
            "POST",
            "/actions",
            Some(json!({"actions": [{"type": "key", "id": "keyboard", "actions": actions}]})),
        );
    }

    /// Runs a script in the page.
    pub fn exec(&self, script: &str) -> Value {
        self.call("POST", "/execute/sync", Some(json!({"script": script, "args": []})))
    }

    /// Waits until the page's source contains `text`.
    pub fn wait_text(&self, text: &str) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while !self.source().contains(text) {
            assert!(Instant::now() < deadline, "the page never showed {text:?}: {}", self.source());
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Waits for the next page, the one that no longer shows `text`.
    pub fn wait_gone(&self, text: &str) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.source().contains(text) {
            assert!(Instant::now() < deadline, "the page kept showing {text:?}: {}", self.source());
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn title(&self) -> String {
        self.call("GET", "/title", None).as_str().unwrap_or("").to_owned()
    }

    pub fn url(&self) -> String {
        self.call("GET", "/url", None).as_str().unwrap_or("").to_owned()
    }

    pub fn source(&self) -> String {
        self.call("GET", "/source", None).as_str().unwrap_or("").to_owned()
    }

    /// Saves a PNG under `target/screenshots/` (for people reviewing the UI).
    pub fn screenshot(&self, name: &str) {
        let data = self.call("GET", "/screenshot", None);
        if let Some(b64) = data.as_str()
            && let Ok(png) = base64::engine::general_purpose::STANDARD.decode(b64)
        {
            let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../target/screenshots");
            let _ = std::fs::create_dir_all(dir);
            let _ = std::fs::write(format!("{dir}/{name}.png"), png);
        }
    }

    /// Waits until the page title contains `text`.
    pub fn wait_title(&self, text: &str) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while !self.title().contains(text) {
            assert!(
                Instant::now() < deadline,
                "title never contained {text:?}; it is {:?} at {}",
                self.title(),
                self.url()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = ureq::delete(&format!("{}/session/{}", self.base, self.session)).call();
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        let _ = std::fs::remove_dir_all(&self._profile);
    }
}

/// Serves the app on a free loopback port (sharing the test's clock); returns its base URL.
pub async fn serve(app: &TestApp) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let mut state = leadline::web::AppState::new(app.db().clone());
    state.clock = app.clock.clone();
    tokio::spawn(async move {
        let _ = leadline::web::serve_state(state, listener, std::future::pending()).await;
    });
    format!("http://{addr}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn log_in_create_find_by_phone_and_open() {
    let Some((chromium, driver)) = browser() else { return };
    let app = TestApp::new(Backend::Sqlite).await;
    let org = app.org("Browser Co", "US").await;
    app.user(&org, "rep@browser.test", "inside_rep").await;
    let base = serve(&app).await;

    tokio::task::spawn_blocking(move || {
        let b = Browser::start(&chromium, &driver, 1280, 900);
        b.goto(&format!("{base}/leads"));
        b.wait_title("Log in");
        b.type_into("#email", "rep@browser.test");
        b.type_into("#password", PASSWORD);
        b.screenshot("login");
        b.click("button[type=submit]");
        b.wait_title("Leads");

        b.goto(&format!("{base}/leads/new"));
        b.wait_title("New lead");
        b.type_into("#name", "Chromium Test Oy");
        b.type_into("#contact_name", "Ann Browser");
        b.type_into("#contact_phone", "(206) 555-0142");
        b.type_into("#contact_email", "Ann@Chromium.test");
        b.screenshot("new-lead");
        b.click("button.primary[type=submit]");
        b.wait_title("Chromium Test Oy");
        assert!(b.source().contains("+1 206-555-0142"), "the phone is shown normalized");

        // Find it from the list by typing the phone digits in another format.
        b.goto(&format!("{base}/leads"));
        b.wait_title("Leads");
        b.type_into("#q", "2065550142");
        b.keys("#q", "\u{E007}");
        let deadline = Instant::now() + Duration::from_secs(10);
        while !b.url().contains("q=2065550142") {
            assert!(Instant::now() < deadline, "search did not submit");
            std::thread::sleep(Duration::from_millis(100));
        }
        assert!(b.source().contains("Chromium Test Oy"));
        b.screenshot("search-by-phone");
        b.click("table[data-list] tbody tr a");
        b.wait_title("Chromium Test Oy");
        let page = b.source();
        assert!(page.contains("Ann Browser"));
        assert!(page.contains("ann@chromium.test"));
        assert!(page.contains("their time (Los Angeles)"));
        b.screenshot("lead-page");

        // At phone width the same page is usable.
        drop(b);
        let phone = Browser::start(&chromium, &driver, 390, 844);
        phone.goto(&format!("{base}/login"));
        phone.type_into("#email", "rep@browser.test");
        phone.type_into("#password", PASSWORD);
        phone.click("button[type=submit]");
        phone.wait_title("Leads");
        phone.screenshot("leads-phone");
    })
    .await
    .expect("browser script");
}

/// The Import page: upload a file, check the mapping and preview, start, watch the
/// progress page finish, download the report, undo.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_a_file_from_the_import_page() {
    let Some((chromium, driver)) = browser() else { return };
    let app = TestApp::new(Backend::Sqlite).await;
    let org = app.org("Import Co", "US").await;
    let (_, token) = app.user(&org, "admin@import.test", "admin").await;
    let base = serve(&app).await;
    // The file's own name, as a user's would be, in a folder of this test's own.
    let folder = std::env::temp_dir().join(format!("leadline-upload-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&folder).unwrap();
    let file = folder.join("trade-fair-leads.csv");
    let mut csv = String::from(
        "Company,First Name,Last Name,Email,Phone,Country,Lieblingsfarbe,custom.Tier\nBroken Oy,Bob,Bad,not-an-email,,Finland,,\n",
    );
    for i in 0..300 {
        csv.push_str(&format!(
            "Upload {i} Oy,Ann,Number{i},ann{i}@upload{i}.example,+358 40 {:03} {:04}{},Finland,blue,gold\n",
            100 + i / 1000,
            i,
            if i == 0 { " x5" } else { "" }
        ));
    }
    std::fs::write(&file, csv).unwrap();
    let path = file.to_str().unwrap().to_owned();
    let base2 = base.clone();
    tokio::task::spawn_blocking(move || {
        let b = Browser::start(&chromium, &driver, 1280, 1000);
        b.goto(&format!("{base2}/login"));
        b.type_into("#email", "admin@import.test");
        b.type_into("#password", PASSWORD);
        b.click("button[type=submit]");
        b.wait_title("Leads");
        b.goto(&format!("{base2}/imports"));
        b.wait_title("Import");
        b.keys("#file", &path);
        b.click("button.primary[type=submit]");
        b.wait_title("Map columns");
        let page = b.source();
        assert!(page.contains("Upload 0 Oy") && page.contains("1000000 ext. 5"), "the preview shows rows as stored");
        assert!(page.contains("Refused") && page.contains("not-an-email"), "the preview shows refused rows");
        assert!(page.contains(">E-mail</option>"), "fields are offered by their names, not their codes");
        b.screenshot("import-map");
        // A delimiter that reads the file wrongly is refused with the reason, the file shown
        // as detected; the right one chosen by hand reads it.
        b.exec("document.querySelector('#delimiter').value = ';';");
        b.click("button[value=preview]");
        b.wait_text("no name column");
        assert!(b.source().contains("Upload 0 Oy"), "the file as detected");
        b.exec("document.querySelector('#delimiter').value = ',';");
        b.exec("document.querySelector('#encoding').value = 'windows-1252';");
        b.click("button[value=preview]");
        b.wait_gone("no name column");
        b.wait_title("Map columns");
        let page = b.source();
        assert!(page.contains("Upload 0 Oy") && !page.contains("no name column"), "read with the chosen delimiter");
        let chosen =
            b.exec("return [document.querySelector('#delimiter').value, document.querySelector('#encoding').value];");
        assert_eq!(chosen, serde_json::json!([",", "windows-1252"]), "the choices stay chosen");
        // A tag that is too long is refused on the page, and kept there to be corrected.
        let long = "x".repeat(60);
        b.type_into("#tags", &long);
        b.click("button[value=start]");
        b.wait_text("Tags: must be at most 50 characters");
        assert!(b.source().contains(&long), "the tags as typed");
        b.exec("document.querySelector('#tags').value = '';");
        b.type_into("#tags", "Upload Batch");
        // A column mapped by hand ("Lieblingsfarbe" is nobody's business).
        b.exec("document.querySelector('#col-6').value = 'ignore';");
        b.click("button[value=start]");
        b.wait_title("Import · trade-fair-leads.csv");
        let deadline = Instant::now() + Duration::from_secs(30);
        while !b.source().contains("status-completed") {
            assert!(Instant::now() < deadline, "the progress page never showed the import completed");
            std::thread::sleep(Duration::from_millis(200));
        }
        let page = b.source();
        assert!(page.contains(r#"data-field="created">300<"#), "counts on the page");
        assert!(page.contains(r#"data-field="rejected">1<"#));
        assert!(page.contains(r#"data-field="eta" class="muted">in "#), "how long the import took");
        assert!(page.contains(r#"href="/leads?tag=upload%20batch""#), "a link to the leads the import tagged");
        assert!(page.contains("report.csv"));
        // The error report, as the page's link downloads it (with the session's cookie).
        let errors = b.exec(
            "const r = new XMLHttpRequest(); r.open('GET', document.querySelector('#error-report').href, false); \
             r.send(); return r.responseText;",
        );
        let errors = errors.as_str().unwrap_or_default();
        assert!(errors.starts_with("row,") && errors.contains("not-an-email"), "{errors}");
        b.screenshot("import-done");
        // The next file with these columns starts from the mapping made by hand.
        b.goto(&format!("{base2}/imports"));
        b.wait_title("Import");
        b.keys("#file", &path);
        b.click("button.primary[type=submit]");
        b.wait_title("Map columns");
        assert!(b.source().contains(r#"data-field="remembered""#), "the page says where the mapping comes from");
        assert!(b.source().contains(r#"data-field="imported-before""#), "the page says the file was imported before");
        assert_eq!(b.exec("return document.querySelector('#col-6').value;"), serde_json::json!("ignore"));
    })
    .await
    .expect("browser script");
    let _ = std::fs::remove_dir_all(&folder);
    let leads = app.get("/api/v1/leads?limit=5", &token).await;
    assert_eq!(leads.body["items"].as_array().unwrap().len(), 5);
    // The column ignored by hand on the mapping page.
    assert!(leads.body["items"][0]["custom_fields"].get("Lieblingsfarbe").is_none(), "{}", leads.text);
    // A Close-style "custom.Tier" column is the custom field "Tier", as the page offered it.
    assert_eq!(leads.body["items"][0]["custom_fields"]["Tier"], "gold", "{}", leads.text);
}

/// The rep's call screen with the keyboard alone: start calling, dial, pick outcomes,
/// write notes, set a callback, save (the next lead replaces the card), end the session.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn work_a_campaign_from_the_call_screen() {
    let Some((chromium, driver)) = browser() else { return };
    let app = TestApp::new(Backend::Sqlite).await;
    let (org, admin) = app.tenant("Dial Oy", "FI").await;
    let (rep, rep_token) = app.user(&org, "rep@dial.test", "inside_rep").await;
    app.clock.set(crate::calling::utc("2026-01-15T10:00:00Z"));
    for (name, phone, score) in [("Kärkkäinen Oy", "+358 40 100 4500", 10), ("Second Oy", "+358 40 100 4501", 0)] {
        app.lead(&admin, json!({"name": name, "score": score, "contacts": [{"name": "Väinö Jääskeläinen", "title": "CEO", "phones": [phone]}]}))
            .await;
    }
    let r = app
        .post(
            "/api/v1/campaigns",
            &admin,
            json!({"name": "Q1 Finland SMB", "filter": {"status": ["new"]}, "assignees": [rep.id], "playbook": "Opening: ask about their Q2 plans."}),
        )
        .await;
    assert_eq!(r.status.as_u16(), 201, "{}", r.text);
    let base = serve(&app).await;
    tokio::task::spawn_blocking(move || {
        let b = Browser::start(&chromium, &driver, 1400, 1000);
        b.goto(&format!("{base}/login"));
        b.type_into("#email", "rep@dial.test");
        b.type_into("#password", PASSWORD);
        b.click("button[type=submit]");
        b.wait_title("Leads");
        b.goto(&format!("{base}/campaigns"));
        b.wait_title("Campaigns");
        b.click("button.primary[type=submit]");
        b.wait_title("Calling · Q1 Finland SMB");
        b.wait_text("Kärkkäinen Oy");
        let page = b.source();
        assert!(page.contains("12:00 their time (Helsinki)"), "the callee's local time is shown");
        assert!(page.contains("Opening: ask about their Q2 plans."), "the playbook is shown");
        b.screenshot("call-screen");
        // Headless Chromium has no phone app: the `tel:` link goes to a stand-in instead of
        // an iframe (whose external-protocol prompt would swallow the keyboard).
        b.exec("const s = document.createElement('span'); s.id = 'dial-frame'; document.body.append(s);");
        // Keys go to whatever has the focus; the screen's shortcuts listen on the document.
        b.keys("#call-button", "c");
        b.wait_text("Dialing… started");
        assert_eq!(b.exec("return document.getElementById('dial-frame').src"), json!("tel:+358401004500"));
        b.keys("#call-button", "2");
        b.type_into("#notes", "Rang out, try in the afternoon");
        // Ctrl+Enter saves from the notes; the next lead replaces the card in place.
        b.keys("#notes", "\u{E009}\u{E007}\u{E000}");
        b.wait_text("Second Oy");
        b.keys("#call-button", "6");
        b.exec("const i = document.getElementById('callback_at'); i.value = '2026-01-15T15:00'; i.dispatchEvent(new Event('input', {bubbles: true}));");
        b.wait_text("their time (Europe/Helsinki)");
        b.keys("input[data-key='6']", "\u{E007}");
        b.wait_text("Nothing to call right now");
        let why = b.source();
        assert!(
            why.contains("1 lead waits for a retry") && why.contains("1 callback is scheduled for its rep"),
            "the screen says why nothing is callable"
        );
        b.keys("#check-again", "\u{E00C}");
        b.wait_title("Q1 Finland SMB");
        b.wait_text("Session ended");
        // The call log shows both calls with their outcomes.
        b.goto(&format!("{base}/calls"));
        b.wait_text("Callback requested");
        b.screenshot("call-log");
    })
    .await
    .expect("browser script");
    let calls = app.get("/api/v1/reports/calls?from=2026-01-15", &rep_token).await;
    assert_eq!(calls.body["items"][0]["dials"], 2, "{}", calls.text);
    assert_eq!(calls.body["items"][0]["callbacks_set"], 1, "{}", calls.text);
    let tasks = app.get("/api/v1/tasks", &rep_token).await;
    assert_eq!(tasks.body["items"][0]["due_at"], "2026-01-15T13:00:00Z", "{}", tasks.text);
}
