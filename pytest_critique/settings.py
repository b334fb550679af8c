"""Every setting of the plugin, and the one function that resolves them.

Precedence, highest first: keyword arguments of a judge call, the ``@pytest.mark.critique``
marker, the command line, the environment (``CRITIQUE_*``), the ini file (``critique_*``),
the defaults below.  Only the standard library is imported here: this module loads with
pytest, before any test asks for a judge.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from typing import Any, Callable, Literal, Mapping

from .store_urls import check_cache_url, check_namespace, redact_url
from .errors import CritiqueUsageError

CacheModeName = Literal["rw", "read", "refresh", "off"]
OnUnstable = Literal["report", "error"]
StructuredOutput = Literal["auto", "schema", "json", "off"]
CACHE_MODES: tuple[CacheModeName, ...] = ("rw", "read", "refresh", "off")
STRUCTURED_OUTPUTS: tuple[StructuredOutput, ...] = ("auto", "schema", "json", "off")


class Secret:
    """A value that never shows itself: not in ``repr``, ``str``, ``dataclasses.asdict`` copies or JSON."""

    __slots__ = ("_value",)

    def __init__(self, value: str):
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('[redacted]')"

    def __str__(self) -> str:
        return "[redacted]"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(("Secret", self._value))

    def __deepcopy__(self, memo: dict[int, Any]) -> "Secret":
        return self

    def __reduce__(self) -> Any:
        raise TypeError("a Secret is not pickled")
UNSTABLE_ACTIONS: tuple[OnUnstable, ...] = ("report", "error")


@dataclass(frozen=True)
class Settings:
    """Resolved settings for one judge call (defaults are the documented ones)."""

    model: str | None = None
    api_base: str | None = None
    api_key: Secret | None = field(default=None, repr=False)
    """Shown nowhere: ``settings.api_key.reveal()`` gives the key to the judge's client."""
    cache: CacheModeName = "rw"
    cache_dir: str = ".critique_cache"
    cache_url: str | None = field(default=None, repr=False)
    """A shared verdict store (``redis://...``) used instead of the cache directory; may hold a password."""
    cache_namespace: str = "pytest-critique"
    """The prefix of every key this suite keeps in the shared store (teams sharing one Redis pick their own)."""
    cache_local: bool = False
    """Keep a copy of the shared store's verdicts in the cache directory and read it first."""
    concurrency: int = 32
    samples: int = 1
    threshold: float = 1.0
    timeout: float = 60.0
    retries: int = 3
    max_retry_wait: float = 30.0
    """Seconds one judge request may wait in all between its retries (backoff and Retry-After together)."""
    max_reply_bytes: int = 4 * 1024 * 1024
    breaker: int = 5
    """Failed judge requests in a row after which the run stops calling that judge (0: never)."""
    temperature: float | None = None
    batch: bool = False
    report: str | None = None
    html: str | None = None
    """Where to write the run's verdicts as one self-contained HTML page (``--critique-html``)."""
    checklists: str = "critique_checklists.json"
    freeze: bool = False
    max_calls: int | None = None
    max_cost: float | None = None
    jury: tuple[str, ...] = ()
    """Several judge models (from a model setting listing more than one); empty for one judge."""
    jury_rule: str = "majority"
    """``majority``, ``unanimous`` or ``quorum:K`` (checked by the option's parser)."""
    min_agreement: float = 0.7
    on_unstable: OnUnstable = "report"
    calibrate: str | None = None
    min_kappa: float | None = None
    max_tokens: int | None = None
    """The most tokens a judge reply may have; None: each task's own default."""
    structured_output: StructuredOutput = "auto"
    max_questions: int = 12
    """The most questions a generated checklist may have (at least 1)."""
    show_prompt: bool = False
    github_summary: Literal["auto", "off"] = "auto"
    """``auto``: append a Markdown summary to ``$GITHUB_STEP_SUMMARY`` when that is set."""
    baseline: str | None = None
    """A JSON report of an earlier run to compare this run with, part by part."""
    fail_on_regression: bool = False
    client: Literal["auto", "litellm"] = "auto"
    """``auto``: plain HTTP for ``openai/`` models at an OpenAI-compatible server, litellm for the rest."""

    def __post_init__(self) -> None:
        if isinstance(self.api_key, str):  # built directly, not resolved: keep the key hidden all the same
            object.__setattr__(self, "api_key", Secret(self.api_key))

    def replace(self, **changes: Any) -> "Settings":
        return dataclasses.replace(self, **changes)

    def effective_temperature(self, samples: int) -> float:
        """Greedy decoding for one sample; sampled votes need some temperature."""
        if self.temperature is not None:
            return self.temperature
        return 0.0 if samples == 1 else 0.7


