"""IAM's policy size quotas in the emulator (policy_limits.py), through boto3 over HTTP."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from harness import client


@pytest.fixture(scope="module")
def iam(server):
    return client(server)


def document(padding: int) -> str:
    """A valid policy of exactly 106 + padding characters without white space."""
    policy = {"Version": "2012-10-17", "Statement": [{"Sid": "P" + "x" * padding, "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
    return json.dumps(policy, separators=(",", ":"))


def test_sizes_are_counted_without_white_space():
    assert len(document(0)) == 106
    spaced = json.dumps(json.loads(document(0)), indent=4)
    import policy_limits
    assert policy_limits.size(spaced) == 106 < len(spaced)


def test_a_users_inline_policies_share_2048_characters(iam):
    iam.create_user(UserName="u")
    iam.put_user_policy(UserName="u", PolicyName="a", PolicyDocument=document(1000))  # 1106
    iam.put_user_policy(UserName="u", PolicyName="b", PolicyDocument=document(836))  # 942: 2048 in all
    with pytest.raises(ClientError) as refused:
        iam.put_user_policy(UserName="u", PolicyName="c", PolicyDocument=document(0))
    assert refused.value.response["Error"]["Code"] == "LimitExceeded"
    assert "Maximum policy size of 2048 bytes exceeded for user u" in refused.value.response["Error"]["Message"]
    iam.put_user_policy(UserName="u", PolicyName="b", PolicyDocument=document(800))  # a replacement counts instead
    assert sorted(iam.list_user_policies(UserName="u")["PolicyNames"]) == ["a", "b"]


def test_a_roles_inline_policies_share_10240_characters(iam):
    trust = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}'
    iam.create_role(RoleName="r", AssumeRolePolicyDocument=trust)
    iam.put_role_policy(RoleName="r", PolicyName="a", PolicyDocument=document(5000))
    with pytest.raises(ClientError) as refused:
        iam.put_role_policy(RoleName="r", PolicyName="b", PolicyDocument=document(5100))
    assert refused.value.response["Error"]["Code"] == "LimitExceeded"
    iam.put_role_policy(RoleName="r", PolicyName="b", PolicyDocument=document(5000))


def test_a_managed_policy_holds_6144_characters(iam):
    arn = iam.create_policy(PolicyName="m", PolicyDocument=document(6144 - 106))["Policy"]["Arn"]
    for refuse in (lambda: iam.create_policy(PolicyName="n", PolicyDocument=document(6144 - 105)),
                   lambda: iam.create_policy_version(PolicyArn=arn, PolicyDocument=document(6144 - 105), SetAsDefault=True)):
        with pytest.raises(ClientError) as refused:
            refuse()
        assert refused.value.response["Error"]["Code"] == "LimitExceeded"
        assert "PolicySize: 6144" in refused.value.response["Error"]["Message"]
