#!/usr/bin/env bash
# `make run`: migrate, seed, start the cloud sandbox (a second process on SANDBOX_PORT),
# then serve the storefront on HOST:PORT. Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
export FLASK_APP=storefront
export STOREFRONT_ENV=${STOREFRONT_ENV:-development}
export STOREFRONT_MAIL_BACKEND=${STOREFRONT_MAIL_BACKEND:-file}
export STOREFRONT_MAIL_DIR=${STOREFRONT_MAIL_DIR:-instance/mail}
export STOREFRONT_SANDBOX_URL=${STOREFRONT_SANDBOX_URL:-http://127.0.0.1:${SANDBOX_PORT:-5001}}
export STOREFRONT_PUBLIC_URL=${STOREFRONT_PUBLIC_URL:-http://${HOST:-127.0.0.1}:${PORT:-5000}}
mkdir -p instance

if [ "${STOREFRONT_CLOUD:-sandbox}" = "sandbox" ]; then
  "$PY" -m storefront.cloud.sandbox --host 127.0.0.1 --port "${SANDBOX_PORT:-5001}" \
    --database "sqlite:///$PWD/instance/sandbox.db" &
  SANDBOX_PID=$!
  trap 'kill $SANDBOX_PID 2>/dev/null || true' EXIT INT TERM
  for _ in $(seq 1 50); do
    "$PY" - <<PYEOF 2>/dev/null && break
import urllib.request; urllib.request.urlopen("$STOREFRONT_SANDBOX_URL/_sandbox/state", timeout=1)
PYEOF
    sleep 0.2
  done
fi

"$PY" -m flask storefront init
"$PY" -m flask storefront seed-demo
# the background worker (provisioning, retries, reconcile, usage billing); stops with us
"$PY" -m flask storefront worker &
WORKER_PID=$!
trap 'kill $WORKER_PID ${SANDBOX_PID:-} 2>/dev/null || true' EXIT INT TERM
echo "Storefront on http://${HOST:-127.0.0.1}:${PORT:-5000}  (sandbox: $STOREFRONT_SANDBOX_URL)"
"$PY" -m flask run --host "${HOST:-127.0.0.1}" --port "${PORT:-5000}" --no-reload
