"""docker-compose.yml and .env.example against the real settings classes (no Docker to run `compose config`):
every variable a service gets is one its settings read, every required setting is given, secrets fail fast."""

from __future__ import annotations

import importlib
import json
import re
from typing import Any

import pytest
import yaml
from pydantic import AliasChoices, SecretStr
from pydantic_settings import BaseSettings

from contracts.registry import names
from services.ops.stack import REPO, SERVICES
from shared.settings import KernelSettings

COMPOSE = yaml.safe_load((REPO / "docker-compose.yml").read_text())
ENV_EXAMPLE = (REPO / ".env.example").read_text()
# Read by infra/kafka/kafka.sh and infra/redis/redis.sh, or by compose alone.
NOT_SETTINGS = {
    "SEAMLINE_KAFKA_PORT", "SEAMLINE_KAFKA_CONTROLLER_PORT", "SEAMLINE_REDIS_PORT", "SEAMLINE_RUN_DIR",
    "SEAMLINE_GRAFANA_ADMIN_PASSWORD", "KAFKA_BOOTSTRAP_SERVERS", "REDIS_URL",
}  # fmt: skip


def _settings_in(module_name: str) -> list[type[BaseSettings]]:
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name != module_name:
            raise
        return []
    return [
        v for v in vars(module).values()
        if isinstance(v, type) and issubclass(v, BaseSettings) and v.__module__ == module.__name__
    ]  # fmt: skip


def settings_classes(service: str) -> list[type[BaseSettings]]:
    """The service's own settings and those of its part of each registered pipeline."""
    (own,) = _settings_in(f"services.{service}.settings")
    parts = [cls for name in names() for cls in _settings_in(f"services.{service}.pipelines.{name}.settings")]
    return [own, *parts]


def env_names(*classes: type[BaseSettings]) -> dict[str, str]:
    return {env: field for cls in classes for env, field in _env_names(cls).items()}


def _env_names(cls: type[BaseSettings]) -> dict[str, str]:
    """Environment name -> field name, the way pydantic-settings reads them (aliases replace the prefix)."""
    prefix = str(cls.model_config.get("env_prefix", ""))
    names: dict[str, str] = {}
    for field_name, info in cls.model_fields.items():
        alias = info.validation_alias
        if isinstance(alias, AliasChoices):
            names.update({str(choice).upper(): field_name for choice in alias.choices if isinstance(choice, str)})
        elif isinstance(alias, str):
            names[alias.upper()] = field_name
        else:
            names[f"{prefix}{field_name}".upper()] = field_name
    return names


def _environment(service: str) -> dict[str, Any]:
    env = COMPOSE["services"][service]["environment"]
    assert isinstance(env, dict), f"{service}: use the mapping form for environment"
    return env


ALL_SETTINGS = {name for s in SERVICES for name in env_names(KernelSettings, *settings_classes(s))}


@pytest.mark.parametrize("service", SERVICES)
def test_every_variable_is_one_the_settings_read(service: str) -> None:
    known = env_names(KernelSettings, *settings_classes(service))
    unknown = sorted(set(_environment(service)) - set(known))
    assert not unknown, f"{service} gets variables its settings never read: {unknown}"


@pytest.mark.parametrize("service", SERVICES)
def test_every_required_setting_is_given(service: str) -> None:
    for cls in settings_classes(service):
        env = env_names(cls)
        given = {env[k] for k in _environment(service) if k in env}
        required = {name for name, info in cls.model_fields.items() if info.is_required()}
        assert required <= given, f"{service} misses required {cls.__name__}: {sorted(required - given)}"


@pytest.mark.parametrize("service", SERVICES)
def test_secrets_come_from_the_environment_and_fail_fast(service: str) -> None:
    fields = {env: cls.model_fields[name] for cls in settings_classes(service) for env, name in env_names(cls).items()}
    assert fields, f"{service}: no settings found"
    for key, value in _environment(service).items():
        info = fields.get(key)
        if info is None or SecretStr not in (info.annotation, *getattr(info.annotation, "__args__", ())):
            continue
        if info.is_required():
            assert re.fullmatch(rf"\$\{{{key}:\?[^}}]+\}}", str(value)), f"{service}: {key} must be ${{{key}:?...}}"
        else:
            assert value is None or str(value).startswith(f"${{{key}:?"), f"{service}: {key} pass-through or required"


@pytest.mark.parametrize("service", SERVICES)
def test_services_run_the_cli_with_their_pipelines_and_report_health(service: str) -> None:
    spec = COMPOSE["services"][service]
    command = spec["command"]
    assert command == ["seamline", "run", service], "compose runs every registered pipeline (the CLI's default)"
    port = _environment(service)[f"SEAMLINE_{service.upper()}_HTTP_PORT"]
    assert f"127.0.0.1:{port}:{port}" in spec["ports"]
    assert f"http://127.0.0.1:{port}/healthz" in " ".join(spec["healthcheck"]["test"])
    assert _environment(service)["SEAMLINE_HTTP_HOST"] == "0.0.0.0"


def test_everything_waits_for_healthy_dependencies() -> None:
    for name, spec in COMPOSE["services"].items():
        for dependency, condition in spec.get("depends_on", {}).items():
            assert condition == {"condition": "service_healthy"}, (name, dependency)
            assert "healthcheck" in COMPOSE["services"][dependency], f"{dependency} has no healthcheck"


def test_prometheus_in_compose_uses_the_compose_scrape_config() -> None:
    flags = COMPOSE["services"]["prometheus"]["command"]
    config = next(f.split("=", 1)[1] for f in flags if f.startswith("--config.file="))
    assert (REPO / "infra" / "prometheus" / config.removeprefix("/etc/prometheus/")).is_file()


def test_every_compose_variable_is_documented_in_env_example() -> None:
    referenced = set(re.findall(r"\$\{(\w+)", json.dumps(COMPOSE)))
    passed_through = {k for s in SERVICES for k, v in _environment(s).items() if v is None}
    documented = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", ENV_EXAMPLE, flags=re.MULTILINE))
    assert referenced | passed_through <= documented, sorted((referenced | passed_through) - documented)


def test_env_example_names_only_real_settings() -> None:
    documented = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", ENV_EXAMPLE, flags=re.MULTILINE))
    unknown = sorted(documented - ALL_SETTINGS - NOT_SETTINGS)
    assert not unknown, f".env.example names settings nobody reads: {unknown}"
    scripts = (REPO / "infra" / "kafka" / "kafka.sh").read_text() + (REPO / "infra" / "redis" / "redis.sh").read_text()
    for name in NOT_SETTINGS - {"SEAMLINE_GRAFANA_ADMIN_PASSWORD"}:
        assert name in scripts, f"{name} is documented for the infra scripts, which do not read it"
