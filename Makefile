# Yichuang — the two quick-start commands are `make demo` and `make test`.
# Every target installs what it needs first (scripts/bootstrap.sh: apt packages, .venv, pip).

VENV    := .venv
PY      := $(VENV)/bin/python
PYTEST  := $(PY) -m pytest
TYPED   := domain protocol cmdline l10n drivers kiosk sync central provisioning demo main.py

.PHONY: setup lint typecheck test unit demo screenshots accessibility bench chaos soak fuzz dist dist-test clean

setup:
	@scripts/bootstrap.sh

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy --strict $(TYPED)
	$(VENV)/bin/lint-imports --no-cache
	$(PY) scripts/check_sizes.py

## test: lint, then every test that fits the ~20-minute budget (what CI runs), on two workers (pytest-xdist):
## a test file stays on one worker (its module fixtures made once), and every test drawing X11 windows on the same one
## (tests/conftest.py groups them)
test: lint
	$(PYTEST) -m "not chaos and not soak and not dist" -n 2 --dist loadgroup --durations=25

## demo: a console walk through the catalog, scripted applications and sync to central; then the kiosk
## window with a virtual card tray and the printed receipt (where there is a display); then the ops
## dashboard over a live simulated fleet (it prints its address and demo logins; Ctrl-C ends it)
demo: setup
	$(PY) main.py demo
	@if [ -n "$$DISPLAY" ]; then $(PY) main.py kiosk demo; \
	else echo "no display: the kiosk window needs one (\`make screenshots\` renders every screen to docs/screens/)"; fi
	$(PY) main.py fleet demo

## screenshots: every kiosk screen, keypad and keyboard (portrait and landscape at 1080×1920, Chinese and English)
## and every dashboard page (headless Chromium over a live simulated fleet) into docs/screens/
screenshots: setup
	rm -rf docs/screens && YC_SCREENSHOTS=docs/screens $(PYTEST) tests/kiosk/ui/test_rendering.py tests/central/dashboard/test_browser.py \
		tests/central/dashboard/test_public_progress.py -q

## accessibility: measure every kiosk screen (orientations, languages, elder, high contrast) into docs/accessibility.md
accessibility: setup
	$(PY) scripts/accessibility.py

## bench: benchmarks; writes docs/benchmarks.md, docs/benchmarks.json and the README table
bench: setup
	$(PY) -m benchmarks

## chaos: long fault-injection runs: 40 kill -9 runs per crash point (set YC_CRASH_SEED to replay)
chaos: setup
	YC_CRASH_RUNS=40 $(PYTEST) tests/kiosk/store/test_crashes.py

## soak: endurance runs (tests marked `soak`; YC_SOAK_MINUTES, default 30)
soak: setup
	$(PYTEST) -m soak

## fuzz: every parser of outside bytes (tests/fuzz) with YC_FUZZ_INPUTS (1,000,000) inputs in all; `make test` runs
## the same tests with a few hundred each. The inputs per parser and the total are printed at the end.
fuzz: setup
	YC_FUZZ_INPUTS=$${YC_FUZZ_INPUTS:-1000000} $(PYTEST) tests/fuzz -m fuzz --timeout=0 -q

## dist: a wheelhouse in dist/wheelhouse (our wheel and every dependency's, both roles) for offline installs:
## pip install --no-index --find-links dist/wheelhouse 'yichuang[kiosk]' (or [central])
dist: setup
	rm -rf dist/wheelhouse build
	$(PY) -m pip wheel -q --wheel-dir dist/wheelhouse '.[kiosk,central]'
	rm -rf build

## dist-test: installs the wheelhouse into a fresh venv per role and runs a command of each (tests marked `dist`)
dist-test: dist
	$(PYTEST) -m dist tests/deploy/test_dist.py

clean:
	rm -rf dist $(VENV) .mypy_cache .pytest_cache .ruff_cache .hypothesis build *.egg-info var
