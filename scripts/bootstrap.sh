#!/usr/bin/env bash
# Make this machine ready for `make test` / `make demo`: Debian packages, then .venv (pip's `.[dev]`, which is
# `[kiosk,central]` and the tools: a terminal or a server installs only its own extra, see `make dist`).
# Idempotent and fast on a prepared machine: it only checks stamps when nothing is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_LIST=${APT_LIST:-deps/apt-packages.txt}
VENV=${VENV:-.venv}
PYTHON=${PYTHON:-python3}
STAMP="$VENV/.yichuang-installed"
PINYIN_STAMP="$VENV/.yichuang-pinyin-index"  # where the pinyin index was last built or found
ATLAS_STAMP="$VENV/.yichuang-handwriting-atlas"  # where the handwriting shape atlas was last built or found

say() { printf 'bootstrap: %s\n' "$*" >&2; }
die() { say "ERROR: $*"; exit 1; }

wanted_packages() { sed -e 's/#.*//' -e 's/[[:space:]]//g' "$APT_LIST" | grep -v '^$'; }

missing_packages() {
    local pkg
    for pkg in $(wanted_packages); do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || echo "$pkg"
    done
}

install_apt() {   # the packages named, else the missing ones of $APT_LIST
    local missing
    missing=${1-$(missing_packages)}
    [ -z "$missing" ] && return 0
    command -v apt-get >/dev/null || die "missing Debian packages ($(echo $missing)) and no apt-get on this machine"
    local sudo=""
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null || die "missing Debian packages ($(echo $missing)); run as root or install them: apt-get install $(echo $missing)"
        sudo="sudo"
    fi
    say "installing Debian packages: $(echo $missing)"
    local log; log=$(mktemp)
    $sudo apt-get update -qq >"$log" 2>&1 || { tail -n 5 "$log" >&2; die "apt-get update failed (network or sources list?)"; }
    if ! DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing >"$log" 2>&1; then
        local pkg
        for pkg in $missing; do   # one by one, to name the package that fails
            if ! DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$pkg" >"$log" 2>&1; then
                tail -n 5 "$log" >&2
                die "apt-get could not install '$pkg' (listed in $APT_LIST); reason above"
            fi
        done
    fi
    rm -f "$log"
}

# Tests use the PostgreSQL on 127.0.0.1:5432, else start a private one (tests/postgres.py): they need a server or initdb.
postgres_answers() {
    if command -v pg_isready >/dev/null; then pg_isready -q -h 127.0.0.1 -p 5432 -t 3
    else timeout 3 bash -c 'exec 3<>/dev/tcp/127.0.0.1/5432' 2>/dev/null; fi
}

install_postgres() {
    postgres_answers && return 0
    { command -v initdb || compgen -G '/usr/lib/postgresql/*/bin/initdb'; } >/dev/null && return 0
    say "no PostgreSQL answers on 127.0.0.1:5432 and no initdb: tests need the server programs"
    install_apt postgresql
}

install_venv() {
    local want; want=$(cat pyproject.toml "$APT_LIST" | sha256sum | cut -d' ' -f1)
    if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ] && [ -x "$VENV/bin/python" ]; then
        return 0
    fi
    if [ ! -x "$VENV/bin/python" ]; then
        say "creating $VENV with $($PYTHON --version 2>&1)"
        $PYTHON -m venv "$VENV" || die "could not create $VENV with $PYTHON (is python3-venv installed?)"
    fi
    say "installing the project with both roles' extras (kiosk, central) and its dev tools into $VENV"
    local log; log=$(mktemp)
    if ! "$VENV/bin/python" -m pip install -q --upgrade pip >"$log" 2>&1 ||
       ! "$VENV/bin/python" -m pip install -q -e '.[dev]' >"$log" 2>&1; then
        tail -n 15 "$log" >&2
        die "pip install of the project failed; the package pip names above could not be installed"
    fi
    rm -f "$log"
    echo "$want" >"$STAMP"
}

# Build a cache file once (python -m MODULE build prints its path into STAMP), so that no test, demo, benchmark or
# kiosk start pays for it; checked again only after pip installed something or one of the builder's files changed.
# build_once STAMP MODULE WHAT SOURCE...
build_once() {
    stamp=$1 module=$2 what=$3
    shift 3
    fresh=1
    [ -f "$stamp" ] && [ "$stamp" -nt "$STAMP" ] && [ -f "$(cat "$stamp")" ] || fresh=0
    for source in "$@"; do
        [ "$fresh" = 1 ] && [ "$stamp" -nt "$source" ] || fresh=0
    done
    [ "$fresh" = 1 ] && return 0
    "$VENV/bin/python" -m "$module" build >"$stamp.new" ||
        die "could not build the $what (python -m $module build); reason above"
    mv "$stamp.new" "$stamp"
}

install_apt
install_postgres
if [ "${BOOTSTRAP_APT_ONLY:-0}" != 1 ]; then
    install_venv
    # the pinyin input method's index (about 20 s) and the handwriting shape atlas (the font's glyphs, about 8 s)
    build_once "$PINYIN_STAMP" l10n.pinyin "pinyin index" l10n/pinyin/build.py l10n/pinyin/layout.py
    build_once "$ATLAS_STAMP" drivers.handwriting "handwriting shape atlas" drivers/handwriting/atlas.py \
        drivers/handwriting/shape.py
fi
