//! Notes: activities that people write on a lead's timeline.

use super::{
    Actor, AppError,
    audit::{self, Subject},
    input::NewNote,
};
use crate::store::{self, Db, activities::Activity};
use leadline_domain::text;
use serde_json::json;
use uuid::Uuid;

pub async fn create(db: &Db, actor: &Actor, lead_id: Uuid, input: NewNote) -> Result<Activity, AppError> {
    let body = text::optional_block(input.body.as_deref(), 20_000)
        .map_err(|e| AppError::field("body", e.0))?
        .ok_or_else(|| AppError::field("body", "must not be empty"))?;
    let mut tx = db.write().await?;
    super::leads::load_editable(&mut tx, actor, lead_id).await?;
    let now = store::now();
    let note = Activity {
        id: store::new_id(),
        lead_id,
        kind: "note".into(),
        body,
        user_id: Some(actor.user.id),
        user_name: Some(actor.user.name.clone()),
        occurred_at: now,
    };
    store::activities::insert(&mut tx, actor.org_id(), &note).await?;
    store::leads::touch(&mut tx, actor.org_id(), lead_id, now).await?;
    let after = json!({ "body": note.body });
    audit::record(
        &mut tx,
        actor,
        Subject { entity_type: "note", entity_id: note.id, lead_id: Some(lead_id) },
        "create",
        None,
        after.as_object(),
    )
    .await?;
    tx.commit().await?;
    Ok(note)
}

/// The lead's timeline (notes and other activities), newest first.
pub async fn timeline(db: &Db, actor: &Actor, lead_id: Uuid, limit: i64) -> Result<Vec<Activity>, AppError> {
    let mut tx = db.read().await?;
    store::leads::get(&mut tx, actor.org_id(), lead_id).await?.ok_or(AppError::NotFound("lead"))?;
    let items = store::activities::for_lead(&mut tx, actor.org_id(), lead_id, limit).await?;
    tx.commit().await?;
    Ok(items)
}

/// Deletes a note; only its author, a manager or an admin may.
pub async fn delete(db: &Db, actor: &Actor, id: Uuid) -> Result<(), AppError> {
    let mut tx = db.write().await?;
    let note = store::activities::get(&mut tx, actor.org_id(), id).await?.ok_or(AppError::NotFound("activity"))?;
    if note.kind != "note" {
        return Err(AppError::Forbidden("only notes can be deleted; other activities are records".into()));
    }
    if note.user_id != Some(actor.user.id) && !actor.user.role.deletes_leads() {
        return Err(AppError::Forbidden("only the author, a manager or an admin can delete a note".into()));
    }
    store::activities::delete(&mut tx, actor.org_id(), id).await?;
    let before = json!({ "body": note.body });
    audit::record(
        &mut tx,
        actor,
        Subject { entity_type: "note", entity_id: id, lead_id: Some(note.lead_id) },
        "delete",
        before.as_object(),
        None,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
