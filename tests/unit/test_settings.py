"""Settings resolution: defaults, precedence, parsing, validation and error messages."""

from __future__ import annotations

import dataclasses
import json
from types import SimpleNamespace
from typing import Any

import pytest

from pytest_critique.errors import CritiqueUsageError
from pytest_critique.settings import (ALL_KEYS, CACHE_MODES, MARKER_KEYS, OPTIONS, OPTIONS_BY_NAME, Secret, Settings,
                                      apply_overrides, from_pytest_config, resolve)

EMPTY_ENV: dict[str, str] = {}


def test_defaults_are_the_documented_ones() -> None:
    settings = resolve(env=EMPTY_ENV)
    assert settings == Settings()
    assert dataclasses.asdict(settings) == {
        "model": None, "api_base": None, "api_key": None, "cache": "rw", "cache_dir": ".critique_cache",
        "cache_url": None, "cache_namespace": "pytest-critique", "cache_local": False,
        "concurrency": 32, "samples": 1, "threshold": 1.0, "timeout": 60.0, "retries": 3,
        "max_retry_wait": 30.0, "max_reply_bytes": 4 * 1024 * 1024, "breaker": 5, "temperature": None,
        "batch": False, "report": None, "html": None, "checklists": "critique_checklists.json", "freeze": False,
        "max_calls": None, "max_cost": None, "jury": (), "jury_rule": "majority", "min_agreement": 0.7,
        "on_unstable": "report", "calibrate": None, "min_kappa": None, "max_tokens": None,
        "structured_output": "auto", "max_questions": 12, "show_prompt": False, "github_summary": "auto",
        "baseline": None, "fail_on_regression": False, "client": "auto",
    }


def test_option_table() -> None:
    assert CACHE_MODES == ("rw", "read", "refresh", "off")
    assert [option.name for option in OPTIONS] == list(ALL_KEYS)
    # jury is derived from a model setting that names several models
    assert set(ALL_KEYS) | {"jury"} == {field.name for field in dataclasses.fields(Settings)}
    assert MARKER_KEYS == ("model", "api_base", "cache", "concurrency", "samples", "threshold", "timeout",
                           "retries", "max_retry_wait", "max_reply_bytes", "temperature", "batch", "jury_rule",
                           "min_agreement", "on_unstable", "max_tokens", "structured_output", "max_questions",
                           "show_prompt", "client")
    api_key = OPTIONS_BY_NAME["api_key"]
    assert (api_key.cli, api_key.ini, api_key.marker) == (False, False, False)
    freeze = OPTIONS_BY_NAME["freeze"]
    assert (freeze.cli, freeze.ini, freeze.marker, freeze.flag) == (True, False, False, True)
    cache_dir = OPTIONS_BY_NAME["cache_dir"]
    assert (cache_dir.cli_flag, cache_dir.env_var, cache_dir.ini_key) == (
        "--critique-cache-dir", "CRITIQUE_CACHE_DIR", "critique_cache_dir")


@pytest.mark.parametrize(
    ("cli", "env", "ini", "expected"),
    [
        pytest.param({}, {}, {}, 1.0, id="default"),
        pytest.param({}, {}, {"threshold": "0.25"}, 0.25, id="ini"),
        pytest.param({}, {"CRITIQUE_THRESHOLD": "0.5"}, {"threshold": "0.25"}, 0.5, id="env-over-ini"),
        pytest.param({"threshold": "0.75"}, {"CRITIQUE_THRESHOLD": "0.5"}, {"threshold": "0.25"}, 0.75,
                     id="cli-over-env"),
        pytest.param({"threshold": None}, {"CRITIQUE_THRESHOLD": "0.5"}, {}, 0.5, id="cli-none-is-unset"),
        pytest.param({}, {"CRITIQUE_THRESHOLD": ""}, {"threshold": "0.25"}, 0.25, id="empty-env-is-unset"),
        pytest.param({"threshold": ""}, {}, {"threshold": "0.25"}, 0.25, id="empty-cli-is-unset"),
    ],
)
def test_precedence(cli: dict, env: dict, ini: dict, expected: float) -> None:
    assert resolve(cli=cli, env=env, ini=ini).threshold == expected


def test_layers_combine_per_setting() -> None:
    settings = resolve(cli={"samples": "3"}, env={"CRITIQUE_CACHE": "read", "CRITIQUE_MODEL": "m"},
                       ini={"cache": "off", "concurrency": "2", "model": "other"})
    assert (settings.samples, settings.cache, settings.concurrency, settings.model) == (3, "read", 2, "m")


