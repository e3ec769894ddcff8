"""The emulator's bulk read and cross-account access: GetAccountAuthorizationDetails paged as IAM
pages it, STS AssumeRole refused as AWS refuses it (a missing role, a trust policy that does
not allow the caller), in an organization made with moto's Organizations API, and Organizations'
refusals of a duplicate policy attachment and of detaching a policy not attached.

Run with the Python that has moto: `python -m pytest tests/iam_emulator`.
"""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from harness import aws, client, code

def test_details_page_with_max_items_and_marker_and_carry_tags_policies_and_groups(url):
    iam = client(url)
    iam.create_group(GroupName="analysts")
    arn = iam.create_policy(PolicyName="p", PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}]}))["Policy"]["Arn"]
    for i in range(7):
        iam.create_user(UserName=f"user-{i}", Path="/bedrock/", Tags=[{"Key": "n", "Value": str(i)}])
    iam.add_user_to_group(GroupName="analysts", UserName="user-3")
    iam.attach_user_policy(UserName="user-3", PolicyArn=arn)
    seen, marker, pages = [], None, 0
    while True:
        page = iam.get_account_authorization_details(Filter=["User"], MaxItems=3, **({"Marker": marker} if marker else {}))
        pages += 1
        assert len(page["UserDetailList"]) <= 3
        assert page["GroupDetailList"] == [] and page["Policies"] == [], "Filter=User gives users only"
        seen += page["UserDetailList"]
        if not page["IsTruncated"]:
            assert "Marker" not in page
            break
        marker = page["Marker"]
    assert pages == 3 and sorted(u["UserName"] for u in seen) == [f"user-{i}" for i in range(7)]
    three = next(u for u in seen if u["UserName"] == "user-3")
    assert three["Path"] == "/bedrock/" and three["Tags"] == [{"Key": "n", "Value": "3"}]
    assert three["GroupList"] == ["analysts"] and [p["PolicyArn"] for p in three["AttachedManagedPolicies"]] == [arn]
    with pytest.raises(ClientError) as err:
        client(url, validate=False).get_account_authorization_details(MaxItems=1001)
    assert code(err) == "InvalidInput"


def test_assume_role_needs_the_role_and_a_trust_policy_that_allows_the_caller(url):
    org = aws(url, "organizations")
    org.create_organization(FeatureSet="ALL")
    accounts = [org.create_account(AccountName=f"m{i}", Email=f"m{i}@example.com")["CreateAccountStatus"]["AccountId"] for i in range(3)]
    sts = aws(url, "sts")
    management = sts.get_caller_identity()["Account"]
    role = lambda account, name="OrganizationAccountAccessRole": f"arn:aws:iam::{account}:role/{name}"  # noqa: E731

    creds = sts.assume_role(RoleArn=role(accounts[0]), RoleSessionName="audit")["Credentials"]
    member = {"aws_access_key_id": creds["AccessKeyId"], "aws_secret_access_key": creds["SecretAccessKey"], "aws_session_token": creds["SessionToken"]}
    assert aws(url, "sts", **member).get_caller_identity()["Account"] == accounts[0], "moto creates the role in new member accounts"

    with pytest.raises(ClientError) as err:
        sts.assume_role(RoleArn=role(accounts[0], "Missing"), RoleSessionName="audit")
    assert code(err) == "AccessDenied" and err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert "is not authorized to perform: sts:AssumeRole on resource" in str(err.value)

    second = aws(url, "iam", **member)
    creds = sts.assume_role(RoleArn=role(accounts[1]), RoleSessionName="audit")["Credentials"]
    second = aws(url, "iam", aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"], aws_session_token=creds["SessionToken"])
    other = "arn:aws:iam::111122223333:root"
    second.update_assume_role_policy(RoleName="OrganizationAccountAccessRole", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": other}, "Action": "sts:AssumeRole"}]}))
    with pytest.raises(ClientError) as err:
        sts.assume_role(RoleArn=role(accounts[1]), RoleSessionName="audit")
    assert code(err) == "AccessDenied", "a trust policy that names another account refuses"

    creds = sts.assume_role(RoleArn=role(accounts[2]), RoleSessionName="audit")["Credentials"]
    third = aws(url, "iam", aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"], aws_session_token=creds["SessionToken"])
    third.update_assume_role_policy(RoleName="OrganizationAccountAccessRole", PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{management}:root"}, "Action": "sts:AssumeRole"},
        {"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"},
    ]}))
    with pytest.raises(ClientError) as err:
        sts.assume_role(RoleArn=role(accounts[2]), RoleSessionName="audit")
    assert code(err) == "AccessDenied", "a Deny overrides the Allow"


def test_attaching_a_policy_twice_or_detaching_one_not_attached_is_refused_as_aws_refuses_it(url):
    org = aws(url, "organizations")
    org.create_organization(FeatureSet="ALL")
    root = org.list_roots()["Roots"][0]["Id"]
    unit = org.create_organizational_unit(ParentId=root, Name="research")["OrganizationalUnit"]["Id"]
    deny = {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "bedrock:CallWithBearerToken", "Resource": "*"}]}
    policy = org.create_policy(Name="p", Description="", Type="SERVICE_CONTROL_POLICY", Content=json.dumps(deny))["Policy"]["PolicySummary"]["Id"]
    targets = lambda: [t["TargetId"] for t in org.list_targets_for_policy(PolicyId=policy)["Targets"]]  # noqa: E731

    with pytest.raises(ClientError) as err:
        org.detach_policy(PolicyId=policy, TargetId=unit)
    assert code(err) == "PolicyNotAttachedException"
    org.attach_policy(PolicyId=policy, TargetId=unit)
    with pytest.raises(ClientError) as err:
        org.attach_policy(PolicyId=policy, TargetId=unit)
    assert code(err) == "DuplicatePolicyAttachmentException" and err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert targets() == [unit], "attached once"
    org.detach_policy(PolicyId=policy, TargetId=unit)
    assert targets() == []
    with pytest.raises(ClientError) as err:
        org.detach_policy(PolicyId=policy, TargetId="ou-0000-00000000")
    assert code(err) == "OrganizationalUnitNotFoundException", "moto's own refusal of an unknown target stays"
