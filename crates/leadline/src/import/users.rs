//! Importing users and teams: name, e-mail, role, team and manager. Imported users
//! have no password until an admin sets one; teams are created by name.

use super::undo::Undone;
use super::{
    Issue, OnDuplicate,
    columns::Columns,
    engine::{Job, Progress, issue_rows},
    others::{Outcome, Row, Writer, drive},
};
use crate::store::imports::Change;
use crate::store::{self, Db, Tx, auth::User, imports::Counts};
use chrono::{DateTime, Utc};
use leadline_domain::{Role, mapping, text};
use serde::{Deserialize, Serialize};
use std::{
    collections::{HashMap, HashSet},
    sync::Arc,
};
use uuid::Uuid;

/// Marks a password that never matches: the user signs in once an admin sets one.
pub const NO_PASSWORD: &str = "!imported";

pub struct NewUser {
    line: u64,
    name: String,
    email: String,
    role: Option<Role>,
    team: Option<String>,
    manager: Option<(String, String)>,
    active: Option<bool>,
}

/// The fields an import may change, kept for undo.
#[derive(Serialize, Deserialize, sqlx::FromRow)]
struct UserState {
    name: String,
    role: String,
    team_id: Option<Uuid>,
    manager_id: Option<Uuid>,
    /// Absent in changes recorded before imports could deactivate users.
    #[serde(default = "active_by_default")]
    active: bool,
}

fn active_by_default() -> bool {
    true
}

struct UserWriter {
    /// Users of the organization by lower-cased e-mail and name.
    known: HashMap<String, Uuid>,
    created: HashSet<Uuid>,
    /// Managers not known when their report's row was written: a later row may add them.
    pending: Vec<PendingManager>,
    /// What the last row could not change.
    warnings: Vec<Issue>,
}

struct PendingManager {
    user: Uuid,
    line: u64,
    column: String,
    manager: String,
}

const NO_MANAGER: &str = "is not a user of this organization; no manager was set";

/// Reads the role names other CRMs use.
pub fn parse_role(v: &str) -> Result<Role, leadline_domain::Invalid> {
    Role::parse(v).or_else(|e| {
        let key = leadline_domain::search::terms(v).join(" ");
        Ok(match key.as_str() {
            "administrator" | "system administrator" | "owner" | "super admin" => Role::Admin,
            "sales manager" | "team lead" | "team leader" | "head of sales" | "sales director" | "supervisor" => {
                Role::Manager
            }
            "sales rep"
            | "sdr"
            | "bdr"
            | "inside sales"
            | "inside sales rep"
            | "rep"
            | "agent"
            | "user"
            | "standard user"
            | "sales user"
            | "inside sales representative" => Role::InsideRep,
            "field sales" | "account executive" | "ae" | "outside sales" | "field rep" | "field sales rep" => {
                Role::FieldRep
            }
            _ => return role_by_words(&key).ok_or(e),
        })
    })
}

/// A role from the words of a job title or a CRM's role hierarchy ("Western Sales
/// Manager", "Field Sales Representative", "Marketing Admin"): the most powerful role
/// a word names.
fn role_by_words(key: &str) -> Option<Role> {
    let words: Vec<&str> = key.split(' ').collect();
    let any = |list: &[&str]| words.iter().any(|w| list.contains(w));
    // An account manager or executive looks after accounts of their own, managing nobody.
    if key.contains("account manager") {
        return Some(Role::InsideRep);
    }
    if any(&["admin", "administrator", "sysadmin"]) {
        Some(Role::Admin)
    } else if any(&[
        "manager",
        "director",
        "head",
        "leader",
        "supervisor",
        "vp",
        "chief",
        "ceo",
        "cro",
        "coo",
        "president",
        "coach",
    ]) || key.contains("team lead")
    {
        Some(Role::Manager)
    } else if any(&["field", "outside", "territory"]) || key.contains("account executive") {
        Some(Role::FieldRep)
    } else if any(&[
        "rep",
        "representative",
        "sdr",
        "bdr",
        "agent",
        "user",
        "inside",
        "caller",
        "telesales",
        "telemarketer",
        "telemarketing",
        "setter",
        "appointment",
        "seller",
        "salesperson",
        "associate",
        "specialist",
        "consultant",
    ]) {
        Some(Role::InsideRep)
    } else {
        None
    }
}

