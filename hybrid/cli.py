"""The `kinema` command line: every command has --help; bad input, an unusable output or device and any OS error
exit 2 with a one-line message; a reader that closes the pipe (`kinema schema | head`) ends it quietly; Ctrl-C
is one line and exit 130."""

import argparse
import errno
import json
import math
import os
import re
import sys
from pathlib import Path

from dit.errors import DiTError
from fileio import UserFileError, writable_folder
from hybrid.errors import GenerationError
from scenes.errors import SceneError
from scenes.seeding import MAX_SEED
from sim.errors import SimError

EXIT_BAD_INPUT = 2
EXIT_BROKEN_PIPE = 128 + 13  # what a shell reports for a program SIGPIPE ended, as `yes | head` does
EXIT_INTERRUPTED = 128 + 2  # what a shell reports for a program SIGINT (Ctrl-C) ended
SEEDS = f"0 to {MAX_SEED}"
STRICT_HELP = "refuse the prompt if it has words kinema would ignore (unknown describing words, views)"
# Limits checked again where they live, mirrored so the parser names the option without importing torch:
MAX_STEPS = 1000  # hybrid.pipeline.MAX_STEPS
MAX_GUIDANCE = 20.0  # dit.flow_matching.MAX_GUIDANCE
MAX_ABLATION_SEEDS = 100  # hybrid.ablation.MAX_SEEDS
# A leading '-' followed by a digit, '.digit', inf or nan is a negative number (-1e9, -.5, -inf, -16:9): a value
# for the option's type to judge, not an unknown option (argparse's own pattern misses -inf and -1e9).
NEGATIVE_NUMBER = re.compile(r"-(\.?\d|(inf|infinity|nan)$)", re.IGNORECASE)


def _say(line: str) -> None:
    """Print `line` as one line on stderr; where stderr is closed, the exit status alone must tell."""
    if sys.stderr is None:  # fd 2 was closed at start: print(file=None) would write to stdout instead
        return
    try:
        print(" ".join(line.splitlines()), file=sys.stderr)
    except (OSError, ValueError):
        pass


class Parser(argparse.ArgumentParser):
    """argparse with a one-line error (`kinema simulate: error: argument --seed: ... (see kinema simulate --help)`)
    instead of a usage block, no abbreviated options (`--see 3` is not `--seed 3`), and negative numbers read as
    values, so `--text-guidance -1e9` gets its type's message rather than "expected one argument"."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, allow_abbrev=False, **kwargs)
        self._negative_number_matcher = NEGATIVE_NUMBER

    def parse_known_args(self, args=None, namespace=None):
        """As parse_args, refusing what is unknown: argparse hands a command's unknown arguments up to `kinema`,
        whose error would point at the wrong --help; here the command itself names them."""
        namespace, unknown = super().parse_known_args(args, namespace)
        if unknown:
            self.error(f"unrecognized arguments: {' '.join(unknown)}")
        return namespace, unknown

    def error(self, message: str):
        _say(f"{self.prog}: error: {message} (see {self.prog} --help)")
        self.exit(EXIT_BAD_INPUT)


def _seed(text: str) -> int:
    if not re.fullmatch(r"\d+", text.strip()) or int(text) > MAX_SEED:
        raise argparse.ArgumentTypeError(f"a seed is a whole number from {SEEDS}, got {text!r}")
    return int(text)


def cmd_parse(args: argparse.Namespace) -> None:
    from hybrid.summary import summarize
    from scenes.parser import parse_prompt

    graph = parse_prompt(args.prompt, seed=args.seed, strict=args.strict)
    _warn(graph.warnings)
    print(graph.to_json() if args.json else summarize(graph))


def _warn(warnings: list[str]) -> None:
    """Each ignored word of a prompt on its own line of stderr."""
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)


def cmd_check(args: argparse.Namespace) -> None:
    from hybrid.summary import summarize
    from scenes.script import load_script

    graph = load_script(Path(args.script), seed=args.seed, allow_outside=args.allow_outside)
    print(graph.to_json() if args.json else summarize(graph))
    print(f"ok: {args.script} is a valid scene script", file=sys.stderr)


def cmd_scenes(args: argparse.Namespace) -> None:
    from scenes.script import library_scripts, script_description

    scripts = library_scripts()
    width = max(len(path.stem) for path in scripts)
    for path in scripts:
        print(f"{path.stem:<{width}}  {script_description(path)}")
    print(f"\n{len(scripts)} scenes in {scripts[0].parent}; run `kinema check PATH` to see one", file=sys.stderr)


def _finite(text: str) -> float:
    """An argparse type: a finite number (nan or inf would reach the model and write black frames)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
    return value


def _whole_number(low: int, high: int):
    """An argparse type: a whole number from `low` to `high`."""
    def read(text: str) -> int:
        if not re.fullmatch(r"\d+", text.strip()) or not low <= int(text) <= high:
            raise argparse.ArgumentTypeError(f"expected a whole number from {low} to {high}, got {text!r}")
        return int(text)
    return read


def _guidance(text: str) -> float:
    """An argparse type: a guidance scale, a number from 0 to MAX_GUIDANCE."""
    value = _finite(text)
    if not 0 <= value <= MAX_GUIDANCE:
        raise argparse.ArgumentTypeError(f"expected a number from 0 to {MAX_GUIDANCE:g}, got {text!r}")
    return value


