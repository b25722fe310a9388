//! The call queue: one `campaign_leads` row per lead of a campaign.
//!
//! A row's `tier` says what it waits for (callback, first call, retry) or why it is
//! out (done, attempts used up, suppressed, left the campaign); `rank` orders a tier
//! and `ready_at` (milliseconds) is when it may be handed out again (retry due, lease
//! expired). Leads are grouped by where the callee is (`call_groups`: zones, country,
//! region) so that the server only looks at groups whose calling window is open: one
//! index probe per open group, whatever the size of the campaign.

use super::{
    Plans, Tx,
    search::{Binds, Engine, LeadQuery, plan, push_query},
};
use crate::on_tx;
use anyhow::Context;
use chrono::{DateTime, Utc};
use sqlx::{Database, QueryBuilder};
use uuid::Uuid;

/// What a queue row waits for, or why it is out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tier {
    Callback = 0,
    Fresh = 1,
    Retry = 2,
    Done = 5,
    Exhausted = 6,
    Suppressed = 7,
    Left = 8,
}

impl Tier {
    #[must_use]
    pub fn from_i32(v: i32) -> Self {
        match v {
            0 => Tier::Callback,
            1 => Tier::Fresh,
            2 => Tier::Retry,
            5 => Tier::Done,
            6 => Tier::Exhausted,
            7 => Tier::Suppressed,
            _ => Tier::Left,
        }
    }

    #[must_use]
    pub fn as_i32(self) -> i32 {
        self as i32
    }
}

/// Rank of a never-attempted lead: higher score first, then older first.
const SCORE_SHIFT: i64 = 1 << 41;

/// A group of callees in the same place.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Group {
    pub id: i64,
    /// Comma-separated IANA zones ('' when unknown).
    pub zones: String,
    pub country: String,
    pub region: String,
}

/// One queue row.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Entry {
    pub lead_id: Uuid,
    pub group_id: i64,
    pub tier: i32,
    pub rank: i64,
    pub ready_at: i64,
    pub attempts: i32,
    pub leased_by: Option<Uuid>,
    pub leased_call: Option<Uuid>,
    pub callback_user: Option<Uuid>,
    pub last_disposition: Option<String>,
}

fn rank_sql(engine: Engine) -> &'static str {
    match engine {
        Engine::Sqlite => {
            "(1000000 - MAX(MIN(l.score, 999999), -999999)) * 2199023255552 \
             + CAST((julianday(l.created_at) - 2440587.5) * 86400000 AS INTEGER)"
        }
        Engine::Postgres => {
            "(1000000 - GREATEST(LEAST(l.score, 999999), -999999))::BIGINT * 2199023255552 \
             + (EXTRACT(EPOCH FROM l.created_at) * 1000)::BIGINT"
        }
    }
}

/// The columns a lead joining a queue fills.
macro_rules! enqueued {
    () => {
        "campaign_id, lead_id, group_id, tier, rank, ready_at"
    };
}

fn push_enqueue<'a, DB>(q: &mut QueryBuilder<DB>, query: &'a LeadQuery, campaign: Uuid, engine: Engine, table: &str)
where
    DB: Database,
    Uuid: Binds<'a, DB>,
    String: Binds<'a, DB>,
    DateTime<Utc>: Binds<'a, DB>,
{
    q.push(format!("INSERT INTO {table} ({}) ", enqueued!()));
    q.push("SELECT ").push_bind(campaign);
    // A few leads (those changed since the last catch-up) are checked for a number to
    // call as they join; a whole list is checked afterwards by `suppress_unreachable`.
    let tier = if query.updated_from.is_some() {
        format!("CASE WHEN {} THEN 7 ELSE 1 END", unreachable_sql("l.id"))
    } else {
        "1".to_owned()
    };
    let select = format!(
        ", l.id, (SELECT g.id FROM call_groups g WHERE g.zones = l.time_zones AND g.country = COALESCE(l.country, '') \
         AND g.region = COALESCE(l.region, '')), {tier}, {}, 0",
        rank_sql(engine)
    );
    // push_query writes `SELECT <select> FROM ...`; the leading SELECT above carries the
    // campaign id, so the second one is folded into a derived table.
    q.push(" AS campaign_id, m.* FROM (");
    push_query(q, query, &plan(query, engine), &select[2..]);
    q.push(") m WHERE true ON CONFLICT ");
    // At catch-up, a lead that left the queue because it stopped matching the filter and
    // matches it again comes back: as never attempted if it was not, else due for a retry.
    if query.updated_from.is_some() {
        q.push(format!(
            "(campaign_id, lead_id) DO UPDATE SET group_id = excluded.group_id, callback_user = NULL, {}
             WHERE campaign_leads.tier = 8",
            come_back("excluded.tier = 7", "excluded.rank")
        ));
    } else {
        q.push("DO NOTHING");
    }
}

