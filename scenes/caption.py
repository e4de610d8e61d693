"""Canonical captions: a scene graph as normalised English, the text the video model reads.

The caption says what the parser understands and nothing it does not: parsing a caption gives back an
equivalent graph (`same_scene`): the same bodies (noun, colour, material, size, mass class, static), the
same relations and actions, the same camera motion and duration. Positions are not said; layout solves them.
"""

import math

from scenes import vocabulary as vocab
from scenes.bodies import noun_mass, scaled_size
from scenes.graph import SceneGraph
from scenes.schema import Action, Backdrop, Body

RELATION_WORDS = {
    "left_of": "is to the left of", "right_of": "is to the right of", "in_front_of": "is in front of",
    "behind": "is behind", "on": "is on", "above": "is above", "near": "is next to", "inside": "is inside",
}
DIRECTION_WORDS = {"left": "to the left", "right": "to the right", "forward": "forward", "backward": "toward the camera"}


def caption(graph: SceneGraph) -> str:
    """The canonical English description of `graph`."""
    writer = _Writer(graph)
    sentences = [writer.declarations(), writer.floor()]
    sentences += [writer.backdrop()] if graph.backdrop != Backdrop() else []  # the default sky goes unsaid
    sentences += [writer.relation(r) for r in graph.relations if not writer.implied_by_group(r)]
    sentences += writer.actions()
    sentences += [f"{writer.reference(body.id)} is breakable" for body in graph.bodies if body.breakable]
    sentences.append(writer.camera())
    return " ".join(s[0].upper() + s[1:] + "." for s in sentences)


def instance_phrases(graph: SceneGraph) -> list[str]:
    """What each segmentation id looks like, in words: [the floor, body 1, body 2, ...] in graph order.

    Id 0 (background) is the floor and any walls ("checkered teal rubber floor and white back wall"); id k is the
    k-th body without article or weight ("small light brown rubber ball"). The segmentation branch reads these,
    so colours come from text.
    """
    writer = _Writer(graph)
    walls = "" if graph.backdrop.kind == "sky" else " and " + backdrop_phrase(graph.backdrop).removeprefix("a ")
    return [writer.floor().removeprefix("there is a ") + walls,
            *(" ".join([*writer.adjectives(body), vocab.noun_words(body.noun)]) for body in graph.bodies)]