def _positive(kind):
    """An argparse type: a number above 0 read by `kind` (`int` or `_finite`)."""
    def read(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a positive whole number, got {text!r}") from None
        if value <= 0:
            raise argparse.ArgumentTypeError(f"must be positive, got {text}")
        return value
    return read


def _simulated(args: argparse.Namespace):
    from hybrid.scene_input import load_scene
    from sim import simulate

    graph = load_scene(args.scene, seed=args.seed)
    rollout = simulate(graph, seconds=args.seconds, fps=args.fps, progress=True)
    return graph, rollout


def cmd_simulate(args: argparse.Namespace) -> None:
    from sim.rollout import rollout_outputs, save_rollout

    outputs = rollout_outputs(Path(args.out))  # a folder that cannot take the rollout is refused before simulating
    graph, rollout = _simulated(args)
    folder = save_rollout(Path(args.out), rollout, graph, outputs)
    print(f"wrote {folder / 'rollout.npz'} ({rollout.num_frames} frames at {rollout.fps:g} fps, "
          f"{len(rollout.body_ids)} bodies) and {folder / 'graph.json'}")


def cmd_render(args: argparse.Namespace) -> None:
    from fileio import OutputSet
    from hybrid.preview import control_strip
    from hybrid.video import write_video
    from sim import render, resolution
    from sim.rollout import GRAPH_FILE, RENDER_FILES, ROLLOUT_FILE, rollout_folder_files, write_rollout

    resolution(args.size, args.aspect)  # an impossible size fails before anything is simulated or written
    out = Path(args.out)
    frames_file, mp4, gif = RENDER_FILES
    previews = [mp4, gif] if args.gif else [mp4]
    outputs = OutputSet(out, [ROLLOUT_FILE, frames_file, *previews, GRAPH_FILE], marker=GRAPH_FILE, stale=[gif],
                        claims=rollout_folder_files)  # only an earlier rollout's files are replaced
    graph, rollout = _simulated(args)
    frames = render(rollout, graph, size=args.size, aspect=args.aspect, progress=True)
    strip = control_strip(frames)
    with outputs:  # one set, graph.json last: never a new rollout beside old frames
        write_rollout(out, rollout, graph, save=outputs.write)
        frames.save(out / frames_file, save=outputs.write)
        for name in previews:
            write_video(out / name, strip, fps=rollout.fps, save=outputs.write)
        outputs.publish()
    width, height = frames.size
    print(f"wrote {out / frames_file} ({frames.num_frames} frames of {width}x{height}: rgb, depth, "
          f"segmentation, flow) and {out / mp4} (rgb | depth | segmentation | flow | uv)")


def _scene_arguments(command: argparse.ArgumentParser) -> None:
    command.add_argument("scene", metavar="PROMPT_OR_SCRIPT",
                         help="a prompt in quotes, a .yaml scene script, or a library scene name (kinema scenes)")
    command.add_argument("--out", required=True, help="output folder")
    command.add_argument("--seconds", type=_positive(_finite), default=None,
                         help="clip length (default: the scene's duration)")
    command.add_argument("--fps", type=_positive(int), default=None, help="video frames per second (default: the scene's)")
    command.add_argument("--seed", type=_seed, default=None,
                         help=f"seed, {SEEDS} (default: the script's, or 0 for prompts)")


def _model_arguments(command: argparse.ArgumentParser, backends: bool = False) -> None:
    command.add_argument("--model", default="default",
                         help="'default' (the shipped model), a checkpoint folder or a training run folder"
                              + ("; for --backend wan-vace, a local Wan-VACE diffusers folder" if backends else ""))
    command.add_argument("--device", default="cpu",
                         help="cpu (default), cuda, cuda:N, mps or auto (CUDA if there is one, else the CPU)")
    if backends:
        command.add_argument("--backend", choices=BACKENDS, default="kinema",
                             help="kinema (its own model, default) or wan-vace (a pretrained Wan2.1/2.2-VACE run by "
                                  "diffusers' WanVACEPipeline from --model, steered by one control video; needs "
                                  'pip install -e ".[diffusers]")')


def _shard(text: str) -> tuple[int, int]:
    match = re.fullmatch(r"(\d+)/(\d+)", text)
    if not match or not int(match.group(1)) < int(match.group(2)):
        raise argparse.ArgumentTypeError(f"expected I/K with 0 <= I < K (e.g. 0/4), got {text!r}")
    return int(match.group(1)), int(match.group(2))


def cmd_dataset(args: argparse.Namespace) -> None:
    from hybrid.dataset import DatasetSpec, write_shard

    index, count = args.shard
    spec = DatasetSpec(seed=args.seed, clips=args.clips, size=args.size, frames=args.frames, fps=args.fps)
    path = write_shard(Path(args.out), spec, index, count, progress=True)
    print(f"wrote {path}")


def cmd_train(args: argparse.Namespace) -> None:
    from hybrid.training import train_from_recipe

    metrics = train_from_recipe(Path(args.config), Path(args.data), Path(args.out), resume=args.resume)
    print(f"trained to step {metrics['step']} (loss {metrics['loss']:.4f}); checkpoint {metrics['checkpoint']}")


def cmd_autoencoder_train(args: argparse.Namespace) -> None:
    from dit.autoencoder_train import AutoencoderRecipe, train_autoencoder
    from hybrid.autoencoder_data import training_frames

    recipe = AutoencoderRecipe.read(Path(args.config))  # a bad recipe fails before the shards are read
    metrics = train_autoencoder(recipe, training_frames(Path(args.data)), Path(args.out), resume=args.resume)
    loss = "" if metrics["loss"] is None else f" (loss {metrics['loss']:.4f}, batch PSNR {metrics['psnr_db']:.1f} dB)"
    print(f"trained to step {metrics['step']}{loss}; model {metrics['model']} (scaling factor "
          f"{metrics['scaling_factor']:.4f})")


def cmd_autoencoder_evaluate(args: argparse.Namespace) -> None:
    from dit.autoencoder import FrameAutoencoder
    from dit.autoencoder_train import evaluate_autoencoder
    from fileio import write_bytes_atomically
    from hybrid.autoencoder_data import held_out_clips
    from hybrid.metrics import ssim

    model = FrameAutoencoder.from_pretrained(Path(args.model))
    report = evaluate_autoencoder(model, held_out_clips(Path(args.data)), ssim=ssim, progress=True)
    report = {"model": str(args.model), "data": str(args.data), **report}
    write_bytes_atomically(Path(args.out), (json.dumps(report, indent=1) + "\n").encode())
    mean, flicker = report["mean"], report["mean"]["flicker_ratio"]
    costliest = ", ".join(f"{name} {row['psnr_db']:.1f} dB" for name, row in list(report["per_group"].items())[:3])
    print(f"{report['clips']} clips: PSNR {mean['psnr_db']:.2f} dB, SSIM {mean['ssim']:.4f}, flicker ratio "
          f"{'n/a' if flicker is None else f'{flicker:.3f}'}; costliest: {costliest}\nwrote {args.out}")


def cmd_autoencoder_encode(args: argparse.Namespace) -> None:
    from hybrid.latents import encode_dataset

    written = encode_dataset(Path(args.data), Path(args.model), progress=True)
    print(f"encoded {len(written)} shards" + (f" ({written[0].name} ... {written[-1].name})" if written else
                                               "; every shard's latents were up to date"))


# conditioning.BRANCHES and the wan-vace backend's layout, without importing torch for the parser
CONTROLS = ("depth", "flow", "segmentation", "uv", "layout")
VARIANTS = ("none", "first-frame", *CONTROLS, "all")  # hybrid.ablation.VARIANTS
BACKENDS = ("kinema", "wan-vace")  # hybrid.backends.BACKENDS


def _conditioning_scale(text: str) -> float:
    value = _finite(text)
    if not 0 <= value <= 10:
        raise argparse.ArgumentTypeError(f"must be from 0 to 10, got {text}")
    return value


def _names_among(choices: tuple[str, ...]):
    """An argparse type: a comma-separated, non-empty list of names from `choices`."""
    def read(text: str) -> tuple[str, ...]:
        names = tuple(name.strip() for name in text.split(",") if name.strip())
        if not names or any(name not in choices for name in names):
            raise argparse.ArgumentTypeError(f"expected a comma-separated list of {', '.join(choices)}, got {text!r}")
        return names
    return read


def cmd_generate(args: argparse.Namespace) -> None:
    from dit.flow_matching import Guidance
    from hybrid.generation import generate

    controls = () if args.no_physics else args.controls
    guidance = None  # the backend's own, unless a scale is given (wan-vace refuses control guidance)
    if args.text_guidance is not None or args.control_guidance != 1.0:
        text = Guidance().text if args.text_guidance is None else args.text_guidance
        guidance = Guidance(text=text, controls=args.control_guidance)
    out = generate(args.prompt, duration_seconds=args.seconds, aspect_ratio=args.aspect, resolution=args.resolution,
                   fps=args.fps, seed=args.seed, out=Path(args.out), steps=args.steps, controls=controls,
                   guidance=guidance, model=args.model, device=args.device, gif=args.gif, progress=True,
                   strict=args.strict, backend=args.backend, control_scale=args.conditioning_scale)
    sidecar = json.loads(out.with_suffix(".json").read_text())
    _warn(sidecar["warnings"])
    timings = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in sidecar["timings_seconds"].items())
    video = sidecar["video"]
    others = ", ".join(str(out.with_name(name)) for kind, name in sidecar["outputs"].items() if kind != "video")
    print(f"wrote {out} ({video['frames']} frames of {video['width']}x{video['height']} at "
          f"{sidecar['parameters']['fps']} fps), "
          f"{others} and {out.with_suffix('.json')}\n"
          f"caption: {sidecar['caption']}\ntimings: {timings}")


