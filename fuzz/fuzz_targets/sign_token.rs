//! Arbitrary credential strings sign or give a typed error; a token never contains the secret and
//! always inspects back to its key id and region.
#![no_main]
use std::time::{Duration, SystemTime};

use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: (&str, &str, Option<&str>, u16, u32)| {
    let (key, secret, session, lifetime, at) = input;
    let credentials = bedrock_token::Credentials::new(key, secret, session.map(str::to_owned), None, "fuzz");
    let at = SystemTime::UNIX_EPOCH + Duration::from_secs(u64::from(at));
    if let Ok(token) = bedrock_token::sign_token(&credentials, "us-east-1", Duration::from_secs(u64::from(lifetime)), at) {
        if secret.len() >= 8 {
            assert!(!token.as_str().contains(secret));
        }
        let info = bedrock_token::inspect_token(token.as_str()).expect("our tokens inspect");
        assert_eq!(info.access_key_id, key);
        assert_eq!(info.region, "us-east-1");
    }
});
