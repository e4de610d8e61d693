"""The wan-vace backend: a pretrained Wan2.1/2.2-VACE model, run by diffusers' `WanVACEPipeline` from a local model
folder, steered by kinema's physics as its control video: `WanVacePipeline.from_pretrained(folder)(prompt)`.

kinema films the scene (`hybrid.filming`), pictures one control as VACE's annotators would (depth by default,
flow or layout; `hybrid.control_export.control_picture`) and passes it as `video` with `conditioning_scale`.
With no control the VACE blocks are scaled by 0 and no video is given: that is the base Wan text-to-video model.
With `first_frame` the simulator's first frame is kept (mask black) and the rest generated (mask white). The
output is a `PipelineOutput`, so `generate` and `ablate` write and score it as they do kinema's own model's.

Nothing is downloaded: the folder must hold the whole diffusers model (Wan-AI/Wan2.1-VACE-1.3B-diffusers, say),
and only safetensors weights are read.
"""

import hashlib
import json
import os
import struct
import time
from pathlib import Path

import numpy as np
import torch

from dit.devices import resolve_device
from dit.flow_matching import Guidance
from fileio import UserFileError, read_text
from hybrid.control_export import control_picture
from hybrid.control_families import FAMILIES, frame_size, plan_frames
from hybrid.control_videos import first_frame_video, mask_video
from hybrid.errors import GenerationError
from hybrid.filming import film
from hybrid.pipeline import PipelineOutput, Progress, check_run_seed, check_steps
from hybrid.scene_input import is_prompt, load_scene
from scenes.caption import caption
from scenes.graph import SceneGraph

RULES = FAMILIES["vace"]
EXTRA = 'pip install -e ".[diffusers]"'
DOWNLOAD_HINT = "download the whole Wan-AI/Wan2.1-VACE-1.3B-diffusers repository into it (see the README)"
WEIGHTED = ("transformer", "transformer_2", "vae", "text_encoder")  # components with weights
PICKLED = ("*.bin", "*.pt", "*.pth", "*.ckpt")
MAX_HEADER_BYTES = 100 * 2**20  # a safetensors header lists tensors; a larger one is not a safetensors file


