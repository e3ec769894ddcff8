"""Prints the counts of AWS's suites run against AWS's packages and against ours, side by side,
and fails unless every test passes on both subjects except those compat/exclusions.txt lists for
ours. Every exclusion must name a test that exists in AWS's run, so the list cannot go stale.

Usage: python3 compat/report.py RESULTS_DIR   (written by compat/run)
"""

import json
import sys
import xml.etree.ElementTree as ET
from pathlib import Path


def exclusions(suite):
    """The excluded test ids of ``suite`` ('pypi' ids; 'npm' ids are "file | full name")."""
    ids = set()
    for line in Path(__file__).with_name("exclusions.txt").read_text().splitlines():
        fields = [field.strip() for field in line.split("|")]
        if not line.strip() or line.startswith("#") or fields[0] != suite:
            continue
        ids.add(" | ".join(fields[1:-1]))
    return ids


def pytest_outcomes(path):
    """{node id: passed | failed | skipped} from a JUnit XML file."""
    outcomes = {}
    for case in ET.parse(path).iter("testcase"):
        module = case.get("classname", "").rsplit(".", 1)
        node = f"{module[0].replace('.', '/')}.py::{module[1]}::{case.get('name')}" if len(module) == 2 else case.get("name")
        kinds = {child.tag for child in case}
        outcomes[node] = "failed" if kinds & {"failure", "error"} else "skipped" if "skipped" in kinds else "passed"
    return outcomes


def jest_outcomes(path):
    """{"file | full name": passed | failed | skipped} from jest's --json output."""
    outcomes = {}
    for suite in json.loads(Path(path).read_text())["testResults"]:
        file = Path(suite["name"]).name
        if suite.get("status") == "failed" and not suite["assertionResults"]:
            outcomes[f"{file} | (file failed to load)"] = "failed"
        for test in suite["assertionResults"]:
            status = {"passed": "passed", "failed": "failed"}.get(test["status"], "skipped")
            outcomes[f"{file} | {test['fullName']}"] = status
    return outcomes


def excluded(test, ids):
    return test in ids or f"{test.split(' | ')[0]} | *" in ids


def main(results):
    problems = []
    rows = []
    for suite, read, ext in [("pypi", pytest_outcomes, "xml"), ("npm", jest_outcomes, "json")]:
        aws = read(results / f"{suite}-aws.{ext}")
        ours = read(results / f"{suite}-bedrock-token.{ext}")
        ids = exclusions(suite)
        for test in sorted(ids):
            if not any(name == test or (test.endswith(" | *") and name.startswith(test[:-1])) for name in aws):
                problems.append(f"{suite}: exclusions.txt names no test of AWS's suite: {test}")
        for test, outcome in sorted(aws.items()):
            if outcome != "passed":
                problems.append(f"{suite}: on AWS's own package, {test} {outcome}")
        for test in sorted(aws):
            outcome = ours.get(test, "missing")
            if excluded(test, ids):
                if outcome == "failed":
                    problems.append(f"{suite}: {test} is excluded but ran and failed")
            elif outcome != "passed":
                problems.append(f"{suite}: on bedrock-token, {test} {outcome}")
        applicable = [t for t in aws if not excluded(t, ids)]
        rows.append((suite, len(aws), sum(o == "passed" for o in aws.values()),
                     sum(ours.get(t) == "passed" for t in applicable), len(applicable), len(aws) - len(applicable)))
    print(f"{'AWS suite':<44}{'tests':>6}{'AWS pkg passed':>16}{'bedrock-token passed':>22}{'not applicable':>16}")
    names = {"pypi": "aws-bedrock-token-generator 1.1.0 (pytest)", "npm": "@aws/bedrock-token-generator 1.1.0 (jest)"}
    for suite, total, aws_passed, ours_passed, applicable, skipped in rows:
        print(f"{names[suite]:<44}{total:>6}{aws_passed:>16}{f'{ours_passed} of {applicable}':>22}{skipped:>16}")
    for problem in problems:
        print(f"compat: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
