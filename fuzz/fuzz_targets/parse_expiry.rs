//! Any text parses to a lifetime within 1 s ..= 12 h, or a typed error.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    if let Ok(lifetime) = bedrock_token::parse_expiry(text) {
        assert!(lifetime >= bedrock_token::MIN_EXPIRY && lifetime <= bedrock_token::MAX_EXPIRY);
    }
});
