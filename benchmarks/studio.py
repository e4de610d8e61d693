"""kinema studio's latency as a user meets it: prints a table and writes JSON.

    python benchmarks/studio.py [--out benchmarks/results/studio.json] [--model default] [--repeats 5]

Starts the studio's server (uvicorn, loopback) and, over HTTP, times the physics preview of a few scenes (the
first request of the process, cold, then the median and worst of `repeats` warm ones; a 3 s scene at 128p,
render + four controls, MP4-encoded) and one generation with the model at 20 steps, from the request to its
job being done. The page adds its 400 ms debounce before a preview request.
"""

import argparse
import json
import os
import platform
import socket
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import uvicorn  # noqa: E402

from fileio import write_atomically  # noqa: E402
from hybrid.studio.app import create_app  # noqa: E402
from hybrid.studio.workspace import Workspace  # noqa: E402
from scenes.script import library_scripts  # noqa: E402

PROMPT = "a red ball rolls toward a tower of three cubes"
SCENES = {"the issue's prompt": {"prompt": PROMPT},
          "dominoes prompt": {"prompt": "six white dominoes in a row. the first one is pushed"},
          "glass_shatters script": {"script": next(p for p in library_scripts() if p.stem == "glass_shatters")
                                    .read_text()}}


def post(url: str, body: dict) -> bytes:
    request = urllib.request.Request(url, json.dumps(body).encode(), {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=600) as answer:
        return answer.read()


def timed(function) -> float:
    started = time.perf_counter()
    function()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "studio.json"))
    parser.add_argument("--model", default="default")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = create_app(model=args.model, workspace=Workspace(Path(tempfile.mkdtemp(prefix="kinema-bench-"))))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    base = f"http://127.0.0.1:{port}"
    rows = []
    for name, body in SCENES.items():
        cold = timed(lambda: post(f"{base}/api/preview", body)) if not rows else None
        warm = [timed(lambda: post(f"{base}/api/preview", body)) for _ in range(args.repeats)]
        rows.append({"scene": name, "cold_s": cold, "warm_median_s": statistics.median(warm), "warm_max_s": max(warm)})
    started = time.perf_counter()
    job = json.loads(post(f"{base}/api/generate", {"prompt": PROMPT, "steps": 20}))["job"]["id"]
    while True:
        with urllib.request.urlopen(f"{base}/api/jobs/{job}") as answer:
            state = json.loads(answer.read())
        if state["state"] not in ("queued", "running"):
            break
        time.sleep(0.1)
    generation = {"prompt": PROMPT, "steps": 20, "state": state["state"], "seconds": time.perf_counter() - started}
    server.should_exit = True
    print(f"{'scene':<24} {'cold s':>7} {'warm median s':>13} {'warm max s':>10}")
    for row in rows:
        cold = "" if row["cold_s"] is None else f"{row['cold_s']:.2f}"
        print(f"{row['scene']:<24} {cold:>7} {row['warm_median_s']:>13.2f} {row['warm_max_s']:>10.2f}")
    print(f"generate ({args.model} model, 20 steps): {generation['seconds']:.1f} s, {generation['state']}")
    result = {"machine": platform.processor() or platform.machine(), "cpus": os.cpu_count(), "model": args.model,
              "previews": rows, "generation": generation}
    write_atomically(Path(args.out), lambda path: path.write_text(json.dumps(result, indent=2) + "\n"))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
