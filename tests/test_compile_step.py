"""The training step is capture-safe (issue 10): forward + ground-truth MANO + loss, and clipping +
AdamW, each compile as ONE graph (no graph break, so no host read); a compiled step equals the eager
one; an LR schedule does not recompile; a config that cannot compile trains eagerly after one warning."""

import warnings

import pytest
import torch

from mahm_search.config import trial_config
from mahm_search.data.dummy import dummy_batch
from mahm_search.model.builder import build_model
from mahm_search.train.step import fast_step
from mahm_search.train.step.fast_step import FastStep, optimizer_kind, use_compile, use_cuda_graphs
from mahm_search.train.loss.losses import MAHMLoss
from mahm_search.train.schedule import make_scheduler
from mahm_search.train.step.step import make_loss_forward, make_optimizer, make_training_step, make_update

# The small config, plus every optional path of the network and loss: self-attention,
# an auxiliary heatmap, the 6D pose, dropout, micro-batches.
SMALL = {"backbone": "resnet18", "width_mult": 0.25, "input_size": 64, "cascade_widths": [128, 64, 128]}
EVERY_PATH = {**SMALL, "self_attention": True, "heatmap": "aux", "pose_repr": "rot6d", "dropout": 0.1}


@pytest.fixture(autouse=True)
def fresh_dynamo():
    torch._dynamo.reset()
    yield
    torch._dynamo.reset()


def _config(arch, **train):
    return trial_config({"arch": arch, "train": {"batch_size": 4, "amp": "none", "device": "cpu", **train}})


def _breaks(explained) -> list:
    # explain() can report graph_break_count 0 while listing a break (e.g. a skipped function): check both
    return [b.reason.splitlines()[0] for b in explained.break_reasons] + [None] * explained.graph_break_count


@pytest.mark.parametrize("arch", [SMALL, EVERY_PATH], ids=["small", "every_path"])
def test_forward_mano_and_loss_have_no_graph_break(arch):
    cfg = _config(arch, micro_batches=2)
    model = build_model(cfg.arch, cfg.mano).train()
    loss_fn = MAHMLoss(cfg.loss)
    batch = dummy_batch(4, 64)
    explained = torch._dynamo.explain(make_loss_forward(model, loss_fn, cfg.train))(batch, loss_fn.denominators(batch))
    assert _breaks(explained) == [] and explained.graph_count == 1


def test_clip_and_adamw_have_no_graph_break():
    cfg = _config(SMALL)
    model = build_model(cfg.arch, cfg.mano).train()
    optimizer = make_optimizer(model, cfg.train, compiled=True)
    for p in model.parameters():
        p.grad = torch.randn_like(p)
    explained = torch._dynamo.explain(make_update(model, optimizer, cfg.train))()
    assert _breaks(explained) == [] and explained.graph_count == 1


def _pair(arch, **train):
    """Two identical models, optimizers (the compiled kind) and schedulers."""
    cfg = _config(arch, **train)
    out = []
    for _ in range(2):
        torch.manual_seed(0)
        model = build_model(cfg.arch, cfg.mano).train()
        optimizer = make_optimizer(model, cfg.train, compiled=True)
        out.append((model, optimizer, make_scheduler(optimizer, cfg.train)))
    return cfg, out


def _counting_backend(calls):
    def backend(gm, example_inputs):
        calls.append(len(gm.graph.nodes))
        return gm.forward  # the traced graph run by eager ops: same values as eager
    return backend


def test_compiled_step_equals_eager_and_the_lr_schedule_does_not_recompile():
    cfg, [(m_eager, o_eager, s_eager), (m_fast, o_fast, s_fast)] = _pair(SMALL, steps=6, warmup_steps=2)
    eager = make_training_step(m_eager, MAHMLoss(cfg.loss), o_eager, cfg.train, s_eager)
    start = [p.detach().clone() for p in m_eager.parameters()]
    calls = []
    fast = FastStep(m_fast, MAHMLoss(cfg.loss), o_fast, cfg.train.model_copy(update={"compile": "on"}),
                    torch.device("cpu"), s_fast, backend=_counting_backend(calls))
    assert fast.mode == "compiled"
    lrs = []
    for i in range(4):
        batch = dummy_batch(4, 64, seed=i)
        lrs.append(float(o_fast.param_groups[0]["lr"]))
        a, b = eager(batch), fast(batch)
        torch.testing.assert_close(b.loss, a.loss, rtol=1e-6, atol=0)
    assert len(set(lrs)) == 4  # warm-up then cosine: a new LR every step ...
    assert len(calls) == 2  # ... yet forward+loss and clip+AdamW compiled once each
    assert fast.fallback is None and fast.compile_s > 0
    # AdamW's traced branch rounds differently, and where a gradient is ~0 Adam's normalised update
    # amplifies that: compare the whole weight change, not single elements
    moved = torch.cat([(p - p0).flatten() for p, p0 in zip(m_eager.parameters(), start)])
    apart = torch.cat([(q - p).flatten() for p, q in zip(m_eager.parameters(), m_fast.parameters())])
    assert apart.norm() < 1e-4 * moved.norm(), (apart.norm(), moved.norm())


