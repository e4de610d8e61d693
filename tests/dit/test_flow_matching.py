"""Rectified flow: the pinned time convention, samplers against exact flows, guidance, seeding."""

import math

import pytest
import torch

from dit.errors import DiTError
from dit.flow_matching import (Guidance, flow_matching_loss, guided_velocity, integrate, interpolate, sample,
                               sample_times, target_velocity)


def generator(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def test_time_convention_t0_is_data_t1_is_noise_and_the_target_is_noise_minus_data():
    x0, noise = torch.randn(3, 2, 4, 5, 5), torch.randn(3, 2, 4, 5, 5)
    assert torch.equal(interpolate(x0, noise, torch.zeros(3)), x0)
    assert torch.equal(interpolate(x0, noise, torch.ones(3)), noise)
    t = torch.tensor([0.25, 0.5, 0.9])
    assert torch.allclose(interpolate(x0, noise, t)[1], 0.5 * x0[1] + 0.5 * noise[1])
    assert torch.equal(target_velocity(x0, noise), noise - x0)
    # the target is the time derivative of the path
    step = 1e-3
    derivative = (interpolate(x0, noise, t + step) - interpolate(x0, noise, t - step)) / (2 * step)
    assert torch.allclose(derivative, noise - x0, atol=1e-3)


def test_the_loss_is_zero_for_the_true_velocity_and_positive_otherwise():
    x0 = torch.randn(4, 3, 2, 4, 4)
    seen = {}

    def oracle(x_t, t, scale):
        # recover the noise from x_t, knowing x0: noise = (x_t - (1 - t) x0) / t
        tt = t.reshape(-1, 1, 1, 1, 1)
        seen["t"], seen["scale"] = t, scale
        return (x_t - (1 - tt) * x0) / tt - x0

    assert flow_matching_loss(oracle, x0, generator(0), scale=2.0).item() < 1e-8
    assert seen["scale"] == 2.0 and seen["t"].shape == (4,)
    assert flow_matching_loss(lambda x_t, t: torch.zeros_like(x_t), x0, generator(0)).item() > 0.5
    first, again = (flow_matching_loss(lambda x_t, t: x_t, x0, generator(7)) for _ in range(2))
    assert torch.equal(first, again)


def test_logit_normal_times_lie_in_the_open_interval_with_median_one_half():
    t = sample_times(100_000, generator(0))
    assert t.shape == (100_000,) and t.min() > 0 and t.max() < 1
    assert abs(t.median().item() - 0.5) < 0.01
    shifted = sample_times(100_000, generator(0), mean=1.0)
    assert abs(shifted.median().item() - 1 / (1 + math.exp(-1.0))) < 0.01
    assert torch.equal(sample_times(8, generator(3)), sample_times(8, generator(3)))


def single_point_velocity(x0):
    """The exact velocity when the data set is the one point x0: x_t = (1 - t) x0 + t n gives v = (x - x0) / t."""
    return lambda x, t: (x - x0) / t.reshape(-1, 1)


def gaussian_velocity(mean: float, std: float):
    """The exact velocity for data N(mean, std^2): the flow moves x_t = (1 - t) mean + s(t) z, with
    s(t)^2 = (1 - t)^2 std^2 + t^2, so v = -mean + s'(t) / s(t) (x - (1 - t) mean); it ends at mean + std z."""
    def velocity(x, t):
        t = t.reshape(-1, 1)
        s2 = (1 - t) ** 2 * std**2 + t**2
        return -mean + (t - (1 - t) * std**2) / s2 * (x - (1 - t) * mean)
    return velocity


@pytest.mark.parametrize("method", ["euler", "heun"])
@pytest.mark.parametrize("steps", [1, 3, 1000])
def test_sampling_a_single_point_lands_on_it_from_any_noise(method, steps):
    x0 = torch.tensor([[0.3, -1.2, 2.0]], dtype=torch.float64)
    noise = torch.randn(5, 3, generator=generator(1), dtype=torch.float64)
    result = integrate(single_point_velocity(x0), noise, steps, method)
    assert torch.allclose(result, x0.expand(5, 3), atol=1e-9)


def test_euler_converges_on_a_curved_flow_and_heun_converges_faster():
    mean, std = 1.5, 0.5
    noise = torch.randn(64, 1, generator=generator(2), dtype=torch.float64)
    exact = mean + std * noise
    velocity = gaussian_velocity(mean, std)

    def error(steps, method):
        return (integrate(velocity, noise, steps, method) - exact).abs().mean().item()

    euler = [error(n, "euler") for n in (10, 100, 1000)]
    assert euler[0] > euler[1] > euler[2] and euler[2] < 1e-3
    assert euler[1] / euler[2] == pytest.approx(10, rel=0.3)  # first order
    heun = [error(n, "heun") for n in (10, 20, 40)]
    assert heun[0] < euler[0] / 5
    assert heun[1] / heun[2] > 3  # about second order
    assert error(100, "heun") < 1e-3


def test_unknown_method_and_zero_steps_are_refused():
    with pytest.raises(DiTError, match="heun"):
        integrate(lambda x, t: x, torch.zeros(1, 1), 4, "rk4")
    with pytest.raises(DiTError, match="steps"):
        integrate(lambda x, t: x, torch.zeros(1, 1), 0)


class Recorder:
    """A velocity function that returns a different constant per condition and records its calls."""

    values = {(False, False): 1.0, (True, False): 3.0, (True, True): 10.0}

    def __init__(self):
        self.calls = []

    def __call__(self, x, t, conditions):
        self.calls.append(list(conditions))
        return [torch.full_like(x, self.values[condition]) for condition in conditions]


def test_guidance_one_is_the_fully_conditioned_velocity_in_one_call():
    recorder = Recorder()
    v = guided_velocity(recorder, torch.zeros(2, 3), torch.full((2,), 0.5), Guidance(text=1.0, controls=1.0))
    assert torch.equal(v, torch.full((2, 3), 10.0))
    assert recorder.calls == [[(True, True)]]


@pytest.mark.parametrize("text, controls, calls", [
    (1.0, 2.0, 2), (4.0, 1.0, 3), (3.0, 3.0, 2), (5.0, 0.0, 2), (2.5, 1.5, 3)])
def test_guidance_combines_text_and_controls_separately(text, controls, calls):
    recorder = Recorder()
    v = guided_velocity(recorder, torch.zeros(1, 1), torch.full((1,), 0.5), Guidance(text, controls))
    v_uncond, v_text, v_both = 1.0, 3.0, 10.0
    expected = v_uncond + text * (v_text - v_uncond) + controls * (v_both - v_text)
    assert v.item() == pytest.approx(expected)
    assert len(recorder.calls) == 1 and len(recorder.calls[0]) == calls  # every condition in one call


@pytest.mark.parametrize("field, name", [("text", "text"), ("controls", "control")])
@pytest.mark.parametrize("scale", [math.nan, math.inf, -math.inf, -0.5, 20.5, True, "2"])
def test_guidance_scales_must_be_finite_numbers_in_range(field, name, scale):
    with pytest.raises(DiTError, match=f"^{name} guidance must be a number from 0 to 20, got"):
        Guidance(**{field: scale})


@pytest.mark.parametrize("scales, message", [
    ({"controls": 1e9}, "control guidance must be a number from 0 to 20, got 1e+09"),
    ({"text": -1.0}, "text guidance must be a number from 0 to 20, got -1"),
    ({"text": 25}, "text guidance must be a number from 0 to 20, got 25"),
    ({"text": True}, "text guidance must be a number from 0 to 20, got True"),
    ({"controls": "2"}, "control guidance must be a number from 0 to 20, got '2'"),
])
def test_a_guidance_error_shows_the_scale_as_given(scales, message):
    with pytest.raises(DiTError) as error:
        Guidance(**scales)
    assert str(error.value) == message


def test_guidance_accepts_the_ends_of_its_range():
    assert Guidance(text=0, controls=20.0) == Guidance(text=0.0, controls=20)


def test_seeded_sampling_is_deterministic_and_the_seed_matters():
    def velocity_fn(x, t, conditions):
        return [torch.sin(x) * t.reshape(-1, 1, 1) + (0.5 if use_controls else 0.0) for _, use_controls in conditions]

    def run(seed, method):
        return sample(velocity_fn, (2, 3, 4), 8, generator(seed), method, Guidance(text=2.0, controls=1.5))

    for method in ("euler", "heun"):
        first, again, other = run(0, method), run(0, method), run(1, method)
        assert first.shape == (2, 3, 4) and first.dtype == torch.float32
        assert torch.equal(first, again) and not torch.equal(first, other)


def test_sample_starts_from_the_generators_noise_and_calls_the_model_at_decreasing_times():
    times = []

    def velocity_fn(x, t, conditions):
        times.append(t[0].item())
        return [torch.zeros_like(x)]

    result = sample(velocity_fn, (3, 4), 4, generator(5), "heun")
    assert torch.equal(result, torch.randn(3, 4, generator=generator(5)))  # a zero field leaves the noise
    assert times == pytest.approx([1.0, 0.75, 0.75, 0.5, 0.5, 0.25, 0.25])  # heun; the last step is Euler


def test_known_frames_are_kept_and_the_rest_integrated():
    known = torch.full((1, 3, 2, 4, 4), 0.5)

    def velocity(x, t, conditions):  # the exact velocity toward a video of zeros
        return [x / t.view(-1, 1, 1, 1, 1).clamp_min(1e-3)]

    video = sample(velocity, (1, 3, 6, 4, 4), steps=8, generator=torch.Generator().manual_seed(0), known=known)
    assert torch.allclose(video[:, :, :2], known)
    assert video[:, :, 2:].abs().max() < 1e-3
    with pytest.raises(DiTError, match="do not fit"):
        sample(velocity, (1, 3, 6, 4, 4), steps=2, generator=torch.Generator(), known=torch.zeros(1, 3, 2, 4, 5))


def test_on_step_is_called_before_every_step_and_can_stop_the_integration():
    calls = []
    integrate(lambda x, t: x, torch.ones(1, 2), steps=4, method="heun", on_step=lambda done, total: calls.append(
        (done, total)))
    assert calls == [(0, 4), (1, 4), (2, 4), (3, 4)]

    class Stop(Exception):
        pass

    def stop_at_two(done, total):
        if done == 2:
            raise Stop()
        calls.append(done)
    velocity_calls = []
    with pytest.raises(Stop):
        integrate(lambda x, t: velocity_calls.append(t) or x, torch.ones(1, 2), steps=4, on_step=stop_at_two)
    assert len(velocity_calls) == 2  # the third step never ran