fn push_groups<'a, DB>(q: &mut QueryBuilder<DB>, query: &'a LeadQuery, engine: Engine)
where
    DB: Database,
    Uuid: Binds<'a, DB>,
    String: Binds<'a, DB>,
    DateTime<Utc>: Binds<'a, DB>,
{
    q.push("INSERT INTO call_groups (zones, country, region) SELECT DISTINCT * FROM (");
    push_query(
        q,
        query,
        &plan(query, engine),
        "l.time_zones AS zones, COALESCE(l.country, '') AS country, COALESCE(l.region, '') AS region",
    );
    q.push(") m WHERE true ON CONFLICT DO NOTHING");
}

/// Adds the leads matching `query` to the campaign's queue (leads already in it are left
/// as they are, but for those that had left it, which come back at catch-up). Returns how
/// many were added.
pub async fn enqueue(tx: &mut Tx, campaign: Uuid, query: &LeadQuery) -> anyhow::Result<u64> {
    let added = match tx {
        Tx::Sqlite(t) => {
            let mut q = QueryBuilder::new("");
            push_groups(&mut q, query, Engine::Sqlite);
            q.build().execute(&mut ***t).await.context("recording call groups")?;
            let mut q = QueryBuilder::new("");
            push_enqueue(&mut q, query, campaign, Engine::Sqlite, "campaign_leads");
            q.build().execute(&mut ***t).await.context("filling the call queue")?.rows_affected()
        }
        Tx::Postgres(t) => {
            let mut q = QueryBuilder::new("");
            push_groups(&mut q, query, Engine::Postgres);
            q.build().execute(&mut **t).await.context("recording call groups")?;
            if query.updated_from.is_some() {
                let mut q = QueryBuilder::new("");
                push_enqueue(&mut q, query, campaign, Engine::Postgres, "campaign_leads");
                q.build().execute(&mut **t).await.context("filling the call queue")?.rows_affected()
            } else {
                // A whole list is chosen into a temporary table (the filter planned for its
                // values), then copied into the queue with generic plans: each row's
                // foreign-key checks, planned anew per row under custom plans, took two
                // thirds of the time.
                sqlx::query(concat!(
                    "CREATE TEMP TABLE campaign_fill AS SELECT ",
                    enqueued!(),
                    " FROM campaign_leads WITH NO DATA"
                ))
                .execute(&mut **t)
                .await
                .context("filling the call queue")?;
                let mut q = QueryBuilder::new("");
                push_enqueue(&mut q, query, campaign, Engine::Postgres, "campaign_fill");
                q.build().execute(&mut **t).await.context("filling the call queue")?;
                Plans::Generic.set(t).await?;
                let added = sqlx::query(concat!(
                    "INSERT INTO campaign_leads (",
                    enqueued!(),
                    ") SELECT ",
                    enqueued!(),
                    " FROM campaign_fill ON CONFLICT DO NOTHING"
                ))
                .execute(&mut **t)
                .await
                .context("filling the call queue")?
                .rows_affected();
                Plans::Custom.set(t).await?;
                sqlx::query("DROP TABLE campaign_fill").execute(&mut **t).await.context("filling the call queue")?;
                added
            }
        }
    };
    if added > 0 && query.updated_from.is_none() {
        suppress_unreachable(tx, campaign, query.org).await?;
    }
    if added > 0 {
        on_tx!(tx, |c| sqlx::query(
            "INSERT INTO campaign_groups (campaign_id, group_id)
             SELECT DISTINCT $1, group_id FROM campaign_leads WHERE campaign_id = $1 ON CONFLICT DO NOTHING"
        )
        .bind(campaign)
        .execute(c)
        .await
        .map(drop))
        .context("recording the campaign's call groups")?;
        forget_groups(campaign);
    }
    Ok(added)
}

