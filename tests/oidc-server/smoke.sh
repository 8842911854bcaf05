#!/usr/bin/env bash
# Smoke test of the e2e OAuth server with curl: authorize (PKCE S256 + state) -> interaction ->
# login -> code -> token exchange (client_secret_basic, form-encoded id and secret) -> refresh
# with rotation -> reuse of the old refresh token -> revocation; then exit on stdin close and
# on SIGTERM. Then the Cal.com profile (E2E_OIDC_PROFILE=calcom): a public client (PKCE, no
# secret) and a confidential one (client_secret_post) through Cal.com's paths, and the envelope
# shape of older Cal.com servers. Talks to 127.0.0.1 only; every request and wait is bounded.
set -euo pipefail

cd "$(dirname "$0")"
export LC_ALL=C

CLIENT_ID='e2e-client'
CLIENT_SECRET='p@ss:w/rd+%&= ~!'
REDIRECT_URI="${E2E_REDIRECT_URI:-http://127.0.0.1:8976/callback}"
export E2E_REDIRECT_URI="$REDIRECT_URI"
export E2E_OIDC_PORT=0
unset E2E_ACCESS_TOKEN_TTL E2E_OIDC_PROFILE E2E_CALCOM_SHAPE

if [ ! -d node_modules/oidc-provider ]; then
  timeout 300 npm ci --no-audit --no-fund >&2
fi