def number(value: float) -> str:
    """1.5 -> '1.5', 2.0 -> '2', 0.333 -> '0.33'."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


class _Writer:
    def __init__(self, graph: SceneGraph):
        self.graph = graph
        self.bodies = graph.bodies
        phrases: dict[str, set[str]] = {}
        for body in self.bodies:
            if body.group:
                phrases.setdefault(body.group.id, set()).add(self.phrase(body))
        # "a tower of five red cubes" needs alike members; other groups are said body by body
        self.nameable_groups = {group for group, said in phrases.items() if len(said) == 1}

    # --- bodies -----------------------------------------------------------------------------------
    def adjectives(self, body: Body) -> list[str]:
        """size, mass, static, colour, material: the parser's modifier order."""
        words = [self.size_words(body)]
        factor = body.mass / max(noun_mass(body.noun, body.shape, body.size, body.material.density), 1e-12)
        words.append(next((w for f, w in vocab.MASS_WORD_FOR_FACTOR.items() if math.isclose(factor, f, rel_tol=1e-3)), ""))
        default_static = vocab.NOUNS[body.noun].static
        words.append("" if body.static == default_static else "static" if body.static else "movable")
        words += [body.colour.name, vocab.MATERIAL_ADJECTIVES[body.material.name]]
        return [w for w in words if w]

    def size_words(self, body: Body) -> str:
        for scale, word in [(1.0, "")] + list(vocab.SIZE_WORD_FOR_SCALE.items()):
            if all(math.isclose(a, b, abs_tol=1e-4) for a, b in zip(body.size, scaled_size(body.noun, scale))):
                return word
        return f"{number(max(body.size) * 100)} cm"

    def weight(self, body: Body) -> str:
        """' weighing 3 kg' when the mass is not the material's (times a mass word)."""
        factor = body.mass / max(noun_mass(body.noun, body.shape, body.size, body.material.density), 1e-12)
        if body.static or any(math.isclose(factor, f, rel_tol=1e-3) for f in (1.0, *vocab.MASS_WORD_FOR_FACTOR)):
            return ""
        return f" weighing {number(body.mass)} kg"

    def phrase(self, body: Body, count: int = 1) -> str:
        words = " ".join(self.adjectives(body))
        if count == 1:
            return f"{_article(words)} {words} {vocab.noun_words(body.noun)}{self.weight(body)}"
        plural = vocab.noun_words(vocab.PLURALS[body.noun])
        return f"{vocab.WORD_FOR_NUMBER.get(count, str(count))} {words} {plural}{self.weight(body)}"

    def declarations(self) -> str:
        """Every body in graph order; alike neighbours are counted, groups named as towers and rows."""
        phrases, k = [], 0
        while k < len(self.bodies):
            body = self.bodies[k]
            run = 1
            while k + run < len(self.bodies) and self._alike(body, self.bodies[k + run]):
                run += 1
            grouped = body.group is not None and body.group.id in self.nameable_groups
            if grouped and body.group.kind == "tower":
                phrases.append(f"a tower of {self.phrase(body, run)}")
            elif grouped and body.group.kind == "row":
                phrases.append(f"{self.phrase(body, run)} in a row")
            else:
                phrases.append(self.phrase(body, run))
            k += run
        return ", ".join(phrases[:-1]) + " and " + phrases[-1] if len(phrases) > 1 else phrases[0]

    def _alike(self, first: Body, other: Body) -> bool:
        """Same words, and in the same group (or both ungrouped and neither in a group)."""
        same_words = self.phrase(first) == self.phrase(other)
        if first.group or other.group:
            return same_words and first.group is not None and other.group is not None \
                and first.group.id == other.group.id
        return same_words

    def implied_by_group(self, relation) -> bool:
        """A tower's own 'on' relations are said by 'a tower of ...'."""
        subject, obj = self.graph.body(relation.subject), self.graph.body(relation.object) \
            if relation.object != "ground" else None
        return bool(relation.relation == "on" and obj and subject.group and obj.group
                    and subject.group.kind == "tower" and subject.group.id == obj.group.id
                    and subject.group.id in self.nameable_groups
                    and subject.group.index == obj.group.index + 1)

    def reference(self, body_id: str) -> str:
        """The shortest definite description that names only this body (else an ordinal)."""
        body = self.graph.body(body_id)
        material, noun = vocab.MATERIAL_ADJECTIVES[body.material.name], vocab.noun_words(body.noun)
        for words, keys in (([noun], ()), ([body.colour.name, noun], ("colour",)),
                            ([body.colour.name, material, noun], ("colour", "material"))):
            if len(self._namesakes(body, keys)) == 1:
                return "the " + " ".join(words)
        namesakes = self._namesakes(body, ("colour", "material"))
        index = namesakes.index(body.id) + 1
        ordinal = vocab.WORD_FOR_ORDINAL.get(index, f"{index}th")
        return f"the {ordinal} {body.colour.name} {material} {vocab.noun_words(body.noun)}"

    def _namesakes(self, body: Body, keys: tuple[str, ...]) -> list[str]:
        def same(other: Body) -> bool:
            return other.noun == body.noun and ("colour" not in keys or other.colour.name == body.colour.name) \
                and ("material" not in keys or other.material.name == body.material.name)
        return [other.id for other in self.bodies if same(other)]

    # --- sentences ----------------------------------------------------------------------------------
    def floor(self) -> str:
        ground = self.graph.ground
        texture = vocab.FLOOR_TEXTURE_ADJECTIVES[ground.texture]  # a plain floor is just a floor
        return f"there is a {texture + ' ' if texture else ''}{ground.colour.name} " \
               f"{vocab.MATERIAL_ADJECTIVES[ground.material.name]} floor"

    def backdrop(self) -> str:
        return f"there is {backdrop_phrase(self.graph.backdrop)}"

    def relation(self, relation) -> str:
        return f"{self.reference(relation.subject)} {RELATION_WORDS[relation.relation]} {self.reference(relation.object)}"

    def actions(self) -> list[str]:
        """One sentence per action; alike actions of all the bodies of one kind make one plural sentence."""
        sentences, done = [], set()
        actions = self.graph.actions
        for k, action in enumerate(actions):
            if k in done:
                continue
            namesakes = self._namesakes(self.graph.body(action.subject), ("colour", "material"))
            alike = [j for j, other in enumerate(actions) if other.subject in namesakes and
                     other.model_copy(update={"subject": action.subject}) == action]
            if len(namesakes) > 1 and len(alike) == len(namesakes) and not self._in_group(action.subject):
                body = self.graph.body(action.subject)
                who = f"the {body.colour.name} {vocab.MATERIAL_ADJECTIVES[body.material.name]} " \
                      f"{vocab.noun_words(vocab.PLURALS[body.noun])}"
                sentences.append(self.action(action, who, plural=True))
                done.update(alike)
            else:
                sentences.append(self.action(action))
        return sentences

    def _in_group(self, body_id: str) -> bool:
        return self.graph.body(body_id).group is not None

    def action(self, action: Action, who: str | None = None, plural: bool = False) -> str:
        subject = self.graph.body(action.subject)
        lead = f"after {number(action.delay)} second{'' if action.delay == 1 else 's'}, " \
            if action.delay is not None else "then " if action.after_fall else ""
        if who is None and action.action == "topple" and subject.group and subject.group.index == 0 \
                and subject.group.id in self.nameable_groups:
            words = " ".join([subject.colour.name, vocab.MATERIAL_ADJECTIVES[subject.material.name],
                              vocab.noun_words(vocab.PLURALS[subject.noun])])
            who = f"the {'tower' if subject.group.kind == 'tower' else 'row'} of {words}"
        who = who or self.reference(action.subject)
        verbs = {"drop": "falls", "roll": "rolls", "push": "is pushed", "slide": "slides", "throw": "is thrown",
                 "topple": "topples"}
        verb = verbs[action.action]
        if plural:
            verb = verb.replace("is ", "are ") if verb.startswith("is ") else verb.removesuffix("s")
        parts = [f"{lead}{who} {verb}"]
        if action.height is not None:
            parts.append(f"from {number(action.height)} m")
        if action.target:
            target = self.reference(action.target)
            lead_word = {"behind": "behind", "in_front": "in front of", "down": "down"}.get(
                action.via, {"drop": "onto", "throw": "at"}.get(action.action, "toward"))
            parts.append(f"{lead_word} {target}")
        if action.direction:
            parts.append(DIRECTION_WORDS[action.direction])
        if action.speed is not None:
            parts.append(f"at {number(action.speed)} m/s")
        return " ".join(parts)

    def camera(self) -> str:
        path = self.graph.camera.path
        degrees = math.degrees(path.amount)
        if path.motion == "static":
            words = "is static"
        elif path.motion in ("zoom_in", "zoom_out"):
            verb = "zooms" if path.zoom_mode == "focal" else "dollies"
            words = f"{verb} {path.motion.removeprefix('zoom_')}"
            if not math.isclose(path.amount, vocab.DEFAULT_ZOOM):
                words += f" by {number(path.amount * 100)} percent"
        elif path.motion in ("orbit", "pan"):
            default = vocab.DEFAULT_ORBIT_DEGREES if path.motion == "orbit" else vocab.DEFAULT_PAN_DEGREES
            words = f"{path.motion}s {DIRECTION_WORDS[path.direction]}"
            if not math.isclose(degrees, default, abs_tol=1e-6):
                words += f" by {number(degrees)} degrees"
        else:
            words = f"follows {self.reference(path.target)}"
        return f"the camera {words} for {number(self.graph.settings.duration)} seconds"


