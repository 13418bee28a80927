"""The words for every kind of problem, in the active language: the edge where data becomes text.

The pure cores (`iamwizard/core/`) answer with a kind plus parameters: a password rule
(`password.too_short`, min=14), an IAM name rule, an MFA diagnosis (`mfa.clock_off`, 4 minutes
ahead), an AWS error (`aws.access_denied`, the permission to allow). This module alone turns them
into sentences, through Django's gettext, so a learner reads them in Spanish or Japanese and
no code ever decides anything on the English. `message()` is for the person who typed,
`label()` and `kind_label()` for a trainer's dashboard, `aws_message()` for an AWS error.

The cores call these through `iamwizard.core.problems.use_words()`, registered when the app
starts (apps.py), so `problem.text` and `aws_problem.message` speak the active language.
"""
from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext_lazy

from iamwizard.core.errors import AwsProblem
from iamwizard.core.problems import Problem

# --- the person's own words ----------------------------------------------------------------------

NOUNS = {"user_name": pgettext_lazy("IAM name", "user name"), "group_name": pgettext_lazy("IAM name", "group name"),
         "device_name": pgettext_lazy("IAM name", "device name")}


def _enter_name(what: str) -> str:
    return {"user_name": _("Enter a user name."), "group_name": _("Enter a group name."),
            "device_name": _("Enter a device name.")}.get(what, _("Enter a name."))


def _code_label(number: int) -> str:
    """0: the one code of a sign-in; 1 and 2: the enrolment's two codes."""
    return {1: _("MFA code 1"), 2: _("MFA code 2")}.get(number, _("MFA code"))


def iam_name_chars() -> str:
    return _("Use only letters, digits and + = , . @ _ - (no spaces).")


def _symbols() -> str:
    from iamwizard.core.passwords import SYMBOLS  # the password rules own their symbol set

    return " ".join(SYMBOLS)


def minutes_phrase(minutes: int) -> str:
    """"about 4 minutes", "about 240 minutes (4 hours)"."""
    if minutes >= 120:
        hours = round(minutes / 60)
        return ngettext("about %(minutes)s minute (%(hours)s hours)", "about %(minutes)s minutes (%(hours)s hours)",
                        minutes) % {"minutes": minutes, "hours": hours}
    return ngettext("about %(minutes)s minute", "about %(minutes)s minutes", minutes) % {"minutes": minutes}


def _clock_off(p: dict, t: dict) -> str:
    minutes, direction = p["minutes"], p["direction"]
    about = minutes_phrase(minutes)
    if direction == "behind":
        text = _("The codes are right, but your phone's clock is %(about)s behind. Turn on automatic date & time "
                 "in the phone's settings, then type two new codes.") % {"about": about}
    else:
        text = _("The codes are right, but your phone's clock is %(about)s ahead. Turn on automatic date & time "
                 "in the phone's settings, then type two new codes.") % {"about": about}
    if direction == "behind" and minutes <= 5:
        text += " " + _("(If you typed these codes a while ago, just type two new ones and submit them at once.)")
    if minutes >= 55 and min(minutes % 60, 60 - minutes % 60) <= 5:
        text += " " + _("A difference of whole hours often means the phone's time zone is wrong.")
    return text


def _mfa_invalid(p: dict, t: dict) -> str:
    wrong = p.get("wrong")
    if wrong in (1, 2):
        right = 2 if wrong == 1 else 1
        return _("MFA code %(wrong)s doesn't match (code %(right)s does). Check for a typo, then type two new codes "
                 "in a row.") % {"wrong": wrong, "right": right}
    if t.get("device_name"):
        return _("These codes don't belong to this MFA device. In your app, read the codes from the entry named "
                 "\"%(device)s\" (not another account), and check for typos. If no such entry exists, scan the QR code "
                 "again.") % {"device": t["device_name"]}
    return _("These codes don't belong to this MFA device. In your app, read the codes from the entry you just added "
             "(not another account), and check for typos. If no such entry exists, scan the QR code again.")