WORK="$(mktemp -d)"
SERVER_PID=''
cleanup() {
  exec 3>&- 2>/dev/null || true
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

PASS=0
FAIL=0
ok() { PASS=$((PASS + 1)); echo "ok   - $*"; }
bad() { FAIL=$((FAIL + 1)); echo "FAIL - $*"; }
check() { # check DESCRIPTION EXPECTED ACTUAL
  if [ "$2" = "$3" ]; then ok "$1"; else bad "$1: expected [$2], got [$3]"; fi
}
die() { echo "FAIL - $*"; echo "$PASS passed, $((FAIL + 1)) failed"; exit 1; }

# Starts the server with its stdin on a FIFO held open by fd 3; sets SERVER_PID and BASE.
start_server() {
  rm -f "$WORK/stdin" "$WORK/stdout"
  mkfifo "$WORK/stdin"
  node server.mjs <"$WORK/stdin" >"$WORK/stdout" 2>>"$WORK/stderr" &
  SERVER_PID=$!
  exec 3>"$WORK/stdin"
  local line=''
  for _ in $(seq 100); do
    line="$(head -n 1 "$WORK/stdout" 2>/dev/null || true)"
    [ -n "$line" ] && break
    sleep 0.1
  done
  [[ "$line" =~ ^listening\ (http://127\.0\.0\.1:[0-9]+)$ ]] || die "no listening line (got [$line]); stderr: $(cat "$WORK/stderr")"
  BASE="${BASH_REMATCH[1]}"
}

# Waits up to 5 s for the server to exit; true if it did.
wait_exit() {
  for _ in $(seq 50); do
    kill -0 "$SERVER_PID" 2>/dev/null || { SERVER_PID=''; return 0; }
    sleep 0.1
  done
  return 1
}

JAR="$WORK/cookies"
# req METHOD URL [curl args...]: sets STATUS, BODY, LOCATION; never follows redirects.
req() {
  local method="$1" url="$2"
  shift 2
  STATUS="$(curl -sS --max-time 5 -X "$method" -b "$JAR" -c "$JAR" -D "$WORK/headers" \
    -o "$WORK/body" -w '%{http_code}' "$@" "$url")"
  BODY="$(cat "$WORK/body")"
  LOCATION="$(sed -n 's/^[Ll]ocation: *//p' "$WORK/headers" | tr -d '\r')"
}
json() { # json FIELD: the field of BODY (a string or number), or empty
  node -e 'const v = JSON.parse(process.argv[1])[process.argv[2]]; process.stdout.write(v === undefined ? "" : String(v))' "$BODY" "$1"
}
query_param() { # query_param URL NAME
  node -e 'process.stdout.write(new URL(process.argv[1]).searchParams.get(process.argv[2]) ?? "")' "$1" "$2"
}
absolute() { # a Location made absolute against the server
  case "$1" in http*) echo "$1" ;; *) echo "$BASE$1" ;; esac
}

# RFC 6749 §2.3.1: form-encode id and secret, join with ':', base64.
form_encode() { node -e 'process.stdout.write(new URLSearchParams({ v: process.argv[1] }).toString().slice(2))' "$1"; }
BASIC="Basic $(printf '%s:%s' "$(form_encode "$CLIENT_ID")" "$(form_encode "$CLIENT_SECRET")" | base64 -w0)"
RAW_BASIC="Basic $(printf '%s:%s' "$CLIENT_ID" "$CLIENT_SECRET" | base64 -w0)"
token() { req POST "$BASE/restapi/oauth/token" -H "Authorization: $1" --data-urlencode "${@:2}"; }

# Drives one authorization from the authorize URL to the code; sets CODE and VERIFIER.
# AUTHORIZE_PATH and AUTH_CLIENT_ID select the profile's path and client.
AUTHORIZE_PATH=/restapi/oauth/authorize
AUTH_CLIENT_ID="$CLIENT_ID"
AUTH_SCOPE='openid offline_access'
authorize() {
  VERIFIER="$(node -e 'process.stdout.write(require("crypto").randomBytes(32).toString("base64url"))')"
  local challenge state
  challenge="$(node -e 'process.stdout.write(require("crypto").createHash("sha256").update(process.argv[1]).digest("base64url"))' -- "$VERIFIER")"
  state="st-$RANDOM$RANDOM"
  req GET "$BASE$AUTHORIZE_PATH" -G \
    --data-urlencode "response_type=code" --data-urlencode "client_id=$AUTH_CLIENT_ID" \
    --data-urlencode "redirect_uri=$REDIRECT_URI" --data-urlencode "scope=$AUTH_SCOPE" \
    --data-urlencode "state=$state" --data-urlencode "code_challenge=$challenge" \
    --data-urlencode "code_challenge_method=S256"
  check "GET $AUTHORIZE_PATH -> 303 to the interaction" "303 /interaction/" "$STATUS ${LOCATION%/*}/"
  local uid="${LOCATION##*/}"
  req GET "$(absolute "$LOCATION")"
  check "GET /interaction/<uid> -> 200 login form" 200 "$STATUS"
  req POST "$BASE/interaction/$uid/login" --data-urlencode 'login=alice'
  check "POST /interaction/<uid>/login login=alice -> 303 to the authorize resume URL" \
    "303 $BASE$AUTHORIZE_PATH/$uid" "$STATUS $LOCATION"
  req GET "$(absolute "$LOCATION")"
  check "GET $AUTHORIZE_PATH/<uid> -> 303 to the redirect URI" "303 $REDIRECT_URI" "$STATUS ${LOCATION%%\?*}"
  check "redirect carries the state" "$state" "$(query_param "$LOCATION" state)"
  check "redirect carries iss" "$BASE" "$(query_param "$LOCATION" iss)"
  CODE="$(query_param "$LOCATION" code)"
  [ -n "$CODE" ] && ok "redirect carries a code" || bad "no code in [$LOCATION]"
}

start_server
echo "# server at $BASE"

req GET "$BASE/.well-known/openid-configuration"
check "discovery: revocation endpoint" "$BASE/restapi/oauth/revoke" "$(json revocation_endpoint)"
check "discovery: token endpoint" "$BASE/restapi/oauth/token" "$(json token_endpoint)"

# PKCE is required.
req GET "$BASE/restapi/oauth/authorize" -G --data-urlencode "response_type=code" \
  --data-urlencode "client_id=$CLIENT_ID" --data-urlencode "redirect_uri=$REDIRECT_URI" \
  --data-urlencode "state=s1"
check "authorize without PKCE -> error redirect" "303 invalid_request" "$STATUS $(query_param "$LOCATION" error)"

authorize
token "$RAW_BASIC" "grant_type=authorization_code" --data-urlencode "code=$CODE" \
  --data-urlencode "redirect_uri=$REDIRECT_URI" --data-urlencode "code_verifier=$VERIFIER"
check "Basic with the secret NOT form-encoded -> 400 invalid_request" "400 invalid_request" "$STATUS $(json error)"
echo "# answer: $BODY"
token "$BASIC" "grant_type=authorization_code" --data-urlencode "code=$CODE" \
  --data-urlencode "redirect_uri=$REDIRECT_URI" --data-urlencode "code_verifier=wrong-${VERIFIER}"
check "code exchange with a wrong code_verifier -> 400 invalid_grant" "400 invalid_grant" "$STATUS $(json error)"
echo "# answer: $BODY"

# Grant 1: exchange, access token expiry, rotation, reuse detection.
authorize
token "$BASIC" "grant_type=authorization_code" --data-urlencode "code=$CODE" \
  --data-urlencode "redirect_uri=$REDIRECT_URI" --data-urlencode "code_verifier=$VERIFIER"
check "POST /restapi/oauth/token authorization_code -> 200" 200 "$STATUS"
echo "# token response: $(node -e 'const b = JSON.parse(process.argv[1]); for (const k of ["access_token","refresh_token","id_token"]) if (b[k]) b[k] = b[k].slice(0, 8) + "..."; console.log(JSON.stringify(b))' "$BODY")"
check "expires_in" 2 "$(json expires_in)"
check "token_type" Bearer "$(json token_type)"
check "scope (offline_access is dropped without prompt=consent)" "openid" "$(json scope)"
AT1="$(json access_token)"
RT1="$(json refresh_token)"
[ -n "$RT1" ] && ok "refresh_token issued" || bad "no refresh_token"
[ -n "$(json id_token)" ] && ok "id_token issued" || bad "no id_token"

req GET "$BASE/me" -H "Authorization: Bearer $AT1"
check "fresh access token accepted at userinfo (/me)" "200 alice" "$STATUS $(json sub)"
sleep 2.5
req GET "$BASE/me" -H "Authorization: Bearer $AT1"
check "access token rejected after its 2 s" 401 "$STATUS"

token "$BASIC" "grant_type=refresh_token" --data-urlencode "refresh_token=$RT1"
check "POST /restapi/oauth/token refresh_token -> 200" 200 "$STATUS"
echo "# refresh response: $(node -e 'const b = JSON.parse(process.argv[1]); for (const k of ["access_token","refresh_token","id_token"]) if (b[k]) b[k] = b[k].slice(0, 8) + "..."; console.log(JSON.stringify(b))' "$BODY")"
RT2="$(json refresh_token)"
[ -n "$RT2" ] && [ "$RT2" != "$RT1" ] && ok "refresh rotated the refresh token" || bad "refresh token not rotated"
check "refreshed expires_in" 2 "$(json expires_in)"

token "$BASIC" "grant_type=refresh_token" --data-urlencode "refresh_token=$RT1"
check "reuse of the old refresh token -> 400 invalid_grant" "400 invalid_grant" "$STATUS $(json error)"
echo "# answer: $BODY"
token "$BASIC" "grant_type=refresh_token" --data-urlencode "refresh_token=$RT2"
check "reuse detection revoked the grant: the new refresh token is dead too" "400 invalid_grant" "$STATUS $(json error)"
req POST "$BASE/restapi/oauth/revoke" -H "Authorization: $BASIC" --data-urlencode "token=$RT2"
check "revoking an already dead refresh token -> 200 (RFC 7009)" 200 "$STATUS"

# Grant 2 (same cookie jar: the interaction is still required): revocation.
authorize
CODE2="$CODE"
token "$BASIC" "grant_type=authorization_code" --data-urlencode "code=$CODE" \
  --data-urlencode "redirect_uri=$REDIRECT_URI" --data-urlencode "code_verifier=$VERIFIER"
check "second code exchange -> 200" 200 "$STATUS"
RT3="$(json refresh_token)"
token "$BASIC" "grant_type=refresh_token" --data-urlencode "refresh_token=$RT3"
check "second grant: refresh -> 200" 200 "$STATUS"
RT4="$(json refresh_token)"
AT4="$(json access_token)"
req POST "$BASE/restapi/oauth/revoke" --data-urlencode "token=$RT4"
check "revoke without client authentication -> 400 invalid_request" "400 invalid_request" "$STATUS $(json error)"
echo "# answer: $BODY"
req POST "$BASE/restapi/oauth/revoke" -H "Authorization: $BASIC" \
  --data-urlencode "token=$RT4" --data-urlencode "token_type_hint=refresh_token"
check "POST /restapi/oauth/revoke the new refresh token -> 200, empty body" "200 " "$STATUS $BODY"
token "$BASIC" "grant_type=refresh_token" --data-urlencode "refresh_token=$RT4"
check "revoked refresh token -> 400 invalid_grant" "400 invalid_grant" "$STATUS $(json error)"
echo "# answer: $BODY"
req GET "$BASE/me" -H "Authorization: Bearer $AT4"
check "revoking the refresh token revoked the grant's access token too" 401 "$STATUS"
token "$BASIC" "grant_type=authorization_code" --data-urlencode "code=$CODE2" \
  --data-urlencode "redirect_uri=$REDIRECT_URI" --data-urlencode "code_verifier=$VERIFIER"
check "authorization code reuse -> 400 invalid_grant" "400 invalid_grant" "$STATUS $(json error)"

# Lifecycle: closing stdin ends the server; so does SIGTERM.
exec 3>&-
wait_exit && ok "exits when stdin closes" || bad "still running after stdin closed"
start_server
kill -TERM "$SERVER_PID"
wait_exit && ok "exits on SIGTERM" || bad "still running after SIGTERM"

# The Cal.com profile: today's bare answers, public and confidential clients.
exec 3>&-
wait_exit || true
export E2E_OIDC_PROFILE=calcom
start_server
echo "# Cal.com profile at $BASE"
AUTHORIZE_PATH=/auth/oauth2/authorize
AUTH_SCOPE='PROFILE_READ BOOKING_READ'
CALCOM_TOKEN="$BASE/v2/auth/oauth2/token"
req GET "$BASE/.well-known/openid-configuration"
check "calcom discovery: token endpoint" "$CALCOM_TOKEN" "$(json token_endpoint)"
check "calcom discovery: authorization endpoint" "$BASE/auth/oauth2/authorize" "$(json authorization_endpoint)"

AUTH_CLIENT_ID=calcom-public
authorize
req POST "$CALCOM_TOKEN" --data-urlencode "grant_type=authorization_code" --data-urlencode "client_id=calcom-public" \
  --data-urlencode "code=$CODE" --data-urlencode "redirect_uri=$REDIRECT_URI" --data-urlencode "code_verifier=$VERIFIER"
check "public client: code exchange with PKCE, no secret -> 200" 200 "$STATUS"
check "public client: token_type in lower case, like Cal.com" bearer "$(json token_type)"
check "public client: granted scopes" "PROFILE_READ BOOKING_READ" "$(json scope)"
PRT1="$(json refresh_token)"
req POST "$CALCOM_TOKEN" --data-urlencode "grant_type=refresh_token" --data-urlencode "client_id=calcom-public" \
  --data-urlencode "refresh_token=$PRT1"
check "public client: refresh -> 200" 200 "$STATUS"
PRT2="$(json refresh_token)"
[ -n "$PRT2" ] && [ "$PRT2" != "$PRT1" ] && ok "public client: refresh rotated" || bad "public client: not rotated"
req POST "$CALCOM_TOKEN" --data-urlencode "grant_type=refresh_token" --data-urlencode "client_id=calcom-public" \
  --data-urlencode "refresh_token=$PRT1"
check "public client: reuse of the old refresh token -> 400 invalid_grant" "400 invalid_grant" "$STATUS $(json error)"

AUTH_CLIENT_ID=calcom-confidential
authorize
req POST "$CALCOM_TOKEN" --data-urlencode "grant_type=authorization_code" --data-urlencode "client_id=calcom-confidential" \
  --data-urlencode "code=$CODE" --data-urlencode "redirect_uri=$REDIRECT_URI" --data-urlencode "code_verifier=$VERIFIER"
check "confidential client without its secret -> 401 invalid_client" "401 invalid_client" "$STATUS $(json error)"
authorize
req POST "$CALCOM_TOKEN" --data-urlencode "grant_type=authorization_code" --data-urlencode "client_id=calcom-confidential" \
  --data-urlencode "client_secret=$CLIENT_SECRET" --data-urlencode "code=$CODE" \
  --data-urlencode "redirect_uri=$REDIRECT_URI" --data-urlencode "code_verifier=$VERIFIER"
check "confidential client: client_secret in the body -> 200" 200 "$STATUS"
CRT1="$(json refresh_token)"
req POST "$CALCOM_TOKEN" --data-urlencode "grant_type=refresh_token" --data-urlencode "client_id=calcom-confidential" \
  --data-urlencode "client_secret=$CLIENT_SECRET" --data-urlencode "refresh_token=$CRT1"
check "confidential client: refresh -> 200" 200 "$STATUS"

# The envelope of older Cal.com servers.
exec 3>&-
wait_exit || true
export E2E_CALCOM_SHAPE=envelope-camel
start_server
CALCOM_TOKEN="$BASE/v2/auth/oauth2/token"
AUTH_CLIENT_ID=calcom-public
authorize
req POST "$CALCOM_TOKEN" --data-urlencode "grant_type=authorization_code" --data-urlencode "client_id=calcom-public" \
  --data-urlencode "code=$CODE" --data-urlencode "redirect_uri=$REDIRECT_URI" --data-urlencode "code_verifier=$VERIFIER"
check "envelope-camel: {status: success, data: {tokenType}}" "200 success bearer" \
  "$STATUS $(json status) $(node -e 'process.stdout.write(JSON.parse(process.argv[1]).data.tokenType)' "$BODY")"
req POST "$CALCOM_TOKEN" --data-urlencode "grant_type=authorization_code" --data-urlencode "client_id=calcom-public" \
  --data-urlencode "code=$CODE" --data-urlencode "redirect_uri=$REDIRECT_URI" --data-urlencode "code_verifier=$VERIFIER"
check "envelope-camel: error envelope with the RFC 6749 code as message" "400 error invalid_grant" \
  "$STATUS $(json status) $(node -e 'process.stdout.write(JSON.parse(process.argv[1]).error.message)' "$BODY")"
exec 3>&-
wait_exit && ok "calcom profile: exits when stdin closes" || bad "calcom profile: still running"

echo "$PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
