"""The AWS boundary shares one client per service and endpoint; each call signs with its own
target's credentials. A mix-up would act in another participant's account."""
from concurrent.futures import ThreadPoolExecutor

from iamwizard.aws import gateway
from iamwizard.aws.gateway import Gateway, Target, sandbox_console_signin, user_gateway


def test_targets_on_one_client_act_in_their_own_accounts(sandbox_endpoint):
    accounts = [f"3{i:011d}" for i in range(1, 9)]
    gateways = {a: Gateway(Target("sandbox", a, sandbox_endpoint)) for a in accounts}

    def act(account):
        gw = gateways[account]
        gw.iam("CreateUser", UserName=f"user-{account}")
        arn = gw.call("sts", "GetCallerIdentity")["Arn"]
        return arn, [u["UserName"] for u in gw.iam("ListUsers")["Users"]]

    # Threads at once, as a gunicorn worker's threads would be.
    with ThreadPoolExecutor(8) as pool:
        results = dict(zip(accounts, pool.map(act, accounts)))
    for account, (arn, users) in results.items():
        assert arn == f"arn:aws:sts::{account}:assumed-role/iamwizard/iamwizard"
        assert users == [f"user-{account}"]
    assert len({id(gateway.shared_client("iam", sandbox_endpoint)) for _ in range(3)}) == 1


def test_a_signed_in_user_acts_as_that_user(sandbox_endpoint):
    account = "399999999999"
    admin = Gateway(Target("sandbox", account, sandbox_endpoint))
    admin.iam("CreateUser", UserName="dana")
    admin.iam("CreateLoginProfile", UserName="dana", Password="Dana-first-Pass-1!", PasswordResetRequired=False)
    admin.iam("AttachUserPolicy", UserName="dana", PolicyArn="arn:aws:iam::aws:policy/IAMUserChangePassword")
    session = sandbox_console_signin(sandbox_endpoint, account, "dana", "Dana-first-Pass-1!")
    dana = user_gateway(sandbox_endpoint, session)
    assert dana.call("sts", "GetCallerIdentity")["Arn"] == f"arn:aws:iam::{account}:user/dana"
    # The admin's next call, through the same shared client, is the admin's again.
    assert admin.call("sts", "GetCallerIdentity")["Arn"].endswith(":assumed-role/iamwizard/iamwizard")


def test_assumed_role_credentials_refresh_from_their_real_expiration(sandbox_endpoint):
    """No fixed cache time: the role's credentials live until AWS's `Expiration` (botocore's
    refreshable credentials), and are assumed again just before it, between two calls."""
    import datetime

    from botocore.credentials import RefreshableCredentials

    target = Target("sandbox", "377777777777", sandbox_endpoint)
    gw = Gateway(target)
    gw.iam("CreateUser", UserName="before")
    credentials = gateway.session_for(target).credentials
    assert isinstance(credentials, RefreshableCredentials)
    expiry = credentials._expiry_time
    now = datetime.datetime.now(datetime.timezone.utc)
    assert datetime.timedelta(minutes=50) < expiry - now <= datetime.timedelta(hours=1, minutes=1)  # AssumeRole's hour
    first_key = credentials.get_frozen_credentials().access_key

    # Far from the expiry: the same credentials, no AssumeRole.
    assert not credentials.refresh_needed()
    gw.iam("GetUser", UserName="before")
    assert credentials.get_frozen_credentials().access_key == first_key

    # Five minutes before it (inside botocore's mandatory window): the next call assumes the role again.
    credentials._time_fetcher = lambda: expiry - datetime.timedelta(minutes=5)
    assert credentials.refresh_needed()
    assert gw.iam("GetUser", UserName="before")["User"]["UserName"] == "before"
    assert credentials.get_frozen_credentials().access_key != first_key
    assert credentials._expiry_time > expiry - datetime.timedelta(minutes=5)
    assert gw.call("sts", "GetCallerIdentity")["Arn"] == "arn:aws:sts::377777777777:assumed-role/iamwizard/iamwizard"
