//! Writing the audit log: snapshots of what changed, before and after.

use super::Actor;
use crate::store::{self, Tx, audit::AuditEntry};
use serde_json::{Map, Value, json};
use uuid::Uuid;

/// Who did it: a user, or an operator at the command line.
pub struct By<'a> {
    pub org: Uuid,
    pub user_id: Option<Uuid>,
    pub name: &'a str,
}

impl<'a> From<&'a Actor> for By<'a> {
    fn from(a: &'a Actor) -> Self {
        By { org: a.org.id, user_id: Some(a.user.id), name: &a.user.name }
    }
}

/// What is being recorded about.
pub struct Subject<'a> {
    pub entity_type: &'a str,
    pub entity_id: Uuid,
    pub lead_id: Option<Uuid>,
}

/// Records `action` on `subject` with the fields that differ between the snapshots.
/// A create has no `before`, a delete no `after`. Nothing is written when nothing changed.
pub async fn record<'a>(
    tx: &mut Tx,
    by: impl Into<By<'a>>,
    subject: Subject<'_>,
    action: &str,
    before: Option<&Map<String, Value>>,
    after: Option<&Map<String, Value>>,
) -> anyhow::Result<()> {
    let changes = diff(before, after);
    if changes.is_empty() && action == "update" {
        return Ok(());
    }
    let by = by.into();
    let entry = AuditEntry {
        id: store::new_id(),
        actor_id: by.user_id,
        actor_name: by.name.to_owned(),
        entity_type: subject.entity_type.to_owned(),
        entity_id: subject.entity_id,
        lead_id: subject.lead_id,
        action: action.to_owned(),
        changes: Value::Object(changes),
        at: store::now(),
    };
    store::audit::insert(tx, by.org, &entry).await
}

/// For each field whose value differs: `{"before": .., "after": ..}`. Empty values
/// (null, "", [], {}) on both sides are not a change.
#[must_use]
pub fn diff(before: Option<&Map<String, Value>>, after: Option<&Map<String, Value>>) -> Map<String, Value> {
    let empty = Map::new();
    let b = before.unwrap_or(&empty);
    let a = after.unwrap_or(&empty);
    let mut keys: Vec<&String> = b.keys().chain(a.keys()).collect();
    keys.sort();
    keys.dedup();
    let mut out = Map::new();
    for k in keys {
        let bv = b.get(k).unwrap_or(&Value::Null);
        let av = a.get(k).unwrap_or(&Value::Null);
        if bv != av && !(is_empty(bv) && is_empty(av)) {
            out.insert(k.clone(), json!({ "before": bv, "after": av }));
        }
    }
    out
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diff_names_changed_fields_only() {
        let b = json!({"name": "Acme", "city": null, "tags": []});
        let a = json!({"name": "Acme Oy", "city": null, "tags": []});
        let d = diff(b.as_object(), a.as_object());
        assert_eq!(Value::Object(d), json!({"name": {"before": "Acme", "after": "Acme Oy"}}));
        let created = diff(None, a.as_object());
        assert_eq!(created.len(), 1);
    }
}
