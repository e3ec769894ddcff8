//! Properties over random inputs (proptest): sign → inspect round-trips every field, a token never
//! contains the secret, and a lifetime signs exactly when it is within 1 s ..= 12 h. A long-term
//! key's public parts round-trip through `ABSK` + base64, and nothing shown holds its secret.

use std::time::{Duration, SystemTime};

use base64::Engine as _;
use bedrock_token::{inspect_key, inspect_long_term_key, inspect_token, sign_token, Credentials, Error, KeyInfo};
use proptest::prelude::*;

fn region() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("us-east-1".to_owned()),
        Just("us-gov-west-1".to_owned()),
        Just("cn-northwest-1".to_owned()),
        Just("eusc-de-east-1".to_owned()),
        "[a-z]{2,4}-[a-z]{4,9}-[1-9]",
    ]
}

fn at() -> impl Strategy<Value = SystemTime> {
    (946_684_800u64..4_102_444_800).prop_map(|s| SystemTime::UNIX_EPOCH + Duration::from_secs(s))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn sign_then_inspect_round_trips(
        key in "[A-Z0-9]{16,32}",
        secret in "[A-Za-z0-9/+]{40}",
        session in proptest::option::of("[A-Za-z0-9/+=]{1,1200}"),
        region in region(),
        lifetime in 1u64..=43_200,
        at in at(),
    ) {
        let credentials = Credentials::new(key.clone(), secret.clone(), session.clone(), None, "prop");
        let token = sign_token(&credentials, &region, Duration::from_secs(lifetime), at).unwrap();
        let info = inspect_token(token.as_str()).unwrap();
        prop_assert_eq!(&info.region, &region);
        prop_assert_eq!(&info.access_key_id, &key);
        prop_assert_eq!(info.lifetime, Duration::from_secs(lifetime));
        prop_assert_eq!(info.issued_at, at);
        prop_assert_eq!(info.expires_at, at + Duration::from_secs(lifetime));
        prop_assert_eq!(info.has_session_token, session.is_some());
        prop_assert_eq!(token.expires_at(), info.expires_at);

        // The secret appears nowhere: not in the token, not in its decoded URL.
        let decoded = base64::engine::general_purpose::STANDARD.decode(&token.as_str()[16..]).unwrap();
        let url = String::from_utf8(decoded).unwrap();
        prop_assert!(!token.as_str().contains(&secret));
        prop_assert!(!url.contains(&secret));
        prop_assert!(!url.contains(&secret.replace('/', "%2F").replace('+', "%2B")));
    }

    #[test]
    fn a_lifetime_signs_exactly_when_in_range(millis in 0u64..50_000_000) {
        let credentials = Credentials::new("AKID", "secret", None, None, "prop");
        let lifetime = Duration::from_millis(millis);
        let result = sign_token(&credentials, "us-east-1", lifetime, SystemTime::UNIX_EPOCH + Duration::from_secs(1_769_248_800));
        let in_range = (1_000..=43_200_000).contains(&millis);
        prop_assert_eq!(result.is_ok(), in_range, "{:?}", lifetime);
        if let Err(err) = result {
            let is_expiry_error = matches!(err, Error::InvalidExpiry { .. });
            prop_assert!(is_expiry_error);
        }
    }

    #[test]
    fn inspection_never_panics_and_never_echoes_input(text in "\\PC{0,300}") {
        if let Err(err) = inspect_token(&text) {
            let message = err.to_string();
            prop_assert!(text.len() < 8 || !message.contains(&text));
        }
    }

    #[test]
    fn inspecting_mangled_tokens_never_panics(cut in 0usize..600, flip in 0usize..600, byte in any::<u8>()) {
        let credentials = Credentials::new("AKID", "secret", Some("session".into()), None, "prop");
        let token = sign_token(&credentials, "us-east-1", Duration::from_secs(60), SystemTime::now()).unwrap();
        let mut bytes = token.as_str().as_bytes().to_vec();
        bytes.truncate(cut.max(1).min(bytes.len()));
        if let Some(b) = bytes.get_mut(flip) { *b = byte; }
        let _ = inspect_token(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn long_term_keys_round_trip_their_public_parts(
        user in "[A-Za-z0-9+=,.@_-]{1,64}",
        account in "[0-9]{12}",
        suffix in proptest::option::of("[a-z0-9+]{1,12}"),
        secret in "SECRET[\\PC]{4,80}",
    ) {
        let alias = match &suffix {
            Some(suffix) => format!("{user}-at-{account}-{suffix}"),
            None => format!("{user}-at-{account}"),
        };
        let key = format!("ABSK{}", base64::engine::general_purpose::STANDARD.encode(format!("{alias}:{secret}")));
        let info = inspect_long_term_key(&key).unwrap();
        prop_assert_eq!(&info.user_name, &user);
        prop_assert_eq!(&info.account_id, &account);
        prop_assert_eq!(&info.alias, &alias);
        prop_assert_eq!(&info.suffix, &suffix);
        let shown = format!("{info:?} {:?}", inspect_key(&key).unwrap());
        prop_assert!(!shown.contains(&secret), "{}", shown);
        let is_long_term = matches!(inspect_key(&key), Ok(KeyInfo::LongTerm(i)) if i == info);
        prop_assert!(is_long_term);
    }

    /// Any bytes behind `ABSK` (raw, or as base64 so the parser gets past the decoding), and any
    /// key cut short or with one byte changed: a value or a typed error, never a panic, and an
    /// error never shows the input or its secret.
    #[test]
    fn mangled_long_term_keys_fail_with_a_reason_and_no_secret(
        data in proptest::collection::vec(any::<u8>(), 0..120),
        cut in 0usize..200,
        flip in 0usize..200,
        byte in any::<u8>(),
    ) {
        let good = format!("ABSK{}", base64::engine::general_purpose::STANDARD.encode("team-a-at-123456789012-x1:SECRETsecretSECRET"));
        let mut mangled = good.as_bytes().to_vec();
        mangled.truncate(cut.max(1).min(mangled.len()));
        if let Some(b) = mangled.get_mut(flip) { *b = byte; }
        let inputs = [
            format!("ABSK{}", String::from_utf8_lossy(&data)),
            format!("ABSK{}", base64::engine::general_purpose::STANDARD.encode(&data)),
            String::from_utf8_lossy(&mangled).into_owned(),
        ];
        for input in inputs {
            match inspect_key(&input) {
                Ok(KeyInfo::LongTerm(info)) => {
                    prop_assert_eq!(info.account_id.len(), 12);
                    prop_assert!(!info.user_name.is_empty() && info.alias.starts_with(&info.service_user_name()));
                    let shown = format!("{info:?}");
                    prop_assert!(!shown.contains("SECRETsecret"), "{}", shown);
                }
                Ok(other) => prop_assert!(false, "an ABSK key inspected as {:?}", other),
                Err(err) => {
                    // A byte changed in the prefix makes it no API key at all.
                    let typed = matches!(err, Error::MalformedLongTermKey(_)) || !input.trim().starts_with("ABSK");
                    prop_assert!(typed, "{:?}", err);
                    let shown = format!("{err} {err:?}");
                    prop_assert!(!shown.contains("SECRETsecret") && !shown.contains("team-a") && (input.len() < 8 || !shown.contains(input.trim())), "{}", shown);
                }
            }
        }
    }
}

/// The secret reaches a token only through its signature: signed with another secret, the decoded
/// URL differs in `X-Amz-Signature` alone. Regression for a fuzzer input whose 9-character
/// "secret" is a substring of the base64 of the fixed `bedrock.amazonaws.com/?…` prefix, which a
/// naive "token does not contain the secret" check reports as a leak.
#[test]
fn the_secret_changes_only_the_signature() {
    let at = SystemTime::UNIX_EPOCH + Duration::from_secs(1_362_703_410);
    let key = "\u{18}-Amz-goril\u{1}\0\u{1d}\u{1}\0\0,?\u{5}\u{19}\u{19}\u{19}\u{19}\u{19}\u{19}\0\0\0\0\0\0\0\0\0\0\0\0\u{19}\u{19}\u{19}\u{7}\0-bedrock-F6b25hd3MuY";
    let decoded_without_signature = |secret: &str| {
        let credentials = Credentials::new(key, secret, None, None, "regression");
        let token = sign_token(&credentials, "us-east-1", Duration::from_secs(25_200), at).unwrap();
        let url = String::from_utf8(base64::engine::general_purpose::STANDARD.decode(&token.as_str()[16..]).unwrap()).unwrap();
        (token.as_str().to_owned(), url.split('&').filter(|p| !p.starts_with("X-Amz-Signature=")).collect::<Vec<_>>().join("&"))
    };
    let (token, url) = decoded_without_signature("29tLz9BY3");
    assert!(token.contains("29tLz9BY3"), "the coincidence the fuzzer found: constant text");
    assert_eq!(url, decoded_without_signature("another-secret-entirely").1);
    assert!(!url.contains("29tLz9BY3"));
}
