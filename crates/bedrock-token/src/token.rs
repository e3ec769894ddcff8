//! [`Token`]: a signed short-term Bedrock API key and what is known about it.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use chrono::{DateTime, Utc};

use crate::secret::SecretString;

/// What `Debug` and `Display` print instead of a token's value.
pub const REDACTED_TOKEN: &str = "bedrock-api-key-****";

/// A short-term Bedrock API key.
///
/// The value is a bearer credential: `Debug` and `Display` print `bedrock-api-key-****`, and the
/// memory holding it is zeroed on drop. Read it explicitly with [`Token::as_str`].
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use aws_credential_types::Credentials;
///
/// let credentials = Credentials::from_keys("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", None);
/// let at = SystemTime::UNIX_EPOCH + Duration::from_secs(1_769_248_800);
/// let token = bedrock_token::sign_token(&credentials, "us-east-1", Duration::from_secs(60), at)?;
/// assert_eq!(token.expires_at(), at + Duration::from_secs(60));
/// assert_eq!(token.expires_at_utc().to_rfc3339(), "2026-01-24T10:01:00+00:00");
/// assert!(!format!("{token:?}").contains(token.as_str()));
/// # Ok::<(), bedrock_token::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Token {
    value: SecretString,
    region: Arc<str>,
    access_key_id: Arc<str>,
    issued_at: SystemTime,
    lifetime: Duration,
    expires_at: SystemTime,
}

impl Token {
    pub(crate) fn new(
        value: SecretString,
        region: Arc<str>,
        access_key_id: Arc<str>,
        issued_at: SystemTime,
        lifetime: Duration,
        expires_at: SystemTime,
    ) -> Self {
        Self {
            value,
            region,
            access_key_id,
            issued_at,
            lifetime,
            expires_at,
        }
    }

    /// The token itself, `bedrock-api-key-…`: send it as `Authorization: Bearer <token>` or set it
    /// as `AWS_BEARER_TOKEN_BEDROCK`.
    ///
    /// ```
    /// # let c = aws_credential_types::Credentials::from_keys("AKIAIOSFODNN7EXAMPLE", "secret", None);
    /// # let token = bedrock_token::sign_token(&c, "us-east-1", std::time::Duration::from_secs(60), std::time::SystemTime::now())?;
    /// let header = format!("Bearer {}", token.as_str());
    /// # assert!(header.starts_with("Bearer bedrock-api-key-"));
    /// # Ok::<(), bedrock_token::Error>(())
    /// ```
    pub fn as_str(&self) -> &str {
        self.value.as_str()
    }

    /// When the token stops working: the earlier of signing time + lifetime and the expiry of
    /// the credentials that signed it.
    ///
    /// ```
    /// # let c = aws_credential_types::Credentials::from_keys("AKIAIOSFODNN7EXAMPLE", "secret", None);
    /// # let now = std::time::SystemTime::now();
    /// # let token = bedrock_token::sign_token(&c, "us-east-1", std::time::Duration::from_secs(60), now)?;
    /// assert!(token.expires_at() > token.issued_at());
    /// # Ok::<(), bedrock_token::Error>(())
    /// ```
    pub fn expires_at(&self) -> SystemTime {
        self.expires_at
    }

    /// [`Token::expires_at`] as a `chrono` UTC time.
    ///
    /// ```
    /// # let c = aws_credential_types::Credentials::from_keys("AKIAIOSFODNN7EXAMPLE", "secret", None);
    /// # let token = bedrock_token::sign_token(&c, "us-east-1", std::time::Duration::from_secs(60), std::time::SystemTime::now())?;
    /// let expires: chrono::DateTime<chrono::Utc> = token.expires_at_utc();
    /// # assert!(expires > chrono::Utc::now());
    /// # Ok::<(), bedrock_token::Error>(())
    /// ```
    pub fn expires_at_utc(&self) -> DateTime<Utc> {
        self.expires_at.into()
    }

    /// The signing time (whole seconds), which is also the token's `X-Amz-Date`.
    ///
    /// ```
    /// # let c = aws_credential_types::Credentials::from_keys("AKIAIOSFODNN7EXAMPLE", "secret", None);
    /// # let token = bedrock_token::sign_token(&c, "us-east-1", std::time::Duration::from_secs(60), std::time::SystemTime::now())?;
    /// assert!(token.issued_at() <= std::time::SystemTime::now());
    /// # Ok::<(), bedrock_token::Error>(())
    /// ```
    pub fn issued_at(&self) -> SystemTime {
        self.issued_at
    }

    /// The lifetime signed into the token (`X-Amz-Expires`).
    ///
    /// ```
    /// # let c = aws_credential_types::Credentials::from_keys("AKIAIOSFODNN7EXAMPLE", "secret", None);
    /// # let token = bedrock_token::sign_token(&c, "us-east-1", std::time::Duration::from_secs(60), std::time::SystemTime::now())?;
    /// assert_eq!(token.lifetime().as_secs(), 60);
    /// # Ok::<(), bedrock_token::Error>(())
    /// ```
    pub fn lifetime(&self) -> Duration {
        self.lifetime
    }

    /// The region the token is signed for.
    ///
    /// ```
    /// # let c = aws_credential_types::Credentials::from_keys("AKIAIOSFODNN7EXAMPLE", "secret", None);
    /// # let token = bedrock_token::sign_token(&c, "eu-west-1", std::time::Duration::from_secs(60), std::time::SystemTime::now())?;
    /// assert_eq!(token.region(), "eu-west-1");
    /// # Ok::<(), bedrock_token::Error>(())
    /// ```
    pub fn region(&self) -> &str {
        &self.region
    }

    /// The access key id of the credentials that signed the token (not a secret).
    ///
    /// ```
    /// # let c = aws_credential_types::Credentials::from_keys("AKIAIOSFODNN7EXAMPLE", "secret", None);
    /// # let token = bedrock_token::sign_token(&c, "us-east-1", std::time::Duration::from_secs(60), std::time::SystemTime::now())?;
    /// assert_eq!(token.access_key_id(), "AKIAIOSFODNN7EXAMPLE");
    /// # Ok::<(), bedrock_token::Error>(())
    /// ```
    pub fn access_key_id(&self) -> &str {
        &self.access_key_id
    }

    /// How long the token still works at `now` (zero once expired).
    ///
    /// ```
    /// # let c = aws_credential_types::Credentials::from_keys("AKIAIOSFODNN7EXAMPLE", "secret", None);
    /// # let now = std::time::SystemTime::now();
    /// # let token = bedrock_token::sign_token(&c, "us-east-1", std::time::Duration::from_secs(60), now)?;
    /// assert!(token.remaining_at(now) <= std::time::Duration::from_secs(60));
    /// # Ok::<(), bedrock_token::Error>(())
    /// ```
    pub fn remaining_at(&self, now: SystemTime) -> Duration {
        self.expires_at.duration_since(now).unwrap_or(Duration::ZERO)
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Token")
            .field("value", &REDACTED_TOKEN)
            .field("region", &self.region)
            .field("access_key_id", &self.access_key_id)
            .field("issued_at", &crate::rfc3339(self.issued_at))
            .field("expires_at", &crate::rfc3339(self.expires_at))
            .finish()
    }
}

/// Prints `bedrock-api-key-****`, so a token interpolated by accident is not leaked.
impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED_TOKEN)
    }
}
