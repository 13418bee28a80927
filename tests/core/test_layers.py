"""The code reads as layers, every import pointing one way (issue #15). Pure Python: `ast` over
iamwizard/**/*.py, no Django. Every import counts, also one inside a function (a lazy import).

    site          settings.py, urls.py, wsgi.py, formats/: may import anything
    workshops-web workshops' views, urls, forms, admin*, otp, charts, live_table, apps, management
    wizard-web    wizard's views, urls, converters, links, middleware, context_processors,
                  error_summary, warmup, apps, management
    workshops     workshops' models, codes, services, progress, lockouts, retention, wizard_plugins
    wizard-flow   engine.py, claims.py, step_context.py, retention.py: the flow over the steps
    wizard-steps  wizard/steps/: one module per step (they get a StepContext; they never import the flow)
    wizard-base   the rest of wizard/: models, vault, refusals, cleanup, ratelimit, words, rooms...
    aws           the AWS boundary, the only code that imports boto3/botocore; no Django
    sandbox       the AWS emulator (its own process): moto, werkzeug; no Django, nothing of the app
    core          pure: the standard library, pyotp and qrcode; no Django, no boto3, nothing of the app

A layer imports its own and those ALLOWED below it. Workshops sit on the wizard, never the other
way: the wizard knows nothing of workshops; the workshops app plugs into it through registries
(wizard/rooms.py PROVIDERS, steps/user_details.py USER_NAME_RULES, wizard/retention.py EXPIRERS),
filled by workshops/apps.py. The app reaches the sandbox (to embed it, or drop saved accounts)
through the package `iamwizard.sandbox` alone (its __init__ lists what it offers), never its
modules. The same map is described in README.md, "Layout".
"""
import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "iamwizard"

# Module (or package prefix) -> layer; the longest matching prefix wins.
LAYER_OF = {
    "iamwizard": "site",
    "iamwizard.core": "core",
    "iamwizard.aws": "aws",
    "iamwizard.sandbox": "sandbox",
    "iamwizard.wizard": "wizard-base",
    "iamwizard.wizard.steps": "wizard-steps",
    **{f"iamwizard.wizard.{name}": "wizard-flow" for name in ("engine", "claims", "step_context", "retention")},
    **{f"iamwizard.wizard.{name}": "wizard-web" for name in (
        "views", "urls", "converters", "links", "middleware", "context_processors", "error_summary", "warmup", "apps",
        "management")},
    "iamwizard.workshops": "workshops",
    **{f"iamwizard.workshops.{name}": "workshops-web" for name in (
        "views", "urls", "forms", "admin", "admin_site", "admin_config", "otp", "charts", "live_table", "apps", "management")},
}
# What the app may import of the sandbox: the package itself (its __init__), nothing inside it.
SANDBOX_API = "iamwizard.sandbox"

_BELOW_WIZARD_STEPS = {"wizard-base", "aws", "core"}
ALLOWED = {
    "core": set(),
    "aws": {"core"},
    "sandbox": {"core", "sandbox-api"},
    "wizard-base": {"aws", "core"},
    "wizard-steps": _BELOW_WIZARD_STEPS,
    "wizard-flow": {"wizard-steps", "sandbox-api"} | _BELOW_WIZARD_STEPS,
    "wizard-web": {"wizard-flow", "wizard-steps", "sandbox-api"} | _BELOW_WIZARD_STEPS,
    "workshops": {"wizard-flow", "wizard-steps"} | _BELOW_WIZARD_STEPS,
    "workshops-web": {"workshops", "wizard-web", "wizard-flow", "wizard-steps"} | _BELOW_WIZARD_STEPS,
    "site": {"core", "aws", "sandbox-api", "wizard-base", "wizard-steps", "wizard-flow", "wizard-web", "workshops", "workshops-web"},
}

# Third-party packages kept to their layer.
ONLY_IN = {"boto3": {"aws"}, "botocore": {"aws"}, "moto": {"sandbox"}, "werkzeug": {"sandbox"}}
NO_DJANGO = {"core", "aws", "sandbox"}
CORE_THIRD_PARTY = {"pyotp", "qrcode"}  # pure libraries the core may use besides the standard library