/// Groups of callees per campaign, read again after a few seconds or when this process
/// adds leads (a group added by another process is seen at the latest then).
type GroupCache = std::collections::HashMap<Uuid, (std::time::Instant, Vec<Group>)>;
static GROUPS: std::sync::LazyLock<std::sync::Mutex<GroupCache>> = std::sync::LazyLock::new(Default::default);

/// The groups of callees in a campaign (cached for up to 10 seconds).
pub async fn groups(tx: &mut Tx, campaign: Uuid) -> anyhow::Result<Vec<Group>> {
    let fresh = |(at, _): &(std::time::Instant, Vec<Group>)| at.elapsed() < std::time::Duration::from_secs(10);
    if let Some((_, g)) =
        GROUPS.lock().unwrap_or_else(std::sync::PoisonError::into_inner).get(&campaign).filter(|e| fresh(e))
    {
        return Ok(g.clone());
    }
    let g = read_groups(tx, campaign).await?;
    GROUPS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .insert(campaign, (std::time::Instant::now(), g.clone()));
    Ok(g)
}

fn forget_groups(campaign: Uuid) {
    GROUPS.lock().unwrap_or_else(std::sync::PoisonError::into_inner).remove(&campaign);
    forget_hopper(campaign);
}

/// Never-attempted leads of a campaign's open groups, read ahead best first: one probe
/// of the queue serves many `next` requests (a dialer's "hopper"). The order stays
/// exact: every group that may hold more rows than were read keeps at least one row in
/// the hopper, and the hopper is read again once such a group runs out. Rows are only
/// candidates — the lease checks each one in the database — so a hopper that is a few
/// seconds old (another process leased some of its rows) costs a failed lease, never a
/// lead held twice.
struct Hopper {
    /// The clock (milliseconds) when it was filled; it is read again after [`HOPPER_TTL_MS`]
    /// on that clock or on the wall clock (the clock can be fixed for tests and demos).
    filled_ms: i64,
    filled: std::time::Instant,
    open: Vec<i64>,
    /// (rank, lead, group), best last.
    rows: Vec<(i64, Uuid, i64)>,
    /// Rows left of each group that answered a full batch.
    left: std::collections::HashMap<i64, usize>,
    /// A full group ran out: read again.
    stale: bool,
}

static HOPPERS: std::sync::LazyLock<std::sync::Mutex<std::collections::HashMap<Uuid, Hopper>>> =
    std::sync::LazyLock::new(Default::default);

/// Rows read per open group.
const HOPPER_PER_GROUP: u32 = 16;
/// How long a hopper is trusted.
const HOPPER_TTL_MS: i64 = 5_000;

fn hoppers() -> std::sync::MutexGuard<'static, std::collections::HashMap<Uuid, Hopper>> {
    HOPPERS.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Drops a campaign's hopper (leads joined, or a lead was given back).
pub fn forget_hopper(campaign: Uuid) {
    hoppers().remove(&campaign);
}

/// Up to `n` never-attempted leads of the open groups, best first, from the hopper
/// (filled when needed). Rows stay in the hopper until [`taken`] removes them. An empty
/// hopper is read again: "nothing left" is always the database's answer.
pub async fn fresh(tx: &mut Tx, campaign: Uuid, open: &[i64], now_ms: i64, n: usize) -> anyhow::Result<Vec<Uuid>> {
    let peek = |h: &Hopper| h.rows.iter().rev().take(n).map(|(_, id, _)| *id).collect::<Vec<_>>();
    if let Some(h) = hoppers().get(&campaign)
        && !h.stale
        && !h.rows.is_empty()
        && h.open == open
        && (0..HOPPER_TTL_MS).contains(&(now_ms - h.filled_ms))
        && h.filled.elapsed().as_millis() < u128::from(HOPPER_TTL_MS.unsigned_abs())
    {
        return Ok(peek(h));
    }
    let mut rows = candidates_in_groups(tx, campaign, open, Tier::Fresh, now_ms, HOPPER_PER_GROUP).await?;
    let mut counts = std::collections::HashMap::<i64, usize>::new();
    for (_, _, g) in &rows {
        *counts.entry(*g).or_default() += 1;
    }
    counts.retain(|_, c| *c >= HOPPER_PER_GROUP as usize);
    rows.sort_by_key(|r| std::cmp::Reverse((r.0, r.1)));
    let h = Hopper {
        filled_ms: now_ms,
        filled: std::time::Instant::now(),
        open: open.to_vec(),
        rows,
        left: counts,
        stale: false,
    };
    let out = peek(&h);
    hoppers().insert(campaign, h);
    Ok(out)
}

