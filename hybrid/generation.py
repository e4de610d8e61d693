"""`generate`: the one-call API (prompt in, video file out), with every argument checked before any work.

Each run writes three files next to each other: the video (`out`, .mp4 or .gif), a preview (`<stem>.preview.mp4`:
depth | segmentation | flow | uv | simulator render | generated) and a sidecar (`<stem>.json`) holding every
parameter, the seed, the model's SHA-256 and the time per stage, so the run can be repeated exactly; with
`gif`, a GIF of the video too.

The files are one set (`fileio.OutputSet`): each is written and read back under a temporary name first, then
the old sidecar is moved aside, the videos are renamed into place and the new sidecar last. The sidecar records
each other file's size and SHA-256 ("files"), so a sidecar on disk always describes the files beside it; a run
killed while publishing leaves no sidecar (plainly incomplete), never a new video beside an old sidecar, and
the next run to the same `out` replaces what it left. A video of the same stem that this run does not make
(`<stem>.gif`, or `<stem>.mp4` when `out` is a GIF) belongs to an earlier run and is removed. Only files the old
sidecar records are replaced or removed: a file of one of these names that it does not record (or with no
kinema sidecar there) is the user's, and the run is refused. The output folder and every name are checked
before any model work.
"""

import json
import platform
import time
from dataclasses import asdict
from pathlib import Path

import torch
from tqdm import tqdm

from dit.flow_matching import Guidance
from fileio import OutputSet, existing_folder
from hybrid.errors import GenerationError
from hybrid.backends import check_request, load_backend
from hybrid.pipeline import MAX_SECONDS, Pipeline, Progress
from hybrid.preview import preview_strip
from hybrid.video import write_video
from hybrid.wan_vace import WanVacePipeline
from scenes.graph import SceneGraph

VIDEO_SUFFIXES = (".mp4", ".gif")

_pipelines: dict[tuple[str, str, str], Pipeline | WanVacePipeline] = {}  # a process loads each model once


def pipeline(model: str | Path = "default", device: str = "cpu", backend: str = "kinema"
             ) -> Pipeline | WanVacePipeline:
    key = (backend, str(model), device)
    if key not in _pipelines:
        _pipelines[key] = load_backend(backend, model, device)
    return _pipelines[key]


