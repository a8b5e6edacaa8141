#!/usr/bin/env bash
# Run the test suite: once on SQLite and the local-memory cache, then, when
# DATABASE_URL or REDIS_URL is set, the database and cache tests again on those.
# Arguments go to pytest and replace the default selection. A run that collects
# no tests fails.
set -u
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}

run_pytest() {
    "$PY" -m pytest "$@"
    local status=$?
    if [ "$status" -eq 5 ]; then
        echo "pytest collected no tests from: $*" >&2
    fi
    return "$status"
}

echo "== tests on SQLite and the local-memory cache"
(unset DATABASE_URL REDIS_URL; run_pytest "$@") || exit $?

if [ -n "${DATABASE_URL:-}${REDIS_URL:-}" ]; then
    # Only the schemes, because the URLs may carry passwords.
    echo "== database and cache tests on DATABASE_URL=${DATABASE_URL%%://*}://... REDIS_URL=${REDIS_URL%%://*}://..."
    if [ $# -eq 0 ]; then
        set -- tests/batchops tests/pager tests/project
    fi
    run_pytest "$@" || exit $?
fi
