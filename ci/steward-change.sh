#!/bin/sh
# Open a Steward change for this pipeline run, wait on the deployment gate, deploy, report the outcome.
#
#   ci/steward-change.sh -- ./deploy.sh production      (everything after -- is the deploy command)
#
# Needs curl and python3 (for JSON). Configuration, from the environment:
#   STEWARD_URL            the portal, e.g. https://steward.example.com                         (required)
#   STEWARD_TOKEN          a read-write API token with the "changes" scope, or STEWARD_TOKEN_FILE (required)
#   STEWARD_SERVICES       service slugs, comma-separated (not needed with STEWARD_TEMPLATE)
#   STEWARD_ENVIRONMENT    environment slug: development, staging, production                 (required)
#   STEWARD_TITLE          default: "Deploy <repository> <short sha>"
#   STEWARD_TEMPLATE       a standard-change template slug (a standard change: pre-approved, low risk)
#   STEWARD_TYPE           normal (default) or emergency
#   STEWARD_ROLLBACK_PLAN, STEWARD_IMPLEMENTATION_PLAN, STEWARD_DESCRIPTION
#   STEWARD_TESTS_PASSED, STEWARD_TESTS_FAILED, STEWARD_TESTS_SKIPPED, STEWARD_DIFF_LINES, STEWARD_FILES_CHANGED
#   STEWARD_PLANNED_START, STEWARD_PLANNED_END   ISO 8601; default: now .. now + the portal's pipeline window
#   STEWARD_GATE_TIMEOUT   seconds to wait for "go" (default 1800); STEWARD_POLL_MAX: longest sleep (default 30)
# The CI run (system, repository, workflow, run id, attempt, URL, actor, commit) is read from GitHub Actions,
# GitLab CI or Jenkins variables; STEWARD_CI_SYSTEM, STEWARD_CI_REPOSITORY, STEWARD_CI_WORKFLOW, STEWARD_CI_RUN_ID,
# STEWARD_CI_RUN_ATTEMPT, STEWARD_CI_RUN_URL, STEWARD_CI_ACTOR and STEWARD_COMMIT_SHA override it. A retried
# step (same run and attempt) finds the change it opened before instead of opening another.
#
# Exit status: the deploy command's; 2 when Steward refuses the change or cannot be reached, 3 on no-go,
# 4 when the gate did not say go within STEWARD_GATE_TIMEOUT (nothing deployed in those three cases), 64 for usage.
set -eu

say() { printf '%s\n' "steward: $*" >&2; }
die() { code=$1; shift; say "$*"; exit "$code"; }

[ "${1:-}" = "--" ] && shift
[ "$#" -gt 0 ] || die 64 "usage: $0 -- <deploy command> [arguments...]"
[ -n "${STEWARD_URL:-}" ] || die 64 "set STEWARD_URL to the portal's address"
if [ -z "${STEWARD_TOKEN:-}" ] && [ -n "${STEWARD_TOKEN_FILE:-}" ]; then
  STEWARD_TOKEN=$(head -n 1 "$STEWARD_TOKEN_FILE")
fi
[ -n "${STEWARD_TOKEN:-}" ] || die 64 "set STEWARD_TOKEN (or STEWARD_TOKEN_FILE) to a token with the changes scope"
[ -n "${STEWARD_ENVIRONMENT:-}" ] || die 64 "set STEWARD_ENVIRONMENT (development, staging, production...)"
command -v curl >/dev/null || die 64 "curl is needed"
command -v python3 >/dev/null || die 64 "python3 is needed (JSON)"

API="${STEWARD_URL%/}/api/v1"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT INT TERM

