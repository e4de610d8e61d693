"""A tiny random-weight Wan-VACE model folder, built from diffusers' and transformers' own classes and saved as
diffusers saves a model: the layout of Wan-AI/Wan2.1-VACE-1.3B-diffusers at a few thousand parameters. The
tokenizer is a word-level one made here, so nothing is downloaded."""

from pathlib import Path

WORDS = ("a red blue green ball rolls falls toward onto tower of three cubes box the is and on ground floor "
         "glass vase shatters left right small big").split()
TEXT_DIM = 32


def save_tiny_wan_vace(folder: Path, seed: int = 0) -> Path:
    """Write the tiny model into `folder` (model_index.json and five component folders); returns `folder`."""
    import torch
    from diffusers import AutoencoderKLWan, FlowMatchEulerDiscreteScheduler, WanVACEPipeline, WanVACETransformer3DModel
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast, UMT5Config, UMT5EncoderModel

    vocabulary = {word: index for index, word in enumerate(["<pad>", "</s>", "<unk>", *WORDS])}
    words = Tokenizer(models.WordLevel(vocabulary, unk_token="<unk>"))
    words.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=words, pad_token="<pad>", eos_token="</s>",
                                        unk_token="<unk>")
    torch.manual_seed(seed)
    text_encoder = UMT5EncoderModel(UMT5Config(vocab_size=len(vocabulary), d_model=TEXT_DIM, d_kv=8, d_ff=32,
                                               num_layers=1, num_heads=4, relative_attention_num_buckets=8))
    torch.manual_seed(seed)
    vae = AutoencoderKLWan(base_dim=3, z_dim=16, dim_mult=[1, 1, 1, 1], num_res_blocks=1,
                           temperal_downsample=[False, True, True])
    torch.manual_seed(seed)
    transformer = WanVACETransformer3DModel(
        patch_size=(1, 2, 2), num_attention_heads=2, attention_head_dim=12, in_channels=16, out_channels=16,
        text_dim=TEXT_DIM, freq_dim=256, ffn_dim=32, num_layers=3, cross_attn_norm=True,
        qk_norm="rms_norm_across_heads", rope_max_seq_len=32, vace_layers=[0, 2], vace_in_channels=96)
    pipe = WanVACEPipeline(tokenizer=tokenizer, text_encoder=text_encoder, vae=vae,
                           scheduler=FlowMatchEulerDiscreteScheduler(shift=3.0), transformer=transformer)
    pipe.save_pretrained(folder, safe_serialization=True)
    return Path(folder)
