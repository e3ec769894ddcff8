//! Provisioning faults that the IAM emulator (moto with this project's extension) cannot play at
//! a chosen step: it throttles only every Nth request, never answers 5xx, refuses no step with
//! `AccessDenied` once authenticated, is never eventually consistent, and supports Bedrock API
//! keys everywhere. Tested with
//! `aws-smithy-mocks` rule clients, SDK retries disabled; each test says which of these it needs.
//! Everything the emulator can do is tested against it over HTTP in
//! `crates/bedrock-token-cli/tests/provision_{moto,converges}.rs`.

use aws_sdk_iam::operation::{
    attach_user_policy::AttachUserPolicyError,
    get_user::{GetUserError, GetUserOutput}, list_access_keys::ListAccessKeysOutput,
    list_attached_user_policies::ListAttachedUserPoliciesOutput,
    list_service_specific_credentials::{ListServiceSpecificCredentialsError, ListServiceSpecificCredentialsOutput},
    list_user_policies::ListUserPoliciesOutput, list_user_tags::ListUserTagsOutput,
};
use aws_sdk_iam::types::{
    error::NoSuchEntityException, ServiceSpecificCredentialMetadata, StatusType, Tag, User,
};
use aws_sdk_iam::Client;
use aws_smithy_mocks::{mock, mock_client, Rule, RuleMode};
use aws_smithy_runtime_api::http::{Response, StatusCode};
use aws_smithy_types::{body::SdkBody, error::ErrorMetadata, retry::RetryConfig, DateTime};
use bedrock_token::provision::{Action, BusinessUnit, Iam, KeyRequest, ProvisionError, ProvisionRequest, SecurityWarning};

const USER: &str = "data-bedrock-user";

fn iam(rules: &[&Rule]) -> Iam {
    let client: Client = mock_client!(aws_sdk_iam, RuleMode::MatchAny, rules, |c| c.retry_config(RetryConfig::disabled()));
    Iam::new(client)
}

fn request(key: KeyRequest) -> ProvisionRequest {
    ProvisionRequest::new(BusinessUnit::new("data").unwrap(), "data@example.com").key(key)
}

fn no_such_entity() -> NoSuchEntityException {
    NoSuchEntityException::builder().message("no user").meta(denied("NoSuchEntity")).build()
}

/// The user as IAM describes it, created at 1 700 000 000 (unix seconds).
fn the_user() -> User {
    User::builder().path("/bedrock/").user_name(USER).user_id("AIDA").arn(format!("arn:aws:iam::123456789012:user/bedrock/{USER}")).create_date(DateTime::from_secs(1_700_000_000)).build().unwrap()
}

/// GetUser: no such user when first read, then (once created) the user.
fn no_such_user() -> Rule {
    let user = the_user();
    mock!(Client::get_user)
        .sequence()
        .error(|| GetUserError::NoSuchEntityException(no_such_entity()))
        .output(move || GetUserOutput::builder().user(user.clone()).build())
        .repeatedly()
        .build()
}

fn create_user() -> Rule {
    mock!(Client::create_user).then_output(|| aws_sdk_iam::operation::create_user::CreateUserOutput::builder().build())
}

fn attach_user_policy() -> Rule {
    mock!(Client::attach_user_policy).then_output(|| aws_sdk_iam::operation::attach_user_policy::AttachUserPolicyOutput::builder().build())
}

fn tag_user() -> Rule {
    mock!(Client::tag_user).then_output(|| aws_sdk_iam::operation::tag_user::TagUserOutput::builder().build())
}

/// ListAccessKeys and ListServiceSpecificCredentials: none, then (for the API keys) `after`.
fn key_lists(after: Vec<ServiceSpecificCredentialMetadata>) -> [Rule; 2] {
    [
        mock!(Client::list_access_keys).then_output(|| ListAccessKeysOutput::builder().set_access_key_metadata(Some(vec![])).build().unwrap()),
        mock!(Client::list_service_specific_credentials).then_output(move || ListServiceSpecificCredentialsOutput::builder().set_service_specific_credentials(Some(after.clone())).build()),
    ]
}

