"""The IAM emulator's own tests: the extension, through boto3 over HTTP, against the API reference.

Run with the Python that has moto: `python -m pytest tests/iam_emulator`.
"""

from __future__ import annotations

import datetime
import json

import botocore.config
import pytest
from botocore.exceptions import ClientError

from harness import aws, client, code, private, reset, start

BEDROCK = "bedrock.amazonaws.com"
POLICY = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"bedrock:InvokeModel","Resource":"*"}]}'


@pytest.fixture
def iam(url):
    return client(url)


def test_create_returns_the_secret_once_and_list_never(iam):
    iam.create_user(UserName="alice")
    created = iam.create_service_specific_credential(UserName="alice", ServiceName=BEDROCK, CredentialAgeDays=30)
    credential = created["ServiceSpecificCredential"]
    assert credential["Status"] == "Active" and credential["ServiceName"] == BEDROCK and credential["UserName"] == "alice"
    assert len(credential["ServiceSpecificCredentialId"]) >= 20
    assert credential["ServiceCredentialSecret"].startswith("ABSK")
    assert credential["ServiceCredentialAlias"].startswith("alice-at-")
    age = credential["ExpirationDate"] - credential["CreateDate"]
    assert age == datetime.timedelta(days=30)

    listed = iam.list_service_specific_credentials(UserName="alice", ServiceName=BEDROCK)["ServiceSpecificCredentials"]
    assert [c["ServiceSpecificCredentialId"] for c in listed] == [credential["ServiceSpecificCredentialId"]]
    assert "ServiceCredentialSecret" not in listed[0] and "ServicePassword" not in listed[0]
    assert listed[0]["ExpirationDate"] == credential["ExpirationDate"]


def test_without_age_the_key_never_expires(iam):
    iam.create_user(UserName="bob")
    credential = iam.create_service_specific_credential(UserName="bob", ServiceName=BEDROCK)["ServiceSpecificCredential"]
    assert "ExpirationDate" not in credential


@pytest.mark.parametrize("days", [0, 36601])
def test_age_outside_1_to_36600_days_is_refused(server, iam, days):
    iam.create_user(UserName="carol")
    with pytest.raises(ClientError) as err:  # botocore would refuse 0 itself: the server is asked
        client(server, validate=False).create_service_specific_credential(UserName="carol", ServiceName=BEDROCK, CredentialAgeDays=days)
    assert code(err) == "InvalidInput" and "36600" in str(err.value)


def test_age_is_for_api_keys_only_and_password_services_get_a_password(iam):
    iam.create_user(UserName="dave")
    with pytest.raises(ClientError) as err:
        iam.create_service_specific_credential(UserName="dave", ServiceName="codecommit.amazonaws.com", CredentialAgeDays=5)
    assert code(err) == "InvalidInput"
    git = iam.create_service_specific_credential(UserName="dave", ServiceName="codecommit.amazonaws.com")["ServiceSpecificCredential"]
    assert git["ServicePassword"] and "ServiceCredentialSecret" not in git


def test_unsupported_service_and_unknown_user(iam):
    iam.create_user(UserName="erin")
    with pytest.raises(ClientError) as err:
        iam.create_service_specific_credential(UserName="erin", ServiceName="s3.amazonaws.com")
    assert code(err) == "NotSupportedService"
    for call in (lambda: iam.create_service_specific_credential(UserName="nobody", ServiceName=BEDROCK),
                 lambda: iam.list_service_specific_credentials(UserName="nobody")):
        with pytest.raises(ClientError) as err:
            call()
        assert code(err) == "NoSuchEntity"


def test_two_per_user_and_service(iam):
    iam.create_user(UserName="frank")
    for _ in range(2):
        iam.create_service_specific_credential(UserName="frank", ServiceName=BEDROCK)
    with pytest.raises(ClientError) as err:
        iam.create_service_specific_credential(UserName="frank", ServiceName=BEDROCK)
    assert code(err) == "LimitExceeded"
    iam.create_service_specific_credential(UserName="frank", ServiceName="codecommit.amazonaws.com")  # another service: room
    assert len(iam.list_service_specific_credentials(UserName="frank")["ServiceSpecificCredentials"]) == 3
    assert len(iam.list_service_specific_credentials(UserName="frank", ServiceName=BEDROCK)["ServiceSpecificCredentials"]) == 2


