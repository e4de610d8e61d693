"""Prompt text to tokens: lower-cased words, numbers, units and punctuation, every word checked.

Typography is read as plain text, forms of several words ("bowling pin") become one token, a word that only
describes and that kinema does not know is dropped with a warning, things out of scope (animals, liquids) are
refused by category, and any other unknown word is an error naming it, its position and the closest known words.
"""

import difflib
import re
from dataclasses import dataclass

from scenes import vocabulary as vocab
from scenes.errors import SceneError
from scenes.grammar import IGNORABLE_MODIFIERS, SILENT_WORDS, SPELLINGS, VERB_WORDS, grammar_words
from scenes.units import UNITS


@dataclass(frozen=True)
class Token:
    text: str
    start: int  # character offset in the prompt
    index: int  # 1-based word position


def _known_words() -> set[str]:
    words = grammar_words()
    words |= set(vocab.COLOURS) | set(vocab.COLOUR_SYNONYMS) | set(vocab.MATERIAL_WORDS)
    words |= set(vocab.NOUN_FORMS) | set(vocab.SIZE_WORDS) | set(vocab.MASS_WORDS)
    words |= set(vocab.NUMBER_WORDS) | set(vocab.ORDINALS) | set(UNITS)
    words |= set(vocab.FLOOR_TEXTURE_WORDS) | set(vocab.SKY_WORDS)
    return words


KNOWN_WORDS = _known_words()
# Endings of English adjectives ("majestic", "famous", "colourful", "elegant"): an unknown word ending so, before
# a noun or an adjective, only describes it.
ADJECTIVE_ENDINGS = ("ic", "ical", "ous", "ful", "less", "ive", "able", "ible", "ish", "esque", "ant", "ent", "ary",
                     "y", "ed", "ing")
TYPO_SIMILARITY = 0.8  # difflib ratio above which an unknown word is taken for a misspelt known one
_DETERMINERS = frozenset({"a", "an", "the", "this", "these", "those", "another", "some", "several", "many", "every",
                          "each", "one", *vocab.NUMBER_WORDS})
NOUN_MODIFIERS = frozenset({*vocab.COLOURS, *vocab.COLOUR_SYNONYMS, *vocab.MATERIAL_WORDS, *vocab.SIZE_WORDS,
                             *vocab.MASS_WORDS, *vocab.FLOOR_TEXTURE_WORDS, "static", "fixed", "stationary", "movable",
                             "loose"})
_NUMBER = r"-?\d+(?:\.\d+)?(?:e[-+]?\d+)?"
_TOKEN = re.compile(rf"\d+(?:st|nd|rd|th)\b|{_NUMBER}|m/s|cm/s|km/h|[a-z]+(?:'[a-z]+)?|[,.;:!?]")
# A hyphen joining words or numbers ("left-hand", "5-cm", "3-4") reads as a space; a minus sign ("-3") and an
# exponent's sign ("1e-3") stay, so a negative number is reported rather than read as a positive one.
_JOINING_HYPHEN = re.compile(r"-(?!\d)|(?<=[\w.])(?<!\de)-")
# Typography read as plain text, one character for one so positions in messages stay right: curly quotes,
# dashes and brackets; "t=1s" is "at 1s".
_TYPOGRAPHY = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": ",",
                             "\u2014": ",", "[": "(", "]": ")", "{": "(", "}": ")", "&": ",", "+": ","})
_AT_TIME = re.compile(r"(?:\bat\s+)?\bt\s?=(?=\s?\d)")
_TIMES_COUNT = re.compile(r"\b(\d+)x\b")
_VERSUS = re.compile(r"\bvs\.")
SEPARATORS = {",", ".", ";", ":", "!", "?"}
ORDINAL_NUMBER = re.compile(r"^(\d+)(st|nd|rd|th)$")
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
    lowered = _AT_TIME.sub(_at_time, text.translate(_TYPOGRAPHY).lower().replace(" - ", " , ").replace("--", ", "))
    lowered = _TIMES_COUNT.sub(lambda match: match.group(1) + " ", lowered)  # "2x tennis balls": two
    lowered = _VERSUS.sub("vs ", lowered)  # "ball vs. pins": the abbreviation's point ends no sentence
    lowered = lowered.replace("@ ", "at").replace("->", "to").replace("~", " ")  # "@ 10 m/s", "left -> right", "~2 m"
    lowered = _JOINING_HYPHEN.sub(" ", lowered).replace("_", " ")
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
        word = SPELLINGS.get(token.text, token.text)  # "u" -> "you", "thru" -> "through"
        if word in SILENT_WORDS:
            continue  # "my ball", "her toy truck": a possessive says nothing kinema shows
        word = _known_form(word)
        if word in KNOWN_WORDS or word in SEPARATORS or is_number(word) or ORDINAL_NUMBER.match(word):
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


def _known_form(word: str) -> str:
    """A known inflection of an unknown verb or plural: "tipping" -> "tip", "smash" -> "smashes", "floorboards" ->
    "floorboard" if it is known; else the word itself."""
    if word in KNOWN_WORDS or not word.isalpha():
        return word
    stems = [word[:-len(ending)] for ending in ("ing", "ed", "es", "s", "d") if word.endswith(ending) and
             len(word) - len(ending) >= 3]
    stems += [stem[:-1] for stem in stems if len(stem) > 3 and stem[-1] == stem[-2]]  # "tipping" -> "tipp" -> "tip"
    stems += [stem + "e" for stem in list(stems)]  # "coming" -> "com" -> "come"
    stems += [stem + ending for stem in list(stems) for ending in ("s", "es", "ed")]  # "smashing" -> "smashes"
    for candidate in [*stems, word + "s", word + "es", word + "ed"]:
        if candidate in KNOWN_WORDS and (candidate in VERB_WORDS or candidate in vocab.NOUN_FORMS):
            return candidate
    return word


def _at_time(match: re.Match) -> str:
    """'t=1s' -> 'at 1s', 'at t=1s' -> 'at   1s': as long as what it replaces."""
    return "at" + " " * (len(match.group()) - 2)


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
    describes = after in vocab.NOUN_FORMS or after in NOUN_MODIFIERS
    if word.endswith(ADJECTIVE_ENDINGS) and describes:
        return True  # "a majestic teapot", "an elegant bottle": an adjective's ending, before what it describes
    return (before in _DETERMINERS or before in NOUN_MODIFIERS or before in IGNORABLE_MODIFIERS
            or before.endswith("ly") or is_number(before) or before == ",") and describes


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


def is_number(word: str) -> bool:
    return bool(re.fullmatch(_NUMBER, word))
