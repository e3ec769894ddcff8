//! Any text is a region or a typed error; accepted regions are lowercase ASCII, digits, hyphens.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    if bedrock_token::validate_region(text).is_ok() {
        assert!(text.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'));
    }
});
