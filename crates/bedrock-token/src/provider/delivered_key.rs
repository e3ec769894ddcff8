//! The value of a Secrets Manager secret that holds a key: the JSON `bedrock-token provision
//! --store` writes (`{"kind":"api-key"|"access-key","id":…,"secret":…,"expires_at":…|null,…}`),
//! read without the `provisioning` feature, the secret copied once into memory wiped on drop.
//!
//! Errors name the field at fault and what it must be. serde_json's own messages are never shown:
//! they may quote the value they could not read.

use std::fmt;
use std::time::SystemTime;

use aws_credential_types::Credentials;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, Visitor};

use crate::secret::SecretString;
use crate::SecretsManagerFailure;

/// The `kind` of an access key in the secret's JSON (also `provision::KeyKind`'s name).
pub(crate) const ACCESS_KEY: &str = "access-key";
/// The `kind` of a long-term Bedrock API key in the secret's JSON.
pub(crate) const API_KEY: &str = "api-key";

/// A key read from a secret.
pub(crate) enum DeliveredKey {
    /// A long-term Bedrock API key (`ABSK…`): handed out as the token itself.
    ApiKey {
        /// The service-specific credential id (not a secret).
        id: String,
        /// The key, wiped on drop.
        key: SecretString,
        /// IAM's expiry of the key, if it has one.
        expires_at: Option<SystemTime>,
    },
    /// An IAM access key: the credentials short-term tokens are signed with.
    AccessKey(Credentials),
}

impl fmt::Debug for DeliveredKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DeliveredKey::ApiKey { id, .. } => f.debug_struct("ApiKey").field("id", id).finish_non_exhaustive(),
            DeliveredKey::AccessKey(credentials) => f.debug_tuple("AccessKey").field(credentials).finish(),
        }
    }
}

/// Reads the JSON value of a secret.
pub(crate) fn parse(text: &str) -> Result<DeliveredKey, SecretsManagerFailure> {
    let mut json = serde_json::Deserializer::from_str(text);
    let fields = json.deserialize_map(FieldsVisitor).and_then(|fields| json.end().map(|()| fields)).map_err(|err| {
        let reason = match err.classify() {
            serde_json::error::Category::Data => "must be a JSON object".to_owned(),
            _ => format!("is not valid JSON (line {}, column {})", err.line(), err.column()),
        };
        malformed("value", reason)
    })?;
    let kind = match fields.kind {
        Slot::Text(kind) => kind,
        Slot::Missing => return Err(malformed("kind", "missing; must be \"api-key\" or \"access-key\"")),
        _ => return Err(malformed("kind", "must be the string \"api-key\" or \"access-key\"")),
    };
    let id = match fields.id {
        Slot::Text(id) if !id.is_empty() && id.len() <= 128 && id.bytes().all(|b| b.is_ascii_alphanumeric()) => id,
        Slot::Missing => return Err(malformed("id", "missing; must be the key's id")),
        _ => return Err(malformed("id", "must be the key's id: 1 to 128 letters and digits")),
    };
    let secret = match fields.secret {
        SecretSlot::Text(secret) if !secret.as_str().trim().is_empty() => secret,
        SecretSlot::Missing => return Err(malformed("secret", "missing; must be the key's secret")),
        _ => return Err(malformed("secret", "must be the key's secret as a non-empty string")),
    };
    match kind.as_str() {
        API_KEY => {
            let trimmed = secret.as_str().trim();
            crate::inspect_long_term_key(trimmed).map_err(|err| match err {
                crate::Error::MalformedLongTermKey(why) => malformed("secret", format!("not a long-term Bedrock API key: {why}")),
                _ => malformed("secret", "not a long-term Bedrock API key"),
            })?;
            let mut key = SecretString::with_capacity(trimmed.len());
            key.push_str(trimmed);
            Ok(DeliveredKey::ApiKey { id, key, expires_at: expiry(fields.expires_at)? })
        }
        ACCESS_KEY => {
            let credentials = Credentials::new(id, secret.as_str().trim().to_owned(), None, None, "AWS Secrets Manager");
            Ok(DeliveredKey::AccessKey(credentials))
        }
        other => Err(SecretsManagerFailure::UnknownKind { kind: crate::error::shorten(other) }),
    }
}

