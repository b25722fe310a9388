//! Integration tests: the real router against a fresh database per test, each test
//! once on SQLite and once on PostgreSQL (`LEADLINE_TEST_POSTGRES_URL`).

pub mod harness;

mod audit;
pub mod auth;
pub mod browser;
pub mod calling;
pub mod cli;
mod demo;
mod dialer_load;
mod import_cli;
mod imports;
mod isolation;
mod leads;
mod openapi;
mod operate;
mod roles;
mod search;
