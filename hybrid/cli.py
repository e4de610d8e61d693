"""The `kinema` command line: every command has --help; bad input exits 2 with a one-line message."""

import argparse
import json
import sys
from pathlib import Path

from scenes.errors import SceneError

EXIT_BAD_INPUT = 2


def _seed(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"a seed is a whole number >= 0, got {value}")
    return value


def cmd_parse(args: argparse.Namespace) -> None:
    from hybrid.summary import summarize
    from scenes.parser import parse_prompt

    graph = parse_prompt(args.prompt, seed=args.seed)
    print(graph.to_json() if args.json else summarize(graph))


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


def cmd_schema(args: argparse.Namespace) -> None:
    from scenes.schema import SceneDocument

    print(json.dumps(SceneDocument.model_json_schema(), indent=2))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kinema", description="Physics-engine-guided video generation: scenes, simulation, controls, video.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    parse = commands.add_parser("parse", help="parse a prompt into a scene graph",
                                description="Parse an English prompt into a laid-out scene graph and print it. "
                                "Known words: objects (ball, cube, box, crate, can, cylinder, cone, domino, plank, "
                                "ramp, wall, ...), colours, sizes (tiny, small, large, huge, '30 cm'), materials "
                                "(rubber, wood, metal, glass, ice, plastic, stone), relations (left of, behind, on, "
                                "next to, inside, ...), motions (falls from 2 m, rolls toward, is thrown at, slides "
                                "down, topples, bounces, collides with), camera moves (zooms in, orbits, pans left, "
                                "follows, static camera) and durations (for 4 seconds).")
    parse.add_argument("prompt", help='the prompt, e.g. "a red ball falls onto a blue box"')
    parse.add_argument("--seed", type=_seed, default=0, help="seed of every random choice (default 0)")
    parse.add_argument("--json", action="store_true", help="print the graph as JSON instead of a summary")
    parse.set_defaults(run=cmd_parse)

    check = commands.add_parser("check", help="validate a scene script",
                                description="Load a YAML scene script, solve its layout and print the scene; "
                                "errors name the file, line and field.")
    check.add_argument("script", help="path to a .yaml scene script")
    check.add_argument("--seed", type=_seed, default=None, help="override the script's seed")
    check.add_argument("--json", action="store_true", help="print the graph as JSON instead of a summary")
    check.add_argument("--allow-outside", action="store_true",
                       help="let mesh paths point outside the script's folder")
    check.set_defaults(run=cmd_check)

    scenes = commands.add_parser("scenes", help="list the example scene library",
                                 description="List the example scenes shipped in scenes/library.")
    scenes.set_defaults(run=cmd_scenes)

    schema = commands.add_parser("schema", help="print the JSON Schema of scene graphs",
                                 description="Print the JSON Schema that `kinema parse --json` output follows.")
    schema.set_defaults(run=cmd_schema)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        args.run(args)
    except SceneError as error:
        print(f"kinema {args.command}: error: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except (FileNotFoundError, IsADirectoryError, PermissionError) as error:
        print(f"kinema {args.command}: error: {error.strerror}: {error.filename}", file=sys.stderr)
        return EXIT_BAD_INPUT
    return 0


if __name__ == "__main__":
    sys.exit(main())
