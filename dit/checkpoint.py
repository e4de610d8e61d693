"""Checkpoints: a folder of safetensors and JSON, written atomically, read without pickle.

    step_000100/
        model.safetensors        the generator's weights (in a training run: the EMA weights, float32)
        config.json              format name and version, step, dtype, GeneratorConfig (tokenizer vocabulary
                                 included), and the size and SHA-256 of model.safetensors
        train_state.safetensors  training runs only: the live weights ("weights.<name>"), the optimizer's
                                 tensors ("optimizer.<parameter>.<key>"), torch/cuda RNG states ("rng.*", uint8)
        train_state.json         step, data order position, optimizer class and param groups (parameters named,
                                 not numbered) and its non-tensor state, grad scaler, numpy/python RNG states,
                                 the TrainConfig, and the size and SHA-256 of train_state.safetensors
    latest                       a run folder's pointer: the name of its newest complete checkpoint

The EMA weights are stored once, as model.safetensors: that is what inference loads, and resuming reads it back.
A checkpoint is built in a temporary folder beside `step_000100/` and renamed into place, and `latest` is
replaced after it, so an interrupted save leaves either the previous checkpoint or the new one, never half of
one; a model folder never replaces a file. Every folder records its weights' size and SHA-256 in its JSON, and
loading checks them. Nothing here uses pickle (`torch.load` included): a checkpoint from an untrusted source
cannot run code.
"""

import hashlib
import json
import os
import random
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors import safe_open
from safetensors.torch import save as safetensors_bytes

from fileio import folder_written_atomically, sha256_file, write_bytes_atomically

from dit.control import control_patch
from dit.errors import DiTError
from dit.generator import GeneratorConfig, VideoGenerator

FORMAT = "kinema-video-generator"
TRAIN_STATE_FORMAT = "kinema-video-generator-train-state"
FORMAT_VERSION = 1
MODEL_FILE, CONFIG_FILE = "model.safetensors", "config.json"
STATE_FILE, STATE_JSON = "train_state.safetensors", "train_state.json"
LATEST = "latest"
_STEP_DIR = re.compile(r"step_(\d+)")
_DTYPES = {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}


# ---------------------------------------------------------------------------------------------- inference


def save_generator(generator: VideoGenerator, path: str | os.PathLike, *, step: int = 0,
                   dtype: torch.dtype = torch.float32, weights: dict[str, torch.Tensor] | None = None,
                   keep_other_files: bool = False) -> Path:
    """Write an inference checkpoint folder (model.safetensors + config.json) at `path`, replacing one there.

    `weights` (default: the generator's own state dict) lets a trainer save its EMA weights; `dtype`
    float16 halves the file for shipping (loading casts back to float32 by default). `keep_other_files`
    carries the replaced folder's other files (a model card, an evaluation) into the new one.
    """
    path = _model_destination(path)
    with folder_written_atomically(path) as tmp:
        _write_model_files(tmp, generator, weights, step, dtype)
        if keep_other_files and path.is_dir():
            for other in path.iterdir():
                if other.is_file() and not (tmp / other.name).exists():
                    shutil.copy2(other, tmp / other.name)
    return path


def export_generator(source: str | os.PathLike, dest: str | os.PathLike,
                     dtype: torch.dtype = torch.float16) -> Path:
    """Copy the weights of a checkpoint (or a run folder's latest) to an inference folder in `dtype`.

    The folder's model files are replaced at once; its other files (a model card, an evaluation) are kept.
    A `dest` that is a file or a training checkpoint, or that overlaps the source or its training run, is refused
    before anything is read.
    """
    dest = _model_destination(dest)
    source = resolve_checkpoint(source)
    _check_export_destination(source, dest)
    generator = load_generator(source)
    step = _read_json(source / CONFIG_FILE, "config.json")["step"]
    return save_generator(generator, dest, step=step, dtype=dtype, keep_other_files=True)


