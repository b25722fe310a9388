//! Imports from the command line: a killed import leaves whole rows only and a
//! re-run completes it; import, report, export and undo commands.

use crate::{
    cli::{run, text},
    harness::{Backend, TestDb},
};
use leadline::store::Db;
use std::{io::Write, process::Command, time::Duration};

crate::on_both!(a_killed_import_resumes_without_partial_rows, import_report_export_and_undo_from_the_command_line);

/// A lead file of `n` distinct companies, each with a contact, a phone and an e-mail.
fn lead_file(n: usize) -> tempfile_path::TempPath {
    let path = tempfile_path::TempPath::new("csv");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&path.0).unwrap());
    writeln!(f, "Company,First Name,Last Name,Email,Phone,City,Country").unwrap();
    for i in 0..n {
        writeln!(
            f,
            "Company {i} Ltd,Person,Number{i},person{i}@company{i}.example,+1 206 {:03} {:04},Seattle,US",
            200 + i / 10_000,
            i % 10_000
        )
        .unwrap();
    }
    f.flush().unwrap();
    path
}

mod tempfile_path {
    /// A file under the temp directory, removed when dropped.
    pub struct TempPath(pub std::path::PathBuf);

    impl TempPath {
        pub fn new(ext: &str) -> Self {
            Self(std::env::temp_dir().join(format!("leadline-test-{}.{ext}", uuid::Uuid::now_v7().simple())))
        }

        pub fn as_str(&self) -> &str {
            self.0.to_str().unwrap()
        }
    }

    impl Drop for TempPath {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }
}

async fn scalar(db: &Db, sql: &'static str) -> i64 {
    leadline::on_tx!(&mut db.read().await.unwrap(), |c| sqlx::query_scalar::<_, i64>(sql).fetch_one(c).await).unwrap()
}

async fn consistent(db: &Db) {
    assert_eq!(
        scalar(db, "SELECT COUNT(*) FROM leads l WHERE NOT EXISTS (SELECT 1 FROM contacts c WHERE c.lead_id = l.id)")
            .await,
        0,
        "every stored lead has its contact"
    );
    assert_eq!(
        scalar(db, "SELECT COUNT(*) FROM contacts c WHERE NOT EXISTS (SELECT 1 FROM contact_phones p WHERE p.contact_id = c.id)").await,
        0,
        "every stored contact has its phone"
    );
    assert_eq!(
        scalar(db, "SELECT CAST(COALESCE(SUM(created), 0) AS BIGINT) FROM imports").await,
        scalar(db, "SELECT COUNT(*) FROM leads").await,
        "the import's count matches what is stored"
    );
}

