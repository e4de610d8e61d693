"""Byte-reproducible compressed npz files: `np.savez_compressed` stamps the current time into the zip, so the
same arrays written twice differ; here every entry gets a fixed date, so shards can be compared by hash."""

import zipfile
from pathlib import Path

import numpy as np

from fileio import Save, write_atomically

FIXED_DATE = (1980, 1, 1, 0, 0, 0)


def save_npz(path: Path, arrays: dict[str, np.ndarray], save: Save = write_atomically) -> Path:
    """Write `arrays` as a deflate-compressed .npz readable by `np.load`, reproducibly, through `save` (alone and
    atomically, or an `OutputSet`'s `write`)."""
    def write(temporary: Path) -> None:
        with zipfile.ZipFile(temporary, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
            for name in sorted(arrays):
                entry = zipfile.ZipInfo(f"{name}.npy", date_time=FIXED_DATE)
                entry.compress_type = zipfile.ZIP_DEFLATED
                with archive.open(entry, "w") as handle:
                    np.lib.format.write_array(handle, np.asarray(arrays[name]), allow_pickle=False)

    return save(Path(path), write)
