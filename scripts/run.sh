#!/usr/bin/env bash
# `make run`: start the cloud sandbox (a second process on SANDBOX_PORT), migrate and seed the
# demo store, start the background worker, serve the storefront on HOST:PORT. Ctrl-C stops all.
# Each process logs to a file under $STOREFRONT_INSTANCE_PATH/logs (default instance/logs); the
# console shows what to open. STOREFRONT_INSTANCE_PATH picks another instance folder (database,
# sandbox state, mail, logs), e.g. for a second copy next to the first on other ports.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-5000}
SANDBOX_PORT=${SANDBOX_PORT:-5001}
INSTANCE=${STOREFRONT_INSTANCE_PATH:-instance}
case $INSTANCE in /*) ;; *) INSTANCE=$PWD/$INSTANCE ;; esac
LOGS=$INSTANCE/logs

export FLASK_APP=storefront
export PYTHONUNBUFFERED=1 # log lines reach the files as they happen
export STOREFRONT_INSTANCE_PATH=$INSTANCE
export STOREFRONT_ENV=${STOREFRONT_ENV:-development}
export STOREFRONT_MAIL_BACKEND=${STOREFRONT_MAIL_BACKEND:-file}
export STOREFRONT_MAIL_DIR=${STOREFRONT_MAIL_DIR:-$INSTANCE/mail}
export STOREFRONT_SANDBOX_URL=${STOREFRONT_SANDBOX_URL:-http://127.0.0.1:$SANDBOX_PORT}
export STOREFRONT_PUBLIC_URL=${STOREFRONT_PUBLIC_URL:-http://$HOST:$PORT}
# development only: the storefront's clock follows the sandbox's (POST /_sandbox/clock)
if [ "$STOREFRONT_ENV" != production ] && [ "${STOREFRONT_CLOUD:-sandbox}" = sandbox ]; then
  export STOREFRONT_CLOCK_OFFSET_FILE=${STOREFRONT_CLOCK_OFFSET_FILE:-$INSTANCE/clock-offset.json}
fi
CLOCK_ARGS=()
[ -n "${STOREFRONT_CLOCK_OFFSET_FILE:-}" ] && CLOCK_ARGS=(--clock-file "$STOREFRONT_CLOCK_OFFSET_FILE")
APP_URL=http://127.0.0.1:$PORT
mkdir -p "$INSTANCE" "$LOGS" "$STOREFRONT_MAIL_DIR"

# paths as a newcomer reads them: relative to the checkout when inside it
here() { case $1 in "$PWD"/*) echo "${1#"$PWD"/}" ;; *) echo "$1" ;; esac; }
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
fail() {
  echo "make run: $1" >&2
  [ -n "${2:-}" ] && [ -f "$2" ] && { echo "--- last lines of $(here "$2"):" >&2; tail -n 20 "$2" >&2; }
  exit 1
}

PIDS=()
stop_all() {
  trap - EXIT INT TERM
  [ ${#PIDS[@]} -gt 0 ] && kill "${PIDS[@]}" 2>/dev/null || true
  wait 2>/dev/null || true
}
trap stop_all EXIT
trap 'echo; echo "Stopping."; exit 0' INT TERM

echo "Starting Storefront (logs in $(here "$LOGS")/)"
port_busy "$PORT" && fail "port $PORT is in use: PORT=… make run picks another"

# the sandbox starts while the database is migrated; seeding reads its catalogue
if [ "${STOREFRONT_CLOUD:-sandbox}" = "sandbox" ]; then
  port_busy "$SANDBOX_PORT" && fail "port $SANDBOX_PORT is in use: SANDBOX_PORT=… make run picks another"
  "$PY" -m storefront.cloud.sandbox --host 127.0.0.1 --port "$SANDBOX_PORT" \
    --database "sqlite:///$INSTANCE/sandbox.db" "${CLOCK_ARGS[@]}" >"$LOGS/sandbox.log" 2>&1 &
  SANDBOX_PID=$!
  PIDS+=("$SANDBOX_PID")
fi
echo "  database       migrating…"
"$PY" -m flask storefront init >"$LOGS/setup.log" 2>&1 ||
  fail "migrating the database failed" "$LOGS/setup.log"
if [ -n "${SANDBOX_PID:-}" ]; then
  until port_busy "$SANDBOX_PORT"; do
    kill -0 "$SANDBOX_PID" 2>/dev/null || fail "the cloud sandbox did not start" "$LOGS/sandbox.log"
    sleep 0.2
  done
  echo "  cloud sandbox  $STOREFRONT_SANDBOX_URL"
fi
echo "  demo store     seeding the catalogue and prices…"
"$PY" -m flask storefront seed-demo >>"$LOGS/setup.log" 2>&1 ||
  fail "seeding the demo store failed" "$LOGS/setup.log"

"$PY" -m flask run --host "$HOST" --port "$PORT" --no-reload >"$LOGS/storefront.log" 2>&1 &
APP_PID=$!
PIDS+=("$APP_PID")
until port_busy "$PORT"; do
  kill -0 "$APP_PID" 2>/dev/null || fail "the storefront did not start" "$LOGS/storefront.log"
  sleep 0.2
done
# the background worker (provisioning, retries, reconcile, usage billing)
"$PY" -m flask storefront worker >"$LOGS/worker.log" 2>&1 &
PIDS+=("$!")

if [ -n "${SANDBOX_PID:-}" ]; then
  # What a reseller does once at the provider: upload the storefront's SAML IdP metadata so the
  # console login trusts it (here: the sandbox's provider side).
  "$PY" - >>"$LOGS/setup.log" 2>&1 <<PYEOF || echo "  (console login: IdP metadata not uploaded, see $(here "$LOGS")/setup.log)"
import json, urllib.request
body = json.dumps({"xaccount_type": "${STOREFRONT_CLOUD_XACCOUNT_TYPE:-storefront_sandbox_IDP}",
                   "metadata_url": "$APP_URL/saml/idp/metadata.xml"}).encode()
req = urllib.request.Request("$STOREFRONT_SANDBOX_URL/_sandbox/console/idp-metadata", data=body,
                             headers={"Content-Type": "application/json"})
urllib.request.urlopen(req, timeout=15)
print("IdP metadata uploaded to the sandbox")
PYEOF
fi

OWNER=$(sed -n 's/^Owner account: //p' "$LOGS/setup.log" | tail -n 1)
cat <<EOF

Storefront is running. Open http://$HOST:$PORT
EOF
if [ -n "$OWNER" ]; then
  echo "  staff owner    $OWNER: log in at http://$HOST:$PORT/admin/login"
else
  echo "  staff owner    none yet: STOREFRONT_ADMIN_EMAIL=you@example.com" \
    "STOREFRONT_ADMIN_PASSWORD=<10+ characters> make run creates one"
fi
cat <<EOF
  mail           lands in $(here "$STOREFRONT_MAIL_DIR")/ as .eml files (verification, password reset, …)
  payments       Alipay / WeChat Pay emulators at http://$HOST:$PORT/_alipay/ and /_wechatpay/ (in the app)
  logs           $(here "$LOGS")/storefront.log, worker.log, sandbox.log, setup.log
Ctrl-C stops everything.
EOF
wait "$APP_PID" || fail "the storefront stopped" "$LOGS/storefront.log"
