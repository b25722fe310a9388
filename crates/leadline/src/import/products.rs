//! Importing products: name, code, price and currency. A product matches an
//! existing one by code, or by name when the row has no code; a row with a code alone
//! (a price list) updates the product of that code.

use super::undo::Undone;
use super::{
    Issue, OnDuplicate,
    engine::{Job, Progress},
    others::{Outcome, Row, Writer, default_currency, drive},
};
use crate::store::imports::Change;
use crate::store::{
    self, Db, Tx,
    sales::{CustomFields, Product},
};
use chrono::{DateTime, Utc};
use leadline_domain::{Money, money, text};
use std::{
    collections::{HashMap, HashSet},
    sync::Arc,
};
use uuid::Uuid;

/// A product as read from a row.
pub struct NewProduct {
    /// Absent in a row that names a product by its code alone.
    name: Option<String>,
    code: Option<String>,
    price: Option<Money>,
    currency: Option<String>,
    description: Option<String>,
    custom_fields: CustomFields,
}

struct ProductWriter {
    by_code: HashMap<String, Uuid>,
    by_name: HashMap<String, Uuid>,
    created: HashSet<Uuid>,
}

pub async fn run(db: &Db, job: &Job, progress: &Arc<Progress>) -> anyhow::Result<u64> {
    let mut tx = db.read().await?;
    let existing = store::sales::products(&mut tx, job.org.id).await?;
    drop(tx);
    let mut writer = ProductWriter {
        by_code: existing.iter().filter_map(|p| Some((p.code.as_ref()?.to_lowercase(), p.id))).collect(),
        by_name: existing.iter().map(|p| (store::sales::name_key(&p.name), p.id)).collect(),
        created: HashSet::new(),
    };
    let columns = job.columns.clone();
    let currency = default_currency(&job.org.default_region);
    drive(db, job, progress, move |line, rec| prepare(&columns, currency, line, rec), &mut writer).await
}

impl super::others::Shown for NewProduct {
    fn shown(&self) -> serde_json::Map<String, serde_json::Value> {
        super::others::shown_fields([
            ("name", self.name.clone()),
            ("code", self.code.clone()),
            ("price", self.price.as_ref().map(|m| format!("{} {}", m.amount(), m.currency))),
            ("currency", self.currency.clone().filter(|_| self.price.is_none())),
            ("description", self.description.clone()),
        ])
        .into_iter()
        .chain(super::others::shown_custom(&self.custom_fields))
        .collect()
    }
}

pub(crate) fn prepare(
    cols: &super::columns::Columns,
    default: &str,
    line: u64,
    rec: &csv::ByteRecord,
) -> Row<NewProduct> {
    let mut issues = Vec::new();
    let mut take = |field: &str, max: usize| -> Option<String> {
        let (col, v) = cols.first(rec, field)?;
        text::optional_line(Some(&v), max)
            .map_err(|e| issues.push(Issue::new(Some(col), Some(&v), e.to_string())))
            .ok()
            .flatten()
    };
    let name = take("name", 200);
    let code = take("code", 100);
    let description =
        cols.first(rec, "description").and_then(|(_, v)| text::optional_block(Some(&v), 10_000).ok().flatten());
    let currency = cols.first(rec, "currency").and_then(|(col, v)| {
        money::currency(&v).map_err(|e| issues.push(Issue::new(Some(col), Some(&v), e.to_string()))).ok()
    });
    let price = cols.first(rec, "price").and_then(|(col, v)| {
        let named = money::currency_in_header(col);
        Money::parse(&v, Some(currency.as_deref().or(named.as_deref()).unwrap_or(default)))
            .map_err(|e| issues.push(Issue::new(Some(col), Some(&v), e.to_string())))
            .ok()
    });
    if name.is_none() && code.is_none() {
        let col = cols.headers.iter().zip(&cols.targets).find_map(|(h, t)| match t {
            super::columns::Target::Field(f) if f.name == "name" => Some(h.as_str()),
            _ => None,
        });
        issues.push(Issue::new(col, Some(""), "the row has no product name"));
    }
    let result = if issues.is_empty() {
        let custom_fields = super::others::custom_fields(cols, rec);
        Ok((NewProduct { name, code, price, currency, description, custom_fields }, Vec::new()))
    } else {
        Err(issues)
    };
    Row { line, result }
}

