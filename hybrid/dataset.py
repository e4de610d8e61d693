"""Training data from the simulator: shards of random scenes, simulated and rendered, and a lazy reader.

A shard holds the clips `shard_clips(clips, index, count)` of a dataset; clip c is the scene
`sample_scene(scene_rng(seed, "sampler", c))`, so a shard is fully determined by (seed, clip count, shard
index, shard count, size, frames, fps) and can be made on any machine in any order: byte-identical files.
"""

import json
import math
import re
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from conditioning.encode import encode_controls
from conditioning.scene import light_features
from fileio import check_regular_file
from hybrid.npz import save_npz
from scenes.caption import caption, instance_phrases
from scenes.graph import SceneGraph
from scenes.sampler import sample_scene
from scenes.seeding import check_seed, scene_rng
from sim.camera import resolution
from sim.errors import SimError
from sim.frames import Frames

SHARD_NAME = "shard-{index:05d}-of-{count:05d}.npz"
SHARD_PATTERN = re.compile(r"shard-(\d{5})-of-(\d{5})\.npz$")
MAX_SHARD_BYTES = 16 * 2**30  # 500 clips of 16 x 64 x 64 hold ~360 MB of arrays; a far larger file is no shard
# Every array of a shard and its shape: n clips of T frames of H x W pixels, with T + 1 cameras.
SHARD_LAYOUT = {
    "clip": ("n",), "rgb": ("n", "T", "H", "W", 3), "depth": ("n", "T", "H", "W"),
    "segmentation": ("n", "T", "H", "W"), "flow": ("n", "T", "H", "W", 2), "valid_flow": ("n", "T", "H", "W"),
    "intrinsics": ("n", "T+1", 3, 3), "world_from_camera": ("n", "T+1", 4, 4), "z_range": ("n", 2),
    "caption": ("n",), "graph": ("n",), "spec": (),
}