def test_update_reset_delete_and_unknown_credentials(iam):
    iam.create_user(UserName="grace")
    first = iam.create_service_specific_credential(UserName="grace", ServiceName=BEDROCK)["ServiceSpecificCredential"]
    key_id = first["ServiceSpecificCredentialId"]
    iam.update_service_specific_credential(UserName="grace", ServiceSpecificCredentialId=key_id, Status="Inactive")
    assert iam.list_service_specific_credentials(UserName="grace")["ServiceSpecificCredentials"][0]["Status"] == "Inactive"
    reset = iam.reset_service_specific_credential(UserName="grace", ServiceSpecificCredentialId=key_id)["ServiceSpecificCredential"]
    assert reset["ServiceSpecificCredentialId"] == key_id and reset["ServiceCredentialSecret"] != first["ServiceCredentialSecret"]
    iam.delete_service_specific_credential(UserName="grace", ServiceSpecificCredentialId=key_id)
    assert iam.list_service_specific_credentials(UserName="grace")["ServiceSpecificCredentials"] == []
    for call in (iam.update_service_specific_credential, iam.reset_service_specific_credential, iam.delete_service_specific_credential):
        kwargs = {"Status": "Active"} if call == iam.update_service_specific_credential else {}
        with pytest.raises(ClientError) as err:
            call(UserName="grace", ServiceSpecificCredentialId=key_id, **kwargs)
        assert code(err) == "NoSuchEntity"


def test_all_users_pages_with_marker_and_max_items(iam):
    for name in ("u1", "u2", "u3"):
        iam.create_user(UserName=name)
        iam.create_service_specific_credential(UserName=name, ServiceName=BEDROCK)
    iam.create_service_specific_credential(UserName="u1", ServiceName="codecommit.amazonaws.com")
    first = iam.list_service_specific_credentials(AllUsers=True, ServiceName=BEDROCK, MaxItems=2)
    assert first["IsTruncated"] is True and len(first["ServiceSpecificCredentials"]) == 2
    rest = iam.list_service_specific_credentials(AllUsers=True, ServiceName=BEDROCK, MaxItems=2, Marker=first["Marker"])
    assert rest["IsTruncated"] is False and len(rest["ServiceSpecificCredentials"]) == 1
    users = {c["UserName"] for c in first["ServiceSpecificCredentials"] + rest["ServiceSpecificCredentials"]}
    assert users == {"u1", "u2", "u3"}
    with pytest.raises(ClientError) as err:
        iam.list_service_specific_credentials(AllUsers=True, UserName="u1")
    assert code(err) == "InvalidInput"


def test_delete_user_is_refused_while_anything_remains(iam):
    iam.create_user(UserName="henry")
    iam.create_group(GroupName="devs")
    serial = iam.create_virtual_mfa_device(VirtualMFADeviceName="henry-mfa")["VirtualMFADevice"]["SerialNumber"]
    iam.enable_mfa_device(UserName="henry", SerialNumber=serial, AuthenticationCode1="123456", AuthenticationCode2="654321")
    key = iam.create_service_specific_credential(UserName="henry", ServiceName=BEDROCK)["ServiceSpecificCredential"]
    iam.create_login_profile(UserName="henry", Password="Example-Passw0rd!")
    access = iam.create_access_key(UserName="henry")["AccessKey"]["AccessKeyId"]
    iam.add_user_to_group(GroupName="devs", UserName="henry")
    with pytest.raises(ClientError) as err:
        iam.delete_virtual_mfa_device(SerialNumber=serial)
    assert code(err) == "DeleteConflict"

    removals = [
        ("login profile", lambda: iam.delete_login_profile(UserName="henry")),
        ("access keys", lambda: iam.delete_access_key(UserName="henry", AccessKeyId=access)),
        ("service specific credentials", lambda: iam.delete_service_specific_credential(
            UserName="henry", ServiceSpecificCredentialId=key["ServiceSpecificCredentialId"])),
        ("MFA device", lambda: (iam.deactivate_mfa_device(UserName="henry", SerialNumber=serial),
                                iam.delete_virtual_mfa_device(SerialNumber=serial))),
        ("group", lambda: iam.remove_user_from_group(GroupName="devs", UserName="henry")),
    ]
    for what, remove in removals:
        with pytest.raises(ClientError) as err:
            iam.delete_user(UserName="henry")
        assert code(err) == "DeleteConflict" and what in str(err.value), (what, str(err.value))
        remove()
    iam.delete_user(UserName="henry")
    with pytest.raises(ClientError) as err:
        iam.get_user(UserName="henry")
    assert code(err) == "NoSuchEntity"


