"""Fixtures of the emulator's tests: one server per test module, reset before each test."""

from __future__ import annotations

import pytest

from harness import reset, running


@pytest.fixture(scope="module")
def server():
    with running({}) as url:
        yield url


@pytest.fixture
def url(server):
    reset(server)
    return server


@pytest.fixture(scope="module")
def managed_server():
    with running({"MOTO_IAM_LOAD_MANAGED_POLICIES": "true"}) as url:
        yield url


@pytest.fixture
def fresh(managed_server):
    reset(managed_server)
    return managed_server
