#!/usr/bin/env bash
# Issue 10's GPU measurements, for a session that is lent a GPU, in two parts that each fit one device
# run (at most 10 minutes a command; a session has 15 minutes of device time, machine start included):
#   bash benchmarks/gpu_wheels.sh                        # here, once: the wheels that machine lacks
#   device run, carry [".whl"]:  bash benchmarks/gpu_check.sh 1    # numerics + step ratios, <= 9 min
#   device run, carry [".whl"]:  bash benchmarks/gpu_check.sh 2    # loader + memory, <= 5 min
#   device run, carry [".whl"]:  bash benchmarks/gpu_check.sh 3    # issue 18's PA-MPJPE mark, <= 9 min
# Logs go to ${OUT:-/tmp/gpu_check}/*.log (the device tool brings $OUT back). Each measurement has its
# own time limit, so one slow compile cannot eat the others' time. Record what it prints in
# benchmarks/README.md ("Issue 10"), with the device, torch version and date.
set -u
cd "$(dirname "$0")/.."
PART=${1:-1}
LOG=${OUT:-/tmp/gpu_check}
mkdir -p "$LOG"
PY=python3  # on the lent machine the python3 that holds PyTorch with CUDA
if ls .whl/*.whl > /dev/null 2>&1; then
  $PY -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl \
    || { echo "installing .whl failed"; exit 1; }
  export PYTHONPATH=/tmp/site
fi
export PYTHONPATH=.:benchmarks${PYTHONPATH:+:$PYTHONPATH}  # the package from this tree, not installed
export PYTHONUNBUFFERED=1
export TORCHINDUCTOR_CACHE_DIR=${TORCHINDUCTOR_CACHE_DIR:-/tmp/inductor-cache}  # repeats reuse compiled kernels
run() {  # run SECONDS NAME COMMAND...: prints the tail, keeps the whole log
  local limit=$1 name=$2; shift 2
  echo "=== $name ($(date +%T), limit ${limit}s)"
  timeout "$limit" "$@" > "$LOG/$name.log" 2>&1; echo "exit $?" >> "$LOG/$name.log"
  tail -n 8 "$LOG/$name.log"
}
{ nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
  $PY -c "import torch, optuna, smplx, pydantic; print('torch', torch.__version__, 'cuda', torch.version.cuda, 'optuna', optuna.__version__)"
  date -u; } | tee "$LOG/device.txt"
if [ "$PART" = 3 ]; then
  # the seed's best cascade at GPU step counts, then its marks recomputed with numpy (check_marks.py):
  # does the articulation get learned (PA-MPJPE <= 0.7x the blind mean pose) with ~6x the CPU's steps?
  run 440 seed_best_gpu $PY -m mahm_search.cli train configs/seed_best_gpu.yaml --out "$LOG/seed_best_gpu"
  run 90  check_marks   $PY benchmarks/check_marks.py "$LOG/seed_best_gpu"
  rm -f "$LOG"/seed_best_gpu/*.pt  # the checkpoints stay there; the logs and history come back
elif [ "$PART" = 1 ]; then
  # captured vs eager numerics (fp32 and bf16), and the CPU-side capture-safety tests
  run 120 numerics $PY -m pytest -q -p no:cacheprovider tests/test_compile_step.py
  # step ratio, bf16, batch 16 and 64: the captured step, then today's eager step (samples/s before/after)
  run 140 ratio_b16_fast  $PY benchmarks/bench_step_ratio.py --device cuda --amp bf16 --batch 16 --mode fast --reps 30
  run 60  ratio_b16_eager $PY benchmarks/bench_step_ratio.py --device cuda --amp bf16 --batch 16 --mode eager --reps 30
  run 120 ratio_b64_fast  $PY benchmarks/bench_step_ratio.py --device cuda --amp bf16 --batch 64 --mode fast --reps 30
  run 60  ratio_b64_eager $PY benchmarks/bench_step_ratio.py --device cuda --amp bf16 --batch 64 --mode eager --reps 30
else
  # does the loader keep up with the captured step at batch 64 (16 cores: up to 15 workers)?
  run 130 loader $PY benchmarks/bench_loader.py --device cuda --mode fast --step --batch 64 --workers 0,4,8,15 --seconds 3 --frames 64
  # memory of the captured step (replaces the unmeasured CUDA_GRAPH_ALLOWANCE_BYTES), and the eager estimate
  run 90  memory_captured $PY benchmarks/bench_memory_captured.py --configs 6
  run 60  memory_eager    $PY benchmarks/bench_memory.py --device cuda
fi
echo "logs in $LOG"
