"""Per-participant accounts inside moto, many of them, in bounded memory (in-process patches of
moto's IAM and STS backends).

* AWS's managed policy catalogue (about 1,100 policies) is parsed once per process and shared by
  every account: an account's `managed_policies` is an `AccountPolicies` mapping that holds only
  the account's own policies and the AWS policies it has touched (attached, read one by one); the
  others are read from the shared catalogue. A new account therefore costs a few kilobytes, not
  the ~0.6 MB of moto's 1,100 per-account copies.
* Accounts load on first use. When a `Store` (persistence.py) is attached, moto's per-account
  backend dictionaries ask it for any account they do not hold in memory, and it keeps at most a
  bounded number of them in memory, least recently used first out (written to disk first).
* moto maps an access key to its account by scanning every account and every partition (which
  also instantiates 6 backends per account); we keep an index in memory, and the store keeps one
  on disk for the accounts not in memory.

For expiry (retention): `live_account_ids()`, `count_accounts()` and `delete_account(id)`.
"""
import functools
import gc
import json
import re
import threading
import weakref
from collections.abc import MutableMapping

import moto.core.responses as moto_responses
import moto.core.utils as moto_utils
import moto.iam.models as iam_models
from moto.core.base_backend import BackendDict
from moto.iam.models import AWSManagedPolicy, IAMBackend, NotFoundException, iam_backends
from moto.settings import load_iam_aws_managed_policies
from moto.sts.models import sts_backends

from iamwizard.core import sandbox_admin

DEFAULT_ACCOUNT_ID = iam_models.DEFAULT_ACCOUNT_ID
PARTITION = "aws"
# Keys that act in the default account without being stored in it (the sandbox's administrator,
# and the default account's root user, see iam_handlers.ROOT_ACCESS_KEY).
_DEFAULT_ACCOUNT_KEYS = frozenset({sandbox_admin.ACCESS_KEY_ID, "AKIASANDBOXROOT00000"})

_install_lock = threading.Lock()
_installed = False
_templates = None  # list of AWSManagedPolicy parsed once, account_id=DEFAULT_ACCOUNT_ID
_templates_by_arn = {}
_key_index = {}  # access key id -> account id, for the accounts in memory
_original_get_account_id_from = iam_models.get_account_id_from
_store = None  # persistence.Store attached by the server: loads, keeps and drops accounts
_fallback_lock = threading.RLock()  # guards moto's state when no store is attached


def _load_templates():
    global _templates
    if _templates is None:
        if not load_iam_aws_managed_policies():
            _templates = []
        else:
            data = json.loads(iam_models.aws_managed_policies_data)
            _templates = [AWSManagedPolicy.from_data(name, DEFAULT_ACCOUNT_ID, "us-east-1", d)
                          for name, d in data.items()]
            for t in _templates:
                _templates_by_arn[t.arn] = t
    return _templates


_AWS_POLICY = re.compile(iam_models.ARN_PARTITION_REGEX + ":iam::aws:policy")


def policy_copy(template, account_id, attachment_count=0):
    """A per-account view of a shared AWS managed policy."""
    policy = object.__new__(AWSManagedPolicy)
    policy.__dict__.update(template.__dict__)
    policy.account_id = account_id
    policy.attachment_count = attachment_count
    return policy


def is_shared_policy(obj):
    return type(obj) is AWSManagedPolicy and obj.arn in _templates_by_arn


