#!/usr/bin/env bash
# Before and after: run one benchmark alternately on another commit and on this checkout, so both see the same
# machine (the raw figures of a shared machine drift by ×2 within minutes; alternating keeps them comparable).
#
#   bench/ab.sh REF N SCRIPT [ARGS...]     e.g.  bench/ab.sh HEAD~3 3 bench/vote_storm.py --rounds 1
#
# REF is checked out in a temporary worktree (removed at the end); both sides run with this checkout's virtual
# environment (.venv, made by ./scripts/test). Prints the summary lines of each run, labelled.
set -euo pipefail
if [ $# -lt 3 ]; then
    sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
fi
ref=$1 runs=$2
shift 2
here=$(cd "$(dirname "$0")/.." && pwd)
python="$here/.venv/bin/python"
base=$(mktemp -d)
trap 'git -C "$here" worktree remove --force "$base" >/dev/null 2>&1 || true' EXIT
git -C "$here" worktree add --detach "$base" "$ref" >/dev/null
for i in $(seq "$runs"); do
    for side in "$ref:$base" "this checkout:$here"; do
        label=${side%%:*} tree=${side#*:}
        summary=$(cd "$tree" && PYTHONPATH=. "$python" "$@" 2>&1 | grep -E '^  (bot|echo|bare|ratio)' | tr -s ' ')
        printf '%s, run %s:\n%s\n' "$label" "$i" "$summary"
    done
done
