"""Atomic file writes (private): a file appears complete or not at all."""

import os
import secrets
import stat

from .errors import NeuronsimError, NeuronsimTypeError


def atomic_write(path, write):
    """Write a file through ``write(binary_file)`` so that it appears complete or not at all.

    The data goes to a temporary file in the target's folder, is flushed to disk, then renamed
    over the target (``os.replace`` is atomic within a folder). On any failure the temporary
    file is removed and the previous file is left untouched.
    """
    if not isinstance(path, (str, os.PathLike)):
        raise NeuronsimTypeError(f"path must be a str or os.PathLike, got {type(path).__name__}")
    where = os.fspath(path)
    target = os.path.realpath(where)  # through a symlink: replace the file it points to
    folder, name = os.path.split(target)
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
        raise NeuronsimError(f"{where}: could not save ({err}); the previous file, if any, is unchanged") from err
    finally:
        if temp is not None:
            try:
                os.remove(temp)
            except OSError:
                pass
    _sync_folder(folder)


def _create_temp(folder, name):
    """A new file ``.<name>.<random>.tmp`` in ``folder``, created with the umask's permissions."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    while True:
        temp = os.path.join(folder, f".{name}.{secrets.token_hex(6)}.tmp")
        try:
            return os.open(temp, flags, 0o666), temp
        except FileExistsError:
            continue


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