pub async fn run(db: &Db, job: &Job, progress: &Arc<Progress>) -> anyhow::Result<u64> {
    let mut tx = db.read().await?;
    let users = store::auth::users_in_org(&mut tx, job.org.id).await?;
    drop(tx);
    let mut known = HashMap::new();
    for u in &users {
        known.insert(u.email.to_lowercase(), u.id);
        known.entry(u.name.to_lowercase()).or_insert(u.id);
    }
    let mut writer = UserWriter { known, created: HashSet::new(), pending: Vec::new(), warnings: Vec::new() };
    let columns = job.columns.clone();
    let rows = drive(db, job, progress, move |line, rec| prepare(&columns, line, rec), &mut writer).await?;
    writer.set_pending_managers(db, job, rows).await?;
    Ok(rows)
}

impl UserWriter {
    /// Gives users the managers that came in later rows of the file, and reports the
    /// managers that never came.
    async fn set_pending_managers(&mut self, db: &Db, job: &Job, rows: u64) -> anyhow::Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let now = store::now();
        // `update` may replace a manager the user already has; `merge` only fills an empty one.
        let replace = matches!(job.options.on_duplicate, OnDuplicate::Update);
        let mut counts = Counts::default();
        let mut report = Vec::new();
        let mut tx = db.write().await?;
        for p in std::mem::take(&mut self.pending) {
            match self.known.get(&p.manager.to_lowercase()).copied().filter(|m| *m != p.user) {
                Some(manager) => {
                    crate::on_tx!(&mut tx, |c| sqlx::query(
                        "UPDATE users SET manager_id = $1 WHERE id = $2 AND ($3 OR manager_id IS NULL)"
                    )
                    .bind(manager)
                    .bind(p.user)
                    .bind(replace)
                    .execute(c)
                    .await
                    .map(drop))?;
                }
                None => {
                    counts.warnings += 1;
                    let issue = Issue::new(Some(&p.column), Some(&p.manager), NO_MANAGER);
                    report.extend(issue_rows(p.line, "warning", &[issue], Some(p.user)));
                }
            }
        }
        store::imports::add_rows(&mut tx, job.id, &report).await?;
        store::imports::progress(&mut tx, job.id, i64::try_from(rows).unwrap_or(i64::MAX), &counts, now).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Whether a user is active, as CRMs' user exports say it ("Active", "TRUE",
/// "Deactivated", "Suspended").
fn parse_active(v: &str) -> Option<bool> {
    match leadline_domain::search::terms(v).join(" ").as_str() {
        "active" | "enabled" | "activated" | "aktiv" | "aktiivinen" | "invited" | "pending" | "unconfirmed" | "new" => {
            Some(true)
        }
        "inactive" | "deactivated" | "disabled" | "suspended" | "frozen" | "locked" | "blocked" | "archived"
        | "deleted" | "inaktiv" | "deaktiviert" | "passiivinen" => Some(false),
        _ => super::leads::parse_flag(v),
    }
}

impl super::others::Shown for NewUser {
    fn shown(&self) -> serde_json::Map<String, serde_json::Value> {
        super::others::shown_fields([
            ("name", Some(self.name.clone())),
            ("email", Some(self.email.clone())),
            ("role", self.role.map(|r| r.as_str().to_owned())),
            ("team", self.team.clone()),
            ("manager", self.manager.as_ref().map(|(_, m)| m.clone())),
            ("active", self.active.map(|a| if a { "yes" } else { "no" }.to_owned())),
        ])
    }
}

pub(crate) fn prepare(cols: &Columns, line: u64, rec: &csv::ByteRecord) -> Row<NewUser> {
    let mut issues = Vec::new();
    let line_of = |f: &str| cols.first(rec, f).and_then(|(_, v)| text::optional_line(Some(&v), 200).ok().flatten());
    let name = line_of("name").or_else(|| {
        let joined = [line_of("first_name"), line_of("last_name")].into_iter().flatten().collect::<Vec<_>>().join(" ");
        (!joined.is_empty()).then_some(joined)
    });
    if name.is_none() {
        issues.push(Issue::new(None, Some(""), "the row has no name"));
    }
    let email = match cols.first(rec, "email") {
        Some((col, v)) => {
            super::leads::parse_email(&v).map_err(|e| issues.push(Issue::new(Some(col), Some(&v), e.to_string()))).ok()
        }
        None => {
            issues.push(Issue::new(None, Some(""), "the row has no e-mail address"));
            None
        }
    };
    // The first role column that names a role (a CRM may export its role hierarchy
    // beside its permission profile, or only a job title), unless a role or profile column
    // makes the user an administrator or a manager (Salesforce's Profile "System
    // Administrator" beside the Role "CEO", "Standard User" beside "VP of Sales"). A role
    // that is no role refuses the row; a job title that names none ("Sales Operations")
    // leaves the default role.
    let mut unknown = None;
    let mut untold = None;
    let mut roles = Vec::new();
    for (col, v) in cols.all(rec, "role") {
        let job_title = matches!(mapping::header_key(col).as_str(), "title" | "jobtitle" | "position" | "designation");
        let slot = if job_title { &mut untold } else { &mut unknown };
        if let Ok(role) =
            parse_role(&v).map_err(|e| slot.get_or_insert_with(|| Issue::new(Some(col), Some(&v), e.to_string())))
        {
            roles.push((role, job_title));
        }
    }
    let role = [Role::Admin, Role::Manager]
        .into_iter()
        .find(|&high| roles.contains(&(high, false)))
        .or_else(|| roles.first().map(|&(role, _)| role));
    if role.is_none() {
        issues.extend(unknown);
    }
    let mut warnings = Vec::new();
    if role.is_none()
        && let Some(mut title) = untold
    {
        title.reason =
            "names no role of Leadline's; the user is an inside rep unless the file says otherwise".to_owned();
        warnings.push(title);
    }
    // An organizational unit's path ("/Sales/Inside") names the team last.
    let team = line_of("team").and_then(|t| match t.strip_prefix('/') {
        Some(path) => path.rsplit('/').map(str::trim).find(|s| !s.is_empty()).map(str::to_owned),
        None => Some(t),
    });
    let manager = cols.first(rec, "manager").map(|(col, v)| (col.to_owned(), v.trim().to_owned()));
    let active = cols.first(rec, "active").and_then(|(col, v)| {
        parse_active(&v).or_else(|| {
            warnings.push(Issue::new(Some(col), Some(&v), "is not active or inactive; it was not used"));
            None
        })
    });
    let result = match (name, email) {
        (Some(name), Some(email)) if issues.is_empty() => {
            Ok((NewUser { line, name, email: email.into_inner(), role, team, manager, active }, warnings))
        }
        _ => Err(issues),
    };
    Row { line, result }
}

impl Writer for UserWriter {
    type Item = NewUser;

