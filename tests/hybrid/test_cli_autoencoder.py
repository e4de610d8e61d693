"""`kinema autoencoder train` and `kinema autoencoder evaluate`: shards in, a model and a report out; every user
error is one line and exit status 2, found before any work where it can be."""

import json
import re

import pytest

from hybrid.cli import main
from hybrid.dataset import DatasetSpec, ShardDataset, read_shard, write_shard
from scenes.graph import SceneGraph

RECIPE = """model: {channels: [4, 8, 8, 16], encoder_blocks: [0, 1, 0, 1], decoder_blocks: [0, 1, 0, 1]}
train: {steps: 3, batch_size: 2, crop: 8, warmup_steps: 1, checkpoint_every: 2, log_every: 1, progress: false,
        scale_frames: 2}
"""


@pytest.fixture(scope="module")
def shards(tmp_path_factory):
    folder = tmp_path_factory.mktemp("data")
    write_shard(folder, DatasetSpec(seed=1, clips=2, size=16, frames=4), 0, 1)
    return folder


@pytest.fixture
def recipe(tmp_path):
    path = tmp_path / "autoencoder.yaml"
    path.write_text(RECIPE)
    return path


def one_line(capsys) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    return err


def train(recipe, shards, out, *extra) -> int:
    return main(["autoencoder", "train", "--config", str(recipe), "--data", str(shards), "--out", str(out), *extra])


def test_train_then_evaluate_writes_a_model_and_a_report(shards, recipe, tmp_path, capsys):
    assert train(recipe, shards, tmp_path / "run") == 0
    out = capsys.readouterr().out
    assert "trained to step 3 (loss " in out and f"model {tmp_path / 'run/model'} (scaling factor " in out
    report = tmp_path / "report.json"
    assert main(["autoencoder", "evaluate", "--model", str(tmp_path / "run/model"), "--data", str(shards),
                 "--out", str(report)]) == 0
    assert "2 clips: PSNR " in capsys.readouterr().out
    result = json.loads(report.read_text())
    assert result["clips"] == 2 and set(result["mean"]) >= {"psnr_db", "ssim", "flicker_ratio"}
    captions = [str(text) for text in read_shard(ShardDataset(shards).shards[0], ("caption",))["caption"]]
    assert sorted(row["caption"] for row in result["worst_psnr"]) == sorted(captions)
    graphs = [SceneGraph.from_json(str(text)) for text in
              read_shard(ShardDataset(shards).shards[0], ("graph",))["graph"]]
    expected = {f"floor:{graph.ground.texture}" for graph in graphs} | {f"sky:{graph.backdrop.sky}" for graph in graphs}
    expected |= {f"walls:{graph.backdrop.kind}" for graph in graphs if graph.backdrop.kind != "sky"}
    expected |= {body.material.name for graph in graphs for body in graph.bodies}
    assert set(result["per_group"]) <= expected and any(name.startswith("floor:") for name in result["per_group"])
    recipe.write_text(RECIPE.replace("steps: 3", "steps: 4"))
    assert train(recipe, shards, tmp_path / "run", "--resume") == 0
    assert "trained to step 4" in capsys.readouterr().out


@pytest.mark.parametrize("text, message", [
    ("train: {stepz: 3}\n", r"unknown AutoencoderTrainConfig keys \['stepz'\] in train; known keys are "),
    ("model: {latent_channels: 32}\n", r"model.latent_channels: Input should be less than or equal to 16"),
    ("train: {crop: 12}\n", r"train.crop: Input should be a multiple of 8 \(got 12\)"),
    ("model: [1, 2\n", r"is not valid YAML"),
])
def test_a_bad_recipe_is_one_line(text, message, shards, tmp_path, capsys):
    (tmp_path / "bad.yaml").write_text(text)
    assert train(tmp_path / "bad.yaml", shards, tmp_path / "run") == 2
    assert re.search(message, one_line(capsys))


