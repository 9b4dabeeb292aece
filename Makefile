# The two commands that do all set-up on a fresh machine: `make train` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
FASHION_DIR := /usr/share/datasets/fashion-mnist

.PHONY: train test bench lint dataset clean

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip

# Stamps record which extras are installed, so each target installs only once.
$(VENV)/.stamp-train: pyproject.toml | $(VENV)/bin/python
	$(PIP) install -q -e '.[plot,threads]'
	touch $@

$(VENV)/.stamp-dev: pyproject.toml | $(VENV)/bin/python
	$(PIP) install -q -e '.[dev,reference,plot,h5,onnx,image,tensorboard,threads,rl]'
	touch $@

# Fashion-MNIST from Debian's package: installed with apt when root, else we say how.
dataset:
	@if [ -f $(FASHION_DIR)/train-images-idx3-ubyte.gz ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "Installing dataset-fashion-mnist with apt-get ..."; \
		apt-get install -y -q dataset-fashion-mnist >/dev/null 2>&1 || \
		{ apt-get update -q >/dev/null 2>&1 && apt-get install -y -q dataset-fashion-mnist >/dev/null; } || \
		echo "Could not install dataset-fashion-mnist; tests that need it will be skipped."; \
	else \
		echo "Fashion-MNIST not found in $(FASHION_DIR). Install it with:"; \
		echo "    sudo apt-get install dataset-fashion-mnist"; \
	fi

train: $(VENV)/.stamp-train dataset
	$(VENV)/bin/ember train

test: $(VENV)/.stamp-dev dataset
	$(VENV)/bin/ruff check .
	$(VENV)/bin/pytest -q

bench: $(VENV)/.stamp-dev dataset
	$(PIP) install -q 'torch==2.13.0' tensorflow-cpu
	$(PY) benchmarks/run.py --fit-dataset

lint: $(VENV)/.stamp-dev
	$(VENV)/bin/ruff check .

clean:
	rm -rf $(VENV) build *.egg-info