class AccountPolicies(MutableMapping):
    """An account's managed policies, by ARN, in moto's order (AWS's, then the account's own).

    `own` holds the customer managed policies and the AWS managed policies this account has
    touched (a per-account copy, made on first read, that owns its attachment count); every other
    AWS managed policy is read from the process's shared catalogue. Iterating the values hands
    out short-lived copies of the untouched ones (for listings), the same object for as long as
    someone holds it, so that two listings can be compared."""

    def __init__(self, account_id, own=None):
        self.account_id = account_id
        self.own = dict(own or {})
        self.removed = set()  # AWS managed policies deleted from this account (moto allows it)
        self._transient = weakref.WeakValueDictionary()

    def __getstate__(self):
        return {"account_id": self.account_id, "own": self.own, "removed": self.removed}

    def __setstate__(self, state):
        self.__init__(state["account_id"], state["own"])
        self.removed = set(state.get("removed", ()))

    def __getitem__(self, arn):
        policy = self.own.get(arn)
        if policy is not None:
            return policy
        template = _templates_by_arn.get(arn)
        if template is None or arn in self.removed:
            raise KeyError(arn)
        policy = self._transient.pop(arn, None) or policy_copy(template, self.account_id)
        self.own[arn] = policy
        return policy

    def __contains__(self, arn):
        return arn in self.own or (arn in _templates_by_arn and arn not in self.removed)

    def __setitem__(self, arn, policy):
        self.removed.discard(arn)
        self.own[arn] = policy

    def __delitem__(self, arn):
        if arn not in self:
            raise KeyError(arn)
        self.own.pop(arn, None)
        if arn in _templates_by_arn:
            self.removed.add(arn)

    def __iter__(self):
        for arn in _templates_by_arn:
            if arn not in self.removed:
                yield arn
        for arn in list(self.own):
            if arn not in _templates_by_arn:
                yield arn

    def __len__(self):
        shared = len(_templates_by_arn) - len(self.removed)
        return shared + sum(1 for arn in self.own if arn not in _templates_by_arn)

    def _peek(self, arn):
        """The policy without making it the account's own (a listing only reads it)."""
        policy = self.own.get(arn)
        if policy is None:
            policy = self._transient.get(arn)
            if policy is None:
                policy = self._transient[arn] = policy_copy(_templates_by_arn[arn], self.account_id)
        return policy

    def values(self):
        return [self._peek(arn) for arn in self]

    def items(self):
        return [(arn, self._peek(arn)) for arn in self]

    def attachments(self):
        """How many attachments the account's managed policies have in all (GetAccountSummary's
        PolicyVersionsInUse): only the account's own copies can have any; an untouched shared policy
        has none, so no copy of the ~1,500 is made to count them."""
        return sum(policy.attachment_count for arn, policy in self.own.items() if arn not in self.removed)

    def customer_managed(self):
        """How many customer managed policies the account has (GetAccountSummary's Policies)."""
        return sum(1 for arn in self.own if arn not in _templates_by_arn and not _AWS_POLICY.match(arn))

    def touched(self):
        """{arn: policy} worth saving: the account's own policies and the attached AWS ones."""
        return {arn: p for arn, p in self.own.items()
                if p.attachment_count or type(p) is not AWSManagedPolicy or arn not in _templates_by_arn}


def _aws_managed_policies(backend):
    policies = backend.managed_policies
    if isinstance(policies, AccountPolicies):
        return [policies._peek(arn) for arn in _templates_by_arn if arn not in policies.removed]
    return [p for p in policies.values() if isinstance(p, AWSManagedPolicy)]


def _init_managed_policies(self):
    return AccountPolicies(self.account_id)


def _find_policy(backend, arn, missing):
    try:
        return backend.managed_policies[arn]
    except KeyError:
        raise NotFoundException(missing.format(arn=arn)) from None


# moto's attach/detach build {arn: policy} of every policy the account has, on every call; the
# account's mapping answers by ARN (and makes the AWS policy the account's own when attached).
def _attach(kind, missing):
    def attach(self, policy_arn, name):
        policy = _find_policy(self, policy_arn, missing)
        holder = getattr(self, f"get_{kind}")(name)
        if kind == "group" and policy.arn in holder.managed_policies:
            return
        policy.attach_to(holder)
    return attach


def _detach(kind):
    def detach(self, policy_arn, name):
        policy = _find_policy(self, policy_arn, "Policy {arn} was not found.")
        holder = getattr(self, f"get_{kind}")(name)
        if policy.arn not in holder.managed_policies:
            raise NotFoundException(f"Policy {policy_arn} was not found.")
        policy.detach_from(holder)
    return detach


def restore_policy(arn, account_id, attachment_count):
    """Unpickling hook (see persistence.py): an AWS managed policy the account has attached."""
    return policy_copy(_templates_by_arn[arn], account_id, attachment_count)


def reduce_iam_backend(backend):
    """Pickle an IAMBackend without the ~1,100 AWS managed policies it has not touched."""
    state = dict(backend.__dict__)
    state.pop("aws_managed_policies", None)
    policies = backend.managed_policies
    if isinstance(policies, AccountPolicies):
        state["managed_policies"] = policies.touched()
        state["removed_aws_policies"] = sorted(policies.removed)
    else:
        state["managed_policies"] = {arn: p for arn, p in policies.items()
                                     if p.attachment_count or not is_shared_policy(p)}
    return object.__new__, (IAMBackend,), state, None, None, _set_iam_backend_state


