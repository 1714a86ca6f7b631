#!/usr/bin/env bash
# `npm run demo`: the sancho example end to end on this machine's Docker engine.
# Provisions the engine and the local fixture images if needed, creates the external volume the
# example declares (deployctl never creates external volumes: that is the operator's job), then
# plans, applies, plans again to show that a second run changes nothing, and takes the apps down.
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
echo; echo "The proxy answers on http://127.0.0.1:8088/version: $(wget -qO- http://127.0.0.1:8088/version 2>/dev/null || curl -s http://127.0.0.1:8088/version || echo '(no wget/curl here)')"
echo; echo "== deployctl down -f $spec -y --include-infra   (apps removed, infra stopped; volumes, dirs and networks stay)"
deployctl down -f "$spec" -y --include-infra
echo "Bring it back with: node dist/deployctl.js apply -f $spec -y"
