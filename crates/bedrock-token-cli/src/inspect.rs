//! `bedrock-token inspect`: the parts of a Bedrock API key, never its secret. A short-term key
//! shows its region, key id and lifetime (never its signature or session token); a long-term key
//! its IAM user and account.

use std::io::Read;

use bedrock_token::provision::API_KEY_SERVICE;
use bedrock_token::{inspect_key, rfc3339, Error, KeyInfo, LongTermKeyInfo, MalformedToken, TokenInfo};
use zeroize::Zeroizing;

use crate::output::ReportFormat;

#[derive(Debug, clap::Args)]
pub struct InspectArgs {
    /// The token, or - (or nothing) to read it from standard input
    token: Option<String>,
    /// Output format
    #[arg(long, value_enum, default_value = "text")]
    format: ReportFormat,
}

pub fn run(args: InspectArgs) -> Result<(), Error> {
    // The key is a bearer secret: our copies of it are wiped when inspection ends.
    let key = match args.token.map(Zeroizing::new) {
        Some(key) if key.as_str() != "-" => key,
        _ => {
            use std::io::IsTerminal;
            if std::io::stdin().is_terminal() {
                eprintln!("bedrock-token: reading a token from standard input; paste it, then press Ctrl-D (or pass it as an argument)");
            }
            let mut input = Zeroizing::new(String::new());
            std::io::stdin()
                .read_to_string(&mut input)
                .map_err(|_| Error::MalformedToken(MalformedToken::NotUtf8))?;
            input
        }
    };
    match inspect_key(&key)? {
        KeyInfo::ShortTerm(info) => short_term(args.format, &info),
        KeyInfo::LongTerm(info) => long_term(args.format, &info),
    }
    Ok(())
}

fn short_term(format: ReportFormat, info: &TokenInfo) {
    let lifetime = info.lifetime.as_secs();
    match format {
        ReportFormat::Json => println!(
            "{}",
            serde_json::json!({
                "kind": "short-term",
                "region": info.region,
                "access_key_id": info.access_key_id,
                "issued_at": rfc3339(info.issued_at),
                "lifetime_seconds": lifetime,
                "expires_at": rfc3339(info.expires_at),
                "has_session_token": info.has_session_token,
                "expired": info.is_expired(),
            })
        ),
        ReportFormat::Text => {
            println!("kind:           short-term (SigV4-presigned)");
            println!("region:         {}", info.region);
            println!("access key id:  {}", info.access_key_id);
            println!("issued at:      {}", rfc3339(info.issued_at));
            println!("lifetime:       {lifetime} s");
            println!("expires at:     {}", rfc3339(info.expires_at));
            println!("session token:  {}", if info.has_session_token { "yes (temporary credentials)" } else { "no" });
            println!("expired:        {}", if info.is_expired() { "yes" } else { "no" });
        }
    }
}

/// A long-term key carries no expiry or status: IAM has them, and the text says where to ask.
fn long_term(format: ReportFormat, info: &LongTermKeyInfo) {
    match format {
        ReportFormat::Json => println!(
            "{}",
            serde_json::json!({
                "kind": "long-term",
                "user_name": info.user_name,
                "account_id": info.account_id,
                "service_user_name": info.service_user_name(),
                "alias": info.alias,
                "suffix": info.suffix,
            })
        ),
        ReportFormat::Text => {
            println!("kind:           long-term (IAM service-specific credential)");
            println!("IAM user:       {}", info.user_name);
            println!("account id:     {}", info.account_id);
            println!("service user:   {}", info.service_user_name());
            println!("alias:          {}", info.alias);
            if let Some(suffix) = &info.suffix {
                println!("alias suffix:   {suffix}");
            }
            println!("secret:         not shown");
            println!(
                "status, expiry: held by IAM, not the key: aws iam list-service-specific-credentials --user-name {} --service-name {API_KEY_SERVICE}",
                info.user_name
            );
        }
    }
}
