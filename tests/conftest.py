"""Test isolation: no test sees the developer's real credentials or tokens.env."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

CREDENTIAL_VARS = (
    "ZOOM_ACCOUNT_ID",
    "ZOOM_CLIENT_ID",
    "ZOOM_CLIENT_SECRET",
    "ASSEMBLYAI_API_KEY",
    "ZOOM_OAUTH_URL",
    "ZOOM_API_BASE_URL",
    "ASSEMBLYAI_BASE_URL",
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
