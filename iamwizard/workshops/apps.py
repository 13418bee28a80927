from django.apps import AppConfig


class WorkshopsConfig(AppConfig):
    name = "iamwizard.workshops"
    label = "workshops"
    verbose_name = "Workshops"

    def ready(self):
        # The wizard's user-details step asks registered rules about a name; a workshop adds its prefix rule.
        from iamwizard.wizard.steps import user_details

        from .wizard_plugins import workshop_prefix_rule

        rules = getattr(user_details, "USER_NAME_RULES", None)
        if rules is not None and workshop_prefix_rule not in rules:
            rules.append(workshop_prefix_rule)
        # A participant's pages show the room (messages, help, the workshop's end), and their
        # browser goes back to the workshop's run, never to a new untracked one.
        from iamwizard.wizard import rooms

        from .wizard_plugins import participant_room

        if participant_room not in rooms.PROVIDERS:
            rooms.PROVIDERS.append(participant_room)
        # What participant_room reads, read along with the run on every page (no query of its own).
        if "participant__workshop" not in rooms.RELATED:
            rooms.RELATED.append("participant__workshop")

        # The wizard's retention pass (manage.py expire_data) removes closed workshops' data too.
        from iamwizard.wizard import retention

        from .retention import expire_closed_workshops

        if expire_closed_workshops not in retention.EXPIRERS:
            retention.EXPIRERS.append(expire_closed_workshops)
