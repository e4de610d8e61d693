"""docs/ablation.md from the ablation runs themselves, never assembled by hand:

    python -m hybrid.ablation_report runs/ablation-library runs/ablation-random runs/ablation-ood \
        [--out docs/ablation.md]

Each argument is a `kinema ablate --out` folder (its `results.json`). The report holds the setting the runs
record (model, frames, steps, seeds), findings written from the numbers (what every control buys over text only
and over the simulator's first frame, which single branch carries most, Physics-IQ scores), and per suite the
full table and plot; each suite's `results.json` and `metrics.png` are copied beside it (`docs/ablation/`).
"""

import argparse
import json
import math
import shutil
from pathlib import Path

from fileio import write_atomically
from hybrid.ablation import physics_iq_line, report_table

SUITE_TITLES = {"library": "Library suite (the example scenes)",
                "random": "Random held-out suite (sampled scenes of dataset seed 1; training used seed 0)",
                "ood": "Out-of-distribution suite (prompts outside the training ranges)"}
RUN_FIELDS = ("model_sha256", "num_frames", "steps", "seconds", "seed", "variant", "scene")


class ReportError(ValueError):
    """An ablation folder the report cannot be written from (one line saying which and why)."""


HEADLINE = ("mask_iou", "centroid_error_px", "presence", "psnr", "ssim", "physics_iq_score")


def mean(summary: dict, variant: str, metric: str) -> float:
    return summary.get(variant, {}).get(metric, {}).get("mean", math.nan)


def number(value: float) -> str:
    return "n/a" if not math.isfinite(value) else f"{value:.3g}"


def findings(results: dict[str, dict]) -> list[str]:
    """Bullets computed from the suites' summaries: the same sentences whatever the numbers say."""
    lines = []
    for suite, result in results.items():
        summary, iq = result["summary"], result["physics_iq_score"]
        variants = list(summary)
        iou = {v: mean(summary, v, "mask_iou") for v in (*variants, "all")}  # NaN for a variant not run
        compared = [v for v in ("none", "first-frame", "all") if v in variants]
        cells = "; ".join(f"`{v}` IoU {number(iou[v])}, centroid error "
                          f"{number(mean(summary, v, 'centroid_error_px'))} px, PSNR "
                          f"{number(mean(summary, v, 'psnr'))} dB, Physics-IQ {number(iq.get(v, math.nan))}"
                          for v in compared)
        lines.append(f"**{suite}**: {cells}.")
        if "all" in variants and "first-frame" in variants:
            gap = iou["all"] - iou["first-frame"]
            side = "above" if gap > 0 else "below"
            lines.append(f"**{suite}**: the simulator's controls put `all` {number(abs(gap))} IoU {side} `first-frame` "
                         f"(image-to-video from the true first frame) and {number(iq.get('all', math.nan))} vs "
                         f"{number(iq.get('first-frame', math.nan))} in Physics-IQ score.")
        singles = [v for v in variants if v not in ("none", "first-frame", "all")]
        if singles:
            best = max(singles, key=lambda v: iou[v] if math.isfinite(iou[v]) else -1.0)
            others = ", ".join(f"`{v}` {number(iou[v])}" for v in singles if v != best)
            lines.append(f"**{suite}**: of single branches, `{best}` carries most of where bodies are (IoU "
                         f"{number(iou[best])}; all {number(iou['all'])})"
                         + (f"; the others: {others}." if others else "; it was the only single branch run."))
    return [f"- {line}" for line in lines]


def scene_table(result: dict, metric: str = "mask_iou") -> list[str]:
    """Markdown rows: one per scene, the mean of `metric` over its seeds under each variant."""
    variants = list(result["summary"])
    lines = ["| scene | " + " | ".join(variants) + " |", "| --- |" + " --- |" * len(variants)]
    for scene in dict.fromkeys(row["scene"] for row in result["rows"]):
        cells = []
        for variant in variants:
            values = [row[metric] for row in result["rows"] if row["scene"] == scene and row["variant"] == variant
                      and row.get(metric) is not None and math.isfinite(row[metric])]
            cells.append(number(sum(values) / len(values)) if values else "n/a")
        lines.append(f"| {scene} | " + " | ".join(cells) + " |")
    return lines


