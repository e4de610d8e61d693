"""Writing videos: MP4 (H.264 through the ffmpeg that imageio-ffmpeg ships) and GIF, atomically."""

from pathlib import Path

import imageio.v2 as imageio
import numpy as np

from fileio import write_atomically


def write_video(path: Path, frames: np.ndarray, fps: float) -> Path:
    """Write [T, H, W, 3] uint8 frames as .mp4 or .gif at `fps`; the file appears complete or not at all."""
    path = Path(path)
    frames = np.asarray(frames, dtype=np.uint8)
    if path.suffix == ".gif":
        return write_atomically(path, lambda temporary: imageio.mimsave(
            temporary, list(frames), format="GIF", duration=1000.0 / fps, loop=0))
    if path.suffix != ".mp4":
        raise ValueError(f"cannot write {path.suffix or 'a file without suffix'}; use .mp4 or .gif")
    # H.264 with yuv420p needs even sizes: pad one black row/column where needed
    height, width = frames.shape[1:3]
    frames = np.pad(frames, ((0, 0), (0, height % 2), (0, width % 2), (0, 0)))

    def write(temporary: Path) -> None:
        with imageio.get_writer(temporary, format="FFMPEG", mode="I", fps=fps, codec="libx264",
                                pixelformat="yuv420p", quality=8, macro_block_size=1,
                                ffmpeg_log_level="error") as writer:
            for frame in frames:
                writer.append_data(frame)

    return write_atomically(path, write)
