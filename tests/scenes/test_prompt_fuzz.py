"""Mangled prompts (words dropped, swapped, repeated, cut short, joined) parse or fail with one SceneError line:
never another exception, which a user would see as a traceback."""

import random

import pytest

from scenes.errors import SceneError
from scenes.parser import parse_prompt
from test_prompts import PROMPTS
from test_prompts_everyday import ROWS

SOURCES = [row.values[0] for row in ROWS] + [row.values[0] for row in PROMPTS]
GLUE = [",", ".", "and", "then", "it", "the", "of", "by", "with", "off", "between", "one", "3", "times", "from"]


def mangled(rng: random.Random) -> str:
    words = rng.choice(SOURCES).split()
    change = rng.randrange(6)
    if change == 0 and len(words) > 1:
        del words[rng.randrange(len(words))]
    elif change == 1:
        words.insert(rng.randrange(len(words) + 1), rng.choice(rng.choice(SOURCES).split()))
    elif change == 2:
        i, j = rng.randrange(len(words)), rng.randrange(len(words))
        words[i], words[j] = words[j], words[i]
    elif change == 3:
        words = words[:rng.randrange(1, len(words) + 1)]
    elif change == 4:
        words += rng.choice(SOURCES).split()[:rng.randrange(1, 6)]
    else:
        words.insert(rng.randrange(len(words) + 1), rng.choice(GLUE))
    return " ".join(words)


@pytest.mark.parametrize("batch", range(4))
def test_mangled_prompts_parse_or_fail_in_one_line(batch):
    rng = random.Random(batch)
    for trial in range(400):
        text = mangled(rng)
        try:
            parse_prompt(text, seed=trial)
        except SceneError as error:
            assert "\n" not in str(error), text
