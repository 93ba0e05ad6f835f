"""mahm-search: ablation and architecture search for MAHM two-hand reconstruction networks."""

__version__ = "0.1.0"
