"""LiveBytes: the live-storage peak tracker under the memory estimate, on real CPU tensors."""

import torch

from mahm_search.memory.live import LiveBytes


def test_counts_allocations_once_and_frees():
    with LiveBytes(torch.device("meta")) as live:  # no scratch rules off CPU
        a = torch.empty(1000, dtype=torch.uint8)
        view = a[:10]  # shares a's storage: not counted again
        a.add_(1)  # in place: nothing new
        b = torch.empty(500, dtype=torch.uint8)
        assert live.current == 1500
        del a, view
        assert live.current == 500
        c = torch.empty(200, dtype=torch.uint8)
    assert (live.current, live.peak) == (700, 1500)
    del b, c


def test_tracks_existing_tensors_and_rounds_cuda_blocks():
    live = LiveBytes(torch.device("cuda"))
    live.track(torch.empty(1, dtype=torch.uint8), torch.empty(513, dtype=torch.uint8))
    assert live.peak == 512 + 1024


def test_cpu_conv_scratch_counted_while_the_conv_runs():
    x, w = torch.randn(1, 1, 8, 8), torch.randn(1, 1, 1, 1)
    with LiveBytes(torch.device("cpu")) as live:
        y = torch.nn.functional.conv2d(x, w)
    out = y.numel() * 4
    expected = out * 2 if torch.backends.mkldnn.is_available() else out
    assert live.peak == expected and live.current == out