def cmd_evaluate(args: argparse.Namespace) -> None:
    from hybrid.evaluate import as_records, evaluate, summary
    from hybrid.pipeline import Pipeline
    from fileio import write_atomically

    pipe = Pipeline.from_pretrained(args.model, device=args.device)
    scores = evaluate(pipe, count=args.scenes, num_frames=args.frames, size=args.size, num_steps=args.steps,
                      seed=args.seed, progress=True)
    table = summary(scores)
    report = {"model": str(pipe.model_path), "sha256": pipe.model_sha256, "scenes": args.scenes,
              "frames": args.frames, "size": args.size or pipe.native_side, "steps": args.steps, "seed": args.seed,
              "summary": table,
              "per_scene": as_records(scores)}
    write_atomically(Path(args.out), lambda temporary: temporary.write_text(json.dumps(report, indent=2) + "\n"))
    for variant, row in table.items():
        print(f"{variant:>11}: IoU {row['iou']:.3f} (render keyed the same way: {row['iou_of_render']:.3f}, "
              f"{row['scenes_with_keyable_bodies']} of {row['scenes']} scenes scored), PSNR {row['psnr_db']:.2f} dB "
              f"(at 64x64 {row['psnr_64_db']:.2f}), SSIM {row['ssim']:.3f}, colour error: bodies "
              f"{row['body_colour_error']:.1f}, background {row['background_colour_error']:.1f} levels")
    print(f"wrote {args.out}")