def _sign_in_invalid(p: dict, t: dict) -> str:
    if t.get("device_name"):
        return _("That code doesn't match the user's MFA device. Read the code from the entry named \"%(device)s\" in your "
                 "app (not another account), and check for typos.") % {"device": t["device_name"]}
    return _("That code doesn't match the user's MFA device. Read the code from this user's entry in your app "
             "(not another account), and check for typos.")


def _name_bad_chars(p: dict, t: dict) -> str:
    shown = t.get("chars", "")
    if shown:
        return _("%(rule)s Not allowed: %(chars)s") % {"rule": iam_name_chars(), "chars": shown}
    return iam_name_chars()


def _too_short(p, t):
    return ngettext("At least %(min)s character.", "At least %(min)s characters.", p["min"]) % p


def _too_long(p, t):
    return ngettext("At most %(max)s character.", "At most %(max)s characters.", p["max"]) % p


def _name_too_long(p, t):
    return ngettext("At most %(max)s character (this has %(length)s).", "At most %(max)s characters (this has %(length)s).",
                    p["max"]) % p


def _code_length(p, t):
    return _("%(code)s must have 6 digits (this has %(digits)s). Type the number the app shows.") % {
        "code": _code_label(p["code"]), "digits": p["digits"]}


def _tag_label(t: dict) -> str:
    key = t.get("key", "")
    if key:
        return _('Tag "%(key)s"') % {"key": key}
    return _("Tag %(number)s") % {"number": t.get("number", "")}


def _tag_chars(p: dict, t: dict) -> str:
    words = {
        "key": _("%(tag)s: the key may use only letters, digits, spaces and _ . : / = + - @ (not %(chars)s)."),
        "value": _("%(tag)s: the value may use only letters, digits, spaces and _ . : / = + - @ (not %(chars)s)."),
    }
    chars = ", ".join({"tab": _("tab"), "line break": _("line break")}.get(c, c) for c in t.get("chars", []))
    return words[p.get("part", "key")] % {"tag": _tag_label(t), "chars": chars}


# kind -> a function (params, typed) giving the words, or a gettext_lazy string formatted with
# %(name)s from the parameters and the typed parts.
MESSAGES = {
    "password.empty": gettext_lazy("Enter a password."),
    "password.too_short": _too_short,
    "password.too_long": _too_long,
    "password.three_of_four": gettext_lazy("Use at least three of: upper case, lower case, digits, symbols."),
    "password.no_upper": gettext_lazy("Include an upper-case letter (A–Z)."),
    "password.no_lower": gettext_lazy("Include a lower-case letter (a–z)."),
    "password.no_digit": gettext_lazy("Include a digit (0–9)."),
    "password.no_symbol": lambda p, t: _("Include a symbol: %(symbols)s") % {"symbols": _symbols()},
    "password.is_name": gettext_lazy("Must not be the user name or the AWS account name."),
    "password.bad_chars": gettext_lazy("Remove %(chars)s: use only letters, digits, spaces and keyboard symbols."),
    "password.not_typed": gettext_lazy("Type the password, or choose Autogenerated password."),
    "password.retyped_differently": gettext_lazy("The two new passwords are different: type the same one twice."),
    "password.same_as_old": gettext_lazy("Choose a password different from the old one."),
    "name.empty": lambda p, t: _enter_name(p["name"]),
    "name.bad_chars": _name_bad_chars,
    "name.too_long": _name_too_long,
    "user_name.taken": gettext_lazy("The account already has a user named “%(existing)s”; names are unique ignoring case."),
    "user_name.lacks_prefix": gettext_lazy("In this workshop, user names must start with “%(prefix)s” (for example %(example)s)."),
    "mfa.code_empty": lambda p, t: _("Enter %(code)s: the 6-digit number your authenticator app shows.") % {"code": _code_label(p["code"])},
    "mfa.secret_pasted": gettext_lazy("That looks like the secret key, not a code: type the 6-digit number the app shows."),
    "mfa.code_length": _code_length,
    "mfa.code_not_digits": lambda p, t: _("%(code)s must be 6 digits, with no letters or symbols. Type the number the app shows.") % {"code": _code_label(p["code"])},
    "mfa.code_foreign_digits": lambda p, t: _("Type %(code)s with the digits 0 to 9: AWS reads no other digits.") % {"code": _code_label(p["code"])},
    "mfa.same_code_twice": gettext_lazy("You typed the same code twice. Wait for the app to show the next code, then type it in MFA code 2."),
    "mfa.reversed": gettext_lazy("The codes are in the wrong order. Type the code the app shows first in MFA code 1, then the next one in MFA code 2."),
    "mfa.not_consecutive": gettext_lazy("Enter two codes in a row: after typing the first, wait for the next one and type it at once."),
    "mfa.clock_off": _clock_off,
    "mfa.invalid": _mfa_invalid,
    "mfa.ok": gettext_lazy("The codes match."),
    "mfa.code_reused": gettext_lazy("That code was already used: AWS accepts each code only once. Wait for the app to show a new code (up to 30 seconds), then type it."),
    "mfa.sign_in_invalid": _sign_in_invalid,
    "mfa.sign_in_restart": gettext_lazy("The sign-in waited too long for the code. Sign in again with the password, then type the code the app shows."),
    "mfa.not_asked": gettext_lazy("The sign-in did not ask for an MFA code: AWS shows no MFA device for this user. Go back to the MFA step."),
    # Tag rules (core.names.tag_problems); the key and the characters travel in `typed`.
    "tag.too_many": lambda p, t: ngettext("At most %(max)s tags (this has %(count)s). Remove some.",
                                          "At most %(max)s tags (this has %(count)s). Remove some.", p["count"]) % p,
    "tag.no_key": lambda p, t: _("%(tag)s: enter a key.") % {"tag": _tag_label(t)},
    "tag.key_too_long": lambda p, t: _("%(tag)s: the key can have at most %(max)s characters (this has %(length)s).") % {"tag": _tag_label(t), **p},
    "tag.value_too_long": lambda p, t: _("%(tag)s: the value can have at most %(max)s characters (this has %(length)s).") % {"tag": _tag_label(t), **p},
    "tag.bad_chars": _tag_chars,
    "tag.reserved": lambda p, t: _('%(tag)s: keys starting with "aws:" are reserved for AWS. Choose another key.') % {"tag": _tag_label(t)},
    "tag.duplicate": lambda p, t: _('Tags "%(first)s" and "%(key)s" have the same key (upper and lower case count as the same). '
                                    'Keep only one.') % t,
}


