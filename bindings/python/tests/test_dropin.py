"""AWS's documented calls work unchanged with `import bedrock_token as aws_bedrock_token_generator`,
and invalid inputs raise the same built-in exception types as the reference."""

from datetime import timedelta

import pytest
from botocore.credentials import Credentials, EnvProvider, RefreshableCredentials

import bedrock_token as aws_bedrock_token_generator
from conftest import EXAMPLE_KEY_ID, reference


def test_documented_calls(example_env):
    for token in [
        aws_bedrock_token_generator.provide_token(),
        aws_bedrock_token_generator.provide_token(region="us-east-1", aws_credentials_provider=EnvProvider()),
        aws_bedrock_token_generator.provide_token(expiry=timedelta(minutes=30)),
    ]:
        info = aws_bedrock_token_generator.inspect_token(token)
        assert (info.region, info.access_key_id) == ("us-east-1", EXAMPLE_KEY_ID)
    thirty = aws_bedrock_token_generator.inspect_token(aws_bedrock_token_generator.provide_token(expiry=timedelta(minutes=30)))
    assert thirty.lifetime == timedelta(minutes=30)


def test_what_reference_users_pass_as_credentials(example_env):
    static = Credentials("AKIASTATICEXAMPLE", "secret", "session")
    refreshable = RefreshableCredentials.create_from_metadata(
        {"access_key": "ASIAREFRESHEXAMPLE", "secret_key": "s", "token": "t", "expiry_time": "2999-01-01T00:00:00Z"},
        refresh_using=lambda: None,
        method="test",
    )
    class Plain:
        access_key_id = "AKIAPLAINEXAMPLE"
        secret_access_key = "s"
    for given, key_id, has_session in [
        (static, "AKIASTATICEXAMPLE", True),
        (refreshable, "ASIAREFRESHEXAMPLE", True),
        ({"aws_access_key_id": "AKIADICTEXAMPLE", "aws_secret_access_key": "s"}, "AKIADICTEXAMPLE", False),
        (Plain(), "AKIAPLAINEXAMPLE", False),
    ]:
        info = aws_bedrock_token_generator.inspect_token(
            aws_bedrock_token_generator.provide_token(region="eu-west-1", aws_credentials_provider=given, expiry=3600))
        assert (info.access_key_id, info.has_session_token, info.region) == (key_id, has_session, "eu-west-1")
    assert aws_bedrock_token_generator.inspect_token(aws_bedrock_token_generator.provide_token(expiry="90m")).lifetime == timedelta(minutes=90)


class NoCredentials:
    def load(self):
        return None


@pytest.mark.parametrize("kwargs", [
    {"region": None},
    {"expiry": timedelta(0)},
    {"expiry": timedelta(hours=13)},
    {"expiry": timedelta(seconds=-1)},
    {"aws_credentials_provider": NoCredentials()},
])
def test_invalid_inputs_raise_the_reference_builtin_types(example_env, monkeypatch, kwargs):
    ref = reference()
    kwargs = {"region": "us-east-1", **kwargs}
    if kwargs["region"] is None:
        monkeypatch.delenv("AWS_REGION")
    with pytest.raises(Exception) as theirs:
        ref.provide_token(**kwargs)
    with pytest.raises(Exception) as ours:
        aws_bedrock_token_generator.provide_token(**kwargs)
    builtin = next(c for c in type(theirs.value).__mro__ if c.__module__ == "builtins")
    assert isinstance(ours.value, builtin), (kwargs, type(ours.value), builtin)
    assert isinstance(ours.value, aws_bedrock_token_generator.BedrockTokenError)


def test_typed_errors_name_the_field(example_env):
    with pytest.raises(aws_bedrock_token_generator.InvalidInputError, match='did you mean "us-east-1"'):
        aws_bedrock_token_generator.provide_token(region="US-EAST-1")
    with pytest.raises(ValueError, match="cannot read"):
        aws_bedrock_token_generator.provide_token(expiry="soon")
