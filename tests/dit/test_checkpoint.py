"""Checkpoints: safetensors + JSON round trips, exact training state, atomic saves, one-line errors."""

import ast
import dataclasses
import inspect
import json
import random
import shutil

import numpy as np
import pytest
import torch
from tiny_generator import batch_of, squares, tiny_config, tiny_generator, trained_like

import dit.checkpoint as checkpoint
import fileio.atomic
from fileio import sha256_file
from dit.checkpoint import (FORMAT, export_generator, find_checkpoint, initialise_from, load_checkpoint, load_generator,
                            read_config, save_checkpoint, save_generator)
from dit.config import preset
from dit.errors import DiTError
from dit.generator import GeneratorConfig, VideoGenerator
from dit.train import TrainConfig, make_optimizer


def outputs(generator: VideoGenerator) -> torch.Tensor:
    generator.eval()  # eval takes the text encoder layers' fused path, equal only to itself
    batch = batch_of(squares(), [0, 1])
    with torch.no_grad():
        return generator.velocity(batch["video"], torch.tensor([0.2, 0.8]), batch["caption"], batch["controls"])


def test_round_trip_gives_the_same_model(tmp_path):
    generator = trained_like(tiny_generator())
    path = save_generator(generator, tmp_path / "model", step=7)
    assert sorted(p.name for p in path.iterdir()) == ["config.json", "model.safetensors"]
    meta = json.loads((path / "config.json").read_text())
    assert meta["format"] == FORMAT and meta["format_version"] == 1 and meta["step"] == 7
    assert meta["config"]["vocabulary"] == generator.config.vocabulary
    assert meta["files"]["model.safetensors"]["bytes"] == (path / "model.safetensors").stat().st_size
    loaded = load_generator(path)
    assert loaded.config == generator.config and not loaded.training
    assert torch.equal(outputs(loaded), outputs(generator))
    assert read_config(path)[0] == generator.config


def test_fp16_export_is_half_the_size_and_close(tmp_path):
    generator = trained_like(tiny_generator())
    full = save_generator(generator, tmp_path / "full")
    half = export_generator(full, tmp_path / "half")
    ratio = (half / "model.safetensors").stat().st_size / (full / "model.safetensors").stat().st_size
    assert 0.49 < ratio < 0.51
    loaded = load_generator(half)
    assert loaded.dtype == torch.float32
    assert torch.allclose(outputs(loaded), outputs(generator), atol=2e-2)
    assert load_generator(half, dtype=None).dtype == torch.float16


def test_exporting_over_a_model_folder_keeps_its_other_files(tmp_path):
    first = export_generator(save_generator(tiny_generator(seed=0), tmp_path / "a"), tmp_path / "model")
    (first / "MODEL_CARD.md").write_text("card")
    second = trained_like(tiny_generator(seed=1))
    export_generator(save_generator(second, tmp_path / "b"), tmp_path / "model", dtype=torch.float32)
    assert (tmp_path / "model" / "MODEL_CARD.md").read_text() == "card"
    assert torch.equal(outputs(load_generator(tmp_path / "model")), outputs(second))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "b", "model"]


def test_a_file_is_never_replaced_by_a_model_folder_and_is_refused_before_any_work(tmp_path, monkeypatch):
    source = save_generator(tiny_generator(), tmp_path / "source")
    precious = tmp_path / "precious.txt"
    precious.write_text("keep me")

    def no_work(*args, **kwargs):
        raise AssertionError("the source was loaded before the destination was checked")

    monkeypatch.setattr(checkpoint, "load_generator", no_work)
    message = "cannot write the model folder .*precious.txt: a file \\(or link\\) of that name exists"
    with pytest.raises(DiTError, match=message):
        export_generator(source, precious)
    with pytest.raises(DiTError, match=message):
        save_generator(tiny_generator(), precious)
    assert precious.read_text() == "keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["precious.txt", "source"]  # nothing moved aside


