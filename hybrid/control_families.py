"""The rules of the video-model families that take control videos: how many frames, what sizes, what fps, and what
their control pictures mean. One declared table, read by `kinema controls` and by the wan-vace backend, so an
exported control video and the one the backend feeds are made by the same rules.

Sources: diffusers 0.42.1 (`WanVACEPipeline`: num_frames - 1 must divide by the VAE's temporal factor 4 and is
rounded down to 4k + 1; height and width must divide by 8 x patch 2 = 16; mask white = generate, black = keep;
`CogVideoXFunControlPipeline`: 49 frames of 4k + 1, sides of 16) and the annotators the models were trained
with (VACE's depth annotator: disparity min-max normalised per frame, near bright; its flow annotator: RAFT's
colour wheel of the flow from the frame before, normalised per frame).
"""

from pydantic import BaseModel, ConfigDict

from hybrid.errors import GenerationError
from hybrid.pipeline import MAX_SECONDS
from sim.camera import ASPECTS


class ControlFamily(BaseModel):
    """What one family of video models expects of its control videos."""

    model_config = ConfigDict(frozen=True)

    name: str
    models: str  # the models that take these controls
    pipeline: str  # the diffusers pipeline that runs them, or "" for kinema's own files
    frame_step: int  # frame counts are frame_step * k + 1 (1: any count)
    max_frames: int  # the longest clip the models make in one pass
    default_frames: int
    size_multiple: int  # height and width must be multiples of this
    fps: int  # the frame rate the models were trained at
    sizes: dict[str, tuple[int, int]]  # "RESOLUTION ASPECT" -> (width, height) the models were trained at
    controls: tuple[str, ...]  # the control videos the models take, first the default
    depth: str  # how depth is pictured
    flow: str  # how flow is pictured and which frames it joins
    flow_from_previous: bool  # frame t pictures the flow from t - 1 to t (else from t to t + 1)
    mask: str  # what the mask video's black and white mean
    arguments: dict[str, str]  # exported file -> the pipeline argument that takes it

    def rules(self) -> dict:
        """The family's rules as a JSON-ready record."""
        return self.model_dump()


_DEPTH = ("grey video of disparity (1 / planar depth, 0 where there is no surface), min-max normalised per frame "
          "to 0-255: near is bright")
_WHEEL = ("Middlebury colour wheel (hue = direction, saturation = speed), each frame normalised by its largest "
          "speed")
_MASK = "black (0) = keep the given pixels, white (255) = generate them"

FAMILIES = {
    "vace": ControlFamily(
        name="vace", models="Wan2.1-VACE-1.3B / 14B, Wan2.2-VACE-Fun", pipeline="diffusers.WanVACEPipeline",
        frame_step=4, max_frames=81, default_frames=81, size_multiple=16, fps=16,
        sizes={"480p 16:9": (832, 480), "480p 9:16": (480, 832), "720p 16:9": (1280, 720),
               "720p 9:16": (720, 1280)},
        controls=("depth", "flow", "layout"), depth=_DEPTH,
        flow=f"{_WHEEL}; frame t shows the flow from frame t - 1 to t (frame 0 repeats frame 1's), as VACE's "
             "flow annotator makes it",
        flow_from_previous=True, mask=_MASK,
        arguments={"depth.mp4": "video", "flow.mp4": "video", "layout.mp4": "video", "mask.mp4": "mask",
                   "first_frame_video.mp4": "video", "first_frame_mask.mp4": "mask"}),
    "cogvideox-fun": ControlFamily(
        name="cogvideox-fun", models="CogVideoX-Fun-V1.1-2b/5b-Control",
        pipeline="diffusers.CogVideoXFunControlPipeline", frame_step=4, max_frames=49, default_frames=49,
        size_multiple=16, fps=8, sizes={"480p 16:9": (720, 480), "480p 9:16": (480, 720)},
        controls=("depth",), depth=_DEPTH,
        flow=f"{_WHEEL}; frame t shows the flow from frame t - 1 to t (frame 0 repeats frame 1's)",
        flow_from_previous=True, mask=_MASK,
        arguments={"depth.mp4": "control_video"}),
    "raw": ControlFamily(
        name="raw", models="any: kinema's exact maps", pipeline="", frame_step=1, max_frames=16 * 60,
        default_frames=81, size_multiple=2, fps=16, sizes={}, controls=("depth", "flow", "layout"), depth=_DEPTH,
        flow=f"{_WHEEL}; frame t shows the flow from frame t to t + 1 (flow.npy: [T, H, W, 2] pixels, x right, "
             "y down)",
        flow_from_previous=False, mask=_MASK, arguments={}),
}
FORMATS = tuple(FAMILIES)


