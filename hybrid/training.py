"""`kinema train`: a training recipe (YAML) + the simulator's dataset shards -> a run folder of checkpoints.

A recipe names a DiT preset (with overrides), the text encoder's depth and heads, dropout rates and the
`TrainConfig` fields; the tokenizer's vocabulary is built from the dataset's captions, so the same data and
recipe always give the same model configuration (and `--resume` continues the same run).
"""

import dataclasses
from pathlib import Path
from typing import Any

import yaml

from dit.config import preset
from dit.errors import DiTError
from dit.generator import GeneratorConfig
from dit.train import TrainConfig, train
from hybrid.dataset import ShardDataset

RECIPE_KEYS = {"preset", "dit", "text", "dropout", "objective", "train"}
OBJECTIVE_KEYS = {"prediction", "time_mean", "time_std"}


def read_recipe(path: Path) -> dict[str, Any]:
    """The recipe mapping, with unknown sections refused (a typo must not silently train the wrong model)."""
    try:
        recipe = yaml.safe_load(Path(path).read_text())
    except FileNotFoundError:
        raise DiTError(f"no training recipe at {path}; see recipes/default.yaml") from None
    except yaml.YAMLError as error:
        raise DiTError(f"{path} is not valid YAML: {str(error).splitlines()[0]}") from None
    if not isinstance(recipe, dict) or set(recipe) - RECIPE_KEYS or "preset" not in recipe:
        keys = sorted(set(recipe) - RECIPE_KEYS) if isinstance(recipe, dict) else recipe
        raise DiTError(f"{path}: a recipe is a mapping with 'preset' and optionally {sorted(RECIPE_KEYS - {'preset'})}"
                       f"; unexpected: {keys}")
    return recipe


def generator_config(recipe: dict[str, Any], captions: list[str]) -> GeneratorConfig:
    text = recipe.get("text", {})
    dropout = recipe.get("dropout", {})
    objective = recipe.get("objective", {})
    unknown = sorted(set(objective) - OBJECTIVE_KEYS)
    if unknown:
        raise DiTError(f"unknown objective settings {unknown}; known: {sorted(OBJECTIVE_KEYS)}")
    return GeneratorConfig.from_captions(
        captions, preset(recipe["preset"], **recipe.get("dit", {})), text_depth=text.get("depth", 2),
        text_heads=text.get("heads", 4), text_dropout=dropout.get("text", 0.1),
        control_dropout=dropout.get("controls"), **objective)


def train_from_recipe(recipe_path: Path, data: Path, out: Path, resume: bool) -> dict[str, Any]:
    """Train the recipe's model on the shards in `data`, checkpointing into `out`; returns the final metrics."""
    recipe = read_recipe(recipe_path)
    dataset = ShardDataset(data)
    fields = {f.name for f in dataclasses.fields(TrainConfig)}
    unknown = sorted(set(recipe.get("train", {})) - fields)
    if unknown:
        raise DiTError(f"{recipe_path}: unknown train settings {unknown}; known: {sorted(fields)}")
    return train(generator_config(recipe, dataset.captions()), TrainConfig(**recipe.get("train", {})), dataset,
                 out, resume=resume)
