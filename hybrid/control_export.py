"""`kinema controls`: a scene's physics as control videos in the conventions of a pretrained video model family
(`hybrid.control_families`), published as one set into a folder with a `controls.json` that names the family's
rules and every value used.

Files: depth.mp4, flow.mp4 (+ flow.npy, kinema's exact forward flow), segmentation.mp4, layout.mp4, mask.mp4
(generate everything under a control), first_frame.png, first_frame_video.mp4 + first_frame_mask.mp4 (the
first frame kept, the rest generated: image-to-video), render.mp4 (the simulator's own render) and
preview.mp4 (render | depth | flow | segmentation | layout). The raw format adds kinema's exact maps as .npy.
"""

import json
import platform
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

from fileio import OutputSet
from hybrid.control_families import ControlFamily, family, frame_size, plan_frames
from hybrid.control_videos import (disparity_of, disparity_video, first_frame_video, flow_wheel_video,
                                   from_previous_frame, layout_video, mask_video, segmentation_video)
from hybrid.errors import GenerationError
from hybrid.filming import Film, film
from hybrid.preview import label_columns
from hybrid.scene_input import load_scene
from hybrid.video import write_video
from scenes.caption import caption
from sim.frames import Frames

MARKER = "controls.json"
PREVIEW_HEIGHT = 240  # pixels: the preview's columns are shrunk by whole steps to about this height
MEANING = {
    "depth.mp4": "depth control: {depth}",
    "flow.mp4": "flow control: {flow}",
    "flow.npy": "float32 [T, H, W, 2]: kinema's exact forward flow in pixels, frame t -> t + 1, x right, y down "
                "(0 where the point is hidden or leaves the frame)",
    "segmentation.mp4": "colour masks: one colour per body on black (the ground and sky)",
    "layout.mp4": "layout control: each body's outline in its colour on white",
    "mask.mp4": "mask for a control video: all white ({mask})",
    "first_frame.png": "the simulator's first frame",
    "first_frame_video.mp4": "image-to-video input: the first frame, then grey frames to generate",
    "first_frame_mask.mp4": "its mask: frame 0 black (keep), the rest white (generate)",
    "render.mp4": "the simulator's render (the physics' ground truth, not a control)",
    "preview.mp4": "render | depth | flow | segmentation | layout, side by side",
    "depth.npy": "float32 [T, H, W]: planar depth in metres, 0 where there is no surface",
    "segmentation.npy": "int32 [T, H, W]: 0 = ground and sky, k = the k-th body of the scene graph",
    "valid_flow.npy": "bool [T, H, W]: where flow.npy is defined (the point is seen in frame t + 1)",
}
RAW_ONLY = ("depth.npy", "segmentation.npy", "valid_flow.npy")


@dataclass
class ExportedControls:
    folder: Path
    frames: int
    width: int
    height: int
    fps: int
    notices: list[str]  # frame counts and sizes the family's rules changed


def control_picture(name: str, frames: Frames, rules: ControlFamily) -> np.ndarray:
    """[T, H, W, 3] uint8: the control video `name` (depth, flow, segmentation or layout) of `frames` as the
    family pictures it."""
    if name == "depth":
        return disparity_video(frames.depth)
    if name == "flow":
        return flow_wheel_video(pictured_flow(frames, rules))
    if name == "segmentation":
        return segmentation_video(frames.segmentation)
    if name == "layout":
        return layout_video(frames.segmentation)
    raise GenerationError(f"unknown control video {name!r}; choose depth, flow, segmentation or layout")


