"""ArchSpec validation: bad values name the field and what was expected."""

from __future__ import annotations

import pytest

from mahm_search.errors import ConfigError, parse_model
from mahm_search.model.builder import build_model
from mahm_search.model.spec import ArchSpec


@pytest.mark.parametrize("data,field,expected", [
    ({"cascade_widths": []}, "arch.cascade_widths", "non-empty"),
    ({"cascade_widths": [256, 0, -8]}, "arch.cascade_widths", "positive"),
    ({"heatmap": "feed"}, "arch", "heatmap_size"),
    ({"backbone": "resnet101"}, "arch.backbone", "resnet18"),
    ({"self_attention": [True, False]}, "arch", "one per cascade width"),
    ({"width_mult": 0}, "arch.width_mult", "greater than 0"),
    ({"pose_repr": "quat"}, "arch.pose_repr", "pca"),
    ({"pose_repr": "pca", "pca_components": 46}, "arch.pca_components", "less than or equal to 45"),
])
def test_invalid_arch_names_field(data, field, expected):
    with pytest.raises(ConfigError) as err:
        parse_model(ArchSpec, data, "study.yaml", prefix="arch")
    line = err.value.problems[0]
    assert line.startswith(f"study.yaml: {field}") and expected in line


def test_build_model_validates_a_plain_dict():
    with pytest.raises(ConfigError, match="arch.cascade_widths"):
        build_model({"cascade_widths": []})


def test_integral_heatmap_size_is_the_doubled_stride_8_map():
    assert ArchSpec(heatmap="integral", input_size=64).heatmap_size == 16
    assert ArchSpec(heatmap="integral", input_size=100).heatmap_size == 26
    with pytest.raises(ValueError, match="heatmap_size"):
        ArchSpec(heatmap="integral", input_size=64, heatmap_size=32)


def test_aux_heatmap_size_defaults_to_a_quarter_of_the_input():
    assert ArchSpec(heatmap="aux", input_size=128).heatmap_size == 32