def test_page_size_setting_truncates_every_per_user_list():
    process, url = start({"BEDROCK_TOKEN_IAM_PAGE_SIZE": "1", "MOTO_IAM_LOAD_MANAGED_POLICIES": "true"})
    try:
        iam = client(url)
        iam.create_user(UserName="ivy", Tags=[{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}])
        iam.create_user(UserName="jack")
        for name in ("p1", "p2"):
            iam.put_user_policy(UserName="ivy", PolicyName=name, PolicyDocument=POLICY)
        for _ in range(2):
            iam.create_access_key(UserName="ivy")
            iam.create_service_specific_credential(UserName="ivy", ServiceName=BEDROCK)
        for arn in ("arn:aws:iam::aws:policy/AmazonBedrockFullAccess", "arn:aws:iam::aws:policy/AmazonBedrockLimitedAccess"):
            iam.attach_user_policy(UserName="ivy", PolicyArn=arn)
        for operation, key, kwargs in [
            ("list_users", "Users", {}),
            ("list_user_tags", "Tags", {"UserName": "ivy"}),
            ("list_user_policies", "PolicyNames", {"UserName": "ivy"}),
            ("list_access_keys", "AccessKeyMetadata", {"UserName": "ivy"}),
            ("list_service_specific_credentials", "ServiceSpecificCredentials", {"UserName": "ivy"}),
            ("list_attached_user_policies", "AttachedPolicies", {"UserName": "ivy"}),
        ]:
            first = getattr(iam, operation)(**kwargs)
            assert first["IsTruncated"] is True and len(first[key]) == 1, operation
            every = [item for page in iam.get_paginator(operation).paginate(**kwargs) for item in page[key]] \
                if iam.can_paginate(operation) else None
            if every is not None:
                assert len(every) == 2, (operation, every)
    finally:
        process.kill()
        process.wait()


def test_throttle_setting_refuses_every_nth_request_having_done_nothing():
    process, url = start({"BEDROCK_TOKEN_IAM_THROTTLE_EVERY": "3"})
    try:
        iam = aws(url, "iam", config=botocore.config.Config(retries={"total_max_attempts": 1, "mode": "standard"}))
        outcomes = []
        for name in ("t1", "t2", "t3", "t4", "t5", "t6"):
            try:
                iam.create_user(UserName=name)
                outcomes.append("ok")
            except ClientError as err:
                assert err.response["ResponseMetadata"]["HTTPStatusCode"] == 400
                outcomes.append(code_of(err))
        assert outcomes == ["ok", "ok", "Throttling", "ok", "ok", "Throttling"]
        names = {u["UserName"] for u in iam.list_users()["Users"]} | {u["UserName"] for u in iam.list_users()["Users"]}
        assert names == {"t1", "t2", "t4", "t5"}, "a throttled request did nothing"
    finally:
        process.kill()
        process.wait()


