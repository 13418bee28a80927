"""IAM's eventual consistency, on request: what was just made stays out of sight for a while.

AWS IAM replicates every change before all its servers know it. For a few seconds after
CreateUser, GetUser may still answer NoSuchEntity, and so may a write that depends on the new
user (CreateLoginProfile, AddUserToGroup); a group membership or a policy attachment may be
missing from the lists that should show it. The emulator is always consistent, so nothing that
talks to it meets this, unless it is asked to: `--consistency-lag-ms N` at start, or
`POST ms=N` to `/_sandbox/lag` while it runs (0, the default, turns it off).

With a lag of N ms, each of these stays invisible for N ms after the write that made it:

- new entities: users, login profiles, groups, customer managed policies, virtual MFA devices.
  Any call that names one (UserName, GroupName, PolicyArn, PermissionsBoundary, SerialNumber),
  read or write, answers NoSuchEntity with AWS's words, as AWS does; creating it again still
  answers EntityAlreadyExists, since IAM checks names where the write is made;
- a changed console password: GetLoginProfile shows the PasswordResetRequired flag as it was
  before UpdateLoginProfile or ChangePassword changed it, for N ms;
- new ties: a user added to a group, managed policies attached to a user or a group, an inline
  policy put on a user, an MFA device enabled for a user. The lists that would show them
  (ListGroupsForUser, GetGroup, ListAttachedUserPolicies, ListAttachedGroupPolicies,
  ListUserPolicies, ListMFADevices, ListVirtualMFADevices) leave them out; so do ListUsers,
  ListGroups and ListPolicies for the new entities.

Not modelled: other changes to an entity that was already visible (PasswordLastUsed, tags, a new
password itself) show at once, deletions too, and the practice console sign-in and the evaluation
of a user's own policies see everything at once.

Everything here runs under the middleware's lock.
"""
import time
import xml.etree.ElementTree as ET

from iamwizard.core.names import name_key

from .awsxml import IAM_NS, IAMError

ET.register_namespace("", IAM_NS)
_NS = "{" + IAM_NS + "}"

MAX_LAG_MS = 60_000
LAG_PROBLEM = f"a whole number from 0 to {MAX_LAG_MS}, in the digits 0-9"


def _missing(kind, name):
    return {
        "user": f"The user with name {name} cannot be found.",
        "login": f"Login Profile for User {name} cannot be found.",
        "group": f"The group with name {name} cannot be found.",
        "policy": f"Policy {name} does not exist or is not attachable.",
        "mfa": f"MFA Device with serial number {name} does not exist.",
    }[kind]


# Which parameter names which kind of entity, and the action that creates it (which must go
# through to the emulator, to answer EntityAlreadyExists as AWS does).
_PARAMETERS = (("UserName", "user", "CreateUser"), ("GroupName", "group", "CreateGroup"),
               ("PolicyArn", "policy", None), ("PermissionsBoundary", "policy", None),
               ("SerialNumber", "mfa", None))
_LOGIN_PROFILE_ACTIONS = {"GetLoginProfile", "UpdateLoginProfile", "DeleteLoginProfile"}


def _key(value):
    return name_key(value)  # IAM names are unique ignoring case


