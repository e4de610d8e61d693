"""Simulation and rendering speed: prints a table and writes JSON.

    python benchmarks/sim_render.py [--out benchmarks/results/sim_render.json] [--quick]

- physics: steps/s and rollout time for 1, 10, 50, 200 falling bodies (240 Hz, 2 s at 8 fps);
- render: ms per frame of each map (RGB pass with shadows; segmentation + depth pass; exact flow; the sky painted
  behind) at 64..512 px, and of all maps without shadows (the difference is what shadows cost); the bar is all
  maps at 256 x 256 in at most 40 ms per frame on 2 cores, shadows included;
- keying: the render's own colour-keyed body masks against its segmentation (mask IoU, as `kinema evaluate`
  scores a model) on the 20 held-out evaluation scenes at 64 and 256 px; the bar is 0.8;
- end to end: control maps per second for a 16-frame 128x128 clip (simulate + render, all maps);
- dataset: seconds and bytes per clip of a 256p training shard (`kinema dataset --size 256`: RGB and every
  control map at full resolution), written twice to check it is byte-identical.
"""

import argparse
import json
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the dit package, not benchmarks/dit.py beside this

import numpy as np  # noqa: E402
import torch  # noqa: E402

from benchmarks.timing import best_seconds  # noqa: E402
from fileio import write_atomically  # noqa: E402
from scenes.bodies import add_bodies, colour, material  # noqa: E402
from scenes.graph import SceneGraph  # noqa: E402
from scenes.layout import lay_out  # noqa: E402
from scenes.parser import parse_prompt  # noqa: E402
from scenes.schema import Action, Ground, Settings  # noqa: E402
from scenes.seeding import scene_rng  # noqa: E402
from sim import render, simulate  # noqa: E402


def falling_bodies(count: int) -> SceneGraph:
    """`count` balls dropped from 1 m, laid out side by side (the layout is not timed)."""
    graph = SceneGraph(Ground(colour=colour("grey"), material=material("stone")), settings=Settings(duration=2.0))
    for body_id in add_bodies(graph, "ball", count, "red"):
        graph.add_action(Action(subject=body_id, action="drop", height=1.0))
    return lay_out(graph, scene_rng(0, "layout"))


def physics(counts: list[int]) -> list[dict]:
    rows = []
    for count in counts:
        graph = falling_bodies(count)
        seconds, step_hz = graph.settings.duration, 240
        elapsed = best_seconds(lambda: simulate(graph, seconds=seconds, fps=8, step_hz=step_hz))
        steps = seconds * step_hz
        rows.append({"bodies": count, "rollout_s": elapsed, "steps_per_s": steps / elapsed,
                     "times_real_time": seconds / elapsed})
    return rows


def rendering(sizes: list[int], frames: int) -> list[dict]:
    """Per-map cost from three renders: all maps, without flow, and RGB only (differences isolate each map)."""
    graph = parse_prompt("a tower of four red cubes, three blue balls, a green cone, a yellow can and a purple "
                         "crate. the camera orbits", seed=0)
    rollout = simulate(graph, seconds=frames / 8, fps=8)
    rows = []
    for size in sizes:
        total = best_seconds(lambda: render(rollout, graph, size=size, aspect="1:1"), repeats=5)
        flat = best_seconds(lambda: render(rollout, graph, size=size, aspect="1:1", shadows=False), repeats=5)
        timings = render_stage_timings(rollout, graph, size)
        rows.append({"size": size, "frames": rollout.num_frames, "ms_per_frame_all_maps": 1000 * total / frames,
                     "ms_per_frame_all_maps_without_shadows": 1000 * flat / frames,
                     **{f"ms_per_frame_{name}": 1000 * seconds / frames for name, seconds in timings.items()}})
    return rows


def keying(sizes: list[int], scenes: int = 20) -> list[dict]:
    """Mask IoU of the render's own colour keys on the held-out evaluation scenes (16 frames at 8 fps)."""
    from hybrid.evaluate import held_out_scenes
    from hybrid.metrics import mask_iou

    rows = []
    for size in sizes:
        per_scene = {}
        for name, graph in held_out_scenes(scenes):
            frames = render(simulate(graph, seconds=2.0, fps=8), graph, size=size, aspect="1:1")
            per_scene[name] = mask_iou(frames.rgb, frames, graph)
        scored = [iou for iou in per_scene.values() if not np.isnan(iou)]
        rows.append({"size": size, "scenes": scenes, "scenes_scored": len(scored), "mean_iou": float(np.mean(scored)),
                     "worst": sorted(per_scene.items(), key=lambda item: np.nan_to_num(item[1], nan=2.0))[:3],
                     "per_scene": per_scene})
    return rows


