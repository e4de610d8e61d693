"""Rectified flow: the training objective, Euler and Heun samplers, classifier-free guidance.

Time convention (pinned by tests/dit/test_flow_matching.py; SD3's, the reverse of nano_flow's):

    x_t = (1 - t) * x_0 + t * noise        t = 0 is data, t = 1 is pure Gaussian noise
    v   = dx_t / dt = noise - x_0          what the model predicts
    sampling integrates dx/dt = v from t = 1 (noise) down to t = 0 (data)

Random draws come from an explicit `torch.Generator` on its own device and are then moved to the data's device,
so a seed gives the same noise and times on a CPU and on a GPU.
"""

from collections.abc import Callable
from dataclasses import dataclass
from numbers import Real

import torch
import torch.nn.functional as F
from torch import Tensor

from dit.errors import DiTError

Velocity = Callable[[Tensor, Tensor], Tensor]  # (x [B, ...], t [B]) -> v [B, ...]
Condition = tuple[bool, bool]  # (use_text, use_controls)
# (x, t, conditions) -> one velocity per condition, all computed in one batched model call
GuidedVelocity = Callable[[Tensor, Tensor, list[Condition]], list[Tensor]]
MAX_GUIDANCE = 20.0  # scales in use run from 1 to about 15; far beyond, every step overshoots into saturated frames


def interpolate(x0: Tensor, noise: Tensor, t: Tensor) -> Tensor:
    """x_t = (1 - t) x_0 + t noise, with t [B] broadcast over the other dimensions of x0 [B, ...]."""
    t = t.reshape(-1, *([1] * (x0.dim() - 1))).to(x0)
    return (1 - t) * x0 + t * noise


def target_velocity(x0: Tensor, noise: Tensor) -> Tensor:
    """dx_t/dt along the straight path from x0 (t = 0) to noise (t = 1)."""
    return noise - x0


def draw_noise(shape: tuple[int, ...], generator: torch.Generator, device: torch.device | str | None = None,
               dtype: torch.dtype = torch.float32) -> Tensor:
    """Standard normal noise drawn on the generator's device, then moved to `device` and `dtype`."""
    return torch.randn(shape, generator=generator, device=generator.device).to(device=device, dtype=dtype)


def sample_times(batch: int, generator: torch.Generator, mean: float = 0.0, std: float = 1.0) -> Tensor:
    """Logit-normal times in (0, 1): sigmoid(N(mean, std^2)) [batch]; mean 0 puts the median at t = 0.5.

    SD3 found this beats uniform times: it trains the middle of the path, where the velocity is hardest to
    predict, more than the ends. On the generator's device.
    """
    return torch.sigmoid(mean + std * torch.randn(batch, generator=generator, device=generator.device))


def flow_matching_loss(model_fn: Callable[..., Tensor], x0: Tensor, generator: torch.Generator,
                       time_mean: float = 0.0, time_std: float = 1.0, **conditioning) -> Tensor:
    """Mean squared error between model_fn(x_t, t, **conditioning) and noise - x0, for x0 [B, ...] data.

    Noise and logit-normal times are drawn from `generator`; the loss is computed in float32.
    """
    noise = draw_noise(tuple(x0.shape), generator, x0.device, x0.dtype)
    t = sample_times(x0.shape[0], generator, time_mean, time_std).to(x0.device)
    predicted = model_fn(interpolate(x0, noise, t), t, **conditioning)
    return F.mse_loss(predicted.float(), target_velocity(x0, noise).float())


@dataclass(frozen=True)
class Guidance:
    """Classifier-free guidance scales for text and for controls, applied separately:

        v = v_uncond + text * (v_text - v_uncond) + controls * (v_text_controls - v_text)
          = (1 - text) * v_uncond + (text - controls) * v_text + controls * v_text_controls

    v_uncond: neither text nor controls; v_text: text only; v_text_controls: both (the fully conditioned
    velocity). A condition whose weight in the second line is zero is not computed: with both scales 1 the
    result is v_text_controls alone; controls = 0 is plain text guidance, text = controls is joint guidance,
    two conditions each. The conditions needed are computed together, as one batch. A scale of 0 removes that
    condition; above 1 pushes further toward it, up to MAX_GUIDANCE. A NaN or infinite scale would make NaN
    frames (black once stored), so scales are checked.
    """

    text: float = 1.0
    controls: float = 1.0

    def __post_init__(self) -> None:
        for field, name in (("text", "text"), ("controls", "control")):
            value = getattr(self, field)
            if isinstance(value, bool) or not isinstance(value, Real) or not 0 <= value <= MAX_GUIDANCE:
                given = f"{value:g}" if isinstance(value, float) else repr(value)  # -1, not -1.0; 1e+09
                raise DiTError(f"{name} guidance must be a number from 0 to {MAX_GUIDANCE:g}, got {given}")


