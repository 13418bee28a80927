"""Step 2, permissions: what the new user may do, granted the least-privilege way."""
from django import forms

from iamwizard.aws.gateway import AwsError
from iamwizard.core.names import group_name_problem, same_name_ignoring_case

from .base import PlannedCall, Step
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
POLICY_LABELS = dict(JOB_FUNCTIONS)


def policy_name(arn: str) -> str:
    return arn.rsplit("/", 1)[-1]


def existing_group_names(ctx):
    names, marker = [], None
    while True:
        page = ctx.iam("ListGroups", **({"Marker": marker} if marker else {}))
        names += [g["GroupName"] for g in page.get("Groups", [])]
        marker = page.get("Marker") if page.get("IsTruncated") else None
        if not marker:
            return names


class PermissionsForm(StepForm):
    mode = forms.ChoiceField(
        label="Permissions options",
        choices=[("group", "Add user to group"), ("direct", "Attach policies directly")],
        widget=forms.RadioSelect, initial="group",
    )
    group_name = forms.CharField(
        label="Group name", required=False, max_length=300,
        help_text="An existing group, or a new one that the wizard creates with the policies below.",
    )
    policies = forms.MultipleChoiceField(
        label="Permissions policies", required=False, choices=JOB_FUNCTIONS, widget=forms.CheckboxSelectMultiple,
    )

    def clean(self):
        data = super().clean()
        mode, policies = data.get("mode"), data.get("policies") or []
        if mode == "group":
            name = (data.get("group_name") or "").strip()
            problem = group_name_problem(name) if name else "Name the group to add the user to."
            if problem:
                self.add_error("group_name", problem)
                return data
            try:
                existing = same_name_ignoring_case(name, existing_group_names(self.ctx))
            except AwsError as exc:
                raise forms.ValidationError(f"Could not list the groups: {exc.problem.message}") from None
            data["group_name"] = existing or name
            data["group_exists"] = bool(existing)
            if not existing and not policies:
                self.add_error("policies", "A new group needs at least one policy: choose what its members may do.")
        elif mode == "direct" and not policies:
            self.add_error("policies", "Choose at least one policy to attach.")
        return data


class Permissions(Step):
    slug = "permissions"
    title = "Set permissions"
    extra_template = "wizard/steps/_permissions_extra.html"
    show_result = False
    nav_title = "Permissions"
    why = (
        "A new IAM user can do nothing at all until a policy allows it. Grant the least privilege: only "
        "what the person's job needs, and add more when a real need shows up.",
        "Attach policies to a group and put users in it, rather than attaching them to each user: when "
        "someone changes role you move them between groups, and one glance at a group tells who can do what. "
        "The tutorial attaches AdministratorAccess directly because it is the very first user; a group "
        "named Admins does the same job and scales.",
        "AdministratorAccess allows every action on every resource, IAM included: such a user can grant "
        "themselves anything. Give it only to the person who administers the account, protect it with MFA, "
        "and prefer a narrower job-function policy for everyone else.",
    )

    def forms(self, ctx):
        return {"save": PermissionsForm}

    def planned_calls(self, ctx):
        return [PlannedCall("iam", "ListGroups", note="Finds the groups that already exist.")]

    def execute(self, ctx, action, data):
        answers = {
            "mode": data["mode"],
            "group_name": data["group_name"] if data["mode"] == "group" else "",
            "group_exists": data.get("group_exists", False) if data["mode"] == "group" else False,
            "policies": [] if data.get("group_exists") and data["mode"] == "group" else list(data["policies"]),
        }
        ctx.save_answers(answers)
        return {}

    def verify(self, ctx, result):
        answers = ctx.answers(self.slug)
        facts = []
        if answers["mode"] == "group":
            facts.append(("Group", f"{answers['group_name']} ({'existing' if answers['group_exists'] else 'new'})"))
        facts += [("Policy", policy_name(arn)) for arn in answers["policies"]]
        return facts

    def context(self, ctx):
        try:
            groups = existing_group_names(ctx)
        except AwsError:
            groups = []
        return {"existing_groups": groups, "admin_arn": ADMINISTRATOR_ACCESS}
