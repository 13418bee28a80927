"""Step 1, user details: the user name, console access and the first password."""
from django import forms
from django.core.cache import cache
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_noop

from iamwizard.aws.gateway import AwsError
from iamwizard.aws.paging import paginate
from iamwizard.core.names import iam_name_check, same_name_ignoring_case
from iamwizard.core.passwords import SYMBOLS, generate_password, password_breaks, policy_rule_list
from iamwizard.core.problems import Problem

from .. import vault
from ..facts import as_is, said
from ..refusals import field_error
from .base import PlannedCall, Step
from .colleague import FOR_SELF, FOR_SOMEONE_ELSE
from .forms import StepForm


# Extra user-name rules other apps register (a workshop's required prefix, for one):
# callables (ctx, name) returning a core.problems.Problem, or None when the name is fine.
USER_NAME_RULES = []


LISTING_SECONDS = 120


LISTINGS = {"ListUsers": ("Users", "UserName"), "ListGroups": ("Groups", "GroupName")}


def recent_listing(ctx, operation, key, field, *, with_=()):
    """Names from an IAM list call, reused within one run for a couple of minutes: the user-details
    check lists the users and the permissions page shows them again; the permissions page lists the
    groups and its form checks the chosen one. Whatever changes meanwhile, the creating calls still
    meet AWS's own uniqueness rules (EntityAlreadyExists), which the review step handles.

    `with_` names other listings (LISTINGS) the next page needs: those not kept yet are fetched
    at the same time, in the same click (the user-details submit lists the groups for the
    permissions page it leads to), so that page does not wait for AWS once more."""
    cache_key = f"listing:{ctx.run.id}:{operation}"
    names = cache.get(cache_key)
    if names is not None:
        return names
    wanted = {operation: (key, field)}
    for other in with_:
        if cache.get(f"listing:{ctx.run.id}:{other}") is None:
            wanted[other] = LISTINGS[other]
    first_pages = ctx.gateway.at_once(*[("iam", op, {}) for op in wanted], settle=True)
    found = {}
    for (op, (items_key, name_field)), page in zip(wanted.items(), first_pages):
        if isinstance(page, Exception):
            if op == operation:
                raise page
            continue  # fetched early only: the page that needs it asks again, and says what went wrong
        items = page.get(items_key, [])
        if page.get("IsTruncated"):
            items += paginate(ctx.iam, op, items_key, Marker=page["Marker"])
        found[op] = [item[name_field] for item in items]
        cache.set(f"listing:{ctx.run.id}:{op}", found[op], LISTING_SECONDS)
    return found[operation]


def existing_user_names(ctx, *, with_=()):
    return recent_listing(ctx, "ListUsers", "Users", "UserName", with_=with_)


LIVE_CHECKS = {"password.too_short": "min", "password.too_long": "max", "password.no_upper": "upper", "password.no_lower": "lower",
               "password.no_digit": "digit", "password.no_symbol": "symbol", "password.three_of_four": "three", "password.is_name": "notname"}


def rule_kind(rule: Problem) -> str:
    """Which live check (static/js/password.js) shows whether a policy rule is met."""
    return LIVE_CHECKS.get(rule.kind, "other")


# Why AWS recommends IAM Identity Center for people, and why the wizard goes on with an IAM user: two sentences.
IDENTITY_CENTER = gettext_lazy(
    "For people, AWS recommends IAM Identity Center: each person signs in once, through one portal, and gets "
    "short-lived credentials for every account they work in, instead of a password kept in each account. This "
    "wizard goes on with an IAM user, as the tutorial does: the simplest way to give one person in one account a "
    "sign-in of their own.")


