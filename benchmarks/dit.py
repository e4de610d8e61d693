"""Benchmark the video generator: parameters, tokens, training step, sampling time, peak memory, FLOPs.

    python benchmarks/dit.py                      # tiny and small at 16x64x64 and 16x128x128, all cores
    python benchmarks/dit.py --all --threads 8    # base and large too (slow on a CPU)
    python benchmarks/dit.py --sizes 8x32x32 --presets tiny --measure-sampling

Each (preset, size) runs in a fresh child process, so its peak memory is its own: on a CPU the peak resident
set (getrusage ru_maxrss) minus the resident set before the model was built; on CUDA
torch.cuda.max_memory_allocated. The training step is what `dit.train` does per step (forward with all three
control branches present and no dropout, the worst case; backward; gradient clipping; AdamW; EMA update), at
batch 2, in float32 on a CPU and under the autocast dtype `dit.train` picks on CUDA.

Sampling time per clip is one velocity evaluation (batch 1, every branch on, text and control guidance scale 1,
so one model call per evaluation) times the evaluations Heun makes, 2 * steps - 1; it is labelled
"extrapolated" unless --measure-sampling times whole runs of the sampler. Guidance with text and controls
separately (Guidance(text=s, controls=c), s != c, c != 0) makes three calls per evaluation: multiply by 3.

Model FLOPs of a training step (the MFU numerator; the text encoder, the per-sample adaLN and timestep MLPs
are left out, being tiny next to the per-token work):
    forward  = B * N * (2 * P_token + sum over attention layers of 4 * D * context)
    training = 3 * forward
where N = tokens per clip, P_token = parameters applied to every video token (patch embedders, block linears
except adaLN, final linear, branch zero projections), D = hidden size, and an attention layer's context is N
for full attention, h*w (spatial) plus t (temporal) for factorised attention, and L text tokens for
cross-attention. Counted over the base blocks and every branch's copied blocks.
"""

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402
from torch import nn  # noqa: E402

from dit.config import preset  # noqa: E402
from dit.flow_matching import Guidance  # noqa: E402
from dit.generator import GeneratorConfig, VideoGenerator  # noqa: E402
from dit.synthetic import MovingSquares  # noqa: E402
from dit.train import TrainConfig, autocast_dtype, make_optimizer, update_ema  # noqa: E402
from fileio import write_bytes_atomically  # noqa: E402

# dense peak TFLOP/s by device name fragment and dtype (datasheets; SXM parts); --peak-tflops overrides
PEAK_TFLOPS = {"H100": {"bfloat16": 989.0, "float16": 989.0, "float32": 67.0},
               "H200": {"bfloat16": 989.0, "float16": 989.0, "float32": 67.0},
               "A100": {"bfloat16": 312.0, "float16": 312.0, "float32": 19.5}}
BRANCHES = ("depth", "flow", "segmentation")
CAPTION = "a red square moves to the right on a black background"


