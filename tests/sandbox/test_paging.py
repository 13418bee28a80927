"""The one paginator over IAM list calls (aws/paging.py), against the sandbox server's real pages."""
from botocore import xform_name

from iamwizard.aws.paging import paginate

_DOCUMENT = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:GetUser", "Resource": "*"}]}'


def _caller(iam):
    return lambda operation, **params: getattr(iam, xform_name(operation))(**params)


def test_every_page_in_order(iam):
    names = [f"pager-{i}" for i in range(7)]
    for name in names:
        iam.create_policy(PolicyName=name, PolicyDocument=_DOCUMENT)
    calls = []
    call = _caller(iam)

    def counting(operation, **params):
        calls.append(dict(params))
        return call(operation, **params)

    policies = paginate(counting, "ListPolicies", "Policies", Scope="Local", MaxItems=2)
    assert sorted(p["PolicyName"] for p in policies) == names
    assert len(calls) == 4  # 2 + 2 + 2 + 1
    assert "Marker" not in calls[0] and all("Marker" in c for c in calls[1:])


def test_starts_from_a_marker_the_caller_already_holds(iam):
    for i in range(5):
        iam.create_policy(PolicyName=f"later-{i}", PolicyDocument=_DOCUMENT)
    first = iam.list_policies(Scope="Local", MaxItems=2)
    assert first["IsTruncated"]
    rest = paginate(_caller(iam), "ListPolicies", "Policies", Scope="Local", MaxItems=2, Marker=first["Marker"])
    assert sorted(p["PolicyName"] for p in first["Policies"] + rest) == [f"later-{i}" for i in range(5)]