def scene_content(graph: SceneGraph) -> dict:
    """What a caption carries, with bodies named by their index (ids and poses left out)."""
    index = {body.id: k for k, body in enumerate(graph.bodies)}
    index["ground"] = -1

    def rounded(value):
        return None if value is None else round(value, 2)

    path = graph.camera.path
    return {
        "bodies": [(b.noun, b.shape, b.colour.name, b.material.name, tuple(round(s, 2) for s in b.size), b.static,
                    _significant(b.mass, 2), b.group and (b.group.kind, b.group.index))
                   for b in graph.bodies],
        "relations": sorted((index[r.subject], r.relation, index[r.object]) for r in graph.relations),
        "actions": sorted((index[a.subject], a.action, index.get(a.target), a.direction, rounded(a.speed),
                           rounded(a.height), a.via, a.after_fall, rounded(a.delay)) for a in graph.actions),
        "camera": (path.motion, path.direction, round(math.degrees(path.amount), 1), path.zoom_mode,
                   index.get(path.target)),
        "duration": round(graph.settings.duration, 2),
        "ground": (graph.ground.colour.name, graph.ground.material.name, graph.ground.texture),
        "backdrop": _backdrop_content(graph.backdrop),
    }


def backdrop_phrase(backdrop: Backdrop) -> str:
    """'a clear sky', 'an overcast sky', 'a white back wall', 'a grey room corner on the left'."""
    if backdrop.kind == "sky":
        return f"{_article(backdrop.sky)} {backdrop.sky} sky"
    if backdrop.kind == "wall":
        return f"a {backdrop.colour.name} back wall"
    return f"a {backdrop.colour.name} room corner on the {backdrop.side}"


def _article(words: str) -> str:
    return "an" if words[0] in "aeiou" else "a"


def _backdrop_content(backdrop: Backdrop) -> tuple:
    """What a caption says of the backdrop: the sky of a sky, the paint of walls, the side of a corner."""
    if backdrop.kind == "sky":
        return ("sky", backdrop.sky)
    return (backdrop.kind, backdrop.colour.name, backdrop.side if backdrop.kind == "corner" else None)


def _significant(value: float, digits: int) -> float:
    """`value` rounded to `digits` significant digits (a caption gives sizes to 0.1 mm; mass goes as size^3)."""
    return round(value, digits - 1 - int(math.floor(math.log10(abs(value))))) if value else 0.0


def same_scene(a: SceneGraph, b: SceneGraph) -> bool:
    """Whether two graphs describe the same scene, up to body ids, poses and lighting."""
    return scene_content(a) == scene_content(b)
