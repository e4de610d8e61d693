"""Fuzz: hundreds of generated bad prompts and scene scripts get a one-line answer (exit 0 or 2), never a
traceback and never a hang. The inputs are drawn from a fixed seed, so a failure names an input that repeats."""

import json
import random
import signal
import string
from pathlib import Path

import pytest
import yaml

from hybrid.cli import main
from scenes.script import library_scripts

SECONDS_PER_INPUT = 10  # a parse or check takes milliseconds; this only catches hangs

PROMPTS = [
    "a red rubber ball falls onto a blue wooden box, then rolls off to the left",
    "three dominoes in a row. the first one is pushed",
    "a small green cube is left of a large yellow sphere",
    "a ball is thrown at a tower of four crates at 5 m/s",
    "a glass ball falls from 2 m onto a metal plank for 4 seconds",
    "the camera orbits left around two cylinders next to each other",
    "a heavy stone ball weighing 3 kg rolls toward a light plastic can",
]
# words and tokens that have broken parsers before: signs, huge and tiny numbers, units in the wrong place
TOKENS = ["-3", "-5 cm", "1e308", "1e-320", "nan", "inf", "-inf", "10000 m", "1000 m/s", "0", "0 s", "99999999999",
          "weighing -2 kg", "for 60 seconds", "for 0.0001 seconds", "for -1 seconds", "at -4 m/s", "cm", "m/s",
          "kg", "deg", "seconds", ":", ",", ".", "!!", "?", "\"", "'", "(", ")", "-", "--", "/", "*", "\t", "\n",
          "é", "球", "🙂", "\x00", "\u202e", "left of", "on", "inside", "it", "them", "then", "and", "the", "a",
          "zooms in", "orbits", "falls", "rolls", "is thrown at", "bounces", "topples", "times", "one after another",
          "plate", "cat", "laser", "of of", "its", "second", "ball_1", "2 m", "30 cm", "50 %", "%", "#", "$x"]


# each slot of a template takes a number, so limits, signs and units are tried on every quantity the parser reads
TEMPLATES = ["a red ball falls from {n} m", "a red ball is thrown at a blue box at {n} m/s", "{n} balls",
             "a {n} cm ball", "a ball weighing {n} kg", "a ball falls for {n} seconds", "a {n} m wide box",
             "a ball rolls left at {n} cm/s", "{n} dominoes in a row", "a cube tilted {n} degrees",
             "a tower of {n} crates", "the camera zooms in {n} %", "a ball {n} m left of a cube",
             "a {n} second video of a ball bouncing {n} times", "a ball falls from {n} cm onto a {n} mm box"]
NUMBERS = ["-3", "-0", "0", "0.0000001", "1e-320", "1e308", "10000", "99999999999999999999", "2.5", "7", "-5",
           "1e3", "nan", "inf", "0x10", "1,000", "3.", ".5", "+4", "1/2", "½", "٣"]


def templated_prompt(rng: random.Random) -> str:
    return rng.choice(TEMPLATES).replace("{n}", rng.choice(NUMBERS))


def mutated_prompt(rng: random.Random) -> str:
    words = rng.choice(PROMPTS).split()
    for _ in range(rng.randint(1, 4)):
        kind = rng.random()
        at = rng.randint(0, len(words))
        if kind < 0.4:
            words.insert(at, rng.choice(TOKENS))
        elif kind < 0.6 and words:
            words.pop(min(at, len(words) - 1))
        elif kind < 0.75 and words:
            words[min(at, len(words) - 1)] = rng.choice(TOKENS)
        elif kind < 0.85:
            words = words[:at]
        else:
            words = words + rng.choice(PROMPTS).split()
    return " ".join(words)


