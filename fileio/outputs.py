"""Publishing a set of files that belong together (a video, its preview, its sidecar) so no reader sees a mix.

Everything is written into a temporary folder beside the targets and checked there. Publishing then moves
the old set's marker (its sidecar) out of the way into that folder first, renames every other file into place,
and renames the new marker last. So a marker on disk always sits beside the files written with it: a kill
part-way leaves no marker (an incomplete set, plainly so), never a new video beside an old sidecar; the next
run finds both markers in the killed run's folder, knows the files are kinema's, and replaces them.

A set replaces or removes only files the old marker claims (a sidecar lists them): a file of the same name that
kinema did not make, or cannot tell it made, is refused before the work, and so is a folder at any of the
names. Everything that can refuse is checked again before the old marker is touched.
"""

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from fileio.atomic import (check_file_target, dead_temporaries, fsync_folder, remove_stale_temporaries,
                           temporary_name, umask_mode, write_error)
from fileio.errors import UserFileError
from fileio.reading import read_text

PREVIOUS_MARKER = ".previous-marker"  # in the staging folder while publishing: the marker being replaced
MAX_SIDECAR_BYTES = 16 * 2**20  # a sidecar is a few kB; a larger file of that name is not kinema's


def writable_folder(folder: Path, what: str = "output folder", create: bool = True) -> Path:
    """`folder` after proving a file can be made in it (or, with `create` False, in the nearest folder that
    exists, so a check before the work leaves nothing behind); else one line saying why not."""
    folder = Path(folder)
    existing = existing_folder(folder)
    try:
        if create:
            folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder if create else existing, prefix=".kinema-probe-"):
            pass
    except OSError as error:
        reason = (error.strerror or str(error) or type(error).__name__).lower()
        raise UserFileError(f"cannot write into the {what} {folder}: {reason}; "
                            "choose a folder you can write to") from None
    return folder


def existing_folder(folder: Path) -> Path:
    """The nearest of `folder` and its parents that exists; one line naming it if it is a file, not a folder."""
    folder = Path(folder)
    existing = next((parent for parent in (folder, *folder.parents) if parent.exists()), Path("."))
    if not existing.is_dir():
        raise UserFileError(f"cannot write into {folder}: {existing} is a file, not a folder; choose another path")
    return existing


def sidecar_files(marker: Path) -> set[str]:
    """The names an old sidecar `marker` records in its "files" and "outputs": the files kinema wrote with it.

    Empty when `marker` is not a kinema sidecar: missing, unreadable, not a JSON object, or recording no files.
    """
    try:
        data = json.loads(read_text(marker, MAX_SIDECAR_BYTES, "sidecar"))
    except (UserFileError, json.JSONDecodeError):
        return set()
    if not isinstance(data, dict):
        return set()
    files, outputs = data.get("files"), data.get("outputs")
    listed = [*(files if isinstance(files, dict) else ()), *(outputs.values() if isinstance(outputs, dict) else ())]
    return {name for name in listed if isinstance(name, str)}


