"""Training and evaluating the video autoencoder (`dit.autoencoder`): random crops of frames, exactly resumable.

The model is fully convolutional and sees each frame alone, so it trains on `crop` x `crop` pieces of single
frames drawn from every clip: a batch mixes many scenes, and a step costs a fraction of a whole clip. Which clip,
frame, crop and flip each sample of step s takes is a pure function of (seed, s), the learning rate a function of
s, and a checkpoint holds the weights and the optimizer's state: a run stopped at step k and resumed ends with
the same weights, bit for bit, as one that never stopped (on one thread; several threads may sum in another
order). Loss: L1 + MSE of the reconstruction, plus a light L2 penalty that keeps the latents small.

    run/
        step_000500/     model.safetensors + config.json (a model folder) + train_state.safetensors/.json
        latest           the newest complete checkpoint's name
        metrics.jsonl    one line per `log_every` steps: loss, PSNR of the batch, learning rate, s/step
        model/           at the last step: the exported model, its scaling factor measured on training frames

The training clips come in as uint8 arrays (the CLI reads them from dataset shards: dit sees tensors only);
evaluation scores reconstructions of held-out clips, grouped by what covers each pixel.
"""

import math
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Self

import numpy as np
import torch
import torch.nn.functional as F
import yaml
from pydantic import Field, model_validator
from pydantic.fields import FieldInfo
from tqdm.auto import tqdm

from dit.autoencoder import (
    CONFIG_FILE, DTYPES, MODEL_FILE, AutoencoderConfig, FrameAutoencoder, VideoAutoencoder,
    read_autoencoder_config, write_model_files,
)
from dit.checkpoint import (
    LATEST, STATE_FILE, STATE_JSON, _check_file_record, _check_format, _check_state, _differences, _file_record,
    _flatten_optimizer, _json_bytes, _prune, _read_json, _read_tensors, _tensor_bytes, _unflatten_optimizer,
    checkpoint_name, find_checkpoint,
)
from dit.config import Config
from dit.errors import DiTError
from dit.train import (
    DATA_STREAM, METRICS_FILE, Beta, TrainConfig, _append_metrics, _trim_metrics, learning_rate, make_optimizer,
    step_seed,
)
from fileio import folder_written_atomically, write_bytes_atomically

TRAIN_STATE_FORMAT = "kinema-video-autoencoder-train-state"
FORMAT_VERSION = 1
MODEL_FOLDER = "model"
SCALE_STREAM = 3  # `step_seed` stream of the frames the scaling factor is measured on (dit.train uses 0-2)
MIN_MOTION = 0.5  # grey levels per pixel and frame: an input that moves less has no flicker ratio
WORST_CLIPS = 5


def _train_field(name: str, default: Any) -> FieldInfo:
    """TrainConfig's field `name` (its bounds and description: one rule for both trainers) with another default."""
    return FieldInfo.merge_field_infos(TrainConfig.model_fields[name], default=default)


class AutoencoderTrainConfig(Config):
    """How the autoencoder is trained. The schedule and optimizer fields are TrainConfig's, read by the same
    `dit.train.learning_rate` and `make_optimizer`."""

    steps: int = _train_field("steps", 5000)
    lr: float = _train_field("lr", 1e-3)
    warmup_steps: int = _train_field("warmup_steps", 200)
    schedule: Literal["constant", "cosine", "wsd"] = _train_field("schedule", "cosine")
    min_lr_ratio: float = _train_field("min_lr_ratio", 0.05)
    decay_steps: int = _train_field("decay_steps", 0)
    batch_size: int = Field(16, ge=1, description="crops per optimizer step")
    crop: int = Field(128, ge=8, multiple_of=8, description="side of the square crops of frames trained on")
    flip: bool = Field(True, description="mirror half the crops left to right")
    weight_decay: float = _train_field("weight_decay", 0.0)
    betas: tuple[Beta, Beta] = _train_field("betas", (0.9, 0.99))
    grad_clip: float = _train_field("grad_clip", 1.0)
    l1_weight: float = Field(1.0, ge=0, description="weight of the mean absolute error (of [-1, 1] pixels)")
    mse_weight: float = Field(1.0, ge=0, description="weight of the mean squared error")
    ssim_weight: float = Field(0.0, ge=0, description="weight of 1 - SSIM (7x7 windows, as hybrid.metrics scores)")
    latent_penalty: float = Field(1e-4, ge=0, description="weight of the mean squared latent")
    mixed_precision: Literal["off", "bf16"] = Field(
        "bf16", description="bf16 autocast halves a CPU step where the CPU has bf16 instructions (AVX512-BF16, AMX)")
    checkpoint_every: int = Field(500, ge=1, description="steps between checkpoints (and always the last)")
    keep_checkpoints: int = Field(2, ge=0, description="newest checkpoints kept; 0 keeps all")
    log_every: int = Field(10, ge=1, description="steps between lines of metrics.jsonl")
    seed: int = Field(0, ge=0, description="the run's seed: weights and every crop (0 is a seed too)")
    scale_frames: int = Field(64, ge=1, description="whole training frames the scaling factor is measured on")
    export_dtype: Literal["float16", "float32"] = Field("float16", description="precision of the exported model")
    progress: bool = Field(True, description="a tqdm bar")

    _decay_fits = model_validator(mode="after")(TrainConfig._decay_fits)