fn expiry(slot: Slot) -> Result<Option<SystemTime>, SecretsManagerFailure> {
    match slot {
        Slot::Missing | Slot::Null => Ok(None),
        Slot::Text(text) => chrono::DateTime::parse_from_rfc3339(&text)
            .map(|at| Some(SystemTime::from(at)))
            .map_err(|_| malformed("expires_at", "must be an RFC 3339 time (e.g. 2027-01-31T12:00:00Z) or null")),
        Slot::Other => Err(malformed("expires_at", "must be an RFC 3339 time (e.g. 2027-01-31T12:00:00Z) or null")),
    }
}

fn malformed(field: &'static str, reason: impl Into<String>) -> SecretsManagerFailure {
    SecretsManagerFailure::MalformedValue { field, reason: reason.into() }
}

/// The fields this reader uses; the others (`service_user_name`, `created_at`, …) are skipped.
#[derive(Default)]
struct Fields {
    kind: Slot,
    id: Slot,
    secret: SecretSlot,
    expires_at: Slot,
}

/// A field that is not secret, as found: read without ever failing on its type.
#[derive(Default)]
enum Slot {
    #[default]
    Missing,
    Null,
    Text(String),
    Other,
}

/// The secret field, copied once into memory wiped on drop.
#[derive(Default)]
enum SecretSlot {
    #[default]
    Missing,
    Text(SecretString),
    Other,
}

struct FieldsVisitor;

