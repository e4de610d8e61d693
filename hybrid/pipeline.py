"""`Pipeline`: a prompt or scene graph -> simulated physics -> rendered controls -> a video that follows them.

The physics in the video comes from the simulation: PyBullet moves the bodies, the renderer turns the motion into
depth, flow and segmentation maps, and those maps drive the DiT's control branches (the segmentation branch also
reads what each body looks like, in words). Videos longer than the model's native clip are made in rolling
windows: each window's first frames are fixed to the previous window's last ones (`known_frames`), so bodies
keep their appearance across windows.
"""

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from conditioning.encode import encode_controls
from conditioning.scene import light_features
from dit.autoencoder import DOWNSAMPLE, FrameAutoencoder, VideoAutoencoder
from dit.checkpoint import load_generator, read_config, resolve_checkpoint
from dit.devices import resolve_device
from dit.flow_matching import Guidance
from dit.generator import VideoGenerator
from hybrid.errors import GenerationError
from hybrid.filming import film
from hybrid.latents import AUTOENCODER_FOLDER, find_autoencoder
from hybrid.scene_input import load_scene
from scenes.caption import caption, instance_phrases
from scenes.errors import SceneError
from scenes.graph import SceneGraph
from scenes.seeding import check_seed
from sim.camera import ASPECTS, CameraTrack
from sim.frames import Frames
from sim.rollout import Rollout

DEFAULT_MODEL = Path(__file__).parent / "models" / "default"
WINDOW = 16  # frames per denoising window: the clip length the default model was trained on
OVERLAP = 4  # frames a window shares with the one before it
MAX_SECONDS = 16.0  # rolling windows could go on, but drift grows with every window; longer videos are refused
NATIVE_PATCHES = 16  # patches per frame side at which kinema's models are trained
MAX_SIDE = 1024  # pixels; attention over a larger frame does not fit in a CPU machine's memory
# shorter side in pixels; the default resolution is the model's own (`Pipeline.native_side`): 256p for the
# shipped latent model, 64p for hybrid/models/pixel-64
RESOLUTIONS = {"64p": 64, "128p": 128, "256p": 256}
MAX_STEPS = 1000  # sampler steps of one call


Progress = Callable[[str, int, int], None]  # on_progress(stage, done, total)


@dataclass
class PipelineOutput:
    video: np.ndarray  # [T, H, W, 3] uint8, the generated video
    frames: Frames  # the simulator's render of the same T frames: its RGB is the ground truth, the rest controls
    rollout: Rollout  # the simulated states of the same T frames (T + 1 states)
    camera: CameraTrack  # the camera of the same T frames
    graph: SceneGraph  # the laid-out scene
    caption: str  # the text the model read
    timings: dict[str, float] = field(default_factory=dict)  # seconds per stage
    warnings: list[str] = field(default_factory=list)  # words of the prompt that were ignored


