"""Physics-IQ scoring: its numbers for a known clip beside the benchmark's, and its speed. Prints tables, writes JSON.

    python benchmarks/physics_iq.py [--out benchmarks/results/physics_iq.json] [--figure docs/physics_iq/masks.png]

- numbers: the moving square of the tests (16 frames at 8 fps, 64x64, a 12 px square moving 3 px a frame)
  against itself, shifted by 1, 2 and 6 px, and frozen; scored by kinema (4x upscale, its default; and 1x, the
  benchmark verbatim) and by the tests' OpenCV re-implementation of the benchmark (`physics_iq_reference`), in
  memory and through the MPEG-4 files the benchmark really reads. Needs the test extras (OpenCV).
- speed: seconds to make a scene's two takes and to score one video, at 64, 128 and 256 px, 40 frames (5 s).
- figure: the masks of the 12 px square and of a 3 px one, scored at 4x and at 1x.
"""

import argparse
import json
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from fileio import write_atomically
from hybrid.physics_iq import Clip, Takes

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "hybrid"))
from moving_square import FPS, moving_square  # noqa: E402  (the tests' clip, so both measure the same thing)
from physics_iq_reference import reference_metrics, reference_metrics_through_files  # noqa: E402

CLIPS = {"same": {}, "shift 1 px": {"shift": 1}, "shift 2 px": {"shift": 2}, "shift 6 px": {"shift": 6},
         "frozen": {"still": True}}
NAMES = ("spatial_iou", "spatiotemporal_iou", "weighted_spatial_iou", "mse", "score")


def numbers() -> list[dict]:
    """Every clip's five numbers by each scorer (second take = the truth: no physical variance)."""
    truth = moving_square()
    rows = []
    for clip, options in CLIPS.items():
        video = moving_square(**options)
        for upscale in (4, 1):
            ours = Takes.of(truth, truth, FPS, upscale=upscale).score(video)
            rows.append({"clip": clip, "scorer": f"kinema, {upscale}x", **{
                name: ours[f"physics_iq_{name}" if name != "score" else "physics_iq_score"] for name in NAMES}})
            big = [np.repeat(np.repeat(v, upscale, axis=1), upscale, axis=2) for v in (video, truth)]
            theirs = reference_metrics(big[0], big[1], big[1], FPS)
            rows.append({"clip": clip, "scorer": f"OpenCV benchmark, {upscale}x", **{n: theirs[n] for n in NAMES}})
            with tempfile.TemporaryDirectory() as folder:
                files = reference_metrics_through_files(big[0], big[1], big[1], FPS, Path(folder))
            rows.append({"clip": clip, "scorer": f"OpenCV benchmark via MPEG-4, {upscale}x",
                         **{n: files[n] for n in NAMES}})
    return rows


def speed(sizes: list[int], frames: int = 5 * FPS) -> list[dict]:
    rng = np.random.default_rng(0)
    rows = []
    for size in sizes:
        truth, second, video = (rng.integers(0, 256, (frames, size, size, 3), dtype=np.uint8) for _ in range(3))
        start = time.perf_counter()
        takes = Takes.of(truth, second, FPS)
        made = time.perf_counter() - start
        start = time.perf_counter()
        takes.score(video)
        rows.append({"size": size, "frames": frames, "takes_s": made, "score_s": time.perf_counter() - start})
    return rows


def figure(path: Path) -> None:
    """Frames 2, 5 and 8 of the 12 px square and of a 3 px one, each over its masks scored at 4x and at 1x."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    frames = (2, 5, 8)
    clips = {"12 px square": moving_square(), "3 px square": moving_square(side=3)}
    grid, axes = plt.subplots(len(clips) * 3, len(frames), figsize=(2.0 * len(frames), 2.0 * 3 * len(clips)))
    for c, (name, video) in enumerate(clips.items()):
        masks = {upscale: Clip.of(video, FPS, upscale=upscale).masks for upscale in (4, 1)}
        for column, t in enumerate(frames):
            rows = [(video[t], f"{name}, frame {t}"), (masks[4][t], "masks at 4x (kinema)"),
                    (masks[1][t], "masks at 1x (verbatim)")]
            for r, (image, title) in enumerate(rows):
                axis = axes[3 * c + r, column]
                axis.imshow(image, cmap="gray", vmin=0, vmax=1 if image.dtype == bool else 255,
                            interpolation="nearest")
                axis.set_title(title, fontsize=7)
                axis.axis("off")
    grid.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, lambda temporary: grid.savefig(temporary, dpi=100, format="png"))
    plt.close(grid)


def table(rows: list[dict], columns: list[str]) -> str:
    lines = ["| " + " | ".join(columns) + " |", "|" + " --- |" * len(columns)]
    for row in rows:
        cells = [f"{row[c]:.4g}" if isinstance(row[c], float) else str(row[c]) for c in columns]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="benchmarks/results/physics_iq.json")
    parser.add_argument("--figure", type=Path, default=None, help="also draw the masks to this PNG")
    args = parser.parse_args()
    if args.figure:
        figure(args.figure)
    results = {"machine": platform.processor() or platform.machine(), "numbers": numbers(),
               "speed": speed([64, 128, 256])}
    print(table(results["numbers"], ["clip", "scorer", *NAMES]))
    print()
    print(table(results["speed"], ["size", "frames", "takes_s", "score_s"]))
    write_atomically(Path(args.out), lambda temporary: temporary.write_text(json.dumps(results, indent=1)))


if __name__ == "__main__":
    main()
