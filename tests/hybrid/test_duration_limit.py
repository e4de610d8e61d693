"""One duration limit for a video, whether `generate` is asked for seconds or the prompt says how long."""

import pytest
import torch

import sim
from dit.config import preset
from dit.generator import GeneratorConfig, VideoGenerator
from hybrid import generation, pipeline
from hybrid.errors import GenerationError
from hybrid.pipeline import Pipeline


@pytest.fixture
def untrained_pipeline(monkeypatch) -> Pipeline:
    def refuse(*args, **kwargs):
        raise AssertionError("the duration must be refused before anything is simulated")

    monkeypatch.setattr(sim, "simulate", refuse)
    torch.manual_seed(0)
    config = GeneratorConfig.from_captions(["a red ball"], preset("tiny"), text_depth=1, text_heads=2, max_length=64)
    return Pipeline(VideoGenerator(config))


@pytest.mark.parametrize("seconds", [30, 60])  # 60 s used to fail in the simulator as "got 60.5"
def test_a_prompt_longer_than_a_video_is_refused_in_its_own_numbers(untrained_pipeline, seconds):
    with pytest.raises(GenerationError, match=rf"^the scene asks for {seconds} s, but videos are at most 16 s; "
                                              r"ask for a shorter clip$"):
        untrained_pipeline(f"a red ball falls for {seconds} seconds", height=32, width=32)


def test_generate_and_the_pipeline_share_the_limit():
    assert generation.MAX_SECONDS == pipeline.MAX_SECONDS == 16
    with pytest.raises(GenerationError, match="at most 16"):
        generation.generate("a red ball", duration_seconds=30)


@pytest.mark.parametrize("seconds, shown", [(30, "30"), (30.0, "30"), (16.5, "16.5")])
def test_generate_refuses_a_long_video_in_the_users_number(seconds, shown):
    with pytest.raises(GenerationError, match=rf"^a video of {shown} s is too long: videos are at most 16 s; ask for "
                                              r"a shorter clip$"):
        generation.generate("a red ball", duration_seconds=seconds, model="/no/model/needed")


def test_cli_generate_refuses_a_long_video_as_typed(capsys):
    from hybrid.cli import main

    assert main(["generate", "a red ball", "--seconds", "30", "--model", "/no/model/needed"]) == 2
    assert capsys.readouterr().err == "kinema generate: error: a video of 30 s is too long: videos are at most 16 s; " \
                                      "ask for a shorter clip\n"
