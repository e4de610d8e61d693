"""`kinema evaluate`: held-out scenes (library, the README's prompt, sampled) in three variants, each scored for
masks, colours and pixels; the render scored against itself is the ceiling."""

import json
import math

import torch

from dit.checkpoint import save_generator
from dit.config import preset
from dit.generator import GeneratorConfig, VideoGenerator
from hybrid.cli import main
from hybrid.evaluate import VARIANTS, evaluate, held_out_scenes, score, summary
from hybrid.pipeline import Pipeline
from sim import render, simulate


def tiny_pipeline() -> Pipeline:
    torch.manual_seed(0)
    config = GeneratorConfig.from_captions(["a red ball"], preset("tiny"), text_depth=1, text_heads=2,
                                           max_length=64)
    return Pipeline(VideoGenerator(config))


def test_held_out_scenes_are_the_library_the_readme_prompt_and_sampled_ones():
    names = [name for name, _ in held_out_scenes(6)]
    assert names[3] == "readme-prompt" and names[4:] == ["sampled-0", "sampled-1"] and len(set(names)) == 6


def test_the_render_scored_against_itself_is_perfect_and_a_summary_averages():
    name, graph = held_out_scenes(2)[0]
    truth = render(simulate(graph, seconds=0.5, fps=8), graph, size=128)
    perfect = score(name, "all", truth.rgb, truth, graph)
    assert perfect.iou == perfect.iou_of_render and math.isinf(perfect.psnr) and math.isinf(perfect.psnr_64)
    assert perfect.ssim == 1.0 and perfect.body_colour_error == 0 and perfect.background_colour_error == 0
    darker = score(name, "none", (truth.rgb * 0.9).astype("uint8"), truth, graph)
    assert darker.background_colour_error > 5 and darker.psnr_64 < 40
    table = summary([perfect, darker])
    assert list(table) == ["all", "none"] and table["none"]["body_colour_error"] == darker.body_colour_error


def test_evaluate_runs_every_variant_and_writes_a_report(tmp_path, capsys):
    scores = evaluate(tiny_pipeline(), count=3, num_frames=4, size=32, num_steps=1)
    assert [(s.scene, s.variant) for s in scores][:3] == [("ball_down_ramp", v) for v in VARIANTS]
    model = save_generator(tiny_pipeline().generator, tmp_path / "tiny")
    assert main(["evaluate", "--model", str(model), "--scenes", "2", "--frames", "4", "--size", "32", "--steps", "1",
                 "--out", str(tmp_path / "report.json")]) == 0
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["size"] == 32 and set(report["summary"]) == set(VARIANTS)
    assert "first-frame: IoU" in capsys.readouterr().out
