//! Storage: one SQLite and one PostgreSQL implementation behind the same functions.
//!
//! Statements are written once with `$1` placeholders (SQLite accepts them too) and
//! run on either database through [`on_tx!`], which expands a block once per
//! backend. Where the engines differ (full-text search), the store says so with an
//! explicit `match`. Every function takes a [`Tx`]: writes run in one transaction,
//! so nothing is ever half-written.

pub mod activities;
pub mod audit;
pub mod auth;
pub mod bulk;
pub mod calls;
pub mod campaigns;
pub mod contacts;
pub mod idempotency;
pub mod imports;
pub mod leads;
pub mod orgs;
pub mod queue;
pub mod sales;
pub mod search;
pub mod suppressions;
pub mod tasks;

use anyhow::Context;
use chrono::{DateTime, SubsecRound, Utc};
use sqlx::{
    PgPool, Postgres, Sqlite, SqlitePool, Transaction,
    postgres::{PgConnectOptions, PgPoolOptions},
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous},
};
use std::{str::FromStr, time::Duration};

/// A connection pool to one of the supported databases.
#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(SqliteDb),
    Postgres(PgDb),
}

/// PostgreSQL: the pool, whose connections plan each statement for its values, and a
/// few connections that keep generic plans, for the lookups by a unique key that every
/// request makes first (who is asking): their plan never depends on the key, and planning
/// a join anew took ~0.25 ms of each request.
#[derive(Clone, Debug)]
pub struct PgDb {
    pool: PgPool,
    keyed: PgPool,
}

impl PgDb {
    /// The connections that keep generic plans.
    #[must_use]
    pub fn keyed(&self) -> &PgPool {
        &self.keyed
    }
}

impl std::ops::Deref for PgDb {
    type Target = PgPool;
    fn deref(&self) -> &PgPool {
        &self.pool
    }
}

/// SQLite: a pool for reading and one connection for writing. SQLite lets one
/// connection write at a time anyway, and a connection's page cache is dropped whenever
/// another connection writes; with every write on one connection its cache stays warm.
#[derive(Clone, Debug)]
pub struct SqliteDb {
    pool: SqlitePool,
    writer: SqlitePool,
}

impl std::ops::Deref for SqliteDb {
    type Target = SqlitePool;
    fn deref(&self) -> &SqlitePool {
        &self.pool
    }
}

impl SqliteDb {
    /// A background task checkpoints the WAL every second, so that the writer rarely
    /// runs SQLite's automatic checkpoint, which makes the commit that crosses its threshold
    /// wait for the copy and the flush (at the default 1,000 pages, about one request in a
    /// hundred under the dialer's load). It stays on at 10,000 pages (40 MB of log): under a
    /// stream of large writes a checkpoint beside the writer never catches up with it, and
    /// the log would only grow.
    fn new(pool: SqlitePool, writer_cache_mib: u32) -> Self {
        let options = (*pool.connect_options())
            .clone()
            .pragma("cache_size", format!("-{}", u64::from(writer_cache_mib) * 1024))
            .pragma("wal_autocheckpoint", "10000");
        let writer = SqlitePoolOptions::new().max_connections(1).test_before_acquire(false).connect_lazy_with(options);
        checkpoint_in_background(&pool);
        Self { pool, writer }
    }
}

/// Every second, copies what the WAL holds into the database file (a passive checkpoint:
/// it waits for no reader or writer), on a connection of its own, until `pool` closes.
fn checkpoint_in_background(pool: &SqlitePool) {
    let Ok(runtime) = tokio::runtime::Handle::try_current() else { return };
    let pool = pool.clone();
    let own = SqlitePoolOptions::new().max_connections(1).connect_lazy_with((*pool.connect_options()).clone());
    runtime.spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if pool.is_closed() {
                break;
            }
            if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)").execute(&own).await {
                tracing::warn!(error = %e, "checkpointing the SQLite log");
            }
        }
        own.close().await;
    });
}

