"""How many aten ops one trainer step dispatches, and where they come from.

    python benchmarks/bench_step_ops.py [--batch 16] [--size 128] [--widths 1024,512,...] [--top 25]
                                        [--ops] [--by-class] [--time]

On the CPU the cascade head is dispatch-bound (it adds ~4% FLOPs but ~10x the backbone's op count),
so the number of ops is the measure to cut. Unlike times, it does not depend on machine load.

The step is exactly what bench_step_ratio.py times as "MAHM (trainer step)" (train/step/step.py). Every
leaf aten op (below autograd, as the kernels run) is charged to:
- forward: the innermost module whose forward is running ("stages.3.attention.cross_attn.ffn", ...;
  with --by-class, its class name);
- backward: "backward <the label current when the autograd node was made>" (told by the node's
  sequence number; "accumulate grad" for the parameters' gradient accumulation);
- "gt mano" (the ground truth's MANO call after the network), "loss" (MAHMLoss), "clip + zero_grad"
  (anything outside the above, before the optimizer) and "optimizer" (AdamW's step).
"""

from __future__ import annotations

import argparse
import bisect
import collections
import time
from typing import Dict, List

import torch
from torch.utils._python_dispatch import TorchDispatchMode

from mahm_search.config import trial_config
from mahm_search.data.dummy import dummy_batch
from mahm_search.model.builder import build_model
from mahm_search.train.loss.losses import MAHMLoss
from mahm_search.train.step.step import make_optimizer, make_training_step

SEED_BEST = [1024, 512, 256, 128, 256, 512, 1024]
PHASES = ("gt mano", "loss", "clip + zero_grad", "optimizer", "accumulate grad")


class Where:
    """The label ops are charged to now (a stack of module names plus a phase), and which label was
    current when each autograd node was made."""

    def __init__(self) -> None:
        self.stack: List[str] = []
        self.phase = "clip + zero_grad"  # between the labelled parts of the step
        # (next autograd sequence number, label) at each forward op, in order. Autograd numbers a node
        # before the op that makes it reaches the kernels, so node s was made by (or just before) the
        # first op recorded with a number > s: its label charges the node's backward.
        self.next_seq: List[int] = []
        self.labels: List[str] = []

    def label(self) -> str:
        return self.stack[-1] if self.stack else self.phase

    def record_forward(self, label: str) -> None:
        self.next_seq.append(torch._C._autograd._get_sequence_nr())
        self.labels.append(label)

    def backward_label(self, node) -> str:
        if node.name() == "torch::autograd::AccumulateGrad":
            return "accumulate grad"
        i = bisect.bisect_right(self.next_seq, node._sequence_nr())
        return self.labels[i] if i < len(self.labels) else "?"


class CountOps(TorchDispatchMode):
    """Counts each op under its label; with `timed`, also the seconds the op itself took (the kernel
    and the dispatcher below this mode, not this mode's own Python)."""

    def __init__(self, where: Where, timed: bool = False):
        super().__init__()
        self.where = where
        self.timed = timed
        self.counts: collections.Counter = collections.Counter()
        self.seconds: collections.Counter = collections.Counter()
        self.by_op: Dict[str, collections.Counter] = collections.defaultdict(collections.Counter)

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        node = torch._C._current_autograd_node()
        if node is not None:
            label = "backward " + self.where.backward_label(node)
        else:
            label = self.where.label()
            self.where.record_forward(label)
        self.counts[label] += 1
        self.by_op[label][str(func.overloadpacket.__name__)] += 1
        if not self.timed:
            return func(*args, **(kwargs or {}))
        t0 = time.perf_counter()
        out = func(*args, **(kwargs or {}))
        self.seconds[label] += time.perf_counter() - t0
        return out


def install_hooks(model: torch.nn.Module, loss_fn: torch.nn.Module, optimizer, where: Where, by_class: bool):
    def push(module, label):
        def pre(_module, _args):
            # the network's own MANO calls run inside it; once it has returned, MANO is the ground truth's
            where.stack.append("gt mano" if module is model.mano and not where.stack else label)
        return pre

    def pop(_module, _args, _out):
        where.stack.pop()

    for name, module in model.named_modules():
        label = name or "model"
        if by_class:
            label = ("backbone." if name.startswith("backbone") else "") + type(module).__name__
        module.register_forward_pre_hook(push(module, label))
        module.register_forward_hook(pop)
    loss_fn.register_forward_pre_hook(push(loss_fn, "loss"))
    loss_fn.register_forward_hook(pop)
    optimizer.register_step_pre_hook(lambda *_: setattr(where, "phase", "optimizer"))
    optimizer.register_step_post_hook(lambda *_: setattr(where, "phase", "clip + zero_grad"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--size", type=int, default=128)
    ap.add_argument("--widths", default=",".join(map(str, SEED_BEST)))
    ap.add_argument("--top", type=int, default=25, help="labels to list, most ops first")
    ap.add_argument("--ops", action="store_true", help="also list the top aten ops of each label")
    ap.add_argument("--by-class", action="store_true", help="charge ops to module classes, not names")
    ap.add_argument("--time", action="store_true",
                    help="also sum each label's op times (one thread; load-dependent, unlike the counts)")
    args = ap.parse_args()
    if args.time:
        torch.set_num_threads(1)
    torch.manual_seed(0)
    widths = [int(w) for w in args.widths.split(",")]
    cfg = trial_config({"arch": {"backbone": "resnet18", "input_size": args.size, "cascade_widths": widths},
                        "train": {"batch_size": args.batch, "device": "cpu"}})
    model = build_model(cfg.arch, cfg.mano).train()
    loss_fn = MAHMLoss(cfg.loss)
    optimizer = make_optimizer(model, cfg.train)
    step = make_training_step(model, loss_fn, optimizer, cfg.train)
    batch = dummy_batch(args.batch, args.size)
    step(batch)  # AdamW's state exists from now on: the next step is the steady state

    where = Where()
    install_hooks(model, loss_fn, optimizer, where, args.by_class)
    counter = CountOps(where, timed=args.time)
    with counter:
        step(batch)

    total = sum(counter.counts.values())
    groups: collections.Counter = collections.Counter()
    group_seconds: collections.Counter = collections.Counter()
    for label, n in counter.counts.items():
        base = label.removeprefix("backward ")
        part = "backbone" if base.startswith("backbone") else base if base in PHASES else "head"
        part += " backward" if label.startswith("backward ") else ""
        groups[part] += n
        group_seconds[part] += counter.seconds[label]

    def timing(label: str, table: collections.Counter) -> str:
        return f"  {table[label] * 1e3:8.1f} ms" if args.time else ""

    print(f"aten ops of one trainer step (batch {args.batch}, {args.size} px, widths {widths}): {total}"
          + (f", {sum(counter.seconds.values()) * 1e3:.1f} ms in the ops (1 thread)" if args.time else ""))
    for part, n in groups.most_common():
        print(f"  {part:30s} {n:6d}  {100 * n / total:5.1f}%" + timing(part, group_seconds))
    print(f"top {args.top} labels:")
    for label, n in counter.counts.most_common(args.top):
        print(f"  {label:60s} {n:6d}" + timing(label, counter.seconds))
        if args.ops:
            print("      " + ", ".join(f"{op} {k}" for op, k in counter.by_op[label].most_common(8)))

if __name__ == "__main__":
    main()
