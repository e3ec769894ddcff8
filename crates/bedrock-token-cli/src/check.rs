//! `bedrock-token check`: proves, step by step, that these credentials give working Bedrock API
//! keys here: who they are, the token and its real lifetime, and (with --invoke) Bedrock's answer.

use bedrock_token::check::{CheckError, Checker};
use bedrock_token::{human_duration, parse_expiry, rfc3339};

use crate::token::SignArgs;
use crate::Failure;

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    #[command(flatten)]
    sign: SignArgs,
    /// Also call this model once (Converse, 16 output tokens at most) with the token alone, to
    /// prove Bedrock accepts it, e.g. amazon.nova-lite-v1:0
    #[arg(long, value_name = "MODEL_ID")]
    invoke: Option<String>,
}

/// Prints each step as it passes; the first that fails ends the check with its reason.
pub async fn run(args: CheckArgs) -> Result<(), Failure> {
    let expiry = parse_expiry(&args.sign.expiry)?;
    let checker = Checker::from_env(args.sign.region, args.sign.profile).await?;
    let identity = checker.identity().await?;
    println!("identity  {} (account {})", identity.arn, identity.account);
    let token = checker.token(expiry)?;
    let until = rfc3339(token.token.expires_at());
    if token.capped_by_credentials() {
        println!(
            "token     usable for {}, until {until}: the credentials expire then (a role or SSO session), before the {} asked for",
            human_duration(token.usable()),
            human_duration(token.requested)
        );
    } else {
        println!("token     usable for {}, until {until} (region {})", human_duration(token.usable()), checker.region());
    }
    if let Some(model) = args.invoke {
        let answer = checker.converse(&token.token, &model).await?;
        let answer: String = answer.split_whitespace().collect::<Vec<_>>().join(" ").chars().take(80).collect();
        println!("invoke    {model} accepted the token and answered: {answer}");
    }
    println!("ok");
    Ok(())
}

impl From<CheckError> for Failure {
    fn from(err: CheckError) -> Self {
        match err {
            CheckError::Token(err) => Failure::Token(err),
            other => Failure::Check(other),
        }
    }
}
