"""MAHM-Bench: a tabular benchmark of MAHM configurations (space.py, table.py) and the replay harness
that runs searches against it on a simulated clock (replay.py, contenders.py, tasks.py, measure.py)."""
