"""Step 2, permissions: what the new user may do, granted the least-privilege way."""
from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_noop

from iamwizard.aws.gateway import AwsError
from iamwizard.aws.paging import paginate
from iamwizard.core import mfa_policy
from iamwizard.core.names import iam_name_check, same_name_ignoring_case
from iamwizard.core.problems import Problem

from .. import policy_catalog
from ..facts import as_is, said
from ..refusals import field_error
from .base import PlannedCall, Step
from .colleague import for_colleague
from .user_details import existing_user_names, recent_listing
from .forms import StepForm

AWS_POLICY = "arn:aws:iam::aws:policy/"
ADMINISTRATOR_ACCESS = AWS_POLICY + "AdministratorAccess"

# Job functions mapped to AWS's managed policies for them.
JOB_FUNCTIONS = [
    (ADMINISTRATOR_ACCESS, gettext_lazy("Administrator — AdministratorAccess: everything, including IAM")),
    (AWS_POLICY + "PowerUserAccess", gettext_lazy("Power user — PowerUserAccess: every service except managing users and permissions")),
    (AWS_POLICY + "ReadOnlyAccess", gettext_lazy("Read-only — ReadOnlyAccess: look at every resource, change nothing")),
    (AWS_POLICY + "job-function/ViewOnlyAccess", gettext_lazy("View-only — ViewOnlyAccess: list resources, without reading their data")),
    (AWS_POLICY + "job-function/Billing", gettext_lazy("Billing — Billing: see and manage costs and payments")),
    (AWS_POLICY + "job-function/DatabaseAdministrator", gettext_lazy("Database administrator — DatabaseAdministrator")),
    (AWS_POLICY + "job-function/NetworkAdministrator", gettext_lazy("Network administrator — NetworkAdministrator")),
    (AWS_POLICY + "SecurityAudit", gettext_lazy("Security auditor — SecurityAudit: read security settings")),
    (AWS_POLICY + "job-function/SupportUser", gettext_lazy("Support — SupportUser: open and follow AWS support cases")),
]
JOB_FUNCTION_LABELS = dict(JOB_FUNCTIONS)
MAX_POLICIES = 10  # AWS's default quota of managed policies attached to one user or group


def policy_name(arn: str) -> str:
    return arn.rsplit("/", 1)[-1]


def existing_group_names(ctx):
    return recent_listing(ctx, "ListGroups", "Groups", "GroupName")




