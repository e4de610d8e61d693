"""Physics ablations: the same scenes, seeds and noise generated with each set of control branches, every run
scored against the simulator's ground truth (`hybrid.metrics.score_all`).

A run is (scene, variant, seed). The Physics-IQ scores need the truth filmed twice: each scene and seed is
simulated a second time from slightly moved starts (`hybrid.second_take`), once for all its variants. Each
finished run is one JSON file under `OUT/runs/`, written atomically, so an interrupted ablation resumes where it
stopped; the tables, report, plots and grid videos are rebuilt from those files at the end.

Suites: "library" (the example scenes), "random" (sampled scenes of a seed training never used) and "ood"
(prompts outside the training ranges: faster throws, higher drops, taller towers, more bodies).
"""

import csv
import json
import math
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

from conditioning.controls import BRANCHES
from hybrid.errors import GenerationError
from hybrid.evaluate import HELD_OUT_SEED
from hybrid.metrics import BETTER, score_all
from hybrid.npz import save_npz
from hybrid.physics_iq import Takes, dataset_score, unscored
from hybrid.backends import check_request, load_backend
from hybrid.pipeline import PipelineOutput
from hybrid.preview import label_columns
from hybrid.second_take import second_take
from hybrid.video import write_video
from scenes.graph import SceneGraph
from scenes.parser import parse_prompt
from scenes.sampler import sample_scene
from scenes.script import library_scripts, load_script
from scenes.seeding import scene_rng
from sim.errors import SimError
from fileio import write_atomically

# variant -> control branches; "all" (None) is every branch the model has; "first-frame" has none but starts
# from the simulator's first frame (PINNED)
# (layout: the wan-vace backend's outline video; kinema's model has no such branch)
VARIANTS = {"none": (), "first-frame": (), **{name: (name,) for name in (*BRANCHES, "layout")}, "all": None}
PINNED = {"first-frame"}  # variants given the simulator's first frame (image-to-video) and no controls
RANDOM_SCENES = 10
MAX_SEEDS = 100  # seeds per scene and variant: 100 already makes 10,800 runs of the library suite
# Training drew throws and pushes at 1-4 m/s, drops from 0.5-2.5 m, towers of 3-5, rows of 4-8 and a few bodies
OOD_PROMPTS = {
    "fast-throw": "a red ball is thrown to the right at 7 m/s",
    "high-drop": "a blue ball falls from 4 m onto a green box",
    "tall-tower": "a tower of eight yellow cubes topples to the left",
    "long-row": "fifteen white dominoes in a row. the first one is pushed",
    "ten-balls": "ten small orange balls fall from 2 m",
    "fast-roll": "a huge purple ball rolls toward a small red cube at 6 m/s",
    "fast-collision": "a red ball rolls toward a blue ball at 7 m/s",
    "fast-slide": "a green crate slides toward a red ball at 6 m/s",
    "huge-drop": "two huge yellow boxes fall from 3.5 m",
    "fast-occlusion": "a pink ball rolls behind a huge white wall at 6 m/s",
}
SUITES = ("library", "random", "ood")


@dataclass
class AblationTable:
    """Every run's metrics, and per variant the mean and 95 % interval of each metric."""

    rows: list[dict]  # one per run: suite, scene, variant, seed, then the metrics
    summary: dict[str, dict[str, dict[str, float]]]  # variant -> metric -> {"mean", "low", "high", "n"}
    physics_iq: dict[str, float]  # variant -> its Physics-IQ score over all its runs, as the benchmark scores a model

    def __repr__(self) -> str:
        return f"{report_table(self.summary)}\n\n{physics_iq_line(self.physics_iq)}"


def suite_scenes(suite: str, seed: int) -> list[tuple[str, SceneGraph]]:
    """The laid-out scenes of a suite; `seed` lays out the prompts (scripts and sampled scenes carry their own)."""
    if suite == "library":
        return [(path.stem, load_script(path)) for path in library_scripts()]
    if suite == "random":
        return [(f"random-{i}", sample_scene(scene_rng(HELD_OUT_SEED, "sampler", i))) for i in range(RANDOM_SCENES)]
    if suite == "ood":
        return [(name, parse_prompt(prompt, seed=seed)) for name, prompt in OOD_PROMPTS.items()]
    raise GenerationError(f"unknown suite {suite!r}; choose one of {', '.join(SUITES)}")


