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
"$PY" -m flask run --host "${HOST:-127.0.0.1}" --port "${PORT:-5000}" --no-reload &
APP_PID=$!
trap 'kill $APP_PID $WORKER_PID ${SANDBOX_PID:-} 2>/dev/null || true' EXIT INT TERM

if [ -n "${SANDBOX_PID:-}" ]; then
  # What a reseller does once at the provider: upload the storefront's SAML IdP metadata so the
  # console login trusts it (here: the sandbox's provider side).
  APP_URL="http://127.0.0.1:${PORT:-5000}"
  "$PY" - <<PYEOF || echo "warning: could not upload the IdP metadata to the sandbox"
import json, time, urllib.request
for _ in range(100):
    try:
        urllib.request.urlopen("$APP_URL/healthz", timeout=1); break
    except OSError:
        time.sleep(0.2)
body = json.dumps({"xaccount_type": "${STOREFRONT_CLOUD_XACCOUNT_TYPE:-storefront_sandbox_IDP}",
                   "metadata_url": "$APP_URL/saml/idp/metadata.xml"}).encode()
req = urllib.request.Request("$STOREFRONT_SANDBOX_URL/_sandbox/console/idp-metadata", data=body,
                             headers={"Content-Type": "application/json"})
urllib.request.urlopen(req, timeout=15)
PYEOF
fi
echo "Storefront on http://${HOST:-127.0.0.1}:${PORT:-5000}  (sandbox: $STOREFRONT_SANDBOX_URL)"
wait $APP_PID