def message(problem: Problem) -> str:
    """The words for the person who typed; unknown kinds get a generic sentence, never a crash."""
    template = MESSAGES.get(problem.kind)
    if template is None:
        return _("Check this answer.")
    if not isinstance(template, Promise):
        return template(problem.params, problem.typed)
    text = str(template)
    return text % {**problem.params, **problem.typed} if "%(" in text else text


# --- a trainer's words ---------------------------------------------------------------------------

KIND_LABELS = {
    "password.empty": gettext_lazy("Password left empty"),
    "password.too_short": gettext_lazy("Password too short"),
    "password.too_long": gettext_lazy("Password too long"),
    "password.three_of_four": gettext_lazy("Password lacks 3 of the 4 character types"),
    "password.no_upper": gettext_lazy("Password lacks an upper-case letter"),
    "password.no_lower": gettext_lazy("Password lacks a lower-case letter"),
    "password.no_digit": gettext_lazy("Password lacks a digit"),
    "password.no_symbol": gettext_lazy("Password lacks a symbol"),
    "password.is_name": gettext_lazy("Password is the user or account name"),
    "password.bad_chars": gettext_lazy("Password has characters AWS refuses"),
    "password.not_typed": gettext_lazy("Chose a custom password but typed none"),
    "password.retyped_differently": gettext_lazy("New password retyped differently"),
    "password.same_as_old": gettext_lazy("New password same as the old one"),
    "name.empty": gettext_lazy("Name left empty"),
    "name.bad_chars": gettext_lazy("Name has characters AWS refuses"),
    "name.too_long": gettext_lazy("Name too long"),
    "user_name.taken": gettext_lazy("User name already taken"),
    "user_name.lacks_prefix": gettext_lazy("User name lacks the workshop prefix"),
    "mfa.code_empty": gettext_lazy("MFA code left empty"),
    "mfa.secret_pasted": gettext_lazy("Pasted the secret key instead of a code"),
    "mfa.code_length": gettext_lazy("MFA code without 6 digits"),
    "mfa.code_not_digits": gettext_lazy("MFA code with letters or symbols"),
    "mfa.code_foreign_digits": gettext_lazy("MFA code in other digits than 0-9"),
    "mfa.same_code_twice": gettext_lazy("Same MFA code typed twice"),
    "mfa.reversed": gettext_lazy("MFA codes in the wrong order"),
    "mfa.not_consecutive": gettext_lazy("MFA codes not in a row"),
    "mfa.clock_off": gettext_lazy("Phone clock off"),
    "mfa.invalid": gettext_lazy("MFA codes from another app entry, or mistyped"),
    "mfa.code_reused": gettext_lazy("MFA code used twice in its 30 seconds"),
    "mfa.sign_in_invalid": gettext_lazy("MFA code at sign-in from another app entry, or mistyped"),
    "mfa.sign_in_restart": gettext_lazy("MFA sign-in timed out: password again"),
    "mfa.not_asked": gettext_lazy("Sign-in did not ask for MFA"),
    "mfa.locked": gettext_lazy("MFA code sent too soon after a wrong one: made to wait"),
    "mfa.refused_by_aws": gettext_lazy("AWS refused the MFA codes"),
    "mfa.device_name_taken": gettext_lazy("MFA device name taken"),
    "mfa.device_gone": gettext_lazy("MFA device to be created again"),
    "password.gone": gettext_lazy("Password to be chosen again"),
    "group_name.taken": gettext_lazy("Group name taken meanwhile"),
    "policy_name.taken": gettext_lazy("Require-MFA policy name taken"),
    "delete.incomplete": gettext_lazy("Deleting the user did not finish"),
    "step.input": gettext_lazy("Answer refused"),
    "signin.rejected": gettext_lazy("Practice sign-in refused (wrong password, user or account)"),
    "signin.other_user": gettext_lazy("Signed in as another user"),
    "signin.other_account": gettext_lazy("Signed in to another account"),
    "signin.password_refused": gettext_lazy("New password refused by AWS"),
    "permissions.no_group": gettext_lazy("No group named"),
    "permissions.no_policy": gettext_lazy("No policy chosen"),
    "permissions.unknown_policy": gettext_lazy("Chose a policy the account lacks"),
    "permissions.too_many_policies": gettext_lazy("More than 10 policies"),
    "permissions.unknown_boundary": gettext_lazy("Permissions boundary not found"),
    "permissions.unknown_user": gettext_lazy("Copy from a user who does not exist"),
    "tags.invalid": gettext_lazy("Tags AWS would refuse"),
    "confirm.mismatch": gettext_lazy("Confirmation typed wrongly"),
    "aws.error": gettext_lazy("AWS refused a call"),
    "aws.unreachable": gettext_lazy("Could not reach AWS"),
    "step.not_confirmed": gettext_lazy("AWS did not confirm the step yet"),
    "limit.run_posts": gettext_lazy("Submitted too often: made to wait"),
    "form.required": gettext_lazy("Left a required answer empty"),
}