def guided_velocity(velocity_fn: GuidedVelocity, x: Tensor, t: Tensor, guidance: Guidance) -> Tensor:
    """The guided velocity of `Guidance` from one call for every condition with a nonzero weight (the weights
    sum to 1, so there is at least one)."""
    weights = {(False, False): 1 - guidance.text, (True, False): guidance.text - guidance.controls,
               (True, True): guidance.controls}  # (use_text, use_controls) -> weight
    needed = [condition for condition, weight in weights.items() if weight != 0]
    return sum(weights[condition] * v for condition, v in zip(needed, velocity_fn(x, t, needed)))


@torch.no_grad()
def integrate(velocity: Velocity, noise: Tensor, steps: int, method: str = "euler",
              known: Tensor | None = None, on_step: Callable[[int, int], None] | None = None) -> Tensor:
    """Integrate dx/dt = velocity(x, t) from t = 1 (x = noise [B, ...]) to t = 0 in `steps` equal steps.

    "euler": one velocity call per step, error O(1/steps). "heun": Euler predictor plus a trapezoidal
    corrector, two calls per step, error O(1/steps^2). Heun's last step (to t = 0) is a plain Euler step, as
    in EDM: training never samples t = 0 (logit-normal times lie strictly inside (0, 1)), and the exact
    velocity of a finite data set, (x - x_0) / t, is singular there.

    `known` [B, C, K, ...] fixes the first K frames (dim 2) of the result: after every step they are set to
    their exact point on the straight path, (1 - t) known + t noise (replacement inpainting, as in video
    diffusion's frame extension), so the free frames are integrated to agree with them. `on_step(done, steps)`
    is called before each step (a progress bar; an exception it raises, a cancel, stops the integration).
    """
    if method not in ("euler", "heun"):
        raise DiTError(f"unknown sampler method {method!r}; use 'euler' or 'heun'")
    if steps < 1:
        raise DiTError(f"steps must be at least 1, got {steps}")
    times = torch.linspace(1.0, 0.0, steps + 1, dtype=torch.float64).tolist()

    def pin(x: Tensor, t: float) -> Tensor:
        if known is None:
            return x
        fixed = known.shape[2]
        return torch.cat([(1 - t) * known + t * noise[:, :, :fixed], x[:, :, fixed:]], dim=2)

    x = noise
    batch = noise.shape[0]
    for step, (t, t_next) in enumerate(zip(times[:-1], times[1:])):
        if on_step is not None:
            on_step(step, steps)
        t_batch = torch.full((batch,), t, device=x.device, dtype=x.dtype)
        v = velocity(x, t_batch)
        x_next = pin(x + (t_next - t) * v, t_next)
        if method == "heun" and t_next > 0:
            v_next = velocity(x_next, torch.full_like(t_batch, t_next))
            x_next = pin(x + (t_next - t) * (v + v_next) / 2, t_next)
        x = x_next
    return x


@torch.no_grad()
def sample(velocity_fn: GuidedVelocity, shape: tuple[int, ...], steps: int, generator: torch.Generator,
           method: str = "euler", guidance: Guidance = Guidance(), device: torch.device | str | None = None,
           dtype: torch.dtype = torch.float32, known: Tensor | None = None,
           on_step: Callable[[int, int], None] | None = None) -> Tensor:
    """Draw noise of `shape` [B, ...] from `generator` and integrate the guided velocity to data (t = 0).

    `velocity_fn(x, t, conditions)` runs the model, with or without its text and its controls, once per
    (use_text, use_controls) condition; "without" must mean what training's dropout meant (see `Guidance` for
    how the conditions combine). `known` fixes the first frames (see `integrate`).
    """
    noise = draw_noise(shape, generator, device, dtype)
    if known is not None:
        known = known.to(device=noise.device, dtype=noise.dtype)
        if known.shape[:2] != noise.shape[:2] or known.shape[3:] != noise.shape[3:] or known.shape[2] > shape[2]:
            raise DiTError(f"known frames {list(known.shape)} do not fit a video of shape {list(shape)}")
    return integrate(lambda x, t: guided_velocity(velocity_fn, x, t, guidance), noise, steps, method, known,
                     on_step)
