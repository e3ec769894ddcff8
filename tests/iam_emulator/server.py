#!/usr/bin/env python3
"""The moto server with this project's extensions loaded into its process: service-specific
credentials (`service_specific_credentials`) and IAM's policy size quotas (`policy_limits`).

Takes moto_server's arguments: `python tests/iam_emulator/server.py -H 127.0.0.1 -p PORT`.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import policy_limits  # noqa: E402,F401  (enforces IAM's policy size quotas, on import)
import service_specific_credentials  # noqa: E402,F401  (registers the extension on import)
from moto.server import main  # noqa: E402

if __name__ == "__main__":
    main()
