#!/usr/bin/env bash
# Issue 10's GPU measurements in one go (~9 minutes on one H100/H200), for a session that has a GPU:
#   bash benchmarks/gpu_check.sh            # logs to ${OUT:-/tmp/gpu_check}/*.log
# Each part has its own time limit, so one slow compile cannot eat the others' time. Record what it
# prints in benchmarks/README.md ("Issue 10"), with the device, torch version and date.
set -u
cd "$(dirname "$0")/.."
LOG=${OUT:-/tmp/gpu_check}
mkdir -p "$LOG"
export TORCHINDUCTOR_CACHE_DIR=${TORCHINDUCTOR_CACHE_DIR:-$LOG/inductor-cache}  # repeats reuse compiled kernels
export PYTHONPATH=benchmarks${PYTHONPATH:+:$PYTHONPATH}
run() {  # run SECONDS NAME COMMAND...: prints the tail, keeps the whole log
  local limit=$1 name=$2; shift 2
  echo "=== $name ($(date +%T), limit ${limit}s)"
  timeout "$limit" "$@" > "$LOG/$name.log" 2>&1; echo "exit $?" >> "$LOG/$name.log"
  tail -n 8 "$LOG/$name.log"
}
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader | tee "$LOG/device.txt"
python -c "import torch; print('torch', torch.__version__, 'cuda', torch.version.cuda)" | tee -a "$LOG/device.txt"
# 1. captured vs eager numerics (fp32 and bf16), and the CPU-side capture-safety tests
run 150 numerics python -m pytest -q -p no:cacheprovider tests/test_compile_step.py
# 2. step ratio, bf16, batch 16 and 64: the captured step, then today's eager step (samples/s before/after)
run 150 ratio_b16_fast  python benchmarks/bench_step_ratio.py --device cuda --amp bf16 --batch 16 --mode fast --reps 30
run 60  ratio_b16_eager python benchmarks/bench_step_ratio.py --device cuda --amp bf16 --batch 16 --mode eager --reps 30
run 120 ratio_b64_fast  python benchmarks/bench_step_ratio.py --device cuda --amp bf16 --batch 64 --mode fast --reps 30
run 60  ratio_b64_eager python benchmarks/bench_step_ratio.py --device cuda --amp bf16 --batch 64 --mode eager --reps 30
# 2b. does the loader keep up with the captured step at batch 64 (16 cores: up to 15 workers)?
run 150 loader python benchmarks/bench_loader.py --device cuda --mode fast --step --batch 64 --workers 0,4,8,15 --seconds 3 --frames 64
# 3. memory of the captured step (replaces the unmeasured CUDA_GRAPH_ALLOWANCE_BYTES), and the eager estimate
run 90  memory_captured python benchmarks/bench_memory_captured.py --configs 6
run 60  memory_eager    python benchmarks/bench_memory.py --device cuda
echo "logs in $LOG"
