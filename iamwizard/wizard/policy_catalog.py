"""The policies a newcomer can choose from: every AWS managed policy plus the account's own.

AWS managed policies are the same in every account, so they are listed once per target and
cached (about 1,500 of them, ~15 paged calls); customer managed ones belong to the account
and are listed fresh, but only when a search needs them.
"""
import threading
import time
from dataclasses import dataclass

from django.core.cache import cache

from iamwizard.aws.paging import paginate
from iamwizard.core.names import name_key

AWS_CACHE_SECONDS = 6 * 3600
LOCAL_CACHE_SECONDS = 30
# Each process also keeps the AWS managed list it last read from the cache, with an index by
# ARN and name, for this long: reading 1,500 entries from the shared cache costs about a
# millisecond, and the permissions step looks policies up on every submit.
PROCESS_COPY_SECONDS = 300
PROCESS_COPIES_KEPT = 8
_process_copies: dict = {}  # cache key -> (expires at, entries, entry by its ARN and name, case folded by name_key)
_process_copies_lock = threading.Lock()
# Listing the AWS managed policies takes about half a second of AWS's (or the sandbox's) time and of
# this process's (parsing 1,500 entries). A room reaching the permissions step together must not
# list them once per participant, all at once: one request lists, the others wait for its list.
_listing_locks: dict = {}  # cache key -> threading.Lock: one listing at a time in this process
LISTING_MARK_SECONDS = 30  # the shared cache's mark that a process is listing (other processes wait)
LISTING_WAIT_SECONDS = 10  # then list anyway: the lister may have failed or died


@dataclass(frozen=True)
class PolicyEntry:
    name: str
    arn: str
    aws_managed: bool


def _list_policies(ctx, scope):
    # Service-linked role policies are for AWS services, never for people.
    return [(p["PolicyName"], p["Arn"]) for p in paginate(ctx.iam, "ListPolicies", "Policies", Scope=scope, MaxItems=1000)
            if not p.get("Path", "/").startswith("/aws-service-role/")]


def _cache_key(ctx, scope):
    target = ctx.gateway.target
    where = target.endpoint_url or "aws"
    account = ctx.run.account_id if scope == "Local" else ("all" if target.kind == "sandbox" else ctx.run.account_id)
    return f"policies:{target.kind}:{where}:{account}:{scope}"


def _aws_managed(ctx) -> tuple:
    """(entries, index) of the AWS managed policies, from this process's copy when it is fresh."""
    key = _cache_key(ctx, "AWS")
    with _process_copies_lock:
        copy = _process_copies.get(key)
    if copy is None or copy[0] < time.monotonic():
        aws = cache.get(key)
        if aws is None:
            aws = _listed_once(ctx, key)
        entries = tuple(PolicyEntry(name, arn, True) for name, arn in aws)
        index = {}
        for entry in entries:
            index.setdefault(name_key(entry.arn), entry)
            index.setdefault(name_key(entry.name), entry)
        copy = (time.monotonic() + PROCESS_COPY_SECONDS, entries, index)
        with _process_copies_lock:
            if len(_process_copies) >= PROCESS_COPIES_KEPT:  # real accounts each have a list of their own
                _process_copies.clear()
            _process_copies[key] = copy
    return copy[1], copy[2]


def _listed_once(ctx, key) -> list:
    """The AWS managed policies, listed by one request at a time, in this process (a lock) and
    across processes (a mark in the shared cache): the others wait and take its list from the cache."""
    with _process_copies_lock:
        lock = _listing_locks.setdefault(key, threading.Lock())
    with lock:
        aws = cache.get(key)  # listed by another request of this process while this one waited
        if aws is not None:
            return aws
        mark = f"{key}:listing"
        marked = cache.add(mark, 1, LISTING_MARK_SECONDS)
        if not marked:  # another process is listing: wait for its list
            deadline = time.monotonic() + LISTING_WAIT_SECONDS
            while time.monotonic() < deadline:
                time.sleep(0.05)
                aws = cache.get(key)
                if aws is not None:
                    return aws
        try:
            aws = _list_policies(ctx, "AWS")
            cache.set(key, aws, AWS_CACHE_SECONDS)
        finally:
            if marked:
                cache.delete(mark)
        return aws


def _customer_managed(ctx) -> list:
    key = _cache_key(ctx, "Local")
    local = cache.get(key)
    if local is None:
        local = _list_policies(ctx, "Local")
        cache.set(key, local, LOCAL_CACHE_SECONDS)
    return [PolicyEntry(name, arn, False) for name, arn in local]


def catalog(ctx) -> list:
    """Every choosable policy, AWS managed first."""
    return [*_aws_managed(ctx)[0], *_customer_managed(ctx)]


def search(ctx, query: str, limit: int = 20) -> list:
    """Policies whose name contains the words of `query`, names starting with it first."""
    words = name_key(query).split()
    if not words:
        return []
    hits = [e for e in catalog(ctx) if all(w in name_key(e.name) for w in words)]
    hits.sort(key=lambda e: (not name_key(e.name).startswith(words[0]), len(e.name), e.name))
    return hits[:limit]


def lookup(ctx, name_or_arn: str) -> PolicyEntry | None:
    """The policy with this exact ARN or name (ignoring case), if the account can use it."""
    wanted = name_key(name_or_arn.strip())  # IAM's one fold (core/names.py), for names and ARNs alike
    # An AWS managed policy's ARN says so: no need to list the account's own policies for it.
    found = _aws_managed(ctx)[1].get(wanted)
    if found or wanted.startswith("arn:aws:iam::aws:policy/"):
        return found
    for entry in _customer_managed(ctx):
        if name_key(entry.arn) == wanted or name_key(entry.name) == wanted:
            return entry
    return None