def sha256_file(path: Path) -> str:
    """The hex SHA-256 of a file, read in blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class OutputSet:
    """Files named `names` in `folder`, staged together and published with `marker` renamed last.

        out = OutputSet(folder, ["v.mp4", "v.json"], marker="v.json", stale=["v.gif"])  # checks, before the work
        ...                                                                              # the work
        with out:
            out.write(folder / "v.mp4", write_the_video) ...
            out.publish()

    Making the set proves the folder writable, that no name is taken by a folder, and that every file already
    at a name is the earlier set's, so a run that cannot publish fails before its work. `claims(old marker)`
    names the files the earlier set was made with (default: a sidecar's records); a marker that claims none is
    not kinema's. `stale` are files of an earlier set that this one does not make; they are removed with the
    old marker. Leaving the block without `publish()` (an error, a cancel) removes everything staged. `write`
    has `write_atomically`'s signature, so a writer taking one can stage into a set instead.
    """

    def __init__(self, folder: Path, names: list[str], marker: str, stale: list[str] = (),
                 claims: Callable[[Path], set[str]] = sidecar_files):
        if marker not in names:
            raise ValueError(f"the marker {marker!r} must be one of the set's files {names}")
        self.folder = writable_folder(folder, create=False)  # made on entering: a refused run leaves nothing
        self.names = [name for name in names if name != marker] + [marker]
        self.marker = marker
        self.stale = [name for name in stale if name not in names]
        self.claims = claims
        self.staging: Path | None = None
        self._claimed_by_a_killed_run = self._claims_of_an_interrupted_publish()  # read before __enter__ cleans
        self._check_names()

    def _check_names(self) -> None:
        """Refuse a folder at any name, and a file at one the old marker does not claim: kinema replaces and
        removes only its own earlier outputs."""
        for name in self.names:
            check_file_target(self.folder / name, make_parent=False)
        for name in self.stale:
            if (self.folder / name).is_dir():
                raise UserFileError(f"{self.folder / name} is a folder, where this run would remove an older "
                                    "run's file; rename or remove the folder, or choose another output")
        claimed = self.claims(self.folder / self.marker) or self._claimed_by_a_killed_run
        claimed = {*claimed, self.marker} if claimed else set()
        foreign = [self.folder / name for name in (*self.names, *self.stale)
                   if name not in claimed and os.path.lexists(self.folder / name)]
        if foreign:
            exist, were, them = ("exists", "was", "it") if len(foreign) == 1 else ("exist", "were", "them")
            raise UserFileError(f"{', '.join(map(str, foreign))} {exist} and {were} not made by kinema; choose "
                                f"another output or remove {them}")

    def _claims_of_an_interrupted_publish(self) -> set[str]:
        """A run killed while publishing leaves, in its staging folder, the marker it replaced and the one it had
        yet to move: the files beside them are kinema's, so the next run may replace them."""
        claimed = set()
        for staging in dead_temporaries(self.folder / self.marker):
            if staging.is_dir() and not staging.is_symlink():
                claimed |= self.claims(staging / PREVIOUS_MARKER) | self.claims(staging / self.marker)
        return claimed

    def __enter__(self) -> "OutputSet":
        for name in (*self.names, *self.stale):
            remove_stale_temporaries(self.folder / name)
        self.staging = temporary_name(self.folder / self.marker, for_folder=True)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            self.staging.mkdir()
            os.chmod(self.staging, umask_mode("folder"))
        except OSError as error:
            raise write_error(self.folder / self.marker, error) from None
        return self

    def staged(self, name: str) -> Path:
        """Where to write `name` before publication."""
        if name not in self.names:
            raise ValueError(f"{name!r} is not one of the set's files {self.names}")
        if self.staging is None:
            raise ValueError("enter the output set (`with out:`) before writing into it")
        return self.staging / name

    def write(self, path: Path, write: Callable[[Path], None]) -> Path:
        """Stage `path` (a file of the set) by calling `write(staged_path)`; an OSError names `path`."""
        path = Path(path)
        if path.parent != self.folder:
            raise ValueError(f"{path} is not in the set's folder {self.folder}")
        try:
            write(self.staged(path.name))
        except OSError as error:
            raise write_error(path, error) from None
        return path

    def file_records(self) -> dict[str, dict[str, int | str]]:
        """{name: {"bytes", "sha256"}} of every staged file but the marker: what the marker records of the set."""
        return {name: {"bytes": self.staged(name).stat().st_size, "sha256": sha256_file(self.staged(name))}
                for name in self.names if name != self.marker}

    def publish(self) -> list[Path]:
        """Move the staged set into place, marker last; every file must have been written."""
        missing = [name for name in self.names if not self.staged(name).is_file()]
        if missing:
            raise UserFileError(f"the output set in {self.folder} is incomplete ({', '.join(missing)} not "
                                "written); nothing was published")
        self._check_names()  # again: the work took a while, and the old marker is removed next
        name = self.marker
        try:
            if os.path.lexists(self.folder / self.marker):  # kept, not deleted, until the set is in place
                os.replace(self.folder / self.marker, self.staging / PREVIOUS_MARKER)
            for name in self.stale:
                (self.folder / name).unlink(missing_ok=True)
            fsync_folder(self.folder)
            for name in self.names:
                os.replace(self.staged(name), self.folder / name)
            fsync_folder(self.folder)
        except OSError as error:
            raise write_error(self.folder / name, error) from None
        return [self.folder / name for name in self.names]

    def __exit__(self, *exc) -> None:
        shutil.rmtree(self.staging, ignore_errors=True)
        self.staging = None
