"""A TokenProvider whose key comes from an AWS Secrets Manager secret, against moto's Secrets Manager."""

import base64
import json
import time
from datetime import timedelta

import pytest

import bedrock_token
from bedrock_token import InvalidInputError, SecretsManagerError, TokenProvider


def api_key(secret_part):
    return "ABSK" + base64.b64encode(f"alice-at-123456789012:{secret_part}".encode()).decode()


def stored(key_id, key):
    """The JSON `bedrock-token provision --store` writes for an API key."""
    return json.dumps({"kind": "api-key", "id": key_id, "secret": key, "service_user_name": "alice-at-123456789012",
                       "created_at": "2026-12-05T10:00:00Z", "expires_at": None})


def settled(provider):
    """The provider's status once the reload started beside the cached key has finished."""
    for _ in range(2000):
        status = provider.status()
        if not status["refreshing"]:
            return status
        time.sleep(0.01)
    raise AssertionError("the reload did not finish")


def test_a_key_from_secrets_manager_is_reloaded_when_the_secret_changes(moto, monkeypatch):
    boto3 = pytest.importorskip("boto3")
    monkeypatch.setenv("AWS_ENDPOINT_URL_SECRETS_MANAGER", moto)
    secrets = boto3.client("secretsmanager", endpoint_url=moto, region_name="us-east-1")
    first, second = api_key("first-secret-part"), api_key("second-secret-part")
    secrets.create_secret(Name="team/bedrock", SecretString=stored("ACCAFIRST", first))
    now = [time.time()]
    provider = TokenProvider(region="us-east-1", secrets_manager_secret="team/bedrock",
                             secrets_manager_poll_interval=timedelta(minutes=1), clock=lambda: now[0])

    assert provider.token() == first, "the long-term key is the token"
    assert provider.token_info().access_key_id == "ACCAFIRST"
    version = secrets.put_secret_value(SecretId="team/bedrock", SecretString=stored("ACCASECOND", second))["VersionId"]
    assert provider.token() == first, "fresh until the poll interval ends"
    now[0] += 60
    assert provider.token() == first, "served while the reload runs"
    assert settled(provider)["secret_version_id"] == version
    assert provider.token() == second

    # A reload that fails keeps the key in service and says why.
    secrets.delete_secret(SecretId="team/bedrock", ForceDeleteWithoutRecovery=True)
    now[0] += 60
    assert provider.token() == second
    status = settled(provider)
    assert status["consecutive_failures"] == 1 and "not found in region us-east-1" in status["last_error"], status
    assert provider.token() == second

    with pytest.raises(SecretsManagerError, match=r'"team/other": not found') as raised:
        TokenProvider(region="us-east-1", secrets_manager_secret="team/other").token()
    assert isinstance(raised.value, bedrock_token.CredentialsError) and isinstance(raised.value, RuntimeError)
    secrets.create_secret(Name="team/malformed", SecretString=json.dumps({"kind": "api-key", "id": "ACCA1", "secret": 42}))
    with pytest.raises(SecretsManagerError, match="secret: must be the key's secret"):
        TokenProvider(region="us-east-1", secrets_manager_secret="team/malformed").token()
    for shown in [repr(provider), str(provider.status()), repr(provider.token_info()), str(raised.value)]:
        assert first not in shown and second not in shown and "secret-part" not in shown, shown


def test_secrets_manager_settings_are_checked():
    with pytest.raises(InvalidInputError, match=r"secrets_manager_poll_interval: 5 s is out of range; allowed 10 s to 43200 s"):
        TokenProvider(region="us-east-1", secrets_manager_secret="team/bedrock", secrets_manager_poll_interval=5)
    with pytest.raises(InvalidInputError, match="secrets_manager_poll_interval: expected a timedelta or seconds, got str"):
        TokenProvider(region="us-east-1", secrets_manager_secret="team/bedrock", secrets_manager_poll_interval="5m")  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="secrets_manager_poll_interval: applies only to a key from Secrets Manager"):
        TokenProvider(region="us-east-1", secrets_manager_poll_interval=60)
