# VirtualCert: every target first runs the bootstrap (a fast no-op when all
# is installed), so any target works on a fresh Debian machine.

JOBS ?= $(shell nproc 2>/dev/null || echo 2)
PYTHON ?= python3
COQ_DIR := coq

.PHONY: bootstrap coq proofs theorem-sizes check test bench clean extract extract-check driver

bootstrap:
	@scripts/bootstrap.sh

# Build the Coq development (incremental).
coq: bootstrap
	@cd $(COQ_DIR) && coq_makefile -f _CoqProject -o CoqMakefile >/dev/null
	@$(MAKE) --no-print-directory -C $(COQ_DIR) -f CoqMakefile -j$(JOBS)

# Rebuild from scratch, then audit: no admits or axioms, closed theorems, coqchk.
proofs: bootstrap
	@$(PYTHON) scripts/proofs.py --jobs $(JOBS)

# Statement size and proof length of every theorem in coq/THEOREMS.md.
theorem-sizes: bootstrap
	@$(PYTHON) scripts/theorem_sizes.py

clean:
	@if [ -f $(COQ_DIR)/CoqMakefile ]; then $(MAKE) --no-print-directory -C $(COQ_DIR) -f CoqMakefile clean >/dev/null; fi
	@rm -f $(COQ_DIR)/CoqMakefile $(COQ_DIR)/CoqMakefile.conf $(COQ_DIR)/.CoqMakefile.d

# The whole test suite: proofs and their audit, generated-code checks, pytest.
check: proofs extract-check codec-check schema-check pictures-check driver
	@$(PYTHON) -m pytest -q

# pytest alone, against the current build.
test: bootstrap coq
	@$(PYTHON) -m pytest -q

# Every benchmark in bench/, each printing its figures and ratios.
bench: bootstrap
	@for b in bench/bench_*.py; do echo "== $$b"; $(PYTHON) $$b || exit 1; done

# ---------------------------------------------------------------------------
# Extraction and the driver (engineer E).  The extracted extract/vcert.ml{,i}
# are committed, so `driver` needs only them and OCaml, not the Coq build;
# `extract-check` catches extracted files that lag behind the Coq sources.
EXTRACT_DIR := extract
DRIVER_SOURCES := $(EXTRACT_DIR)/vcert.mli $(EXTRACT_DIR)/vcert.ml $(EXTRACT_DIR)/driver/guard.ml \
	$(EXTRACT_DIR)/driver/codec.ml $(EXTRACT_DIR)/driver/server.ml $(EXTRACT_DIR)/driver/main.ml
OCAML_WARNINGS := +a-4-9-40-41-42-44-45-70

# Run extract/Extraction.v in a scratch directory (against the built
# library) so that its .vo and outputs never clutter extract/; $(1) receives
# vcert.ml and vcert.mli.
define run_extraction
	tmp=$$(mktemp -d) && cp $(EXTRACT_DIR)/Extraction.v $$tmp/ && \
	(cd $$tmp && coqc -Q $(CURDIR)/$(COQ_DIR) VirtualCert Extraction.v) && \
	cp $$tmp/vcert.ml $$tmp/vcert.mli $(1)/; status=$$?; rm -rf $$tmp; exit $$status
endef

# Re-extract the executable specification into extract/vcert.ml{,i}.
extract: coq
	@$(call run_extraction,$(EXTRACT_DIR))

# Fail, showing the diff, if the committed extraction is not what Coq extracts now.
extract-check: coq
	@out=$$(mktemp -d) && ( $(call run_extraction,$$out) ) && \
	diff -u $(EXTRACT_DIR)/vcert.mli $$out/vcert.mli && diff -u $(EXTRACT_DIR)/vcert.ml $$out/vcert.ml; \
	status=$$?; rm -rf $$out; \
	if [ $$status -ne 0 ]; then echo "extract-check: extract/vcert.ml{,i} are stale; run make extract" >&2; fi; \
	exit $$status

# The long-lived JSON driver, extract/vcert-driver (built in a scratch
# directory and moved into place, so a concurrent run never sees half a binary).
driver: bootstrap $(EXTRACT_DIR)/vcert-driver

$(EXTRACT_DIR)/vcert-driver: $(DRIVER_SOURCES)
	@mkdir -p $(EXTRACT_DIR)/_build && build=$$(mktemp -d $(EXTRACT_DIR)/_build/driver.XXXXXX) && \
	cp $(DRIVER_SOURCES) $$build/ && \
	(cd $$build && ocamlfind ocamlopt -package yojson -linkpkg -w $(OCAML_WARNINGS) \
	  $(notdir $(DRIVER_SOURCES)) -o vcert-driver) && \
	mv -f $$build/vcert-driver $@; status=$$?; rm -rf $$build; exit $$status

