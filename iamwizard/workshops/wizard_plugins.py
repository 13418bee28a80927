"""What the workshops app plugs into the wizard (registered by `apps.WorkshopsConfig.ready`).

- `workshop_prefix_rule`: a user-details rule, the IAM user name must start with the workshop's prefix;
- `participant_room`: a room provider, a participant's pages show their workshop.
"""
from iamwizard.core.problems import Problem


def has_prefix(user_name: str, prefix: str) -> bool:
    """The one rule for "this IAM user belongs to the workshop": used by validation and by cleanup alike."""
    return bool(prefix) and user_name.startswith(prefix)


def workshop_prefix_rule(ctx, name: str):
    """User-details rule: in a workshop, the IAM user name must start with the workshop's prefix.
    The participant and their workshop are those read along with the run (services.participant_of):
    no query of its own."""
    from .services import participant_of

    if ctx is None or getattr(ctx, "run", None) is None:
        return None
    participant = participant_of(ctx.run)
    prefix = participant.workshop.user_prefix if participant is not None else ""
    if prefix and not has_prefix(name, prefix):
        return Problem("user_name.lacks_prefix", {"prefix": prefix}, typed={"example": f"{prefix}{name[:20] or 'alice'}"})
    return None


def participant_room(run):
    """A participant's pages show their workshop: the trainer's message, "I need help", a notice
    after a reset; once the workshop has ended, a page that says so replaces the steps."""
    from django.conf import settings

    from iamwizard.wizard.rooms import Room
    from iamwizard.wizard.steps import BY_SLUG

    from .models import Participant
    from .services import participant_of

    participant = participant_of(run)
    if participant is None:
        return None
    workshop = participant.workshop
    reset_step = BY_SLUG.get(participant.reset_from)

    def notice_seen():
        Participant.objects.filter(pk=participant.pk, reset_from=participant.reset_from).update(reset_from="")

    return Room(
        bar_template="workshops/_room_bar.html", ended=workshop.has_ended(), ended_template="workshops/ended.html",
        data={"participant": participant, "workshop": workshop, "reset_step": reset_step,
              "poll_seconds": settings.WORKSHOP_ROOM_POLL_SECONDS},
        shown=notice_seen if reset_step else None,
    )
