//! `bedrock-token token`: a short-term key from the default credentials.

use std::time::SystemTime;

use bedrock_token::{parse_expiry, rfc3339, sign_token, validate_region, DefaultChain, Error};

use crate::output::TokenFormat;

/// Credentials come only from the standard environment variables and chains, never from flags.
#[derive(Debug, clap::Args)]
pub struct TokenArgs {
    /// Region to sign for [default: AWS_REGION, AWS_DEFAULT_REGION, then the profile's region]
    #[arg(long)]
    region: Option<String>,
    /// Profile of ~/.aws/config to use instead of AWS_PROFILE
    #[arg(long)]
    profile: Option<String>,
    /// Lifetime: seconds or e.g. 6h, 30m, 90s, 1h30m, "6 hours" (1 s to 12 h)
    #[arg(long, default_value = "12h")]
    expiry: String,
    /// Output format
    #[arg(long, value_enum, default_value = "raw")]
    format: TokenFormat,
    /// Sign at this RFC 3339 time instead of now, for reproducible output
    #[arg(long, value_parser = parse_time_arg)]
    at: Option<SystemTime>,
}

fn parse_time_arg(text: &str) -> Result<SystemTime, String> {
    chrono::DateTime::parse_from_rfc3339(text)
        .map(SystemTime::from)
        .map_err(|e| format!("expected an RFC 3339 time such as 2026-01-24T10:00:00Z ({e})"))
}

pub async fn run(args: TokenArgs) -> Result<(), Error> {
    let expiry = parse_expiry(&args.expiry)?;
    let sources = match args.profile {
        Some(profile) => DefaultChain::new().profile(profile),
        None => DefaultChain::new(),
    };
    let region = match args.region {
        Some(region) => region,
        None => sources.region().await?,
    };
    validate_region(&region)?;
    let credentials = sources.credentials().await?;
    let token = sign_token(&credentials, &region, expiry, args.at.unwrap_or_else(SystemTime::now))?;
    match args.format {
        TokenFormat::Raw => println!("{}", token.as_str()),
        TokenFormat::Env => println!("export AWS_BEARER_TOKEN_BEDROCK={}", token.as_str()),
        TokenFormat::Json => println!(
            "{}",
            serde_json::json!({
                "token": token.as_str(),
                "expires_at": rfc3339(token.expires_at()),
                "region": token.region(),
                "access_key_id": token.access_key_id(),
            })
        ),
    }
    Ok(())
}
