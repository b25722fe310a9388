//! The do-not-call list: numbers added by hand, by a do-not-call disposition or from an
//! imported registry file; removed by admins only, with an audit entry.

use super::{
    Actor, AppError,
    audit::{self, Subject},
};
use crate::store::{self, Db, suppressions::Suppression};
use leadline_domain::{Phone, Region, text};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::io::BufRead;
use utoipa::ToSchema;

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct NewSuppression {
    /// Any format; read with the organization's region when it has no country code.
    pub number: Option<String>,
    pub reason: Option<String>,
}

/// A registry import's counts.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct RegistryImport {
    pub lines: u64,
    pub added: u64,
    /// Numbers already on the list (or repeated in the file).
    pub already_listed: u64,
    /// Lines that hold no phone number.
    pub rejected: u64,
}

impl RegistryImport {
    /// "2 lines: 1 number added, 0 already listed, 1 line without a number".
    #[must_use]
    pub fn summary(&self) -> String {
        let n = |count: u64, one: &str, many: &str| format!("{count} {}", if count == 1 { one } else { many });
        format!(
            "{}: {} added, {} already listed, {} without a number",
            n(self.lines, "line", "lines"),
            n(self.added, "number", "numbers"),
            self.already_listed,
            n(self.rejected, "line", "lines"),
        )
    }
}

fn region(actor: &Actor) -> Option<Region> {
    Region::parse(&actor.org.default_region).ok()
}

fn subject(actor: &Actor) -> Subject<'static> {
    Subject { entity_type: "suppression", entity_id: actor.org_id(), lead_id: None }
}

pub async fn add(db: &Db, actor: &Actor, input: NewSuppression) -> Result<Suppression, AppError> {
    let raw = input.number.as_deref().unwrap_or("");
    let phone = Phone::parse(raw, region(actor), None).map_err(|e| AppError::field("number", e.0))?;
    let reason = text::optional_line(input.reason.as_deref(), 200).map_err(|e| AppError::field("reason", e.0))?;
    let s = Suppression {
        number: phone.e164().to_owned(),
        source: "manual".into(),
        reason,
        added_by: Some(actor.user.id),
        created_at: store::now(),
    };
    let mut tx = db.write().await?;
    if store::suppressions::add(&mut tx, actor.org_id(), &s).await? {
        audit::record(
            &mut tx,
            actor,
            subject(actor),
            "create",
            None,
            json!({"number": s.number, "reason": s.reason}).as_object(),
        )
        .await?;
    }
    let stored = store::suppressions::find(&mut tx, actor.org_id(), &s.number).await?.unwrap_or(s);
    tx.commit().await?;
    Ok(stored)
}

/// Removes a number (admins only, audited).
pub async fn remove(db: &Db, actor: &Actor, raw: &str) -> Result<Suppression, AppError> {
    if !actor.user.role.manages_users() {
        return Err(AppError::Forbidden("only admins can remove numbers from the do-not-call list".into()));
    }
    let phone = Phone::parse(raw, region(actor), None).map_err(|e| AppError::field("number", e.0))?;
    let mut tx = db.write().await?;
    let removed = store::suppressions::remove(&mut tx, actor.org_id(), phone.e164())
        .await?
        .ok_or(AppError::NotFound("suppressed number"))?;
    audit::record(
        &mut tx,
        actor,
        subject(actor),
        "delete",
        json!({"number": removed.number, "source": removed.source, "reason": removed.reason}).as_object(),
        None,
    )
    .await?;
    tx.commit().await?;
    Ok(removed)
}

/// The entry for a number, if it is listed.
pub async fn find(db: &Db, actor: &Actor, raw: &str) -> Result<Option<Suppression>, AppError> {
    let phone = Phone::parse(raw, region(actor), None).map_err(|e| AppError::field("number", e.0))?;
    let mut tx = db.read().await?;
    let s = store::suppressions::find(&mut tx, actor.org_id(), phone.e164()).await?;
    tx.commit().await?;
    Ok(s)
}

pub async fn page(db: &Db, actor: &Actor, after: Option<&str>, limit: i64) -> Result<Vec<Suppression>, AppError> {
    let after = after.and_then(store::suppressions::key);
    let mut tx = db.read().await?;
    let items = store::suppressions::page(&mut tx, actor.org_id(), after, limit.clamp(1, 1000)).await?;
    tx.commit().await?;
    Ok(items)
}