/// An open transaction on either database.
pub enum Tx {
    Sqlite(SqliteTx),
    Postgres(Transaction<'static, Postgres>),
}

/// A SQLite transaction; a write transaction also holds its database file's write gate.
pub struct SqliteTx {
    tx: Transaction<'static, Sqlite>,
    _gate: Option<tokio::sync::OwnedSemaphorePermit>,
}

impl std::ops::Deref for SqliteTx {
    type Target = Transaction<'static, Sqlite>;
    fn deref(&self) -> &Self::Target {
        &self.tx
    }
}

impl std::ops::DerefMut for SqliteTx {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.tx
    }
}

/// One gate per SQLite file: writers of this process queue here, first come first
/// served, instead of in SQLite's busy handler, whose growing sleeps give long tails
/// under contention.
fn write_gate(pool: &SqlitePool) -> std::sync::Arc<tokio::sync::Semaphore> {
    use std::{
        collections::HashMap,
        path::PathBuf,
        sync::{Arc, LazyLock, Mutex},
    };
    static GATES: LazyLock<Mutex<HashMap<PathBuf, Arc<tokio::sync::Semaphore>>>> = LazyLock::new(Default::default);
    let key = pool.connect_options().get_filename().to_path_buf();
    let mut gates = GATES.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    gates.entry(key).or_insert_with(|| Arc::new(tokio::sync::Semaphore::new(1))).clone()
}

/// Runs `$body` with `$c` bound to the transaction's connection, once per backend.
#[macro_export]
macro_rules! on_tx {
    ($tx:expr, |$c:ident| $body:expr) => {
        match $tx {
            $crate::store::Tx::Sqlite(t) => {
                let $c: &mut sqlx::SqliteConnection = &mut **t;
                $body
            }
            $crate::store::Tx::Postgres(t) => {
                let $c: &mut sqlx::PgConnection = &mut **t;
                $body
            }
        }
    };
}

/// Runs `$body` with `$p` bound to the database's (reading) pool, once per backend: for
/// a single read, which needs no transaction of its own.
#[macro_export]
macro_rules! on_db {
    ($db:expr, |$p:ident| $body:expr) => {
        $crate::on_db!(@pg std::ops::Deref::deref, $db, |$p| $body)
    };
    // `$pg` picks the PostgreSQL pool from a `PgDb`.
    (@pg $pg:path, $db:expr, |$p:ident| $body:expr) => {
        match $db {
            $crate::store::Db::Sqlite(s) => {
                let $p: &sqlx::SqlitePool = &**s;
                $body
            }
            $crate::store::Db::Postgres(pg) => {
                let $p: &sqlx::PgPool = $pg(pg);
                $body
            }
        }
    };
}

/// Like [`on_db!`], for a lookup by a unique key: on PostgreSQL it runs on the
/// connections that keep generic plans ([`PgDb`]).
#[macro_export]
macro_rules! on_keyed {
    ($db:expr, |$p:ident| $body:expr) => {
        $crate::on_db!(@pg $crate::store::PgDb::keyed, $db, |$p| $body)
    };
}

/// The current time as stored: UTC, millisecond precision (so that SQLite's text
/// timestamps sort in time order and round-trip exactly).
#[must_use]
pub fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(3)
}

/// Ends an `… IN (` clause with `ids`, bound, and the closing parenthesis.
pub fn push_ids<DB: sqlx::Database>(q: &mut sqlx::QueryBuilder<DB>, ids: &[uuid::Uuid])
where
    uuid::Uuid: for<'e> sqlx::Encode<'e, DB> + sqlx::Type<DB>,
{
    let mut list = q.separated(", ");
    for id in ids {
        list.push_bind(*id);
    }
    q.push(")");
}

/// A new time-ordered id.
#[must_use]
pub fn new_id() -> uuid::Uuid {
    uuid::Uuid::now_v7()
}

/// A PostgreSQL pool of up to `max` connections. A connection used within the last half
/// minute is not pinged again before use (a round trip per request); one idle for longer
/// is, so that a server restart costs no failed request.
fn pg_pool(max: u32) -> PgPoolOptions {
    PgPoolOptions::new()
        .max_connections(max)
        .test_before_acquire(false)
        .before_acquire(|conn, meta| {
            Box::pin(async move {
                if meta.idle_for > Duration::from_secs(30) {
                    sqlx::Connection::ping(conn).await?;
                }
                Ok(true)
            })
        })
        .acquire_timeout(Duration::from_secs(10))
}

