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
    {"region": None, "expiry": timedelta(0)},
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
    if kwargs["region"] is None:  # the region is looked for first, as the reference does
        assert str(ours.value) == str(theirs.value)


def test_each_lifetime_is_read_anew_even_when_objects_repeat(example_env):
    """The last timedelta's seconds are remembered by identity: alternating lifetimes, an equal
    one made anew, and a subclass with its own total_seconds() each sign with their own."""
    class Doubled(timedelta):
        def total_seconds(self):
            return 2 * super().total_seconds()
    hour, half = timedelta(hours=1), timedelta(minutes=30)
    given = [hour, half, hour, hour, timedelta(minutes=30), Doubled(minutes=10), hour]
    lifetimes = [aws_bedrock_token_generator.inspect_token(aws_bedrock_token_generator.provide_token(expiry=e)).lifetime for e in given]
    assert lifetimes == [hour, half, hour, hour, half, timedelta(minutes=20), hour]


def test_typed_errors_name_the_field(example_env):
    with pytest.raises(aws_bedrock_token_generator.InvalidInputError, match='did you mean "us-east-1"'):
        aws_bedrock_token_generator.provide_token(region="US-EAST-1")
    with pytest.raises(ValueError, match="cannot read"):
        aws_bedrock_token_generator.provide_token(expiry="soon")


def test_every_credential_shape_signs_the_same_token():
    """The native reader has a shortcut for exactly `botocore.credentials.Credentials`; it and the
    general path (subclasses, mappings, objects, providers) must read the same credentials."""
    import collections.abc
    import types
    from datetime import datetime, timezone

    at = datetime(2026, 1, 24, 10, tzinfo=timezone.utc)

    class Subclass(Credentials):
        pass

    class ReadOnlyMapping(collections.abc.Mapping):
        def __init__(self, **fields):
            self.fields = fields
        def __getitem__(self, name):
            return self.fields[name]
        def __iter__(self):
            return iter(self.fields)
        def __len__(self):
            return len(self.fields)

    class Provider:
        def __init__(self, credentials):
            self.credentials = credentials
        def load(self):
            return self.credentials

    def sign(given):
        return aws_bedrock_token_generator.sign_token(given, "us-east-1", 900, at).value

    for session in ["FwoGZXIvYXdzEXAMPLE/+=", None]:
        expected = sign({"access_key_id": EXAMPLE_KEY_ID, "secret_access_key": "s", "session_token": session})
        shapes = [
            Credentials(EXAMPLE_KEY_ID, "s", session),
            Provider(Credentials(EXAMPLE_KEY_ID, "s", session)),
            Subclass(EXAMPLE_KEY_ID, "s", session),
            Provider(Subclass(EXAMPLE_KEY_ID, "s", session)),
            ReadOnlyMapping(AccessKeyId=EXAMPLE_KEY_ID, SecretAccessKey="s", SessionToken=session),
            types.SimpleNamespace(aws_access_key_id=EXAMPLE_KEY_ID, aws_secret_access_key="s", token=None, sessionToken=session),
            Provider({"accessKeyId": EXAMPLE_KEY_ID, "secretAccessKey": "s", "token": session}),
        ]
        for given in shapes:
            assert sign(given) == expected, given
    assert sign(Credentials(EXAMPLE_KEY_ID, "s", "")) == sign(Credentials(EXAMPLE_KEY_ID, "s", None))

    # Refreshable credentials are read through one frozen snapshot, and their expiry caps the
    # token's (20 minutes out: botocore does not refresh them before signing).
    now = datetime.now(timezone.utc).replace(microsecond=0)
    expiry = now + timedelta(minutes=20)
    refreshable = RefreshableCredentials.create_from_metadata(
        {"access_key": EXAMPLE_KEY_ID, "secret_key": "s", "token": "t", "expiry_time": expiry.isoformat()},
        refresh_using=lambda: None,
        method="test",
    )
    token = aws_bedrock_token_generator.sign_token(refreshable, "us-east-1", "12h", now)
    plain = {"access_key_id": EXAMPLE_KEY_ID, "secret_access_key": "s", "session_token": "t"}
    assert token.value == aws_bedrock_token_generator.sign_token(plain, "us-east-1", "12h", now).value
    assert token.expires_at == expiry

    for missing in [Credentials(EXAMPLE_KEY_ID, None), Provider(None), {"access_key_id": EXAMPLE_KEY_ID}, object()]:
        with pytest.raises(aws_bedrock_token_generator.CredentialsError, match="No AWS credentials found"):
            sign(missing)


