"""The prompt parser: English about objects, their motion and the camera, to a laid-out `SceneGraph`.

A small deterministic grammar, no model: sentences are clauses joined by "and", "then" and commas; a clause
is a subject (noun phrases or a pronoun) followed by predicates (relations, motions, a duration), or a
camera clause. Every word must be known: an unknown one is reported with its position and the closest
known words, never skipped.
"""

import difflib
import re
from dataclasses import dataclass

import numpy as np

from scenes import vocabulary as vocab
from scenes.bodies import add_bodies, colour, material, scaled_size
from scenes.caption import backdrop_phrase
from scenes.errors import SceneError
from scenes.graph import SceneGraph
from scenes.layout import lay_out
from scenes.schema import (
    MAX_BODIES, Action, Backdrop, CameraPath, Ground, Relation,
    too_short_for_a_frame,
)
from scenes.seeding import scene_rng
from scenes.units import UNITS
from scenes.vocabulary import DEFAULT_ORBIT_DEGREES, DEFAULT_PAN_DEGREES, DEFAULT_ZOOM


@dataclass(frozen=True)
class Token:
    text: str
    start: int  # character offset in the prompt
    index: int  # 1-based word position


RELATION_PHRASES: list[tuple[tuple[str, ...], str]] = sorted([
    (("to", "the", "left", "of"), "left_of"), (("on", "the", "left", "of"), "left_of"), (("left", "of"), "left_of"),
    (("to", "the", "right", "of"), "right_of"), (("on", "the", "right", "of"), "right_of"),
    (("right", "of"), "right_of"), (("in", "front", "of"), "in_front_of"), (("behind",), "behind"), (("in", "back", "of"), "behind"), (("on", "top", "of"), "on"), (("on",), "on"),
    (("upon",), "on"), (("atop",), "on"), (("onto",), "on"), (("above",), "above"), (("over",), "above"),
    (("next", "to"), "near"), (("close", "to"), "near"), (("beside",), "near"), (("near",), "near"),
    (("by",), "near"), (("inside",), "inside"), (("in",), "inside"), (("into",), "inside"), (("within",), "inside"),
], key=lambda item: -len(item[0]))

# verb form -> action; "collide" becomes roll or push toward the other body.
MOTION_VERBS: dict[str, str] = {
    **dict.fromkeys(["falls", "fall", "drops", "drop", "dropped", "dropping", "falling", "lands", "land",
                     "plummets", "tumbles"], "drop"),
    **dict.fromkeys(["rolls", "roll", "rolled", "rolling"], "roll"),
    **dict.fromkeys(["pushed", "pushes", "push", "shoved", "moves", "move", "moving", "heads", "kicked"], "push"),
    **dict.fromkeys(["slides", "slide", "sliding", "slid", "glides", "glide", "skids"], "slide"),
    **dict.fromkeys(["thrown", "throws", "throw", "tossed", "tosses", "launched", "flies", "fly", "lobbed"], "throw"),
    **dict.fromkeys(["topples", "topple", "toppling", "toppled", "collapses", "collapse", "tips", "tip"], "topple"),
    **dict.fromkeys(["collides", "collide", "colliding", "hits", "hit", "crashes", "crash", "bumps", "bump",
                     "strikes", "strike", "smashes", "knocks"], "collide"),
    **dict.fromkeys(["bounces", "bounce", "bouncing"], "bounce"),
}
COPULAS = {"is", "are", "sits", "sit", "sitting", "rests", "rest", "resting", "stands", "stand", "standing",
           "lies", "lie", "lying", "placed", "positioned", "located", "being", "was", "were", "stacked",
           "balanced", "waits", "appears", "seen", "set"}
ADVERBS = {"slowly", "quickly", "gently", "fast", "hard", "softly", "smoothly", "suddenly", "immediately",
           "freely", "straight", "directly", "again", "also", "eventually", "finally", "then"}
# particles after a motion verb that add nothing: "falls over", "rolls off", "rolls away"
PARTICLES = {"over", "off", "away", "up", "along", "around", "back", "out"}
CONNECTORS = {"and", "then", "while", "as", "after", "which", "that", "where", "meanwhile", "before", "so",
              "with", "but", "when", "until"}
STOPWORDS = {"a", "an", "the", "of", "there", "we", "see", "it", "its", "they", "them", "both", "each", "all",
             "from", "at", "to", "toward", "towards", "camera", "for", "height", "speed", "by", "one", "another",
             "other", "some", "several", "many", "few", "row", "line", "tower", "stack", "pile", "floor", "ground",
             "surface", "scene", "video", "clip", "shot", "lasts", "lasting", "long", "seconds", "made",
             "static", "fixed", "still", "stationary", "movable", "loose", "checkered", "checker", "tiled",
             "grid", "plain", "zooms", "zoom", "zooming", "in", "out", "dollies", "dolly", "orbits", "orbit",
             "orbiting", "circles", "pans", "pan", "panning", "follows", "follow", "following", "tracks",
             "track", "tracking", "left", "right", "forward", "backward", "backwards", "closer", "weighing",
             "weighs", "degrees", "does", "not", "stays", "remains", "stay", "on", "top", "front", "back",
             "is", "are", "next", "close", "beside", "behind", "above", "below", "into", "onto", "inside",
             "within", "near", "upon", "atop", "about", "lens", "full", "turn", "has", "reappears",
             "reappear", "disappears", "emerges", "side", "under", "this", "these", "those",
             "then", "will", "gets", "get", "be", "knocked", "view", "percent", "rotates", "everything",
             "lots", "during", "objects", "moves", "pushes", "turns", "away", "move", "down",
             "animation", "simulation", "showing", "against", "across", "past", "ones"}


def _known_words() -> set[str]:
    words = set(STOPWORDS) | COPULAS | ADVERBS | PARTICLES | CONNECTORS | set(MOTION_VERBS)
    words |= set(vocab.COLOURS) | set(vocab.COLOUR_SYNONYMS) | set(vocab.MATERIAL_WORDS)
    words |= set(vocab.NOUN_FORMS) | set(vocab.SIZE_WORDS) | set(vocab.MASS_WORDS)
    words |= set(vocab.NUMBER_WORDS) | set(vocab.ORDINALS) | set(UNITS)
    words |= set(vocab.FLOOR_TEXTURE_WORDS) | set(vocab.SKY_WORDS) | {"sky", "wall", "walls", "room", "corner"}
    for phrase, _ in RELATION_PHRASES:
        words |= set(phrase)
    return words


