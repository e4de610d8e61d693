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

import numpy as np

from scenes import vocabulary as vocab
from scenes.bodies import colour, material, noun_mass, scaled_size
from scenes.errors import SceneError
from scenes.grammar import (
    ADVERBS, ARRANGING_IMPERATIVES, BREAKING_PLACES, BREAKING_WORDS, COMPARATIVES, CONNECTORS, COPULAS, FORMATIONS,
    IMPERATIVES, INTO_PIECES, IN_TURN, IN_TURN_PHRASES, MOTION_VERBS, NO_OP_PHRASES, OCCLUSION_VERBS, OPENINGS,
    PARTICLES, RELATION_PHRASES, SEQUENCE_WORDS, SMASHING_WORDS, STEP_WORDS, SUPERLATIVES, VIEW_PHRASES,
)
from scenes.graph import SceneGraph
from scenes.layout import lay_out
from scenes.prompt_camera import CameraClauses
from scenes.prompt_motions import MotionPhrases
from scenes.prompt_nouns import NounPhrases
from scenes.prompt_reader import BACKDROP, GROUND, SUPPORTS
from scenes.schema import Action, Breakable, Ground, Relation, too_short_for_a_frame
from scenes.seeding import scene_rng
from scenes.tokens import NOUN_MODIFIERS, SEPARATORS, Token, is_number, tokenize

MAX_PROMPT_LENGTH = 2000  # characters: one this long parses and lays out in under 0.3 s
AFTER_LAST_START = 1.5  # s of clip after the last delayed motion starts, unless the prompt gives a duration


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


