"""TokenProvider from Python: caching, refresh on an injected clock, threads, asyncio, auth helper."""

import asyncio
import threading
from datetime import datetime, timedelta, timezone

import pytest

import bedrock_token
from conftest import EXAMPLE_KEY_ID

START = datetime(2026, 1, 24, 10, tzinfo=timezone.utc)


class Counting:
    """A credentials source that counts its loads, as a botocore provider does (`.load()`)."""

    def __init__(self):
        self.loads = 0
        self.lock = threading.Lock()

    def load(self):
        with self.lock:
            self.loads += 1
            return {"access_key_id": f"AKIALOAD{self.loads:012d}", "secret_access_key": "secret"}


def test_caches_and_refreshes_when_the_clock_passes_the_margin():
    now = [START]
    source = Counting()
    provider = bedrock_token.TokenProvider(region="us-east-1", expiry=timedelta(hours=1), credentials=source, clock=lambda: now[0])
    first = provider.token()
    assert provider.token() == first and source.loads == 1
    info = provider.token_info()
    assert info.expires_at == START + timedelta(hours=1) and info.region == "us-east-1"

    now[0] = START + timedelta(minutes=53)  # before the 6-minute margin
    assert provider.token() == first and source.loads == 1
    now[0] = START + timedelta(minutes=55)  # past it: a new token (waiting briefly for the refresh)
    for _ in range(1000):
        if provider.token() != first:
            break
        threading.Event().wait(0.01)
    assert provider.token() != first and source.loads == 2
    assert bedrock_token.inspect_token(provider.token()).issued_at == START + timedelta(minutes=55)


def test_sixty_four_threads_get_one_token():
    source = Counting()
    provider = bedrock_token.TokenProvider(region="us-east-1", credentials=source)
    barrier = threading.Barrier(64)
    results = []

    def call():
        barrier.wait()
        results.append(provider.token())

    threads = [threading.Thread(target=call) for _ in range(64)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 64 and len(set(results)) == 1 and source.loads == 1


def test_token_async_and_bearer_auth():
    provider = bedrock_token.TokenProvider(region="us-east-1", credentials=Counting())
    token = asyncio.run(provider.token_async())
    assert token == provider.token()

    class Request:
        def __init__(self):
            self.headers = {}

    assert bedrock_token.BearerAuth(provider)(Request()).headers == {"Authorization": f"Bearer {token}"}


def test_failures_raise_typed_errors():
    class Failing:
        def load(self):
            raise RuntimeError("provider down")

    provider = bedrock_token.TokenProvider(region="us-east-1", credentials=Failing())
    try:
        provider.token()
    except bedrock_token.CredentialsError as err:
        assert isinstance(err, RuntimeError) and "provider down" in str(err)
    else:
        raise AssertionError("expected CredentialsError")
    assert provider.status()["consecutive_failures"] == 1


def test_a_blocking_load_is_bounded_and_stalls_no_other_provider():
    """botocore's load() blocks; it runs on a thread of its own, so the load timeout holds and
    another provider in the process is not held up meanwhile."""
    import threading
    import time

    class SlowProvider:
        def load(self):
            time.sleep(3)
            return {"access_key_id": "AKIASLOWEXAMPLE", "secret_access_key": "s"}

    slow = bedrock_token.TokenProvider(region="us-east-1", credentials=SlowProvider(), load_timeout=0.5)
    fast = bedrock_token.TokenProvider(region="us-east-1", credentials={"access_key_id": "AKIAFASTEXAMPLE", "secret_access_key": "s"})
    outcome = {}

    def wait_for_slow():
        began = time.monotonic()
        try:
            slow.token()
        except bedrock_token.CredentialsError as err:
            outcome["error"] = str(err)
        outcome["slow_seconds"] = time.monotonic() - began

    waiter = threading.Thread(target=wait_for_slow)
    waiter.start()
    time.sleep(0.1)  # the slow load is under way
    began = time.monotonic()
    assert fast.token().startswith("bedrock-api-key-")
    fast_seconds = time.monotonic() - began
    waiter.join(10)
    assert fast_seconds < 0.3, f"an unrelated provider waited {fast_seconds:.2f} s"
    assert "load timeout of 0.5 s" in outcome["error"], outcome
    assert outcome["slow_seconds"] < 1.5, outcome


def test_providers_work_in_a_forked_child():
    """gunicorn --preload, Celery prefork: the parent has used a provider, then forks."""
    import multiprocessing

    provider = bedrock_token.TokenProvider(region="us-east-1", credentials={"access_key_id": EXAMPLE_KEY_ID, "secret_access_key": "s"})
    assert provider.token().startswith("bedrock-api-key-")

    def child(results):
        provider.invalidate()  # the child must refresh on its own
        fresh = bedrock_token.TokenProvider(region="us-east-1", credentials={"access_key_id": EXAMPLE_KEY_ID, "secret_access_key": "s"})
        results.put((provider.token()[:16], fresh.token()[:16]))

    context = multiprocessing.get_context("fork")
    results = context.Queue()
    process = context.Process(target=child, args=(results,))
    process.start()
    process.join(20)
    if process.is_alive():
        process.kill()
        raise AssertionError("the forked child hung")
    assert process.exitcode == 0
    assert results.get(timeout=1) == ("bedrock-api-key-", "bedrock-api-key-")


def test_signing_times_before_1970_or_not_finite_are_refused():
    from datetime import datetime, timezone

    from bedrock_token import _native

    credentials = {"access_key_id": EXAMPLE_KEY_ID, "secret_access_key": "s"}
    with pytest.raises(bedrock_token.InvalidInputError, match="at: must be a time between 1970-01-01 and 9999-12-31 UTC"):
        bedrock_token.sign_token(credentials, "us-east-1", 60, datetime(1960, 1, 1, tzinfo=timezone.utc))
    for bad in [float("nan"), float("inf"), -1.0]:
        with pytest.raises(bedrock_token.InvalidInputError, match="^at: "):
            _native.sign_token(credentials, "us-east-1", 60, bad)
