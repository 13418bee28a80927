"""Step 2, permissions: what the new user may do, granted the least-privilege way."""
from django import forms

from iamwizard.aws.gateway import AwsError
from iamwizard.core import mfa_policy
from iamwizard.core.names import iam_name_check, same_name_ignoring_case
from iamwizard.core.problems import Problem

from .. import policy_catalog
from ..refusals import field_error
from ..cleanup import list_all
from .base import PlannedCall, Step
from .colleague import for_colleague
from .user_details import existing_user_names, recent_listing
from .forms import StepForm

AWS_POLICY = "arn:aws:iam::aws:policy/"
ADMINISTRATOR_ACCESS = AWS_POLICY + "AdministratorAccess"

# Job functions mapped to AWS's managed policies for them.
JOB_FUNCTIONS = [
    (ADMINISTRATOR_ACCESS, "Administrator — AdministratorAccess: everything, including IAM"),
    (AWS_POLICY + "PowerUserAccess", "Power user — PowerUserAccess: every service except managing users and permissions"),
    (AWS_POLICY + "ReadOnlyAccess", "Read-only — ReadOnlyAccess: look at every resource, change nothing"),
    (AWS_POLICY + "job-function/ViewOnlyAccess", "View-only — ViewOnlyAccess: list resources, without reading their data"),
    (AWS_POLICY + "job-function/Billing", "Billing — Billing: see and manage costs and payments"),
    (AWS_POLICY + "job-function/DatabaseAdministrator", "Database administrator — DatabaseAdministrator"),
    (AWS_POLICY + "job-function/NetworkAdministrator", "Network administrator — NetworkAdministrator"),
    (AWS_POLICY + "SecurityAudit", "Security auditor — SecurityAudit: read security settings"),
    (AWS_POLICY + "job-function/SupportUser", "Support — SupportUser: open and follow AWS support cases"),
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
        "groups": [g["GroupName"] for g in list_all(ctx.iam, "ListGroupsForUser", "Groups", UserName=user_name)],
        "policies": [p["PolicyArn"] for p in list_all(ctx.iam, "ListAttachedUserPolicies", "AttachedPolicies", UserName=user_name)],
        "inline": list_all(ctx.iam, "ListUserPolicies", "PolicyNames", UserName=user_name),
        "boundary": (user.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn", ""),
    }


class PolicyChoiceField(forms.MultipleChoiceField):
    """Policy ARNs, checked against the account's real catalogue instead of a fixed list."""

    def valid_value(self, value):
        return True


# The options, in the order the page offers them: the console's default (a group) first, the
# tutorial's own path beside it. "tutorial" is saved as "direct" with AdministratorAccess.
MODES = [
    ("group", "Add user to group (recommended)"),
    ("tutorial", "Follow the tutorial exactly"),
    ("copy", "Copy permissions"),
    ("direct", "Attach policies directly"),
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
        label="Permissions options", choices=MODES, widget=forms.RadioSelect, initial="group",
        error_messages={"required": "Choose how the user gets permissions.", "invalid_choice": "Choose one of the permissions options."},
    )
    group_name = forms.CharField(
        label="Group name", required=False, max_length=300,
        help_text="An existing group, or a new one that the wizard creates with the policies you tick.",
    )
    copy_from = forms.CharField(label="Copy permissions from user", required=False, max_length=300)
    policies = PolicyChoiceField(label="Permissions policies", required=False, widget=forms.CheckboxSelectMultiple)
    require_mfa = forms.BooleanField(
        label="Require MFA for the group's members (recommended)", required=False, initial=True,
        help_text="For a new group, the wizard creates a customer managed policy, RequireMFA-<group name>, and attaches it. "
                  "Until a member signs in with MFA, they can only change their own password, read the password rules and "
                  "set up their own MFA device; everything else is denied. An existing group keeps its own policies.",
    )
    boundary = forms.CharField(
        label="Permissions boundary (optional)", required=False, max_length=2048,
        help_text="A managed policy (name or ARN) that caps what the user can ever be granted, whatever else is attached.",
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
                raise forms.ValidationError(f"{value[:200]} is not a policy this account can attach.", code="permissions.unknown_policy")
            if entry.arn not in arns:
                arns.append(entry.arn)
        if len(arns) > MAX_POLICIES:
            raise field_error(Problem("permissions.too_many_policies", {"max": MAX_POLICIES, "chosen": len(arns)}), f"AWS allows at most {MAX_POLICIES} managed policies per user or group; you chose {len(arns)}.")
        return arns

    def clean_boundary(self):
        value = self.cleaned_data["boundary"].strip() if self._uses("boundary") else ""
        if not value:
            return ""
        entry = policy_catalog.lookup(self.ctx, value)
        if entry is None:
            raise forms.ValidationError("No managed policy has that name or ARN in this account.", code="permissions.unknown_boundary")
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
                self.add_error("policies", forms.ValidationError("Choose at least one policy to attach.", code="permissions.no_policy"))
        except AwsError as exc:
            raise field_error(Problem("aws.unreachable", {"code": exc.code}), f"Could not read the account: {exc.problem.message}") from None
        return data

    def _clean_group(self, data, policies):
        name = (data.get("group_name") or "").strip()
        if not name:
            self.add_error("group_name", forms.ValidationError("Name the group to add the user to: an existing group, or a new one.", code="permissions.no_group"))
            return
        problem = iam_name_check(name, "group_name")
        if problem:
            self.add_error("group_name", field_error(problem))
            return
        existing = same_name_ignoring_case(name, existing_group_names(self.ctx))
        data["group_name"] = existing or name
        data["group_exists"] = bool(existing)
        if not existing and not policies and "policies" not in self.errors:
            self.add_error("policies", forms.ValidationError(f"Choose at least one policy for the new group {name[:128]}: what its members may do.", code="permissions.no_policy"))

    def _clean_copy(self, data):
        name = (data.get("copy_from") or "").strip()
        source = same_name_ignoring_case(name, existing_user_names(self.ctx)) if name else None
        if not source:
            self.add_error("copy_from", forms.ValidationError("Choose the user to copy permissions from." if not name else f"There is no user named {name[:64]} in this account.", code="permissions.unknown_user"))
            return
        data["copy_from"] = source
        data["copied"] = snapshot_permissions(self.ctx, source)


class Permissions(Step):
    slug = "permissions"
    title = "Set permissions"
    nav_title = "Permissions"
    show_result = False
    template = "wizard/steps/permissions.html"
    why = (
        "A new IAM user can do nothing at all until a policy allows it. Grant the least privilege: only "
        "what the person's job needs, and add more when a real need shows up.",
        "Attach policies to a group and put users in it, rather than attaching them to each user: when "
        "someone changes role you move them between groups, and one glance at a group tells who can do what. "
        "The tutorial attaches AdministratorAccess directly because it is the very first user (Follow the "
        "tutorial exactly does that); a group named Admins with the same policy does the same job and scales.",
        "Copy permissions gives the new user the same groups and policies as a colleague with the same job. "
        "A permissions boundary is a ceiling: whatever is attached later, the user can never do more than it allows.",
    )

    def forms(self, ctx):
        return {"save": PermissionsForm}

    def initial(self, ctx, action):
        answers = ctx.answers(self.slug)
        return {**answers, "mode": answers.get("option") or answers.get("mode") or "group"}

    def planned_calls(self, ctx):
        return [
            PlannedCall("iam", "ListGroups", note="Finds the groups that already exist."),
            PlannedCall("iam", "ListPolicies", {"Scope": "AWS"}, "Lists AWS's managed policies (read once, then cached)."),
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
            facts.append(("Option", "Follow the tutorial exactly: AdministratorAccess attached directly to the user"))
        if a["mode"] == "group":
            facts.append(("Group", f"{a['group_name']} ({'existing' if a['group_exists'] else 'new'})"))
        if a["mode"] == "copy":
            facts.append(("Copy from", a["copy_from"]))
        facts += [("Policy", policy_name(arn)) for arn in a["policies"]]
        if a.get("require_mfa"):
            facts.append(("Require MFA", f"{mfa_policy.policy_name(a['group_name'])}, a customer managed policy the wizard creates for the group"))
        if a["boundary"]:
            facts.append(("Permissions boundary", policy_name(a["boundary"])))
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
        shown = {arn for arn, _ in JOB_FUNCTIONS}
        extra = [(arn, policy_name(arn)) for arn in chosen if arn not in shown]
        shown |= {arn for arn, _ in extra}
        search_results = [(e.arn, f"{e.name}{'' if e.aws_managed else ' (customer managed)'}") for e in results if e.arn not in shown]
        return {
            "existing_groups": groups, "existing_users": users, "admin_arn": ADMINISTRATOR_ACCESS,
            "job_functions": JOB_FUNCTIONS, "chosen_extra": extra, "search_results": search_results, "query": query,
            "for_colleague": for_colleague(ctx),
        }
