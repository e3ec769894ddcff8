//! Any string, and any string behind either key prefix, inspects to a value or a typed error:
//! short-term keys (`bedrock-api-key-`), long-term keys (`ABSK`), and either through `inspect_key`.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = bedrock_token::inspect_token(&text);
    let _ = bedrock_token::inspect_key(&text);
    let _ = bedrock_token::inspect_token(&format!("bedrock-api-key-{text}"));
    let _ = bedrock_token::inspect_key(&format!("ABSK{text}"));
    let encoded = base64_standard(data);
    if let Ok(info) = bedrock_token::inspect_token(&format!("bedrock-api-key-{encoded}")) {
        assert!(!info.region.is_empty() && !info.access_key_id.is_empty());
    }
    match bedrock_token::inspect_long_term_key(&format!("ABSK{encoded}")) {
        Ok(info) => {
            // The public part is what precedes the first ':'; the secret after it is never kept.
            let public = text.split_once(':').map(|(alias, _)| alias).expect("a key without ':' has no secret");
            assert_eq!(info.alias, public);
            assert!(info.alias.starts_with(&info.service_user_name()));
            assert!(info.account_id.len() == 12 && info.account_id.bytes().all(|b| b.is_ascii_digit()));
        }
        Err(err) => assert!(matches!(err, bedrock_token::Error::MalformedLongTermKey(_))),
    }
});

/// Standard base64 with padding, so the fuzzer reaches the URL parser quickly.
fn base64_standard(data: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len() / 3 * 4 + 4);
    for chunk in data.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}
