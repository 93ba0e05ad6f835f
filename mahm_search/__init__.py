"""mahm-search: ablation and architecture search for MAHM two-hand reconstruction networks.

    from pathlib import Path
    from mahm_search import ArchSpec, build_model, TrialConfig, train, estimate_memory
    config = TrialConfig.model_validate({"arch": {"cascade_widths": [256, 128, 256]}, "train": {"steps": 50}})
    print(estimate_memory(config, "cpu").bytes)
    result = train(config, run_dir=Path("runs/one"))

Every public name of the sub-packages (hands, data, model, metrics, train, memory, study, search, console,
results, report, export, predict, runs) is also importable from the sub-package itself, e.g.
`from mahm_search.model import ArchSpec, build_model`.
"""

from . import train  # noqa: F401  (the training package, callable as the train function; cheap to import)
from ._exports import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "ArchSpec": ".model", "build_model": ".model",
    "TrialConfig": ".config", "trial_config": ".config", "load_trial_config": ".config",
    "TrainResult": ".train", "Reporter": ".train",
    "estimate_memory": ".memory", "plan_memory": ".memory",
    "load_study_spec": ".study", "run_study": ".search", "study_status": ".console",
    "write_figures": ".report", "write_report": ".report",
    "write_best_config": ".export",
    "ConfigError": ".errors", "DataError": ".errors", "MahmError": ".errors",
    "register_backbone": ".plugins", "register_head": ".plugins", "register_dataset": ".plugins",
    "register_loss_term": ".plugins", "register_metric": ".plugins", "hand_outputs": ".model",
})
__all__ = sorted([*__all__, "train"])
