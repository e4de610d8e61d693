"""Scene scripts: YAML files that describe a scene exactly, read into a `SceneGraph`.

A script is a mapping of sections; every one is optional except `bodies` (reference: docs/scene-scripts.md):

    version: 1                     # must be 1
    description: A red ball falls and bounces.    # one line, listed by `kinema scenes`
    seed: 0                        # seeds every draw below and the layout; load_script(seed=...) overrides it
    duration: 4 s
    gravity: [0, 0, -9.81]
    ground: {colour: grey, material: stone, texture: checker}   # plain, checker, grid, tiles, planks, concrete
    backdrop: {kind: corner, colour: white, side: left}          # or {sky: clear | hazy | overcast | dusk}
    camera: {motion: orbit, direction: left, amount: 60 deg, fov: 45 deg}   # also eye, look_at, target, zoom_mode
    lights: [{id: sun, kind: directional, direction: [0.3, 0.5, -1], intensity: 3}]
    bodies:
      - {id: ball, noun: ball, colour: red, material: rubber, size: 30 cm, velocity: [1, 0, 0]}
      - {id: cube, noun: cube, count: 5, arrangement: tower, colour: blue}
      - {noun: can, count: 3, colour: {choice: [red, green]}, size: {uniform: [10 cm, 20 cm]}}
    relations: [ball left_of cube_1]                      # or {subject, relation, object}
    actions: [{subject: ball, action: drop, height: 2 m}]
    events: [{frame: 12, body: ball, impulse: [0, 0, 3]}]

Every body needs a noun and a colour; it also takes shape, mass, static, mesh, position, orientation
([x, y, z, w] or {euler: [x, y, z]}) and angular_velocity. Quantities take units ("30 cm", "45 deg", "2 m/s");
bare numbers are SI (angles: radians), except Euler angles, which are degrees. Any value may instead be
{uniform: [low, high]}, {normal: [mean, std]} or {choice: [...]}: drawn from the seed's "content" stream in the
order written, anew for each copy of a body.

Reading is safe: the YAML is only composed (safe loader), then converted here by hand, so no tag can build a
Python object and nothing in a script runs. Booleans are YAML 1.2's (`true`/`false`), so `on` stays a word.
Scripts and meshes are read only from regular files of bounded size, and every mesh is read and checked here.
Every error is one line: `FILE:LINE: FIELD.PATH: what is wrong and how to fix it`, layout errors included.
"""

import difflib
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from pydantic import BaseModel, ValidationError

from fileio import UserFileError, read_bytes
from scenes import bodies
from scenes.errors import SceneError
from scenes.geometry import quat_from_euler
from scenes.graph import SceneGraph
from scenes.layout import lay_out
from scenes.schema import (
    ACTIONS, BACKDROPS, CAMERA_MOTIONS, DIRECTIONS, FLOOR_TEXTURES, MAX_BODIES, MAX_EXTENT, MAX_PIECES, MAX_VELOCITY,
    RELATIONS, SHAPES, SKIES, Action, Backdrop, Body, Breakable, Camera, CameraPath, Colour, Event, Ground, Group,
    Light, Material, Quat, Relation, Settings,
    too_short_for_a_frame,
)
from scenes.seeding import check_seed, scene_rng
from scenes.units import parse_quantity
from scenes.vocabulary import (
    DEFAULT_ORBIT_DEGREES, DEFAULT_PAN_DEGREES, DEFAULT_ZOOM, NOUN_FORMS, NOUNS, SIZE_WORDS,
)

LIBRARY_DIR = Path(__file__).parent / "library"
MAX_SCRIPT_BYTES = 2**20  # the library's scripts are 1-2 KB; a file past 1 MiB is not a scene script
MAX_COUNT = 100  # copies made by one body entry: more is a typo, and would make layout and simulation crawl
MAX_VALUES = 100_000  # values after expanding aliases: a few lines of nested aliases can expand exponentially
DISTRIBUTIONS = ("uniform", "normal", "choice")
SCHEMA_NAMES = {"velocity": "linear_velocity"}  # body keys named differently in scripts and in the schema
SCRIPT_NAMES = {field: key for key, field in SCHEMA_NAMES.items()}
# How far a camera moves when a script names the motion but no amount: the parser's defaults.
DEFAULT_AMOUNTS = {"zoom_in": DEFAULT_ZOOM, "zoom_out": DEFAULT_ZOOM,
                   "orbit": math.radians(DEFAULT_ORBIT_DEGREES), "pan": math.radians(DEFAULT_PAN_DEGREES)}

Where = tuple[str | int, ...]  # a place in a script: the keys and list indexes from its top
Reader = Callable[[Any, Where], Any]
Converter = Callable[[Any], float]


# --- public API -----------------------------------------------------------------------------------
def load_script(path: str | Path, seed: int | None = None, allow_outside: bool = False) -> SceneGraph:
    """The laid-out scene of a script: `read_script`, then poses solved from its relations and actions."""
    graph, script, parts = _read(Path(path), seed, allow_outside)
    try:
        return lay_out(graph, scene_rng(graph.settings.seed, "layout"))
    except SceneError as error:  # the layout sees the whole scene: locate it at the entry its message names
        raise script.fail(_layout_place(str(error), parts), str(error)) from None