def snapshot_permissions(ctx, user_name) -> dict:
    """What Copy permissions will copy from `user_name`: groups, managed and inline policies, boundary."""
    user = ctx.iam("GetUser", UserName=user_name)["User"]
    return {
        "groups": [g["GroupName"] for g in paginate(ctx.iam, "ListGroupsForUser", "Groups", UserName=user_name)],
        "policies": [p["PolicyArn"] for p in paginate(ctx.iam, "ListAttachedUserPolicies", "AttachedPolicies", UserName=user_name)],
        "inline": paginate(ctx.iam, "ListUserPolicies", "PolicyNames", UserName=user_name),
        "boundary": (user.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn", ""),
    }


class PolicyChoiceField(forms.MultipleChoiceField):
    """Policy ARNs, checked against the account's real catalogue instead of a fixed list."""

    def valid_value(self, value):
        return True


# The options, in the order the page offers them: the console's default (a group) first, the
# tutorial's own path beside it. "tutorial" is saved as "direct" with AdministratorAccess.
MODES = [
    ("group", gettext_lazy("Add user to group (recommended)")),
    ("tutorial", gettext_lazy("Follow the tutorial exactly")),
    ("copy", gettext_lazy("Copy permissions")),
    ("direct", gettext_lazy("Attach policies directly")),
]
# The fields each option uses; the page reveals only these, and the others are neither checked nor kept.
MODE_FIELDS = {
    "group": {"group_name", "policies", "require_mfa", "boundary"},
    "tutorial": set(),
    "copy": {"copy_from", "boundary"},
    "direct": {"policies", "boundary"},
}
OPTIONAL_FIELDS = ("group_name", "copy_from", "policies", "require_mfa", "boundary")
EMPTY = {"policies": [], "require_mfa": False}


class PermissionsForm(StepForm):
    # The policies' checkboxes are drawn by the template, inside the block with this id: the error summary links there.
    error_anchors = {"policies": "policies"}

    mode = forms.ChoiceField(
        label=gettext_lazy("Permissions options"), choices=MODES, widget=forms.RadioSelect, initial="group",
        error_messages={"required": gettext_lazy("Choose how the user gets permissions."), "invalid_choice": gettext_lazy("Choose one of the permissions options.")},
    )
    group_name = forms.CharField(
        label=gettext_lazy("Group name"), required=False, max_length=300,
        help_text=gettext_lazy("An existing group, or a new one that the wizard creates with the policies you tick."),
    )
    copy_from = forms.CharField(label=gettext_lazy("Copy permissions from user"), required=False, max_length=300)
    policies = PolicyChoiceField(label=gettext_lazy("Permissions policies"), required=False, widget=forms.CheckboxSelectMultiple)
    require_mfa = forms.BooleanField(
        label=gettext_lazy("Require MFA for the group's members (recommended)"), required=False, initial=True,
        help_text=gettext_lazy("For a new group, the wizard creates a customer managed policy, RequireMFA-<group name>, and attaches it. "
                               "Until a member signs in with MFA, they can only change their own password, read the password rules and "
                               "set up their own MFA device; everything else is denied. An existing group keeps its own policies."),
    )
    boundary = forms.CharField(
        label=gettext_lazy("Permissions boundary (optional)"), required=False, max_length=2048,
        help_text=gettext_lazy("A managed policy (name or ARN) that caps what the user can ever be granted, whatever else is attached."),
    )

    def _uses(self, name) -> bool:
        """Whether the option being submitted uses field `name` (fields of other options are ignored)."""
        return name in MODE_FIELDS.get(self.data.get("mode", ""), set())

    def clean_policies(self):
        if not self._uses("policies"):
            return []
        arns = []
        for value in self.cleaned_data["policies"]:
            entry = policy_catalog.lookup(self.ctx, value)
            if entry is None:
                raise forms.ValidationError(_("%(policy)s is not a policy this account can attach.") % {"policy": value[:200]}, code="permissions.unknown_policy")
            if entry.arn not in arns:
                arns.append(entry.arn)
        if len(arns) > MAX_POLICIES:
            raise field_error(Problem("permissions.too_many_policies", {"max": MAX_POLICIES, "chosen": len(arns)}), _("AWS allows at most %(max)s managed policies per user or group; you chose %(chosen)s.") % {"max": MAX_POLICIES, "chosen": len(arns)})
        return arns

    def clean_boundary(self):
        value = self.cleaned_data["boundary"].strip() if self._uses("boundary") else ""
        if not value:
            return ""
        entry = policy_catalog.lookup(self.ctx, value)
        if entry is None:
            raise forms.ValidationError(_("No managed policy has that name or ARN in this account."), code="permissions.unknown_boundary")
        return entry.arn

    def clean(self):
        data = super().clean()
        mode = data.get("mode")
        for name in OPTIONAL_FIELDS:  # e.g. an over-long group name typed before choosing another option
            if mode and not self._uses(name):
                self.errors.pop(name, None)
                data[name] = EMPTY.get(name, "")
        policies = data.get("policies") or []
        try:
            if mode == "group":
                self._clean_group(data, policies)
            elif mode == "copy":
                self._clean_copy(data)
            elif mode == "direct" and not policies and "policies" not in self.errors:
                self.add_error("policies", forms.ValidationError(_("Choose at least one policy to attach."), code="permissions.no_policy"))
        except AwsError as exc:
            raise field_error(Problem("aws.unreachable", {"code": exc.code}), _("Could not read the account: %(problem)s") % {"problem": exc.problem.message}) from None
        return data

    def _clean_group(self, data, policies):
        name = (data.get("group_name") or "").strip()
        if not name:
            self.add_error("group_name", forms.ValidationError(_("Name the group to add the user to: an existing group, or a new one."), code="permissions.no_group"))
            return
        problem = iam_name_check(name, "group_name")
        if problem:
            self.add_error("group_name", field_error(problem))
            return
        existing = same_name_ignoring_case(name, existing_group_names(self.ctx))
        data["group_name"] = existing or name
        data["group_exists"] = bool(existing)
        if not existing and not policies and "policies" not in self.errors:
            self.add_error("policies", forms.ValidationError(_("Choose at least one policy for the new group %(group)s: what its members may do.") % {"group": name[:128]}, code="permissions.no_policy"))

    def _clean_copy(self, data):
        name = (data.get("copy_from") or "").strip()
        source = same_name_ignoring_case(name, existing_user_names(self.ctx)) if name else None
        if not source:
            self.add_error("copy_from", forms.ValidationError(_("Choose the user to copy permissions from.") if not name else _("There is no user named %(user)s in this account.") % {"user": name[:64]}, code="permissions.unknown_user"))
            return
        data["copy_from"] = source
        data["copied"] = snapshot_permissions(self.ctx, source)


class Permissions(Step):
    slug = "permissions"
    title = gettext_lazy("Set permissions")
    nav_title = gettext_lazy("Permissions")
    show_result = False
    template = "wizard/steps/permissions.html"
    stylesheets = ("css/permissions.css",)
    why = (
        gettext_lazy("A new IAM user can do nothing at all until a policy allows it. Grant the least privilege: only "
                     "what the person's job needs, and add more when a real need shows up."),
        gettext_lazy("Attach policies to a group and put users in it, rather than attaching them to each user: when "
                     "someone changes role you move them between groups, and one glance at a group tells who can do what. "
                     "The tutorial attaches AdministratorAccess directly because it is the very first user (Follow the "
                     "tutorial exactly does that); a group named Admins with the same policy does the same job and scales."),
        gettext_lazy("Copy permissions gives the new user the same groups and policies as a colleague with the same job. "
                     "A permissions boundary is a ceiling: whatever is attached later, the user can never do more than it allows."),
    )

    def forms(self, ctx):
        return {"save": PermissionsForm}

    def initial(self, ctx, action):
        answers = ctx.answers(self.slug)
        return {**answers, "mode": answers.get("option") or answers.get("mode") or "group"}

    def planned_calls(self, ctx):
        return [
            PlannedCall("iam", "ListGroups", note=_("Finds the groups that already exist.")),
            PlannedCall("iam", "ListPolicies", {"Scope": "AWS"}, _("Lists AWS's managed policies (read once, then cached).")),
        ]

    def execute(self, ctx, action, data):
        mode = data["mode"]
        # The tutorial's path is Attach policies directly with AdministratorAccess; the option is remembered.
        answers = {"option": mode, "mode": "direct" if mode == "tutorial" else mode, "boundary": data.get("boundary", ""), "group_name": "", "group_exists": False, "copy_from": "", "copied": {}, "policies": []}
        if mode == "group":
            answers.update(group_name=data["group_name"], group_exists=data["group_exists"], policies=[] if data["group_exists"] else data["policies"],
                           require_mfa=bool(data.get("require_mfa")) and not data["group_exists"])
        elif mode == "copy":
            answers.update(copy_from=data["copy_from"], copied=data["copied"])
            if not answers["boundary"]:
                answers["boundary"] = data["copied"]["boundary"]
        elif mode == "tutorial":
            answers["policies"] = [ADMINISTRATOR_ACCESS]
        else:
            answers["policies"] = data["policies"]
        ctx.save_answers(answers)
        return {}

    def verify(self, ctx, result):
        a = ctx.answers(self.slug)
        facts = []
        if a.get("option") == "tutorial":
            facts.append(said(gettext_noop("Option"), gettext_noop("Follow the tutorial exactly: AdministratorAccess attached directly to the user")))
        if a["mode"] == "group":
            facts.append(said(gettext_noop("Group"), gettext_noop("%(group)s (existing)") if a["group_exists"] else gettext_noop("%(group)s (new)"), group=a["group_name"]))
        if a["mode"] == "copy":
            facts.append(as_is(gettext_noop("Copy from"), a["copy_from"]))
        facts += [as_is(gettext_noop("Policy"), policy_name(arn)) for arn in a["policies"]]
        if a.get("require_mfa"):
            facts.append(said(gettext_noop("Require MFA"), gettext_noop("%(policy)s, a customer managed policy the wizard creates for the group"),
                              policy=mfa_policy.policy_name(a["group_name"])))
        if a["boundary"]:
            facts.append(as_is(gettext_noop("Permissions boundary"), policy_name(a["boundary"])))
        return facts

    def context(self, ctx):
        query = (ctx.query.get("q") or "").strip()[:100]
        chosen = ctx.answers(self.slug).get("policies", [])
        try:
            groups = existing_group_names(ctx)
            users = [u for u in existing_user_names(ctx) if u != ctx.user_name]
            results = policy_catalog.search(ctx, query) if query else []
        except AwsError as exc:
            return {"catalog_problem": exc.problem, "job_functions": JOB_FUNCTIONS, "query": query, "for_colleague": for_colleague(ctx)}
        shown = {arn for arn, _label in JOB_FUNCTIONS}
        extra = [(arn, policy_name(arn)) for arn in chosen if arn not in shown]
        shown |= {arn for arn, _label in extra}
        search_results = [(e.arn, e.name if e.aws_managed else _("%(policy)s (customer managed)") % {"policy": e.name}) for e in results if e.arn not in shown]
        return {
            "existing_groups": groups, "existing_users": users, "admin_arn": ADMINISTRATOR_ACCESS,
            "job_functions": JOB_FUNCTIONS, "chosen_extra": extra, "search_results": search_results, "query": query,
            "for_colleague": for_colleague(ctx),
        }