KNOWN_WORDS = _known_words()
# Words that only describe, which kinema cannot show or simulate: dropped with a warning, never an error.
IGNORABLE_MODIFIERS = frozenset("""
    shiny glossy matte steep vintage antique old new modern ancient classic beautiful pretty cute nice lovely cool
    realistic photorealistic cinematic dramatic epic vivid pale dark bright deep pastel neon smooth rough polished
    dusty rusty dirty clean shining sparkling glittering striped spotted dotted colourful colorful multicoloured
    multicolored round square rectangular cylindrical spherical cubic tall short thin thick wide narrow flat solid
    hollow empty whole sturdy wobbly fragile delicate sharp soft toy real fake favourite favorite lone same
    identical similar different various random perfect simple ordinary regular normal standard typical famous
    massive enormous miniature mini medium sized cheap expensive fancy elegant sleek glassy rubbery transparent
    translucent opaque frosted glazed painted dry hot cold warm frozen very really super extremely quite rather
    slightly somewhat even almost nearly lovely gorgeous stunning amazing awesome wooden-looking hd 4k 8k
""".split())
TYPO_SIMILARITY = 0.8  # difflib ratio above which an unknown word is taken for a misspelt known one
_DETERMINERS = frozenset({"a", "an", "the", "this", "these", "those", "another", "some", "several", "many", "every",
                          "each", "one", *vocab.NUMBER_WORDS})
_NOUN_MODIFIERS = frozenset({*vocab.COLOURS, *vocab.COLOUR_SYNONYMS, *vocab.MATERIAL_WORDS, *vocab.SIZE_WORDS,
                             *vocab.MASS_WORDS, *vocab.FLOOR_TEXTURE_WORDS, "static", "fixed", "stationary", "movable",
                             "loose"})
MAX_PROMPT_LENGTH = 2000  # characters: one this long parses and lays out in under 0.3 s
MAX_COUNT = 50  # bodies one phrase makes ("50 balls")
_NUMBER = r"-?\d+(?:\.\d+)?(?:e[-+]?\d+)?"
_TOKEN = re.compile(rf"\d+(?:st|nd|rd|th)\b|{_NUMBER}|m/s|cm/s|km/h|[a-z]+(?:'[a-z]+)?|[,.;:!?]")
# A hyphen joining words or numbers ("left-hand", "5-cm", "3-4") reads as a space; a minus sign ("-3") and an
# exponent's sign ("1e-3") stay, so a negative number is reported rather than read as a positive one.
_JOINING_HYPHEN = re.compile(r"-(?!\d)|(?<=[\w.])(?<!\de)-")
# Typography read as plain text, one character for one so positions in messages stay right: curly quotes,
# dashes and brackets; "t=1s" is "at 1s".
_TYPOGRAPHY = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": ",",
                             "\u2014": ",", "[": "(", "]": ")", "{": "(", "}": ")", "&": "+"})
_AT_TIME = re.compile(r"\bt\s?=(?=\s?\d)")
_SEPARATORS = {",", ".", ";", ":", "!", "?"}
_ORDINAL_NUMBER = re.compile(r"^(\d+)(st|nd|rd|th)$")
# Forms of several words ("bowling pin", "rubber duck", "clay ball") read as one token, longest first.
MULTIWORD_FORMS: dict[tuple[str, ...], str] = dict(sorted(
    ((tuple(form.split("_")), form) for form in [*vocab.NOUN_FORMS, *vocab.OUT_OF_SCOPE] if "_" in form),
    key=lambda item: -len(item[0])))
_LONGEST_FORM = max(len(words) for words in MULTIWORD_FORMS)


def tokenize(text: str, warnings: list[str] | None = None) -> list[Token]:
    """Lower-cased words, numbers, units and sentence punctuation.

    Forms of several words become one token. A word kinema does not know is an error, unless it only
    modifies (an adjective or adverb such as "shiny" or "slowly"): that one is dropped with a warning appended
    to `warnings`. Things out of scope (animals, liquids, ...) are refused by category.
    """
    lowered = _AT_TIME.sub(lambda match: "at" + " " * (len(match.group()) - 2), text.translate(_TYPOGRAPHY).lower())
    lowered = _JOINING_HYPHEN.sub(" ", lowered).replace("+", " ").replace("_", " ")
    tokens: list[Token] = []
    for match in re.finditer(r"\S+", lowered):
        chunk, offset = match.group(), match.start()
        covered = 0
        for part in _TOKEN.finditer(chunk):
            if part.start() != covered and chunk[covered:part.start()].strip("\"'()"):
                _unknown(chunk[covered:part.start()], len(tokens) + 1, offset + covered, text)
            covered = part.end()
            tokens.append(Token(part.group().removesuffix("'s"), offset + part.start(), len(tokens) + 1))
        if covered != len(chunk) and chunk[covered:].strip("\"'()"):
            _unknown(chunk[covered:], len(tokens) + 1, offset + covered, text)
    tokens = _join_forms(tokens)
    kept: list[Token] = []
    for k, token in enumerate(tokens):
        word = token.text
        if word in KNOWN_WORDS or word in _SEPARATORS or _is_number(word) or _ORDINAL_NUMBER.match(word):
            kept.append(Token(word, token.start, len(kept) + 1))
            continue
        if word in vocab.OUT_OF_SCOPE:
            _out_of_scope(word, token, text)
        if _only_modifies(tokens, k):
            if warnings is not None:
                warnings.append(f"ignored {word!r} at character {token.start + 1}: an unknown word that only "
                                "describes")
            continue
        _unknown(word, token.index, token.start, text)
    return kept


def _join_forms(tokens: list[Token]) -> list[Token]:
    """Tokens with each run of words that spells a multi-word form ("tennis", "ball") merged into one."""
    joined: list[Token] = []
    k = 0
    while k < len(tokens):
        for length in range(min(_LONGEST_FORM, len(tokens) - k), 1, -1):
            form = MULTIWORD_FORMS.get(tuple(t.text for t in tokens[k:k + length]))
            if form:
                joined.append(Token(form, tokens[k].start, len(joined) + 1))
                k += length
                break
        else:
            joined.append(Token(tokens[k].text, tokens[k].start, len(joined) + 1))
            k += 1
    return joined


