"""Reading a prompt's tokens: the cursor, phrases, numbers and quantities, and the parse's one-line errors.

The parser's parts (scenes.prompt_nouns, scenes.prompt_motions, scenes.prompt_camera) all read through these.
"""

from scenes import vocabulary as vocab
from scenes.errors import SceneError
from scenes.grammar import IGNORABLE_MODIFIERS
from scenes.tokens import is_number
from scenes.units import UNITS


GROUND = "ground"
BACKDROP = "backdrop"  # the noun phrase of a sky or walls: scenery that objects stand in front of
SUPPORTS = ("on", "above", "inside")
SI_UNITS = {"length": "m", "speed": "m/s", "time": "s", "mass": "kg"}


class TokenReader:
    """The cursor over a prompt's tokens (`self.tokens`, `self.i`), shared by every part of the parser."""

    tokens: list
    i: int
    warnings: list[str]

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

    def skip_describing_word(self) -> bool:
        """Read past a known word that only describes ("very", "below", "same"), with a warning; False if the
        next word is not one."""
        word = self.peek()
        if word not in IGNORABLE_MODIFIERS or word in vocab.NOUN_FORMS:
            return False
        self.warnings.append(f"ignored {word!r}: a describing word kinema cannot show")
        self.i += 1
        return True

    def said(self, start: int) -> str:
        """The words from token `start` to the cursor, as the prompt gave them."""
        return " ".join(token.text for token in self.tokens[start:self.i])
