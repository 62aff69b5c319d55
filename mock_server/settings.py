"""Every knob of the fake, in one frozen object built from CLI flags, environment and defaults.

Each field carries its help text and parser, so the CLI, the environment variables
(`VIDU_MOCK_<NAME>`) and the README's settings table all come from this one declaration.
"""

from __future__ import annotations

import dataclasses
import difflib
import enum
import json
import math
import urllib.parse
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "ENV_PREFIX",
    "PROFILE_ENV",
    "REDACTED",
    "ClockKind",
    "Progression",
    "ProgressionKind",
    "SettingSpec",
    "Settings",
    "StoreKind",
    "StoreLocation",
    "did_you_mean",
    "load_profile",
    "parse_base_url",
    "parse_bool",
    "parse_int_from",
    "parse_number",
    "settings_fields",
    "settings_shown",
    "settings_table",
    "settings_text",
    "text_of_json_value",
    "to_text",
    "without_password",
    "write_profile",
]

ENV_PREFIX = "VIDU_MOCK_"
PROFILE_ENV = ENV_PREFIX + "PROFILE"  # a profile file: settings as a JSON object
MIB = 1024 * 1024


class ProgressionKind(enum.Enum):
    """How a job moves through its lifecycle."""

    REALTIME = "realtime"
    INSTANT = "instant"
    POLLS = "polls"
    MANUAL = "manual"


@dataclass(frozen=True)
class Progression:
    """A lifecycle progression policy, written `realtime`, `instant`, `polls:N` or `manual`."""

    kind: ProgressionKind = ProgressionKind.REALTIME
    reads_per_stage: int = 1

    @classmethod
    def parse(cls, text: str) -> Progression:
        """Read `polls:3` and friends; raise ValueError with the accepted forms."""
        name, _, count = text.strip().lower().partition(":")
        try:
            kind = ProgressionKind(name)
        except ValueError:
            raise ValueError(
                f"unknown progression {text!r}; use realtime, instant, polls:N or manual"
            ) from None
        if kind is not ProgressionKind.POLLS:
            if count:
                raise ValueError(f"progression {name!r} takes no ':N' part, got {text!r}")
            return cls(kind)
        reads = _int_or_none(count or "1")
        if reads is None or reads < 1:
            raise ValueError(f"polls:N needs a whole number N >= 1, got {text!r}")
        return cls(kind, reads)

    def __str__(self) -> str:
        if self.kind is ProgressionKind.POLLS:
            return f"polls:{self.reads_per_stage}"
        return str(self.kind.value)


class StoreKind(enum.Enum):
    """Where a fake keeps its state."""

    AUTO = ""
    MEMORY = "memory"
    SQLITE = "sqlite"
    REDIS = "redis"


REDACTED = "***"  # what is shown in place of a secret: a token, a password in a URL
SQLITE_SCHEME = "sqlite:///"
REDIS_SCHEMES = ("redis://", "rediss://")


@dataclass(frozen=True)
class StoreLocation:
    """A store, written `memory`, `sqlite:///PATH` or `redis://HOST:PORT/DB` ("" decides by
    the other settings)."""

    kind: StoreKind = StoreKind.AUTO
    target: str = ""  # the SQLite file's path, or the Redis URL

    @classmethod
    def parse(cls, text: str) -> StoreLocation:
        """Read a store URL; raise ValueError with the accepted forms."""
        value = text.strip()
        if value in ("", "auto"):
            return cls()
        if value == "memory":
            return cls(StoreKind.MEMORY)
        if value.startswith(SQLITE_SCHEME) and len(value) > len(SQLITE_SCHEME):
            return cls(StoreKind.SQLITE, value[len(SQLITE_SCHEME) :])
        if value.startswith(REDIS_SCHEMES):
            return cls(StoreKind.REDIS, _checked_redis_url(value))
        raise ValueError(
            f"unknown store {text!r}; use memory, sqlite:///PATH (sqlite:////ABSOLUTE/PATH) "
            "or redis://HOST:PORT/DB"
        )

    @property
    def shared(self) -> bool:
        """Tell whether several processes can share this store."""
        return self.kind in (StoreKind.SQLITE, StoreKind.REDIS)

    def __str__(self) -> str:
        if self.kind is StoreKind.SQLITE:
            return SQLITE_SCHEME + self.target
        return self.target if self.kind is StoreKind.REDIS else self.kind.value

    @property
    def shown(self) -> str:
        """The location as it may be printed: a password in a Redis URL hidden."""
        return without_password(str(self))


