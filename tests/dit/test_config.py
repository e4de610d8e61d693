"""The typed configuration layer: bounds before allocation, finite floats, one-line errors, unchanged JSON."""

import json
import shutil
from pathlib import Path

import pytest

from dit.checkpoint import load_generator, read_config
from dit.config import DiTConfig
from dit.errors import DiTError
from dit.generator import GeneratorConfig
from dit.train import TrainConfig

SHIPPED = Path(__file__).resolve().parents[2] / "hybrid/models/default"


def shipped_config() -> dict:
    return json.loads((SHIPPED / "config.json").read_text())["config"]


def test_the_shipped_model_loads_and_its_config_gives_the_same_json():
    config, meta = read_config(SHIPPED)
    assert json.dumps(config.to_dict()) == json.dumps(meta["config"])  # checkpoints record this text
    assert load_generator(SHIPPED).config == config


def test_a_hostile_model_config_is_a_one_line_error_before_any_allocation(tmp_path):
    folder = shutil.copytree(SHIPPED, tmp_path / "model")
    meta = json.loads((folder / "config.json").read_text())
    meta["config"]["dit"]["hidden_size"] = 1_000_000_000
    (folder / "config.json").write_text(json.dumps(meta))
    with pytest.raises(DiTError) as error:
        load_generator(folder)
    message = str(error.value)
    assert "GeneratorConfig.dit.hidden_size: Input should be less than or equal to 8192 (got 1000000000)" in message
    assert "\n" not in message


@pytest.mark.parametrize("part, field, value, rule", [
    ("dit", "depth", 10**6, "less than or equal to 128"),
    ("dit", "num_heads", 10**6, "less than or equal to 128"),
    ("dit", "patch_size", [1, 4, 10**6], "less than or equal to 64"),
    ("dit", "text_dim", 10**9, "less than or equal to 8192"),
    ("dit", "max_instances", 10**9, "less than or equal to 4096"),
    ("dit", "control_channels", {"depth": 10**6, "flow": 3, "segmentation": 1, "uv": 4}, "less than or equal to 64"),
    ("dit", "control_branches", ["depth", "flow", "segmentation", "u.v"], "should match pattern"),
    ("text", "max_length", 10**9, "max_length <= 4096"),
    ("text", "depth", 10**6, "depth <= 128"),
    ("text", "heads", 3, "heads dividing dim"),
])
def test_architecture_fields_have_upper_bounds(part, field, value, rule):
    data = shipped_config()
    data[part][field] = value
    with pytest.raises(DiTError, match=rule):
        GeneratorConfig.from_dict(data)


@pytest.mark.parametrize("build", [
    lambda: DiTConfig(mlp_ratio=float("inf")),
    lambda: GeneratorConfig.from_dict({**shipped_config(), "time_mean": float("inf")}),
    lambda: GeneratorConfig.from_dict({**shipped_config(), "text_dropout": float("nan")}),
    lambda: GeneratorConfig.from_dict({**shipped_config(), "control_dropout": {"depth": float("nan")}}),
    lambda: TrainConfig(lr=float("inf")),
    lambda: TrainConfig(grad_clip=float("nan")),
])
def test_non_finite_floats_are_refused(build):
    with pytest.raises(DiTError, match="finite number"):
        build()


def test_unknown_keys_name_where_they_are_and_the_known_keys():
    data = shipped_config()
    data["dit"]["learn_sigma"] = True
    with pytest.raises(DiTError, match=r"^unknown DiTConfig keys \['learn_sigma'\] in GeneratorConfig.dit; "
                                       r"known keys are \['attention', "):
        GeneratorConfig.from_dict(data)
