"""`MovingSquares`: a synthetic video data set for training and testing the generator without the simulator.

A coloured square moves in a straight line at constant speed over a plain background. Every item is a function
of (seed, index) alone, so a data set is reproducible in any process, order or worker.
"""

import numpy as np
import torch
from torch.utils.data import Dataset

from dit.errors import DiTError

# name -> RGB in [0, 1]
COLOURS = {"red": (0.9, 0.1, 0.1), "green": (0.1, 0.8, 0.2), "blue": (0.15, 0.3, 0.95), "yellow": (0.95, 0.9, 0.1),
           "cyan": (0.1, 0.85, 0.9), "magenta": (0.9, 0.15, 0.85), "white": (0.95, 0.95, 0.95),
           "orange": (0.95, 0.55, 0.1)}
BACKGROUNDS = {"black": (0.0, 0.0, 0.0), "grey": (0.4, 0.4, 0.4), "navy": (0.05, 0.05, 0.3),
               "brown": (0.35, 0.2, 0.1)}
# name -> (dx, dy) per frame in image axes (x right, y down), as in the flow contract
DIRECTIONS = {"right": (1, 0), "left": (-1, 0), "up": (0, -1), "down": (0, 1)}
MOTION_PHRASES = {"right": "to the right", "left": "to the left", "up": "up", "down": "down"}
CAPTION_MODES = ("motion", "colour", "none")
CONTROLS = ("depth", "flow", "segmentation")


