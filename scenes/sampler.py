"""The random scene sampler for datasets: varied, physically sensible, always expressible as a caption.

Every draw comes from the generator passed in, so `(seed, index)` fixes a scene. Bodies get distinct colours
(the model must read colours from the text); relations follow hidden left-to-right and near-to-far orders, so
they never contradict; values sit on the grids the caption writes (0.1 m, 0.5 m/s), so captions are exact.
"""

import math

import numpy as np

from scenes import vocabulary as vocab
from scenes.bodies import add_bodies, colour, material, scaled_size
from scenes.errors import SceneError
from scenes.graph import SceneGraph
from scenes.layout import lay_out
from scenes.schema import (
    BACKDROPS, FLOOR_TEXTURES, SKIES, Action, Backdrop, Breakable, CameraPath, Ground, Light, Relation, Settings,
)

# Nouns a loose body may be; ramps, walls, tiles and bowls are added as scenery with their own roles.
LOOSE_NOUNS = ("ball", "sphere", "cube", "box", "crate", "block", "brick", "plank", "can", "cylinder", "barrel",
               "pillar", "capsule", "pill", "cone")
ROUND_NOUNS = ("ball", "sphere")
FLAT_TOPPED = ("cube", "box", "crate", "block", "brick", "can", "cylinder", "barrel")
TOPPLING = ("domino", "pillar", "cylinder", "can", "block")
SCENERY = ("ramp", "wall", "tile", "bowl")
# The materials scenes are drawn in: those the shipped models were trained on (the lexicon knows more).
SAMPLED_MATERIALS = ("rubber", "wood", "metal", "glass", "ice", "plastic", "stone")
# Brittle objects the sampler drops to shatter (issue 17): dropped 1-2 m, they land at 4.4-6.3 m/s, past the
# break speeds of glass (3 m/s) and ceramic (3.5 m/s).
BREAKABLE_NOUNS = ("vase", "glass", "bottle", "plate", "mug", "jar", "cup", "wine_glass")
BREAKABLE_SHARE = 0.3
HORIZONTAL_RELATIONS = ("left_of", "right_of", "in_front_of", "behind", "near")
MAX_TRIES = 50


def sample_scene(rng: np.random.Generator, max_loose: int = 4) -> SceneGraph:
    """A random laid-out scene covering every shape, colour, material, relation, motion and camera move."""
    for _ in range(MAX_TRIES):
        graph = _draw(rng, max_loose)
        try:
            return lay_out(graph, rng)
        except SceneError:
            continue  # an unlucky draw (no room for a relation): draw again from the same stream
    raise SceneError(f"no valid scene in {MAX_TRIES} draws; lower max_loose")


def _grid(rng: np.random.Generator, low: float, high: float, step: float) -> float:
    """A value on the grid the caption writer prints exactly."""
    return round(float(rng.integers(0, round((high - low) / step) + 1)) * step + low, 2)


