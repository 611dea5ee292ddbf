"""Every dialog is whole (each step asks and takes its answer) and drawn: the chart beside each
dialog module (``<module>.mmd``) names exactly the dialog's steps, so a step added, renamed or
dropped without its chart fails here."""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path
from types import ModuleType

import pytest

import bot.dialogs
from bot.dialogs import MODULES, REGISTRY
from bot.dialogs.base import DialogModule


def _dialog_modules() -> list[ModuleType]:
    found = []
    for info in pkgutil.iter_modules(bot.dialogs.__path__):
        module = importlib.import_module(f"bot.dialogs.{info.name}")
        declared = getattr(module, "MODULE", None)
        if isinstance(declared, DialogModule) and declared.dialog is not None:
            found.append(module)
    return found


def chart_of(module: ModuleType) -> Path:
    """``<module>.mmd`` beside a module; ``<package>/<package>.mmd`` inside a package."""
    path = Path(module.__file__ or "")
    if hasattr(module, "__path__"):
        return path.parent / f"{module.__name__.rsplit('.', 1)[-1]}.mmd"
    return path.with_suffix(".mmd")


def chart_states(text: str) -> set[str]:
    """The states a Mermaid stateDiagram names on its transitions ([*] aside)."""
    states: set[str] = set()
    for line in text.splitlines():
        line = line.split("%%", 1)[0].strip()
        transition = re.match(r"(\S+)\s*-->\s*([^:\s]+)", line)
        if transition:
            states |= {transition.group(1), transition.group(2)}
        composite = re.match(r"state\s+(?:\"[^\"]*\"\s+as\s+)?(\w+)", line)
        if composite:
            states.add(composite.group(1))
    return states - {"[*]"}


def test_every_declared_dialog_module_is_wired():
    assert len(_dialog_modules()) == len(REGISTRY.dialogs)
    wired = {id(declared) for declared in MODULES}
    assert all(id(m.MODULE) in wired for m in _dialog_modules())


@pytest.mark.parametrize("module", _dialog_modules(), ids=lambda m: m.__name__)
def test_every_step_asks_and_answers(module):
    module.MODULE.dialog.check()


@pytest.mark.parametrize("module", _dialog_modules(), ids=lambda m: m.__name__)
def test_the_chart_names_exactly_the_steps(module):
    chart = chart_of(module)
    assert chart.exists(), f"{chart.name} is missing: draw the dialog's steps"
    steps = {step.value for step in module.MODULE.dialog.steps}
    states = chart_states(chart.read_text(encoding="utf-8"))
    assert states == steps, f"{chart.name}: extra {states - steps}, missing {steps - states}"


def test_charts_without_a_dialog_are_not_state_diagrams():
    # A chart beside a module without steps (finance: buttons only) is a flowchart, so it
    # cannot claim states no dialog has.
    with_dialog = {chart_of(m) for m in _dialog_modules()}
    for chart in Path(bot.dialogs.__file__).parent.glob("*.mmd"):
        if chart not in with_dialog:
            assert "stateDiagram" not in chart.read_text(encoding="utf-8"), chart.name


def test_the_state_reader_sees_a_missing_step():
    assert chart_states("stateDiagram-v2\n    [*] --> a: x\n    a --> b\n    b --> [*]") == {
        "a",
        "b",
    }
