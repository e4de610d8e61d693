"""VideoDiT and its control branches on the tiny preset (CPU, a few seconds in all)."""

import json

import pytest
import torch

from dit.config import PRESETS, DiTConfig, preset
from dit.embeddings import sincos_position_3d
from dit.errors import DiTError
from dit.model import VideoDiT

TEXT_LEN = 6


def make_inputs(config: DiTConfig, batch: int = 2, frames: int = 8, height: int = 32, width: int = 32,
                seed: int = 0) -> dict:
    g = torch.Generator().manual_seed(seed)
    text_mask = torch.ones(batch, TEXT_LEN, dtype=torch.bool)
    text_mask[:, 4:] = False  # the last two tokens are padding
    return dict(x=torch.randn(batch, config.in_channels, frames, height, width, generator=g),
                t=torch.rand(batch, generator=g),
                text=torch.randn(batch, TEXT_LEN, config.text_dim, generator=g),
                text_mask=text_mask,
                pooled_text=torch.randn(batch, config.text_dim, generator=g))


def make_controls(batch: int = 2, frames: int = 8, height: int = 32, width: int = 32, seed: int = 1) -> dict:
    g = torch.Generator().manual_seed(seed)
    return {"depth": torch.rand(batch, 1, frames, height, width, generator=g),
            "flow": torch.randn(batch, 3, frames, height, width, generator=g),
            "segmentation": torch.randint(0, 6, (batch, 1, frames, height, width), generator=g)}


def pretrained_like(config: DiTConfig, seed: int = 0) -> VideoDiT:
    """A model whose base weights are all non-trivial (as after training) and whose branches are fresh."""
    torch.manual_seed(seed)
    model = VideoDiT(config)
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.add_(0.05 * torch.randn_like(parameter))
    model.init_control_from_base()
    return model


def with_active_branches(model: VideoDiT) -> VideoDiT:
    """Give the zero projections weights so every branch changes the output."""
    with torch.no_grad():
        for branch in model.control.values():
            for projection in branch.zero_projections:
                projection.weight.normal_(std=0.05)
    return model


@pytest.fixture
def tiny() -> DiTConfig:
    return preset("tiny")


def test_one_model_many_shapes(tiny):
    model = pretrained_like(tiny)
    for frames, height, width in [(8, 32, 32), (4, 32, 48), (1, 16, 16), (12, 24, 40)]:
        inputs = make_inputs(tiny, frames=frames, height=height, width=width)
        controls = make_controls(frames=frames, height=height, width=width)
        out = model(**inputs, controls=controls)
        assert out.shape == (2, 3, frames, height, width)
        assert torch.isfinite(out).all()
    temporal = pretrained_like(preset("tiny", patch_size=(2, 4, 4)))
    assert temporal(**make_inputs(tiny, frames=4, height=16, width=24)).shape == (2, 3, 4, 16, 24)


def test_positions_are_a_function_of_the_grid_index():
    small = sincos_position_3d(2, 3, 4, 64).reshape(2, 3, 4, 64)
    large = sincos_position_3d(5, 6, 7, 64).reshape(5, 6, 7, 64)
    assert torch.equal(small, large[:2, :3, :4])
    assert len(torch.unique(large.reshape(-1, 64), dim=0)) == 5 * 6 * 7


def test_branches_copy_the_base_blocks(tiny):
    model = pretrained_like(tiny)
    for branch in model.control.values():
        for block, base_block in zip(branch.blocks, model.blocks):
            for (name, mine), (_, base) in zip(block.state_dict().items(), base_block.state_dict().items()):
                assert torch.equal(mine, base), name


@pytest.mark.parametrize("make_model", [VideoDiT, pretrained_like], ids=["fresh", "pretrained-base"])
def test_output_does_not_depend_on_controls_at_init(tiny, make_model):
    torch.manual_seed(0)
    model = make_model(tiny)
    inputs = make_inputs(tiny)
    without = model(**inputs)
    assert torch.equal(model(**inputs, controls=make_controls(seed=1)), without)
    assert torch.equal(model(**inputs, controls=make_controls(seed=2)), without)