def _draw(rng: np.random.Generator, max_loose: int) -> SceneGraph:
    graph = SceneGraph(
        ground=Ground(colour=colour(str(rng.choice(["grey", "beige", "white", "brown", "olive", "silver",
                                                      "navy", "teal"]))),
                      material=material(str(rng.choice(SAMPLED_MATERIALS))),
                      texture=str(rng.choice(FLOOR_TEXTURES))),
        settings=Settings(duration=float(rng.choice([2.0, 3.0, 4.0]))),
        backdrop=_backdrop(rng),
    )
    # The sun shines from behind the camera's side when there are walls, so their shadow does not cover the scene.
    walls = graph.backdrop.kind != "sky"
    azimuth = rng.uniform(0.15 * math.pi, 0.85 * math.pi) if walls else rng.uniform(0, 2 * math.pi)
    elevation = rng.uniform(0.5, 1.2)
    graph.add_light(Light(id="sun", direction=(math.cos(azimuth), math.sin(azimuth), -elevation),
                          intensity=_grid(rng, 2.0, 5.0, 0.5)))
    hidden = vocab.WALL_LOOKALIKES[graph.backdrop.colour.name] if walls else ()
    palette = [str(c) for c in rng.permutation(list(vocab.COLOURS)) if c not in hidden]  # bodies stand out

    def add(noun: str, count: int = 1, arrangement: str | None = None, **choices) -> list[str]:
        scale = choices.get("scale") or (float(rng.choice([1.0, *vocab.SIZE_WORD_FOR_SCALE])) if rng.random() < 0.3 else 1.0)
        mass_factor = float(rng.choice(list(vocab.MASS_WORD_FOR_FACTOR))) if rng.random() < 0.15 else 1.0
        chosen = choices.get("material") or (str(rng.choice(SAMPLED_MATERIALS)) if rng.random() < 0.5 else None)
        return add_bodies(graph, noun, count, palette.pop(), chosen, scaled_size(noun, scale),
                          mass_factor, arrangement=arrangement)

    loose = [add(str(rng.choice(LOOSE_NOUNS)))[0] for _ in range(int(rng.integers(1, max_loose + 1)))]
    feature = str(rng.choice(["none", "tower", "row", "ramp", "wall", "bowl", "tile", "support"]))
    _add_feature(graph, rng, feature, loose, add)
    _add_relations(graph, rng, loose)
    _add_motions(graph, rng, loose)
    _add_breakable(graph, rng.spawn(1)[0], palette)
    graph.camera = graph.camera.model_copy(update={"path": _camera_path(rng, graph)})
    return graph


def _add_breakable(graph: SceneGraph, rng: np.random.Generator, palette: list[str]) -> None:
    """In BREAKABLE_SHARE of scenes, a glass or ceramic object dropped high enough to shatter on the floor.

    It draws from its own stream (spawned from the scene's), so the rest of a scene is what it was before
    breakable bodies existed, and the scenes without one are unchanged."""
    if rng.random() >= BREAKABLE_SHARE:
        return
    noun = str(rng.choice(BREAKABLE_NOUNS))
    body_id = add_bodies(graph, noun, 1, palette.pop(), str(rng.choice(["glass", "ceramic"])), scaled_size(noun))[0]
    graph.replace_body(graph.body(body_id).model_copy(update={"breakable": Breakable()}))
    graph.add_action(Action(subject=body_id, action="drop", height=_grid(rng, 1.0, 2.0, 0.1)))


def _backdrop(rng: np.random.Generator) -> Backdrop:
    """A sky, a back wall or a room corner (`vocabulary.BACKDROP_ODDS`), the walls painted in a plain colour."""
    kind = str(rng.choice(BACKDROPS, p=vocab.BACKDROP_ODDS))
    if kind == "sky":
        return Backdrop(sky=str(rng.choice(SKIES)))
    return Backdrop(kind=kind, colour=colour(str(rng.choice(vocab.WALL_COLOURS))),
                    side=str(rng.choice(["left", "right"])))


def _add_feature(graph: SceneGraph, rng: np.random.Generator, feature: str, loose: list[str], add) -> None:
    """One arrangement that exercises a shape or relation the loose bodies do not: towers, rows, ramps..."""
    first = loose[0]
    if feature == "tower":
        tower = add(str(rng.choice(["cube", "box", "block", "brick"])), int(rng.integers(3, 6)), "tower")
        if rng.random() < 0.6:
            graph.add_action(Action(subject=tower[0], action="topple", direction=str(rng.choice(["left", "right"]))))
    elif feature == "row":
        row = add("domino", int(rng.integers(4, 9)), "row")
        graph.add_action(Action(subject=row[0], action="topple", direction="right"))
    elif feature == "ramp":
        ramp = add("ramp")[0]
        ball = add(str(rng.choice(ROUND_NOUNS)))[0]
        graph.add_action(Action(subject=ball, action="roll", target=ramp, via="down"))
    elif feature == "wall":
        wall = add("wall")[0]
        ball = add("ball")[0]
        graph.add_action(Action(subject=ball, action="roll", target=wall, via="behind",
                                speed=_grid(rng, 1.0, 3.0, 0.5)))
    elif feature == "bowl":
        bowl = add("bowl")[0]
        ball = add("ball", material="rubber", scale=0.65)[0]
        graph.add_relation(Relation(subject=ball, relation="inside", object=bowl))
    elif feature == "tile":
        tile = add("tile")[0]
        graph.add_relation(Relation(subject=first, relation="near", object=tile))
    elif feature == "support":
        support = add(str(rng.choice(FLAT_TOPPED)))[0]
        kind = str(rng.choice(["on", "above", "drop"]))
        if kind == "drop":
            graph.add_action(Action(subject=first, action="drop", target=support, height=_grid(rng, 0.5, 2.0, 0.1)))
        else:
            graph.add_relation(Relation(subject=first, relation=kind, object=support))


