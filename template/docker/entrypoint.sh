#!/bin/sh
# Container entry point. Migrations are a release step (`alembic upgrade head` run once per deploy);
# set MIGRATE_ON_START=1 to run them here instead, when a single container is all you run.
set -eu

if [ "${MIGRATE_ON_START:-0}" = "1" ]; then
    alembic upgrade head
fi

# Prometheus' multi-process mode needs an empty folder at start: files left by an earlier run of
# this container would be counted again.
if [ -n "${PROMETHEUS_MULTIPROC_DIR:-}" ]; then
    rm -rf "$PROMETHEUS_MULTIPROC_DIR"
    mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
fi

exec "$@"
