#!/usr/bin/env python3
"""The moto server with this project's extensions loaded into its process.

Takes moto_server's arguments: `python tests/iam_emulator/server.py -H 127.0.0.1 -p PORT`.

- service_specific_credentials.py: long-term Bedrock API keys (IAM service-specific credentials),
  IAM's refusals, and the paging and throttling faults.
- policy_limits.py: IAM's policy size quotas.
- managed_policies.py: AWS managed policies made from data read once per process, not parsed again
  for every account, partition and reset (moto's own way was most of a reset's time).
- account_authorization_details.py: GetAccountAuthorizationDetails paged (`MaxItems`, `Marker`).
- assume_role.py: STS AssumeRole refused (`AccessDenied`) for a missing role or one whose trust
  policy does not allow the caller.
- throttle.py: the every-Nth-request count behind the throttling settings of IAM and Secrets
  Manager.
- secrets_manager.py: Secrets Manager's staging labels and versions as AWS keeps them
  (`AWSCURRENT` moved by `UpdateSecretVersionStage`, versions never changed, each version's
  `CreatedDate`), and its throttling fault (`BEDROCK_TOKEN_SECRETS_MANAGER_THROTTLE_EVERY`).
- caller_identity.py: STS GetCallerIdentity refused (`InvalidClientTokenId`) for an inactive
  access key.
- organization_policies.py: Organizations' AttachPolicy of a policy already attached to the target
  and DetachPolicy of one not attached there refused, as AWS refuses them.
- private_routes.py: routes for the evaluating Bedrock endpoint (tests/bedrock_endpoint), on the
  same port:
  `POST /__bedrock_token/caller` `{"accessKeyId": …}` or `{"apiKey": "ABSK…"}` answers who the
  credential is (principal, status, secret and session token, session issue time) and the
  policies that apply to it (identity, boundary, session, SCPs by level) (caller.py);
  `PUT|GET|DELETE /__bedrock_token/scps/{account}` sets, reads or removes the SCP documents of an
  account outside any emulated organization; members of an organization made with moto's
  Organizations API get the SCPs attached to their root, OUs and account
  (service_control_policies.py).
  `GET|DELETE /__bedrock_token/calls` counts requests per service and action (call_counts.py);
  `POST /__bedrock_token/bulk-users` fills an account at once for benchmarks (bulk_fill.py).
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import account_authorization_details  # noqa: E402,F401  (pages GetAccountAuthorizationDetails, on import)
import assume_role  # noqa: E402,F401  (checks AssumeRole against the trust policy, on import)
import caller_identity  # noqa: E402,F401  (refuses GetCallerIdentity with an inactive key, on import)
import managed_policies  # noqa: E402,F401  (AWS managed policies from data read once, on import)
import organization_policies  # noqa: E402,F401  (refuses duplicate attachments and missing detachments, on import)
import policy_limits  # noqa: E402,F401  (enforces IAM's policy size quotas, on import)
import private_routes  # noqa: E402,F401  (installs the private routes on import)
import secrets_manager  # noqa: E402,F401  (staging labels and versions as AWS keeps them, on import)
import service_specific_credentials  # noqa: E402,F401  (registers the extension on import)
import call_counts  # noqa: E402,F401  (counts requests per action, on import; after the others wrap theirs)
from moto.server import main  # noqa: E402

if __name__ == "__main__":
    main()
