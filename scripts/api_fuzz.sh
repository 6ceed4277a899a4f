#!/usr/bin/env bash
# Fuzz the web API with schemathesis over /openapi.json as a logged-in 管理者 (issue 18): every operation gets
# generated valid and invalid input; the run fails on any server error (5xx). Bounded: KOUIKI_FUZZ_SECONDS
# (default 180 s) for the whole run, a few examples per operation. Used by .ci/run; runnable alone.
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=${KOUIKI_FUZZ_PORT:-8765}
SECONDS_BUDGET=${KOUIKI_FUZZ_SECONDS:-180}
work=$(mktemp -d)
server=""
cleanup() { if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi; rm -rf "$work"; }
trap cleanup EXIT

password=$(.venv/bin/python -c "import secrets; print(secrets.token_urlsafe(16))")
KOUIKI_DATA_DIR="$work/data" KOUIKI_DEMO_PASSWORD="$password" KOUIKI_LOGIN_MAX_FAILURES=1000 \
  KOUIKI_LOGIN_MAX_FAILURES_PER_ADDRESS=100000 \
  .venv/bin/kouiki serve --demo --port "$PORT" >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 120); do
  if .venv/bin/python -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:$PORT/healthz', timeout=2)" 2>/dev/null; then break; fi
  if ! kill -0 "$server" 2>/dev/null; then echo "[fuzz] the server did not start:" >&2; cat "$work/server.log" >&2; exit 1; fi
  sleep 1
done

# Log in as the demo 管理者: the session cookie and the CSRF token go on every request.
read -r cookie csrf < <(.venv/bin/python - "$PORT" "$password" <<'PY'
import http.client, json, sys
port, password = sys.argv[1], sys.argv[2]
c = http.client.HTTPConnection("127.0.0.1", int(port), timeout=30)
c.request("POST", "/api/login", json.dumps({"username": "admin", "password": password}),
          {"Content-Type": "application/json"})
r = c.getresponse()
body = json.loads(r.read())
cookie = r.getheader("set-cookie").split(";", 1)[0]
print(cookie, body["csrf_token"])
PY
)

echo "[fuzz] schemathesis over /openapi.json as 管理者 (budget ${SECONDS_BUDGET} s)"
# Not fuzzed: log-out and password resets (they end the fuzzer's own session).
status=0
.venv/bin/schemathesis --config-file .ci/schemathesis.toml run "http://127.0.0.1:$PORT/openapi.json" \
  -H "Cookie: $cookie" -H "X-CSRF-Token: $csrf" \
  --checks not_a_server_error --max-examples "${KOUIKI_FUZZ_EXAMPLES:-8}" --max-time "$SECONDS_BUDGET" \
  --workers 1 --seed "${KOUIKI_FUZZ_SEED:-18}" --request-timeout 60 --suppress-health-check all \
  --exclude-path /api/logout --exclude-path-regex '^/api/users/\{user_id\}/password$' \
  --exclude-path /api/account/password --report junit --report-dir "${KOUIKI_FUZZ_REPORT:-$work/report}" \
  --output-truncate true || status=$?
if grep -q "Traceback" "$work/server.log"; then
  echo "[fuzz] the server logged tracebacks:" >&2
  grep -B2 -A25 "Traceback" "$work/server.log" | tail -120 >&2
  status=1
fi
exit "$status"
