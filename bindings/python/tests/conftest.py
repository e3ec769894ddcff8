"""Shared fixtures: the golden vectors (made by AWS's official generator; see the fixtures README)."""

import json
import os
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parents[3] / "crates" / "bedrock-token" / "tests" / "fixtures"
EXAMPLE_KEY_ID = "AKIAIOSFODNN7EXAMPLE"
EXAMPLE_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"


def lines(name):
    return [json.loads(line) for line in (FIXTURES / name).read_text().splitlines()]


@pytest.fixture
def example_env(monkeypatch, tmp_path):
    """Only the example keys and a region in the environment; no profile files, no IMDS."""
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", EXAMPLE_KEY_ID)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", EXAMPLE_SECRET)
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


def reference():
    """AWS's official generator; required under CI=true, else the test is skipped."""
    try:
        import aws_bedrock_token_generator
    except ImportError:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip("pip install aws-bedrock-token-generator==1.1.0")
    return aws_bedrock_token_generator