def generator_config(preset_name: str) -> GeneratorConfig:
    captions = MovingSquares(1, background="random").captions()
    dit = preset(preset_name, control_branches=BRANCHES)
    heads = max(1, dit.text_dim // 64)
    return GeneratorConfig.from_captions(captions, dit, text_depth=2, text_heads=heads, max_length=64,
                                         text_dropout=0.0, control_dropout={name: 0.0 for name in BRANCHES})


def per_token_parameters(generator: VideoGenerator) -> int:
    """Parameters applied at every video token (see the module docstring)."""
    total = 0
    for name, module in generator.dit.named_modules():
        if "adaLN_modulation" in name or name.startswith(("t_embedder", "pooled_text_embedder", "text_proj")):
            continue
        if ".cross_attn.kv" in name or name.endswith("cross_attn.kv"):
            continue  # keys and values of the text tokens, not of the video tokens
        if isinstance(module, (nn.Linear, nn.Conv3d)):
            total += module.weight.numel()
    return total


def attention_context(generator: VideoGenerator, grid: tuple[int, int, int], text_tokens: int) -> int:
    """Sum over every attention layer run per token (base and branch blocks) of its context length."""
    config = generator.config.dit
    t, h, w = grid
    self_context = (h * w + t) if config.attention == "factorised" else t * h * w
    blocks = config.depth + len(config.control_branches) * config.control_depth
    return blocks * (self_context + text_tokens)


def training_flops(generator: VideoGenerator, batch: int, grid: tuple[int, int, int], text_tokens: int) -> float:
    tokens = grid[0] * grid[1] * grid[2]
    d = generator.config.dit.hidden_size
    forward = batch * tokens * (2 * per_token_parameters(generator)
                                + 4 * d * attention_context(generator, grid, text_tokens))
    return 3.0 * forward


def make_batch(batch: int, frames: int, height: int, width: int, device: torch.device) -> dict:
    g = torch.Generator().manual_seed(0)
    shape = (batch, 1, frames, height, width)
    return {"video": (torch.rand(batch, 3, frames, height, width, generator=g) * 2 - 1).to(device),
            "caption": [CAPTION] * batch,
            "controls": {"depth": torch.rand(shape, generator=g).to(device),
                         "flow": torch.rand(batch, 3, frames, height, width, generator=g).to(device),
                         "segmentation": torch.randint(0, 4, shape, generator=g).float().to(device)},
            "control_mask": {name: torch.ones(batch, dtype=torch.bool, device=device) for name in BRANCHES}}


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def max_rss_mib() -> float:
    unit = 1 if sys.platform == "darwin" else 1024  # macOS reports bytes, Linux KiB
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * unit / 2**20


def measure(preset_name: str, frames: int, height: int, width: int, batch: int, repeats: int,
            sample_steps: list[int], measure_sampling: bool, device: torch.device, peak_tflops: float | None) -> dict:
    """One (preset, size) configuration: the numbers of one row of the table."""
    rss_before = max_rss_mib()
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
    torch.manual_seed(0)
    config = generator_config(preset_name)
    generator = VideoGenerator(config).to(device)
    pt, ph, pw = config.dit.patch_size
    grid = (frames // pt, height // ph, width // pw)
    tokens = grid[0] * grid[1] * grid[2]
    text_tokens = generator.tokenizer.encode([CAPTION], 64)[0].shape[1]
    train_config = TrainConfig(lr=1e-4, mixed_precision="auto")
    amp = autocast_dtype(train_config.mixed_precision, device)
    optimizer = make_optimizer(generator, train_config, device)
    ema = {name: value.detach().clone().float() for name, value in generator.state_dict().items()}
    data = make_batch(batch, frames, height, width, device)

    def train_step(step: int) -> None:
        with torch.autocast(device.type, dtype=amp) if amp else torch.autocast(device.type, enabled=False):
            loss = generator.loss(data, torch.Generator().manual_seed(step))
        loss.backward()
        torch.nn.utils.clip_grad_norm_(generator.parameters(), 1.0)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        update_ema(ema, generator, 0.999)

    train_step(0)  # warm-up: allocator, kernels, optimizer state
    times = []
    for step in range(repeats):
        sync(device)
        start = time.perf_counter()
        train_step(step + 1)
        sync(device)
        times.append(time.perf_counter() - start)
    step_time = statistics.median(times)

    generator.eval()
    one = {"controls": {name: m[:1] for name, m in data["controls"].items()}}
    x = torch.randn(1, 3, frames, height, width, device=device)
    t = torch.full((1,), 0.5, device=device)

    def velocity() -> None:
        with torch.no_grad(), (torch.autocast(device.type, dtype=amp) if amp
                               else torch.autocast(device.type, enabled=False)):
            generator.velocity(x, t, [CAPTION], one["controls"])

    velocity()
    call_times = []
    for _ in range(max(repeats, 2)):
        sync(device)
        start = time.perf_counter()
        velocity()
        sync(device)
        call_times.append(time.perf_counter() - start)
    call_time = statistics.median(call_times)
    sampling = {str(steps): (2 * steps - 1) * call_time for steps in sample_steps}
    sampling_kind = "extrapolated: (2 * steps - 1) Heun evaluations x one measured velocity call"
    if measure_sampling:
        sampling_kind = "measured: whole Heun sampler runs, batch 1, guidance scales 1"
        for steps in sample_steps:
            sync(device)
            start = time.perf_counter()
            with torch.autocast(device.type, dtype=amp) if amp else torch.autocast(device.type, enabled=False):
                generator.sample([CAPTION], one["controls"], num_frames=frames, height=height, width=width,
                                 steps=steps, method="heun", guidance=Guidance(1.0, 1.0))
            sync(device)
            sampling[str(steps)] = time.perf_counter() - start

    flops = training_flops(generator, batch, grid, text_tokens)
    row = {
        "preset": preset_name, "size": f"{frames}x{height}x{width}", "batch": batch, "tokens": tokens,
        "text_tokens": text_tokens, "attention": config.dit.attention,
        "parameters": sum(p.numel() for p in generator.parameters()),
        "parameters_base_dit": sum(p.numel() for n, p in generator.dit.named_parameters()
                                   if not n.startswith("control.")),
        "parameters_branches": sum(p.numel() for n, p in generator.dit.named_parameters() if n.startswith("control.")),
        "parameters_text_encoder": sum(p.numel() for p in generator.text_encoder.parameters()),
        "parameters_per_token": per_token_parameters(generator),
        "train_step_s": step_time, "train_step_s_all": times, "samples_per_s": batch / step_time,
        "tokens_per_s": batch * tokens / step_time,
        "train_flops_per_step": flops, "achieved_tflops": flops / step_time / 1e12,
        "velocity_call_s": call_time, "sampling_s_per_clip": sampling, "sampling_kind": sampling_kind,
        "dtype": str(amp).replace("torch.", "") if amp else "float32",
    }
    if device.type == "cuda":
        row["peak_memory_mib"] = torch.cuda.max_memory_allocated(device) / 2**20
        row["peak_memory_kind"] = "torch.cuda.max_memory_allocated"
        peak = peak_tflops or peak_for(torch.cuda.get_device_name(device), row["dtype"])
        row["peak_tflops"] = peak
        row["mfu"] = row["achieved_tflops"] / peak if peak else None
    else:
        row["peak_memory_mib"] = max_rss_mib() - rss_before
        row["peak_memory_kind"] = "ru_maxrss growth over the process before the model was built"
        row["peak_rss_mib"] = max_rss_mib()
    return row


def peak_for(device_name: str, dtype: str) -> float | None:
    for fragment, peaks in PEAK_TFLOPS.items():
        if fragment in device_name:
            return peaks.get(dtype)
    return None


def pick_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


def table(rows: list[dict], steps: list[int]) -> str:
    head = ["preset", "size", "params", "tokens", "step s", "clips/s", "peak MiB", "TFLOP/s"]
    head += [f"sample {s} s" for s in steps]
    if any("mfu" in r for r in rows):
        head += ["tokens/s", "MFU"]
    lines = [" | ".join(head), " | ".join("---" for _ in head)]
    for r in rows:
        if "error" in r:
            lines.append(" | ".join([r["preset"], r["size"], r["error"]] + [""] * (len(head) - 3)))
            continue
        cells = [r["preset"], r["size"], f"{r['parameters'] / 1e6:.2f}M", str(r["tokens"]),
                 f"{r['train_step_s']:.3f}", f"{r['samples_per_s']:.2f}", f"{r['peak_memory_mib']:.0f}",
                 f"{r['achieved_tflops']:.3f}"]
        cells += [f"{r['sampling_s_per_clip'][str(s)]:.2f}" for s in steps]
        if "mfu" in r:
            mfu = f"{100 * r['mfu']:.1f}%" if r.get("mfu") is not None else "n/a"
            cells += [f"{r['tokens_per_s']:.0f}", mfu]
        lines.append(" | ".join(cells))
    return "\n".join("| " + line + " |" for line in lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--presets", default="tiny,small", help="comma-separated presets")
    parser.add_argument("--all", action="store_true", help="add base and large (slow on a CPU)")
    parser.add_argument("--sizes", default="16x64x64,16x128x128", help="comma-separated TxHxW")
    parser.add_argument("--batch", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=2, help="timed training steps (after one warm-up)")
    parser.add_argument("--sample-steps", default="10,25,50")
    parser.add_argument("--measure-sampling", action="store_true",
                        help="time whole sampler runs instead of extrapolating from one velocity call")
    parser.add_argument("--threads", type=int, default=os.cpu_count(), help="torch CPU threads (default: all)")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--peak-tflops", type=float, default=None, help="the device's peak, for MFU")
    parser.add_argument("--out", default=str(ROOT / "benchmarks/results/dit.json"))
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    device = pick_device(args.device)
    steps = [int(s) for s in args.sample_steps.split(",")]
    if args.child:  # one configuration, in its own process: print its row as JSON
        preset_name, size = args.child.split(":")
        frames, height, width = map(int, size.split("x"))
        row = measure(preset_name, frames, height, width, args.batch, args.repeats, steps, args.measure_sampling,
                      device, args.peak_tflops)
        print(json.dumps(row))
        return 0
    presets = args.presets.split(",") + (["base", "large"] if args.all else [])
    presets = list(dict.fromkeys(presets))
    rows = []
    for preset_name in presets:
        for size in args.sizes.split(","):
            command = [sys.executable, __file__, "--child", f"{preset_name}:{size}", "--batch", str(args.batch),
                       "--repeats", str(args.repeats), "--sample-steps", args.sample_steps, "--threads",
                       str(args.threads), "--device", args.device]
            if args.measure_sampling:
                command.append("--measure-sampling")
            if args.peak_tflops:
                command += ["--peak-tflops", str(args.peak_tflops)]
            print(f"measuring {preset_name} at {size} ...", file=sys.stderr, flush=True)
            done = subprocess.run(command, capture_output=True, text=True)
            if done.returncode != 0:
                last = (done.stderr.strip().splitlines() or ["failed"])[-1]
                rows.append({"preset": preset_name, "size": size, "error": last[:200]})
                print(f"  failed: {last}", file=sys.stderr)
                continue
            rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
    result = {
        "machine": {"device": torch.cuda.get_device_name(device) if device.type == "cuda" else platform.processor()
                    or platform.machine(), "cpu_count": os.cpu_count(), "threads": args.threads,
                    "torch": torch.__version__, "python": platform.python_version()},
        "when": time.strftime("%Y-%m-%d %H:%M:%S"),
        "flops_formula": "training = 3 * B * N * (2 * P_token + sum_attention_layers 4 * D * context); "
                         "context = N (full) or h*w + t (factorised) for self-attention, L for cross-attention",
        "sampling_note": "Heun makes 2 * steps - 1 velocity evaluations; text and control guidance with "
                         "distinct scales costs 3 model calls per evaluation instead of 1",
        "rows": rows,
    }
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    write_bytes_atomically(out, (json.dumps(result, indent=1) + "\n").encode())
    print(table(rows, steps))
    print(f"\nwrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