@dataclass(frozen=True)
class DatasetSpec:
    """Everything that decides a dataset's content."""

    seed: int
    clips: int
    size: int = 64
    frames: int = 16
    fps: int = 8

    def __post_init__(self) -> None:
        """Refuse, before any scene is drawn, what the simulator or the renderer would refuse in clip 0."""
        from sim.simulation import MAX_SECONDS, STEP_HZ, physics_substeps  # loads PyBullet: a spec makes data

        check_seed(self.seed)
        for name in ("clips", "frames", "fps"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise SimError(f"{name} must be a whole number of at least 1, got {value!r}")
        resolution(self.size, "1:1")
        seconds = self.frames / self.fps
        if seconds > MAX_SECONDS:
            raise SimError(f"{self.frames} frames at {self.fps} fps is {seconds:g} s; a clip may be at most "
                           f"{MAX_SECONDS:g} s ({math.floor(MAX_SECONDS * self.fps)} frames at {self.fps} fps)")
        physics_substeps(seconds, self.fps, STEP_HZ)  # the simulator's own advice on an fps that does not divide it


def shard_clips(clips: int, index: int, count: int) -> range:
    """The clip indexes of shard `index` of `count`: contiguous blocks, as even as possible."""
    if not (clips > 0 and count > 0 and 0 <= index < count and count <= clips):
        raise SimError(f"shard {index}/{count} of {clips} clips is impossible: need 0 <= index < count <= clips")
    return range(index * clips // count, (index + 1) * clips // count)


def make_clip(spec: DatasetSpec, clip: int) -> dict:
    """Scene `clip` of the dataset: its caption, graph JSON and rendered maps."""
    from sim import render, simulate  # PyBullet and OpenGL load only when data is made

    graph = sample_scene(scene_rng(spec.seed, "sampler", clip))
    rollout = simulate(graph, seconds=spec.frames / spec.fps, fps=spec.fps)
    frames = render(rollout, graph, size=spec.size, aspect="1:1")
    return {"caption": caption(graph), "graph": graph.to_json(indent=None), "frames": frames}


def write_shard(out: Path, spec: DatasetSpec, index: int, count: int, progress: bool = False) -> Path:
    """Make and write shard `index` of `count` into `out` (atomically); returns its path."""
    clips = shard_clips(spec.clips, index, count)
    made = [make_clip(spec, clip) for clip in tqdm(clips, desc=f"shard {index}/{count}", unit="clip",
                                                    disable=not progress)]
    stack = lambda name: np.stack([getattr(m["frames"], name) for m in made])  # noqa: E731
    if max(int(m["frames"].segmentation.max()) for m in made) > 255:
        raise SimError("a scene has more than 255 bodies; shards store segmentation ids as uint8")
    arrays = {
        "clip": np.array(list(clips), dtype=np.int64),
        "rgb": stack("rgb"),  # [n, T, H, W, 3] uint8
        "depth": stack("depth").astype(np.float16),  # [n, T, H, W] metres
        "segmentation": stack("segmentation").astype(np.uint8),  # [n, T, H, W] ids (scenes hold < 256 bodies)
        "flow": stack("flow").astype(np.float16),  # [n, T, H, W, 2] pixels
        "valid_flow": stack("valid_flow"),  # [n, T, H, W] bool
        "intrinsics": stack("intrinsics"),  # [n, T + 1, 3, 3]
        "world_from_camera": stack("world_from_camera"),  # [n, T + 1, 4, 4]
        "z_range": np.array([[m["frames"].z_near, m["frames"].z_far] for m in made]),
        "caption": np.array([m["caption"] for m in made]),
        "graph": np.array([m["graph"] for m in made]),
        "spec": np.array(json.dumps(spec.__dict__, sort_keys=True)),
    }
    return save_npz(Path(out) / SHARD_NAME.format(index=index, count=count), arrays)


def read_shard(path: Path, names: tuple[str, ...]) -> dict[str, np.ndarray]:
    """The arrays `names` of the shard at `path`. A file that is not a whole shard (random bytes, cut short,
    corrupted, arrays missing or of the wrong shapes) is one SimError naming it and how to make it again."""
    path = check_regular_file(path, MAX_SHARD_BYTES, "dataset shard")
    try:
        if not zipfile.is_zipfile(path):
            raise ValueError("it is not a complete .npz archive")
        with np.load(path, allow_pickle=False) as data:
            missing = [name for name in SHARD_LAYOUT if name not in data.files]
            if missing:
                raise ValueError(f"it has no {', '.join(missing)} array")
            arrays = {name: data[name] for name in names}
        _check_layout(arrays)
    except (ValueError, EOFError, zipfile.BadZipFile, zlib.error) as error:
        reason = (str(error).splitlines() or [type(error).__name__])[0]
        raise SimError(f"{path} is not a readable dataset shard: {reason}; make it again with `kinema dataset "
                       f"--out {path.parent} --shard {_shard_argument(path)}` and the dataset's other "
                       "arguments") from None
    return arrays


def _shard_argument(path: Path) -> str:
    """The --shard I/K that made `path`, read from its name."""
    match = SHARD_PATTERN.search(path.name)
    return f"{int(match.group(1))}/{int(match.group(2))}" if match else "I/K"


def _check_layout(arrays: dict[str, np.ndarray]) -> None:
    """Raise ValueError for the first array whose shape disagrees with SHARD_LAYOUT (or with the others)."""
    sizes: dict[str, int] = {}  # n, T, H, W as first seen
    for name, array in arrays.items():
        dims, shape = SHARD_LAYOUT[name], array.shape
        if len(shape) != len(dims) or any(size != _expected(dim, size, sizes) for dim, size in zip(dims, shape)):
            raise ValueError(f"its {name} array has shape {list(shape)}, expected [{', '.join(map(str, dims))}] "
                             "like its other arrays")


def _expected(dim: int | str, size: int, sizes: dict[str, int]) -> int:
    """The size a dimension must have: a number, or a name bound by its first use ("T+1" is one more than T)."""
    if isinstance(dim, int):
        return dim
    if dim == "T+1":
        return sizes.setdefault("T", size - 1) + 1
    return sizes.setdefault(dim, size)


class ShardDataset(torch.utils.data.Dataset):
    """Clips of every shard in a folder, as training batches. A shard is read and decompressed when one of its
    clips is first asked for and then kept (training draws clips from all shards in random order; 500 clips of
    16x64x64 take ~360 MB):
    "video" [3, T, H, W] in [-1, 1], "caption", "controls" {name: [C_k, T, H, W]}, "control_mask" {name: True},
    "instance_text" (the phrase of each segmentation id) and "light" [4] (the scene's lighting).

    A latent DiT's data (`latents`: the identity of the autoencoder, `hybrid.latents.autoencoder_identity`)
    gives as "video" the shard's latents times the autoencoder's scaling factor, [C, T, H / 8, W / 8]; the
    controls stay at `control_size` (a square side; None: the frames' own size). Such a shard's items are made
    all at once when it is first read and kept instead of its full-resolution maps (a 256p shard of 160 clips
    holds 1.8 GB of them; its items at a 64x64 control size 0.5 GB), so each clip's maps are encoded once (per
    data-loading process). Those items are shared between calls: a caller must not change them in place
    (`dit.train.collate` copies what it stacks).
    """

    def __init__(self, folder: Path, latents: dict | None = None, control_size: int | None = None):
        self.shards = sorted(p for p in Path(folder).glob("shard-*.npz") if SHARD_PATTERN.search(p.name))
        if not self.shards:
            raise SimError(f"no shards in {folder}; make some with `kinema dataset --out {folder} ...`")
        self.index: list[tuple[int, int]] = []
        for number, path in enumerate(self.shards):
            self.index += [(number, row) for row in range(len(read_shard(path, ("clip",))["clip"]))]
        self.latents, self.control_size = latents, control_size
        self._loaded: dict[int, dict] = {}
        self._latent_items: dict[int, list[dict]] = {}

    def __len__(self) -> int:
        return len(self.index)

    def captions(self) -> list[str]:
        """Every clip's caption, in dataset order (reads only the caption arrays)."""
        texts = []
        for path in self.shards:
            texts += [str(text) for text in read_shard(path, ("caption",))["caption"]]
        return texts

    def _shard(self, number: int) -> dict:
        if number not in self._loaded:
            arrays = read_shard(self.shards[number], tuple(SHARD_LAYOUT))
            if self.latents is not None:
                from hybrid.latents import read_latents  # it imports this module

                arrays["latents"] = read_latents(self.shards[number], self.latents)
            self._loaded[number] = arrays
        return self._loaded[number]

    def frames(self, item: int) -> tuple[Frames, str, str]:
        """The maps, caption and graph JSON of clip `item`."""
        number, row = self.index[item]
        shard = self._shard(number)
        frames = Frames(
            rgb=shard["rgb"][row], depth=shard["depth"][row].astype(np.float32),
            segmentation=shard["segmentation"][row].astype(np.int32), flow=shard["flow"][row].astype(np.float32),
            valid_flow=shard["valid_flow"][row], intrinsics=shard["intrinsics"][row],
            world_from_camera=shard["world_from_camera"][row], z_near=float(shard["z_range"][row, 0]),
            z_far=float(shard["z_range"][row, 1]))
        return frames, str(shard["caption"][row]), str(shard["graph"][row])

    def __getitem__(self, item: int) -> dict:
        if self.latents is not None:
            number, row = self.index[item]
            return self._latent_shard(number)[row]
        frames, text, graph_json = self.frames(item)
        video = torch.from_numpy(frames.rgb).permute(3, 0, 1, 2).float() / 127.5 - 1.0  # [3, T, H, W]
        return self._item(frames, text, graph_json, video)

    def _latent_shard(self, number: int) -> list[dict]:
        """Every item of latent shard `number`, made once; its full-resolution arrays are then let go."""
        if number not in self._latent_items:
            scale = self.latents["config"]["scaling_factor"]
            first = self.index.index((number, 0))  # the shard's rows are consecutive in the index
            items = []
            for row in range(len(self._shard(number)["clip"])):
                frames, text, graph_json = self.frames(first + row)
                video = torch.from_numpy(self._shard(number)["latents"][row]).float() * scale  # [C, T, H/8, W/8]
                items.append(self._item(frames, text, graph_json, video))
            self._latent_items[number] = items
            del self._loaded[number]
        return self._latent_items[number]

    def _item(self, frames: Frames, text: str, graph_json: str, video: torch.Tensor) -> dict:
        graph = SceneGraph.from_json(graph_json)
        side = self.control_size
        controls = encode_controls(frames, size=None if side is None else (side, side))
        return {"video": video, "caption": text,
                "controls": {name: tensor[0] for name, tensor in controls.maps.items()},
                "control_mask": {name: bool(present[0]) for name, present in controls.present.items()},
                "instance_text": instance_phrases(graph), "light": torch.from_numpy(light_features(graph))}