    async fn write(&mut self, tx: &mut Tx, job: &Job, u: NewUser, now: DateTime<Utc>) -> anyhow::Result<Outcome> {
        let org = job.org.id;
        let manager_id = u.manager.as_ref().and_then(|(_, m)| self.known.get(&m.to_lowercase()).copied());
        let team_id = match &u.team {
            Some(t) => Some(store::sales::team_named(tx, org, t, Some(job.id)).await?.0),
            None => None,
        };
        let existing = store::auth::user_by_email(tx, &u.email).await?;
        let outcome = match existing {
            Some((user, _)) if user.org_id != org => {
                return Ok(Outcome::Rejected(vec![Issue::new(
                    None,
                    Some(&u.email),
                    "this e-mail address belongs to a user of another organization",
                )]));
            }
            Some((user, _)) => {
                let reason = format!("same e-mail {}", u.email);
                let update = match job.options.on_duplicate {
                    OnDuplicate::Skip => {
                        return Ok(Outcome::Duplicate(user.id, format!("{reason}: skipped as a duplicate")));
                    }
                    OnDuplicate::Update => true,
                    OnDuplicate::Merge => false,
                };
                let before: UserState = crate::on_tx!(tx, |c| sqlx::query_as(
                    "SELECT name, role, team_id, manager_id, active FROM users WHERE id = $1"
                )
                .bind(user.id)
                .fetch_one(c)
                .await)?;
                let mut after = UserState {
                    name: if update { u.name.clone() } else { before.name.clone() },
                    role: match u.role {
                        Some(r) if update => r.as_str().to_owned(),
                        _ => before.role.clone(),
                    },
                    active: if update { u.active.unwrap_or(before.active) } else { before.active },
                    team_id: if update { team_id.or(before.team_id) } else { before.team_id.or(team_id) },
                    manager_id: if update {
                        manager_id.or(before.manager_id)
                    } else {
                        before.manager_id.or(manager_id)
                    },
                };
                // The file may not take the importing admin's rights or access away.
                if Some(user.id) == job.importer && (after.role != before.role || !after.active) {
                    self.warnings.push(Issue::new(
                        None,
                        Some(&u.email),
                        "is you: your own role and access were left as they are",
                    ));
                    after.role.clone_from(&before.role);
                    after.active = before.active;
                }
                save_state(tx, user.id, &after, now).await?;
                if !after.active && before.active {
                    store::auth::delete_user_sessions(tx, user.id).await?;
                }
                if !self.created.contains(&user.id) {
                    store::imports::record_change(
                        tx,
                        job.id,
                        "user",
                        user.id,
                        &serde_json::to_value(&before)?,
                        Some(&serde_json::to_value(&after)?),
                        now,
                    )
                    .await?;
                }
                if update {
                    Outcome::Updated(user.id, format!("{reason}: updated the user"))
                } else {
                    Outcome::Merged(user.id, format!("{reason}: merged into the user"))
                }
            }
            None => {
                let role = u.role.unwrap_or(Role::InsideRep);
                let user = User {
                    id: store::new_id(),
                    org_id: org,
                    email: u.email.clone(),
                    name: u.name.clone(),
                    role,
                    active: u.active.unwrap_or(true),
                    team_id,
                    manager_id,
                    created_at: now,
                };
                store::auth::insert_user(tx, &user, NO_PASSWORD).await?;
                let state = UserState {
                    name: u.name.clone(),
                    role: role.as_str().to_owned(),
                    team_id,
                    manager_id,
                    active: user.active,
                };
                save_state(tx, user.id, &state, now).await?;
                crate::on_tx!(tx, |c| sqlx::query("UPDATE users SET import_id = $1 WHERE id = $2")
                    .bind(job.id)
                    .bind(user.id)
                    .execute(c)
                    .await
                    .map(drop))?;
                self.created.insert(user.id);
                self.known.insert(u.email.to_lowercase(), user.id);
                self.known.entry(u.name.to_lowercase()).or_insert(user.id);
                Outcome::Created(user.id)
            }
        };
        if let (Some(team), Some(role), Outcome::Created(id) | Outcome::Updated(id, _) | Outcome::Merged(id, _)) =
            (team_id, u.role, &outcome)
            && role == Role::Manager
        {
            store::sales::set_team_manager_if_none(tx, team, *id).await?;
        }
        // A manager not known yet may come in a later row; set (or reported) at the end.
        if let (
            Some((column, manager)),
            None,
            Outcome::Created(id) | Outcome::Updated(id, _) | Outcome::Merged(id, _),
        ) = (&u.manager, manager_id, &outcome)
        {
            self.pending.push(PendingManager {
                user: *id,
                line: u.line,
                column: column.clone(),
                manager: manager.clone(),
            });
        }
        Ok(outcome)
    }

