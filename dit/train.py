"""Training loop for `VideoGenerator`: one script from a laptop CPU to a multi-GPU torchrun, resumable exactly.

    python -m dit.train --preset tiny --data moving-squares --steps 2000 --out runs/tiny
    python -m dit.train --preset tiny --data moving-squares --steps 4000 --out runs/tiny --resume
    torchrun --standalone --nproc_per_node 2 -m dit.train --preset small --data moving-squares --out runs/small

Device and DDP come from the environment, as in nanoGPT: torchrun sets RANK / WORLD_SIZE / LOCAL_RANK and each
process joins a group ("nccl" on CUDA, "gloo" on CPU); otherwise one process on CUDA if there is one, else CPU.

Determinism: every random draw of step s on rank r comes from a generator seeded by (seed, s, r), and the data
order is a seeded permutation per epoch; so a run depends on its seed alone, and resuming from a checkpoint
(which records the step and the data position) continues exactly as if it had not stopped.

Schedule: linear warm-up over `warmup_steps`, then constant ("constant"), cosine decay to `min_lr_ratio * lr`
at `steps` ("cosine"), or constant followed by a linear decay to `min_lr_ratio * lr` over the last
`decay_steps` ("wsd", warmup-stable-decay as in Hägele et al. 2024). Constant is the default: rectified-flow DiTs
train well at a flat rate, and a run can then be extended with --resume and more steps without changing its
past; "wsd" with the same rate continues such a run and cools it down, exactly as a fresh "wsd" run would.
"""

import argparse
import contextlib
import gc
import hashlib
import json
import math
import os
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, Self, get_args, get_origin

import numpy as np
import torch
import torch.distributed as dist
from pydantic import BaseModel, Field, model_validator
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader, Dataset, Sampler

from dit.checkpoint import find_checkpoint, initialise_from, load_checkpoint, save_checkpoint
from dit.config import Config, preset
from dit.devices import resolve_device
from dit.errors import DiTError
from dit.generator import GeneratorConfig, VideoGenerator
from fileio import write_bytes_atomically

METRICS_FILE = "metrics.jsonl"
# streams of `step_seed`: independent draws for the training step, the data order and the loader's workers
TRAIN_STREAM, DATA_STREAM, WORKER_STREAM = 0, 1, 2


Beta = Annotated[float, Field(ge=0, lt=1)]


class TrainConfig(Config):
    """How a generator is trained; each field is also an option of `python -m dit.train` (see `add_options`)."""

    steps: int = Field(10_000, ge=1, description="optimizer steps in all (a resumed run continues up to this)")
    batch_size: int = Field(8, ge=1, description="clips per optimizer step, summed over processes (each takes "
                                                 "batch_size / world)")
    lr: float = Field(3e-4, gt=0, description="peak learning rate")
    weight_decay: float = Field(0.0, ge=0, description="AdamW's decoupled decay, on matrices only (not biases, "
                                                       "norms or gains)")
    betas: tuple[Beta, Beta] = Field((0.9, 0.999), description="AdamW's betas")
    warmup_steps: int = Field(500, ge=0, description="steps of linear warm-up")
    schedule: Literal["constant", "cosine", "wsd"] = Field("constant", description="the rate after the warm-up")
    min_lr_ratio: float = Field(0.1, ge=0, le=1, description="cosine and wsd: the rate at the last step, as a "
                                                            "fraction of lr")
    decay_steps: int = Field(0, ge=0, description="wsd: the last steps, over which the rate falls linearly")
    grad_clip: float = Field(1.0, ge=0, description="max global gradient norm; 0 = no clipping")
    ema_decay: float = Field(0.999, ge=0, lt=1, description="per step, warmed up as min(decay, (1 + step) / "
                                                            "(10 + step)); 0 = no averaging")
    checkpoint_every: int = Field(1000, ge=1, description="steps between checkpoints (and always the last)")
    keep_checkpoints: int = Field(2, ge=0, description="newest checkpoints kept in the run folder; 0 keeps all")
    log_every: int = Field(10, ge=1, description="steps between lines of metrics.jsonl")
    seed: int = Field(0, ge=0, description="the run's seed: weights, data order, noise (0 is a seed too)")
    mixed_precision: Literal["auto", "off", "bf16", "fp16"] = Field(
        "auto", description="auto: bf16 on CUDA that has it, fp16 + GradScaler on older CUDA, off on CPU")
    num_workers: int = Field(0, ge=0, description="DataLoader worker processes per rank")
    device: str = Field("auto", description="auto (CUDA if available, else CPU), or e.g. cpu to keep a GPU "
                                            "machine's run on its CPU")
    progress: bool = Field(True, description="a tqdm bar on rank 0")
    init_from: str | None = Field(None, description="a model or checkpoint folder whose weights start a fresh "
                                                    "run (not a resumed one); the run's model may add control "
                                                    "branches to it, which start from their zero initialisation")

    @model_validator(mode="after")
    def _decay_fits(self) -> Self:
        if self.schedule == "wsd" and not 0 < self.decay_steps <= self.steps - self.warmup_steps:
            raise ValueError(f"decay_steps must be from 1 to steps - warmup_steps ({self.steps - self.warmup_steps})"
                             f" for the wsd schedule, got {self.decay_steps}")
        return self


