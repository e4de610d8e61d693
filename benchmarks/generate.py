"""Benchmark `kinema generate` end to end with the shipped model: seconds per stage, over repeated runs.

    python benchmarks/generate.py                       # 4 s at 256x256, 8 fps, 20 steps, 3 runs, all cores
    python benchmarks/generate.py --threads 2 --runs 5 --seconds 2 --steps 10
    python benchmarks/generate.py --bf16                # also under bf16 autocast, with its cost in quality

The goal (issue 15): a 4-second 256x256 clip at 8 fps in at most 60 s on 2 CPU cores. Model loading is timed
once (the first run); the table shows the median of each stage over the runs after a warm-up run. With --bf16
the same runs are repeated under `torch.autocast("cpu", torch.bfloat16)`, and the bf16 video is compared with
the fp32 one (PSNR, same seed and noise). Writes benchmarks/results/generate.json.
"""

import argparse
import contextlib
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fileio import write_bytes_atomically  # noqa: E402
from hybrid.evaluate import README_PROMPT  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--prompt", default=README_PROMPT)
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--resolution", default="256p")
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--bf16", action="store_true", help="also time bf16 autocast and measure what it costs")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "generate.json")
    args = parser.parse_args()

    import torch
    torch.set_num_threads(args.threads)
    from hybrid.generation import generate, pipeline
    from hybrid.pipeline import video_size
    from hybrid.metrics import psnr

    precisions = ("fp32", "bf16") if args.bf16 else ("fp32",)
    result = {"prompt": args.prompt, "seconds": args.seconds, "resolution": args.resolution, "steps": args.steps,
              "threads": args.threads, "runs": args.runs,
              "machine": {"cpu_count": os.cpu_count(), "processor": platform.processor() or platform.machine(),
                          "torch": torch.__version__}}
    videos = {}
    for precision in precisions:
        runs = []
        with tempfile.TemporaryDirectory() as folder, precision_context(precision):
            for run in range(args.runs + 1):  # run 0 warms up (model load, V-HACD cache, first-call allocations)
                started = time.perf_counter()
                out = generate(args.prompt, duration_seconds=args.seconds, resolution=args.resolution,
                               steps=args.steps, out=Path(folder) / f"run{run}.mp4")
                total = time.perf_counter() - started
                timings = json.loads(out.with_suffix(".json").read_text())["timings_seconds"]
                runs.append({**timings, "total": total})
            height, width = video_size(args.resolution, "1:1", pipeline().size_multiple)
            videos[precision] = pipeline()(args.prompt, num_frames=round(args.seconds * 8), height=height,
                                           width=width, num_steps=args.steps).video
        measured = runs[1:]
        stages = [name for name in runs[0] if name != "load_model"]
        table = {name: statistics.median(run[name] for run in measured) for name in stages}
        print(f"kinema generate ({precision}), {args.seconds:g} s at {args.resolution}, 8 fps, {args.steps} steps, "
              f"{args.threads} threads, median of {len(measured)} runs")
        print(f"{'stage':<12}{'seconds':>10}")
        print(f"{'load_model':<12}{runs[0]['load_model']:>10.2f}   (first run only)")
        for name, seconds in table.items():
            print(f"{name:<12}{seconds:>10.2f}")
        # the model loads once, in the first precision's warm-up run
        result[precision] = {"median_seconds": table, "load_model_seconds": runs[0]["load_model"],
                             "all_runs": runs}
    if args.bf16:
        same = psnr(videos["bf16"], videos["fp32"])
        result["bf16_psnr_to_fp32_db"] = None if same == float("inf") else same  # None: identical videos
        print(f"bf16 video vs fp32 video: PSNR {same:.2f} dB")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    write_bytes_atomically(args.out, (json.dumps(result, indent=2) + "\n").encode())
    print(f"wrote {args.out}")


def precision_context(precision: str) -> contextlib.AbstractContextManager:
    import torch
    return torch.autocast("cpu", dtype=torch.bfloat16) if precision == "bf16" else contextlib.nullcontext()


if __name__ == "__main__":
    main()
