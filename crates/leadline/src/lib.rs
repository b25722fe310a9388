//! Leadline: an inside-sales platform in one binary.
//!
//! Layers: [`leadline_domain`] holds the rules without I/O; [`store`] keeps data in
//! SQLite or PostgreSQL; [`app`] is what users can do, shared by the API, the web
//! pages and the CLI; [`web`] serves HTTP; [`cli`] is the command line.

pub mod app;
pub mod bench;
pub mod bench_dialer;
pub mod bench_import;
pub mod cli;
pub mod clock;
pub mod demo;
pub mod import;
pub mod store;
pub mod suppression_cli;
pub mod telemetry;
pub mod web;
