"""A latent DiT's data: shards encoded once by the autoencoder, read back as scaled latents beside full-size
controls; latents from another autoencoder or for other clips are refused with one line."""

import numpy as np
import pytest
import torch

from dit.autoencoder import AutoencoderConfig, FrameAutoencoder
from dit.train import collate
from hybrid.dataset import DatasetSpec, ShardDataset, write_shard
from hybrid.latents import autoencoder_identity, encode_dataset, latents_path
from sim.errors import SimError

SMALL = dict(channels=[4, 8, 8, 16], encoder_blocks=[0, 1, 0, 1], decoder_blocks=[0, 1, 0, 1])


def autoencoder(folder, seed: int, scaling_factor: float = 2.0):
    torch.manual_seed(seed)
    FrameAutoencoder(AutoencoderConfig(**SMALL, scaling_factor=scaling_factor)).save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    folder = tmp_path_factory.mktemp("data")
    for index in range(2):
        write_shard(folder, DatasetSpec(seed=1, clips=3, size=16, frames=4), index, 2)
    return folder


def test_a_dataset_encoded_once_reads_as_scaled_latents(data, tmp_path):
    model = autoencoder(tmp_path / "ae", seed=0)
    written = encode_dataset(data, model)
    assert [path.name for path in written] == ["latents-00000-of-00002.npz", "latents-00001-of-00002.npz"]
    assert encode_dataset(data, model) == []  # up to date: nothing is encoded twice
    identity = autoencoder_identity(model)
    latent_data = ShardDataset(data, latents=identity)
    pixels = ShardDataset(data, control_size=2)
    item, frames_item = latent_data[2], pixels[2]
    assert item["video"].shape == (16, 4, 2, 2) and item["controls"]["flow"].shape == (3, 4, 16, 16)
    assert pixels[2]["controls"]["depth"].shape == (1, 4, 2, 2)
    with torch.inference_mode():
        expected = FrameAutoencoder.from_pretrained(model).encode(frames_item["video"][None])[0]
    assert torch.allclose(item["video"], 2.0 * expected.half().float())  # times the scaling factor
    assert collate([latent_data[0], latent_data[1]])["video"].shape == (2, 16, 4, 2, 2)
    # a latent shard's items are made once, with the controls the pixel path encodes, and its
    # full-resolution maps are then let go
    small = ShardDataset(data, latents=identity, control_size=2)
    assert all(torch.equal(tensor, frames_item["controls"][name]) for name, tensor in small[2]["controls"].items())
    assert small[2] is small[2] and not small._loaded


def test_latents_of_another_autoencoder_or_other_clips_are_refused(data, tmp_path):
    encode_dataset(data, autoencoder(tmp_path / "one", seed=0))
    other = autoencoder_identity(autoencoder(tmp_path / "two", seed=1))
    with pytest.raises(SimError, match="encoded by another autoencoder.*kinema autoencoder encode"):
        ShardDataset(data, latents=other)[0]
    moved = tmp_path / "moved"
    moved.mkdir()
    write_shard(moved, DatasetSpec(seed=2, clips=3, size=16, frames=4), 0, 2)  # other scenes, same name
    latents_path(moved / "shard-00000-of-00002.npz").write_bytes(
        latents_path(data / "shard-00000-of-00002.npz").read_bytes())
    with pytest.raises(SimError, match="latents of other clips than shard-00000-of-00002.npz"):
        ShardDataset(moved, latents=autoencoder_identity(tmp_path / "one"))[0]
    latents_path(moved / "shard-00000-of-00002.npz").write_bytes(b"not a zip")
    with pytest.raises(SimError, match="not a readable latents file"):
        ShardDataset(moved, latents=autoencoder_identity(tmp_path / "one"))[0]
    with pytest.raises(SimError, match="latents-00000-of-00002.npz is missing"):
        write_shard(tmp_path / "fresh", DatasetSpec(seed=1, clips=3, size=16, frames=4), 0, 2)
        ShardDataset(tmp_path / "fresh", latents=other)[0]
    assert np.load(latents_path(data / "shard-00001-of-00002.npz"))["latents"].dtype == np.float16
