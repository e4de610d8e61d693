"""A latent DiT end to end: shards encoded by an autoencoder, a recipe that trains on the latents, an export that
takes the autoencoder along, and a pipeline that denoises latents and decodes them into the video."""

import numpy as np
import pytest
import torch

from dit.autoencoder import AutoencoderConfig, FrameAutoencoder
from hybrid.cli import main
from hybrid.dataset import DatasetSpec, write_shard
from hybrid.pipeline import Pipeline

RECIPE = """preset: tiny
dit: {{in_channels: 16, patch_size: [1, 2, 2], control_scale: {scale}}}
text: {{depth: 1, heads: 2}}
latent: {{autoencoder: {autoencoder}}}
train: {{steps: 2, batch_size: 2, warmup_steps: 1, checkpoint_every: 1, progress: false}}
"""


@pytest.fixture(scope="module")
def encoded(tmp_path_factory):
    """(shards of 64x64 frames with their latents, the autoencoder that made them)."""
    folder = tmp_path_factory.mktemp("latent")
    write_shard(folder / "data", DatasetSpec(seed=1, clips=2, size=64, frames=4), 0, 1)
    torch.manual_seed(0)
    config = AutoencoderConfig(channels=[4, 8, 8, 16], encoder_blocks=[0, 1, 0, 1], decoder_blocks=[0, 1, 0, 1],
                               scaling_factor=1.5)
    FrameAutoencoder(config).save_pretrained(folder / "ae")
    assert main(["autoencoder", "encode", "--model", str(folder / "ae"), "--data", str(folder / "data")]) == 0
    return folder / "data", folder / "ae"


@pytest.mark.parametrize("scale", [8, 1])  # full-resolution maps, or maps downsampled to the latent grid
def test_a_latent_model_trains_exports_and_generates(encoded, tmp_path, capsys, scale):
    data, autoencoder = encoded
    recipe = tmp_path / "latent.yaml"
    recipe.write_text(RECIPE.format(scale=scale, autoencoder=autoencoder))
    assert main(["train", "--config", str(recipe), "--data", str(data), "--out", str(tmp_path / "run")]) == 0
    assert (tmp_path / "run/autoencoder/model.safetensors").is_file()
    assert main(["export", str(tmp_path / "run"), str(tmp_path / "model"), "--dtype", "fp32"]) == 0
    assert "and its autoencoder" in capsys.readouterr().out
    pipe = Pipeline.from_pretrained(tmp_path / "model")
    assert pipe.autoencoder is not None and pipe.pixels_per_cell == 8
    result = pipe("a red ball falls onto a blue box", num_frames=4, height=64, width=64, num_steps=2)
    assert result.video.shape == (4, 64, 64, 3) and result.video.dtype == np.uint8
    pinned = pipe("a red ball falls onto a blue box", num_frames=4, height=64, width=64, num_steps=2, controls=(),
                  first_frame=True)  # the first frame pinned in latent space, as the autoencoder encodes it
    assert pinned.video.shape == (4, 64, 64, 3) and not np.array_equal(pinned.video, result.video)
    again = Pipeline.from_pretrained(tmp_path / "run")("a red ball falls onto a blue box", num_frames=4, height=64,
                                                       width=64, num_steps=2)
    assert np.array_equal(again.video, result.video)  # the run's checkpoint finds the same autoencoder


def test_a_latent_recipe_must_match_its_autoencoder(encoded, tmp_path, capsys):
    data, autoencoder = encoded
    recipe = tmp_path / "latent.yaml"
    recipe.write_text(RECIPE.format(scale=8, autoencoder=autoencoder).replace("in_channels: 16", "in_channels: 8"))
    assert main(["train", "--config", str(recipe), "--data", str(data), "--out", str(tmp_path / "run")]) == 2
    assert "makes 16-channel latents; set dit.in_channels: 16" in capsys.readouterr().err


def test_training_on_shards_without_latents_stops_before_any_work(tmp_path, capsys):
    data = tmp_path / "data"
    write_shard(data, DatasetSpec(seed=1, clips=2, size=64, frames=4), 0, 1)
    torch.manual_seed(0)
    config = AutoencoderConfig(channels=[4, 8, 8, 16], encoder_blocks=[0, 1, 0, 1], decoder_blocks=[0, 1, 0, 1])
    FrameAutoencoder(config).save_pretrained(tmp_path / "ae")
    recipe = tmp_path / "latent.yaml"
    recipe.write_text(RECIPE.format(scale=8, autoencoder=tmp_path / "ae"))
    assert main(["train", "--config", str(recipe), "--data", str(data), "--out", str(tmp_path / "run")]) == 2
    err = capsys.readouterr().err
    assert "latents-00000-of-00001.npz is missing; encode the dataset with `kinema autoencoder encode" in err
    assert not (tmp_path / "run").exists()
