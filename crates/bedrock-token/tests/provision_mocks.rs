//! Provisioning paths the moto IAM emulator cannot play (it has no service-specific credentials,
//! never throttles or fails a step, and lets `DeleteUser` through with keys attached): tested with
//! `aws-smithy-mocks` rule clients, SDK retries disabled. Everything moto can do is tested
//! against moto over HTTP in `crates/bedrock-token-cli/tests/provision_moto.rs`.

use aws_sdk_iam::operation::{
    attach_user_policy::AttachUserPolicyError, create_service_specific_credential::CreateServiceSpecificCredentialOutput,
    get_user::{GetUserError, GetUserOutput}, list_access_keys::ListAccessKeysOutput,
    list_attached_user_policies::ListAttachedUserPoliciesOutput,
    list_service_specific_credentials::{ListServiceSpecificCredentialsError, ListServiceSpecificCredentialsOutput},
    list_user_policies::ListUserPoliciesOutput, list_user_tags::ListUserTagsOutput,
};
use aws_sdk_iam::types::{
    error::NoSuchEntityException, ServiceSpecificCredential, ServiceSpecificCredentialMetadata, StatusType, Tag, User,
};
use aws_sdk_iam::Client;
use aws_smithy_mocks::{mock, mock_client, Rule, RuleMode};
use aws_smithy_runtime_api::http::{Response, StatusCode};
use aws_smithy_types::{body::SdkBody, error::ErrorMetadata, retry::RetryConfig, DateTime};
use bedrock_token::provision::{Action, BusinessUnit, Iam, KeyKind, KeyRequest, ProvisionError, ProvisionRequest};

const USER: &str = "data-bedrock-user";

fn iam(rules: &[&Rule]) -> Iam {
    let client: Client = mock_client!(aws_sdk_iam, RuleMode::MatchAny, rules, |c| c.retry_config(RetryConfig::disabled()));
    Iam::new(client)
}

fn request(key: KeyRequest) -> ProvisionRequest {
    ProvisionRequest::new(BusinessUnit::new("data").unwrap(), "data@example.com").key(key)
}

fn no_such_user() -> Rule {
    mock!(Client::get_user).then_error(|| GetUserError::NoSuchEntityException(NoSuchEntityException::builder().message("no user").build()))
}

fn denied(code: &str) -> ErrorMetadata {
    ErrorMetadata::builder().code(code).message(format!("{code} for test")).build()
}