class _Parser(NounPhrases, MotionPhrases, CameraClauses):
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
        self.commanding = False  # reading a command's own motion ("knock it over with a ball": the ball hits it)
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
        self.breaking: dict[str, str] = {}  # body -> the word that said it breaks ("shatters")

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
        while self.last_subject and self.skip_describing_word():  # ", very dramatically"
            pass
        if self.peek() in SEPARATORS or self.at_end():  # "hey, ...": nothing but an opening
            return
        self._sequence_word()
        if self.framing() or self.camera_clause() or self._view() or self._delay() or self.duration_phrase():
            return
        if not self.last_subject and (self._no_op() or self._middle_of([])):  # "in the middle of the room, ..."
            return
        if self.last_subject and self.peek() == "one" and self.peek(1) == "on":
            self.i += 1  # "two chairs, one on each side of a desk"
            if self._either_side(self.last_subject) or self._side(self.last_subject):
                return
            self.i -= 1
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
        self.last_action = self.graph.replace_action(moving, moving.model_copy(update=update))
        return True

    def _repeat_said(self) -> bool:
        """'throw a baseball at a can, twice': a repetition kinema does not make (only bounces repeat); warned."""
        start = self.i
        if self.accept("repeat"):
            self.accept_any({"it", "this", "that"})
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
        if count is not None and self.peek() in vocab.NOUN_FORMS and self.peek(1) in ("total", "in"):
            self.i += 1  # "(three books total)"
        if count is None or not (self.accept("of", "them") or self.accept("total") or self.accept("in", "total")
                                 or self.accept("in", "all")):
            self.i = start
            return False
        subject = self.last_subject
        if count > len(subject):
            first = self.graph.body(subject[0])
            arrangement = first.group.kind if first.group else None
            more = self._more_like(subject[0], count - len(subject), start)
            if arrangement:  # the new ones join the row or tower
                for k, body_id in enumerate(more, start=len(subject)):
                    self.graph.replace_body(self.graph.body(body_id).model_copy(
                        update={"group": first.group.model_copy(update={"index": k})}))
                    if arrangement == "tower":
                        below = [*subject, *more][k - 1]
                        self.graph.add_relation(Relation(subject=body_id, relation="on", object=below))
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
            more = self.noun_phrase(create=True, arrangement=arrangement)
            if more in (None, [GROUND], [BACKDROP]):  # "drop a ball and 3 times": not another object
                self.i -= 1
                break
            subject = subject + more
        self.accept("up")
        if arrangement:  # "stack 5 blocks into a tower", "... on top of each other"
            self.accept_any({"into", "in"}) and self.accept_any({"a", "one"}) and \
                self.accept_any({"tower", "stack", "pile", "pyramid", "heap"})
        self._new_subject(subject)
        if kind is not None and kind not in ARRANGING_IMPERATIVES:
            self.verb = verb
            self.clause_subject, self.commanding = subject, True  # "drop a ball on top of it": it is not the ball
            try:
                self.motion(subject, kind)
            finally:
                self.clause_subject, self.commanding = None, False
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
            if self.skip_describing_word():  # "lands on a chair below"
                continue
            if self.peek() in ("right", "just", "directly", "exactly") and self._relation_ahead(1):
                self.i += 1  # "right next to", "just behind": the relation
                continue
            if self._each_other(subject) or self._middle_of(subject) or self._later(subject) or \
                    self.duration_phrase() or self._spacing() or self.accept_any(COPULAS | ADVERBS) or \
                    self._no_op() or self._comparison() or self._formation():
                continue
            if self._in_turn(subject) or self._side(subject) or self._between(subject) or self._occlusion(subject) \
                    or self._has_on_top(subject) or self._either_side(subject) or self._on_top(subject) \
                    or self._said_property(subject):
                continue
            if self._breaks(subject):
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
                self.graph.replace_action(moving, moving.model_copy(update={"target": target[0], "via": lead,
                                                                            "direction": None}))
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

    def _breaks(self, subject: list[str]) -> bool:
        """'shatters (on the floor)', 'smashes into pieces', 'is broken by a ball', 'the ball shatters the vase':
        the bodies said to break are breakable, and the physics breaks them where an impact is hard enough."""
        start = self.i
        if self.accept_any(BREAKING_WORDS):
            self._into_pieces()  # "breaks into pieces"
        elif not (self.accept_any(SMASHING_WORDS) and self._pieces_ahead()):
            self.i = start
            return False
        written = self.tokens[start].text
        if self.accept("by"):
            agent = self.noun_phrase(create=True)  # "is shattered by a ball": the ball hits it
            if not agent:
                raise self.fail(f"what {written} it ('shattered by a ball')")
            self._collide(agent, {"target": self._target_of(subject, top=False)})
        elif self._starts_reference() and self.peek() not in BREAKING_PLACES:  # "the ball shatters the vase"
            broken = self.noun_phrase(create=True)
            self._collide(subject, {"target": self._target_of(broken, top=False)})
            self._into_pieces()  # "smashes it to bits"
            subject = broken
        elif self.peek() in BREAKING_PLACES and self._starts_reference(1):  # "on the floor": it breaks there
            place_start = self.i
            self.i += 1
            if self.noun_phrase(create=False) is None:
                self.i = place_start
        for body_id in subject:
            self.breaking.setdefault(body_id, written)
        return True

    def _into_pieces(self) -> bool:
        return any(self.accept(*phrase) for phrase in INTO_PIECES)

    def _pieces_ahead(self) -> bool:
        """Whether 'into pieces' comes next, or after an object before the clause ends ('smashes it to bits')."""
        end = next((k for k in range(self.i, len(self.tokens)) if self.tokens[k].text in SEPARATORS | CONNECTORS),
                   len(self.tokens))
        words = [token.text for token in self.tokens[self.i:end]]
        return any(tuple(words[k:k + len(phrase)]) == tuple(phrase) for phrase in INTO_PIECES
                   for k in range(len(words)))

    def _make_breakable(self) -> None:
        """Mark the bodies said to break; one that cannot (rubber, wood, metal...) is an error saying so."""
        for body_id, word in self.breaking.items():
            body = self.graph.body(body_id)
            if body.material.break_speed is None:
                adjective = vocab.MATERIAL_ADJECTIVES.get(body.material.name, body.material.name)
                noun = body.noun.replace("_", " ")
                raise SceneError(f"{word!r}: the {noun} is {adjective}, which does not break; kinema breaks glass, "
                                 f"ceramic and ice (say 'a glass {noun}')")
            self.graph.replace_body(body.model_copy(update={"breakable": Breakable()}))

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
            subject = subject + self._more_like(subject[0], 1, start)
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
        if self.accept("from") and self.accept_any(SUPERLATIVES) and self.accept("to") and \
                self.accept_any(SUPERLATIVES):
            self.warnings.append(f"ignored '{self.said(start)}': say each size instead (small, large, '30 cm')")
            return True
        self.i = start
        return False

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
        return any(all(self.peek(offset + k) == word for k, word in enumerate(phrase))
                   for phrase, _ in RELATION_PHRASES)

    def _spacing(self) -> bool:
        """'spaced 10 cm apart': a spacing kinema's layout chooses itself; warned."""
        start = self.i
        if self.accept_any({"spaced", "placed"}) and self.measure("length", "a spacing", 0, 100.0) is not None \
                and self.accept("apart"):
            self.warnings.append(f"ignored '{self.said(start)}': kinema spaces bodies itself")
            return True
        self.i = start
        return False

    def _formation(self) -> bool:
        """'standing in a triangle': a formation kinema's layout does not make; warned as ignored."""
        for phrase in FORMATIONS:
            if self.accept(*phrase):
                self.warnings.append(f"ignored the formation '{' '.join(phrase)}': kinema places the bodies itself")
                return True
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
        if self.peek() == "the" and self.peek(1) in ("edge", "end", "corner") and self.peek(2) != "of":
            self.i += 2  # "stopping near the edge": of what it stands on, which says nothing more
            return []
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

    def _place_sides(self) -> None:
        """Bodies said to be 'on the left' stand left of every other free-standing body, 'on the right' right."""
        supported = {r.subject for r in self.graph.relations if r.relation in SUPPORTS}
        free = [b for b in self.graph.body_ids if b not in supported]
        placed = {frozenset((r.subject, r.object)) for r in self.graph.relations
                  if r.relation in ("left_of", "right_of")}
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
                    self.graph.replace_action(action, action.model_copy(update={"delay": (action.delay or 0.0)
                                                                                + k * seconds}))

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
        self._make_breakable()
        for subject, seconds in self.in_turn:
            self._fall_in_turn(subject, seconds)
        path = self.graph.camera.path
        if path.motion == "track" and path.target not in self.graph.body_ids:
            raise SceneError(f"the camera follows {path.target}, which is not in the scene")

