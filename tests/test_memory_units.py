import pytest

from mahm_search.errors import ConfigError
from mahm_search.memory import default_budget_bytes, parse_bytes
from mahm_search.memory.units import CPU_BUDGET_SHARE, format_bytes, total_ram_bytes


@pytest.mark.parametrize("text, expected", [
    ("10GiB", 10 * 2**30), ("512MiB", 512 * 2**20), ("2.5GB", 2_500_000_000), ("1 KiB", 1024),
    ("4g", 4 * 2**30), ("123", 123), (4096, 4096), (1.5e9, 1_500_000_000),
])
def test_parse_bytes_units(text, expected):
    assert parse_bytes(text) == expected


@pytest.mark.parametrize("bad", ["ten GiB", "5 parsecs", "-1GiB", "", 0, -5, True, "0MiB"])
def test_parse_bytes_rejects_with_field_name(bad):
    with pytest.raises(ConfigError, match="memory"):
        parse_bytes(bad, field="memory")


def test_cpu_default_budget_is_a_share_of_ram():
    assert default_budget_bytes("cpu") == int(total_ram_bytes() * CPU_BUDGET_SHARE)
    assert default_budget_bytes("cpu") > 0


def test_format_bytes():
    assert format_bytes(1536) == "1.5 KiB"
    assert format_bytes(3 * 2**30) == "3.0 GiB"
