"""`manage.py create_trainer USERNAME`: a trainer account; the TOTP app is enrolled at first sign-in.

Interactive: asks for the password twice (empty = generate one). Not interactive, or
with --generate-password: generates one and prints it once. The password never goes
to a log. --reset-mfa on an existing trainer removes their authenticator so they
enrol a new one at next sign-in (lost phone).
"""
import getpass
import secrets
import sys

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice


def generate_password() -> str:
    return secrets.token_urlsafe(15)  # 20 characters, ~120 bits


class Command(BaseCommand):
    help = "Create a trainer account (password now, authenticator app at first sign-in)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--email", default="")
        parser.add_argument("--generate-password", action="store_true", help="generate a password and print it once")
        parser.add_argument("--admin", action="store_true", help="also allow the Django admin (staff and superuser)")
        parser.add_argument("--reset-mfa", action="store_true", help="existing trainer: remove their authenticator so they enrol again")

    def handle(self, username, email, generate_password, admin, reset_mfa, **options):
        User = get_user_model()
        existing = User.objects.filter(username=username).first()
        if reset_mfa:
            if existing is None:
                raise CommandError(f"No trainer named {username}.")
            removed, _ = TOTPDevice.objects.filter(user=existing).delete()
            self.stdout.write(f"Removed {removed} authenticator(s) of {username}: they enrol a new one at next sign-in.")
            return
        if existing is not None:
            raise CommandError(f"A user named {username} already exists.")
        password, generated = self._password(username, generate_password or not sys.stdin.isatty())
        with transaction.atomic():
            user = User(username=username, email=email, is_staff=admin, is_superuser=admin)
            user.set_password(password)
            user.full_clean(exclude=["password"])
            user.save()
        self.stdout.write(self.style.SUCCESS(f"Trainer {username} created."))
        if generated:
            self.stdout.write(f"Password (shown once, store it now): {password}")
        self.stdout.write("At first sign-in (/trainer/login/) they scan a QR code with an authenticator app.")

    def _password(self, username, generate):
        if generate:
            return generate_password(), True
        for _ in range(3):
            first = getpass.getpass("Password (empty: generate one): ")
            if not first:
                return generate_password(), True
            if getpass.getpass("Password again: ") != first:
                self.stderr.write("The passwords differ; try again.")
                continue
            try:
                validate_password(first, get_user_model()(username=username))
            except ValidationError as exc:
                self.stderr.write(" ".join(exc.messages))
                continue
            return first, False
        raise CommandError("No password set.")