@pytest.mark.parametrize("arguments, message", [
    (["autoencoder"], "kinema autoencoder: error: the following arguments are required: COMMAND (see kinema "
                      "autoencoder --help)"),
    (["autoencoder", "train", "--data", "d", "--out", "o"], "kinema autoencoder train: error: the following "
     "arguments are required: --config (see kinema autoencoder train --help)"),
    (["autoencoder", "evaluate", "--model", "m", "--data", "d", "--ot", "r.json"], "kinema autoencoder evaluate: "
     "error: unrecognized arguments: --ot r.json (see kinema autoencoder evaluate --help)"),
])
def test_the_parser_refuses_in_one_line(arguments, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(arguments)
    assert exit_info.value.code == 2
    assert one_line(capsys) == message + "\n"


@pytest.mark.parametrize("command", ["train", "evaluate"])
def test_every_autoencoder_command_has_help(command, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["autoencoder", command, "--help"])
    assert exit_info.value.code == 0
    assert "usage: kinema autoencoder " + command in capsys.readouterr().out


def test_usage_errors_are_one_line_with_exit_2(shards, recipe, tmp_path, capsys):
    assert train(tmp_path / "none.yaml", shards, tmp_path / "run") == 2
    assert one_line(capsys).startswith("kinema autoencoder train: error: no autoencoder recipe at ")
    assert train(recipe, tmp_path, tmp_path / "run") == 2
    assert f"no shards in {tmp_path}" in one_line(capsys)
    assert train(recipe, shards, tmp_path / "run") == 0
    capsys.readouterr()
    assert train(recipe, shards, tmp_path / "run") == 2
    assert "already holds checkpoints (latest step_000003); pass --resume" in one_line(capsys)
    recipe.write_text(RECIPE.replace("crop: 8", "crop: 24"))
    assert train(recipe, shards, tmp_path / "other") == 2
    assert "crop 24 is larger than the smallest training frame side (16)" in one_line(capsys)


def test_evaluating_a_missing_or_damaged_model_is_one_line(shards, recipe, tmp_path, capsys):
    report = str(tmp_path / "report.json")
    assert main(["autoencoder", "evaluate", "--model", str(tmp_path / "none"), "--data", str(shards),
                 "--out", report]) == 2
    assert one_line(capsys).startswith("kinema autoencoder evaluate: error: no autoencoder at ")
    assert train(recipe, shards, tmp_path / "run") == 0
    capsys.readouterr()
    (tmp_path / "run/model/model.safetensors").write_bytes(b"not weights")
    assert main(["autoencoder", "evaluate", "--model", str(tmp_path / "run/model"), "--data", str(shards),
                 "--out", report]) == 2
    assert "is truncated or was replaced" in one_line(capsys)
    assert not (tmp_path / "report.json").exists()


def test_outputs_that_cannot_be_written_are_refused_before_any_work(shards, recipe, tmp_path, monkeypatch, capsys):
    def work(*args, **kwargs):
        raise AssertionError("the work started before the output was checked")

    monkeypatch.setattr("dit.autoencoder_train.train_autoencoder", work)
    monkeypatch.setattr("dit.autoencoder.FrameAutoencoder.from_pretrained", work)
    (tmp_path / "taken").write_text("a file")
    assert train(recipe, shards, tmp_path / "taken" / "run") == 2
    assert "taken is a file, not a folder; choose another path" in one_line(capsys)
    assert main(["autoencoder", "evaluate", "--model", "m", "--data", str(shards), "--out", str(tmp_path)]) == 2
    assert one_line(capsys) == (f"kinema autoencoder evaluate: error: --out {tmp_path} is a folder; give the path "
                                "of the report file to write\n")


def test_ctrl_c_in_training_says_the_checkpoints_are_kept(shards, recipe, tmp_path, monkeypatch, capsys):
    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("dit.autoencoder_train.train_autoencoder", interrupt)
    assert train(recipe, shards, tmp_path / "run") == 130
    assert one_line(capsys) == ("kinema autoencoder train: interrupted; the checkpoints saved so far are kept; "
                                "continue with --resume\n")