class AutoencoderRecipe(Config):
    """recipes/autoencoder.yaml: the model (`AutoencoderConfig`) and how to train it."""

    model: AutoencoderConfig = AutoencoderConfig()
    train: AutoencoderTrainConfig = AutoencoderTrainConfig()

    @classmethod
    def read(cls, path: Path) -> Self:
        """The recipe in a YAML file; any problem is one DiTError line naming the file and the field."""
        try:
            data = yaml.safe_load(Path(path).read_text())
        except FileNotFoundError:
            raise DiTError(f"no autoencoder recipe at {path}; see recipes/autoencoder.yaml") from None
        except yaml.YAMLError as error:
            raise DiTError(f"{path} is not valid YAML: {str(error).splitlines()[0]}") from None
        return cls.from_dict(data, source=str(path))


# ---------------------------------------------------------------------------------------------- data


class TrainingFrames:
    """The training clips in memory as uint8 (500 clips of 16 x 256 x 256 take 1.6 GB), and the seeded draws of
    crops from them. Each array is [n, T, H, W, 3] (one per shard); their T, H and W may differ."""

    def __init__(self, videos: Sequence[np.ndarray]):
        for video in videos:
            if video.dtype != np.uint8 or video.ndim != 5 or video.shape[-1] != 3:
                raise DiTError(f"training clips must be uint8 [n, T, H, W, 3], got {video.dtype} "
                               f"{list(video.shape)}")
        self.videos = [video for video in videos if len(video)]
        if not self.videos:
            raise DiTError("the autoencoder's training data holds no clip")
        self.ends = np.cumsum([len(video) for video in self.videos])  # clip c is in the first array ending past c

    def __len__(self) -> int:
        return int(self.ends[-1])

    def clip(self, index: int) -> np.ndarray:
        """Clip `index` of all the arrays in order: uint8 [T, H, W, 3]."""
        array = int(np.searchsorted(self.ends, index, side="right"))
        return self.videos[array][index - (self.ends[array - 1] if array else 0)]

    def smallest_side(self) -> int:
        return min(min(video.shape[2:4]) for video in self.videos)

    def crops(self, seed: int, step: int, config: AutoencoderTrainConfig) -> torch.Tensor:
        """Step `step`'s batch [B, 3, crop, crop] in [-1, 1]: per sample a clip, a frame, a crop and a flip, all
        drawn from (seed, step) alone."""
        rng = np.random.default_rng(step_seed(seed, DATA_STREAM, step))
        side, pieces = config.crop, []
        for _ in range(config.batch_size):
            clip = self.clip(int(rng.integers(len(self))))
            frames, height, width = clip.shape[:3]
            frame, top, left = (int(rng.integers(n)) for n in (frames, height - side + 1, width - side + 1))
            piece = clip[frame, top:top + side, left:left + side]  # [crop, crop, 3]
            flip = bool(rng.integers(2))
            pieces.append(piece[:, ::-1] if config.flip and flip else piece)
        return _to_tensor(np.stack(pieces))

    def whole_frames(self, seed: int, count: int) -> list[torch.Tensor]:
        """`count` whole frames [1, 3, H, W] drawn from (seed, SCALE_STREAM): what the latent scale is measured on."""
        rng = np.random.default_rng(step_seed(seed, SCALE_STREAM))
        chosen = []
        for _ in range(count):
            clip = self.clip(int(rng.integers(len(self))))
            chosen.append(_to_tensor(clip[int(rng.integers(len(clip)))][None]))
        return chosen


def _to_tensor(pixels: np.ndarray) -> torch.Tensor:
    """uint8 [N, H, W, 3] -> float [N, 3, H, W] in [-1, 1]."""
    return torch.from_numpy(np.ascontiguousarray(pixels)).permute(0, 3, 1, 2).float() / 127.5 - 1.0


# ---------------------------------------------------------------------------------------------- training