def render_stage_timings(rollout, graph, size: int) -> dict[str, float]:
    """Seconds spent in each pass of one `render` call: pyrender's colour pass, its segmentation pass (which
    also gives the depth), and exact flow; measured by wrapping those calls."""
    import sim.renderer as renderer
    from sim.gl import pyrender

    spent = {"rgb": 0.0, "segmentation_depth": 0.0, "flow": 0.0, "sky": 0.0}
    draw, flow, sky = pyrender.OffscreenRenderer.render, renderer.exact_flow, renderer._over_sky

    def timed_draw(self, scene, *args, **kwargs):
        start = time.perf_counter()
        try:
            return draw(self, scene, *args, **kwargs)
        finally:
            segmentation = kwargs.get("flags", 0) & pyrender.RenderFlags.SEG
            spent["segmentation_depth" if segmentation else "rgb"] += time.perf_counter() - start

    def timed(name, function):
        def call(*args, **kwargs):
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                spent[name] += time.perf_counter() - start
        return call

    pyrender.OffscreenRenderer.render = timed_draw
    renderer.exact_flow, renderer._over_sky = timed("flow", flow), timed("sky", sky)
    try:
        render(rollout, graph, size=size, aspect="1:1")
    finally:
        pyrender.OffscreenRenderer.render, renderer.exact_flow, renderer._over_sky = draw, flow, sky
    return spent


def end_to_end() -> dict:
    graph = parse_prompt("a red ball falls onto a blue box, then rolls off to the left. a tower of three green "
                         "cubes topples. the camera orbits", seed=0)
    frames, fps = 16, 8

    def run():
        rollout = simulate(graph, seconds=frames / fps, fps=fps)
        render(rollout, graph, size=128, aspect="1:1")

    elapsed = best_seconds(run, repeats=2)
    return {"frames": frames, "size": 128, "seconds": elapsed, "frames_per_s": frames / elapsed,
            "s_per_frame": elapsed / frames}


def dataset_shard(clips: int, size: int = 256) -> dict:
    """Time and bytes per clip of one shard of `clips` clips, made twice (the two files must be identical)."""
    import tempfile

    from hybrid.dataset import DatasetSpec, write_shard

    spec = DatasetSpec(seed=0, clips=clips, size=size)
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        first = write_shard(Path(folder) / "a", spec, 0, 1).read_bytes()
        seconds = time.perf_counter() - start
        again = write_shard(Path(folder) / "b", spec, 0, 1).read_bytes()
    return {"clips": clips, "size": size, "frames": spec.frames, "s_per_clip": seconds / clips,
            "bytes_per_clip": len(first) / clips, "byte_identical": first == again}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="benchmarks/results/sim_render.json")
    parser.add_argument("--quick", action="store_true", help="fewer bodies and sizes (a smoke run)")
    args = parser.parse_args()
    counts = [1, 10] if args.quick else [1, 10, 50, 200]
    sizes = [64, 128] if args.quick else [64, 128, 256, 512]
    results = {
        "machine": {"python": sys.version.split()[0], "platform": platform.platform(),
                    "cpu_threads": torch.get_num_threads(), "processor": platform.processor()},
        "physics": physics(counts),
        "render": rendering(sizes, frames=16),
        "keying": keying([64] if args.quick else [64, 256]),
        "end_to_end": end_to_end(),
        "dataset": dataset_shard(2 if args.quick else 8),
    }
    print("physics (240 Hz, 2 s of falling balls)")
    print(f"{'bodies':>7} {'rollout s':>10} {'steps/s':>10} {'x real time':>12}")
    for row in results["physics"]:
        print(f"{row['bodies']:>7} {row['rollout_s']:>10.3f} {row['steps_per_s']:>10.0f} {row['times_real_time']:>12.1f}")
    print("\nrender (ms per frame, 10 bodies, orbiting camera)")
    print(f"{'size':>5} {'all maps':>9} {'no shadows':>11} {'rgb':>7} {'seg+depth':>10} {'flow':>7} {'sky':>6}")
    for row in results["render"]:
        print(f"{row['size']:>5} {row['ms_per_frame_all_maps']:>9.1f} "
              f"{row['ms_per_frame_all_maps_without_shadows']:>11.1f} {row['ms_per_frame_rgb']:>7.1f} "
              f"{row['ms_per_frame_segmentation_depth']:>10.1f} {row['ms_per_frame_flow']:>7.1f} "
              f"{row['ms_per_frame_sky']:>6.1f}")
    print("\nkeying (the render's own colour-keyed masks vs its segmentation, held-out scenes; bar 0.8)")
    for row in results["keying"]:
        worst = ", ".join(f"{name} {iou:.2f}" for name, iou in row["worst"])
        print(f"{row['size']:>5} px: mean IoU {row['mean_iou']:.3f} over {row['scenes_scored']} of {row['scenes']} "
              f"scenes (worst: {worst})")
    e2e = results["end_to_end"]
    print(f"\nend to end: {e2e['frames']}-frame {e2e['size']}x{e2e['size']} clip (simulate + all maps) in "
          f"{e2e['seconds']:.2f} s = {e2e['frames_per_s']:.1f} frames/s ({e2e['s_per_frame'] * 1000:.0f} ms/frame)")
    shard = results["dataset"]
    print(f"dataset: a {shard['size']}p shard of {shard['clips']} clips: {shard['s_per_clip']:.2f} s and "
          f"{shard['bytes_per_clip'] / 2**20:.2f} MiB per clip; byte-identical when made again: "
          f"{shard['byte_identical']}")
    out = Path(args.out)
    write_atomically(out, lambda path: path.write_text(json.dumps(results, indent=2)))
    print(f"wrote {out}")


if __name__ == "__main__":
    np.set_printoptions(precision=3)
    main()
