"""The prompt grammar's phrase tables: scenes/phrases.yaml read once and checked.

Each table says what a word or phrase does where the parser meets it (scenes/parser.py): the verbs of each
motion, the relation phrases, the openings of a request, the words of a sequence. Phrases are tuples of words,
ordered as the parser tries them (the longest first where several could match).
"""

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict

from scenes.schema import ACTIONS, RELATIONS

PHRASES_FILE = Path(__file__).parent / "phrases.yaml"
MOTIONS = (*ACTIONS, "collide", "bounce")
ARRANGEMENTS = ("tower", "row")

Phrase = tuple[str, ...]


class _Phrases(BaseModel):
    model_config = ConfigDict(extra="forbid")

    relations: dict[str, str]
    motion_verbs: dict[str, list[str]]
    imperatives: dict[str, list[str]]
    copulas: list[str]
    discourse_words: list[str]
    particles: list[str]
    connectors: list[str]
    participle_motions: list[str]
    rolling_moves: list[str]
    passive_forms: list[str]
    occlusion_verbs: list[str]
    size_after_words: list[str]
    step_words: list[str]
    comparatives: list[str]
    active_pushes: list[str]
    group_words: list[str]
    part_words: list[str]
    camera_commands: list[str]
    height_phrases: dict[str, float]
    formations: list[str]
    spellings: dict[str, str]
    ground_words: list[str]
    silent_words: list[str]
    breaking_words: list[str]
    smashing_words: list[str]
    breakable_adjectives: list[str]
    into_pieces: list[str]
    breaking_places: list[str]
    superlatives: list[str]
    stopwords: list[str]
    openings: list[str]
    no_op_phrases: list[str]
    views: list[str]
    sequence_words: list[str]
    in_turn: dict[str, float]
    repeat_words: dict[str, int]
    ignorable_modifiers: list[str]


def _phrase(text: str) -> Phrase:
    return tuple(text.split())


def _longest_first(texts) -> list[Phrase]:
    """Phrases longest first; among equally long ones, in the file's order (sorted is stable)."""
    return sorted((_phrase(text) for text in texts), key=lambda phrase: -len(phrase))


def _unique(table: dict[str, list[str]], what: str) -> dict[str, str]:
    """word -> its key, refusing a word listed under two keys."""
    found: dict[str, str] = {}
    for key, words in table.items():
        for word in words:
            if found.setdefault(word, key) != key:
                raise ValueError(f"phrases.yaml: {what} {word!r} is listed under both {found[word]} and {key}")
    return found


def _load(path: Path = PHRASES_FILE) -> _Phrases:
    phrases = _Phrases.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    for relation in phrases.relations.values():
        if relation not in RELATIONS:
            raise ValueError(f"phrases.yaml: {relation!r} is not a relation ({', '.join(RELATIONS)})")
    for motion in [*phrases.motion_verbs, *phrases.participle_motions]:
        if motion not in MOTIONS:
            raise ValueError(f"phrases.yaml: {motion!r} is not a motion ({', '.join(MOTIONS)})")
    for kind in phrases.imperatives:
        if kind not in (*MOTIONS, "place", *ARRANGEMENTS):
            raise ValueError(f"phrases.yaml: imperatives key {kind!r} is not a motion, place, tower or row")
    return phrases


_TABLES = _load()

RELATION_PHRASES: list[tuple[Phrase, str]] = sorted(((_phrase(text), relation)
                                                     for text, relation in _TABLES.relations.items()),
                                                    key=lambda item: -len(item[0]))
MOTION_VERBS: dict[str, str] = _unique(_TABLES.motion_verbs, "motion verb")
IMPERATIVES: dict[str, str | None] = {word: None if kind == "place" else kind
                                      for word, kind in _unique(_TABLES.imperatives, "imperative").items()}
