"""Reading a written MP4 back for a test's checks."""

import imageio.v2 as imageio
import numpy as np


def read_mp4(path) -> np.ndarray:
    """[T, H, W, 3] uint8 frames of the video at `path`."""
    with imageio.get_reader(path, format="FFMPEG") as reader:
        return np.stack([frame for frame in reader])  # list(reader) asks its length: inf
