"""Bad prompts get one clear line: what is wrong, where, and how to fix it."""

import pytest
from pydantic import ValidationError

from scenes import SceneError, parse_prompt
from scenes import vocabulary as vocab
from scenes.parser import tokenize
from scenes.schema import Action, Settings


@pytest.mark.parametrize("prompt, message", [
    ("a blu ball", r"unknown word 'blu' at word 2 \(character 3\).*did you mean blue"),
    ("a red bal falls", r"unknown word 'bal' at word 3.*ball"),
    ("a ball rolls toward the xylophone", r"unknown word 'xylophone' at word 6"),
    ("", "the prompt is empty"),
    ("   ", "the prompt is empty"),
    ("the camera zooms in", "names no objects"),
    ("two balls. the ball falls", r"'the ball' at word 4 is ambiguous: there are 2; say the first ball"),
    ("a ball. the third ball falls", "there are only 1"),
    ("a ball falls for 500 seconds", "a duration of 500 seconds is out of range; use at most 60 s"),
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


# --- numbers: every one is in range or a one-line error that quotes it, the limit and the unit ----------------
@pytest.mark.parametrize("prompt, message", [
    ("a red ball falls from 10000 m", r"^a drop height of 10000 m is out of range; use at most 100 m$"),
    ("a red ball is thrown at a blue box at 1000 m/s", r"^a speed of 1000 m/s is out of range; use at most 100 m/s$"),
    ("a cube topples at 200 m/s", "a speed of 200 m/s is out of range; use at most 100 m/s"),
    ("a ball falls from 20000 cm", "a drop height of 20000 cm is out of range; use at most 100 m"),
    ("a 1000 m ball", "a size of 1000 m is out of range; use at most 10 m"),
    ("a 0.00001 mm ball", "a size of 0.00001 mm is out of range; use at least 0.01 m"),
    ("a ball weighing 1000000 kg", "a mass of 1000000 kg is out of range; use at most 100000 kg"),
    ("a ball weighing 0 kg", "a mass of 0 kg is out of range; use at least 0.001 kg"),
    ("a ball falls for 61 seconds", "a duration of 61 seconds is out of range; use at most 60 s"),
    ("a ball falls for 0 seconds", "a duration of 0 seconds is out of range; use more than 0 s"),
    ("a ball falls from 1e308 m", "a drop height of 1e308 m is out of range; use at most 100 m"),
    ("a ball falls for 1e9 seconds", "a duration of 1e9 seconds is out of range"),
    ("a ball falls for 1e-9 seconds",
     r"^a duration of 1e-9 seconds at 8 fps is less than one frame; ask for at least 0\.125 s$"),
    ("a 0.05 second clip of a ball",
     r"^a duration of 0.05 second at 8 fps is less than one frame; ask for at least 0\.125 s$"),
    ("a ball falls from 1" + "0" * 400 + " m", "is out of range; use at most 100 m"),  # float() of it is inf
    ("1" + "0" * 400 + " balls", "a count is a whole number from 1 to 50"),
    ("a ball falls from nan m", "unknown word 'nan'"),
    ("a ball falls from inf m", "unknown word 'inf'"),
    ("a ball. the 0th ball falls", "unexpected word '0th'.*expected an ordinal such as 1st"),
    ("the 100th ball falls", "'the 100th ball' at word 1: no such object was named before it"),
])
def test_numbers_out_of_range_are_one_line_errors(prompt, message):
    with pytest.raises(SceneError, match=message) as caught:
        parse_prompt(prompt, seed=0)
    assert "\n" not in str(caught.value)


def test_the_limits_are_the_schemas_and_are_accepted():
    assert vocab.MAX_DROP_HEIGHT == 100 and vocab.MAX_SPEED == 100 and vocab.MAX_DURATION == 60
    with pytest.raises(ValidationError):
        Action(subject="ball_1", action="drop", height=vocab.MAX_DROP_HEIGHT + 1)
    with pytest.raises(ValidationError):
        Settings(duration=vocab.MAX_DURATION + 1)
    graph = parse_prompt("a red ball falls from 100 m onto a 10 m box, a cube rolls at 100 m/s for 60 seconds")
    assert {a.action: a.height or a.speed for a in graph.actions} == {"drop": 100, "roll": 100}
    assert graph.settings.duration == 60 and max(graph.body("box_1").size) == 10


# --- minus signs -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("prompt, message", [
    ("-3 balls", r"^cannot make -3 objects; a count is a whole number from 1 to 50$"),
    ("a -5 cm ball", r"^a size of -5 cm is out of range; use at least 0.01 m$"),
    ("a ball weighing -2 kg", r"^a mass of -2 kg is out of range; use at least 0.001 kg$"),
    ("a ball falls from -2 m", "a drop height of -2 m is out of range; use at least 0 m"),
    ("a ball rolls at -3 m/s", "a speed of -3 m/s is out of range; use at least 0 m/s"),
    ("a ball falls for -3 seconds", "a duration of -3 seconds is out of range; use more than 0 s"),
    ("a ball. the camera zooms in by -30 percent", "a zoom of -30 percent is impossible"),
    ("a ball. the camera orbits by -90 degrees", "a camera orbit of -90 degrees is impossible"),
    ("a ball (-3 kg)", "unexpected word '-3'"),
])
def test_negative_numbers_are_errors_not_dropped_signs(prompt, message):
    with pytest.raises(SceneError, match=message) as caught:
        parse_prompt(prompt, seed=0)
    assert "\n" not in str(caught.value)


def test_hyphens_between_words_and_numbers_still_separate_them():
    assert [t.text for t in tokenize("a red-rubber ball, 5-cm, 3-4")] == ["a", "red", "rubber", "ball", ",", "5",
                                                                          "cm", ",", "3", "4"]
    assert [t.text for t in tokenize("-3 -0.5 1e-3 2e5")] == ["-3", "-0.5", "1e-3", "2e5"]
    assert max(parse_prompt("a 20-cm ball").body("ball_1").size) == pytest.approx(0.2)


# --- prompt size -------------------------------------------------------------------------------------------------
def test_a_prompt_over_the_length_limit_is_refused():
    long_prompt = "a red ball falls onto a blue box. " * 60  # 2040 characters
    with pytest.raises(SceneError, match=r"^the prompt is 2040 characters long; shorten it to at most 2000$"):
        parse_prompt(long_prompt)
    assert len(parse_prompt(long_prompt[:34 * 50]).bodies) == 100


def test_a_prompt_with_too_many_objects_is_refused_with_the_count_it_asks_for():
    with pytest.raises(SceneError, match=r"^the prompt asks for 116 objects up to 'a tower of 16 cans' \(word 7\); "
                                         r"a scene may have at most 100, so ask for fewer$"):
        parse_prompt("50 balls, 50 cubes and a tower of 16 cans")
    assert len(parse_prompt("50 balls, 49 cubes and a cone").bodies) == 100
    assert len(parse_prompt("a ball falls for 0.125 s").bodies) == 1