def test_cli_export_onto_a_file_is_one_line(tmp_path, capsys):
    from hybrid.cli import main

    precious = tmp_path / "precious.txt"
    precious.write_text("keep me")
    assert main(["export", str(save_generator(tiny_generator(), tmp_path / "run")), str(precious)]) == 2
    error = capsys.readouterr().err
    assert error.startswith("kinema export: error: cannot write") and "precious.txt" in error
    assert error.count("\n") == 1
    assert precious.read_text() == "keep me" and sorted(p.name for p in tmp_path.iterdir()) == ["precious.txt", "run"]


def two_checkpoint_run(run):
    generator, optimizer = training_objects()
    for step in (1, 2):
        take_steps(generator, optimizer, 1)
        save_checkpoint(run, step, generator, generator.state_dict(), optimizer, data_position=step, train_config={})
    return generator, optimizer


def test_an_export_never_writes_into_a_training_run_or_onto_its_source(tmp_path, monkeypatch):
    run = tmp_path / "run"
    two_checkpoint_run(run)
    model = save_generator(tiny_generator(), tmp_path / "model")
    before = {path: path.read_bytes() for path in tmp_path.rglob("*") if path.is_file()}

    def no_work(*args, **kwargs):
        raise AssertionError("the source was loaded before the destination was checked")

    monkeypatch.setattr(checkpoint, "load_generator", no_work)
    step_2 = run / "step_000002"
    with pytest.raises(DiTError, match=f"^cannot write the model folder {step_2}: it is a training checkpoint \\(it "
                                       "holds train_state.json\\), which a model folder never replaces; choose a "
                                       "folder outside the training run$"):
        export_generator(run / "step_000001", step_2)
    with pytest.raises(DiTError, match=f"^cannot write the model folder {step_2}: it is a training checkpoint"):
        save_generator(tiny_generator(), step_2, keep_other_files=True)
    with pytest.raises(DiTError, match=f"^cannot export {step_2} to {run / 'fp16'}: it is inside the training run "
                                       f"{run}, where it would be mixed with the run's checkpoints; choose a folder "
                                       "outside the run$"):
        export_generator(run, run / "fp16")
    for source, dest in ((model, model), (run / "step_000001", run), (model, model / "half")):
        with pytest.raises(DiTError, match=f"^cannot export {source} to {dest}: the model folder would overlap the "
                                           "checkpoint it is exported from; choose another folder$"):
            export_generator(source, dest)
    assert {path: path.read_bytes() for path in tmp_path.rglob("*") if path.is_file()} == before


def test_resuming_from_a_folder_that_mixes_two_checkpoints_is_refused(tmp_path):
    run = tmp_path / "run"
    generator, optimizer = two_checkpoint_run(run)
    for name in ("model.safetensors", "config.json"):  # step 1's model files beside step 2's training state
        shutil.copy2(run / "step_000001" / name, run / "step_000002" / name)
    with pytest.raises(DiTError, match=f"^{run / 'step_000002'} mixes two checkpoints: its config.json is of step 1 "
                                       f"but its train_state.json of step 2; resume from an intact checkpoint "
                                       f"\\(write its folder name into {run / 'latest'}\\)$"):
        load_checkpoint(run, generator, optimizer)
    (run / "latest").write_text("step_000001\n")
    assert load_checkpoint(run, generator, optimizer).step == 1


def test_saving_over_an_existing_folder_replaces_it(tmp_path):
    save_generator(tiny_generator(seed=0), tmp_path / "m")
    (tmp_path / "m" / "stray.txt").write_text("old")
    second = trained_like(tiny_generator(seed=1))
    save_generator(second, tmp_path / "m")
    assert not (tmp_path / "m" / "stray.txt").exists()
    assert torch.equal(outputs(load_generator(tmp_path / "m")), outputs(second))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m"]


@pytest.fixture
def saved(tmp_path):
    return save_generator(trained_like(tiny_generator()), tmp_path / "ckpt")


