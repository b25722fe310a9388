//! The import report as CSV: every refused, matched, changed or warned row.

use crate::store::{Db, imports};
use uuid::Uuid;

/// The report's header line.
pub const HEADER: &str = "row,outcome,column,value,reason,record_id,record_name\n";

/// Quotes a CSV field when it needs it.
#[must_use]
pub fn field(v: &str) -> String {
    if v.contains([',', '"', '\n', '\r']) || v.starts_with(' ') || v.ends_with(' ') {
        format!("\"{}\"", v.replace('"', "\"\""))
    } else {
        v.to_owned()
    }
}

/// Writes the whole report, a page at a time, into `out`.
pub async fn write(db: &Db, import: Uuid, out: &mut Vec<u8>) -> anyhow::Result<()> {
    write_only(db, import, None, out).await
}

/// Writes the report's rows of one outcome (all when `None`).
pub async fn write_only(db: &Db, import: Uuid, outcome: Option<&str>, out: &mut Vec<u8>) -> anyhow::Result<()> {
    out.extend_from_slice(HEADER.as_bytes());
    let mut after = None;
    loop {
        let mut tx = db.read().await?;
        let page = imports::report_page(&mut tx, import, after, 5_000).await?;
        drop(tx);
        let Some(last) = page.last() else { break };
        after = Some((last.0.row_number, last.1));
        for (r, _) in page.iter().filter(|(r, _)| outcome.is_none_or(|o| r.outcome == o)) {
            let line = format!(
                "{},{},{},{},{},{},{}\n",
                r.row_number,
                r.outcome,
                field(r.column_name.as_deref().unwrap_or("")),
                field(r.value.as_deref().unwrap_or("")),
                field(&r.reason),
                r.entity_id.map(|i| i.to_string()).unwrap_or_default(),
                field(r.record_name.as_deref().unwrap_or(""))
            );
            out.extend_from_slice(line.as_bytes());
        }
    }
    Ok(())
}