def _add_relations(graph: SceneGraph, rng: np.random.Generator, loose: list[str]) -> None:
    """Camera-relative relations between ground bodies, consistent with hidden orders (never contradictory)."""
    resting = {r.subject for r in graph.relations} | {a.subject for a in graph.actions if a.target}
    free = [b for b in loose if b not in resting]
    lateral = {b: float(rng.random()) for b in free}
    depth = {b: float(rng.random()) for b in free}
    for i, a in enumerate(free):
        for b in free[i + 1:]:
            if rng.random() > 0.5:
                continue
            kind = str(rng.choice(HORIZONTAL_RELATIONS))
            if kind in ("left_of", "right_of"):
                kind = "left_of" if lateral[a] < lateral[b] else "right_of"
            elif kind in ("in_front_of", "behind"):
                kind = "in_front_of" if depth[a] < depth[b] else "behind"
            graph.add_relation(Relation(subject=a, relation=kind, object=b))


def _add_motions(graph: SceneGraph, rng: np.random.Generator, loose: list[str]) -> None:
    """At most one motion per loose body: falls, rolls, pushes, slides, throws, topples, or rest."""
    busy = {a.subject for a in graph.actions} | {r.subject for r in graph.relations if r.relation in ("on", "inside")}
    for body_id in loose:
        if body_id in busy or rng.random() < 0.3:
            continue
        body = graph.body(body_id)
        others = [b.id for b in graph.bodies if b.id != body_id and not b.static and b.group is None]
        target = str(rng.choice(others)) if others and rng.random() < 0.5 else None
        direction = None if target else str(rng.choice(["left", "right"]))
        choices = ["drop", "throw"] + (["roll"] if body.noun in ROUND_NOUNS else ["push", "slide"])
        choices += ["topple"] if body.noun in TOPPLING else []
        kind = str(rng.choice(choices))
        if kind == "drop":
            graph.add_action(Action(subject=body_id, action="drop", height=_grid(rng, 0.5, 2.5, 0.1)))
            if rng.random() < 0.3 and body.noun in ROUND_NOUNS:
                graph.add_action(Action(subject=body_id, action="roll", direction=str(rng.choice(["left", "right"])),
                                        speed=_grid(rng, 0.5, 2.0, 0.5), after_fall=True))
        elif kind == "topple":
            graph.add_action(Action(subject=body_id, action="topple", direction=str(rng.choice(["left", "right"]))))
        else:
            speed = _grid(rng, 1.0, 4.0, 0.5) if kind != "throw" or not target else None
            graph.add_action(Action(subject=body_id, action=kind, target=target, direction=direction, speed=speed))


def _camera_path(rng: np.random.Generator, graph: SceneGraph) -> CameraPath:
    motion = str(rng.choice(["static", "static", "zoom_in", "zoom_out", "orbit", "pan", "track"]))
    if motion in ("zoom_in", "zoom_out"):
        return CameraPath(motion=motion, amount=float(rng.choice([0.3, vocab.DEFAULT_ZOOM, 0.5])),
                          zoom_mode=str(rng.choice(["dolly", "focal"])))
    if motion in ("orbit", "pan"):
        default = vocab.DEFAULT_ORBIT_DEGREES if motion == "orbit" else vocab.DEFAULT_PAN_DEGREES
        degrees = float(rng.choice([default, default * 1.5]))
        return CameraPath(motion=motion, direction=str(rng.choice(["left", "right"])), amount=math.radians(degrees))
    if motion == "track":
        moving = [a.subject for a in graph.actions]
        if moving:
            return CameraPath(motion="track", target=str(rng.choice(moving)))
    return CameraPath(motion="static")
