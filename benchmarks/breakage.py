"""The cost and the conservation of breakage: prints a table and writes JSON.

    python benchmarks/breakage.py [--out benchmarks/results/breakage.json] [--size 256] [--repeats 3]

For the library scene `glass_shatters` and a few brittle drops it times, best of `repeats`: cutting the body
into its pieces (for a seed not cut before), simulating and rendering with the body breakable, and the
same scene with it unbreakable; and it measures the momentum error across the break (the body's linear and
angular momentum just before, against its pieces' just after, relative to the body's).
"""

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "sim"))  # the momentum the conservation test computes

import numpy as np  # noqa: E402

from benchmarks.timing import best_seconds  # noqa: E402
from fileio import write_atomically  # noqa: E402
from scenes.graph import SceneGraph  # noqa: E402
from scenes.parser import parse_prompt  # noqa: E402
from scenes.script import load_script  # noqa: E402
from sim import render, simulate  # noqa: E402
from sim.fracture import fracture  # noqa: E402
from sim.world import World  # noqa: E402
from test_breakage import intact_momentum, pieces_momentum  # noqa: E402

PROMPTS = {"glass dropped 1.5 m": "a glass falls from 1.5 m and shatters",
           "plate dropped 1 m": "a plate falls from 1 m and breaks into pieces",
           "bottle dropped 2 m": "a bottle falls from 2 m and shatters"}


def unbreakable(graph: SceneGraph) -> SceneGraph:
    whole = SceneGraph.from_dict(graph.to_dict())
    for body in whole.bodies:
        whole.replace_body(body.model_copy(update={"breakable": None}))
    return whole


def momentum_error(graph: SceneGraph, k: int) -> tuple[float, float]:
    """Relative linear and angular momentum errors of body k's pieces just after a break against it just before."""
    with World(graph) as world:
        linear, angular = intact_momentum(world, k)
        world.shatter(k)
        linear_after, angular_after = pieces_momentum(world, k)
    return (float(np.linalg.norm(linear_after - linear) / np.linalg.norm(linear)),
            float(np.linalg.norm(angular_after - angular) / np.linalg.norm(angular)))


def spinning(graph: SceneGraph, k: int) -> SceneGraph:
    """`graph` with body k moving and tumbling in free flight (no gravity), so every momentum term counts."""
    moving = SceneGraph.from_dict(graph.to_dict())
    moving.settings.gravity = (0.0, 0.0, 0.0)
    body = moving.bodies[k - 1]
    moving.replace_body(body.model_copy(update={"static": False, "linear_velocity": (1.5, -0.5, 2.0),
                                                "angular_velocity": (3.0, -7.0, 11.0),
                                                "position": (body.position[0], body.position[1], 2.0)}))
    return moving


def measure(name: str, graph: SceneGraph, size: int, repeats: int) -> dict:
    k = next(k for k, body in enumerate(graph.bodies, 1) if body.breakable)
    fresh_seed = int(time.time_ns() % 2**32)  # pieces of a seed not cut before: the time of cutting, not reading
    cut = best_seconds(lambda: fracture(graph.bodies[k - 1], fresh_seed, k), 1)
    rollout = simulate(graph)
    whole = unbreakable(graph)
    linear, angular = momentum_error(spinning(graph, k), k)
    return {
        "scene": name, "pieces": int((rollout.piece_parent == k).sum()),
        "break_frame": rollout.broken_from(k), "frames": rollout.num_frames,
        "fracture_s": cut,
        "simulate_s": best_seconds(lambda: simulate(graph), repeats),
        "simulate_unbreakable_s": best_seconds(lambda: simulate(whole), repeats),
        "render_s": best_seconds(lambda: render(rollout, graph, size=size), repeats),
        "render_unbreakable_s": best_seconds(lambda: render(simulate(whole), whole, size=size), repeats),
        "linear_momentum_error": linear, "angular_momentum_error": angular,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "breakage.json"))
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    scenes = {"glass_shatters (library)": load_script(ROOT / "scenes" / "library" / "glass_shatters.yaml")}
    scenes |= {name: parse_prompt(prompt, seed=0) for name, prompt in PROMPTS.items()}
    rows = [measure(name, graph, args.size, args.repeats) for name, graph in scenes.items()]
    print(f"{'scene':<26} {'pieces':>6} {'break':>5} {'cut s':>6} {'sim s':>6} {'whole':>6} {'render s':>8} "
          f"{'whole':>6} {'dP/P':>8} {'dL/L':>8}")
    for row in rows:
        print(f"{row['scene']:<26} {row['pieces']:>6} {row['break_frame']!s:>5} {row['fracture_s']:>6.3f} "
              f"{row['simulate_s']:>6.3f} {row['simulate_unbreakable_s']:>6.3f} {row['render_s']:>8.3f} "
              f"{row['render_unbreakable_s']:>6.3f} {row['linear_momentum_error']:>8.1e} "
              f"{row['angular_momentum_error']:>8.1e}")
    result = {"machine": platform.processor() or platform.machine(), "cpus": os.cpu_count(), "size": args.size,
              "rows": rows}
    write_atomically(Path(args.out), lambda path: path.write_text(json.dumps(result, indent=2) + "\n"))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
