"""The shipped video autoencoder (hybrid/models/autoencoder): it loads, keeps the latent contract, and
reconstructs a held-out render of the library about as well as its evaluation says."""

import numpy as np
import torch

from dit.autoencoder import FrameAutoencoder
from hybrid.autoencoder_data import SHIPPED_AUTOENCODER
from hybrid.metrics import psnr, ssim
from scenes.script import LIBRARY_DIR, load_script
from sim import render, simulate


def test_the_shipped_autoencoder_reconstructs_a_library_render():
    model = FrameAutoencoder.from_pretrained(SHIPPED_AUTOENCODER)
    assert model.latent_shape(4, 256, 256) == (16, 4, 32, 32)
    graph = load_script(LIBRARY_DIR / "stack_on_crate.yaml")  # library scenes are never in training data
    frames = render(simulate(graph, seconds=0.5, fps=8), graph, size=256)  # [4, 256, 256, 3]
    video = torch.from_numpy(frames.rgb).permute(3, 0, 1, 2)[None].float() / 127.5 - 1  # [1, 3, 4, 256, 256]
    with torch.inference_mode():
        latents = model.encode(video)
        decoded = model.decode(latents)
    assert latents.shape == (1, 16, 4, 32, 32)
    output = ((decoded[0].permute(1, 2, 3, 0).clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8).numpy()
    assert psnr(output, frames.rgb) > 28 and ssim(output, frames.rgb) > 0.9
    assert not np.array_equal(output, frames.rgb)