# --- The CI run, from the CI system's own variables ------------------------------------------------------
if [ -n "${GITHUB_RUN_ID:-}" ]; then
  : "${STEWARD_CI_SYSTEM:=github}" "${STEWARD_CI_REPOSITORY:=${GITHUB_REPOSITORY:-}}"
  : "${STEWARD_CI_WORKFLOW:=${GITHUB_WORKFLOW:-}}" "${STEWARD_CI_RUN_ID:=$GITHUB_RUN_ID}"
  : "${STEWARD_CI_RUN_ATTEMPT:=${GITHUB_RUN_ATTEMPT:-1}}" "${STEWARD_CI_ACTOR:=${GITHUB_ACTOR:-}}"
  : "${STEWARD_COMMIT_SHA:=${GITHUB_SHA:-}}"
  : "${STEWARD_CI_RUN_URL:=${GITHUB_SERVER_URL:-https://github.com}/${GITHUB_REPOSITORY:-}/actions/runs/$GITHUB_RUN_ID}"
elif [ -n "${CI_PIPELINE_ID:-}" ]; then
  : "${STEWARD_CI_SYSTEM:=gitlab}" "${STEWARD_CI_REPOSITORY:=${CI_PROJECT_PATH:-}}"
  : "${STEWARD_CI_WORKFLOW:=${CI_JOB_NAME:-deploy}}" "${STEWARD_CI_RUN_ID:=$CI_PIPELINE_ID}"
  : "${STEWARD_CI_ACTOR:=${GITLAB_USER_LOGIN:-}}" "${STEWARD_COMMIT_SHA:=${CI_COMMIT_SHA:-}}"
  : "${STEWARD_CI_RUN_URL:=${CI_PIPELINE_URL:-}}"
elif [ -n "${BUILD_ID:-}" ] && [ -n "${JOB_NAME:-}" ]; then
  : "${STEWARD_CI_SYSTEM:=jenkins}" "${STEWARD_CI_REPOSITORY:=${GIT_URL:-$JOB_NAME}}"
  : "${STEWARD_CI_WORKFLOW:=$JOB_NAME}" "${STEWARD_CI_RUN_ID:=$BUILD_ID}"
  : "${STEWARD_CI_ACTOR:=${BUILD_USER_ID:-${BUILD_USER:-}}}" "${STEWARD_COMMIT_SHA:=${GIT_COMMIT:-}}"
  : "${STEWARD_CI_RUN_URL:=${BUILD_URL:-}}"
fi
export STEWARD_CI_SYSTEM STEWARD_CI_REPOSITORY STEWARD_CI_WORKFLOW STEWARD_CI_RUN_ID STEWARD_CI_RUN_ATTEMPT \
  STEWARD_CI_RUN_URL STEWARD_CI_ACTOR STEWARD_COMMIT_SHA

# --- HTTP: the token goes through curl's stdin config, never on a command line (ps would show it) ---------
# call METHOD PATH [BODY_FILE]: the body lands in $WORK/body, headers in $WORK/headers; prints the status
# (000 when Steward cannot be reached).
call() {
  if [ -n "${3:-}" ]; then
    set -- "$1" "$2" -H "Content-Type: application/json" --data-binary "@$3"
  fi
  method=$1
  url="$API$2"
  shift 2
  code=$(printf 'header = "Authorization: Token %s"\n' "$STEWARD_TOKEN" |
    curl -sS -K - -X "$method" -o "$WORK/body" -D "$WORK/headers" -w '%{http_code}' --max-time 30 \
      -H "Accept: application/json" "$@" "$url") || true
  printf '%s' "${code:-000}"
}

# json EXPR: evaluate a Python expression over the last body (``d``), print its result (lists one per line).
json() {
  python3 - "$WORK/body" "$1" <<'PY'
import json, sys
try:
    d = json.load(open(sys.argv[1], encoding="utf-8"))
except ValueError:
    d = {}
value = eval(sys.argv[2], {"d": d})
print("\n".join(map(str, value)) if isinstance(value, list) else ("" if value is None else value))
PY
}

errors() {
  json '["  %s: %s" % (k, v if isinstance(v, str) else "; ".join(map(str, v))) for k, v in d.items()] if isinstance(d, dict) else [d]'
}

# --- 1. Open the change (idempotent for this run and attempt) ---------------------------------------------
python3 - >"$WORK/open.json" <<'PY'
import json, os

