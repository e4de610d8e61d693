"""Training the video autoencoder: crops drawn from (seed, step) alone, a loss that falls, exact resume, refusals,
the measured scaling factor, and an evaluation report with known answers."""

import json
import math

import numpy as np
import pytest
import torch

import dit.autoencoder_train as autoencoder_train
from dit.autoencoder import FrameAutoencoder
from dit.autoencoder_train import (
    AutoencoderRecipe, HeldOutClip, TrainingFrames, evaluate_autoencoder, train_autoencoder,
)
from dit.errors import DiTError

TINY_MODEL = dict(channels=(4, 8, 8, 16), encoder_blocks=(0, 1, 0, 1), decoder_blocks=(0, 1, 0, 1))


@pytest.fixture(autouse=True)
def one_thread():
    """Exact resume is promised on one thread (several may sum in another order)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def clips(count: int = 3, frames: int = 4, side: int = 32, seed: int = 0) -> np.ndarray:
    """uint8 [count, frames, side, side, 3]: a coloured square moving over a two-tone background."""
    rng = np.random.default_rng(seed)
    video = np.zeros((count, frames, side, side, 3), dtype=np.uint8)
    for c in range(count):
        video[c, :, :, : side // 2] = rng.integers(0, 256, 3)
        video[c, :, :, side // 2:] = rng.integers(0, 256, 3)
        for t in range(frames):
            top = 4 + 2 * t
            video[c, t, top:top + 10, 6:16] = rng.integers(0, 256, 3)
    return video


def recipe(**train) -> AutoencoderRecipe:
    fields = dict(steps=8, batch_size=2, crop=16, warmup_steps=2, checkpoint_every=4, log_every=2,
                  progress=False, scale_frames=4, export_dtype="float32")
    return AutoencoderRecipe(model=TINY_MODEL, train={**fields, **train})


def weights(folder) -> dict[str, torch.Tensor]:
    return FrameAutoencoder.from_pretrained(folder).state_dict()


def test_each_steps_crops_are_a_function_of_the_seed_and_the_step_alone():
    frames, config = TrainingFrames([clips(2), clips(1, side=24, seed=1)]), recipe().train
    batch = frames.crops(seed=0, step=5, config=config)
    assert batch.shape == (2, 3, 16, 16) and batch.min() >= -1 and batch.max() <= 1
    assert torch.equal(batch, frames.crops(seed=0, step=5, config=config))
    assert not torch.equal(batch, frames.crops(seed=0, step=6, config=config))
    assert not torch.equal(batch, frames.crops(seed=1, step=5, config=config))
    assert len(frames) == 3 and frames.smallest_side() == 24
    assert np.array_equal(frames.clip(2), clips(1, side=24, seed=1)[0])


def test_training_frames_must_be_uint8_clips():
    with pytest.raises(DiTError, match=r"training clips must be uint8 \[n, T, H, W, 3\], got float32"):
        TrainingFrames([clips().astype(np.float32)])
    with pytest.raises(DiTError, match="holds no clip"):
        TrainingFrames([clips()[:0]])


def test_a_short_training_run_lowers_the_loss_and_exports_a_model(tmp_path):
    frames = TrainingFrames([clips(1, frames=2)])  # two frames to fit
    result = train_autoencoder(recipe(steps=150, lr=3e-3, warmup_steps=5, checkpoint_every=150, log_every=10),
                               frames, tmp_path / "run")
    lines = [json.loads(line) for line in (tmp_path / "run/metrics.jsonl").read_text().splitlines()]
    assert [line["step"] for line in lines] == list(range(10, 151, 10))
    assert result["loss"] < 0.5 * result["first_loss"], lines
    assert lines[-1]["psnr_db"] > lines[0]["psnr_db"] + 4
    model = FrameAutoencoder.from_pretrained(result["model"])
    assert model.scaling_factor == result["scaling_factor"]


def test_the_scaling_factor_gives_the_training_latents_unit_variance(tmp_path):
    frames = TrainingFrames([clips(2)])
    config = recipe(steps=2).train
    result = train_autoencoder(recipe(steps=2), frames, tmp_path / "run")
    model = FrameAutoencoder.from_pretrained(result["model"])
    with torch.no_grad():
        latents = torch.cat([model.encode_frames(frame, 1).flatten()
                             for frame in frames.whole_frames(config.seed, config.scale_frames)])
    assert (latents * model.scaling_factor).double().std().item() == pytest.approx(1.0, rel=1e-6)
    assert model.scaling_factor != 1.0


def test_a_stopped_run_resumed_ends_with_the_same_weights_bit_for_bit(tmp_path, monkeypatch):
    frames = TrainingFrames([clips(3), clips(2, side=24, seed=1)])
    straight = train_autoencoder(recipe(), frames, tmp_path / "straight")

    save = autoencoder_train.save_training_state

    def save_then_stop(run_dir, step, *args):
        save(run_dir, step, *args)
        if step == 4:
            raise KeyboardInterrupt  # a Ctrl-C right after the checkpoint of step 4

    monkeypatch.setattr(autoencoder_train, "save_training_state", save_then_stop)
    with pytest.raises(KeyboardInterrupt):
        train_autoencoder(recipe(), frames, tmp_path / "resumed")
    monkeypatch.undo()
    assert not (tmp_path / "resumed/model").exists()
    halfway = weights(tmp_path / "resumed/step_000004")
    resumed = train_autoencoder(recipe(), frames, tmp_path / "resumed", resume=True)
    a, b = weights(tmp_path / "straight/model"), weights(tmp_path / "resumed/model")
    assert all(torch.equal(a[name], b[name]) for name in a)
    assert not all(torch.equal(a[name], halfway[name]) for name in a)  # the comparison can tell runs apart
    assert resumed["scaling_factor"] == straight["scaling_factor"]
    losses = [[json.loads(line)["loss"] for line in (tmp_path / run / "metrics.jsonl").read_text().splitlines()]
              for run in ("straight", "resumed")]
    assert losses[0] == losses[1] and len(losses[0]) == 4


def test_a_run_folder_is_neither_overwritten_nor_resumed_with_another_model(tmp_path):
    frames = TrainingFrames([clips(2)])
    train_autoencoder(recipe(steps=1), frames, tmp_path / "run")
    with pytest.raises(DiTError, match="already holds checkpoints .*pass --resume"):
        train_autoencoder(recipe(steps=2), frames, tmp_path / "run")
    other = AutoencoderRecipe(model={**TINY_MODEL, "channels": (4, 8, 8, 32)}, train=recipe(steps=2).train)
    with pytest.raises(DiTError, match=r"another model config \(differs in channels\)"):
        train_autoencoder(other, frames, tmp_path / "run", resume=True)
    with pytest.raises(DiTError, match="no checkpoint in .* to resume; drop --resume"):
        train_autoencoder(recipe(), frames, tmp_path / "fresh", resume=True)
    with pytest.raises(DiTError, match="crop 64 is larger than the smallest training frame side"):
        train_autoencoder(recipe(crop=64), frames, tmp_path / "big")


class Offset:
    """A stand-in `VideoAutoencoder` whose reconstruction is the input plus `grey` levels."""

    scaling_factor = 1.0

    def __init__(self, grey: float):
        self.shift = grey / 127.5

    def encode(self, video):
        return video

    def decode(self, latents):
        return latents + self.shift

    def latent_shape(self, frames, height, width):
        return 3, frames, height, width


def held_out(video: np.ndarray, caption: str) -> HeldOutClip:
    labels = np.zeros(video.shape[:3], dtype=np.int64)
    labels[:, :, 16:] = 1  # the right half is "rubber"
    return HeldOutClip(video=video, labels=labels, groups=["ground:checker", "rubber"], caption=caption)


def test_the_evaluation_reports_known_answers():
    moving = clips(1, frames=4)[0] // 2  # // 2: no pixel clips at 255 when offset
    still = np.repeat(moving[:1], 4, axis=0)
    report = evaluate_autoencoder(Offset(4.0), [held_out(moving, "a moving square"), held_out(still, "still")],
                                  ssim=lambda a, b: 0.5)
    assert report["clips"] == 2
    assert report["mean"]["psnr_db"] == pytest.approx(10 * math.log10(255**2 / 16))  # every pixel 4 levels off
    assert report["mean"]["ssim"] == 0.5
    assert report["mean"]["flicker_ratio"] == pytest.approx(1.0)  # a constant offset adds no flicker
    assert report["mean"]["clips_with_flicker_ratio"] == 1  # a still input has no ratio
    assert [row["caption"] for row in report["worst_psnr"]] == ["a moving square", "still"]
    assert report["per_clip"][1]["flicker_ratio"] is None
    assert report["per_group"]["rubber"]["mse"] == pytest.approx(16.0)
    assert report["per_group"]["ground:checker"]["pixels"] == 2 * 4 * 32 * 16
    json.dumps(report, allow_nan=False)


class Blackening(Offset):
    """Loses the right half of every frame (the "rubber" pixels): it comes back black."""

    def decode(self, latents):
        output = latents.clone()
        output[..., 16:] = -1
        return output


def test_the_worst_clips_and_the_costliest_groups_come_first():
    video = clips(1, frames=2)[0]
    black = video.copy()
    black[:, :, 16:] = 0
    report = evaluate_autoencoder(Blackening(0.0), [held_out(black, "black already"), held_out(video, "lost")],
                                  ssim=lambda a, b: 1.0)
    assert [row["caption"] for row in report["worst_psnr"]] == ["lost", "black already"]
    assert list(report["per_group"]) == ["rubber", "ground:checker"]
    assert report["per_group"]["ground:checker"]["psnr_db"] == 100.0  # exact: the cap


def test_labels_outside_the_groups_are_refused():
    clip = held_out(clips(1)[0], "x")
    bad = HeldOutClip(video=clip.video, labels=clip.labels + 1, groups=clip.groups, caption="x")
    with pytest.raises(DiTError, match="its labels must be .* indexes into its 2 groups"):
        evaluate_autoencoder(Offset(0.0), [bad], ssim=lambda a, b: 1.0)
    with pytest.raises(DiTError, match="no held-out clip"):
        evaluate_autoencoder(Offset(0.0), [], ssim=lambda a, b: 1.0)


def test_the_training_ssim_is_the_metric_that_scores_the_autoencoder():
    from hybrid.metrics import ssim
    from dit.autoencoder_train import structural_similarity

    rng = np.random.default_rng(0)
    frames = rng.integers(0, 256, (2, 24, 20, 3), dtype=np.uint8)
    noisy = np.clip(frames + rng.normal(0, 20, frames.shape), 0, 255).astype(np.uint8)
    as_tensor = lambda video: torch.from_numpy(video).permute(0, 3, 1, 2).double() / 127.5 - 1  # noqa: E731
    assert float(structural_similarity(as_tensor(noisy), as_tensor(frames))) == pytest.approx(ssim(noisy, frames),
                                                                                            abs=1e-9)
    assert float(structural_similarity(as_tensor(frames), as_tensor(frames))) == pytest.approx(1.0)