    fn take_warnings(&mut self) -> Vec<Issue> {
        std::mem::take(&mut self.warnings)
    }
}

async fn save_state(tx: &mut Tx, id: Uuid, s: &UserState, now: DateTime<Utc>) -> anyhow::Result<()> {
    crate::on_tx!(tx, |c| {
        sqlx::query(
        "UPDATE users SET name = $1, role = $2, team_id = $3, manager_id = $4, active = $5, updated_at = $6 WHERE id = $7"
    )
    .bind(&s.name)
    .bind(&s.role)
    .bind(s.team_id)
    .bind(s.manager_id)
    .bind(s.active)
    .bind(now)
    .bind(id)
    .execute(c)
    .await
    .map(drop)
    })?;
    Ok(())
}

/// Whether a user already owns leads or did work, so that undo deactivates rather than deletes.
pub async fn has_work(tx: &mut Tx, id: Uuid) -> anyhow::Result<bool> {
    let n: i64 = crate::on_tx!(tx, |c| sqlx::query_scalar(
        "SELECT (SELECT COUNT(*) FROM (SELECT 1 FROM leads WHERE owner_id = $1 OR created_by = $1 LIMIT 1) a)
              + (SELECT COUNT(*) FROM (SELECT 1 FROM activities WHERE user_id = $1 LIMIT 1) b)
              + (SELECT COUNT(*) FROM (SELECT 1 FROM opportunities WHERE owner_id = $1 LIMIT 1) o)
              + (SELECT COUNT(*) FROM (SELECT 1 FROM users WHERE manager_id = $1 LIMIT 1) m)"
    )
    .bind(id)
    .fetch_one(c)
    .await)?;
    Ok(n > 0)
}

/// Puts a user back as they were, unless edited since the import.
pub async fn restore(tx: &mut Tx, _org: Uuid, id: Uuid, change: &Change) -> anyhow::Result<Undone> {
    let Some(updated_at) = super::others::updated_at(tx, "user", id).await? else { return Ok(Undone::gone()) };
    let current: UserState = crate::on_tx!(tx, |c| sqlx::query_as(
        "SELECT name, role, team_id, manager_id, active FROM users WHERE id = $1"
    )
    .bind(id)
    .fetch_one(c)
    .await)?;
    let (state, undone): (UserState, Undone) = super::undo::three_way_record(&current, change, updated_at)?;
    if undone.changed {
        save_state(tx, id, &state, store::now()).await?;
    }
    Ok(undone)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_are_read_from_the_titles_crms_use() {
        let role = |v: &str| parse_role(v).map(Role::as_str).unwrap_or("-");
        for (title, expected) in [
            ("admin", "admin"),
            ("System Administrator", "admin"),
            ("Marketing Admin", "admin"),
            ("Western Sales Manager", "manager"),
            ("VP Sales", "manager"),
            ("Team Lead - Outbound", "manager"),
            ("Western Sales Rep", "inside_rep"),
            ("Sales Development Representative", "inside_rep"),
            ("Lead Generation Rep", "inside_rep"),
            ("Account Manager", "inside_rep"),
            ("Senior Account Executive", "field_rep"),
            ("Field Sales Representative", "field_rep"),
            ("CEO", "manager"),
            ("Standard User", "inside_rep"),
            ("Appointment Setter", "inside_rep"),
            ("Telemarketer", "inside_rep"),
            ("Gardener", "-"),
        ] {
            assert_eq!(role(title), expected, "{title}");
        }
    }
}