def _parse_bool(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off", ""):
        return False
    raise ValueError("expected true or false")


@dataclass(frozen=True)
class Option:
    name: str
    help: str
    parse: Callable[[str], Any]
    check: Callable[[Any], str | None] = lambda value: None
    metavar: str = "VALUE"
    cli: bool = True
    ini: bool = True
    marker: bool = True
    flag: bool = False

    @property
    def cli_flag(self) -> str:
        return "--critique-" + self.name.replace("_", "-")

    @property
    def env_var(self) -> str:
        return "CRITIQUE_" + self.name.upper()

    @property
    def ini_key(self) -> str:
        return "critique_" + self.name

    @property
    def dest(self) -> str:
        return "critique_" + self.name


def _choice(*allowed: str) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        return None if value in allowed else "expected one of " + ", ".join(allowed)

    return check


def _at_least(minimum: float) -> Callable[[Any], str | None]:
    return lambda value: None if value >= minimum else f"expected a number >= {minimum:g}"


def _above_zero(value: Any) -> str | None:
    return None if value > 0 else "expected a number > 0"


def _unit_interval(value: Any) -> str | None:
    return None if 0.0 <= value <= 1.0 else "expected a number between 0 and 1"


def _temperature(value: Any) -> str | None:
    return None if value is None or 0.0 <= value <= 2.0 else "expected a number between 0 and 2"


def _kappa(value: Any) -> str | None:
    return None if value is None or -1.0 <= value <= 1.0 else "expected a number between -1 and 1"


def _optional_float(text: str) -> float | None:
    return None if text.strip() == "" else float(text)


def _optional_int(text: str) -> int | None:
    return None if text.strip() == "" else int(text)


def _optional_at_least(minimum: int) -> Callable[[Any], str | None]:
    return lambda value: None if value is None or value >= minimum else f"expected a whole number >= {minimum}"


def _models(raw: str) -> tuple[str, ...]:
    """One model string, or several separated by commas (a jury)."""
    models = tuple(part.strip() for part in raw.split(","))
    if not models or any(not model for model in models):
        raise ValueError("empty model name")
    return models


def _distinct(value: Any) -> str | None:
    return None if len(set(value)) == len(value) else "a jury lists each model once"


def _jury_rule(raw: str) -> str:
    """majority, unanimous, or quorum:K (at least K jurors must say YES)."""
    text = raw.strip().lower().replace(" ", "")
    if text in ("majority", "unanimous"):
        return text
    if text.startswith("quorum:") and text[7:].isdigit() and int(text[7:]) >= 1:
        return f"quorum:{int(text[7:])}"
    raise ValueError("expected majority, unanimous or quorum:K")


OPTIONS: tuple[Option, ...] = (
    Option("model", "judge model: any litellm model string, or recorded:PATH; several separated by commas "
           "form a jury", _models, _distinct, metavar="MODEL"),
    Option("api_base", "base URL of an OpenAI-compatible server for the judge", str, metavar="URL"),
    Option("api_key", "API key for the judge (environment only)", Secret, cli=False, ini=False, marker=False),
    Option("cache", "verdict cache mode: rw (default), read, refresh, off", str, _choice(*CACHE_MODES), "MODE"),
    Option("cache_dir", "verdict cache directory, relative to the rootdir", str, metavar="DIR", marker=False),
    Option("cache_url", "shared verdict store instead of the cache directory: redis://[:PASSWORD@]HOST[:PORT][/DB] "
           "or rediss://...[?ssl_ca_certs=CA.pem] (needs pip install 'pytest-critique[redis]')", str, check_cache_url,
           "URL", marker=False),
    Option("cache_namespace", "prefix of this suite's keys in the shared verdict store", str, check_namespace,
           "NAME", marker=False),
    Option("cache_local", "with --critique-cache-url, keep a copy of shared verdicts in the cache directory "
           "and read it first", _parse_bool, flag=True, marker=False),
    Option("concurrency", "judge requests in flight at once to each model, for the whole run (shared out "
           "among xdist workers)", int, _at_least(1), "N"),
    Option("samples", "judgements per question; the majority decides", int, _at_least(1), "K"),
    Option("threshold", "pass rate a checklist needs to pass (0-1)", float, _unit_interval, "RATE"),
    Option("timeout", "seconds one judge request may take, connection and whole reply", float, _above_zero,
           "SECONDS"),
    Option("retries", "retries after a rate limit, server error or timeout", int, _at_least(0), "N"),
    Option("max_retry_wait", "seconds one judge request may wait in all between its retries (backoff and "
           "Retry-After); a longer Retry-After is not waited for", float, _at_least(0), "SECONDS"),
    Option("max_reply_bytes", "largest judge reply read, in bytes; a longer one is cut off and UNSCORED", int,
           _at_least(1024), "BYTES"),
    Option("breaker", "after N failed judge requests in a row (timeouts, errors, rate limits) stop calling "
           "that judge for the rest of the run; 0 never stops", int, _at_least(0), "N", marker=False),
    Option("temperature", "judge sampling temperature (default 0, or 0.7 with samples > 1)",
           _optional_float, _temperature, "T"),
    Option("batch", "judge all questions of a checklist in one call", _parse_bool, flag=True),
    Option("report", "write every verdict of the run to this JSON file, relative to the directory pytest runs in",
           str, metavar="PATH", marker=False),
    Option("html", "write the run's verdicts as one self-contained HTML page to this file, relative to the "
           "directory pytest runs in", str, metavar="PATH", marker=False),
    Option("checklists", "file of frozen generated checklists, relative to the rootdir", str,
           metavar="PATH", marker=False),
    Option("freeze", "write generated checklists to the checklists file", _parse_bool, flag=True,
           ini=False, marker=False),
    Option("max_calls", "stop calling the judge after N calls in this run (cached verdicts still serve)",
           int, _at_least(0), "N", marker=False),
    Option("max_cost", "stop calling the judge once this many US dollars are spent in this run",
           _optional_float, _at_least(0), "USD", marker=False),
    Option("jury_rule", "how a jury's votes decide: majority (default), unanimous, or quorum:K", _jury_rule,
           metavar="RULE"),
    Option("min_agreement", "share of sampled votes that must agree for a verdict to count as stable (0-1)",
           float, _unit_interval, "SHARE"),
    Option("on_unstable", "what an unstable verdict does: report (default: marked in the report) or error "
           "(UNSCORED)", str, _choice(*UNSTABLE_ACTIONS), "ACTION"),
    Option("calibrate", "run the judge on these labelled verdicts (JSONL) and report its agreement",
           str, metavar="LABELS", marker=False),
    Option("min_kappa", "fail the run when calibration gives a Cohen's kappa below this",
           _optional_float, _kappa, "KAPPA", marker=False),
    Option("max_tokens", "most tokens a judge reply may have (default: per task, 1024 to 4096)", _optional_int,
           _optional_at_least(16), "N"),
    Option("structured_output", "ask models for their answer schema: auto (schema where the model supports "
           "it, else JSON mode, else the prompt alone), schema, json or off", str, _choice(*STRUCTURED_OUTPUTS),
           "MODE"),
    Option("max_questions", "most questions a generated checklist may have", int, _at_least(1), "N"),
    Option("show_prompt", "show the request sent and the reply received for failing and unscored items",
           _parse_bool, flag=True),
    Option("github_summary", "auto (default: append a Markdown summary to $GITHUB_STEP_SUMMARY when it is set) "
           "or off", str, _choice("auto", "off"), "MODE", marker=False),
    Option("baseline", "compare the run with this JSON report of an earlier run (--critique-report), item by "
           "item; relative to the directory pytest runs in", str, metavar="PATH", marker=False),
    Option("fail_on_regression", "exit 1 when an item that was good in the baseline is bad now", _parse_bool,
           flag=True, marker=False),
    Option("client", "how model judges are called: auto (default: plain HTTP for openai/ models at an "
           "api_base, litellm for the rest) or litellm (always)", str, _choice("auto", "litellm"), "CLIENT"),
)
OPTIONS_BY_NAME = {option.name: option for option in OPTIONS}
MARKER_KEYS = tuple(option.name for option in OPTIONS if option.marker)
ALL_KEYS = tuple(OPTIONS_BY_NAME)


def add_options(parser: Any) -> None:
    """Register the command-line options and ini keys with pytest's parser."""
    group = parser.getgroup("critique", "LLM judges (pytest-critique)")
    for option in OPTIONS:
        if option.cli:
            if option.flag:
                group.addoption(option.cli_flag, action="store_const", const="true", default=None,
                                dest=option.dest, help=f"{option.help} (env {option.env_var}=1)")
            else:
                group.addoption(option.cli_flag, action="store", default=None, dest=option.dest,
                                metavar=option.metavar, help=f"{option.help} ({_default_and_env(option)})")
        if option.ini:
            _add_ini(parser, option)


def _default_and_env(option: Option) -> str:
    """``default: 32; env CRITIQUE_CONCURRENCY``, the default left out where the help already says it."""
    if "default" in option.help:
        return f"env {option.env_var}"
    default = getattr(Settings(), option.name)
    shown = "none" if default in (None, ()) else f"{default:g}" if isinstance(default, float) else default
    return f"default: {shown}; env {option.env_var}"


def _add_ini(parser: Any, option: Option) -> None:
    """Register an ini key; on pytest >= 9.2 also accept native TOML numbers and booleans."""
    if option.parse is _models:
        parser.addini(option.ini_key, option.help, type="args", default=None)  # a TOML list is a jury
        return
    native: Any = None
    if option.parse in (int, float, _optional_float, _optional_int):
        native = str | int | float
    elif option.parse is _parse_bool:
        native = str | bool
    if native is not None:
        try:
            parser.addini(option.ini_key, option.help, type=native, default=None)
            return
        except Exception:  # noqa: BLE001 - older pytest: string values only
            pass
    parser.addini(option.ini_key, option.help, default=None)


def _coerce(option: Option, raw: Any) -> Any:
    if option.parse is Secret and isinstance(raw, Secret):
        return raw
    if isinstance(raw, str):
        return option.parse(raw)
    if isinstance(raw, bool):
        if option.parse is _parse_bool:
            return raw
    elif option.parse in (float, _optional_float) and isinstance(raw, (int, float)):
        return float(raw)
    elif option.parse in (int, _optional_int) and isinstance(raw, int):
        return raw
    elif option.parse is _models and isinstance(raw, (list, tuple)) and all(isinstance(m, str) for m in raw):
        return tuple(model for text in raw for model in _models(text))
    raise TypeError(type(raw).__name__)


def _describe_expected(option: Option) -> str:
    if option.parse in (int, _optional_int):
        return "expected a whole number"
    if option.parse in (float, _optional_float):
        return "expected a number"
    if option.parse is _parse_bool:
        return "expected true or false"
    if option.parse is _models:
        return "expected a model string or a list of them"
    return "expected a string"


def _convert(option: Option, raw: Any, source: str) -> Any:
    if option.name == "cache_url" and isinstance(raw, str):
        raw = _ShownRedacted(raw)
    try:
        value = _coerce(option, raw)
    except ValueError as exc:
        problem: str | None = str(exc) if option.parse in (_models, _jury_rule) else _describe_expected(option)
    except TypeError:
        problem = _describe_expected(option)
    else:
        problem = option.check(value)
    if problem:
        raise CritiqueUsageError(f"invalid value {raw!r} for {source}: {problem}")
    return value


class _ShownRedacted(str):
    """A URL whose ``repr`` (in error messages) hides its password."""

    def __repr__(self) -> str:
        return repr(redact_url(str(self)))


def resolve(
    cli: Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
    ini: Mapping[str, Any] | None = None,
) -> Settings:
    """Resolve settings from command line > environment > ini > defaults.

    ``cli`` and ``ini`` map option names to raw values (``None`` = not given); ``env`` is the
    process environment.  A bad value raises :class:`CritiqueUsageError` naming its source.
    """
    cli = cli or {}
    ini = ini or {}
    env = os.environ if env is None else env
    values: dict[str, Any] = {}
    for option in OPTIONS:
        for source, raw in (
            (option.cli_flag, cli.get(option.name) if option.cli else None),
            (f"environment variable {option.env_var}", env.get(option.env_var)),
            (f"ini option {option.ini_key}", ini.get(option.name) if option.ini else None),
        ):
            if raw is None or raw == "":
                continue
            values[option.name] = _convert(option, raw, f"{source} (setting '{option.name}')")
            break
    return Settings(**_with_jury(values))


def _with_jury(values: dict[str, Any]) -> dict[str, Any]:
    """A model setting naming several models is a jury; its first model also generates checklists."""
    models = values.get("model")
    if isinstance(models, tuple):
        values = {**values, "model": models[0], "jury": models if len(models) > 1 else ()}
    elif "model" in values:
        values = {**values, "jury": ()}
    return values


def apply_overrides(base: Settings, overrides: Mapping[str, Any], source: str,
                    allowed: tuple[str, ...] = MARKER_KEYS) -> Settings:
    """Layer marker or call keyword arguments over ``base``, validating each value."""
    __tracebackhide__ = True
    changes: dict[str, Any] = {}
    for name, raw in overrides.items():
        option = OPTIONS_BY_NAME.get(name)
        if option is None or name not in allowed:
            raise CritiqueUsageError(
                f"{source} got an unknown setting {name!r}; "
                f"allowed: {', '.join(allowed)}")
        if raw is None and name in ("model", "api_base", "api_key", "temperature", "report", "max_tokens"):
            changes[name] = None
            continue
        changes[name] = _convert(option, raw, f"{source} setting '{name}'")
    return base.replace(**_with_jury(changes)) if changes else base


def from_pytest_config(config: Any) -> Settings:
    """Resolve the session-wide settings from a pytest ``Config``."""
    cli = {o.name: config.getoption(o.dest) for o in OPTIONS if o.cli}
    ini = {}
    for option in OPTIONS:
        if option.ini:
            raw = config.getini(option.ini_key)
            ini[option.name] = raw if raw not in (None, "", [], ()) else None
    settings = resolve(cli=cli, ini=ini)
    verbosity = config.get_verbosity() if hasattr(config, "get_verbosity") else 0
    if not settings.show_prompt and verbosity >= 2:
        settings = settings.replace(show_prompt=True)  # -vv shows what was sent to the judge too
    return settings


__all__ = ["CACHE_MODES", "OPTIONS", "Settings", "add_options", "apply_overrides", "from_pytest_config",
           "resolve"]
