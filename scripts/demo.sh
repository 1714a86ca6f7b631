#!/usr/bin/env bash
# `npm run demo`: the sancho example end to end on this machine's Docker engine.
# Provisions the engine and the local fixture images if needed, creates the external volume the
# example declares (deployctl never creates external volumes: that is the operator's job), then
# plans, applies, plans again to show that a second run changes nothing, curls through the proxy,
# deploys a second generation with another tag, curls again, and takes the apps down.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"

bash scripts/ensure-engine.sh
bash scripts/build-fixtures.sh
[ -f dist/deployctl.js ] || npm run build --silent

spec=examples/sancho/deployctl.yaml
deployctl() { node dist/deployctl.js "$@"; }
export DEPLOY_ID="${DEPLOY_ID:-demo-$(date -u +%Y%m%dT%H%M%SZ)}"

if ! docker volume inspect sancho_postgres_data >/dev/null 2>&1; then
  echo "demo: creating the external volume sancho_postgres_data (an operator's one-time step)" >&2
  docker volume create sancho_postgres_data >/dev/null
fi

echo; echo "== deployctl validate -f $spec"; deployctl validate -f "$spec"
echo; echo "== deployctl plan -f $spec   (DEPLOY_ID=$DEPLOY_ID)"; deployctl plan -f "$spec"
echo; echo "== deployctl apply -f $spec -y"; deployctl apply -f "$spec" -y
echo; echo "== deployctl plan -f $spec   (again: nothing should change)"; deployctl plan -f "$spec" --detailed-exitcode
port="${PROXY_PORT:-8088}"
# GET /version through the proxy with a Host header (the fixture apps answer with their tag).
through_proxy() {
  curl -s --max-time 5 -H "Host: $1" "http://127.0.0.1:$port/version" 2>/dev/null ||
    wget -qO- -T 5 --header "Host: $1" "http://127.0.0.1:$port/version" 2>/dev/null || echo '(no answer)'
}
show_proxy() {
  echo "  through the proxy, Host: api.sancho.localhost -> backend:  $(through_proxy api.sancho.localhost)"
  echo "  through the proxy, any other host          -> frontend: $(through_proxy sancho.localhost)"
}
echo; echo "== The proxy (http://127.0.0.1:$port) routes to generation $DEPLOY_ID"; show_proxy
second="$DEPLOY_ID-v2"
echo; echo "== TAG=v2 deployctl apply -f $spec -y --deploy-id $second   (health-gated, then the proxy switches, then $DEPLOY_ID drains and stops)"
TAG=v2 deployctl apply -f "$spec" -y --deploy-id "$second"
echo; echo "== The proxy now routes to generation $second"; show_proxy
echo; echo "== deployctl down -f $spec -y --include-infra   (apps removed, infra stopped; volumes, dirs and networks stay)"
deployctl down -f "$spec" -y --include-infra
echo "Bring it back with: node dist/deployctl.js apply -f $spec -y"
