"""What kinema's physics costs in front of a pretrained video model: prints a table and writes JSON.

    python benchmarks/controls.py [--out benchmarks/results/controls.json] [--repeats 1]

For a prompt and a library scene, at each family's default clip (vace: 81 frames of 832x480 at 16 fps;
cogvideox-fun: 49 of 720x480 at 8 fps), it times, best of `repeats`: filming the scene (simulate + render),
making the one control video the wan-vace backend feeds (depth), making every picture of the export, and the
whole `kinema controls` export (with encoding and writing the files), and reports the export's size on disk.
"""

import argparse
import json
import os
import platform
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.timing import best_seconds  # noqa: E402
from fileio import write_atomically  # noqa: E402
from hybrid.control_export import control_picture, control_pictures, export_controls  # noqa: E402
from hybrid.control_families import FAMILIES, frame_size, plan_frames  # noqa: E402
from hybrid.filming import film  # noqa: E402
from hybrid.scene_input import load_scene  # noqa: E402

SCENES = {"tower (prompt)": "a red ball rolls toward a tower of three cubes", "glass_shatters": "glass_shatters"}


def measure(name: str, scene: str, format: str, repeats: int) -> dict:
    rules = FAMILIES[format]
    graph = load_scene(scene)
    count, fps, _ = plan_frames(rules, 10.0, None, None)  # the family's longest clip
    width, height, _ = frame_size(rules, "480p", "16:9")
    filmed = film(graph, count, fps, width, height, seed=0)
    with tempfile.TemporaryDirectory() as folder:
        export = best_seconds(lambda: export_controls(scene, folder, format=format, num_frames=count), repeats)
        size = sum(path.stat().st_size for path in Path(folder).iterdir())
    return {
        "scene": name, "format": format, "frames": count, "fps": fps, "width": width, "height": height,
        "film_s": best_seconds(lambda: film(graph, count, fps, width, height, seed=0), repeats),
        "depth_control_s": best_seconds(lambda: control_picture("depth", filmed.frames, rules), repeats),
        "all_pictures_s": best_seconds(lambda: control_pictures(filmed.frames, rules), repeats),
        "export_s": export, "export_mb": size / 2**20,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "controls.json"))
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()
    rows = [measure(name, scene, format, args.repeats) for name, scene in SCENES.items()
            for format in ("vace", "cogvideox-fun")]
    print(f"{'scene':<16} {'format':<14} {'clip':>16} {'film s':>7} {'depth s':>7} {'pictures s':>10} "
          f"{'export s':>8} {'MB':>6}")
    for row in rows:
        clip = f"{row['frames']}x{row['width']}x{row['height']}"
        print(f"{row['scene']:<16} {row['format']:<14} {clip:>16} {row['film_s']:>7.2f} {row['depth_control_s']:>7.2f} "
              f"{row['all_pictures_s']:>10.2f} {row['export_s']:>8.2f} {row['export_mb']:>6.1f}")
    result = {"machine": platform.processor() or platform.machine(), "cpus": os.cpu_count(), "rows": rows}
    write_atomically(Path(args.out), lambda path: path.write_text(json.dumps(result, indent=2) + "\n"))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
