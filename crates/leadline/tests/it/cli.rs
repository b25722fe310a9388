//! The command line: org, user and token commands with clear errors.

use crate::harness::{Backend, TestDb};
use std::{
    io::Write,
    process::{Command, Output, Stdio},
};

crate::on_both!(administer_from_the_command_line);

/// `leadline serve` answers, then stops cleanly on SIGTERM.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_stops_gracefully_on_sigterm() {
    let db = TestDb::new(Backend::Sqlite).await;
    let url = db.url.clone();
    tokio::task::spawn_blocking(move || {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = Command::new(env!("CARGO_BIN_EXE_leadline"))
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .env("LEADLINE_DATABASE_URL", &url)
            .env("LEADLINE_LOG", "info")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        loop {
            if let Ok(res) = ureq::get(&format!("http://127.0.0.1:{port}/healthz")).call() {
                assert_eq!(res.status(), 200);
                break;
            }
            assert!(std::time::Instant::now() < deadline, "server did not start");
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        let killed = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
        assert!(killed.success());
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "exit status {:?}: {}", out.status, String::from_utf8_lossy(&out.stderr));
        assert!(String::from_utf8_lossy(&out.stderr).contains("shutting down"));
    })
    .await
    .unwrap();
}

/// The command `leadline ARGS` on the database at `url`, its output read here.
fn leadline(url: &str, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_leadline"));
    command
        .args(args)
        .env("LEADLINE_DATABASE_URL", url)
        .env("LEADLINE_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

pub fn run(url: &str, args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = leadline(url, args).spawn().expect("run leadline");
    if let Some(input) = stdin {
        child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    } else {
        drop(child.stdin.take());
    }
    child.wait_with_output().unwrap()
}

/// Runs the command with its standard output read by nobody (`leadline … | head` once
/// `head` has read enough).
pub fn run_into_closed_pipe(url: &str, args: &[&str]) -> Output {
    let mut child = leadline(url, args).stdin(Stdio::null()).spawn().expect("run leadline");
    drop(child.stdout.take());
    child.wait_with_output().unwrap()
}

pub fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

async fn administer_from_the_command_line(b: Backend) {
    let db = TestDb::new(b).await;
    let url = db.url.clone();
    tokio::task::spawn_blocking(move || {
        let ok = run(
            &url,
            &["org", "create", "Kärkkäinen Oy", "--default-region", "FI", "--time-zone", "Europe/Helsinki"],
            None,
        );
        assert!(ok.status.success(), "{}", text(&ok));
        assert!(text(&ok).contains("Kärkkäinen Oy"));
        let dup = run(&url, &["org", "create", "kärkkäinen oy"], None);
        assert!(!dup.status.success());
        assert!(text(&dup).contains("already exists"), "{}", text(&dup));
        let bad = run(&url, &["org", "create", "X", "--default-region", "QQ"], None);
        assert!(!bad.status.success());
        assert!(text(&bad).contains("default-region"), "{}", text(&bad));

        let args = [
            "user",
            "create",
            "--org",
            "Kärkkäinen Oy",
            "--email",
            "Vaino@Karkkainen.test",
            "--name",
            "Väinö",
            "--role",
            "admin",
            "--password-stdin",
        ];
        let created = run(&url, &args, Some("a-strong-password\n"));
        assert!(created.status.success(), "{}", text(&created));
        let dup = run(&url, &args, Some("a-strong-password\n"));
        assert!(!dup.status.success());
        assert!(text(&dup).contains("already exists"), "{}", text(&dup));
        let weak = run(
            &url,
            &[
                "user",
                "create",
                "--org",
                "Kärkkäinen Oy",
                "--email",
                "b@k.test",
                "--name",
                "B",
                "--role",
                "inside_rep",
                "--password-stdin",
            ],
            Some("short\n"),
        );
        assert!(!weak.status.success());
        assert!(text(&weak).contains("password") && text(&weak).contains("10 characters"), "{}", text(&weak));
        let no_org = run(
            &url,
            &[
                "user",
                "create",
                "--org",
                "Nope",
                "--email",
                "c@k.test",
                "--name",
                "C",
                "--role",
                "admin",
                "--password-stdin",
            ],
            Some("a-strong-password\n"),
        );
        assert!(!no_org.status.success());
        assert!(text(&no_org).contains("no organization named 'Nope'"), "{}", text(&no_org));
        let bad_role = run(
            &url,
            &[
                "user",
                "create",
                "--org",
                "Kärkkäinen Oy",
                "--email",
                "d@k.test",
                "--name",
                "D",
                "--role",
                "owner",
                "--password-stdin",
            ],
            Some("a-strong-password\n"),
        );
        assert!(!bad_role.status.success());
        assert!(text(&bad_role).contains("role"), "{}", text(&bad_role));

        let list = run(&url, &["user", "list", "--org", "Kärkkäinen Oy"], None);
        assert!(list.status.success());
        assert!(String::from_utf8_lossy(&list.stdout).contains("vaino@karkkainen.test"));
        assert!(String::from_utf8_lossy(&list.stdout).contains("admin"));

        let token = run(&url, &["token", "create", "--email", "vaino@karkkainen.test", "--name", "script"], None);
        assert!(token.status.success(), "{}", text(&token));
        let out = String::from_utf8_lossy(&token.stdout).to_string();
        let last = out.lines().last().unwrap().trim().to_owned();
        assert!(last.starts_with("ll_") && !last.contains(' '), "token alone on the last line: {out:?}");
        let unknown = run(&url, &["token", "create", "--email", "ghost@k.test"], None);
        assert!(!unknown.status.success());
        assert!(text(&unknown).contains("no such user"), "{}", text(&unknown));
        let migrate = run(&url, &["migrate"], None);
        assert!(migrate.status.success(), "{}", text(&migrate));
        // A password reset from the server's command line (an admin who cannot sign in).
        let reset = ["user", "set-password", "--email", "VAINO@karkkainen.test", "--password-stdin"];
        let weak = run(&url, &reset, Some("short\n"));
        assert!(!weak.status.success() && text(&weak).contains("10 characters"), "{}", text(&weak));
        let ok = run(&url, &reset, Some("another-strong-password\n"));
        assert!(ok.status.success(), "{}", text(&ok));
        let ghost = run(
            &url,
            &["user", "set-password", "--email", "ghost@k.test", "--password-stdin"],
            Some("a-strong-password\n"),
        );
        assert!(!ghost.status.success() && text(&ghost).contains("no user with the e-mail"), "{}", text(&ghost));
        last
    })
    .await
    .unwrap();
    let now = chrono::Utc::now();
    assert!(leadline::app::auth::login(&db.db, "vaino@karkkainen.test", "another-strong-password", now).await.is_ok());
    assert!(leadline::app::auth::login(&db.db, "vaino@karkkainen.test", "a-strong-password", now).await.is_err());
}
