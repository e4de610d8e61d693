"""Prompt parsing speed: prints a table and writes JSON.

    python benchmarks/parse.py [--out benchmarks/results/parse.json] [--repeats 5]

Times `read_prompt` (tokenise and parse) and `parse_prompt` (also the layout) on every prompt of the two prompt
suites (tests/scenes/test_prompts.py and tests/scenes/test_prompts_everyday.py), best of `repeats` per prompt.
The bar is parsing in at most 50 ms per prompt on 2 cores.
"""

import argparse
import json
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "scenes"))

import numpy as np  # noqa: E402

from fileio import write_atomically  # noqa: E402
from scenes.errors import SceneError  # noqa: E402
from scenes.parser import parse_prompt, read_prompt  # noqa: E402
from test_prompts import PROMPTS  # noqa: E402
from test_prompts_everyday import ROWS  # noqa: E402

BAR_MS = 50.0


def best_ms(function, prompt: str, repeats: int) -> float | None:
    """Best wall time in ms of `repeats` calls; None for a prompt that is refused (an out-of-scope row)."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        try:
            function(prompt, seed=0)
        except SceneError:
            return None
        best = min(best, time.perf_counter() - start)
    return 1000 * best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "parse.json"))
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    prompts = [row.values[0] for row in PROMPTS] + [row.values[0] for row in ROWS]
    rows = []
    for name, function in (("read_prompt (parse)", read_prompt), ("parse_prompt (parse + layout)", parse_prompt)):
        times = np.array([t for t in (best_ms(function, p, args.repeats) for p in prompts) if t is not None])
        rows.append({"stage": name, "prompts": int(times.size), "mean_ms": float(times.mean()),
                     "p95_ms": float(np.percentile(times, 95)), "max_ms": float(times.max())})
    print(f"{'stage':<32} {'prompts':>7} {'mean ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for row in rows:
        print(f"{row['stage']:<32} {row['prompts']:>7} {row['mean_ms']:>8.2f} {row['p95_ms']:>8.2f} "
              f"{row['max_ms']:>8.2f}")
    verdict = rows[0]["max_ms"] <= BAR_MS
    print(f"bar: parsing at most {BAR_MS:g} ms per prompt: {'met' if verdict else 'NOT met'}")
    result = {"rows": rows, "bar_ms": BAR_MS, "bar_met": verdict,
              "machine": {"python": platform.python_version(), "processor": platform.processor()}}
    write_atomically(Path(args.out), lambda path: path.write_text(json.dumps(result, indent=2) + "\n"))


if __name__ == "__main__":
    main()
