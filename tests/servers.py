"""Real SPARQL servers on 127.0.0.1 for the store tests: the Oxigraph server and Virtuoso Open Source.

Each runs in its own temporary directory on free loopback ports, in a session-scoped fixture
that always stops it. Virtuoso gets its own virtuoso.ini with a small result cap
(ResultSetMaxRows = VIRTUOSO_MAX_ROWS) so the tests can show that capped answers still
arrive whole.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

from parkgraph import paths

VIRTUOSO = shutil.which("virtuoso-t") or "/usr/bin/virtuoso-t"
OXIGRAPH = str(Path(sys.executable).with_name("oxigraph"))
VIRTUOSO_MAX_ROWS = 100
# Virtuoso's built-in administrator; a fresh database has password "dba" and the SPARQL_UPDATE role.
VIRTUOSO_USER = ("dba", "dba")
STARTUP_SECONDS = 120

VIRTUOSO_INI = """\
[Database]
DatabaseFile = {dir}/virtuoso.db
ErrorLogFile = {dir}/virtuoso.log
LockFile = {dir}/virtuoso.lck
TransactionFile = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {dir}/virtuoso-temp.db
TransactionFile = {dir}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
MaxClientConnections = 4
CheckpointInterval = 60
DirsAllowed = ., {dir}
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
ThreadsPerQuery = 2

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {dir}
MaxClientConnections = 4
ServerThreads = 4
Charset = UTF-8

[SPARQL]
ResultSetMaxRows = {max_rows}
MaxQueryExecutionTime = 120
"""


def free_port() -> int:
    """A TCP port nothing listens on at 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, process: subprocess.Popen, log: Path) -> None:
    """Poll `url` until it answers 200; fail with the server's log if it dies or takes too long."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"server did not answer at {url}:\n{log.read_text(errors='replace')[-3000:]}")


def stop(process: subprocess.Popen) -> None:
    """Stop a server we started (SIGTERM, then SIGKILL), by its own pid."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def run_parkgraph(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """The `parkgraph` command, as a user runs it, in a subprocess."""
    return subprocess.run(
        [sys.executable, "-m", "parkgraph.cli", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=600,
    )


def virtuoso_env() -> dict[str, str]:
    """The environment that gives parkgraph Virtuoso's write credentials."""
    return {"PARKGRAPH_SPARQL_USER": VIRTUOSO_USER[0], "PARKGRAPH_SPARQL_PASSWORD": VIRTUOSO_USER[1]}


@contextmanager
def running_oxigraph(workdir: Path) -> Iterator[str]:
    """An empty Oxigraph server with its database in `workdir`, stopped on leaving; yields its base URL."""
    if not Path(OXIGRAPH).exists():
        pytest.fail(f"the Oxigraph server is missing at {OXIGRAPH}: pip install -e '.[test]' installs it")
    port = free_port()
    log = workdir / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [OXIGRAPH, "serve", "--location", str(workdir / "db"), "--bind", f"127.0.0.1:{port}"],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        url = f"http://127.0.0.1:{port}"
        wait_for(url, process, log)
        yield url
    finally:
        stop(process)


@pytest.fixture(scope="session")
def oxigraph_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An empty Oxigraph server shared by the session; yields its base URL (http://127.0.0.1:PORT)."""
    with running_oxigraph(tmp_path_factory.mktemp("oxigraph-server")) as url:
        yield url


@pytest.fixture(scope="session")
def virtuoso_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An empty Virtuoso Open Source server with ResultSetMaxRows = VIRTUOSO_MAX_ROWS; yields /sparql's URL."""
    if not Path(VIRTUOSO).exists():
        pytest.fail("Virtuoso is missing: apt-get install virtuoso-opensource (.ci/run does)")
    workdir = tmp_path_factory.mktemp("virtuoso")
    http_port, sql_port = free_port(), free_port()
    ini = workdir / "virtuoso.ini"
    ini.write_text(
        VIRTUOSO_INI.format(dir=workdir, sql_port=sql_port, http_port=http_port, max_rows=VIRTUOSO_MAX_ROWS)
    )
    log = workdir / "stdout.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [VIRTUOSO, "+foreground", "+configfile", str(ini)], cwd=workdir, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        url = f"http://127.0.0.1:{http_port}/sparql"
        wait_for(url, process, log)
        yield url
    finally:
        stop(process)


@pytest.fixture(scope="session")
def loaded_oxigraph_server(oxigraph_server: str) -> str:
    """The Oxigraph server holding the curated graph, pushed with `parkgraph load --store URL`."""
    done = run_parkgraph("load", "--store", oxigraph_server)
    assert done.returncode == 0, done.stderr
    return oxigraph_server


@pytest.fixture(scope="session")
def loaded_virtuoso(virtuoso_server: str) -> str:
    """Virtuoso holding the curated graph, pushed with `parkgraph load --store URL` (Digest auth)."""
    done = run_parkgraph("load", "--store", virtuoso_server, env=virtuoso_env())
    assert done.returncode == 0, done.stderr
    return virtuoso_server


@pytest.fixture(scope="session")
def curated_files() -> list[Path]:
    """The files `parkgraph load` loads by default."""
    return paths.default_files()