impl Db {
    /// Opens a pool for `url` (`sqlite://path` or `postgres://...`). A SQLite file is
    /// created if missing and runs in WAL mode.
    pub async fn connect(url: &str) -> anyhow::Result<Self> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            // Plan every statement for its actual values: searches by prefix ranges and
            // full text vary by orders of magnitude in selectivity, and a generic plan
            // picked for one of them can be a full scan for another. JIT only slows
            // these short queries down.
            let options = PgConnectOptions::from_str(url)
                .with_context(|| format!("reading the PostgreSQL URL {}", redact(url)))?
                .options([("jit", "off")]);
            let pool = pg_pool(16)
                .connect_with(options.clone().options([("plan_cache_mode", "force_custom_plan")]))
                .await
                .with_context(|| format!("connecting to PostgreSQL at {}", redact(url)))?;
            let keyed = pg_pool(4).connect_lazy_with(options.options([("plan_cache_mode", "force_generic_plan")]));
            Ok(Db::Postgres(PgDb { pool, keyed }))
        } else if url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(url)
                .with_context(|| format!("reading the SQLite URL {url}"))?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10))
                .pragma("cache_size", "-16000");
            // A connection to a local file cannot go away: no ping before each use (on
            // a busy request path every round trip to a connection's thread counts).
            let pool = SqlitePoolOptions::new()
                .max_connections(8)
                .test_before_acquire(false)
                .connect_with(options)
                .await
                .with_context(|| format!("opening the SQLite database {url}"))?;
            Ok(Db::Sqlite(SqliteDb::new(pool, 64)))
        } else {
            anyhow::bail!("unsupported database URL '{}': use sqlite://FILE or postgres://...", redact(url))
        }
    }

    /// Brings the schema up to date.
    pub async fn migrate(&self) -> anyhow::Result<()> {
        match self {
            Db::Sqlite(p) => sqlx::migrate!("./migrations/sqlite").run(&p.pool).await,
            Db::Postgres(p) => sqlx::migrate!("./migrations/postgres").run(&p.pool).await,
        }
        .context("running database migrations")
    }

    /// A transaction for reading.
    pub async fn read(&self) -> anyhow::Result<Tx> {
        Ok(match self {
            Db::Sqlite(p) => Tx::Sqlite(SqliteTx { tx: p.begin().await.context("starting a read")?, _gate: None }),
            Db::Postgres(p) => Tx::Postgres(p.begin().await.context("starting a read")?),
        })
    }

    /// A transaction for writing. On SQLite it takes the write lock up front, so that
    /// concurrent writers wait for each other instead of failing mid-transaction.
    pub async fn write(&self) -> anyhow::Result<Tx> {
        Ok(match self {
            Db::Sqlite(p) => {
                let gate = write_gate(p).acquire_owned().await.context("waiting to write")?;
                let tx = p.writer.begin_with("BEGIN IMMEDIATE").await.context("starting a write")?;
                Tx::Sqlite(SqliteTx { tx, _gate: Some(gate) })
            }
            Db::Postgres(p) => Tx::Postgres(p.begin().await.context("starting a write")?),
        })
    }

    /// The dialer's write transaction that hands out a lead. On PostgreSQL its
    /// statements keep their plans (see [`Plans`]: short, always-alike statements)
    /// and its commit does not wait for the WAL flush: what it writes is a lease and an
    /// offered call, which a crash may lose without harm (the lead is simply free again),
    /// never a call's outcome. Both are set in the same round trip as BEGIN.
    pub async fn write_offer(&self) -> anyhow::Result<Tx> {
        match self {
            Db::Postgres(p) => Ok(Tx::Postgres(
                p.begin_with(
                    "BEGIN; SET LOCAL plan_cache_mode = force_generic_plan; SET LOCAL synchronous_commit = off",
                )
                .await
                .context("starting a write")?,
            )),
            Db::Sqlite(_) => self.write().await,
        }
    }

    /// Answers when the database does.
    pub async fn ping(&self) -> anyhow::Result<()> {
        match self {
            Db::Sqlite(p) => sqlx::query("SELECT 1").execute(&p.pool).await.map(drop),
            Db::Postgres(p) => sqlx::query("SELECT 1").execute(&p.pool).await.map(drop),
        }
        .context("pinging the database")
    }

    /// (connections open, of which idle, maximum).
    #[must_use]
    pub fn pool_stats(&self) -> (u32, usize, u32) {
        match self {
            Db::Sqlite(p) => (p.size(), p.num_idle(), p.options().get_max_connections()),
            Db::Postgres(p) => (p.size(), p.num_idle(), p.options().get_max_connections()),
        }
    }

    /// A pool of one connection for a long run of large writes (an import) on SQLite,
    /// with a page cache of `cache_mib`: one connection keeps its cache warm between
    /// transactions (SQLite drops a connection's cache when another one writes). Its
    /// statement journals (the undo of one multi-row statement) stay in memory instead
    /// of temporary files — measured at 4 GB of writes for 200,000 imported rows — and
    /// the WAL is checkpointed beside it, as for the server's writer. On PostgreSQL,
    /// the same pool.
    pub async fn dedicated_writer(&self, cache_mib: u32) -> anyhow::Result<Db> {
        match self {
            Db::Sqlite(pool) => {
                let options = (*pool.connect_options())
                    .clone()
                    .pragma("cache_size", format!("-{}", u64::from(cache_mib) * 1024))
                    .pragma("temp_store", "memory")
                    .pragma("wal_autocheckpoint", "10000");
                let single = SqlitePoolOptions::new()
                    .max_connections(1)
                    .connect_with(options)
                    .await
                    .context("opening a connection for the import")?;
                Ok(Db::Sqlite(SqliteDb { pool: single.clone(), writer: single }))
            }
            Db::Postgres(_) => Ok(self.clone()),
        }
    }

    #[must_use]
    pub fn backend(&self) -> &'static str {
        match self {
            Db::Sqlite(_) => "sqlite",
            Db::Postgres(_) => "postgres",
        }
    }

    pub async fn close(&self) {
        match self {
            Db::Sqlite(p) => {
                p.writer.close().await;
                p.pool.close().await;
            }
            Db::Postgres(p) => {
                p.keyed.close().await;
                p.pool.close().await;
            }
        }
    }
}

