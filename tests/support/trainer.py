"""Shared tiny configurations and a recording Reporter for the trainer tests."""

from mahm_search.config import trial_config
from mahm_search.train.reporter import Reporter


def tiny_config(**train):
    base = {"steps": 4, "eval_every": 2, "batch_size": 2, "lr": 1e-3, "warmup_steps": 1, "seed": 0}
    return trial_config({
        "arch": {"backbone": "resnet18", "width_mult": 0.125, "input_size": 64, "cascade_widths": [32, 16, 32],
                 "split_dim": 32},
        "data": {"source": "synthetic", "synthetic": {"n_train": 4, "n_val": 2}},
        "train": base | train,
    })


class Recorder(Reporter):
    """Remembers every call; optionally raises after a given step to simulate a kill."""

    def __init__(self, die_after_step=None):
        self.die_after_step = die_after_step
        self.info, self.losses, self.reports, self.stops = None, {}, [], []

    def start(self, info):
        self.info = info

    def step_end(self, step, loss):
        if self.die_after_step is not None and step > self.die_after_step:
            raise KeyboardInterrupt("simulated kill")
        self.losses[step] = loss

    def report(self, step, metrics):
        self.reports.append((step, metrics))

    def stop(self, reason, step, message):
        self.stops.append((reason, step, message))
