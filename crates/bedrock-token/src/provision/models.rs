//! Models as people name them, and the IAM resources that let a key invoke them.
//!
//! `--model` takes a foundation-model ID (`anthropic.claude-3-haiku-20240307-v1:0`), a
//! foundation-model ARN, or an inference-profile ID or ARN (`us.anthropic.claude-…`,
//! `global.anthropic.claude-…`). Many current models are invoked on demand only through an
//! inference profile, and a profile routes each request to the foundation model in one of several
//! regions. So, as AWS's inference-profile documentation prescribes, a profile is granted together
//! with its foundation model in every region, and only when called through that profile
//! (`bedrock:InferenceProfileArn`).

use super::{Partition, ProvisionError};

/// The geographic prefixes of system-defined cross-region inference profiles.
pub const PROFILE_PREFIXES: [&str; 8] = ["us", "eu", "apac", "us-gov", "global", "ca", "jp", "au"];

/// A model, as given, resolved to what IAM names.
///
/// ```
/// use bedrock_token::provision::ModelRef;
/// let haiku = ModelRef::parse("anthropic.claude-3-haiku-20240307-v1:0")?;
/// assert_eq!(haiku, ModelRef::FoundationModel { partition: None, region: None, id: "anthropic.claude-3-haiku-20240307-v1:0".into() });
/// let profile = ModelRef::parse("us.anthropic.claude-sonnet-4-20250514-v1:0")?;
/// assert!(matches!(profile, ModelRef::InferenceProfile { .. }));
/// assert!(ModelRef::parse("claude please").is_err());
/// # Ok::<(), bedrock_token::provision::ProvisionError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModelRef {
    /// A foundation model, in one region (from an ARN) or in any (from a bare ID).
    FoundationModel {
        /// The partition of the ARN, if one was given (else the IAM client's).
        partition: Option<String>,
        /// The region of the ARN, if one was given.
        region: Option<String>,
        /// The model ID, e.g. `anthropic.claude-3-haiku-20240307-v1:0`.
        id: String,
    },
    /// An inference profile, from its ID (any region and account) or its ARN.
    InferenceProfile {
        /// The profile's ID, e.g. `us.anthropic.claude-sonnet-4-20250514-v1:0`.
        id: String,
        /// The profile's ARN, if one was given (else every region and account of the IAM
        /// client's partition).
        arn: Option<String>,
        /// The foundation model it routes to, e.g. `anthropic.claude-sonnet-4-20250514-v1:0`.
        model_id: String,
    },
}

const ACCEPTED: &str = "use a model ID (anthropic.claude-3-haiku-20240307-v1:0), a foundation-model ARN \
(arn:aws:bedrock:REGION::foundation-model/ID), an inference-profile ID (us.anthropic.claude-…, global.…) \
or an inference-profile ARN (arn:aws:bedrock:REGION:ACCOUNT:inference-profile/ID)";

impl ModelRef {
    /// Reads a model reference; anything else is refused, naming the accepted forms.
    ///
    /// ```
    /// let arn = "arn:aws:bedrock:eu-west-1:123456789012:inference-profile/eu.anthropic.claude-3-haiku-20240307-v1:0";
    /// let profile = bedrock_token::provision::ModelRef::parse(arn)?;
    /// assert!(matches!(profile, bedrock_token::provision::ModelRef::InferenceProfile { model_id, .. } if model_id == "anthropic.claude-3-haiku-20240307-v1:0"));
    /// # Ok::<(), bedrock_token::provision::ProvisionError>(())
    /// ```
    pub fn parse(text: &str) -> Result<Self, ProvisionError> {
        let refuse = || ProvisionError::InvalidInput { field: "models", reason: format!("{text:?}: {ACCEPTED}") };
        if let Some(rest) = text.strip_prefix("arn:") {
            let parts: Vec<&str> = rest.splitn(5, ':').collect();
            let [partition, "bedrock", region, account, resource] = parts[..] else { return Err(refuse()) };
            if partition.is_empty() || region.is_empty() {
                return Err(refuse());
            }
            let partition = Some(partition.to_owned());
            if let Some(id) = resource.strip_prefix("foundation-model/").filter(|_| account.is_empty()) {
                return model_id(id).map(|id| Self::FoundationModel { partition, region: Some(region.to_owned()), id }).ok_or_else(refuse);
            }
            if let Some(id) = resource.strip_prefix("inference-profile/").filter(|_| account.len() == 12) {
                let model_id = profile_model(id).ok_or_else(refuse)?;
                return Ok(Self::InferenceProfile { id: id.to_owned(), arn: Some(text.to_owned()), model_id });
            }
            return Err(refuse());
        }
        if let Some(model_id) = profile_model(text) {
            return Ok(Self::InferenceProfile { id: text.to_owned(), arn: None, model_id });
        }
        model_id(text).map(|id| Self::FoundationModel { partition: None, region: None, id }).ok_or_else(refuse)
    }

