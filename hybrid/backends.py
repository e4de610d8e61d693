"""The video models kinema steers with its physics: its own DiT ("kinema", `hybrid.pipeline.Pipeline`) and a
pretrained Wan-VACE through diffusers ("wan-vace", `hybrid.wan_vace.WanVacePipeline`). Both are called alike
and return a `PipelineOutput`, so generate and ablate treat them the same."""

from pathlib import Path

from hybrid.control_families import FAMILIES, frame_size, plan_frames
from hybrid.errors import GenerationError
from hybrid.pipeline import Pipeline, video_size
from hybrid.wan_vace import WanVacePipeline

BACKENDS = ("kinema", "wan-vace")


def load_backend(backend: str, model: str | Path = "default", device: str = "cpu") -> Pipeline | WanVacePipeline:
    """The `backend`'s pipeline of `model` on `device`: kinema's shipped model ("default") or a checkpoint
    folder; for wan-vace a local Wan-VACE diffusers folder."""
    if backend == "kinema":
        return Pipeline.from_pretrained(model, device=device)
    if backend == "wan-vace":
        if str(model) == "default":
            raise GenerationError("the wan-vace backend needs --model PATH, a local Wan2.1-VACE diffusers folder "
                                  "(see the README's section on Wan-VACE)")
        return WanVacePipeline.from_pretrained(model, device=device)
    raise GenerationError(f"unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}")


def check_request(backend: str, resolution: str | None, aspect: str | None = None,
                  controls: tuple[str, ...] | None = None, seconds: float | None = None, fps: int | None = None
                  ) -> None:
    """Refuse what the backend cannot make (a resolution or aspect, `aspect` None: its default; for wan-vace
    also its controls and a clip too long), before any model loads."""
    if backend == "wan-vace":
        frame_size(FAMILIES["vace"], resolution or WanVacePipeline.default_resolution,
                   aspect or WanVacePipeline.default_aspect)
        if controls is not None:
            WanVacePipeline.check_controls(tuple(controls), first_frame=False)
        if seconds is not None:
            fps = WanVacePipeline.default_fps if fps is None else fps
            plan_frames(FAMILIES["vace"], seconds, max(1, round(seconds * fps)), fps)
    elif backend == "kinema":
        video_size(resolution or "64p", aspect or Pipeline.default_aspect)
    else:
        raise GenerationError(f"unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}")