# ---------------------------------------------------------------------------
# pyspec (engineer F): regenerate the shipped JSON Schema from the data model.
.PHONY: schema-json
schema-json: bootstrap
	@$(PYTHON) -m pyspec.schema_json

# ---------------------------------------------------------------------------
# Notebook tour (engineer D): the coq-jupyter kernel spec, with the compiled
# library on `-Q coq VirtualCert`, goes into this Python's environment.
.PHONY: notebook-kernel notebook
notebook-kernel: bootstrap
	@$(PYTHON) -m pyspec.cli notebook kernel

# Execute notebooks/tour.ipynb headless; fails on any Coq error.
notebook: notebook-kernel coq
	@$(PYTHON) -m pyspec.cli notebook run

# ---------------------------------------------------------------------------
# Differential testing and test vectors (engineer H).
.PHONY: demo vectors vectors-check mutate
DEMO_SEQUENCES ?= 10000
VECTORS_DIR ?= out/vectors

# The default campaign end to end: pyspec vs the extracted driver, every step
# checked against the axioms and isolation; report in out/report.html.
demo: bootstrap coq driver
	@echo "demo: the sample sequence (all 14 actions) through the extracted driver"
	@$(PYTHON) -m pyspec.cli step --context examples/sample_context.json \
	  --state examples/sample_state.json --actions examples/sample_actions.json
	@echo "demo: differential campaign, $(DEMO_SEQUENCES) sequences"
	@$(PYTHON) -m pyspec.cli diff --jobs $(JOBS) --sequences $(DEMO_SEQUENCES) --out out

# Test vectors both oracles agree on: $(VECTORS_DIR)/vectors.jsonl and Vectors.v.
vectors: bootstrap driver
	@$(PYTHON) -m pyspec.cli vectors --force --out $(VECTORS_DIR)

# The Coq kernel as a third oracle: compile the vector Examples against the library.
vectors-check: coq
	@test -f $(VECTORS_DIR)/Vectors.v || { echo "vectors-check: no $(VECTORS_DIR)/Vectors.v; run make vectors" >&2; exit 1; }
	@coqc -Q $(COQ_DIR) VirtualCert $(VECTORS_DIR)/Vectors.v && echo "vectors-check: every Example holds"

# Mutation testing: every seeded fault, up to 2000 sequences each.
mutate: bootstrap driver
	@$(PYTHON) -m pyspec.cli mutate --jobs $(JOBS) --out out

# ---------------------------------------------------------------------------
# Parsers and the schema bridge (engineer G).  `schema-check` compares the
# model's types in the Coq sources with pyspec's data model and with the
# committed extraction (names, arity, field order, argument names and types).
.PHONY: schema-check

schema-check: bootstrap
	@$(PYTHON) -m pyspec.cli schema-check --ocaml

# The driver's JSON codec, generated from the extraction's types
# (pyspec/parsing/templates/codec.ml.j2); `codec-check` fails on a stale one.
.PHONY: codec codec-check

codec: bootstrap
	@$(PYTHON) -m pyspec.cli codec

codec-check: bootstrap
	@$(PYTHON) -m pyspec.cli codec --check

# ---------------------------------------------------------------------------
# The cache/TLB variant (engineer J; docs/cache.md): with the flush on Switch
# pyspec and the driver agree, caches stay coherent and the isolation monitor
# finds nothing; without it the monitor must find (and shrink) the leak.
.PHONY: cache-demo
CACHE_SEQUENCES ?= 1000

cache-demo: bootstrap driver
	@$(PYTHON) -m pyspec.cli diff --cache --sequences $(CACHE_SEQUENCES) --out out/cache-flush
	@$(PYTHON) -m pyspec.cli diff --cache --no-flush --sequences $(CACHE_SEQUENCES) --out out/cache-no-flush; \
	status=$$?; if [ $$status -ne 1 ]; then echo "cache-demo: the leak without flush was not found" >&2; exit 1; fi

# ---------------------------------------------------------------------------
# Pictures (docs/viz.md): the README's sample state (docs/img/sample_state.svg)
# and the notebook tour's state with its Coq cell; `pictures-check` fails on a
# stale one.
.PHONY: pictures pictures-check

pictures: bootstrap
	@$(PYTHON) -m pyspec.viz.pictures

pictures-check: bootstrap
	@$(PYTHON) -m pyspec.viz.pictures --check
