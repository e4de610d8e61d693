"""Motions of a prompt: verbs and their arguments, turned into actions the simulator will show.

"falls from 2 m onto the box", "rolls off the table", "bounces three times", "is knocked over by a ball",
"hits the tower": each becomes the graph's actions (and the relations and restitution they need).
"""

import math

from scenes import vocabulary as vocab
from scenes.bodies import material
from scenes.errors import SceneError
from scenes.grammar import (
    ACTIVE_PUSHES, ADVERBS, HEIGHT_PHRASES, IN_TURN, IN_TURN_PHRASES, MOTION_VERBS, PARTICLES, PASSIVE_FORMS,
    REPEAT_WORDS, ROLLING_MOVES,
)
from scenes.prompt_reader import BACKDROP, GROUND, TokenReader
from scenes.schema import Action, Relation
from scenes.tokens import is_number
from scenes.units import UNITS


SEQUENCE_SECONDS = 1.0  # a later step of a sequence ("then ...") starts this much after the one before
VISIBLE_BOUNCE = 0.05  # m: a bounce lower than this is not counted as one ("bounces three times")
MAX_BOUNCE_DROP = 12.0  # m: the highest drop "bounces N times" chooses on its own (4 bounces on stone: 11 m)
OFF_EDGE_SPEED = 0.6  # m/s left over at a support's edge, so a body pushed off it leaves it


class MotionPhrases(TokenReader):
    """Reads motions into actions (a mixin of the parser: it shares the parser's state)."""

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
        return round(min(self._sliding_speed(body, self.graph.ground.material, distance), vocab.MAX_SPEED), 3)

    def _sliding_speed(self, body, surface, distance: float) -> float:
        """The speed a body sliding on `surface` (a Material) loses over `distance`: v^2 = 2 mu g d, with the pair's
        geometric-mean friction, as the engine combines it."""
        friction = math.sqrt(body.material.friction * surface.friction)
        return math.sqrt(2 * friction * -self.graph.settings.gravity[2] * distance)

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
        lost = 0.0 if body.shape == "sphere" else self._sliding_speed(body, support.material, distance)
        return round(min(lost + OFF_EDGE_SPEED, vocab.MAX_SPEED), 3)

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
        self.graph.replace_action(drop, drop.model_copy(update={"height": round(height, 4)}))
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
                self.graph.replace_action(moving, moving.model_copy(update={"direction": moving.direction or "right"}))
                side = f"{moving.direction or 'right'}_of"
                if not any(r.subject == other for r in self.graph.relations):
                    self.graph.add_relation(Relation(subject=other, relation=side, object=moving.target))
                continue
            if moving and moving.target in (None, other) and moving.via is None:
                # "is pushed to the left and collides with a wall": the push is aimed at the wall
                self.graph.replace_action(moving, moving.model_copy(update={"target": other, "direction": None}))
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
                self.last_action = self.graph.replace_action(existing, merged.model_copy(
                    update={"speed": action.speed or existing.speed, "delay": existing.delay}))
                return
            if existing.action == action.action == "drop" and bool(existing.target) != bool(action.target) and \
                    not (existing.height is not None and action.height is not None):
                # "drop a cube from 2 m; it lands on a crate": one fall, from that height onto the crate
                self.last_action = self.graph.replace_action(existing, existing.model_copy(update={
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
            if self.peek() == "out" and self.peek(1) == "of" and self._starts_reference(2):
                self.i += 2  # "falls out of a bowl": off it
                args["off"] = self._support_phrase("an object after 'out of'")
                continue
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
                    args["off"] = self._support_phrase("an object after 'the edge of'")
                continue
            if self.peek() == "off" and self._starts_reference(1 + (self.peek(1) == "of")):
                self.i += 1 + (self.peek(1) == "of")
                args["off"] = self._support_phrase("an object to move off (a table, a shelf, a box)")
                continue
            high = self._height_words()
            if high is not None:
                args["height"] = high
                continue
            if self.peek() == "from" and self._starts_reference(1) and not self._quantity_ahead(1) and \
                    not (self.peek(1) == "the" and self.peek(2) in ("left", "right")) and \
                    self.peek(1) not in ("left", "right"):
                self.i += 1  # "falls from a shelf": off the shelf
                args["off"] = self._support_phrase("a height such as '2 m', or an object, after 'from'")
                continue
            sideways = self.peek(1) in ("left", "right") or self.peek(1) == "the" and self.peek(2) in ("left", "right")
            if self.peek() == "from" and not sideways and self.accept("from"):
                self.accept("a", "height", "of")
                height = self.measure("length", "a drop height", 0, vocab.MAX_DROP_HEIGHT)
                if height is None:
                    raise self.fail("a height such as '2 m' after 'from'")
                self.accept_any({"height", "high", "up", "above"})  # "from 3 m height", "from 2 meters up"
                args["height"] = height
                continue
            if self.peek() == "at" and (is_number(self.peek(1)) or self.peek(1) in vocab.NUMBER_WORDS) and \
                    self.peek(2) in UNITS:
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
            if lead == "with" and self.commanding:  # "knock the tower over with a ball": the ball is the tool
                args["agent"] = target
                del args["target"]
            if lead == "down" and not direct_object and self.graph.body(args["target"]).noun != "ramp":
                args["off"] = args.pop("target")  # "rolls down the stairs": from the top, off it
                continue
            if lead in ("behind", "in front of", "down") and not (direct_object and lead == "down"):
                args["via"] = {"behind": "behind", "in front of": "in_front", "down": "down"}[lead]
        return args

    def _support_phrase(self, expected: str) -> str:
        """The body the object phrase at the cursor names as a support (a tower's top block), else an error
        saying what was `expected`."""
        support = self.noun_phrase(create=True)
        if support in (None, [GROUND], [BACKDROP]):
            raise self.fail(expected)
        return self._target_of(support, top=True)

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
            any(self.accept("of", "the", place) for place in ("screen", "scene", "picture"))
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

    def _delay_action(self, action: Action, seconds: float) -> None:
        """Start a motion `seconds` into the clip (a falling body is held until then)."""
        if action.action == "topple":
            self.warnings.append(f"ignored the start time {seconds:g} s of {action.subject}'s topple: "
                                 "a topple starts on the first frame")
            return
        self.graph.replace_action(action, action.model_copy(update={"delay": seconds}))
