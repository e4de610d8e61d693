"""A latent DiT's training videos: each shard's RGB encoded once by the video autoencoder, kept beside the shard.

`latents-IIIII-of-KKKKK.npz` holds, for the clips of `shard-IIIII-of-KKKKK.npz` in the same order, the unscaled
latents [n, C, T, H / 8, W / 8] (float16) and the autoencoder's config and weights' SHA-256, so a dataset whose
latents came from another autoencoder is refused rather than trained on. Encoding is deterministic on one
machine; the latents are a cache of (shard, autoencoder), made again with `kinema autoencoder encode`.
"""

import contextlib
import json
import re
import shutil
import zipfile
import zlib
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from dit.autoencoder import FrameAutoencoder, read_autoencoder_config
from fileio import folder_written_atomically
from hybrid.dataset import SHARD_PATTERN, ShardDataset, read_shard
from hybrid.npz import save_npz
from sim.errors import SimError

LATENT_NAME = "latents-{index}-of-{count}.npz"
AUTOENCODER_FOLDER = "autoencoder"  # a latent model's folder (or its training run) holds its autoencoder here
ENCODE_BATCH = 16  # frames per encoder call: bounds the activations' memory at 256p


def latents_path(shard: Path) -> Path:
    """Where the latents of `shard` live: beside it, with the same index and count."""
    match = SHARD_PATTERN.search(shard.name)
    if match is None:
        raise SimError(f"{shard} is not named like a dataset shard (shard-IIIII-of-KKKKK.npz)")
    return shard.with_name(LATENT_NAME.format(index=match.group(1), count=match.group(2)))


def autoencoder_identity(folder: Path) -> dict:
    """What names an autoencoder for its latents: its config and its weights' SHA-256."""
    config, meta = read_autoencoder_config(Path(folder))
    return {"config": config.to_dict(), "sha256": meta["files"]["model.safetensors"]["sha256"]}


@torch.inference_mode()
def encode_shard(shard: Path, autoencoder: FrameAutoencoder, identity: dict) -> Path:
    """Encode every clip of `shard` and write its latents file atomically; returns its path."""
    arrays = read_shard(shard, ("rgb", "clip", "spec"))
    latents = []
    for video in arrays["rgb"]:  # [T, H, W, 3] uint8
        frames = torch.from_numpy(video).permute(0, 3, 1, 2).float() / 127.5 - 1  # [T, 3, H, W]
        pieces = [autoencoder.encode_frames(frames[i:i + ENCODE_BATCH], 1)  # [1, C, t, h, w]
                  for i in range(0, len(frames), ENCODE_BATCH)]
        latents.append(torch.cat(pieces, dim=2)[0].to(torch.float16).numpy())
    return save_npz(latents_path(shard), {
        "clip": arrays["clip"], "spec": arrays["spec"], "latents": np.stack(latents),
        "autoencoder": np.array(json.dumps(identity, sort_keys=True))})


def encode_dataset(folder: Path, autoencoder_folder: Path, progress: bool = False) -> list[Path]:
    """The latents of every shard in `folder` that lacks them or has them from another autoencoder."""
    shards = ShardDataset(folder).shards
    identity = autoencoder_identity(autoencoder_folder)
    autoencoder = FrameAutoencoder.from_pretrained(autoencoder_folder)
    written = []
    for shard in tqdm(shards, desc="latents", unit="shard", disable=not progress):
        if _up_to_date(shard, identity):
            continue
        written.append(encode_shard(shard, autoencoder, identity))
    return written


def check_latents(shard: Path, identity: dict) -> Path:
    """The latents file of `shard` if it was made by the autoencoder `identity` for this shard's clips (read
    without decompressing the latents); else one SimError saying how to make it again."""
    path = latents_path(shard)
    if not path.is_file():
        raise SimError(f"{path} is missing; {_again(shard)}")
    expected = read_shard(shard, ("clip", "spec"))
    with _opened(path) as data:
        clips, spec, stored = data["clip"], data["spec"], json.loads(str(data["autoencoder"]))
    if stored != identity:
        raise SimError(f"{path} was encoded by another autoencoder (weights {stored['sha256'][:12]}..., not "
                       f"{identity['sha256'][:12]}...); {_again(shard)}")
    if not (np.array_equal(clips, expected["clip"]) and str(spec) == str(expected["spec"])):
        raise SimError(f"{path} holds the latents of other clips than {shard.name}; {_again(shard)}")
    return path


def read_latents(shard: Path, identity: dict) -> np.ndarray:
    """The latents [n, C, T, h, w] float16 of `shard`'s clips, checked as `check_latents` does."""
    path = check_latents(shard, identity)
    with _opened(path) as data:
        latents, clips = data["latents"], data["clip"]
    if len(latents) != len(clips):
        raise SimError(f"{path} holds the latents of other clips than {shard.name}; {_again(shard)}")
    return latents


@contextlib.contextmanager
def _opened(path: Path):
    """np.load of a latents file, any unreadable content (cut short, corrupt, arrays missing) one SimError."""
    try:
        with np.load(path, allow_pickle=False) as data:
            yield data
    except (ValueError, KeyError, EOFError, zipfile.BadZipFile, zlib.error) as error:
        raise SimError(f"{path} is not a readable latents file ({type(error).__name__}); "
                       f"{_again(path)}") from None


def _again(file: Path) -> str:
    """How to make the latents of the dataset `file` (a shard or a latents file) belongs to."""
    return f"encode the dataset with `kinema autoencoder encode --model DIR --data {file.parent}`"


def _up_to_date(shard: Path, identity: dict) -> bool:
    try:
        check_latents(shard, identity)
        return True
    except SimError:
        return False


def attach_autoencoder(source: Path, model_folder: Path, replace: bool = False) -> Path:
    """Copy the autoencoder at `source` (checked) into `model_folder/autoencoder`, where a latent model (or its
    training run) keeps it; one there already must be the same weights unless `replace` (an export)."""
    identity = autoencoder_identity(source)
    target = Path(model_folder) / AUTOENCODER_FOLDER
    if target.exists():
        if autoencoder_identity(target) == identity:
            return target
        if not replace:
            raise SimError(f"{target} holds another autoencoder than {source}; a latent model is trained and run "
                           "with one autoencoder: use a fresh run folder")
    with folder_written_atomically(target) as temporary:
        for name in ("model.safetensors", "config.json"):
            shutil.copy2(Path(source) / name, temporary / name)
    FrameAutoencoder.from_pretrained(target)  # the copy loads (sizes and SHA-256 checked)
    return target


def find_autoencoder(checkpoint: Path) -> Path | None:
    """The autoencoder of a latent model: in its folder or, for a training checkpoint (RUN/step_NNNNNN), in its
    run folder; None for a pixel model. A model folder's neighbours are other models, never looked at."""
    checkpoint = Path(checkpoint)
    places = [checkpoint / AUTOENCODER_FOLDER]
    if re.fullmatch(r"step_\d+", checkpoint.name):
        places.append(checkpoint.parent / AUTOENCODER_FOLDER)
    return next((place for place in places if place.is_dir()), None)
