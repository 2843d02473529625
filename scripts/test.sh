#!/usr/bin/env bash
# The whole test suite, exactly as CI runs it: installs what it needs (virtualenv, PostgreSQL and
# Chromium from Debian packages when missing), starts a throw-away PostgreSQL server, runs the
# linters, the type checker and pytest, and stops the server again.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

# --- Python environment ------------------------------------------------------------------------
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[test]'

# --- System packages (Debian) ------------------------------------------------------------------
need=()
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
[ -n "$PG_BIN" ] && [ -x "$PG_BIN/initdb" ] || need+=(postgresql)
[ -x /usr/bin/chromium ] || need+=(chromium)
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
  PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
fi

# --- A private PostgreSQL server for the tests --------------------------------------------------
PGDIR=$(mktemp -d /tmp/crowdlab-pg.XXXXXX)
PGPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
RUN_AS=()
if [ "$(id -u)" -eq 0 ]; then
  chown postgres "$PGDIR"
  RUN_AS=(runuser -u postgres --)
fi
"${RUN_AS[@]}" "$PG_BIN/initdb" -D "$PGDIR/data" -U crowdlab --auth=trust -E UTF8 >/dev/null
"${RUN_AS[@]}" "$PG_BIN/pg_ctl" -D "$PGDIR/data" -l "$PGDIR/log" -w \
  -o "-p $PGPORT -k $PGDIR -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300" start >/dev/null
stop_pg() { "${RUN_AS[@]}" "$PG_BIN/pg_ctl" -D "$PGDIR/data" -m immediate stop >/dev/null 2>&1 || true; rm -rf "$PGDIR"; }
trap stop_pg EXIT
export CROWDLAB_TEST_PG="postgresql://crowdlab@127.0.0.1:$PGPORT/postgres"

# --- Checks ------------------------------------------------------------------------------------
echo "== ruff"; .venv/bin/ruff check src tests benchmarks
.venv/bin/ruff format --check src tests benchmarks
echo "== mypy"; .venv/bin/mypy
echo "== pytest"
mkdir -p "$ROOT/test-artifacts"
.venv/bin/python -m pytest -p no:cacheprovider "$@"
