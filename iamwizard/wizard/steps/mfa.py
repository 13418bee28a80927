"""Step 5, assign MFA device: an authenticator app as the user's second factor."""
from django import forms

from iamwizard.aws.gateway import AwsError
from iamwizard.core.names import mfa_device_name_problem
from iamwizard.core.totp import diagnose_codes, group_secret, otpauth_uri, qr_svg

from .. import vault
from .base import PlannedCall, Step, StepInputError, StepNotConfirmed
from .forms import StepForm


class DeviceNameForm(StepForm):
    device_name = forms.CharField(
        label="Device name", max_length=300,
        help_text="Shown in AWS and in your app, so you can tell devices apart later. Letters, digits and + = , . @ _ -.",
    )

    def clean_device_name(self):
        name = self.cleaned_data["device_name"].strip()
        problem = mfa_device_name_problem(name)
        if problem:
            raise forms.ValidationError(problem)
        return name


class CodesForm(StepForm):
    code1 = forms.CharField(label="MFA code 1", max_length=100, widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}))
    code2 = forms.CharField(label="MFA code 2", max_length=100, widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}))


class Mfa(Step):
    slug = "mfa"
    title = "Assign MFA device"
    nav_title = "MFA"
    template = "wizard/steps/mfa.html"
    irreversible = True
    why = (
        "A password can leak: phished, reused elsewhere, read over a shoulder. Multi-factor "
        "authentication adds something the person has: a phone app that shows a new six-digit code "
        "every 30 seconds. A stolen password alone then opens nothing.",
        "The app and AWS share a secret key (inside the QR code). Both compute the code from that key and "
        "the current time, which is why the phone's clock must be right.",
        "AWS asks for two codes in a row to be sure the app is set up correctly before it starts asking "
        "for them at every sign-in.",
    )

    def forms(self, ctx):
        if ctx.result(self.slug).get("serial") and vault.unseal(ctx.run.mfa_seed_box):
            return {"enable": CodesForm, "create_device": DeviceNameForm}
        return {"create_device": DeviceNameForm}

    def initial(self, ctx, action):
        return {"device_name": ctx.result(self.slug).get("device_name") or ctx.user_name}

    def completes(self, action):
        return action == "enable"

    def planned_calls(self, ctx):
        user = ctx.user_name
        name = ctx.result(self.slug).get("device_name") or user
        serial = ctx.result(self.slug).get("serial") or f"arn:aws:iam::{ctx.run.account_id}:mfa/{name}"
        return [
            PlannedCall("iam", "CreateVirtualMFADevice", {"VirtualMFADeviceName": name}, "AWS makes a secret key and the QR code that carries it."),
            PlannedCall("iam", "EnableMFADevice", {"UserName": user, "SerialNumber": serial, "AuthenticationCode1": "<code-1>", "AuthenticationCode2": "<code-2>"}, "Ties the device to the user, once two codes in a row prove the app works."),
            PlannedCall("iam", "ListMFADevices", {"UserName": user}, "Reads back the user's devices to prove it."),
        ]

    def execute(self, ctx, action, data):
        if action == "create_device":
            return self._create_device(ctx, data["device_name"])
        return self._enable(ctx, data["code1"], data["code2"])

    def _create_device(self, ctx, name):
        result = ctx.result(self.slug)
        if result.get("serial") and result.get("device_name") == name and vault.unseal(ctx.run.mfa_seed_box):
            return {}  # same device as before: keep its QR code
        try:
            device = ctx.iam("CreateVirtualMFADevice", VirtualMFADeviceName=name)["VirtualMFADevice"]
        except AwsError as exc:
            if exc.code != "EntityAlreadyExists":
                raise
            device = self._replace_orphan(ctx, name)
        seed = device["Base32StringSeed"]
        seed = seed.decode() if isinstance(seed, bytes) else seed
        ctx.run.mfa_seed_box = vault.seal(seed)
        ctx.run.save(update_fields=["mfa_seed_box", "updated_at"])
        return {"serial": device["SerialNumber"], "device_name": name}

    def _replace_orphan(self, ctx, name):
        """A device of that name exists. If nobody uses it (an abandoned earlier try), remove and recreate it."""
        unassigned = ctx.iam("ListVirtualMFADevices", AssignmentStatus="Unassigned").get("VirtualMFADevices", [])
        orphan = next((d for d in unassigned if d["SerialNumber"].rsplit("/", 1)[-1] == name), None)
        if orphan is None:
            raise StepInputError("device_name", f"A device named {name} is already in use in this account. Choose another name.")
        ctx.iam("DeleteVirtualMFADevice", SerialNumber=orphan["SerialNumber"])
        return ctx.iam("CreateVirtualMFADevice", VirtualMFADeviceName=name)["VirtualMFADevice"]

    def _enable(self, ctx, code1, code2):
        serial = ctx.result(self.slug)["serial"]
        seed = vault.unseal(ctx.run.mfa_seed_box)
        diagnosis = diagnose_codes(seed, code1, code2)
        if not diagnosis.ok:
            raise StepInputError(diagnosis.field, diagnosis.message)
        try:
            ctx.iam("EnableMFADevice", UserName=ctx.user_name, SerialNumber=serial, AuthenticationCode1=diagnosis_code(code1), AuthenticationCode2=diagnosis_code(code2))
        except AwsError as exc:
            if exc.code == "InvalidAuthenticationCode":
                raise StepInputError(None, exc.problem.message) from None
            if exc.code != "EntityAlreadyExists" or not self._enabled(ctx, serial):
                raise
        ctx.run.mfa_seed_box = b""  # the app has the key now; the wizard must not keep it
        ctx.run.save(update_fields=["mfa_seed_box", "updated_at"])
        return {}

    def _enabled(self, ctx, serial) -> bool:
        devices = ctx.iam("ListMFADevices", UserName=ctx.user_name).get("MFADevices", [])
        return any(d["SerialNumber"] == serial for d in devices)

    def verify(self, ctx, result):
        devices = ctx.iam("ListMFADevices", UserName=ctx.user_name).get("MFADevices", [])
        mine = next((d for d in devices if d["SerialNumber"] == result["serial"]), None)
        if mine is None:
            raise StepNotConfirmed("AWS does not list the device for this user yet. Try again in a few seconds.")
        return [("MFA device", mine["SerialNumber"]), ("Enabled", f"{mine['EnableDate']:%Y-%m-%d %H:%M} UTC"), ("Devices for this user", f"{len(devices)} of at most 8")]

    def context(self, ctx):
        result = ctx.result(self.slug)
        seed = vault.unseal(ctx.run.mfa_seed_box) if result.get("serial") else None
        if not seed:
            return {"device_ready": False}
        uri = otpauth_uri(seed, result["device_name"], ctx.account_label)
        return {"device_ready": True, "qr_svg": qr_svg(uri), "secret_groups": group_secret(seed), "device_name": result["device_name"]}


def diagnosis_code(code: str) -> str:
    return "".join(code.split())
