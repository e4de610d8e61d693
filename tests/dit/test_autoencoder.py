"""The video autoencoder: the 8x / 16-channel contract, per-frame independence, sizes refused, model folders that
round-trip bit for bit and refuse damage in one line."""

import json

import pytest
import torch
import torch.nn.functional as F

from dit.autoencoder import (
    AutoencoderConfig, FrameAutoencoder, VideoAutoencoder, channel_groups, channels_to_space, space_to_channels,
)
from dit.errors import DiTError

TINY = dict(channels=(4, 8, 8, 16), encoder_blocks=(0, 1, 0, 1), decoder_blocks=(0, 1, 0, 1))


def tiny(seed: int = 0, **fields) -> FrameAutoencoder:
    torch.manual_seed(seed)
    return FrameAutoencoder(AutoencoderConfig(**{**TINY, **fields})).eval()


def video(batch: int = 1, frames: int = 3, height: int = 32, width: int = 40, seed: int = 0) -> torch.Tensor:
    return torch.rand(batch, 3, frames, height, width, generator=torch.Generator().manual_seed(seed)) * 2 - 1


def test_latents_are_8x_smaller_in_each_side_with_16_channels_and_no_temporal_compression():
    model = FrameAutoencoder(AutoencoderConfig()).eval()  # the recipe's architecture
    assert isinstance(model, VideoAutoencoder)
    assert model.latent_shape(16, 256, 256) == (16, 16, 32, 32)
    with torch.no_grad():
        latents = model.encode(video(batch=2, frames=3, height=32, width=40))
        assert latents.shape == (2, 16, 3, 4, 5)
        output = model.decode(latents)
    assert output.shape == (2, 3, 3, 32, 40)
    assert output.min() >= -1 and output.max() <= 1


def test_frames_and_clips_are_encoded_independently():
    """Per-frame 2D convolutions: a frame's latents do not depend on its neighbours or on the rest of the batch."""
    model, clip = tiny(), video(batch=2, frames=3)
    with torch.no_grad():
        together = model.encode(clip)
        alone = model.encode(clip[1:, :, 2:])
        torch.testing.assert_close(together[1:, :, 2:], alone, rtol=0, atol=1e-6)
        decoded = model.decode(together)
        torch.testing.assert_close(decoded[1:, :, 2:], model.decode(alone), rtol=0, atol=1e-6)


def test_the_shortcuts_are_plain_rearrangements_of_the_pixels():
    x = torch.randn(2, 4, 8, 6).contiguous(memory_format=torch.channels_last)
    assert torch.equal(space_to_channels(x, 16), F.pixel_unshuffle(x, 2))
    torch.testing.assert_close(space_to_channels(x, 4), F.avg_pool2d(x, 2))
    pairs = space_to_channels(x, 8)  # each 2x1 column of a patch kept, its two columns averaged
    torch.testing.assert_close(channels_to_space(pairs, 4), x.unflatten(-1, (3, 2)).mean(-1).repeat_interleave(2, -1))
    assert torch.equal(channels_to_space(F.pixel_unshuffle(x, 2), 4), x)
    assert torch.equal(channels_to_space(x, 4), F.interpolate(x, scale_factor=2.0, mode="nearest"))
    torch.testing.assert_close(channel_groups(x, 2), x.unflatten(1, (2, 2)).mean(2))
    assert torch.equal(channel_groups(x, 8), x.repeat_interleave(2, dim=1))
    assert space_to_channels(x, 8).is_contiguous(memory_format=torch.channels_last)


@pytest.mark.parametrize("shape, message", [
    ((1, 3, 2, 36, 32), "needs a height that is a multiple of 8, got 36; crop or resize the video to e.g. 32"),
    ((1, 3, 2, 32, 4), "needs a width that is a multiple of 8, got 4"),
    ((1, 1, 2, 32, 32), r"video must be \[B, 3, T, H, W\], got shape \[1, 1, 2, 32, 32\]"),
    ((3, 2, 32, 32), r"video must be \[B, 3, T, H, W\]"),
])
def test_sizes_the_autoencoder_cannot_take_are_refused(shape, message):
    with pytest.raises(DiTError, match=message):
        tiny().encode(torch.zeros(shape))


def test_latents_of_the_wrong_width_are_refused():
    with pytest.raises(DiTError, match=r"latents must be \[B, 16, T, H, W\], got shape \[1, 4, 2, 4, 4\]"):
        tiny().decode(torch.zeros(1, 4, 2, 4, 4))


