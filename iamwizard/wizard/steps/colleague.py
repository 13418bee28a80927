"""A user made for someone else (issue 19, part 3): the console's "Are you providing console
access to a person?", answered "for someone else".

The administrator then hands over the sign-in URL and the user name (Retrieve password: CSV,
e-mail without the password) and stops there: the first sign-in and the MFA enrolment are the
colleague's own, with the colleague's phone. The practice steps that play the new user (First
sign-in, MFA, MFA sign-in) do not apply, and Done lists them as pending until AWS shows them
done: `PasswordLastUsed` and the login profile for the first sign-in, `ListMFADevices` for MFA.
The require-MFA policy (Permissions) is what makes the colleague set up MFA at that first sign-in.

On the sandbox nobody else can sign in, so Done offers "Sign in as the colleague": the same
practice steps open again, to be done as the colleague, and Done reads AWS again at the end.
"""
from django.utils.translation import gettext as _

from ..models import StepState

FOR_SELF, FOR_SOMEONE_ELSE = "self", "other"
# The steps only the user can do: skipped when the user is made for someone else, until a sandbox practice.
PRACTICE_STEPS = ("sign-in", "mfa", "mfa-sign-in")


def for_colleague(ctx) -> bool:
    """Made for someone else: a console user whose first sign-in and MFA are theirs to do."""
    details = ctx.answers("user-details")
    return bool(details.get("console_access", True)) and details.get("for_whom") == FOR_SOMEONE_ELSE


def practising(ctx) -> bool:
    """On the sandbox, the administrator chose to play the colleague (Done's "Sign in as the colleague")."""
    return for_colleague(ctx) and bool(ctx.answers("finish").get("colleague_practice"))


def user_does_it_here(ctx) -> bool:
    """Whether the wizard walks the user's own steps (sign-in, MFA): always for yourself; for a colleague only in the sandbox practice."""
    return not for_colleague(ctx) or practising(ctx)


def start_practice(ctx):
    """Open the user's own steps again, to be done as the colleague; Done waits for them and then reads AWS afresh."""
    ctx.save_answers({**ctx.answers("finish"), "colleague_practice": True})
    # ctx.slug is "finish" here, so save_answers wrote the finish answers above.
    for slug in PRACTICE_STEPS:
        state = ctx.states[slug]
        if state.status == StepState.SKIPPED:
            state.status = StepState.PENDING
            state.save(update_fields=["status"])
    ctx.run.current_step = PRACTICE_STEPS[0]
    ctx.save_run("current_step")


def handover(ctx, summary) -> dict | None:
    """What Done says about the colleague's part, from what AWS showed (`summary`); None for yourself.

    First sign-in: AWS shows a PasswordLastUsed, and no password reset is pending any more.
    MFA: ListMFADevices lists a device. Each is confirmed whenever the colleague has done it."""
    if not for_colleague(ctx) or not summary or not summary.get("console_access", True):
        return None
    signed_in = bool(summary.get("signed_in")) and not summary.get("password_reset_required")
    mfa = bool(summary.get("mfa_devices"))
    user = ctx.user_name
    if signed_in and ctx.answers("user-details").get("must_reset", True):
        sign_in_words = _("%(user)s signed in and chose their own password.") % {"user": user}
    elif signed_in:
        sign_in_words = _("%(user)s signed in. No new password was required, so the one you handed over is still "
                          "valid: ask them to change it.") % {"user": user}
    elif summary.get("signed_in"):
        sign_in_words = _("%(user)s signed in but has not chosen a new password yet.") % {"user": user}
    else:
        sign_in_words = _("AWS shows no sign-in by %(user)s yet.") % {"user": user}
    permissions = ctx.answers("permissions")
    require_mfa = bool(permissions.get("require_mfa"))
    if mfa:
        mfa_words = _("%(user)s has an MFA device.") % {"user": user}
    elif require_mfa:
        mfa_words = _("No MFA device yet. Until %(user)s signs in with MFA, the group's require-MFA policy lets them "
                      "change their password and set up MFA, and nothing else.") % {"user": user}
    else:
        mfa_words = _("No MFA device yet, and nothing makes %(user)s set one up: this user's permissions do not "
                      "require MFA. Ask them to assign one at their first sign-in.") % {"user": user}
    return {
        "items": [
            {"key": "first-sign-in", "label": _("First sign-in"), "done": signed_in, "words": sign_in_words},
            {"key": "mfa", "label": _("MFA"), "done": mfa, "words": mfa_words},
        ],
        "all_done": signed_in and mfa,
        "require_mfa": require_mfa,
    }


def words_at_done(ctx, handover) -> dict:
    """Done's title and teaching text for a user made for someone else (Step.words_now); {} for yourself."""
    if handover is None:
        return {}
    user = ctx.user_name
    root = _("Give the root user MFA too: the same steps, from the root user's Security credentials page. Keep the root "
             "user for the few tasks only it can do, such as changing the account's e-mail or closing it.")
    if handover["all_done"]:
        return {
            "title": _("Done: %(user)s signed in and set up MFA") % {"user": user},
            "why": (_("Everything below came from AWS, not from the wizard's memory. AWS shows that %(user)s signed in, "
                      "chose their own password and has an MFA device: the hand-over is complete.") % {"user": user}, root),
        }
    why = [_("Everything below came from AWS, not from the wizard's memory. %(user)s's first sign-in and MFA are theirs "
             "to do, with their own phone: the list below shows what AWS shows of them now. Press Read AWS again "
             "whenever they say they are done.") % {"user": user}]
    if ctx.is_sandbox():
        why.append(_("This sandbox account is a practice one that nobody else can sign in to: Sign in as the colleague "
                     "lets you play %(user)s's part, with the same practice console sign-in and MFA steps.") % {"user": user})
    return {"title": _("Done for now: waiting for %(user)s to sign in") % {"user": user}, "why": (*why, root)}