def cmd_ablate(args: argparse.Namespace) -> None:
    from hybrid.ablation import ablate

    table = ablate(args.suite, variants=args.variants, seeds=args.seeds, out=Path(args.out), model=args.model,
                   num_frames=args.frames, steps=args.steps, device=args.device, progress=True,
                   backend=args.backend, resolution=args.resolution)
    print(table)
    print(f"wrote {len(table.rows)} runs to {args.out}: results.csv, results.json, report.md, metrics.png, grids/")


def cmd_export(args: argparse.Namespace) -> None:
    import torch

    from dit.checkpoint import export_generator, resolve_checkpoint
    from hybrid.latents import attach_autoencoder, find_autoencoder

    dtype = {"fp16": torch.float16, "fp32": torch.float32}[args.dtype]
    folder = export_generator(Path(args.source), Path(args.out), dtype=dtype)
    autoencoder = find_autoencoder(resolve_checkpoint(Path(args.source)))  # a latent model takes its decoder along
    extra = "" if autoencoder is None else f" and its autoencoder {attach_autoencoder(autoencoder, folder, replace=True)}"
    print(f"wrote {folder / 'model.safetensors'} and {folder / 'config.json'} ({args.dtype}){extra}")


def cmd_controls(args: argparse.Namespace) -> None:
    from hybrid.control_export import MARKER, export_controls

    done = export_controls(args.scene, Path(args.out), format=args.format, resolution=args.resolution,
                           aspect=args.aspect, num_frames=args.frames, fps=args.fps, seed=args.seed, progress=True,
                           strict=args.strict)
    for notice in done.notices:
        _say(f"notice: {notice}")
    print(f"wrote the {args.format} control videos of {done.frames} frames of {done.width}x{done.height} at "
          f"{done.fps} fps into {done.folder} (what each file is and the rules used: {done.folder / MARKER})")


def cmd_studio(args: argparse.Namespace) -> None:
    from hybrid.studio import serve

    serve(host=args.host, port=args.port, model=args.model, device=args.device, allow_remote=args.allow_remote)


