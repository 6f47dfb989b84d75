"""Every `Settings` field is in the compose environment and the env template, with its default.

A setting missing from compose is silently ignored in containers (a container sees only what its
`environment:` lists), so these lists must follow config/settings.py, not memory.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic_core import PydanticUndefined

from config.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.kafka.yml"
TEMPLATE = ROOT / "deploy" / ".env.production.template"
APP_SERVICES = ("topics", "api", "worker")

# Compose defaults that differ from the code's on purpose, with the reason. The test also fails
# when one of these stops differing, so the list cannot go stale.
COMPOSE_OVERRIDES = {
    "ENVIRONMENT": "a container stack is a production deployment: keys are required",
    "KAFKA_BOOTSTRAP_SERVERS": "the broker's address inside the compose network",
    "METRICS_ALLOW": "Prometheus scrapes from the compose backend subnet, not loopback",
    "PREPROCESS_WORKERS": "0 would count the host's cores, not the container's CPU limit",
}

_INTERP = re.compile(r"^\$\{(?P<var>[A-Z0-9_]+)(?P<op>:?[-?])(?P<default>.*)\}$")
# "# NAME=value" documents a default; "#   NAME=value" (indented) is an example and is not read.
_TEMPLATE_LINE = re.compile(r"^(?P<comment># ?)?(?P<var>[A-Z][A-Z0-9_]*)=(?P<value>\S*)")


def _fields() -> dict[str, Any]:
    out = {}
    for name, info in Settings.model_fields.items():
        default = info.default
        if default is PydanticUndefined and info.default_factory is not None:
            default = info.default_factory()
        out[name.upper()] = default
    return out


def _as_text(value: Any) -> str:
    """How a default reads in an env file: Settings parses this text back to the same value."""
    if value is None:
        return ""  # env_ignore_empty: an empty variable is the same as an unset one
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _same(text: str, default: Any) -> bool:
    if isinstance(default, bool):
        return text.lower() in (("true", "1") if default else ("false", "0"))
    if isinstance(default, int | float) and text:
        try:
            return float(text) == float(default)
        except ValueError:
            return False
    return text == _as_text(default)


def _compose_env() -> dict[str, str]:
    """Every variable an app container gets (topics, api, worker merged; anchors resolved)."""
    doc = yaml.safe_load(COMPOSE.read_text())
    env: dict[str, str] = {}
    for service in APP_SERVICES:
        raw = doc["services"][service].get("environment") or {}
        if isinstance(raw, list):
            raw = dict(item.split("=", 1) for item in raw)
        env.update({k: "" if v is None else str(v) for k, v in raw.items()})
    return env


def _template() -> dict[str, tuple[bool, str]]:
    """NAME -> (commented, value). A commented line documents the built-in default."""
    out = {}
    for line in TEMPLATE.read_text().splitlines():
        if m := _TEMPLATE_LINE.match(line):
            out.setdefault(m["var"], (bool(m["comment"]), m["value"]))
    return out


FIELDS = _fields()


def test_the_parsers_see_the_files() -> None:
    # Guards the other tests: an empty parse would make every check pass.
    assert len(_compose_env()) > 30
    assert len(_template()) > 30
    assert "GROQ_MODEL" in FIELDS
    assert len(DOCUMENTED) > 20 and len(DEFAULTED) > 30


@pytest.mark.parametrize("var", sorted(FIELDS))
def test_every_setting_is_in_the_compose_environment(var: str) -> None:
    assert var in _compose_env(), f"{var} is a Setting but no app container's environment lists it"


@pytest.mark.parametrize("var", sorted(FIELDS))
def test_every_setting_is_in_the_env_template(var: str) -> None:
    assert var in _template(), f"{var} is a Setting but {TEMPLATE.name} does not mention it"


# Settings the template documents with a commented default (the others it sets to a chosen value).
DOCUMENTED = sorted(v for v in FIELDS if _template().get(v, (False, ""))[0])
# Settings compose fills as ${VAR:-default}; the others are fixed there or required (${VAR:?}).
DEFAULTED = sorted(v for v in FIELDS if (m := _INTERP.match(_compose_env().get(v, "")))
                   and m["op"] in (":-", "-"))


@pytest.mark.parametrize("var", DOCUMENTED)
def test_the_template_documents_the_code_default(var: str) -> None:
    commented, value = _template()[var]
    if var in COMPOSE_OVERRIDES:
        # The template is for the compose stack: it documents the default the stack runs with.
        m = _INTERP.match(_compose_env()[var])
        assert m and value == m["default"], (
            f"{TEMPLATE.name} documents {var}={value!r}; compose's default is "
            f"{m['default'] if m else None!r}")
        return
    assert _same(value, FIELDS[var]), (
        f"{TEMPLATE.name} documents {var}={value!r}; "
        f"the code's default is {_as_text(FIELDS[var])!r}")


@pytest.mark.parametrize("var", DEFAULTED)
def test_compose_defaults_match_the_code(var: str) -> None:
    m = _INTERP.match(_compose_env()[var])
    assert m
    if var in COMPOSE_OVERRIDES:
        assert not _same(m["default"], FIELDS[var]), (
            f"{var}: compose now agrees with the code; drop it from COMPOSE_OVERRIDES")
        return
    assert _same(m["default"], FIELDS[var]), (
        f"compose defaults {var} to {m['default']!r}; the code's default is "
        f"{_as_text(FIELDS[var])!r}")


def test_every_override_is_a_compose_default() -> None:
    # An override that is no longer ${VAR:-default} in compose would be checked by nothing.
    assert set(COMPOSE_OVERRIDES) <= set(DEFAULTED)


def test_compose_variables_name_their_own_setting() -> None:
    # `FOO: ${BAR:-x}` would let an operator set FOO in .env.production and see nothing change.
    wrong = {}
    for key, value in _compose_env().items():
        m = _INTERP.match(value)
        if m and key in FIELDS and m["var"] != key:
            wrong[key] = m["var"]
    assert not wrong, f"compose reads these settings from other variables: {wrong}"


def test_the_template_sets_nothing_compose_ignores() -> None:
    # A template variable that neither compose interpolates nor any Setting reads does nothing.
    text = COMPOSE.read_text()
    used = set(re.findall(r"\$\{([A-Z0-9_]+)", text)) | set(FIELDS)
    unknown = sorted(v for v in _template() if v not in used)
    assert not unknown, f"{TEMPLATE.name} lists variables nothing reads: {unknown}"