def test_bedrock_token_generator_class():
    """The class of aws_bedrock_token_generator: a 12-hour token signed now, the same bytes as
    sign_token at that second, and the reference's ValueError messages."""
    import inspect as pyinspect

    generator = aws_bedrock_token_generator.BedrockTokenGenerator()
    credentials = Credentials(EXAMPLE_KEY_ID, "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "session")
    token = generator.get_token(credentials, "us-west-2")
    info = aws_bedrock_token_generator.inspect_token(token)
    assert (info.region, info.lifetime, info.has_session_token) == ("us-west-2", timedelta(hours=12), True)
    assert token == aws_bedrock_token_generator.sign_token(credentials, "us-west-2", 43200, info.issued_at).value
    for bad_credentials in [None, {}]:
        with pytest.raises(ValueError, match="^Credentials cannot be None$") as raised:
            generator.get_token(bad_credentials, "us-west-2")
        assert isinstance(raised.value, aws_bedrock_token_generator.InvalidInputError)
    for bad_region in [None, "", 42]:
        with pytest.raises(aws_bedrock_token_generator.InvalidInputError, match="^Region must be a non-empty string$"):
            generator.get_token(credentials, bad_region)
    assert pyinspect.signature(generator.get_token).return_annotation is str
    assert pyinspect.signature(aws_bedrock_token_generator.provide_token).return_annotation is str
    assert pyinspect.signature(aws_bedrock_token_generator.provide_token).parameters["expiry"].default == timedelta(hours=12)


def test_version_is_the_packages():
    import importlib.metadata
    import re
    from pathlib import Path

    cargo = (Path(__file__).resolve().parents[3] / "Cargo.toml").read_text()
    version = re.search(r'^version = "([^"]+)"', cargo, re.M).group(1)
    assert aws_bedrock_token_generator.__version__ == version
    assert importlib.metadata.version("bedrock-token") == version


def test_lifetimes_in_messages_are_human(example_env):
    with pytest.raises(aws_bedrock_token_generator.InvalidInputError, match=r"^expiry: 46800 s \(13 h\) is out of range; allowed 1 s to 43200 s \(12 h\)$"):
        aws_bedrock_token_generator.sign_token({"access_key_id": EXAMPLE_KEY_ID, "secret_access_key": "s"}, "us-east-1", timedelta(hours=13))
    with pytest.raises(ValueError, match="^Token expiry must be greater than zero and less than or equal to 12 hours"):
        aws_bedrock_token_generator.provide_token(region="us-east-1", expiry=timedelta(0))


def test_providers_of_one_class_each_give_their_own_credentials():
    """`load()` is called as a method once the class is known to have one: per instance, every call."""

    class Provider:
        def __init__(self, key_id):
            self.credentials = Credentials(key_id, "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")

        def load(self):
            return self.credentials

    def key_id_of(provider):
        token = aws_bedrock_token_generator.provide_token(region="us-east-1", aws_credentials_provider=provider, expiry=60)
        return aws_bedrock_token_generator.inspect_token(token).access_key_id

    first, second = Provider("AKIAIOSFODNN7EXAMPLE"), Provider("AKIAIOSFODNN7EXAMPL2")
    assert [key_id_of(p) for p in (first, second, first)] == ["AKIAIOSFODNN7EXAMPLE", "AKIAIOSFODNN7EXAMPL2", "AKIAIOSFODNN7EXAMPLE"]
    shadowed = Provider("AKIAIOSFODNN7EXAMPLE")
    shadowed.load = lambda: Credentials("AKIAIOSFODNN7EXAMPL2", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    assert key_id_of(shadowed) == "AKIAIOSFODNN7EXAMPL2", "an instance's own load() comes first, as in Python"
    assert key_id_of({"access_key_id": "AKIAIOSFODNN7EXAMPLE", "secret_access_key": "x"}) == "AKIAIOSFODNN7EXAMPLE"
    assert key_id_of(first) == "AKIAIOSFODNN7EXAMPLE"