def test_resolve_reads_the_process_environment_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRITIQUE_SAMPLES", "5")
    monkeypatch.setenv("CRITIQUE_API_KEY", "sk-test")
    settings = resolve()
    assert settings.samples == 5
    assert settings.api_key is not None and settings.api_key.reveal() == "sk-test"


def test_api_key_comes_only_from_the_environment() -> None:
    settings = resolve(cli={"api_key": "from-cli"}, ini={"api_key": "from-ini"}, env={})
    assert settings.api_key is None
    assert resolve(env={"CRITIQUE_API_KEY": "sk-x"}).api_key == Secret("sk-x")


def test_api_key_is_not_in_the_repr() -> None:
    settings = resolve(env={"CRITIQUE_API_KEY": "sk-secret-123"})
    assert "sk-secret-123" not in repr(settings)


def test_api_key_is_not_exposed_by_asdict_str_or_json() -> None:
    settings = resolve(env={"CRITIQUE_API_KEY": "sk-secret-123"})
    copied = dataclasses.asdict(settings)
    assert "sk-secret-123" not in repr(copied) and "sk-secret-123" not in str(copied)
    assert str(settings.api_key) == "[redacted]"
    with pytest.raises(TypeError):
        json.dumps(copied)  # a Secret is not JSON: a report that tried would fail, not leak
    assert json.dumps({name: value for name, value in copied.items() if name != "api_key"})


@pytest.mark.parametrize(
    ("name", "raw", "expected"),
    [
        ("model", "openai/gpt-4o-mini", "openai/gpt-4o-mini"),
        ("cache", "refresh", "refresh"),
        ("concurrency", "1", 1),
        ("samples", " 7 ", 7),
        ("threshold", "0", 0.0),
        ("threshold", "1", 1.0),
        ("timeout", "0.5", 0.5),
        ("retries", "0", 0),
        ("temperature", "0", 0.0),
        ("temperature", "2", 2.0),
        ("batch", "true", True),
        ("batch", "YES", True),
        ("batch", "1", True),
        ("batch", "on", True),
        ("batch", "false", False),
        ("batch", "No", False),
        ("batch", "0", False),
        ("batch", "off", False),
        ("report", "out/report.json", "out/report.json"),
        ("checklists", "frozen.json", "frozen.json"),
        ("cache_dir", "/abs/cache", "/abs/cache"),
    ],
)
def test_values_are_parsed(name: str, raw: str, expected: Any) -> None:
    value = getattr(resolve(cli={name: raw}, env={}), name)
    assert value == expected
    assert type(value) is type(expected)


def test_freeze_comes_from_the_flag_or_the_environment() -> None:
    assert resolve(cli={"freeze": "true"}, env={}).freeze is True
    assert resolve(env={"CRITIQUE_FREEZE": "1"}).freeze is True
    assert resolve(ini={"freeze": "true"}, env={}).freeze is False  # no ini key


def test_native_ini_values_are_accepted() -> None:
    """A TOML config file can hand over ints, floats and booleans instead of strings."""
    settings = resolve(ini={"samples": 3, "threshold": 0.5, "timeout": 10, "batch": True, "temperature": 1},
                       env={})
    assert (settings.samples, settings.threshold, settings.timeout, settings.batch, settings.temperature) == (
        3, 0.5, 10.0, True, 1.0)
    assert type(settings.timeout) is float


@pytest.mark.parametrize(
    ("name", "raw", "problem"),
    [
        ("cache", "bogus", "expected one of rw, read, refresh, off"),
        ("cache", "RW", "expected one of rw, read, refresh, off"),
        ("threshold", "1.5", "expected a number between 0 and 1"),
        ("threshold", "-0.01", "expected a number between 0 and 1"),
        ("threshold", "high", "expected a number"),
        ("concurrency", "0", "expected a number >= 1"),
        ("concurrency", "-1", "expected a number >= 1"),
        ("concurrency", "1.5", "expected a whole number"),
        ("samples", "abc", "expected a whole number"),
        ("samples", "0", "expected a number >= 1"),
        ("timeout", "0", "expected a number > 0"),
        ("timeout", "-3", "expected a number > 0"),
        ("retries", "-1", "expected a number >= 0"),
        ("temperature", "2.5", "expected a number between 0 and 2"),
        ("temperature", "-1", "expected a number between 0 and 2"),
        ("temperature", "warm", "expected a number"),
        ("batch", "maybe", "expected true or false"),
    ],
)
@pytest.mark.parametrize("source", ["cli", "env", "ini"])
def test_bad_values_name_their_source_and_the_allowed_values(source: str, name: str, raw: str,
                                                             problem: str) -> None:
    option = OPTIONS_BY_NAME[name]
    kwargs: dict[str, Any] = {"cli": {}, "env": {}, "ini": {}}
    if source == "cli":
        kwargs["cli"] = {name: raw}
        where = option.cli_flag
    elif source == "env":
        kwargs["env"] = {option.env_var: raw}
        where = f"environment variable {option.env_var}"
    else:
        kwargs["ini"] = {name: raw}
        where = f"ini option {option.ini_key}"
    with pytest.raises(CritiqueUsageError) as caught:
        resolve(**kwargs)
    assert str(caught.value) == f"critique: invalid value {raw!r} for {where} (setting '{name}'): {problem}"