# ---------------------------------------------------------------------------------------------- environment


@dataclass
class Environment:
    rank: int
    local_rank: int
    world_size: int
    device: torch.device
    distributed: bool
    owns_group: bool  # we created the process group, so we destroy it

    @property
    def main(self) -> bool:
        return self.rank == 0


def setup_environment(device: str = "auto") -> Environment:
    """nanoGPT's rule: RANK in the environment means torchrun started us; join (or reuse) the process group."""
    target = resolve_device(device)  # an unknown or absent device is one line, before any group is joined
    if dist.is_available() and dist.is_initialized():  # the caller set up the group (e.g. a test, a notebook)
        rank, world = dist.get_rank(), dist.get_world_size()
        local_rank = int(os.environ.get("LOCAL_RANK", rank))
        owns = False
    elif int(os.environ.get("RANK", -1)) != -1:
        dist.init_process_group(backend="nccl" if target.type == "cuda" else "gloo")
        rank, world = dist.get_rank(), dist.get_world_size()
        local_rank = int(os.environ["LOCAL_RANK"])
        owns = True
    else:
        return Environment(0, 0, 1, _on_rank(target, 0), False, False)
    target = _on_rank(target, local_rank)
    if target.type == "cuda":
        torch.cuda.set_device(target)
    return Environment(rank, local_rank, world, target, world > 1 or owns, owns)


def _on_rank(device: torch.device, local_rank: int) -> torch.device:
    """A GPU named without an index ("cuda", or "auto" on CUDA) is this rank's own."""
    return torch.device("cuda", local_rank) if device.type == "cuda" and device.index is None else device


def autocast_dtype(mode: str, device: torch.device) -> torch.dtype | None:
    """The autocast dtype for a mixed-precision mode on a device; None = full float32."""
    if mode == "off" or (mode == "auto" and device.type != "cuda"):
        return None
    if mode == "auto":
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    if mode == "fp16" and device.type != "cuda":
        raise DiTError("mixed_precision 'fp16' needs a CUDA device; use 'bf16' or 'off' on the CPU")
    return torch.bfloat16 if mode == "bf16" else torch.float16


# ---------------------------------------------------------------------------------------------- data


def step_seed(seed: int, *stream: int) -> int:
    """A 63-bit seed for a stream (e.g. step, rank) of a run seed: independent streams, seed 0 included."""
    return int(np.random.SeedSequence([seed, *stream]).generate_state(2, dtype=np.uint32).view(np.uint64)[0]
               >> np.uint64(1))