class MovingSquares(Dataset):
    """Items: {"video" [3, T, H, W] in [-1, 1], "caption" str, "controls" {branch: [C_k, T, H, W]},
    "control_mask" {branch: True}, "index" int}.

    Controls follow the conditioning contract: depth [1, ...] is 1 on the square (nearest surface) and 0 on the
    background (no surface); flow [3, ...] is (dx / W, dy / H, valid) from frame t to t + 1 (the square keeps
    moving after the last frame; valid is 0 where a background pixel is covered at t + 1 or a square pixel
    leaves the image); segmentation [1, ...] is 1 on the square, 0 elsewhere.

    caption: "motion" ("a red square moves to the right on a black background"), "colour" ("an orange square on
    a black background": nothing about where it is or goes) or "none" ("").
    background: a name of BACKGROUNDS for every clip, or "random" for one drawn per clip.
    """

    def __init__(self, num_samples: int = 1024, frames: int = 8, height: int = 32, width: int = 32, seed: int = 0,
                 square_size: tuple[int, int] = (6, 10), speed: tuple[int, int] = (1, 3),
                 colours: tuple[str, ...] = tuple(COLOURS), background: str = "black", caption: str = "motion",
                 controls: tuple[str, ...] = CONTROLS):
        if num_samples < 1 or frames < 1 or height < 1 or width < 1:
            raise DiTError("MovingSquares needs positive num_samples, frames, height and width")
        low, high = square_size
        if not 1 <= low <= high:
            raise DiTError(f"square_size must be (low, high) with 1 <= low <= high, got {square_size}")
        if high + speed[0] * (frames - 1) > min(height, width) or not 1 <= speed[0] <= speed[1]:
            raise DiTError(f"a {high}-pixel square at {speed[0]} pixel(s) per frame leaves a {height}x{width} "
                           f"image within {frames} frames; use smaller squares, slower speeds or fewer frames")
        unknown = [c for c in colours if c not in COLOURS] + [c for c in controls if c not in CONTROLS]
        if unknown or not colours:
            raise DiTError(f"unknown colours or controls {unknown}; colours are {list(COLOURS)}, controls "
                           f"{list(CONTROLS)}")
        if background != "random" and background not in BACKGROUNDS:
            raise DiTError(f"background must be 'random' or one of {list(BACKGROUNDS)}, got {background!r}")
        if caption not in CAPTION_MODES:
            raise DiTError(f"caption must be one of {CAPTION_MODES}, got {caption!r}")
        self.num_samples, self.frames, self.height, self.width, self.seed = num_samples, frames, height, width, seed
        self.square_size, self.speed, self.colours = (low, high), tuple(speed), tuple(colours)
        self.background, self.caption_mode, self.controls = background, caption, tuple(controls)

    def __len__(self) -> int:
        return self.num_samples

    def captions(self) -> list[str]:
        """Every caption this data set can produce: the corpus to build a tokenizer from."""
        backgrounds = list(BACKGROUNDS) if self.background == "random" else [self.background]
        return sorted({self._caption(colour, direction, background) for colour in self.colours
                       for direction in DIRECTIONS for background in backgrounds})

    def _caption(self, colour: str, direction: str, background: str) -> str:
        if self.caption_mode == "none":
            return ""
        article = "an" if colour[0] in "aeiou" else "a"
        if self.caption_mode == "colour":
            return f"{article} {colour} square on a {background} background"
        return f"{article} {colour} square moves {MOTION_PHRASES[direction]} on a {background} background"

    def describe(self, index: int) -> dict:
        """The drawn values of item `index`: colour, background, direction, size, speed, start (x, y) of frame 0."""
        if not 0 <= index < self.num_samples:
            raise IndexError(f"MovingSquares index {index} out of range [0, {self.num_samples})")
        rng = np.random.default_rng(np.random.SeedSequence([self.seed, index]))
        colour = self.colours[rng.integers(len(self.colours))]
        names = list(BACKGROUNDS) if self.background == "random" else [self.background]
        background = names[rng.integers(len(names))]
        direction = list(DIRECTIONS)[rng.integers(len(DIRECTIONS))]
        size = int(rng.integers(self.square_size[0], self.square_size[1] + 1))
        dx, dy = DIRECTIONS[direction]
        fastest = min(self.speed[1], (min(self.height, self.width) - size) // max(self.frames - 1, 1))
        speed = int(rng.integers(self.speed[0], fastest + 1))
        travel = speed * (self.frames - 1)
        # along the motion, the whole path stays in the image; across it, anywhere
        x = int(rng.integers(0, self.width - size - abs(dx) * travel + 1)) + (travel if dx < 0 else 0)
        y = int(rng.integers(0, self.height - size - abs(dy) * travel + 1)) + (travel if dy < 0 else 0)
        return dict(colour=colour, background=background, direction=direction, size=size, speed=speed,
                    start=(x, y), velocity=(dx * speed, dy * speed))

    def square_masks(self, index: int, frames: int | None = None) -> np.ndarray:
        """bool [frames, H, W]: where the square of item `index` is in frames 0..frames-1 (default T)."""
        d = self.describe(index)
        frames = self.frames if frames is None else frames
        masks = np.zeros((frames, self.height, self.width), dtype=bool)
        for t in range(frames):
            x, y = d["start"][0] + t * d["velocity"][0], d["start"][1] + t * d["velocity"][1]
            masks[t, max(y, 0):max(y + d["size"], 0), max(x, 0):max(x + d["size"], 0)] = True
        return masks

    def __getitem__(self, index: int) -> dict:
        d = self.describe(index)
        masks = self.square_masks(index, self.frames + 1)  # one frame past the last, for the flow
        square, after = masks[:-1], masks[1:]  # [T, H, W]
        colour = np.array(COLOURS[d["colour"]], dtype=np.float32)[:, None, None, None]
        background = np.array(BACKGROUNDS[d["background"]], dtype=np.float32)[:, None, None, None]
        video = np.where(square[None], colour, background) * 2 - 1  # [3, T, H, W]
        controls = {}
        if "depth" in self.controls:
            controls["depth"] = square[None].astype(np.float32)
        if "segmentation" in self.controls:
            controls["segmentation"] = square[None].astype(np.float32)
        if "flow" in self.controls:
            controls["flow"] = self._flow(square, after, d["velocity"])
        return {"video": torch.from_numpy(video.astype(np.float32)), "caption": self._caption(
                    d["colour"], d["direction"], d["background"]),
                "controls": {name: torch.from_numpy(m) for name, m in controls.items()},
                "control_mask": {name: True for name in controls}, "index": index}

    def _flow(self, square: np.ndarray, after: np.ndarray, velocity: tuple[int, int]) -> np.ndarray:
        """[3, T, H, W]: normalised forward flow and validity (see the class docstring)."""
        frames = square.shape[0]
        vx, vy = velocity
        flow = np.zeros((3, frames, self.height, self.width), dtype=np.float32)
        flow[0][square] = vx / self.width
        flow[1][square] = vy / self.height
        ys, xs = np.mgrid[0:self.height, 0:self.width]
        lands_inside = (0 <= xs + vx) & (xs + vx < self.width) & (0 <= ys + vy) & (ys + vy < self.height)
        valid = np.where(square, lands_inside[None], ~after)  # a background pixel covered at t + 1 is occluded
        flow[2] = valid
        flow[:2] *= valid[None]
        return flow
