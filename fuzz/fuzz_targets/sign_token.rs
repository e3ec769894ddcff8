//! Arbitrary credential strings sign or give a typed error. The secret reaches a token only through
//! the signature: re-signed with another secret, the decoded URL differs in `X-Amz-Signature` alone.
//! And a token always inspects back to its key id and region.
#![no_main]
use std::time::{Duration, SystemTime};

use libfuzzer_sys::fuzz_target;

fn without_signature(token: &str) -> String {
    let encoded = &token["bedrock-api-key-".len()..];
    let url = String::from_utf8(decode(encoded)).unwrap();
    url.split('&').filter(|p| !p.starts_with("X-Amz-Signature=")).collect::<Vec<_>>().join("&")
}

fn decode(text: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        _ => 63,
    };
    let mut out = Vec::new();
    for chunk in text.as_bytes().chunks(4) {
        let n = chunk.iter().filter(|&&c| c != b'=').fold(0u32, |n, &c| (n << 6) | u32::from(value(c)));
        let bits = 6 * chunk.iter().filter(|&&c| c != b'=').count();
        let n = n << (24 - bits);
        out.extend_from_slice(&[(n >> 16) as u8, (n >> 8) as u8, n as u8][..bits / 8]);
    }
    out
}

fuzz_target!(|input: (&str, &str, Option<&str>, u16, u32)| {
    let (key, secret, session, lifetime, at) = input;
    let at = SystemTime::UNIX_EPOCH + Duration::from_secs(u64::from(at));
    let sign = |secret: &str| {
        let credentials = bedrock_token::Credentials::new(key, secret, session.map(str::to_owned), None, "fuzz");
        bedrock_token::sign_token(&credentials, "us-east-1", Duration::from_secs(u64::from(lifetime)), at)
    };
    if let Ok(token) = sign(secret) {
        let other = sign("another-secret-entirely").expect("only the secret changed");
        assert_eq!(without_signature(token.as_str()), without_signature(other.as_str()));
        let info = bedrock_token::inspect_token(token.as_str()).expect("our tokens inspect");
        assert_eq!(info.access_key_id, key);
        assert_eq!(info.region, "us-east-1");
    }
});
