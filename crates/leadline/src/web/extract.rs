//! Request extractors: the API caller, the page user, and JSON bodies whose errors
//! name the offending field.

use super::{AppState, error::ApiError};
use crate::app::{Actor, AppError, FieldError, auth};
use axum::{
    extract::{FromRequest, FromRequestParts, Request},
    http::{header, request::Parts},
};
use serde::de::DeserializeOwned;

/// The caller of an API endpoint, from `Authorization: Bearer <token>`.
pub struct ApiActor(pub Actor);

impl FromRequestParts<AppState> for ApiActor {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        if let Some(actor) = parts.extensions.get::<Actor>() {
            return Ok(ApiActor(actor.clone()));
        }
        let token = bearer(parts).ok_or(AppError::Unauthorized)?;
        let actor = auth::token_actor(&state.db, token).await?.ok_or(AppError::Unauthorized)?;
        parts.extensions.insert(actor.clone());
        Ok(ApiActor(actor))
    }
}

/// The bearer token of a request, if any.
#[must_use]
pub fn bearer(parts: &Parts) -> Option<&str> {
    let value = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then_some(token.trim()).filter(|t| !t.is_empty())
}

/// A JSON body. Malformed JSON, wrong types, missing and unknown fields are all
/// answered with 422 problem+json naming the field.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let is_json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/json") || v.contains("+json"));
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|e| AppError::field("body", format!("could not read the body: {e}")))?;
        if !is_json && !bytes.is_empty() {
            return Err(AppError::field("body", "send JSON with Content-Type: application/json").into());
        }
        let bytes = if bytes.is_empty() { axum::body::Bytes::from_static(b"{}") } else { bytes };
        parse_json(&bytes).map(ApiJson).map_err(ApiError)
    }
}

/// Parses JSON, turning a failure into a field error at the failing path.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, AppError> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|e| {
        // "." is the top level; "?" means the JSON itself was malformed.
        let path = match e.path().to_string() {
            p if p == "?" => ".".to_owned(),
            p => p,
        };
        let inner = e.into_inner();
        let message = inner.to_string();
        // serde names unknown and missing fields in its message; lift the name out.
        // serde names unknown and missing fields only in its message; lift the name out.
        let named =
            |prefix: &str| message.strip_prefix(prefix).map(|rest| rest.split('`').next().unwrap_or("").to_owned());
        let field = if path != "." && message.starts_with("unknown field `") {
            path
        } else if let Some(name) = named("unknown field `").or_else(|| named("missing field `")) {
            if path == "." { name } else { format!("{path}.{name}") }
        } else if path == "." {
            "body".to_owned()
        } else {
            path
        };
        let message = message.split(" at line ").next().unwrap_or(&message).to_owned();
        AppError::Validation(vec![FieldError::new(field, message)])
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::input::NewLead;

    fn field_of(json: &str) -> String {
        match parse_json::<NewLead>(json.as_bytes()) {
            Err(AppError::Validation(v)) => v[0].field.clone(),
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn names_the_failing_field() {
        assert_eq!(field_of(r#"{"name": "A", "colour": "red"}"#), "colour");
        assert_eq!(field_of(r#"{"name": 5}"#), "name");
        assert_eq!(field_of(r#"{"contacts": [{"name": "A", "age": 3}]}"#), "contacts[0].age");
        assert_eq!(field_of("{not json"), "body");
    }
}
