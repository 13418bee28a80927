"""What an app that gathers runs into a room (the workshops app) adds to a run's pages.

The wizard knows nothing of workshops. An app registers a provider in PROVIDERS; for a run of
its own, a provider returns a Room: a bar shown at the top of every step page (the trainer's
message, "I need help", a reset notice), and whether the room has ended, in which case a page
of its own replaces the steps (nothing more may be created that its cleanup would miss), and
Start no longer leads back to it.
"""
from dataclasses import dataclass, field
from typing import Callable

PROVIDERS: list = []
# What a provider reads of a run, as select_related paths from the run (e.g. the workshops app's
# "participant__workshop"): read along with the run itself when a page loads it
# (step_context.states_with_run), so that a provider asked about that run reads nothing more.
RELATED: list = []


@dataclass
class Room:
    bar_template: str  # included at the top of every step page, with `room` in its context
    ended: bool = False
    ended_template: str = ""  # rendered instead of any step once the room has ended
    data: dict = field(default_factory=dict)  # what the templates show
    shown: Callable[[], None] | None = None  # called once a page showed the bar (one-time notices)


def room_for(run) -> Room | None:
    for provider in PROVIDERS:
        room = provider(run)
        if room is not None:
            return room
    return None


def keeps_browser(run) -> bool:
    """A run in a room still going: Start takes this browser back to it, not to a new run."""
    room = room_for(run)
    return room is not None and not room.ended
