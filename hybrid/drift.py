"""Drift over rolling windows: does a long video keep each body's colour, the sky and the floor?

    python -m hybrid.drift [--scene two_balls_collide] [--seconds 16] [--model default] [--size SIDE]
                           [--steps 20] [--seed 0] [--out benchmarks/results/drift.json]

The video is generated in rolling windows (`hybrid.pipeline.window_starts`); the simulator's segmentation and
depth say which generated pixels show each body, the sky, the walls and the floor (`hybrid.metrics.
colour_regions`). Per window, each region's mean colour (grey levels, R, G, B) is taken over the window's frames;
a body's drift is the largest per-channel difference between its colour in the last window where it is seen and
in the first, the background's the largest over every window. A model that keeps appearance across windows
drifts a few levels; one that forgets it, tens.
"""

import argparse
import json
from pathlib import Path

import numpy as np

from fileio import write_atomically
from hybrid.metrics import colour_regions
from hybrid.pipeline import OVERLAP, WINDOW, Pipeline, PipelineOutput, window_starts

MIN_PIXELS = 16  # a region seen in fewer pixels over a window has no colour there


def window_colours(video: np.ndarray, masks: np.ndarray, starts: list[int]) -> list[list[float] | None]:
    """Per window, the mean colour [3] of `video` [T, H, W, 3] under `masks` [T, H, W] (None where too few)."""
    colours = []
    for start in starts:
        stop = min(start + WINDOW, len(video))
        pixels = video[start:stop][masks[start:stop]]  # [n, 3]
        colours.append(pixels.mean(axis=0).tolist() if len(pixels) >= MIN_PIXELS else None)
    return colours


def drift(result: PipelineOutput) -> dict:
    """The report of one generated video: per region its colour in each window and its drift in levels."""
    starts = window_starts(len(result.video))
    report = {}
    for name, mask in colour_regions(result.frames, result.graph).items():
        colours = window_colours(result.video, mask, starts)
        seen = [colour for colour in colours if colour is not None]
        if len(seen) < 2:
            continue  # seen in one window at most: nothing to compare
        first = np.array(seen[0])
        if name.startswith("body"):
            change = float(np.abs(np.array(seen[-1]) - first).max())
        else:
            change = float(max(np.abs(np.array(colour) - first).max() for colour in seen))
        report[name] = {"drift_levels": round(change, 2), "window_colours": colours}
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scene", default="two_balls_collide", help="a library scene, script or prompt")
    parser.add_argument("--seconds", type=float, default=16.0, help="video length (default 16)")
    parser.add_argument("--model", default="default", help="model folder (default: the shipped one)")
    parser.add_argument("--size", type=int, default=None,
                        help="square frame side in pixels (default: the model's own, 256 for the shipped one)")
    parser.add_argument("--steps", type=int, default=20, help="denoising steps per window (default 20)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--fps", type=int, default=8)
    parser.add_argument("--out", default="benchmarks/results/drift.json")
    args = parser.parse_args(argv)
    pipe = Pipeline.from_pretrained(args.model)
    result = pipe(args.scene, num_frames=round(args.seconds * args.fps), fps=args.fps, height=args.size,
                  width=args.size, num_steps=args.steps, seed=args.seed, progress=True)
    regions_report = drift(result)
    bodies = [row["drift_levels"] for name, row in regions_report.items() if name.startswith("body")]
    background = [row["drift_levels"] for name, row in regions_report.items() if not name.startswith("body")]
    report = {"scene": args.scene, "model": str(pipe.model_path), "sha256": pipe.model_sha256,
              "seconds": args.seconds, "fps": args.fps, "size": int(result.video.shape[1]), "steps": args.steps,
              "seed": args.seed,
              "windows": len(window_starts(len(result.video))), "window": WINDOW, "overlap": OVERLAP,
              "max_body_drift_levels": max(bodies, default=None),
              "max_background_drift_levels": max(background, default=None), "regions": regions_report}
    write_atomically(Path(args.out), lambda path: path.write_text(json.dumps(report, indent=1) + "\n"))
    for name, row in regions_report.items():
        print(f"{name:>8}: drift {row['drift_levels']:6.2f} levels over {len(row['window_colours'])} windows")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
