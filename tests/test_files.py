"""Atomic writes: permissions from the umask, links followed, temporary files never left behind."""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from pyclv._files import atomic_write, pid_alive, stale_temporaries


@pytest.fixture
def umask() -> Iterator[None]:
    """Restore the process's umask after a test that sets it."""
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def write_text(text: str) -> Callable[[Path], object]:
    return lambda tmp: tmp.write_text(text)


def dead_pid() -> int:
    """The pid of a process that has exited (and been reaped)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    assert not pid_alive(child.pid)
    return child.pid


@pytest.mark.parametrize(("mask", "expected"), [(0o022, 0o644), (0o002, 0o664), (0o077, 0o600)])
def test_new_and_replaced_files_follow_the_umask(tmp_path: Path, umask: None, mask: int, expected: int) -> None:
    os.umask(mask)
    new = tmp_path / "new.csv"
    atomic_write(new, write_text("a"))
    assert mode(new) == expected
    old = tmp_path / "old.csv"
    old.write_text("old")
    old.chmod(0o600)  # as earlier pyclv versions left every file
    atomic_write(old, write_text("b"))
    assert mode(old) == expected and old.read_text() == "b"


def test_the_temporary_file_has_the_final_mode_while_it_is_written(tmp_path: Path, umask: None) -> None:
    os.umask(0o002)
    seen: list[tuple[str, int]] = []
    atomic_write(tmp_path / "scores.parquet", lambda tmp: seen.append((tmp.name, mode(tmp))))
    (name, tmp_mode), = seen
    assert tmp_mode == 0o664
    assert re.fullmatch(rf"\.scores\.parquet\.{os.getpid()}\.[0-9a-f]{{8}}\.tmp", name)


def test_a_link_is_followed_and_kept(tmp_path: Path) -> None:
    (tmp_path / "elsewhere").mkdir()
    target = tmp_path / "elsewhere" / "scores.csv"
    target.write_text("old")
    link = tmp_path / "scores.csv"
    link.symlink_to(target)
    folders: list[Path] = []

    def write(tmp: Path) -> None:
        folders.append(tmp.parent)
        tmp.write_text("new")

    atomic_write(link, write)
    assert link.is_symlink() and link.resolve() == target
    assert target.read_text() == "new" and folders == [target.parent]  # written in the target's own folder
    assert sorted(p.name for p in tmp_path.iterdir()) == ["elsewhere", "scores.csv"]


def test_a_dangling_link_is_followed(tmp_path: Path) -> None:
    link = tmp_path / "scores.csv"
    link.symlink_to(tmp_path / "target.csv")
    atomic_write(link, write_text("new"))
    assert link.is_symlink() and (tmp_path / "target.csv").read_text() == "new"


def test_a_loop_of_links_and_a_folder_are_refused(tmp_path: Path) -> None:
    (tmp_path / "a").symlink_to(tmp_path / "b")
    (tmp_path / "b").symlink_to(tmp_path / "a")
    with pytest.raises(OSError, match="loop of symbolic links"):
        atomic_write(tmp_path / "a", write_text("x"))
    (tmp_path / "folder").mkdir()
    with pytest.raises(IsADirectoryError, match="a folder, not a file"):
        atomic_write(tmp_path / "folder", write_text("x"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "b", "folder"]


@pytest.mark.parametrize("error", [RuntimeError("disk full"), KeyboardInterrupt(), SystemExit(1)])
def test_an_interrupted_write_leaves_the_old_file_and_no_temporary(tmp_path: Path, error: BaseException) -> None:
    target = tmp_path / "out.csv"
    target.write_text("old")

    def failing(tmp: Path) -> None:
        tmp.write_text("partial")
        raise error

    with pytest.raises(type(error)):
        atomic_write(target, failing)
    assert target.read_text() == "old"
    assert list(tmp_path.iterdir()) == [target]


def test_stale_temporaries_of_dead_writers_are_swept(tmp_path: Path) -> None:
    target = tmp_path / "scores.parquet"
    dead, live = dead_pid(), os.getppid()
    stale = tmp_path / f".scores.parquet.{dead}.0a1b2c3d.tmp"
    kept = [
        tmp_path / f".scores.parquet.{live}.0a1b2c3d.tmp",  # a live writer (pytest's parent)
        tmp_path / f".scores.parquet.{os.getpid()}.00ff00ff.tmp",  # this process, e.g. another thread
        tmp_path / f".other.parquet.{dead}.0a1b2c3d.tmp",  # another target's
        tmp_path / f".scores.parquet.{dead}.tmp",  # not a name atomic_write gives
    ]
    for path in [stale, *kept]:
        path.write_bytes(b"x" * 1000)
    assert stale_temporaries(target) == [stale]
    atomic_write(target, write_text("new"))
    assert not stale.exists() and all(path.exists() for path in kept)
    assert target.read_text() == "new"


def test_pid_alive() -> None:
    assert pid_alive(os.getpid()) and pid_alive(os.getppid())
    assert pid_alive(1)  # init: alive, even where signalling it is not permitted
    assert not pid_alive(dead_pid())


def test_killed_writer_leaves_a_temporary_that_the_next_write_sweeps(tmp_path: Path) -> None:
    target = tmp_path / "scores.csv"
    target.write_text("old")
    script = (
        "import os, sys\n"
        "from pyclv._files import atomic_write\n"
        "def write(tmp):\n"
        "    tmp.write_bytes(b'x' * 100_000)\n"
        "    os.kill(os.getpid(), 9)\n"
        "atomic_write(sys.argv[1], write)\n"
    )
    child = subprocess.run([sys.executable, "-c", script, str(target)], capture_output=True, timeout=60)
    assert child.returncode == -9
    (leftover,) = [p for p in tmp_path.iterdir() if p != target]
    assert leftover.name.startswith(".scores.csv.") and leftover.stat().st_size == 100_000
    assert target.read_text() == "old"
    atomic_write(target, write_text("new"))
    assert list(tmp_path.iterdir()) == [target] and target.read_text() == "new"
