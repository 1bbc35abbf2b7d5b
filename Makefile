# VirtualCert: every target first runs the bootstrap (a fast no-op when all
# is installed), so any target works on a fresh Debian machine.

JOBS ?= $(shell nproc 2>/dev/null || echo 2)
PYTHON ?= python3
COQ_DIR := coq

.PHONY: bootstrap coq proofs check test bench clean

bootstrap:
	@scripts/bootstrap.sh

# Build the Coq development (incremental).
coq: bootstrap
	@cd $(COQ_DIR) && coq_makefile -f _CoqProject -o CoqMakefile >/dev/null
	@$(MAKE) --no-print-directory -C $(COQ_DIR) -f CoqMakefile -j$(JOBS)

# Rebuild from scratch, then audit: no admits or axioms, closed theorems, coqchk.
proofs: bootstrap
	@$(PYTHON) scripts/proofs.py --jobs $(JOBS)

clean:
	@if [ -f $(COQ_DIR)/CoqMakefile ]; then $(MAKE) --no-print-directory -C $(COQ_DIR) -f CoqMakefile clean >/dev/null; fi
	@rm -f $(COQ_DIR)/CoqMakefile $(COQ_DIR)/CoqMakefile.conf $(COQ_DIR)/.CoqMakefile.d

# The whole test suite: proofs and their audit, generated-code checks, pytest.
check: proofs
	@$(PYTHON) -m pytest -q

# pytest alone, against the current build.
test: bootstrap coq
	@$(PYTHON) -m pytest -q

# Every benchmark in bench/, each printing its figures and ratios.
bench: bootstrap
	@for b in bench/bench_*.py; do echo "== $$b"; $(PYTHON) $$b || exit 1; done