def load_generator(path: str | os.PathLike, device: torch.device | str = "cpu",
                   dtype: torch.dtype | None = torch.float32, verify: bool = True) -> VideoGenerator:
    """A `VideoGenerator` from a checkpoint folder or a run folder (its `latest`), in eval mode.

    Checks the format name and version, the config, the file's size and SHA-256 (`verify`), and every
    tensor's name and shape against the config; raises DiTError with one line naming what is wrong.
    dtype None keeps the stored dtype.
    """
    path = resolve_checkpoint(path)
    config, meta = read_config(path)
    with torch.device("meta"):  # shapes only: the weights come from the file
        generator = VideoGenerator(config)
    tensors = _read_tensors(path / MODEL_FILE, meta["files"][MODEL_FILE], verify)
    _check_state(tensors, generator, f"{MODEL_FILE} in {path}")
    stored = _DTYPES[meta["dtype"]]
    generator.to_empty(device=device)
    if dtype is not None or stored != torch.float32:
        generator.to(dtype or stored)
    with torch.no_grad():
        generator.load_state_dict(tensors)
    return generator.eval()


def read_config(path: str | os.PathLike) -> tuple[GeneratorConfig, dict[str, Any]]:
    """(GeneratorConfig, the whole config.json) of a checkpoint folder, format and version checked."""
    path = Path(path)
    meta = _read_json(path / CONFIG_FILE, f"{path} is not a generator checkpoint:")
    _check_format(meta, FORMAT, path / CONFIG_FILE)
    for key, kind in (("config", dict), ("step", int), ("dtype", str), ("files", dict)):
        if not isinstance(meta.get(key), kind):
            raise DiTError(f"{path / CONFIG_FILE} has no valid {key!r} entry ({kind.__name__})")
    if meta["dtype"] not in _DTYPES:
        raise DiTError(f"{path / CONFIG_FILE} names dtype {meta['dtype']!r}; known: {sorted(_DTYPES)}")
    _check_file_record(meta, MODEL_FILE, path / CONFIG_FILE)
    try:
        config = GeneratorConfig.from_dict(meta["config"])
    except DiTError as error:
        raise DiTError(f"{path / CONFIG_FILE}: {_one_line(error)}") from None
    return config, meta


# ---------------------------------------------------------------------------------------------- training


# What a model may change about the space it denoises when it starts from another's weights (a pixel model's
# blocks starting a latent model). The layers that read or write that space then start fresh, even where their
# shapes happen to agree: the video patch embedder's kernel and the output layer when the video's channels or
# patches change, each kept branch's patch kernels when its maps' patches change.
VIDEO_SPACE_FIELDS = ("dit.in_channels", "dit.patch_size", "dit.control_scale")
VIDEO_LAYERS = ("dit.x_embedder.proj.weight", "dit.final_layer.linear.weight", "dit.final_layer.linear.bias")


