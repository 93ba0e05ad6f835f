"""Memory estimation and rescue on tiny configs (traced runs: each estimate takes well under a second)."""

import pytest
import torch

from mahm_search.config import TrialConfig
from mahm_search.memory import (METHOD_META, estimate_memory, estimate_peak_bytes, plan_memory,
                                       rescue_ladder)
from mahm_search.memory.trace import FAKE, traced_peak_bytes


def tiny(**train) -> TrialConfig:
    return TrialConfig(
        arch={"width_mult": 0.125, "input_size": 64, "cascade_widths": [16], "ief_iters": 1},
        # batch 64: activations, not AdamW's foreach temporaries, make the peak, so rescues lower it
        train={"batch_size": 64, "device": "cpu", **train},
    )


def with_arch(config: TrialConfig, **arch) -> TrialConfig:
    return config.model_copy(update={"arch": config.arch.model_copy(update=arch)})


@pytest.fixture(scope="module")
def base_estimate():
    return estimate_memory(tiny(), "cpu")


def test_meta_run_is_used_on_cpu(base_estimate):
    # speed is measured in benchmarks/bench_memory.py, not asserted here
    assert base_estimate.method == METHOD_META
    assert base_estimate.bytes == base_estimate.tensor_bytes > 0


def test_fake_tensors_trace_the_same_peak(base_estimate):
    # the fallback (and CUDA's method) agrees with the meta run where both apply; fused AdamW's
    # fake-CPU path keeps ~1 KB of scalars the meta path does not (77 MB peak: 0.001%)
    assert abs(traced_peak_bytes(tiny(), torch.device("cpu"), FAKE) - base_estimate.tensor_bytes) <= 4096


def test_falls_back_when_meta_fails(monkeypatch):
    import mahm_search.memory.trace as trace

    def no_meta(config, device, tensors):
        if tensors != FAKE:
            raise NotImplementedError("an op without a meta kernel")
        return 123

    monkeypatch.setattr(trace, "traced_peak_bytes", no_meta)
    with pytest.warns(RuntimeWarning, match="meta-run memory estimate failed"):
        estimate = estimate_memory(tiny(batch_size=3), "cpu")
    assert (estimate.method, estimate.tensor_bytes) == ("fake-run", 123)


def test_cuda_figure_adds_context_and_allocator_overhead(base_estimate):
    from mahm_search.memory import CUDA_ALLOCATOR_OVERHEAD, CUDA_CONTEXT_BYTES, CUDA_WORKSPACE_BYTES

    if torch.cuda.is_available():
        pytest.skip("traced on fake CUDA tensors there: a different tensor figure")
    cuda = estimate_memory(tiny(), "cuda")
    # CUDA rounds blocks up to 512 B and adds the cuBLAS workspaces
    assert cuda.tensor_bytes >= base_estimate.tensor_bytes + CUDA_WORKSPACE_BYTES
    assert cuda.bytes == int(cuda.tensor_bytes * (1 + CUDA_ALLOCATOR_OVERHEAD)) + CUDA_CONTEXT_BYTES


def test_grows_with_batch_size(base_estimate):
    assert estimate_peak_bytes(tiny(batch_size=128), "cpu") > base_estimate.bytes


def test_grows_with_self_attention(base_estimate):
    assert estimate_peak_bytes(with_arch(tiny(), self_attention=True), "cpu") > base_estimate.bytes


def test_checkpointing_lowers(base_estimate):
    stages = estimate_peak_bytes(tiny(checkpointing=["stages"]), "cpu")
    both = estimate_peak_bytes(tiny(checkpointing=["stages", "backbone"]), "cpu")
    assert both < base_estimate.bytes
    assert stages <= base_estimate.bytes


def test_micro_batches_lower(base_estimate):
    assert estimate_peak_bytes(tiny(micro_batches=2), "cpu") < base_estimate.bytes


def test_rescue_ladder_order_keeps_effective_batch():
    names = [name for name, _ in rescue_ladder(tiny(batch_size=8))]  # builds configs only: instant
    assert names == ["checkpointing=stages", "checkpointing=stages+backbone",
                     "checkpointing=stages+backbone, micro_batches=2",
                     "checkpointing=stages+backbone, micro_batches=4",
                     "checkpointing=stages+backbone, micro_batches=8"]
    assert all(c.train.batch_size == 8 for _, c in rescue_ladder(tiny(batch_size=8)))


def test_plan_without_budget_does_not_rescue(base_estimate):
    plan = plan_memory(tiny(), None, "cpu")
    assert (plan.rescue, plan.fits) == ("none", True)
    assert plan.estimate_bytes == plan.original_estimate_bytes == base_estimate.bytes


def test_plan_tiny_budget_does_not_fit():
    plan = plan_memory(tiny(batch_size=2), 1024, "cpu")  # short ladder: 3 rescues
    assert not plan.fits
    assert plan.config.train.micro_batches == 1


def test_plan_rescues_between_estimates(base_estimate):
    rescued = estimate_peak_bytes(tiny(checkpointing=["stages", "backbone"]), "cpu")
    budget = (rescued + base_estimate.bytes) // 2
    plan = plan_memory(tiny(), budget, "cpu")
    assert plan.fits and plan.rescue.startswith("checkpointing=stages")
    assert plan.estimate_bytes <= budget < plan.original_estimate_bytes
    assert plan.config.train.checkpointing and plan.config.train.batch_size == 64
    assert tiny().train.checkpointing == []  # the input config is not modified


def test_disk_cache_reuses_an_estimate_across_memory_neutral_knobs(monkeypatch, tmp_path):
    """A config traced once is read back by any process; lr, seed or loss weights do not matter to
    memory and share the entry, the batch size does not."""
    import mahm_search.memory.estimate as memory
    import mahm_search.memory.trace as trace

    monkeypatch.setenv("MAHM_MEMORY_CACHE", "on")
    monkeypatch.setenv("MAHM_CACHE_DIR", str(tmp_path))
    traces = []
    real = trace.traced_peak_bytes
    monkeypatch.setattr(trace, "traced_peak_bytes", lambda *a: traces.append(a) or real(*a))

    first = estimate_memory(tiny(batch_size=5), "cpu")
    memory._estimate_cached.cache_clear()  # as a new process would start
    lr_and_weights = tiny(batch_size=5, lr=0.05, seed=3).model_copy(
        update={"loss": TrialConfig(loss={"weights": {"pose": 9.0}}).loss})
    again = estimate_memory(lr_and_weights, "cpu")
    assert len(traces) == 1 and (first.cached, again.cached) == (False, True)
    assert (again.bytes, again.tensor_bytes, again.method) == (first.bytes, first.tensor_bytes, first.method)
    assert len(list((tmp_path / "memory-estimates").glob("*.json"))) == 1

    other = estimate_memory(tiny(batch_size=6), "cpu")
    assert not other.cached and len(traces) == 2 and other.bytes > first.bytes

    monkeypatch.setenv("MAHM_MEMORY_CACHE", "off")
    memory._estimate_cached.cache_clear()
    assert not estimate_memory(tiny(batch_size=5), "cpu").cached and len(traces) == 3
