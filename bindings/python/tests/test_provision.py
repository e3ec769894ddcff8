"""Provisioning from Python against a moto IAM server on loopback (the `moto` fixture of conftest.py)."""

from datetime import datetime, timezone

import pytest

import bedrock_token


def test_provision_list_rotate_deprovision(moto):
    plan = bedrock_token.provision("finance", "fin@example.com", key="access-key", dry_run=True)
    assert isinstance(plan, bedrock_token.ProvisionReport)
    assert plan.dry_run and len(plan.actions) == 4 and bedrock_token.list_users() == []

    report = bedrock_token.provision("finance", "fin@example.com", key="access-key", tags={"cost-center": "42"})
    secret = report.new_key.secret.reveal()
    assert len(secret) == 40
    for shown in [repr(report), str(report), repr(report.new_key), str(report.new_key.secret)]:
        assert secret not in shown and "****" in shown, shown
    assert {w.code for w in report.warnings} >= {"store-secret-now", "rotate-regularly", "prefer-short-term-keys"}
    assert bedrock_token.provision("finance", "fin@example.com", key="access-key").actions == ()

    [user] = bedrock_token.list_users()
    assert user.user_name == "finance-bedrock-user" and user.owner == "fin@example.com"
    assert user.created_at is not None and user.created_at.tzinfo is not None
    rotated = bedrock_token.rotate("finance", "access-key", delete_old=True)
    assert rotated.new_key.id != report.new_key.id and rotated.new_key.secret.reveal() not in repr(rotated)
    assert [k.id for k in bedrock_token.list_users()[0].keys] == [rotated.new_key.id]

    teardown = bedrock_token.deprovision("finance")
    assert isinstance(teardown, bedrock_token.DeprovisionReport) and teardown.actions
    assert bedrock_token.list_users() == []


