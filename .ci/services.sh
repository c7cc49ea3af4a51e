#!/usr/bin/env bash
# Make sure the OS packages the test services need are on this (Debian) machine.
#
#   bash .ci/services.sh        # or:  source .ci/services.sh
#
# Needs root (CI runs as root).  Quiet and quick when everything is present.
#
# PostgreSQL: the tests start their own throwaway cluster (tests/support/postgres.py)
# with initdb/pg_ctl from `pg_config --bindir` or /usr/lib/postgresql/*/bin, run
# as the `postgres` user via runuser.  If those binaries are missing, install the
# Debian `postgresql` package, and stop the default cluster that its postinst may
# have started: the tests do not use it.
#
# Chromium: the web site's browser tests (tests/test_web_browser.py) drive Debian's `chromium` with Playwright
# (Playwright's own browser download cannot be reached from here); they fail in CI when it is missing.
#
# Synapse is a Python package (matrix-synapse, in the project's `test` extra), so it
# is installed by pip with the rest of the project, not here.

_forumbot_pg_bindir() {
    local d
    if command -v pg_config >/dev/null 2>&1; then
        d="$(pg_config --bindir 2>/dev/null)"
        if [ -n "$d" ] && [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then
            echo "$d"
            return 0
        fi
    fi
    for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then
            echo "$d"
            return 0
        fi
    done
    return 1
}

_forumbot_stop_default_clusters() {
    # Stop every cluster the package created and started (normally 15/main or so).
    command -v pg_lsclusters >/dev/null 2>&1 || return 0
    local ver name port status rest
    while read -r ver name port status rest; do
        if [ "$status" = "online" ]; then
            pg_ctlcluster "$ver" "$name" stop >/dev/null 2>&1 \
                || pg_ctlcluster "$ver" "$name" stop -m immediate >/dev/null 2>&1 \
                || true
        fi
    done < <(pg_lsclusters -h 2>/dev/null)
}

_forumbot_services_main() {
    local missing=()
    _forumbot_pg_bindir >/dev/null || missing+=(postgresql)
    command -v runuser >/dev/null 2>&1 || missing+=(util-linux)
    [ -x /usr/bin/chromium ] || missing+=(chromium)
    if [ "${#missing[@]}" -eq 0 ] && getent passwd postgres >/dev/null 2>&1; then
        return 0
    fi
    [ "${#missing[@]}" -eq 0 ] && missing=(postgresql) # no postgres user: reinstall
    getent passwd postgres >/dev/null 2>&1 || [[ " ${missing[*]} " == *" postgresql "* ]] || missing+=(postgresql)

    if [ "$(id -u)" -ne 0 ]; then
        echo "services.sh: need root to install: ${missing[*]}" >&2
        return 1
    fi
    echo "services.sh: installing ${missing[*]}" >&2
    local log
    log="$(mktemp /tmp/forumbot-services-apt.XXXXXX)"
    {
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq &&
            if [ "${missing[*]}" = "postgresql" ] && _forumbot_pg_bindir >/dev/null; then
                apt-get install -y -qq --reinstall postgresql-common
            else
                apt-get install -y -qq "${missing[@]}"
            fi
    } >"$log" 2>&1
    local rc=$?
    _forumbot_stop_default_clusters
    if [ "$rc" -ne 0 ]; then
        echo "services.sh: apt-get failed ($rc); last lines of $log:" >&2
        tail -n 30 "$log" >&2
        return "$rc"
    fi
    rm -f "$log"

    local bindir
    if ! bindir="$(_forumbot_pg_bindir)"; then
        echo "services.sh: PostgreSQL server binaries still missing after install" >&2
        return 1
    fi
    if ! getent passwd postgres >/dev/null 2>&1; then
        echo "services.sh: no 'postgres' user after install" >&2
        return 1
    fi
    echo "services.sh: PostgreSQL binaries in $bindir" >&2
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    # Run as a script.
    set -uo pipefail
    _forumbot_services_main
    exit $?
else
    # Sourced: do not change the caller's shell options; report through the status.
    _forumbot_services_main
fi