class Lag:
    def __init__(self, ms=0):
        self.ms = ms
        self._hidden = {}  # (account id, kind, *names) -> time.monotonic() when it shows
        self._was = {}  # (account id, "reset", user) -> (the flag reads still show, when the new one shows)

    def set(self, ms):
        self.ms = ms
        if not ms:
            self._hidden.clear()
            self._was.clear()

    def _is_hidden(self, account_id, kind, *names):
        key = (account_id, kind, *map(_key, names))
        shows = self._hidden.get(key)
        if shows is None:
            return False
        if shows <= time.monotonic():
            del self._hidden[key]
            return False
        return True

    def _hide(self, account_id, kind, *names):
        self._hidden[(account_id, kind, *map(_key, names))] = time.monotonic() + self.ms / 1000

    # --- before: a call that names something not visible yet ---------------------------

    def check(self, request):
        """Raise NoSuchEntity when the call names an entity that is not visible yet."""
        if self.ms and request.action in _RESET_CHANGES:
            # What reads show until the change has spread: the flag as it is now, before the call.
            user = request.backend.users.get(_RESET_CHANGES[request.action](request) or "")
            request.lag_reset_was = bool(user.password_reset_required) if user is not None else None
        if not self._hidden or request.service != "iam":
            return
        account, action = request.account_id, request.action
        for parameter, kind, creator in _PARAMETERS:
            value = request.param(parameter)
            if value and action != creator and self._is_hidden(account, kind, value):
                raise IAMError("NoSuchEntity", _missing(kind, value))
        user = request.param("UserName")
        if action in _LOGIN_PROFILE_ACTIONS and user and self._is_hidden(account, "login", user):
            raise IAMError("NoSuchEntity", _missing("login", user))
        if action == "GetUserPolicy" and self._is_hidden(account, "inline", user, request.param("PolicyName")):
            raise IAMError("NoSuchEntity", f"The user policy with name {request.param('PolicyName')} cannot be found.")

    # --- after: what a write made, and what a read may show -----------------------------

    def after(self, request, response):
        """Hide what a successful write made; leave out of a read's answer what is not visible yet."""
        if request.service != "iam" or getattr(response, "status", 200) >= 400:
            return
        if self.ms:
            self._note_write(request, response)
        if self._hidden and request.action in _FILTERS:
            _FILTERS[request.action](self, request, response)
        if self._was and request.action == "GetLoginProfile":
            self._reset_as_it_was(request, response)

    def _note_write(self, request, response):
        account, action, p = request.account_id, request.action, request.param
        if action == "CreateUser":
            self._hide(account, "user", p("UserName"))
        elif action == "CreateLoginProfile":
            self._hide(account, "login", p("UserName"))
        elif action == "CreateGroup":
            self._hide(account, "group", p("GroupName"))
        elif action == "CreatePolicy":
            self._hide(account, "policy", _text(response, "Arn"))
        elif action == "CreateVirtualMFADevice":
            self._hide(account, "mfa", _text(response, "SerialNumber"))
        elif action == "AddUserToGroup":
            self._hide(account, "member", p("UserName"), p("GroupName"))
        elif action == "AttachUserPolicy":
            self._hide(account, "user-policy", p("UserName"), p("PolicyArn"))
        elif action == "AttachGroupPolicy":
            self._hide(account, "group-policy", p("GroupName"), p("PolicyArn"))
        elif action == "PutUserPolicy":
            self._hide(account, "inline", p("UserName"), p("PolicyName"))
        elif action == "EnableMFADevice":
            self._hide(account, "enabled", p("UserName"), p("SerialNumber"))
        elif action in _RESET_CHANGES and getattr(request, "lag_reset_was", None) is not None:
            key = (account, "reset", _key(_RESET_CHANGES[action](request)))
            earlier = self._was.get(key)
            was = earlier[0] if earlier and earlier[1] > time.monotonic() else request.lag_reset_was
            self._was[key] = (was, time.monotonic() + self.ms / 1000)

    def _reset_as_it_was(self, request, response):
        key = (request.account_id, "reset", _key(request.param("UserName") or request.caller_user_name()))
        was = self._was.get(key)
        if was is None:
            return
        if was[1] <= time.monotonic():
            del self._was[key]
            return
        try:
            root = ET.fromstring(response.body)
        except ET.ParseError:
            return
        flag = root.find(f".//{_NS}PasswordResetRequired")
        if flag is not None:
            flag.text = "true" if was[0] else "false"
            response.body = ET.tostring(root, encoding="utf-8", xml_declaration=True)

    def _filter(self, response, lists, hidden):
        """Remove the <member>s of the named lists for which hidden(fields, member) is True; "altered"
        keeps a member that hidden() changed."""
        try:
            root = ET.fromstring(response.body)
        except ET.ParseError:
            return
        changed = False
        for parent in root.iter():
            if parent.tag.removeprefix(_NS) not in lists:
                continue
            for member in [m for m in parent if m.tag.removeprefix(_NS) == "member"]:
                fields = {child.tag.removeprefix(_NS): (child.text or "") for child in member}
                verdict = hidden(fields, member)
                if verdict is True:
                    parent.remove(member)
                if verdict:
                    changed = True
        if changed:
            response.body = ET.tostring(root, encoding="utf-8", xml_declaration=True)

    def _groups_for_user(self, request, response):
        a, user = request.account_id, request.param("UserName")
        self._filter(response, {"Groups"}, lambda f, m: self._is_hidden(a, "group", f.get("GroupName")) or self._is_hidden(a, "member", user, f.get("GroupName")))

    def _group(self, request, response):
        a, group = request.account_id, request.param("GroupName")
        self._filter(response, {"Users"}, lambda f, m: self._is_hidden(a, "user", f.get("UserName")) or self._is_hidden(a, "member", f.get("UserName"), group))

    def _user_policies(self, request, response):
        a, user = request.account_id, request.param("UserName")
        self._filter(response, {"AttachedPolicies"}, lambda f, m: self._is_hidden(a, "policy", f.get("PolicyArn")) or self._is_hidden(a, "user-policy", user, f.get("PolicyArn")))

    def _group_policies(self, request, response):
        a, group = request.account_id, request.param("GroupName")
        self._filter(response, {"AttachedPolicies"}, lambda f, m: self._is_hidden(a, "policy", f.get("PolicyArn")) or self._is_hidden(a, "group-policy", group, f.get("PolicyArn")))

    def _inline_policies(self, request, response):
        a, user = request.account_id, request.param("UserName")
        self._filter(response, {"PolicyNames"}, lambda f, m: self._is_hidden(a, "inline", user, m.text))

    def _mfa_devices(self, request, response):
        a, user = request.account_id, request.param("UserName") or request.caller_user_name()
        self._filter(response, {"MFADevices"}, lambda f, m: self._is_hidden(a, "mfa", f.get("SerialNumber")) or self._is_hidden(a, "enabled", user, f.get("SerialNumber")))

    def _virtual_mfa_devices(self, request, response):
        a = request.account_id

        def hidden(fields, member):
            if self._is_hidden(a, "mfa", fields.get("SerialNumber")):
                return True
            user = member.find(f"{_NS}User/{_NS}UserName")
            if user is not None and self._is_hidden(a, "enabled", user.text, fields.get("SerialNumber")):
                for child in [c for c in member if c.tag.removeprefix(_NS) in ("User", "EnableDate")]:
                    member.remove(child)  # shown as not assigned yet
                return "altered"
            return False

        self._filter(response, {"VirtualMFADevices"}, hidden)

    def _users(self, request, response):
        a = request.account_id
        self._filter(response, {"Users"}, lambda f, m: self._is_hidden(a, "user", f.get("UserName")))

    def _groups(self, request, response):
        a = request.account_id
        self._filter(response, {"Groups"}, lambda f, m: self._is_hidden(a, "group", f.get("GroupName")))

    def _policies(self, request, response):
        a = request.account_id
        self._filter(response, {"Policies"}, lambda f, m: self._is_hidden(a, "policy", f.get("Arn")))


# The calls that change a console password's reset flag, and whose password they change.
_RESET_CHANGES = {
    "UpdateLoginProfile": lambda request: request.param("UserName") if request.param("PasswordResetRequired") is not None else None,
    "ChangePassword": lambda request: request.caller_user_name(),
}


def _text(response, tag):
    try:
        found = ET.fromstring(response.body).find(f".//{_NS}{tag}")
    except ET.ParseError:
        return ""
    return found.text if found is not None else ""


_FILTERS = {
    "ListGroupsForUser": Lag._groups_for_user,
    "GetGroup": Lag._group,
    "ListAttachedUserPolicies": Lag._user_policies,
    "ListAttachedGroupPolicies": Lag._group_policies,
    "ListUserPolicies": Lag._inline_policies,
    "ListMFADevices": Lag._mfa_devices,
    "ListVirtualMFADevices": Lag._virtual_mfa_devices,
    "ListUsers": Lag._users,
    "ListGroups": Lag._groups,
    "ListPolicies": Lag._policies,
}
