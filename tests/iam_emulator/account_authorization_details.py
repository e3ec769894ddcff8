"""GetAccountAuthorizationDetails paged as IAM pages it, for moto.

moto answers every user, group, role and policy in one page and ignores `MaxItems` and `Marker`.
IAM pages this call like its list calls: at most `MaxItems` entities a page (1..1000; IAM's
default is 100), `IsTruncated` and a `Marker` to continue from, counted over the entities of
every list in the answer (`UserDetailList`, `GroupDetailList`, `RoleDetailList`, `Policies`),
after `Filter`. moto's user details already carry `Path`, `Tags`, `AttachedManagedPolicies`,
`UserPolicyList` and `GroupList`, which the bulk audit reads.

`BEDROCK_TOKEN_IAM_PAGE_SIZE=N` makes N the default page size, as for the other list calls
(service_specific_credentials.py). Importing this module installs it.
"""

from __future__ import annotations

from moto.core.responses import ActionResult
from moto.iam import responses

import service_specific_credentials

LISTS = ("UserDetailList", "GroupDetailList", "RoleDetailList", "Policies")


def paged_details(original):
    def get_account_authorization_details(self) -> ActionResult:
        body = dict(original(self).result)
        entities = [(key, item) for key in LISTS for item in body.get(key, [])]
        page, paging = service_specific_credentials.paged(self, entities)
        for key in LISTS:
            body[key] = [item for k, item in page if k == key]
        body.pop("Marker", None)
        return ActionResult({**body, **paging})

    return get_account_authorization_details


def install() -> None:
    handler = responses.IamResponse
    if getattr(handler, "bedrock_token_details_paged", False):
        return
    handler.get_account_authorization_details = paged_details(handler.get_account_authorization_details)
    handler.bedrock_token_details_paged = True


install()
