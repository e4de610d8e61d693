"""The Physics-IQ tests' clip: a white square moving right on grey, 3 px a frame, 16 frames at 8 fps, 64x64."""

import numpy as np

FPS, FRAMES, SIZE, SIDE, SPEED = 8, 16, 64, 12, 3
GREY = 128


def moving_square(shift: int = 0, still: bool = False, frames: int = FRAMES, side: int = SIDE) -> np.ndarray:
    """[T, 64, 64, 3] uint8: a white square, its left edge at 4 + SPEED t + shift (t = 0 if `still`)."""
    video = np.full((frames, SIZE, SIZE, 3), GREY, dtype=np.uint8)
    top = (SIZE - side) // 2
    for t in range(frames):
        left = 4 + SPEED * (0 if still else t) + shift
        video[t, top:top + side, max(left, 0):max(left + side, 0)] = 255
    return video
