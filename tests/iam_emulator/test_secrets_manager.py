"""Secrets Manager's staging labels as AWS keeps them (secrets_manager.py), and STS refusing an
inactive access key (caller_identity.py): what `rotate --store` relies on, through the server.

Run with the Python that has moto: `python -m pytest tests/iam_emulator`.
"""

from __future__ import annotations

import time

import pytest

from harness import aws, code

V1, V2, V3 = (f"bedrock-token-key-{n}-0000000000000000" for n in ("one", "two", "three"))


@pytest.fixture
def sm(url):
    return aws(url, "secretsmanager")


def stages(sm) -> dict[str, list[str]]:
    return {v["VersionId"]: sorted(v["VersionStages"]) for v in sm.list_secret_version_ids(SecretId="s")["Versions"]}


def test_moving_awscurrent_moves_what_get_secret_value_answers_and_what_a_put_retires(sm):
    sm.create_secret(Name="s", SecretString="one", ClientRequestToken=V1)
    sm.put_secret_value(SecretId="s", SecretString="two", ClientRequestToken=V2, VersionStages=["AWSPENDING"])
    assert sm.get_secret_value(SecretId="s")["SecretString"] == "one"
    sm.update_secret_version_stage(SecretId="s", VersionStage="AWSCURRENT", MoveToVersionId=V2, RemoveFromVersionId=V1)
    assert sm.get_secret_value(SecretId="s")["SecretString"] == "two"
    assert sm.get_secret_value(SecretId="s", VersionStage="AWSPREVIOUS")["SecretString"] == "one"
    assert stages(sm) == {V1: ["AWSPREVIOUS"], V2: ["AWSCURRENT", "AWSPENDING"]}
    sm.put_secret_value(SecretId="s", SecretString="three", ClientRequestToken=V3)
    after = stages(sm)
    assert V1 not in after, "the unlabelled V1 is not listed"
    assert "AWSPREVIOUS" in after[V2] and after[V3] == ["AWSCURRENT"]
    assert V1 in {v["VersionId"] for v in sm.list_secret_version_ids(SecretId="s", IncludeDeprecated=True)["Versions"]}


def test_a_version_is_never_changed_and_the_same_request_is_answered_again(sm):
    sm.create_secret(Name="s", SecretString="one", ClientRequestToken=V1)
    sm.put_secret_value(SecretId="s", SecretString="two", ClientRequestToken=V2, VersionStages=["AWSPENDING"])
    again = sm.put_secret_value(SecretId="s", SecretString="two", ClientRequestToken=V2, VersionStages=["AWSPENDING"])
    assert again["VersionId"] == V2
    with pytest.raises(sm.exceptions.ClientError) as refused:
        sm.put_secret_value(SecretId="s", SecretString="other", ClientRequestToken=V2, VersionStages=["AWSPENDING"])
    assert code(refused) == "ResourceExistsException"
    assert sm.get_secret_value(SecretId="s", VersionId=V2)["SecretString"] == "two"


def test_versions_carry_their_own_creation_time_and_the_secrets_arn(sm):
    created = sm.create_secret(Name="s", SecretString="one", ClientRequestToken=V1)
    time.sleep(1.1)
    listed = sm.list_secret_version_ids(SecretId="s")
    assert listed["ARN"] == created["ARN"]
    assert time.time() - listed["Versions"][0]["CreatedDate"].timestamp() >= 1
    with pytest.raises(sm.exceptions.ClientError) as missing:
        sm.list_secret_version_ids(SecretId="nope")
    assert code(missing) == "ResourceNotFoundException"


def test_get_caller_identity_refuses_an_inactive_access_key(url):
    iam = aws(url, "iam")
    iam.create_user(UserName="rotated")
    key = iam.create_access_key(UserName="rotated")["AccessKey"]
    sts = aws(url, "sts", aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"])
    assert sts.get_caller_identity()["Arn"].endswith(":user/rotated")
    iam.update_access_key(UserName="rotated", AccessKeyId=key["AccessKeyId"], Status="Inactive")
    with pytest.raises(sts.exceptions.ClientError) as refused:
        sts.get_caller_identity()
    assert code(refused) == "InvalidClientTokenId"
    assert aws(url, "sts").get_caller_identity()["Account"], "unknown keys still get moto's identity"
