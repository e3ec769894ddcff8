"""What the emulator's tests share: starting a server on loopback, resetting it, and clients.

Run the tests with the Python that has moto: `python -m pytest tests/iam_emulator`.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator

import boto3
import botocore.config
import pytest

SERVER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "server.py")
# AWS's documented example keys: the emulator's default account.
KEYS = {"aws_access_key_id": "AKIAIOSFODNN7EXAMPLE", "aws_secret_access_key": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}


def start(env: dict[str, str]) -> tuple[subprocess.Popen, str]:
    """Starts the emulator on a free loopback port with `env` added, and waits until it answers."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen([sys.executable, SERVER, "-H", "127.0.0.1", "-p", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, **env})
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            reset(url, timeout=2)
            return server, url
        except OSError:
            assert server.poll() is None, "the emulator exited"
            time.sleep(0.1)
    server.kill()
    raise RuntimeError("the emulator did not answer")


@contextlib.contextmanager
def running(env: dict[str, str]) -> Iterator[str]:
    """An emulator started with `env` added, for the `with` block; yields its URL."""
    process, url = start(env)
    try:
        yield url
    finally:
        process.kill()
        process.wait()


def reset(url: str, timeout: float = 5) -> None:
    """Forgets everything the emulator holds (moto's reset, which the extensions follow)."""
    urllib.request.urlopen(urllib.request.Request(f"{url}/moto-api/reset", method="POST"), timeout=timeout)


def aws(url: str, service: str, config: botocore.config.Config | None = None, **credentials):
    """A boto3 client of `service` against the emulator, with the example keys unless others are given."""
    return boto3.client(service, endpoint_url=url, region_name="us-east-1", config=config, **(credentials or KEYS))


def client(url: str, validate: bool = True):
    """An IAM client; `validate=False` lets values botocore would refuse reach the emulator."""
    return aws(url, "iam", config=botocore.config.Config(parameter_validation=validate))


def code(err: pytest.ExceptionInfo) -> str:
    """The AWS error code of a raised ClientError."""
    return err.value.response["Error"]["Code"]


def private(url: str, method: str, path: str, body=None) -> tuple[int, object]:
    """Calls one of the extension's private routes (`/__bedrock_token/PATH`): status and JSON answer."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"{url}/__bedrock_token/{path}", data=data, method=method,
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())