def test_a_config_that_cannot_compile_trains_eagerly_after_one_warning():
    cfg, [(m_eager, o_eager, s_eager), (m_fast, o_fast, s_fast)] = _pair(SMALL)

    def broken(gm, example_inputs):
        raise RuntimeError("this backend cannot compile it")

    eager = make_training_step(m_eager, MAHMLoss(cfg.loss), o_eager, cfg.train, s_eager)
    fast = FastStep(m_fast, MAHMLoss(cfg.loss), o_fast, cfg.train.model_copy(update={"compile": "on"}),
                    torch.device("cpu"), s_fast, backend=broken)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for i in range(3):
            batch = dummy_batch(4, 64, seed=i)
            assert fast(batch).loss == eager(batch).loss  # the eager step, exactly
    said = [str(w.message) for w in caught if "train.compile" in str(w.message)]
    assert len(said) == 1 and "cannot compile it" in said[0], said
    assert fast.mode == "eager" and "cannot compile it" in fast.fallback


def test_out_of_memory_is_not_swallowed_by_the_fallback():
    cfg, [_, (model, optimizer, scheduler)] = _pair(SMALL)

    def oom(gm, example_inputs):
        raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")

    fast = FastStep(model, MAHMLoss(cfg.loss), optimizer, cfg.train.model_copy(update={"compile": "on"}),
                    torch.device("cpu"), scheduler, backend=oom)
    with pytest.raises(torch.OutOfMemoryError):
        fast(dummy_batch(4, 64))


def test_every_training_batch_has_the_same_shape():
    """A captured step needs static shapes: the sampler never yields a last partial batch (a step's
    batch runs on into the next epoch), whatever the dataset size."""
    from mahm_search.train.batches import StepBatchSampler

    for n in (3, 10, 17):
        sizes = {len(b) for b in StepBatchSampler(n, batch_size=4, seed=0, start_step=0, end_step=12)}
        assert sizes == {4}, (n, sizes)


def test_auto_means_on_for_cuda_and_off_on_cpu():
    spec = _config(SMALL).train
    cpu, cuda = torch.device("cpu"), torch.device("cuda")
    assert (use_compile(spec, cpu), use_cuda_graphs(spec, cpu)) == (False, False)
    assert (use_compile(spec, cuda), use_cuda_graphs(spec, cuda)) == (True, True)
    assert optimizer_kind(spec, cpu) == {"compiled": False, "captured": False}
    fp16 = spec.model_copy(update={"amp": "fp16"})  # loss scaling syncs the host: eager
    assert (use_compile(fp16, cuda), use_cuda_graphs(fp16, cuda)) == (False, False)
    off = spec.model_copy(update={"compile": "off", "cuda_graphs": "off"})
    assert (use_compile(off, cuda), use_cuda_graphs(off, cuda)) == (False, False)
    assert use_cuda_graphs(spec.model_copy(update={"cuda_graphs": "on"}), cpu) is False


def test_the_trainer_runs_the_compiled_step_and_reports_its_compile_time(monkeypatch):
    from mahm_search.train.trainer import train
    from support.trainer import Recorder, tiny_config

    monkeypatch.setattr(fast_step, "BACKEND", "eager")  # dynamo's graphs run eagerly: no C++ build
    plain = train(tiny_config(), Recorder())
    compiled = train(tiny_config(compile="on"), Recorder())
    assert [h["step"] for h in compiled.history] == [2, 4]
    assert compiled.history[-1]["compile_s"] > 0 and plain.history[-1]["compile_s"] == 0
    assert compiled.history[-1]["lr"] == plain.history[-1]["lr"]
    assert compiled.history[-1]["train_loss"] == pytest.approx(plain.history[-1]["train_loss"], rel=1e-4)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA: a CUDA graph captures CUDA kernels only")
@pytest.mark.parametrize("amp", ["none", "bf16"])
def test_captured_step_matches_eager_on_cuda(amp):
    device = torch.device("cuda")
    cfg = trial_config({"arch": SMALL, "train": {"batch_size": 8, "amp": amp, "device": "cuda", "steps": 10}})
    runs = []
    for mode in ("off", "on"):
        torch.manual_seed(0)
        model = build_model(cfg.arch, cfg.mano).to(device).train()
        spec = cfg.train.model_copy(update={"compile": mode, "cuda_graphs": mode})
        optimizer = make_optimizer(model, spec, **optimizer_kind(spec, device))
        step = FastStep(model, MAHMLoss(cfg.loss), optimizer, spec, device, make_scheduler(optimizer, spec))
        losses = [step({k: v.to(device) for k, v in dummy_batch(8, 64, seed=i).items()}).loss for i in range(6)]
        runs.append((step, torch.stack(losses).float().cpu(), [p.detach().float().cpu() for p in model.parameters()]))
    (_, eager_loss, eager_params), (fast, fast_loss, fast_params) = runs
    assert fast.mode == "compiled+captured" and fast.fallback is None  # steps 5-6 were graph replays
    tol = {"none": dict(rtol=1e-4, atol=1e-5), "bf16": dict(rtol=2e-2, atol=1e-3)}[amp]
    torch.testing.assert_close(fast_loss, eager_loss, **tol)
    for p, q in zip(eager_params, fast_params):
        torch.testing.assert_close(q, p, **tol)