def test_training_makes_the_output_depend_on_controls(tiny):
    torch.manual_seed(0)
    model = VideoDiT(tiny)
    inputs = make_inputs(tiny)
    controls = make_controls()
    target = controls["depth"].expand(-1, 3, -1, -1, -1) * 2 - 1  # only the depth branch sees this
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-3)
    for _ in range(5):
        loss = torch.nn.functional.mse_loss(model(**inputs, controls=controls), target)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    with torch.no_grad():
        with_controls = model(**inputs, controls=controls)
        other_controls = model(**inputs, controls=make_controls(seed=5))
        without = model(**inputs)
    assert (with_controls - without).abs().max() > 1e-4
    assert (with_controls - other_controls).abs().max() > 1e-4


def test_a_latent_model_reads_control_maps_at_full_resolution():
    """control_scale 4: a 16-channel 8x8 latent video steered by 32x32 maps, each branch patch 4x wider."""
    config = preset("tiny", in_channels=16, control_scale=4)
    model = with_active_branches(pretrained_like(config))
    inputs = make_inputs(config, frames=4, height=8, width=8)
    controls = make_controls(frames=4, height=32, width=32)
    assert model.control["depth"].embedder.proj.kernel_size == (1, 16, 16)
    with torch.no_grad():
        steered, without = model(**inputs, controls=controls), model(**inputs)
    assert steered.shape == inputs["x"].shape and not torch.allclose(steered, without)
    # a single full-resolution pixel reaches the output
    moved = {**controls, "depth": controls["depth"].clone()}
    moved["depth"][:, :, 0, 0, 0] += 1.0
    with torch.no_grad():
        change = (model(**inputs, controls=moved) - steered).abs()
    assert change.max() > 0
    with pytest.raises(DiTError, match=r"controls\['depth'\] must have shape \[2, 1, 4, 32, 32\]"):
        model(**inputs, controls={"depth": controls["depth"][..., :8, :8]})


def test_switched_off_branch_equals_no_control(tiny):
    model = with_active_branches(pretrained_like(tiny))
    inputs = make_inputs(tiny)
    controls = make_controls()
    only_flow = {"flow": controls["flow"]}
    reference = model(**inputs, controls=only_flow)
    off = torch.tensor([False, False])
    assert torch.equal(model(**inputs, controls=controls, control_scales={"depth": 0, "segmentation": 0.0}),
                       reference)
    assert torch.equal(model(**inputs, controls=controls, control_mask={"depth": off, "segmentation": off}),
                       reference)
    assert not torch.allclose(model(**inputs, controls=controls), reference)
    assert torch.equal(model(**inputs, controls=controls, control_scales={name: 0 for name in controls}),
                       model(**inputs))


def test_control_mask_is_per_sample_and_scale_scales(tiny):
    model = with_active_branches(pretrained_like(tiny))
    inputs = make_inputs(tiny)
    controls = make_controls()
    without = model(**inputs)
    full = model(**inputs, controls=controls)
    mask = torch.tensor([True, False])
    mixed = model(**inputs, controls=controls, control_mask={name: mask for name in controls})
    assert torch.equal(mixed[0], full[0])
    assert torch.equal(mixed[1], without[1])
    doubled = model(**inputs, controls=controls, control_scales={"depth": 2.0})
    assert not torch.allclose(doubled, full)


def test_freeze_base_trains_only_the_branches(tiny):
    model = with_active_branches(pretrained_like(tiny))
    model.freeze_base()
    branch_parameters = sum(p.numel() for name, p in model.named_parameters() if name.startswith("control."))
    assert model.num_parameters(trainable_only=True) == branch_parameters
    before = {name: p.detach().clone() for name, p in model.named_parameters()}
    optimiser = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=1e-3)
    loss = model(**make_inputs(tiny), controls=make_controls()).square().mean()
    loss.backward()
    optimiser.step()
    for name, parameter in model.named_parameters():
        if name.startswith("control."):
            continue
        assert torch.equal(parameter, before[name]), name
    for name in ["control.depth.zero_projections.0.weight", "control.segmentation.embedder.ids.weight",
                 "control.flow.blocks.0.mlp.fc1.weight"]:
        assert not torch.equal(dict(model.named_parameters())[name], before[name]), name