def export_controls(scene: str, out: str | Path, format: str = "vace", resolution: str = "480p",
                    aspect: str = "16:9", num_frames: int | None = None, fps: int | None = None,
                    seed: int | None = None, progress: bool = False, strict: bool = False) -> ExportedControls:
    """Film `scene` (a prompt, a scene script or a library scene name) and write its control videos for `format`
    ("vace", "cogvideox-fun" or "raw") into the folder `out`; every argument is checked before the work."""
    rules = family(format)
    out = Path(out)
    names = [name for name in MEANING if format == "raw" or name not in RAW_ONLY] + [MARKER]
    outputs = OutputSet(out, names, marker=MARKER)  # an unusable folder is refused before any work
    graph = load_scene(scene, seed=seed, strict=strict)
    count, fps, notices = plan_frames(rules, graph.settings.duration, num_frames, fps)
    width, height, size_notice = frame_size(rules, resolution, aspect)
    notices += [size_notice] if size_notice else []
    filmed = film(graph, count, fps, width, height, 0 if seed is None else seed, progress)
    pictures = control_pictures(filmed.frames, rules)
    with outputs:
        for name in tqdm([n for n in names if n != MARKER], desc="write", unit="file", disable=not progress):
            _write(outputs, out / name, pictures, filmed, fps)
        record = {
            "format": format, "family": rules.rules(), "scene": scene, "caption": caption(graph),
            "warnings": list(graph.warnings), "notices": notices, "seed": seed,
            "clip": {"frames": count, "asked_frames": num_frames, "fps": fps, "width": width, "height": height,
                     "seconds": count / fps, "resolution": resolution, "aspect": aspect},
            "normalisation": normalisation(filmed.frames, rules),
            "files": outputs.file_records(), "outputs": {name: name for name in names if name != MARKER},
            "meaning": {name: MEANING[name].format(**rules.rules()) for name in names if name != MARKER},
            "arguments": {name: f"{rules.pipeline}({argument}=...)" for name, argument in rules.arguments.items()},
            "graph": json.loads(graph.to_json()),
            "timings_seconds": {name: round(seconds, 3) for name, seconds in filmed.timings.items()},
            "software": {"python": platform.python_version()},
        }
        outputs.write(out / MARKER, lambda path: path.write_text(json.dumps(record, indent=2) + "\n"))
        outputs.publish()
    return ExportedControls(out, count, width, height, fps, notices)


def pictured_flow(frames: Frames, rules: ControlFamily) -> np.ndarray:
    """[T, H, W, 2] flow in the frame order the family pictures it (VACE: frame t shows t - 1 -> t)."""
    return from_previous_frame(frames.flow) if rules.flow_from_previous else frames.flow


def control_pictures(frames: Frames, rules: ControlFamily) -> dict[str, np.ndarray]:
    """Every picture of the export, by file name: [T, H, W, 3] uint8 videos and the first frame."""
    count, height, width = frames.segmentation.shape
    pictures = {f"{name}.mp4": control_picture(name, frames, rules)
                for name in ("depth", "flow", "segmentation", "layout")}
    pictures |= {"mask.mp4": mask_video(count, height, width),
                 "first_frame_video.mp4": first_frame_video(frames.rgb),
                 "first_frame_mask.mp4": mask_video(count, height, width, keep_first=True),
                 "render.mp4": frames.rgb, "first_frame.png": frames.rgb[0]}
    step = max(1, height // PREVIEW_HEIGHT)  # a 480p preview of five columns is shown at half size
    columns = {"render": frames.rgb, **{name: pictures[f"{name}.mp4"] for name in ("depth", "flow", "segmentation",
                                                                                   "layout")}}
    pictures["preview.mp4"] = label_columns({name: video[:, ::step, ::step] for name, video in columns.items()})
    return pictures


def normalisation(frames: Frames, rules: ControlFamily) -> dict[str, list[float]]:
    """Per frame, what the pictures' full scale stands for, so they can be read back as numbers: the disparity
    range (1/m) that depth's 0-255 spans, and the speed (px/frame) of the flow wheel's full saturation."""
    disparity = disparity_of(frames.depth.astype(np.float64))
    flow = pictured_flow(frames, rules)
    return {"depth_disparity_low": disparity.min(axis=(1, 2)).round(6).tolist(),
            "depth_disparity_high": disparity.max(axis=(1, 2)).round(6).tolist(),
            "flow_full_speed_px": np.hypot(flow[..., 0], flow[..., 1]).max(axis=(1, 2)).round(4).tolist()}


def _write(outputs: OutputSet, path: Path, pictures: dict[str, np.ndarray], filmed: Film, fps: int) -> None:
    """Stage one file of the set."""
    arrays = {"flow.npy": filmed.frames.flow, "depth.npy": filmed.frames.depth,
              "segmentation.npy": filmed.frames.segmentation, "valid_flow.npy": filmed.frames.valid_flow}
    if path.suffix == ".mp4":
        write_video(path, pictures[path.name], fps, save=outputs.write)
    elif path.suffix == ".png":
        outputs.write(path, lambda staged: _save_png(staged, pictures[path.name]))
    else:
        outputs.write(path, lambda staged: _save_npy(staged, arrays[path.name]))


def _save_png(path: Path, image: np.ndarray) -> None:
    from PIL import Image

    Image.fromarray(image).save(path, format="PNG")


def _save_npy(path: Path, array: np.ndarray) -> None:
    with open(path, "wb") as handle:
        np.save(handle, np.ascontiguousarray(array), allow_pickle=False)
