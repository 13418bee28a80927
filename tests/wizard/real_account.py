"""A real account in the wizard's tests (IAMWIZARD_TARGET=aws, the `real_account` fixture of
tests/wizard/conftest.py: boto3's standard configuration pointed with AWS_ENDPOINT_URL at the
sandbox server process, as an operator would), and the sandbox's practice console, where the new
user signs in as they would on the real one."""
import json
import time
import urllib.parse
import urllib.request

import boto3
import pyotp

ACCOUNT = "123456789012"  # the sandbox's default account, the "real" one


def console(endpoint, **fields):
    """The sandbox's practice console, as the new user's browser would use the real one."""
    return json.load(urllib.request.urlopen(f"{endpoint}/_sandbox/console-signin", data=urllib.parse.urlencode(fields).encode()))


def as_user(endpoint, session):
    """An IAM client with the credentials of a console session."""
    return boto3.client("iam", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id=session["AccessKeyId"],
                        aws_secret_access_key=session["SecretAccessKey"], aws_session_token=session["SessionToken"])


def change_password_at_console(endpoint, user_name, old, new):
    """The new user's first sign-in: the one-time password, then a password of their own."""
    session = console(endpoint, account=ACCOUNT, user_name=user_name, password=old)
    as_user(endpoint, session).change_password(OldPassword=old, NewPassword=new)


def sign_in_with_mfa_at_console(endpoint, user_name, password, seed) -> dict:
    """A sign-in with the password, then a code from the user's MFA device; the session."""
    answer = console(endpoint, account=ACCOUNT, user_name=user_name, password=password)
    assert answer["MFARequired"] is True
    return console(endpoint, challenge=answer["Challenge"], mfa_code=pyotp.TOTP(seed).at(time.time() + 30))