def read_script(path: str | Path, seed: int | None = None, allow_outside: bool = False) -> SceneGraph:
    """The scene a script describes, before layout; `seed` overrides the script's own.

    Mesh files must lie in the script's folder unless `allow_outside`, so a script from elsewhere cannot
    make kinema read arbitrary files.
    """
    return _read(Path(path), seed, allow_outside)[0]


def _read(path: Path, seed: int | None, allow_outside: bool) -> tuple[SceneGraph, "_Script", dict[str, Any]]:
    """The graph of a script, with its reader and read sections (to locate errors found later)."""
    data, script = _open(path, allow_outside)
    if seed is None:
        seed = _seed(script, data.get("seed", 0), ("seed",))
    script.rng = scene_rng(seed, "content")
    parts = script.fields(data, (), _sections(script))
    given = {key: parts[key] for key in ("duration", "fps", "gravity") if key in parts}
    settings = script.record(Settings, given | {"seed": seed, "source": str(path)}, ())
    too_short = too_short_for_a_frame(settings.duration, settings.fps)
    if too_short:  # a duration under one frame: only a script's own duration can be that short
        raise script.fail(("duration",), too_short)
    return _build(script, parts, settings), script, parts


def script_description(path: str | Path) -> str:
    """The one-line `description:` of a script ("" if it has none), for `kinema scenes`."""
    data, script = _open(Path(path))
    return _description(script, data.get("description", ""), ("description",))


def library_scripts() -> list[Path]:
    """The example scripts shipped in scenes/library, sorted by name."""
    return sorted(LIBRARY_DIR.glob("*.yaml"))


# --- errors ---------------------------------------------------------------------------------------
def _field(where: Where) -> str:
    """'bodies[1].colour' for ('bodies', 1, 'colour')."""
    text = ""
    for part in where:
        text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else part
    return text


def _located(name: str, line: int, where: Where, message: str) -> SceneError:
    """The one-line error `FILE:LINE: FIELD.PATH: message`."""
    field = f"{_field(where)}: " if where else ""
    return SceneError(f"{name}:{line}: {field}{message}".replace("\n", " "))


def _did_you_mean(word: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(known), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _layout_place(message: str, parts: dict[str, Any]) -> Where:
    """The entry a layout error is about: the first relation, action or body all of whose bodies it names."""
    named = set(re.findall(r"\w+", message))
    made = parts.get("bodies", [])
    entries = [(where, {r.subject, r.object}) for where, r in _tower_relations(made) + parts.get("relations", [])]
    entries += [(where, {a.subject, a.target}) for where, a in parts.get("actions", [])]
    entries += [(where, {body.id}) for where, body in made]
    return next((where for where, ids in entries if ids - {"ground", None} <= named),
                ("camera",) if "camera" in named else ())


def _pydantic_message(error: dict[str, Any]) -> str:
    """A pydantic error's message, with what was written when that helps (not for our own validators)."""
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] not in ("value_error", "missing"):
        message += f"; got {error['input']!r}"
    return message


# --- YAML -> plain values with line numbers --------------------------------------------------------
_TAG = "tag:yaml.org,2002:"
_MERGE = _TAG + "merge"