def test_secrets_manager_throttle_setting_refuses_every_nth_request_having_done_nothing():
    process, url = start({"BEDROCK_TOKEN_SECRETS_MANAGER_THROTTLE_EVERY": "3"})
    try:
        sm = aws(url, "secretsmanager", config=botocore.config.Config(retries={"total_max_attempts": 1, "mode": "standard"}))
        outcomes = []
        for name in ("s1", "s2", "s3", "s4", "s5", "s6"):
            try:
                sm.create_secret(Name=name, SecretString="x")
                outcomes.append("ok")
            except ClientError as err:
                assert err.response["ResponseMetadata"]["HTTPStatusCode"] == 400
                assert err.response["Error"]["Message"] == "Rate exceeded"
                outcomes.append(code_of(err))
        assert outcomes == ["ok", "ok", "ThrottlingException", "ok", "ok", "ThrottlingException"]
        # Requests 7 and 8 are answered: the throttled CreateSecret made nothing.
        with pytest.raises(ClientError) as missing:
            sm.describe_secret(SecretId="s3")
        assert code_of(missing.value) == "ResourceNotFoundException", "a throttled request did nothing"
        assert sm.describe_secret(SecretId="s2")["Name"] == "s2"
    finally:
        process.kill()
        process.wait()


def code_of(err: ClientError) -> str:
    return err.response["Error"]["Code"]


# The private routes of the evaluating Bedrock endpoint (private_routes.py): who a credential is.

ALLOW_BEDROCK = {"Version": "2012-10-17", "Statement": [{"Sid": "Bedrock", "Effect": "Allow", "Action": "bedrock:*", "Resource": "*"}]}
LIMITED = "arn:aws:iam::aws:policy/AmazonBedrockLimitedAccess"


def caller(url: str, **credential) -> tuple[int, dict]:
    return private(url, "POST", "caller", credential)


def names(answer: dict) -> list[str]:
    return sorted(p["name"] for p in answer["policies"]["identity"])


def test_caller_of_a_users_access_key_has_its_secret_and_every_policy_that_applies(fresh):
    iam = client(fresh)
    iam.create_user(UserName="kim")
    iam.put_user_policy(UserName="kim", PolicyName="own", PolicyDocument=json.dumps(ALLOW_BEDROCK))
    iam.attach_user_policy(UserName="kim", PolicyArn=LIMITED)
    iam.create_group(GroupName="team")
    iam.put_group_policy(GroupName="team", PolicyName="team-inline", PolicyDocument=POLICY)
    iam.attach_group_policy(GroupName="team", PolicyArn="arn:aws:iam::aws:policy/AmazonBedrockReadOnly")
    iam.add_user_to_group(GroupName="team", UserName="kim")
    key = iam.create_access_key(UserName="kim")["AccessKey"]

    status, answer = caller(fresh, accessKeyId=key["AccessKeyId"])
    assert status == 200 and answer["found"] and answer["usable"] and answer["status"] == "Active"
    assert answer["principal"] == {"type": "user", "name": "kim", "arn": "arn:aws:iam::123456789012:user/kim",
                                   "account": "123456789012", "id": iam.get_user(UserName="kim")["User"]["UserId"]}
    assert answer["secretAccessKey"] == key["SecretAccessKey"]
    assert "sessionToken" not in answer and "tokenIssueTime" not in answer, "an IAM user's own key is not temporary"
    assert names(answer) == ["AmazonBedrockLimitedAccess", "AmazonBedrockReadOnly", "own", "team-inline"]
    limited = next(p for p in answer["policies"]["identity"] if p["name"] == "AmazonBedrockLimitedAccess")
    assert limited["arn"] == LIMITED and any(s.get("Sid") == "BedrockAPIs" for s in limited["document"]["Statement"])
    own = next(p for p in answer["policies"]["identity"] if p["name"] == "own")
    assert own["document"] == ALLOW_BEDROCK and own["kind"] == "inline (user kim)"
    assert answer["scps"] == [] and answer["policies"]["boundary"] is None

    iam.update_access_key(UserName="kim", AccessKeyId=key["AccessKeyId"], Status="Inactive")
    status, answer = caller(fresh, accessKeyId=key["AccessKeyId"])
    assert (status, answer["usable"], answer["status"]) == (200, False, "Inactive")
    iam.delete_access_key(UserName="kim", AccessKeyId=key["AccessKeyId"])
    assert caller(fresh, accessKeyId=key["AccessKeyId"]) == (404, {"found": False})
    assert caller(fresh, accessKeyId="AKIAIOSFODNN7EXAMPLE") == (404, {"found": False})