@pytest.mark.parametrize(
    ("name", "raw", "problem"),
    [
        ("samples", 2.0, "expected a whole number"),
        ("samples", True, "expected a whole number"),
        ("threshold", True, "expected a number"),
        ("batch", 1, "expected true or false"),
        ("cache", 3, "expected a string"),
        ("samples", ["3"], "expected a whole number"),
    ],
)
def test_native_values_of_the_wrong_type_are_rejected(name: str, raw: Any, problem: str) -> None:
    with pytest.raises(CritiqueUsageError, match=f"for ini option critique_{name} .*: {problem}$"):
        resolve(ini={name: raw}, env={})


def test_a_bad_lower_layer_is_not_read_when_a_higher_one_is_set() -> None:
    assert resolve(cli={"cache": "off"}, env={"CRITIQUE_CACHE": "bogus"}).cache == "off"


def test_apply_overrides_layers_and_validates() -> None:
    base = resolve(env={})
    changed = apply_overrides(base, {"samples": 3, "threshold": 0.5, "cache": "off", "batch": True},
                              "@pytest.mark.critique")
    assert (changed.samples, changed.threshold, changed.cache, changed.batch) == (3, 0.5, "off", True)
    assert base.samples == 1  # frozen dataclass: the base is untouched
    assert apply_overrides(base, {}, "x") is base
    # strings are parsed as on the command line
    assert apply_overrides(base, {"samples": "4"}, "x").samples == 4


def test_apply_overrides_can_reset_optional_settings() -> None:
    base = resolve(env={"CRITIQUE_MODEL": "m", "CRITIQUE_TEMPERATURE": "0.3"})
    reset = apply_overrides(base, {"model": None, "temperature": None}, "x")
    assert (reset.model, reset.temperature) == (None, None)


def test_apply_overrides_rejects_none_for_required_settings() -> None:
    with pytest.raises(CritiqueUsageError, match=r"invalid value None for x setting 'samples'"):
        apply_overrides(Settings(), {"samples": None}, "x")


@pytest.mark.parametrize("name", ["colour", "cache_dir", "report", "checklists", "freeze", "api_key"])
def test_apply_overrides_rejects_keys_a_marker_cannot_set(name: str) -> None:
    with pytest.raises(CritiqueUsageError) as caught:
        apply_overrides(Settings(), {name: "x"}, "@pytest.mark.critique")
    assert str(caught.value) == (
        f"critique: @pytest.mark.critique got an unknown setting {name!r}; allowed: model, api_base, cache, "
        "concurrency, samples, threshold, timeout, retries, max_retry_wait, max_reply_bytes, temperature, batch, "
        "jury_rule, "
        "min_agreement, on_unstable, max_tokens, structured_output, max_questions, show_prompt, client")


def test_apply_overrides_with_all_keys_allows_session_settings() -> None:
    changed = apply_overrides(Settings(), {"cache_dir": "elsewhere", "api_key": "k", "report": "r.json"},
                              "Critic()", ALL_KEYS)
    assert (changed.cache_dir, changed.api_key, changed.report) == ("elsewhere", Secret("k"), "r.json")


def test_apply_overrides_error_names_the_source() -> None:
    with pytest.raises(CritiqueUsageError) as caught:
        apply_overrides(Settings(), {"threshold": 2}, "checklist()")
    assert str(caught.value) == ("critique: invalid value 2 for checklist() setting 'threshold': "
                                 "expected a number between 0 and 1")


@pytest.mark.parametrize(("temperature", "samples", "expected"), [
    (None, 1, 0.0),
    (None, 3, 0.7),
    (0.2, 1, 0.2),
    (0.2, 5, 0.2),
    (0.0, 5, 0.0),
])
def test_effective_temperature(temperature: float | None, samples: int, expected: float) -> None:
    assert Settings(temperature=temperature).effective_temperature(samples) == expected


