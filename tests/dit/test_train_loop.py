"""The training loop: schedule, data order, collation, exact resume, DDP on two CPU processes, the command line."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from safetensors import safe_open
from tiny_generator import squares, tiny_config

from dit.errors import DiTError
from dit.train import DataOrder, TrainConfig, autocast_dtype, collate, learning_rate, main, train

REPO = Path(__file__).resolve().parents[2]


def test_learning_rate_warms_up_linearly_then_holds_or_decays():
    config = TrainConfig(lr=1e-3, warmup_steps=4, steps=14)
    assert [learning_rate(s, config) for s in range(5)] == pytest.approx([2.5e-4, 5e-4, 7.5e-4, 1e-3, 1e-3])
    assert learning_rate(1000, config) == 1e-3
    cosine = TrainConfig(lr=1e-3, warmup_steps=4, steps=14, schedule="cosine", min_lr_ratio=0.1)
    assert learning_rate(4, cosine) == pytest.approx(1e-3)
    assert learning_rate(9, cosine) == pytest.approx(0.55e-3)
    assert learning_rate(14, cosine) == pytest.approx(1e-4)
    assert learning_rate(0, TrainConfig(warmup_steps=0, lr=2e-3)) == 2e-3


def test_wsd_schedule_is_the_constant_schedule_until_its_linear_decay():
    wsd = TrainConfig(lr=1e-3, warmup_steps=4, steps=20, schedule="wsd", decay_steps=10, min_lr_ratio=0.0)
    constant = TrainConfig(lr=1e-3, warmup_steps=4, steps=20)
    assert [learning_rate(s, wsd) for s in range(10)] == [learning_rate(s, constant) for s in range(10)]
    assert [learning_rate(s, wsd) for s in (10, 14, 19)] == pytest.approx([0.9e-3, 0.5e-3, 0.0])
    with pytest.raises(DiTError, match="decay_steps"):
        TrainConfig(steps=20, warmup_steps=4, schedule="wsd", decay_steps=17)
    with pytest.raises(DiTError, match="decay_steps"):
        TrainConfig(steps=20, schedule="wsd")


def take(order: DataOrder, n: int) -> list[int]:
    stream = iter(order)
    return [next(stream) for _ in range(n)]


def test_data_order_is_a_seeded_permutation_per_epoch_shared_out_by_rank():
    order = take(DataOrder(10, seed=0, batch_size=4, rank=0, world_size=1), 30)
    assert sorted(order[:10]) == list(range(10)) and sorted(order[10:20]) == list(range(10))
    assert order[:10] != order[10:20]  # a new permutation each epoch
    assert order == take(DataOrder(10, seed=0, batch_size=4, rank=0, world_size=1), 30)
    assert order != take(DataOrder(10, seed=1, batch_size=4, rank=0, world_size=1), 30)
    # two ranks: each global batch of 4 is split in two contiguous halves
    rank0 = take(DataOrder(10, seed=0, batch_size=4, rank=0, world_size=2), 6)
    rank1 = take(DataOrder(10, seed=0, batch_size=4, rank=1, world_size=2), 6)
    assert [*rank0[0:2], *rank1[0:2], *rank0[2:4], *rank1[2:4], *rank0[4:6], *rank1[4:6]] == order[:12]
    # resuming at a position continues the same order
    assert take(DataOrder(10, seed=0, batch_size=4, rank=0, world_size=1, position=8), 12) == order[8:20]


def test_collate_stacks_items_and_marks_branches_an_item_lacks():
    data = squares()
    items = [data[0], data[1]]
    del items[1]["controls"]["flow"]
    items[0]["control_mask"]["depth"] = False
    batch = collate(items)
    assert batch["video"].shape == (2, 3, 4, 16, 16) and batch["caption"] == [data[0]["caption"], data[1]["caption"]]
    assert batch["control_mask"]["flow"].tolist() == [True, False]
    assert (batch["controls"]["flow"][1] == 0).all() and batch["controls"]["flow"].shape == (2, 3, 4, 16, 16)
    assert batch["control_mask"]["depth"].tolist() == [False, True]
    assert batch["index"] == [0, 1]


def test_mixed_precision_modes():
    cpu = torch.device("cpu")
    assert autocast_dtype("auto", cpu) is None and autocast_dtype("off", cpu) is None
    assert autocast_dtype("bf16", cpu) == torch.bfloat16
    with pytest.raises(DiTError, match="'fp16' needs a CUDA device"):
        autocast_dtype("fp16", cpu)
    with pytest.raises(DiTError, match="TrainConfig.mixed_precision: Input should be 'auto', 'off', 'bf16' or 'fp16'"):
        TrainConfig(mixed_precision="fp8")


@pytest.mark.parametrize("fields, message", [
    (dict(betas=5), r"^TrainConfig.betas: Input should be a valid tuple \(got 5\)$"),
    (dict(betas=(0.9, 1.5)), r"^TrainConfig.betas.1: Input should be less than 1 \(got 1.5\)$"),
    (dict(seed=-1), r"^TrainConfig.seed: Input should be greater than or equal to 0 \(got -1\)$"),
    (dict(min_lr_ratio=2), "TrainConfig.min_lr_ratio: Input should be less than or equal to 1"),
    (dict(stpes=3), r"^unknown TrainConfig keys \['stpes'\]; known keys are \['batch_size', "),
])
def test_invalid_train_configs_are_one_line_errors(fields, message):
    with pytest.raises(DiTError, match=message):
        TrainConfig(**fields)


def quick(**fields) -> TrainConfig:
    defaults = dict(steps=6, batch_size=4, lr=1e-3, warmup_steps=2, ema_decay=0.9, checkpoint_every=100,
                    keep_checkpoints=0, log_every=1, seed=0, progress=False)
    return TrainConfig(**{**defaults, **fields})


def tensors(path: Path) -> dict[str, torch.Tensor]:
    with safe_open(str(path), framework="pt") as f:
        return {name: f.get_tensor(name) for name in f.keys()}


def test_resume_continues_bit_identically(tmp_path):
    torch.set_num_threads(2)
    data, config = squares(n=10), tiny_config()  # 10 clips, batches of 4: the second epoch starts mid-run
    straight = train(config, quick(steps=6), data, tmp_path / "straight")
    half = train(config, quick(steps=3), data, tmp_path / "resumed")
    assert half["step"] == 3
    resumed = train(config, quick(steps=6), data, tmp_path / "resumed", resume=True)
    assert resumed["step"] == straight["step"] == 6
    for name in ("model.safetensors", "train_state.safetensors"):
        a, b = tensors(tmp_path / "straight/step_000006" / name), tensors(tmp_path / "resumed/step_000006" / name)
        assert a.keys() == b.keys()
        for key in a:
            assert torch.equal(a[key], b[key]), (name, key)
    for name in ("straight", "resumed"):
        state = json.loads((tmp_path / name / "step_000006/train_state.json").read_text())
        assert (state["step"], state["data_position"]) == (6, 24)
    lines = [(tmp_path / name / "metrics.jsonl").read_text().splitlines() for name in ("straight", "resumed")]
    assert [json.loads(line)["loss"] for line in lines[0]] == [json.loads(line)["loss"] for line in lines[1]]
    assert resumed["weight_digests"] == straight["weight_digests"]


def test_a_run_folder_with_checkpoints_is_not_overwritten(tmp_path):
    data, config = squares(n=4), tiny_config()
    train(config, quick(steps=1), data, tmp_path)
    with pytest.raises(DiTError, match="already holds checkpoints .*pass resume=True"):
        train(config, quick(steps=2), data, tmp_path)
    with pytest.raises(DiTError, match="another GeneratorConfig"):
        train(tiny_config(text_dropout=0.5), quick(steps=2), data, tmp_path, resume=True)
    with pytest.raises(DiTError, match="^no checkpoint in .*fresh to resume; drop --resume to start a fresh run$"):
        train(config, quick(steps=2), data, tmp_path / "fresh", resume=True)
    assert not (tmp_path / "fresh").exists()


def test_metrics_log_drops_steps_that_are_run_again(tmp_path):
    data, config = squares(n=4), tiny_config()
    train(config, quick(steps=4, checkpoint_every=2), data, tmp_path)
    before = (tmp_path / "metrics.jsonl").read_text()
    # as if the run had stopped after logging step 4 but before saving it
    shutil.rmtree(tmp_path / "step_000004")
    (tmp_path / "latest").write_text("step_000002\n")
    train(config, quick(steps=4, checkpoint_every=2), data, tmp_path, resume=True)
    after = (tmp_path / "metrics.jsonl").read_text()
    assert [json.loads(line)["step"] for line in after.splitlines()] == [1, 2, 3, 4]
    assert [json.loads(line)["loss"] for line in after.splitlines()] == [
        json.loads(line)["loss"] for line in before.splitlines()]


def test_command_line_trains_and_refuses_to_overwrite(tmp_path, capsys):
    args = ["--preset", "tiny", "--data", "moving-squares", "--steps", "2", "--out", str(tmp_path / "run"),
            "--batch-size", "2", "--frames", "4", "--size", "16", "--num-samples", "8", "--no-progress",
            "--controls", "depth"]
    assert main(args) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["step"] == 2 and result["checkpoint"].endswith("step_000002")
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "already holds checkpoints" in err and err.count("\n") == 1
    assert main([*args[:5], "4", *args[6:], "--resume"]) == 0
    assert json.loads(capsys.readouterr().out)["step"] == 4
    assert main([*args[:7], str(tmp_path / "typo"), *args[8:], "--resume"]) == 2
    assert capsys.readouterr().err == f"error: no checkpoint in {tmp_path / 'typo'} to resume; drop --resume to " \
                                      "start a fresh run\n"


def test_an_unknown_device_is_a_one_line_error_before_training(tmp_path):
    with pytest.raises(DiTError, match="^unknown device 'gpu'; use cpu, cuda, cuda:N, mps or auto"):
        train(tiny_config(), quick(device="gpu"), squares(n=4), tmp_path)
    assert not tmp_path.joinpath("metrics.jsonl").exists()


def test_command_line_options_are_the_train_config_fields(tmp_path, monkeypatch, capsys):
    runs = []
    monkeypatch.setattr("dit.train.train", lambda *args, **kwargs: runs.append(args[1]) or {"step": 0})
    base = ["--out", str(tmp_path), "--num-samples", "2", "--frames", "2", "--size", "32"]
    assert main(base) == 0
    assert main([*base, "--weight-decay", "0.01", "--betas", "0.8", "0.9", "--grad-clip", "0", "--schedule",
                 "cosine", "--keep-checkpoints", "5", "--init-from", "runs/base", "--no-progress"]) == 0
    assert runs == [TrainConfig(), TrainConfig(weight_decay=0.01, betas=(0.8, 0.9), grad_clip=0, schedule="cosine",
                                               keep_checkpoints=5, init_from="runs/base", progress=False)]
    capsys.readouterr()
    assert main([*base, "--steps", "many"]) == 2
    assert capsys.readouterr().err == ("error: TrainConfig.steps: Input should be a valid integer, unable to parse "
                                       "string as an integer (got 'many')\n")


def test_two_process_ddp_on_gloo_keeps_ranks_identical_and_learns(tmp_path):
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(REPO)}
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
               "-m", "dit.train", "--preset", "tiny", "--data", "moving-squares", "--steps", "30",
               "--batch-size", "8", "--lr", "2e-3", "--warmup-steps", "5", "--log-every", "5",
               "--frames", "4", "--size", "16", "--num-samples", "32", "--controls", "depth", "--no-progress",
               "--out", str(tmp_path / "ddp")]
    done = subprocess.run(command, env=env, cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    final = json.loads((tmp_path / "ddp/final_metrics.json").read_text())
    assert final["world_size"] == 2 and final["step"] == 30
    assert len(final["weight_digests"]) == 2 and final["weight_digests"][0] == final["weight_digests"][1]
    losses = [json.loads(line)["loss"] for line in (tmp_path / "ddp/metrics.jsonl").read_text().splitlines()]
    assert len(losses) == 6 and losses[-1] < 0.8 * losses[0]
    state = json.loads((tmp_path / "ddp/step_000030/train_state.json").read_text())
    assert state["world_size"] == 2 and state["data_position"] == 240


def test_init_from_starts_a_fresh_run_from_a_model_and_a_resume_ignores_it(tmp_path):
    data = squares(n=8)
    train(tiny_config(controls=("depth",)), quick(steps=2), data, tmp_path / "source")
    config = tiny_config(controls=("depth", "flow"))
    start = quick(steps=1, lr=1e-12, init_from=str(tmp_path / "source"))
    train(config, start, data, tmp_path / "grown")
    source, grown = tensors(tmp_path / "source/step_000002/model.safetensors"), \
        tensors(tmp_path / "grown/step_000001/model.safetensors")
    assert set(grown) - set(source) and all(name.startswith("dit.control.flow.") for name in set(grown) - set(source))
    assert all(torch.allclose(grown[name], source[name], atol=1e-6) for name in source)
    fresh_run = train(config, quick(steps=1, lr=1e-12), data, tmp_path / "fresh")
    fresh = tensors(Path(fresh_run["checkpoint"]) / "model.safetensors")
    assert not all(torch.allclose(fresh[name], source[name], atol=1e-6) for name in source)
    shutil.rmtree(tmp_path / "source")  # a resumed run continues from its own checkpoint, not init_from
    assert train(config, quick(steps=2, lr=1e-12, init_from=str(tmp_path / "source")), data, tmp_path / "grown",
                 resume=True)["step"] == 2


class BrokenClips(torch.utils.data.Dataset):
    """A dataset whose every clip fails to load, as a shard corrupt deep inside does."""

    def __len__(self) -> int:
        return 4

    def __getitem__(self, index: int):
        raise DiTError(f"clip {index} is not readable; make the shard again")


def test_a_worker_processes_error_arrives_as_one_line(tmp_path):
    with pytest.raises(DiTError) as caught:
        train(tiny_config(), quick(num_workers=1), BrokenClips(), tmp_path)
    assert str(caught.value) in {f"clip {index} is not readable; make the shard again" for index in range(4)}
