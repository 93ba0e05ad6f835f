"""train(): overfitting, exact resume, micro-batch gradients, NaN stop, balance: auto, the CLI."""

import math
import time

import pandas as pd
import pytest
import torch
from typer.testing import CliRunner

from mahm_search.cli import app
from mahm_search.data.dummy import dummy_batch
from mahm_search.model.builder import build_model
from mahm_search.train.loss import losses as losses_module
from mahm_search.train.checkpoint import load_checkpoint
from mahm_search.train.loss.losses import MAHMLoss
from mahm_search.train.step.step import make_training_step
from mahm_search.train.trainer import train
from support.trainer import Recorder, tiny_config


@pytest.fixture(autouse=True)
def one_thread():
    """One intra-op thread: on a shared 2-core machine, 2 OpenMP threads that wait for each other made
    these tiny steps 10x slower and erratic; one thread keeps them ~0.15 s."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def test_few_samples_overfit():
    cfg = tiny_config(steps=24, eval_every=24, lr=3e-3, warmup_steps=2, schedule="constant")
    cfg.data.synthetic.n_train = 2
    rec = Recorder()
    result = train(cfg, rec)
    assert result.status == "complete" and result.steps_done == 24
    first = sum(rec.losses[s] for s in (1, 2, 3)) / 3
    last = sum(rec.losses[s] for s in (22, 23, 24)) / 3
    assert last < 0.5 * first, (first, last)
    assert [h["step"] for h in result.history] == [24] and math.isfinite(result.history[-1]["score"])
    assert result.params_count > 0 and result.memory_peak_bytes > 0


def test_resume_continues_exactly(tmp_path):
    cfg = tiny_config()
    whole = Recorder()
    ref = train(cfg, whole, run_dir=tmp_path / "whole")
    with pytest.raises(KeyboardInterrupt):
        train(cfg, Recorder(die_after_step=2), run_dir=tmp_path / "cut")  # killed after the step-2 checkpoint
    rest = Recorder()
    resumed = train(cfg, rest, run_dir=tmp_path / "cut")
    assert rest.info["start_step"] == 2 and sorted(rest.losses) == [3, 4]  # no restarted steps
    assert rest.losses[3] == pytest.approx(whole.losses[3], rel=1e-6, abs=1e-7)
    assert [h["step"] for h in resumed.history] == [2, 4] and resumed.steps_done == 4
    assert resumed.history[0] == ref.history[0]
    assert resumed.history[1]["score"] == pytest.approx(ref.history[1]["score"], rel=1e-4)


def test_raising_steps_on_resume_says_how_the_schedule_changes(tmp_path):
    import warnings

    from mahm_search.train.resume import ScheduleChangeWarning, schedule_change
    from mahm_search.train.schedule import lr_factor

    cfg = tiny_config()
    with pytest.raises(KeyboardInterrupt):
        train(cfg, Recorder(die_after_step=2), run_dir=tmp_path / "cut")
    longer = tiny_config(steps=8)
    with pytest.warns(ScheduleChangeWarning) as caught:
        resumed = train(longer, Recorder(), run_dir=tmp_path / "cut")
    assert resumed.steps_done == 8
    before, after = cfg.train.lr * lr_factor(2, cfg.train), cfg.train.lr * lr_factor(2, longer.train)
    assert before != after
    line = str(caught[0].message)
    assert f"train.steps {cfg.train.steps} -> 8" in line and f"from {before:.3g} to {after:.3g}" in line
    with warnings.catch_warnings():
        warnings.simplefilter("error", ScheduleChangeWarning)  # same steps again: nothing to say
        train(longer, Recorder(), run_dir=tmp_path / "cut")
    constant = tiny_config(steps=8, schedule="constant", warmup_steps=0)
    line = schedule_change(tmp_path, {"train": {"steps": 4}}, constant.train, 2)
    assert f"stays {constant.train.lr:.3g}" in line


def test_best_checkpoint_keeps_the_lowest_objective_and_init_from_starts_from_it(tmp_path):
    from mahm_search.errors import MahmError
    from mahm_search.train.checkpoint import load_weights

    cfg = tiny_config(steps=6, eval_every=2)
    result = train(cfg, Recorder(), run_dir=tmp_path / "a")
    best = load_weights(tmp_path / "a" / "best.pt")
    lowest = min(result.history, key=lambda h: h["score"])
    assert best["step"] == lowest["step"] and best["metrics"]["score"] == lowest["score"]
    assert "optimizer" not in best  # weights only: a few MB per trial
    # fine-tune from it: the new run starts from those weights (a tiny lr leaves them as they were)
    tuned = tiny_config(steps=1, eval_every=1, lr=1e-12, warmup_steps=0, init_from=str(tmp_path / "a" / "best.pt"))
    train(tuned, Recorder(), run_dir=tmp_path / "b")
    after = load_checkpoint(tmp_path / "b" / "checkpoint.pt")["model"]
    torch.testing.assert_close(after["backbone.conv1.weight"], best["model"]["backbone.conv1.weight"],
                               rtol=0, atol=1e-8)
    other = tiny_config(steps=1, init_from=str(tmp_path / "a" / "best.pt"))
    other.arch.cascade_widths = [16]
    with pytest.raises(MahmError, match=r"best.pt: train.init_from: written for another architecture"):
        train(other, Recorder(), run_dir=tmp_path / "c")
    with pytest.raises(MahmError, match=r"missing.pt: train.init_from: file does not exist"):
        train(tiny_config(init_from=str(tmp_path / "missing.pt")), Recorder())


def _grads(micro_batches):
    cfg = tiny_config(micro_batches=micro_batches, grad_clip=None)
    torch.manual_seed(0)
    model = build_model(cfg.arch, cfg.mano).eval()  # eval: BatchNorm statistics differ per micro-batch
    opt = torch.optim.SGD(model.parameters(), lr=0.0)
    batch = dummy_batch(4, 64)
    batch["joint_valid"][0, 1, :5] = 0  # uneven masks across micro-batches
    batch["mano_valid"][3, 0] = 0
    out = make_training_step(model, MAHMLoss(cfg.loss), opt, cfg.train)(batch)
    return out.loss, [p.grad.clone() for p in model.parameters() if p.grad is not None]


def test_micro_batches_give_the_same_gradients():
    loss1, g1 = _grads(1)
    loss2, g2 = _grads(2)
    torch.testing.assert_close(loss2, loss1, rtol=1e-5, atol=1e-6)
    assert len(g1) == len(g2) > 0
    for a, b in zip(g1, g2):
        torch.testing.assert_close(b, a, rtol=1e-4, atol=1e-6)


def poison_term(monkeypatch, term: str, from_call: int, value: float) -> None:
    """MAHMLoss.terms multiplies `term` by `value` from its from_call-th call on."""
    original = MAHMLoss.terms
    calls = {"n": 0}

    def poisoned(self, *args, **kwargs):
        calls["n"] += 1
        terms = original(self, *args, **kwargs)
        return {**terms, term: terms[term] * value} if calls["n"] >= from_call else terms

    monkeypatch.setattr(losses_module.MAHMLoss, "terms", poisoned)


def test_non_finite_loss_stops_with_reason(monkeypatch):
    poison_term(monkeypatch, "shape", 2, math.nan)
    rec = Recorder()
    result = train(tiny_config(), rec)
    assert result.status == "nan" and result.steps_done == 2
    assert rec.stops and rec.stops[0][:2] == ("nan", 2) and "shape" in rec.stops[0][2]


def test_balance_auto_puts_terms_within_an_order_and_stores_weights(tmp_path):
    cfg = tiny_config(steps=1, eval_every=1)
    cfg.loss.balance, cfg.loss.balance_steps = "auto", 2
    rec = Recorder()
    result = train(cfg, rec, run_dir=tmp_path)
    assert result.loss_weights != cfg.loss.weights.model_dump()
    assert rec.info["loss_weights"] == result.loss_weights
    assert load_checkpoint(tmp_path / "checkpoint.pt")["loss_weights"] == result.loss_weights
    # The first batch, weighted with the chosen weights, through a freshly built (same-seed) network:
    torch.manual_seed(cfg.train.seed)
    model = build_model(cfg.arch, cfg.mano)
    from mahm_search.data.build import build_datasets
    from mahm_search.train.batches import train_batches
    from mahm_search.train.step.step import make_loss_forward, to_device

    loss = MAHMLoss(cfg.loss, result.loss_weights)
    batch = to_device(next(iter(train_batches(build_datasets(cfg.data, cfg.mano)[0], 2, cfg.train.seed, 0, 1))),
                      torch.device("cpu"))
    with torch.no_grad():
        _, terms = make_loss_forward(model.train(), loss, cfg.train)(batch)
    weighted = [result.loss_weights[t] * float(v) for t, v in terms.items()]
    assert max(weighted) / min(weighted) < 10, dict(zip(terms, weighted))


def test_train_cli_writes_history_csv(tmp_path):
    cfg_file = tmp_path / "cfg.yaml"
    import yaml

    cfg_file.write_text(yaml.safe_dump(tiny_config(steps=2, eval_every=1).to_dict()))
    result = CliRunner().invoke(app, ["train", str(cfg_file), "--out", str(tmp_path / "run")])
    assert result.exit_code == 0, result.output
    hist = pd.read_csv(tmp_path / "run" / "history.csv")
    assert list(hist["step"]) == [1, 2] and {"score", "mpjpe", "mpvpe", "train_loss"} <= set(hist.columns)
    again = CliRunner().invoke(app, ["train", str(cfg_file), "--out", str(tmp_path / "run")])
    assert again.exit_code == 0 and "resuming" in again.output
    assert list(pd.read_csv(tmp_path / "run" / "history.csv")["step"]) == [1, 2]


def test_a_slow_loader_shows_in_the_data_wait_share(monkeypatch):
    from mahm_search.data.synthetic import SyntheticDataset

    cfg = tiny_config(steps=4, eval_every=4)
    quick = train(cfg, Recorder())
    assert quick.data_wait_share is not None and 0 <= quick.data_wait_share < 1
    draw = SyntheticDataset.draw

    def slow_draw(self, *args, **kw):
        time.sleep(0.2)  # far longer than a tiny step: the loop mostly waits
        return draw(self, *args, **kw)

    monkeypatch.setattr(SyntheticDataset, "draw", slow_draw)
    slow = train(cfg, Recorder())
    assert slow.data_wait_share > 0.5 and slow.data_wait_share > quick.data_wait_share


def test_loader_workers_train_the_same_run():
    # batches, augmentation included, and the evaluations do not depend on the DataLoader worker count
    def run(workers):
        cfg = tiny_config(steps=4, eval_every=2)
        cfg.data.num_workers = workers
        cfg.data.crop.rotation_deg, cfg.data.crop.jitter = 20.0, 0.05
        rec = Recorder()
        return train(cfg, rec), rec

    (a, rec_a), (b, rec_b) = run(0), run(2)
    assert rec_a.losses == rec_b.losses
    assert [h["score"] for h in a.history] == [h["score"] for h in b.history]


def test_a_non_finite_loss_between_evaluations_stops_at_its_own_step(monkeypatch):
    # steps 2-5 are read only after the next step is queued; the stop still names step 3
    poison_term(monkeypatch, "pose", 3, math.inf)
    rec = Recorder()
    result = train(tiny_config(steps=6, eval_every=6), rec)
    assert result.status == "nan" and result.steps_done == 3
    assert rec.stops[0][:2] == ("nan", 3) and "pose" in rec.stops[0][2]
    assert sorted(rec.losses) == [1, 2]


def test_losses_read_late_are_those_of_their_own_step():
    # eval_every 1 reads every loss at once; eval_every 6 reads steps 2-5 once the next step is queued
    at_once, late = Recorder(), Recorder()
    train(tiny_config(steps=6, eval_every=1), at_once)
    train(tiny_config(steps=6, eval_every=6), late)
    assert sorted(late.losses) == list(range(1, 7)) and len(set(late.losses.values())) == 6
    assert late.losses == pytest.approx(at_once.losses, rel=1e-6, abs=1e-7)
