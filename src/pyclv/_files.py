"""Atomic file writes, shared by the model artifacts, the tables and the report.

How a file is replaced:

- The content goes to a temporary file beside the target, named ``.<name>.<pid>.<random>.tmp``, which is
  flushed to disk and renamed onto the target: a reader sees the old file or the complete new one, never a
  partial write. If the write fails or is interrupted (any exception, ``KeyboardInterrupt`` included), the
  temporary file is removed and the old file is left as it was.
- A process killed outright (``kill -9``, a power cut) cannot clean up: the next write to the same target
  removes the temporary files of that target whose writer (the pid in the name) is no longer alive, and never
  those of a live process. The pids are those of this host: writers on other hosts sharing a network folder
  (or in other pid namespaces) must not write the same target.
- Permissions: the file gets ``0o666`` minus the umask (and a folder's default ACL), as a file created by
  ``open`` does: the kernel creates the temporary file with that mode, so there is no moment at which it is
  wider or narrower, and no need to read the umask. A file that replaces an existing one does not keep the
  old file's mode: every write creates a new file, with the writer's owner and group (which a rename could not
  keep either) and the writer's umask. Access is set where it can hold across reruns: the umask of the job,
  a default ACL or a set-group-id folder.
- A symbolic link at the target is followed: the file it points to is replaced, atomically and in its own
  folder, and the link is kept. A folder, or anything else that is not a regular file, is refused.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
from collections.abc import Callable
from pathlib import Path

__all__ = ["atomic_write", "pid_alive", "resolve_target", "stale_temporaries"]

#: Attempts at a free temporary name before giving up (each name has 32 random bits).
_NAME_ATTEMPTS = 100


def resolve_target(path: str | Path) -> Path:
    """The file that a write to ``path`` replaces: ``path`` itself, or the end of the symbolic links at it.

    Parameters
    ----------
    path : str or pathlib.Path
        The file to write.

    Returns
    -------
    pathlib.Path
        The absolute path of the file to replace (it may not exist yet).

    Raises
    ------
    OSError
        For a loop of symbolic links, a folder or another file that is not a regular file.
    """
    target = Path(os.path.realpath(path))
    if target.is_symlink():  # realpath stops inside a loop of links
        raise OSError(errno.ELOOP, "a loop of symbolic links", str(path))
    if target.is_dir():
        raise IsADirectoryError(errno.EISDIR, "a folder, not a file", str(path))
    if target.exists() and not target.is_file():
        raise OSError(errno.EINVAL, "not a regular file (pyclv only replaces files)", str(path))
    return target


def pid_alive(pid: int) -> bool:
    """Whether a process ``pid`` exists on this host (where that cannot be known, True).

    Parameters
    ----------
    pid : int
        A process id.

    Returns
    -------
    bool
        False only when the process certainly does not exist.
    """
    if pid == os.getpid():
        return True
    if os.name != "posix" or pid <= 0:  # os.kill(pid, 0) terminates the process on Windows
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # PermissionError: a process of another user
        return True
    return True


def _temporary_name(target: Path) -> re.Pattern[str]:
    return re.compile(rf"\.{re.escape(target.name)}\.(?P<pid>[0-9]+)\.[0-9a-f]+\.tmp")


def stale_temporaries(target: Path) -> list[Path]:
    """The temporary files of writes to ``target`` whose writer is no longer alive.

    Parameters
    ----------
    target : pathlib.Path
        The file written.

    Returns
    -------
    list of pathlib.Path
        Temporary files in ``target``'s folder, named for ``target`` with the pid of a process that is gone.
    """
    pattern = _temporary_name(target)
    try:
        names = os.listdir(target.parent)
    except OSError:
        return []
    return sorted(
        target.parent / name
        for name in names
        if (match := pattern.fullmatch(name)) is not None and not pid_alive(int(match["pid"]))
    )


def _create_temporary(target: Path) -> Path:
    """Create an empty temporary file beside ``target``, with the mode that the umask gives a new file."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    for _ in range(_NAME_ATTEMPTS):
        tmp = target.with_name(f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
        try:
            fd = os.open(tmp, flags, 0o666)  # the kernel applies the umask and default ACLs
        except FileExistsError:
            continue
        os.close(fd)
        return tmp
    raise FileExistsError(errno.EEXIST, "no free temporary name beside the file", str(target))


def _sync(path: Path, *, folder: bool = False) -> None:
    """Flush ``path`` (a file, or with ``folder`` the entry of a renamed file) to disk."""
    try:
        fd = os.open(path, (os.O_RDONLY | getattr(os, "O_DIRECTORY", 0)) if folder else os.O_RDONLY)
    except OSError:
        if folder:  # folders cannot be opened on some systems: the rename itself is still atomic
            return
        raise
    try:
        os.fsync(fd)
    except OSError:
        if not folder:
            raise
    finally:
        os.close(fd)


def atomic_write(path: str | Path, write: Callable[[Path], object]) -> None:
    """Call ``write(tmp_path)`` on a temporary file beside ``path``, then rename it onto ``path``.

    ``path`` is either the old file or the complete new one, never a partial write: the temporary file is
    removed if ``write`` fails or the process is interrupted, and temporary files left by killed writers of
    the same target are removed first. See the module's notes for the permissions and symbolic links.

    Parameters
    ----------
    path : str or pathlib.Path
        The file to write; its folder is created if needed. A symbolic link is followed.
    write : callable
        Writes the content to the path it is given (an empty file that exists); what it returns (e.g. the
        characters written) is ignored.

    Returns
    -------
    None

    Raises
    ------
    OSError
        If ``path`` is a folder or not a regular file, or the file cannot be written.
    """
    target = resolve_target(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    for stale in stale_temporaries(target):
        with contextlib.suppress(OSError):  # e.g. another user's file in a shared folder: left to its owner
            stale.unlink(missing_ok=True)
    tmp = _create_temporary(target)
    try:
        write(tmp)
        _sync(tmp)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _sync(target.parent, folder=True)