fn denied(code: &str) -> ErrorMetadata {
    ErrorMetadata::builder().code(code).message(format!("{code} for test")).build()
}

/// An existing user tagged by us, with the given Bedrock API keys (`(id, created at unix seconds)`).
fn existing_user(api_keys: &[(&str, i64)]) -> Vec<Rule> {
    let user = the_user();
    let credentials: Vec<_> = api_keys
        .iter()
        .map(|(id, at)| {
            ServiceSpecificCredentialMetadata::builder().user_name(USER).status(StatusType::Active).service_user_name("svc")
                .create_date(DateTime::from_secs(*at)).service_specific_credential_id(*id).service_name("bedrock.amazonaws.com").build().unwrap()
        })
        .collect();
    vec![
        mock!(Client::get_user).then_output(move || GetUserOutput::builder().user(user.clone()).build()),
        mock!(Client::list_user_tags).then_output(|| ListUserTagsOutput::builder().tags(Tag::builder().key("created-by").value("bedrock-token").build().unwrap()).build().unwrap()),
        mock!(Client::list_attached_user_policies).then_output(|| ListAttachedUserPoliciesOutput::builder().build()),
        mock!(Client::list_user_policies).then_output(|| ListUserPoliciesOutput::builder().set_policy_names(Some(vec![])).build().unwrap()),
        mock!(Client::list_access_keys).then_output(|| ListAccessKeysOutput::builder().set_access_key_metadata(Some(vec![])).build().unwrap()),
        mock!(Client::list_service_specific_credentials).then_output(move || ListServiceSpecificCredentialsOutput::builder().set_service_specific_credentials(Some(credentials.clone())).build()),
    ]
}

#[tokio::test]
async fn a_failed_step_reports_what_exists_and_how_to_remove_it() {
    let create_user = create_user();
    let attach = mock!(Client::attach_user_policy).then_error(|| AttachUserPolicyError::generic(denied("AccessDenied")));
    let create_key = mock!(Client::create_access_key).then_output(|| aws_sdk_iam::operation::create_access_key::CreateAccessKeyOutput::builder().build());
    let iam = iam(&[&no_such_user(), &create_user, &attach, &create_key]);
    let err = iam.provision(&request(KeyRequest::AccessKey)).await.unwrap_err();
    let ProvisionError::Partial { failed, completed, cleanup, source } = &err else { panic!("{err:?}") };
    assert!(matches!(failed.as_ref(), Action::AttachPolicy { .. }));
    assert!(matches!(completed.as_slice(), [Action::CreateUser { .. }]));
    assert_eq!(cleanup, &[format!("aws iam delete-user --user-name {USER}")]);
    assert!(matches!(source.as_ref(), ProvisionError::Iam { operation: "AttachUserPolicy", code: Some(c), .. } if c == "AccessDenied"));
    assert_eq!(create_key.num_calls(), 0, "stops at the failed step");
    assert!(err.to_string().contains("to remove: [aws iam delete-user --user-name data-bedrock-user]"), "{err}");
}