/// Reads one line of a registry file: the first field with a phone number in it.
#[must_use]
pub fn registry_number(line: &str, region: Option<Region>) -> Option<i64> {
    let fields = || line.split([',', ';', '\t']).map(|f| f.trim().trim_matches('"').trim());
    // The US National Do Not Call Registry's flat files give the area code and the
    // seven-digit number apart: "201,5550123".
    let mut first = fields();
    if let (Some(area), Some(number)) = (first.next(), first.next())
        && area.len() == 3
        && number.len() == 7
        && area.chars().chain(number.chars()).all(|c| c.is_ascii_digit())
        && !area.starts_with(['0', '1'])
        && !number.starts_with(['0', '1'])
    {
        return format!("1{area}{number}").parse().ok();
    }
    fields().find_map(|field| {
        let digits: String = field.chars().filter(char::is_ascii_digit).collect();
        if digits.len() < 5 {
            return None;
        }
        // Fast path for numbers already in international form ("+49 (0)30 …" keeps its
        // trunk prefix in brackets: the parser drops it).
        let intl =
            field.strip_prefix('+').map(|_| digits.as_str()).or_else(|| field.strip_prefix("00").map(|_| &digits[2..]));
        let plain = field.chars().all(|c| c.is_ascii_digit() || " +-.".contains(c))
            || (intl.is_none() && field.chars().all(|c| c.is_ascii_digit() || " +-().".contains(c)));
        if let Some(d) = intl
            && (8..=15).contains(&d.len())
            && plain
            && !d.starts_with('0')
        {
            return d.parse().ok();
        }
        // Fast path for North American numbers (the US and Canadian registries): ten
        // digits, or eleven starting with the trunk prefix 1, area code and exchange not
        // starting with 0 or 1.
        if intl.is_none() && plain && region.and_then(|r| r.calling_code()) == Some(1) {
            let national = match digits.len() {
                10 => Some(digits.as_str()),
                11 if digits.starts_with('1') => Some(&digits[1..]),
                _ => None,
            };
            if let Some(n) = national
                && !n.starts_with(['0', '1'])
                && !n[3..].starts_with(['0', '1'])
            {
                return format!("1{n}").parse().ok();
            }
        }
        Phone::parse(field, region, None).ok().and_then(|p| p.digits().parse().ok())
    })
}

/// Imports a registry file (one number per line, or CSV), in batches.
pub async fn import(db: &Db, actor: &Actor, reader: impl BufRead, source: &str) -> Result<RegistryImport, AppError> {
    if !actor.user.role.deletes_leads() {
        return Err(AppError::Forbidden("only managers and admins can import a do-not-call registry".into()));
    }
    let region = region(actor);
    let mut counts = RegistryImport::default();
    let mut batch: Vec<i64> = Vec::with_capacity(100_000);
    let now = store::now();
    for line in reader.split(b'\n') {
        let line = line.map_err(|e| AppError::field("file", format!("could not be read: {e}")))?;
        let text = String::from_utf8_lossy(&line);
        if text.trim().is_empty() {
            continue;
        }
        counts.lines += 1;
        match registry_number(&text, region) {
            Some(n) => batch.push(n),
            None => counts.rejected += 1,
        }
        if batch.len() >= 100_000 {
            store_batch(db, actor, &mut batch, source, now, &mut counts).await?;
        }
    }
    store_batch(db, actor, &mut batch, source, now, &mut counts).await?;
    let mut tx = db.write().await?;
    if counts.added >= 10_000
        && let store::Tx::Postgres(t) = &mut tx
    {
        // Fresh planner statistics after a bulk load (campaigns join leads against the list).
        sqlx::query("ANALYZE suppressions").execute(&mut **t).await.map_err(anyhow::Error::from)?;
    }
    audit::record(
        &mut tx,
        actor,
        subject(actor),
        "import",
        None,
        json!({"source": source, "lines": counts.lines, "added": counts.added, "rejected": counts.rejected})
            .as_object(),
    )
    .await?;
    tx.commit().await?;
    Ok(counts)
}

async fn store_batch(
    db: &Db,
    actor: &Actor,
    batch: &mut Vec<i64>,
    source: &str,
    now: chrono::DateTime<chrono::Utc>,
    counts: &mut RegistryImport,
) -> Result<(), AppError> {
    if batch.is_empty() {
        return Ok(());
    }
    let total = batch.len() as u64;
    batch.sort_unstable();
    batch.dedup();
    let mut tx = db.write().await?;
    let added = store::suppressions::add_many(&mut tx, actor.org_id(), batch, source, Some(actor.user.id), now).await?;
    tx.commit().await?;
    counts.added += added;
    counts.already_listed += total - added;
    batch.clear();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_lines_in_any_format() {
        let us = Region::parse("US").ok();
        assert_eq!(registry_number("+1 206-555-0100", us), Some(12_065_550_100));
        assert_eq!(registry_number("(206) 555-0100", us), Some(12_065_550_100));
        assert_eq!(registry_number("0044 20 7946 0018", us), Some(442_079_460_018));
        assert_eq!(registry_number("\"Smith\",\"+358 40 123 4567\"", us), Some(358_401_234_567));
        assert_eq!(registry_number("phone", us), None);
        assert_eq!(registry_number("1-206-555-0100", us), Some(12_065_550_100));
        assert_eq!(registry_number("2065550100", us), Some(12_065_550_100));
        assert_eq!(registry_number("(106) 555-0100", us), None);
        assert_eq!(registry_number("+49 (0)30 1234567", us), Some(49_301_234_567));
        assert_eq!(registry_number("+49 151 33218456", us), Some(4_915_133_218_456));
        // The US registry's flat file: area code, then the number, whatever the region.
        assert_eq!(registry_number("201,5550123", None), Some(12_015_550_123));
        assert_eq!(registry_number("\"201\",\"5550123\"", Region::parse("DE").ok()), Some(12_015_550_123));
        assert_eq!(registry_number("7,2065550100", us), Some(12_065_550_100), "an id, then the number");
    }
}