def setting(rows: list[dict]) -> str:
    models = sorted({row["model_sha256"][:8] for row in rows})
    frames = sorted({str(row["num_frames"] or "scene length") for row in rows})
    steps = sorted({str(row["steps"]) for row in rows})
    seeds = len({row["seed"] for row in rows})
    seconds = sum(row["seconds"] for row in rows)
    return (f"model SHA-256 {', '.join(m + '...' for m in models)}; frames {', '.join(frames)}; "
            f"{', '.join(steps)} Heun steps; {seeds} seed(s); {len(rows)} runs, {seconds / 60:.0f} min of generation")


def command(suite: str, result: dict) -> str:
    """The `kinema ablate` line that made a suite's runs (seeds, variants, frames and steps as they record)."""
    first = result["rows"][0]
    frames = f" --frames {first['num_frames']}" if first["num_frames"] else ""
    return (f"kinema ablate --suite {suite} --seeds {len({row['seed'] for row in result['rows']})} --variants "
            f"{','.join(result['summary'])}{frames} --steps {first['steps']} --out {result['folder']}")


def read_results(folders: list[Path]) -> dict[str, dict]:
    """suite -> its results.json (plus its folder); ReportError names a folder without results, a plot or the
    fields a report needs, or a suite given twice."""
    results = {}
    for folder in folders:
        missing = [name for name in ("results.json", "metrics.png") if not (folder / name).is_file()]
        if missing:
            raise ReportError(f"no {' or '.join(missing)} in {folder}; run `kinema ablate --out {folder}` first")
        data = json.loads((folder / "results.json").read_text())
        lacking = [key for key in ("suite", "rows", "summary", "physics_iq_score") if key not in data]
        if lacking or not data["rows"] or not all(key in data["rows"][0] for key in RUN_FIELDS):
            raise ReportError(f"{folder / 'results.json'} lacks {', '.join(lacking) or 'runs or their setting'}; "
                              f"rerun `kinema ablate --out {folder}` with this version")
        if data["suite"] in results:
            raise ReportError(f"two folders hold the {data['suite']} suite ({results[data['suite']]['folder']} and "
                              f"{folder}); give each suite once")
        results[data["suite"]] = {**data, "folder": folder}
    return results


def report(folders: list[Path], out: Path) -> str:
    """Write `out` (and its figures and results beside it, in `<out stem>/`) from the ablation folders."""
    results = read_results(folders)
    assets = out.parent / out.stem
    assets.mkdir(parents=True, exist_ok=True)
    rows = [row for result in results.values() for row in result["rows"]]
    text = ["# What the physics buys: the ablation of the shipped model", "",
            "Every scene of a suite is generated once per variant with the same seed and the same noise: text "
            "only (`none`), the simulator's first frame pinned and no control (`first-frame`, image-to-video), "
            "each control branch alone, and all of them (`all`); every video is scored against the simulator's "
            "ground truth (`hybrid.metrics.score_all`). Bodies are found by colour keying. This page is written "
            "by `python -m hybrid.ablation_report` from the runs; do not edit it by hand.", "",
            f"Setting: {setting(rows)}.", "", "```bash",
            *[command(suite, result) for suite, result in results.items()],
            "```", "", "## Findings", "", *findings(results), "",
            "## Headline numbers", "", "| suite | variant | " + " | ".join(HEADLINE) + " |",
            "| --- | --- |" + " --- |" * len(HEADLINE)]
    for suite, result in results.items():
        for variant in result["summary"]:
            text.append(f"| {suite} | {variant} | "
                        + " | ".join(number(mean(result["summary"], variant, m)) for m in HEADLINE) + " |")
    for suite, result in results.items():
        scenes = len({row["scene"] for row in result["rows"]})
        shutil.copyfile(result["folder"] / "results.json", assets / f"{suite}-results.json")
        shutil.copyfile(result["folder"] / "metrics.png", assets / f"{suite}.png")
        text += ["", f"## {SUITE_TITLES.get(suite, suite)}: {scenes} scenes, {len(result['rows'])} runs", "",
                 "Each cell: mean [95 % interval] over the runs where the metric is defined.", "",
                 report_table(result["summary"]), "", physics_iq_line(result["physics_iq_score"]), "",
                 f"![{suite}]({assets.name}/{suite}.png)", "", "Mask IoU per scene:", "", *scene_table(result)]
    body = "\n".join(text) + "\n"
    write_atomically(out, lambda temporary: temporary.write_text(body))
    return body


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folders", nargs="+", type=Path, help="kinema ablate output folders, one per suite")
    parser.add_argument("--out", type=Path, default=Path("docs/ablation.md"))
    args = parser.parse_args(argv)
    try:
        report(args.folders, args.out)
    except ReportError as error:
        parser.exit(2, f"error: {error}\n")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
