"""The `kinema` CLI: summaries, JSON, exit status 2 and one line on bad input, help everywhere."""

import json
import subprocess
import sys

import pytest

from hybrid.cli import build_parser, main
from scenes import SceneGraph


def test_parse_prints_a_summary_with_the_caption(capsys):
    assert main(["parse", "a red ball falls onto a blue box"]) == 0
    out = capsys.readouterr().out
    assert "ball_1" in out and "box_1" in out and "caption: A red rubber ball" in out


def test_parse_json_is_a_loadable_graph(capsys):
    assert main(["parse", "three cubes in a tower", "--json", "--seed", "0"]) == 0
    graph = SceneGraph.from_json(capsys.readouterr().out)
    assert len(graph.bodies) == 3 and graph.settings.laid_out


def test_parse_warns_of_ignored_words_and_strict_refuses_them():
    result = subprocess.run([sys.executable, "-m", "hybrid.cli", "parse", "a shiny red ball falls"],
                            capture_output=True, text=True)
    assert result.returncode == 0 and "ball_1" in result.stdout
    assert result.stderr == "warning: ignored 'shiny' at character 3: an unknown word that only describes\n"
    strict = subprocess.run([sys.executable, "-m", "hybrid.cli", "parse", "--strict", "a shiny red ball falls"],
                            capture_output=True, text=True)
    assert strict.returncode == 2 and strict.stderr.count("\n") == 1 and "Traceback" not in strict.stderr
    assert "ignored 'shiny'" in strict.stderr and "--strict" in strict.stderr


def test_an_out_of_scope_prompt_is_refused_in_one_line():
    result = subprocess.run([sys.executable, "-m", "hybrid.cli", "parse", "a dog chases a ball"],
                            capture_output=True, text=True)
    assert result.returncode == 2 and result.stderr.count("\n") == 1
    assert "out of scope (animals)" in result.stderr and "rigid bodies" in result.stderr


def test_bad_prompt_exits_2_with_one_line_and_no_traceback():
    result = subprocess.run([sys.executable, "-m", "hybrid.cli", "parse", "a blu ball"],
                            capture_output=True, text=True)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert "unknown word 'blu'" in result.stderr


def test_negative_seed_is_refused(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["parse", "a ball", "--seed", "-1"])
    assert exit_info.value.code == 2