def kind_label(kind: str) -> str:
    """A whole kind in a trainer's words: "Phone clock off"."""
    if kind in KIND_LABELS:
        return str(KIND_LABELS[kind])
    return _("Form refused") if kind.startswith("form.") else kind


def clock_off_label(minutes: int, direction: str) -> str:
    """"Phone clock off by 4 minutes (ahead)", "Phone clock off by 240 minutes (4 hours) (behind)"."""
    values = {"minutes": minutes, "hours": round(minutes / 60)}
    if minutes >= 120:
        amount = ngettext("%(minutes)s minute (%(hours)s hours)", "%(minutes)s minutes (%(hours)s hours)", minutes) % values
    else:
        amount = ngettext("%(minutes)s minute", "%(minutes)s minutes", minutes) % values
    if direction == "ahead":
        return _("Phone clock off by %(amount)s (ahead)") % {"amount": amount}
    if direction == "behind":
        return _("Phone clock off by %(amount)s (behind)") % {"amount": amount}
    return _("Phone clock off by %(amount)s") % {"amount": amount}


def _name_label(kind: str, name: str) -> str:
    return {
        ("name.empty", "user_name"): _("User name left empty"),
        ("name.empty", "group_name"): _("Group name left empty"),
        ("name.empty", "device_name"): _("Device name left empty"),
        ("name.bad_chars", "user_name"): _("User name has characters AWS refuses"),
        ("name.bad_chars", "group_name"): _("Group name has characters AWS refuses"),
        ("name.bad_chars", "device_name"): _("Device name has characters AWS refuses"),
        ("name.too_long", "user_name"): _("User name too long"),
        ("name.too_long", "group_name"): _("Group name too long"),
        ("name.too_long", "device_name"): _("Device name too long"),
    }[kind, name]


