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