def ablate(suite: str = "library", variants: tuple[str, ...] | list[str] | None = None, seeds: int = 1,
           out: str | Path = "runs/ablation", model: str | Path = "default", num_frames: int | None = None,
           steps: int | None = None, device: str = "cpu", progress: bool = False, backend: str = "kinema",
           resolution: str | None = None) -> AblationTable:
    """Run (or resume) every scene x variant x seed of `suite` into `out` and write its tables, report, plots and
    grid videos; returns the table. `backend` and `model` choose the model (`hybrid.backends`). `variants`
    defaults to none, first-frame, each of the model's controls alone and (where it combines them) all;
    `num_frames` to each scene's duration at the model's fps (8 for kinema, 16 for wan-vace), `steps` to its
    own, `resolution` to its own (square for kinema, 16:9 for wan-vace)."""
    if variants is not None:
        unknown = [v for v in variants if v not in VARIANTS]
        if unknown or not variants:
            raise GenerationError(f"unknown variants {unknown or list(variants)}; choose among "
                                  f"{', '.join(VARIANTS)}")
    if isinstance(seeds, bool) or not (isinstance(seeds, int) and 1 <= seeds <= MAX_SEEDS):
        raise GenerationError(f"seeds must be a whole number from 1 to {MAX_SEEDS}, got {seeds!r}")
    out = Path(out)
    check_request(backend, resolution)
    pipe = load_backend(backend, model, device)
    if variants is None:
        variants = ("none", "first-frame", *pipe.branches, *(("all",) if pipe.combines_controls else ()))
    variants = tuple(variants)
    lacking = [v for v in variants if VARIANTS[v] and any(name not in pipe.branches for name in VARIANTS[v])]
    if lacking:
        raise GenerationError(f"the model has no {', '.join(lacking)} branch (it has {', '.join(pipe.branches)}); "
                              f"leave {', '.join(lacking)} out of the variants")
    if "all" in variants and not pipe.combines_controls:
        raise GenerationError(f"{pipe.backend} follows one control at a time; leave all out of the variants")
    steps = pipe.default_steps if steps is None else steps
    height, width, _ = (None, None, None) if resolution is None else pipe.frame_size(resolution, pipe.default_aspect)
    setting = {**pipe.run_setting, "num_frames": num_frames, "steps": steps, **(
        {} if resolution is None else {"resolution": resolution})}  # what a run used
    first = suite_scenes(suite, 0)
    # each later seed's scenes are laid out when its runs come, so nothing up front grows with `seeds`
    jobs = ((name, graph, seed, variant) for seed in range(seeds)
            for name, graph in (first if seed == 0 else suite_scenes(suite, seed)) for variant in variants)
    takes, takes_of = None, None  # the truth's two takes of the scene and seed being run, shared by its variants
    for name, graph, seed, variant in tqdm(jobs, total=seeds * len(first) * len(variants), desc=f"ablate {suite}",
                                           unit="run", disable=not progress):
        record = out / "runs" / f"{name}__{variant}__seed{seed}.json"
        if record.exists():
            _check_same_setting(record, setting)
            continue
        result = pipe(graph, num_frames=num_frames, num_steps=steps, controls=VARIANTS[variant], seed=seed,
                      first_frame=variant in PINNED, height=height, width=width)
        if takes_of != (name, seed):
            takes, takes_of = _takes(result, name, seed), (name, seed)
        metrics = score_all(result.video, result.frames, result.rollout, result.graph, takes)
        # the run's JSON, written after its videos, marks it done
        save_npz(out / "videos" / f"{name}__{variant}__seed{seed}.npz", {"video": result.video,
                                                                          "truth": result.frames.rgb})
        row = {"suite": suite, "scene": name, "variant": variant, "seed": seed, **metrics,
               "seconds": sum(result.timings.values()), **setting}
        write_atomically(record, lambda temporary: temporary.write_text(json.dumps(row, indent=1)))
    rows = [json.loads(path.read_text()) for path in sorted((out / "runs").glob("*.json"))]
    rows = [row for row in rows if row["suite"] == suite and row["variant"] in variants and row["seed"] < seeds]
    table = AblationTable(rows, summarize(rows, variants),
                          {variant: dataset_score([row for row in rows if row["variant"] == variant])
                           for variant in variants})
    write_outputs(out, table, suite, variants, pipe.default_fps)
    return table


def _takes(result: PipelineOutput, scene: str, seed: int) -> Takes | None:
    """The truth's two takes of a run; None, with a warning, if the second take's simulation fails (its Physics-IQ
    numbers are then NaN, and the ablation goes on)."""
    try:
        return Takes.of(result.frames.rgb, second_take(result, seed), result.rollout.fps)
    except SimError as error:
        tqdm.write(f"warning: no second take of {scene} (seed {seed}): {error}; its Physics-IQ numbers are NaN",
                   file=sys.stderr)
        return None


def _check_same_setting(record: Path, setting: dict) -> None:
    """A finished run is reused only if it was made by the same model with the same frames and steps, and
    scored with every metric of this version."""
    done = json.loads(record.read_text())
    differing = [key for key in setting if done.get(key) != setting[key]]
    if differing:
        raise GenerationError(f"{record.parent.parent} holds runs made with another {', '.join(differing)} "
                              f"({record.name}); choose a new --out folder or delete it")
    missing = [metric for metric in [*BETTER, *unscored()] if metric not in done]
    if missing:
        raise GenerationError(f"{record.parent.parent} holds runs scored by an older kinema, without "
                              f"{', '.join(missing[:3])}{' ...' if len(missing) > 3 else ''} ({record.name}); "
                              f"choose a new --out folder or delete it")