def initialise_from(path: str | os.PathLike, generator: VideoGenerator) -> list[str]:
    """Load the model weights of checkpoint or model folder `path` into a fresh `generator` that has the same
    config plus control branches the source lacks (a ControlNet added to a trained model) and possibly another
    video space (`VIDEO_SPACE_FIELDS`); returns the new branches. Each starts as ControlNet's
    `from_transformer` does: its blocks copied from the source's trained base blocks, its projections zero, so
    the source's outputs are unchanged. The layers of a changed video space keep their fresh initialisation;
    every other tensor is copied.
    """
    path = resolve_checkpoint(path)
    config, meta = read_config(path)
    source, target = config.to_dict(), generator.config.to_dict()
    added = [name for name in target["dit"]["control_branches"] if name not in source["dit"]["control_branches"]]
    for data in (source, target):  # compare what the source's branches are: the new ones may add anything
        kept = [name for name in data["dit"]["control_branches"] if name not in added]
        data["dit"]["control_branches"] = kept
        data["dit"]["control_channels"] = {name: data["dit"]["control_channels"][name] for name in kept}
        data["control_dropout"] = {name: p for name, p in data["control_dropout"].items() if name in kept}
    differences = _differences(source, target)
    grown = _grown_vocabulary(source["vocabulary"], target["vocabulary"])
    differ = [name for name in differences if name not in VIDEO_SPACE_FIELDS and
              not (grown and name in VOCABULARY_FIELDS)]
    if differ:
        raise DiTError(f"cannot start from {path}: its model differs in {', '.join(differ[:6])} beyond new control "
                       f"branches and the video space; use a recipe with the same architecture and vocabulary")
    tensors = _read_tensors(path / MODEL_FILE, meta["files"][MODEL_FILE], verify=True)
    state = generator.state_dict()
    fresh = {name for name in state if any(name.startswith(f"dit.control.{branch}.") for branch in added)}
    fresh |= _video_space_layers(state, video_changed=bool({"dit.in_channels", "dit.patch_size"} & set(differences)),
                                 maps_changed=control_patch(config.dit) != control_patch(generator.config.dit))
    rows = {name: tensor.shape[0] for name, tensor in tensors.items() if grown and name in TOKEN_TABLES}
    _check_state({**tensors, **{name: state[name] for name in fresh | set(rows)}}, generator, f"{MODEL_FILE} in {path}")
    with torch.no_grad():
        for name, tensor in tensors.items():
            if name in rows:  # the source's words keep their ids and embeddings; new words start fresh
                state[name][:rows[name]].copy_(tensor.to(state[name].dtype))
            elif name not in fresh:
                state[name].copy_(tensor.to(state[name].dtype))
    for branch in added:
        generator.dit.control[branch].init_from_base(generator.dit.blocks)
    return added


VOCABULARY_FIELDS = ("vocabulary", "text.vocab_size")
TOKEN_TABLES = ("text_encoder.token_embedding.weight",)  # [vocab_size, dim]: one row per word


def _grown_vocabulary(source: list[str], target: list[str]) -> bool:
    """Whether `target` is `source` with words appended (a fine-tune on captions with new words)."""
    return len(target) > len(source) and target[:len(source)] == source


def _video_space_layers(state: dict[str, torch.Tensor], video_changed: bool, maps_changed: bool) -> set[str]:
    """The tensors that read or write a changed video space: VIDEO_LAYERS, and the branches' 5-D patch kernels."""
    layers = set(VIDEO_LAYERS) if video_changed else set()
    if maps_changed:
        layers |= {name for name, tensor in state.items()
                   if name.startswith("dit.control.") and ".embedder." in name and tensor.dim() == 5}
    return layers


@dataclass
class Resume:
    """What `load_checkpoint` hands back besides the weights and optimizer state it restored in place."""

    path: Path
    step: int
    data_position: int  # samples of the global data order consumed so far
    ema: dict[str, torch.Tensor]  # float32, on the generator's device
    train_config: dict[str, Any]
    grad_scaler: dict[str, Any] | None
    world_size: int


def checkpoint_name(step: int) -> str:
    return f"step_{step:06d}"


def save_checkpoint(run_dir: str | os.PathLike, step: int, generator: VideoGenerator,
                    ema: dict[str, torch.Tensor], optimizer: torch.optim.Optimizer, *, data_position: int,
                    train_config: dict[str, Any], grad_scaler: dict[str, Any] | None = None, world_size: int = 1,
                    keep_last: int = 2) -> Path:
    """Write `run_dir/step_NNNNNN/` (EMA weights as model.safetensors, plus the training state), point `latest`
    at it, and delete all but the newest `keep_last` checkpoints (0 keeps every one)."""
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    final = run_dir / checkpoint_name(step)
    tensors = {f"weights.{name}": value for name, value in generator.state_dict().items()}
    optimizer_json = _flatten_optimizer(generator, optimizer, tensors)
    tensors["rng.torch"] = torch.get_rng_state()
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        for i, state in enumerate(torch.cuda.get_rng_state_all()):
            tensors[f"rng.cuda.{i}"] = state
    blob = _tensor_bytes(tensors)
    numpy_state = np.random.get_state()
    python_state = random.getstate()
    state_json = {
        "format": TRAIN_STATE_FORMAT, "format_version": FORMAT_VERSION, "step": step,
        "data_position": data_position, "world_size": world_size, "optimizer": optimizer_json,
        "grad_scaler": grad_scaler or None, "train_config": train_config,
        "rng": {"numpy": [numpy_state[0], numpy_state[1].tolist(), *(_plain(v) for v in numpy_state[2:])],
                "python": [python_state[0], list(python_state[1]), python_state[2]]},
        "files": {STATE_FILE: _file_record(blob)}}
    with folder_written_atomically(final) as tmp:  # the folder is the temporary: plain writes inside
        _write_model_files(tmp, generator, ema, step, torch.float32)
        (tmp / STATE_FILE).write_bytes(blob)
        (tmp / STATE_JSON).write_bytes(_json_bytes(state_json))
    write_bytes_atomically(run_dir / LATEST, (final.name + "\n").encode())
    _prune(run_dir, keep_last, keep=final.name)
    return final