def without_password(url: str) -> str:
    """A URL with the password in it (`redis://:PASSWORD@host`, `?password=`) hidden."""
    parts = urllib.parse.urlsplit(url)
    netloc, query = parts.netloc, parts.query
    if parts.password is not None:
        user, _, host = netloc.rpartition("@")
        netloc = f"{user.partition(':')[0]}:{REDACTED}@{host}"
    if "password" in urllib.parse.parse_qs(query):
        pairs = urllib.parse.parse_qsl(query, keep_blank_values=True)
        hidden = [(name, REDACTED if name == "password" else value) for name, value in pairs]
        query = urllib.parse.urlencode(hidden, safe="*")
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc, query=query))


def _checked_redis_url(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    database = parts.path.strip("/")
    try:
        port = parts.port
    except ValueError:
        port = -1
    if not parts.hostname or port == -1 or (database and not database.isdigit()):
        shown = without_password(url)
        raise ValueError(f"cannot read the Redis URL {shown!r}; write redis://HOST:PORT/DB")
    return url


class ClockKind(enum.Enum):
    """Whether the fake's time follows the wall clock or only moves when told to."""

    REAL = "real"
    VIRTUAL = "virtual"


def _int_or_none(text: str) -> int | None:
    try:
        return int(text.strip())
    except ValueError:
        return None


def parse_int_from(minimum: int, maximum: int | None = None) -> Callable[[str], int]:
    """An integer parser that also says which range it accepts."""
    allowed = f"from {minimum} to {maximum}" if maximum is not None else f">= {minimum}"

    def parse(text: str) -> int:
        value = _int_or_none(text)
        if value is None or value < minimum or (maximum is not None and value > maximum):
            raise ValueError(f"expected an integer {allowed}, got {text!r}")
        return value

    return parse


def parse_number(minimum: float, *, inclusive: bool) -> Callable[[str], float]:
    """A finite-number parser with a lower bound, saying which numbers it accepts."""
    allowed = f"a number {'>=' if inclusive else '>'} {minimum:g}"

    def parse(text: str) -> float:
        try:
            value = float(text.strip())
        except ValueError:
            value = math.nan
        if not math.isfinite(value) or value < minimum or (value == minimum and not inclusive):
            raise ValueError(f"expected {allowed}, got {text!r}")
        return value

    return parse


def parse_bool(text: str) -> bool:
    """Read a boolean the way a flag or variable writes it: true/false, yes/no, on/off, 1/0."""
    value = text.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError(f"expected a boolean (true/false, yes/no, on/off, 1/0), got {text!r}")


def _parse_optional_int(text: str) -> int | None:
    if text.strip().lower() in {"", "none", "random"}:
        return None
    value = _int_or_none(text)
    if value is None:
        raise ValueError(f"expected an integer, or random for a fresh seed, got {text!r}")
    return value


def _parse_probability(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"expected a probability between 0 and 1, got {text!r}")
    return value


def _parse_keys(text: str) -> tuple[str, ...]:
    return tuple(key.strip() for key in text.split(",") if key.strip())


def _parse_status(*allowed: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        status = _int_or_none(text)
        if status is None or status not in allowed:
            raise ValueError(f"expected one of {', '.join(map(str, allowed))}, got {text!r}")
        return status

    return parse


def _parse_choice(*allowed: str) -> Callable[[str], str]:
    def parse(text: str) -> str:
        value = text.strip().lower()
        if value not in allowed:
            raise ValueError(f"expected one of {', '.join(allowed)}, got {text!r}")
        return value

    return parse


def _parse_clock(text: str) -> ClockKind:
    names = [kind.value for kind in ClockKind]
    try:
        return ClockKind(text.strip().lower())
    except ValueError:
        raise ValueError(f"expected one of {', '.join(names)}, got {text!r}") from None


def parse_base_url(text: str) -> str:
    value = text.strip()
    if value and not value.lower().startswith(("http://", "https://")):
        raise ValueError(f"expected an http:// or https:// URL, or nothing, got {text!r}")
    return value


def _setting(default: Any, help: str, parse: Callable[[str], Any], *, guess: bool = False) -> Any:
    """Declare one setting: its default, help text, string parser and whether it is a [guess]."""
    return field(default=default, metadata={"help": help, "parse": parse, "guess": guess})


@dataclass(frozen=True)
class Settings:
    """The fake's whole configuration; `create_app(Settings(...))` takes it.

    Each value may be given as its type or as the text its flag takes: `Settings(seed="3")`.
    """

    host: str = _setting("127.0.0.1", "Interface `vidu-mock serve` binds to.", str)
    port: int = _setting(
        8080, "Port `vidu-mock serve` binds to (0 picks a free one).", parse_int_from(0, 65535)
    )
    workers: int = _setting(
        0,
        "Worker processes of `vidu-mock serve`: 0 serves from one process (threaded); N >= 1 "
        "runs N processes behind the port on a production server (granian) that replaces a "
        "worker that dies; they share the whole fake through the store.",
        parse_int_from(0),
    )
    store: StoreLocation = _setting(
        StoreLocation(),
        "Where the fake keeps all its state (jobs, clock, scripts, journal, settings changed "
        "at run time, quotas): memory (one process), sqlite:///PATH (a file: any number of "
        "processes on one host; state outlives restarts) or redis://HOST:PORT/DB (any number "
        "of hosts). Unset: memory with 0 workers, a temporary SQLite file with N >= 1.",
        StoreLocation.parse,
    )
    store_path: str = _setting(
        "",
        "Shorthand for --store sqlite:///PATH: the SQLite file that keeps the fake's state "
        "(created if missing).",
        str,
    )
    threads: int = _setting(
        0,
        "Request threads in each worker process (with workers >= 1). One answers the most "
        "requests at the shortest tail (threads of a process take turns on the GIL); more let "
        "slow requests overlap (image fetches, chaos or scripted delays, which hold a thread "
        "while they wait). 0 picks 1, or 32 with fetch_images or chaos_latency.",
        parse_int_from(0),
    )
    public_base_url: str = _setting(
        "",
        "Base URL written into `video_url`s, for use behind a proxy or in a container "
        "(default: the URL the request came in on).",
        parse_base_url,
    )
    log_format: str = _setting(
        "text",
        "Console lines of `vidu-mock serve`: text (one line per request, coloured on a "
        "terminal) or json (one JSON object per line, for log collectors).",
        _parse_choice("text", "json"),
    )
    quiet: bool = _setting(
        False,
        "Print no line per request (the start banner, warnings and errors still print).",
        parse_bool,
    )
    speed: float = _setting(
        1.0,
        "Divides every queue and processing time of the timing model.",
        parse_number(0, inclusive=False),
    )
    progression: Progression = _setting(
        Progression(),
        "How jobs advance: realtime (timing model x speed), instant (terminal at first read), "
        "polls:N (one stage per N reads), manual (only when the virtual clock is advanced).",
        Progression.parse,
    )
    clock: ClockKind = _setting(
        ClockKind.REAL,
        "real: wall-clock time; virtual: time moves only through the control API "
        "(manual progression implies virtual).",
        _parse_clock,
    )
    seed: int | None = _setting(
        None, "Makes task ids, timings and every generated value reproducible.", _parse_optional_int
    )
    missing_key_status: int = _setting(
        400,
        "Status for a request with no API key: 400 MISSING_API_KEY (docs) or 403 "
        "INVALID_API_KEY (one live capture).",
        _parse_status(400, 403),
        guess=True,
    )
    wrong_key_status: int = _setting(
        403,
        "Status for a wrong API key, reason INVALID_API_KEY: 403 (docs) or 401 (reseller FAQ).",
        _parse_status(401, 403),
        guess=True,
    )
    api_keys: tuple[str, ...] = _setting(
        (),
        "Comma-separated keys that are valid; empty accepts any non-empty Bearer token.",
        _parse_keys,
        guess=True,
    )
    accept_bare_key: bool = _setting(
        False,
        "Accept an Authorization header holding the key without `Bearer `.",
        parse_bool,
        guess=True,
    )
    unknown_fields: str = _setting(
        "ignore",
        "Body fields the docs do not list: ignore, or reject with 400.",
        _parse_choice("ignore", "reject"),
        guess=True,
    )
    upstream_limits: bool = _setting(
        False,
        "Enforce the upstream model's limits: prompt <= 2000 chars, exactly one image, "
        "no audio with off_peak.",
        parse_bool,
        guess=True,
    )
    image_refs: str = _setting(
        "strict",
        "strict: each image must be an http(s) URL or a data:image/...;base64, URI; "
        "any: any string.",
        _parse_choice("strict", "any"),
        guess=True,
    )
    duration_required: bool = _setting(
        False,
        "Require `duration` (the docs list it as required and give it a default of 5).",
        parse_bool,
        guess=True,
    )
    integral_floats: str = _setting(
        "accept",
        "Integer fields sent as 5.0: accept (as JSON Schema does) or reject.",
        _parse_choice("accept", "reject"),
        guess=True,
    )
    content_type: str = _setting(
        "lenient",
        "Submit without `Content-Type: application/json`: lenient (parse anyway) or strict (400).",
        _parse_choice("lenient", "strict"),
        guess=True,
    )
    task_type: str = _setting(
        "VIDU_Q2_PRO_FAST_IMG2VIDEO",
        "The `task.task_type` string (undocumented).",
        str,
        guess=True,
    )
    max_body_bytes: int = _setting(
        20 * MIB, "Largest request body accepted; larger answers 413.", parse_int_from(1)
    )
    video_url_ttl: int = _setting(
        3600, "Seconds a `video_url` stays valid after the job finished.", parse_int_from(0)
    )
    retention: float = _setting(
        0.0,
        "Seconds (on the fake's clock) a job is kept after its submit, for a long-lived shared "
        "fake; older jobs and their journal entries are dropped and polling them answers 404 "
        "TASK_NOT_FOUND, as upstream does for lost tasks. 0 keeps every job.",
        parse_number(0, inclusive=True),
    )
    fetch_images: bool = _setting(
        False,
        "Fetch every input image at submit and fail the job, as upstream does, when one cannot be "
        "downloaded, is not a png/jpeg/webp image, or is outside 1:4..4:1.",
        parse_bool,
    )
    image_fetch_timeout: float = _setting(
        10.0,
        "Seconds allowed for fetching one input image (with fetch_images).",
        parse_number(0, inclusive=False),
    )
    image_max_bytes: int = _setting(
        50 * MIB,
        "Largest input image accepted (with fetch_images); upstream's limit is 50 MB.",
        parse_int_from(1),
    )
    control_token: str = _setting(
        "",
        "Token the `/_mock` control API requires in the `X-Vidu-Mock-Token` header; unset, the "
        "control API answers only when the fake is bound to a loopback address.",
        str,
    )
    prompt_markers: bool = _setting(
        True,
        "Obey `[mock:...]` markers in the prompt (scripted outcomes for clients that cannot "
        "reach the control API).",
        parse_bool,
    )
    journal_size: int = _setting(
        10_000,
        "How many of the latest API requests the journal keeps (0: none).",
        parse_int_from(0),
    )
    rate_limit_rpm: int = _setting(
        0,
        "Submits each API key may make per minute of the fake's clock (0: no limit); more "
        "answer 429 RATE_LIMIT_EXCEEDED.",
        parse_int_from(0),
    )
    rate_limit_polls: bool = _setting(
        False,
        "Count task-result polls towards `rate_limit_rpm` too (upstream's limits are per model).",
        parse_bool,
        guess=True,
    )
    max_running_jobs: int = _setting(
        0,
        "Jobs each API key may have queued or processing at once (0: no limit); a submit "
        "beyond it answers 429 RATE_LIMIT_EXCEEDED.",
        parse_int_from(0),
        guess=True,
    )
    chaos_rate_limited: float = _setting(
        0.0, "Chaos: probability a submit answers 429 RATE_LIMIT_EXCEEDED.", _parse_probability
    )
    chaos_create_failed: float = _setting(
        0.0, "Chaos: probability a submit answers 500 CREATE_TASK_FAILED.", _parse_probability
    )
    chaos_unavailable: float = _setting(
        0.0, "Chaos: probability a submit answers 503 SERVICE_NOT_AVAILABLE.", _parse_probability
    )
    chaos_task_failed: float = _setting(
        0.0,
        "Chaos: probability an accepted job ends TASK_STATUS_FAILED with an upstream reason.",
        _parse_probability,
    )
    chaos_stuck: float = _setting(
        0.0,
        "Chaos: probability an accepted job never leaves QUEUED or PROCESSING.",
        _parse_probability,
    )
    chaos_poll_failed: float = _setting(
        0.0, "Chaos: probability a poll answers 500 GET_RESULT_FAILED.", _parse_probability
    )
    chaos_latency: float = _setting(
        0.0,
        "Chaos: probability an API request is answered `chaos_latency_seconds` late.",
        _parse_probability,
    )
    chaos_latency_seconds: float = _setting(
        2.0,
        "Chaos: wall-clock seconds a delayed request waits.",
        parse_number(0, inclusive=True),
    )

    def __post_init__(self) -> None:
        self._parse_values()
        if self.store.kind is not StoreKind.AUTO and self.store_path:
            raise ValueError("give either store or store_path, not both")
        if self.store.kind is StoreKind.MEMORY and self.workers:
            raise ValueError(
                "store memory keeps the state in one process; with workers use "
                "sqlite:///PATH or redis://HOST:PORT/DB"
            )

    def _parse_values(self) -> None:
        """Hold every value to its flag's rules, whether given as text or as its type.

        A text is read the way its flag would read it, so `Settings(seed="3")` works; a typed
        value is checked by reading its flag text, so `Settings(port=70000)` is refused with the
        same message as `--port 70000`, and kept as given.
        """
        for spec in dataclasses.fields(self):
            value = getattr(self, spec.name)
            try:
                parsed = spec.metadata["parse"](value if isinstance(value, str) else to_text(value))
            except ValueError as exc:
                raise ValueError(f"{spec.name}: {exc}") from None
            if isinstance(value, str):
                object.__setattr__(self, spec.name, parsed)

    @property
    def store_in_force(self) -> StoreLocation:
        """The store this fake uses: the `store` setting, `store_path`, or memory."""
        if self.store.kind is not StoreKind.AUTO:
            return self.store
        if self.store_path:
            return StoreLocation(StoreKind.SQLITE, self.store_path)
        return StoreLocation(StoreKind.MEMORY)

    @property
    def virtual_clock(self) -> bool:
        """Tell whether time moves only when advanced."""
        return self.clock is ClockKind.VIRTUAL or self.progression.kind is ProgressionKind.MANUAL

    def replace(self, **changes: Any) -> Settings:
        """Return a copy with some settings changed."""
        return dataclasses.replace(self, **changes)

    @classmethod
    def from_strings(cls, values: Mapping[str, str], base: Settings | None = None) -> Settings:
        """Build settings from `name -> text` pairs, each parsed by its field's parser."""
        known = {spec.name: spec for spec in settings_fields()}
        parsed: dict[str, Any] = {}
        for name, text in values.items():
            spec = known.get(name)
            if spec is None:
                raise ValueError(f"unknown setting {name!r}{did_you_mean(name, known)}")
            try:
                parsed[name] = spec.parse(text)
            except ValueError as exc:
                raise ValueError(f"{name}: {exc}") from None
        return (base or cls()).replace(**parsed)

    @classmethod
    def from_env(cls, environ: Mapping[str, str], base: Settings | None = None) -> Settings:
        """Build settings from `VIDU_MOCK_*` environment variables."""
        values = {spec.name: environ[spec.env] for spec in settings_fields() if spec.env in environ}
        return cls.from_strings(values, base)


def did_you_mean(name: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(known), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


@dataclass(frozen=True)
class SettingSpec:
    """What the CLI and the docs need to know about one setting."""

    name: str
    default: Any
    help: str
    parse: Callable[[str], Any]
    guess: bool

    @property
    def env(self) -> str:
        return ENV_PREFIX + self.name.upper()

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")

    @property
    def boolean(self) -> bool:
        """Tell whether the setting is on or off (its flag may then be given bare)."""
        return self.parse is parse_bool

    @property
    def default_text(self) -> str:
        """The default as the settings table shows it: `(unset)` or `(any)` when empty."""
        text = to_text(self.default)
        if text:
            return text
        return "(any)" if isinstance(self.default, tuple) else "(unset)"


def settings_fields() -> Iterator[SettingSpec]:
    """List every setting with its metadata, in declaration order."""
    for spec in dataclasses.fields(Settings):
        yield SettingSpec(
            name=spec.name,
            default=spec.default,
            help=spec.metadata["help"],
            parse=spec.metadata["parse"],
            guess=spec.metadata["guess"],
        )


def to_text(value: Any) -> str:
    """Write a setting's value as the text its CLI flag takes ("" for unset)."""
    if isinstance(value, tuple):
        return ",".join(str(item) for item in value)
    if isinstance(value, enum.Enum):
        return str(value.value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def text_of_json_value(name: str, value: Any) -> str:
    """Write a JSON value (from a profile file or the control API) as the flag's text."""
    if isinstance(value, list) and all(isinstance(item, str | int | float) for item in value):
        return to_text(tuple(value))
    if value is None or isinstance(value, str | int | float | bool):
        return to_text(value)
    raise ValueError(
        f"settings are strings, numbers, booleans, null or lists; {name} got {value!r}"
    )


def settings_text(settings: Settings) -> dict[str, str]:
    """Every setting as the text its CLI flag takes."""
    return {spec.name: to_text(getattr(settings, spec.name)) for spec in settings_fields()}


def settings_shown(settings: Settings) -> dict[str, str]:
    """Every setting as it may be shown to anyone: the text its flag takes, secrets hidden
    (the control token, a password in the store's URL)."""
    shown = settings_text(settings)
    if settings.control_token:
        shown["control_token"] = REDACTED
    shown["store"] = settings.store.shown
    return shown


def settings_table() -> str:
    """Render the README's settings table in Markdown."""
    rows = [
        "| setting | CLI flag | environment variable | default | guess | meaning |",
        "|---|---|---|---|---|---|",
    ]
    for spec in settings_fields():
        guess = "yes" if spec.guess else ""
        rows.append(
            f"| `{spec.name}` | `{spec.flag}` | `{spec.env}` | `{spec.default_text}` | {guess} "
            f"| {spec.help} |"
        )
    return "\n".join(rows)


# Profiles: settings saved as a JSON object of name -> value (`vidu-mock compare
# --write-profile` writes one, `--profile` and $VIDU_MOCK_PROFILE read it) ------------------


def write_profile(path: Path, profile: Mapping[str, str]) -> None:
    """Write a profile as a JSON object of setting name -> value."""
    path.write_text(json.dumps(dict(profile), indent=2, sort_keys=True) + "\n", encoding="utf-8")


def load_profile(path: Path) -> dict[str, str]:
    """Read a profile file into `name -> text` pairs for `Settings.from_strings`."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValueError(f"cannot read profile {path}: {exc}") from None
    if not isinstance(data, dict):
        raise ValueError(f"profile {path} must be a JSON object of setting name -> value")
    try:
        return {str(name): text_of_json_value(str(name), value) for name, value in data.items()}
    except ValueError as exc:
        raise ValueError(f"profile {path}: {exc}") from None
