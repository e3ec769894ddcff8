"""TokenProvider from Python: caching, refresh on an injected clock, threads, asyncio, auth helper."""

import asyncio
import threading
from datetime import datetime, timedelta, timezone

import bedrock_token

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
