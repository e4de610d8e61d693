"""The prompt parser: English about objects, their motion and the camera, to a laid-out `SceneGraph`.

A small deterministic grammar, no model. Its words and phrases are data (scenes/phrases.yaml, read by
scenes.grammar; objects in scenes/lexicon.yaml); scenes.tokens turns the text into checked tokens. The clauses,
recognised here by recursive descent, are roughly:

    prompt     := clause ((SEPARATOR | CONNECTOR) clause)*
    clause     := OPENING* SEQUENCE_WORD? ( framing | camera | VIEW | delay | duration | NO_OP | leading_side
                  | imperative | subject predicate* )
    imperative := IMPERATIVE noun_phrase ("and" noun_phrase)* motion_arg* predicate*
    subject    := ("there is" | "there are")? noun_phrase (("," | "and") noun_phrase)*
    predicate  := COPULA | ADVERB | NO_OP | IN_TURN | side | between | middle_of | OCCLUSION_VERB ... | "has" X "on top"
                  | property ("is red") | MOTION_VERB motion_arg* | RELATION noun_phrase | "weighs" MASS | duration
    motion_arg := "from" LENGTH | "at" SPEED | "at" TIME | direction | LEAD noun_phrase | "off" noun_phrase
                  | "by" noun_phrase (after a PASSIVE_FORM) | "toward each other" | N "times" | IN_TURN | LENGTH
    noun_phrase:= pronoun | "all" N? noun | ("the" | "this") ORDINAL? N? modifier* NOUN | COUNT? ARRANGEMENT?
                  modifier* NOUN post_modifier* colour_list?

Each recogniser applies its meaning to the graph as it goes (bodies are made when their phrase is read, so a
later "the ball" or "it" can name them). An unknown word is reported with its position and the closest known
words; a describing word kinema cannot show is a warning; contradictions and ambiguity are errors.
"""

import math

import numpy as np

from scenes import vocabulary as vocab
from scenes.bodies import add_bodies, colour, material, noun_mass, scaled_size
from scenes.caption import backdrop_phrase
from scenes.errors import SceneError
from scenes.grammar import (
    IGNORABLE_MODIFIERS,
    ACTIVE_PUSHES, ADVERBS, ARRANGING_IMPERATIVES, BREAKING_WORDS, CAMERA_COMMANDS, COMPARATIVES, CONNECTORS, COPULAS,
    GROUP_WORDS, HEIGHT_PHRASES, PART_WORDS, IMPERATIVES, IN_TURN, IN_TURN_PHRASES, MOTION_VERBS,
    NO_OP_PHRASES, OCCLUSION_VERBS, OPENINGS, PARTICIPLE_MOTIONS, PARTICLES, PASSIVE_FORMS, RELATION_PHRASES,
    REPEAT_WORDS, ROLLING_MOVES, SEQUENCE_WORDS, SIZE_AFTER_WORDS, STEP_WORDS, SUPERLATIVES, VIEW_PHRASES,
)
from scenes.graph import SceneGraph
from scenes.layout import lay_out
from scenes.schema import (
    MAX_BODIES, Action, Backdrop, CameraPath, Ground, Relation,
    too_short_for_a_frame,
)
from scenes.seeding import scene_rng
from scenes.tokens import NOUN_MODIFIERS, ORDINAL_NUMBER, SEPARATORS, Token, is_number, tokenize
from scenes.units import UNITS
from scenes.vocabulary import DEFAULT_ORBIT_DEGREES, DEFAULT_PAN_DEGREES, DEFAULT_ZOOM


MAX_PROMPT_LENGTH = 2000  # characters: one this long parses and lays out in under 0.3 s
MAX_COUNT = 50  # bodies one phrase makes ("50 balls")
SEQUENCE_SECONDS = 1.0  # a later step of a sequence ("then ...") starts this much after the one before
AFTER_LAST_START = 1.5  # s of clip after the last delayed motion starts, unless the prompt gives a duration
VISIBLE_BOUNCE = 0.05  # m: a bounce lower than this is not counted as one ("bounces three times")
MAX_BOUNCE_DROP = 12.0  # m: the highest drop "bounces N times" chooses on its own (4 bounces on stone: 11 m)
# Words for the ground everything stands on: "across the patio", "down the lane".
GROUND_WORDS = {"floor", "ground", "surface", "room", "lane", "alley", "patio", "floorboards", "floorboard", "court",
                "field", "road", "street", "path", "yard", "deck", "pavement", "sidewalk", "driveway", "tiles",
                "carpet", "rug"}