def label(kind: str, params: dict, field: str = "") -> str:
    """One recorded problem in a trainer's words, with its parameters: "Phone clock off by 4 minutes (ahead)"."""
    p = params or {}
    if kind == "password.too_short" and "min" in p:
        return _("Password too short (the policy asks for %(min)s)") % {"min": p["min"]}
    if kind == "mfa.clock_off" and "minutes" in p:
        return clock_off_label(p["minutes"], p.get("direction", ""))
    if kind == "mfa.locked" and "seconds" in p:
        return _("%(label)s %(seconds)s s") % {"label": kind_label(kind), "seconds": p["seconds"]}
    if kind in ("name.empty", "name.bad_chars", "name.too_long") and p.get("name") in NOUNS:
        return _name_label(kind, p["name"])
    if kind == "user_name.lacks_prefix" and "prefix" in p:
        return _("User name lacks the prefix %(prefix)s") % {"prefix": p["prefix"]}
    if kind in ("aws.error", "aws.unreachable") and p.get("code"):
        return _("%(label)s: %(code)s") % {"label": kind_label(kind), "code": p["code"]}
    if kind.startswith("form.") and field:
        return _("%(label)s: %(field)s") % {"label": kind_label(kind), "field": field.replace("_", " ")}
    return kind_label(kind)


# --- AWS errors (core.errors.explain: a kind and parameters) -------------------------------------

_CREDENTIALS = gettext_lazy("AWS doesn't accept these credentials. Check that the access key ID and secret access key "
                            "were copied completely, and that the key is still active.")
_THROTTLED = gettext_lazy("AWS is receiving too many requests right now. Wait a few seconds and try again.")
_AWS_FAILURE = gettext_lazy("AWS had a temporary problem. Try again in a moment.")
_EXPIRED = gettext_lazy("These temporary credentials have expired. Get new ones and sign in again.")
_REFUSED_VALUE = gettext_lazy("AWS refused a value: %(aws_message)s")