/// An existing user tagged by us, with the given Bedrock API keys (`(id, created at unix seconds)`).
fn existing_user(api_keys: &[(&str, i64)]) -> Vec<Rule> {
    let created = DateTime::from_secs(1_700_000_000);
    let user = User::builder().path("/bedrock/").user_name(USER).user_id("AIDA").arn(format!("arn:aws:iam::123456789012:user/bedrock/{USER}")).create_date(created).build().unwrap();
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
async fn provisions_a_long_term_bedrock_api_key() {
    let create_user = mock!(Client::create_user).then_output(|| aws_sdk_iam::operation::create_user::CreateUserOutput::builder().build());
    let attach = mock!(Client::attach_user_policy).then_output(|| aws_sdk_iam::operation::attach_user_policy::AttachUserPolicyOutput::builder().build());
    let expires = DateTime::from_secs(1_800_000_000);
    let create_key = mock!(Client::create_service_specific_credential)
        .match_requests(|r| r.service_name() == Some("bedrock.amazonaws.com") && r.credential_age_days() == Some(30))
        .then_output(move || {
            let credential = ServiceSpecificCredential::builder()
                .create_date(DateTime::from_secs(1_700_000_000)).expiration_date(expires).service_name("bedrock.amazonaws.com")
                .service_user_name("data-bedrock-user-at-123456789012").service_password("").service_credential_secret("ABSKexampleSECRET")
                .service_specific_credential_id("ACCAEXAMPLE").user_name(USER).status(StatusType::Active).build().unwrap();
            CreateServiceSpecificCredentialOutput::builder().service_specific_credential(credential).build()
        });
    let iam = iam(&[&no_such_user(), &create_user, &attach, &create_key]);
    let report = iam.provision(&request(KeyRequest::ApiKey { days: 30 })).await.unwrap();
    let key = report.new_key.clone().expect("a key");
    assert_eq!((key.kind, key.id.as_str(), key.secret.expose()), (KeyKind::ApiKey, "ACCAEXAMPLE", "ABSKexampleSECRET"));
    assert_eq!(key.expires_at, Some(std::time::SystemTime::try_from(expires).unwrap()));
    assert!(!format!("{report:?}").contains("ABSKexampleSECRET"), "Debug redacts the secret");
    assert_eq!(create_key.num_calls(), 1);
    assert_eq!(report.warnings.len(), 3, "store now, rotate, prefer short-term");
}

#[tokio::test]
async fn a_failed_step_reports_what_exists_and_how_to_remove_it() {
    let create_user = mock!(Client::create_user).then_output(|| aws_sdk_iam::operation::create_user::CreateUserOutput::builder().build());
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

#[tokio::test]
async fn a_server_error_creating_the_key_lists_the_user_and_policy_to_remove() {
    let create_user = mock!(Client::create_user).then_output(|| aws_sdk_iam::operation::create_user::CreateUserOutput::builder().build());
    let attach = mock!(Client::attach_user_policy).then_output(|| aws_sdk_iam::operation::attach_user_policy::AttachUserPolicyOutput::builder().build());
    let create_key = mock!(Client::create_service_specific_credential)
        .then_http_response(|| Response::new(StatusCode::try_from(503).unwrap(), SdkBody::from("")));
    let iam = iam(&[&no_such_user(), &create_user, &attach, &create_key]);
    let err = iam.provision(&request(KeyRequest::ApiKey { days: 90 })).await.unwrap_err();
    let ProvisionError::Partial { cleanup, .. } = &err else { panic!("{err:?}") };
    assert_eq!(cleanup, &[
        format!("aws iam detach-user-policy --user-name {USER} --policy-arn arn:aws:iam::aws:policy/AmazonBedrockLimitedAccess"),
        format!("aws iam delete-user --user-name {USER}"),
    ]);
}

#[tokio::test]
async fn throttling_is_reported_with_its_code() {
    let throttled = mock!(Client::get_user).then_error(|| GetUserError::generic(denied("Throttling")));
    let err = iam(&[&throttled]).provision(&request(KeyRequest::None)).await.unwrap_err();
    assert!(matches!(&err, ProvisionError::Iam { operation: "GetUser", code: Some(c), .. } if c == "Throttling"), "{err:?}");
    assert!(!err.is_invalid_input());
}

#[tokio::test]
async fn rotation_refuses_at_the_limit_naming_the_oldest_key() {
    let rules = existing_user(&[("ACCANEW", 1_710_000_000), ("ACCAOLD", 1_700_000_000)]);
    let refs: Vec<&Rule> = rules.iter().collect();
    let err = iam(&refs).rotate(&BusinessUnit::new("data").unwrap(), KeyRequest::ApiKey { days: 90 }, false, false).await.unwrap_err();
    let ProvisionError::KeyLimit { fix, existing, .. } = &err else { panic!("{err:?}") };
    assert_eq!(existing, &["ACCANEW", "ACCAOLD"]);
    assert_eq!(fix, &format!("aws iam delete-service-specific-credential --user-name {USER} --service-specific-credential-id ACCAOLD"));
}

#[tokio::test]
async fn rotation_creates_then_deactivates_the_old_api_key() {
    let mut rules = existing_user(&[("ACCAOLD", 1_700_000_000)]);
    let create_key = mock!(Client::create_service_specific_credential).then_output(|| {
        let credential = ServiceSpecificCredential::builder().create_date(DateTime::from_secs(1_750_000_000)).service_name("bedrock.amazonaws.com")
            .service_user_name("svc").service_password("").service_credential_secret("ABSKnew").service_specific_credential_id("ACCANEW")
            .user_name(USER).status(StatusType::Active).build().unwrap();
        CreateServiceSpecificCredentialOutput::builder().service_specific_credential(credential).build()
    });
    let deactivate = mock!(Client::update_service_specific_credential)
        .match_requests(|r| r.service_specific_credential_id() == Some("ACCAOLD") && r.status() == Some(&StatusType::Inactive))
        .then_output(|| aws_sdk_iam::operation::update_service_specific_credential::UpdateServiceSpecificCredentialOutput::builder().build());
    rules.push(create_key);
    rules.push(deactivate);
    let refs: Vec<&Rule> = rules.iter().collect();
    let report = iam(&refs).rotate(&BusinessUnit::new("data").unwrap(), KeyRequest::ApiKey { days: 90 }, false, false).await.unwrap();
    assert_eq!(report.new_key.unwrap().secret.expose(), "ABSKnew");
    assert!(matches!(report.actions.as_slice(), [Action::CreateApiKey { .. }, Action::DeactivateKey { id, .. }] if id == "ACCAOLD"));
    assert!(report.warnings.iter().any(|w| matches!(w, bedrock_token::provision::SecurityWarning::KeyOlderThan90Days { id, .. } if id == "ACCAOLD")));
}

#[tokio::test]
async fn deprovision_deletes_api_keys_before_the_user() {
    let mut rules = existing_user(&[("ACCAONE", 1_700_000_000)]);
    let delete_key = mock!(Client::delete_service_specific_credential).match_requests(|r| r.service_specific_credential_id() == Some("ACCAONE")).then_output(|| aws_sdk_iam::operation::delete_service_specific_credential::DeleteServiceSpecificCredentialOutput::builder().build());
    let delete_user = mock!(Client::delete_user).then_output(|| aws_sdk_iam::operation::delete_user::DeleteUserOutput::builder().build());
    rules.push(delete_key);
    rules.push(delete_user);
    let refs: Vec<&Rule> = rules.iter().collect();
    let report = iam(&refs).deprovision(&BusinessUnit::new("data").unwrap(), false, false).await.unwrap();
    assert!(matches!(report.actions.as_slice(), [Action::DeleteKey { kind: KeyKind::ApiKey, .. }, Action::DeleteUser { .. }]), "{:?}", report.actions);
    assert_eq!((rules[6].num_calls(), rules[7].num_calls()), (1, 1));
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
#[tokio::test]
async fn every_provisioning_step_fails_cleanly_on_throttling_5xx_and_access_denied() {
    use aws_sdk_iam::operation::{
        create_service_specific_credential::CreateServiceSpecificCredentialError, create_user::CreateUserError,
    };
    #[derive(Clone, Copy, Debug)]
    enum Fault {
        Throttling,
        ServerError,
        AccessDenied,
    }
    let steps = ["GetUser", "CreateUser", "AttachUserPolicy", "CreateServiceSpecificCredential"];
    for (index, step) in steps.iter().enumerate() {
        for fault in [Fault::Throttling, Fault::ServerError, Fault::AccessDenied] {
            let failing = |i: usize| i == index;
            let http_500 = || Response::new(StatusCode::try_from(500).unwrap(), SdkBody::from(""));
            let code = match fault { Fault::Throttling => "Throttling", _ => "AccessDenied" };
            let get_user = match (failing(0), fault) {
                (true, Fault::ServerError) => mock!(Client::get_user).then_http_response(http_500),
                (true, _) => mock!(Client::get_user).then_error(move || GetUserError::generic(denied(code))),
                _ => no_such_user(),
            };
            let create_user = match (failing(1), fault) {
                (true, Fault::ServerError) => mock!(Client::create_user).then_http_response(http_500),
                (true, _) => mock!(Client::create_user).then_error(move || CreateUserError::generic(denied(code))),
                _ => mock!(Client::create_user).then_output(|| aws_sdk_iam::operation::create_user::CreateUserOutput::builder().build()),
            };
            let attach = match (failing(2), fault) {
                (true, Fault::ServerError) => mock!(Client::attach_user_policy).then_http_response(http_500),
                (true, _) => mock!(Client::attach_user_policy).then_error(move || AttachUserPolicyError::generic(denied(code))),
                _ => mock!(Client::attach_user_policy).then_output(|| aws_sdk_iam::operation::attach_user_policy::AttachUserPolicyOutput::builder().build()),
            };
            let create_key = match fault {
                Fault::ServerError => mock!(Client::create_service_specific_credential).then_http_response(http_500),
                _ => mock!(Client::create_service_specific_credential).then_error(move || CreateServiceSpecificCredentialError::generic(denied(code))),
            };
            let err = iam(&[&get_user, &create_user, &attach, &create_key])
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
            assert_eq!(cleanup, index.saturating_sub(1), "{step} {fault:?}: {err}");
            let calls = [get_user.num_calls(), create_user.num_calls(), attach.num_calls(), create_key.num_calls()];
            assert!(calls[index + 1..].iter().all(|&c| c == 0), "{step} {fault:?}: nothing after the failed step ran: {calls:?}");
            if let Fault::Throttling = fault {
                assert!(err.to_string().contains("Throttling"), "{err}");
            }
        }
    }
}