/// A product some opportunity names: undoing its import keeps it, as deleting it would take it
/// off those deals.
pub async fn in_use(tx: &mut Tx, id: Uuid) -> anyhow::Result<bool> {
    let used: Option<i32> =
        crate::on_tx!(tx, |c| sqlx::query_scalar("SELECT 1 FROM opportunities WHERE product_id = $1 LIMIT 1")
            .bind(id)
            .fetch_optional(c)
            .await)?;
    Ok(used.is_some())
}

impl Writer for ProductWriter {
    type Item = NewProduct;

    async fn write(&mut self, tx: &mut Tx, job: &Job, p: NewProduct, now: DateTime<Utc>) -> anyhow::Result<Outcome> {
        let org = job.org.id;
        let name_key = p.name.as_deref().map(store::sales::name_key);
        let found = match (&p.code, &p.name, &name_key) {
            (Some(code), _, _) => self.by_code.get(&code.to_lowercase()).map(|id| (*id, format!("same code {code}"))),
            (None, Some(name), Some(key)) => self.by_name.get(key).map(|id| (*id, format!("same name {name}"))),
            _ => None,
        };
        let (currency, price_minor) = match &p.price {
            Some(m) => (Some(m.currency.clone()), Some(m.minor)),
            None => (p.currency.clone(), None),
        };
        let Some((id, reason)) = found else {
            let (Some(name), Some(name_key)) = (p.name, name_key) else {
                let code = p.code.unwrap_or_default();
                return Ok(Outcome::Rejected(vec![Issue::new(
                    None,
                    Some(&code),
                    format!("the row has no product name, and no product has the code {code}"),
                )]));
            };
            let product = Product {
                id: store::new_id(),
                name,
                code: p.code.clone(),
                price_minor,
                currency,
                description: p.description,
                custom_fields: p.custom_fields,
                created_at: now,
                updated_at: now,
            };
            store::sales::save_product(tx, org, &product, Some(job.id)).await?;
            if let Some(code) = &p.code {
                self.by_code.insert(code.to_lowercase(), product.id);
            }
            self.by_name.insert(name_key, product.id);
            self.created.insert(product.id);
            return Ok(Outcome::Created(product.id));
        };
        let Some(mut current) = store::sales::product(tx, org, id).await? else {
            return Ok(Outcome::Rejected(vec![Issue::new(None, None, "the matching product was deleted meanwhile")]));
        };
        let before = serde_json::to_value(&current)?;
        let update = match job.options.on_duplicate {
            OnDuplicate::Skip => return Ok(Outcome::Duplicate(id, format!("{reason}: skipped as a duplicate"))),
            OnDuplicate::Update => true,
            OnDuplicate::Merge => false,
        };
        let set = |slot: &mut Option<String>, v: Option<String>| {
            if v.is_some() && (update || slot.is_none()) {
                *slot = v;
            }
        };
        if update && let Some(name) = p.name {
            current.name = name;
        }
        set(&mut current.code, p.code);
        set(&mut current.currency, currency);
        set(&mut current.description, p.description);
        if price_minor.is_some() && (update || current.price_minor.is_none()) {
            current.price_minor = price_minor;
        }
        super::others::keep_custom(&mut current.custom_fields, p.custom_fields, update);
        current.updated_at = now;
        store::sales::save_product(tx, org, &current, None).await?;
        if !self.created.contains(&id) {
            store::imports::record_change(
                tx,
                job.id,
                "product",
                id,
                &before,
                Some(&serde_json::to_value(&current)?),
                now,
            )
            .await?;
        }
        Ok(if update {
            Outcome::Updated(id, format!("{reason}: updated the product"))
        } else {
            Outcome::Merged(id, format!("{reason}: merged into the product"))
        })
    }
}

/// Puts a product back as it was, unless edited since the import.
pub async fn restore(tx: &mut Tx, org: Uuid, id: Uuid, change: &Change) -> anyhow::Result<Undone> {
    let Some(current) = store::sales::product(tx, org, id).await? else { return Ok(Undone::gone()) };
    let (mut p, undone): (Product, Undone) = super::undo::three_way_record(&current, change, current.updated_at)?;
    if undone.changed {
        p.updated_at = store::now();
        store::sales::save_product(tx, org, &p, None).await?;
    }
    Ok(undone)
}