AWS_MESSAGES = {
    "aws.EntityAlreadyExists": gettext_lazy("That name is already taken in this account (upper and lower case count as the same). Choose another name."),
    "aws.NoSuchEntity": gettext_lazy("AWS can't find it: it may have been deleted meanwhile, or the name is misspelled. Refresh the page and try again."),
    "aws.InvalidAuthenticationCode": gettext_lazy("AWS didn't accept the MFA codes. In your app, use the entry for this device, type two codes in a row and submit them at once. If your phone's clock is wrong, turn on automatic date & time."),
    "aws.LimitExceeded": gettext_lazy("An AWS limit was reached (for example, a user can have at most 8 MFA devices). Remove something you no longer need, then try again."),
    "aws.DeleteConflict": gettext_lazy("It can't be deleted while things are still attached to it (such as a password, access keys, MFA devices, policies or group memberships). Remove those first."),
    "aws.throttled": _THROTTLED,
    "aws.failure": _AWS_FAILURE,
    "aws.ConcurrentModification": gettext_lazy("Something else changed this at the same moment. Try again."),
    "aws.EntityTemporarilyUnmodifiable": gettext_lazy("AWS is still finishing a previous change. Try again in a few seconds."),
    "aws.credentials": _CREDENTIALS,
    "aws.SignatureDoesNotMatch": gettext_lazy("The secret access key doesn't match the access key ID. Copy the secret access key again, without spaces."),
    "aws.expired_token": _EXPIRED,
    "aws.UnmodifiableEntity": gettext_lazy("AWS manages this itself, so it can't be changed here."),
    "aws.EndpointUnreachable": gettext_lazy("Can't reach AWS. Check your internet connection (or proxy and firewall), then try again."),
    "aws.Timeout": gettext_lazy("AWS took too long to answer. Try again in a moment."),
    "aws.NoCredentials": gettext_lazy("No AWS credentials were found. Enter an access key ID and secret access key first."),
    "aws.PasswordPolicyViolation": gettext_lazy("The password doesn't meet the account's password rules: %(aws_message)s"),
    "aws.ValidationError": _REFUSED_VALUE,
    "aws.InvalidInput": _REFUSED_VALUE,
    "aws.MalformedPolicyDocument": gettext_lazy("The policy document isn't valid: %(aws_message)s"),
    "aws.EntityAlreadyExists.CreateLoginProfile": gettext_lazy("This user already has a console password. Reset it instead of creating a new one."),
    "aws.EntityAlreadyExists.EnableMFADevice": gettext_lazy("This MFA device is already assigned. Create a new device for this user instead."),
    "aws.EntityAlreadyExists.AddUserToGroup": gettext_lazy("The user is already in this group."),
    "aws.NoSuchEntity.GetLoginProfile": gettext_lazy("This user has no console password."),
    "aws.NoSuchEntity.GetAccountPasswordPolicy": gettext_lazy("The account has no password policy, so AWS's default rules apply."),
    "aws.access_denied": lambda p: (
        _("These credentials aren't allowed to do this. Allow the permission %(permission)s and remove the policy that "
          "explicitly denies it (ask your administrator if that's not you), then try again.") if p.get("explicit_deny") else
        _("These credentials aren't allowed to do this. Allow the permission %(permission)s (ask your administrator if "
          "that's not you), then try again.")) % p,
    "aws.timeout_at": lambda p: (
        ngettext("AWS (%(endpoint)s) didn't answer in time: this page waits for it at most %(seconds)s second. Trying again is safe: nothing is made twice.",
                 "AWS (%(endpoint)s) didn't answer in time: this page waits for it at most %(seconds)s seconds. Trying again is safe: nothing is made twice.",
                 p["seconds"]) if p.get("seconds") else
        _("AWS (%(endpoint)s) didn't answer in time. Trying again is safe: nothing is made twice.")) % p,
    "aws.unreachable_at": lambda p: _("Can't reach AWS at %(endpoint)s. Check your internet connection (or proxy and firewall). "
                                      "Trying again is safe: nothing is made twice.") % p,
    "aws.unknown": lambda p: (_("Something went wrong while talking to AWS: %(aws_message)s") % p if p.get("aws_message")
                              else _("Something went wrong while talking to AWS.")),
    "aws.refused": lambda p: (_("AWS refused this (%(code)s): %(aws_message)s") % p if p.get("aws_message")
                              else _("AWS refused this (%(code)s).") % p),
}


def aws_message(problem) -> str:
    """A core.errors.AwsProblem in words: what happened and what to do. AWS's own message, quoted in
    some, stays as AWS wrote it (English)."""
    template = AWS_MESSAGES.get(problem.kind)
    if template is None:
        return _("AWS refused this (%(code)s).") % {"code": problem.code}
    if not isinstance(template, Promise):
        return template(problem.params)
    text = str(template)
    return text % problem.params if "%(" in text else text


# --- a step's failure, stored as a kind plus parameters (StepState.error_words) --------------------