def generate(prompt: str | SceneGraph, duration_seconds: float | None = None, aspect_ratio: str | None = None,
             resolution: str | None = None, fps: int | None = None, seed: int = 0, out: str | Path = "video.mp4",
             steps: int | None = None, controls: tuple[str, ...] | list[str] | None = None,
             guidance: Guidance | None = None, model: str | Path = "default", device: str = "cpu",
             gif: bool = False, progress: bool = False, strict: bool = False, backend: str = "kinema",
             control_scale: float | None = None, on_progress: Progress | None = None) -> Path:
    """Generate the video of `prompt` (or of a scene script / library scene name, or a laid-out `SceneGraph`) into
    `out`; returns its path.

    `backend` "kinema" runs kinema's own model (`model`: "default", the shipped one, or a checkpoint folder);
    "wan-vace" runs a pretrained Wan-VACE diffusers folder (`model`) steered by one control video.
    `aspect_ratio` defaults to the backend's own (1:1 for kinema, 16:9 for wan-vace), `resolution` to the
    model's own (256p for the shipped model, 16:9 then 256x448; 480p for wan-vace, 832x480 at 16:9). `fps`,
    `steps` and `guidance` default to the backend's own (8 fps, 20 steps and guidance 1 for kinema; 16 fps,
    50 steps and guidance 5 for wan-vace).
    `duration_seconds` defaults to the scene's own duration (the prompt's "for 3 seconds", else 3 s).
    `controls` are the physics controls that steer the model: None the backend's default (every branch of
    kinema's model; depth for wan-vace), () none (`--no-physics`). `control_scale` scales them (Wan's
    `conditioning_scale`; default 1).
    `gif` also writes the video as `<stem>.gif` (from the frames, not re-read from the MP4).
    `on_progress(stage, done, total)` follows the stages ("load", "physics", "denoise" per window, "decode",
    "write" per file); an exception it raises (a cancel) stops the run, and nothing is published.
    """
    out = Path(out)
    if out.is_dir():
        raise GenerationError(f"the output {out} is a folder; name the video to write, e.g. {out / 'video.mp4'}")
    if not isinstance(prompt, SceneGraph) and (not isinstance(prompt, str) or not prompt.strip()):
        raise GenerationError("the prompt is empty; describe a scene, e.g. \"a red ball falls onto a blue box\"")
    if out.suffix not in VIDEO_SUFFIXES:
        raise GenerationError(f"cannot write {out.name!r}: the output must end in .mp4 or .gif")
    if duration_seconds is not None:
        if not (isinstance(duration_seconds, (int, float)) and duration_seconds > 0):
            raise GenerationError(f"a video must last more than 0 s, got {duration_seconds!r}; ask for a positive "
                                  "number of seconds")
        if duration_seconds > MAX_SECONDS:
            asked = int(duration_seconds) if float(duration_seconds).is_integer() else duration_seconds  # 30, not 30.0
            raise GenerationError(f"a video of {asked} s is too long: videos are at most {MAX_SECONDS:g} s; ask "
                                  "for a shorter clip")
    # a bad resolution, aspect or (for wan-vace) control or length fails before any model work
    check_request(backend, resolution, aspect_ratio, controls, duration_seconds, fps)
    if existing_folder(out.parent) != out.parent:  # a file on the way is named as such, not as a missing folder
        raise GenerationError(f"the output folder {out.parent} does not exist; create it first")
    videos = {"video": out.name, "preview": f"{out.stem}.preview.mp4"}
    if gif and out.suffix != ".gif":
        videos["gif"] = f"{out.stem}.gif"
    sidecar_path = out.with_suffix(".json")
    outputs = OutputSet(out.parent, [*videos.values(), sidecar_path.name], marker=sidecar_path.name,
                        stale=[f"{out.stem}{suffix}" for suffix in VIDEO_SUFFIXES])  # checks folder and names
    report = on_progress or (lambda stage, done, total: None)
    report("load", 0, 1)
    started = time.perf_counter()
    pipe = pipeline(model, device, backend)
    load_seconds = time.perf_counter() - started
    resolution = resolution or pipe.default_resolution
    aspect_ratio = aspect_ratio or pipe.default_aspect  # 1:1 for kinema, 16:9 for wan-vace
    height, width, size_notice = pipe.frame_size(resolution, aspect_ratio)  # 16:9 at 256p: 256 x 448
    controls = pipe.default_controls if controls is None else tuple(controls)
    fps = pipe.default_fps if fps is None else fps
    steps = pipe.default_steps if steps is None else steps
    guidance = pipe.default_guidance if guidance is None else guidance
    control_scales = None if control_scale is None else {name: control_scale for name in controls}
    num_frames = None if duration_seconds is None else max(1, round(duration_seconds * fps))
    result = pipe(prompt, num_frames=num_frames, fps=fps, height=height, width=width, num_steps=steps,
                  guidance=guidance, controls=controls, control_scales=control_scales, seed=seed,
                  progress=progress, strict=strict, on_progress=report)

    started = time.perf_counter()
    pictures = {"video": result.video, "preview": preview_strip(result.frames, result.video), "gif": result.video}
    with outputs:
        for index, (kind, name) in enumerate(tqdm(videos.items(), desc="write", unit="file", disable=not progress)):
            report("write", index, len(videos))
            write_video(out.parent / name, pictures[kind], fps, save=outputs.write)
        timings = {"load_model": load_seconds, **result.timings, "write": time.perf_counter() - started}
        sidecar = {
            "prompt": prompt if isinstance(prompt, str) else None, "caption": result.caption,
            "warnings": [*result.warnings, *([size_notice] if size_notice else [])],
            "parameters": {"duration_seconds": duration_seconds, "aspect_ratio": aspect_ratio,
                           "resolution": resolution, "fps": fps, "seed": seed, "steps": steps,
                           "controls": list(controls), "control_scale": control_scale,
                           "guidance": asdict(guidance), "method": pipe.sampler, "backend": backend,
                           "device": device},
            "video": {"frames": int(result.video.shape[0]), "height": height, "width": width,
                      "seconds": result.video.shape[0] / fps},
            "model": pipe.model_record,
            "graph": json.loads(result.graph.to_json()),
            "timings_seconds": {name: round(seconds, 3) for name, seconds in timings.items()},
            "outputs": videos,
            "files": outputs.file_records(),  # {name: {"bytes", "sha256"}}: a reader can verify the set
            "software": {"python": platform.python_version(), "torch": torch.__version__},
        }
        outputs.write(sidecar_path, lambda path: path.write_text(json.dumps(sidecar, indent=2) + "\n"))
        outputs.publish()
    return out
