//! The base URLs of Amazon Bedrock's OpenAI-compatible endpoints, where OpenAI clients (Chat
//! Completions, Responses, model lists) take a Bedrock API key as their API key.

use crate::{validate_region, Error};

/// Which of Bedrock's OpenAI-compatible endpoints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OpenAiEndpoint {
    /// `bedrock-runtime`, AWS's recommendation for new applications:
    /// `https://bedrock-runtime.{region}.amazonaws.com/openai/v1`.
    Runtime,
    /// `bedrock-mantle`, for what only Mantle serves (e.g. the Responses API for GPT OSS models):
    /// `https://bedrock-mantle.{region}.api.aws/v1`. Some models are served under `/openai/v1`
    /// there instead; AWS's model table says which.
    Mantle,
}

/// The OpenAI-compatible base URL of `endpoint` in `region`, with the partition's domain
/// (`amazonaws.com.cn` and `api.amazonwebservices.com.cn` in China, `amazonaws.eu` and
/// `api.amazonwebservices.eu` in the European Sovereign Cloud).
///
/// ```
/// use bedrock_token::{openai_base_url, OpenAiEndpoint};
/// assert_eq!(openai_base_url("us-west-2", OpenAiEndpoint::Runtime)?, "https://bedrock-runtime.us-west-2.amazonaws.com/openai/v1");
/// assert_eq!(openai_base_url("us-east-1", OpenAiEndpoint::Mantle)?, "https://bedrock-mantle.us-east-1.api.aws/v1");
/// assert!(openai_base_url("US-EAST-1", OpenAiEndpoint::Runtime).is_err());
/// # Ok::<(), bedrock_token::Error>(())
/// ```
pub fn openai_base_url(region: &str, endpoint: OpenAiEndpoint) -> Result<String, Error> {
    validate_region(region)?;
    // The partition's DNS suffix and its dual-stack suffix (the `api.aws` family Mantle uses).
    let (dns, dual_stack) = if region.starts_with("cn-") {
        ("amazonaws.com.cn", "api.amazonwebservices.com.cn")
    } else if region.starts_with("eusc-") {
        ("amazonaws.eu", "api.amazonwebservices.eu")
    } else {
        ("amazonaws.com", "api.aws")
    };
    Ok(match endpoint {
        OpenAiEndpoint::Runtime => format!("https://bedrock-runtime.{region}.{dns}/openai/v1"),
        OpenAiEndpoint::Mantle => format!("https://bedrock-mantle.{region}.{dual_stack}/v1"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_partition_gets_its_domain() {
        let url = |region, endpoint| openai_base_url(region, endpoint).unwrap();
        assert_eq!(url("cn-north-1", OpenAiEndpoint::Runtime), "https://bedrock-runtime.cn-north-1.amazonaws.com.cn/openai/v1");
        assert_eq!(url("cn-north-1", OpenAiEndpoint::Mantle), "https://bedrock-mantle.cn-north-1.api.amazonwebservices.com.cn/v1");
        assert_eq!(url("eusc-de-east-1", OpenAiEndpoint::Runtime), "https://bedrock-runtime.eusc-de-east-1.amazonaws.eu/openai/v1");
        assert_eq!(url("us-gov-west-1", OpenAiEndpoint::Runtime), "https://bedrock-runtime.us-gov-west-1.amazonaws.com/openai/v1");
        let err = openai_base_url("us east 1", OpenAiEndpoint::Mantle).unwrap_err();
        assert!(matches!(err, Error::InvalidRegion { .. }), "{err}");
    }
}
