"""The wizard's "require MFA" policy: shaped like AWS's documented example ("IAM: allows IAM users
to self-manage an MFA device", and "deny everything else without MFA"), in the wizard's words.

Without MFA, a user may still do what the first sign-in and the MFA set-up need: change their own
password (leaving iam:ChangePassword out of the Deny's NotAction locks a new user out of their forced
first change), read the account's password policy, create a virtual MFA device, and enable, list
and resync their own. Everything else is denied unless the request was made with MFA.
"""
import json

# What a user may do before signing in with MFA: the Deny's NotAction. sts:GetSessionToken lets
# command-line users get MFA credentials at all.
WITHOUT_MFA = [
    "iam:ChangePassword",
    "iam:GetAccountPasswordPolicy",
    "iam:GetUser",
    "iam:CreateVirtualMFADevice",
    "iam:EnableMFADevice",
    "iam:ListMFADevices",
    "iam:ListVirtualMFADevices",
    "iam:ResyncMFADevice",
    "sts:GetSessionToken",
]


def document() -> dict:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "ReadThePasswordRulesAndListDevices", "Effect": "Allow",
             "Action": ["iam:GetAccountPasswordPolicy", "iam:ListVirtualMFADevices"], "Resource": "*"},
            {"Sid": "CreateOwnVirtualMFADevice", "Effect": "Allow",
             "Action": "iam:CreateVirtualMFADevice", "Resource": "arn:aws:iam::*:mfa/*"},
            {"Sid": "ManageOwnPasswordAndMFA", "Effect": "Allow",
             "Action": ["iam:ChangePassword", "iam:GetUser", "iam:EnableMFADevice", "iam:ListMFADevices", "iam:ResyncMFADevice"],
             "Resource": "arn:aws:iam::*:user/${aws:username}"},
            {"Sid": "DenyEverythingElseWithoutMFA", "Effect": "Deny",
             "NotAction": WITHOUT_MFA, "Resource": "*",
             "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}},
        ],
    }


def document_json() -> str:
    return json.dumps(document(), indent=2)


def policy_name(group_name: str) -> str:
    """The customer managed policy's name for a group (IAM policy names: at most 128 characters)."""
    return f"RequireMFA-{group_name}"[:128]


def same_document(a, b) -> bool:
    """Whether two policy documents (dicts or JSON text) say the same thing."""
    load = lambda d: json.loads(d) if isinstance(d, str) else d  # noqa: E731
    return load(a) == load(b)