async fn a_killed_import_resumes_without_partial_rows(backend: Backend) {
    let test_db = TestDb::new(backend).await;
    let url = test_db.url.clone();
    let rows = 40_000;
    let file = lead_file(rows);
    let u = url.clone();
    let created =
        tokio::task::spawn_blocking(move || run(&u, &["org", "create", "Crash Test", "--default-region", "US"], None))
            .await
            .unwrap();
    assert!(created.status.success(), "{}", text(&created));
    let mut child = Command::new(env!("CARGO_BIN_EXE_leadline"))
        .args(["import", "leads", file.as_str(), "--org", "Crash Test"])
        .env("LEADLINE_DATABASE_URL", &url)
        .env("LEADLINE_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    loop {
        let done = scalar(&test_db.db, "SELECT COALESCE(MAX(rows_done), 0) FROM imports").await;
        if done >= 4_000 {
            break;
        }
        assert!(child.try_wait().unwrap().is_none(), "the import ended before it could be killed");
        assert!(std::time::Instant::now() < deadline, "the import made no progress");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let stored = scalar(&test_db.db, "SELECT COUNT(*) FROM leads").await;
    assert!(stored > 0 && stored < i64::try_from(rows).unwrap(), "killed midway: {stored} leads");
    consistent(&test_db.db).await;
    assert_eq!(scalar(&test_db.db, "SELECT COUNT(*) FROM imports WHERE status = 'running'").await, 1);

    // The killed process is gone: a re-run on this machine takes the import over at once.
    let u = url.clone();
    let path = file.as_str().to_owned();
    let rerun = tokio::task::spawn_blocking(move || run(&u, &["import", "leads", &path, "--org", "Crash Test"], None))
        .await
        .unwrap();
    assert!(rerun.status.success(), "{}", text(&rerun));
    assert!(text(&rerun).contains("Resumed"), "{}", text(&rerun));
    assert_eq!(scalar(&test_db.db, "SELECT COUNT(*) FROM imports").await, 1, "the same import was completed");
    assert_eq!(scalar(&test_db.db, "SELECT COUNT(*) FROM imports WHERE status = 'completed'").await, 1);
    assert_eq!(scalar(&test_db.db, "SELECT COUNT(*) FROM leads").await, i64::try_from(rows).unwrap());
    assert_eq!(scalar(&test_db.db, "SELECT MAX(duplicates) FROM imports").await, 0, "no row stored twice");
    consistent(&test_db.db).await;
}

async fn import_report_export_and_undo_from_the_command_line(backend: Backend) {
    let test_db = TestDb::new(backend).await;
    let url = test_db.url.clone();
    let dir = format!("{}/tests/fixtures/imports", env!("CARGO_MANIFEST_DIR"));
    tokio::task::spawn_blocking(move || {
        assert!(run(&url, &["org", "create", "Cli Org", "--default-region", "DE"], None).status.success());
        let bad = tempfile_path::TempPath::new("csv");
        std::fs::write(&bad.0, "City,Phone\nBerlin,030 901820\n").unwrap();
        let refused = run(&url, &["import", "leads", bad.as_str(), "--org", "Cli Org"], None);
        assert!(!refused.status.success());
        assert!(
            text(&refused).contains("no name column") && text(&refused).contains("nothing was imported"),
            "{}",
            text(&refused)
        );

        let zoho = format!("{dir}/zoho_leads.csv");
        let ok = run(&url, &["import", "leads", &zoho, "--org", "Cli Org", "--tag", "From Zoho"], None);
        assert!(ok.status.success(), "{}", text(&ok));
        assert!(text(&ok).contains("created 1"), "{}", text(&ok));
        assert!(
            text(&ok).contains("--filter 'tag=from zoho'"),
            "the summary says how to find the leads: {}",
            text(&ok)
        );
        let tagged = run(&url, &["export", "leads", "--org", "Cli Org", "--filter", "tag=from zoho"], None);
        assert_eq!(String::from_utf8_lossy(&tagged.stdout).lines().count(), 2, "{}", text(&tagged));
        assert!(!text(&ok).contains("--on-duplicate merge"), "no hint without duplicates: {}", text(&ok));
        // Without a terminal, progress is written as lines: rows, rate and time left.
        let progress = String::from_utf8_lossy(&ok.stderr);
        assert!(progress.contains("progress: 1/1 rows (100%)") && progress.contains("ETA 0 s"), "{progress}");
        // The same file again: nothing new, and a hint at merging the skipped rows' people in.
        let again = run(&url, &["import", "leads", &format!("{dir}/zoho_leads.csv"), "--org", "Cli Org"], None);
        assert!(again.status.success(), "{}", text(&again));
        assert!(
            text(&again).contains("created 0") && text(&again).contains("skipped as duplicates 1"),
            "{}",
            text(&again)
        );
        assert!(text(&again).contains("--on-duplicate merge adds them as contacts"), "{}", text(&again));
        let undo_again = run(&url, &["import", "undo", text(&again).split_whitespace().nth(1).unwrap()], None);
        assert!(undo_again.status.success(), "{}", text(&undo_again));
        // Output piped into a reader that stops early ends the command quietly.
        for args in [&["import", "list", "--org", "Cli Org"][..], &["export", "leads", "--org", "Cli Org"]] {
            let cut = crate::cli::run_into_closed_pipe(&url, args);
            assert!(cut.status.success() && cut.stderr.is_empty(), "{args:?}: {}", text(&cut));
        }
        let listed = run(&url, &["import", "list", "--org", "Cli Org"], None);
        let id = text(&ok).split_whitespace().nth(1).unwrap().to_owned();
        assert!(String::from_utf8_lossy(&listed.stdout).contains(&id), "{}", text(&listed));
        let report = run(&url, &["import", "report", &id], None);
        assert!(
            String::from_utf8_lossy(&report.stdout)
                .starts_with("row,outcome,column,value,reason,record_id,record_name")
        );
        // The owner admin@crm.test is not a user here: reported as a warning.
        assert!(
            String::from_utf8_lossy(&report.stdout).contains("warning,Lead Owner,admin@crm.test"),
            "{}",
            text(&report)
        );

        let export = run(&url, &["export", "leads", "--org", "Cli Org", "--filter", "status=attempting"], None);
        assert!(export.status.success(), "{}", text(&export));
        let csv = String::from_utf8_lossy(&export.stdout).into_owned();
        assert!(csv.contains("Sonnenhof Energie GmbH") && csv.contains("+4930901820"), "{csv}");
        let unknown = run(&url, &["export", "leads", "--org", "Cli Org", "--filter", "colour=blue"], None);
        assert!(!unknown.status.success() && text(&unknown).contains("not a filter"), "{}", text(&unknown));
        // An organization may be named in any case, or by its id.
        let listed_orgs = String::from_utf8_lossy(&run(&url, &["org", "list"], None).stdout).into_owned();
        let org_id =
            listed_orgs.lines().find(|l| l.contains("Cli Org")).unwrap().split('\t').next().unwrap().to_owned();
        for org in [org_id.as_str(), "cli org"] {
            let by = run(&url, &["export", "leads", "--org", org, "--filter", "status=attempting"], None);
            assert_eq!(String::from_utf8_lossy(&by.stdout), csv, "--org {org}: {}", text(&by));
        }
        let colon = run(&url, &["export", "leads", "--org", "Cli Org", "--filter", "status:attempting"], None);
        assert_eq!(String::from_utf8_lossy(&colon.stdout), csv, "status:attempting is status=attempting");
        let bad = run(&url, &["export", "leads", "--org", "Cli Org", "--filter", "status=sleeping"], None);
        assert!(!bad.status.success() && text(&bad).contains("status: "), "names what is wrong: {}", text(&bad));
        let nobody = run(&url, &["export", "leads", "--org", "Cli Org", "--filter", "owner=Nobody Here"], None);
        assert!(text(&nobody).contains("no user 'Nobody Here'"), "{}", text(&nobody));
        let none = run(&url, &["export", "leads", "--org", "Cli Org", "--filter", "status=lost"], None);
        assert_eq!(String::from_utf8_lossy(&none.stdout).lines().count(), 1, "only the header");

        // The organization may be named, as for an import; an import of another is none.
        assert!(run(&url, &["org", "create", "Other Org", "--default-region", "DE"], None).status.success());
        let elsewhere = run(&url, &["import", "undo", &id, "--org", "Other Org"], None);
        assert!(!elsewhere.status.success() && text(&elsewhere).contains("no import"), "{}", text(&elsewhere));
        let report = run(&url, &["import", "report", &id, "--org", "Cli Org"], None);
        assert!(report.status.success(), "{}", text(&report));
        let undone = run(&url, &["import", "undo", &id, "--org", "Cli Org"], None);
        assert!(undone.status.success(), "{}", text(&undone));
        assert!(text(&undone).contains("deleted 1"), "{}", text(&undone));
        let after = run(&url, &["export", "leads", "--org", "Cli Org"], None);
        assert_eq!(String::from_utf8_lossy(&after.stdout).lines().count(), 1);
    })
    .await
    .unwrap();
}