def family(name: str) -> ControlFamily:
    if name not in FAMILIES:
        raise GenerationError(f"unknown control format {name!r}; choose one of {', '.join(FORMATS)}")
    return FAMILIES[name]


def round_frames(rules: ControlFamily, count: int) -> tuple[int, str | None]:
    """The frame count the family's pipeline would make of `count` (diffusers takes count // frame_step *
    frame_step + 1 when count % frame_step != 1: 83 -> 81, 80 -> 81), and a notice when that differs."""
    if not (isinstance(count, int) and not isinstance(count, bool) and count >= 1):
        raise GenerationError(f"the frame count must be a positive whole number, got {count!r}")
    step = rules.frame_step
    made = max(1, count // step * step + 1) if step > 1 and count % step != 1 else count
    if made > rules.max_frames:
        raise GenerationError(f"{rules.models} make at most {rules.max_frames} frames in one pass "
                              f"({rules.max_frames / rules.fps:g} s at {rules.fps} fps); ask for fewer frames")
    if made == count:
        return count, None
    return made, (f"{count} frames is not {step}k + 1; {rules.pipeline or rules.name} rounds it to {made}, so "
                  f"{made} frames are made")


def frame_size(rules: ControlFamily, resolution: str, aspect: str = "16:9") -> tuple[int, int, str | None]:
    """(width, height, notice) for "480p" (with `aspect`) or "WIDTHxHEIGHT": the family's trained size where it
    has one, else the shorter side as asked and the longer from the aspect, to the nearest `size_multiple`;
    sides asked for that are not multiples are rounded down to one (as diffusers does with a control video),
    with a notice."""
    if aspect not in ASPECTS:
        raise GenerationError(f"unsupported aspect ratio {aspect!r}; choose one of {', '.join(ASPECTS)}")
    text = resolution.strip().lower()
    if f"{text} {aspect}" in rules.sizes:
        return (*rules.sizes[f"{text} {aspect}"], None)
    multiple = rules.size_multiple
    if text.endswith("p") and text[:-1].isdigit():
        asked = int(text[:-1])
        short = asked // multiple * multiple  # the longer side follows the rounded shorter one
        across, down = ASPECTS[aspect]
        long = multiple * round(short * max(across, down) / min(across, down) / multiple)  # 853.3 -> 848 by 16
        width, height = (long, short) if across >= down else (short, long)
        asked_size = f"{asked}p"
    elif "x" in text and all(part.isdigit() for part in text.split("x", 1)):
        width, height = (int(part) for part in text.split("x", 1))
        asked_size = f"{width}x{height}"
        width, height = width // multiple * multiple, height // multiple * multiple
    else:
        raise GenerationError(f"cannot read the resolution {resolution!r}; write it as 480p or as WIDTHxHEIGHT, "
                              "e.g. 832x480")
    if min(width, height) < multiple or max(width, height) > 4096:
        raise GenerationError(f"a {asked_size} frame is out of range; sides are {multiple} to 4096 pixels")
    if asked_size in (f"{width}x{height}", f"{min(width, height)}p"):
        return width, height, None
    return (width, height, f"{asked_size} is not a multiple of {multiple} pixels; "
                           f"{rules.pipeline or rules.name} takes {width}x{height}")


def plan_frames(rules: ControlFamily, duration: float, num_frames: int | None, fps: int | None
                ) -> tuple[int, int, list[str]]:
    """(frames, fps, notices) of a clip by the family's rules: `num_frames` as asked, else the scene's `duration`
    at `fps` (the family's own by default) shortened to the family's longest clip; then rounded as its pipeline
    would."""
    fps = rules.fps if fps is None else fps
    if not (isinstance(fps, int) and 1 <= fps <= 60):
        raise GenerationError(f"fps must be an integer from 1 to 60, got {fps!r}")
    notices = []
    if num_frames is None:
        num_frames = max(1, round(duration * fps))
        if num_frames > rules.max_frames:
            notices.append(f"the scene lasts {duration:g} s, {num_frames} frames at {fps} fps; {rules.models} make "
                           f"at most {rules.max_frames}, so the first {rules.max_frames} are made")
            num_frames = rules.max_frames
    if isinstance(num_frames, int) and num_frames / fps > MAX_SECONDS:
        raise GenerationError(f"{num_frames} frames at {fps} fps are {num_frames / fps:g} s, but clips are at most "
                              f"{MAX_SECONDS:g} s; ask for fewer frames")
    num_frames, rounded = round_frames(rules, num_frames)
    return num_frames, fps, notices + ([rounded] if rounded else [])
