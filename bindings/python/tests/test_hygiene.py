"""No secret in repr, str or exception messages; docstrings and stubs are there for people and mypy."""

import os
from pathlib import Path

import pytest

import bedrock_token

SECRET = "SECRETzz/SECRETzz+SECRETzzSECRETzzSECRET"
SESSION = "SESSIONTOKENyy/SESSIONTOKENyy+SESSIONTOKENyy=="
CREDENTIALS = {"access_key_id": "ASIAEXAMPLEKEYID0001", "secret_access_key": SECRET, "session_token": SESSION}


def test_no_secret_in_repr_str_or_errors():
    token = bedrock_token.sign_token(CREDENTIALS, "us-east-1", 60)
    provider = bedrock_token.TokenProvider(region="us-east-1", credentials=CREDENTIALS)
    texts = [repr(token), str(token), repr(provider), repr(provider.token_info()), str(provider.status())]
    for bad in [lambda: bedrock_token.sign_token(CREDENTIALS, SECRET, 60),
                lambda: bedrock_token.sign_token(CREDENTIALS, "US-EAST-1", 0),
                lambda: bedrock_token.sign_token(CREDENTIALS, "us-east-1", SECRET),
                lambda: bedrock_token.inspect_token(token.value[:-9]),
                lambda: bedrock_token.provide_token(region=SECRET, aws_credentials_provider=CREDENTIALS)]:
        with pytest.raises(bedrock_token.BedrockTokenError) as err:
            bad()
        texts += [str(err.value), repr(err.value)]
    for text in texts:
        for needle in ["SECRETzz", "SESSIONTOKENyy", token.value[16:80]]:
            assert needle not in text, text


def test_help_shows_docstrings():
    assert "Amazon Bedrock API keys" in bedrock_token.__doc__
    for name in bedrock_token.__all__:
        assert getattr(bedrock_token, name).__doc__, name
    import pydoc
    assert "drop-ins for ``aws_bedrock_token_generator``'s" in pydoc.render_doc(bedrock_token)


def test_doctests(example_env):
    import doctest
    failures, tried = doctest.testmod(bedrock_token)
    assert tried >= 5 and failures == 0


def test_stubs_type_check_with_mypy_strict(tmp_path):
    mypy = pytest.importorskip("mypy.api") if os.environ.get("CI") != "true" else __import__("mypy.api").api
    sample = Path(__file__).with_name("typing_sample.py")
    out, err, status = mypy.run(["--strict", "--no-incremental", str(sample)])
    assert status == 0, out + err
