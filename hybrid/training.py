"""`kinema train`: a training recipe (YAML) + the simulator's dataset shards -> a run folder of checkpoints.

A recipe names a DiT preset (with overrides), the text encoder's depth and heads, dropout rates, the objective
and the `TrainConfig` fields; the tokenizer's vocabulary is built from the dataset's captions, so the same data
and recipe always give the same model configuration (and `--resume` continues the same run). Every section
refuses keys it does not know: a typo must not silently train the wrong model.
"""

import json
from pathlib import Path
from typing import Any, Literal, Self

import yaml
from pydantic import Field, create_model, model_validator

from dit.config import MAX_DEPTH, MAX_HEADS, PRESETS, Config, DiTConfig
from dit.errors import DiTError
from dit.generator import DEFAULT_DROPOUT, GeneratorConfig, Probability
from dit.text import Tokenizer
from dit.train import TrainConfig, train
from dit.autoencoder import DOWNSAMPLE
from dit.checkpoint import find_checkpoint, read_config, resolve_checkpoint
from hybrid.dataset import ShardDataset, read_shard
from hybrid.latents import attach_autoencoder, autoencoder_identity, check_latents


class TextSection(Config):
    """The recipe's `text`: the text encoder's shape (its width is the DiT's text_dim)."""

    depth: int = Field(2, ge=0, le=MAX_DEPTH)
    heads: int = Field(4, ge=1, le=MAX_HEADS)


class DropoutSection(Config):
    """The recipe's `dropout`: GeneratorConfig's text_dropout and control_dropout."""

    text: Probability = DEFAULT_DROPOUT
    controls: dict[str, Probability] | None = None  # None: DEFAULT_DROPOUT for every branch


# The recipe's `objective`: GeneratorConfig's fields of these names, with their types, bounds and defaults.
ObjectiveSection = create_model(
    "ObjectiveSection", __base__=Config,
    **{name: (GeneratorConfig.model_fields[name].annotation, GeneratorConfig.model_fields[name])
       for name in ("prediction", "time_mean", "time_std")})


class LatentSection(Config):
    """The recipe's `latent`: the DiT denoises this autoencoder's latents (`kinema autoencoder encode` makes
    them beside the shards); its controls are rendered at `dit.control_scale` times the latent grid."""

    autoencoder: str  # the autoencoder's model folder, relative to the working directory


class Recipe(Config):
    """A training recipe; `dit` is the preset with the recipe's `dit` overrides applied."""

    preset: Literal[tuple(PRESETS)]
    dit: DiTConfig
    text: TextSection = TextSection()
    dropout: DropoutSection = DropoutSection()
    objective: ObjectiveSection = ObjectiveSection()
    train: TrainConfig = TrainConfig()
    latent: LatentSection | None = None  # None: the DiT denoises pixels

    @model_validator(mode="before")
    @classmethod
    def _apply_preset(cls, data: Any) -> Any:
        """`dit` as written holds overrides of the preset's fields: start from the preset's (an unknown preset
        is reported by its own field)."""
        if not isinstance(data, dict) or not isinstance(data.get("dit", {}), dict):
            return data
        name = data.get("preset")
        base = PRESETS.get(name, {}) if isinstance(name, str) else {}
        return {**data, "dit": {**base, **data.get("dit", {})}}

    @model_validator(mode="after")
    def _describes_a_model(self) -> Self:
        """The model's own rules (e.g. dropout names only its branches), checked before any data is read."""
        self.generator_config([])
        return self

    def generator_config(self, captions: list[str], vocabulary: list[str] | None = None) -> GeneratorConfig:
        """The model this recipe trains, with a tokenizer built from the training captions (or `vocabulary`)."""
        return GeneratorConfig.from_captions(captions, self.dit, text_depth=self.text.depth, vocabulary=vocabulary,
                                             text_heads=self.text.heads, text_dropout=self.dropout.text,
                                             control_dropout=self.dropout.controls, **dict(self.objective))


def read_recipe(path: Path) -> Recipe:
    """The recipe in a YAML file; any problem is one DiTError line naming the file and the field."""
    try:
        data = yaml.safe_load(Path(path).read_text())
    except FileNotFoundError:
        raise DiTError(f"no training recipe at {path}; see recipes/default.yaml") from None
    except yaml.YAMLError as error:
        raise DiTError(f"{path} is not valid YAML: {str(error).splitlines()[0]}") from None
    return Recipe.from_dict(data, source=str(path))


def train_from_recipe(recipe_path: Path, data: Path, out: Path, resume: bool) -> dict[str, Any]:
    """Train the recipe's model on the shards in `data`, checkpointing into `out`; returns the final metrics."""
    recipe = read_recipe(recipe_path)
    dataset = ShardDataset(data)
    vocabulary = None
    if recipe.train.init_from is not None:  # the run continues that model's text encoder, so its tokenizer too
        # a resumed run reads its own checkpoint: the model it started from may have moved since
        started = out if resume and out.exists() and find_checkpoint(out) else recipe.train.init_from
        vocabulary = read_config(resolve_checkpoint(started))[0].vocabulary
        known = set(vocabulary)  # words its captions never said join at the end, so the known keep their ids
        vocabulary = vocabulary + [word for word in Tokenizer.build(dataset.captions()).vocabulary if word not in known]
    if recipe.latent is not None:
        dataset = latent_dataset(recipe, dataset, data, out)
    return train(recipe.generator_config(dataset.captions(), vocabulary), recipe.train, dataset, out, resume=resume)


def latent_dataset(recipe: Recipe, pixels: ShardDataset, data: Path, out: Path) -> ShardDataset:
    """The shards' latents by the recipe's autoencoder, with controls at `control_scale` times the latent grid
    (`pixels`: the same shards read as RGB); the autoencoder is copied into the run folder, where the pipeline
    and `kinema export` find it."""
    source = Path(recipe.latent.autoencoder)
    identity = autoencoder_identity(source)
    channels = identity["config"]["latent_channels"]
    if recipe.dit.in_channels != channels:
        raise DiTError(f"the recipe's dit.in_channels is {recipe.dit.in_channels}, but the autoencoder {source} "
                       f"makes {channels}-channel latents; set dit.in_channels: {channels}")
    for shard in pixels.shards:  # missing or stale latents are one line now, not at the first batch
        check_latents(shard, identity)
    frame_side = json.loads(str(read_shard(pixels.shards[0], ("spec",))["spec"]))["size"]
    if frame_side % DOWNSAMPLE:
        raise DiTError(f"the shards' frames are {frame_side} pixels wide, not a multiple of {DOWNSAMPLE}; make them "
                       "with `kinema dataset --size 256`")
    attach_autoencoder(source, out)
    return ShardDataset(data, latents=identity, control_size=frame_side // DOWNSAMPLE * recipe.dit.control_scale)
