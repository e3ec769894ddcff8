"""pytest plugin: runs the tests of AWS's aws-bedrock-token-generator against ``bedrock_token``.

The alias is the smallest there is: the original's module names are mapped to ``bedrock_token``
before the tests import them. Tests that ``compat/exclusions.txt`` lists for the ``pypi`` suite are
skipped with their reason; an entry that names no collected test fails the run, so the list cannot
go stale. Load it with ``-p bedrock_token_alias`` and ``compat/`` on ``PYTHONPATH``.
"""

import sys
from pathlib import Path

import pytest

import bedrock_token

for _name in ("aws_bedrock_token_generator", "aws_bedrock_token_generator.token_generator"):
    sys.modules[_name] = bedrock_token


def exclusions(suite):
    """The ``{test: reason}`` entries of ``exclusions.txt`` for ``suite``."""
    entries = {}
    for line in (Path(__file__).with_name("exclusions.txt")).read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        fields = [field.strip() for field in line.split("|")]
        if fields[0] == suite:
            entries[" | ".join(fields[1:-1])] = fields[-1]
    return entries


EXCLUDED = exclusions("pypi")


def pytest_collection_modifyitems(config, items):
    collected = {item.nodeid for item in items}
    stale = sorted(set(EXCLUDED) - collected)
    if stale:
        raise pytest.UsageError(f"compat/exclusions.txt names tests that do not exist: {stale}")
    for item in items:
        if item.nodeid in EXCLUDED:
            item.add_marker(pytest.mark.skip(reason=f"not applicable: {EXCLUDED[item.nodeid]}"))
