//! `bedrock-token check`: proves, step by step, that these credentials give working Bedrock API
//! keys here: who they are, the token and its real lifetime, the region's foundation models (listed
//! with the token), and (with --invoke) a model's answer.

use bedrock_token::check::{CheckError, Checker, FoundationModel};
use bedrock_token::{human_duration, parse_expiry, rfc3339};

use crate::token::SignArgs;
use crate::Failure;

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    #[command(flatten)]
    sign: SignArgs,
    /// List this provider's foundation models one per line with their lifecycle status, e.g.
    /// anthropic (without it: how many each provider has)
    #[arg(long, value_name = "NAME")]
    provider: Option<String>,
    /// Also call this model once (Converse, 16 output tokens at most) with the token alone, to
    /// prove Bedrock accepts it, e.g. amazon.nova-lite-v1:0
    #[arg(long, value_name = "MODEL_ID")]
    invoke: Option<String>,
}

/// Prints each step as it passes; the first that fails ends the check with its reason.
pub async fn run(args: CheckArgs) -> Result<(), Failure> {
    let expiry = parse_expiry(&args.sign.expiry)?;
    let checker = Checker::from_env(args.sign.aws.region, args.sign.aws.profile).await?;
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
    let models = checker.foundation_models(&token.token, args.provider.as_deref()).await?;
    print_models(&models, args.provider.is_some(), checker.region());
    if let Some(model) = args.invoke {
        let answer = checker.converse(&token.token, &model).await?;
        let answer: String = answer.split_whitespace().collect::<Vec<_>>().join(" ").chars().take(80).collect();
        println!("invoke    {model} accepted the token and answered: {answer}");
    }
    println!("ok");
    Ok(())
}

/// One line per model of the provider asked for; otherwise one line of counts per provider.
fn print_models(models: &[FoundationModel], one_provider: bool, region: &str) {
    let legacy = models.iter().filter(|m| m.status == "LEGACY").count();
    let legacy = if legacy > 0 { format!(", {legacy} LEGACY") } else { String::new() };
    if one_provider {
        let provider = models.first().map_or("", |m| m.provider.as_str());
        println!("models    {} from {provider} in {region}{legacy}:", models.len());
        let width = models.iter().map(|m| m.id.len()).max().unwrap_or(0);
        for model in models {
            println!("            {:width$}  {:6}  {}", model.id, model.status, model.name);
        }
    } else {
        let mut counts: Vec<(&str, usize)> = Vec::new();
        for model in models {
            match counts.last_mut() {
                Some((provider, count)) if *provider == model.provider => *count += 1,
                _ => counts.push((&model.provider, 1)),
            }
        }
        let counts: Vec<String> = counts.iter().map(|(provider, count)| format!("{provider} {count}")).collect();
        println!("models    {} in {region}{legacy}: {}", models.len(), counts.join(", "));
    }
}

impl From<CheckError> for Failure {
    fn from(err: CheckError) -> Self {
        match err {
            CheckError::Token(err) => Failure::Token(err),
            other => Failure::Check(other),
        }
    }
}
