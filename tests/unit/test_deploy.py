"""The systemd unit and the Dockerfile run a command line the CLI accepts."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from typing import Any

import typer

from zoom_assembly.cli import app

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def _serve_params(argv: list[str]) -> dict[str, Any]:
    """Parse ``argv`` (after the program name) as the CLI would, without running it."""
    group = typer.main.get_command(app)
    context = group.make_context("transcribe-zoom", list(argv))
    name, command, rest = group.resolve_command(context, [*context._protected_args,
                                                          *context.args])
    assert name == "serve"
    assert command is not None
    return dict(command.make_context(name, rest, parent=context).params)


def test_systemd_unit_runs_serve_on_loopback_with_options_the_cli_accepts() -> None:
    unit = (DEPLOY / "transcribe-zoom.service").read_text(encoding="utf-8")
    [line] = re.findall(r"^ExecStart=(.*)$", unit, re.MULTILINE)
    argv = shlex.split(line)
    assert argv[0].endswith("/transcribe-zoom")
    params = _serve_params(argv[1:])
    assert params["host"] == "127.0.0.1"
    assert params["public_url"].startswith("https://")
    assert "KillSignal=SIGTERM" in unit
    assert "KillMode=mixed" in unit  # the service stops its engine process itself


def test_dockerfile_runs_serve_with_options_the_cli_accepts() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    entrypoint = json.loads(re.search(r"^ENTRYPOINT (.*)$", dockerfile, re.MULTILINE)[1])
    cmd = json.loads(re.search(r"^CMD (.*)$", dockerfile, re.MULTILINE)[1])
    assert entrypoint == ["transcribe-zoom"]
    params = _serve_params(cmd)
    assert params["port"] == 8080
    assert str(params["out"]) == "/data/transcripts"
    assert "STOPSIGNAL SIGTERM" in dockerfile