ARRANGING_IMPERATIVES = set(ARRANGEMENTS)
COPULAS = set(_TABLES.copulas)
ADVERBS = set(_TABLES.discourse_words)
PARTICLES = set(_TABLES.particles)
CONNECTORS = set(_TABLES.connectors)
PARTICIPLE_MOTIONS = set(_TABLES.participle_motions)
ROLLING_MOVES = set(_TABLES.rolling_moves)
PASSIVE_FORMS = set(_TABLES.passive_forms)
OCCLUSION_VERBS = set(_TABLES.occlusion_verbs)
SIZE_AFTER_WORDS = set(_TABLES.size_after_words)
STEP_WORDS = set(_TABLES.step_words)
COMPARATIVES = set(_TABLES.comparatives)
ACTIVE_PUSHES = set(_TABLES.active_pushes)
GROUP_WORDS = tuple(_TABLES.group_words)
PART_WORDS = set(_TABLES.part_words)
CAMERA_COMMANDS = set(_TABLES.camera_commands)
SPELLINGS: dict[str, str] = dict(_TABLES.spellings)
GROUND_WORDS = set(_TABLES.ground_words)
SILENT_WORDS = set(_TABLES.silent_words)
HEIGHT_PHRASES: dict[Phrase, float] = dict(sorted(((_phrase(text), metres) for text, metres
                                                  in _TABLES.height_phrases.items()), key=lambda item: -len(item[0])))
BREAKING_WORDS = set(_TABLES.breaking_words)
SMASHING_WORDS = set(_TABLES.smashing_words)
BREAKABLE_ADJECTIVES = set(_TABLES.breakable_adjectives)
INTO_PIECES: list[Phrase] = _longest_first(_TABLES.into_pieces)
BREAKING_PLACES = set(_TABLES.breaking_places)
SUPERLATIVES = set(_TABLES.superlatives)
STOPWORDS = set(_TABLES.stopwords)
OPENINGS: list[Phrase] = _longest_first(_TABLES.openings)
NO_OP_PHRASES: list[Phrase] = _longest_first(_TABLES.no_op_phrases)
VIEW_PHRASES: list[Phrase] = [_phrase(text) for text in _TABLES.views]
FORMATIONS: list[Phrase] = _longest_first(_TABLES.formations)
SEQUENCE_WORDS: list[Phrase] = [_phrase(text) for text in _TABLES.sequence_words]
IN_TURN: dict[Phrase, float] = {_phrase(text): seconds for text, seconds in _TABLES.in_turn.items()}
IN_TURN_PHRASES: list[Phrase] = list(IN_TURN)
REPEAT_WORDS: dict[str, int] = dict(_TABLES.repeat_words)
IGNORABLE_MODIFIERS = frozenset(_TABLES.ignorable_modifiers)


VERB_WORDS = set(MOTION_VERBS) | set(IMPERATIVES) | COPULAS | OCCLUSION_VERBS | PASSIVE_FORMS | ACTIVE_PUSHES


def grammar_words() -> set[str]:
    """Every word the phrase tables use."""
    words = STOPWORDS | COPULAS | ADVERBS | PARTICLES | CONNECTORS | set(MOTION_VERBS) | set(IMPERATIVES)
    words |= PASSIVE_FORMS | OCCLUSION_VERBS | SIZE_AFTER_WORDS | STEP_WORDS | set(REPEAT_WORDS) | COMPARATIVES
    words |= SUPERLATIVES | BREAKING_WORDS | ACTIVE_PUSHES | set(GROUP_WORDS) | PART_WORDS | CAMERA_COMMANDS
    words |= GROUND_WORDS | SMASHING_WORDS | BREAKING_PLACES | BREAKABLE_ADJECTIVES
    for table in (INTO_PIECES, OPENINGS, NO_OP_PHRASES, VIEW_PHRASES, FORMATIONS, SEQUENCE_WORDS, IN_TURN_PHRASES,
                  list(HEIGHT_PHRASES), [phrase for phrase, _ in RELATION_PHRASES]):
        words |= {word for phrase in table for word in phrase}
    return words