class FakeConfig:
    """The two Config methods from_pytest_config uses."""

    def __init__(self, options: dict[str, Any], ini: dict[str, Any]):
        self.options = options
        self.ini = ini

    def getoption(self, dest: str) -> Any:
        return self.options.get(dest)

    def getini(self, key: str) -> Any:
        return self.ini.get(key, "")


def test_from_pytest_config(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ALL_KEYS:
        monkeypatch.delenv(OPTIONS_BY_NAME[name].env_var, raising=False)
    monkeypatch.setenv("CRITIQUE_SAMPLES", "3")
    config = FakeConfig({"critique_cache": "read", "critique_batch": "true"},
                        {"critique_cache": "off", "critique_threshold": "0.5", "critique_samples": "9",
                         "critique_model": [], "critique_cache_dir": ""})
    settings = from_pytest_config(config)
    assert (settings.cache, settings.batch, settings.threshold, settings.samples) == ("read", True, 0.5, 3)
    assert settings.model is None and settings.cache_dir == ".critique_cache"


@pytest.mark.parametrize(("verbosity", "shown"), [(0, False), (1, False), (2, True), (3, True)])
def test_very_verbose_runs_show_the_prompt(monkeypatch: pytest.MonkeyPatch, verbosity: int, shown: bool) -> None:
    for name in ALL_KEYS:
        monkeypatch.delenv(OPTIONS_BY_NAME[name].env_var, raising=False)
    config = FakeConfig({}, {})
    config.get_verbosity = lambda: verbosity  # type: ignore[attr-defined]
    assert from_pytest_config(config).show_prompt is shown


def test_from_pytest_config_never_asks_for_env_only_options(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[str] = []
    config = SimpleNamespace(getoption=lambda dest: asked.append(dest), getini=lambda key: asked.append(key))
    from_pytest_config(config)
    assert "critique_api_key" not in asked
    assert "critique_freeze" in asked  # the CLI flag...
    assert asked.count("critique_freeze") == 1  # ...but no ini key


def test_critic_keyword_arguments_override_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from pytest_critique import Critic

    monkeypatch.setenv("CRITIQUE_SAMPLES", "3")
    monkeypatch.setenv("CRITIQUE_MODEL", "from-env")
    critic = Critic(model="from-kwarg", cache="off")
    assert (critic.settings.model, critic.settings.cache, critic.settings.samples) == ("from-kwarg", "off", 3)
    with pytest.raises(CritiqueUsageError, match="Critic\\(\\) got an unknown setting 'colour'"):
        Critic(colour="red")


def test_a_model_setting_naming_several_models_is_a_jury() -> None:
    settings = resolve(cli={"model": "openai/gpt-4o-mini, anthropic/claude-3-5-haiku"}, env=EMPTY_ENV)
    assert settings.model == "openai/gpt-4o-mini"
    assert settings.jury == ("openai/gpt-4o-mini", "anthropic/claude-3-5-haiku")
    from_ini = resolve(ini={"model": ["a/x", "b/y", "c/z"]}, env=EMPTY_ENV)
    assert (from_ini.model, from_ini.jury) == ("a/x", ("a/x", "b/y", "c/z"))
    single = resolve(ini={"model": ["a/x"]}, env=EMPTY_ENV)
    assert (single.model, single.jury) == ("a/x", ())
    assert apply_overrides(from_ini, {"model": "d/w"}, "call").jury == ()
    assert apply_overrides(from_ini, {"model": None}, "call").jury == ()


@pytest.mark.parametrize(("name", "raw", "problem"), [
    ("model", "a/x,a/x", "a jury lists each model once"),
    ("model", "a/x,", "empty model name"),
    ("jury_rule", "quorum:0", "expected majority, unanimous or quorum:K"),
    ("jury_rule", "most", "expected majority, unanimous or quorum:K"),
    ("min_agreement", "1.5", "expected a number between 0 and 1"),
    ("on_unstable", "ignore", "expected one of report, error"),
    ("min_kappa", "2", "expected a number between -1 and 1"),
])
def test_trust_settings_are_validated(name: str, raw: str, problem: str) -> None:
    with pytest.raises(CritiqueUsageError) as caught:
        resolve(cli={name: raw}, env=EMPTY_ENV)
    assert str(caught.value).endswith(problem)


def test_jury_rule_is_normalised() -> None:
    assert resolve(cli={"jury_rule": " Quorum: 2"}, env=EMPTY_ENV).jury_rule == "quorum:2"
    assert resolve(cli={"jury_rule": "UNANIMOUS"}, env=EMPTY_ENV).jury_rule == "unanimous"
