"""Fast per-participant accounts inside moto (in-process patches of moto's IAM backend).

* AWS managed policies are parsed once per process; each new account gets cheap
  per-account copies that share the parsed documents but own their
  `attachment_count` and `account_id` (so attachments never leak between accounts).
* moto maps an access key to its account by scanning every account and every
  partition (which also instantiates 6 backends per account); we keep an index.
"""
import gc
import json
import threading

import moto.iam.models as iam_models
from moto.iam.models import AWSManagedPolicy, IAMBackend, iam_backends
from moto.settings import load_iam_aws_managed_policies
from moto.sts.models import sts_backends

DEFAULT_ACCOUNT_ID = iam_models.DEFAULT_ACCOUNT_ID
PARTITION = "aws"

_install_lock = threading.Lock()
_installed = False
_templates = None  # list of AWSManagedPolicy parsed once, account_id=None
_templates_by_arn = {}
_key_index = {}  # access key id -> account id
_original_get_account_id_from = iam_models.get_account_id_from


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


def policy_copy(template, account_id, attachment_count=0):
    """A per-account view of a shared AWS managed policy."""
    policy = object.__new__(AWSManagedPolicy)
    policy.__dict__.update(template.__dict__)
    policy.account_id = account_id
    policy.attachment_count = attachment_count
    return policy


_restored = {}  # (account id, arn) -> policy unpickled before its backend's state is set


def restore_policy(arn, account_id, attachment_count):
    """Unpickling hook (see persistence.py)."""
    policy = policy_copy(_templates_by_arn[arn], account_id, attachment_count)
    _restored[(account_id, arn)] = policy
    return policy


def reduce_iam_backend(backend):
    """Pickle an IAMBackend without its ~1,500 untouched AWS managed policies."""
    state = dict(backend.__dict__)
    state["aws_managed_policies"] = None
    # The dict's key is the policy's ARN: testing it spares computing p.arn for ~1,500 policies.
    state["managed_policies"] = {
        arn: p for arn, p in backend.managed_policies.items()
        if p.attachment_count or type(p) is not AWSManagedPolicy or arn not in _templates_by_arn
    }
    return object.__new__, (IAMBackend,), state, None, None, _set_iam_backend_state


def _set_iam_backend_state(backend, state):
    backend.__dict__.update(state)
    account_id = state["account_id"]
    shared = []
    for template in _load_templates():
        policy = _restored.pop((account_id, template.arn), None)
        shared.append(policy if policy is not None else policy_copy(template, account_id))
    backend.aws_managed_policies = shared
    managed = {p.arn: p for p in shared}
    for arn, policy in state["managed_policies"].items():
        if not is_shared_policy(policy):
            managed[arn] = policy
    backend.managed_policies = managed


def is_shared_policy(obj):
    return type(obj) is AWSManagedPolicy and obj.arn in _templates_by_arn


def _init_aws_policies(self):
    return [policy_copy(t, self.account_id) for t in _load_templates()]


def get_account_id_from(access_key):
    account_id = _key_index.get(access_key)
    if account_id is not None:
        return account_id
    for account_id, account in list(iam_backends.items()):
        backend = dict.get(account, PARTITION)
        if backend is not None and access_key in backend.access_keys:
            _key_index[access_key] = account_id
            return account_id
    return DEFAULT_ACCOUNT_ID


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
        IAMBackend._init_aws_policies = _init_aws_policies
        iam_models.get_account_id_from = get_account_id_from
        _installed = True


def iam_backend(account_id):
    return iam_backends[account_id][PARTITION]


def existing_iam_backend(account_id):
    account = dict.get(iam_backends, account_id)
    return None if account is None else dict.get(account, PARTITION)


def existing_sts_backend(account_id):
    account = dict.get(sts_backends, account_id)
    return None if account is None else dict.get(account, PARTITION)


def account_ids():
    return [a for a in list(iam_backends.keys()) if existing_iam_backend(a) is not None]


def find_account(account):
    """Account id for a 12-digit id or an account alias that exists, else None."""
    account = (account or "").strip()
    if len(account) == 12 and account.isdigit():
        return account if existing_iam_backend(account) is not None else None
    for account_id in account_ids():
        if account in existing_iam_backend(account_id).account_aliases:
            return account_id
    return None


def account_label(account_id):
    backend = existing_iam_backend(account_id)
    if backend is not None and backend.account_aliases:
        return backend.account_aliases[0]
    return account_id
