"""Reading files a user named: only regular files (a FIFO hangs, /dev/zero never ends), and only up to a size."""

import os
import stat
from pathlib import Path

from fileio.errors import UserFileError


def _megabytes(size: int) -> str:
    """Exact bytes (a file just over a limit must not read as equal to it), with MiB for large sizes."""
    return f"{size:,} bytes ({size / 2**20:.1f} MiB)" if size >= 2**20 else f"{size:,} bytes"


def check_regular_file(path: Path, max_bytes: int, what: str) -> Path:
    """`path` if it is a regular file (symlinks followed) of at most `max_bytes`; else one line saying why not.

    For files a library opens itself (npz, safetensors, meshes): call this first, then let it read.
    """
    path = Path(path)
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise UserFileError(f"no {what} at {path}; check the path") from None
    except NotADirectoryError:
        raise UserFileError(f"no {what} at {path}: a part of the path is a file, not a folder") from None
    except PermissionError:
        raise UserFileError(f"cannot read the {what} {path}: permission denied") from None
    except OSError as error:
        raise UserFileError(f"cannot read the {what} {path}: {error.strerror}") from None
    if stat.S_ISDIR(info.st_mode):
        raise UserFileError(f"{path} is a folder; give the path of a {what}")
    if not stat.S_ISREG(info.st_mode):
        raise UserFileError(f"{path} is not a regular file (a device, pipe or socket); give the path of a {what}")
    if info.st_size > max_bytes:
        raise UserFileError(f"the {what} {path} is {_megabytes(info.st_size)}, over the limit of "
                            f"{_megabytes(max_bytes)}; is it the right file?")
    return path


def read_bytes(path: Path, max_bytes: int, what: str) -> bytes:
    """The contents of a regular file of at most `max_bytes` (checked again while reading: files can grow)."""
    path = check_regular_file(path, max_bytes, what)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # never blocks, even if a FIFO replaced the file
    except OSError as error:
        raise UserFileError(f"cannot read the {what} {path}: {error.strerror}") from None
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            raise UserFileError(f"{path} is not a regular file; give the path of a {what}")
        data = handle.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise UserFileError(f"the {what} {path} is over the limit of {_megabytes(max_bytes)}")
    return data


def read_text(path: Path, max_bytes: int, what: str) -> str:
    """A UTF-8 text file a user named, bounded as `read_bytes`; bad encoding is a one-line error too."""
    data = read_bytes(path, max_bytes, what)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[:error.start].count(b"\n") + 1
        raise UserFileError(f"{path}:{line}: the {what} is not UTF-8 text (byte {data[error.start]:#04x}); "
                            "save it as UTF-8") from None
