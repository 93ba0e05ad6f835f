"""The rescues keep the mathematics: the trainer's step gives the same gradients with activation
checkpointing and with micro-batches (gradient accumulation) as without."""

import copy

import pytest
import torch

from mahm_search.config import TrialConfig
from mahm_search.data.dummy import dummy_batch
from mahm_search.model.builder import build_model
from mahm_search.train.loss.losses import MAHMLoss
from mahm_search.train.step.step import make_training_step


def grads_after_step(model, config: TrialConfig, batch: dict, train_mode: bool) -> list[torch.Tensor]:
    model = copy.deepcopy(model)
    model.set_checkpointing(stages="stages" in config.train.checkpointing,
                            backbone="backbone" in config.train.checkpointing)
    model.train(train_mode)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.0)  # lr 0: compare gradients, not updates
    make_training_step(model, MAHMLoss(config.loss), optimizer, config.train)(batch)
    return [p.grad.clone() for p in model.parameters() if p.grad is not None]


@pytest.fixture(scope="module")
def setup():
    torch.manual_seed(0)
    config = TrialConfig(arch={"width_mult": 0.125, "input_size": 64, "cascade_widths": [32, 16, 32],
                               "ief_iters": 1},
                         train={"batch_size": 4, "grad_clip": None, "device": "cpu"})
    return config, build_model(config.arch, config.mano), dummy_batch(4, 64)


def rescued(config: TrialConfig, **train) -> TrialConfig:
    return config.model_copy(update={"train": config.train.model_copy(update=train)})


def assert_same(a, b):
    assert len(a) == len(b) > 0
    for x, y in zip(a, b):
        torch.testing.assert_close(x, y, rtol=1e-3, atol=1e-4)


def test_checkpointing_keeps_gradients(setup):
    config, model, batch = setup
    plain = grads_after_step(model, config, batch, train_mode=True)
    assert_same(plain, grads_after_step(model, rescued(config, checkpointing=["stages", "backbone"]), batch, True))


def test_micro_batches_keep_gradients(setup):
    # eval mode: BatchNorm then uses running statistics; in train mode its batch statistics are the one
    # thing a smaller micro-batch changes (documented), everything else accumulates exactly.
    config, model, batch = setup
    plain = grads_after_step(model, config, batch, train_mode=False)
    assert_same(plain, grads_after_step(model, rescued(config, micro_batches=2), batch, False))