def cmd_schema(args: argparse.Namespace) -> None:
    from scenes.schema import SceneDocument

    print(json.dumps(SceneDocument.model_json_schema(), indent=2))


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="kinema", description="Physics-engine-guided video generation: scenes, simulation, controls, video.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=Parser)

    parse = commands.add_parser("parse", help="parse a prompt into a scene graph",
                                description="Parse an English prompt into a laid-out scene graph and print it. "
                                "Known words: about 230 everyday objects (scenes/lexicon.yaml: ball, table, plate, "
                                "mug, vase, bowling pin, basketball, toy car, book, bottle, apple, domino, ramp, ...), "
                                "colours, sizes (tiny, small, large, huge, '30 cm'), materials (rubber, wood, metal, "
                                "glass, ice, plastic, stone, ceramic, cardboard, paper, foam), relations (left of, "
                                "behind, on, next to, inside, between, on the left, ...), motions (falls from 2 m, "
                                "rolls toward, is thrown at, slides off, topples, bounces 3 times, hits, knocks over, "
                                "is knocked over by), commands (drop, throw, put, stack, push, roll), sequences "
                                "(then, after 2 seconds, one after another), camera moves (zooms in, orbits, pans "
                                "left, follows, static camera) and durations (for 4 seconds). Unknown describing "
                                "words are ignored with a warning; animals, people, liquids, gases, cloth, fire and "
                                "plants are out of scope.")
    parse.add_argument("prompt", help='the prompt, e.g. "a red ball falls onto a blue box"')
    parse.add_argument("--seed", type=_seed, default=0, help=f"seed of every random choice, {SEEDS} (default 0)")
    parse.add_argument("--json", action="store_true", help="print the graph as JSON instead of a summary")
    parse.add_argument("--strict", action="store_true", help=STRICT_HELP)
    parse.set_defaults(run=cmd_parse)

    check = commands.add_parser("check", help="validate a scene script",
                                description="Load a YAML scene script, solve its layout and print the scene; "
                                "errors name the file, line and field.")
    check.add_argument("script", help="path to a .yaml scene script")
    check.add_argument("--seed", type=_seed, default=None, help=f"override the script's seed ({SEEDS})")
    check.add_argument("--json", action="store_true", help="print the graph as JSON instead of a summary")
    check.add_argument("--allow-outside", action="store_true",
                       help="let mesh paths point outside the script's folder")
    check.set_defaults(run=cmd_check)

    scenes = commands.add_parser("scenes", help="list the example scene library",
                                 description="List the example scenes shipped in scenes/library.")
    scenes.set_defaults(run=cmd_scenes)

    simulate = commands.add_parser("simulate", help="simulate a scene with PyBullet and save the rollout",
                                   description="Simulate a prompt or scene script deterministically and write "
                                   "rollout.npz (poses, velocities, contacts per frame) and graph.json to --out.")
    _scene_arguments(simulate)
    simulate.set_defaults(run=cmd_simulate)

    render = commands.add_parser("render", help="simulate and render RGB, depth, segmentation and flow",
                                 description="Simulate a scene, render per-frame RGB, depth, instance segmentation "
                                 "and exact optical flow, and write frames.npz plus preview.mp4 showing them side "
                                 "by side.")
    _scene_arguments(render)
    render.add_argument("--size", type=_positive(int), default=256, help="shorter image side in pixels (default 256)")
    render.add_argument("--aspect", default="16:9", choices=("16:9", "9:16", "1:1", "4:3"),
                        help="aspect ratio (default 16:9)")
    render.add_argument("--gif", action="store_true", help="also write preview.gif")
    render.set_defaults(run=cmd_render)

    dataset = commands.add_parser("dataset", help="make a training shard from random simulated scenes",
                                  description="Draw random scenes, simulate and render them, and write one "
                                  "compressed shard (RGB, depth, segmentation, flow, captions, graphs). A shard is "
                                  "fully determined by its arguments, so shards can be made anywhere, in any order: "
                                  "run I = 0..K-1 with the same --clips/--seed, e.g. as an array job.")
    dataset.add_argument("--out", required=True, help="dataset folder")
    dataset.add_argument("--clips", type=_positive(int), required=True, help="clips in the whole dataset")
    dataset.add_argument("--shard", type=_shard, default=(0, 1), help="which shard to make, I/K (default 0/1)")
    dataset.add_argument("--seed", type=_seed, default=0, help=f"dataset seed, {SEEDS} (default 0)")
    dataset.add_argument("--size", type=_positive(int), default=64, help="square frame size in pixels (default 64)")
    dataset.add_argument("--frames", type=_positive(int), default=16, help="frames per clip (default 16)")
    dataset.add_argument("--fps", type=_positive(int), default=8, help="frames per second (default 8)")
    dataset.set_defaults(run=cmd_dataset)

    train = commands.add_parser("train", help="train the video model on dataset shards",
                                description="Train a VideoGenerator (text encoder + DiT with control branches) on "
                                "shards from `kinema dataset`, following a YAML recipe (see recipes/default.yaml). "
                                "Runs on a CPU, a GPU, or several under torchrun; --resume continues exactly.")
    train.add_argument("--config", required=True, help="training recipe (YAML)")
    train.add_argument("--data", required=True, help="folder of dataset shards")
    train.add_argument("--out", required=True, help="run folder (checkpoints, metrics.jsonl)")
    train.add_argument("--resume", action="store_true", help="continue from the run folder's latest checkpoint")
    train.set_defaults(run=cmd_train)

    autoencoder = commands.add_parser(
        "autoencoder", help="train or evaluate the video autoencoder (8x smaller latents for a latent DiT)",
        description="The per-frame video autoencoder of dit/autoencoder.py: 16-channel latents 8x smaller in each "
        "side. `train` learns it from shards of `kinema dataset --size 256`; `evaluate` scores its reconstructions "
        "of held-out shards.")
    autoencoder_commands = autoencoder.add_subparsers(dest="autoencoder_command", required=True, metavar="COMMAND",
                                                      parser_class=Parser)
    autoencoder_train = autoencoder_commands.add_parser(
        "train", help="train the autoencoder on dataset shards",
        description="Train the autoencoder on random crops of the frames in --data, following a YAML recipe (see "
        "recipes/autoencoder.yaml); checkpoints go to --out and, at the last step, the model to OUT/model "
        "(model.safetensors + config.json with the measured scaling factor). --resume continues exactly.")
    autoencoder_train.add_argument("--config", required=True, help="autoencoder recipe (YAML)")
    autoencoder_train.add_argument("--data", required=True, help="folder of dataset shards")
    autoencoder_train.add_argument("--out", required=True, help="run folder (checkpoints, metrics.jsonl, model/)")
    autoencoder_train.add_argument("--resume", action="store_true",
                                   help="continue from the run folder's latest checkpoint")
    autoencoder_train.set_defaults(run=cmd_autoencoder_train, command="autoencoder train")
    autoencoder_evaluate = autoencoder_commands.add_parser(
        "evaluate", help="score the autoencoder's reconstructions of held-out shards",
        description="Encode and decode every clip of the shards in --data and score the uint8 reconstructions: "
        "PSNR, SSIM, flicker ratio (frame-to-frame change of the reconstruction over the input's), the worst 5 "
        "clips by PSNR with their captions, and the MSE per pixel grouped by the material of the body covering "
        "it (the ground and sky by the ground's texture). Writes a JSON report.")
    autoencoder_evaluate.add_argument("--model", required=True,
                                      help="a model folder (e.g. RUN/model) or a training checkpoint folder")
    autoencoder_evaluate.add_argument("--data", required=True, help="folder of held-out dataset shards")
    autoencoder_evaluate.add_argument("--out", default="autoencoder_evaluation.json",
                                      help="report path (default autoencoder_evaluation.json)")
    autoencoder_evaluate.set_defaults(run=cmd_autoencoder_evaluate, command="autoencoder evaluate")
    autoencoder_encode = autoencoder_commands.add_parser(
        "encode", help="encode dataset shards into latents for a latent DiT",
        description="Encode the RGB of every shard in --data with the autoencoder and write "
        "latents-IIIII-of-KKKKK.npz beside each shard (float16, with the autoencoder's config and SHA-256, so "
        "training refuses latents of another one). Shards whose latents are up to date are skipped.")
    autoencoder_encode.add_argument("--model", required=True, help="the autoencoder's model folder")
    autoencoder_encode.add_argument("--data", required=True, help="folder of dataset shards")
    autoencoder_encode.set_defaults(run=cmd_autoencoder_encode, command="autoencoder encode")

    generate = commands.add_parser(
        "generate", help="generate a physically grounded video from a prompt",
        description="Parse the prompt (or load a scene script / library scene), simulate it with PyBullet, render "
        "depth, flow and segmentation, and let the video model generate a video those controls steer. Writes the "
        "video, OUT.preview.mp4 (depth | segmentation | flow | uv | simulator render | generated) and OUT.json (every "
        "parameter, the seed, the model's SHA-256 and the time per stage).")
    generate.add_argument("prompt", metavar="PROMPT_OR_SCRIPT",
                          help="a prompt in quotes, a .yaml scene script, or a library scene name")
    generate.add_argument("--out", default="video.mp4", help="output video, .mp4 or .gif (default video.mp4)")
    generate.add_argument("--seconds", type=_positive(_finite), default=None,
                          help="video length (default: the scene's duration, 3 s unless the prompt says)")
    generate.add_argument("--aspect", default=None,
                          help="aspect ratio: 1:1 (default; 16:9 for wan-vace), 16:9, 9:16 or 4:3")
    generate.add_argument("--resolution", default=None,
                          help="shorter side: 256p, 128p or 64p (default: the model's own, 256p for the shipped "
                               "one; 16:9 is then 256x448); for wan-vace 480p (default, 832x480 at 16:9), 720p, "
                               "NNNp or WIDTHxHEIGHT")
    generate.add_argument("--fps", type=_positive(int), default=None,
                          help="frames per second (default: as the model was trained, 8; 16 for wan-vace)")
    generate.add_argument("--seed", type=_seed, default=0,
                          help=f"seed of the layout and the noise, {SEEDS} (default 0)")
    generate.add_argument("--steps", type=_whole_number(1, MAX_STEPS), default=None,
                          help=f"sampler steps per window, 1 to {MAX_STEPS} (default 20; 50 for wan-vace)")
    generate.add_argument("--controls", type=_names_among(CONTROLS), default=None,
                          help="comma-separated controls that steer the model, among depth, flow, segmentation "
                          "and uv (default: every branch the model has); for wan-vace one of depth (default), "
                          "flow and layout")
    generate.add_argument("--no-physics", action="store_true",
                          help="text only: no control branch (the baseline the physics is measured against)")
    generate.add_argument("--text-guidance", type=_guidance, default=None,
                          help=f"text guidance scale, 0 to {MAX_GUIDANCE:g} (default 1; 5 for wan-vace, its "
                               "guidance_scale)")
    generate.add_argument("--control-guidance", type=_guidance, default=1.0,
                          help=f"control guidance scale, 0 to {MAX_GUIDANCE:g} (default 1; wan-vace has none)")
    generate.add_argument("--conditioning-scale", type=_conditioning_scale, default=None,
                          help="how strongly the controls steer, 0 to 10 (default 1): Wan's conditioning_scale, "
                               "the scale of kinema's control branches")
    _model_arguments(generate, backends=True)
    generate.add_argument("--gif", action="store_true", help="also write the video as a GIF")
    generate.add_argument("--strict", action="store_true", help=STRICT_HELP)
    generate.set_defaults(run=cmd_generate)

    evaluate = commands.add_parser(
        "evaluate", help="score a model on held-out scenes against the simulator's ground truth",
        description="Generate held-out scenes (half from the example library, the README's prompt, the rest "
        "sampled with a seed training never used) with all controls, with none, and from the simulator's first "
        "frame with none, and score each against the simulator: colour-keyed object mask IoU, each body's and "
        "the background's mean colour error, PSNR (also at 64x64) and SSIM to the render. Writes a JSON report.")
    _model_arguments(evaluate)
    evaluate.add_argument("--scenes", type=_positive(int), default=20, help="held-out scenes (default 20)")
    evaluate.add_argument("--frames", type=_positive(int), default=16, help="frames per clip (default 16)")
    evaluate.add_argument("--size", type=_positive(int), default=None,
                          help="square frame side in pixels (default: the model's own, 256 for the shipped one)")
    evaluate.add_argument("--steps", type=_whole_number(1, MAX_STEPS), default=20,
                          help=f"sampler steps, 1 to {MAX_STEPS} (default 20)")
    evaluate.add_argument("--seed", type=_seed, default=0, help=f"seed, {SEEDS} (default 0)")
    evaluate.add_argument("--out", default="evaluation.json", help="report path (default evaluation.json)")
    evaluate.set_defaults(run=cmd_evaluate)

    ablate = commands.add_parser(
        "ablate", help="measure what each physics control buys, against the simulator's ground truth",
        description="Generate every scene of a suite with each set of control branches (same seeds, same noise) "
        "and score every run against the simulator: mask IoU, centroid and velocity errors, permanence, relation "
        "compliance, counts, flicker, warping error, PSNR/SSIM, motion ratio, and the Physics-IQ benchmark's "
        "motion-mask IoUs, MSE and score (against a second take: the scene re-simulated from starts moved by "
        "1 mm). Finished runs are kept, so an interrupted ablation resumes. Writes results.csv, results.json, "
        "report.md (mean and 95 %% interval per metric per variant), metrics.png and grids/SCENE.mp4.")
    ablate.add_argument("--suite", choices=("library", "random", "ood"), default="library",
                        help="library (example scenes), random (held-out sampled scenes) or ood (outside the "
                        "training ranges); default library")
    ablate.add_argument("--variants", type=_names_among(VARIANTS), default=None,
                        help="comma-separated control sets among none, first-frame (no controls, the "
                        "simulator's first frame pinned: image-to-video), depth, flow, segmentation, uv, layout "
                        "(wan-vace) and all (default: none, first-frame, each of the model's controls alone, and "
                        "all where the model combines them)")
    ablate.add_argument("--seeds", type=_whole_number(1, MAX_ABLATION_SEEDS), default=1,
                        help=f"seeds per scene and variant, 1 to {MAX_ABLATION_SEEDS} (default 1)")
    ablate.add_argument("--out", default="runs/ablation", help="output folder (default runs/ablation)")
    _model_arguments(ablate, backends=True)
    ablate.add_argument("--frames", type=_positive(int), default=None,
                        help="frames per run (default: each scene's duration at 8 fps; 16 fps for wan-vace)")
    ablate.add_argument("--steps", type=_whole_number(1, MAX_STEPS), default=None,
                        help=f"sampler steps, 1 to {MAX_STEPS} (default 20; 50 for wan-vace)")
    ablate.add_argument("--resolution", default=None,
                        help="frame size (default: the model's own, square for kinema; 480p, 832x480, for "
                             "wan-vace)")
    ablate.set_defaults(run=cmd_ablate)

    export = commands.add_parser("export", help="export a trained checkpoint for inference",
                                 description="Copy a checkpoint's (EMA) weights, or a run folder's latest, to an "
                                 "inference folder: model.safetensors (fp16 by default) + config.json.")
    export.add_argument("source", metavar="RUN", help="a training run folder or one of its step_* checkpoints")
    export.add_argument("out", help="the model folder to write (its model files are replaced, other files kept)")
    export.add_argument("--dtype", choices=("fp16", "fp32"), default="fp16", help="stored precision (default fp16)")
    export.set_defaults(run=cmd_export)

    controls = commands.add_parser(
        "controls", help="export a scene's physics as control videos for pretrained video models",
        description="Simulate and render the scene, then write its control videos in the conventions of a video "
        "model family: vace (Wan2.1/2.2-VACE through diffusers' WanVACEPipeline: 4k + 1 frames, sides of 16, "
        "16 fps), cogvideox-fun (CogVideoX-Fun-Control: 4k + 1 frames up to 49, 8 fps) or raw (kinema's exact "
        "maps as .npy as well). Depth is a grey video (near is bright), flow a colour-wheel video plus flow.npy, "
        "segmentation and layout colour masks, masks black = keep and white = generate, and the first frame a "
        "PNG; controls.json names the family's rules and every value used. Frame counts and sizes the family "
        "cannot take are rounded as its pipeline would, with a notice.")
    controls.add_argument("scene", metavar="PROMPT_OR_SCRIPT",
                          help="a prompt in quotes, a .yaml scene script, or a library scene name (kinema scenes)")
    controls.add_argument("--out", required=True, help="output folder")
    controls.add_argument("--format", choices=("vace", "cogvideox-fun", "raw"), default="vace",
                          help="the model family's conventions (default vace)")
    controls.add_argument("--resolution", default="480p",
                          help="480p, 720p (the family's trained sizes: 832x480 for vace at 16:9), any NNNp, or "
                               "WIDTHxHEIGHT (default 480p)")
    controls.add_argument("--aspect", default="16:9", choices=("16:9", "9:16", "1:1", "4:3"),
                          help="aspect ratio for an NNNp resolution (default 16:9)")
    controls.add_argument("--frames", type=_positive(int), default=None,
                          help="frames (default: the scene's duration at --fps, at most the family's longest clip, "
                               "81 for vace); rounded to 4k + 1 where the family needs it")
    controls.add_argument("--fps", type=_positive(int), default=None,
                          help="frames per second (default: the family's, 16 for vace, 8 for cogvideox-fun)")
    controls.add_argument("--seed", type=_seed, default=None,
                          help=f"seed of the layout and the simulation, {SEEDS} (default: the script's, else 0)")
    controls.add_argument("--strict", action="store_true", help=STRICT_HELP)
    controls.set_defaults(run=cmd_controls)

    studio = commands.add_parser(
        "studio", help="a local web page to author scenes, see their physics live and generate",
        description="Serve kinema studio: a prompt box and a scene-script editor whose parse and physics preview "
        "(the simulator's render beside depth, segmentation, flow and uv, no model) update as you type; Generate "
        "runs the model in a one-at-a-time queue with progress and cancel, and Compare sets all controls "
        "against none (or the first frame) with the key metrics. It binds to loopback (127.0.0.1) unless "
        "--allow-remote is given.")
    studio.add_argument("--port", type=_whole_number(1, 65535), default=8765, help="port (default 8765)")
    studio.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1, this machine)")
    studio.add_argument("--allow-remote", action="store_true",
                        help="allow a --host other machines can reach (the studio has no login)")
    _model_arguments(studio)
    studio.set_defaults(run=cmd_studio)

    schema = commands.add_parser("schema", help="print the JSON Schema of scene graphs",
                                 description="Print the JSON Schema that `kinema parse --json` output follows.")
    schema.set_defaults(run=cmd_schema)
    return parser


