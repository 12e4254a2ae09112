#!/bin/sh
# Container entry point. Migrations are a release step (`alembic upgrade head` run once per deploy);
# set MIGRATE_ON_START=1 to run them here instead, when a single container is all you run.
set -eu

if [ "${MIGRATE_ON_START:-0}" = "1" ]; then
    alembic upgrade head
fi

exec "$@"