class DataOrder(Sampler[int]):
    """This rank's infinite stream of dataset indices from a global position onwards.

    The global order concatenates epochs, each a permutation of range(n) seeded by (seed, epoch); optimizer
    step s takes global positions [s * B, (s + 1) * B) and rank r the r-th contiguous slice of B / world.
    So the order is DistributedSampler's idea made deterministic and resumable from one number, the position.
    """

    def __init__(self, size: int, seed: int, batch_size: int, rank: int, world_size: int, position: int = 0):
        if size < 1:
            raise DiTError("the training data set is empty")
        self.size, self.seed, self.batch_size = size, seed, batch_size
        self.rank, self.world_size, self.position = rank, world_size, position
        self._epoch, self._permutation = -1, None

    def index_at(self, position: int) -> int:
        epoch, offset = divmod(position, self.size)
        if epoch != self._epoch:
            order = torch.Generator().manual_seed(step_seed(self.seed, DATA_STREAM, epoch))
            self._epoch, self._permutation = epoch, torch.randperm(self.size, generator=order).tolist()
        return self._permutation[offset]

    def __iter__(self) -> Iterator[int]:
        local = self.batch_size // self.world_size
        start = self.position
        while True:
            first = start + self.rank * local
            for position in range(first, first + local):
                yield self.index_at(position)
            start += self.batch_size


def collate(items: list[dict[str, Any]]) -> dict[str, Any]:
    """Dataset items -> a batch (the format of `dit.generator`).

    An item: "video" [3, T, H, W], "caption" str, optional "controls" {branch: [C_k, T, H, W]} and
    "control_mask" {branch: bool}. A branch some items lack gets zero maps and mask False for them; other keys
    are gathered into lists.
    """
    if not items:
        raise DiTError("cannot collate an empty list of items")
    batch: dict[str, Any] = {"video": torch.stack([torch.as_tensor(item["video"]) for item in items]),
                             "caption": [item["caption"] for item in items]}
    branches = sorted({name for item in items for name in (item.get("controls") or {})})
    controls, masks = {}, {}
    for name in branches:
        shape = next(torch.as_tensor(item["controls"][name]).shape for item in items
                     if name in (item.get("controls") or {}))
        maps, present = [], []
        for item in items:
            given = (item.get("controls") or {}).get(name)
            has = given is not None and bool((item.get("control_mask") or {}).get(name, True))
            maps.append(torch.as_tensor(given, dtype=torch.float32) if given is not None
                        else torch.zeros(shape, dtype=torch.float32))
            present.append(has)
        controls[name], masks[name] = torch.stack(maps), torch.tensor(present, dtype=torch.bool)
    batch["controls"], batch["control_mask"] = controls, masks
    for key in sorted({key for item in items for key in item} - {"video", "caption", "controls", "control_mask"}):
        batch[key] = [item.get(key) for item in items]
    return batch


# ---------------------------------------------------------------------------------------------- training


def learning_rate(step: int, config: TrainConfig) -> float:
    """The rate for optimizer step `step` (0-based): linear warm-up, then constant, cosine or wsd."""
    if step < config.warmup_steps:
        return config.lr * (step + 1) / config.warmup_steps
    if config.schedule == "constant":
        return config.lr
    low = config.lr * config.min_lr_ratio
    if config.schedule == "wsd":
        decayed = max(step - (config.steps - config.decay_steps) + 1, 0) / config.decay_steps  # 0 .. 1
        return config.lr + (low - config.lr) * min(decayed, 1.0)
    progress = (step - config.warmup_steps) / max(config.steps - config.warmup_steps, 1)
    return low + (config.lr - low) * 0.5 * (1 + math.cos(math.pi * min(progress, 1.0)))


def make_optimizer(generator: VideoGenerator, config: TrainConfig, device: torch.device) -> torch.optim.AdamW:
    """AdamW; weight decay on matrices (>= 2 dims) only, as in nanoGPT."""
    decay = [p for p in generator.parameters() if p.requires_grad and p.dim() >= 2]
    no_decay = [p for p in generator.parameters() if p.requires_grad and p.dim() < 2]
    groups = [{"params": decay, "weight_decay": config.weight_decay}, {"params": no_decay, "weight_decay": 0.0}]
    return torch.optim.AdamW(groups, lr=config.lr, betas=config.betas, fused=device.type == "cuda")