# commands whose --out is a folder
FOLDER_OUTPUTS = ("simulate", "render", "dataset", "train", "ablate", "export", "autoencoder train", "controls")


def _check_before_work(args: argparse.Namespace) -> None:
    """Fail in one line before any work on a --device this machine lacks or an output that cannot be written,
    not after minutes of simulation or training (generate() proves its own output folder)."""
    if getattr(args, "device", None) is not None:
        from dit.devices import resolve_device  # torch loads only for the commands that run the model

        resolve_device(args.device)
    if args.command in ("evaluate", "autoencoder evaluate"):
        if Path(args.out).is_dir():
            raise UserFileError(f"--out {args.out} is a folder; give the path of the report file to write")
        writable_folder(Path(args.out).parent, "report's folder", create=False)
    elif args.command in FOLDER_OUTPUTS:
        writable_folder(Path(args.out), create=False)
    elif args.command == "autoencoder encode":  # the latents go beside the shards
        writable_folder(Path(args.data), "dataset folder", create=False)


OS_ERROR_HINTS = {
    errno.EROFS: "the disk is read-only; choose a folder on a writable disk",
    errno.ENOSPC: "the disk is full; free some space or choose another disk",
    errno.EACCES: "check its permissions, or choose a place you can read and write",
    errno.EPERM: "check its permissions, or choose a place you can read and write",
    errno.ENOENT: "check the path",
    errno.EEXIST: "something is in the way; choose another name or remove it",
    errno.ENOTDIR: "a part of the path is a file, not a folder; choose another path",
    errno.EISDIR: "it is a folder; give the path of a file",
    errno.ENAMETOOLONG: "choose a shorter path",
}