def _only_modifies(tokens: list[Token], k: int) -> bool:
    """Whether the unknown word at `k` only modifies: a listed modifier, an -ly adverb, or a word between an
    article, number or adjective and a known noun or adjective ("a sparkly red ball") that is not a typo."""
    word = tokens[k].text
    if word in IGNORABLE_MODIFIERS or (word.endswith("ly") and len(word) > 4):
        return True
    if difflib.get_close_matches(word, KNOWN_WORDS, n=1, cutoff=TYPO_SIMILARITY):
        return False  # a slip of the keyboard ("blu"): an error that suggests the word meant
    before = tokens[k - 1].text if k > 0 else ""
    after = next((t.text for t in tokens[k + 1:k + 4] if t.text in KNOWN_WORDS), "")
    return (before in _DETERMINERS or before in _NOUN_MODIFIERS or before in IGNORABLE_MODIFIERS
            or _is_number(before)) and (after in vocab.NOUN_FORMS or after in _NOUN_MODIFIERS)


def _out_of_scope(word: str, token: Token, text: str) -> None:
    category, instead = vocab.OUT_OF_SCOPE[word]
    raise SceneError(f"{vocab.noun_words(word)!r} at character {token.start + 1} is out of scope ({category}): "
                     f"kinema simulates rigid bodies only; try e.g. '{instead}'")


def _unknown(word: str, index: int, start: int, text: str) -> None:
    close = difflib.get_close_matches(word, sorted(KNOWN_WORDS), n=3, cutoff=0.6)
    said = ", ".join(vocab.noun_words(word) for word in close)
    hint = f"; did you mean {said}?" if close else "; see `kinema parse --help` for the words kinema knows"
    raise SceneError(f"unknown word {vocab.noun_words(word)!r} at word {index} (character {start + 1}) of the "
                     f"prompt{hint}")


def _is_number(word: str) -> bool:
    return bool(re.fullmatch(_NUMBER, word))


def parse_prompt(text: str, seed: int = 0, strict: bool = False) -> SceneGraph:
    """Parse an English prompt into a laid-out scene graph; the same text and seed give the same graph.

    Words that were ignored are listed in `graph.warnings`; `strict` makes the first of them an error.
    """
    graph = read_prompt(text, seed, strict)
    return lay_out(graph, scene_rng(seed, "layout"))


def read_prompt(text: str, seed: int = 0, strict: bool = False) -> SceneGraph:
    """Parse a prompt into a scene graph without solving the layout (poses stay at the origin)."""
    if not isinstance(text, str) or not text.strip():
        raise SceneError("the prompt is empty; describe some objects, e.g. 'a red ball falls from 2 m'")
    if len(text) > MAX_PROMPT_LENGTH:
        raise SceneError(f"the prompt is {len(text)} characters long; shorten it to at most {MAX_PROMPT_LENGTH}")
    warnings: list[str] = []
    parser = _Parser(text, tokenize(text, warnings), scene_rng(seed, "content"), warnings)
    graph = parser.parse()
    graph.settings = graph.settings.model_copy(update={"seed": seed, "source": text})
    if not graph.bodies:
        raise SceneError("the prompt names no objects; add one, e.g. 'a red ball' (known objects include "
                         f"{', '.join(list(vocab.NOUNS)[:12])} and {len(vocab.NOUNS) - 12} more)")
    if strict and warnings:
        raise SceneError(f"{warnings[0]} (--strict makes warnings errors)")
    graph.warnings = warnings
    return graph


GROUND = "ground"
BACKDROP = "backdrop"  # the noun phrase of a sky or walls: scenery that objects stand in front of
SUPPORTS = ("on", "above", "inside")
SI_UNITS = {"length": "m", "speed": "m/s", "time": "s", "mass": "kg"}


