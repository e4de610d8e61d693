"""Bad prompts get one clear line: what is wrong, where, and how to fix it."""

import pytest

from scenes import SceneError, parse_prompt
from scenes.parser import tokenize


@pytest.mark.parametrize("prompt, message", [
    ("a blu ball", r"unknown word 'blu' at word 2 \(character 3\).*did you mean blue"),
    ("a red bal falls", r"unknown word 'bal' at word 3.*ball"),
    ("a ball rolls toward the xylophone", r"unknown word 'xylophone' at word 6"),
    ("", "the prompt is empty"),
    ("   ", "the prompt is empty"),
    ("the camera zooms in", "names no objects"),
    ("two balls. the ball falls", r"'the ball' at word 4 is ambiguous: there are 2; say the first ball"),
    ("a ball. the third ball falls", "there are only 1"),
    ("a ball falls for 0 seconds", "duration of 0 s is impossible"),
    ("a ball falls for 500 seconds", "duration of 500 s is impossible"),
    ("a ball falls for 2 seconds and rolls left for 3 seconds", "two durations"),
    ("a ball falls. the camera zooms in. the camera orbits", "describes the camera twice"),
    ("a ball falls and falls from 2 m", "told to drop twice"),
    ("60 balls", "a count is a whole number from 1 to 50"),
    ("a static ramp is pushed to the left", "static, so it cannot push"),
    ("a ball falls from", "a height such as '2 m'"),
    ("a ball rolls at fast", "a motion|a relation"),
    ("a red green ball", "one colour per object"),
    ("a ball is left of", "an object after 'left of'|ends too early"),
    ("the second ball falls", "no such object was named before it"),
    ("a ball. the camera orbits by 1000 degrees", "1000 degrees is impossible"),
    ("a ball is on the camera", "an object after 'on'|unexpected word 'camera'"),
])
def test_bad_prompts_raise_one_line_scene_errors(prompt, message):
    with pytest.raises(SceneError, match=message) as caught:
        parse_prompt(prompt, seed=0)
    assert "\n" not in str(caught.value)


def test_tokenizer_splits_numbers_from_units():
    words = [t.text for t in tokenize("A 30cm ball falls from 2.5m at 3m/s, for 4s")]
    assert words == ["a", "30", "cm", "ball", "falls", "from", "2.5", "m", "at", "3", "m/s", ",", "for", "4", "s"]


def test_error_positions_are_character_offsets_of_the_original_text():
    prompt = "Three RED balls and a purpel cube"
    with pytest.raises(SceneError, match=r"'purpel' at word 6 \(character 23\)"):
        parse_prompt(prompt)
    assert prompt[22:28] == "purpel"
