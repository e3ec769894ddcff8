"""AWS managed policies made from data read once (managed_policies.py): the same policies as moto's
own, a set of their own per backend, and as new after a reset (through boto3 over HTTP)."""

from __future__ import annotations

from harness import client, reset


def _fields(policy) -> tuple:
    """What a policy is, without the random id moto gives it."""
    fields = {name: value for name, value in vars(policy).items() if name not in ("id", "versions")}
    return fields, [(v.document, v.version_id, v.is_default, v.create_date) for v in policy.versions]


def test_the_same_policies_as_moto_makes(monkeypatch):
    monkeypatch.setenv("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    from moto.iam import iam_backends, models

    import managed_policies
    backend = iam_backends["123456789012"]["global"]
    ours = managed_policies._init_aws_policies(backend)
    theirs = managed_policies._moto_init_aws_policies(backend)
    assert len(ours) == len(theirs) > 1000
    assert [_fields(p) for p in ours] == [_fields(p) for p in theirs]
    assert models.IAMBackend._init_aws_policies is managed_policies._init_aws_policies
    assert {id(p) for p in ours}.isdisjoint(id(p) for p in managed_policies._init_aws_policies(backend)), "a set per backend"


def test_a_reset_starts_the_policies_over(fresh):
    arn = "arn:aws:iam::aws:policy/AmazonBedrockLimitedAccess"
    iam = client(fresh)
    iam.create_user(UserName="u")
    iam.attach_user_policy(UserName="u", PolicyArn=arn)
    assert iam.get_policy(PolicyArn=arn)["Policy"]["AttachmentCount"] == 1
    reset(fresh)
    assert iam.get_policy(PolicyArn=arn)["Policy"]["AttachmentCount"] == 0
    assert len(iam.list_policies(Scope="AWS", MaxItems=1000)["Policies"]) == 1000