def find_checkpoint(run_dir: str | os.PathLike) -> Path | None:
    """The newest complete checkpoint of a run folder (the one `latest` names), or None if it has none."""
    run_dir = Path(run_dir)
    pointer = run_dir / LATEST
    if pointer.is_file():
        name = pointer.read_text().strip()
        if not _STEP_DIR.fullmatch(name) or not (run_dir / name / CONFIG_FILE).is_file():
            raise DiTError(f"{pointer} names {name!r}, which is not a checkpoint folder in {run_dir}")
        return run_dir / name
    # a save interrupted between renaming its folder and writing `latest`: that folder is complete
    done = [p for p in _step_dirs(run_dir) if (p / STATE_JSON).is_file()]
    return done[-1] if done else None


def resolve_checkpoint(path: str | os.PathLike) -> Path:
    """A checkpoint folder itself, or the latest checkpoint of a run folder; DiTError when there is none."""
    path = Path(path)
    if not path.exists():
        raise DiTError(f"no checkpoint at {path}: the folder does not exist")
    if not path.is_dir():
        raise DiTError(f"{path} is a file; a checkpoint is a folder holding {MODEL_FILE} and {CONFIG_FILE}")
    if (path / CONFIG_FILE).exists():
        return path
    found = find_checkpoint(path)
    if found is None:
        raise DiTError(f"no checkpoint in {path}: it has neither {CONFIG_FILE} nor a `{LATEST}` pointer")
    return found


def load_checkpoint(path: str | os.PathLike, generator: VideoGenerator, optimizer: torch.optim.Optimizer,
                    restore_rng: bool = True, verify: bool = True) -> Resume:
    """Restore a training checkpoint into `generator` (live weights) and `optimizer`, and the global RNGs.

    The generator's config must equal the checkpoint's; returns the EMA weights, step and data position.
    """
    path = resolve_checkpoint(path)
    config, meta = read_config(path)
    if config.to_dict() != generator.config.to_dict():
        differ = _differences(config.to_dict(), generator.config.to_dict())
        raise DiTError(f"the checkpoint {path} was trained with another GeneratorConfig (differs in "
                       f"{', '.join(differ[:6])}); resume with the config it was saved with")
    state = _read_json(path / STATE_JSON, f"{path} has no training state:")
    _check_format(state, TRAIN_STATE_FORMAT, path / STATE_JSON)
    _check_file_record(state, STATE_FILE, path / STATE_JSON)
    if state.get("step") != meta["step"]:  # e.g. another step's weights exported into this folder
        raise DiTError(f"{path} mixes two checkpoints: its {CONFIG_FILE} is of step {meta['step']} but its "
                       f"{STATE_JSON} of step {state.get('step')}; resume from an intact checkpoint (write its "
                       f"folder name into {path.parent / LATEST})")
    ema = _read_tensors(path / MODEL_FILE, meta["files"][MODEL_FILE], verify)
    _check_state(ema, generator, f"{MODEL_FILE} in {path}")
    tensors = _read_tensors(path / STATE_FILE, state["files"][STATE_FILE], verify)
    weights = {name[len("weights."):]: t for name, t in tensors.items() if name.startswith("weights.")}
    _check_state(weights, generator, f"{STATE_FILE} in {path}")
    with torch.no_grad():
        generator.load_state_dict(weights)
    optimizer.load_state_dict(_unflatten_optimizer(generator, optimizer, state["optimizer"], tensors, path))
    if restore_rng:
        torch.set_rng_state(tensors["rng.torch"])
        cuda_states = [tensors[f"rng.cuda.{i}"] for i in range(torch.cuda.device_count())
                       if f"rng.cuda.{i}" in tensors]
        if cuda_states and len(cuda_states) == torch.cuda.device_count():
            torch.cuda.set_rng_state_all(cuda_states)
        numpy_state = state["rng"]["numpy"]
        np.random.set_state((numpy_state[0], np.array(numpy_state[1], dtype=np.uint32), *numpy_state[2:]))
        python_state = state["rng"]["python"]
        random.setstate((python_state[0], tuple(python_state[1]), python_state[2]))
    device = generator.device
    return Resume(path=path, step=int(state["step"]), data_position=int(state["data_position"]),
                  ema={name: t.to(device=device, dtype=torch.float32) if t.is_floating_point() else t.to(device)
                       for name, t in ema.items()},
                  train_config=state.get("train_config", {}), grad_scaler=state.get("grad_scaler"),
                  world_size=int(state.get("world_size", 1)))


