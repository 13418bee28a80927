from django.apps import AppConfig


class WorkshopsConfig(AppConfig):
    name = "iamwizard.workshops"
    label = "workshops"
    verbose_name = "Workshops"

    def ready(self):
        # The wizard's user-details step asks registered rules about a name; a workshop adds its prefix rule.
        from iamwizard.wizard.steps import user_details

        from .hooks import workshop_prefix_rule

        rules = getattr(user_details, "USER_NAME_RULES", None)
        if rules is not None and workshop_prefix_rule not in rules:
            rules.append(workshop_prefix_rule)
        # A participant's browser goes back to the workshop's run, never to a new untracked one.
        from iamwizard.wizard import links

        from .hooks import is_open_workshop_run

        if is_open_workshop_run not in links.RUNS_THAT_KEEP_THEIR_BROWSER:
            links.RUNS_THAT_KEEP_THEIR_BROWSER.append(is_open_workshop_run)

