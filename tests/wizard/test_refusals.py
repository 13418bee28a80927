"""Every run, in a workshop or not, leaves what the wizard refused: kind, field, parameters, never the input."""
import json

import pytest

from iamwizard.wizard.models import Refusal
from tests.wizard.walk import Walker

pytestmark = pytest.mark.django_db


def refusals(walker):
    return [(r.step, r.kind, r.field, r.params) for r in Refusal.objects.filter(run_id=walker.run_id)]


def test_refused_submits_are_recorded_by_kind_and_accepted_ones_are_not(client):
    walker = Walker(client)
    walker.start()
    walker.post("connect", {"action": "connect"})
    base = {"action": "save", "console_access": "on", "must_reset": "on", "password_type": "custom"}
    walker.post("user-details", {**base, "user_name": "", "custom_password": "Valid-Passw0rd"}, expect=400)
    walker.post("user-details", {**base, "user_name": "José Ñu", "custom_password": "ab€"}, expect=400)
    assert refusals(walker) == [
        ("user-details", "form.required", "user_name", {}),
        ("user-details", "name.bad_chars", "user_name", {"name": "user_name"}),
        ("user-details", "password.too_short", "custom_password", {"min": 8}),
        ("user-details", "password.three_of_four", "custom_password", {}),
        ("user-details", "password.bad_chars", "custom_password", {}),
    ]
    first, *rest = Refusal.objects.filter(run_id=walker.run_id)
    assert len({r.at for r in rest}) == 1 and first.at < rest[0].at  # one moment per refused submit
    stored = json.dumps(refusals(walker))
    assert not any(typed in stored for typed in ("José", "Ñ", "€", "ab€", "Valid-Passw0rd"))

    walker.post("user-details", {**base, "user_name": "alice", "custom_password": "Valid-Passw0rd"})
    walker.post("permissions", {"action": "save", "mode": "group", "group_name": ""}, expect=400)
    assert refusals(walker)[-1] == ("permissions", "permissions.no_group", "group_name", {})
    assert len(refusals(walker)) == 6