class _Parser:
    def __init__(self, text: str, tokens: list[Token], rng: np.random.Generator, warnings: list[str]):
        self.text, self.tokens, self.rng, self.warnings = text, tokens, rng, warnings
        self.i = 0
        self.graph = SceneGraph(ground=Ground(colour=colour("grey"), material=material("stone")))
        self.used_colours: set[str] = set()
        self.body_count = 0  # kept here: counting the graph's bodies for each new phrase is quadratic
        self.last_subject: list[str] = []
        self.duration: float | None = None
        self.camera_said = False
        self.backdrop_said = False

    # --- token access ---------------------------------------------------------------------------------
    def peek(self, offset: int = 0) -> str:
        j = self.i + offset
        return self.tokens[j].text if j < len(self.tokens) else ""

    def at_end(self) -> bool:
        return self.i >= len(self.tokens)

    def accept(self, *words: str) -> bool:
        """Consume the phrase `words` if it comes next."""
        if all(self.peek(k) == word for k, word in enumerate(words)):
            self.i += len(words)
            return True
        return False

    def accept_any(self, words) -> str | None:
        if self.peek() in words:
            self.i += 1
            return self.tokens[self.i - 1].text
        return None

    def fail(self, expected: str) -> SceneError:
        if self.at_end():
            return SceneError(f"the prompt ends too early: expected {expected}")
        token = self.tokens[self.i]
        return SceneError(f"unexpected word {token.text!r} at word {token.index} (character {token.start + 1}) "
                          f"of the prompt: expected {expected}")

    # --- numbers and quantities --------------------------------------------------------------------------
    def number(self) -> float | None:
        word = self.peek()
        if _is_number(word):
            self.i += 1
            return float(word)
        if word in vocab.NUMBER_WORDS and word not in ("pair", "couple", "dozen", "single"):
            self.i += 1
            return float(vocab.NUMBER_WORDS[word])
        return None

    def quantity(self, dimension: str) -> float | None:
        """A number followed by a unit of `dimension`, in SI; nothing consumed if it is not one."""
        start = self.i
        value = self.number()
        if value is not None and self.peek() in UNITS and UNITS[self.peek()][0] == dimension:
            factor = UNITS[self.tokens[self.i].text][1]
            self.i += 1
            return value * factor
        self.i = start
        return None

    def measure(self, dimension: str, what: str, low: float, high: float, above_low: bool = False) -> float | None:
        """A quantity from `low` (or, `above_low`, more than it) to `high` in SI units; else a SceneError."""
        start = self.i
        value = self.quantity(dimension)
        if value is None or (low < value <= high if above_low else low <= value <= high):
            return value
        unit = SI_UNITS[dimension]
        bound = f"at most {high:g} {unit}" if value > high else \
            f"more than {low:g} {unit}" if above_low else f"at least {low:g} {unit}"
        raise SceneError(f"{what} of {self.said(start)} is out of range; use {bound}")

    def said(self, start: int) -> str:
        """The words from token `start` to the cursor, as the prompt gave them."""
        return " ".join(token.text for token in self.tokens[start:self.i])

    # --- sentences and clauses ---------------------------------------------------------------------------
    def parse(self) -> SceneGraph:
        while not self.at_end():
            if not self.accept_any(_SEPARATORS | CONNECTORS):
                self.clause()
        self.finish()
        return self.graph

    def clause(self) -> None:
        """A camera clause, a duration, or a subject (possibly implied: 'and bounces') with its predicates."""
        if self.framing() or self.duration_phrase() or self.camera_clause():
            return
        self.accept("there", "is") or self.accept("there", "are") or self.accept("we", "see")
        subject = self.noun_phrase_list()
        if subject is None:
            if not (self.last_subject and self._starts_predicate()):
                raise self.fail("an object such as 'a red ball', or the camera")
            subject = self.last_subject
        elif subject not in ([GROUND], [BACKDROP]):
            self.last_subject = subject
        self.predicates(subject)

    def _starts_predicate(self) -> bool:
        start = self.i
        found = self.peek() in MOTION_VERBS or self.peek() in COPULAS or self.peek() in ADVERBS \
            or self.relation_phrase() is not None
        self.i = start
        return found

    def predicates(self, subject: list[str]) -> None:
        """Relations, motions, weights and durations of `subject`, up to the next separator or connector."""
        chain_objects, chain_end = subject, -1
        while not self.at_end() and self.peek() not in _SEPARATORS | CONNECTORS:
            if self.duration_phrase() or self.accept_any(COPULAS | ADVERBS):
                continue
            verb = self.accept_any(MOTION_VERBS)
            if verb:
                self.motion(subject, MOTION_VERBS[verb])
                continue
            start = self.i
            relation = self.relation_phrase()
            if relation:
                # "a cone on a box on a crate": a support right after a support's object is that object's
                chained = relation in SUPPORTS and start == chain_end
                objects = self.relation(chain_objects if chained else subject, relation)
                if relation in SUPPORTS:
                    chain_objects, chain_end = objects, self.i
                continue
            if self.accept("weighs"):
                self.weight(subject)
                continue
            if self.accept_any({"under", "against"}):
                try:
                    scenery = self.noun_phrase(create=False)
                except SceneError:
                    scenery = None
                if scenery != [BACKDROP]:
                    self.i = start + 1
                    raise self.fail(f"a sky or walls after '{self.tokens[start].text}' (e.g. 'under a clear sky', "
                                    "'against a white back wall')")
                continue
            raise self.fail("a motion (falls, rolls, slides, topples, ...), a relation (on, left of, ...) or 'and'")

    def _starts_noun_phrase(self, offset: int = 0) -> bool:
        word = self.peek(offset)
        return (word in ("a", "an", "the", "another", "some", "several", "many", "few", "this", "these")
                or _is_number(word) or word in vocab.NUMBER_WORDS or word in vocab.NOUN_FORMS
                or word in vocab.COLOURS or word in vocab.COLOUR_SYNONYMS or word in vocab.SIZE_WORDS
                or word in vocab.MATERIAL_WORDS or word in vocab.MASS_WORDS)

    def framing(self) -> bool:
        """'a 4 second video of', 'a clip showing', 'a scene where': words about the video, not the scene."""
        start = self.i
        self.accept_any({"a", "an", "the"})
        self.duration_phrase()
        if self.accept_any({"video", "clip", "scene", "shot", "animation", "simulation"}):
            if self.accept_any({"of", "showing", "with", "where", "in"}) == "in":
                self.accept("which")
            return True
        self.i = start
        return False

    def duration_phrase(self) -> bool:
        start = self.i
        for lead in (("for",), ("lasting",), ("lasts",), ("over",), ("during",), ()):
            self.i = start
            if lead and not self.accept(*lead):
                continue
            begin = self.i
            seconds = self.measure("time", "a duration", 0, vocab.MAX_DURATION, above_low=True)
            if seconds is not None:
                too_short = too_short_for_a_frame(seconds, self.graph.settings.fps, self.said(begin))
                if too_short:
                    raise SceneError(f"a duration of {too_short}")
                self.accept("long")
                if self.duration is not None and self.duration != seconds:
                    raise SceneError(f"the prompt gives two durations ({self.duration:g} s and {seconds:g} s); "
                                     f"keep one")
                self.duration = seconds
                return True
        self.i = start
        return False

    # --- noun phrases ------------------------------------------------------------------------------------
    def noun_phrase_list(self) -> list[str] | None:
        """Noun phrases joined by ',' and 'and' (a list ends where a camera clause starts).

        With a singular verb after a list ("a tower of cubes and a ball rolls"), only the last phrase is the
        subject; the others are just declared.
        """
        first = self.noun_phrase(create=True)
        if first is None:
            return None
        phrases = [first]
        while self.peek() in (",", "and"):
            skip = 2 if self.peek() == "," and self.peek(1) == "and" else 1
            if not self._starts_noun_phrase(skip) or self._camera_ahead(skip) or \
                    skip == 1 and self.peek() == "," and self.peek(1) in ("the", "this", "these"):
                break  # "..., the first domino topples": a comma before a definite phrase starts a clause
            before = self.i
            self.i += skip
            phrase = self.noun_phrase(create=True)
            if phrase is None:
                self.i = before
                break
            phrases.append(phrase)
        if len(phrases) > 1 and self._singular_verb_ahead():
            return phrases[-1]
        if len(phrases) > 1:  # "a red ball and a white back wall": the walls are declared, the ball is the subject
            phrases = [phrase for phrase in phrases if phrase != [BACKDROP]]
        return list(dict.fromkeys(b for phrase in phrases for b in phrase))

    def _singular_verb_ahead(self) -> bool:
        k = 0
        while self.peek(k) in ADVERBS:
            k += 1
        word = self.peek(k)
        return word in ("is", "was", "sits", "rests", "stands", "lies", "weighs") or \
            (word in MOTION_VERBS and word.endswith("s"))

    def _starts_reference(self, offset: int = 0) -> bool:
        """A noun phrase or a pronoun starts here."""
        return self._starts_noun_phrase(offset) or self.peek(offset) in ("it", "itself", "them", "they")

    def _camera_ahead(self, offset: int) -> bool:
        return "camera" in (self.peek(offset), self.peek(offset + 1), self.peek(offset + 2))

    def noun_phrase(self, create: bool) -> list[str] | None:
        """Body ids (or [GROUND]) of the noun phrase at the cursor, creating bodies for indefinite ones."""
        start = self.i
        if self.accept_any({"it", "itself"}):
            return self._pronoun(single=True)
        if self.accept_any({"they", "them", "both", "all", "each"}):
            self.accept("of", "them")
            return self._pronoun(single=False)
        definite = bool(self.accept("the") or self.accept_any({"this", "these", "those"}))
        count: int | None = None
        arrangement: str | None = None
        ordinal: int | None = None
        if not definite:
            count = self._count()
        if self.peek() in ("tower", "stack", "pile", "row", "line") and self.peek(1) == "of" and not definite:
            arrangement = "row" if self.peek() in ("row", "line") else "tower"
            self.i += 2
            count = self._count() or 5
        if definite:
            ordinal = self._ordinal()
        if self.sky():
            return [BACKDROP]
        modifiers = self._modifiers()
        noun_word = self.accept_any(vocab.NOUN_FORMS)
        if noun_word is None:
            if self.backdrop(modifiers):
                return [BACKDROP]
            ground = self.accept_any({"floor", "ground", "surface"})
            if ground or (modifiers.get("material") and self.peek() in _SEPARATORS | CONNECTORS | {""}):
                self._set_ground(modifiers)
                return [GROUND]
            if definite and self.peek_group_word():
                return self._group_reference(modifiers)
            if definite and self.accept_any({"one", "ones"}):  # "the first one", "the red ones"
                found = self._resolve(None, self.tokens[self.i - 1].text == "ones", ordinal, modifiers, start)
                if found is None:
                    raise self.fail("an object named earlier, before 'one'")
                return found
            noun_word = self._elided_noun() if modifiers and not definite else None
            if noun_word is None:
                self.i = start
                return None
        noun = vocab.NOUN_FORMS[noun_word]
        plural = noun_word in vocab.PLURAL_NOUN_FORMS
        modifiers |= self._post_modifiers()
        modifiers |= self._post_modifiers()
        if self.accept("in", "a", "row") or self.accept("in", "a", "line") or self.accept("in", "line"):
            arrangement = "row"
        if self.accept("stacked") or self.accept("in", "a", "tower") or self.accept("in", "a", "stack"):
            arrangement = "tower"
        if definite:
            found = self._resolve(noun, plural, ordinal, modifiers, start)
            if found is not None:
                return found
        if not create:
            raise self.fail(f"an object already named in the prompt, not a new {noun}")
        if count is None:
            count = self._plural_default() if plural else 1
        return self._create(noun, count, modifiers, arrangement, start)

    def _elided_noun(self) -> str | None:
        """The noun a coordinated phrase shares: 'a red and a blue ball' -> ball (read ahead, not consumed)."""
        if self.peek() not in (",", "and"):
            return None
        for k in range(1, 10):
            word = self.peek(k)
            if word in vocab.NOUN_FORMS:
                return vocab.NOUN_FORMS[word]
            if not word or word in _SEPARATORS or word in MOTION_VERBS or word in COPULAS:
                return None
        return None

    def peek_group_word(self) -> bool:
        return self.peek() in ("tower", "stack", "row", "line")

    def _count(self) -> int | None:
        if self.accept("a", "pair", "of") or self.accept("a", "couple", "of") or self.accept("pair", "of"):
            return 2
        if self.accept("a", "dozen"):
            return 12
        if self.accept("a", "few") or self.accept("few"):
            return 3
        if self.accept("several") or self.accept("some"):
            return int(self.rng.integers(3, 6))
        if self.accept("many") or self.accept("lots", "of"):
            return int(self.rng.integers(10, 15))
        if self.accept_any({"a", "an", "another", "single"}):
            self.accept("single")
            return None if self.peek() in ("tower", "stack", "pile", "row", "line") else 1
        value = self.number()
        if value is not None:
            if not (1 <= value <= MAX_COUNT and value == int(value)):
                raise SceneError(f"cannot make {self.tokens[self.i - 1].text} objects; a count is a whole number "
                                 f"from 1 to {MAX_COUNT}")
            return int(value)
        return None

    def _plural_default(self) -> int:
        return int(self.rng.integers(2, 5))

    def _ordinal(self) -> int | None:
        word = self.peek()
        if word in vocab.ORDINALS:
            self.i += 1
            return vocab.ORDINALS[word]
        match = _ORDINAL_NUMBER.match(word)
        if match:
            if int(match.group(1)) == 0:
                raise self.fail("an ordinal such as 1st or first")
            self.i += 1
            return int(match.group(1))
        return None

    def _modifiers(self) -> dict:
        """Adjectives before a noun: size, colour, material, mass, static, explicit length."""
        found: dict = {}
        while True:
            word = self.peek()
            length = self.measure("length", "a size", *vocab.SIZE_RANGE)
            if length is not None:
                found["length"] = length
            elif word in vocab.SIZE_WORDS:
                found["scale"] = vocab.SIZE_WORDS[word]
            elif (word in vocab.COLOURS or word in vocab.COLOUR_SYNONYMS) and \
                    not (word in vocab.NOUN_FORMS and not self._describes_next()):
                self._set_once(found, "colour", vocab.COLOUR_SYNONYMS.get(word, word))
            elif word in vocab.MATERIAL_WORDS and not (word in vocab.NOUN_FORMS and not self._describes_next()):
                self._set_once(found, "material", vocab.MATERIAL_WORDS[word])
            elif word in vocab.MASS_WORDS:
                found["mass_factor"] = vocab.MASS_WORDS[word]
            elif word in ("static", "fixed", "stationary"):
                found["static"] = True
            elif word in ("movable", "loose"):
                found["static"] = False
            elif word in vocab.FLOOR_TEXTURE_WORDS:
                found["texture"] = vocab.FLOOR_TEXTURE_WORDS[word]
            else:
                return found
            if length is None:
                self.i += 1

    def _describes_next(self) -> bool:
        """Whether a word that is also a noun ("glass", "stone", "orange") describes what follows it."""
        after = self.peek(1)
        return after in vocab.NOUN_FORMS or after in _NOUN_MODIFIERS or after in ("floor", "ground", "surface")

    def _set_once(self, found: dict, key: str, value: str) -> None:
        if key in found and found[key] != value:
            raise self.fail(f"one {key} per object (it already is {found[key]})")
        found[key] = value

    def _post_modifiers(self) -> dict:
        """'made of wood', 'of glass', 'weighing 2 kg' after a noun."""
        start = self.i
        if self.accept("weighing"):
            return {"mass": self.mass()}
        if self.accept("made", "of") or (self.peek() == "of" and self.peek(1) in vocab.MATERIAL_WORDS
                                         and self.accept("of")):
            word = self.accept_any(vocab.MATERIAL_WORDS)
            if word:
                return {"material": vocab.MATERIAL_WORDS[word]}
            self.i = start
        return {}

    def mass(self) -> float:
        """The mass after 'weighing' or 'weighs'."""
        mass = self.measure("mass", "a mass", *vocab.MASS_RANGE)
        if mass is None:
            raise self.fail("a mass such as '2 kg'")
        return mass

    def weight(self, subject: list[str]) -> None:
        mass = self.mass()
        for body_id in subject:
            self.graph.replace_body(self.graph.body(body_id).model_copy(update={"mass": mass}))

    def _set_ground(self, modifiers: dict) -> None:
        update = {}
        if "colour" in modifiers:
            update["colour"] = colour(modifiers["colour"])
        if "material" in modifiers:
            update["material"] = material(modifiers["material"])
        if "texture" in modifiers:
            update["texture"] = modifiers["texture"]
        self.graph.ground = self.graph.ground.model_copy(update=update)

    def backdrop(self, modifiers: dict) -> bool:
        """'a white back wall', 'a grey room corner on the left' after `modifiers`: the walls behind the scene."""
        if self.accept("back", "wall") or self.accept("back", "walls"):
            kind, side = "wall", None
        elif self.accept("room", "corner") or self.accept("corner", "of", "the", "room"):
            kind = "corner"
            side = self.accept_any({"left", "right"}) if self.accept("on", "the") else None
        else:
            return False
        said = self.graph.backdrop if self.backdrop_said and self.graph.backdrop.kind == kind else None
        paint = modifiers.get("colour") or (said.colour.name if said else "white")  # "the back wall": the one said
        side = side or (said.side if said else "left")
        self._set_backdrop(Backdrop(kind=kind, colour=colour(paint), side=side))
        return True

    def sky(self) -> bool:
        """'a clear sky', 'a dusk sky': the sky behind the scene."""
        if not (self.peek() in vocab.SKY_WORDS and self.peek(1) == "sky"):
            return False
        self._set_backdrop(Backdrop(sky=vocab.SKY_WORDS[self.peek()]))
        self.i += 2
        return True

    def _set_backdrop(self, backdrop: Backdrop) -> None:
        if self.backdrop_said and self.graph.backdrop != backdrop:
            raise SceneError(f"the prompt names two backdrops, {backdrop_phrase(self.graph.backdrop)} and "
                             f"{backdrop_phrase(backdrop)}; a scene has one (a sky, a back wall or a room corner)")
        self.graph.backdrop, self.backdrop_said = backdrop, True

    def _pronoun(self, single: bool) -> list[str]:
        if not self.last_subject:
            raise self.fail("an object before the pronoun refers to it")
        if single and len(self.last_subject) > 1:
            return self.last_subject[:1] if self.graph.body(self.last_subject[0]).group else self.last_subject
        return self.last_subject

    def _matches(self, body, noun: str | None, modifiers: dict) -> bool:
        if noun and body.noun != noun:
            return False
        if "colour" in modifiers and body.colour.name != modifiers["colour"]:
            return False
        if "material" in modifiers and body.material.name != modifiers["material"]:
            return False
        return True

    def _resolve(self, noun: str, plural: bool, ordinal: int | None, modifiers: dict, start: int) -> list[str] | None:
        """The existing bodies a definite noun phrase names, or None if there are none (then it is new)."""
        matches = [b.id for b in self.graph.bodies if self._matches(b, noun, modifiers)]
        if not matches and ordinal is not None:
            raise SceneError(f"'{self.said(start)}' at word {self.tokens[start].index}: no such object was named "
                             f"before it")
        if not matches:
            return None
        if ordinal is not None:
            if ordinal == -1:
                return [matches[-1]]
            if ordinal > len(matches):
                raise SceneError(f"'{self.said(start)}' at word {self.tokens[start].index}: there are only "
                                 f"{len(matches)}")
            return [matches[ordinal - 1]]
        if plural or len(matches) == 1:
            return matches
        noun = noun or "one"
        options = ", ".join(f"the {vocab.WORD_FOR_ORDINAL[k + 1]} {noun}" for k in range(min(len(matches), 3)))
        raise SceneError(f"'the {noun}' at word {self.tokens[start].index} is ambiguous: there are "
                         f"{len(matches)}; say {options}, or name its colour")

    def _group_reference(self, modifiers: dict) -> list[str]:
        """'the tower', 'the row of white dominoes': the members of the last matching group."""
        kind = "row" if self.peek() in ("row", "line") else "tower"
        self.i += 1
        if self.accept("of"):
            modifiers = modifiers | self._modifiers()
            noun_word = self.accept_any(vocab.NOUN_FORMS)
            if noun_word:
                modifiers["noun"] = vocab.NOUN_FORMS[noun_word]
        groups: dict[str, list[str]] = {}
        for body in self.graph.bodies:
            if body.group and body.group.kind == kind:
                groups.setdefault(body.group.id, []).append(body.id)
        for members in reversed(list(groups.values())):
            if self._matches(self.graph.body(members[0]), modifiers.get("noun"), modifiers):
                return members
        raise self.fail(f"a {kind} named earlier in the prompt")

    def _create(self, noun: str, count: int, modifiers: dict, arrangement: str | None, start: int) -> list[str]:
        """`count` new bodies for the noun phrase from token `start`."""
        self.body_count += count
        if self.body_count > MAX_BODIES:  # counted up to this phrase: reading on would lay out the excess
            raise SceneError(f"the prompt asks for {self.body_count} objects up to '{self.said(start)}' (word "
                             f"{self.tokens[start].index}); a scene may have at most {MAX_BODIES}, so ask for fewer")
        colour_name = modifiers.get("colour") or self._draw_colour()
        self.used_colours.add(colour_name)
        if noun == "domino" and count >= 2 and arrangement is None:
            arrangement = "row"  # dominoes stand in a row unless said otherwise
        size = scaled_size(noun, modifiers.get("scale", 1.0), modifiers.get("length"))
        return add_bodies(self.graph, noun, count, colour_name, modifiers.get("material"), size,
                          modifiers.get("mass_factor", 1.0), modifiers.get("static"), arrangement,
                          modifiers.get("mass"))

    def _draw_colour(self) -> str:
        """A seeded colour, distinct from those already used while any remain (objects stay tellable apart)."""
        free = [name for name in vocab.COLOURS if name not in self.used_colours and name != "grey"]
        return str(self.rng.choice(free or list(vocab.COLOURS)))

    # --- relations ---------------------------------------------------------------------------------------
    def relation_phrase(self) -> str | None:
        for phrase, relation in RELATION_PHRASES:
            if phrase == ("in",) and self.peek(1) in ("a", "line", "row"):
                continue
            if self.accept(*phrase):
                return relation
        return None

    def relation(self, subject: list[str], relation: str) -> list[str]:
        """Relate every subject body to the object phrase; return the object's bodies."""
        objects = self.noun_phrase(create=True)
        if objects is None:
            raise self.fail(f"an object after '{relation.replace('_', ' ')}'")
        if relation in SUPPORTS:
            objects = [self._target_of(objects, top=True)]  # on a tower = on its top block
        for obj in objects:
            for body_id in subject:
                if BACKDROP in (obj, body_id):
                    if relation != "in_front_of" or body_id == BACKDROP:
                        raise SceneError("objects can only be in front of the sky or walls; say e.g. 'a ball in "
                                         "front of a white back wall'")
                    continue
                if obj == GROUND or body_id == GROUND:
                    if relation not in ("on", "above"):
                        raise SceneError(f"'{relation.replace('_', ' ')} the floor' makes no sense; "
                                         f"relate objects to objects")
                    continue
                self.graph.add_relation(Relation(subject=body_id, relation=relation, object=obj))
        return objects

    def _target_of(self, ids: list[str], top: bool) -> str:
        """The body a phrase names as a target: a tower's top block when landing `top`, else the first body."""
        if ids == [BACKDROP]:
            raise SceneError("a sky or walls cannot hold, carry or be hit by an object; put objects in front of "
                             "them, e.g. 'a red ball in front of a white back wall'")
        bodies = [self.graph.body(b) for b in ids if b != GROUND]
        if top and bodies and all(b.group and b.group.kind == "tower" for b in bodies):
            return max(bodies, key=lambda b: b.group.index).id
        return ids[0]

    # --- motions -----------------------------------------------------------------------------------------
    def motion(self, subject: list[str], action: str) -> None:
        if subject == [GROUND]:
            raise self.fail("an object to move (the floor stays put)")
        if subject == [BACKDROP]:
            raise SceneError("the sky and walls stay put; only objects move (e.g. 'a red ball falls in front of a "
                             "white back wall')")
        args = self.motion_arguments(direct_object=action == "collide")
        if action == "bounce":  # a bounce needs a fall; the restitution does the rest
            for body_id in subject:
                if not any(a.action == "drop" for a in self._actions_of(body_id)):
                    self._add_action(Action(subject=body_id, action="drop", height=args.get("height"),
                                            target=args.get("target")))
            return
        if action == "drop" and self._is_group(subject) and not {"height", "target"} & set(args):
            action = "topple"  # "the tower falls", "the dominoes fall": they topple
        if action == "topple":
            for body_id in self._group_base(subject):
                self._add_action(Action(subject=body_id, action="topple", direction=args.get("direction"),
                                        speed=args.get("speed")))
            return
        if action == "collide":
            self._collide(subject, args)
            return
        for body_id in subject:
            if args.get("target") != body_id:
                self._add_action(Action(subject=body_id, action=action, target=args.get("target"),
                                        direction=args.get("direction"), speed=args.get("speed"),
                                        height=args.get("height"), via=args.get("via")))

    def _is_group(self, subject: list[str]) -> bool:
        return len(subject) > 1 and all(self.graph.body(b).group for b in subject)

    def _group_base(self, subject: list[str]) -> list[str]:
        """A tower topples from its bottom, a row from its first domino; loose bodies each topple."""
        if self._is_group(subject):
            return [b for b in subject if self.graph.body(b).group.index == 0]
        return subject

    def _collide(self, subject: list[str], args: dict) -> None:
        """'A collides with B': A moves toward B; 'two balls collide': each moves toward the next."""
        target = args.get("target")
        if target:
            pairs = [(body_id, target) for body_id in subject if body_id != target]
        elif len(subject) >= 2:
            pairs = list(zip(subject, subject[1:] + subject[:1]))
        else:
            raise self.fail("what it collides with ('collides with the blue ball')")
        for body_id, other in pairs:
            moving = next((a for a in self._actions_of(body_id) if not a.after_fall
                           and a.action in ("roll", "push", "slide", "throw")), None)
            if moving and moving.target in (None, other) and moving.via is None:
                # "is pushed to the left and collides with a wall": the push is aimed at the wall
                self.graph.remove_action(moving)
                self.graph.add_action(moving.model_copy(update={"target": other, "direction": None}))
                continue
            kind = "roll" if self.graph.body(body_id).shape == "sphere" else "push"
            self._add_action(Action(subject=body_id, action=kind, target=other, speed=args.get("speed")))

    def _add_action(self, action: Action) -> None:
        """Add a motion; one said after the body's fall starts when it lands ('falls onto X, then rolls')."""
        said = self._actions_of(action.subject)
        if action.action != "drop" and any(a.action == "drop" for a in said):
            action = action.model_copy(update={"after_fall": True})
        for existing in said:
            if existing == action:
                return  # said twice in other words: "rolls toward the box and collides with it"
            if existing.action == action.action:
                raise SceneError(f"{action.subject} is told to {action.action} twice; keep one")
        self.graph.add_action(action)

    def _actions_of(self, body_id: str) -> list[Action]:
        """The actions said of one body: scanning all of them for each new one made long prompts quadratic."""
        return [data["record"] for _, _, data in self.graph.nx.out_edges(body_id, data=True)
                if data["kind"] == "action"]

    def motion_arguments(self, direct_object: bool = False) -> dict:
        """from 2 m, onto/toward/at/down/behind X, to the left, at 3 m/s, over: in any order.

        A verb with a `direct_object` (hits, strikes) takes its target without a preposition.
        """
        args: dict = {}
        if direct_object and self._starts_reference():
            args["target"] = self._target_of(self.noun_phrase(create=True), top=False)
        while not self.at_end():
            if self.accept_any(ADVERBS) or (self.peek() in PARTICLES and not self._starts_reference(1)
                                            and self.accept_any(PARTICLES)):
                continue
            if self.accept("from"):
                self.accept("a", "height", "of")
                height = self.measure("length", "a drop height", 0, vocab.MAX_DROP_HEIGHT)
                if height is None:
                    raise self.fail("a height such as '2 m' after 'from'")
                args["height"] = height
                continue
            if self.peek() == "at" and (_is_number(self.peek(1)) or self.peek(1) in vocab.NUMBER_WORDS):
                self.i += 1
                speed = self.measure("speed", "a speed", 0, vocab.MAX_SPEED)
                if speed is None:
                    raise self.fail("a speed such as '3 m/s'")
                args["speed"] = speed
                continue
            direction = self._direction()
            if direction:
                args["direction"] = direction
                continue
            lead = self._motion_lead()
            if lead is None:
                return args
            target = self.noun_phrase(create=True)
            if target is None:
                raise self.fail(f"an object after '{lead}'")
            if target == [GROUND] or lead == "across":
                continue  # "across the floor", "onto the ground": the ground is always there
            if target == [BACKDROP]:
                if lead == "in front of":
                    continue  # "rolls left in front of a white back wall": the walls are always behind
                raise SceneError(f"nothing moves {lead} a sky or walls: they stand behind the scene (say e.g. "
                                 "'rolls left in front of a white back wall')")
            args["target"] = self._target_of(target, top=lead in ("onto", "on", "on top of", "into", "at"))
            if lead in ("behind", "in front of", "down"):
                args["via"] = {"behind": "behind", "in front of": "in_front", "down": "down"}[lead]
        return args

    def _motion_lead(self) -> str | None:
        for phrase in (("toward",), ("towards",), ("at",), ("into",), ("onto",), ("on", "top", "of"), ("on",),
                       ("down",), ("to",), ("with",), ("against",), ("across",), ("over",), ("behind",),
                       ("in", "front", "of"), ("past",)):
            if all(self.peek(k) == word for k, word in enumerate(phrase)) and self._starts_reference(len(phrase)):
                self.i += len(phrase)
                return " ".join(phrase)
        return None

    def _direction(self) -> str | None:
        for phrase, direction in ((("to", "the", "left"), "left"), (("to", "the", "right"), "right"),
                                  (("left",), "left"), (("right",), "right"), (("forward",), "forward"),
                                  (("toward", "the", "camera"), "backward"), (("towards", "the", "camera"), "backward"),
                                  (("backward",), "backward"), (("backwards",), "backward")):
            if self.accept(*phrase):
                if phrase[-1] in ("left", "right") and self.peek() == "of":
                    self.i -= len(phrase)
                    return None
                return direction
        return None

    # --- the camera --------------------------------------------------------------------------------------
    def camera_clause(self) -> bool:
        start = self.i
        self.accept("the") or self.accept("a") or self.accept("an")
        adjective = self.accept_any({"static", "fixed", "still", "stationary", "orbiting", "tracking", "panning"})
        if not self.accept("camera"):
            self.i = start
            return False
        if self.camera_said:
            raise SceneError("the prompt describes the camera twice; keep one camera motion")
        self.camera_said = True
        path = None
        if adjective in ("static", "fixed", "still", "stationary"):
            path = CameraPath(motion="static")
        while not self.at_end() and self.peek() not in _SEPARATORS | CONNECTORS:
            if self.duration_phrase() or self.accept_any(ADVERBS | {"is", "stays", "remains"}):
                continue
            motion = self._camera_motion(adjective)
            if motion is None:
                raise self.fail("a camera motion: zooms in/out, dollies in/out, orbits, pans left/right, "
                                "follows X, is static")
            path = motion
        if adjective == "orbiting" and path is None:
            path = CameraPath(motion="orbit", direction="left", amount=float(np.radians(DEFAULT_ORBIT_DEGREES)))
        self.graph.camera = self.graph.camera.model_copy(update={"path": path or CameraPath()})
        return True

    def _camera_motion(self, adjective: str | None) -> CameraPath | None:
        if self.accept_any({"static", "fixed", "still", "stationary"}) or self.accept("does", "not", "move"):
            return CameraPath(motion="static")
        for words, mode in ((("zooms", "zoom", "zooming"), "focal"), (("dollies", "dolly", "moves", "pushes"), "dolly")):
            if self.accept_any(set(words)):
                amount = self._amount_fraction(DEFAULT_ZOOM)
                if self.accept("in") or self.accept("closer"):
                    if self.accept("on"):  # "zooms in on the ball": the zoom aims at the scene's centre anyway
                        self.noun_phrase(create=False)
                    return CameraPath(motion="zoom_in", amount=self._amount_fraction(amount), zoom_mode=mode)
                if self.accept("out") or self.accept("away"):
                    return CameraPath(motion="zoom_out", amount=self._amount_fraction(amount), zoom_mode=mode)
                raise self.fail("'in' or 'out' after the zoom")
        if self.accept_any({"orbits", "orbit", "circles", "rotates"}):
            return self._turning("orbit", DEFAULT_ORBIT_DEGREES)
        if self.accept_any({"pans", "pan", "panning", "turns"}):
            return self._turning("pan", DEFAULT_PAN_DEGREES)
        if self.accept_any({"follows", "follow", "tracks", "track", "following", "tracking"}):
            target = self.noun_phrase(create=True)  # "the camera follows the red ball as it rolls"
            if not target or target == [GROUND]:
                raise self.fail("the object the camera follows")
            self.last_subject = target
            return CameraPath(motion="track", target=target[0])
        return None

    def _amount_fraction(self, default: float) -> float:
        """'by 30 percent' -> 0.3; the default when no amount is said."""
        start = self.i
        self.accept("by")
        value = self.number()
        if value is not None and self.accept("percent"):
            if not 0 < value < 100:
                raise SceneError(f"a zoom of {value:g} percent is impossible; use 1 to 99 percent")
            return value / 100
        self.i = start
        return default

    def _turning(self, motion: str, default_degrees: float) -> CameraPath:
        degrees, direction = default_degrees, None
        while True:
            if self.accept("around") or self.accept("about"):
                if not (self.accept("the", "scene") or self.accept("everything")) and self._starts_reference():
                    self.noun_phrase(create=False)
                continue
            self.accept("by")
            angle = self.quantity("angle")
            if angle is not None:
                degrees = float(np.degrees(angle))
                continue
            if self.accept("a", "full", "turn") or self.accept("full", "circle"):
                degrees = 360.0
                continue
            found = self._direction()
            if found in ("left", "right"):
                direction = found
                continue
            break
        if not 0 < degrees <= 720:
            raise SceneError(f"a camera {motion} of {degrees:g} degrees is impossible; use 1 to 720 degrees")
        return CameraPath(motion=motion, direction=direction or "left", amount=float(np.radians(degrees)))

    # --- finishing -----------------------------------------------------------------------------------------
    def finish(self) -> None:
        if self.duration is not None:
            self.graph.settings = self.graph.settings.model_copy(update={"duration": self.duration})
        path = self.graph.camera.path
        if path.motion == "track" and path.target not in self.graph.body_ids:
            raise SceneError(f"the camera follows {path.target}, which is not in the scene")