def random_prompt(rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.3:
        return "".join(rng.choice(string.printable) for _ in range(rng.randint(1, 80)))
    if kind < 0.5:
        return " ".join(rng.choice(TOKENS) for _ in range(rng.randint(1, 12)))
    if kind < 0.55:
        return ". ".join(rng.choice(PROMPTS) for _ in range(rng.randint(20, 60)))  # long: over the cap
    if kind < 0.8:
        return templated_prompt(rng)
    return mutated_prompt(rng)


BAD_VALUES = [None, "", " ", -1, 0, -0.0, 1e308, -1e308, 1e300, float("nan"), float("inf"), 2**64, -2**63, True,
              [], {}, [1], [1, 2], [1e300, 0, 0], ["a", "b", "c"], {"x": 1}, "nan", "1e308 m", "-5 cm", "5 parsecs",
              "kinema:../../../../../etc/passwd", "../../outside.obj", "/dev/zero", "left", "ball_99", "x" * 300,
              "uniform(5, 1)", {"uniform": [1e308, -1e308]}, {"choice": []}, 100000, 3.5, "12:30", "!!python/name:os"]


BAD_NUMBERS = [-1, -0.5, 0, 1e-320, 1e300, -1e300, 1e308, float("nan"), float("inf"), 2**64, 100000, 1e6]
FIELDS = ["position", "velocity", "angular_velocity", "size", "mass", "orientation", "friction", "restitution",
          "mesh", "count", "frame", "fps", "speed", "height", "amount", "colour", "colur", "sise"]


def mutate(value, rng: random.Random, depth: int = 0):
    """A copy of a loaded script with one leaf (mostly) or one entry replaced, deleted, duplicated or added."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and rng.random() < 0.7:
        return rng.choice(BAD_NUMBERS)  # a number where a number goes: only its size and sign are wrong
    if not (isinstance(value, (dict, list)) and value) or depth > 6:
        return rng.choice(BAD_VALUES)
    value = dict(value) if isinstance(value, dict) else list(value)
    at = rng.choice(list(value)) if isinstance(value, dict) else rng.randrange(len(value))
    nested = [key for key, item in value.items() if isinstance(item, (dict, list)) and item] if depth == 0 else []
    at = rng.choice(nested) if nested and rng.random() < 0.9 else at  # bodies, actions, camera: where checks are
    roll = rng.random()
    if isinstance(value[at], (dict, list)) and value[at] and (roll < 0.7 or depth == 0):
        value[at] = mutate(value[at], rng, depth + 1)  # walk down to a leaf: that is where the checks are
    elif roll < 0.8 and depth > 0:
        del value[at]
    elif roll < 0.85 and isinstance(value, list):
        value.append(value[at])  # a duplicate id, a second action on one body
    elif roll < 0.95 and isinstance(value, dict):
        value[rng.choice(FIELDS)] = rng.choice(BAD_VALUES)
    else:
        value[at] = rng.choice(BAD_VALUES)
    return value


def bad_script(rng: random.Random, library: list[dict]) -> str:
    roll = rng.random()
    text = yaml.safe_dump(mutate(rng.choice(library), rng), allow_unicode=True)
    if roll < 0.15:
        return text[:rng.randrange(len(text))]  # truncated
    if roll < 0.25:
        at = rng.randrange(len(text))
        return text[:at] + rng.choice(["\t", ":", "- ", "&a", "*a", "!!binary ", "{", "]", "\x00", "%YAML"]) + text[at:]
    return text


def answer(argv: list[str], capsys) -> tuple[int, str, str]:
    """Exit status, stdout and stderr of `kinema ARGV`; a hang or any exception fails the test with the input."""
    def hang(*_):
        raise TimeoutError(f"no answer within {SECONDS_PER_INPUT} s")

    previous = signal.signal(signal.SIGALRM, hang)
    signal.alarm(SECONDS_PER_INPUT)
    try:
        status = main(argv)
    except SystemExit as exit_:  # argparse's own errors
        status = exit_.code
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    out, err = capsys.readouterr()
    return status, out, err


def one_line_answer(argv: list[str], capsys) -> tuple[int, str]:
    """Exit status and stdout, after checking the answer is a success or a one-line error (exit 2)."""
    status, out, err = answer(argv, capsys)
    assert status in (0, 2), f"{argv!r}: exit {status}\n{err}"
    if status == 2:
        lines = [line for line in err.splitlines() if line.strip()]
        assert len(lines) == 1, f"{argv!r}: not one line:\n{err}"
        assert "Traceback" not in err, f"{argv!r}:\n{err}"
    return status, out


def sane_json(text: str):
    """The graph JSON, after checking each real number is finite and of a physical size (metres, m/s, kg)."""
    def refuse(constant):
        raise AssertionError(f"non-finite {constant} in the graph JSON")

    def number(literal: str) -> float:
        assert abs(float(literal)) <= 1e6, f"absurd value {literal} accepted into the graph JSON"
        return float(literal)

    return json.loads(text, parse_constant=refuse, parse_float=number)


@pytest.mark.slow
def test_bad_prompts_get_one_line_and_no_hang(capsys):
    rng = random.Random(12)
    for _ in range(300):
        prompt = random_prompt(rng)
        status, out = one_line_answer(["parse", "--json", prompt], capsys)
        if status == 0:
            sane_json(out)


@pytest.mark.slow
def test_bad_scene_scripts_get_one_line_and_no_hang(tmp_path: Path, capsys):
    rng = random.Random(13)
    library = [yaml.safe_load(path.read_text()) for path in library_scripts()]
    accepted = []
    for number in range(300):
        script = tmp_path / f"fuzz_{number}.yaml"
        script.write_text(bad_script(rng, library))
        status, out = one_line_answer(["check", "--json", str(script)], capsys)
        if status == 0:
            sane_json(out)
            accepted.append(script)
    assert 0 < len(accepted) < 200  # the mutations make mostly bad scripts, and some that are fine
    for script in accepted[:25]:  # what passes the check also simulates, or says in one line why not
        one_line_answer(["simulate", str(script), "--out", str(tmp_path / script.stem), "--seconds", "0.5"], capsys)