# StepNotConfirmed's kinds: AWS's read-back did not show what the step should have made.
NOT_CONFIRMED = {
    "root_user.no_mfa": gettext_lazy("AWS reports AccountMFAEnabled = 0: the root user has no MFA yet. Follow the steps above, then check again."),
    "root_user.access_keys": gettext_lazy("AWS reports AccountAccessKeysPresent = 1: the root user still has access keys. Delete them (steps above), then check again."),
    "mfa_sign_in.no_device": gettext_lazy("AWS shows no MFA device for %(user)s: go back to the MFA step."),
    "mfa_sign_in.no_sign_in": gettext_lazy("AWS shows no sign-in by %(user)s since the MFA device was added. Sign in at %(url)s with the password and a code, then check again."),
    "sign_in.no_password": gettext_lazy("AWS has no console password for %(user)s any more."),
    "sign_in.no_sign_in": gettext_lazy("AWS shows no sign-in by %(user)s yet. Sign in at %(url)s, then check again."),
    # NotYetVisible's: what AWS's read-back does not show yet.
    "mfa.device_not_listed": gettext_lazy("AWS does not list the device for this user yet."),
    "review.boundary_not_shown": gettext_lazy("AWS does not show the permissions boundary %(policy)s on %(user)s yet."),
    "review.not_in_groups": gettext_lazy("AWS does not list %(user)s in %(groups)s yet."),
    "review.policies_not_attached": gettext_lazy("AWS does not show %(policies)s attached yet."),
    "review.user_not_shown": gettext_lazy("AWS does not show the user %(user)s (or its password) yet: %(aws_message)s"),
    "review.mfa_document_not_held": gettext_lazy("AWS does not hold the require-MFA document in %(policy)s yet."),
    "sign_in.new_password_not_shown": gettext_lazy("%(user)s signed in but AWS does not show a new password chosen yet."),
}


def not_confirmed(kind: str, params: dict) -> str:
    text = str(NOT_CONFIRMED[kind])
    return text % params if "%(" in text else text


def not_yet_visible(message: str, waited) -> str:
    """A read-back that still did not show what the step made, after reading again for `waited` seconds."""
    return " ".join((
        message,
        _("IAM is eventually consistent: a change can take a few seconds to show in AWS's answers, "
          "and the wizard kept reading for %(seconds)s seconds.") % {"seconds": waited},
        _("What was made stays made, and nothing will be made twice: submit again in a few seconds."),
    ))


def unsettled(operation: str, code: str, attempts: int, seconds) -> str:
    """A NoSuchEntity that stayed the answer about something the run had just made: what happened and what to do."""
    asked = ngettext("The wizard asked %(count)d time over %(seconds)s seconds.",
                     "The wizard asked %(count)d times over %(seconds)s seconds.", attempts) % {"count": attempts, "seconds": seconds}
    return " ".join((
        _("AWS does not show yet what the wizard made a moment ago (%(operation)s answered %(code)s).") % {"operation": operation, "code": code},
        _("IAM is eventually consistent: a change can take a few seconds to reach every part of AWS."),
        asked,
        _("Nothing was lost and nothing will be made twice: submit again in a few seconds."),
    ))


def vanished(params: dict) -> str:
    """What the run had made is gone from AWS (engine._reopen_from)."""
    text = _("The user %(user)s no longer exists in AWS (was the account or the sandbox reset?). Create it again from here.") % {"user": params["user"]}
    if params.get("choose_password"):
        text += " " + _("Choose the password again first.")
    return text


def problem_to_keep(problem) -> dict:
    """An AWS problem's code, kind and parameters, to store and word again later in each reader's
    language (problem_in_words): a step's failure, a cleanup report's line."""
    return {"code": problem.code, "kind": problem.kind, "params": problem.params}


def problem_in_words(kept: dict) -> str:
    """An AWS problem stored by problem_to_keep, in the active language."""
    return aws_message(AwsProblem(kept["code"], kept["kind"], kept.get("params") or {}, "", False))


def failure_message(stored: dict) -> str:
    """A step's stored failure (StepState.error_words) in the active language; "" when there is
    none or its kind is unknown (the caller then shows the words stored with it, error_message)."""
    kind, params = (stored or {}).get("kind"), (stored or {}).get("params") or {}
    try:
        if kind == "aws":
            return problem_in_words(params)
        if kind == "aws.unsettled":
            return unsettled(params["operation"], params["code"], params["attempts"], params["seconds"])
        if kind == "not_confirmed":
            return not_confirmed(params["kind"], params.get("params") or {})
        if kind == "not_yet_visible":
            return not_yet_visible(not_confirmed(params["kind"], params.get("params") or {}), params["waited"])
        if kind == "vanished":
            return vanished(params)
    except (KeyError, TypeError, ValueError):
        pass  # a row written by another version: its stored words stand
    return ""


def failure_text(stored: dict, fallback: str) -> str:
    """What a reader sees of a step's failure: its kind worded now, else the words stored with it."""
    return failure_message(stored) or fallback
