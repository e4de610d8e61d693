"""The caption tokenizer and the small text encoder: vocabulary, unknown words, padding, serialisation, learning."""

import json

import pytest
import torch

from dit.errors import DiTError
from dit.text import (CLS, PAD, UNK, SmallTextEncoder, TextEmbedding, TextEncoder, TextEncoderConfig,
                      Tokenizer)

CAPTIONS = [
    "A red rubber ball falls from 1.5 m onto the box.",
    "A blue wooden box. There is a grey stone floor.",
    "The red ball rolls to the left at 2 m/s. The camera orbits to the right for 4 seconds.",
]


def test_captions_split_into_lowercase_words_digits_and_punctuation():
    assert Tokenizer.split(CAPTIONS[0]) == ["a", "red", "rubber", "ball", "falls", "from", "1", ".", "5", "m",
                                            "onto", "the", "box", "."]
    assert Tokenizer.split("2.5 m/s, 50%") == ["2", ".", "5", "m", "/", "s", ",", "5", "0", "%"]


def test_vocabulary_has_the_specials_first_every_digit_and_is_ordered_by_frequency():
    tokenizer = Tokenizer.build(CAPTIONS)
    assert tokenizer.vocabulary[:3] == ["<pad>", "<unk>", "<cls>"]
    assert (tokenizer.ids["<pad>"], tokenizer.ids["<unk>"], tokenizer.ids["<cls>"]) == (PAD, UNK, CLS)
    assert all(str(d) in tokenizer.ids for d in range(10))
    assert tokenizer.vocabulary[13:15] == [".", "the"]  # most frequent first, after specials and digits
    assert Tokenizer.build(list(reversed(CAPTIONS))).vocabulary == tokenizer.vocabulary
    rare = Tokenizer.build(CAPTIONS, min_count=2)
    assert "ball" in rare.ids and "orbits" not in rare.ids


def test_encode_pads_to_the_longest_text_starts_with_cls_and_maps_unknown_words_to_unk():
    tokenizer = Tokenizer.build(CAPTIONS)
    ids, mask = tokenizer.encode(["a red ball", "a purple zeppelin hovers at 1.37 m", ""], max_length=64)
    assert ids.dtype == torch.long and mask.dtype == torch.bool and ids.shape == mask.shape == (3, 11)
    assert (ids[:, 0] == CLS).all()
    assert ids[0, :4].tolist() == [CLS, tokenizer.ids["a"], tokenizer.ids["red"], tokenizer.ids["ball"]]
    assert mask.sum(1).tolist() == [4, 11, 1]
    assert (ids[~mask] == PAD).all()
    assert ids[1, 2:5].tolist() == [UNK, UNK, UNK]  # purple zeppelin hovers
    assert UNK not in ids[1, 6:10].tolist()  # 1 . 3 7: numbers never become <unk>
    ids, mask = tokenizer.encode(CAPTIONS, max_length=5)
    assert ids.shape == (3, 5) and mask.all()


def test_tokenizer_round_trips_through_json():
    tokenizer = Tokenizer.build(CAPTIONS)
    again = Tokenizer.from_dict(json.loads(json.dumps(tokenizer.to_dict())))
    assert again.vocabulary == tokenizer.vocabulary
    assert torch.equal(again.encode(CAPTIONS, 32)[0], tokenizer.encode(CAPTIONS, 32)[0])
    with pytest.raises(DiTError, match="<pad>"):
        Tokenizer(["a", "b"])


def small_encoder(seed: int = 0) -> SmallTextEncoder:
    torch.manual_seed(seed)
    tokenizer = Tokenizer.build(CAPTIONS)
    return SmallTextEncoder(TextEncoderConfig(len(tokenizer), dim=32, depth=2, heads=4, max_length=40), tokenizer)


def test_encoder_shapes_and_interface():
    encoder = small_encoder()
    assert isinstance(encoder, TextEncoder) and encoder.dim == 32
    embedding = encoder.encode(CAPTIONS)
    assert isinstance(embedding, TextEmbedding)
    length = embedding.mask.shape[1]
    assert embedding.tokens.shape == (3, length, 32) and embedding.pooled.shape == (3, 32)
    assert (embedding.tokens[~embedding.mask] == 0).all()
    config = TextEncoderConfig.from_dict(json.loads(json.dumps(encoder.config.to_dict())))
    assert config == encoder.config
    with pytest.raises(DiTError, match="vocab_size"):
        SmallTextEncoder(TextEncoderConfig(5), encoder.tokenizer)


@pytest.mark.parametrize("training", [True, False])
def test_an_embedding_does_not_depend_on_the_padding_of_its_batch(training):
    encoder = small_encoder().train(training)
    alone = encoder.encode(["a red ball"])
    batched = encoder.encode(["a red ball", CAPTIONS[2]])
    assert torch.allclose(batched.tokens[0, :4], alone.tokens[0], atol=1e-5)
    assert torch.allclose(batched.pooled[0], alone.pooled[0], atol=1e-5)


def test_the_encoder_learns_to_tell_captions_apart():
    """Gradients reach every layer: pooled embeddings learn which colour a caption names, after its noun."""
    encoder = small_encoder()
    texts = [f"the {noun} is {colour}." for noun in ("ball", "box", "floor") for colour in ("red", "blue", "grey")]
    labels = torch.tensor([i % 3 for i in range(len(texts))])
    head = torch.nn.Linear(32, 3)
    optimizer = torch.optim.Adam([*encoder.parameters(), *head.parameters()], lr=3e-3)
    for _ in range(60):
        loss = torch.nn.functional.cross_entropy(head(encoder.encode(texts).pooled), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert loss.item() < 0.05