def train_autoencoder(recipe: AutoencoderRecipe, frames: TrainingFrames, out_dir: str | Path,
                      resume: bool = False) -> dict[str, Any]:
    """Train the recipe's autoencoder on `frames`, checkpointing into `out_dir`; export `out_dir/model` at the end.

    resume: continue from out_dir's latest checkpoint, which must exist; without it a folder that already holds
    checkpoints is refused. Returns the final metrics (step, loss, first_loss, psnr_db, s_per_step,
    scaling_factor, model).
    """
    config, out_dir = recipe.train, Path(out_dir)
    if config.crop > frames.smallest_side():
        raise DiTError(f"crop {config.crop} is larger than the smallest training frame side "
                       f"({frames.smallest_side()}); lower train.crop in the recipe")
    existing = find_checkpoint(out_dir) if out_dir.exists() else None
    if existing is not None and not resume:
        raise DiTError(f"{out_dir} already holds checkpoints (latest {existing.name}); pass --resume to continue "
                       "it or choose another folder")
    if existing is None and resume:
        raise DiTError(f"no checkpoint in {out_dir} to resume; drop --resume to start a fresh run")
    torch.manual_seed(config.seed)
    model = FrameAutoencoder(recipe.model)
    optimizer = make_optimizer(model, config, torch.device("cpu"))
    step = load_training_state(existing, model, optimizer) if existing is not None else 0
    out_dir.mkdir(parents=True, exist_ok=True)
    _trim_metrics(out_dir / METRICS_FILE, step)
    progress = tqdm(total=config.steps, initial=step, desc="autoencoder", unit="step", dynamic_ncols=True,
                    disable=not config.progress)
    first, last, sums = None, {}, torch.zeros(2)  # sums: loss, mse of the current log interval
    started = interval_start = time.perf_counter()
    interval_step = step
    model.train()
    while step < config.steps:
        lr = learning_rate(step, config)
        for group in optimizer.param_groups:
            group["lr"] = lr
        batch = frames.crops(config.seed, step, config)  # [B, 3, crop, crop]
        loss, mse = training_loss(model, batch, config)
        loss.backward()
        grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), config.grad_clip or math.inf)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        step += 1
        sums += torch.stack([loss.detach(), mse.detach()])
        if step % config.log_every == 0 or step == config.steps:
            now, steps_done = time.perf_counter(), step - interval_step
            loss_mean, mse_mean = (sums / steps_done).tolist()
            last = {"step": step, "loss": loss_mean, "psnr_db": 10 * math.log10(4.0 / max(mse_mean, 1e-12)),
                    "lr": lr, "grad_norm": float(grad_norm), "s_per_step": (now - interval_start) / steps_done,
                    "elapsed_s": now - started}
            first = first or last
            _append_metrics(out_dir / METRICS_FILE, last)
            progress.set_postfix(loss=f"{loss_mean:.4f}", psnr=f"{last['psnr_db']:.1f}")
            sums.zero_()
            interval_start, interval_step = now, step
        progress.update(1)
        if step % config.checkpoint_every == 0 or step == config.steps:
            save_training_state(out_dir, step, model, optimizer, config)
    progress.close()
    scale = measure_scaling_factor(model, frames, config)
    model.config = AutoencoderConfig(**{**recipe.model.to_dict(), "scaling_factor": scale})
    model.save_pretrained(out_dir / MODEL_FOLDER, dtype=DTYPES[config.export_dtype], step=step)
    result = {"step": step, "loss": last.get("loss"), "first_loss": (first or {}).get("loss"),
              "psnr_db": last.get("psnr_db"), "s_per_step": last.get("s_per_step"),
              "elapsed_s": time.perf_counter() - started, "scaling_factor": scale,
              "model": str(out_dir / MODEL_FOLDER)}
    write_bytes_atomically(out_dir / "final_metrics.json", _json_bytes(result))
    return result


def training_loss(model: FrameAutoencoder, batch: torch.Tensor,
                  config: AutoencoderTrainConfig) -> tuple[torch.Tensor, torch.Tensor]:
    """(the loss to minimise, the reconstruction's MSE) for a batch of frames [B, 3, H, W] in [-1, 1]."""
    with torch.autocast("cpu", dtype=torch.bfloat16, enabled=config.mixed_precision == "bf16"):
        reconstruction, latents = model(batch)  # [B, 3, H, W], [B, 16, H / 8, W / 8]
    error = reconstruction.float() - batch
    mse = error.square().mean()
    loss = config.l1_weight * error.abs().mean() + config.mse_weight * mse
    if config.ssim_weight:
        loss = loss + config.ssim_weight * (1 - structural_similarity(reconstruction.float(), batch))
    return loss + config.latent_penalty * latents.float().square().mean(), mse


