#!/usr/bin/env bash
# The wheels the lent GPU machine lacks, fetched here for its Python (3.12, x86-64 manylinux) into .whl/
# (ignored by git). Its image already holds torch, numpy, pandas, matplotlib, scipy, opencv, pyyaml,
# typer, rich, tqdm, tabulate and pytest; it cannot download anything itself. gpu_check.sh installs them.
#   bash benchmarks/gpu_wheels.sh      # then carry ".whl" with the device run of gpu_check.sh
set -eu
cd "$(dirname "$0")/.."
mkdir -p .git/info
grep -qx '/.whl/' .git/info/exclude 2>/dev/null || echo '/.whl/' >> .git/info/exclude
# The versions this repository is tested with (pip freeze of its CI environment, 2026-11-30).
python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
    --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 -d .whl \
    optuna==5.0.0 alembic==1.20.1 SQLAlchemy==2.1.9 Mako==1.4.3 colorlog==6.12.0 smplx==0.1.28 \
    pydantic==2.14.4 pydantic_core==2.50.5 annotated-types==0.8.0 typing-inspection==0.4.5 typing_extensions==4.16.0
ls -1 .whl
du -sh .whl