class UserDetailsForm(StepForm):
    user_name = forms.CharField(
        label=gettext_lazy("User name"), max_length=200, strip=True,
        help_text=gettext_lazy("Up to 64 letters, digits and + = , . @ _ -. Unique in the account, ignoring upper/lower case."),
    )
    console_access = forms.BooleanField(label=gettext_lazy("Provide user access to the AWS Management Console"), required=False, initial=True)
    # The console's question once console access is ticked. Its template reveals what "for someone else" means
    # (GOV.UK conditional reveal, as on Permissions); steps/colleague.py says what it changes.
    for_whom = forms.ChoiceField(
        label=gettext_lazy("Are you providing console access to a person?"),
        choices=[(FOR_SELF, gettext_lazy("Yes, for myself")), (FOR_SOMEONE_ELSE, gettext_lazy("Yes, for someone else"))],
        widget=forms.RadioSelect, initial=FOR_SELF, required=False,
        error_messages={"invalid_choice": gettext_lazy("Choose who will sign in as this user: you, or someone else.")},
    )
    password_type = forms.ChoiceField(
        label=gettext_lazy("Console password"),
        choices=[("autogenerated", gettext_lazy("Autogenerated password")), ("custom", gettext_lazy("Custom password"))],
        widget=forms.RadioSelect, initial="autogenerated",
    )
    custom_password = forms.CharField(
        label=gettext_lazy("Custom password"), required=False, max_length=500, strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )
    must_reset = forms.BooleanField(label=gettext_lazy("Users must create a new password at next sign-in"), required=False, initial=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.ctx is not None:
            self.fields["custom_password"].help_text = _("It must follow the account's password rules, listed below. The wizard checks it before AWS sees it.")

    def clean_user_name(self):
        name = self.cleaned_data["user_name"]
        problem = iam_name_check(name, "user_name")
        if problem:
            raise field_error(problem)
        for rule in USER_NAME_RULES:
            problem = rule(self.ctx, name)
            if problem:
                raise field_error(problem)
        try:
            # The groups too, at once: the permissions page, next, shows them.
            clash = same_name_ignoring_case(name, existing_user_names(self.ctx, with_=("ListGroups",)))
        except AwsError as exc:
            raise field_error(Problem("aws.unreachable", {"code": exc.code}), _("Could not check the name with AWS: %(problem)s") % {"problem": exc.problem.message}) from None
        if clash:
            raise field_error(Problem("user_name.taken", typed={"existing": clash}))
        return name

    def clean_for_whom(self):
        return self.cleaned_data["for_whom"] or FOR_SELF  # a form posted without the question (scripts, older pages): for yourself

    def clean(self):
        data = super().clean()
        if data.get("console_access") and data.get("password_type") == "custom":
            password = data.get("custom_password") or ""
            if not password:
                self.add_error("custom_password", field_error(Problem("password.not_typed")))
            else:
                for problem in password_breaks(password, self.ctx.password_policy, user_name=data.get("user_name"), account_name=self.ctx.account.get("alias")):
                    self.add_error("custom_password", field_error(problem))
        return data


class UserDetails(Step):
    slug = "user-details"
    title = gettext_lazy("Specify user details")
    show_result = False
    extra_template = "wizard/steps/_password_rules.html"
    template = "wizard/steps/user_details.html"
    stylesheets = ("css/user-details.css",)
    nav_title = gettext_lazy("User details")
    why = (
        gettext_lazy("An IAM user is a person (or a program) with its own name and its own credentials inside your "
                     "account. Each person gets their own user, so that what they do can be told apart, limited and "
                     "revoked without touching anyone else."),
        gettext_lazy("Console access gives the user a password for the AWS Management Console. Let AWS generate it, or "
                     "type your own; either way the wizard checks it against the account's password policy before AWS "
                     "sees it."),
        gettext_lazy("Keep “Users must create a new password at next sign-in” ticked: the password you hand over is then "
                     "only good for one sign-in, and from then on only the person knows their password."),
        IDENTITY_CENTER,
    )

    def forms(self, ctx):
        return {"save": UserDetailsForm}

    def initial(self, ctx, action):
        return {"console_access": True, "for_whom": FOR_SELF, "password_type": "autogenerated", "must_reset": True, **ctx.answers(self.slug)}

    def planned_calls(self, ctx):
        return [PlannedCall("iam", "ListUsers", note=_("Checks that nobody in the account already has this name.")),
                PlannedCall("iam", "ListGroups", note=_("Made at the same time, for the next step: which groups exist."))]

    def context(self, ctx):
        policy = ctx.password_policy
        return {"password_rules": [(rule_kind(rule), rule.text) for rule in policy_rule_list(policy)], "policy": policy, "symbols": SYMBOLS}

    def execute(self, ctx, action, data):
        answers = {k: data[k] for k in ("user_name", "console_access", "password_type", "must_reset")}
        answers["for_whom"] = data["for_whom"] if data["console_access"] else FOR_SELF
        ctx.save_answers(answers)
        run = ctx.run
        if data["console_access"]:
            password = data["custom_password"] if data["password_type"] == "custom" else generate_password(ctx.password_policy)
            run.password_box = vault.seal(password)
        else:
            run.password_box = b""
        ctx.save_run("password_box")
        return {}

    def verify(self, ctx, result):
        answers = ctx.answers(self.slug)
        facts = [as_is(gettext_noop("User name"), answers["user_name"]),
                 said(gettext_noop("Console access"), gettext_noop("yes") if answers["console_access"] else gettext_noop("no"))]
        if answers["console_access"] and answers.get("for_whom") == FOR_SOMEONE_ELSE:
            facts.append(said(gettext_noop("For"), gettext_noop("someone else: you hand over the sign-in details; the first sign-in and MFA are theirs")))
        return facts