def _describe_os_error(error: OSError) -> str:
    """One line for any OSError: the file(s), the reason, the error number and a hint, e.g.
    "/mnt/ro/run: Read-only file system (errno 30, EROFS); the disk is read-only; choose a folder on ..."."""
    files = " -> ".join(str(name) for name in (error.filename, error.filename2) if name is not None)
    code = f" (errno {error.errno}, {errno.errorcode.get(error.errno, '?')})" if error.errno else ""
    reason = f"{error.strerror or str(error) or type(error).__name__}{code}"
    hint = OS_ERROR_HINTS.get(error.errno, "check the path and that the disk is working")
    return f"{files + ': ' if files else ''}{reason}; {hint}"


def _fail(command: str, message: str) -> int:
    """Print `kinema COMMAND: error: MESSAGE` as one line on stderr and return the bad-input status."""
    _say(f"kinema {command}: error: {message}")
    return EXIT_BAD_INPUT


# What a Ctrl-C leaves: every command publishes its outputs atomically (a file, or a `fileio.OutputSet` marker
# last), so a cancelled run publishes nothing, except the two that keep finished work to continue from.
INTERRUPTED = {"train": "the checkpoints saved so far are kept; continue with --resume",
               "autoencoder train": "the checkpoints saved so far are kept; continue with --resume",
               "ablate": "the finished runs are kept; run the same command again to resume"}