/// Removes leads from the campaign's hopper (leased now, or found taken).
pub fn taken(campaign: Uuid, leads: &[Uuid]) {
    let mut all = hoppers();
    let Some(h) = all.get_mut(&campaign) else { return };
    h.rows.retain(|(_, id, group)| {
        if !leads.contains(id) {
            return true;
        }
        if let Some(left) = h.left.get_mut(group) {
            *left -= 1;
            if *left == 0 {
                h.stale = true;
            }
        }
        false
    });
}

async fn read_groups(tx: &mut Tx, campaign: Uuid) -> anyhow::Result<Vec<Group>> {
    on_tx!(tx, |c| sqlx::query_as(
        "SELECT g.id, g.zones, g.country, g.region FROM campaign_groups cg JOIN call_groups g ON g.id = cg.group_id
         WHERE cg.campaign_id = $1 ORDER BY g.id"
    )
    .bind(campaign)
    .fetch_all(c)
    .await)
    .context("loading call groups")
}

/// The group for a place, created when new.
pub async fn group_for(tx: &mut Tx, zones: &str, country: &str, region: &str) -> anyhow::Result<i64> {
    on_tx!(tx, |c| sqlx::query(
        "INSERT INTO call_groups (zones, country, region) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING"
    )
    .bind(zones)
    .bind(country)
    .bind(region)
    .execute(&mut *c)
    .await
    .map(drop))
    .context("recording a call group")?;
    on_tx!(tx, |c| sqlx::query_scalar("SELECT id FROM call_groups WHERE zones = $1 AND country = $2 AND region = $3")
        .bind(zones)
        .bind(country)
        .bind(region)
        .fetch_one(c)
        .await)
    .context("finding a call group")
}

/// Candidates of one tier in the open groups, up to `per_group` from each, best first.
/// For retries only those due by `now`.
pub async fn candidates(
    tx: &mut Tx,
    campaign: Uuid,
    groups: &[i64],
    tier: Tier,
    now_ms: i64,
    per_group: u32,
) -> anyhow::Result<Vec<(Uuid, i64)>> {
    let mut rows: Vec<(Uuid, i64)> = candidates_in_groups(tx, campaign, groups, tier, now_ms, per_group)
        .await?
        .into_iter()
        .map(|(rank, id, _)| (id, rank))
        .collect();
    rows.sort_by_key(|(id, rank)| (*rank, *id));
    Ok(rows)
}

