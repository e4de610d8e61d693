"""Benchmark `kinema generate` end to end with the shipped model: seconds per stage, over repeated runs.

    python benchmarks/generate.py                       # 4 s at 64x64, 8 fps, 20 steps, 3 runs, all cores
    python benchmarks/generate.py --threads 2 --runs 5 --seconds 2 --steps 10

The goal (issue 5): a 4-second 64x64 clip at 8 fps in under 60 s on 2 CPU cores. Model loading is timed once
(the first run); the table shows the median of each stage over the runs after a warm-up run. Writes
benchmarks/results/generate.json.
"""

import argparse
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

PROMPT = "a red rubber ball falls onto a blue wooden box, then rolls off to the left"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--prompt", default=PROMPT)
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--resolution", default="64p")
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "generate.json")
    args = parser.parse_args()

    import torch
    torch.set_num_threads(args.threads)
    from hybrid.generation import generate

    runs = []
    with tempfile.TemporaryDirectory() as folder:
        for run in range(args.runs + 1):  # run 0 warms up (model load, V-HACD cache, first-call allocations)
            started = time.perf_counter()
            out = generate(args.prompt, duration_seconds=args.seconds, resolution=args.resolution,
                           steps=args.steps, out=Path(folder) / f"run{run}.mp4")
            total = time.perf_counter() - started
            timings = json.loads(out.with_suffix(".json").read_text())["timings_seconds"]
            runs.append({**timings, "total": total})
    measured = runs[1:]
    stages = [name for name in runs[0] if name != "load_model"]
    table = {name: statistics.median(run[name] for run in measured) for name in stages}
    print(f"kinema generate, {args.seconds:g} s at {args.resolution}, 8 fps, {args.steps} steps, "
          f"{args.threads} threads, median of {len(measured)} runs")
    print(f"{'stage':<12}{'seconds':>10}")
    print(f"{'load_model':<12}{runs[0]['load_model']:>10.2f}   (first run only)")
    for name, seconds in table.items():
        print(f"{name:<12}{seconds:>10.2f}")
    result = {"prompt": args.prompt, "seconds": args.seconds, "resolution": args.resolution, "steps": args.steps,
              "threads": args.threads, "runs": len(measured), "median_seconds": table,
              "load_model_seconds": runs[0]["load_model"], "all_runs": runs,
              "machine": {"cpu_count": os.cpu_count(), "processor": platform.processor() or platform.machine(),
                          "torch": torch.__version__}}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    write_bytes_atomically(args.out, (json.dumps(result, indent=2) + "\n").encode())
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