impl<'de> Visitor<'de> for FieldsVisitor {
    type Value = Fields;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Fields, A::Error> {
        let mut fields = Fields::default();
        while let Some(name) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            match &*name {
                "kind" => fields.kind = map.next_value()?,
                "id" => fields.id = map.next_value()?,
                "secret" => fields.secret = map.next_value()?,
                "expires_at" => fields.expires_at = map.next_value()?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(fields)
    }
}

impl<'de> de::Deserialize<'de> for Slot {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct SlotVisitor;
        impl<'de> Visitor<'de> for SlotVisitor {
            type Value = Slot;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<Slot, E> {
                Ok(Slot::Text(text.to_owned()))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Slot, E> {
                Ok(Slot::Null)
            }
            fn visit_none<E: de::Error>(self) -> Result<Slot, E> {
                Ok(Slot::Null)
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Slot, E> {
                Ok(Slot::Other)
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Slot, E> {
                Ok(Slot::Other)
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Slot, E> {
                Ok(Slot::Other)
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Slot, E> {
                Ok(Slot::Other)
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Slot, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Slot::Other)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Slot, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Slot::Other)
            }
        }
        deserializer.deserialize_any(SlotVisitor)
    }
}

impl<'de> de::Deserialize<'de> for SecretSlot {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct SecretVisitor;
        impl<'de> Visitor<'de> for SecretVisitor {
            type Value = SecretSlot;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<SecretSlot, E> {
                let mut secret = SecretString::with_capacity(text.len());
                secret.push_str(text);
                Ok(SecretSlot::Text(secret))
            }
            fn visit_string<E: de::Error>(self, text: String) -> Result<SecretSlot, E> {
                Ok(SecretSlot::Text(SecretString::from(text)))
            }
            fn visit_unit<E: de::Error>(self) -> Result<SecretSlot, E> {
                Ok(SecretSlot::Other)
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<SecretSlot, E> {
                Ok(SecretSlot::Other)
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<SecretSlot, E> {
                Ok(SecretSlot::Other)
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<SecretSlot, E> {
                Ok(SecretSlot::Other)
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<SecretSlot, E> {
                Ok(SecretSlot::Other)
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<SecretSlot, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(SecretSlot::Other)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<SecretSlot, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(SecretSlot::Other)
            }
        }
        deserializer.deserialize_any(SecretVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ABSK: &str = "ABSKYWxpY2UtYXQtMTIzNDU2Nzg5MDEyOnNlY3JldC1wYXJ0"; // alice-at-123456789012:secret-part

    #[test]
    fn reads_both_kinds_as_the_manifest_writes_them() {
        let api = format!(
            r#"{{"kind":"api-key","id":"ACCAEXAMPLE1","secret":"{ABSK}","service_user_name":"alice-at-123456789012","created_at":"2026-12-05T10:00:00Z","expires_at":"2027-01-04T10:00:00Z"}}"#
        );
        match parse(&api).unwrap() {
            DeliveredKey::ApiKey { id, key, expires_at } => {
                assert_eq!((id.as_str(), key.as_str()), ("ACCAEXAMPLE1", ABSK));
                assert_eq!(crate::rfc3339(expires_at.unwrap()), "2027-01-04T10:00:00Z");
            }
            other => panic!("{other:?}"),
        }
        let access = r#"{"kind":"access-key","id":"AKIAIOSFODNN7EXAMPLE","secret":"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY","service_user_name":null,"created_at":null,"expires_at":null}"#;
        match parse(access).unwrap() {
            DeliveredKey::AccessKey(credentials) => {
                assert_eq!(credentials.access_key_id(), "AKIAIOSFODNN7EXAMPLE");
                assert_eq!(credentials.secret_access_key(), "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
            }
            other => panic!("{other:?}"),
        }
        // JSON escapes in the secret are read (`\/`), and a key that never expires has none.
        let escaped = format!(r#"{{"kind":"api-key","id":"ACCA1","secret":"{}","expires_at":null}}"#, ABSK.replace('/', "\\/"));
        assert!(matches!(parse(&escaped).unwrap(), DeliveredKey::ApiKey { expires_at: None, .. }));
    }

    #[test]
    fn each_malformation_names_its_field_and_never_the_value() {
        let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
        let cases: Vec<(String, &str)> = vec![
            (format!("{{\"kind\":\"access-key\",\"secret\":\"{secret}\""), "value"),
            (format!("[\"{secret}\"]"), "value"),
            (format!("\"{secret}\""), "value"),
            (format!(r#"{{"id":"AKIA1","secret":"{secret}"}}"#), "kind"),
            (format!(r#"{{"kind":7,"id":"AKIA1","secret":"{secret}"}}"#), "kind"),
            (format!(r#"{{"kind":"access-key","secret":"{secret}"}}"#), "id"),
            (format!(r#"{{"kind":"access-key","id":"{secret}","secret":"{secret}"}}"#), "id"),
            (r#"{"kind":"access-key","id":"AKIA1"}"#.to_owned(), "secret"),
            (r#"{"kind":"access-key","id":"AKIA1","secret":42}"#.to_owned(), "secret"),
            (r#"{"kind":"access-key","id":"AKIA1","secret":" "}"#.to_owned(), "secret"),
            (format!(r#"{{"kind":"api-key","id":"ACCA1","secret":"{secret}"}}"#), "secret"),
            (format!(r#"{{"kind":"api-key","id":"ACCA1","secret":"{ABSK}","expires_at":"{secret}"}}"#), "expires_at"),
        ];
        for (text, field) in cases {
            let failure = parse(&text).unwrap_err();
            assert!(matches!(&failure, SecretsManagerFailure::MalformedValue { field: f, .. } if *f == field), "{text}: {failure:?}");
            let err = crate::Error::SecretsManager { secret: "s".into(), failure };
            for shown in [err.to_string(), format!("{err:?}")] {
                assert!(!shown.contains("wJalr") && !shown.contains("YWxpY2"), "{shown}");
            }
        }
        let unknown = parse(&format!(r#"{{"kind":"ssh-key","id":"K1","secret":"{secret}"}}"#)).unwrap_err();
        assert_eq!(unknown, SecretsManagerFailure::UnknownKind { kind: "ssh-key".into() });
        let pasted = parse(&format!(r#"{{"kind":"{secret}","id":"K1","secret":"{secret}"}}"#)).unwrap_err();
        assert!(!pasted.to_string().contains("wJalr"), "{pasted}");
    }

    #[test]
    fn debug_shows_no_secret() {
        let key = parse(&format!(r#"{{"kind":"api-key","id":"ACCA1","secret":"{ABSK}"}}"#)).unwrap();
        assert!(!format!("{key:?}").contains(ABSK));
        let access = parse(r#"{"kind":"access-key","id":"AKIA1","secret":"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}"#).unwrap();
        assert!(!format!("{access:?}").contains("wJalr"));
    }
}