/// (rank, lead, group) of the candidates of one tier, up to `per_group` from each group.
async fn candidates_in_groups(
    tx: &mut Tx,
    campaign: Uuid,
    groups: &[i64],
    tier: Tier,
    now_ms: i64,
    per_group: u32,
) -> anyhow::Result<Vec<(i64, Uuid, i64)>> {
    if groups.is_empty() {
        return Ok(Vec::new());
    }
    match tx {
        // One index probe per open group.
        Tx::Sqlite(t) => {
            let mut q = QueryBuilder::<sqlx::Sqlite>::new("");
            for (i, g) in groups.iter().enumerate() {
                if i > 0 {
                    q.push(" UNION ALL ");
                }
                q.push("SELECT * FROM (SELECT rank, lead_id, group_id FROM campaign_leads WHERE campaign_id = ")
                    .push_bind(campaign)
                    .push(" AND group_id = ")
                    .push_bind(*g)
                    .push(" AND tier = ")
                    .push_bind(tier.as_i32());
                if tier == Tier::Retry {
                    q.push(" AND rank <= ").push_bind(now_ms);
                }
                q.push(" AND ready_at <= ").push_bind(now_ms);
                q.push(format!(" ORDER BY rank LIMIT {per_group}) x{i}"));
            }
            q.build_query_as().fetch_all(&mut ***t).await
        }
        // One statement text whatever the number of open groups, so that each
        // connection plans it once (a union's text, and its plan, changes with it).
        Tx::Postgres(t) => {
            let retry = if tier == Tier::Retry { " AND rank <= $4" } else { "" };
            let sql = sqlx::AssertSqlSafe(format!(
                "SELECT x.rank, x.lead_id, x.group_id FROM unnest($2::bigint[]) AS g(id) CROSS JOIN LATERAL \
                 (SELECT rank, lead_id, group_id FROM campaign_leads WHERE campaign_id = $1 AND group_id = g.id \
                 AND tier = $3 AND ready_at <= $4{retry} ORDER BY rank LIMIT $5) x"
            ));
            sqlx::query_as(sql)
                .bind(campaign)
                .bind(groups)
                .bind(tier.as_i32())
                .bind(now_ms)
                .bind(i64::from(per_group))
                .fetch_all(&mut **t)
                .await
        }
    }
    .context("finding callable leads")
}

/// A rep's callbacks that are due, earliest first.
pub async fn due_callbacks(
    tx: &mut Tx,
    campaign: Uuid,
    user: Uuid,
    now_ms: i64,
    limit: i64,
) -> anyhow::Result<Vec<(Uuid, i64)>> {
    on_tx!(tx, |c| sqlx::query_as(
        "SELECT lead_id, rank FROM campaign_leads WHERE campaign_id = $1 AND callback_user = $2 AND tier = 0
         AND rank <= $3 AND ready_at <= $3 ORDER BY rank LIMIT $4"
    )
    .bind(campaign)
    .bind(user)
    .bind(now_ms)
    .bind(limit)
    .fetch_all(c)
    .await)
    .context("finding due callbacks")
}

/// A lead leased by [`lease_first`].
pub struct Leased {
    pub entry: Entry,
    /// The lead's own row (without contacts and tags), when it came in the same
    /// statement as the lease (PostgreSQL: one round trip fewer for the dialer).
    pub lead: Option<super::leads::Lead>,
}

#[derive(sqlx::FromRow)]
struct LeasedRow {
    #[sqlx(flatten)]
    entry: Entry,
    #[sqlx(flatten)]
    lead: super::leads::LeadRow,
}

/// Leases the first of `candidates` (in order) that is still free to `user` for the
/// call `call` until `until_ms`. Concurrent callers never get the same lead: on SQLite
/// the write transaction is exclusive; on PostgreSQL the row is locked with `SKIP
/// LOCKED` and the conditions are checked again on the locked row.
pub async fn lease_first(
    tx: &mut Tx,
    campaign: Uuid,
    candidates: &[Uuid],
    user: Uuid,
    call: Uuid,
    now_ms: i64,
    until_ms: i64,
) -> anyhow::Result<Option<Leased>> {
    if candidates.is_empty() {
        return Ok(None);
    }
    match tx {
        Tx::Sqlite(t) => {
            for lead in candidates {
                let done: Option<Entry> = sqlx::query_as(
                    "UPDATE campaign_leads SET leased_by = $1, leased_call = $2, ready_at = $3
                     WHERE campaign_id = $4 AND lead_id = $5 AND ready_at <= $6 AND tier IN (0, 1, 2)
                     AND (tier <> 0 OR callback_user = $1)
                     RETURNING lead_id, group_id, tier, rank, ready_at, attempts, leased_by, leased_call, callback_user,
                        last_disposition",
                )
                .bind(user)
                .bind(call)
                .bind(until_ms)
                .bind(campaign)
                .bind(lead)
                .bind(now_ms)
                .fetch_optional(&mut ***t)
                .await
                .context("leasing a lead")?;
                if let Some(entry) = done {
                    return Ok(Some(Leased { entry, lead: None }));
                }
            }
            Ok(None)
        }
        Tx::Postgres(t) => {
            let sql = sqlx::AssertSqlSafe(format!(
                "WITH leased AS (
                    UPDATE campaign_leads SET leased_by = $1, leased_call = $2, ready_at = $3
                    WHERE campaign_id = $4 AND lead_id = (
                        SELECT lead_id FROM campaign_leads WHERE campaign_id = $4 AND lead_id = ANY($5)
                        AND ready_at <= $6 AND tier IN (0, 1, 2) AND (tier <> 0 OR callback_user = $1)
                        ORDER BY array_position($5, lead_id) LIMIT 1 FOR UPDATE SKIP LOCKED)
                    AND ready_at <= $6
                    RETURNING lead_id, group_id, tier, rank, ready_at, attempts, leased_by, leased_call, callback_user,
                        last_disposition)
                 SELECT leased.*, {} FROM leased JOIN leads l ON l.id = leased.lead_id LEFT JOIN users o ON o.id = l.owner_id",
                super::leads::LEAD_COLUMNS
            ));
            let row: Option<LeasedRow> = sqlx::query_as(sql)
                .bind(user)
                .bind(call)
                .bind(until_ms)
                .bind(campaign)
                .bind(candidates)
                .bind(now_ms)
                .fetch_optional(&mut **t)
                .await
                .context("leasing a lead")?;
            Ok(row.map(|r| Leased { entry: r.entry, lead: Some(r.lead.into_lead()) }))
        }
    }
}

