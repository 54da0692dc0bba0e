# make demo  -> set up .venv and run the offline demo
# make test  -> set up .venv and run the test suite
# make test-long  -> the longest end-to-end tests, left out of make test (CI runs both)
# make test-backends  -> the tests marked `backends` again on JAX and on PyTorch (installs
#   jax[cpu] and torch==2.13.0, the CPU build)
# make setup EXTRA=gpu  -> install TensorFlow with CUDA instead of the CPU build
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
EXTRA ?= cpu
STAMP := $(VENV)/.installed-$(EXTRA)

.PHONY: setup demo test test-long test-backends lint format bench clean device-wheels

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[$(EXTRA),dev]"
	touch $(STAMP)

setup: $(STAMP)

demo: setup
	$(BIN)/python demo.py

test: setup
	$(BIN)/python -m pytest -n auto -m "not long"

test-long: setup
	$(BIN)/python -m pytest -n auto -m long

# The tests marked `backends` again on JAX (CPU build), then on PyTorch (CPU build):
# training with resume, evaluate, features, fine-tuning, cam, search, multi_worker on two
# processes (JAX), a model trained under JAX / under PyTorch used under TensorFlow.
# torch==2.13.0 exactly: its CPU wheel lies on this CI machine's disk and pip takes it from
# there; plain "torch" (or ".[torch]", a range admitting newer releases) would download a
# CUDA build of several GB. Users pick their own build (README "Picking a Keras backend").
TORCH_CI := torch==2.13.0
test-backends: setup
	$(BIN)/python -m pip install --quiet -e ".[jax]"
	KERAS_BACKEND=jax $(BIN)/python -m pytest -n auto -m backends
	$(BIN)/python -m pip install --quiet "$(TORCH_CI)"
	KERAS_BACKEND=torch $(BIN)/python -m pytest -n auto -m backends

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: setup
	$(BIN)/python benchmarks/bench_build.py
	$(BIN)/python benchmarks/bench_generator.py
	$(BIN)/python benchmarks/bench_evaluate.py
	$(BIN)/python benchmarks/bench_extract.py
	$(BIN)/python benchmarks/bench_augment.py
	$(BIN)/python benchmarks/bench_model_formats.py
	$(BIN)/python benchmarks/bench_train_feeding.py
	$(BIN)/python benchmarks/bench_networks.py
	$(BIN)/python benchmarks/bench_diagnose.py
	$(BIN)/python benchmarks/bench_audit.py

clean:
	rm -rf datasets/demo output/demo

# The packages the lent GPU machine's image lacks (Python 3.12 there, JAX but no TensorFlow
# or Keras), as wheels in .whl/ for benchmarks/device/h200_train.sh (imutils has no wheel
# on PyPI: built here, pure Python).
device-wheels: setup
	mkdir -p .whl
	$(BIN)/python -m pip download --quiet --no-deps --only-binary=:all: --python-version 3.12 \
	  --implementation cp --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 \
	  --platform manylinux2014_x86_64 -d .whl keras==3.15.1 namex==0.1.0 optree==0.20.0 \
	  progressbar2==4.6.0 python-utils==4.2.0
	$(BIN)/python -m pip wheel --quiet --no-deps -w .whl imutils==0.5.4