@torch.no_grad()
def update_ema(ema: dict[str, torch.Tensor], generator: VideoGenerator, decay: float) -> None:
    for name, value in generator.state_dict().items():
        if value.is_floating_point():
            ema[name].lerp_(value.float(), 1 - decay)
        else:
            ema[name].copy_(value)


def train(generator_config: GeneratorConfig, train_config: TrainConfig, dataset: Dataset,
          out_dir: str | os.PathLike, resume: bool = False) -> dict[str, Any]:
    """Train a generator on `dataset` (items as `collate` takes them), checkpointing to `out_dir`.

    resume: continue from out_dir's latest checkpoint, which must exist (a typo'd folder must not silently
    start over); without it, a folder that already holds checkpoints is refused rather than overwritten.
    Returns the final metrics (the same on every rank): step, loss (mean of the last log interval), first_loss,
    samples_per_s, elapsed_s, checkpoint.
    """
    env = setup_environment(train_config.device)
    # on an exception the group is left alone: torchrun ends the other ranks, and a collective clean-up would hang
    result = _train(generator_config, train_config, dataset, Path(out_dir), resume, env)
    if env.owns_group:
        # free the DDP reducer (reference cycles keep it alive) and let every rank arrive before the group goes:
        # gloo aborts the process when a group is torn down with its threads still in use
        gc.collect()
        dist.barrier()
        dist.destroy_process_group()
    return result


