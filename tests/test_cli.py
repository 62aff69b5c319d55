"""`vidu-mock` has no rough edges: a version, bare boolean flags, errors that name the flag or
variable, the value and what is allowed (exit status 2), and `settings` showing what is in force."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

import pytest

from mock_server.cli import build_parser, main
from mock_server.cli.setting_flags import resolve
from mock_server.settings import settings_fields, settings_table

TIMEOUT_S = 30
BAD = "abc"


def refuses(parse: Callable[[str], object], text: str) -> bool:
    try:
        parse(text)
    except ValueError:
        return True
    return False


CHECKED = [spec for spec in settings_fields() if refuses(spec.parse, BAD)]
FREE_TEXT = {spec.name for spec in settings_fields()} - {spec.name for spec in CHECKED}


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mock_server", *args],
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        env=env,
    )


def usage_error(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    """Run the CLI in-process, expect exit status 2, and return what it printed to stderr."""
    with pytest.raises(SystemExit) as stopped:
        main(list(argv))
    assert stopped.value.code == 2
    return capsys.readouterr().err


def says_what_is_allowed(message: str) -> bool:
    return "expected" in message or "; use " in message


def test_only_free_text_settings_take_any_value():
    assert {"host", "store_path", "api_keys", "task_type", "control_token"} == FREE_TEXT


def test_version_prints_the_installed_package_version():
    done = run_cli("--version")
    assert (done.returncode, done.stdout) == (0, f"vidu-mock {metadata.version('vidu-mock')}\n")


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--fetch-images"], True),
        (["--fetch-images", "--port", "0"], True),
        (["--fetch-images", "false"], False),
        (["--fetch-images=no"], False),
        (["--fetch-images", "--no-fetch-images"], False),
        (["--no-fetch-images", "--fetch-images"], True),
        ([], False),
    ],
)
def test_a_boolean_flag_works_bare_with_a_value_and_as_no(argv, expected):
    for command in ("serve", "settings"):
        args = build_parser().parse_args([command, *argv])
        assert resolve(args, {}).settings.fetch_images is expected


def test_a_no_flag_wins_over_the_environment():
    args = build_parser().parse_args(["serve", "--no-prompt-markers"])
    assert resolve(args, {"VIDU_MOCK_PROMPT_MARKERS": "true"}).settings.prompt_markers is False


@pytest.mark.parametrize("spec", CHECKED, ids=lambda spec: spec.flag)
def test_every_bad_flag_value_names_the_flag_the_value_and_what_is_allowed(spec, capsys):
    error = usage_error(capsys, "serve", spec.flag, BAD)
    message = error.strip().splitlines()[-1]
    assert message.startswith(f"vidu-mock serve: error: argument {spec.flag}: ")
    assert repr(BAD) in message
    assert says_what_is_allowed(message), message


@pytest.mark.parametrize(
    ("flag", "value", "allowed"),
    [
        ("--port", "70000", "an integer from 0 to 65535"),
        ("--workers", "-1", "an integer >= 0"),
        ("--speed", "0", "a number > 0"),
        ("--speed", "inf", "a number > 0"),
        ("--chaos-stuck", "2", "a probability between 0 and 1"),
        ("--missing-key-status", "418", "one of 400, 403"),
        ("--progression", "polls:0", "N >= 1"),
        ("--progression", "sometimes", "realtime, instant, polls:N or manual"),
        ("--clock", "fast", "one of real, virtual"),
        ("--log-format", "xml", "one of text, json"),
        ("--public-base-url", "example.com", "an http:// or https:// URL"),
        ("--accept-bare-key", "maybe", "a boolean"),
    ],
)
def test_a_value_out_of_range_says_which_values_are_allowed(flag, value, allowed, capsys):
    message = usage_error(capsys, "serve", flag, value).strip().splitlines()[-1]
    assert f"argument {flag}: " in message
    assert repr(value) in message
    assert allowed in message


@pytest.mark.parametrize("spec", CHECKED, ids=lambda spec: spec.env)
def test_every_bad_environment_value_names_the_variable_the_value_and_what_is_allowed(
    spec, capsys, monkeypatch
):
    monkeypatch.setenv(spec.env, BAD)
    message = usage_error(capsys, "settings").strip().splitlines()[-1]
    assert message.startswith(f"vidu-mock settings: error: environment variable {spec.env}: ")
    assert repr(BAD) in message
    assert says_what_is_allowed(message), message


@pytest.mark.parametrize(
    ("source", "named"),
    [
        (["--port", "abc"], "argument --port: expected an integer from 0 to 65535, got 'abc'"),
        (["VIDU_MOCK_PORT=abc"], "environment variable VIDU_MOCK_PORT: expected an integer"),
        (["profile", {"port": "abc"}], ": port: expected an integer from 0 to 65535, got 'abc'"),
    ],
    ids=["flag", "variable", "profile"],
)
def test_serve_stops_with_status_2_naming_where_a_bad_value_came_from(source, named, tmp_path):
    env = dict(os.environ)
    args = ["serve", "--port", "0"]
    if source[0] == "profile":
        profile = tmp_path / "profile.json"
        profile.write_text(json.dumps(source[1]))
        args += ["--profile", str(profile)]
    elif "=" in source[0]:
        name, value = source[0].split("=")
        env[name] = value
        args = ["serve"]
    else:
        args = ["serve", *source]
    done = run_cli(*args, env=env)
    assert done.returncode == 2
    assert named in done.stderr
    assert "Traceback" not in done.stderr


def test_a_profile_with_an_unknown_setting_names_the_file_and_suggests_a_name(tmp_path, capsys):
    profile = tmp_path / "live.json"
    profile.write_text(json.dumps({"progresion": "instant"}))
    message = usage_error(capsys, "settings", "--profile", str(profile))
    assert f"profile {profile}: unknown setting 'progresion' (did you mean 'progression'?)" in (
        message
    )


def test_a_profile_that_cannot_be_read_names_the_flag_or_the_variable(
    tmp_path, capsys, monkeypatch
):
    missing = tmp_path / "nope.json"
    message = usage_error(capsys, "settings", "--profile", str(missing))
    assert f"argument --profile: cannot read profile {missing}" in message
    monkeypatch.setenv("VIDU_MOCK_PROFILE", str(missing))
    message = usage_error(capsys, "settings")
    assert f"environment variable VIDU_MOCK_PROFILE: cannot read profile {missing}" in message


def test_a_flag_without_its_value_names_the_flag(capsys):
    assert "argument --port: expected one argument" in usage_error(capsys, "serve", "--port")


def test_an_abbreviated_flag_is_refused_and_the_full_one_suggested(capsys):
    message = usage_error(capsys, "serve", "--store-pa", "jobs.db")
    assert "unrecognized arguments: --store-pa jobs.db (did you mean '--store-path'?)" in message


def test_a_misspelt_flag_is_refused_with_a_suggestion(capsys):
    assert "(did you mean '--port'?)" in usage_error(capsys, "serve", "--prot", "9000")


def test_an_unknown_variable_of_the_fake_is_warned_about_with_a_suggestion(capsys, monkeypatch):
    monkeypatch.setenv("VIDU_MOCK_PROGRESION", "instant")
    assert main(["settings"]) == 0
    err = capsys.readouterr().err
    assert "VIDU_MOCK_PROGRESION is not a setting (did you mean 'VIDU_MOCK_PROGRESSION'?)" in err


def parse_table(text: str) -> dict[str, tuple[str, str]]:
    rows = [re.split(r"\s{2,}", line.strip(), maxsplit=2) for line in text.splitlines()]
    assert rows[0] == ["setting", "value", "source"]
    return {row[0]: (row[1], row[2]) for row in rows[1:]}


def test_settings_shows_each_value_in_force_and_where_it_came_from(tmp_path, capsys, monkeypatch):
    profile = tmp_path / "live.json"
    profile.write_text(json.dumps({"missing_key_status": 403, "speed": 2}))
    monkeypatch.setenv("VIDU_MOCK_SPEED", "3")
    monkeypatch.setenv("VIDU_MOCK_CONTROL_TOKEN", "s3cret")
    argv = ["settings", "--profile", str(profile), "--port", "9000", "--fetch-images"]
    assert main(argv) == 0
    table = parse_table(capsys.readouterr().out)
    assert table["port"] == ("9000", "flag --port")
    assert table["fetch_images"] == ("true", "flag --fetch-images")
    assert table["speed"] == ("3.0", "environment VIDU_MOCK_SPEED")
    assert table["missing_key_status"] == ("403", f"profile {profile}")
    assert table["control_token"] == ("***", "environment VIDU_MOCK_CONTROL_TOKEN")
    assert table["host"] == ("127.0.0.1", "default")
    assert table["seed"] == ("(unset)", "default")
    assert set(table) == {spec.name for spec in settings_fields()}


def test_settings_hides_a_password_in_the_store_url(capsys):
    assert main(["settings", "--store", "redis://:hunter2@127.0.0.1:6379/0"]) == 0
    table = parse_table(capsys.readouterr().out)
    assert table["store"] == ("redis://:***@127.0.0.1:6379/0", "flag --store")


def test_settings_markdown_prints_the_readme_table(capsys):
    assert main(["settings", "--markdown"]) == 0
    assert capsys.readouterr().out == settings_table() + "\n"


@pytest.mark.parametrize("workers", [[], ["--workers", "1"]], ids=["one process", "workers"])
def test_a_port_in_use_stops_serve_with_a_message_not_a_traceback(workers):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = run_cli("serve", "--port", str(port), *workers)
    assert done.returncode == 1
    assert "Address already in use" in done.stderr
    assert str(port) in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("workers", [[], ["--workers", "1"]], ids=["one process", "workers"])
def test_a_host_that_does_not_resolve_names_the_flag_or_variable(workers):
    done = run_cli("serve", "--host", "no-such-host.invalid", "--port", "0", *workers)
    assert done.returncode == 2
    assert "error: argument --host: cannot resolve 'no-such-host.invalid'" in done.stderr
    env = {**os.environ, "VIDU_MOCK_HOST": "no-such-host.invalid"}
    done = run_cli("serve", "--port", "0", *workers, env=env)
    assert "error: environment variable VIDU_MOCK_HOST: cannot resolve" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("workers", [[], ["--workers", "2"]], ids=["one process", "workers"])
@pytest.mark.parametrize(
    ("given", "named"),
    [
        ("--store-path={missing}", "argument --store-path: cannot use {missing} as the store: "),
        ("--store=sqlite:///{missing}", "argument --store: cannot use {missing} as the store: "),
        (
            "VIDU_MOCK_STORE=redis://127.0.0.1:1/0",
            "environment variable VIDU_MOCK_STORE: cannot use redis://127.0.0.1:1/0 as the store: ",
        ),
    ],
    ids=["store_path flag", "store flag", "store variable"],
)
def test_a_store_that_cannot_be_opened_is_a_usage_error_naming_where_it_came_from(
    given, named, workers, tmp_path
):
    missing = tmp_path / "missing" / "jobs.db"
    given, named = given.format(missing=missing), named.format(missing=missing)
    env = {k: v for k, v in os.environ.items() if not k.startswith("VIDU_MOCK_")}
    if given.startswith("VIDU_MOCK_"):
        name, value = given.split("=", 1)
        env[name], flags = value, []
    else:
        flags = [given]
    done = run_cli("serve", "--port", "0", *workers, *flags, env=env)
    assert done.returncode == 2, done.stderr
    assert f"vidu-mock serve: error: {named}" in done.stderr
    assert "Traceback" not in done.stderr


def test_the_readme_documents_the_profile_flag_in_the_configuration_section():
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    configuration = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    for documented in ("--profile FILE", "VIDU_MOCK_PROFILE", "--version", "--no-", "settings"):
        assert documented in configuration, documented
