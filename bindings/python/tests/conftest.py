"""Shared fixtures: the golden vectors (made by AWS's official generator; see the fixtures README), and
the moto server (IAM with this project's extension, Secrets Manager) on loopback."""

import json
import os
import shutil
import socket
import subprocess
import time
import urllib.request
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


@pytest.fixture
def moto(example_env, monkeypatch):
    """A moto server started and stopped here; the IAM calls of provisioning go to it."""
    program = os.environ.get("BEDROCK_TOKEN_MOTO_SERVER") or shutil.which("moto_server")
    if not program:
        if os.environ.get("CI") == "true":
            raise RuntimeError("CI=true but no moto_server (set BEDROCK_TOKEN_MOTO_SERVER)")
        pytest.skip("pip install 'moto[server]'")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen([program, "-H", "127.0.0.1", "-p", str(port)], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, env={**os.environ, "MOTO_IAM_LOAD_MANAGED_POLICIES": "true"})
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):
            try:
                urllib.request.urlopen(urllib.request.Request(f"{url}/moto-api/reset", method="POST"), timeout=2)
                break
            except OSError:
                assert server.poll() is None, "moto_server exited"
                time.sleep(0.1)
        monkeypatch.setenv("AWS_ENDPOINT_URL_IAM", url)
        monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
        yield url
    finally:
        server.kill()
        server.wait()