def test_invalid_input_is_a_value_error_before_any_call(example_env, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL_IAM", "http://127.0.0.1:9")  # nothing listens there
    with pytest.raises(ValueError, match="business_unit"):
        bedrock_token.provision("Finance", "fin@example.com")
    with pytest.raises(bedrock_token.InvalidInputError, match="api_key_days"):
        bedrock_token.provision("finance", "fin@example.com", key="api-key", api_key_days=0)
    with pytest.raises(bedrock_token.ProvisionError):
        bedrock_token.list_users()


def test_audit_revoke_and_guardrails(moto):
    import botocore.session

    iam = botocore.session.get_session().create_client("iam", endpoint_url=moto, region_name="us-east-1")
    iam.create_user(UserName="BedrockAPIKey-py1")
    iam.create_service_specific_credential(UserName="BedrockAPIKey-py1", ServiceName="bedrock.amazonaws.com")
    report = bedrock_token.audit()
    assert isinstance(report, bedrock_token.AuditReport) and report.findings == 2
    [key] = report.keys
    assert key.user_name == "BedrockAPIKey-py1" and key.expires_at is None
    assert [f.code for f in key.findings] == ["no-expiry", "console-user"]

    iam.create_role(RoleName="app", AssumeRolePolicyDocument='{"Version":"2012-10-17","Statement":[]}')
    before = datetime(2026, 12, 1, 8, 0, tzinfo=timezone.utc)
    revoked = bedrock_token.revoke(role="app", before=before)
    assert isinstance(revoked, bedrock_token.RevokeReport) and revoked.target == "role app"
    assert revoked.revoked_before == before
    assert any("temporary credentials of role app issued before 2026-12-01T08:00:00Z" in line for line in revoked.stops), revoked.stops
    assert any("issued at or after" in line for line in revoked.does_not_stop), revoked.does_not_stop
    document = iam.get_role_policy(RoleName="app", PolicyName="bedrock-token-revoke-bearer-tokens")["PolicyDocument"]
    assert document["Statement"][0]["Condition"] == {"DateLessThan": {"aws:TokenIssueTime": "2026-12-01T08:00:00Z"}}
    assert bedrock_token.revoke(role="app", before=before).actions == ()
    bedrock_token.revoke(role="app", undo=True)
    assert iam.list_role_policies(RoleName="app")["PolicyNames"] == []
    bedrock_token.revoke(key_id=key.key_id)
    assert bedrock_token.audit().keys[0].status == "Inactive"
    with pytest.raises(bedrock_token.InvalidInputError, match="exactly one"):
        bedrock_token.revoke(role="app", user="dev")
    with pytest.raises(bedrock_token.InvalidInputError, match="timezone-aware"):
        bedrock_token.revoke(role="app", before=datetime(2026, 12, 1))

    scp = bedrock_token.guardrails_scp(max_key_age_days=30, deny_long_term=False)
    assert scp["Statement"][0]["Condition"]["NumericGreaterThan"] == {"iam:ServiceSpecificCredentialAgeDays": "30"}
    with pytest.raises(bedrock_token.InvalidInputError, match="max_key_age_days: 0 is out of range"):
        bedrock_token.guardrails_scp(max_key_age_days=0)


def test_provision_all_many_units_at_once(moto):
    units = [{"business_unit": f"team{n}", "owner": f"team{n}@example.com", "key": "api-key" if n % 2 else "none",
              "tags": {"cost-center": str(n)}} for n in range(6)]
    plan = bedrock_token.provision_all(units, dry_run=True)
    assert [type(r) for r in plan] == [bedrock_token.ProvisionReport] * 6 and bedrock_token.list_users() == []
    import botocore.session

    botocore.session.get_session().create_client("iam", endpoint_url=moto, region_name="us-east-1").create_user(UserName="hr-bedrock-user")
    done = bedrock_token.provision_all(units + [{"business_unit": "hr", "owner": "hr@example.com"}], concurrency=3)
    assert isinstance(done[6], bedrock_token.InvalidInputError) and "not tagged created-by=bedrock-token" in str(done[6]), done[6]
    assert [r.user_name for r in done[:6]] == [f"team{n}-bedrock-user" for n in range(6)]
    assert [r.new_key is not None for r in done[:6]] == [n % 2 == 1 for n in range(6)]
    assert all(r.new_key.secret.reveal() not in repr(r) for r in done[:6] if r.new_key)
    assert len(bedrock_token.list_users()) == 6
    assert all(r.actions == () for r in bedrock_token.provision_all(units)), "a re-run converges"
    with pytest.raises(bedrock_token.InvalidInputError, match=r"units\[0\]"):
        bedrock_token.provision_all([{"business_unit": "x"}])
    with pytest.raises(bedrock_token.InvalidInputError, match="business_unit"):
        bedrock_token.provision_all([{"business_unit": "Bad Name", "owner": "o@example.com"}])


def test_inspect_key_reads_a_long_term_key_from_iam_and_never_its_secret(moto):
    import base64

    report = bedrock_token.provision("insight", "bi@example.com", key="api-key", api_key_days=5)
    key = report.new_key.secret.reveal()
    secret = base64.b64decode(key[4:]).decode().split(":", 1)[1]
    info = bedrock_token.inspect_key(key)
    assert isinstance(info, bedrock_token.LongTermKeyInfo) and info.kind == "long-term"
    assert (info.user_name, info.service_user_name) == ("insight-bedrock-user", report.new_key.service_user_name)
    assert len(info.account_id) == 12 and info.account_id.isdigit()
    assert info.alias.startswith(info.service_user_name) and info.suffix and info.alias.endswith(info.suffix)
    short = bedrock_token.inspect_key(bedrock_token.sign_token({"access_key_id": "AKID", "secret_access_key": "s"}, "eu-west-1", 60).value)
    assert isinstance(short, bedrock_token.TokenInfo) and short.kind == "short-term" and short.region == "eu-west-1"

    texts = [repr(info), str(info)]
    for bad, reason in [(key[:-3], "not valid base64"),
                        ("ABSK" + base64.b64encode(f"insight-bedrock-user-at-12345:{secret}".encode()).decode(), "not 12 digits"),
                        ("ABSK" + base64.b64encode(f"insight-bedrock-user-at-123456789012{secret}".encode()).decode(), "no secret part"),
                        ("sk-" + secret, 'neither "bedrock-api-key-"')]:
        with pytest.raises(bedrock_token.InvalidInputError, match=reason) as err:
            bedrock_token.inspect_key(bad)
        assert isinstance(err.value, ValueError)
        texts += [str(err.value), repr(err.value)]
    for text in texts:
        assert secret not in text and secret[:12] not in text and key[4:40] not in text, text


def test_audit_organization_names_the_account_it_could_not_reach(moto, monkeypatch):
    import botocore.session

    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", moto)
    monkeypatch.setenv("AWS_ENDPOINT_URL_ORGANIZATIONS", moto)
    session = botocore.session.get_session()
    org = session.create_client("organizations", endpoint_url=moto, region_name="us-east-1")
    sts = session.create_client("sts", endpoint_url=moto, region_name="us-east-1")
    org.create_organization(FeatureSet="ALL")
    members = [org.create_account(AccountName=f"py-{i}", Email=f"py{i}@example.com")["CreateAccountStatus"]["AccountId"] for i in range(3)]
    role = "OrganizationAccountAccessRole"
    creds = sts.assume_role(RoleArn=f"arn:aws:iam::{members[0]}:role/{role}", RoleSessionName="setup")["Credentials"]
    member = session.create_client("iam", endpoint_url=moto, region_name="us-east-1", aws_access_key_id=creds["AccessKeyId"],
                                   aws_secret_access_key=creds["SecretAccessKey"], aws_session_token=creds["SessionToken"])
    member.create_user(UserName="BedrockAPIKey-org")
    member.create_service_specific_credential(UserName="BedrockAPIKey-org", ServiceName="bedrock.amazonaws.com")
    creds = sts.assume_role(RoleArn=f"arn:aws:iam::{members[2]}:role/{role}", RoleSessionName="setup")["Credentials"]
    denies = session.create_client("iam", endpoint_url=moto, region_name="us-east-1", aws_access_key_id=creds["AccessKeyId"],
                                   aws_secret_access_key=creds["SecretAccessKey"], aws_session_token=creds["SessionToken"])
    denies.update_assume_role_policy(RoleName=role, PolicyDocument='{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}]}')

    report = bedrock_token.audit_organization(concurrency=2)
    assert isinstance(report, bedrock_token.OrganizationAuditReport) and report.role == role
    assert len(report.accounts) == 3 and report.findings == 2, "the management account and two members"
    [audited] = [a for a in report.accounts if a.account_id == members[0]]
    assert isinstance(audited, bedrock_token.AuditedAccount) and audited.account_name == "py-0"
    assert [f.code for f in audited.keys[0].findings] == ["no-expiry", "console-user"]
    [refused] = report.not_audited
    assert isinstance(refused, bedrock_token.NotAuditedAccount)
    assert (refused.account_id, refused.reason) == (members[2], "role-refused") and "AccessDenied" in refused.message
    with pytest.raises(bedrock_token.InvalidInputError, match="concurrency: 0 is out of range; allowed 1 to 32"):
        bedrock_token.audit_organization(concurrency=0)
    with pytest.raises(bedrock_token.InvalidInputError, match="ous: "):
        bedrock_token.audit_organization(ous=["sales"])


def test_units_in_member_accounts_through_the_role(moto, monkeypatch):
    import botocore.session

    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", moto)
    monkeypatch.setenv("AWS_ENDPOINT_URL_ORGANIZATIONS", moto)
    session = botocore.session.get_session()
    org = session.create_client("organizations", endpoint_url=moto, region_name="us-east-1")
    sts = session.create_client("sts", endpoint_url=moto, region_name="us-east-1")
    org.create_organization(FeatureSet="ALL")
    members = [org.create_account(AccountName=f"py-{i}", Email=f"py{i}@example.com")["CreateAccountStatus"]["AccountId"] for i in range(2)]
    creds = sts.assume_role(RoleArn=f"arn:aws:iam::{members[0]}:role/OrganizationAccountAccessRole", RoleSessionName="check")["Credentials"]
    member = session.create_client("iam", endpoint_url=moto, region_name="us-east-1", aws_access_key_id=creds["AccessKeyId"],
                                   aws_secret_access_key=creds["SecretAccessKey"], aws_session_token=creds["SessionToken"])

    results = bedrock_token.provision_all([
        {"business_unit": "py-a", "owner": "a@example.com", "account": members[0]},
        {"business_unit": "py-b", "owner": "b@example.com", "account": members[1], "role": "Missing"},
        {"business_unit": "py-c", "owner": "c@example.com"},
    ])
    assert isinstance(results[0], bedrock_token.ProvisionReport) and isinstance(results[2], bedrock_token.ProvisionReport)
    assert isinstance(results[1], bedrock_token.ProvisionError)
    assert f"could not assume arn:aws:iam::{members[1]}:role/Missing" in str(results[1]) and "AccessDenied" in str(results[1])
    assert [u["UserName"] for u in member.list_users(PathPrefix="/bedrock/")["Users"]] == ["py-a-bedrock-user"], "in its account"
    assert "py-a-bedrock-user" not in [u.user_name for u in bedrock_token.list_users()], "not in the caller's"
    assert [u.user_name for u in bedrock_token.list_users(account=members[0])] == ["py-a-bedrock-user"]

    rotated = bedrock_token.rotate("py-a", "access-key", account=members[0])
    assert [k["AccessKeyId"] for k in member.list_access_keys(UserName="py-a-bedrock-user")["AccessKeyMetadata"]] == [rotated.new_key.id]
    bedrock_token.revoke(user="py-a-bedrock-user", delete=True, account=members[0])
    assert member.list_access_keys(UserName="py-a-bedrock-user")["AccessKeyMetadata"] == []
    assert bedrock_token.audit(account=members[0]).findings == 0
    bedrock_token.deprovision("py-a", account=members[0])
    assert member.list_users(PathPrefix="/bedrock/")["Users"] == []

    with pytest.raises(bedrock_token.InvalidInputError, match="account_role: applies only with account"):
        bedrock_token.list_users(account_role="Admin")
    with pytest.raises(bedrock_token.InvalidInputError, match='account: "12" is not an AWS account id'):
        bedrock_token.deprovision("py-a", account="12")