@pytest.mark.parametrize("fields, message", [
    (dict(latent_channels=17), "latent_channels: Input should be less than or equal to 16"),
    (dict(channels=(8, 8, 8)), r"channels.3: Field required"),
    (dict(channels=(16, 48, 64, 128)), r"1, 2 or 4 times as wide as the one before it .* got \[16, 48, 64, 128\]"),
    (dict(latent_channels=12), r"channels\[3\] \(128\) must be a multiple of latent_channels \(12\)"),
    (dict(scaling_factor=0.0), "scaling_factor: Input should be greater than 0"),
    (dict(encoder_blok=(1, 1, 1, 1)), r"unknown AutoencoderConfig keys \['encoder_blok'\]"),
])
def test_invalid_configs_are_one_line(fields, message):
    with pytest.raises(DiTError, match=message) as error:
        AutoencoderConfig(**fields)
    assert "\n" not in str(error.value)


def test_the_shipped_architecture_fits_the_file_budget():
    model = FrameAutoencoder(AutoencoderConfig())
    count = sum(p.numel() for p in model.parameters())
    assert count == 1_670_995  # pinned: a change of architecture must be deliberate
    assert count * 2 < 20 * 2**20  # float16 under 20 MB


def test_a_model_folder_round_trips_bit_for_bit(tmp_path):
    model = tiny(seed=3, scaling_factor=0.7)
    model.save_pretrained(tmp_path / "ae")
    loaded = FrameAutoencoder.from_pretrained(tmp_path / "ae")
    assert loaded.config == model.config and loaded.scaling_factor == 0.7
    original, restored = model.state_dict(), loaded.state_dict()
    assert original.keys() == restored.keys()
    assert all(torch.equal(original[name], restored[name]) for name in original)
    with torch.no_grad():
        assert torch.equal(model.decode(model.encode(video())), loaded.decode(loaded.encode(video())))


def test_a_float16_model_folder_holds_the_rounded_weights(tmp_path):
    model = tiny(seed=4)
    model.save_pretrained(tmp_path / "ae", dtype=torch.float16)
    assert json.loads((tmp_path / "ae/config.json").read_text())["dtype"] == "float16"
    loaded = FrameAutoencoder.from_pretrained(tmp_path / "ae")
    for name, weight in model.state_dict().items():
        assert torch.equal(loaded.state_dict()[name], weight.half().float())


def rewrite_config(folder, change):
    meta = json.loads((folder / "config.json").read_text())
    change(meta)
    (folder / "config.json").write_text(json.dumps(meta))


def flip_a_byte(path):
    data = bytearray(path.read_bytes())
    data[-3] ^= 0xFF
    path.write_bytes(bytes(data))


DAMAGE = {
    "weights missing": (lambda f: (f / "model.safetensors").unlink(), "model.safetensors is missing"),
    "weights cut short": (lambda f: (f / "model.safetensors").write_bytes((f / "model.safetensors").read_bytes()[:99]),
                          "is truncated or was replaced: 99 bytes"),
    "weights corrupt": (lambda f: flip_a_byte(f / "model.safetensors"), "is corrupt: its SHA-256 differs"),
    "config missing": (lambda f: (f / "config.json").unlink(), "is not an autoencoder model folder: config.json is "
                                                              "missing"),
    "config not json": (lambda f: (f / "config.json").write_text("{oops"), "config.json is not valid JSON"),
    "another format": (lambda f: rewrite_config(f, lambda m: m.update(format="kinema-video-generator")),
                       "is not a kinema-video-autoencoder file"),
    "unknown key": (lambda f: rewrite_config(f, lambda m: m["config"].update(depth=3)),
                    r"unknown AutoencoderConfig keys \['depth'\]"),
    "other shapes": (lambda f: rewrite_config(f, lambda m: m["config"].update(channels=[4, 8, 8, 32])),
                     "does not match the config: .* tensor\\(s\\) have other shapes"),
    "no file record": (lambda f: rewrite_config(f, lambda m: m.pop("files")), "does not record the size and SHA-256"),
}


@pytest.mark.parametrize("damage", DAMAGE)
def test_a_damaged_model_folder_is_refused_in_one_line(damage, tmp_path):
    tiny().save_pretrained(tmp_path / "ae")
    hurt, message = DAMAGE[damage]
    hurt(tmp_path / "ae")
    with pytest.raises(DiTError, match=message) as error:
        FrameAutoencoder.from_pretrained(tmp_path / "ae")
    assert "\n" not in str(error.value)


def test_a_missing_folder_is_refused(tmp_path):
    with pytest.raises(DiTError, match="no autoencoder at .*: a model folder holding model.safetensors"):
        FrameAutoencoder.from_pretrained(tmp_path / "nothing")