def edit_json(path, change):
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))


def flip_last_byte(path):
    data = bytearray(path.read_bytes())
    data[-1] ^= 0xFF
    path.write_bytes(bytes(data))


def truncate(path, keep: int):
    path.write_bytes(path.read_bytes()[:keep])


NO_RECORD = "config.json does not record the size and SHA-256 of model.safetensors .*; save or export the model again"


def record_as_written(folder):
    """Make config.json record model.safetensors as it is now (a damaged file the record does not reveal)."""
    weights = folder / "model.safetensors"
    record = {"bytes": weights.stat().st_size, "sha256": sha256_file(weights)}
    edit_json(folder / "config.json", lambda d: d["files"].update({"model.safetensors": record}))


def small_config_dict():
    config = tiny_config()
    return GeneratorConfig(dit=preset("small", text_dim=64), text=config.text, vocabulary=config.vocabulary).to_dict()


@pytest.mark.parametrize("damage, message", [
    (lambda p: shutil.rmtree(p), "does not exist"),
    (lambda p: (p / "model.safetensors").unlink(), "model.safetensors is missing"),
    (lambda p: (p / "config.json").unlink(), "has neither config.json nor a `latest` pointer"),
    (lambda p: truncate(p / "model.safetensors", 1000), "truncated or was replaced"),
    (lambda p: truncate(p / "model.safetensors", 5), "truncated or was replaced"),
    (lambda p: flip_last_byte(p / "model.safetensors"), "is corrupt"),
    (lambda p: (truncate(p / "model.safetensors", 1000), record_as_written(p)), "not a readable safetensors file"),
    # every model folder must record its weights' size and SHA-256: without them nothing is checked
    (lambda p: edit_json(p / "config.json", lambda d: d.update(files={})), NO_RECORD),
    (lambda p: edit_json(p / "config.json", lambda d: d.pop("files")), "has no valid 'files' entry"),
    (lambda p: edit_json(p / "config.json", lambda d: d["files"]["model.safetensors"].update(bytes="many")), NO_RECORD),
    (lambda p: edit_json(p / "config.json", lambda d: d["files"]["model.safetensors"].pop("sha256")), NO_RECORD),
    (lambda p: edit_json(p / "config.json", lambda d: d["files"].update({"model.safetensors": "ok"})), NO_RECORD),
    (lambda p: (p / "config.json").write_text("{not json"), "config.json is not valid JSON"),
    (lambda p: edit_json(p / "config.json", lambda d: d.update(format="pytorch-lightning")), "not a kinema-video"),
    (lambda p: edit_json(p / "config.json", lambda d: d.update(format_version=2)), "needs a newer kinema"),
    (lambda p: edit_json(p / "config.json", lambda d: d["config"]["dit"].update(depth=7, control_depth=0)),
     "control_depth must be at least 1"),
    (lambda p: edit_json(p / "config.json", lambda d: d["config"].update(extra=1)), "unknown GeneratorConfig keys"),
    # a config that does not match the weights: the small preset's config beside tiny weights
    (lambda p: edit_json(p / "config.json", lambda d: d.update(config=small_config_dict())),
     "does not match the config: .* tensor\\(s\\) missing"),
    (lambda p: edit_json(p / "config.json", lambda d: d["config"]["dit"].update(mlp_ratio=2.0)),
     "have other shapes, e.g. dit.blocks.0.mlp.fc1.weight is \\[256, 64\\] in the file but \\[128, 64\\]"),
])
def test_damaged_checkpoints_raise_one_line_errors(saved, damage, message):
    damage(saved)
    with pytest.raises(DiTError, match=message) as error:
        load_generator(saved)
    assert "\n" not in str(error.value)


def test_a_file_in_place_of_the_folder_is_refused(tmp_path):
    (tmp_path / "weights.pt").write_bytes(b"\x80\x04not a pickle we would ever load")
    with pytest.raises(DiTError, match="is a file; a checkpoint is a folder"):
        load_generator(tmp_path / "weights.pt")


