"""Python: bedrock_token vs AWS's aws-bedrock-token-generator 1.1.0, same inputs, interleaved rounds.

    pip install aws-bedrock-token-generator==1.1.0 && python bindings/python/bench.py [--seconds 1]
"""

import argparse
import os
import statistics
import time
from datetime import timedelta

from botocore.credentials import Credentials

import bedrock_token

try:
    import aws_bedrock_token_generator as reference
except ImportError:
    reference = None

# Built once: `timedelta(hours=1)` alone costs ~0.7 us, which would be the caller's time, not the library's.
ONE_HOUR = timedelta(hours=1)
CREDENTIALS = Credentials("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
SESSION = Credentials("ASIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "T" * 1024)


class Static:
    def __init__(self, credentials):
        self.credentials = credentials

    def load(self):
        return self.credentials


def batch_size(fn, seconds):
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds / 10:
        fn()
        n += 1
    return max(n, 1)


def timed(fn, n):
    start = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - start) / n * 1e9


def compare(ours, theirs, seconds):
    """Median ns per call of each, measured in alternating rounds (ours, theirs, ours, …)."""
    n_ours, n_theirs = batch_size(ours, seconds), theirs and batch_size(theirs, seconds)
    mine, other = [], []
    for _ in range(5):
        mine.append(timed(ours, n_ours))
        if theirs:
            other.append(timed(theirs, n_theirs))
    return statistics.median(mine), (statistics.median(other) if theirs else None)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=1.0)
    args = parser.parse_args()
    provider = bedrock_token.TokenProvider(region="us-east-1", credentials=CREDENTIALS)
    provider.token()
    rows = []
    for label, credentials in [("provide_token", CREDENTIALS), ("provide_token, 1 KB session token", SESSION)]:
        static = Static(credentials)
        theirs = (lambda: reference.provide_token("us-east-1", static, ONE_HOUR)) if reference else None
        rows.append((label, *compare(lambda: bedrock_token.provide_token("us-east-1", static, ONE_HOUR), theirs, args.seconds)))
    static = Static(CREDENTIALS)
    theirs = (lambda: reference.provide_token(region="us-east-1", aws_credentials_provider=static, expiry=ONE_HOUR)) if reference else None
    ours = lambda: bedrock_token.provide_token(region="us-east-1", aws_credentials_provider=static, expiry=ONE_HOUR)  # noqa: E731
    rows.append(("provide_token, keyword arguments (AWS's docs)", *compare(ours, theirs, args.seconds)))
    # The pattern AWS's docs show before every request: no arguments, the default chains (here the
    # example keys and region in the environment, no shared files, no instance metadata).
    os.environ.update({"AWS_ACCESS_KEY_ID": CREDENTIALS.access_key, "AWS_SECRET_ACCESS_KEY": CREDENTIALS.secret_key,
                       "AWS_REGION": "us-east-1", "AWS_CONFIG_FILE": "/nonexistent", "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
                       "AWS_EC2_METADATA_DISABLED": "true"})
    rows.append(("provide_token(), default chains", *compare(bedrock_token.provide_token, reference and reference.provide_token, args.seconds)))
    rows.append(("TokenProvider.token() cache hit", *compare(provider.token, None, args.seconds)))
    # The Rust core's signing time from the same run of scripts/bench-compare, against the same reference.
    for label, env in [("Rust sign_token, no session token", "RUST_SIGN_NS"), ("Rust sign_token, 1 KB session token", "RUST_SIGN_SESSION_NS")]:
        if os.environ.get(env):
            reference_ns = rows[0][2] if "1 KB" not in label else rows[1][2]
            rows.append((label, float(os.environ[env]), reference_ns))
    if os.environ.get("BENCH_TSV"):  # for scripts/bench-compare's one table
        for label, ours, theirs in rows:
            section = "" if label.startswith("Rust") else "Python "
            print(f"{section}{label}\t{ours:.0f}\t{theirs:.0f}\t" if theirs else f"{section}{label}\t{ours:.0f}\t\t")
        return
    print(f"{'python':40} {'ours ns':>10} {'reference ns':>13} {'ratio':>7}")
    for label, ours, theirs in rows:
        ratio = f"{theirs / ours:6.1f}x" if theirs else "      -"
        theirs_text = f"{theirs:13.0f}" if theirs else f"{'-':>13}"
        print(f"{label:40} {ours:10.0f} {theirs_text} {ratio}")


if __name__ == "__main__":
    main()
