//! Any string, and any string behind the token prefix, inspects to a value or a typed error.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = bedrock_token::inspect_token(&text);
    let _ = bedrock_token::inspect_token(&format!("bedrock-api-key-{text}"));
    let encoded = base64_standard(data);
    if let Ok(info) = bedrock_token::inspect_token(&format!("bedrock-api-key-{encoded}")) {
        assert!(!info.region.is_empty() && !info.access_key_id.is_empty());
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