pub async fn entry(tx: &mut Tx, campaign: Uuid, lead: Uuid) -> anyhow::Result<Option<Entry>> {
    on_tx!(tx, |c| sqlx::query_as(
        "SELECT lead_id, group_id, tier, rank, ready_at, attempts, leased_by, leased_call, callback_user, last_disposition
         FROM campaign_leads WHERE campaign_id = $1 AND lead_id = $2"
    )
    .bind(campaign)
    .bind(lead)
    .fetch_optional(c)
    .await)
    .context("loading a queue entry")
}

/// Moves a lead within the queue (and ends any lease on it).
pub async fn place(
    tx: &mut Tx,
    campaign: Uuid,
    lead: Uuid,
    tier: Tier,
    rank: i64,
    ready_at: i64,
    callback_user: Option<Uuid>,
) -> anyhow::Result<()> {
    move_lead(tx, campaign, lead, None, (tier, rank, ready_at, callback_user)).await
}

/// Records an attempt's outcome and moves the lead to `(tier, rank, ready_at,
/// callback rep)`, ending its lease, in one statement.
pub async fn place_after_attempt(
    tx: &mut Tx,
    campaign: Uuid,
    lead: Uuid,
    disposition: &str,
    (tier, rank, ready_at, callback_user): (Tier, i64, i64, Option<Uuid>),
) -> anyhow::Result<()> {
    move_lead(tx, campaign, lead, Some(disposition), (tier, rank, ready_at, callback_user)).await
}

/// Moves the lead to `(tier, rank, ready_at, callback rep)` and ends its lease; with
/// an outcome, also counts the attempt and records the outcome.
async fn move_lead(
    tx: &mut Tx,
    campaign: Uuid,
    lead: Uuid,
    outcome: Option<&str>,
    (tier, rank, ready_at, callback_user): (Tier, i64, i64, Option<Uuid>),
) -> anyhow::Result<()> {
    on_tx!(tx, |c| sqlx::query(
        "UPDATE campaign_leads SET attempts = attempts + $1, last_disposition = COALESCE($2, last_disposition),
            tier = $3, rank = $4, ready_at = $5, callback_user = $6, leased_by = NULL, leased_call = NULL
         WHERE campaign_id = $7 AND lead_id = $8"
    )
    .bind(i32::from(outcome.is_some()))
    .bind(outcome)
    .bind(tier.as_i32())
    .bind(rank)
    .bind(ready_at)
    .bind(callback_user)
    .bind(campaign)
    .bind(lead)
    .execute(c)
    .await
    .map(drop))
    .context("moving a lead in the queue")
}

/// Records an attempt's outcome on the queue row.
pub async fn record_attempt(tx: &mut Tx, campaign: Uuid, lead: Uuid, disposition: &str) -> anyhow::Result<i32> {
    on_tx!(tx, |c| sqlx::query_scalar(
        "UPDATE campaign_leads SET attempts = attempts + 1, last_disposition = $1
         WHERE campaign_id = $2 AND lead_id = $3 RETURNING attempts"
    )
    .bind(disposition)
    .bind(campaign)
    .bind(lead)
    .fetch_optional(c)
    .await)
    .map(Option::unwrap_or_default)
    .context("recording an attempt")
}