class _Loader(yaml.SafeLoader):
    """The safe loader with YAML 1.2 booleans: only true/false, so `relation: on` stays the word 'on'."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != _TAG + "bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(_TAG + "bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


class _Tree:
    """Plain Python values from a composed YAML node tree, with the line where each value is written."""

    SCALAR_TAGS = {_TAG + name for name in ("str", "int", "float", "bool", "null")}

    def __init__(self, name: str):
        self.name = name
        self.lines: dict[Where, int] = {}
        self._scalars = _Loader("")  # asked to construct plain scalars only, never anything else
        self._open: set[int] = set()  # nodes being converted: an alias back to one of them is a loop
        self._size = 0

    def entry(self, node: yaml.Node, where: Where, line: int) -> Any:
        """The value at `where`, written on `line` (a mapping entry's key line, a list item's own line)."""
        self.lines[where] = line
        return self.convert(node, where)

    def convert(self, node: yaml.Node, where: Where) -> Any:
        self._size += 1
        if self._size > MAX_VALUES:
            raise self._fail(node, where, f"the script holds over {MAX_VALUES} values (aliases counted each time "
                             "they are used); use fewer aliases or a smaller scene")
        if id(node) in self._open:
            raise self._fail(node, where, "an alias refers to a mapping or list holding it; remove the loop")
        if isinstance(node, yaml.ScalarNode):
            return self._scalar(node, where)
        if node.tag != _TAG + ("seq" if isinstance(node, yaml.SequenceNode) else "map"):
            raise self._bad_tag(node, where)
        self._open.add(id(node))
        try:
            if isinstance(node, yaml.SequenceNode):
                return [self.entry(item, (*where, i), _line(item)) for i, item in enumerate(node.value)]
            return self._mapping(node, where)
        finally:
            self._open.discard(id(node))

    def _scalar(self, node: yaml.ScalarNode, where: Where) -> Any:
        if node.tag == _TAG + "timestamp":
            return node.value  # a date means nothing to a scene: keep the text
        if node.tag not in self.SCALAR_TAGS:
            raise self._bad_tag(node, where)
        try:
            return self._scalars.construct_object(node)
        except (ValueError, KeyError):
            tag = node.tag.removeprefix(_TAG)
            raise self._fail(node, where, f"cannot read {node.value!r} as {tag}; remove the tag") from None

    def _mapping(self, node: yaml.MappingNode, where: Where) -> dict[str, Any]:
        result: dict[str, Any] = {}
        # Merged mappings (`<<: *defaults`) go in first wherever they are written, so keys written here
        # override them; of several merged mappings, the first written wins (the YAML rule).
        merges = [value for key, value in node.value if key.tag == _MERGE]
        for source in reversed([source for merge in merges for source in self._merged(merge, where)]):
            result.update(self.convert(source, where))
        first_lines: dict[str, int] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                continue
            key = self._key(key_node, where)
            if key in first_lines:
                raise self._fail(key_node, (*where, key),
                                 f"duplicate key {key!r} (first on line {first_lines[key]}); keep only one")
            first_lines[key] = _line(key_node)
            result[key] = self.entry(value_node, (*where, key), _line(key_node))
        return result

    def _merged(self, node: yaml.Node, where: Where) -> list[yaml.MappingNode]:
        if isinstance(node, yaml.MappingNode):
            return [node]
        if isinstance(node, yaml.SequenceNode) and all(isinstance(item, yaml.MappingNode) for item in node.value):
            return node.value
        raise self._fail(node, where, "'<<' merges a mapping or a list of mappings, e.g. '<<: *defaults'")

    def _key(self, node: yaml.Node, where: Where) -> str:
        key = self._scalar(node, where) if isinstance(node, yaml.ScalarNode) else None
        if not isinstance(key, str):
            raise self._fail(node, where, "a key must be a word such as colour or size")
        return key

    def _bad_tag(self, node: yaml.Node, where: Where) -> SceneError:
        tag = node.tag.replace(_TAG, "!!")
        return self._fail(node, where, f"the tag {tag!r} is not allowed: a scene script holds only text, "
                                       "numbers, lists and mappings, and nothing in it is run; remove the tag")

    def _fail(self, node: yaml.Node, where: Where, message: str) -> SceneError:
        return _located(self.name, _line(node), where, message)


def _yaml_error(name: str, error: yaml.YAMLError, text: str) -> SceneError:
    """A YAML syntax error as one located line."""
    if isinstance(error, yaml.MarkedYAMLError):
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 1
        problem = error.problem or error.context or "malformed YAML"
        if error.problem and error.context:
            problem += f" ({error.context})"
    else:  # a ReaderError: a character YAML does not allow
        line = text.count("\n", 0, getattr(error, "position", 0)) + 1
        problem = str(error).splitlines()[0]
    return SceneError(f"{name}:{line}: invalid YAML: {problem}; check indentation, colons, quotes and brackets")


def _open(path: Path, allow_outside: bool = False) -> tuple[dict[str, Any], "_Script"]:
    """The top-level mapping of a script and a reader for its values."""
    name = str(path)
    try:
        raw = read_bytes(path, MAX_SCRIPT_BYTES, "scene script")  # a regular file: a FIFO or /dev/zero never ends
    except UserFileError as error:
        raise SceneError(str(error)) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise _encoding_error(name, raw, error) from None
    tree = _Tree(name)
    try:
        root = yaml.compose(text, Loader=_Loader)
        data = None if root is None else tree.entry(root, (), _line(root))
    except yaml.YAMLError as error:
        raise _yaml_error(name, error, text) from None
    except RecursionError:
        raise SceneError(f"{name}: the script is nested too deeply") from None
    if not isinstance(data, dict):
        raise SceneError(f"{name}:1: a scene script is a mapping of sections such as description, bodies and "
                         f"relations; this one is {'empty' if data is None else 'a ' + type(data).__name__}")
    return data, _Script(name, tree.lines, path.parent.resolve(), allow_outside)


def _encoding_error(name: str, raw: bytes, error: UnicodeDecodeError) -> SceneError:
    """Bad UTF-8, located at the first value holding an undecodable byte (else at the byte's own line)."""
    message = f"the script is not UTF-8 text (byte {raw[error.start]:#04x}); save it as UTF-8"
    tree = _Tree(name)
    try:
        root = yaml.compose(raw.decode("utf-8", "replace"), Loader=_Loader)
        where = None if root is None else _holding(tree.entry(root, (), _line(root)), (), "\ufffd")
    except (yaml.YAMLError, SceneError, RecursionError):
        where = None
    if where is None:  # in a comment, or in a script that does not parse
        return _located(name, raw.count(b"\n", 0, error.start) + 1, (), message)
    return _located(name, tree.lines[where], where, message)


def _holding(value: Any, where: Where, mark: str) -> Where | None:
    """The first place, in the order written, whose key or text value contains `mark`."""
    if isinstance(value, str):
        return where if mark in value else None
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        found = (*where, key) if isinstance(key, str) and mark in key else _holding(item, (*where, key), mark)
        if found is not None:
            return found
    return None


# --- reading values -------------------------------------------------------------------------------
def _distribution(value: Any) -> str | None:
    """'uniform', 'normal' or 'choice' when `value` is a one-key mapping asking for a random draw."""
    if isinstance(value, dict) and len(value) == 1 and next(iter(value)) in DISTRIBUTIONS:
        return next(iter(value))
    return None


def _converter(unit: str | Converter) -> Converter:
    return unit if callable(unit) else partial(parse_quantity, dimension=unit)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _euler_angle(value: Any) -> float:
    """An Euler angle in radians: units as written, and a bare number in degrees (how people write turns)."""
    angle = parse_quantity(value, "angle")
    return math.radians(angle) if not isinstance(value, str) or _is_number(value) else angle


class _Script:
    """Reads the values of one script: units, random draws and checks, every error located at its line."""

    def __init__(self, name: str, lines: dict[Where, int], folder: Path, allow_outside: bool):
        self.name = name
        self.lines = lines
        self.folder = folder
        self.allow_outside = allow_outside
        self.rng: np.random.Generator | None = None  # set once the seed is known, before any value is read
        self.meshes_read: set[Path] = set()  # checked once, however many bodies use them

    # errors
    def fail(self, where: Where, message: str) -> SceneError:
        """An error at `where`, on the line of the nearest enclosing value the script wrote."""
        nearest = where
        while nearest not in self.lines:
            nearest = nearest[:-1]
        return _located(self.name, self.lines[nearest], where, message)

    @contextmanager
    def at(self, where: Where, renames: dict[str, str] | None = None) -> Iterator[None]:
        """Locate errors of other modules (SceneError, pydantic's) at the script field they came from."""
        try:
            yield
        except SceneError as error:
            raise self.fail(where, str(error)) from None
        except ValidationError as error:
            first = error.errors()[0]
            loc = tuple(first["loc"])
            if loc and renames and loc[0] in renames:
                loc = (renames[loc[0]], *loc[1:])
            raise self.fail((*where, *loc), _pydantic_message(first)) from None

    def record(self, model: type[BaseModel], data: dict[str, Any], where: Where,
               renames: dict[str, str] | None = None) -> Any:
        """`model` validated from `data`; `renames` maps schema field names to the script's keys."""
        with self.at(where, renames):
            return model.model_validate(data)

    # structure
    def mapping(self, value: Any, where: Where) -> dict[str, Any]:
        if value is None:  # a section written with nothing under it
            return {}
        if not isinstance(value, dict):
            raise self.fail(where, f"expected a mapping of 'key: value' entries, got {value!r}")
        return value

    def fields(self, value: Any, where: Where, readers: dict[str, Reader], skip: Iterable[str] = (),
               required: Iterable[str] = ()) -> dict[str, Any]:
        """Each key of a mapping read by its reader in the order written (the order of random draws).

        Keys in `skip` are allowed but read by the caller.
        """
        value, skip = self.mapping(value, where), tuple(skip)
        allowed = [*skip, *readers]
        for key in value:
            if key not in allowed:
                raise self.fail((*where, key), f"unknown key {key!r}{_did_you_mean(key, allowed)}; "
                                               f"allowed keys: {', '.join(allowed)}")
        result = {key: readers[key](item, (*where, key)) for key, item in value.items() if key not in skip}
        for key in required:
            if key not in result:
                raise self.fail(where, f"{key} is missing; add '{key}: ...'")
        return result

    def sequence(self, value: Any, where: Where) -> list[tuple[Where, Any]]:
        """The items of a list with their places; a section written with nothing under it is empty."""
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.fail(where, f"expected a list of '- ' items, got {value!r}")
        return [((*where, i), item) for i, item in enumerate(value)]

    # random draws
    def pick(self, value: Any, where: Where) -> tuple[Any, Where]:
        """`value` itself, or what {choice: [...]} draws, with the place it was written."""
        kind = _distribution(value)
        if kind is None:
            return value, where
        if kind == "choice":
            return self.pick(*self._choose(value, where))
        raise self.fail(where, f"{kind} draws one number, which does not fit here; use {{choice: [...]}} to pick "
                               "a value, or draw each number of a list on its own")

    def _choose(self, value: dict[str, Any], where: Where) -> tuple[Any, Where]:
        options, where = value["choice"], (*where, "choice")
        if not isinstance(options, list) or not options:
            raise self.fail(where, "choice needs a non-empty list of values, e.g. {choice: [red, blue]}")
        index = int(self.rng.integers(len(options)))
        return options[index], (*where, index)

    def _draw(self, kind: str, bounds: Any, where: Where, convert: Converter, whole: bool) -> float:
        """A uniform or normal draw; whole-number uniform draws include both ends."""
        names = "low, high" if kind == "uniform" else "mean, std"
        if not isinstance(bounds, list) or len(bounds) != 2:
            raise self.fail(where, f"{kind} takes two values [{names}], e.g. {{{kind}: [1, 2]}}")
        a, b = (self._convert(bound, (*where, i), convert, whole and kind == "uniform")
                for i, bound in enumerate(bounds))
        if kind == "uniform":
            if a > b:
                raise self.fail(where, f"uniform needs low <= high, got [{bounds[0]}, {bounds[1]}]; swap them")
            return float(self.rng.integers(int(a), int(b) + 1)) if whole else float(self.rng.uniform(a, b))
        if b < 0:
            raise self.fail(where, f"normal needs a standard deviation >= 0, got {bounds[1]}")
        drawn = float(self.rng.normal(a, b))
        return float(round(drawn)) if whole else drawn

    # values
    def number(self, value: Any, where: Where, convert: Converter, whole: bool = False) -> float:
        """One number converted to SI units, drawn first if it is a distribution."""
        kind = _distribution(value)
        if kind == "choice":
            return self.number(*self._choose(value, where), convert, whole)
        if kind is not None:
            return self._draw(kind, value[kind], (*where, kind), convert, whole)
        return self._convert(value, where, convert, whole)

    def _convert(self, value: Any, where: Where, convert: Converter, whole: bool) -> float:
        with self.at(where):
            number = convert(value)
        if not math.isfinite(number):
            raise self.fail(where, f"expected a finite number, got {value!r}")
        if whole and not number.is_integer():
            raise self.fail(where, f"expected a whole number, got {value!r}")
        return number

    def scalar(self, unit: str | Converter = "number") -> Reader:
        """A reader of one number in SI units of `unit` (a scenes.units dimension, or a converter)."""
        return partial(self.number, convert=_converter(unit))

    def vector(self, unit: str | Converter = "number", n: int = 3) -> Reader:
        """A reader of a list of `n` numbers, each in SI units of `unit`."""
        return partial(self._vector, convert=_converter(unit), n=n)

    def _vector(self, value: Any, where: Where, convert: Converter, n: int) -> tuple[float, ...]:
        value, where = self.pick(value, where)
        if not isinstance(value, list) or len(value) != n:
            example = ", ".join(["0"] * n)
            raise self.fail(where, f"expected a list of {n} numbers, e.g. [{example}]; got {value!r}")
        return tuple(self.number(item, (*where, i), convert) for i, item in enumerate(value))

    def whole(self, low: int = 0, high: int | None = None) -> Reader:
        """A reader of a whole number from `low` to `high` (inclusive)."""
        return partial(self._whole, low=low, high=high)

    def _whole(self, value: Any, where: Where, low: int, high: int | None) -> int:
        number = int(self.number(value, where, _converter("number"), whole=True))
        if number < low or (high is not None and number > high):
            limit = f"from {low} to {high}" if high is not None else f">= {low}"
            raise self.fail(where, f"expected a whole number {limit}, got {number}")
        return number

    def one_of(self, words: Iterable[str], what: str, listed: Iterable[str] | None = None) -> Reader:
        """A reader of one of `words`; an unknown word is reported with a suggestion and the `listed` words."""
        return partial(self._word, words=tuple(words), what=what, listed=tuple(listed or words))

    def _word(self, value: Any, where: Where, words: tuple[str, ...], what: str, listed: tuple[str, ...]) -> str:
        value, where = self.pick(value, where)
        if isinstance(value, str) and value in words:
            return value
        hint = _did_you_mean(value, words) if isinstance(value, str) else ""
        plural = what[:-1] + "ies" if what.endswith("y") else what + "s"
        raise self.fail(where, f"unknown {what} {value!r}{hint}; known {plural}: {', '.join(listed)}")

    def text(self, value: Any, where: Where) -> str:
        value, where = self.pick(value, where)
        if not isinstance(value, str):
            raise self.fail(where, f"expected text, got {value!r}")
        return value

    def flag(self, value: Any, where: Where) -> bool:
        value, where = self.pick(value, where)
        if not isinstance(value, bool):
            raise self.fail(where, f"expected true or false, got {value!r}")
        return value

    def colour(self, value: Any, where: Where) -> Colour:
        """A colour name or synonym, [r, g, b] in 0..1 (named 'custom'), or {name: ..., rgb: [...]}."""
        value, where = self.pick(value, where)
        if isinstance(value, str):
            with self.at(where):
                return bodies.colour(value)
        if isinstance(value, list):
            value = {"name": "custom", "rgb": value}
        if not isinstance(value, dict):
            raise self.fail(where, "a colour is a name such as red, [r, g, b] in 0..1 or {name: ..., rgb: [...]}; "
                                   f"got {value!r}")
        fields = self.fields(value, where, {"name": self.text, "rgb": self.vector()}, required=("name", "rgb"))
        return self.record(Colour, fields, where)

    def material(self, value: Any, where: Where) -> Material:
        """A material name, or {name: rubber, friction: 0.9, ...} overriding the table's values."""
        value, where = self.pick(value, where)
        if isinstance(value, str):
            value = {"name": value}
        if not isinstance(value, dict):
            raise self.fail(where, f"a material is a name such as rubber, or {{name: rubber, friction: 0.9}}; "
                                   f"got {value!r}")
        readers = {"name": self.text, "density": self.scalar("density"), "friction": self.scalar(),
                   "restitution": self.scalar()}
        fields = self.fields(value, where, readers, required=("name",))
        with self.at((*where, "name")):
            table = bodies.material(fields["name"])
        return self.record(Material, dict(table) | fields, where)


# --- sections -------------------------------------------------------------------------------------
def _sections(script: _Script) -> dict[str, Reader]:
    """The reader of each top-level key."""
    return {
        "version": partial(_version, script),
        "description": partial(_description, script),
        "seed": partial(_seed, script),
        "duration": script.scalar("time"),
        "fps": script.whole(1),
        "gravity": script.vector("acceleration"),
        "ground": partial(_ground, script),
        "backdrop": partial(_backdrop, script),
        "camera": partial(_camera, script),
        "lights": partial(_listed, script, read=_light),
        "bodies": partial(_bodies, script),
        "relations": partial(_listed, script, read=_relation),
        "actions": partial(_listed, script, read=_action),
        "events": partial(_listed, script, read=_event),
    }


def _version(script: _Script, value: Any, where: Where) -> int:
    if isinstance(value, bool) or value != 1:
        raise script.fail(where, f"unknown script version {value!r}; the only version is 1")
    return 1


def _description(script: _Script, value: Any, where: Where) -> str:
    if not isinstance(value, str) or "\n" in value.strip():
        raise script.fail(where, "the description is one line of text (kinema scenes lists it)")
    return value.strip()


def _seed(script: _Script, value: Any, where: Where) -> int:
    # Read before the random generator exists, so a seed cannot itself be drawn.
    try:
        return check_seed(value)
    except SceneError as error:
        raise script.fail(where, str(error)) from None


def _listed(script: _Script, value: Any, where: Where, read: Callable[[_Script, Any, Where], Any]) -> list:
    """Each item of a list section read by `read`, kept with its place for errors found later."""
    return [(item_where, read(script, item, item_where)) for item_where, item in script.sequence(value, where)]


def _default_ground() -> Ground:
    return Ground(colour=bodies.colour("grey"), material=bodies.material("stone"))


def _ground(script: _Script, value: Any, where: Where) -> Ground:
    readers = {"colour": script.colour, "material": script.material,
               "texture": script.one_of(FLOOR_TEXTURES, "floor texture")}
    return script.record(Ground, dict(_default_ground()) | script.fields(value, where, readers), where)


def _backdrop(script: _Script, value: Any, where: Where) -> Backdrop:
    """A sky ({sky: dusk}) or walls ({kind: corner, colour: white, side: right}); walls are white unless told."""
    readers = {"kind": script.one_of(BACKDROPS, "backdrop"), "sky": script.one_of(SKIES, "sky"),
               "colour": script.colour, "side": script.one_of(("left", "right"), "side")}
    fields = script.fields(value, where, readers)
    kind = fields.get("kind", "sky")
    unused = {"colour": kind == "sky", "sky": kind != "sky", "side": kind != "corner"}
    for key in (key for key, ignored in unused.items() if ignored and key in fields):
        raise script.fail((*where, key), f"a {kind} backdrop has no {key}; remove it, or set kind: "
                                         f"{'wall or corner' if key == 'colour' else 'sky' if key == 'sky' else 'corner'}")
    if kind != "sky" and "colour" not in fields:
        fields["colour"] = bodies.colour("white")
    return script.record(Backdrop, fields, where)


def _camera(script: _Script, value: Any, where: Where) -> Camera:
    mapping = script.mapping(value, where)
    # The motion is read first: it decides whether `amount` is a fraction (zooms) or an angle (orbit, pan).
    motion = script.one_of(CAMERA_MOTIONS, "camera motion")(mapping.get("motion", "static"), (*where, "motion"))
    readers = {
        "direction": script.one_of(("left", "right"), "direction"),
        "amount": script.scalar("angle" if motion in ("orbit", "pan") else "number"),
        "zoom_mode": script.text, "target": script.text, "eye": script.vector("length"),
        "look_at": script.vector("length"), "fov": script.scalar("angle"),
    }
    fields = script.fields(mapping, where, readers, skip=("motion",))
    if "look_at" in fields and "eye" not in fields:
        raise script.fail((*where, "look_at"), "look_at needs eye; give both, or neither to let layout aim it")
    moves = {"motion": motion, "amount": DEFAULT_AMOUNTS.get(motion, 0.0)}
    moves |= {key: fields[key] for key in ("direction", "amount", "zoom_mode", "target") if key in fields}
    path = script.record(CameraPath, moves, where)
    pose = {key: fields[key] for key in ("eye", "look_at") if key in fields}
    if "fov" in fields:
        pose["fov_y"] = fields["fov"]
    pose |= {"path": path, "pose_from_author": "eye" in fields}
    return script.record(Camera, pose, where, {"fov_y": "fov"})


def _light(script: _Script, value: Any, where: Where) -> Light:
    readers = {"id": script.text, "kind": script.text, "direction": script.vector(),
               "position": script.vector("length"), "colour": script.colour, "intensity": script.scalar()}
    data = {"id": f"light_{where[-1] + 1}"} | script.fields(value, where, readers)
    if "colour" in data:
        data["rgb"] = data.pop("colour").rgb
    return script.record(Light, data, where, {"rgb": "colour"})


def _relation(script: _Script, value: Any, where: Where) -> Relation:
    """'SUBJECT RELATION OBJECT' (the relation may be spelt in words: 'ball in front of box'), or a mapping."""
    value, where = script.pick(value, where)
    if isinstance(value, str):
        words = value.split()
        if len(words) < 3:
            raise script.fail(where, f"cannot read {value!r} as a relation; write 'SUBJECT RELATION OBJECT', "
                                     "e.g. 'ball left_of box'")
        value = {"subject": words[0], "relation": "_".join(words[1:-1]), "object": words[-1]}
    readers = {"subject": script.text, "relation": script.one_of(RELATIONS, "relation"), "object": script.text}
    return script.record(Relation, script.fields(value, where, readers, required=readers), where)


def _action(script: _Script, value: Any, where: Where) -> Action:
    readers = {
        "subject": script.text, "action": script.one_of(ACTIONS, "action"), "target": script.text,
        "direction": script.one_of(DIRECTIONS, "direction"), "speed": script.scalar("speed"),
        "height": script.scalar("length"), "via": script.text, "after_fall": script.flag,
        "delay": script.scalar("time"),
    }
    return script.record(Action, script.fields(value, where, readers, required=("subject", "action")), where)


def _event(script: _Script, value: Any, where: Where) -> Event:
    readers = {"frame": script.whole(), "body": script.text, "impulse": script.vector("impulse"),
               "angular_impulse": script.vector("angular impulse"), "release": script.flag}
    return script.record(Event, script.fields(value, where, readers, required=("frame", "body")), where)


# --- bodies ---------------------------------------------------------------------------------------
def _body_readers(script: _Script) -> dict[str, Reader]:
    return {
        "noun": script.one_of(NOUN_FORMS, "noun", listed=NOUNS),
        "shape": script.one_of(SHAPES, "shape"),
        "size": partial(_size, script),
        "colour": script.colour,
        "material": script.material,
        "mass": script.scalar("mass"),
        "static": script.flag,
        "mesh": partial(_mesh, script),
        "position": script.vector("length"),
        "orientation": partial(_orientation, script),
        "velocity": script.vector("speed"),
        "angular_velocity": script.vector("angular speed"),
        "breakable": partial(_breakable, script),
    }


def _breakable(script: _Script, value: Any, where: Where) -> Breakable | None:
    """`true` (16 pieces, breaking at its material's speed), `false`, or {pieces: 16, threshold: 3 m/s}."""
    value, where = script.pick(value, where)
    if isinstance(value, bool):
        return Breakable() if value else None
    readers = {"pieces": script.whole(2, MAX_PIECES), "threshold": script.scalar("speed")}
    return script.record(Breakable, script.fields(value, where, readers), where)


def _bodies(script: _Script, value: Any, where: Where) -> list[tuple[Where, Body]]:
    """Every body of every entry: an entry with `count` makes that many copies, each drawn anew."""
    readers = _body_readers(script)
    made: list[tuple[Where, Body]] = []
    numbers: Counter[str] = Counter()  # unnamed bodies are numbered per noun, unnamed groups per arrangement
    entries = script.sequence(value, where)
    for k, (entry_where, entry) in enumerate(entries):
        entry = script.mapping(entry, entry_where)
        counted = "count" in entry
        count = _count(script, entry, entry_where)
        if len(made) + count > MAX_BODIES:  # before any layout, whose time grows with the square of the bodies
            asked = len(made) + count + sum(_count(script, later, at) for at, later in entries[k + 1:])
            raise script.fail((*entry_where, "count") if counted else entry_where,
                              f"the script asks for {asked} bodies; a scene may have at most {MAX_BODIES}, so "
                              "lower the counts or remove entries")
        name = script.text(entry["id"], (*entry_where, "id")) if "id" in entry else None
        arrangement = _arrangement(script, entry, entry_where, counted)
        if arrangement:
            numbers[arrangement] += 1
        for copy in range(count):
            fields = script.fields(entry, entry_where, readers, skip=("id", "count", "arrangement"),
                                   required=("noun", "colour"))
            noun = NOUN_FORMS[fields["noun"]]
            if name is None:
                numbers[noun] += 1
            body_id = f"{noun}_{numbers[noun]}" if name is None else f"{name}_{copy + 1}" if counted else name
            group = None
            if arrangement:
                group = script.record(Group, {"id": name or f"{arrangement}_{numbers[arrangement]}",
                                              "kind": arrangement, "index": copy}, (*entry_where, "arrangement"))
            made.append((entry_where, _body(script, fields, body_id, group, entry_where)))
    return made


def _count(script: _Script, entry: Any, where: Where) -> int:
    """The copies a body entry makes: its `count`, else 1."""
    if isinstance(entry, dict) and "count" in entry:
        return script.whole(1, MAX_COUNT)(entry["count"], (*where, "count"))
    return 1


def _arrangement(script: _Script, entry: dict[str, Any], where: Where, counted: bool) -> str | None:
    if "arrangement" not in entry:
        return None
    if not counted:
        raise script.fail((*where, "arrangement"), "an arrangement needs copies to arrange; add e.g. 'count: 5'")
    return script.one_of(("tower", "row"), "arrangement")(entry["arrangement"], (*where, "arrangement"))


def _body(script: _Script, fields: dict[str, Any], body_id: str, group: Group | None, where: Where) -> Body:
    """A body from its noun's defaults (as the parser makes it), overridden by what the script gives."""
    noun = NOUN_FORMS[fields["noun"]]
    size = fields["size"](noun) if "size" in fields else None
    with script.at(where, SCRIPT_NAMES):
        # make_body needs a colour name; the script's colour, which may be a custom rgb, replaces it below.
        base = bodies.make_body(body_id, noun, "white", size=size, group=group)
    given = {SCHEMA_NAMES.get(key, key): value for key, value in fields.items() if key not in ("noun", "size")}
    data = dict(base) | given
    if "mesh" in fields and "shape" not in fields:
        data["shape"] = "mesh"
    if data["shape"] != "mesh" and "mesh" not in fields:
        data["mesh"] = None  # a noun's packaged mesh goes with its mesh shape
    if "mass" not in fields:
        data["mass"] = bodies.noun_mass(noun, data["shape"], data["size"], data["material"].density)
    data["pose_from_author"] = "position" in fields
    return script.record(Body, data, where, SCRIPT_NAMES)


def _size(script: _Script, value: Any, where: Where) -> Callable[[str], tuple[float, float, float]]:
    """A size word, the largest extent, or [x, y, z]: as extents for a noun (whose proportions are kept)."""
    if _distribution(value) in (None, "choice"):  # uniform and normal draw a largest extent, read below
        value, where = script.pick(value, where)
    if isinstance(value, list):
        extents = script.vector("length")(value, where)
        return lambda noun: extents
    if isinstance(value, str) and value[:1].isalpha():
        word = script.one_of(SIZE_WORDS, "size word")(value, where)
        return partial(bodies.scaled_size, scale=SIZE_WORDS[word])
    largest = script.scalar("length")(value, where)
    if not 0 < largest <= MAX_EXTENT:
        raise script.fail(where, f"a size must be positive and at most {MAX_EXTENT:g} m, got {largest:g} m; write "
                                 f"e.g. 30 cm or a size word ({', '.join(SIZE_WORDS)})")
    return partial(bodies.scaled_size, largest_extent=largest)


def _mesh(script: _Script, value: Any, where: Where) -> str:
    """`kinema:NAME` (a packaged mesh), or the absolute path of a mesh file in the script's folder.

    The file is read and checked here, so `kinema check` refuses a mesh that the simulation could not use.
    """
    mesh = script.text(value, where)
    packaged = mesh.startswith("kinema:")
    with script.at(where):
        file = bodies.resolve_mesh(mesh) if packaged else (script.folder / mesh).resolve()
    if not (packaged or script.allow_outside or file.is_relative_to(script.folder)):
        raise script.fail(where, f"the mesh {mesh!r} is outside the script's folder {script.folder}; move the "
                                 "mesh into that folder (kinema check --allow-outside, or allow_outside=True in "
                                 "Python, lets a trusted script reach outside)")
    if file not in script.meshes_read:
        with script.at(where):
            bodies.read_mesh(file)
        script.meshes_read.add(file)
    return mesh if packaged else str(file)


def _orientation(script: _Script, value: Any, where: Where) -> Quat:
    """[x, y, z, w], or {euler: [x, y, z]} turns about the fixed axes (bare numbers in degrees)."""
    value, where = script.pick(value, where)
    if isinstance(value, dict):
        fields = script.fields(value, where, {"euler": script.vector(_euler_angle)}, required=("euler",))
        return tuple(float(c) for c in quat_from_euler(*fields["euler"]))
    return script.vector(n=4)(value, where)


# --- the graph ------------------------------------------------------------------------------------
def _tower_relations(made: list[tuple[Where, Body]]) -> list[tuple[Where, Relation]]:
    """Each copy of a tower stands on the copy before it (layout stacks them)."""
    relations, top = [], {}
    for where, body in made:
        if body.group is not None and body.group.kind == "tower":
            if where in top:
                on = Relation(subject=body.id, relation="on", object=top[where])
                relations.append(((*where, "arrangement"), on))
            top[where] = body.id
    return relations


def _build(script: _Script, parts: dict[str, Any], settings: Settings) -> SceneGraph:
    """The graph of the read sections; ids are checked here, where every body is known."""
    made = parts.get("bodies", [])
    if not made:
        raise script.fail(("bodies",) if "bodies" in parts else (),
                          "a scene needs at least one body; add e.g. 'bodies: [{noun: ball, colour: red}]'")
    ground = parts.get("ground") or _default_ground()
    graph = SceneGraph(ground=ground, camera=parts.get("camera"), settings=settings, backdrop=parts.get("backdrop"))
    steps = [
        (graph.add_light, parts.get("lights", [])),
        (graph.add_body, made),
        (graph.add_relation, _tower_relations(made) + parts.get("relations", [])),
        (graph.add_action, parts.get("actions", [])),
        (graph.add_event, parts.get("events", [])),
    ]
    for add, records in steps:
        for where, record in records:
            with script.at(where):
                add(record)
    _check_event_frames(script, parts.get("events", []), settings)
    _check_event_impulses(script, parts.get("events", []), graph)
    if graph.camera.path.target is not None:
        with script.at(("camera", "target")):
            graph.body(graph.camera.path.target)
    return graph


def _check_event_frames(script: _Script, events: list[tuple[Where, Event]], settings: Settings) -> None:
    """Refuse events after the scene's last frame: they would never act."""
    last = round(settings.duration * settings.fps) - 1  # the video's frames are 0 .. duration x fps - 1
    for where, event in events:
        if event.frame > last:
            raise script.fail((*where, "frame"), f"frame {event.frame} is past the scene's last frame, {last} "
                                                 f"({settings.duration:g} s at {settings.fps} fps); use a frame "
                                                 f"from 0 to {last}, or a longer duration")


def _check_event_impulses(script: _Script, events: list[tuple[Where, Event]], graph: SceneGraph) -> None:
    """Refuse an impulse that would change a body's velocity by more than any body may start with.

    The schema's impulse bound is sized for the heaviest body; on a light one it allows absurd speeds. Static
    bodies are left to the simulator, which refuses events on them.
    """
    for where, event in events:
        body = graph.body(event.body)
        largest = max(abs(component) for component in event.impulse)
        if not body.static and largest / body.mass > MAX_VELOCITY:
            raise script.fail((*where, "impulse"),
                              f"an impulse of {largest:g} N*s would send {body.id} ({body.mass:.3g} kg) to "
                              f"{largest / body.mass:.3g} m/s, over the {MAX_VELOCITY:g} m/s a body may move at; "
                              f"use at most {_rounded_down(MAX_VELOCITY * body.mass):g} N*s")


def _rounded_down(value: float) -> float:
    """`value` (positive) cut to three significant digits, so advice quoting it is readable and within it."""
    unit = 10.0 ** (math.floor(math.log10(value)) - 2)
    return math.floor(value / unit) * unit