# ---------------------------------------------------------------------------------------------- internals


def _write_model_files(folder: Path, generator: VideoGenerator, weights: dict[str, torch.Tensor] | None,
                       step: int, dtype: torch.dtype) -> None:
    names = {value: key for key, value in _DTYPES.items()}
    if dtype not in names:
        raise DiTError(f"checkpoint dtype must be one of {sorted(_DTYPES)}, got {dtype}")
    weights = generator.state_dict() if weights is None else weights
    _check_state(weights, generator, "the weights to save")
    blob = _tensor_bytes({name: t.to(dtype) if t.is_floating_point() else t for name, t in weights.items()})
    (folder / MODEL_FILE).write_bytes(blob)
    meta = {"format": FORMAT, "format_version": FORMAT_VERSION, "step": int(step), "dtype": names[dtype],
            "config": generator.config.to_dict(), "files": {MODEL_FILE: _file_record(blob)}}
    (folder / CONFIG_FILE).write_bytes(_json_bytes(meta))


def _flatten_optimizer(generator: VideoGenerator, optimizer: torch.optim.Optimizer,
                       tensors: dict[str, torch.Tensor]) -> dict[str, Any]:
    """Optimizer tensors go into `tensors` as "optimizer.<parameter name>.<key>"; the rest is returned as JSON."""
    names = {id(p): name for name, p in generator.named_parameters()}
    groups, scalars = [], {}
    for group in optimizer.param_groups:
        hyper = {key: _plain(value) for key, value in group.items() if key != "params"}
        groups.append({**hyper, "params": [names[id(p)] for p in group["params"]]})
        for p in group["params"]:
            for key, value in optimizer.state.get(p, {}).items():
                if isinstance(value, torch.Tensor):
                    tensors[f"optimizer.{names[id(p)]}.{key}"] = value
                else:
                    scalars.setdefault(names[id(p)], {})[key] = _plain(value)
    return {"class": type(optimizer).__name__, "param_groups": groups, "scalars": scalars}