def _set_iam_backend_state(backend, state):
    state = dict(state)
    state.pop("aws_managed_policies", None)  # files written before the catalogue was shared
    removed = state.pop("removed_aws_policies", ())
    _load_templates()
    policies = AccountPolicies(state["account_id"], state["managed_policies"])
    policies.removed.update(removed)
    state["managed_policies"] = policies
    backend.__dict__.update(state)


def get_account_id_from(access_key):
    """The account an access key belongs to: the default account for the sandbox's own keys and
    for keys no account holds (as moto does)."""
    if not access_key or access_key in _DEFAULT_ACCOUNT_KEYS:
        return DEFAULT_ACCOUNT_ID
    account_id = _key_index.get(access_key)
    if account_id is None:
        for candidate, account in list(dict.items(iam_backends)):
            backend = dict.get(account, PARTITION)
            if backend is not None and access_key in backend.access_keys:
                account_id = candidate
                break
    if account_id is None and _store is not None:
        account_id = _store.account_of_key(access_key)
    if account_id is None:
        return DEFAULT_ACCOUNT_ID
    backend = existing_iam_backend(account_id)
    if backend is None or access_key not in backend.access_keys:
        _key_index.pop(access_key, None)  # deleted since
        return DEFAULT_ACCOUNT_ID
    _key_index[access_key] = account_id
    return account_id


class _AccountsOnDemand(BackendDict):
    """moto's per-service {account id: backends}, asking the attached store for an account it
    does not hold before making a new, empty one."""

    def _create_account_specific_backend(self, account_id):
        store = _store
        if not dict.__contains__(self, account_id):
            if store is None or not store.bring_in(account_id):
                BackendDict._create_account_specific_backend(self, account_id)
        if store is not None:
            store.touch(account_id)


def install():
    """Apply the patches (idempotent) and parse the managed policies now, not on first use."""
    global _installed
    with _install_lock:
        if _installed:
            return
        _load_templates()
        # The parsed templates live as long as the process: keep them out of the
        # garbage collector's scans (each new account would otherwise pay for them).
        gc.collect()
        gc.freeze()
        IAMBackend._init_aws_policies = lambda self: None
        IAMBackend._init_managed_policies = _init_managed_policies
        IAMBackend.aws_managed_policies = property(_aws_managed_policies, lambda self, value: None)
        IAMBackend.attach_role_policy = _attach("role", "Policy {arn} does not exist or is not attachable.")
        IAMBackend.attach_user_policy = _attach("user", "Policy {arn} does not exist or is not attachable.")
        IAMBackend.attach_group_policy = _attach("group", "Policy {arn} was not found.")
        IAMBackend.detach_role_policy = _detach("role")
        IAMBackend.detach_user_policy = _detach("user")
        IAMBackend.detach_group_policy = _detach("group")
        # GetAccountSummary (the finish page's root-user facts, once an enrolment) counted the
        # attachments and customer policies by walking every managed policy, copying each of the
        # ~1,500 shared ones first: about a sixth of the sandbox's CPU in an enrolment.
        iam_models.AccountSummary._policy_versions_in_use = property(_summary_attachments)
        iam_models.AccountSummary._policies = property(_summary_customer_policies)
        # moto looks the answering method up by listing the response class's functions with
        # inspect.getmembers, again for every request (about 6% of the sandbox's CPU in a crowd):
        # the classes do not change once the sandbox runs, so each is listed once.
        moto_responses.method_names_from_class = _method_names_once
        for backends in (iam_backends, sts_backends):
            backends.__class__ = _AccountsOnDemand
        iam_models.get_account_id_from = get_account_id_from
        _installed = True


@functools.cache
def _method_names(clazz):
    return frozenset(moto_utils.method_names_from_class(clazz))


def _method_names_once(clazz):
    """moto's method_names_from_class (the names of a response class's functions), once per class."""
    return _method_names(clazz)


_moto_attachments = iam_models.AccountSummary._policy_versions_in_use.fget
_moto_customer_policies = iam_models.AccountSummary._policies.fget


def _summary_attachments(summary):
    policies = summary._iam_backend.managed_policies
    return policies.attachments() if isinstance(policies, AccountPolicies) else _moto_attachments(summary)


