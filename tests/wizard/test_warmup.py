"""A fresh web worker warms up before its first request: templates compiled, AWS clients made."""
from django.template import engines

from iamwizard.aws import gateway
from iamwizard.wizard.steps import STEPS
from iamwizard.wizard.warmup import warm_up


def _cached_template_names():
    loader = engines["django"].engine.template_loaders[0]
    return {key.split("-")[0] for key in loader.get_template_cache}


def test_warm_up_compiles_every_step_template_and_makes_the_sandbox_clients(sandbox_endpoint):
    gateway.forget_clients()
    engines["django"].engine.template_loaders[0].reset()
    assert "wizard/step.html" not in _cached_template_names()

    report = warm_up()

    cached = _cached_template_names()
    assert {"base.html", "wizard/step.html", "wizard/_field.html"} <= cached
    assert {step.template for step in STEPS} <= cached
    assert report["aws_clients"] == ["sts", "iam"] and report["form_templates"] > 20
    # The clients the next run's calls will use exist already, for the sandbox the settings name.
    assert {("sts", sandbox_endpoint, True), ("iam", sandbox_endpoint, True)} <= set(gateway._clients)


def test_warm_up_without_a_standalone_sandbox_leaves_the_embedded_one_alone(settings):
    settings.IAMWIZARD_SANDBOX_URL = ""
    gateway.forget_clients()
    assert warm_up()["aws_clients"] == []
    assert gateway._clients == {}