def interval(values: list[float]) -> dict[str, float]:
    """Mean and normal-approximation 95 % interval (mean +- 1.96 s / sqrt(n)) of the finite values."""
    finite = np.array([v for v in values if v is not None and math.isfinite(v)], dtype=float)
    if finite.size == 0:
        return {"mean": float("nan"), "low": float("nan"), "high": float("nan"), "n": 0}
    half = 1.96 * finite.std(ddof=1) / math.sqrt(finite.size) if finite.size > 1 else 0.0
    return {"mean": float(finite.mean()), "low": float(finite.mean() - half), "high": float(finite.mean() + half),
            "n": int(finite.size)}


def summarize(rows: list[dict], variants) -> dict[str, dict[str, dict[str, float]]]:
    return {variant: {metric: interval([row[metric] for row in rows if row["variant"] == variant])
                      for metric in BETTER}
            for variant in variants}


def report_table(summary: dict[str, dict[str, dict[str, float]]]) -> str:
    """A Markdown table: one row per metric, one column per variant, "mean [low, high]"."""
    variants = list(summary)
    lines = ["| metric | " + " | ".join(variants) + " |", "| --- |" + " --- |" * len(variants)]
    for metric, better in BETTER.items():
        cells = []
        for variant in variants:
            stat = summary[variant][metric]
            cells.append("n/a" if stat["n"] == 0 else f"{stat['mean']:.3g} [{stat['low']:.3g}, {stat['high']:.3g}]")
        lines.append(f"| {metric} ({better} is better) | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def physics_iq_line(scores: dict[str, float]) -> str:
    """One sentence: each variant's Physics-IQ score the benchmark's way (every number averaged over the runs,
    then scored), which is not the mean of the runs' scores in the table."""
    values = ", ".join(f"{variant} {'n/a' if math.isnan(score) else f'{score:.1f}'}"
                       for variant, score in scores.items())
    return (f"Physics-IQ score over all runs, as the benchmark scores a model (means first, then the score; "
            f"0-100, higher is better): {values}.")


def write_outputs(out: Path, table: AblationTable, suite: str, variants, fps: int = 8) -> None:
    """results.csv, results.json, report.md, metrics.png and one grid video per scene (seed 0)."""
    columns = list(table.rows[0]) if table.rows else []
    write_atomically(out / "results.csv", lambda temporary: _write_csv(temporary, columns, table.rows))
    write_atomically(out / "results.json", lambda temporary: temporary.write_text(
        json.dumps({"suite": suite, "rows": table.rows, "summary": table.summary, "physics_iq_score": table.physics_iq},
                   indent=1)))
    scenes = sorted({row["scene"] for row in table.rows})
    report = (f"# Ablation: suite `{suite}`\n\n{len(scenes)} scenes x {len(variants)} variants x "
              f"{len({row['seed'] for row in table.rows})} seeds = {len(table.rows)} runs. Each cell: mean "
              f"[95 % interval] over runs (n excludes runs where the metric is undefined).\n\n"
              f"{report_table(table.summary)}\n\n{physics_iq_line(table.physics_iq)}\n\n![metrics](metrics.png)\n")
    write_atomically(out / "report.md", lambda temporary: temporary.write_text(report))
    plot_summary(out / "metrics.png", table.summary)
    for scene in scenes:
        grid_video(out, scene, variants, fps)


def _write_csv(path: Path, columns: list[str], rows: list[dict]) -> None:
    with open(path, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)


def plot_summary(path: Path, summary: dict[str, dict[str, dict[str, float]]]) -> None:
    """One bar chart per metric: variants with their 95 % intervals."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    metrics = list(BETTER)
    columns = 4
    figure, axes = plt.subplots(math.ceil(len(metrics) / columns), columns,
                                figsize=(4 * columns, 2.6 * math.ceil(len(metrics) / columns)))
    variants = list(summary)
    for axis, metric in zip(axes.flat, metrics):
        means = [summary[v][metric]["mean"] for v in variants]
        errors = [[m - summary[v][metric]["low"] for v, m in zip(variants, means)],
                  [summary[v][metric]["high"] - m for v, m in zip(variants, means)]]
        axis.bar(variants, np.nan_to_num(means), yerr=np.nan_to_num(errors), capsize=3, color="#4c78a8")
        axis.set_title(f"{metric} ({BETTER[metric]} is better)", fontsize=9)
        axis.tick_params(labelsize=7)
    for axis in list(axes.flat)[len(metrics):]:
        axis.axis("off")
    figure.tight_layout()
    write_atomically(path, lambda temporary: figure.savefig(temporary, dpi=110, format="png"))
    plt.close(figure)


def grid_video(out: Path, scene: str, variants, fps: int = 8) -> None:
    """OUT/grids/SCENE.mp4: the simulator's render, then each variant's video (seed 0), side by side."""
    columns = {}
    for variant in variants:
        path = out / "videos" / f"{scene}__{variant}__seed0.npz"
        if path.exists():
            with np.load(path, allow_pickle=False) as data:
                columns.setdefault("simulator", data["truth"])
                columns[variant] = data["video"]
    if not columns:
        return
    write_video(out / "grids" / f"{scene}.mp4", label_columns(columns), fps=fps)