/// Ends the lease of `call` (skip, session end) and makes the lead available at `ready_at`.
pub async fn release(tx: &mut Tx, campaign: Uuid, lead: Uuid, call: Uuid, ready_at: i64) -> anyhow::Result<()> {
    // The lead may come before what the hopper holds.
    forget_hopper(campaign);
    on_tx!(tx, |c| sqlx::query(
        "UPDATE campaign_leads SET leased_by = NULL, leased_call = NULL, ready_at = $1
         WHERE campaign_id = $2 AND lead_id = $3 AND leased_call = $4"
    )
    .bind(ready_at)
    .bind(campaign)
    .bind(lead)
    .bind(call)
    .execute(c)
    .await
    .map(drop))
    .context("releasing a lead")
}

/// SQL that is true when the lead `lead` (a column) has phone numbers and none can be
/// called: each is on its organization's do-not-call list or its contact said do not call.
fn unreachable_sql(lead: &str) -> String {
    format!(
        "(SELECT MIN(CASE WHEN c.do_not_call OR EXISTS (SELECT 1 FROM suppressions s WHERE s.org_id = c.org_id \
         AND s.number = CAST(p.digits AS BIGINT)) THEN 1 ELSE 0 END) \
         FROM contacts c JOIN contact_phones p ON p.contact_id = c.id WHERE c.lead_id = {lead}) = 1"
    )
}

/// Leads of a campaign's queue with nothing to call are marked suppressed, so that its
/// counts are right from the start and reps do not pass over them. Only leads with a
/// listed number or a do-not-call contact are looked at: the organization's numbers are
/// read once against the list, not lead by lead.
async fn suppress_unreachable(tx: &mut Tx, campaign: Uuid, org: Uuid) -> anyhow::Result<u64> {
    let sql = sqlx::AssertSqlSafe(format!(
        "UPDATE campaign_leads SET tier = 7 WHERE campaign_id = $1 AND tier = 1 AND leased_call IS NULL
         AND lead_id IN (SELECT k.lead_id FROM (
            SELECT p.lead_id FROM contact_phones p WHERE p.org_id = $2
            AND EXISTS (SELECT 1 FROM suppressions s WHERE s.org_id = p.org_id AND s.number = CAST(p.digits AS BIGINT))
            UNION SELECT c.lead_id FROM contacts c WHERE c.org_id = $2 AND c.do_not_call) k
          WHERE {})",
        unreachable_sql("k.lead_id")
    ));
    on_tx!(tx, |c| sqlx::query(sql).bind(campaign).bind(org).execute(c).await.map(|r| r.rows_affected()))
        .context("marking leads with nothing to call")
}

/// A number was added to the do-not-call list: the leads with that number that have
/// no other number to call leave every call queue they wait in (a lead a rep holds
/// right now is checked when it comes up again).
pub async fn suppress_number(tx: &mut Tx, org: Uuid, digits: &str) -> anyhow::Result<u64> {
    let sql = sqlx::AssertSqlSafe(format!(
        "UPDATE campaign_leads SET tier = 7 WHERE tier IN (0, 1, 2) AND leased_call IS NULL
         AND lead_id IN (SELECT lead_id FROM contact_phones WHERE org_id = $1 AND digits = $2) AND {}",
        unreachable_sql("campaign_leads.lead_id")
    ));
    on_tx!(tx, |c| sqlx::query(sql).bind(org).bind(digits).execute(c).await.map(|r| r.rows_affected()))
        .context("taking a suppressed number out of call queues")
}

