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
