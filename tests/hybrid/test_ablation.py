import csv
import json
import math

import pytest
import torch

from dit.checkpoint import save_generator
from dit.config import preset
from dit.generator import GeneratorConfig, VideoGenerator
from hybrid import ablation
from hybrid.ablation import OOD_PROMPTS, ablate, interval, suite_scenes
from hybrid.cli import main
from hybrid.errors import GenerationError
from hybrid.metrics import BETTER
from hybrid.pipeline import Pipeline
from scenes.parser import parse_prompt
from sim.errors import SimError

SCENES = [("ball", parse_prompt("a red ball falls onto a blue box")), ("two", parse_prompt("a green cube"))]


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory) -> str:
    torch.manual_seed(0)
    config = GeneratorConfig.from_captions(["a red ball"], preset("tiny"), text_depth=1, text_heads=2, max_length=64)
    return str(save_generator(VideoGenerator(config), tmp_path_factory.mktemp("model") / "tiny"))


@pytest.fixture
def small_suite(monkeypatch):
    monkeypatch.setattr(ablation, "suite_scenes", lambda suite, seed: SCENES)


def test_ablation_runs_every_scene_variant_and_seed_and_writes_its_report(tmp_path, tiny_model, small_suite):
    table = ablate("library", variants=("none", "all"), seeds=2, out=tmp_path, model=tiny_model, num_frames=4,
                   steps=1)
    assert len(table.rows) == 2 * 2 * 2
    assert {(r["scene"], r["variant"], r["seed"]) for r in table.rows} == {
        (s, v, seed) for s in ("ball", "two") for v in ("none", "all") for seed in (0, 1)}
    assert set(BETTER) <= set(table.rows[0])
    with open(tmp_path / "results.csv") as handle:
        assert len(list(csv.DictReader(handle))) == 8
    saved = json.loads((tmp_path / "results.json").read_text())
    assert saved["summary"]["all"]["psnr"]["n"] == 4
    # Physics-IQ: per run against a second take (shared by a scene's variants), per variant over its runs
    ball = [row for row in table.rows if row["scene"] == "ball" and row["seed"] == 0]
    assert ball[0]["physical_variance_mse"] == ball[1]["physical_variance_mse"]
    assert 0.0 < ball[0]["physical_variance_spatiotemporal_iou"] <= 1.0
    assert set(saved["physics_iq_score"]) == {"none", "all"}
    assert all(0.0 <= score <= 100.0 for score in saved["physics_iq_score"].values())
    report = (tmp_path / "report.md").read_text()
    assert "| metric | none | all |" in report and "mask_iou" in report and "physics_iq_score" in report
    assert "Physics-IQ score over all runs" in report
    assert (tmp_path / "metrics.png").read_bytes()[:4] == b"\x89PNG"
    assert sorted(p.name for p in (tmp_path / "grids").iterdir()) == ["ball.mp4", "two.mp4"]


def test_a_second_take_that_fails_leaves_its_physics_iq_numbers_nan_and_the_ablation_goes_on(
        tmp_path, tiny_model, small_suite, monkeypatch, capsys):
    def diverged(output, seed):
        raise SimError("the physics diverged at frame 3")

    monkeypatch.setattr(ablation, "second_take", diverged)
    table = ablate("library", variants=("none",), seeds=1, out=tmp_path, model=tiny_model, num_frames=4, steps=1)
    assert len(table.rows) == 2 and all(math.isnan(row["physics_iq_score"]) for row in table.rows)
    assert math.isnan(table.physics_iq["none"]) and "none n/a" in repr(table)
    assert "warning: no second take of ball (seed 0): the physics diverged at frame 3" in capsys.readouterr().err


def test_an_interrupted_ablation_resumes_without_redoing_runs(tmp_path, tiny_model, small_suite, monkeypatch):
    ablate("library", variants=("none",), seeds=1, out=tmp_path, model=tiny_model, num_frames=4, steps=1)
    (tmp_path / "runs" / "two__none__seed0.json").unlink()  # as if stopped before the last run finished
    calls = []
    original = Pipeline.__call__
    monkeypatch.setattr(Pipeline, "__call__", lambda self, scene, **k: calls.append(scene) or original(self, scene, **k))
    table = ablate("library", variants=("none",), seeds=1, out=tmp_path, model=tiny_model, num_frames=4, steps=1)
    assert calls == [SCENES[1][1]] and len(table.rows) == 2


def test_a_resumed_ablation_refuses_runs_of_another_model_or_setting(tmp_path, tiny_model, small_suite):
    ablate("library", variants=("none",), seeds=1, out=tmp_path, model=tiny_model, num_frames=4, steps=1)
    with pytest.raises(GenerationError, match="holds runs made with another steps .*choose a new --out"):
        ablate("library", variants=("none",), seeds=1, out=tmp_path, model=tiny_model, num_frames=4, steps=2)
    record = tmp_path / "runs" / "ball__none__seed0.json"
    record.write_text(json.dumps({**json.loads(record.read_text()), "model_sha256": "0" * 64}))
    with pytest.raises(GenerationError, match="another model_sha256"):
        ablate("library", variants=("none",), seeds=1, out=tmp_path, model=tiny_model, num_frames=4, steps=1)
    scored_before = {key: value for key, value in json.loads(record.read_text()).items()
                     if not key.startswith("physics_iq")}
    record.write_text(json.dumps({**scored_before, "model_sha256": Pipeline.from_pretrained(tiny_model).model_sha256}))
    with pytest.raises(GenerationError, match="scored by an older kinema, without physics_iq_spatial_iou"):
        ablate("library", variants=("none",), seeds=1, out=tmp_path, model=tiny_model, num_frames=4, steps=1)