/// How PostgreSQL plans the rest of a transaction's statements. The pool's connections
/// plan for each execution's values (see `docs/architecture.md`, "Plans on PostgreSQL"),
/// and so, under them, do the foreign-key checks and cascades each written or deleted row
/// runs; a transaction that writes many rows by key chooses generic plans.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plans {
    /// Planned for each execution's values (searches and filters need that).
    Custom,
    /// Kept once made: the queue's statements and each row's foreign-key checks are the
    /// same index probes every time, and planning them each time costs more than running them.
    Generic,
}

impl Plans {
    /// Sets how the rest of the transaction on `c` plans its statements.
    pub async fn set(self, c: &mut sqlx::PgConnection) -> anyhow::Result<()> {
        let sql = match self {
            Plans::Custom => "SET LOCAL plan_cache_mode = force_custom_plan",
            Plans::Generic => "SET LOCAL plan_cache_mode = force_generic_plan",
        };
        sqlx::query(sql).execute(c).await.context("choosing the plan mode")?;
        Ok(())
    }
}

impl Tx {
    /// PostgreSQL: sets how the rest of this transaction's statements are planned.
    pub async fn plans(&mut self, plans: Plans) -> anyhow::Result<()> {
        if let Tx::Postgres(t) = self {
            plans.set(t).await?;
        }
        Ok(())
    }

    pub async fn commit(self) -> anyhow::Result<()> {
        match self {
            Tx::Sqlite(t) => t.tx.commit().await,
            Tx::Postgres(t) => t.commit().await,
        }
        .context("committing")
    }
}

/// The URL with any password replaced, for messages and logs.
#[must_use]
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// True when `e` is a unique-constraint violation.
#[must_use]
pub fn is_unique_violation(e: &anyhow::Error) -> bool {
    e.downcast_ref::<sqlx::Error>().and_then(sqlx::Error::as_database_error).is_some_and(|d| d.is_unique_violation())
}

#[cfg(test)]
mod tests {
    #[test]
    fn redacts_passwords() {
        assert_eq!(super::redact("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(super::redact("sqlite://x.db"), "sqlite://x.db");
    }
}
