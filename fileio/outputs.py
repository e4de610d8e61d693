"""Publishing a set of files that belong together (a video, its preview, its sidecar) so no reader sees a mix.

Everything is written into a temporary folder beside the targets and checked there. Publishing then removes
the old set's marker (its sidecar) first, renames every other file into place, and renames the new marker
last. So a marker on disk always sits beside the files written with it: a kill part-way leaves no marker
(an incomplete set, plainly so), never a new video beside an old sidecar.
"""

import hashlib
import os
import shutil
import tempfile
from pathlib import Path

from fileio.atomic import fsync_folder, remove_stale_temporaries, temporary_name, umask_mode
from fileio.errors import UserFileError


def writable_folder(folder: Path, what: str = "output folder") -> Path:
    """`folder`, created if missing, after proving a file can be made in it; else one line saying why not."""
    folder = Path(folder)
    for parent in (folder, *folder.parents):
        if parent.exists() and not parent.is_dir():
            raise UserFileError(f"cannot write into {folder}: {parent} is a file, not a folder; choose another path")
        if parent.exists():
            break
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder, prefix=".kinema-probe-"):
            pass
    except OSError as error:
        raise UserFileError(f"cannot write into the {what} {folder}: {error.strerror.lower()}; "
                            "choose a folder you can write to") from None
    return folder


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class OutputSet:
    """Files named `names` in `folder`, staged together and published with `marker` renamed last.

        with OutputSet(folder, ["v.mp4", "v.preview.mp4", "v.json"], marker="v.json", stale=["v.gif"]) as out:
            write(out.staged("v.mp4")) ...
            out.publish()

    `stale` are files of an earlier set that this one does not make; they are removed with the old marker.
    Leaving the block without `publish()` (an error, a cancel) removes everything staged.
    """

    def __init__(self, folder: Path, names: list[str], marker: str, stale: list[str] = ()):
        if marker not in names:
            raise ValueError(f"the marker {marker!r} must be one of the set's files {names}")
        self.folder = Path(folder)
        self.names = [name for name in names if name != marker] + [marker]
        self.marker = marker
        self.stale = [name for name in stale if name not in names]
        self.staging: Path | None = None

    def __enter__(self) -> "OutputSet":
        anchor = self.folder / self.marker
        remove_stale_temporaries(anchor)
        self.staging = temporary_name(anchor).with_suffix("")
        self.staging.mkdir()
        os.chmod(self.staging, umask_mode("folder"))
        return self

    def staged(self, name: str) -> Path:
        """Where to write `name` before publication."""
        if name not in self.names:
            raise ValueError(f"{name!r} is not one of the set's files {self.names}")
        return self.staging / name

    def publish(self) -> list[Path]:
        """Move the staged set into place, marker last; every file must have been written."""
        missing = [name for name in self.names if not self.staged(name).is_file()]
        if missing:
            raise UserFileError(f"the output set in {self.folder} is incomplete ({', '.join(missing)} not "
                                "written); nothing was published")
        for name in (self.marker, *self.stale):
            (self.folder / name).unlink(missing_ok=True)
        fsync_folder(self.folder)
        for name in self.names:
            os.replace(self.staged(name), self.folder / name)
        fsync_folder(self.folder)
        return [self.folder / name for name in self.names]

    def __exit__(self, *exc) -> None:
        shutil.rmtree(self.staging, ignore_errors=True)
        self.staging = None
