"""What the workshops app plugs into the wizard."""


def has_prefix(user_name: str, prefix: str) -> bool:
    """The one rule for "this IAM user belongs to the workshop": used by validation and by cleanup alike."""
    return bool(prefix) and user_name.startswith(prefix)


def workshop_prefix_rule(ctx, name: str):
    """User-details rule: in a workshop, the IAM user name must start with the workshop's prefix."""
    from .models import Participant

    if ctx is None or getattr(ctx, "run", None) is None:
        return None
    prefix = Participant.objects.filter(run_id=ctx.run.pk).values_list("workshop__user_prefix", flat=True).first()
    if prefix and not has_prefix(name, prefix):
        return f"In this workshop, user names must start with “{prefix}” (for example {prefix}{name[:20] or 'alice'})."
    return None


def is_open_workshop_run(run) -> bool:
    """A participant's run in a workshop not yet closed: Start takes that browser back to it."""
    from .models import Participant

    return Participant.objects.filter(run_id=run.pk, workshop__closed_at__isnull=True).exists()
