"""Integration tests: the real CLI against the emulator over loopback HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from zoom_assembly.cli import app, route_default_command
from zoom_assembly.emulator import Emulator, Faults, Scenario

SPEED = 3000.0  # emulated transcription runs 3000x faster than real time
FAST_POLLING = ("--poll-speed", str(SPEED), "--poll-interval", "0.05")


@dataclass
class CliResult:
    code: int
    stdout: str
    stderr: str


@dataclass
class Harness:
    emu: Emulator
    out: Path

    def run(self, *args: str, env: dict[str, str] | None = None, fast: bool = True) -> CliResult:
        argv = route_default_command([*args])
        if argv and argv[0] in ("transcribe", "backfill"):
            argv += ["--out", str(self.out), *(FAST_POLLING if fast else ())]
            if not {"--source", "--pay-for"} & set(argv):
                # Tests of the AssemblyAI path (most of them, several on meetings that have a
                # Zoom transcript) say so; test_pay_policy.py covers the default policy.
                argv += ["--pay-for", "all"]
        environment = {**self.emu.env(), **(env or {})}
        result = CliRunner().invoke(app, argv, env=environment)
        if result.exception and not isinstance(result.exception, SystemExit):
            raise result.exception
        return CliResult(result.exit_code, result.stdout, result.stderr)

    def stats(self) -> dict[str, Any]:
        return self.emu.stats()


def start_emulator(**kwargs: Any) -> Emulator:
    kwargs.setdefault("speed", SPEED)
    kwargs.setdefault("faults", Faults(retry_after_seconds=1))
    return Emulator(**kwargs)


@pytest.fixture
def harness(tmp_path: Path) -> Iterator[Harness]:
    scenario = Scenario.builtin(processing_ready_after=1.0)
    with start_emulator(scenario=scenario, concurrency=5) as emu:
        yield Harness(emu, tmp_path / "out")