/// A number came off the do-not-call list: leads that were out of a queue only for want
/// of a number to call come back — never attempted as they were, attempted ones as due for
/// a retry (their attempts still count). A lead whose contact said "do not call" on a call
/// of that campaign stays out. Returns the campaigns whose queues changed.
pub async fn unsuppress_number(tx: &mut Tx, org: Uuid, digits: &str) -> anyhow::Result<Vec<Uuid>> {
    let sql = sqlx::AssertSqlSafe(bring_back_sql(
        "lead_id IN (SELECT lead_id FROM contact_phones WHERE org_id = $1 AND digits = $2)",
    ));
    let campaigns = on_tx!(tx, |c| sqlx::query_scalar(sql).bind(org).bind(digits).fetch_all(c).await)
        .context("returning leads to call queues")?;
    Ok(brought_back(campaigns))
}

/// A lead's contacts changed (a contact no longer "do not call", a number added): where it
/// was out of a queue for want of a number to call and now has one, it comes back as
/// [`unsuppress_number`] brings leads back. Returns the campaigns whose queues changed.
pub async fn recheck_lead(tx: &mut Tx, lead: Uuid) -> anyhow::Result<Vec<Uuid>> {
    let sql = sqlx::AssertSqlSafe(bring_back_sql("lead_id = $1"));
    let campaigns = on_tx!(tx, |c| sqlx::query_scalar(sql).bind(lead).fetch_all(c).await)
        .context("returning a lead to call queues")?;
    Ok(brought_back(campaigns))
}

/// Returns the suppressed rows of the leads `which` selects that have a number to call now.
fn bring_back_sql(which: &str) -> String {
    format!(
        "UPDATE campaign_leads SET {}
         WHERE tier = 7 AND COALESCE(last_disposition, '') <> 'do_not_call' AND {which} AND NOT {}
         RETURNING campaign_id",
        come_back("false", "campaign_leads.rank"),
        unreachable_sql("campaign_leads.lead_id")
    )
}

/// The assignments that put a `campaign_leads` row back in its queue, free and due now:
/// never attempted as a first call ranked `fresh_rank`, else as a retry; suppressed instead
/// when `unreachable` (SQL) holds.
fn come_back(unreachable: &str, fresh_rank: &str) -> String {
    format!(
        "tier = CASE WHEN {unreachable} THEN 7 WHEN campaign_leads.attempts = 0 THEN 1 ELSE 2 END,
         rank = CASE WHEN campaign_leads.attempts = 0 THEN {fresh_rank} ELSE 0 END,
         ready_at = 0, leased_by = NULL, leased_call = NULL"
    )
}

/// The campaigns leads came back to, once each; their hoppers are read again.
fn brought_back(mut campaigns: Vec<Uuid>) -> Vec<Uuid> {
    campaigns.sort_unstable();
    campaigns.dedup();
    for c in &campaigns {
        forget_hopper(*c);
    }
    campaigns
}

/// Counts per group and tier: (group, tier, leads, ready now, earliest `ready_at` of those not ready).
pub async fn counts(
    tx: &mut Tx,
    campaign: Uuid,
    now_ms: i64,
) -> anyhow::Result<Vec<(i64, i32, i64, i64, Option<i64>)>> {
    on_tx!(tx, |c| sqlx::query_as(
        "SELECT group_id, tier, COUNT(*),
            SUM(CASE WHEN ready_at <= $2 AND (tier <> 2 OR rank <= $2) AND tier <> 0 THEN 1 ELSE 0 END),
            MIN(CASE WHEN tier = 2 AND rank > $2 THEN rank WHEN ready_at > $2 THEN ready_at END)
         FROM campaign_leads WHERE campaign_id = $1 GROUP BY group_id, tier"
    )
    .bind(campaign)
    .bind(now_ms)
    .fetch_all(c)
    .await)
    .context("counting the call queue")
}

/// A campaign's queue rows for one lead's memberships (for the lead page).
pub async fn campaigns_of_lead(tx: &mut Tx, lead: Uuid) -> anyhow::Result<Vec<(Uuid, i32)>> {
    on_tx!(tx, |c| sqlx::query_as("SELECT campaign_id, tier FROM campaign_leads WHERE lead_id = $1")
        .bind(lead)
        .fetch_all(c)
        .await)
    .context("loading a lead's campaigns")
}

/// Rank for a lead that has never been attempted.
#[must_use]
pub fn fresh_rank(score: i64, created_at: DateTime<Utc>) -> i64 {
    (1_000_000 - score.clamp(-999_999, 999_999)) * SCORE_SHIFT + created_at.timestamp_millis()
}