@pytest.mark.parametrize("command", ["parse", "check", "scenes", "simulate", "render", "dataset", "schema"])
def test_every_command_has_help(command, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--help"])
    assert exit_info.value.code == 0
    assert "usage: kinema " + command in capsys.readouterr().out


def test_schema_command_prints_json_schema(capsys):
    assert main(["schema"]) == 0
    assert json.loads(capsys.readouterr().out)["title"] == "SceneDocument"


def test_top_level_help_lists_commands():
    help_text = build_parser().format_help()
    for command in ("parse", "check", "scenes", "simulate", "render", "dataset", "schema"):
        assert command in help_text


def test_same_prompt_and_seed_give_identical_json_across_processes():
    prompt = "many balls fall onto a crate while a tower of four cubes topples. the camera orbits"
    outputs = set()
    for hash_seed in ("1", "2"):
        result = subprocess.run([sys.executable, "-m", "hybrid.cli", "parse", prompt, "--json", "--seed", "0"],
                                capture_output=True, text=True, env={"PYTHONHASHSEED": hash_seed, "PATH": ""})
        assert result.returncode == 0, result.stderr
        outputs.add(result.stdout)
    assert len(outputs) == 1


def test_check_reports_a_layout_contradiction_with_the_file_name(tmp_path, capsys):
    script = tmp_path / "contradiction.yaml"
    script.write_text("bodies:\n  - {id: a, noun: ball, colour: red}\n  - {id: b, noun: box, colour: blue}\n"
                      "relations:\n  - a left_of b\n  - b left_of a\n")
    assert main(["check", str(script)]) == 2
    err = capsys.readouterr().err
    assert "contradiction.yaml" in err and "contradictory relations: a left of b; b left of a" in err


def test_check_validates_a_library_scene_and_scenes_lists_them(capsys):
    from scenes.script import library_scripts

    assert main(["check", str(library_scripts()[0])]) == 0
    assert "is a valid scene script" in capsys.readouterr().err
    assert main(["scenes"]) == 0
    listing = capsys.readouterr().out
    assert all(path.stem in listing for path in library_scripts()) and len(library_scripts()) >= 15


def test_missing_script_is_a_clear_error(capsys):
    assert main(["check", "no/such/scene.yaml"]) == 2
    assert "no/such/scene.yaml" in capsys.readouterr().err


def test_render_writes_frames_rollout_and_a_preview_video(tmp_path, capsys):
    import imageio.v2 as imageio

    from sim import Frames, load_rollout

    out = tmp_path / "run"
    assert main(["render", "a red ball falls from 1 m", "--out", str(out), "--size", "32", "--aspect", "1:1",
                 "--seconds", "1", "--fps", "8", "--gif"]) == 0
    frames = Frames.load(out / "frames.npz")
    rollout, graph = load_rollout(out)
    assert frames.num_frames == rollout.num_frames == 8 and graph.body_ids == ["ball_1"]
    video = imageio.mimread(out / "preview.mp4")
    assert len(video) == 8 and video[0].shape == (32, 5 * 32, 3)  # rgb | depth | segmentation | flow | uv
    assert (out / "preview.gif").stat().st_size > 0
    assert not list(out.glob(".*"))  # no temporary files left behind


def test_simulate_with_impossible_seconds_is_one_clean_line():
    result = subprocess.run([sys.executable, "-m", "hybrid.cli", "simulate", "a ball", "--out", "/tmp/x",
                             "--seconds", "100"], capture_output=True, text=True)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "at most 60" in result.stderr


SEED_COMMANDS = {"parse": ["parse", "a ball"], "check": ["check", "scene.yaml"],
                 "simulate": ["simulate", "a ball", "--out", "run"], "render": ["render", "a ball", "--out", "run"],
                 "dataset": ["dataset", "--out", "data", "--clips", "1"], "generate": ["generate", "a ball"],
                 "evaluate": ["evaluate"]}


@pytest.mark.parametrize("command", SEED_COMMANDS)
@pytest.mark.parametrize("seed", [str(2**32), str(2**64), "-1", "1.5", "x"])
def test_a_seed_outside_0_to_max_seed_is_refused_with_the_range(command, seed, monkeypatch, tmp_path, capsys):
    monkeypatch.chdir(tmp_path)  # nothing is written, but if it were, it would land here
    with pytest.raises(SystemExit) as exit_info:
        main([*SEED_COMMANDS[command], "--seed", seed])
    assert exit_info.value.code == 2
    assert f"argument --seed: a seed is a whole number from 0 to 4294967295, got '{seed}'" in capsys.readouterr().err


@pytest.mark.parametrize("command", SEED_COMMANDS)
def test_help_states_the_seed_range(command, capsys):
    with pytest.raises(SystemExit):
        main([command, "--help"])
    assert "0 to 4294967295" in " ".join(capsys.readouterr().out.split())


def test_one_seed_limit_holds_for_prompts_scripts_and_graphs(tmp_path, capsys):
    from pydantic import ValidationError

    from scenes.errors import SceneError
    from scenes.schema import Settings
    from scenes.seeding import MAX_SEED, scene_rng

    assert MAX_SEED == 2**32 - 1 and main(["parse", "a ball", "--seed", str(MAX_SEED)]) == 0
    with pytest.raises(SceneError, match="a seed is a whole number from 0 to 4294967295, got 4294967296"):
        scene_rng(MAX_SEED + 1, "layout")
    with pytest.raises(ValidationError, match="less than or equal to 4294967295"):
        Settings(seed=MAX_SEED + 1)
    script = tmp_path / "big_seed.yaml"
    script.write_text(f"seed: {MAX_SEED + 1}\nbodies:\n  - {{id: a, noun: ball}}\n")
    capsys.readouterr()
    assert main(["check", str(script)]) == 2
    assert "from 0 to 4294967295" in capsys.readouterr().err


@pytest.mark.parametrize("arguments, message", [
    (["generate", "a ball", "--text-guidance", "nan"], "argument --text-guidance: expected a finite number, got 'nan'"),
    (["generate", "a ball", "--control-guidance", "inf"], "argument --control-guidance: expected a finite number"),
    (["generate", "a ball", "--seconds", "nan"], "argument --seconds: expected a finite number, got 'nan'"),
    (["simulate", "a ball", "--out", "run", "--seconds=-inf"], "argument --seconds: expected a finite number"),
    (["render", "a ball", "--out", "run", "--fps", "two"], "argument --fps: expected a positive whole number"),
])
def test_number_options_refuse_nan_and_inf_when_parsed(arguments, message, monkeypatch, tmp_path, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("hybrid.generation.generate", lambda *a, **k: pytest.fail("generated with a bad number"))
    with pytest.raises(SystemExit) as exit_info:
        main(arguments)
    assert exit_info.value.code == 2 and message in capsys.readouterr().err


@pytest.mark.parametrize("arguments, error", [
    (["generate", "a ball", "--text-guidance", "nan"],
     "kinema generate: error: argument --text-guidance: expected a finite number, got 'nan'"),
    (["generate", "a ball", "--text-guidance", "25"],
     "kinema generate: error: argument --text-guidance: expected a number from 0 to 20, got '25'"),
    (["generate", "a ball", "--control-guidance", "1e9"],
     "kinema generate: error: argument --control-guidance: expected a number from 0 to 20, got '1e9'"),
    (["generate", "a ball", "--text-guidance", "-1"],
     "kinema generate: error: argument --text-guidance: expected a number from 0 to 20, got '-1'"),
    (["generate", "a ball", "--steps", "100000"],
     "kinema generate: error: argument --steps: expected a whole number from 1 to 1000, got '100000'"),
    (["evaluate", "--steps", "5000"],
     "kinema evaluate: error: argument --steps: expected a whole number from 1 to 1000, got '5000'"),
    (["ablate", "--steps", "100000"],
     "kinema ablate: error: argument --steps: expected a whole number from 1 to 1000, got '100000'"),
    (["generate", "a ball", "--steps", "0"],
     "kinema generate: error: argument --steps: expected a whole number from 1 to 1000, got '0'"),
    (["ablate", "--seeds", "0"],
     "kinema ablate: error: argument --seeds: expected a whole number from 1 to 100, got '0'"),
    (["ablate", "--seeds", "1000000"],
     "kinema ablate: error: argument --seeds: expected a whole number from 1 to 100, got '1000000'"),
    (["simulate", "dominoes", "--seed", "18446744073709551616", "--out", "x"],
     ("kinema simulate: error: argument --seed: a seed is a whole number from 0 to 4294967295, got "
      "'18446744073709551616'")),
    (["simulate", "dominoes", "--out", "x", "--fps", "0"],
     "kinema simulate: error: argument --fps: must be positive, got 0"),
    (["simulate", "dominoes", "--out", "x", "--steps", "0"],
     "kinema simulate: error: unrecognized arguments: --steps 0"),
    (["generate", "a ball", "--controls", ""],
     ("kinema generate: error: argument --controls: expected a comma-separated list of depth, flow, segmentation, "
      "uv, layout, got ''")),
    (["dataset", "--out", "d", "--clips", "2", "--shard", "5/3"],
     "kinema dataset: error: argument --shard: expected I/K with 0 <= I < K (e.g. 0/4), got '5/3'"),
    (["render", "a ball", "--out", "x", "--aspect", "-16:9"],
     ("kinema render: error: argument --aspect: invalid choice: '-16:9' (choose from '16:9', '9:16', '1:1', "
      "'4:3')")),
    (["parse"], "kinema parse: error: the following arguments are required: prompt"),
    ([], "kinema: error: the following arguments are required: COMMAND"),
])
def test_an_argument_error_is_one_line_naming_the_option_and_the_help(arguments, error, monkeypatch, tmp_path,
                                                                       capsys):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exit_info:
        main(arguments)
    command = " ".join(["kinema", *arguments[:1]])
    assert exit_info.value.code == 2
    assert capsys.readouterr().err == f"{error} (see {command} --help)\n"


@pytest.mark.parametrize("value, message", [
    ("-inf", "expected a finite number, got '-inf'"), ("-nan", "expected a finite number, got '-nan'"),
    ("-1e9", "expected a number from 0 to 20, got '-1e9'"), ("-.5", "expected a number from 0 to 20, got '-.5'"),
    ("-2E+3", "expected a number from 0 to 20, got '-2E+3'"),
])
def test_a_negative_number_is_read_as_the_options_value(value, message, capsys):
    with pytest.raises(SystemExit):
        main(["generate", "a ball", "--text-guidance", value])
    assert f"argument --text-guidance: {message} (see" in capsys.readouterr().err


def test_an_abbreviated_option_is_refused_not_guessed(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["parse", "a ball", "--see", "3"])
    assert exit_info.value.code == 2
    assert capsys.readouterr().err == ("kinema parse: error: unrecognized arguments: --see 3 "
                                       "(see kinema parse --help)\n")


def test_the_cli_limits_are_the_ones_the_api_checks():
    from dit.flow_matching import MAX_GUIDANCE
    from hybrid import cli
    from hybrid.ablation import MAX_SEEDS

    assert cli.MAX_GUIDANCE == MAX_GUIDANCE and cli.MAX_ABLATION_SEEDS == MAX_SEEDS  # steps: test_pipeline.py