def test_full_and_factorised_attention_both_mix_space_and_time(tiny):
    outputs = {}
    for attention in ["full", "factorised"]:
        model = pretrained_like(preset("tiny", attention=attention))
        inputs = make_inputs(tiny)
        out = model(**inputs)
        inputs["x"][:, :, 0, :4, :4] += 1.0  # one patch of the first frame
        changed = model(**inputs)
        assert (changed - out)[:, :, -1, -4:, -4:].abs().max() > 1e-5  # reaches the far corner of the last frame
        outputs[attention] = out
    assert not torch.allclose(outputs["full"], outputs["factorised"])


def test_padded_text_tokens_do_not_matter(tiny):
    model = pretrained_like(tiny)
    inputs = make_inputs(tiny)
    out = model(**inputs)
    inputs["text"][:, 4:] = torch.randn(2, TEXT_LEN - 4, tiny.text_dim) * 100
    assert torch.allclose(model(**inputs), out, rtol=0, atol=1e-6)
    inputs["text"][:, 0] += 1.0
    assert not torch.allclose(model(**inputs), out)


def test_a_caption_with_no_real_token_gives_a_finite_output(tiny):
    model = pretrained_like(tiny)
    inputs = make_inputs(tiny)
    inputs["text_mask"][1] = False
    assert torch.isfinite(model(**inputs)).all()


def test_segmentation_ids_above_max_instances_share_the_last_embedding(tiny):
    model = with_active_branches(pretrained_like(tiny))
    inputs = make_inputs(tiny)
    ids = make_controls()["segmentation"]

    def run(segmentation: torch.Tensor) -> torch.Tensor:
        return model(**inputs, controls={"segmentation": segmentation})

    capped = ids.clone()
    capped[ids == 5] = tiny.max_instances
    overflowing = ids.clone()
    overflowing[ids == 5] = tiny.max_instances + 1000
    assert torch.equal(run(overflowing), run(capped))
    assert torch.equal(run(ids.float()), run(ids))  # float id maps (as stacked by a loader) are accepted
    assert not torch.equal(run(ids), run(capped))


def test_instance_text_describes_exactly_the_pixels_of_its_id(tiny):
    embed = pretrained_like(tiny).control["segmentation"].embedder
    ids = torch.zeros(1, 1, 1, 4, 4, dtype=torch.long)  # [B, 1, T, H, W]: one patch
    ids[0, 0, 0, :2, :2] = torch.tensor([[0, 1], [2, 7]])
    described = torch.randn(1, 3, tiny.text_dim)  # phrases for ids 0, 1, 2; id 7 has none
    captured = {}
    embed.patch_embed.register_forward_hook(lambda module, args, out: captured.update(maps=args[0]))
    embed(ids, described)
    maps = captured["maps"][0, :, 0]  # [E, H, W] of the first frame
    projected = embed.instance_text(described[0])  # [3, E]
    for row, col, id_ in [(0, 0, 0), (0, 1, 1), (1, 0, 2)]:
        assert torch.allclose(maps[:, row, col], embed.ids.weight[id_] + projected[id_], atol=1e-6)
    assert torch.equal(maps[:, 1, 1], embed.ids.weight[7])  # an id without a phrase gets its id embedding only


def test_instance_text_and_light_change_the_output(tiny):
    model = with_active_branches(pretrained_like(tiny))
    inputs = make_inputs(tiny)
    controls = {"segmentation": make_controls()["segmentation"]}
    phrases = torch.randn(2, 6, tiny.text_dim)
    light = torch.tensor([[0.1, 0.2, -0.6, 0.6], [0.3, 0.1, -0.9, 0.9]])
    base = model(**inputs, controls=controls, instance_text=phrases, light=light)
    other_phrases = phrases.clone()
    other_phrases[1, 3] += 1.0  # sample 1's id 3 described otherwise: only sample 1 changes
    changed = model(**inputs, controls=controls, instance_text=other_phrases, light=light)
    assert torch.equal(changed[0], base[0]) and not torch.allclose(changed[1], base[1])
    assert not torch.allclose(model(**inputs, controls=controls, instance_text=phrases, light=light.flip(0)), base)
    # without the segmentation branch, phrases have nothing to describe
    assert torch.equal(model(**inputs, instance_text=phrases, light=light), model(**inputs, light=light))
    with pytest.raises(DiTError, match="light must have shape"):
        model(**inputs, light=torch.zeros(2, 3))
    with pytest.raises(DiTError, match="instance_text must be"):
        model(**inputs, controls=controls, instance_text=torch.zeros(2, 4, 8))


