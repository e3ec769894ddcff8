//! What one business unit asks for, from `provision`'s flags or a manifest's `[units.NAME]`
//! table, and the core request it becomes.

use bedrock_token::provision::{BusinessUnit, KeyKind, KeyRequest, PolicyChoice, ProvisionError, ProvisionRequest};

/// Days until a new long-term Bedrock API key expires when none is given.
pub const DEFAULT_API_KEY_DAYS: u32 = 90;

/// The key a unit asks for: `--key` or a manifest's `key`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum KeyArg {
    None,
    AccessKey,
    ApiKey,
}

impl KeyArg {
    /// The kind of key asked for, if any.
    pub fn kind(self) -> Option<KeyKind> {
        match self {
            KeyArg::None => None,
            KeyArg::AccessKey => Some(KeyKind::AccessKey),
            KeyArg::ApiKey => Some(KeyKind::ApiKey),
        }
    }
}

/// One business unit's request, from the command line or a manifest.
pub struct Unit {
    pub business_unit: String,
    pub owner: String,
    pub policy: String,
    pub models: Vec<String>,
    pub key: KeyArg,
    pub api_key_days: u32,
    pub tags: Vec<(String, String)>,
    pub path: String,
    pub force: bool,
}

impl Unit {
    pub fn request(self, dry_run: bool) -> Result<ProvisionRequest, ProvisionError> {
        let policy = PolicyChoice::from_policy_or_models(&self.policy, self.models)?;
        let key = match self.key {
            KeyArg::None => KeyRequest::None,
            KeyArg::AccessKey => KeyRequest::AccessKey,
            KeyArg::ApiKey => KeyRequest::ApiKey { days: self.api_key_days },
        };
        let mut request = ProvisionRequest::new(BusinessUnit::new(&self.business_unit)?, self.owner)
            .policy(policy)
            .key(key)
            .path(self.path)
            .dry_run(dry_run)
            .force(self.force);
        for (k, v) in self.tags {
            request = request.tag(k, v);
        }
        Ok(request)
    }
}