# Imports that point the wrong way on purpose: {(module, imported module): one-line reason}. Empty.
EXCEPTIONS: dict = {}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def layer_of(module: str, *, imported=False) -> str | None:
    if imported and module == SANDBOX_API:
        return "sandbox-api"
    parts = module.split(".")
    for end in range(len(parts), 0, -1):
        layer = LAYER_OF.get(".".join(parts[:end]))
        if layer:
            return layer
    return None


def all_modules() -> dict:
    """{module name: path} of every module of the package (migrations included)."""
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def imports(module: str, source: str, known) -> list:
    """[(line, imported module)] of every import in `source` (also inside functions), relative
    ones resolved; `from a import b` names module a.b when that is a module of ours."""
    package = module if module in known and known[module].name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                found.append((node.lineno, sub if sub in known else target))
    return list(dict.fromkeys(found))  # `from a import b, c` names module a once


def wrong_way(module: str, source: str, known) -> list:
    """Sentences naming each import of `module` that points the wrong way."""
    layer = layer_of(module)
    problems = []
    for line, target in imports(module, source, known):
        top = target.split(".")[0]
        why = None
        if top == "iamwizard":
            target_layer = layer_of(target, imported=True)
            if target_layer is None:
                why = "a module the layer map does not know"
            elif target_layer != layer and target_layer not in ALLOWED[layer]:
                why = f"layer {layer} may not import layer {target_layer}"
        elif top in ONLY_IN and layer not in ONLY_IN[top]:
            why = f"only {', '.join(sorted(ONLY_IN[top]))} may import {top}"
        elif top == "django" and layer in NO_DJANGO:
            why = f"layer {layer} has no Django"
        elif layer == "core" and top not in sys.stdlib_module_names and top not in CORE_THIRD_PARTY:
            why = "the core imports the standard library and pure libraries only"
        if why and (module, target) not in EXCEPTIONS:
            problems.append(f"{module}:{line} imports {target}: {why}")
    return problems


def test_every_module_has_a_layer_and_the_map_names_no_missing_module():
    modules = all_modules()
    assert not [m for m in modules if layer_of(m) is None]
    stale = [prefix for prefix in LAYER_OF if prefix not in modules]
    assert not stale, f"the layer map names modules that do not exist: {stale}"


def test_every_import_points_down_the_layers():
    modules = all_modules()
    problems = []
    for module, path in modules.items():
        problems += wrong_way(module, path.read_text(encoding="utf-8"), modules)
    assert not problems, "imports that point the wrong way:\n" + "\n".join(problems)


def test_the_exceptions_are_still_needed():
    modules = all_modules()
    for (module, target), reason in EXCEPTIONS.items():
        assert reason, f"{module} -> {target}: an exception says why"
        found = [t for _, t in imports(module, modules[module].read_text(encoding="utf-8"), modules)]
        assert target in found, f"{module} no longer imports {target}: drop the exception"


def test_the_check_sees_wrong_imports_also_lazy_and_relative_ones():
    modules = all_modules()
    lazy = "def f():\n    from iamwizard.workshops.models import Workshop\n"
    assert wrong_way("iamwizard.wizard.retention", lazy, modules) == [
        "iamwizard.wizard.retention:2 imports iamwizard.workshops.models: layer wizard-flow may not import layer workshops"]
    assert wrong_way("iamwizard.wizard.steps.connect", "from ..engine import prepare\n", modules) == [
        "iamwizard.wizard.steps.connect:1 imports iamwizard.wizard.engine: layer wizard-steps may not import layer wizard-flow"]
    assert wrong_way("iamwizard.wizard.step_context", "from iamwizard.sandbox import server\n", modules) == [
        "iamwizard.wizard.step_context:1 imports iamwizard.sandbox.server: layer wizard-flow may not import layer sandbox"]
    assert wrong_way("iamwizard.wizard.step_context", "from iamwizard.sandbox import start_embedded\n", modules) == []
    assert wrong_way("iamwizard.core.names", "import django.conf\nimport requests\n", modules) == [
        "iamwizard.core.names:1 imports django.conf: layer core has no Django",
        "iamwizard.core.names:2 imports requests: the core imports the standard library and pure libraries only"]
    assert wrong_way("iamwizard.wizard.views", "import boto3\n", modules) == [
        "iamwizard.wizard.views:1 imports boto3: only aws may import boto3"]
