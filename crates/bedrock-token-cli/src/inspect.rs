//! `bedrock-token inspect`: the parts of a token, never its signature or session token.

use std::io::Read;

use bedrock_token::{inspect_token, rfc3339, Error, MalformedToken};

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
    let token = match args.token.as_deref() {
        Some(token) if token != "-" => token.to_owned(),
        _ => {
            use std::io::IsTerminal;
            if std::io::stdin().is_terminal() {
                eprintln!("bedrock-token: reading a token from standard input; paste it, then press Ctrl-D (or pass it as an argument)");
            }
            let mut input = String::new();
            std::io::stdin()
                .read_to_string(&mut input)
                .map_err(|_| Error::MalformedToken(MalformedToken::NotUtf8))?;
            input
        }
    };
    let info = inspect_token(&token)?;
    let lifetime = info.lifetime.as_secs();
    match args.format {
        ReportFormat::Json => println!(
            "{}",
            serde_json::json!({
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
            println!("region:         {}", info.region);
            println!("access key id:  {}", info.access_key_id);
            println!("issued at:      {}", rfc3339(info.issued_at));
            println!("lifetime:       {lifetime} s");
            println!("expires at:     {}", rfc3339(info.expires_at));
            println!("session token:  {}", if info.has_session_token { "yes (temporary credentials)" } else { "no" });
            println!("expired:        {}", if info.is_expired() { "yes" } else { "no" });
        }
    }
    Ok(())
}
