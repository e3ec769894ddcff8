"""AWS managed policies (MOTO_IAM_LOAD_MANAGED_POLICIES) made from data read once per process.

moto gives every IAM backend (one per account and partition) its own copy of AWS's 1,582 managed
policies, and makes it by parsing their JSON again and writing each document back to JSON: about
60 ms per backend, for every backend again at each reset. A test that resets the emulator between
cases spent most of its time there. Here the parsing and the documents' JSON are done once; each
backend still gets policies of its own (attachments are counted per account), with moto's fields.
"""

import json
from datetime import datetime
from functools import cache

from moto.iam import models
from moto.iam.aws_managed_policies import aws_managed_policies_data
from moto.settings import load_iam_aws_managed_policies


@cache
def _policy_data() -> tuple:
    """Each policy's name, default version, path, document (JSON) and dates, as moto's from_data reads them."""
    return tuple(
        (name, data.get("DefaultVersionId"), data.get("Path"), json.dumps(data.get("Document")),
         datetime.fromisoformat(data["CreateDate"]), datetime.fromisoformat(data["UpdateDate"]))
        for name, data in json.loads(aws_managed_policies_data).items()
    )


def _init_aws_policies(self) -> list:
    if not load_iam_aws_managed_policies():
        return []
    return [
        models.AWSManagedPolicy(name, account_id=self.account_id, region=self.region_name, default_version_id=version,
                                path=path, document=document, create_date=created, update_date=updated)
        for name, version, path, document, created, updated in _policy_data()
    ]


_moto_init_aws_policies = models.IAMBackend._init_aws_policies
models.IAMBackend._init_aws_policies = _init_aws_policies
