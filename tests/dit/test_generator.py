"""VideoGenerator: config, velocity, loss with caption/control dropout, guided sampling."""

import json

import pytest
import torch
from tiny_generator import BRANCHES, batch_of, squares, tiny_config, tiny_generator, trained_like

from dit.config import preset
from dit.errors import DiTError
from dit.flow_matching import Guidance
from dit.flow_matching import sample as sample_flow
from dit.generator import GeneratorConfig, VideoGenerator
from dit.text import TextEncoderConfig


def rng(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def test_config_round_trips_through_json_with_its_vocabulary():
    config = tiny_config(text_dropout=0.2, control_dropout={"depth": 0.5})
    again = GeneratorConfig.from_dict(json.loads(json.dumps(config.to_dict())))
    assert again == config
    assert again.vocabulary[:3] == ["<pad>", "<unk>", "<cls>"] and "square" in again.vocabulary
    assert again.control_dropout == {"depth": 0.5}  # branches left out are never dropped
    assert tiny_config().control_dropout == {name: 0.1 for name in BRANCHES}
    assert config.text.dim == config.dit.text_dim == 64


@pytest.mark.parametrize("change, message", [
    (lambda c: c.update(text=TextEncoderConfig(len(c["vocabulary"]), dim=32)), "must equal dit.text_dim"),
    (lambda c: c.update(text=TextEncoderConfig(5, dim=64)), "vocab_size 5"),
    (lambda c: c.update(text_dropout=1.5), "text_dropout: Input should be less than or equal to 1"),
    (lambda c: c.update(control_dropout={"normals": 0.1}), "not branches of the DiT"),
    (lambda c: c.update(vocabulary=["a", "b"]), "<pad>"),
])
def test_invalid_configs_are_refused(change, message):
    config = tiny_config()
    fields = dict(dit=config.dit, text=config.text, vocabulary=config.vocabulary)
    change(fields)
    with pytest.raises(DiTError, match=message):
        GeneratorConfig(**fields)


def test_from_dict_refuses_unknown_keys():
    data = tiny_config().to_dict()
    with pytest.raises(DiTError, match="unknown GeneratorConfig keys \\['learn_sigma'\\]"):
        GeneratorConfig.from_dict({**data, "learn_sigma": True})
    with pytest.raises(DiTError, match="GeneratorConfig.text"):
        GeneratorConfig.from_dict({**data, "text": {**data["text"], "widht": 3}})


def test_velocity_has_the_video_shape_and_checks_the_caption_count():
    generator = tiny_generator()
    batch = batch_of(squares(), [0, 1])
    t = torch.tensor([0.3, 0.7])
    v = generator.velocity(batch["video"], t, batch["caption"], batch["controls"], batch["control_mask"])
    assert v.shape == batch["video"].shape
    with pytest.raises(DiTError, match="3 captions for a batch of 2"):
        generator.velocity(batch["video"], t, batch["caption"] + ["x"])
    with pytest.raises(DiTError, match="list of strings"):
        generator.velocity(batch["video"], t, "a red square")


class Spy:
    """Records what the generator's DiT is called with."""

    def __init__(self, generator: VideoGenerator):
        self.calls = []
        forward = generator.dit.forward

        def spy(x, t, text, text_mask, pooled_text, controls=None, control_mask=None, control_scales=None,
                instance_text=None, light=None):
            self.calls.append(dict(text_mask=text_mask.clone(), controls=controls, control_mask=control_mask,
                                   instance_text=instance_text, light=light))
            return forward(x, t, text, text_mask, pooled_text, controls, control_mask, control_scales,
                           instance_text, light)

        generator.dit.forward = spy


def test_loss_is_a_deterministic_scalar_of_the_generator_seed():
    generator = tiny_generator()
    batch = batch_of(squares(), [0, 1, 2])
    first, again, other = (generator.loss(batch, rng(seed)) for seed in (3, 3, 4))
    assert first.shape == () and first.dtype == torch.float32
    assert torch.equal(first, again) and not torch.equal(first, other)
    assert torch.equal(generator(batch, rng(3)), first)  # forward is the loss, for DistributedDataParallel


def test_dropout_replaces_captions_by_the_empty_one_and_zeroes_dropped_controls():
    generator = trained_like(tiny_generator(text_dropout=1.0, control_dropout={"depth": 1.0, "flow": 0.0}))
    spy = Spy(generator)
    batch = batch_of(squares(), [0, 1, 2, 3])
    batch["control_mask"]["flow"][1] = False  # the data set's own absence is kept
    generator.loss(batch, rng())
    (call,) = spy.calls
    assert (call["text_mask"].sum(1) == 1).all()  # <cls> alone: the empty caption
    assert not call["control_mask"]["depth"].any() and (call["controls"]["depth"] == 0).all()
    assert call["control_mask"]["flow"].tolist() == [True, False, True, True]
    assert (call["controls"]["flow"][1] == 0).all()
    kept = [0, 2, 3]
    assert torch.equal(call["controls"]["flow"][kept], batch["controls"]["flow"][kept])  # kept maps unchanged
    assert call["control_mask"]["segmentation"].all()  # not in control_dropout: never dropped


def test_dropping_everything_is_the_loss_of_the_empty_caption_without_controls():
    dropped = trained_like(tiny_generator(text_dropout=1.0, control_dropout={name: 1.0 for name in BRANCHES}))
    kept = trained_like(tiny_generator(text_dropout=0.0, control_dropout={name: 0.0 for name in BRANCHES}))
    batch = batch_of(squares(), [0, 1])
    absent = {name: torch.zeros(2, dtype=torch.bool) for name in BRANCHES}
    bare = {**batch, "caption": ["", ""], "control_mask": absent}
    # both draw the same dropout uniforms first, so the noise and times that follow are the same
    assert torch.allclose(dropped.loss(batch, rng(5)), kept.loss(bare, rng(5)), rtol=0, atol=1e-6)
    assert not torch.allclose(kept.loss(batch, rng(5)), kept.loss(bare, rng(5)))
    assert not torch.allclose(kept.loss(batch, rng(5)), kept.loss({**batch, "control_mask": absent}, rng(5)))


def test_independent_dropout_rates_match_their_probabilities():
    generator = tiny_generator(text_dropout=0.25, control_dropout={"depth": 0.5, "flow": 0.0, "segmentation": 0.1})
    spy = Spy(generator)
    batch = batch_of(squares(n=32), range(32))
    with torch.no_grad():
        for seed in range(8):
            generator.loss(batch, rng(seed))
    no_text = torch.cat([c["text_mask"].sum(1) == 1 for c in spy.calls])
    no_depth = ~torch.cat([c["control_mask"]["depth"] for c in spy.calls])
    assert abs(no_text.float().mean().item() - 0.25) < 0.08 and abs(no_depth.float().mean().item() - 0.5) < 0.1
    # independent draws: both dropped at the product of the rates (one shared draw would give 0.25)
    assert abs((no_text & no_depth).float().mean().item() - 0.25 * 0.5) < 0.06
    assert all(c["control_mask"]["flow"].all() for c in spy.calls)


def test_branches_the_model_lacks_are_ignored():
    generator = tiny_generator(controls=("depth",))
    spy = Spy(generator)
    generator.loss(batch_of(squares(), [0, 1]), rng())
    assert set(spy.calls[0]["controls"]) == {"depth"}


def test_sample_is_a_seeded_video_in_range():
    generator = trained_like(tiny_generator())
    data = squares()
    batch = batch_of(data, [0, 1])
    kwargs = dict(num_frames=4, height=16, width=16, steps=3)
    video = generator.sample(batch["caption"], batch["controls"], generator=rng(1), **kwargs)
    assert video.shape == (2, 3, 4, 16, 16) and video.min() >= -1 and video.max() <= 1
    assert torch.equal(video, generator.sample(batch["caption"], batch["controls"], generator=rng(1), **kwargs))
    assert not torch.equal(video, generator.sample(batch["caption"], batch["controls"], generator=rng(2), **kwargs))
    assert not torch.equal(video, generator.sample(batch["caption"], None, generator=rng(1), **kwargs))
    scaled = generator.sample(batch["caption"], batch["controls"], generator=rng(1), control_scales={"depth": 0,
                              "flow": 0, "segmentation": 0}, **kwargs)
    assert torch.equal(scaled, generator.sample(batch["caption"], None, generator=rng(1), **kwargs))


@pytest.mark.parametrize("guidance, calls_per_step, uses", [
    (Guidance(text=1.0, controls=1.0), 1, [(True, True)]),
    (Guidance(text=3.0, controls=0.0), 2, [(False, False), (True, False)]),
    (Guidance(text=3.0, controls=2.0), 3, [(False, False), (True, False), (True, True)]),
])
def test_guidance_batches_the_model_with_and_without_text_and_controls(guidance, calls_per_step, uses):
    generator = trained_like(tiny_generator())
    spy = Spy(generator)
    batch = batch_of(squares(), [0, 1])
    guided = generator.sample(batch["caption"], batch["controls"], num_frames=4, height=16, width=16, steps=2,
                              method="euler", guidance=guidance)
    assert len(spy.calls) == 2  # one batched forward per step, whatever the guidance
    call = spy.calls[0]
    with_text = (call["text_mask"].sum(1) > 1).tolist()  # [conditions * B]
    with_controls = ([False] * len(with_text) if call["controls"] is None
                     else call["control_mask"]["depth"].tolist())
    assert list(zip(with_text, with_controls))[::2] == uses and len(with_text) == 2 * calls_per_step
    # the same video as one model call per condition
    captions, controls = batch["caption"], batch["controls"]

    def one_call_each(x, t, conditions):
        velocities = []
        for use_text, use_controls in conditions:
            text = generator.encode_text(captions if use_text else [""] * len(captions))
            given = controls if use_controls else None
            velocities.append(generator.dit_velocity(x, t, text.tokens, text.mask, text.pooled, given))
        return velocities

    separately = sample_flow(one_call_each, tuple(guided.shape), 2, torch.Generator().manual_seed(0), "euler",
                             guidance).clamp(-1, 1)
    assert torch.allclose(guided, separately, atol=1e-5)


def test_generator_parameters_include_the_text_encoder():
    generator = tiny_generator()
    names = [name for name, _ in generator.named_parameters()]
    assert any(name.startswith("text_encoder.") for name in names) and any(name.startswith("dit.") for name in names)
    assert generator.num_parameters() == generator.dit.num_parameters() + sum(
        p.numel() for p in generator.text_encoder.parameters())
    assert preset("tiny", control_branches=BRANCHES) == generator.config.dit


def test_data_prediction_is_turned_into_the_flow_velocity():
    generator = tiny_generator(prediction="data")
    x0, noise = torch.randn(2, 3, 4, 16, 16), torch.randn(2, 3, 4, 16, 16)
    t = torch.tensor([0.3, 0.8])
    x_t = (1 - t.view(-1, 1, 1, 1, 1)) * x0 + t.view(-1, 1, 1, 1, 1) * noise
    generator.dit.forward = lambda x, time, *args, **kwargs: x0  # a perfect clean-video predictor
    assert torch.allclose(generator.velocity(x_t, t, ["a", "b"]), noise - x0, atol=1e-5)
    with pytest.raises(DiTError, match="prediction: Input should be .velocity. or .data."):
        tiny_config(prediction="noise")
