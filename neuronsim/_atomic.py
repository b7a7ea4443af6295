"""Atomic file writes (private): a file appears complete or not at all."""

import os
import re
import secrets
import stat
import time

from ._reader import checked_path, display, one_line
from .errors import FileFormatError, NeuronsimError

STALE_AFTER = 60
"""Seconds after its last write when a temporary file whose writer (a process of this machine)
has died is removed by the next save of the same target."""

ABANDONED_AFTER = 3600
"""Seconds after its last write when any temporary file of the target is removed, whatever its
writer (another machine on a shared folder, a reused process id, an older neuronsim)."""


def atomic_write(path, write):
    """Write a file through ``write(binary_file)`` so that it appears complete or not at all.

    The data goes to a temporary file ``.<name>.<pid>.<random>.tmp`` in the target's folder, is
    flushed to disk, then renamed over the target (``os.replace`` is atomic within a folder). On
    any failure the temporary file is removed and the previous file is left untouched. Temporary
    files of the same target left by a writer that was killed are removed first (see
    :func:`remove_stale_temps`).
    """
    where = checked_path(path, FileFormatError)
    try:
        target = os.path.realpath(where)  # through a symlink: replace the file it points to
    except (OSError, ValueError) as err:
        raise FileFormatError(f"{display(where)}: not a usable path ({err})") from None
    folder, name = os.path.split(target)
    remove_stale_temps(folder, name)
    temp = None
    try:
        fd, temp = _create_temp(folder, name)
        with os.fdopen(fd, "wb") as file:
            write(file)
            file.flush()
            os.fsync(file.fileno())
        try:  # keep the permissions of the file we replace (a new file gets the umask's)
            os.chmod(temp, stat.S_IMODE(os.stat(target).st_mode))
        except OSError:
            pass
        os.replace(temp, target)
        temp = None
    except NeuronsimError:
        raise
    except Exception as err:
        raise NeuronsimError(f"{display(where)}: could not save ({one_line(str(err), 300)}); the previous "
                             "file, if any, is unchanged") from err
    finally:
        if temp is not None:
            try:
                os.remove(temp)
            except OSError:
                pass
    _sync_folder(folder)


def _create_temp(folder, name):
    """A new file ``.<name>.<pid>.<random>.tmp`` in ``folder``, created with the umask's permissions."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    while True:
        temp = os.path.join(folder, f".{name}.{os.getpid()}.{secrets.token_hex(6)}.tmp")
        try:
            return os.open(temp, flags, 0o666), temp
        except FileExistsError:
            continue


def remove_stale_temps(folder, name, now=None):
    """Remove the temporary files a killed save of ``folder/name`` left behind; best effort.

    Only regular files named exactly as :func:`atomic_write` names this target's temporary files
    are considered: ``.<name>.<pid>.<12 hex digits>.tmp`` (and ``.<name>.<12 hex digits>.tmp``,
    the name older versions used). One is removed when it has not been written for
    :data:`STALE_AFTER` seconds and its writer's process is gone (checked on POSIX only), or when
    it has not been written for :data:`ABANDONED_AFTER` seconds. A save in progress writes its
    file within a moment of creating it and is alive, so it keeps its file; if an old one were
    removed all the same, that save would fail cleanly and leave the target as it was.
    Returns the names removed.
    """
    pattern = re.compile(r"\." + re.escape(name) + r"\.(?:(\d{1,10})\.)?[0-9a-f]{12}\.tmp")
    now = time.time() if now is None else now
    removed = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        match = pattern.fullmatch(entry.name)
        if match is None:
            continue
        try:
            info = entry.stat(follow_symlinks=False)
            if not stat.S_ISREG(info.st_mode):
                continue
            idle = now - info.st_mtime
            pid = int(match.group(1)) if match.group(1) else None
            if idle > ABANDONED_AFTER or (idle > STALE_AFTER and pid is not None and _alive(pid) is False):
                os.remove(entry.path)
                removed.append(entry.name)
        except OSError:
            continue
    return removed


def _alive(pid):
    """Whether process ``pid`` of this machine is running: True, False, or None (can't tell)."""
    if os.name != "posix" or not 0 < pid < 2**31:  # on Windows os.kill would end the process
        return None
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, but another user's
        return True
    except (OSError, OverflowError):
        return None
    return True


def _sync_folder(folder):
    """Best effort: make the rename itself durable (POSIX; a no-op where folders can't be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
