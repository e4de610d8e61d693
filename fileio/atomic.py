"""Atomic writes: build the file (or folder) under a temporary name beside its target, then rename it over.

Temporary names are `.<target name>.kinema-tmp-<pid>-<random>[suffix]`: recognisable, and carrying the
writer's process id, so the next write to the same target deletes the ones whose writer has died (a kill
leaves them behind). Where that would pass the folder's longest name (NAME_MAX), the target's name is cut and a
hash of the whole name added, `.<start of name>~<hash>.kinema-tmp-...`, so a target whose own name fits always
gets a temporary, and the cleanup still tells its temporaries from another target's. Files get the permissions
the umask gives, like any file the user's programs create. A write that fails (a full disk, a read-only
folder) leaves the target as it was and raises one UserFileError naming the target, never the temporary, and
the system's reason.
"""

import errno
import hashlib
import os
import secrets
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from fileio.errors import UserFileError

TEMP_MARK = ".kinema-tmp-"
Save = Callable[[Path, Callable[[Path], None]], Path]  # how a writer publishes: write_atomically, OutputSet.write


NAME_MAX = 255  # bytes in a file name on Linux and macOS file systems, where pathconf cannot say
_PID_AND_TOKEN = len("4294967295-") + 8  # "<pid>-<token>": a pid has at most 10 digits, a token 8 hex digits
_SUFFIX_KEPT = 16  # bytes of suffix a temporary keeps: any format's (.mp4, .safetensors); a longer one is dropped
_HASH_PART = len("~") + 8


def temporary_name(target: Path, for_folder: bool = False) -> Path:
    """A fresh temporary path beside `target`: a file's keeps the suffix (writers such as imageio pick the format
    by it), a folder's has none."""
    suffix = "" if for_folder or len(os.fsencode(target.suffix)) > _SUFFIX_KEPT else target.suffix
    return target.with_name(f"{_temporary_prefix(target)}{os.getpid()}-{secrets.token_hex(4)}{suffix}")


def _temporary_prefix(target: Path) -> str:
    """`.<name>.kinema-tmp-`, the same for every writer of `target`; the name is cut (and hashed) to fit NAME_MAX."""
    try:
        name_max = os.pathconf(target.parent, "PC_NAME_MAX")
    except (OSError, ValueError, AttributeError):  # a folder not made yet (no temporaries in it), or no pathconf
        name_max = NAME_MAX
    room = name_max - len(f".{TEMP_MARK}") - _PID_AND_TOKEN - _SUFFIX_KEPT
    if len(os.fsencode(target.name)) <= room:
        return f".{target.name}{TEMP_MARK}"
    start = target.name
    while len(os.fsencode(start)) > room - _HASH_PART:  # cut whole characters, never a UTF-8 sequence
        start = start[:-1]
    return f".{start}~{hashlib.sha256(os.fsencode(target.name)).hexdigest()[:8]}{TEMP_MARK}"


def dead_temporaries(target: Path) -> list[Path]:
    """Temporaries of `target` (files or folders) whose writers no longer run: what a kill leaves behind."""
    prefix = _temporary_prefix(target)
    try:
        entries = list(target.parent.iterdir())
    except OSError:
        return []
    dead = []
    for entry in entries:
        pid = entry.name[len(prefix):].split("-", 1)[0] if entry.name.startswith(prefix) else ""
        if pid.isdigit() and not _alive(int(pid)):
            dead.append(entry)
    return dead


def remove_stale_temporaries(target: Path) -> None:
    """Delete temporaries of `target` left by writers that no longer run (files or folders)."""
    for entry in dead_temporaries(target):
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


_NO_SPACE, _NO_ACCESS = "free some space or choose another folder", "choose a folder you can write to"
_FIXES = {errno.ENOSPC: _NO_SPACE, errno.EDQUOT: _NO_SPACE, errno.EFBIG: _NO_SPACE, errno.EROFS: _NO_ACCESS,
          errno.EACCES: _NO_ACCESS, errno.EPERM: _NO_ACCESS, errno.EEXIST: "choose another name or remove it"}


def write_error(target: Path, error: OSError) -> UserFileError:
    """The one-line error of a failed write: the user's `target`, the system's reason, what to do."""
    reason = " ".join((error.strerror or str(error)).split()) or type(error).__name__
    fix = _FIXES.get(error.errno, "check the path and the space left on its disk")
    return UserFileError(f"cannot write {target}: {reason[0].lower()}{reason[1:]}; {fix}")


def check_file_target(path: Path, make_parent: bool = True) -> Path:
    """`path` if a file may be written there: not a folder, and its parent a folder (made if missing, unless
    `make_parent` is False: a check before the work leaves nothing behind)."""
    path = Path(path)
    if path.is_dir():
        raise UserFileError(f"cannot write {path}: it is a folder; name a file, or remove the folder")
    if not make_parent:
        return path
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise write_error(path, error) from None
    return path


def write_atomically(path: Path, write: Callable[[Path], None]) -> Path:
    """Call `write(temporary_path)`, flush the result to disk, then move it to `path` in one step.

    `write` may raise UserFileError itself (a check of what it wrote failed); nothing is published then either.
    """
    path = check_file_target(path)
    remove_stale_temporaries(path)
    temporary = temporary_name(path)
    try:
        with open(temporary, "xb"):
            pass
        os.chmod(temporary, umask_mode())
        write(temporary)
        _fsync(temporary)
        os.replace(temporary, path)
    except OSError as error:
        _discard(temporary)
        raise write_error(path, error) from None
    except BaseException:
        _discard(temporary)
        raise
    fsync_folder(path.parent)
    return path


def _discard(temporary: Path) -> None:
    """Remove a temporary if it is there; where even that fails (a read-only disk) the write's own error matters."""
    try:
        temporary.unlink(missing_ok=True)
    except OSError:
        pass


def write_bytes_atomically(path: Path, data: bytes) -> Path:
    return write_atomically(path, lambda temporary: temporary.write_bytes(data))


def check_folder_target(final: Path) -> Path:
    """`final` if a folder may be published there: nothing there, or a folder (never a file or a link)."""
    final = Path(final)
    if final.is_symlink() or (final.exists() and not final.is_dir()):
        raise UserFileError(f"cannot write the folder {final}: a file (or link) of that name exists; choose another "
                            "name or remove it")
    return final


@contextmanager
def folder_written_atomically(final: Path) -> Iterator[Path]:
    """Yield a fresh temporary folder beside `final` to build it in; on success it replaces `final` at once.

    A file at `final` is refused before anything is built. On an error (or a Ctrl-C) the temporary folder is
    removed and `final` is left as it was; an OSError while building (write plain files inside: the folder is
    the temporary) becomes a UserFileError naming `final`.
    """
    final = check_folder_target(final)
    try:
        final.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_temporaries(final)
        folder = temporary_name(final, for_folder=True)
        folder.mkdir()
    except OSError as error:
        raise write_error(final, error) from None
    try:
        os.chmod(folder, umask_mode("folder"))
        yield folder
        publish_folder(folder, final)
    except OSError as error:
        raise write_error(final, error) from None
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def publish_folder(built: Path, final: Path) -> None:
    """Rename the finished folder `built` to `final`, replacing a folder there (never a file)."""
    old = None
    check_folder_target(final)  # again: a file may have appeared there while the folder was built
    if final.exists():
        old = temporary_name(final, for_folder=True)
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