def diffusers_modules():
    """diffusers' WanVACEPipeline, or one line saying how to install the extra."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # a local folder only: never reach for the Hub
    try:
        import transformers  # noqa: F401  (the text encoder's library must be there too)
        from diffusers import WanVACEPipeline
    except ImportError as error:
        raise GenerationError(f"the wan-vace backend needs diffusers and transformers ({error.name or error} is "
                              f"missing); install kinema's extra: {EXTRA}") from None
    return WanVACEPipeline


def check_model_folder(folder: Path) -> dict:
    """The folder's model_index.json after checking that every component it names is there with its config and
    safetensors weights; one line naming the first thing missing."""
    folder = Path(folder)
    if not folder.is_dir():
        raise GenerationError(f"no model folder at {folder}; {DOWNLOAD_HINT}")
    index_path = folder / "model_index.json"
    if not index_path.is_file():
        raise GenerationError(f"{folder} has no model_index.json, so it is not a diffusers model folder; "
                              f"{DOWNLOAD_HINT}")
    try:
        index = json.loads(read_text(index_path, 2**20, "model index"))
    except (UserFileError, json.JSONDecodeError) as error:
        raise GenerationError(f"cannot read {index_path}: {error}; download it again") from None
    kind = index.get("_class_name") if isinstance(index, dict) else None
    if kind != "WanVACEPipeline":
        raise GenerationError(f"{folder} holds a {kind or 'model of no known kind'}, not a WanVACEPipeline; point "
                              "--model at a Wan-VACE folder")
    for name, spec in index.items():
        if name.startswith("_") or not isinstance(spec, list) or None in spec:
            continue
        _check_component(folder / name, name)
    return index


def _check_component(part: Path, name: str) -> None:
    if not part.is_dir():
        raise GenerationError(f"{part.parent} has no {name}/ folder, which its model_index.json names; "
                              f"{DOWNLOAD_HINT}")
    if name == "scheduler":
        required = ["scheduler_config.json"]
    elif name in WEIGHTED:
        required = ["config.json"]
    else:
        required = []
    for file in required:
        if not (part / file).is_file():
            raise GenerationError(f"{part} has no {file}; {DOWNLOAD_HINT}")
    if not any(part.iterdir()):
        raise GenerationError(f"{part} is empty; {DOWNLOAD_HINT}")
    if name not in WEIGHTED:
        return
    for index in part.glob("*.safetensors.index.json"):
        try:
            shards = set(json.loads(read_text(index, 64 * 2**20, "weights index"))["weight_map"].values())
        except (UserFileError, json.JSONDecodeError, KeyError, TypeError, AttributeError):
            raise GenerationError(f"cannot read the weights index {index}; download it again") from None
        missing = sorted(shard for shard in shards if not (part / shard).is_file())
        if missing:
            raise GenerationError(f"{part} lacks {missing[0]}, which {index.name} names; {DOWNLOAD_HINT}")
    if not any(part.glob("*.safetensors")):
        pickled = [path.name for pattern in PICKLED for path in part.glob(pattern)]
        what = (f"only pickled weights ({pickled[0]}); kinema loads safetensors only, so download the "
                "safetensors files" if pickled else f"no .safetensors weights; {DOWNLOAD_HINT}")
        raise GenerationError(f"{part} has {what}")


def weights_index_sha256(folder: Path) -> str:
    """SHA-256 of what names the model's weights: model_index.json, every component's JSON files (configs,
    weights indexes) and every safetensors file's header (tensor names, dtypes, shapes and offsets), each
    under its relative path. Cheap for a model of many GB, and it changes with any file swapped in."""
    digest = hashlib.sha256()
    folder = Path(folder)
    for path in sorted(folder.rglob("*")):
        if path.suffix not in (".json", ".safetensors") or not path.is_file():
            continue
        digest.update(str(path.relative_to(folder)).encode() + b"\0")
        digest.update(_safetensors_header(path) if path.suffix == ".safetensors" else path.read_bytes())
    return digest.hexdigest()


def _safetensors_header(path: Path) -> bytes:
    with open(path, "rb") as handle:
        length_bytes = handle.read(8)
        length = struct.unpack("<Q", length_bytes)[0] if len(length_bytes) == 8 else -1
        if not 0 < length <= MAX_HEADER_BYTES:
            raise GenerationError(f"{path} is not a safetensors file (its header does not read); download it again")
        return length_bytes + handle.read(length)


class WanVacePipeline:
    """kinema's physics front end for a pretrained Wan-VACE model; the same call as `hybrid.pipeline.Pipeline`."""

    backend = "wan-vace"
    branches = RULES.controls  # control videos it can follow, one at a time: depth, flow, layout
    default_controls = RULES.controls[:1]
    combines_controls = False
    default_fps = RULES.fps
    default_steps = 50  # diffusers' and Wan's own default
    default_guidance = Guidance(text=5.0)  # WanVACEPipeline's guidance_scale default
    default_resolution = "480p"
    default_aspect = "16:9"

    def __init__(self, pipe, model_path: Path, weights_sha256: str, device: torch.device):
        self.pipe = pipe  # a diffusers WanVACEPipeline
        self.model_path = model_path
        self.weights_sha256 = weights_sha256
        self.device = device

    @classmethod
    def from_pretrained(cls, path: str | Path, device: str = "cpu") -> "WanVacePipeline":
        """Load a Wan-VACE diffusers folder onto `device`; bfloat16 on a GPU (the VAE in float32), float32 on the
        CPU."""
        device = resolve_device(device)
        pipeline_class = diffusers_modules()
        folder = Path(path).expanduser().resolve()
        check_model_folder(folder)
        weights_sha256 = weights_index_sha256(folder)
        dtype = {"default": torch.bfloat16, "vae": torch.float32} if device.type == "cuda" else torch.float32
        try:
            pipe = pipeline_class.from_pretrained(folder, local_files_only=True, use_safetensors=True,
                                                  dtype=dtype)
        except (OSError, ValueError, KeyError, RuntimeError) as error:
            first_line = (str(error).strip().splitlines() or [type(error).__name__])[0]
            raise GenerationError(f"cannot load the Wan-VACE model in {folder}: {first_line}") from None
        return cls(pipe.to(device), folder, weights_sha256, device)

    @property
    def model_record(self) -> dict:
        """What the sidecar says of the model."""
        import diffusers

        return {"backend": self.backend, "path": str(self.model_path), "weights_index_sha256": self.weights_sha256,
                "diffusers": diffusers.__version__, "scheduler": self.sampler}

    @property
    def run_setting(self) -> dict:
        """What makes two ablation runs comparable (model_sha256: of the weights index, not the weights)."""
        return {"backend": self.backend, "model_sha256": self.weights_sha256}

    @property
    def sampler(self) -> str:
        return type(self.pipe.scheduler).__name__

    def frame_size(self, resolution: str, aspect: str) -> tuple[int, int, str | None]:
        """(height, width, notice) of `resolution` at `aspect`: Wan's trained sizes (832x480 at 480p 16:9), else
        sides of multiples of 16 (rounded down, with a notice, where asked for otherwise)."""
        width, height, notice = frame_size(RULES, resolution, aspect)
        return height, width, notice

    def __call__(self, scene: str | SceneGraph, num_frames: int | None = None, fps: int | None = None,
                 height: int | None = None, width: int | None = None, num_steps: int | None = None,
                 guidance: Guidance | None = None, controls: tuple[str, ...] | list[str] | None = None,
                 control_scales: dict[str, float] | None = None, seed: int = 0, progress: bool = False,
                 first_frame: bool = False, strict: bool = False, text: str | None = None,
                 negative_prompt: str | None = None, on_progress: Progress | None = None) -> PipelineOutput:
        """Generate the video of `scene` (a prompt, a scene-script path, a library scene name or a graph).

        `controls`: None for depth, () for none, or one of depth, flow, layout; `control_scales` maps it to its
        `conditioning_scale` (default 1). `num_frames` defaults to the scene's duration at 16 fps; counts that are
        not 4k + 1 are rounded as diffusers rounds them, with a warning. `text` defaults to the prompt (or, for a
        script or a graph, kinema's caption of it); `guidance.text` is Wan's guidance_scale (default 5).
        `on_progress(stage, done, total)` is called as the physics and the denoising start and after every
        denoising step (diffusers' callback_on_step_end); an exception it raises (a cancel) stops the work.
        """
        timings = {}
        started = time.perf_counter()
        controls = self.default_controls if controls is None else tuple(controls)
        guidance = self.default_guidance if guidance is None else guidance
        num_steps = self.default_steps if num_steps is None else num_steps
        scale = self._check(controls, control_scales, guidance, num_steps, seed, first_frame, height, width)
        graph = load_scene(scene, seed=seed, strict=strict) if isinstance(scene, str) else scene
        count, fps, notices = plan_frames(RULES, graph.settings.duration, num_frames, fps)
        if height is None or width is None:
            height, width, _ = self.frame_size(self.default_resolution, self.default_aspect)
        words = text or (scene if isinstance(scene, str) and is_prompt(scene) else caption(graph))
        timings["parse"] = time.perf_counter() - started

        report = on_progress or (lambda stage, done, total: None)
        report("physics", 0, 1)
        filmed = film(graph, count, fps, width, height, seed, progress)
        timings.update(filmed.timings)
        started = time.perf_counter()
        report("denoise", 0, num_steps)
        video, mask = self.control_video(filmed.frames, controls, first_frame)
        self.pipe.set_progress_bar_config(disable=not progress, desc="denoise", unit="step")
        result = self.pipe(
            prompt=words, negative_prompt=negative_prompt, video=video, mask=mask, conditioning_scale=scale,
            height=height, width=width, num_frames=count, num_inference_steps=num_steps,
            guidance_scale=guidance.text, generator=torch.Generator(self.device).manual_seed(seed), output_type="np",
            callback_on_step_end=lambda pipe, step, timestep, tensors: report("denoise", step + 1, num_steps) or {})
        frames = np.asarray(result.frames[0], dtype=np.float32)  # [T, H, W, 3] in [0, 1]
        if frames.shape != (count, height, width, 3):
            raise GenerationError(f"the Wan-VACE pipeline made frames of shape {list(frames.shape)}, not "
                                  f"{[count, height, width, 3]}; this diffusers version is not one kinema knows")
        timings["denoise"] = time.perf_counter() - started
        return PipelineOutput(video=(frames * 255).round().clip(0, 255).astype(np.uint8), frames=filmed.frames,
                              rollout=filmed.rollout, camera=filmed.camera, graph=graph, caption=words,
                              timings=timings, warnings=[*graph.warnings, *notices])

    @staticmethod
    def control_video(frames, controls: tuple[str, ...], first_frame: bool):
        """(video, mask) for WanVACEPipeline as lists of PIL images, or (None, None) with no control: the control
        picture (mask None: generate everything), or the first frame kept and the rest generated."""
        from PIL import Image

        count, height, width = frames.segmentation.shape
        if first_frame:
            video, mask = first_frame_video(frames.rgb), mask_video(count, height, width, keep_first=True)
        elif controls:
            video, mask = control_picture(controls[0], frames, RULES), None
        else:
            return None, None
        return ([Image.fromarray(frame) for frame in video],
                None if mask is None else [Image.fromarray(frame) for frame in mask])

    @classmethod
    def check_controls(cls, controls: tuple[str, ...], first_frame: bool) -> None:
        """One control video at most, and not with the first frame kept."""
        if len(controls) > 1 or any(name not in cls.branches for name in controls):
            raise GenerationError(f"wan-vace follows one control video: {', '.join(cls.branches)} (or none); got "
                                  f"{', '.join(controls)}")
        if first_frame and controls:
            raise GenerationError("wan-vace either keeps the first frame or follows a control video, not both; "
                                  "drop the controls or the first frame")

    def _check(self, controls, control_scales, guidance, num_steps, seed, first_frame, height, width) -> float:
        """The conditioning_scale to use, after one clear error for the first impossible parameter."""
        self.check_controls(controls, first_frame)
        if guidance.controls != 1.0:
            raise GenerationError("wan-vace has no separate control guidance; leave it at 1 and set the "
                                  "conditioning scale instead")
        check_steps(num_steps)
        for name, size in (("height", height), ("width", width)):
            if size is not None and not (isinstance(size, int) and size >= RULES.size_multiple
                                         and size % RULES.size_multiple == 0):
                raise GenerationError(f"{name} must be a multiple of {RULES.size_multiple} pixels for Wan-VACE, "
                                      f"got {size!r}")
        check_run_seed(seed)
        steering = controls[0] if controls else "first_frame" if first_frame else None
        scale = (control_scales or {}).get(steering, 1.0) if steering else 0.0  # nothing to follow: VACE is off
        if not (isinstance(scale, (int, float)) and 0 <= scale <= 10):
            raise GenerationError(f"the conditioning scale must be a number from 0 to 10, got {scale!r}")
        return float(scale)
