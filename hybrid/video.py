"""Writing videos: MP4 (H.264 through the ffmpeg that imageio-ffmpeg ships) and GIF, checked, then published.

A video is encoded under a temporary name and read back before it is published: the frame count and size must
be what was written, so a writer that failed quietly (ffmpeg on a full disk leaves a short file and, through
imageio, no error) publishes nothing and says why in one line.
"""

import errno
import os
import subprocess
from fractions import Fraction
from pathlib import Path

import imageio.v2 as imageio
import imageio_ffmpeg
import numpy as np
from PIL import Image, ImageSequence

from fileio import Save, UserFileError, write_atomically

_ERRNOS = {os.strerror(code): code for code in errno.errorcode}  # "No space left on device" -> ENOSPC


def write_video(path: Path, frames: np.ndarray, fps: float, save: Save = write_atomically) -> Path:
    """Write [T, H, W, 3] uint8 frames as .mp4 or .gif at `fps`; the file appears complete and checked or not at
    all. `save` publishes it: alone (the default) or staged in an `OutputSet` (its `write`)."""
    path = Path(path)
    frames = np.asarray(frames, dtype=np.uint8)
    encoders = {".mp4": _encode_mp4, ".gif": _encode_gif}
    if path.suffix not in encoders:
        raise ValueError(f"cannot write {path.suffix or 'a file without suffix'}; use .mp4 or .gif")
    if path.suffix == ".mp4":  # H.264 with yuv420p needs even sizes: pad one black row/column where needed
        height, width = frames.shape[1:3]
        frames = np.pad(frames, ((0, 0), (0, height % 2), (0, width % 2), (0, 0)))

    def write(temporary: Path) -> None:
        encoders[path.suffix](temporary, frames, fps)
        problem = _read_back_problem(temporary, frames)
        if problem:
            raise UserFileError(f"cannot write {path}: {problem}, so it was not published; is the disk full?")

    return save(path, write)


def _encode_mp4(path: Path, frames: np.ndarray, fps: float) -> None:
    """H.264, yuv420p, CRF 10 (imageio's quality 8); ffmpeg's exit status is checked, its messages kept off the
    terminal, and its failure raised as the OSError it reports (e.g. ENOSPC)."""
    height, width = frames.shape[1:3]
    command = [imageio_ffmpeg.get_ffmpeg_exe(), "-y", "-v", "error", "-f", "rawvideo", "-pix_fmt", "rgb24",
               "-s", f"{width}x{height}", "-r", str(Fraction(fps).limit_denominator()), "-i", "-", "-an",
               "-vcodec", "libx264", "-pix_fmt", "yuv420p", "-crf", "10", str(path)]
    done = subprocess.run(command, input=frames.tobytes(), capture_output=True)
    if done.returncode != 0:
        lines = done.stderr.decode(errors="replace").strip().splitlines() or [f"exit status {done.returncode}"]
        reason = lines[-1].rsplit(": ", 1)[-1]  # ffmpeg ends its lines with the system's reason
        raise OSError(_ERRNOS.get(reason, errno.EIO), reason if reason in _ERRNOS else f"ffmpeg failed: {reason}")


def _encode_gif(path: Path, frames: np.ndarray, fps: float) -> None:
    """A looping GIF through Pillow itself (imageio's wrapper retries a failed write when it is collected)."""
    images = [Image.fromarray(frame) for frame in frames]
    images[0].save(path, format="GIF", save_all=True, append_images=images[1:], duration=1000.0 / fps, loop=0)


def _read_back_problem(path: Path, frames: np.ndarray) -> str | None:
    """What is wrong with the written video as a reader opens it (frame count, size), or None."""
    count, height, width = frames.shape[:3]
    try:
        if path.suffix == ".gif":
            with Image.open(path) as image:
                size, read = image.size, 0
                for frame in ImageSequence.Iterator(image):
                    frame.load()  # decodes it: a truncated file fails here
                    read += 1
            counted = 1 <= read <= count  # Pillow merges identical consecutive frames into one longer frame
        else:
            with imageio.get_reader(path, format="FFMPEG") as reader:
                size, read = tuple(reader.get_meta_data()["size"]), reader.count_frames()
            counted = read == count
    except Exception as error:  # readers raise many types for a broken file
        first_line = (str(error).strip().splitlines() or [type(error).__name__])[0]
        return f"it does not read back as a video ({first_line})"
    if not counted or tuple(size) != (width, height):
        return f"a reader finds {read} of its {count} frames at {size[0]}x{size[1]} (written at {width}x{height})"
    return None