def test_caller_of_a_long_term_api_key_is_its_user_while_active(fresh):
    iam = client(fresh)
    iam.create_user(UserName="lee")
    iam.attach_user_policy(UserName="lee", PolicyArn=LIMITED)
    created = iam.create_service_specific_credential(UserName="lee", ServiceName=BEDROCK, CredentialAgeDays=5)["ServiceSpecificCredential"]
    secret = created["ServiceCredentialSecret"]

    status, answer = caller(fresh, apiKey=secret)
    assert status == 200 and answer["usable"] and answer["principal"]["arn"] == "arn:aws:iam::123456789012:user/lee"
    assert answer["credentialId"] == created["ServiceSpecificCredentialId"]
    assert names(answer) == ["AmazonBedrockLimitedAccess"]
    assert "secretAccessKey" not in answer and "sessionToken" not in answer and "tokenIssueTime" not in answer
    assert datetime.datetime.fromisoformat(answer["expiration"].replace("Z", "+00:00")) == created["ExpirationDate"]

    iam.update_service_specific_credential(UserName="lee", ServiceSpecificCredentialId=created["ServiceSpecificCredentialId"], Status="Inactive")
    status, answer = caller(fresh, apiKey=secret)
    assert (status, answer["usable"], answer["status"]) == (200, False, "Inactive")
    reset = iam.reset_service_specific_credential(UserName="lee", ServiceSpecificCredentialId=created["ServiceSpecificCredentialId"])
    assert caller(fresh, apiKey=secret) == (404, {"found": False}), "a reset key's old secret is unknown"
    iam.delete_service_specific_credential(UserName="lee", ServiceSpecificCredentialId=created["ServiceSpecificCredentialId"])
    assert caller(fresh, apiKey=reset["ServiceSpecificCredential"]["ServiceCredentialSecret"]) == (404, {"found": False})
    assert caller(fresh, apiKey="ABSKnot-base64") == (404, {"found": False})


def test_caller_of_a_role_session_has_its_token_issue_time_boundary_and_session_policy(fresh):
    iam = client(fresh)
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}]}
    boundary = iam.create_policy(PolicyName="edge", PolicyDocument=json.dumps(ALLOW_BEDROCK))["Policy"]["Arn"]
    role = iam.create_role(RoleName="app", AssumeRolePolicyDocument=json.dumps(trust), PermissionsBoundary=boundary)["Role"]
    iam.put_role_policy(RoleName="app", PolicyName="role-inline", PolicyDocument=POLICY)
    iam.attach_role_policy(RoleName="app", PolicyArn=LIMITED)
    sts = aws(fresh, "sts")
    before = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    session = sts.assume_role(RoleArn=role["Arn"], RoleSessionName="run-1", DurationSeconds=900, Policy=json.dumps(ALLOW_BEDROCK))["Credentials"]
    after = datetime.datetime.now(datetime.timezone.utc)

    status, answer = caller(fresh, accessKeyId=session["AccessKeyId"])
    assert status == 200 and answer["usable"] and session["AccessKeyId"].startswith("ASIA")
    assert answer["principal"]["type"] == "assumed-role"
    assert answer["principal"]["arn"] == "arn:aws:sts::123456789012:assumed-role/app/run-1"
    assert (answer["principal"]["roleArn"], answer["principal"]["sessionName"]) == (role["Arn"], "run-1")
    assert answer["principal"]["id"] == f"{role['RoleId']}:run-1"
    assert (answer["secretAccessKey"], answer["sessionToken"]) == (session["SecretAccessKey"], session["SessionToken"])
    issued = datetime.datetime.fromisoformat(answer["tokenIssueTime"].replace("Z", "+00:00"))
    assert before <= issued <= after
    assert datetime.datetime.fromisoformat(answer["expiration"].replace("Z", "+00:00")) - issued == datetime.timedelta(seconds=900)
    assert names(answer) == ["AmazonBedrockLimitedAccess", "role-inline"]
    assert answer["policies"]["boundary"]["arn"] == boundary and answer["policies"]["boundary"]["document"] == ALLOW_BEDROCK
    assert answer["policies"]["session"]["document"] == ALLOW_BEDROCK


