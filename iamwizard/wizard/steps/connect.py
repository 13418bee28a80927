"""Step 0, connect: find out which AWS account we act in and what its rules are."""
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_noop

from iamwizard.aws.gateway import AwsError
from iamwizard.core.passwords import PasswordPolicy

from .. import operator_policy
from ..facts import as_is, said
from ..models import StepState
from .base import NO_SUCH_ENTITY, PlannedCall, Step
from .forms import ConfirmForm


class Connect(Step):
    slug = "connect"
    title = gettext_lazy("Connect to your AWS account")
    nav_title = gettext_lazy("Connect")
    submit_label = gettext_lazy("Connect")
    template = "wizard/steps/connect.html"
    why = (
        gettext_lazy("Before changing anything, the wizard asks AWS who it is talking to. The answer names the "
                     "account (a 12-digit number) and the identity whose credentials make the calls."),
        gettext_lazy("If that identity is the root user, the one created with the account's e-mail address, "
                     "this is exactly the habit to break: the root user can do everything, including closing the "
                     "account, and cannot be limited by any policy. Use it to create a first IAM user, then put it away."),
        gettext_lazy("The wizard also reads the account alias (a friendly name for the sign-in page) and the "
                     "password policy, so that the password you choose later is checked against the real rules."),
    )

    expected_answers = {("GetAccountPasswordPolicy", NO_SUCH_ENTITY): gettext_lazy("no password policy set: AWS's default applies")}

    def forms(self, ctx):
        return {"connect": ConfirmForm}

    def planned_calls(self, ctx):
        return [
            PlannedCall("sts", "GetCallerIdentity", note=_("Who am I? Needs no permission at all.")),
            PlannedCall("iam", "ListAccountAliases", note=_("The account's friendly name, if it has one.")),
            PlannedCall("iam", "GetAccountPasswordPolicy", note=_("The rules every IAM user password must follow.")),
        ]

    def execute(self, ctx, action, data):
        # Three independent reads, made at once. NoSuchEntity for the password policy means the
        # account has none of its own: AWS's default applies.
        identity, aliases, policy = ctx.gateway.at_once(
            ("sts", "GetCallerIdentity", {}), ("iam", "ListAccountAliases", {}), ("iam", "GetAccountPasswordPolicy", {}),
            tolerate={NO_SUCH_ENTITY},
        )
        aliases = aliases.get("AccountAliases", [])
        policy = PasswordPolicy.from_aws(None if isinstance(policy, AwsError) else policy["PasswordPolicy"])
        account_id = identity["Account"]
        if ctx.run.account_id != account_id:
            ctx.run.account_id = account_id
            ctx.save_run("account_id")
        return {
            "account_id": account_id,
            "arn": identity["Arn"],
            "is_root": identity["Arn"].endswith(":root"),
            "alias": aliases[0] if aliases else "",
            "password_policy": policy.to_dict(),
        }

    def context(self, ctx):
        if ctx.status(self.slug) != StepState.DONE:
            ctx.prepare()  # the role is assumed while the page is read: Connect then waits for one round trip
        return {"operator_policy": operator_policy.document_json()}

    def verify(self, ctx, result):
        policy = PasswordPolicy.from_dict(result["password_policy"])
        alias = gettext_noop("Account alias")
        return [
            as_is(gettext_noop("Account"), result["account_id"]),
            as_is(gettext_noop("Calling identity"), result["arn"]),
            as_is(alias, result["alias"]) if result["alias"] else said(alias, gettext_noop("none (the sign-in URL uses the account number)")),
            said(gettext_noop("Password policy"), gettext_noop("No password policy set: AWS's default applies") if policy.is_aws_default else gettext_noop("set by the account")),
        ]
