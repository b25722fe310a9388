//! Structured logs via `tracing`, filtered by `LEADLINE_LOG` (or `RUST_LOG`);
//! `LEADLINE_LOG_FORMAT=json` writes one JSON object per line.

use tracing_subscriber::EnvFilter;

/// Starts logging. A server reports slow statements; a command (an import, an export)
/// reads whole tables on purpose and would only repeat that its reads take long.
pub fn init(server: bool) {
    let default = if server { "info,sqlx=warn" } else { "info,sqlx=warn,sqlx::query=error" };
    let filter =
        std::env::var("LEADLINE_LOG").or_else(|_| std::env::var("RUST_LOG")).unwrap_or_else(|_| default.to_owned());
    let filter = EnvFilter::try_new(&filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let json = std::env::var("LEADLINE_LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("json"));
    let _ = if json { builder.json().try_init() } else { builder.try_init() };
}
