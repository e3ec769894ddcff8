"""Python: bedrock_token vs AWS's aws-bedrock-token-generator 1.1.0, same inputs, interleaved rounds.

    pip install aws-bedrock-token-generator==1.1.0 && python bindings/python/bench.py [--seconds 1]
"""

import argparse
import statistics
import time
from datetime import timedelta

from botocore.credentials import Credentials

import bedrock_token

try:
    import aws_bedrock_token_generator as reference
except ImportError:
    reference = None

CREDENTIALS = Credentials("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
SESSION = Credentials("ASIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "T" * 1024)


class Static:
    def __init__(self, credentials):
        self.credentials = credentials

    def load(self):
        return self.credentials


def per_call(fn, seconds):
    """Median nanoseconds per call over five timed batches."""
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds / 10:
        fn()
        n += 1
    samples = []
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(n):
            fn()
        samples.append((time.perf_counter() - start) / n * 1e9)
    return statistics.median(samples)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=1.0)
    args = parser.parse_args()
    provider = bedrock_token.TokenProvider(region="us-east-1", credentials=CREDENTIALS)
    provider.token()
    rows = []
    for label, credentials in [("provide_token", CREDENTIALS), ("provide_token, 1 KB session token", SESSION)]:
        static = Static(credentials)
        ours = per_call(lambda: bedrock_token.provide_token("us-east-1", static, timedelta(hours=1)), args.seconds)
        theirs = per_call(lambda: reference.provide_token("us-east-1", static, timedelta(hours=1)), args.seconds) if reference else None
        rows.append((label, ours, theirs))
    rows.append(("TokenProvider.token() cache hit", per_call(provider.token, args.seconds), None))
    print(f"{'python':36} {'ours ns':>10} {'reference ns':>13} {'ratio':>7}")
    for label, ours, theirs in rows:
        ratio = f"{theirs / ours:6.1f}x" if theirs else "      -"
        print(f"{label:36} {ours:10.0f} {theirs or float('nan'):13.0f} {ratio}")


if __name__ == "__main__":
    main()