    /// The partition named by the ARN this was read from; none for a bare ID.
    ///
    /// ```
    /// let gov = bedrock_token::provision::ModelRef::parse("arn:aws-us-gov:bedrock:us-gov-west-1::foundation-model/amazon.nova-pro-v1:0")?;
    /// assert_eq!(gov.partition(), Some("aws-us-gov"));
    /// # Ok::<(), bedrock_token::provision::ProvisionError>(())
    /// ```
    pub fn partition(&self) -> Option<&str> {
        match self {
            Self::FoundationModel { partition, .. } => partition.as_deref(),
            Self::InferenceProfile { arn, .. } => arn.as_deref().and_then(|arn| arn.split(':').nth(1)),
        }
    }

    /// The policy statements that let a key invoke this model in `partition`: the foundation
    /// model itself, or the profile plus its foundation model in every region, only through the
    /// profile.
    pub(crate) fn statements(&self, partition: Partition, actions: &serde_json::Value, sid: usize) -> Vec<serde_json::Value> {
        match self {
            Self::FoundationModel { region, id, .. } => {
                let region = region.as_deref().unwrap_or("*");
                vec![serde_json::json!({"Sid": format!("InvokeModel{sid}"), "Effect": "Allow", "Action": actions, "Resource": format!("arn:{partition}:bedrock:{region}::foundation-model/{id}")})]
            }
            Self::InferenceProfile { id, arn, model_id } => {
                let arn = arn.clone().unwrap_or_else(|| format!("arn:{partition}:bedrock:*:*:inference-profile/{id}"));
                vec![
                    serde_json::json!({"Sid": format!("InvokeProfile{sid}"), "Effect": "Allow", "Action": actions, "Resource": arn}),
                    serde_json::json!({
                        "Sid": format!("InvokeProfileModel{sid}"),
                        "Effect": "Allow",
                        "Action": actions,
                        "Resource": format!("arn:{partition}:bedrock:*::foundation-model/{model_id}"),
                        "Condition": {"StringLike": {"bedrock:InferenceProfileArn": arn}},
                    }),
                ]
            }
        }
    }
}

/// A foundation-model ID: `provider.name` of letters, digits and `-._:`.
fn model_id(text: &str) -> Option<String> {
    let (provider, name) = text.split_once('.')?;
    let ok = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || "-._:".contains(c));
    (provider.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-') && !provider.is_empty() && ok(name) && !PROFILE_PREFIXES.contains(&provider))
        .then(|| text.to_owned())
}

/// The model an inference-profile ID routes to: the ID without its geographic prefix.
fn profile_model(text: &str) -> Option<String> {
    let (prefix, model) = text.split_once('.')?;
    (PROFILE_PREFIXES.contains(&prefix)).then_some(())?;
    model_id(model)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form_resolves_and_other_shapes_are_refused() {
        let fm = ModelRef::parse("arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-pro-v1:0").unwrap();
        assert_eq!(fm, ModelRef::FoundationModel { partition: Some("aws".into()), region: Some("us-east-1".into()), id: "amazon.nova-pro-v1:0".into() });
        let global = ModelRef::parse("global.anthropic.claude-sonnet-4-5-20250929-v1:0").unwrap();
        assert_eq!(
            global,
            ModelRef::InferenceProfile {
                id: "global.anthropic.claude-sonnet-4-5-20250929-v1:0".into(),
                arn: None,
                model_id: "anthropic.claude-sonnet-4-5-20250929-v1:0".into()
            }
        );
        let statements = global.statements(Partition::AwsUsGov, &serde_json::json!("bedrock:InvokeModel"), 1);
        assert_eq!(statements[0]["Resource"], "arn:aws-us-gov:bedrock:*:*:inference-profile/global.anthropic.claude-sonnet-4-5-20250929-v1:0");
        assert_eq!(statements[1]["Resource"], "arn:aws-us-gov:bedrock:*::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0");
        let gov = ModelRef::parse("arn:aws-us-gov:bedrock:us-gov-west-1::foundation-model/amazon.nova-pro-v1:0").unwrap();
        let statements = gov.statements(Partition::AwsUsGov, &serde_json::json!("bedrock:InvokeModel"), 1);
        assert_eq!(statements[0]["Resource"], "arn:aws-us-gov:bedrock:us-gov-west-1::foundation-model/amazon.nova-pro-v1:0", "the ARN's partition is kept");
        for bad in [
            "",
            "model",
            "us.",
            "arn:aws:bedrock:us-east-1::foundation-model/",
            "arn:aws:s3:::bucket",
            "arn:aws:bedrock:us-east-1:123:inference-profile/us.anthropic.x",
            "arn:aws:bedrock:us-east-1::custom-model/x",
            "anthropic.claude 3",
        ] {
            let err = ModelRef::parse(bad).unwrap_err().to_string();
            assert!(err.starts_with("models: ") && err.contains("inference-profile ID"), "{bad}: {err}");
        }
    }
}