/// Needs a 5xx answer to CreateServiceSpecificCredential: IAM failed while handling it, so whether
/// the key exists is unknown and the keys are listed again before anything is reported.
#[tokio::test]
async fn a_server_error_creating_the_key_lists_the_keys_again_before_reporting() {
    let create_user = create_user();
    let attach = attach_user_policy();
    let create_key = || {
        mock!(Client::create_service_specific_credential).then_http_response(|| Response::new(StatusCode::try_from(503).unwrap(), SdkBody::from("")))
    };
    let (key, tag) = (create_key(), tag_user());
    let [access, api] = key_lists(vec![]);
    let iam_none_made = iam(&[&no_such_user(), &create_user, &attach, &tag, &key, &access, &api]);
    let err = iam_none_made.provision(&request(KeyRequest::ApiKey { days: 90 })).await.unwrap_err();
    assert_eq!(api.num_calls(), 1, "listed again");
    let ProvisionError::Partial { cleanup, source, .. } = &err else { panic!("{err:?}") };
    assert!(matches!(source.as_ref(), ProvisionError::Iam { status: Some(503), .. }), "{source:?}");
    assert_eq!(cleanup, &[
        format!("aws iam detach-user-policy --user-name {USER} --policy-arn arn:aws:iam::aws:policy/AmazonBedrockLimitedAccess"),
        format!("aws iam delete-user --user-name {USER}"),
    ]);

    // IAM made the key before failing: nobody holds its secret, and the error names it.
    let made = ServiceSpecificCredentialMetadata::builder().user_name(USER).status(StatusType::Active).service_user_name("svc")
        .create_date(DateTime::from_secs(1_700_000_100)).service_specific_credential_id("ACCAMADEBY500ANSWER1").service_name("bedrock.amazonaws.com").build().unwrap();
    let (key, tag) = (create_key(), tag_user());
    let [access, api] = key_lists(vec![made]);
    let err = iam(&[&no_such_user(), &create_user, &attach, &tag, &key, &access, &api]).provision(&request(KeyRequest::ApiKey { days: 90 })).await.unwrap_err();
    let ProvisionError::Partial { source, .. } = &err else { panic!("{err:?}") };
    assert!(matches!(source.as_ref(), ProvisionError::KeyLost { id, .. } if id == "ACCAMADEBY500ANSWER1"), "{source:?}");
    assert!(err.to_string().contains("aws iam delete-service-specific-credential --user-name data-bedrock-user --service-specific-credential-id ACCAMADEBY500ANSWER1"), "{err}");
}

/// Needs IAM to throttle one chosen call several times in a row: it is sent again until IAM
/// answers, within the deadline, and provisioning goes on.
#[tokio::test]
async fn throttling_is_sent_again_until_iam_answers() {
    let user = the_user();
    let get_user = mock!(Client::get_user)
        .sequence()
        .error(|| GetUserError::generic(denied("Throttling")))
        .times(3)
        .error(|| GetUserError::NoSuchEntityException(no_such_entity()))
        .output(move || GetUserOutput::builder().user(user.clone()).build())
        .repeatedly()
        .build();
    let create_user = create_user();
    let attach = mock!(Client::attach_user_policy)
        .sequence()
        .error(|| AttachUserPolicyError::generic(denied("Throttling")))
        .times(2)
        .output(|| aws_sdk_iam::operation::attach_user_policy::AttachUserPolicyOutput::builder().build())
        .build();
    let tag = tag_user();
    let report = iam(&[&get_user, &create_user, &attach, &tag]).provision(&request(KeyRequest::None)).await.unwrap();
    assert!(matches!(report.actions.as_slice(), [Action::CreateUser { .. }, Action::AttachPolicy { .. }, Action::TagUser { .. }]), "{:?}", report.actions);
    assert_eq!((get_user.num_calls(), attach.num_calls()), (5, 3), "three and two throttled answers, each sent again");
}

#[tokio::test]
async fn access_denied_listing_api_keys_is_an_error_not_a_warning() {
    let mut rules = existing_user(&[]);
    rules[5] = mock!(Client::list_service_specific_credentials).then_error(|| ListServiceSpecificCredentialsError::generic(denied("AccessDenied")));
    let refs: Vec<&Rule> = rules.iter().collect();
    let err = iam(&refs).deprovision(&BusinessUnit::new("data").unwrap(), false, false).await.unwrap_err();
    assert!(matches!(&err, ProvisionError::Iam { operation: "ListServiceSpecificCredentials", .. }), "{err:?}");
}

