"""`kinema train`: a recipe and dataset shards train a model that loads back; bad recipes are one-line errors."""

from pathlib import Path

import pytest

from dit.checkpoint import load_generator, read_config
from dit.control import control_patch
from hybrid.cli import main
from dit.text import Tokenizer
from hybrid.dataset import DatasetSpec, ShardDataset, write_shard
from hybrid.latents import autoencoder_identity
from hybrid.training import read_recipe

QUICK_TRAIN = "train: {steps: 1, batch_size: 2, progress: false}\n"
RECIPES = Path(__file__).resolve().parents[2] / "recipes"

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


def test_a_run_started_from_a_model_keeps_its_words_and_adds_those_of_new_captions(shards, tmp_path):
    recipe = tmp_path / "recipe.yaml"
    recipe.write_text(RECIPE)
    assert main(["train", "--config", str(recipe), "--data", str(shards), "--out", str(tmp_path / "source")]) == 0
    other = tmp_path / "other"
    write_shard(other, DatasetSpec(seed=5, clips=2, size=16, frames=4), 0, 1)  # other scenes, other words
    recipe.write_text(RECIPE.replace("train: {", f"train: {{init_from: {tmp_path / 'source'}, "))
    assert main(["train", "--config", str(recipe), "--data", str(other), "--out", str(tmp_path / "grown")]) == 0
    vocabulary = load_generator(tmp_path / "source").config.vocabulary
    grown = load_generator(tmp_path / "grown").config.vocabulary
    assert grown[:len(vocabulary)] == vocabulary  # the known words keep their ids
    assert set(Tokenizer.build(ShardDataset(other).captions()).vocabulary) <= set(grown)
    (tmp_path / "source").rename(tmp_path / "moved")  # a resume reads the run's own checkpoint, not init_from
    recipe.write_text(recipe.read_text().replace("steps: 2", "steps: 3"))
    assert main(["train", "--config", str(recipe), "--data", str(other), "--out", str(tmp_path / "grown"),
                 "--resume"]) == 0


def test_the_shipped_recipes_read_as_the_models_they_train():
    base, default = read_recipe(RECIPES / "base.yaml"), read_recipe(RECIPES / "default.yaml")
    assert base.dit.control_branches == ("depth", "flow", "segmentation") and base.dit.hidden_size == 128
    assert default.dit.control_branches == ("depth", "flow", "segmentation", "uv")
    assert default.dit.control_channels["uv"] == 4 and default.train.init_from == "runs/base"
    assert default.objective.prediction == "data" and default.dropout.controls["uv"] == 0.1


def test_the_latent_recipe_starts_from_the_shipped_pixel_model_in_its_autoencoder_space():
    latent = read_recipe(RECIPES / "latent.yaml")
    root = RECIPES.parent
    identity = autoencoder_identity(root / latent.latent.autoencoder)
    assert latent.dit.in_channels == identity["config"]["latent_channels"] == 16
    source, _ = read_config(root / latent.train.init_from)
    assert source.dit.in_channels == 3 and latent.dit.hidden_size == source.dit.hidden_size
    # the branches read 2x4x4 map patches, as the pixel model's did: they start trained
    assert control_patch(latent.dit) == control_patch(source.dit) == (2, 4, 4)


@pytest.mark.parametrize("text, message", [
    ("preset: tiny\nlearning: fast\n", r": unknown Recipe keys \['learning'\]; known keys are \['dit', "),
    ("preset: tiny\ntrain: {stepz: 3}\n", r": unknown TrainConfig keys \['stepz'\] in train; known keys are "),
    ("preset: tiny\ntext: {dpth: 1}\n", r": unknown TextSection keys \['dpth'\] in text; known keys are "
                                        r"\['depth', 'heads'\]"),
    ("preset: tiny\ndropout: {txt: 0.9}\n", r": unknown DropoutSection keys \['txt'\] in dropout"),
    ("preset: tiny\nobjective: {predict: data}\n", r": unknown ObjectiveSection keys \['predict'\] in objective"),
    ("preset: tiny\ndit: {hiden_size: 64}\n", r": unknown DiTConfig keys \['hiden_size'\] in dit"),
    ("preset: tiny\ntrain: {betas: 5}\n", r": train.betas: Input should be a valid tuple \(got 5\)"),
    ("preset: tiny\ntext: 5\n", r": text: Input should be a valid dictionary or instance of TextSection \(got 5\)"),
    ("preset: tiny\ndit: {hidden_size: 1000000000}\n", r": dit.hidden_size: Input should be less than or equal to"),
    ("preset: tiny\ndropout: {text: 1.5}\n", r": dropout.text: Input should be less than or equal to 1"),
    ("preset: tiny\ndropout: {controls: {uv: 0.1}}\n", r": GeneratorConfig: control_dropout names \['uv'\]"),
    ("preset: huge\n", r": preset: Input should be 'tiny', 'small', 'base' or 'large' \(got 'huge'\)"),
    ("[1, 2]\n", r": Input should be a valid dictionary or instance of Recipe"),
    ("preset: [unclosed\n", "not valid YAML"),
])
def test_bad_recipes_are_one_line_errors_naming_the_file_and_field(shards, tmp_path, capsys, text, message):
    recipe = tmp_path / "recipe.yaml"
    # a one-step train section, so that a recipe wrongly accepted fails fast instead of training 10,000 steps
    quick = text.startswith("preset: tiny") and "train:" not in text
    recipe.write_text(text + (QUICK_TRAIN if quick else ""))
    assert main(["train", "--config", str(recipe), "--data", str(shards), "--out", str(tmp_path / "run")]) == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and str(recipe) in error
    assert __import__("re").search(message, error)


def test_resume_without_a_checkpoint_is_an_error_not_a_fresh_run(shards, tmp_path, capsys):
    recipe = tmp_path / "recipe.yaml"
    recipe.write_text(RECIPE)
    assert main(["train", "--config", str(recipe), "--data", str(shards), "--out", str(tmp_path / "run"),
                 "--resume"]) == 2
    assert capsys.readouterr().err.endswith(f"no checkpoint in {tmp_path / 'run'} to resume; drop --resume to "
                                            "start a fresh run\n")
    assert not (tmp_path / "run").exists()
