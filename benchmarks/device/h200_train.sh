#!/usr/bin/env bash
# One visit to the lent GPU machine (one H200, 16 cores; its image has JAX and PyTorch, not
# TensorFlow, nor Keras): train.py's AlexNet on real HDF5 batches against synthetic
# in-memory batches, float32 and mixed precision, on Keras' JAX backend.
#
# Prepare here, once:  make device-wheels   (the packages that image lacks, into .whl/)
# Run there (the device tool, carry [".whl"], timeout ~540 s):
#   bash benchmarks/device/h200_train.sh
# The figures come back in $OUT (train_device.md, train_device.json, the log); they go
# into docs/PERFORMANCE.md ("train.py on a GPU") with the date and the machine.
set -euo pipefail
cd "$(dirname "$0")/../.."
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
  --target /tmp/site .whl/*.whl
export PYTHONPATH="/tmp/site:$PWD" KERAS_BACKEND=jax PYTHONUNBUFFERED=1
OUT="${OUT:-/tmp/out}"; mkdir -p "$OUT"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader | tee "$OUT/gpu.txt"
python3 -c "import jax, keras; print('jax', jax.__version__, jax.devices(), 'keras', keras.__version__)"
# 4,000 drawn photos (the shared Kaggle ones stay on the CPU machine), batch 128, 3 epochs
# (the first compiles): about 5 minutes on that machine.
python3 benchmarks/bench_train_device.py --synthetic 4000 --batch 128 --epochs 3 \
  --work /tmp/bench_train_device --json "$OUT/train_device.json" 2>&1 \
  | tee "$OUT/train_device.log" | grep -v '^\[INFO\]' | tee "$OUT/train_device.md"
