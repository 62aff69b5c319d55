"""Every setting as a flag, and the settings in force with where each value came from.

Values are taken from, last wins: the defaults, a profile file (`--profile FILE` or
`VIDU_MOCK_PROFILE`), `VIDU_MOCK_*` environment variables, then flags. A value that cannot be
used stops the command with status 2 and a message naming the flag, variable or profile, the
value given and what is allowed.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from mock_server.settings import (
    ENV_PREFIX,
    PROFILE_ENV,
    Settings,
    SettingSpec,
    did_you_mean,
    load_profile,
    settings_fields,
)

__all__ = [
    "DEFAULT",
    "Resolved",
    "SettingError",
    "add_setting_flags",
    "resolve",
    "unknown_variables",
]

DEFAULT = "default"


class SettingError(ValueError):
    """A value that cannot be used; the message says where it came from and what is allowed."""


@dataclass(frozen=True)
class Resolved:
    """The settings in force and, for each setting, where its value came from."""

    settings: Settings
    sources: dict[str, str]

    def blame(self, name: str) -> str:
        """Where a setting's value came from, as an error message names it."""
        source = self.sources[name]
        if source.startswith("flag "):
            return "argument " + source.removeprefix("flag ")
        if source.startswith("environment "):
            return "environment variable " + source.removeprefix("environment ")
        if source.startswith("profile "):
            return f"{source}: {name}"
        return f"the default {name}"


def add_setting_flags(parser: argparse.ArgumentParser) -> None:
    """Add a flag for every setting (booleans also bare and as `--no-…`), and `--profile`."""
    for spec in settings_fields():
        where = f"[env {spec.env}; default {spec.default_text}]"
        if spec.boolean:
            off = "--no-" + spec.flag.removeprefix("--")
            parser.add_argument(
                spec.flag,
                dest=spec.name,
                nargs="?",
                const="true",
                default=None,
                type=_checked(spec),
                metavar="BOOL",
                help=f"{spec.help} Bare: on; {off}: off. {where}",
            )
            parser.add_argument(
                off, dest=spec.name, action="store_const", const="false", help=argparse.SUPPRESS
            )
        else:
            parser.add_argument(
                spec.flag,
                dest=spec.name,
                default=None,
                type=_checked(spec),
                metavar=spec.name.upper(),
                help=f"{spec.help} {where}",
            )
    parser.add_argument(
        "--profile",
        metavar="FILE",
        help="JSON object of setting name -> value to start from, e.g. one written by "
        f"`vidu-mock compare --write-profile`; variables and flags override it [env {PROFILE_ENV}]",
    )


def resolve(args: argparse.Namespace, environ: Mapping[str, str]) -> Resolved:
    """Defaults, then a profile file, then `VIDU_MOCK_*` variables, then flags: the last wins."""
    values: dict[str, str] = {}
    sources: dict[str, str] = {}
    for name, (text, source) in {
        **_from_profile(args, environ),
        **_from_environment(environ),
        **_from_flags(args),
    }.items():
        values[name], sources[name] = text, source
    try:
        settings = Settings.from_strings(values)
    except ValueError as exc:  # a check across settings, which no single value breaks
        raise SettingError(str(exc)) from None
    every = {spec.name: sources.get(spec.name, DEFAULT) for spec in settings_fields()}
    return Resolved(settings, every)


def unknown_variables(environ: Mapping[str, str]) -> list[str]:
    """A warning for each `VIDU_MOCK_*` variable that names no setting (likely a typo)."""
    known = [spec.env for spec in settings_fields()] + [PROFILE_ENV]
    warnings = []
    for name in sorted(environ):
        if name.startswith(ENV_PREFIX) and name not in known:
            warnings.append(f"{name} is not a setting{did_you_mean(name, known)}; it is ignored")
    return warnings


Found = dict[str, tuple[str, str]]  # setting name -> (text, where it came from)


def _from_profile(args: argparse.Namespace, environ: Mapping[str, str]) -> Found:
    path = getattr(args, "profile", None) or environ.get(PROFILE_ENV)
    if not path:
        return {}
    origin = f"profile {path}"
    try:
        values = load_profile(Path(path))
    except ValueError as exc:
        given = (
            "argument --profile"
            if getattr(args, "profile", None)
            else f"environment variable {PROFILE_ENV}"
        )
        raise SettingError(f"{given}: {exc}") from None
    try:
        Settings.from_strings(values)  # every name known, every value readable, as a whole
    except ValueError as exc:
        raise SettingError(f"{origin}: {exc}") from None
    return {name: (text, origin) for name, text in values.items()}


def _from_environment(environ: Mapping[str, str]) -> Found:
    found: Found = {}
    for spec in settings_fields():
        if spec.env in environ:
            text = environ[spec.env]
            found[spec.name] = (
                _check(spec, text, f"environment variable {spec.env}"),
                f"environment {spec.env}",
            )
    return found


def _from_flags(args: argparse.Namespace) -> Found:
    return {
        spec.name: (value, f"flag {spec.flag}")
        for spec in settings_fields()
        if (value := getattr(args, spec.name, None)) is not None
    }


def _check(spec: SettingSpec, text: str, where: str) -> str:
    """The text itself, once its setting's parser accepts it; a SettingError naming `where`
    otherwise."""
    try:
        return _checked(spec)(text)
    except argparse.ArgumentTypeError as exc:
        raise SettingError(f"{where}: {exc}") from None


def _checked(spec: SettingSpec) -> Callable[[str], str]:
    """A flag's argparse type: the text itself, once its setting's parser accepts it."""

    def check(text: str) -> str:
        try:
            spec.parse(text)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
        return text

    return check