def test_scps_set_for_an_account_apply_to_its_callers_until_deleted_or_reset(fresh):
    iam = client(fresh)
    iam.create_user(UserName="max")
    key = iam.create_access_key(UserName="max")["AccessKey"]["AccessKeyId"]
    deny = {"Version": "2012-10-17", "Statement": [{"Sid": "NoLongTerm", "Effect": "Deny", "Action": "bedrock:CallWithBearerToken",
                                                    "Resource": "*", "Condition": {"StringEquals": {"bedrock:BearerTokenType": "LONG_TERM"}}}]}
    full = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    assert private(fresh, "GET", "scps/123456789012") == (404, None)
    assert private(fresh, "PUT", "scps/123456789012", [full, deny]) == (200, {"account": "123456789012", "scps": 2})
    assert private(fresh, "GET", "scps/123456789012") == (200, [full, deny])
    assert caller(fresh, accessKeyId=key)[1]["scps"] == [[{"name": "scp-1", "document": full}, {"name": "scp-2", "document": deny}]]
    assert private(fresh, "PUT", "scps/123456789012", {"Statement": []})[0] == 400
    assert private(fresh, "PUT", "scps/123456789012", ["not a document"])[0] == 400
    assert private(fresh, "DELETE", "scps/123456789012")[0] == 200
    assert caller(fresh, accessKeyId=key)[1]["scps"] == []
    private(fresh, "PUT", "scps/123456789012", [deny])
    reset(fresh)
    assert private(fresh, "GET", "scps/123456789012") == (404, None), "reset forgets them"
    assert private(fresh, "GET", "nothing-here")[0] == 404


def test_a_member_accounts_callers_get_the_scps_of_its_root_ou_and_account_from_organizations(fresh):
    def as_keys(service, key_id, secret, token=None):
        return aws(fresh, service, aws_access_key_id=key_id, aws_secret_access_key=secret, aws_session_token=token)

    org = as_keys("organizations", "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    org.create_organization(FeatureSet="ALL")
    root = org.list_roots()["Roots"][0]["Id"]
    member = org.create_account(AccountName="workloads", Email="workloads@example.com")["CreateAccountStatus"]["AccountId"]
    unit = org.create_organizational_unit(ParentId=root, Name="research")["OrganizationalUnit"]["Id"]
    org.move_account(AccountId=member, SourceParentId=root, DestinationParentId=unit)
    deny = {"Version": "2012-10-17", "Statement": [{"Sid": "NoBearer", "Effect": "Deny", "Action": "bedrock:CallWithBearerToken", "Resource": "*"}]}
    scp = org.create_policy(Name="no-bearer", Description="", Type="SERVICE_CONTROL_POLICY", Content=json.dumps(deny))["Policy"]
    org.attach_policy(PolicyId=scp["PolicySummary"]["Id"], TargetId=unit)

    # A user in the member account, made with credentials of a session in that account (moto
    # serves a request in the account its access key belongs to).
    sts = as_keys("sts", "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    admin = sts.assume_role(RoleArn=f"arn:aws:iam::{member}:role/OrganizationAccountAccessRole", RoleSessionName="admin")["Credentials"]
    iam = as_keys("iam", admin["AccessKeyId"], admin["SecretAccessKey"], admin["SessionToken"])
    iam.create_user(UserName="nia")
    key = iam.create_access_key(UserName="nia")["AccessKey"]["AccessKeyId"]

    status, answer = caller(fresh, accessKeyId=key)
    assert status == 200 and answer["principal"]["account"] == member
    levels = [[p["name"] for p in level] for level in answer["scps"]]
    # Root, OU, account; AWS (and moto) attach FullAWSAccess to each new OU and account.
    assert levels == [["FullAWSAccess"], ["FullAWSAccess", "no-bearer"], ["FullAWSAccess"]]
    assert answer["scps"][1][1]["document"] == deny
    # The management account is never restricted by SCPs.
    management = client(fresh)
    management.create_user(UserName="owner")
    owner_key = management.create_access_key(UserName="owner")["AccessKey"]["AccessKeyId"]
    assert caller(fresh, accessKeyId=owner_key)[1]["scps"] == []