def window_starts(num_frames: int, window: int = WINDOW, overlap: int = OVERLAP) -> list[int]:
    """First frame of each rolling window covering `num_frames`; the last may run past the end."""
    if num_frames <= window:
        return [0]
    stride = window - overlap
    return [i * stride for i in range(-(-(num_frames - overlap) // stride))]


def video_size(resolution: str, aspect_ratio: str, multiple: int = 4) -> tuple[int, int]:
    """(height, width): `resolution` pixels on the shorter side, the longer side rounded to `multiple`."""
    if resolution not in RESOLUTIONS:
        raise GenerationError(f"unsupported resolution {resolution!r}; choose one of {', '.join(RESOLUTIONS)}")
    if aspect_ratio not in ASPECTS:
        raise GenerationError(f"unsupported aspect ratio {aspect_ratio!r}; choose one of {', '.join(ASPECTS)}")
    short = RESOLUTIONS[resolution]
    across, down = ASPECTS[aspect_ratio]
    long = multiple * round(short * max(across, down) / min(across, down) / multiple)
    return (short, long) if across >= down else (long, short)


def check_steps(num_steps) -> None:
    """One line unless `num_steps` is a whole number from 1 to MAX_STEPS."""
    if not (isinstance(num_steps, int) and 1 <= num_steps <= MAX_STEPS):
        raise GenerationError(f"steps must be a whole number from 1 to {MAX_STEPS}, got {num_steps!r}")


def check_run_seed(seed) -> None:
    """The scenes' seed check, as a generation error (what generate and ablate report)."""
    try:
        check_seed(seed)
    except SceneError as error:
        raise GenerationError(str(error)) from None


class Pipeline:
    """A trained `VideoGenerator` plus the simulator: `Pipeline.from_pretrained()(prompt)`.

    A latent model comes with its video autoencoder: the DiT denoises latents (times the autoencoder's scaling
    factor) and the decoder makes the pixels; its controls are rendered at `control_scale` times the latent grid.
    """

    def __init__(self, generator: VideoGenerator, model_path: Path | None = None, model_sha256: str | None = None,
                 autoencoder: VideoAutoencoder | None = None):
        channels = generator.config.dit.in_channels
        if autoencoder is None and channels != 3:
            raise GenerationError(f"the model denoises {channels}-channel latents but comes with no autoencoder; "
                                  f"put its autoencoder in {model_path or 'MODEL'}/{AUTOENCODER_FOLDER}")
        latent_channels = None if autoencoder is None else autoencoder.latent_shape(1, DOWNSAMPLE, DOWNSAMPLE)[0]
        if latent_channels not in (None, channels):
            raise GenerationError(f"the autoencoder makes {latent_channels}-channel latents, but the model "
                                  f"denoises {channels} channels; use the autoencoder it was trained on")
        self.generator = generator.eval()
        self.model_path = model_path
        self.model_sha256 = model_sha256
        self.autoencoder = autoencoder

    backend = "kinema"
    combines_controls = True  # several branches steer one video ("all")
    default_fps = 8  # as trained
    default_steps = 20
    default_guidance = Guidance()
    default_aspect = "1:1"
    sampler = "heun"

    @classmethod
    def from_pretrained(cls, path: str | Path = "default", device: str = "cpu") -> "Pipeline":
        """The shipped default model ("default"), or a checkpoint folder or training run folder, on `device`
        ("cpu", "cuda", "cuda:N", "mps" or "auto"; see `dit.devices.resolve_device`)."""
        device = resolve_device(device)  # a typo or a missing GPU fails before the checkpoint is read
        folder = DEFAULT_MODEL if str(path) == "default" else resolve_checkpoint(Path(path))
        generator = load_generator(folder, device=device)
        _, meta = read_config(folder)
        place = find_autoencoder(folder)
        autoencoder = None if place is None else FrameAutoencoder.from_pretrained(place).to(device)
        return cls(generator, folder, meta["files"]["model.safetensors"]["sha256"], autoencoder)

    @property
    def branches(self) -> tuple[str, ...]:
        """The control branches the model was trained with (what "all controls" means for it)."""
        return tuple(self.generator.config.dit.control_branches)

    @property
    def default_controls(self) -> tuple[str, ...]:
        return self.branches

    @property
    def default_resolution(self) -> str:
        return f"{self.native_side}p"

    def frame_size(self, resolution: str, aspect: str) -> tuple[int, int, str | None]:
        """(height, width, notice) of `resolution` at `aspect`, in whole patches (16:9 at 256p: 256 x 448); an
        impossible size is an error, so the notice is None."""
        return (*video_size(resolution, aspect, self.size_multiple), None)

    @property
    def model_record(self) -> dict:
        """What a sidecar says of the model."""
        return {"path": str(self.model_path), "sha256": self.model_sha256}

    @property
    def run_setting(self) -> dict:
        """What makes two ablation runs comparable."""
        return {"model_sha256": self.model_sha256}

    @property
    def patch(self) -> tuple[int, int, int]:
        return self.generator.config.dit.patch_size

    @property
    def pixels_per_cell(self) -> int:
        """Pixels per side of one cell of the grid the DiT denoises: 8 for a latent model, else 1."""
        return 1 if self.autoencoder is None else DOWNSAMPLE

    @property
    def size_multiple(self) -> int:
        """What a frame's height and width must be a multiple of: one DiT patch, in pixels."""
        _, patch_h, patch_w = self.patch
        return math.lcm(patch_h, patch_w) * self.pixels_per_cell

    @property
    def native_side(self) -> int:
        """The square frame side the model was trained at: 16 x 16 patches (64 px for the 64p pixel model, 256 px
        for the latent one)."""
        return NATIVE_PATCHES * self.size_multiple

    def __call__(self, scene: str | SceneGraph, num_frames: int | None = None, fps: int = 8,
                 height: int | None = None, width: int | None = None, num_steps: int = 20,
                 guidance: Guidance = Guidance(),
                 controls: tuple[str, ...] | list[str] | None = None, control_scales: dict[str, float] | None = None,
                 seed: int = 0, method: str = "heun", progress: bool = False,
                 first_frame: bool = False, strict: bool = False,
                 on_progress: Progress | None = None) -> PipelineOutput:
        """Generate the video of `scene` (a prompt, a scene-script path, a library scene name or a graph).

        `num_frames` defaults to the scene's duration times `fps`, `height` and `width` to `native_side`;
        `controls` are the branches that steer the model (None: every branch it has; empty for text only);
        `seed` lays out a prompt's scene and draws the noise. `first_frame` pins the simulator's first frame (as rolling windows pin their overlap): with no
        controls, that is image-to-video, the setting Physics-IQ scores. `strict` makes the prompt's warnings
        (words it ignored) errors; otherwise they are in the output's `warnings`. `on_progress(stage, done,
        total)` is called as stages start and before every sampler step of every window ("physics", "denoise",
        "decode"); an exception it raises (a cancel) stops the work there.
        """
        timings = {}
        started = time.perf_counter()
        controls = self.branches if controls is None else controls
        height = self.native_side if height is None else height  # None: the side the model was trained at
        width = self.native_side if width is None else width
        self._check(num_frames, fps, height, width, num_steps, controls, seed)
        graph = load_scene(scene, seed=seed, strict=strict) if isinstance(scene, str) else scene
        if num_frames is None and graph.settings.duration > MAX_SECONDS:
            raise GenerationError(f"the scene asks for {graph.settings.duration:g} s, but videos are at most "
                                  f"{MAX_SECONDS:g} s; ask for a shorter clip")
        tqdm(total=1, initial=1, desc="parse", unit="scene", disable=not progress).close()  # shown once it worked
        frames_wanted = num_frames or max(1, round(graph.settings.duration * fps))
        window = min(WINDOW, -(-frames_wanted // self.patch[0]) * self.patch[0])  # whole temporal patches
        starts = window_starts(frames_wanted)
        frames_made = starts[-1] + window
        timings["parse"] = time.perf_counter() - started

        report = on_progress or (lambda stage, done, total: None)
        report("physics", 0, 1)
        filmed = film(graph, frames_made, fps, width, height, seed, progress)
        timings.update(filmed.timings)
        frames, rollout, camera = filmed.frames, filmed.rollout, filmed.camera

        started = time.perf_counter()
        text = caption(graph)
        video = self._denoise(frames, starts, window, text, instance_phrases(graph),
                              torch.from_numpy(light_features(graph))[None], tuple(controls), control_scales,
                              num_steps, guidance, method, seed, progress, first_frame, report)
        timings["denoise"] = time.perf_counter() - started
        return PipelineOutput(video=video[:frames_wanted], frames=frames.window(0, frames_wanted),
                              rollout=rollout.first(frames_wanted), camera=camera.first(frames_wanted), graph=graph,
                              caption=text, timings=timings, warnings=list(graph.warnings))

    def _denoise(self, frames: Frames, starts: list[int], window: int, text: str, phrases: list[str],
                 light: torch.Tensor, controls: tuple[str, ...], control_scales: dict[str, float] | None,
                 num_steps: int, guidance: Guidance, method: str, seed: int, progress: bool,
                 first_frame: bool, report: Progress) -> np.ndarray:
        """[T, H, W, 3] uint8 over all windows; each window's first OVERLAP frames are the previous one's last
        (in latent space for a latent model, decoded at the end); with `first_frame`, the first window's first
        frame is the render's."""
        noise = torch.Generator().manual_seed(seed)
        width, height = frames.size
        cell, scale = self.pixels_per_cell, self.generator.config.dit.control_scale
        grid_width, grid_height = width // cell, height // cell  # what the DiT denoises
        control_size = (grid_width * scale, grid_height * scale)
        pieces = []  # [C, t, h, w], each window's new frames (pixels in [-1, 1], or scaled latents)
        previous = None
        for window_index, start in enumerate(tqdm(starts, desc="denoise", unit="window", disable=not progress)):
            def on_step(step: int, steps: int, window_index=window_index) -> None:
                report("denoise", window_index * steps + step, len(starts) * steps)  # every step of every window
            maps = encode_controls(frames.window(start, start + window), size=control_size, branches=controls)
            if previous is not None:
                known = previous[:, :, -OVERLAP:]
            else:
                known = self._first_frame(frames) if first_frame else None
            clip = self.generator.sample(
                [text], controls=maps.maps, control_mask=maps.present, num_frames=window, height=grid_height,
                width=grid_width, steps=num_steps, method=method, guidance=guidance, generator=noise,
                control_scales=control_scales, instance_text=[phrases], light=light, known_frames=known,
                clamp=self.autoencoder is None, on_step=on_step)
            pieces.append(clip[0] if previous is None else clip[0, :, OVERLAP:])
            previous = clip
        video = torch.cat(pieces, dim=1)[None]  # [1, C, T', h, w]
        report("decode", 0, 1)
        if self.autoencoder is not None:
            with torch.inference_mode():
                video = self.autoencoder.decode(video.float() / self.autoencoder.scaling_factor)  # [1, 3, T', H, W]
        pixels = (video[0].permute(1, 2, 3, 0).float().cpu().numpy() + 1) * 127.5  # [T', H, W, 3]
        return pixels.round().clip(0, 255).astype(np.uint8)

    def _first_frame(self, frames: Frames) -> torch.Tensor:
        """The render's first frame as the DiT sees it: [1, C, 1, h, w] (pixels in [-1, 1], or scaled latents)."""
        pixels = torch.from_numpy(frames.rgb[:1]).permute(3, 0, 1, 2)[None].float() / 127.5 - 1  # [1, 3, 1, H, W]
        if self.autoencoder is None:
            return pixels.to(self.generator.device)
        with torch.inference_mode():
            latents = self.autoencoder.encode(pixels.to(self.generator.device))  # [1, C, 1, h, w]
        return latents * self.autoencoder.scaling_factor

    def _check(self, num_frames, fps, height, width, num_steps, controls, seed) -> None:
        """One clear error for the first impossible parameter."""
        _, patch_h, patch_w = (side * self.pixels_per_cell for side in self.patch)
        if num_frames is not None and not (isinstance(num_frames, int) and num_frames >= 1):
            raise GenerationError(f"num_frames must be a positive integer, got {num_frames!r}")
        if not (isinstance(fps, int) and 1 <= fps <= 60):
            raise GenerationError(f"fps must be an integer from 1 to 60, got {fps!r}")
        if num_frames is not None and num_frames / fps > MAX_SECONDS:
            raise GenerationError(f"{num_frames} frames at {fps} fps are {num_frames / fps:g} s, but videos are at "
                                  f"most {MAX_SECONDS:g} s; ask for fewer frames")
        for name, size, multiple in (("height", height, patch_h), ("width", width, patch_w)):
            if not (isinstance(size, int) and 4 * multiple <= size <= MAX_SIDE and size % multiple == 0):
                raise GenerationError(f"{name} must be a multiple of {multiple} pixels from {4 * multiple} to "
                                      f"{MAX_SIDE}; got {size!r}")
        check_steps(num_steps)
        unknown = [name for name in controls if name not in self.branches]
        if unknown or len(set(controls)) != len(controls):
            raise GenerationError(f"controls must be distinct names among {', '.join(self.branches)}; "
                                  f"got {list(controls)}")
        check_run_seed(seed)