#[tokio::test]
async fn bad_input_fails_before_any_call() {
    let get_user = mock!(Client::get_user).then_output(|| aws_sdk_iam::operation::get_user::GetUserOutput::builder().build());
    let iam = iam(&[&get_user]);
    let cases = [
        (ProvisionRequest::new(BusinessUnit::new("d").unwrap(), "not-an-email"), "owner"),
        (request(KeyRequest::ApiKey { days: 0 }), "api_key_days"),
        (request(KeyRequest::ApiKey { days: 36_601 }), "api_key_days"),
        (request(KeyRequest::None).tag("owner", "x@example.com"), "tag"),
        (request(KeyRequest::None).path("bedrock"), "path"),
        (request(KeyRequest::None).policy(bedrock_token::provision::PolicyChoice::InvokeModels(vec!["model".into()])), "models"),
    ];
    for (request, field) in cases {
        let err = iam.provision(&request).await.unwrap_err();
        assert!(matches!(err, ProvisionError::InvalidInput { field: f, .. } if f == field), "{field}: {err:?}");
    }
    assert_eq!(get_user.num_calls(), 0);
}

/// How an injected failure shows at each step of provisioning a new user with an API key:
/// before anything exists, a plain IAM error; after, a partial failure listing what to remove.
/// (Throttling is sent again instead: `throttling_is_sent_again_until_iam_answers`.)
#[tokio::test]
async fn every_provisioning_step_fails_cleanly_on_5xx_and_access_denied() {
    use aws_sdk_iam::operation::{
        create_service_specific_credential::CreateServiceSpecificCredentialError, create_user::CreateUserError,
    };
    use aws_sdk_iam::operation::tag_user::TagUserError;
    #[derive(Clone, Copy, Debug)]
    enum Fault {
        ServerError,
        AccessDenied,
    }
    // The steps, and how many removal commands a failure at each lists (TagUser removes nothing).
    let steps = [("GetUser", 0), ("CreateUser", 0), ("AttachUserPolicy", 1), ("TagUser", 2), ("CreateServiceSpecificCredential", 2)];
    for (index, (step, removals)) in steps.iter().enumerate() {
        for fault in [Fault::ServerError, Fault::AccessDenied] {
            let failing = |i: usize| i == index;
            let http_500 = || Response::new(StatusCode::try_from(500).unwrap(), SdkBody::from(""));
            let code = "AccessDenied";
            let get_user = match (failing(0), fault) {
                (true, Fault::ServerError) => mock!(Client::get_user).then_http_response(http_500),
                (true, _) => mock!(Client::get_user).then_error(move || GetUserError::generic(denied(code))),
                _ => no_such_user(),
            };
            let create_user = match (failing(1), fault) {
                (true, Fault::ServerError) => mock!(Client::create_user).then_http_response(http_500),
                (true, _) => mock!(Client::create_user).then_error(move || CreateUserError::generic(denied(code))),
                _ => create_user(),
            };
            let attach = match (failing(2), fault) {
                (true, Fault::ServerError) => mock!(Client::attach_user_policy).then_http_response(http_500),
                (true, _) => mock!(Client::attach_user_policy).then_error(move || AttachUserPolicyError::generic(denied(code))),
                _ => attach_user_policy(),
            };
            let tag = match (failing(3), fault) {
                (true, Fault::ServerError) => mock!(Client::tag_user).then_http_response(http_500),
                (true, _) => mock!(Client::tag_user).then_error(move || TagUserError::generic(denied(code))),
                _ => tag_user(),
            };
            let create_key = match fault {
                Fault::ServerError => mock!(Client::create_service_specific_credential).then_http_response(http_500),
                _ => mock!(Client::create_service_specific_credential).then_error(move || CreateServiceSpecificCredentialError::generic(denied(code))),
            };
            let [access, api] = key_lists(vec![]);
            let err = iam(&[&get_user, &create_user, &attach, &tag, &create_key, &access, &api])
                .provision(&request(KeyRequest::ApiKey { days: 30 }))
                .await
                .unwrap_err();
            let (failed_operation, cleanup) = match &err {
                ProvisionError::Partial { source, cleanup, .. } => match source.as_ref() {
                    ProvisionError::Iam { operation, .. } => (*operation, cleanup.len()),
                    other => panic!("{step} {fault:?}: {other:?}"),
                },
                ProvisionError::Iam { operation, .. } => (*operation, 0),
                other => panic!("{step} {fault:?}: {other:?}"),
            };
            assert_eq!(failed_operation, *step, "{fault:?}");
            // Steps before the failure that created something must be listed for removal.
            assert_eq!(cleanup, *removals, "{step} {fault:?}: {err}");
            let calls = [get_user.num_calls(), create_user.num_calls(), attach.num_calls(), tag.num_calls(), create_key.num_calls()];
            assert!(calls[index + 1..].iter().all(|&c| c == 0), "{step} {fault:?}: nothing after the failed step ran: {calls:?}");
        }
    }
}