def _train(generator_config: GeneratorConfig, config: TrainConfig, dataset: Dataset, out_dir: Path,
           resume: bool, env: Environment) -> dict[str, Any]:
    if config.batch_size % env.world_size:
        raise DiTError(f"batch_size {config.batch_size} must be divisible by the number of processes "
                       f"({env.world_size})")
    amp = autocast_dtype(config.mixed_precision, env.device)
    existing = find_checkpoint(out_dir) if out_dir.exists() else None
    if existing is not None and not resume:
        raise DiTError(f"{out_dir} already holds checkpoints (latest {existing.name}); pass resume=True "
                       f"(--resume) to continue it or choose another folder")
    if existing is None and resume:
        raise DiTError(f"no checkpoint in {out_dir} to resume; drop --resume to start a fresh run")
    torch.manual_seed(config.seed)  # the same initial weights on every rank (DDP also broadcasts rank 0's)
    generator = VideoGenerator(generator_config).to(env.device)
    optimizer = make_optimizer(generator, config, env.device)
    scaler = torch.amp.GradScaler(env.device.type, enabled=amp == torch.float16)
    step, position = 0, 0
    if existing is None and config.init_from is not None:
        initialise_from(config.init_from, generator)
    ema = {name: value.detach().clone().float() if value.is_floating_point() else value.detach().clone()
           for name, value in generator.state_dict().items()}
    if existing is not None:
        state = load_checkpoint(existing, generator, optimizer)
        step, position, ema = state.step, state.data_position, state.ema
        if state.grad_scaler and scaler.is_enabled():
            scaler.load_state_dict(state.grad_scaler)
    if env.main:
        out_dir.mkdir(parents=True, exist_ok=True)
        _trim_metrics(out_dir / METRICS_FILE, step)
    model = generator
    if env.distributed:
        device_ids = [env.local_rank] if env.device.type == "cuda" else None
        # find_unused_parameters: a rank's batch may drop a branch for every sample, leaving its weights unused
        model = DistributedDataParallel(generator, device_ids=device_ids, find_unused_parameters=True)
    order = DataOrder(len(dataset), config.seed, config.batch_size, env.rank, env.world_size, position)
    # the loader gets its own generator (for worker seeds) so that the global RNG is left alone
    worker_seeds = torch.Generator().manual_seed(step_seed(config.seed, WORKER_STREAM, env.rank, step))
    loader = DataLoader(dataset, batch_size=config.batch_size // env.world_size, sampler=order, collate_fn=collate,
                        num_workers=config.num_workers, pin_memory=env.device.type == "cuda",
                        persistent_workers=config.num_workers > 0, generator=worker_seeds)
    batches = iter(loader)
    progress = _progress_bar(config, env, step)
    first_loss, last = None, {}
    loss_sum, loss_count = torch.zeros((), device=env.device), 0
    started, interval_start, interval_step = time.perf_counter(), time.perf_counter(), step
    checkpoint = existing
    model.train()
    while step < config.steps:
        batch = _next_batch(batches)
        lr = learning_rate(step, config)
        for group in optimizer.param_groups:
            group["lr"] = lr
        rng = torch.Generator().manual_seed(step_seed(config.seed, TRAIN_STREAM, step, env.rank))
        with torch.autocast(env.device.type, dtype=amp) if amp is not None else contextlib.nullcontext():
            loss = model(batch, rng)
        scaler.scale(loss).backward()
        scaler.unscale_(optimizer)
        grad_norm = torch.nn.utils.clip_grad_norm_(generator.parameters(),
                                                   config.grad_clip if config.grad_clip > 0 else math.inf)
        scaler.step(optimizer)
        scaler.update()
        optimizer.zero_grad(set_to_none=True)
        step += 1
        position += config.batch_size
        decay = min(config.ema_decay, (1 + step) / (10 + step)) if config.ema_decay > 0 else 0.0
        update_ema(ema, generator, decay)
        loss_sum += loss.detach().float()
        loss_count += 1
        if step % config.log_every == 0 or step == config.steps:
            mean_loss = loss_sum / loss_count
            if env.distributed:
                dist.all_reduce(mean_loss)
                mean_loss /= env.world_size
            now = time.perf_counter()
            last = {"step": step, "loss": mean_loss.item(), "lr": lr, "grad_norm": float(grad_norm),
                    "samples_per_s": (step - interval_step) * config.batch_size / (now - interval_start),
                    "elapsed_s": now - started}
            first_loss = last["loss"] if first_loss is None else first_loss
            if env.main:
                _append_metrics(out_dir / METRICS_FILE, last)
                if progress is not None:
                    progress.set_postfix(loss=f"{last['loss']:.4f}", lr=f"{lr:.2e}")
            loss_sum.zero_()
            loss_count, interval_start, interval_step = 0, now, step
        if progress is not None:
            progress.update(1)
        if step % config.checkpoint_every == 0 or step == config.steps:
            if env.main:
                checkpoint = save_checkpoint(out_dir, step, generator, ema, optimizer, data_position=position,
                                             train_config=config.to_dict(),
                                             grad_scaler=scaler.state_dict() if scaler.is_enabled() else None,
                                             world_size=env.world_size, keep_last=config.keep_checkpoints)
            if env.distributed:
                dist.barrier()
    if progress is not None:
        progress.close()
    digests = _weight_digests(generator, env)
    result = {"step": step, "loss": last.get("loss"), "first_loss": first_loss,
              "samples_per_s": last.get("samples_per_s"), "elapsed_s": time.perf_counter() - started,
              "checkpoint": str(out_dir / checkpoint.name) if checkpoint is not None else None,
              "world_size": env.world_size, "weight_digests": digests}
    if env.main:
        write_bytes_atomically(out_dir / "final_metrics.json", (json.dumps(result, indent=1) + "\n").encode())
    return result


def _weight_digests(generator: VideoGenerator, env: Environment) -> list[str]:
    """A SHA-256 of every rank's weights, gathered: DDP keeps them identical, and this shows it."""
    digest = hashlib.sha256()
    for name, value in generator.state_dict().items():
        digest.update(name.encode())
        digest.update(value.detach().float().cpu().numpy().tobytes())
    mine = digest.hexdigest()
    if not env.distributed:
        return [mine]
    everyone: list[str] = [""] * env.world_size
    dist.all_gather_object(everyone, mine)
    return everyone


def _next_batch(batches: Iterator):
    """The next batch; a DataLoader worker's error comes back as the error it was, not wrapped around the
    worker's traceback (torch's "Caught X in DataLoader worker process 0. Original Traceback ...")."""
    try:
        return next(batches)
    except Exception as error:
        text = str(error)
        if "\nOriginal Traceback" not in text:
            raise
        last = text.strip().splitlines()[-1]
        raise type(error)(last.split(": ", 1)[1] if ": " in last else last) from None