def structural_similarity(x: torch.Tensor, y: torch.Tensor, window: int = 7) -> torch.Tensor:
    """Mean SSIM of images [B, C, H, W] in [-1, 1] over channels and `window`-pixel uniform windows: the score
    `hybrid.metrics.ssim` gives uint8 frames, differentiable (computed on [0, 1], as SSIM is not shift-invariant)."""
    c1, c2 = 0.01**2, 0.03**2
    x, y = (x + 1) / 2, (y + 1) / 2
    mean = lambda image: F.avg_pool2d(image, window, stride=1)  # noqa: E731  [B, C, H - w + 1, W - w + 1]
    mean_x, mean_y = mean(x), mean(y)
    var_x, var_y = mean(x * x) - mean_x**2, mean(y * y) - mean_y**2
    covariance = mean(x * y) - mean_x * mean_y
    score = ((2 * mean_x * mean_y + c1) * (2 * covariance + c2)) / \
        ((mean_x**2 + mean_y**2 + c1) * (var_x + var_y + c2))
    return score.mean()


@torch.inference_mode()
def measure_scaling_factor(model: FrameAutoencoder, frames: TrainingFrames, config: AutoencoderTrainConfig) -> float:
    """1 / std of the latents of `config.scale_frames` whole training frames: `latents * scaling_factor` then has
    unit variance, the scale a DiT's noise has (as diffusers' AutoencoderKL.scaling_factor)."""
    model.eval()
    latents = [model.encode_frames(frame, 1).flatten() for frame in frames.whole_frames(config.seed,
                                                                                         config.scale_frames)]
    model.train()
    return float(1.0 / torch.cat(latents).double().std().clamp_min(1e-6))


def save_training_state(run_dir: Path, step: int, model: FrameAutoencoder, optimizer: torch.optim.Optimizer,
                        config: AutoencoderTrainConfig) -> Path:
    """Write `run_dir/step_NNNNNN/` (a model folder plus the optimizer's state) atomically, point `latest` at it,
    and keep the newest `config.keep_checkpoints`."""
    final = run_dir / checkpoint_name(step)
    tensors: dict[str, torch.Tensor] = {}
    optimizer_json = _flatten_optimizer(model, optimizer, tensors)
    blob = _tensor_bytes(tensors)
    state = {"format": TRAIN_STATE_FORMAT, "format_version": FORMAT_VERSION, "step": step,
             "optimizer": optimizer_json, "train_config": config.to_dict(), "files": {STATE_FILE: _file_record(blob)}}
    with folder_written_atomically(final) as tmp:
        write_model_files(tmp, model, step, torch.float32)
        (tmp / STATE_FILE).write_bytes(blob)
        (tmp / STATE_JSON).write_bytes(_json_bytes(state))
    write_bytes_atomically(run_dir / LATEST, (final.name + "\n").encode())
    _prune(run_dir, config.keep_checkpoints, keep=final.name)
    return final


def load_training_state(path: Path, model: FrameAutoencoder, optimizer: torch.optim.Optimizer) -> int:
    """Restore checkpoint `path` into `model` and `optimizer` (the model's config must be the checkpoint's);
    returns its step."""
    config, meta = read_autoencoder_config(path)
    if config.to_dict() != model.config.to_dict():
        differ = _differences(config.to_dict(), model.config.to_dict())
        raise DiTError(f"the checkpoint {path} was trained with another model config (differs in "
                       f"{', '.join(differ)}); resume with the recipe it was trained with")
    state = _read_json(path / STATE_JSON, f"{path} has no training state:")
    _check_format(state, TRAIN_STATE_FORMAT, path / STATE_JSON)
    _check_file_record(state, STATE_FILE, path / STATE_JSON)
    if state.get("step") != meta["step"]:
        raise DiTError(f"{path} mixes two checkpoints: its {CONFIG_FILE} is of step {meta['step']} but its "
                       f"{STATE_JSON} of step {state.get('step')}; resume from an intact checkpoint")
    weights = _read_tensors(path / MODEL_FILE, meta["files"][MODEL_FILE], verify=True)
    _check_state(weights, model, f"{MODEL_FILE} in {path}")
    with torch.no_grad():
        model.load_state_dict(weights)
    tensors = _read_tensors(path / STATE_FILE, state["files"][STATE_FILE], verify=True)
    optimizer.load_state_dict(_unflatten_optimizer(model, optimizer, state["optimizer"], tensors, path))
    return int(state["step"])


# ---------------------------------------------------------------------------------------------- evaluation


