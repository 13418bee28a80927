"""What the workshops app plugs into the wizard."""
from iamwizard.core.problems import Problem


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
        return Problem("user_name.lacks_prefix", {"prefix": prefix}, typed={"example": f"{prefix}{name[:20] or 'alice'}"})
    return None