/// Needs eventual consistency, which the emulator never shows: IAM does not show the new user to
/// the first read after `CreateUser`, and refuses the first `AttachUserPolicy` with `NoSuchEntity`.
#[tokio::test]
async fn a_new_user_iam_does_not_show_yet_is_waited_for_and_its_next_step_retried() {
    let user = the_user();
    let get_user = mock!(Client::get_user)
        .sequence()
        .error(|| GetUserError::NoSuchEntityException(no_such_entity()))
        .times(2)
        .output(move || GetUserOutput::builder().user(user.clone()).build())
        .repeatedly()
        .build();
    let create_user = create_user();
    let attach = mock!(Client::attach_user_policy)
        .sequence()
        .error(|| AttachUserPolicyError::NoSuchEntityException(no_such_entity()))
        .output(|| aws_sdk_iam::operation::attach_user_policy::AttachUserPolicyOutput::builder().build())
        .repeatedly()
        .build();
    let tag = tag_user();
    let report = iam(&[&get_user, &create_user, &attach, &tag]).provision(&request(KeyRequest::None)).await.unwrap();
    assert!(matches!(report.actions.as_slice(), [Action::CreateUser { .. }, Action::AttachPolicy { .. }, Action::TagUser { .. }]), "{:?}", report.actions);
    assert_eq!(get_user.num_calls(), 3, "read, not yet visible, visible");
    assert_eq!(attach.num_calls(), 2, "NoSuchEntity right after CreateUser is retried");
}

/// Needs an IAM without Bedrock API keys (as in a partition that lacks them), which the emulator
/// is not: only `NotSupportedService` downgrades to a warning; an answer without a code does not.
#[tokio::test]
async fn only_an_explicit_not_supported_answer_downgrades_listing_api_keys_to_a_warning() {
    use aws_sdk_iam::types::error::ServiceNotSupportedException;
    let mut rules = existing_user(&[]);
    rules[5] = mock!(Client::list_service_specific_credentials)
        .then_error(|| ListServiceSpecificCredentialsError::ServiceNotSupportedException(ServiceNotSupportedException::builder().message("not here").meta(denied("NotSupportedService")).build()));
    rules.push(mock!(Client::tag_user).then_output(|| aws_sdk_iam::operation::tag_user::TagUserOutput::builder().build()));
    rules.push(attach_user_policy());
    let refs: Vec<&Rule> = rules.iter().collect();
    let report = iam(&refs).provision(&request(KeyRequest::None)).await.unwrap();
    assert!(report.warnings.iter().any(|w| matches!(w, SecurityWarning::ApiKeysUnknown { .. })), "{:?}", report.warnings);

    let mut rules = existing_user(&[]);
    rules[5] = mock!(Client::list_service_specific_credentials).then_http_response(|| Response::new(StatusCode::try_from(500).unwrap(), SdkBody::from("")));
    let refs: Vec<&Rule> = rules.iter().collect();
    let err = iam(&refs).provision(&request(KeyRequest::ApiKey { days: 1 })).await.unwrap_err();
    assert!(matches!(&err, ProvisionError::Iam { operation: "ListServiceSpecificCredentials", .. }), "unknown is not absent: {err:?}");
}
