"""Noun phrases of a prompt: counts, modifiers, nouns, groups, pronouns and the bodies they make or name.

"a tower of five red cubes", "the second ball", "it", "all ten pins", "a ball 20 cm across": each becomes the ids
of new bodies (made as the phrase is read, so later phrases can name them) or of bodies named before.
"""

from scenes import vocabulary as vocab
from scenes.bodies import add_bodies, colour, material, scaled_size
from scenes.caption import backdrop_phrase
from scenes.errors import SceneError
from scenes.grammar import (
    ADVERBS, BREAKABLE_ADJECTIVES, CONNECTORS, COPULAS, GROUND_WORDS, GROUP_WORDS, IN_TURN_PHRASES, MOTION_VERBS,
    PARTICIPLE_MOTIONS, PART_WORDS, SIZE_AFTER_WORDS,
)
from scenes.prompt_reader import BACKDROP, GROUND, TokenReader
from scenes.schema import Action, Backdrop, MAX_BODIES
from scenes.tokens import NOUN_MODIFIERS, ORDINAL_NUMBER, SEPARATORS, is_number
from scenes.units import UNITS


MAX_COUNT = 50  # bodies one phrase makes ("50 balls")


class NounPhrases(TokenReader):
    """Reads noun phrases into body ids (a mixin of the parser: it shares the parser's state)."""

    def _starts_noun_phrase(self, offset: int = 0) -> bool:
        word = self.peek(offset)
        if word in GROUP_WORDS and self.peek(offset + 1) in ("of", "from", "out", "made"):
            return True  # "build pyramid from 6 cans"
        return (word in ("a", "an", "the", "another", "some", "several", "many", "few", "this", "these", "all", "both")
                or is_number(word) or word in vocab.NUMBER_WORDS or word in vocab.NOUN_FORMS
                or word in vocab.COLOURS or word in vocab.COLOUR_SYNONYMS or word in vocab.SIZE_WORDS
                or word in vocab.MATERIAL_WORDS or word in vocab.MASS_WORDS)

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
        if self.peek() in ("all", "both", "each") and self.peek(1) not in ("of", "", "one", "other") and \
                self._starts_noun_phrase(1):
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
        skip = 2 if self.peek(1) in ("of", "from") else 3 if self.peek(1) in ("out", "made") and self.peek(2) == "of" \
            else 0
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
        if "material" not in modifiers and not plural and self.peek() in vocab.MATERIAL_WORDS and \
                self.peek(1) not in vocab.NOUN_FORMS and self.peek() not in vocab.NOUN_FORMS:
            # "a mug (ceramic)"
            modifiers["material"] = vocab.MATERIAL_WORDS[self.accept_any(set(vocab.MATERIAL_WORDS))]
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
            more = self._colour_ahead(after) or self.peek(after) == "one" and self._colour_ahead(after + 1)
            if after == k or not more:
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
            found = found + self._more_like(found[0], count - len(found), start)
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
        """Adjectives before a noun: size, colour, material, mass, static, breakable, explicit length."""
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
            elif word in BREAKABLE_ADJECTIVES and self._describes_next():
                found["breakable"] = word  # "a fragile vase": it breaks if it must (and only if it can)
            elif self._describes_next() and self.skip_describing_word():  # "the same toy car"
                continue
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

    def _count_new(self, count: int, start: int) -> None:
        """Count `count` more bodies, said from token `start`, against MAX_BODIES."""
        self.body_count += count
        if self.body_count > MAX_BODIES:  # counted up to this phrase: reading on would lay out the excess
            raise SceneError(f"the prompt asks for {self.body_count} objects up to '{self.said(start)}' (word "
                             f"{self.tokens[start].index}); a scene may have at most {MAX_BODIES}, so ask for fewer")

    def _more_like(self, body_id: str, count: int, start: int) -> list[str]:
        """`count` new bodies made like `body_id` (its noun, colour, material and size): "all ten pins" after two,
        "an apple on either side", "..., 20 of them"."""
        self._count_new(count, start)
        body = self.graph.body(body_id)
        return add_bodies(self.graph, body.noun, count, body.colour.name, body.material.name, body.size)

    def _create(self, noun: str, count: int, modifiers: dict, arrangement: str | None, start: int) -> list[str]:
        """`count` new bodies for the noun phrase from token `start`."""
        self._count_new(count, start)
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
        for body_id in ids if "breakable" in modifiers else []:
            self.breaking.setdefault(body_id, modifiers["breakable"])
        return ids

    def _draw_colour(self) -> str:
        """A seeded colour, distinct from those already used while any remain (objects stay tellable apart)."""
        free = [name for name in vocab.COLOURS if name not in self.used_colours and name != "grey"]
        return str(self.rng.choice(free or list(vocab.COLOURS)))

    def _last_two(self, subject: list[str]) -> list[str]:
        """The first bodies of the last two things named before, not the subject ("between them", "both")."""
        found: list[str] = []
        for mention in reversed(self.mentions):
            if mention[0] not in found and not set(mention) & set(subject) and mention not in ([GROUND], [BACKDROP]):
                found.append(mention[0])
            if len(found) == 2:
                break
        return found[::-1]