@dataclass(frozen=True)
class HeldOutClip:
    """A clip to score: its frames, which named group covers each pixel (e.g. the material of the body seen
    there) and its caption."""

    video: np.ndarray  # uint8 [T, H, W, 3]
    labels: np.ndarray  # int [T, H, W]: index into `groups`
    groups: Sequence[str]
    caption: str


@torch.inference_mode()
def reconstruct(model: VideoAutoencoder, video: np.ndarray) -> np.ndarray:
    """uint8 [T, H, W, 3] -> its reconstruction through the latents, quantised back to uint8 [T, H, W, 3]."""
    frames = _to_tensor(video)[None].transpose(1, 2)  # [1, 3, T, H, W]
    output = model.decode(model.encode(frames))[0].transpose(0, 1)  # [T, 3, H, W]
    return ((output + 1.0) * 127.5).round().clamp(0, 255).to(torch.uint8).permute(0, 2, 3, 1).numpy()


def evaluate_autoencoder(model: VideoAutoencoder, clips: Iterable[HeldOutClip],
                         ssim: Callable[[np.ndarray, np.ndarray], float], progress: bool = False) -> dict[str, Any]:
    """Scores of `model`'s uint8 reconstructions of every clip: PSNR, `ssim` (hybrid.metrics.ssim: dit does not
    import hybrid), flicker ratio (mean |x̂[t+1] - x̂[t]| over mean |x[t+1] - x[t]|; none for an input moving under
    MIN_MOTION grey levels), the means, the WORST_CLIPS worst clips by PSNR, and the MSE per pixel of each group."""
    per_clip, squared, counts = [], {}, {}
    for index, clip in enumerate(tqdm(clips, desc="evaluate", unit="clip", disable=not progress)):
        if clip.labels.shape != clip.video.shape[:3] or clip.labels.max() >= len(clip.groups):
            raise DiTError(f"held-out clip {index}: its labels must be [T, H, W] indexes into its {len(clip.groups)} "
                           f"groups, got shape {list(clip.labels.shape)} with labels up to {clip.labels.max()}")
        output = reconstruct(model, clip.video)
        error = ((output.astype(np.float64) - clip.video) ** 2).mean(axis=-1).reshape(-1)  # [T * H * W]
        mse = float(error.mean())
        per_clip.append({"clip": index, "psnr_db": _psnr(mse), "ssim": ssim(output, clip.video),
                         "flicker_ratio": _flicker_ratio(output, clip.video), "mse": mse, "caption": clip.caption})
        labels = clip.labels.reshape(-1)
        sums = np.bincount(labels, weights=error, minlength=len(clip.groups))
        for name, total, count in zip(clip.groups, sums, np.bincount(labels, minlength=len(clip.groups))):
            squared[name] = squared.get(name, 0.0) + float(total)
            counts[name] = counts.get(name, 0) + int(count)
    if not per_clip:
        raise DiTError("no held-out clip to evaluate the autoencoder on")
    flickers = [row["flicker_ratio"] for row in per_clip if row["flicker_ratio"] is not None]
    groups = {name: {"mse": squared[name] / counts[name], "psnr_db": _psnr(squared[name] / counts[name]),
                     "pixels": counts[name]} for name in counts if counts[name]}
    return {
        "clips": len(per_clip),
        "mean": {"psnr_db": float(np.mean([row["psnr_db"] for row in per_clip])),
                 "ssim": float(np.mean([row["ssim"] for row in per_clip])),
                 "flicker_ratio": float(np.mean(flickers)) if flickers else None,
                 "clips_with_flicker_ratio": len(flickers)},
        "worst_psnr": sorted(per_clip, key=lambda row: row["psnr_db"])[:WORST_CLIPS],
        "per_group": dict(sorted(groups.items(), key=lambda item: -item[1]["mse"])),
        "per_clip": per_clip,
    }


def _flicker_ratio(output: np.ndarray, video: np.ndarray) -> float | None:
    """Mean absolute frame-to-frame change of `output` over that of `video` (uint8 [T, H, W, 3]); None when the
    video moves less than MIN_MOTION grey levels per pixel and frame (or has one frame): a ratio to a still clip
    says nothing."""
    def change(frames: np.ndarray) -> float:
        return float(np.abs(np.diff(frames.astype(np.float64), axis=0)).mean()) if len(frames) > 1 else 0.0

    motion = change(video)
    return change(output) / motion if motion >= MIN_MOTION else None


def _psnr(mse: float) -> float:
    """PSNR in dB of uint8 pixels with mean squared error `mse` (capped at 100 dB for an exact copy)."""
    return min(100.0, 10 * math.log10(255.0**2 / mse)) if mse > 0 else 100.0