def _summary_customer_policies(summary):
    policies = summary._iam_backend.managed_policies
    return policies.customer_managed() if isinstance(policies, AccountPolicies) else _moto_customer_policies(summary)


def attach_store(store):
    """Accounts not in memory are asked of `store` from now on (one store per process)."""
    global _store
    _store = store


def state_lock():
    """The lock that guards moto's IAM and STS state in this process."""
    return _store.lock if _store is not None else _fallback_lock


# --- one account's backends ---------------------------------------------------

def install_account(account_id, iam=None, sts=None):
    """Put an account's (unpickled) backends into moto, replacing what it held."""
    for backends, backend in ((iam_backends, iam), (sts_backends, sts)):
        if backend is not None:
            if not dict.__contains__(backends, account_id):
                BackendDict._create_account_specific_backend(backends, account_id)
            dict.__setitem__(dict.__getitem__(backends, account_id), PARTITION, backend)


def in_memory(account_id):
    return dict.__contains__(iam_backends, account_id) or dict.__contains__(sts_backends, account_id)


def resident_account_ids():
    """Accounts held in memory now (the default account included)."""
    return [a for a in list(dict.keys(iam_backends)) if dict.get(dict.get(iam_backends, a) or {}, PARTITION) is not None]


def drop_from_memory(account_id):
    """Forget an account's backends (the caller has saved them, or means to delete them)."""
    backend = dict.get(dict.get(iam_backends, account_id) or {}, PARTITION)
    if backend is not None:
        for key in list(backend.access_keys):
            if _key_index.get(key) == account_id:
                del _key_index[key]
    dict.pop(iam_backends, account_id, None)
    dict.pop(sts_backends, account_id, None)


def iam_backend(account_id):
    return iam_backends[account_id][PARTITION]


def existing_iam_backend(account_id):
    if not dict.__contains__(iam_backends, account_id):
        if _store is None or not _store.bring_in(account_id):
            return None
    account = dict.get(iam_backends, account_id)
    if _store is not None:
        _store.touch(account_id)
    return None if account is None else dict.get(account, PARTITION)


def existing_sts_backend(account_id):
    if not dict.__contains__(sts_backends, account_id):
        if _store is None or not _store.bring_in(account_id):
            return None
    account = dict.get(sts_backends, account_id)
    return None if account is None else dict.get(account, PARTITION)


def _memory_only_iam_backend(account_id):
    return dict.get(dict.get(iam_backends, account_id) or {}, PARTITION)


# --- every account ------------------------------------------------------------

def live_account_ids():
    """Every emulated account that exists: saved on disk or held in memory (not the sandbox's
    default account, where its administrator works). Sorted."""
    ids = set(_store.saved_account_ids()) if _store is not None else set()
    ids.update(a for a in resident_account_ids())
    ids.discard(DEFAULT_ACCOUNT_ID)
    return sorted(ids)


def count_accounts():
    """How many emulated accounts exist (for a ceiling on live accounts)."""
    return len(live_account_ids())


def account_ids():
    """Kept for callers of the earlier name: `live_account_ids()`."""
    return live_account_ids()


def delete_account(account_id):
    """Delete an emulated account for good: from memory and from disk, with its access keys (a
    later request with one of them acts in the default account, as for any unknown key). Returns
    whether it existed. Safe to call from any thread; takes the state lock."""
    if account_id == DEFAULT_ACCOUNT_ID:
        raise ValueError("the sandbox's default account cannot be deleted")
    with state_lock():
        existed = in_memory(account_id)
        drop_from_memory(account_id)
        if _store is not None:
            existed = _store.forget(account_id) or existed
        return existed


def find_account(account):
    """Account id for a 12-digit id or an account alias that exists, else None."""
    account = (account or "").strip()
    if len(account) == 12 and account.isdigit():
        return account if existing_iam_backend(account) is not None else None
    if not account:
        return None
    for account_id in resident_account_ids():
        backend = _memory_only_iam_backend(account_id)
        if backend is not None and account in backend.account_aliases:
            return account_id
    if _store is not None:
        account_id = _store.account_of_alias(account)
        if account_id is not None:
            backend = existing_iam_backend(account_id)
            if backend is not None and account in backend.account_aliases:
                return account_id
    return None


def account_label(account_id):
    backend = existing_iam_backend(account_id)
    if backend is not None and backend.account_aliases:
        return backend.account_aliases[0]
    return account_id
