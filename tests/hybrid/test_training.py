"""`kinema train`: a recipe and dataset shards train a model that loads back; bad recipes are one-line errors."""

import pytest

from dit.checkpoint import load_generator
from hybrid.cli import main
from hybrid.dataset import DatasetSpec, write_shard

RECIPE = """preset: tiny
text: {depth: 1, heads: 2}
train: {steps: 2, batch_size: 2, warmup_steps: 1, checkpoint_every: 1, progress: false}
"""


@pytest.fixture(scope="module")
def shards(tmp_path_factory):
    folder = tmp_path_factory.mktemp("data")
    write_shard(folder, DatasetSpec(seed=1, clips=2, size=16, frames=4), 0, 1)
    return folder


def test_train_writes_a_checkpoint_that_loads_and_resumes(shards, tmp_path, capsys):
    recipe = tmp_path / "recipe.yaml"
    recipe.write_text(RECIPE)
    assert main(["train", "--config", str(recipe), "--data", str(shards), "--out", str(tmp_path / "run")]) == 0
    assert "trained to step 2" in capsys.readouterr().out
    generator = load_generator(tmp_path / "run")
    assert generator.config.dit.control_branches == ("depth", "flow", "segmentation")
    recipe.write_text(RECIPE.replace("steps: 2", "steps: 3"))
    assert main(["train", "--config", str(recipe), "--data", str(shards), "--out", str(tmp_path / "run"),
                 "--resume"]) == 0
    assert "trained to step 3" in capsys.readouterr().out


@pytest.mark.parametrize("text, message", [
    ("preset: tiny\nlearning: fast\n", "unexpected: \\['learning'\\]"),
    ("preset: tiny\ntrain: {stepz: 3}\n", "unknown train settings \\['stepz'\\]"),
    ("preset: [unclosed\n", "not valid YAML"),
])
def test_bad_recipes_are_one_line_errors(shards, tmp_path, capsys, text, message):
    recipe = tmp_path / "recipe.yaml"
    recipe.write_text(text)
    assert main(["train", "--config", str(recipe), "--data", str(shards), "--out", str(tmp_path / "run")]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1
    assert __import__("re").search(message, error)
