"""Whole processes and memory, for scripts/bench-compare (TSV on stdout).

    python scripts/bench_process.py times CLI_BINARY      # label, ours ns, reference ns
    python scripts/bench_process.py memory CLI_BINARY     # label, ours KB, reference KB

`times`: `bedrock-token token` against a Python script that makes the same token with AWS's
aws-bedrock-token-generator, each started afresh, in alternating runs: with the example keys in
the environment, and with them in a profile of the shared config file. `memory`: the command's
peak RSS, and the resident memory that importing each module adds (ours and AWS's, Python and
Node). Run it with the Python that has both packages installed.
"""

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KEY_ID, SECRET = "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
REFERENCE = "from aws_bedrock_token_generator import provide_token; print(provide_token())"


def base_env(home):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_CONFIG_FILE=str(home / "config"), AWS_SHARED_CREDENTIALS_FILE=str(home / "credentials"),
               AWS_EC2_METADATA_DISABLED="true")
    (home / "config").write_text(f"[profile bench]\nregion = us-east-1\naws_access_key_id = {KEY_ID}\naws_secret_access_key = {SECRET}\n")
    (home / "credentials").write_text("")
    return env


def run(command, env):
    """Wall time in ns and peak RSS in KB of one run of `command`."""
    started = time.perf_counter_ns()
    pid = os.posix_spawn(command[0], command, env)
    _, status, usage = os.wait4(pid, 0)
    elapsed = time.perf_counter_ns() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{command} failed")
    return elapsed, usage.ru_maxrss


def quiet(command):
    """`command` with its output sent to /dev/null (posix_spawn keeps our stdout otherwise)."""
    return ["/bin/sh", "-c", 'exec "$@" >/dev/null', "sh", *command]


def times(cli):
    with tempfile.TemporaryDirectory() as tmp:
        env = base_env(Path(tmp))
        cases = [
            ("env credentials", {**env, "AWS_ACCESS_KEY_ID": KEY_ID, "AWS_SECRET_ACCESS_KEY": SECRET, "AWS_REGION": "us-east-1"}),
            # AWS's provide_token() reads the region only from AWS_REGION, not from the profile.
            ("profile in the config file", {**env, "AWS_PROFILE": "bench", "AWS_REGION": "us-east-1"}),
        ]
        # The cost of starting any process, subtracted: a median, as one slow start of /bin/true made
        # a whole-process time negative on a busy machine.
        shell = statistics.median(run(quiet(["/bin/true"]), env)[0] for _ in range(15))
        for label, case_env in cases:
            ours, theirs = [], []
            for _ in range(15):  # alternating: 4 runs of ours for each of theirs
                for _ in range(4):
                    ours.append(run(quiet([cli, "token"]), case_env)[0] - shell)
                theirs.append(run(quiet([sys.executable, "-c", REFERENCE]), case_env)[0] - shell)
            print(f"CLI token, whole process, {label}\t{statistics.median(ours):.0f}\t{statistics.median(theirs):.0f}\t")


def import_rss(command):
    return int(subprocess.run(command, capture_output=True, text=True, check=True, cwd=ROOT / "bindings" / "node").stdout)


def memory(cli):
    with tempfile.TemporaryDirectory() as tmp:
        env = {**base_env(Path(tmp)), "AWS_ACCESS_KEY_ID": KEY_ID, "AWS_SECRET_ACCESS_KEY": SECRET, "AWS_REGION": "us-east-1"}
        peak = statistics.median(run(quiet([cli, "token"]), env)[1] for _ in range(5))
        reference_peak = statistics.median(run(quiet([sys.executable, "-c", REFERENCE]), env)[1] for _ in range(3))
    print(f"CLI bedrock-token token, peak RSS (KB; reference: the Python script)\t{peak:.0f}\t{reference_peak:.0f}")
    python = ("import os\ndef rss(): return int(open('/proc/self/statm').read().split()[1]) * os.sysconf('SC_PAGE_SIZE') // 1024\n"
              "before = rss()\nimport {}\nprint(rss() - before)")
    ours = statistics.median(import_rss([sys.executable, "-c", python.format("bedrock_token")]) for _ in range(3))
    theirs = statistics.median(import_rss([sys.executable, "-c", python.format("aws_bedrock_token_generator")]) for _ in range(3))
    print(f"Python import, resident memory added (KB)\t{ours:.0f}\t{theirs:.0f}")
    node = "const before = process.memoryUsage().rss; require('{}'); console.log(Math.round((process.memoryUsage().rss - before) / 1024))"
    ours = statistics.median(import_rss(["node", "-e", node.format("./bedrock-token.js")]) for _ in range(3))
    theirs = statistics.median(import_rss(["node", "-e", node.format("@aws/bedrock-token-generator")]) for _ in range(3))
    print(f"Node require, resident memory added (KB)\t{ours:.0f}\t{theirs:.0f}")


if __name__ == "__main__":
    {"times": times, "memory": memory}[sys.argv[1]](str(Path(sys.argv[2]).resolve()))