env = os.environ.get
sha = env("STEWARD_COMMIT_SHA", "")
repository = env("STEWARD_CI_REPOSITORY", "")
body = {
    "title": env("STEWARD_TITLE") or f"Deploy {repository or 'a release'} {sha[:8]}".strip(),
    "environment": env("STEWARD_ENVIRONMENT"),
    "type": env("STEWARD_TYPE", "normal"),
    "services": [s.strip() for s in env("STEWARD_SERVICES", "").split(",") if s.strip()],
    "commit_sha": sha,
    "ci_system": env("STEWARD_CI_SYSTEM", ""),
    "ci_repository": repository,
    "ci_workflow": env("STEWARD_CI_WORKFLOW", ""),
    "ci_run_id": env("STEWARD_CI_RUN_ID", ""),
    "ci_run_attempt": int(env("STEWARD_CI_RUN_ATTEMPT") or 1),
    "ci_run_url": env("STEWARD_CI_RUN_URL", ""),
    "ci_actor": env("STEWARD_CI_ACTOR", ""),
}
for name in ("template", "rollback_plan", "implementation_plan", "description", "planned_start", "planned_end"):
    if env(f"STEWARD_{name.upper()}"):
        body[name] = env(f"STEWARD_{name.upper()}")
for name in ("tests_passed", "tests_failed", "tests_skipped", "diff_lines", "files_changed"):
    if env(f"STEWARD_{name.upper()}"):
        body[name] = int(env(f"STEWARD_{name.upper()}"))
if body.get("template"):
    del body["type"]
print(json.dumps(body))
PY
status=$(call POST /changes/ "$WORK/open.json")
case "$status" in
  200|201) ;;
  000) die 2 "cannot reach $API/changes/" ;;
  *) say "Steward refused the change (HTTP $status):"; errors >&2; exit 2 ;;
esac
NUMBER=$(json 'd["number"]')
say "$NUMBER: $(json 'd["title"]') — tier $(json 'd["tier"]'), score $(json 'd["risk_score"]'), $(json 'd["status"]')"
say "$(json 'd["url"]')"

# --- 2. Wait on the gate -------------------------------------------------------------------------------------
timeout=${STEWARD_GATE_TIMEOUT:-1800}
poll_max=${STEWARD_POLL_MAX:-30}
started=$(date +%s)
last=""
while :; do
  status=$(call GET "/changes/$NUMBER/gate/")
  if [ "$status" = 200 ]; then
    decision=$(json 'd["decision"]')
    answer="$decision: $(json '" ".join(d["reasons"])')"
    if [ "$answer" != "$last" ]; then
      say "gate: $decision"
      json 'd["reasons"]' | while IFS= read -r reason; do say "  - $reason"; done
      last=$answer
    fi
  else
    decision="wait"
    say "gate: HTTP $status, retrying"
  fi
  case "$decision" in
    go) break ;;
    no-go) die 3 "no-go: nothing deployed." ;;
  esac
  now=$(date +%s)
  left=$((started + timeout - now))
  [ "$left" -gt 0 ] || die 4 "the gate did not say go within ${timeout} s: nothing deployed."
  pause=$(sed -n 's/^[Rr]etry-[Aa]fter: *\([0-9][0-9]*\).*/\1/p' "$WORK/headers" | head -n 1)
  pause=${pause:-10}
  [ "$pause" -le "$poll_max" ] || pause=$poll_max
  [ "$pause" -le "$left" ] || pause=$left
  [ "$pause" -ge 1 ] || pause=1
  sleep "$pause"
done

# --- 3. Deploy and report ----------------------------------------------------------------------------------
report() {
  printf '{"outcome": "%s"}' "$1" >"$WORK/outcome.json"
  status=$(call POST "/changes/$NUMBER/outcome/" "$WORK/outcome.json")
  case "$status" in
    200) say "$NUMBER: outcome $1 recorded ($(json 'd["status"]'))." ;;
    *) say "$NUMBER: could not record the outcome $1 (HTTP $status)"; errors >&2 ;;
  esac
}
report started
say "deploying: $*"
set +e
"$@"
code=$?
set -e
if [ "$code" -eq 0 ]; then
  report succeeded
else
  report failed
  say "the deploy command failed with status $code."
fi
exit "$code"
