"""Test isolation (no test sees the developer's real credentials or tokens.env) and the
``integration`` mark: ``python -m pytest -m "not integration"`` runs the unit tests alone.

A test is an integration test, marked here automatically, when it lives in
``tests/integration/``, uses the emulator fixtures of ``tests/emulator/conftest.py`` (a shared
emulator over loopback HTTP) or comes from a module that imports ``Emulator`` to start its own.
Anything else slow (a subprocess, a benchmark run) carries an explicit
``pytest.mark.integration``."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest_plugins = ["tests.postgres_server"]  # a real PostgreSQL server for the ledger tests

INTEGRATION_DIR = Path(__file__).resolve().parent / "integration"
EMULATOR_FIXTURE = "shared_emulator"


def _is_integration(item: pytest.Item) -> bool:
    if INTEGRATION_DIR in Path(item.path).resolve().parents:
        return True
    if {EMULATOR_FIXTURE, "postgres_server"} & set(getattr(item, "fixturenames", ())):
        return True
    module = getattr(item, "module", None)
    return module is not None and "Emulator" in vars(module)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if _is_integration(item):
            item.add_marker(pytest.mark.integration)


CREDENTIAL_VARS = (
    "ZOOM_ACCOUNT_ID",
    "ZOOM_CLIENT_ID",
    "ZOOM_CLIENT_SECRET",
    "ASSEMBLYAI_API_KEY",
    "ZOOM_OAUTH_URL",
    "ZOOM_API_BASE_URL",
    "ASSEMBLYAI_BASE_URL",
    "ZOOM_WEBHOOK_SECRET_TOKEN",
    "TRANSCRIBE_ZOOM_LEDGER",
    "TRANSCRIBE_ZOOM_LEASE_SECONDS",
)


@pytest.fixture(autouse=True)
def _isolated_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Path]:
    for name in CREDENTIAL_VARS:
        monkeypatch.delenv(name, raising=False)
    workdir = tmp_path_factory.mktemp("cwd")
    monkeypatch.chdir(workdir)
    yield workdir
    os.chdir(workdir)
