"""Interrupted writes lose nothing: every file parkgraph writes replaces the old one only when complete.

Two ways to interrupt: a disk that fills up part-way through (every writer goes through
`parkgraph.atomic.atomic_write`, whose file object is swapped for one that fails after some bytes),
and a writer process killed with SIGKILL in the middle of a large synthetic graph.
"""

from __future__ import annotations

import errno
import functools
import importlib.util
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import parkgraph.atomic
from parkgraph import ParkGraph
from parkgraph.errors import OutputError
from parkgraph.export import write_network
from parkgraph.jsonld import write_jsonld
from parkgraph.network import to_networkx
from parkgraph.render import write_map
from parkgraph.synth import SynthConfig, write_synthetic

ROOT = Path(__file__).resolve().parents[1]
PREVIOUS = b"the previous, complete file\n"


@functools.cache
def load_script(name: str) -> Any:
    """A module from benchmarks/ (they are scripts, not a package)."""
    spec = importlib.util.spec_from_file_location(f"bench_{name}", ROOT / "benchmarks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules[spec.name] = module  # type: ignore[union-attr] - dataclasses look their module up
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


class FillingDisk:
    """A file object that writes `room` bytes (or characters) through, then fails as a full disk does."""

    def __init__(self, real: Any, room: int) -> None:
        self._real = real
        self._room = room

    def write(self, data: Any) -> int:
        if len(data) > self._room:
            self._real.write(data[: self._room])
            self._room = 0
            raise OSError(errno.ENOSPC, "No space left on device (simulated)")
        self._room -= len(data)
        return self._real.write(data)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    def __enter__(self) -> FillingDisk:
        return self

    def __exit__(self, *exc: object) -> None:
        self._real.close()


@pytest.fixture(scope="module")
def pg() -> ParkGraph:
    return ParkGraph.open()


def writers(pg: ParkGraph) -> dict[str, Callable[[Path], object]]:
    """Every writer, each given the path to write."""
    network = to_networkx(pg)
    bench, loadtest = load_script("bench"), load_script("loadtest")
    results = json.loads((ROOT / "benchmarks" / "results.json").read_text(encoding="utf-8"))
    found: dict[str, Callable[[Path], object]] = {
        "map.html": lambda path: write_map(network, path),
        "network.graphml": lambda path: write_network(network, path, "graphml"),
        "network.gexf": lambda path: write_network(network, path, "gexf"),
        "network.json": lambda path: write_network(network, path, "json"),
        "network.cyjs": lambda path: write_network(network, path, "cytoscape"),
        "graph.jsonld": lambda path: write_jsonld(pg, path),
        "synthetic.nt": lambda path: write_synthetic(path, SynthConfig(parks=2, residents=40)),
        "synthetic.ttl": lambda path: write_synthetic(path, SynthConfig(parks=2, residents=40)),
        "loadtest.json": lambda path: loadtest.write_report({"load": {"requests": 1}, "queries": ["q"] * 200}, path),
    }
    for name in ("results.json", "RESULTS.md", "scaling.png"):
        found[name] = lambda path, name=name: bench.write_outputs(results, path.parent) if path.name == name else None
    return found


NAMES = [
    "map.html", "network.graphml", "network.gexf", "network.json", "network.cyjs", "graph.jsonld",
    "synthetic.nt", "synthetic.ttl", "loadtest.json", "results.json", "RESULTS.md", "scaling.png",
]


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


@pytest.mark.parametrize("name", NAMES)
def test_a_full_disk_leaves_the_previous_file(
    name: str, pg: ParkGraph, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / name
    target.write_bytes(PREVIOUS)
    write = writers(pg)[name]
    if name in ("RESULTS.md", "scaling.png"):  # the benchmark writes results.json first: keep its old copy too
        (tmp_path / "results.json").write_bytes(PREVIOUS)
    real_fdopen = os.fdopen
    opened: list[str] = []

    def failing_fdopen(fd: int, *args: Any, **kwargs: Any) -> FillingDisk:
        opened.append(os.readlink(f"/proc/self/fd/{fd}"))
        handle = real_fdopen(fd, *args, **kwargs)
        # Only the file under test fills the disk; the benchmark's other outputs are written normally.
        return FillingDisk(handle, 100 if Path(opened[-1]).name.startswith(f".{name}.") else 10**9)

    monkeypatch.setattr(parkgraph.atomic.os, "fdopen", failing_fdopen)
    with pytest.raises(OutputError, match="No space left") as failed:
        write(target)
    assert failed.value.file == str(target) and "old file is unchanged" in (failed.value.hint or "")
    assert target.read_bytes() == PREVIOUS
    assert leftovers(tmp_path) == []
    assert any(Path(p).name.startswith(f".{name}.") for p in opened), "the writer did not go through atomic_write"

    monkeypatch.setattr(parkgraph.atomic.os, "fdopen", real_fdopen)
    write(target)  # and without the failure the new file takes the old one's place
    assert target.read_bytes() != PREVIOUS and target.stat().st_size > 100


def interrupted_synth(target: Path, signum: int) -> tuple[subprocess.Popen, bytes]:
    """Start `parkgraph synth` of a large graph into `target`, send `signum` once it is well under
    way; returns the finished process and its stderr."""
    writer = subprocess.Popen(
        [sys.executable, "-m", "parkgraph.cli", "synth", "--parks", "600", "--residents", "65000", "-o", str(target)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            temp = [p for p in target.parent.iterdir() if p.name.endswith(".tmp")]
            if temp and temp[0].stat().st_size > 1_000_000:  # well under way
                break
            assert writer.poll() is None, "the writer finished before it could be interrupted"
            time.sleep(0.05)
        else:
            pytest.fail("the writer never got going")
        writer.send_signal(signum)
        _, err = writer.communicate(timeout=30)
    finally:
        if writer.poll() is None:
            writer.kill()
    return writer, err


def test_a_killed_writer_leaves_the_previous_file(tmp_path: Path) -> None:
    """SIGKILL `parkgraph synth` half-way through a large graph: the old file is untouched."""
    target = tmp_path / "synthetic.nt"
    target.write_bytes(PREVIOUS)
    writer, _ = interrupted_synth(target, signal.SIGKILL)
    assert writer.returncode == -signal.SIGKILL
    assert target.read_bytes() == PREVIOUS
    # What the killed writer leaves is its hidden temporary file, never a half-written target.
    assert all(name.startswith(".synthetic.nt.") for name in leftovers(tmp_path))


def test_a_terminated_writer_removes_its_temporary_file(tmp_path: Path) -> None:
    """SIGTERM (what `kill` and service managers send) ends `parkgraph synth` as Ctrl-C does:
    exit 143, the old file untouched and no temporary file left behind."""
    target = tmp_path / "synthetic.nt"
    target.write_bytes(PREVIOUS)
    writer, err = interrupted_synth(target, signal.SIGTERM)
    assert writer.returncode == 128 + signal.SIGTERM
    assert b"Traceback" not in err
    assert target.read_bytes() == PREVIOUS
    assert leftovers(tmp_path) == []


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "parkgraph.cli", *args], capture_output=True, text=True, timeout=300)


SMALL_SYNTH = ("synth", "--parks", "1", "--residents", "3", "-f", "nt")


def test_output_under_a_file_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("keep\n")
    for args in (("export", "-o"), ("render", "-o"), (*SMALL_SYNTH, "-o")):
        done = run_cli(*args, str(tmp_path / "afile" / "out.x"))
        assert done.returncode == 2, done.stderr
        assert "afile is a file, not a directory" in done.stderr and "Traceback" not in done.stderr
    assert (tmp_path / "afile").read_text() == "keep\n"


def test_output_that_is_a_directory_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    for args in (("render", "-o"), (*SMALL_SYNTH, "-o")):
        done = run_cli(*args, str(tmp_path / "out"))
        assert done.returncode == 2 and "a directory, not a file to write" in done.stderr, done.stderr
    assert list((tmp_path / "out").iterdir()) == []


def test_a_directory_without_write_permission_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As the kernel answers a non-root user (root ignores the mode bits, so the refusal is simulated)."""
    def refused(*args: Any, **kwargs: Any) -> tuple[int, str]:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(parkgraph.atomic.tempfile, "mkstemp", refused)
    target = tmp_path / "map.html"
    target.write_bytes(PREVIOUS)
    with pytest.raises(OutputError, match="no permission to create files in") as failed:
        with parkgraph.atomic.atomic_write(target) as handle:
            handle.write("new")
    assert failed.value.file == str(target)
    assert target.read_bytes() == PREVIOUS


def test_a_symbolic_link_is_written_through(tmp_path: Path) -> None:
    """The file the link points to gets the new content; the link stays a link (and is not replaced
    by a plain file, as a rename over it would do)."""
    real = tmp_path / "real.txt"
    real.write_bytes(PREVIOUS)
    link = tmp_path / "link.txt"
    link.symlink_to(real)
    with parkgraph.atomic.atomic_write(link) as handle:
        handle.write("new content\n")
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_text() == "new content\n"
    assert leftovers(tmp_path) == []


def test_a_pipe_is_written_in_place(tmp_path: Path) -> None:
    """`-o /dev/stdout` or a named pipe: written as a stream, never renamed over."""
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader = subprocess.Popen(["cat", str(fifo)], stdout=subprocess.PIPE)
    with parkgraph.atomic.atomic_write(fifo) as handle:
        handle.write("through the pipe\n")
    out, _ = reader.communicate(timeout=30)
    assert out == b"through the pipe\n"
    assert fifo.is_fifo() and leftovers(tmp_path) == []
