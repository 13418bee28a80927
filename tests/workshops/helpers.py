"""Helpers for workshop tests: trainers (verified or not), workshops, participants joining like browsers."""
from datetime import timedelta

from django.test import Client
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from iamwizard.workshops import services
from iamwizard.workshops.models import Participant
from tests.wizard.walk import Walker

PASSWORD = "correct horse battery staple 42"


def make_trainer(django_user_model, username="trina", **extra):
    user = django_user_model.objects.create_user(username=username, password=PASSWORD, **extra)
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    return user, device


def verify_session(client, user, device):
    """What django_otp.login does for a request: the session remembers the verified device."""
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def make_workshop(owner, **fields):
    now = timezone.now()
    data = {"title": "IAM basics", "target": "sandbox", "role_arn": "", "user_prefix": "ws-",
            "opens_at": now - timedelta(minutes=5), "closes_at": now + timedelta(hours=3)}
    data.update(fields)
    return services.create_workshop(owner, data)


def join(client, workshop, name="Alice", code=None):
    """Join as a participant through the join page, in `client`'s browser; returns the run id
    (a public reference: the browser is bound to the run through its session)."""
    response = client.post("/join/", {"code": code or workshop.join_code_display.lower(), "display_name": name})
    assert response.status_code == 302 and response["Location"] == "/join/welcome/", response.content.decode()[:2000]
    return client.session["workshops_welcomed_run"]


class ParticipantWalker(Walker):
    """The wizard walker, starting by joining a workshop instead of the front page."""

    def __init__(self, workshop, name):
        super().__init__(Client())
        self.workshop, self.name = workshop, name

    def start(self):
        self.join(self.workshop.join_code_display.lower(), self.name)

    def to_created(self, user_name, group="Readers", policies=("arn:aws:iam::aws:policy/ReadOnlyAccess",), require_mfa=False, **more):
        """Join and walk to a created IAM user (console password, group membership)."""
        return super().to_created(user_name, group, policies, require_mfa, **more)

    @property
    def participant(self):
        return Participant.objects.get(run_id=self.run_id)