def _unflatten_optimizer(generator: VideoGenerator, optimizer: torch.optim.Optimizer, saved: dict[str, Any],
                         tensors: dict[str, torch.Tensor], path: Path) -> dict[str, Any]:
    """The torch `optimizer.state_dict()` form of a flattened optimizer, checked against `optimizer`."""
    if saved.get("class") != type(optimizer).__name__:
        raise DiTError(f"{path} holds the state of a {saved.get('class')} optimizer, not a "
                       f"{type(optimizer).__name__}")
    names = {id(p): name for name, p in generator.named_parameters()}
    current = [[names[id(p)] for p in group["params"]] for group in optimizer.param_groups]
    if current != [group["params"] for group in saved["param_groups"]]:
        raise DiTError(f"{path}: the optimizer's parameter groups differ from the checkpoint's")
    index = {name: i for i, name in enumerate(name for group in current for name in group)}
    state: dict[int, dict[str, Any]] = {}
    for key, value in tensors.items():
        if key.startswith("optimizer."):
            name, field = key[len("optimizer."):].rsplit(".", 1)
            if name not in index:
                raise DiTError(f"{path}: optimizer state for unknown parameter {name!r}")
            state.setdefault(index[name], {})[field] = value
    for name, values in saved.get("scalars", {}).items():
        state.setdefault(index[name], {}).update(values)
    groups = []
    for group, names_in_group in zip(saved["param_groups"], current):
        restored = {key: tuple(value) if isinstance(value, list) else value
                    for key, value in group.items() if key != "params"}
        groups.append({**restored, "params": [index[name] for name in names_in_group]})
    return {"state": state, "param_groups": groups}


def _check_state(tensors: dict[str, torch.Tensor], generator: VideoGenerator, what: str) -> None:
    """Every expected tensor present with its shape, nothing else: one line naming the first differences."""
    expected = {name: tuple(t.shape) for name, t in generator.state_dict().items()}
    missing = sorted(set(expected) - set(tensors))
    unexpected = sorted(set(tensors) - set(expected))
    if missing or unexpected:
        parts = []
        if missing:
            parts.append(f"{len(missing)} tensor(s) missing (e.g. {missing[0]})")
        if unexpected:
            parts.append(f"{len(unexpected)} unexpected (e.g. {unexpected[0]})")
        raise DiTError(f"{what} does not match the config: {', '.join(parts)}")
    wrong = [name for name in expected if tuple(tensors[name].shape) != expected[name]]
    if wrong:
        name = wrong[0]
        raise DiTError(f"{what} does not match the config: {len(wrong)} tensor(s) have other shapes, e.g. "
                       f"{name} is {list(tensors[name].shape)} in the file but {list(expected[name])} for the "
                       f"config")


def _model_destination(path: str | os.PathLike) -> Path:
    """`path` if a model folder may be written there; a file of that name, or a training checkpoint (a model
    folder there would lose or mismatch its training state), is refused before any work."""
    path = Path(path)
    if path.is_symlink() or (path.exists() and not path.is_dir()):
        raise DiTError(f"cannot write the model folder {path}: a file (or link) of that name exists and is never "
                       "replaced by a folder; choose another name or remove it")
    held = [name for name in (STATE_JSON, STATE_FILE) if (path / name).exists()]
    if held:
        raise DiTError(f"cannot write the model folder {path}: it is a training checkpoint (it holds {held[0]}), "
                       "which a model folder never replaces; choose a folder outside the training run")
    return path


def _check_export_destination(source: Path, dest: Path) -> None:
    """An export must not overlap what it reads: not its source checkpoint, a folder holding it, or its run."""
    run = source.parent if (source / STATE_JSON).exists() else None
    source_at, dest_at = source.resolve(), dest.resolve()
    if dest_at.is_relative_to(source_at) or source_at.is_relative_to(dest_at):
        raise DiTError(f"cannot export {source} to {dest}: the model folder would overlap the checkpoint it is "
                       "exported from; choose another folder")
    if run is not None and dest_at.is_relative_to(run.resolve()):
        raise DiTError(f"cannot export {source} to {dest}: it is inside the training run {run}, where it would "
                       "be mixed with the run's checkpoints; choose a folder outside the run")


