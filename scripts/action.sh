#!/usr/bin/env bash
# The steps of action.yml (the Postgres Optimizer GitHub Action). Inputs arrive as INPUT_* variables; results go
# to $GITHUB_OUTPUT, $GITHUB_ENV and $GITHUB_STEP_SUMMARY like any action's. Usage: action.sh install|lint|analyze|finish
set -uo pipefail

out() { echo "$1=$2" >> "${GITHUB_OUTPUT:-/dev/null}"; }
tmp="${RUNNER_TEMP:-${TMPDIR:-/tmp}}"

case "${1:-}" in
  install)
    # A private prefix: never touches the repository's package.json or node_modules.
    prefix="$tmp/pgopt-cli"
    mkdir -p "$prefix"
    [ -f "$prefix/package.json" ] || echo '{ "private": true }' > "$prefix/package.json"
    if ! npm install --prefix "$prefix" --no-save --no-audit --no-fund --loglevel=error "${INPUT_PACKAGE:-pgopt}" >&2; then
      echo "::error title=pgopt::could not install ${INPUT_PACKAGE:-pgopt} from npm"
      exit 2
    fi
    echo "PGOPT_BIN=$prefix/node_modules/.bin/pgopt" >> "${GITHUB_ENV:-/dev/null}"
    "$prefix/node_modules/.bin/pgopt" --version
    ;;
  lint)
    pgopt="${PGOPT_BIN:?the install step sets PGOPT_BIN}"
    args=(lint)
    # Space-separated paths; globs are passed through unexpanded for pgopt to match.
    set -f
    # shellcheck disable=SC2206
    [ -n "${INPUT_PATHS:-}" ] && args+=(${INPUT_PATHS})
    set +f
    [ -n "${INPUT_CHANGED_SINCE:-}" ] && args+=(--changed-since "$INPUT_CHANGED_SINCE")
    [ -n "${INPUT_PG_VERSION:-}" ] && args+=(--pg-version "$INPUT_PG_VERSION")
    [ -n "${INPUT_MAX_WARNINGS:-}" ] && args+=(--max-warnings "$INPUT_MAX_WARNINGS")
    [ -n "${INPUT_CONFIG:-}" ] && args+=(--config "$INPUT_CONFIG")
    [ -n "${INPUT_DATABASE_URL:-}" ] && args+=(--url "$INPUT_DATABASE_URL")
    case "${INPUT_FORMAT:-annotations}" in
      annotations) args+=(--format github) ;;
      sarif)
        sarif="$tmp/pgopt-lint.sarif"
        args+=(--format sarif --out "$sarif")
        out sarif-file "$sarif"
        ;;
      *) echo "::error title=pgopt::format must be annotations or sarif (got ${INPUT_FORMAT})"; exit 2 ;;
    esac
    "$pgopt" "${args[@]}"
    code=$?
    out exit-code "$code"
    # 1 (findings) is reported by the finish step, after the SARIF upload; 2 is a broken setup: fail now.
    [ "$code" -eq 2 ] && exit 2
    exit 0
    ;;
  analyze)
    pgopt="${PGOPT_BIN:?the install step sets PGOPT_BIN}"
    [ -n "${INPUT_DATABASE_URL:-}" ] || { echo "::error title=pgopt::analyze needs the database-url input"; exit 2; }
    report="$tmp/pgopt-report.md"
    args=(analyze --url "$INPUT_DATABASE_URL" --format markdown --out "$report")
    [ -n "${INPUT_SECTIONS:-}" ] && args+=(--sections "$INPUT_SECTIONS")
    [ -n "${INPUT_CONFIG:-}" ] && args+=(--config "$INPUT_CONFIG")
    "$pgopt" "${args[@]}"
    code=$?
    out exit-code "$code"
    [ "$code" -eq 2 ] && exit 2
    out report-file "$report"
    cat "$report" >> "${GITHUB_STEP_SUMMARY:-/dev/null}"
    exit 0
    ;;
  finish)
    if [ "${LINT_EXIT_CODE:-0}" != 0 ]; then
      echo "::error title=pgopt::migration lint failed (exit ${LINT_EXIT_CODE}); see the annotations or the code-scanning alerts"
      exit 1
    fi
    if [ "${INPUT_FAIL_ON_ANALYZE:-false}" = true ] && [ "${ANALYZE_EXIT_CODE:-0}" != 0 ]; then
      echo "::error title=pgopt::the database report has error-severity findings (see the job summary)"
      exit 1
    fi
    ;;
  *)
    echo "usage: action.sh install|lint|analyze|finish" >&2
    exit 2
    ;;
esac
