"""Video autoencoder speed (and quality, given a trained model): prints a table and writes JSON.

    python benchmarks/autoencoder.py [--model DIR] [--threads 2] [--out benchmarks/results/autoencoder.json]

- encode and decode of one clip of 16 frames of 256x256, best of `--repeats` after a warm-up, with the ways of
  running it that were tried: channels-last tensors under torch.inference_mode (what `FrameAutoencoder` does),
  the same under no_grad, plain NCHW tensors, and bf16 autocast;
- parameters, latent shape, size of the float16 model file;
- quality: the means of DIR/evaluation.json (`kinema autoencoder evaluate --out DIR/evaluation.json`) if there.
The bar: decoding 16 frames of 256x256 in at most 1.5 s on 2 CPU cores. Without --model the weights are random
(speed does not depend on them) and the architecture is recipes/autoencoder.yaml's.
"""

import argparse
import contextlib
import json
import platform
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the dit package, not benchmarks/dit.py beside this file

import torch  # noqa: E402

from benchmarks.timing import best_seconds  # noqa: E402
from dit.autoencoder import FrameAutoencoder  # noqa: E402
from dit.autoencoder_train import AutoencoderRecipe  # noqa: E402
from fileio import write_atomically  # noqa: E402

FRAMES, SIZE = 16, 256
DECODE_BAR_S = 1.5
RECIPE = ROOT / "recipes" / "autoencoder.yaml"


def timings(model: FrameAutoencoder, repeats: int) -> list[dict]:
    """Seconds to encode and decode one clip [1, 3, 16, 256, 256], each way of running the model."""
    video = torch.rand(1, 3, FRAMES, SIZE, SIZE, generator=torch.Generator().manual_seed(0)) * 2 - 1
    with torch.inference_mode():
        latents = model.encode(video)  # [1, 16, 16, 32, 32]
    frames = latents[0].transpose(0, 1).contiguous()  # [16, 16, 32, 32]: the NCHW variant's input
    pixels = video[0].transpose(0, 1).contiguous()  # [16, 3, 256, 256]
    ways = {
        "channels-last, inference_mode (kept)": (torch.inference_mode, lambda: model.encode(video),
                                                 lambda: model.decode(latents)),
        "channels-last, no_grad": (torch.no_grad, lambda: model.encode(video), lambda: model.decode(latents)),
        "NCHW, inference_mode": (torch.inference_mode, lambda: model.encoder(pixels), lambda: model.decoder(frames)),
        "channels-last, inference_mode, bf16 autocast": (inference_in_bf16, lambda: model.encode(video),
                                                         lambda: model.decode(latents)),
    }
    rows = []
    for name, (context, encode, decode) in ways.items():
        nchw = name.startswith("NCHW")
        if nchw:
            model.to(memory_format=torch.contiguous_format)
        with context():
            rows.append({"way": name, "encode_s": best_seconds(encode, repeats, warm_up=True),
                         "decode_s": best_seconds(decode, repeats, warm_up=True)})
        if nchw:
            model.to(memory_format=torch.channels_last)
    return rows


def inference_in_bf16() -> contextlib.ExitStack:
    """torch.inference_mode with bf16 autocast on the CPU."""
    stack = contextlib.ExitStack()
    stack.enter_context(torch.inference_mode())
    stack.enter_context(torch.autocast("cpu", dtype=torch.bfloat16))
    return stack


def quality(folder: Path | None) -> dict | None:
    """The means of the model folder's evaluation.json, if it has one."""
    path = folder / "evaluation.json" if folder is not None else None
    if path is None or not path.is_file():
        return None
    report = json.loads(path.read_text())
    return {"evaluation": str(path), "clips": report["clips"], **report["mean"],
            "costliest_groups": dict(list(report["per_group"].items())[:5])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, default=None, help="a trained model folder (default: random weights)")
    parser.add_argument("--threads", type=int, default=2, help="torch CPU threads (the bar is for 2)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", default="benchmarks/results/autoencoder.json")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    if args.model is None:
        torch.manual_seed(0)
        model = FrameAutoencoder(AutoencoderRecipe.read(RECIPE).model).eval()
    else:
        model = FrameAutoencoder.from_pretrained(args.model)
    rows = timings(model, args.repeats)
    parameters = {part: sum(p.numel() for p in getattr(model, part).parameters()) for part in ("encoder", "decoder")}
    kept = rows[0]
    results = {
        "machine": {"python": sys.version.split()[0], "platform": platform.platform(),
                    "cpu_threads": torch.get_num_threads(), "processor": platform.processor()},
        "model": str(args.model) if args.model else f"random weights, {RECIPE.name}",
        "config": model.config.to_dict(), "clip": {"frames": FRAMES, "height": SIZE, "width": SIZE},
        "latent_shape": list(model.latent_shape(FRAMES, SIZE, SIZE)),
        "parameters": {**parameters, "total": sum(parameters.values())},
        "float16_megabytes": 2 * sum(parameters.values()) / 2**20,
        "encode_s": kept["encode_s"], "decode_s": kept["decode_s"], "decode_bar_s": DECODE_BAR_S,
        "decode_meets_bar": kept["decode_s"] <= DECODE_BAR_S, "ways": rows, "quality": quality(args.model),
    }
    print(f"video autoencoder: {FRAMES} frames of {SIZE}x{SIZE} -> latents {results['latent_shape']}, "
          f"{results['parameters']['total'] / 1e6:.2f} M parameters (encoder {parameters['encoder'] / 1e6:.2f} M, "
          f"decoder {parameters['decoder'] / 1e6:.2f} M), {torch.get_num_threads()} threads")
    print(f"{'way':<46} {'encode s':>9} {'decode s':>9}")
    for row in rows:
        print(f"{row['way']:<46} {row['encode_s']:>9.3f} {row['decode_s']:>9.3f}")
    verdict = "meets" if results["decode_meets_bar"] else "MISSES"
    print(f"decode {kept['decode_s']:.3f} s {verdict} the bar of {DECODE_BAR_S} s")
    if results["quality"]:
        q = results["quality"]
        print(f"quality on {q['clips']} held-out clips: PSNR {q['psnr_db']:.2f} dB, SSIM {q['ssim']:.4f}, "
              f"flicker ratio {q['flicker_ratio']}")
    out = Path(args.out)
    write_atomically(out, lambda path: path.write_text(json.dumps(results, indent=2)))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
