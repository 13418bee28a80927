"""What the trainer sees: one row per participant, the workshop summary, the CSV export.

Everything here reads the database in a fixed number of queries, however many
participants there are. The dashboard, which every open trainer's page refreshes every few
seconds, reads three: one row per participant with their step states summed up by the database
(steps done and skipped, when the last was done, the current step's state), then their refused
tries on the current step and their failed AWS calls, each as plain tuples. The summary also
reads every step state, for the time each step took.

A participant is on their step since they (re)started, finished the step before, or a
trainer reset their run, whichever is latest: tries from before that do not count.
"""
import csv
import io
import statistics
from collections import Counter, defaultdict, namedtuple
from dataclasses import dataclass
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone

from django.db.models import Count, F, FilteredRelation, Max, Q
from django.utils import timezone

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from iamwizard.core.problems import kind_label, label
from iamwizard.wizard.models import AwsCall, StepState
from iamwizard.wizard.models import Refusal
from iamwizard.wizard.words import failure_text
from iamwizard.wizard.steps import BY_SLUG, STEPS

from .models import Participant

# AWS calls a workshop makes on a participant's behalf outside the wizard's steps.
CLEANUP_SLUG = "workshop-cleanup"
# Reads that answer NoSuchEntity are how steps find out that something does not exist
# yet (no password policy, no console password): not errors anybody made.
PROBE_FAILURE = Q(error_code="NoSuchEntity") & (Q(operation__startswith="Get") | Q(operation__startswith="List"))
FINAL_SLUG = STEPS[-1].slug
STEP_NUMBERS = {step.slug: number for number, step in enumerate(STEPS, 1)}


def learner_failures():
    """Failed AWS calls a participant made in the wizard (not cleanup, not existence probes, not the
    answers asked again while IAM caught up with what was just made)."""
    return AwsCall.objects.filter(ok=False, retried=False).exclude(step=CLEANUP_SLUG).exclude(PROBE_FAILURE)


# What a row reads, as plain tuples (no model object each, no subquery per participant): every
# open dashboard reads them every few seconds. Never a step's result (read-backs and calls), nor a
# run's answers and sealed secrets.
State = namedtuple("State", ["run_id", "step", "status", "finished_at", "reset_at", "error_code", "error_message", "error_words"])
Try = namedtuple("Try", ["run_id", "at", "kind", "params", "field"])  # a refused try
Failure = namedtuple("Failure", ["run_id", "step", "operation", "error_code", "at"])  # a failed AWS call


def _by_run(rows, kind) -> dict:
    found = defaultdict(list)
    for values in rows:
        item = kind(*values)
        found[item.run_id].append(item)
    return found


def participants_with_states(workshop) -> list:
    """Participants (without their runs) with `.states` (step slug -> State): 2 queries, however many people."""
    participants = list(Participant.objects.filter(workshop=workshop).only("pk", "run_id", "restarted_at"))
    states = _by_run(StepState.objects.filter(run__participant__workshop=workshop).order_by("id").values_list(*State._fields), State)
    for participant in participants:
        participant.states = {state.step: state for state in states[participant.run_id]}
    return participants


# What the dashboard reads of each participant, summed up by the database: one tuple each.
Standing = namedtuple("Standing", [
    "pk", "display_name", "joined_at", "restarted_at", "help_requested_at", "help_note", "run_id",  # the participant
    "current_step", "status", "error_code", "error_message", "error_words",  # their run's current step and its state
    "done", "skipped", "last_done", "last_reset",  # steps done and skipped; when the last was done, the last trainer's reset
    "mfa_skipped",  # 1 when MFA is not the participant's own step: the user was made for someone else
])


def standings(workshop) -> list:
    """Every participant of the workshop as a Standing, in order of joining: one query. Their step
    states are summed up in the database (200 people have 1,600 of them), never read one by one."""
    steps, done = "run__steps", Q(run__steps__status=StepState.DONE)
    found = (
        Participant.objects.filter(workshop=workshop)
        .annotate(current=FilteredRelation(steps, condition=Q(run__steps__step=F("run__current_step"))))
        .values_list("pk", "display_name", "joined_at", "restarted_at", "help_requested_at", "help_note", "run_id",
                     "run__current_step", "current__status", "current__error_code", "current__error_message", "current__error_words")
        .annotate(done=Count(steps, filter=done),
                  skipped=Count(steps, filter=Q(run__steps__status=StepState.SKIPPED, run__steps__step__in=list(BY_SLUG))),
                  last_done=Max("run__steps__finished_at", filter=done), last_reset=Max("run__steps__reset_at"),
                  mfa_skipped=Count(steps, filter=Q(run__steps__status=StepState.SKIPPED, run__steps__step="mfa")))
        .order_by("joined_at", "pk")
    )
    return [Standing(*values) for values in found]