def _check_file_record(meta: dict[str, Any], name: str, json_path: Path) -> None:
    """The JSON's "files" must record `name`'s size and SHA-256: without them nothing could be checked."""
    files = meta.get("files")
    record = files.get(name) if isinstance(files, dict) else None
    if not (isinstance(record, dict) and isinstance(record.get("bytes"), int) and record["bytes"] >= 0
            and isinstance(record.get("sha256"), str) and re.fullmatch(r"[0-9a-f]{64}", record["sha256"])):
        raise DiTError(f"{json_path} does not record the size and SHA-256 of {name} (its \"files\" entry is "
                       f"missing or malformed), so the weights cannot be checked; save or export the model again")


def _read_tensors(path: Path, record: dict[str, Any], verify: bool) -> dict[str, torch.Tensor]:
    """The tensors of a safetensors file whose size (and, with `verify`, SHA-256) match its `record`."""
    if not path.is_file():
        raise DiTError(f"{path} is missing; the checkpoint is incomplete")
    size = path.stat().st_size
    if size != record["bytes"]:
        raise DiTError(f"{path} is truncated or was replaced: {size} bytes, the checkpoint recorded "
                       f"{record['bytes']}")
    if verify and sha256_file(path) != record["sha256"]:
        raise DiTError(f"{path} is corrupt: its SHA-256 differs from the one the checkpoint recorded")
    try:
        with safe_open(str(path), framework="pt", device="cpu") as f:
            return {name: f.get_tensor(name) for name in f.keys()}
    except Exception as error:  # safetensors raises its own error types for every malformed file
        raise DiTError(f"{path} is not a readable safetensors file: {_one_line(error)}") from None


def _read_json(path: Path, missing_prefix: str) -> dict[str, Any]:
    if not path.is_file():
        raise DiTError(f"{missing_prefix} {path.name} is missing from {path.parent}")
    try:
        data = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise DiTError(f"{path} is not valid JSON: {_one_line(error)}") from None
    if not isinstance(data, dict):
        raise DiTError(f"{path} must hold a JSON object")
    return data


def _check_format(data: dict[str, Any], name: str, path: Path) -> None:
    if data.get("format") != name:
        raise DiTError(f"{path} is not a {name} file (its format is {data.get('format')!r})")
    version = data.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION or version < 1:
        raise DiTError(f"{path} has format version {version!r}; this kinema reads version {FORMAT_VERSION} "
                       f"(a newer version needs a newer kinema)")


def _tensor_bytes(tensors: dict[str, torch.Tensor]) -> bytes:
    return safetensors_bytes({name: t.detach().contiguous().cpu() for name, t in tensors.items()})


def _file_record(blob: bytes) -> dict[str, Any]:
    return {"bytes": len(blob), "sha256": hashlib.sha256(blob).hexdigest()}


def _json_bytes(data: dict[str, Any]) -> bytes:
    return (json.dumps(data, indent=1) + "\n").encode()


def _plain(value: Any) -> Any:
    """A JSON-safe copy of an optimizer hyperparameter or scalar state value."""
    if isinstance(value, torch.Tensor):
        return value.item() if value.numel() == 1 else value.tolist()
    if isinstance(value, (np.generic,)):
        return value.item()
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    return value


def _step_dirs(run_dir: Path) -> list[Path]:
    found = [(int(m.group(1)), p) for p in run_dir.iterdir() if p.is_dir() and (m := _STEP_DIR.fullmatch(p.name))]
    return [p for _, p in sorted(found)]


def _prune(run_dir: Path, keep_last: int, keep: str) -> None:
    for stale in run_dir.glob("step_*.tmp"):
        shutil.rmtree(stale, ignore_errors=True)
    if keep_last <= 0:
        return
    for folder in _step_dirs(run_dir)[:-keep_last]:
        if folder.name != keep:
            shutil.rmtree(folder, ignore_errors=True)


def _differences(a: dict[str, Any], b: dict[str, Any], prefix: str = "") -> list[str]:
    keys = sorted(set(a) | set(b))
    out = []
    for key in keys:
        if isinstance(a.get(key), dict) and isinstance(b.get(key), dict):
            out += _differences(a[key], b[key], f"{prefix}{key}.")
        elif a.get(key) != b.get(key):
            out.append(prefix + key)
    return out


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split())