def test_nothing_here_unpickles():
    tree = ast.parse(inspect.getsource(checkpoint))
    imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, (ast.Import, ast.ImportFrom))
                for alias in node.names} | {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert not imported & {"pickle", "dill", "joblib", "cloudpickle"}
    loads = [node for node in ast.walk(tree) if isinstance(node, ast.Attribute) and node.attr == "load"
             and isinstance(node.value, ast.Name) and node.value.id == "torch"]
    assert not loads  # torch.load unpickles, weights_only or not


def training_objects(seed: int = 0):
    generator = tiny_generator(seed=seed)
    optimizer = make_optimizer(generator, TrainConfig(weight_decay=0.01), torch.device("cpu"))
    return generator, optimizer


def take_steps(generator, optimizer, steps: int = 2):
    batch = batch_of(squares(), [0, 1])
    for step in range(steps):
        generator.loss(batch, torch.Generator().manual_seed(step)).backward()
        optimizer.step()
        optimizer.zero_grad()


def test_training_state_round_trips_exactly(tmp_path):
    generator, optimizer = training_objects()
    take_steps(generator, optimizer)
    ema = {name: value.detach().clone() * 0.5 for name, value in generator.state_dict().items()}
    torch.manual_seed(11)
    np.random.seed(12)
    random.seed(13)
    path = save_checkpoint(tmp_path / "run", 2, generator, ema, optimizer, data_position=16,
                           train_config={"lr": 1e-3})
    expected_rng = (torch.rand(3), np.random.rand(3), random.random())
    assert path.name == "step_000002" and (tmp_path / "run" / "latest").read_text().strip() == "step_000002"
    assert sorted(p.name for p in path.iterdir()) == ["config.json", "model.safetensors", "train_state.json",
                                                      "train_state.safetensors"]
    fresh, fresh_optimizer = training_objects(seed=1)
    torch.manual_seed(0)
    state = load_checkpoint(tmp_path / "run", fresh, fresh_optimizer)
    assert (state.step, state.data_position, state.train_config) == (2, 16, {"lr": 1e-3})
    assert torch.equal(torch.rand(3), expected_rng[0]) and np.array_equal(np.random.rand(3), expected_rng[1])
    assert random.random() == expected_rng[2]
    for name, value in generator.state_dict().items():
        assert torch.equal(fresh.state_dict()[name], value), name
        assert torch.equal(state.ema[name], ema[name]), name
    original, restored = optimizer.state_dict(), fresh_optimizer.state_dict()
    assert restored["param_groups"] == original["param_groups"]
    for index, values in original["state"].items():
        for key, value in values.items():
            assert torch.equal(restored["state"][index][key], value), (index, key)
    # and both continue identically
    take_steps(generator, optimizer, 1)
    take_steps(fresh, fresh_optimizer, 1)
    assert all(torch.equal(a, b) for a, b in zip(generator.parameters(), fresh.parameters()))
    # the inference copy of a training checkpoint is the EMA
    assert torch.equal(load_generator(path).state_dict()["dit.x_embedder.proj.weight"],
                       ema["dit.x_embedder.proj.weight"])


def test_resuming_with_another_config_is_refused(tmp_path):
    generator, optimizer = training_objects()
    save_checkpoint(tmp_path, 1, generator, generator.state_dict(), optimizer, data_position=0, train_config={})
    other = VideoGenerator(tiny_config(text_dropout=0.3))
    with pytest.raises(DiTError, match="another GeneratorConfig \\(differs in text_dropout\\)"):
        load_checkpoint(tmp_path, other, make_optimizer(other, TrainConfig(), torch.device("cpu")))


def test_an_interrupted_save_leaves_the_previous_checkpoint(tmp_path, monkeypatch):
    generator, optimizer = training_objects()
    ema = generator.state_dict()
    save_checkpoint(tmp_path, 100, generator, ema, optimizer, data_position=0, train_config={})

    def crash(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(fileio.atomic, "publish_folder", crash)
    with pytest.raises(KeyboardInterrupt):
        save_checkpoint(tmp_path, 200, generator, ema, optimizer, data_position=0, train_config={})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["latest", "step_000100"]  # nothing half-made is left
    assert find_checkpoint(tmp_path) == tmp_path / "step_000100"
    assert load_generator(tmp_path) is not None
    monkeypatch.undo()
    save_checkpoint(tmp_path, 200, generator, ema, optimizer, data_position=0, train_config={})
    assert find_checkpoint(tmp_path) == tmp_path / "step_000200"


def test_a_folder_renamed_before_latest_was_written_is_found(tmp_path):
    generator, optimizer = training_objects()
    save_checkpoint(tmp_path, 3, generator, generator.state_dict(), optimizer, data_position=0, train_config={})
    (tmp_path / "latest").unlink()
    (tmp_path / "step_000009.tmp").mkdir()  # an unfinished one is never picked
    assert find_checkpoint(tmp_path) == tmp_path / "step_000003"
    (tmp_path / "latest").write_text("step_000042\n")
    with pytest.raises(DiTError, match="names 'step_000042', which is not a checkpoint folder"):
        find_checkpoint(tmp_path)


def test_old_checkpoints_are_pruned(tmp_path):
    generator, optimizer = training_objects()
    for step in (1, 2, 3, 4):
        save_checkpoint(tmp_path, step, generator, generator.state_dict(), optimizer, data_position=0,
                        train_config={}, keep_last=2)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["latest", "step_000003", "step_000004"]


def test_damaged_training_state_is_refused(tmp_path):
    generator, optimizer = training_objects()
    path = save_checkpoint(tmp_path, 1, generator, generator.state_dict(), optimizer, data_position=0,
                           train_config={})
    flip_last_byte(path / "train_state.safetensors")
    with pytest.raises(DiTError, match="train_state.safetensors is corrupt"):
        load_checkpoint(path, generator, optimizer)
    edit_json(path / "train_state.json", lambda d: d.update(files={}))
    with pytest.raises(DiTError, match="train_state.json does not record the size and SHA-256 of "
                                       "train_state.safetensors"):
        load_checkpoint(path, generator, optimizer)
    (path / "train_state.json").unlink()
    with pytest.raises(DiTError, match="has no training state: train_state.json is missing"):
        load_checkpoint(path, generator, optimizer)
    assert load_generator(path) is not None  # inference needs only the model files


def velocity_with(generator: VideoGenerator, branches: tuple[str, ...]) -> torch.Tensor:
    generator.eval()
    batch = batch_of(squares(), [0, 1])
    controls = {name: batch["controls"][name] for name in branches}
    with torch.no_grad():
        return generator.velocity(batch["video"], torch.tensor([0.3, 0.7]), batch["caption"], controls)


def test_a_model_with_a_new_branch_starts_from_a_trained_one_and_gives_its_outputs(tmp_path):
    source = trained_like(tiny_generator(controls=("depth", "flow")))
    save_generator(source, tmp_path / "source")
    torch.manual_seed(5)
    target = VideoGenerator(tiny_config(controls=("depth", "flow", "segmentation")))
    assert initialise_from(tmp_path / "source", target) == ["segmentation"]
    for name, tensor in source.state_dict().items():
        assert torch.equal(target.state_dict()[name], tensor), name
    # the new branch's zero projections: with its maps given, the outputs are still the source's
    grown = velocity_with(target, ("depth", "flow", "segmentation"))
    assert torch.equal(grown, velocity_with(source, ("depth", "flow")))
    # ControlNet's from_transformer: the new branch's blocks are copies of the trained base blocks, not the
    # untrained ones the target was built with
    for depth, block in enumerate(target.dit.control["segmentation"].blocks):
        for name, tensor in block.state_dict().items():
            assert torch.equal(tensor, source.dit.blocks[depth].state_dict()[name]), (depth, name)


def test_a_fine_tune_with_new_words_keeps_the_known_words_embeddings(tmp_path):
    source = trained_like(tiny_generator(controls=("depth", "flow")))
    save_generator(source, tmp_path / "source")
    vocabulary = [*source.config.vocabulary, "breakable", "shatters"]
    config = source.config.model_copy(update={
        "vocabulary": vocabulary, "text": dataclasses.replace(source.config.text, vocab_size=len(vocabulary))})
    torch.manual_seed(5)
    target = VideoGenerator(config)
    fresh = target.state_dict()["text_encoder.token_embedding.weight"].clone()
    assert initialise_from(tmp_path / "source", target) == []
    table = target.state_dict()["text_encoder.token_embedding.weight"]  # [V + 2, D]
    known = len(source.config.vocabulary)
    assert torch.equal(table[:known], source.state_dict()["text_encoder.token_embedding.weight"])
    assert torch.equal(table[known:], fresh[known:])
    for name, tensor in source.state_dict().items():
        if name != "text_encoder.token_embedding.weight":
            assert torch.equal(target.state_dict()[name], tensor), name


@pytest.mark.parametrize("target, message", [
    (dict(controls=("depth",)), "control_branches"),  # a branch of the source would be lost
    (dict(controls=("depth", "flow"), text_dropout=0.3), "text_dropout"),
])
def test_starting_from_a_model_of_another_architecture_is_refused(tmp_path, target, message):
    save_generator(tiny_generator(controls=("depth", "flow")), tmp_path / "source")
    with pytest.raises(DiTError, match=f"cannot start from .*differs in .*{message}"):
        initialise_from(tmp_path / "source", VideoGenerator(tiny_config(**target)))


def in_latent_space(config: GeneratorConfig, **dit) -> GeneratorConfig:
    """`config` denoising latents 4x smaller than its frames, with maps at twice the latent grid."""
    space = dict(in_channels=4, patch_size=(1, 2, 2), control_scale=2)
    return config.model_copy(update={"dit": config.dit.model_copy(update={**space, **dit})})


@pytest.mark.parametrize("channels", [4, 12])  # 12 x 1x2x2 outputs per token, as many as 3 x 1x4x4 pixels
def test_a_latent_model_starts_from_a_pixel_model_with_only_its_video_layers_fresh(tmp_path, channels):
    source = trained_like(tiny_generator(controls=("depth", "flow")))
    save_generator(source, tmp_path / "source")
    torch.manual_seed(5)
    target = VideoGenerator(in_latent_space(source.config, in_channels=channels))
    fresh = {name: tensor.clone() for name, tensor in target.state_dict().items()}
    assert initialise_from(tmp_path / "source", target) == []
    # the latent patch layers keep their initialisation even where their shapes agree with the pixel model's
    # (the embedder's [hidden] bias is copied); blocks, text encoder and branches (whose 1x4x4 map patches
    # cover the same pixels as before) are the source's
    reset = {"dit.x_embedder.proj.weight", "dit.final_layer.linear.weight", "dit.final_layer.linear.bias"}
    for name, tensor in target.state_dict().items():
        assert torch.equal(tensor, (fresh if name in reset else source.state_dict())[name]), name
    # maps read through other patches: the branches' patch kernels start fresh too
    target = VideoGenerator(in_latent_space(source.config, control_scale=1))
    kernels = {name: tensor.clone() for name, tensor in target.state_dict().items()
               if name.startswith("dit.control.") and tensor.dim() == 5}
    initialise_from(tmp_path / "source", target)
    assert kernels and all(torch.equal(target.state_dict()[name], tensor) for name, tensor in kernels.items())
    with pytest.raises(DiTError, match="cannot start from .*differs in dit.hidden_size"):
        initialise_from(tmp_path / "source", VideoGenerator(in_latent_space(source.config, hidden_size=32)))