def _progress_bar(config: TrainConfig, env: Environment, step: int):
    if not (config.progress and env.main):
        return None
    from tqdm.auto import tqdm

    return tqdm(total=config.steps, initial=step, desc="train", unit="step", dynamic_ncols=True)


def _append_metrics(path: Path, record: dict[str, Any]) -> None:
    with open(path, "a") as f:
        f.write(json.dumps(record) + "\n")


def _trim_metrics(path: Path, step: int) -> None:
    """On resume, drop log lines past the checkpoint's step: those steps are about to be run again."""
    if not path.exists():
        return
    kept = [line for line in path.read_text().splitlines() if line.strip() and json.loads(line)["step"] <= step]
    write_bytes_atomically(path, "".join(line + "\n" for line in kept).encode())


# ---------------------------------------------------------------------------------------------- command line


def moving_squares_config(preset_name: str, dataset, **fields: Any) -> GeneratorConfig:
    """A generator config for the moving-squares data: the preset, the data's branches, its caption corpus."""
    dit = preset(preset_name, control_branches=tuple(dataset.controls))
    text_depth, text_heads = (1, 2) if preset_name == "tiny" else (2, 4)
    return GeneratorConfig.from_captions(dataset.captions(), dit, text_depth=text_depth, text_heads=text_heads,
                                         max_length=64, **fields)


def add_options(parser: argparse.ArgumentParser, model: type[BaseModel]) -> None:
    """One --option per field of `model` (dashes for underscores), with its default, and its description as help.

    The values stay strings: the model parses and checks them, so the command line and Python share one set of
    rules and one set of error messages.
    """
    for name, field in model.model_fields.items():
        option: dict[str, Any] = dict(dest=name, default=field.default, help=field.description)
        if field.annotation is bool:
            option["action"] = argparse.BooleanOptionalAction  # --progress / --no-progress; adds the default
        else:
            option["help"] += " (default: %(default)s)"
        if get_origin(field.annotation) is tuple:
            option["nargs"] = len(get_args(field.annotation))
        elif get_origin(field.annotation) is Literal:
            option["choices"] = get_args(field.annotation)
        parser.add_argument("--" + name.replace("_", "-"), **option)


def main(argv: list[str] | None = None) -> int:
    from dit.synthetic import MovingSquares

    parser = argparse.ArgumentParser(prog="python -m dit.train", description=__doc__.split("\n\n")[0])
    parser.add_argument("--preset", default="tiny", help="DiT preset: tiny, small, base, large")
    parser.add_argument("--data", default="moving-squares", choices=["moving-squares"],
                        help="training data (the simulator's data set is passed to train() from Python)")
    parser.add_argument("--out", required=True, help="run folder: checkpoints, metrics.jsonl")
    parser.add_argument("--resume", action="store_true", help="continue from the run folder's latest checkpoint")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's choice)")
    parser.add_argument("--num-samples", type=int, default=4096, help="moving squares: clips in the data set")
    parser.add_argument("--frames", type=int, default=8)
    parser.add_argument("--size", type=int, default=32, help="moving squares: height and width in pixels")
    parser.add_argument("--controls", default="depth,flow,segmentation",
                        help="comma-separated control branches to train")
    parser.add_argument("--data-seed", type=int, default=0)
    add_options(parser, TrainConfig)
    args = parser.parse_args(argv)
    try:
        config = TrainConfig(**{name: getattr(args, name) for name in TrainConfig.model_fields})
        if args.threads:
            torch.set_num_threads(args.threads)
        controls = tuple(name for name in args.controls.split(",") if name)
        dataset = MovingSquares(args.num_samples, frames=args.frames, height=args.size, width=args.size,
                                seed=args.data_seed, controls=controls, background="random")
        result = train(moving_squares_config(args.preset, dataset), config, dataset, args.out, resume=args.resume)
    except DiTError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if int(os.environ.get("RANK", 0)) == 0:
        print(json.dumps({k: v for k, v in result.items() if k != "weight_digests"}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