OFF_EDGE_SPEED = 0.6  # m/s left over at a support's edge, so a body pushed off it leaves it


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
        self.verb = ""  # the motion verb being read, as written (passive forms take an agent after "by")
        self.delay: float | None = None  # seconds before this clause's motions start ("after 2 seconds")
        self.in_turn: list[tuple[list[str], float]] = []  # subjects that move "one after another", seconds apart
        self.sides: dict[str, str] = {}  # body -> "left" / "right": "on the left"
        self.bounce_seconds = 0.0  # how long "bounces N times" needs
        self.imperative_said = False  # "stack three boxes and throw a ball": base verbs go on commanding
        self.step = 0  # the step of a sequence ("a ball drops, then a cube drops"): later steps start later
        self.pending_step = False  # a sequence word was read; the next new subject is a later step
        self.side_ahead: str | None = None  # "on the left, a red box"
        self.from_side: str | None = None  # "from the right": the side a motion comes from
        self.turn_ahead: list[str] = []  # "one by one, six books ...": the subject a leading "one by one" is for
        self.previous_subject: list[str] = []  # the subject before the current one ("a stool with a mug on it")
        self.last_phrase: list[str] = []  # the bodies of the last noun phrase read (what "which" refers to)
        self.camera_object: list[str] | None = None  # what a camera motion names ("orbits a globe")
        self.clause_subject: list[str] | None = None  # the subject whose predicates are being read
        self.mentions: list[list[str]] = []  # every noun phrase's bodies, in order (what pronouns refer to)
        self.moving_off: dict[str, tuple[str, str]] = {}  # body -> (support, direction) it moves off
        self.last_action: Action | None = None  # the motion said last ("roll a marble, at 2 m/s, ...")
        self.stack_pick = False  # the definite phrase being read names a tower's top or bottom ("the top one")
        self.part_word: str | None = None  # "the edge of the table": the part a phrase named
        self.next_pick = False  # the definite phrase being read is "the next X"
        self.its: list[str] | None = None  # what "its" named last in this sentence ("on its left ... on its right")

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
        if is_number(word):
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
            if self._delay():  # before connectors: "after" is one too
                continue
            separator = self.accept_any(SEPARATORS | CONNECTORS)
            if separator in (".", ";", "!", "?"):
                self.delay = None  # "after 2 seconds" holds for its sentence
                self.its = None
            elif separator == "then":
                self.pending_step = True
            elif separator in ("which", "that", "who") and self.last_phrase:
                self.last_subject = self.last_phrase  # a relative clause is about the noun just before it
            elif separator is None:
                self.clause()
        self.finish()
        return self.graph

    def clause(self) -> None:
        """A camera clause, a duration, an imperative, or a subject (possibly implied: 'and bounces') with its
        predicates; an opening ("show me"), a view ("side view") or a delay ("after 2 seconds") may lead it."""
        self._openings()
        while self.peek() in IGNORABLE_MODIFIERS and self.peek() not in vocab.NOUN_FORMS and self.last_subject:
            self.warnings.append(f"ignored {self.peek()!r}: a describing word kinema cannot show")  # ", very ..."
            self.i += 1
        if self.peek() in SEPARATORS or self.at_end():  # "hey, ...": nothing but an opening
            return
        self._sequence_word()
        if self.framing() or self.camera_clause() or self._view() or self._delay() or self.duration_phrase():
            return
        if not self.last_subject and (self._no_op() or self._middle_of([])):  # "in the middle of the room, ..."
            return
        if self.last_subject and (self._in_turn(self.last_subject) or self._comparison() or self._count_of_them()
                                  or self._repeat_said()):
            return  # "drop three eggs, one at a time", "..., from biggest to smallest", "..., 20 of them"
        if self.last_subject and self._continued_motion():  # "roll a marble, at 2 m/s, toward a cup"
            return
        if self._leading_side():
            return
        if not self.last_subject and self.peek() in ("one", "in") and self._in_turn(self.turn_ahead):
            return  # "one by one, six books topple off the shelf": in turn, for the subject that follows
        if self._imperative():
            return
        self.accept("there", "is") or self.accept("there", "are") or self.accept("we", "see")
        subject = self.noun_phrase_list()
        if subject is None:
            if not (self.last_subject and self._starts_predicate()):
                raise self.fail("an object such as 'a red ball', or the camera")
            subject = self.last_subject
        elif subject not in ([GROUND], [BACKDROP]):
            self._new_subject(subject)
            if self.peek() == ":" and self._starts_property(1):  # "Ball: red. Table: wooden."
                self.i += 1
                self._apply_properties(subject, self._modifiers())
        self.turn_ahead.extend(subject if self.in_turn and self.in_turn[-1][0] is self.turn_ahead else [])
        for body_id in subject if self.side_ahead else []:
            self.sides[body_id] = self.side_ahead
        self.side_ahead = None
        step, before = self.step, self.i
        self.predicates(subject)
        if self.i == before and step and self.previous_subject:  # "a red cube falls, then a blue cube": falls too
            self._repeat_motions(self.previous_subject, subject)

    def _repeat_motions(self, source: list[str], subject: list[str]) -> None:
        """Give `subject` the motions of `source`, in this clause's step (the verb was left out)."""
        for action in [a for body_id in source[:1] for a in self._actions_of(body_id)]:
            for body_id in subject:
                self._add_action(action.model_copy(update={"subject": body_id, "delay": None}))

    def _continued_motion(self) -> bool:
        """A clause that only goes on with the last motion's arguments: its speed, height, target, direction."""
        moving = self.last_action
        leads = self.peek() in ("toward", "towards", "onto", "into", "from") or \
            self.peek() == "at" and not self._time_ahead(1) and (is_number(self.peek(1)) or self._starts_reference(1))
        if moving is None or not leads:
            return False
        args = self.motion_arguments()
        update = {key: args[key] for key in ("speed", "height", "target", "direction") if key in args}
        if not update:
            return False
        self.graph.remove_action(moving)
        self.last_action = self.graph.add_action(moving.model_copy(update=update))
        return True

    def _repeat_said(self) -> bool:
        """'throw a baseball at a can, twice': a repetition kinema does not make (only bounces repeat); warned."""
        start = self.i
        self.accept("repeat") and (self.accept_any({"it", "this", "that"}) or True)
        times = self._times()
        if times is None:
            self.i = start
            return False
        self.accept("total") or self.accept("in", "total")
        self.warnings.append(f"ignored '{self.said(start)}': only a bounce repeats on its own")
        return True

    def _count_of_them(self) -> bool:
        """'dominoes fall, 20 of them': as many of the last subject's kind (more are made like the first)."""
        start = self.i
        count = self._count() if self._count_ahead() else None
        if count is None or not (self.accept("of", "them") or self.accept("total") or self.accept("in", "total")
                                 or self.accept("in", "all")):
            self.i = start
            return False
        subject = self.last_subject
        if count > len(subject):
            first = self.graph.body(subject[0])
            arrangement = first.group.kind if first.group else None
            more = add_bodies(self.graph, first.noun, count - len(subject), first.colour.name, first.material.name,
                              first.size)
            self.body_count += len(more)
            if arrangement:  # the new ones join the row or tower
                for k, body_id in enumerate(more, start=len(subject)):
                    self.graph.replace_body(self.graph.body(body_id).model_copy(
                        update={"group": first.group.model_copy(update={"index": k})}))
                    if arrangement == "tower":
                        self.graph.add_relation(Relation(subject=body_id, relation="on", object=([*subject, *more])[k - 1]))
            for action in [a for a in self._actions_of(subject[0])]:
                for body_id in more if action.action != "topple" else []:
                    self._add_action(action.model_copy(update={"subject": body_id}))
            self.last_subject = subject + more
        return True

    def _new_subject(self, subject: list[str]) -> None:
        """A clause names its own subject: a later step of a sequence starts after the one before."""
        if self.pending_step and subject != self.last_subject:
            self.step += 1
        self.pending_step = False
        self.previous_subject, self.last_subject = self.last_subject, subject

    def _sequence_word(self) -> None:
        """'then', 'next', 'finally' before a new subject make a later step; 'first' opens the first one."""
        for phrase in SEQUENCE_WORDS:
            if self.accept(*phrase):
                self.pending_step = phrase[0] not in STEP_WORDS
                return

    def _leading_side(self) -> bool:
        """'on the left, a red box': the side of the subject that follows."""
        start = self.i
        if self.accept("on", "the") or self.accept("to", "the"):
            self.accept("far")
            side = self.accept_any({"left", "right"})
            if side and self.peek() != "of":
                self.accept("side")
                self.side_ahead = side
                return True
        self.i = start
        return False

    def _openings(self) -> None:
        while any(self.accept(*phrase) for phrase in OPENINGS):
            pass

    def _view(self) -> bool:
        """'side view', 'close up': a framing the default camera cannot take, ignored with a warning."""
        for phrase in VIEW_PHRASES:
            if self.accept(*phrase):
                self.warnings.append(f"ignored the view '{' '.join(phrase)}': kinema frames every scene with its own "
                                     "camera (say 'the camera orbits', 'zooms in', 'pans' or 'follows X' to move it)")
                return True
        return False

    def _delay(self) -> bool:
        """'after 2 seconds', 'at t = 1 s', '2 seconds later': the motions of this clause start then."""
        start = self.i
        if self.accept("after", "a", "while") or self.accept("a", "moment", "later") or self.accept("moments", "later"):
            self.pending_step = True
            return True
        if self.accept_any({"wait", "pause"}):
            self.accept("for")
            self.accept_any({"about", "around", "roughly"})
            seconds = 1.0 if self.accept("a", "second") or self.accept("a", "moment") or self.accept("a", "bit") \
                else self.measure("time", "a wait", 0, vocab.MAX_DURATION)
            if seconds is None:
                raise self.fail("how long to wait ('wait 2 seconds')")
            self.delay = (self.delay or 0.0) + seconds
            return True
        if self.accept("after") or self.accept("at"):
            self.accept("t")
            seconds = self.measure("time", "a delay", 0, vocab.MAX_DURATION)
            if seconds is not None:
                self.delay = seconds
                return True
            if self.tokens[start].text == "after" and self.accept("a", "second"):
                self.delay = 1.0
                return True
        self.i = start
        seconds = self.measure("time", "a delay", 0, vocab.MAX_DURATION)
        if seconds is not None and self.accept("later"):
            self.delay = seconds
            return True
        self.i = start
        return False

    def _imperative(self) -> bool:
        """'drop a ball from 2 m', 'stack three boxes', 'put a cube on the table': the verb acts on its object."""
        verb = self.peek()
        verb = next((base for base in (verb, verb.removesuffix("ped"), verb.removesuffix("ed"), verb.removesuffix("d"))
                     if base in IMPERATIVES), verb)  # "what if you dropped a piano": as 'drop'
        if verb not in IMPERATIVES or not self._imperative_here():
            return False
        start = self.i
        self.i += 1
        self.accept("up") or self.accept_any(PARTICLES)  # "line up five dominoes", "tip over the bookcase"
        kind = IMPERATIVES[verb]
        if not self._starts_reference():
            self.i = start
            return False
        self.imperative_said = True
        arrangement = kind if kind in ARRANGING_IMPERATIVES else None
        subject = self.noun_phrase(create=True, arrangement=arrangement)
        if subject is None or subject in ([GROUND], [BACKDROP]):
            raise self.fail(f"an object to {verb}")
        while self.peek() == "and" and self._starts_noun_phrase(1) and not self._camera_ahead(1):
            self.i += 1
            subject = subject + self.noun_phrase(create=True, arrangement=arrangement)
        self.accept("up")
        if arrangement:  # "stack 5 blocks into a tower", "... on top of each other"
            self.accept_any({"into", "in"}) and self.accept_any({"a", "one"}) and \
                self.accept_any({"tower", "stack", "pile", "pyramid", "heap"})
        self._new_subject(subject)
        if kind is not None and kind not in ARRANGING_IMPERATIVES:
            self.verb = verb
            self.clause_subject = subject  # "drop a ball on top of it": it is not the ball
            try:
                self.motion(subject, kind)
            finally:
                self.clause_subject = None
        self.predicates(subject)
        return True

    def _imperative_here(self) -> bool:
        """A base-form verb opens an imperative at the start of a sentence, or after a single subject
        ('a ball falls and roll...' cannot be meant); after a plural one it is that subject's verb."""
        if not self._starts_reference(1) and self.peek(1) != "up" and \
                not (self.peek(1) in PARTICLES and self._starts_reference(2)):  # "tip over the bookcase"
            return False
        previous = self.tokens[self.i - 1].text if self.i > 0 else "."
        return previous in (".", ";", ":", "!", "?") or not self.last_subject or len(self.last_subject) == 1 \
            or self.imperative_said or previous == "," and self.peek(1) == "the"  # "..., topple the first one"

    def _starts_predicate(self) -> bool:
        start = self.i
        found = self.peek() in MOTION_VERBS or self.peek() in COPULAS or self.peek() in ADVERBS \
            or self.relation_phrase() is not None or self._no_op() or self.peek() in OCCLUSION_VERBS \
            or self.peek() in BREAKING_WORDS \
            or self.peek() in ("between", "has", "holds") or self.peek(1) == "between"
        self.i = start
        return found

    def predicates(self, subject: list[str]) -> None:
        """Relations, motions, weights and durations of `subject`, up to the next separator or connector."""
        self.clause_subject = subject
        try:
            self._predicates(subject)
        finally:
            self.clause_subject = None

    def _predicates(self, subject: list[str]) -> None:
        chain_objects, chain_end = subject, -1
        beside_objects, beside_end = subject, -1
        while not self.at_end() and self.peek() not in SEPARATORS | CONNECTORS:
            if self.peek() in IGNORABLE_MODIFIERS and self.peek() not in vocab.NOUN_FORMS:
                self.warnings.append(f"ignored {self.peek()!r}: a describing word kinema cannot show")
                self.i += 1
                continue
            if self.peek() in ("right", "just", "directly", "exactly") and self._relation_ahead(1):
                self.i += 1  # "right next to", "just behind": the relation
                continue
            if self._each_other(subject) or self._middle_of(subject) or self._later(subject) or self.duration_phrase() or \
                    self._spacing() or self.accept_any(COPULAS | ADVERBS) or self._no_op() or self._comparison():
                continue
            if self._in_turn(subject) or self._side(subject) or self._between(subject) or self._occlusion(subject) \
                    or self._has_on_top(subject) or self._either_side(subject) or self._on_top(subject) \
                    or self._said_property(subject):
                continue
            if self.accept_any(BREAKING_WORDS):
                self.warnings.append(f"ignored {self.tokens[self.i - 1].text!r}: kinema's bodies do not break yet "
                                     "(they stay whole)")
                self._no_op()  # "... into pieces"
                continue
            if self.peek() in ("follows", "follow") and self.previous_subject and \
                    (not self._starts_reference(1) or self.peek(1) in ("it", "them")):
                self.i += 1 + (self.peek(1) in ("it", "them"))  # "another marble follows (it)": it does the same
                self._repeat_motions(self.previous_subject, subject)
                continue
            verb = self.accept_any(MOTION_VERBS)
            if verb:
                self.verb = verb
                self.motion(subject, MOTION_VERBS[verb])
                continue
            start = self.i
            relation = self.relation_phrase()
            if relation:
                # "a cone on a box on a crate": a support right after a support's object is that object's
                chained = relation in SUPPORTS and start == chain_end
                beside = relation in SUPPORTS and start == beside_end  # "a bottle next to a can on a table"
                objects = self.relation(chain_objects if chained else subject, relation)
                if beside:
                    for body_id in beside_objects:
                        if body_id not in objects and not self._support_of(body_id):
                            self.graph.add_relation(Relation(subject=body_id, relation=relation,
                                                             object=self._target_of(objects, True)))
                if relation in SUPPORTS:
                    chain_objects, chain_end = objects, self.i
                elif relation in ("near", "left_of", "right_of", "in_front_of", "behind"):
                    beside_objects, beside_end = objects, self.i
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

    def _later(self, subject: list[str]) -> bool:
        """'... drops 1 second later': the subject's motions start that long after the clip begins."""
        start = self.i
        seconds = self.measure("time", "a delay", 0, vocab.MAX_DURATION)
        if seconds is None or not self.accept("later"):
            self.i = start
            return False
        for body_id in subject:
            for action in self._actions_of(body_id):
                self._delay_action(action, seconds)
        return True

    def _delay_action(self, action: Action, seconds: float) -> None:
        """Start a motion `seconds` into the clip (a falling body is held until then)."""
        if action.action == "topple":
            self.warnings.append(f"ignored the start time {seconds:g} s of {action.subject}'s topple: "
                                 "a topple starts on the first frame")
            return
        self.graph.remove_action(action)
        self.graph.add_action(action.model_copy(update={"delay": seconds}))

    def _occlusion(self, subject: list[str]) -> bool:
        """'disappears behind the box', 'passes in front of the crate': the moving subject passes it there."""
        if not self.accept_any(OCCLUSION_VERBS):
            return False
        lead = "behind" if self.accept("behind") else "in_front" if self.accept("in", "front", "of") else None
        if lead is None:  # "and reappears (on the right)": passing behind already brings it out again
            self.accept_any({"it", "them"}) or self.accept("on", "the", "left") or self.accept("on", "the", "right") \
                or self._no_op()  # "a crate that hides it for a second"
            self._no_op()
            return True
        target = self.noun_phrase(create=True)
        if target in (None, [GROUND], [BACKDROP]):
            raise self.fail(f"what it passes {'behind' if lead == 'behind' else 'in front of'}")
        for body_id in subject:
            moving = next((a for a in self._actions_of(body_id) if a.action in ("roll", "push", "slide")), None)
            if moving:
                self.graph.remove_action(moving)
                self.graph.add_action(moving.model_copy(update={"target": target[0], "via": lead, "direction": None}))
            else:
                kind = "roll" if self.graph.body(body_id).shape == "sphere" else "push"
                self._add_action(Action(subject=body_id, action=kind, target=target[0], via=lead))
        return True

    def _said_property(self, subject: list[str]) -> bool:
        """'a ball that is red', 'the box is heavy': a colour, material, size or mass word after 'is'."""
        previous = self.tokens[self.i - 1].text if self.i else ""
        if previous not in COPULAS or self.peek() in vocab.NOUN_FORMS and not self._describes_next():
            return False
        start = self.i
        said = self._modifiers()
        if not said or self.peek() in vocab.NOUN_FORMS:
            self.i = start
            return False
        self._apply_properties(subject, said)
        return True

    def _apply_properties(self, subject: list[str], said: dict) -> None:
        """Give the subject's bodies the colour, material, size or mass words said of them."""
        for body_id in subject:
            body = self.graph.body(body_id)
            update = {}
            if "colour" in said:
                update["colour"] = colour(said["colour"])
            if "material" in said:
                update["material"] = material(said["material"])
                update["mass"] = noun_mass(body.noun, body.shape, body.size, update["material"].density)
            if "scale" in said or "length" in said:
                update["size"] = scaled_size(body.noun, said.get("scale", 1.0), said.get("length"))
                update["mass"] = noun_mass(body.noun, body.shape, update["size"], body.material.density)
            if "mass_factor" in said:
                update["mass"] = update.get("mass", body.mass) * said["mass_factor"]
            self.graph.replace_body(body.model_copy(update=update))

    def _starts_property(self, offset: int) -> bool:
        word = self.peek(offset)
        return word in NOUN_MODIFIERS and self.peek(offset + 1) not in vocab.NOUN_FORMS

    def _on_top(self, subject: list[str]) -> bool:
        """'with an apple on top': on the body named before ('a stack of books ..., with an apple on top')."""
        if not (self.peek(0) == "on" and self.peek(1) == "top" and self.peek(2) != "of") or not self.previous_subject:
            return False
        self.i += 2
        base = self._target_of(self.previous_subject, top=True)
        for body_id in subject:
            if body_id != base:
                self.graph.add_relation(Relation(subject=body_id, relation="on", object=base))
        return True

    def _either_side(self, subject: list[str]) -> bool:
        """'with an apple on either side (of the pear)': one on its left, one (a copy, if one was named) on its
        right."""
        start = self.i
        if not (self.accept("on", "either", "side") or self.accept("on", "each", "side") or
                self.accept("on", "both", "sides")):
            return False
        middle = self.noun_phrase(create=True) if self.accept("of") else self.previous_subject
        if not middle or middle in ([GROUND], [BACKDROP]):
            self.i = start
            raise self.fail("what stands in the middle ('on either side of the vase')")
        if len(subject) == 1:
            body = self.graph.body(subject[0])
            subject = subject + add_bodies(self.graph, body.noun, 1, body.colour.name, body.material.name, body.size)
            self.body_count += 1
            self.last_subject = subject
        for body_id, side in zip(subject, ("left_of", "right_of")):
            self.graph.add_relation(Relation(subject=body_id, relation=side, object=middle[0]))
        return True

    def _has_on_top(self, subject: list[str]) -> bool:
        """'has a ball on top', 'with a cup on it': the named bodies stand on the subject."""
        start = self.i
        verb = self.accept_any({"has", "have", "holds", "carries", "supports", "contains", "hold", "contain"})
        if not verb:
            return False
        held = self.noun_phrase(create=True)
        on_top = self.accept("on", "top", "of", "it") or self.accept("on", "it") or self.accept("on", "top")
        inside = self.accept("in", "it") or self.accept("inside") or verb.startswith("contain") or \
            verb.startswith("hold") and self._is_container(subject[0])
        on_top = on_top or verb.startswith(("hold", "carr", "support")) and not inside  # "a tray holds two cups"
        if held in (None, [GROUND], [BACKDROP]) or not (on_top or inside):
            self.i = start
            return False
        relation = "on" if on_top else "inside"
        for body_id in held:
            self.graph.add_relation(Relation(subject=body_id, relation=relation, object=self._target_of(subject, True)))
        return True

    def _is_container(self, body_id: str) -> bool:
        spec = vocab.NOUNS[self.graph.body(body_id).noun]
        return spec.hollow > 0 or spec.mesh_file is not None  # a bucket, a bowl: what layout can put things in

    def _comparison(self) -> bool:
        """'bigger than the tennis ball', 'from biggest to smallest': compared sizes kinema does not set; warned."""
        start = self.i
        if self.accept_any(COMPARATIVES) and self.accept("than") and self.noun_phrase(create=True) is not None:
            self.warnings.append(f"ignored '{self.said(start)}': say a size instead (small, large, '30 cm')")
            return True
        self.i = start
        if self.accept("from") and self.accept_any(SUPERLATIVES) and self.accept("to") and self.accept_any(SUPERLATIVES):
            self.warnings.append(f"ignored '{self.said(start)}': say each size instead (small, large, '30 cm')")
            return True
        self.i = start
        return False

    def _last_two(self, subject: list[str]) -> list[str]:
        """The first bodies of the last two things named before, not the subject ("between them", "both")."""
        found: list[str] = []
        for mention in reversed(self.mentions):
            if mention[0] not in found and not set(mention) & set(subject) and mention not in ([GROUND], [BACKDROP]):
                found.append(mention[0])
            if len(found) == 2:
                break
        return found[::-1]

    def _each_other(self, subject: list[str]) -> bool:
        """'next to each other', 'side by side', 'touching each other': the subject's bodies near one another."""
        if not (self.accept("next", "to", "each", "other") or self.accept("beside", "each", "other")
                or self.accept("near", "each", "other") or self.accept("close", "to", "each", "other")
                or self.accept("side", "by", "side")):
            return False
        for first, second in zip(subject, subject[1:]):
            self.graph.add_relation(Relation(subject=second, relation="near", object=first))
        return True

    def _relation_ahead(self, offset: int) -> bool:
        return any(all(self.peek(offset + k) == word for k, word in enumerate(phrase)) for phrase, _ in RELATION_PHRASES)

    def _spacing(self) -> bool:
        """'spaced 10 cm apart': a spacing kinema's layout chooses itself; warned."""
        start = self.i
        if self.accept_any({"spaced", "placed"}) and self.measure("length", "a spacing", 0, 100.0) is not None \
                and self.accept("apart"):
            self.warnings.append(f"ignored '{self.said(start)}': kinema spaces bodies itself")
            return True
        self.i = start
        return False

    def _no_op_ahead(self) -> bool:
        return any(all(self.peek(k) == word for k, word in enumerate(phrase)) for phrase in NO_OP_PHRASES)

    def _no_op(self) -> bool:
        return any(self.accept(*phrase) for phrase in NO_OP_PHRASES)

    def _in_turn(self, subject: list[str]) -> bool:
        """'one after another': the subject's bodies fall in turn (each from a little higher than the last)."""
        for phrase in IN_TURN_PHRASES:
            if self.accept(*phrase):
                self.in_turn.append((subject, IN_TURN[phrase]))
                return True
        return False

    def _side(self, subject: list[str]) -> bool:
        """'on the left', 'on the far right' (not 'of' anything): the subject stands on that side of the rest."""
        start = self.i
        if self.accept_any({"on", "at", "to"}) and self.accept_any({"its", "their"}):
            side = self.accept_any({"left", "right"})  # "a chair on its left": left of the thing before
            if side:
                self.accept("side")
                other = self.its or self._pronoun(single=True)
                self.its = other
                for body_id in subject:
                    if body_id not in other:
                        self.graph.add_relation(Relation(subject=body_id, relation=f"{side}_of", object=other[0]))
                return True
        self.i = start
        if self.accept_any({"on", "at", "to"}) and self.accept("the"):
            self.accept("far")
            side = self.accept_any({"left", "right"})
            if side and self.peek() != "of" and (self.peek(), self.peek(1)) != ("side", "of"):
                self.accept("side")
                for body_id in subject:
                    self.sides[body_id] = side
                return True
        self.i = start
        return False

    def _between(self, subject: list[str]) -> bool:
        """'between A and B': right of A and left of B, as the camera sees them."""
        start = self.i
        self.accept("in")
        if not self.accept("between"):
            self.i = start
            return False
        if self.accept_any({"them", "both"}) and len(self._last_two(subject)) == 2:
            first, second = ([b] for b in self._last_two(subject))  # "a spatula drops down between them"
            for body_id in subject:
                for relation, other in (("right_of", first), ("left_of", second)):
                    self.graph.add_relation(Relation(subject=body_id, relation=relation, object=other[0]))
            return True
        first = self.noun_phrase(create=True)
        if first is not None and len(first) == 2:  # "between two books", "between the chairs"
            first, second = first[:1], first[1:]
        else:
            if first is None or not self.accept("and"):
                raise self.fail("two objects after 'between' ('between the red box and the blue box')")
            second = self.noun_phrase(create=True)
            if second is None:
                raise self.fail("a second object after 'and'")
        for body_id in subject:
            for relation, phrase in (("right_of", first), ("left_of", second)):
                self.graph.add_relation(Relation(subject=body_id, relation=relation,
                                                 object=self._target_of(phrase, False)))
        return True

    def _middle_of(self, subject: list[str]) -> bool:
        """'in the middle of the table': on it (the middle of the floor is where layout puts the scene anyway)."""
        start = self.i
        if not (self.accept("in", "the", "middle", "of") or self.accept("in", "the", "center", "of")
                or self.accept("in", "the", "centre", "of")):
            return False
        support = self.noun_phrase(create=True)
        if support is None:
            self.i = start
            return False
        if support not in ([GROUND], [BACKDROP]):
            for body_id in subject:
                self.graph.add_relation(Relation(subject=body_id, relation="on", object=self._target_of(support, True)))
        return True

    def _starts_noun_phrase(self, offset: int = 0) -> bool:
        word = self.peek(offset)
        return (word in ("a", "an", "the", "another", "some", "several", "many", "few", "this", "these", "all", "both")
                or is_number(word) or word in vocab.NUMBER_WORDS or word in vocab.NOUN_FORMS
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
        """A noun phrase or a pronoun starts here ("one after another" is neither)."""
        if any(all(self.peek(offset + k) == word for k, word in enumerate(phrase)) for phrase in IN_TURN_PHRASES):
            return False
        return self._starts_noun_phrase(offset) or self.peek(offset) in ("it", "itself", "them", "they")

    def _camera_ahead(self, offset: int) -> bool:
        return "camera" in (self.peek(offset), self.peek(offset + 1), self.peek(offset + 2))

    def noun_phrase(self, create: bool, arrangement: str | None = None) -> list[str] | None:
        """Body ids (or [GROUND]) of the noun phrase at the cursor, creating bodies for indefinite ones
        (`arrangement`: how several new ones stand unless the phrase says, "stack three boxes")."""
        start = self.i
        if self.accept_any({"it", "itself"}):
            return self._pronoun(single=True)
        if self.peek() in ("all", "both", "each") and self.peek(1) not in ("of", "") and self._starts_noun_phrase(1):
            self.i += 1  # "all 10 pins", "all the balls", "both cubes": those named before
            self.accept("the")
            return self._resolve_all(start)
        if self.accept("all", "of", "them") or self.accept("everything") or self.accept("all", "objects") \
                or self.accept("all", "the", "objects"):
            everything = [b.id for b in self.graph.bodies if not b.static]  # "all of them fall at t = 0.5 s"
            if not everything:
                raise self.fail("objects before 'all of them'")
            return everything
        if self.peek() == "both" and len(self.last_subject) == 1 and len(self._last_two([])) == 2:
            self.i += 1  # "a teapot in front of the sugar bowl, both sitting on a tray": the two
            return [b for b in self._last_two([])]
        if self.accept_any({"they", "them", "both", "all", "each"}):
            self.accept("of", "them") or self.accept_any({"all", "both"})
            return self._pronoun(single=False)
        if self.peek() == "the" and self.peek(1) in PART_WORDS and self.peek(2) == "of" and self._starts_reference(3):
            self.part_word = self.tokens[self.i + 1].text
            self.i += 3  # "near the edge of the table", "on the side of the box": the table, the box
            return self.noun_phrase(create=create)
        definite = bool(self.accept("the") or self.accept_any({"this", "these", "those"}))
        count: int | None = None
        ordinal: int | None = None
        if not definite:
            count = self._count()
            self.accept_any({"other", "more"})  # "three other balls", "two more cubes"
            if count == 1 and self.peek() in vocab.ORDINALS and self.peek() != "last" and \
                    (self.peek(1) in vocab.NOUN_FORMS or self.peek(1) in NOUN_MODIFIERS):
                self.i += 1  # "a second soccer ball": one more
        group_word = self.peek() if self.peek() in GROUP_WORDS and not definite else None
        skip = 2 if self.peek(1) == "of" else 3 if self.peek(1) in ("out", "made") and self.peek(2) == "of" else 0
        if group_word and skip:  # "a tower of five cubes", "a pyramid out of six cups"
            if group_word in ("pyramid", "heap"):
                self.warnings.append(f"built the {group_word} as a tower: kinema stacks bodies one on another")
            arrangement = "row" if group_word in ("row", "line") else "tower"
            self.i += skip
            count = self._count() or 5
        if definite and self.accept("next"):
            self.next_pick = True  # "pushes the next domino"
        if definite:
            ordinal = self._ordinal() or self._stack_position()
            said_count = self._count() if ordinal is None and self._count_ahead() else None
        if self.sky():
            return [BACKDROP]
        modifiers = self._modifiers()
        noun_word = self.accept_any(vocab.NOUN_FORMS)
        if noun_word is None:
            if self.backdrop(modifiers):
                return [BACKDROP]
            ground = self.accept_any(GROUND_WORDS)
            if ground or (modifiers.get("material") and self.peek() in SEPARATORS | CONNECTORS | {""}):
                self._set_ground(modifiers)
                return [GROUND]
            if definite and self.peek_group_word():
                return self._group_reference(modifiers)
            if definite and ordinal is not None and self.mentions and self.peek() not in ("one", "ones"):
                noun_word = self.graph.body(self.mentions[-1][0]).noun  # "... knocks over the second": pin
            elif definite and self.accept_any({"one", "ones"}):  # "the first one", "the red ones"
                found = self._resolve(None, self.tokens[self.i - 1].text == "ones", ordinal, modifiers, start)
                if found is None:
                    raise self.fail("an object named earlier, before 'one'")
                return found
            if noun_word is None:
                noun_word = self._elided_noun() if modifiers and not definite else None
            if noun_word is None and not definite and self._another_of_the_same(start):
                noun_word = self.graph.body(self.mentions[-1][0]).noun  # "then a third", "then another falls"
            if noun_word is None:
                self.i = start
                return None
        if self.peek() in GROUND_WORDS:  # "a tile floor", "a brick patio": the floor, textured
            texture = {"tile": "tiles", "tiles": "tiles", "plank": "planks", "board": "planks"}.get(noun_word)
            if texture:
                modifiers["texture"] = texture
            elif noun_word in vocab.MATERIAL_WORDS:
                modifiers["material"] = vocab.MATERIAL_WORDS[noun_word]
            self.i += 1
            self._set_ground(modifiers)
            return [GROUND]
        if self.peek() in vocab.NOUN_FORMS and self.peek() != "can" and noun_word not in vocab.PLURAL_NOUN_FORMS:
            # "a brick wall", "a toy box": the first noun describes the second (a material, or a warning)
            if noun_word in vocab.MATERIAL_WORDS:
                modifiers.setdefault("material", vocab.MATERIAL_WORDS[noun_word])
            else:
                self.warnings.append(f"ignored {vocab.noun_words(noun_word)!r} before "
                                     f"{vocab.noun_words(self.peek())!r}: made a {vocab.noun_words(self.peek())}")
            noun_word = self.accept_any(vocab.NOUN_FORMS)
        noun = vocab.NOUN_FORMS[noun_word]
        plural = noun_word in vocab.PLURAL_NOUN_FORMS
        modifiers |= self._post_modifiers()
        modifiers |= self._post_modifiers()
        if "colour" not in modifiers and not plural and self._colour_ahead() and self.peek(1) not in vocab.NOUN_FORMS:
            # "a vase (white) on a shelf"
            modifiers["colour"] = self._colour_word(self.accept_any(set(vocab.COLOURS) | set(vocab.COLOUR_SYNONYMS)))
        if self.accept("in", "a", "row") or self.accept("in", "a", "line") or self.accept("in", "line") or \
                self.accept("lined", "up") or self.accept("in", "a", "chain"):
            arrangement = "row"
        if self.accept("stacked") or self.accept("in", "a", "tower") or self.accept("in", "a", "stack"):
            arrangement = "tower"
        if definite:
            found = self._resolve(noun, plural, ordinal, modifiers, start)
            if found is not None:
                self.last_phrase = found
                self.mentions.append(found)
                return found
            count = said_count  # "the two chairs", none named before: two new chairs
        if not definite and count is None and not plural and self.tokens[start].text == noun_word and not modifiers:
            found = [b.id for b in self.graph.bodies if b.noun == noun]
            if len(found) == 1:  # "t=0s: sphere at rest; t=1s: sphere falls": the sphere named before
                self.last_phrase = found
                self.mentions.append(found)
                return found
        if not create:
            raise self.fail(f"an object already named in the prompt, not a new {noun}")
        if count is None:
            count = self._plural_default() if plural else 1
        self.last_phrase = self._create(noun, count, modifiers, arrangement, start)
        self._colour_list(self.last_phrase)
        self.mentions.append(self.last_phrase)
        return self.last_phrase

    def _colour_ahead(self, offset: int = 0) -> bool:
        word = self.peek(offset)
        return word in vocab.COLOURS or word in vocab.COLOUR_SYNONYMS

    @staticmethod
    def _colour_word(word: str) -> str:
        return vocab.COLOUR_SYNONYMS.get(word, word)

    def _colour_list(self, ids: list[str]) -> None:
        """'three balls: red, green and blue': one colour each, in order, when exactly that many follow."""
        k = 1 if self.peek() in (",", ":") else 0
        colours = []
        while True:
            j = k + (self.peek(k) == "one")  # "two cubes (one red, one blue)"
            if not self._colour_ahead(j):
                break
            colours.append(self._colour_word(self.peek(j)))
            k = j + 1
            after = k
            while self.peek(after) in (",", "and"):
                after += 1
            if after == k or not (self._colour_ahead(after) or self.peek(after) == "one" and self._colour_ahead(after + 1)):
                break
            k = after
        if len(ids) < 2 or len(colours) != len(ids):
            return
        self.i += k
        for body_id, name in zip(ids, colours):
            self.graph.replace_body(self.graph.body(body_id).model_copy(update={"colour": colour(name)}))

    def _another_of_the_same(self, start: int) -> bool:
        """'another' or 'a second/third' with no noun: one more of what was named last."""
        if not self.mentions or self.mentions[-1] in ([GROUND], [BACKDROP]) or start >= len(self.tokens):
            return False
        if self.tokens[start].text == "another":
            return True
        return self.tokens[start].text in ("a", "an") and self.accept_any(set(vocab.ORDINALS) - {"last"}) is not None

    def _resolve_all(self, start: int) -> list[str]:
        """'all 10 pins', 'both cubes': every body named before that fits the phrase; a count said above those
        named makes the rest ("the pins ... all 10 pins": ten in all)."""
        count = self._count()
        modifiers = self._modifiers()
        noun_word = self.accept_any(vocab.NOUN_FORMS)
        if noun_word is None:
            raise self.fail("what 'all' names ('all the balls')")
        found = [b.id for b in self.graph.bodies if self._matches(b, vocab.NOUN_FORMS[noun_word], modifiers)]
        if not found and count:  # "knocks over all ten pins": ten new pins
            self.last_phrase = self._create(vocab.NOUN_FORMS[noun_word], count, modifiers, None, start)
            self.mentions.append(self.last_phrase)
            return self.last_phrase
        if not found:
            raise SceneError(f"'{self.said(start)}' at word {self.tokens[start].index}: no such object was named "
                             "before it")
        if count and count > len(found):
            first = self.graph.body(found[0])
            found = found + add_bodies(self.graph, first.noun, count - len(found), first.colour.name,
                                       first.material.name, first.size)
        self.last_phrase = found
        return found

    def _elided_noun(self) -> str | None:
        """The noun a coordinated phrase shares: 'a red and a blue ball' -> ball (read ahead, not consumed)."""
        if self.peek() not in (",", "and"):
            return None
        for k in range(1, 10):
            word = self.peek(k)
            if word in vocab.NOUN_FORMS:
                return vocab.NOUN_FORMS[word]
            if not word or word in SEPARATORS or word in MOTION_VERBS or word in COPULAS:
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
        if value is not None and self.peek() == self.tokens[self.i - 1].text or \
                value is not None and is_number(self.peek()) and float(self.peek()) == value:
            self.i += 1  # "three (3) cans": the count said twice
        if value is not None:
            if not (1 <= value <= MAX_COUNT and value == int(value)):
                raise SceneError(f"cannot make {self.tokens[self.i - 1].text} objects; a count is a whole number "
                                 f"from 1 to {MAX_COUNT}")
            return int(value)
        return None

    def _stack_position(self) -> int | None:
        """'the top one', 'the bottom crate': the last or first of a tower (as an ordinal)."""
        word = self.accept_any({"top", "bottom", "highest", "lowest", "uppermost"})
        if word is None:
            return None
        if self.peek() not in vocab.NOUN_FORMS and self.peek() not in ("one", "ones") and \
                not self.peek() in NOUN_MODIFIERS:
            self.i -= 1  # "the top of the table": not a position in a stack
            return None
        self.stack_pick = True
        return -1 if word in ("top", "highest", "uppermost") else 1

    def _count_ahead(self) -> bool:
        """A number word or numeral after 'the' ("the two chairs"), not a size ("the 30 cm ball")."""
        word = self.peek()
        return (word in vocab.NUMBER_WORDS or is_number(word)) and self.peek(1) not in UNITS

    def _plural_default(self) -> int:
        return int(self.rng.integers(2, 5))

    def _ordinal(self) -> int | None:
        word = self.peek()
        if word in vocab.ORDINALS:
            self.i += 1
            return vocab.ORDINALS[word]
        match = ORDINAL_NUMBER.match(word)
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
                self.accept_any(SIZE_AFTER_WORDS)  # "a 1.5 m tall box"
            elif self.quantity("mass") is not None:
                self.i -= 2
                found["mass"] = self.measure("mass", "a mass", *vocab.MASS_RANGE)  # "a 0.5 kg ball"
                continue
            elif word in IGNORABLE_MODIFIERS and self._describes_next():
                self.warnings.append(f"ignored {word!r}: a describing word kinema cannot show")
            elif word in SIZE_AFTER_WORDS and word not in vocab.SIZE_WORDS:
                self.warnings.append(f"ignored {word!r}: give a size word (small, large) or a size ('1.5 m')")
            elif self.quantity("angle") is not None:
                self.i -= 2  # "a 30 degree ramp": said again below, to warn
                self.warnings.append(f"ignored the angle '{self.peek()} {self.peek(1)}': ramps have their own slope")
                self.i += 2
                continue
            elif word in vocab.SIZE_WORDS:
                found["scale"] = vocab.SIZE_WORDS[word]
            elif (word in vocab.COLOURS or word in vocab.COLOUR_SYNONYMS) and \
                    not (word in vocab.NOUN_FORMS and not self._describes_next()):
                self._set_once(found, "colour", vocab.COLOUR_SYNONYMS.get(word, word))
            elif word in vocab.MATERIAL_WORDS and not (word in vocab.NOUN_FORMS and not self._describes_next()):
                self._set_once(found, "material", vocab.MATERIAL_WORDS[word])
            elif word in vocab.MASS_WORDS:
                found["mass_factor"] = vocab.MASS_WORDS[word]
            elif word.endswith(("ing", "ed", "wn")) and MOTION_VERBS.get(word) in PARTICIPLE_MOTIONS and \
                    self._describes_next():
                found["motion"] = MOTION_VERBS[word]  # "a rolling ball", "a thrown baseball"
            elif word in ("static", "fixed", "stationary"):
                found["static"] = True
            elif word in ("movable", "loose"):
                found["static"] = False
            elif word in vocab.FLOOR_TEXTURE_WORDS:
                found["texture"] = vocab.FLOOR_TEXTURE_WORDS[word]
            elif word == "," and (self.peek(1) in NOUN_MODIFIERS or self.peek(1) in vocab.NOUN_FORMS) and \
                    (found or self.tokens[self.i - 1].text in ("a", "an", "the")):
                pass  # "a big, red ball"
            else:
                return found
            if length is None:
                self.i += 1

    def _describes_next(self) -> bool:
        """Whether a word that is also a noun ("glass", "stone", "orange") describes what follows it."""
        after = self.peek(1)
        return after in vocab.NOUN_FORMS or after in NOUN_MODIFIERS or after in ("floor", "ground", "surface")

    def _set_once(self, found: dict, key: str, value: str) -> None:
        if key in found and found[key] != value:
            raise self.fail(f"one {key} per object (it already is {found[key]})")
        found[key] = value

    def _post_modifiers(self) -> dict:
        """'made of wood', 'of glass', 'weighing 2 kg', '20 cm across' after a noun."""
        start = self.i
        if self.accept("weighing"):
            return {"mass": self.mass()}
        about = self.accept_any({"about", "around"})  # "(about 1 m long)"
        length = self.measure("length", "a size", *vocab.SIZE_RANGE)
        if length is not None:
            self.accept_any(SIZE_AFTER_WORDS) or self.accept("in", "diameter")
            return {"length": length}
        if about:
            self.i = start
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
        """What 'it' or 'them' names: the subject, or inside the subject's own predicates the last other thing
        named ("the ball rolls toward the box and hits it": the box)."""
        referent = self.last_subject
        if self.clause_subject and self.previous_subject and not set(self.previous_subject) & set(self.clause_subject):
            referent = self.previous_subject  # "a box falls, then a ball drops on top of it": the box
        elif self.clause_subject:
            referent = next((m for m in reversed(self.mentions) if not set(m) & set(self.clause_subject)),
                            self.previous_subject or self.last_subject)
        if not referent:
            raise self.fail("an object before the pronoun refers to it")
        if single and len(referent) > 1:
            return referent[:1] if self.graph.body(referent[0]).group else referent
        return referent

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
        if not matches and noun:  # "the ball" after "a bowling ball": the word names its head
            matches = [b.id for b in self.graph.bodies if b.noun.endswith(f"_{noun}")
                       and self._matches(b, None, modifiers)]
        if self.next_pick and matches:  # "the next domino": the one after the subject, in the order named
            self.next_pick = False
            after = [m for m in matches if self.clause_subject and self.graph.body_ids.index(m) >
                     max(self.graph.body_ids.index(b) for b in self.clause_subject)]
            return after[:1] or None  # none after it: a new one
        if self.stack_pick:  # "the top one": of a tower, counted from its bottom
            self.stack_pick = False
            stacked = sorted((b for b in map(self.graph.body, matches) if b.group and b.group.kind == "tower"),
                             key=lambda b: b.group.index)
            matches = [b.id for b in stacked] or matches
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
        colour_name = modifiers.get("colour") or vocab.NOUNS[noun].colour or self._draw_colour()
        self.used_colours.add(colour_name)
        if noun == "domino" and count >= 2 and arrangement is None:
            arrangement = "row"  # dominoes stand in a row unless said otherwise
        size = scaled_size(noun, modifiers.get("scale", 1.0), modifiers.get("length"))
        ids = add_bodies(self.graph, noun, count, colour_name, modifiers.get("material"), size,
                         modifiers.get("mass_factor", 1.0), modifiers.get("static"), arrangement,
                         modifiers.get("mass"))
        for body_id in ids if "motion" in modifiers else []:  # a bouncing ball falls and bounces
            self._add_action(Action(subject=body_id, action="drop" if modifiers["motion"] == "bounce"
                                    else modifiers["motion"]))
        return ids

    def _draw_colour(self) -> str:
        """A seeded colour, distinct from those already used while any remain (objects stay tellable apart)."""
        free = [name for name in vocab.COLOURS if name not in self.used_colours and name != "grey"]
        return str(self.rng.choice(free or list(vocab.COLOURS)))

    # --- relations ---------------------------------------------------------------------------------------
    def relation_phrase(self) -> str | None:
        for phrase, relation in RELATION_PHRASES:
            if phrase == ("in",) and (self.peek(1) in ("line", "row", "turn", "sequence", "succession")
                                      or self.peek(1) == "a" and self.peek(2) in ("row", "line", "tower", "stack")):
                continue
            if self.accept(*phrase):
                return relation
        return None

    def relation(self, subject: list[str], relation: str) -> list[str]:
        """Relate every subject body to the object phrase; return the object's bodies."""
        self.part_word = None
        objects = self.noun_phrase(create=True)
        if objects is None:
            raise self.fail(f"an object after '{relation.replace('_', ' ')}'")
        if relation == "near" and self.part_word in ("edge", "corner", "end", "top", "middle", "center", "centre"):
            relation = "on"  # "near the edge of the table": on the table, by its edge
        if relation in SUPPORTS:
            objects = [self._target_of(objects, top=True)]  # on a tower = on its top block
            if self._is_group(subject) and self.graph.body(subject[0]).group.kind == "tower":
                subject = self._group_base(subject)  # a tower on a desk: its bottom block stands on the desk
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
                if relation == "inside" and not self._is_container(obj):
                    self.warnings.append(f"put {body_id} on {obj}, not inside it: kinema's {self.graph.body(obj).noun} "
                                         "is solid (buckets, bowls and baskets hold things)")
                    relation = "on"
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
        passive = self.verb in PASSIVE_FORMS
        if action == "push" and self.verb in ACTIVE_PUSHES and self._starts_reference():
            action = "collide"  # "the domino pushes the next one": it hits it
        args = self.motion_arguments(direct_object=action == "collide" and not passive)
        if args.get("in_turn"):
            self.in_turn.append((subject, args["in_turn"]))
        if self.from_side and args.get("target"):  # "rolls toward it from the right": it starts right of it
            for body_id in subject:
                if body_id != args["target"]:
                    self.graph.add_relation(Relation(subject=body_id, relation=f"{self.from_side}_of",
                                                     object=args["target"]))
            args.pop("direction", None)
        self.from_side = None
        for body_id in subject if "across" in args else []:
            if args["across"] != body_id:
                self.graph.add_relation(Relation(subject=body_id, relation="on", object=args["across"]))
        if "distance" in args and action in ("slide", "push", "roll") and "speed" not in args:
            args["speed"] = self._speed_for_distance(subject[0], args["distance"], action)
        if "agent" in args:  # "the tower is knocked over by a ball": the ball hits the tower
            for body_id in [*subject, *args["agent"]] if args.get("off") else []:
                # "is pushed off the table by a cylinder": both are on the table, and the cylinder pushes it off
                if body_id != args["off"] and not self._support_of(body_id):
                    self.graph.add_relation(Relation(subject=body_id, relation="on", object=args["off"]))
            self._collide(args["agent"], {"target": self._target_of(subject, top=False), "speed": args.get("speed")})
            return
        if args.get("each_other"):
            self._collide(subject, {"speed": args.get("speed")})
            return
        for body_id in subject if "relation" in args else []:
            relation, other = args["relation"]
            if other != body_id:
                self.graph.add_relation(Relation(subject=body_id, relation=relation, object=other))
            if relation in ("left_of", "right_of") and "direction" not in args and action in ("roll", "push", "slide"):
                args["direction"] = relation.removesuffix("_of")
        if "times" in args and action != "bounce":
            self.warnings.append(f"ignored '{args['times']} times': only a bounce repeats on its own")
        if "delay" in args:
            self.delay = args["delay"]
        if args.get("off") is None and "off" in args:  # "rolls off": off what it stands on, if anything
            args.pop("off")
            support = self._support_of(subject[0])
            if support:
                args["off"] = support
        if "off" in args and action == "collide" and args.get("target"):
            # "knocks a small cube off the shelf": the cube stands on the shelf, and is hit
            if args["off"] != args["target"]:
                self.graph.add_relation(Relation(subject=args["target"], relation="on", object=args.pop("off")))
        if "off" in args:
            self._off(subject, action, args)
            return
        if action == "push" and self.verb in ROLLING_MOVES:
            action = "roll" if all(self._rolls(body_id) for body_id in subject) else action
        if action == "collide" and passive and "target" not in args and len(subject) >= 1:
            action = "topple"  # "the tower is knocked over": it falls
        if action in ("drop", "bounce") and args.get("target") and all(b in self.moving_off for b in subject):
            # "falls off the shelf and lands in a bucket": the bucket stands where it falls
            support, direction = self.moving_off[subject[0]]
            if args["target"] != support and not any(r.subject == args["target"] for r in self.graph.relations):
                self.graph.add_relation(Relation(subject=args["target"], relation=f"{direction}_of", object=support))
            return
        if action in ("drop", "bounce") and "height" not in args and all(b in self.moving_off for b in subject):
            return  # "rolls off the table and bounces on the floor": going off it, it falls and bounces
        if action == "bounce":  # a bounce needs a fall; the restitution does the rest
            for body_id in subject:
                if not any(a.action == "drop" for a in self._actions_of(body_id)):
                    self._add_action(Action(subject=body_id, action="drop", height=args.get("height"),
                                            target=args.get("target")))
                if "times" in args:
                    self._bounce_times(body_id, args["times"], args.get("height"))
            return
        if action == "drop" and not {"height", "target", "off"} & set(args) and not self._is_group(subject) and \
                all(self._support_of(b) for b in subject):
            args["off"] = self._support_of(subject[0])  # "the top crate falls": off what it stands on
            self._off(subject, "drop", args)
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

    def _off(self, subject: list[str], action: str, args: dict) -> None:
        """'falls off the table', 'slides off the shelf', 'bounces off the box': it starts on (or above) the
        support and moves off its edge, fast enough to clear it; a ramp is rolled down."""
        support = args["off"]
        support_body = self.graph.body(support)
        for body_id in subject:
            body = self.graph.body(body_id)
            if action == "bounce":
                self._add_action(Action(subject=body_id, action="drop", target=support, height=args.get("height")))
                continue
            if action == "throw":  # "launch a golf ball off a ramp": thrown from beside it, away from it
                self.graph.add_relation(Relation(subject=body_id, relation="near", object=support))
                self._add_action(Action(subject=body_id, action="throw", direction=args.get("direction") or "right",
                                        speed=args.get("speed")))
                continue
            if action == "topple":  # "topples off a bookshelf": it stands on it and tips over
                self.graph.add_relation(Relation(subject=body_id, relation="on", object=support))
                self._add_action(Action(subject=body_id, action="topple", direction=args.get("direction")))
                continue
            if support_body.noun == "ramp":
                self._add_action(Action(subject=body_id, action="roll" if body.shape == "sphere" else "slide",
                                        target=support, via="down", speed=args.get("speed")))
                continue
            self.graph.add_relation(Relation(subject=body_id, relation="on", object=support))
            if any(a.action in ("roll", "slide", "push") for a in self._actions_of(body_id)):
                moving = next(a for a in self._actions_of(body_id) if a.action in ("roll", "slide", "push"))
                self.moving_off[body_id] = (support, moving.direction if moving.direction in ("left", "right")
                                            else "right")
                continue  # "rolls across the table, then falls off the edge": the roll carries it off
            kind = action if action in ("roll", "slide", "push") else "roll" if body.shape == "sphere" else "push"
            direction = args.get("direction") or str(self.rng.choice(["left", "right"]))
            if direction in ("left", "right"):
                self.moving_off[body_id] = (support, direction)
            self._add_action(Action(subject=body_id, action=kind, direction=direction,
                                    speed=args.get("speed") or self._speed_off(body, support_body)))

    def _speed_for_distance(self, body_id: str, distance: float, action: str) -> float:
        """The launch speed that stops a slider after `distance` under Coulomb friction on the floor (v^2 = 2 mu g d);
        a rolling body barely slows, so it gets the speed that covers the distance in two seconds."""
        body = self.graph.body(body_id)
        if action == "roll" or body.shape == "sphere":
            return round(min(distance / 2.0, vocab.MAX_SPEED), 3)
        friction = math.sqrt(body.material.friction * self.graph.ground.material.friction)
        return round(min(math.sqrt(2 * friction * -self.graph.settings.gravity[2] * distance), vocab.MAX_SPEED), 3)

    def _rolls(self, body_id: str) -> bool:
        """A ball, or something on wheels: 'goes', 'moves' and 'drives' roll it."""
        body = self.graph.body(body_id)
        spec = vocab.NOUNS[body.noun]
        lying_round = bool(spec.parts) and all(part.kind in ("cylinder_x", "cylinder_y") for part in spec.parts)
        return body.shape == "sphere" or spec.category == "vehicles" or lying_round  # a log, a rolling pin

    def _support_of(self, body_id: str) -> str | None:
        return next((r.object for r in self.graph.relations if r.subject == body_id and r.relation == "on"), None)

    def _speed_off(self, body, support) -> float:
        """A speed that carries `body` from the middle of `support`'s top over its edge (Coulomb friction
        at the pair's geometric-mean coefficient slows a slider; a rolling ball barely slows)."""
        distance = max(support.size[:2]) / 2 + max(body.size[:2]) / 2
        gravity = -self.graph.settings.gravity[2]
        friction = 0.0 if body.shape == "sphere" else math.sqrt(body.material.friction * support.material.friction)
        return round(min(math.sqrt(2 * friction * gravity * distance) + OFF_EDGE_SPEED, vocab.MAX_SPEED), 3)

    def _bounce_times(self, body_id: str, times: int, height: float | None) -> None:
        """Restitution and drop height for about `times` bounces higher than VISIBLE_BOUNCE.

        Bounce k rises to h e^(2k) for a combined restitution e (the geometric mean of the body's and the floor's):
        e^2 = (VISIBLE_BOUNCE / h)^(1 / (times + 0.5)) puts bounce `times` above the line and the next below it.
        The body's restitution is e^2 / e_floor, at most 1; a floor too dead for that raises the drop instead.
        """
        floor = self.graph.ground.material.restitution
        body = self.graph.body(body_id)
        if height is None:
            height = min(max(VISIBLE_BOUNCE / floor ** (times + 0.5), vocab.DEFAULT_DROP_HEIGHT), MAX_BOUNCE_DROP)
        squared = (VISIBLE_BOUNCE / height) ** (1 / (times + 0.5))
        restitution = min(squared / floor, 1.0)
        material = body.material.model_copy(update={"restitution": round(restitution, 4)})
        self.graph.replace_body(body.model_copy(update={"material": material}))
        drop = next(a for a in self._actions_of(body_id) if a.action == "drop")
        self.graph.remove_action(drop)
        self.graph.add_action(drop.model_copy(update={"height": round(height, 4)}))
        e = math.sqrt(min(squared, floor))
        fall = math.sqrt(2 * height / -self.graph.settings.gravity[2])
        seconds = fall * (1 + 2 * sum(e**k for k in range(1, times + 1)))
        self.bounce_seconds = max(self.bounce_seconds, seconds + 0.5)

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
        if target == GROUND:  # "finally it hits the floor": it falls there
            for body_id in subject:
                if not any(a.action == "drop" for a in self._actions_of(body_id)) and body_id not in self.moving_off:
                    self._add_action(Action(subject=body_id, action="drop"))
            return
        if target:
            pairs = [(body_id, target) for body_id in subject if body_id != target]
        elif len(subject) >= 2:
            pairs = list(zip(subject, subject[1:] + subject[:1]))
        else:
            raise self.fail("what it collides with ('collides with the blue ball')")
        for body_id, other in pairs:
            moving = next((a for a in self._actions_of(body_id) if not a.after_fall
                           and a.action in ("roll", "push", "slide", "throw")), None)
            if moving and moving.via == "down":
                # "rolls down a ramp and hits the tower": the tower stands where the ramp runs out
                self.graph.remove_action(moving)
                self.graph.add_action(moving.model_copy(update={"direction": moving.direction or "right"}))
                side = f"{moving.direction or 'right'}_of"
                if not any(r.subject == other for r in self.graph.relations):
                    self.graph.add_relation(Relation(subject=other, relation=side, object=moving.target))
                continue
            if moving and moving.target in (None, other) and moving.via is None:
                # "is pushed to the left and collides with a wall": the push is aimed at the wall
                self.graph.remove_action(moving)
                self.graph.add_action(moving.model_copy(update={"target": other, "direction": None}))
                continue
            kind = "roll" if self._rolls(body_id) else "push"
            self._add_action(Action(subject=body_id, action=kind, target=other, speed=args.get("speed")))

    def _add_action(self, action: Action) -> None:
        """Add a motion; one said after the body's fall starts when it lands ('falls onto X, then rolls'), one
        said after a delay starts then ('after 2 seconds the ball is pushed')."""
        said = self._actions_of(action.subject)
        start = self.delay if self.delay is not None else self.step * SEQUENCE_SECONDS if self.step else None
        if start is not None and action.action == "topple":
            self.warnings.append(f"ignored the start time {start:g} s of {action.subject}'s topple: "
                                 "a topple starts on the first frame")
        elif start is not None:
            action = action.model_copy(update={"delay": start})
        if action.action != "drop" and any(a.action == "drop" for a in said):
            action = action.model_copy(update={"after_fall": True})
        for existing in said:
            if existing == action:
                return  # said twice in other words: "rolls toward the box and collides with it"
            if existing.action == action.action and action.action in ("roll", "push", "slide") and \
                    not (existing.target and action.target):
                # "is hit by a ball that rolls in from the left": one roll, aimed where one of them says
                merged = existing if existing.target else action
                self.graph.remove_action(existing)
                self.last_action = self.graph.add_action(merged.model_copy(
                    update={"speed": action.speed or existing.speed, "delay": existing.delay}))
                return
            if existing.action == action.action == "drop" and bool(existing.target) != bool(action.target) and \
                    not (existing.height is not None and action.height is not None):
                # "drop a cube from 2 m; it lands on a crate": one fall, from that height onto the crate
                self.graph.remove_action(existing)
                self.last_action = self.graph.add_action(existing.model_copy(update={
                    "target": existing.target or action.target,
                    "height": existing.height if existing.height is not None else action.height}))
                return
            if existing.action == action.action:
                raise SceneError(f"{action.subject} is told to {action.action} twice; keep one")
        self.last_action = self.graph.add_action(action)

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
            target = self.noun_phrase(create=True)
            if target is None:
                raise self.fail("what it hits")
            args["target"] = self._target_of(target, top=False)
        while not self.at_end():
            if self.peek() == "in" and not self._starts_reference(1) and self.peek(1) not in ("front", "between") \
                    and MOTION_VERBS.get(self.verb) in ("roll", "push", "slide", "collide") and not self._no_op_ahead():
                self.i += 1  # "a ball rolls in", "rolls in from the left"
                continue
            if self.peek() == "off" and not self._starts_reference(1) and self.peek(1) != "of":
                self.i += 1
                args["off"] = None  # off whatever it stands on
                continue
            if self.accept_any(ADVERBS) or (self.peek() in PARTICLES and not self._starts_reference(1)
                                            and self.accept_any(PARTICLES)):
                continue
            if self.peek() == "at" and self.peek(1) == "t" or self.peek() == "at" and self._time_ahead(1):
                self.i += 1 + (self.peek(1) == "t")
                seconds = self.measure("time", "a start time", 0, vocab.MAX_DURATION)
                if self.accept_any({"intervals", "interval"}):  # "dropped at 0.5 s intervals": in turn
                    args["in_turn"] = seconds
                else:
                    args["delay"] = seconds
                continue
            if self._time_ahead(0) and self.peek(2) == "apart":  # "1 second apart"
                args["in_turn"] = self.measure("time", "a spacing", 0, vocab.MAX_DURATION)
                self.i += 1
                continue
            if self._no_op():  # "rolls to a stop", "hits a mug at the bottom"
                continue
            if self.accept("every") and self._time_ahead(0):  # "one every 2 seconds"
                args["in_turn"] = self.measure("time", "a spacing", 0, vocab.MAX_DURATION)
                continue
            if self.verb in PASSIVE_FORMS and self.peek() == "by" and self._starts_reference(1):
                self.i += 1
                args["agent"] = self.noun_phrase(create=True)
                if args["agent"] in (None, [GROUND], [BACKDROP]):
                    raise self.fail("the object that does it, after 'by' ('is knocked over by a ball')")
                continue
            if self.peek() in ("toward", "towards", "into", "at", "with") and self.peek(1) == "each" \
                    and self.peek(2) == "other":
                self.i += 3
                args["each_other"] = True
                continue
            times = self._times()
            if times is not None:
                args["times"] = times
                continue
            distance = self.measure("length", "a distance", 0.01, 100.0)
            if distance is not None:  # "slides 2.5 metres": the speed that carries it that far
                args["distance"] = distance
                continue
            phrase = next((phrase for phrase in IN_TURN_PHRASES
                           if all(self.peek(k) == w for k, w in enumerate(phrase))), None)
            if phrase:
                self.i += len(phrase)
                args["in_turn"] = IN_TURN[phrase]
                continue
            if self.peek() == "off" and self.peek(1) == "the" and self.peek(2) == "edge":
                self.i += 3  # "off the edge (of the table)": off that, or off what it stands on
                args["off"] = None
                if self.accept("of"):
                    support = self.noun_phrase(create=True)
                    if support in (None, [GROUND], [BACKDROP]):
                        raise self.fail("an object after 'the edge of'")
                    args["off"] = self._target_of(support, top=True)
                continue
            if self.peek() == "off" and self._starts_reference(1 + (self.peek(1) == "of")):
                self.i += 1 + (self.peek(1) == "of")
                support = self.noun_phrase(create=True)
                if support in ([GROUND], [BACKDROP]):
                    raise self.fail("an object to move off (a table, a shelf, a box)")
                args["off"] = self._target_of(support, top=True)
                continue
            high = self._height_words()
            if high is not None:
                args["height"] = high
                continue
            if self.peek() == "from" and self._starts_reference(1) and not self._quantity_ahead(1) and \
                    not (self.peek(1) == "the" and self.peek(2) in ("left", "right")):
                self.i += 1  # "falls from a shelf": off the shelf
                support = self.noun_phrase(create=True)
                if support in (None, [GROUND], [BACKDROP]):
                    raise self.fail("a height such as '2 m', or an object, after 'from'")
                args["off"] = self._target_of(support, top=True)
                continue
            if self.peek() == "from" and not (self.peek(1) == "the" and self.peek(2) in ("left", "right")) \
                    and self.accept("from"):
                self.accept("a", "height", "of")
                height = self.measure("length", "a drop height", 0, vocab.MAX_DROP_HEIGHT)
                if height is None:
                    raise self.fail("a height such as '2 m' after 'from'")
                self.accept_any({"height", "high", "up", "above"})  # "from 3 m height", "from 2 meters up"
                args["height"] = height
                continue
            if self.peek() == "at" and (is_number(self.peek(1)) or self.peek(1) in vocab.NUMBER_WORDS):
                self.i += 1
                speed = self.measure("speed", "a speed", 0, vocab.MAX_SPEED)
                if speed is None:
                    raise self.fail("a speed such as '3 m/s'")
                args["speed"] = speed
                continue
            side = self._side_relation()
            if side:
                args["relation"] = side
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
            if target == [GROUND]:
                continue  # "across the floor", "onto the ground": the ground is always there
            if lead in ("across", "along"):  # "rolls across the table": on the table, moving
                args["across"] = self._target_of(target, top=True)
                continue
            if target == [BACKDROP]:
                if lead == "in front of":
                    continue  # "rolls left in front of a white back wall": the walls are always behind
                raise SceneError(f"nothing moves {lead} a sky or walls: they stand behind the scene (say e.g. "
                                 "'rolls left in front of a white back wall')")
            args["target"] = self._target_of(target, top=lead in ("onto", "on", "on top of", "into", "at"))
            if lead in ("behind", "in front of", "down") and not (direct_object and lead == "down"):
                args["via"] = {"behind": "behind", "in front of": "in_front", "down": "down"}[lead]
        return args

    def _height_words(self) -> float | None:
        """'from the sky', 'from high up', 'from above': a fall from a height said in words."""
        for phrase, height in HEIGHT_PHRASES.items():
            if self.accept(*phrase):
                return height
        return None

    def _quantity_ahead(self, offset: int) -> bool:
        """A number and a unit ("2 m", "a height of 2 m") start here."""
        word, unit = self.peek(offset), self.peek(offset + 1)
        return (is_number(word) or word in vocab.NUMBER_WORDS) and unit in UNITS or \
            (word, unit) == ("a", "height")

    def _time_ahead(self, offset: int) -> bool:
        word, unit = self.peek(offset), self.peek(offset + 1)
        return (is_number(word) or word in vocab.NUMBER_WORDS) and unit in UNITS and UNITS[unit][0] == "time"

    def _side_relation(self) -> tuple[str, str] | None:
        """'to the right of the box' after a motion: where the body ends up, (relation, body)."""
        start = self.i
        relation = self.relation_phrase()
        if relation in ("left_of", "right_of", "in_front_of") and self._starts_reference():
            target = self.noun_phrase(create=True)
            if target not in (None, [GROUND], [BACKDROP]):
                return relation, self._target_of(target, top=False)
        self.i = start
        return None

    def _times(self) -> int | None:
        """'three times', '3 times', 'twice': how often a motion repeats."""
        if self.accept_any(REPEAT_WORDS):
            return REPEAT_WORDS[self.tokens[self.i - 1].text]
        start = self.i
        count = self.number()
        if count is not None and self.accept("times"):
            if not (1 <= count <= 20 and count == int(count)):
                raise SceneError(f"'{self.said(start)}' is not a count of bounces; use a whole number from 1 to 20")
            return int(count)
        self.i = start
        return None

    def _motion_lead(self) -> str | None:
        for phrase in (("toward",), ("towards",), ("at",), ("into",), ("onto",), ("on", "top", "of"), ("on",),
                       ("down",), ("to",), ("with",), ("against",), ("across",), ("along",), ("over",), ("behind",),
                       ("under",), ("beneath",), ("underneath",), ("through",),
                       ("in", "front", "of"), ("past",)):
            if phrase[0] == "on" and MOTION_VERBS.get(self.verb) in ("topple", "collide"):
                continue  # "tips over on a shelf", "collide on a pool table": they stand on it
            if all(self.peek(k) == word for k, word in enumerate(phrase)) and self._starts_reference(len(phrase)):
                self.i += len(phrase)
                return " ".join(phrase)
        if self.peek() == "in" and MOTION_VERBS.get(self.verb) in ("drop", "bounce") and self._starts_reference(1) \
                and not (self.peek(1) in ("a", "the") and self.peek(2) in ("row", "line", "tower", "stack", "middle",
                                                                          "center", "centre", "turn")):
            self.i += 1  # "falls in a bucket", "lands in the bowl": into it
            return "into"
        return None

    def _direction(self) -> str | None:
        start = self.i
        for side in ("left", "right"):  # "pan from left to right", "rolls in from the left"
            other = "right" if side == "left" else "left"
            if self.accept("from", side, "to", other) or self.accept("in", "from", "the", side) or \
                    self.accept(side, "to", other):
                return other
        if self.accept("from", "the") and self.peek() in ("left", "right") and self.peek(1) != "of":
            side = self.tokens[self.i].text  # "from the left (side of the screen)": it moves to the other side
            self.from_side = side
            self.i += 1
            self.accept("side")
            self.accept("of", "the", "screen") or self.accept("of", "the", "scene") or self.accept("of", "the", "picture")
            self.accept("to", "the", "right" if side == "left" else "left")
            return "right" if side == "left" else "left"
        self.i = start
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
        named = self.accept("camera") or self.accept("camera", "shot")
        noun_form = self.i > start and self.tokens[start].text in ("a", "an") and self.peek() in ("orbit", "zoom", "dolly")
        command = self.i == start and self.peek() in CAMERA_COMMANDS and (not self._starts_reference(1)
                                                                      or self.peek(1) == "the" and self.peek(2) == "camera") \
            or self.i == start and self.peek() in ("follow", "track") and self._starts_reference(1)
        if not (named or noun_form or command):
            self.i = start  # "an orbit around the table", "a slow zoom in": a camera move named as a noun
            return False
        if self.camera_said:
            raise SceneError("the prompt describes the camera twice; keep one camera motion")
        self.camera_said = True
        path = None
        if adjective in ("static", "fixed", "still", "stationary"):
            path = CameraPath(motion="static")
        while not self.at_end() and self.peek() not in SEPARATORS | CONNECTORS:
            if self.duration_phrase() or self.accept_any(ADVERBS | {"is", "stays", "remains"}) or self._no_op() \
                    or self.accept("the", "camera") or self.accept("camera") or self.accept(":"):
                continue  # "pan the camera left", "zoom in at the end"
            if self.peek() == "to" and self.peek(1) in ("follow", "track"):
                self.i += 1  # "to follow the ball": 'follow' is read below
            if self.peek() in ("follow", "track", "following") and not self._starts_reference(1):
                self.i += 1
                if not self.last_subject:
                    raise self.fail("the object the camera follows")
                path = CameraPath(motion="track", target=self.last_subject[0])  # "pan the camera to follow"
                continue
            self.camera_object = None
            motion = self._camera_motion(adjective)
            if motion is None:
                raise self.fail("a camera motion: zooms in/out, dollies in/out, orbits, pans left/right, "
                                "follows X, is static")
            path = motion
            if self.camera_object and self.peek() not in SEPARATORS | CONNECTORS | {""}:
                self.predicates(self.camera_object)  # "orbits a globe on a desk": the globe is on the desk
        if adjective == "orbiting" and path is None:
            path = CameraPath(motion="orbit", direction="left", amount=float(np.radians(DEFAULT_ORBIT_DEGREES)))
        self.graph.camera = self.graph.camera.model_copy(update={"path": path or CameraPath()})
        return True

    def _place_sides(self) -> None:
        """Bodies said to be 'on the left' stand left of every other free-standing body, 'on the right' right."""
        supported = {r.subject for r in self.graph.relations if r.relation in SUPPORTS}
        free = [b for b in self.graph.body_ids if b not in supported]
        placed = {frozenset((r.subject, r.object)) for r in self.graph.relations if r.relation in ("left_of", "right_of")}
        for body_id, side in self.sides.items():
            for other in free:
                if frozenset((body_id, other)) in placed:
                    continue  # placed against each other already ("between them")
                if other != body_id and self.sides.get(other) != side and body_id not in supported:
                    if side == "right" and self.sides.get(other) == "left":
                        continue  # said once, as the left one's relation
                    self.graph.add_relation(Relation(subject=body_id, relation=f"{side}_of", object=other))

    def _fall_in_turn(self, subject: list[str], seconds: float) -> None:
        """Bodies that move 'one after another' start `seconds` apart (a falling one is held until then)."""
        for k, body_id in enumerate(subject):
            for action in self._actions_of(body_id):
                if k and action.action != "topple" and not action.after_fall:
                    self.graph.remove_action(action)
                    self.graph.add_action(action.model_copy(update={"delay": (action.delay or 0.0)
                                                                    + k * seconds}))

    def _camera_motion(self, adjective: str | None) -> CameraPath | None:
        if self.accept_any({"static", "fixed", "still", "stationary"}) or self.accept("does", "not", "move"):
            return CameraPath(motion="static")
        for words, mode in ((("zooms", "zoom", "zooming"), "focal"), (("dollies", "dolly", "moves", "pushes"), "dolly")):
            if self.accept_any(set(words)):
                amount = self._amount_fraction(DEFAULT_ZOOM)
                if self.accept("in") or self.accept("closer"):
                    if self.accept("on"):  # "zooms in on the ball": the zoom aims at the scene's centre anyway
                        self.camera_object = self.noun_phrase(create=True)
                    return CameraPath(motion="zoom_in", amount=self._amount_fraction(amount), zoom_mode=mode)
                if self.accept("out") or self.accept("away"):
                    return CameraPath(motion="zoom_out", amount=self._amount_fraction(amount), zoom_mode=mode)
                raise self.fail("'in' or 'out' after the zoom")
        if self.accept_any({"orbits", "orbit", "circles", "rotates", "orbiting", "circling", "rotating", "rotate",
                            "circle"}):
            return self._turning("orbit", DEFAULT_ORBIT_DEGREES)
        if self.accept_any({"pans", "pan", "panning", "turns", "sweeps", "sweeping"}):
            return self._turning("pan", DEFAULT_PAN_DEGREES)
        if self.accept_any({"follows", "follow", "tracks", "track", "following", "tracking"}):
            target = self.noun_phrase(create=True)  # "the camera follows the red ball as it rolls"
            if not target or target == [GROUND]:
                raise self.fail("the object the camera follows")
            self.last_subject = self.camera_object = target
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
            if self.accept("the", "camera") or self.accept("camera") or self.accept("across"):
                continue  # "orbit the camera around the ball", "pans across"
            if self.accept("around") or self.accept("about"):
                if not (self.accept("the", "scene") or self.accept("everything")) and self._starts_reference():
                    self.camera_object = self.last_subject = self.noun_phrase(create=True)
                continue
            self.accept("by")
            angle = self.quantity("angle")
            if angle is not None:
                degrees = float(np.degrees(angle))
                continue
            if self.accept("a", "full", "turn") or self.accept("full", "circle"):
                degrees = 360.0
                continue
            if motion == "orbit" and self._starts_noun_phrase():  # "orbits a globe": the globe is in the scene
                named = self.noun_phrase(create=True)
                if named:
                    self.camera_object = self.last_subject = named
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
        else:  # long enough for N bounces, and for the last delayed motion to play out
            last_start = max((a.delay for a in self.graph.actions if a.delay is not None), default=0.0)
            needed = max(self.bounce_seconds, last_start + AFTER_LAST_START)
            if needed > self.graph.settings.duration:
                self.graph.settings = self.graph.settings.model_copy(
                    update={"duration": min(round(needed, 1), vocab.MAX_DURATION)})
        self._place_sides()
        for subject, seconds in self.in_turn:
            self._fall_in_turn(subject, seconds)
        path = self.graph.camera.path
        if path.motion == "track" and path.target not in self.graph.body_ids:
            raise SceneError(f"the camera follows {path.target}, which is not in the scene")

