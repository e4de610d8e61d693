"""Text conditioning: a word-level tokenizer of the caption grammar and a small transformer text encoder.

The DiT sees text only through `TextEncoder.encode(texts) -> TextEmbedding`, so a larger pretrained encoder
can replace `SmallTextEncoder` where a user has its weights locally.
"""

import re
from collections import Counter
from dataclasses import asdict, dataclass
from typing import Protocol, runtime_checkable

import torch
from torch import Tensor, nn

from dit.errors import DiTError

PAD, UNK, CLS = 0, 1, 2
SPECIALS = ("<pad>", "<unk>", "<cls>")
DIGITS = tuple("0123456789")

# runs of letters, single digits, single other characters: "1.5 m/s." -> 1 . 5 m / s .
_TOKEN = re.compile(r"[^\W\d_]+|\d|\S")


class Tokenizer:
    """Lowercased words, single digits and punctuation; ids index `vocabulary`, whose first entries are SPECIALS.

    Numbers are split into digits and every digit is in the vocabulary, so a number the captions never said
    ("1.37 m") still encodes; an unseen word becomes <unk>.
    """

    def __init__(self, vocabulary: list[str]):
        if tuple(vocabulary[:len(SPECIALS)]) != SPECIALS or len(set(vocabulary)) != len(vocabulary):
            raise DiTError(f"a tokenizer vocabulary starts with {SPECIALS} and has no repeats")
        self.vocabulary = list(vocabulary)
        self.ids = {token: index for index, token in enumerate(self.vocabulary)}

    @classmethod
    def build(cls, captions: list[str], min_count: int = 1) -> "Tokenizer":
        """The tokens said at least `min_count` times, most frequent first (ties alphabetical), plus the digits."""
        counts = Counter(token for text in captions for token in cls.split(text))
        kept = sorted((token for token, n in counts.items() if n >= min_count and token not in DIGITS),
                      key=lambda token: (-counts[token], token))
        return cls([*SPECIALS, *DIGITS, *kept])

    @staticmethod
    def split(text: str) -> list[str]:
        return _TOKEN.findall(text.lower())

    def __len__(self) -> int:
        return len(self.vocabulary)

    def encode(self, texts: list[str], max_length: int) -> tuple[Tensor, Tensor]:
        """ids [B, L] long and mask [B, L] bool (True = a real token) for B texts; each starts with <cls>.

        L is the longest text in the batch (in tokens, with <cls>), at most `max_length`: longer texts are cut.
        The empty text is <cls> alone, the "no text" of classifier-free guidance.
        """
        rows = [[CLS, *(self.ids.get(token, UNK) for token in self.split(text))][:max_length] for text in texts]
        length = max(len(row) for row in rows)
        ids = torch.full((len(rows), length), PAD, dtype=torch.long)
        for i, row in enumerate(rows):
            ids[i, :len(row)] = torch.tensor(row)
        return ids, ids != PAD

    def to_dict(self) -> dict:
        return {"vocabulary": list(self.vocabulary)}

    @classmethod
    def from_dict(cls, data: dict) -> "Tokenizer":
        return cls(list(data["vocabulary"]))


@dataclass
class TextEmbedding:
    tokens: Tensor  # [B, L, D], zero at padding
    mask: Tensor  # [B, L] bool, True = a real token
    pooled: Tensor  # [B, D]


@runtime_checkable
class TextEncoder(Protocol):
    """What the DiT needs of a text encoder: embeddings of width `dim` for a batch of texts."""

    dim: int

    def encode(self, texts: list[str]) -> TextEmbedding: ...


@dataclass
class TextEncoderConfig:
    vocab_size: int  # len(tokenizer)
    dim: int = 128
    depth: int = 2
    heads: int = 4
    max_length: int = 256  # tokens, <cls> included; longer captions are cut (sampled captions reach ~170)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "TextEncoderConfig":
        return cls(**data)


class SmallTextEncoder(nn.Module):
    """Token embedding + learned positions + pre-norm transformer encoder layers; pooled = the <cls> output.

    Trained jointly with the DiT from scratch: the caption grammar is small enough not to need pretraining.
    """

    def __init__(self, config: TextEncoderConfig, tokenizer: Tokenizer):
        super().__init__()
        if config.vocab_size != len(tokenizer):
            raise DiTError(f"the config's vocab_size {config.vocab_size} is not the tokenizer's {len(tokenizer)}")
        self.config, self.tokenizer, self.dim = config, tokenizer, config.dim
        self.token_embedding = nn.Embedding(config.vocab_size, config.dim, padding_idx=PAD)
        self.position_embedding = nn.Parameter(torch.zeros(config.max_length, config.dim))
        self.layers = nn.ModuleList(
            nn.TransformerEncoderLayer(config.dim, config.heads, dim_feedforward=4 * config.dim, dropout=0.0,
                                       activation="gelu", batch_first=True, norm_first=True)
            for _ in range(config.depth))
        self.norm = nn.LayerNorm(config.dim)
        self.initialize_weights()

    def initialize_weights(self) -> None:
        nn.init.normal_(self.token_embedding.weight, std=0.02)
        with torch.no_grad():
            self.token_embedding.weight[PAD].zero_()
        nn.init.normal_(self.position_embedding, std=0.02)

    def forward(self, ids: Tensor, mask: Tensor) -> TextEmbedding:
        """ids [B, L] long, mask [B, L] bool (True = a real token) -> TextEmbedding of width dim."""
        x = self.token_embedding(ids) + self.position_embedding[:ids.shape[1]]  # [B, L, D]
        for layer in self.layers:
            x = layer(x, src_key_padding_mask=~mask)
        x = self.norm(x) * mask.unsqueeze(-1)  # padding outputs are zero, whatever the batch's longest text
        return TextEmbedding(tokens=x, mask=mask, pooled=x[:, 0])

    def encode(self, texts: list[str]) -> TextEmbedding:
        ids, mask = self.tokenizer.encode(texts, self.config.max_length)
        device = self.position_embedding.device
        return self(ids.to(device), mask.to(device))