def live_progress(workshop) -> list:
    """(standing, refused tries on the current step since the last (re)start, learner failures since
    then) for each participant: 3 queries in all, however many people."""
    people = standings(workshop)
    mine = Q(run__participant__workshop=workshop)
    since_start = Q(at__gte=F("run__participant__restarted_at"))
    tries = _by_run(Refusal.objects.filter(mine, since_start, step=F("run__current_step")).order_by("at", "id").values_list(*Try._fields), Try)
    failures = _by_run(learner_failures().filter(mine, since_start).order_by("at", "id").values_list(*Failure._fields), Failure)
    return [(person, tries[person.run_id], failures[person.run_id]) for person in people]


@dataclass
class Row:
    participant: Standing  # pk, display_name, joined_at, help_requested_at, help_note...
    step_slug: str
    step_title: str
    step_number: int
    step_status: str
    entered_at: datetime
    on_step: timedelta
    done: int
    total: int
    finished: bool
    error_code: str = ""
    error_message: str = ""
    attempts: int = 0  # refused tries on the current step
    last_problem: str = ""  # the latest of them, in a trainer's words
    idle: timedelta = timedelta(0)  # since the step began or the last try, whichever is later
    stuck_reason: str = ""
    handed_over: bool = False  # made for someone else: their first sign-in and MFA are not the participant's steps

    @property
    def stuck(self) -> bool:
        return bool(self.stuck_reason)

    @property
    def asks_for_help(self) -> bool:
        return self.participant.help_requested_at is not None

    @property
    def needs_trainer(self) -> bool:
        """Asked for help or stuck: the rows a trainer should look at first."""
        return self.asks_for_help or self.stuck

    @property
    def minutes_on_step(self) -> int:
        return int(self.on_step.total_seconds() // 60)

    @property
    def on_step_label(self) -> str:
        return duration_label(self.on_step)


def duration_label(delta: timedelta) -> str:
    seconds = max(0, int(delta.total_seconds()))
    if seconds < 60:
        return _("%(seconds)s s") % {"seconds": seconds}
    if seconds < 3600:
        return _("%(minutes)s min") % {"minutes": seconds // 60}
    return _("%(hours)s h %(minutes)s min") % {"hours": seconds // 3600, "minutes": f"{seconds % 3600 // 60:02d}"}


def row_for(person: Standing, tries: list, failures: list, now, workshop) -> Row:
    """A participant's row: where they are, for how long, what was refused, whether they are stuck."""
    # A trainer's reset from a step starts it afresh: what was tried before it no longer counts.
    started = max(person.restarted_at, person.last_reset or person.restarted_at)
    entered_at = max(started, person.last_done or started)
    # (A run whose current step is no step any more shows step one, pending.)
    slug, status = (person.current_step, person.status or StepState.PENDING) if person.current_step in BY_SLUG else (STEPS[0].slug, StepState.PENDING)
    finished = slug == FINAL_SLUG and status == StepState.DONE
    row = Row(
        participant=person, step_slug=slug, step_title=BY_SLUG[slug].nav_title or BY_SLUG[slug].title,
        step_number=STEP_NUMBERS[slug], step_status=status, entered_at=entered_at,
        on_step=now - entered_at, done=person.done, total=len(STEPS) - person.skipped, finished=finished,
        handed_over=person.mfa_skipped > 0,
    )
    failed = failures[-1] if failures else None
    if status == StepState.FAILED:
        # Worded here, in the trainer's language (a row from before error_words shows its stored words).
        row.error_code, row.error_message = person.error_code, failure_text(person.error_words, person.error_message)
    elif failed and failed.step == slug and failed.at >= entered_at:
        row.error_code, row.error_message = failed.error_code, _("%(operation)s failed") % {"operation": failed.operation}
    tries = [t for t in tries if t.at >= started]
    last_try = tries[-1].at if tries and tries[-1].at >= entered_at else None
    if last_try:
        row.attempts = len({t.at for t in tries})  # one submit refused for two reasons is one try
        row.last_problem = label(tries[-1].kind, tries[-1].params or {}, tries[-1].field)
    row.idle = now - (last_try or entered_at)
    if not finished and not workshop.has_ended(now):  # once it has ended nobody can be stuck any more
        if status == StepState.FAILED:
            row.stuck_reason = _("last attempt failed")
        elif row.attempts >= workshop.stuck_attempts:
            row.stuck_reason = ngettext("%(count)s try refused on this step", "%(count)s tries refused on this step", row.attempts) % {"count": row.attempts}
        elif row.idle >= timedelta(minutes=workshop.stuck_idle_minutes):
            row.stuck_reason = _("idle for %(duration)s") % {"duration": duration_label(row.idle)}
    return row


SORTS = {
    "stuck": (gettext_lazy("Help and stuck first"), lambda r: (not r.asks_for_help, not r.stuck, -r.attempts, -r.on_step.total_seconds())),
    "step": (gettext_lazy("Furthest behind first"), lambda r: (r.finished, r.done, -r.on_step.total_seconds())),
    "attempts": (gettext_lazy("Most refused tries first"), lambda r: (-r.attempts, not r.stuck)),
    "name": (gettext_lazy("Name"), lambda r: r.participant.display_name.casefold()),
    "joined": (gettext_lazy("Order of joining"), lambda r: (r.participant.joined_at, r.participant.pk)),
}


def dashboard_rows(workshop, now=None, sort="stuck") -> list[Row]:
    """Every participant's row, stuck ones first unless `sort` (a key of SORTS) says otherwise."""
    now = now or timezone.now()
    rows = [row_for(person, tries, failures, now, workshop) for person, tries, failures in live_progress(workshop)]
    return sorted(rows, key=SORTS.get(sort, SORTS["stuck"])[1])


def counts(rows) -> dict:
    return {
        "participants": len(rows),
        "finished": sum(1 for r in rows if r.finished),
        "stuck": [r for r in rows if r.stuck],
        "help": [r for r in rows if r.asks_for_help],
    }


def room_counts(workshop) -> dict:
    """Who joined and who finished, for the projector: two counts, no rows."""
    return {
        "participants": Participant.objects.filter(workshop=workshop).count(),
        "finished": StepState.objects.filter(run__participant__workshop=workshop, run__current_step=FINAL_SLUG,
                                             step=FINAL_SLUG, status=StepState.DONE).count(),
    }


# --- summary ---------------------------------------------------------------------------------

def step_durations(participant) -> dict:
    """slug -> time from finishing the previous step (or starting) to finishing this one."""
    done = sorted(
        (s for s in participant.states.values() if s.status == StepState.DONE and s.finished_at),
        key=lambda s: s.finished_at,
    )
    durations, previous = {}, participant.restarted_at
    for state in done:
        durations[state.step] = max(state.finished_at - previous, timedelta(0))
        previous = state.finished_at
    return durations


def summary(workshop) -> dict:
    participants = participants_with_states(workshop)  # every step state, for the time each took
    rows = dashboard_rows(workshop)
    per_step = {step.slug: [] for step in STEPS}
    for participant in participants:
        for slug, delta in step_durations(participant).items():
            per_step.setdefault(slug, []).append(delta.total_seconds())
    medians = [
        {"slug": step.slug, "title": step.nav_title or step.title, "count": len(per_step[step.slug]),
         "median": timedelta(seconds=statistics.median(per_step[step.slug])) if per_step[step.slug] else None}
        for step in STEPS
    ]
    for item in medians:
        item["median_label"] = duration_label(item["median"]) if item["median"] is not None else ""
    errors = list(
        learner_failures().filter(run__participant__workshop=workshop)
        .values("error_code", "operation")
        .annotate(times=Count("id"), people=Count("run", distinct=True))
        .order_by("-times", "error_code")[:10]
    )
    by_code = Counter()
    for e in errors:
        by_code[e["error_code"]] += e["times"]
    # Failures the wizard itself found (AWS not confirming, and the like) live only on step states.
    state_errors = Counter(
        (r.error_code, r.step_title) for r in rows if r.step_status == StepState.FAILED and r.error_code
    )
    finished = sum(1 for r in rows if r.finished)
    return {
        "problems": problems_by_kind(workshop),
        "participants": len(rows),
        "finished": finished,
        "completion_rate": round(100 * finished / len(rows)) if rows else 0,
        "medians": medians,
        "errors": errors,
        "errors_by_code": by_code.most_common(),
        "current_failures": state_errors.most_common(10),
        "rows": rows,
    }


def problems_by_kind(workshop) -> list[dict]:
    """What the room was refused for, by kind: how many people, how many times ("Phone clock off: 4 people")."""
    found = (
        Refusal.objects.filter(run__participant__workshop=workshop).values("kind")
        .annotate(people=Count("run", distinct=True), times=Count("id")).order_by("-people", "-times", "kind")
    )
    return [{**item, "label": kind_label(item["kind"])} for item in found]


# --- export ------------------------------------------------------------------------------------

CSV_COLUMNS = ["participant", "joined_at_utc", "current_step", "step_status", "minutes_on_step", "steps_done",
               "steps_total", "finished", "stuck", "attempts_on_step", "last_problem", "error_code", "error_message",
               "asked_for_help_at_utc", "help_note"]


def _cell(value) -> str:
    """Spreadsheets run cells starting with = + - @ as formulas: defuse names people typed."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _utc(moment) -> str:
    return moment.astimezone(dt_timezone.utc).strftime("%Y-%m-%d %H:%M:%S") if moment else ""


def progress_csv(workshop) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for row in dashboard_rows(workshop):
        writer.writerow([_cell(v) for v in (
            row.participant.display_name, _utc(row.participant.joined_at), row.step_title,
            row.step_status, row.minutes_on_step, row.done, row.total, "yes" if row.finished else "no",
            row.stuck_reason or "", row.attempts, row.last_problem, row.error_code, row.error_message,
            _utc(row.participant.help_requested_at), row.participant.help_note,
        )])
    return out.getvalue()
