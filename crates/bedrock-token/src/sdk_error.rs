//! AWS SDK failures as one line a person can act on, and the endpoint an SDK client uses.

/// The last two distinct messages of an error's source chain (e.g. `dns error: failed to lookup
/// address information`), on one line: what a person can act on, without the SDK's layers or a
/// `Debug` dump.
pub(crate) fn innermost_causes(err: &(dyn std::error::Error + 'static)) -> String {
    let mut chain = vec![err.to_string()];
    let mut source = err.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if chain.last().is_none_or(|last| !last.contains(&text)) {
            chain.push(text);
        }
        source = cause.source();
    }
    let start = chain.len().saturating_sub(2);
    chain[start..].join(": ").split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The endpoint a client of `service_id` (the SDK's service id, e.g. `IAM`, `STS`, `Bedrock
/// Runtime`) made from `config` uses, looked up as the SDK looks it up
/// (`AWS_ENDPOINT_URL_{SERVICE}`, the profile's `services` section, then `AWS_ENDPOINT_URL`), else
/// `default`.
#[cfg(any(feature = "provisioning", feature = "check"))]
pub(crate) fn configured_endpoint(config: &aws_config::SdkConfig, service_id: &str, default: &str) -> String {
    let key = aws_types::service_config::ServiceConfigKey::builder()
        .service_id(service_id)
        .env("AWS_ENDPOINT_URL")
        .profile("endpoint_url")
        .build()
        .ok();
    key.and_then(|key| config.service_config()?.load_config(key))
        .or_else(|| config.endpoint_url().map(str::to_owned))
        .unwrap_or_else(|| default.to_owned())
}

/// What an SDK error comes to for a person: no answer at all, or the service's refusal.
pub(crate) enum Failure {
    /// No answer came back (connection, DNS, TLS, timeout): the innermost causes, on one line.
    Unreachable(String),
    /// The service answered with an error: its code, and `code: message` on one line.
    Refused { code: Option<String>, message: String },
}

/// Sorts an SDK error into [`Failure`], as every operation of this crate reports it.
pub(crate) fn classify<E, R>(err: &aws_smithy_runtime_api::client::result::SdkError<E, R>) -> Failure
where
    E: aws_smithy_types::error::metadata::ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    use aws_smithy_runtime_api::client::result::SdkError;
    use aws_smithy_types::error::metadata::ProvideErrorMetadata;
    if matches!(err, SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) | SdkError::ResponseError(_)) {
        return Failure::Unreachable(innermost_causes(err));
    }
    let message = match (err.code(), err.message()) {
        (Some(code), Some(message)) => format!("{code}: {message}"),
        (Some(code), None) => code.to_owned(),
        _ => innermost_causes(err),
    };
    Failure::Refused { code: err.code().map(str::to_owned), message: message.split_whitespace().collect::<Vec<_>>().join(" ") }
}
