"""Helpers shared by the tests, none of them a test module: stand-in trainers and memory planners, tiny
study files, fixtures written to disk, and the scripts that tests start as subprocesses
(`pack_driver.py`, `pg_worker.py`, `ray_driver.py`). Tests import them as `from support.X import Y`:
tests/ has no __init__.py, so pytest puts tests/ itself on sys.path (the default "prepend" import
mode), and the scripts put it there themselves."""