def _interrupted(command: str) -> int:
    _say(f"kinema {command}: interrupted; {INTERRUPTED.get(command, 'nothing was published')}")
    return EXIT_INTERRUPTED


def _stdout_gone() -> int:
    """The reader of stdout went away (`kinema schema | head`): point stdout at /dev/null, so the exit-time flush
    of what is still buffered cannot fail again, and end quietly, as a program SIGPIPE ended would."""
    try:
        stdout = sys.stdout.fileno()
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stdout)
        os.close(devnull)
    except (OSError, ValueError):  # stdout has no file descriptor (captured): nothing is left to flush there
        pass
    return EXIT_BROKEN_PIPE


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        _check_before_work(args)
        args.run(args)
        if sys.stdout is None:  # fd 1 was closed at start (`kinema parse ... >&-`): print() wrote nowhere
            return EXIT_BROKEN_PIPE
        sys.stdout.flush()  # a closed pipe shows here, not at exit as "Exception ignored ... BrokenPipeError"
    except KeyboardInterrupt:
        return _interrupted(args.command)
    except BrokenPipeError:
        return _stdout_gone()
    except (SceneError, SimError, DiTError, GenerationError, UserFileError) as error:
        return _fail(args.command, str(error))
    except OSError as error:
        return _fail(args.command, _describe_os_error(error))
    return 0


if __name__ == "__main__":
    sys.exit(main())
