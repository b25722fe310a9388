//! Inputs for creating and changing leads and contacts, as the API receives them.
//! Unknown fields are refused. In a patch, a missing field stays as it is and
//! `null` clears it.

use serde::{Deserialize, Deserializer};
use utoipa::ToSchema;
use uuid::Uuid;

/// Deserializes a present field (even `null`) as `Some`, so a patch can tell
/// "clear it" (`Some(None)`) from "leave it" (`None`).
fn present<'de, T: Deserialize<'de>, D: Deserializer<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// A phone number as text (`"(206) 555-0100"`) or with its type.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum PhoneInput {
    Text(String),
    Typed(TypedPhone),
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TypedPhone {
    /// The number in any form.
    pub number: Option<String>,
    /// Read where `number` is absent, so that a phone as the API shows it
    /// (`{"number", "e164", "type"}`) can be sent back as it is.
    pub e164: Option<String>,
    /// mobile, work, home, direct, fax or other.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// Dialled once the call connects ("12"); also read from the number ("… x12").
    pub extension: Option<String>,
}

impl PhoneInput {
    /// The number, its type and its extension, as given.
    #[must_use]
    pub fn parts(&self) -> (&str, Option<&str>, Option<&str>) {
        match self {
            PhoneInput::Text(n) => (n, None, None),
            PhoneInput::Typed(t) => {
                (t.number.as_deref().or(t.e164.as_deref()).unwrap_or(""), t.kind.as_deref(), t.extension.as_deref())
            }
        }
    }
}

/// A postal address.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddressInput {
    pub street: Option<String>,
    pub city: Option<String>,
    pub region: Option<String>,
    pub postcode: Option<String>,
    /// ISO 3166-1 alpha-2 code or a common country name.
    pub country: Option<String>,
}

/// A new contact.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewContact {
    pub name: Option<String>,
    pub title: Option<String>,
    #[serde(default)]
    pub phones: Vec<PhoneInput>,
    #[serde(default)]
    pub emails: Vec<String>,
    #[serde(default)]
    pub do_not_call: bool,
    #[serde(default)]
    pub do_not_email: bool,
}

/// Changes to a contact. `phones` and `emails`, when given, replace the lists.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactPatch {
    pub name: Option<String>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub title: Option<Option<String>>,
    pub phones: Option<Vec<PhoneInput>>,
    pub emails: Option<Vec<String>>,
    pub do_not_call: Option<bool>,
    pub do_not_email: Option<bool>,
}

/// A new lead, optionally with its contacts.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewLead {
    pub name: Option<String>,
    /// `company` (B2B) or `person` (B2C household); default `company`.
    pub kind: Option<String>,
    /// Default `new`.
    pub status: Option<String>,
    /// Default: the creating user.
    pub owner_id: Option<Uuid>,
    pub source: Option<String>,
    /// The lead's id in the system it came from.
    pub external_id: Option<String>,
    pub website: Option<String>,
    pub description: Option<String>,
    /// Priority in call queues (higher first); default 0.
    pub score: Option<i64>,
    pub address: Option<AddressInput>,
    pub street: Option<String>,
    pub city: Option<String>,
    pub region: Option<String>,
    pub postcode: Option<String>,
    pub country: Option<String>,
    /// Sets the zone by hand instead of deriving it from the phone or address.
    pub time_zone: Option<String>,
    /// Sets several zones by hand.
    pub time_zones: Option<Vec<String>>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[schema(value_type = Option<Object>)]
    pub custom_fields: Option<serde_json::Map<String, serde_json::Value>>,
    #[serde(default)]
    pub contacts: Vec<NewContact>,
}

/// Changes to a lead. Missing fields are kept; `null` clears an optional field.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LeadPatch {
    pub name: Option<String>,
    pub kind: Option<String>,
    pub status: Option<String>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<Uuid>)]
    pub owner_id: Option<Option<Uuid>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub external_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub source: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub website: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub description: Option<Option<String>>,
    /// Priority in call queues (higher first).
    pub score: Option<i64>,
    pub address: Option<AddressInput>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub street: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub city: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub region: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub postcode: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub country: Option<Option<String>>,
    /// A zone set by hand; `null` goes back to deriving it.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub time_zone: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<Vec<String>>)]
    pub time_zones: Option<Option<Vec<String>>>,
    pub tags: Option<Vec<String>>,
    #[schema(value_type = Option<Object>)]
    pub custom_fields: Option<serde_json::Map<String, serde_json::Value>>,
}

/// A note on a lead's timeline.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewNote {
    pub body: Option<String>,
}

/// A new contact, naming its lead in the body (`POST /api/v1/contacts`).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewContactForLead {
    pub lead_id: Uuid,
    pub name: Option<String>,
    pub title: Option<String>,
    #[serde(default)]
    pub phones: Vec<PhoneInput>,
    #[serde(default)]
    pub emails: Vec<String>,
    #[serde(default)]
    pub do_not_call: bool,
    #[serde(default)]
    pub do_not_email: bool,
}

impl NewContactForLead {
    #[must_use]
    pub fn split(self) -> (Uuid, NewContact) {
        let contact = NewContact {
            name: self.name,
            title: self.title,
            phones: self.phones,
            emails: self.emails,
            do_not_call: self.do_not_call,
            do_not_email: self.do_not_email,
        };
        (self.lead_id, contact)
    }
}

/// A note, naming its lead in the body (`POST /api/v1/notes`).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewNoteForLead {
    pub lead_id: Uuid,
    pub body: Option<String>,
}
