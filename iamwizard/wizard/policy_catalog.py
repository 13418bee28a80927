"""The policies a newcomer can choose from: every AWS managed policy plus the account's own.

AWS managed policies are the same in every account, so they are listed once per target and
cached (about 1,500 of them, ~15 paged calls); customer managed ones belong to the account
and are listed fresh, but only when a search needs them.
"""
from dataclasses import dataclass

from django.core.cache import cache

AWS_CACHE_SECONDS = 6 * 3600
LOCAL_CACHE_SECONDS = 30


@dataclass(frozen=True)
class PolicyEntry:
    name: str
    arn: str
    aws_managed: bool


def _list_policies(ctx, scope):
    entries, marker = [], None
    while True:
        page = ctx.iam("ListPolicies", Scope=scope, MaxItems=1000, **({"Marker": marker} if marker else {}))
        for p in page.get("Policies", []):
            # Service-linked role policies are for AWS services, never for people.
            if not p.get("Path", "/").startswith("/aws-service-role/"):
                entries.append((p["PolicyName"], p["Arn"]))
        marker = page.get("Marker") if page.get("IsTruncated") else None
        if not marker:
            return entries


def _cache_key(ctx, scope):
    target = ctx.gateway.target
    where = target.endpoint_url or "aws"
    account = ctx.run.account_id if scope == "Local" else ("all" if target.kind == "sandbox" else ctx.run.account_id)
    return f"policies:{target.kind}:{where}:{account}:{scope}"


def catalog(ctx, include_local=True) -> list:
    """Every choosable policy, AWS managed first."""
    key = _cache_key(ctx, "AWS")
    aws = cache.get(key)
    if aws is None:
        aws = _list_policies(ctx, "AWS")
        cache.set(key, aws, AWS_CACHE_SECONDS)
    entries = [PolicyEntry(name, arn, True) for name, arn in aws]
    if include_local:
        key = _cache_key(ctx, "Local")
        local = cache.get(key)
        if local is None:
            local = _list_policies(ctx, "Local")
            cache.set(key, local, LOCAL_CACHE_SECONDS)
        entries += [PolicyEntry(name, arn, False) for name, arn in local]
    return entries


def search(ctx, query: str, limit: int = 20) -> list:
    """Policies whose name contains the words of `query`, names starting with it first."""
    words = query.lower().split()
    if not words:
        return []
    hits = [e for e in catalog(ctx) if all(w in e.name.lower() for w in words)]
    hits.sort(key=lambda e: (not e.name.lower().startswith(words[0]), len(e.name), e.name))
    return hits[:limit]


def lookup(ctx, name_or_arn: str) -> PolicyEntry | None:
    """The policy with this exact ARN or name (ignoring case), if the account can use it."""
    wanted = name_or_arn.strip().lower()
    # An AWS managed policy's ARN says so: no need to list the account's own policies for it.
    aws_only = wanted.startswith("arn:aws:iam::aws:policy/")
    for entry in catalog(ctx, include_local=not aws_only):
        if entry.arn.lower() == wanted or entry.name.lower() == wanted:
            return entry
    return None