def test_interval_is_the_mean_and_normal_95_percent_interval_of_finite_values():
    stat = interval([1.0, 2.0, 3.0, float("nan")])
    assert stat["mean"] == 2.0 and stat["n"] == 3
    assert math.isclose(stat["high"] - stat["mean"], 1.96 * 1.0 / math.sqrt(3))
    assert interval([float("nan")])["n"] == 0 and math.isnan(interval([])["mean"])


def test_suites_hold_library_random_and_out_of_distribution_scenes():
    assert len(suite_scenes("library", 0)) == 19 and len(suite_scenes("random", 0)) == 10
    ood = suite_scenes("ood", 0)
    assert [name for name, _ in ood] == list(OOD_PROMPTS)
    assert max(len(graph.bodies) for _, graph in ood) == 15  # more bodies than training ever drew
    with pytest.raises(GenerationError, match="unknown suite 'mars'"):
        suite_scenes("mars", 0)


def test_bad_ablation_requests_are_clear_errors(tmp_path, capsys):
    with pytest.raises(GenerationError, match="unknown variants \\['normals'\\]"):
        ablate("library", variants=("normals",), out=tmp_path)
    with pytest.raises(SystemExit):
        main(["ablate", "--variants", "depth,normals"])
    expected = "expected a comma-separated list of none, first-frame, depth, flow, segmentation, uv, layout, all"
    assert expected in capsys.readouterr().err


def test_default_variants_are_the_models_branches_and_a_branch_it_lacks_is_refused(tmp_path, tiny_model,
                                                                                   small_suite):
    table = ablate("library", seeds=1, out=tmp_path, model=tiny_model, num_frames=4, steps=1)
    # the tiny model has no uv branch
    assert list(table.summary) == ["none", "first-frame", "depth", "flow", "segmentation", "all"]
    with pytest.raises(GenerationError, match="the model has no uv branch .*leave uv out"):
        ablate("library", variants=("none", "uv"), out=tmp_path / "uv", model=tiny_model, num_frames=4, steps=1)


def test_the_cli_knows_the_same_controls_variants_and_backends():
    from conditioning.controls import BRANCHES
    from hybrid import cli
    from hybrid.backends import BACKENDS
    from hybrid.wan_vace import WanVacePipeline

    assert cli.CONTROLS == tuple(dict.fromkeys((*BRANCHES, *WanVacePipeline.branches)))
    assert cli.VARIANTS == tuple(ablation.VARIANTS) and cli.BACKENDS == BACKENDS


@pytest.mark.parametrize("seeds", [0, ablation.MAX_SEEDS + 1, 1000000, True])
def test_seeds_are_a_whole_number_from_1_to_max_seeds_checked_before_the_model_loads(seeds, tmp_path):
    with pytest.raises(GenerationError, match=f"^seeds must be a whole number from 1 to 100, got {seeds!r}$"):
        ablate("library", seeds=seeds, out=tmp_path, model="/no/model/needed")


def test_only_the_first_seeds_scenes_are_laid_out_before_the_first_run(tmp_path, tiny_model, monkeypatch):
    events = []
    monkeypatch.setattr(ablation, "suite_scenes", lambda suite, seed: events.append(("scenes", seed)) or SCENES)

    class Stop(Exception):
        pass

    def run(self, scene, seed, **kwargs):
        events.append(("run", seed))
        raise Stop

    monkeypatch.setattr(Pipeline, "__call__", run)
    with pytest.raises(Stop):
        ablate("library", variants=("none",), seeds=ablation.MAX_SEEDS, out=tmp_path, model=tiny_model, num_frames=4,
               steps=1)
    assert events == [("scenes", 0), ("run", 0)]


def test_the_ablation_page_is_written_from_the_runs(tmp_path, tiny_model, small_suite):
    from hybrid.ablation_report import main as report_main

    folders = []
    for suite in ("library", "ood"):
        folders.append(tmp_path / suite)
        ablate(suite, variants=("none", "first-frame", "depth", "flow", "all"), out=folders[-1], model=tiny_model,
               num_frames=4, steps=1)
    out = tmp_path / "docs" / "ablation.md"
    assert report_main([*map(str, folders), "--out", str(out)]) == 0
    page = out.read_text()
    library = json.loads((tmp_path / "library" / "results.json").read_text())
    iou = library["summary"]["first-frame"]["mask_iou"]["mean"]
    # the findings quote the runs' own numbers, and each suite's table, plot and results sit beside the page
    assert f"`first-frame` IoU {iou:.3g}" in page if math.isfinite(iou) else "`first-frame` IoU n/a" in page
    assert "## Out-of-distribution suite" in page and "![ood](ablation/ood.png)" in page
    assert (tmp_path / "docs" / "ablation" / "library-results.json").read_text() == \
        (tmp_path / "library" / "results.json").read_text()
    assert "kinema ablate --suite ood --seeds 1 --variants none,first-frame,depth,flow,all --frames 4" in page
    assert "of single branches, `" in page
    scene = library["rows"][0]["scene"]  # each scene's IoU under each variant, averaged over its seeds
    values = [row["mask_iou"] for row in library["rows"] if row["scene"] == scene and row["variant"] == "none"]
    finite = [value for value in values if value is not None and math.isfinite(value)]
    cell = f"{sum(finite) / len(finite):.3g}" if finite else "n/a"
    assert f"| {scene} | {cell} |" in page
    with pytest.raises(SystemExit) as error:
        report_main([str(tmp_path / "nothing")])
    assert error.value.code == 2