@pytest.mark.parametrize("change, message", [
    (lambda i, c: i.update(x=torch.randn(2, 3, 8, 30, 32)), "divisible by the patch size"),
    (lambda i, c: i.update(x=torch.randn(2, 4, 8, 32, 32)), "x must be"),
    (lambda i, c: i.update(t=torch.rand(3)), "t must have shape"),
    (lambda i, c: i.update(text=torch.randn(2, TEXT_LEN, 32)), "text must be"),
    (lambda i, c: i.update(text_mask=torch.ones(2, TEXT_LEN)), "text_mask must be torch.bool"),
    (lambda i, c: c.update(normals=torch.rand(2, 3, 8, 32, 32)), "not branches of this model"),
    (lambda i, c: c.update(flow=torch.rand(2, 2, 8, 32, 32)), "controls\\['flow'\\] must have shape"),
    (lambda i, c: c.update(depth=torch.rand(2, 1, 4, 32, 32)), "controls\\['depth'\\] must have shape"),
])
def test_bad_inputs_give_clear_errors(tiny, change, message):
    model = VideoDiT(tiny)
    inputs, controls = make_inputs(tiny), make_controls()
    change(inputs, controls)
    with pytest.raises(DiTError, match=message):
        model(**inputs, controls=controls)
    with pytest.raises(DiTError, match="control_mask\\['depth'\\] must be torch.bool"):
        model(**make_inputs(tiny), controls=make_controls(), control_mask={"depth": torch.ones(2)})


def test_config_round_trips_through_json():
    config = preset("small", control_branches=("depth", "flow"), attention="full")
    again = DiTConfig.from_dict(json.loads(json.dumps(config.to_dict())))
    assert again == config
    assert isinstance(again.patch_size, tuple) and isinstance(again.control_branches, tuple)


@pytest.mark.parametrize("fields, message", [
    (dict(hidden_size=100, num_heads=4), "multiple of 16"),
    (dict(hidden_size=96, num_heads=5), "divisible by num_heads"),
    (dict(depth=2, control_depth=3), "control_depth"),
    (dict(attention="windowed"), "attention: Input should be 'full' or 'factorised'"),
    (dict(patch_size=(1, 4)), "patch_size"),
    (dict(control_branches=("normals",)), "control_channels needs"),
    (dict(control_channels={"depth": 1, "flow": 3, "segmentation": 4}), "segmentation branch"),
    (dict(patch_size=(1, 4, 4), control_scale=32), "exceeds 64 per side"),
])
def test_invalid_configs_are_refused(fields, message):
    with pytest.raises(DiTError, match=message):
        DiTConfig(**fields)


def test_config_refuses_unknown_keys_and_presets():
    with pytest.raises(DiTError, match="unknown DiTConfig keys \\['learn_sigma'\\]"):
        DiTConfig.from_dict({**DiTConfig().to_dict(), "learn_sigma": False})
    with pytest.raises(DiTError, match="unknown DiTConfig keys"):
        preset("tiny", hiden_size=32)
    with pytest.raises(DiTError, match="unknown DiT preset 'huge'"):
        preset("huge")


def test_preset_parameter_counts():
    counts = {}
    for name in PRESETS:
        with torch.device("meta"):  # shapes only: base and large would take seconds to initialise
            counts[name] = VideoDiT(preset(name)).num_parameters()
    assert counts == {"tiny": 606_416, "small": 4_004_864, "base": 465_277_776, "large": 1_645_291_600}
    # the shipped small model is stored as fp16 safetensors under 16 MiB, leaving room for the text encoder
    assert counts["small"] * 2 < 13 * 2**20
    assert preset("small") == DiTConfig()
