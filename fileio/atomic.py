"""Atomic writes: build the file (or folder) under a temporary name beside its target, then rename it over.

Temporary names are `.<target name>.kinema-tmp-<pid>-<random>[suffix]`: recognisable, and carrying the
writer's process id, so the next write to the same target deletes the ones whose writer has died (a kill
leaves them behind). Files get the permissions the umask gives, like any file the user's programs create.
"""

import os
import secrets
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

TEMP_MARK = ".kinema-tmp-"


def temporary_name(target: Path) -> Path:
    """A fresh temporary path beside `target`, keeping its suffix (writers such as imageio pick the format by it)."""
    return target.with_name(f".{target.name}{TEMP_MARK}{os.getpid()}-{secrets.token_hex(4)}{target.suffix}")


def remove_stale_temporaries(target: Path) -> None:
    """Delete temporaries of `target` left by writers that no longer run (files or folders)."""
    prefix = f".{target.name}{TEMP_MARK}"
    try:
        entries = list(target.parent.iterdir())
    except OSError:
        return
    for entry in entries:
        if not entry.name.startswith(prefix):
            continue
        pid = entry.name[len(prefix):].split("-", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return True


def umask_mode(kind: str = "file") -> int:
    """The mode a new file (0o666) or folder (0o777) gets under the current umask."""
    mask = os.umask(0)
    os.umask(mask)
    return (0o777 if kind == "folder" else 0o666) & ~mask


def write_atomically(path: Path, write: Callable[[Path], None]) -> Path:
    """Call `write(temporary_path)`, flush the result to disk, then move it to `path` in one step."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.is_dir():
        raise IsADirectoryError(21, "Is a directory", str(path))
    remove_stale_temporaries(path)
    temporary = temporary_name(path)
    try:
        with open(temporary, "xb"):
            pass
        os.chmod(temporary, umask_mode())
        write(temporary)
        _fsync(temporary)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    fsync_folder(path.parent)
    return path


def write_bytes_atomically(path: Path, data: bytes) -> Path:
    return write_atomically(path, lambda temporary: temporary.write_bytes(data))


@contextmanager
def folder_written_atomically(final: Path) -> Iterator[Path]:
    """Yield a fresh temporary folder beside `final` to build it in; on success it replaces `final` at once.

    On an error (or a Ctrl-C) the temporary folder is removed and `final` is left as it was.
    """
    final = Path(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(final)
    folder = temporary_name(final).with_suffix("")
    folder.mkdir()
    try:
        os.chmod(folder, umask_mode("folder"))
        yield folder
        publish_folder(folder, final)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def publish_folder(built: Path, final: Path) -> None:
    """Rename the finished folder `built` to `final`, replacing a folder there (never a file)."""
    old = None
    if final.is_symlink() or (final.exists() and not final.is_dir()):
        raise FileExistsError(17, "exists and is not a folder; choose another name or remove it", str(final))
    if final.exists():
        old = temporary_name(final)
        os.replace(final, old)
    os.replace(built, final)
    fsync_folder(final.parent)
    if old is not None:
        shutil.rmtree(old)


def _fsync(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def fsync_folder(folder: Path) -> None:
    """Make a rename in `folder` durable where the platform can open folders (the rename is atomic either way)."""
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
