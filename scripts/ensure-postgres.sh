#!/usr/bin/env bash
# Make sure a PostgreSQL server answers on 127.0.0.1:5432 with a database "test"
# that user postgres can reach without a password (used by `make test`).
#
#   scripts/ensure-postgres.sh           start (or, as root with apt-get, install) and prepare it
#   scripts/ensure-postgres.sh --check   only report: exit 0 if the server answers and user
#                                        postgres reaches database "test" without a password
#
# Order: already answering -> nothing to start; else a cluster under /etc/postgresql
# -> pg_ctlcluster start; else root + apt-get -> install postgresql and start it.
# Then wait up to 30 s, create database "test" if missing, and (only on a cluster this
# script installed, or started itself under CI) switch 127.0.0.1/::1 to trust auth
# if a password is demanded.  Never stops, restarts or kills a running server.
#
# Exit status: non-zero only when PostgreSQL cannot be made to answer (or to accept
# user postgres on database "test") and CI is set;
# outside CI that is a warning and exit 0 (the PostgreSQL tests then skip).
set -uo pipefail

HOST=127.0.0.1
PORT=5432
DB=test
PGUSER_NAME=postgres
ME="ensure-postgres"

answers() {
    if command -v pg_isready >/dev/null 2>&1; then
        pg_isready -q -h "$HOST" -p "$PORT" >/dev/null 2>&1
    else
        # No client tools: at least see whether something listens on the port.
        (exec 3<>"/dev/tcp/$HOST/$PORT") >/dev/null 2>&1
    fi
}

if [[ "${1:-}" == "--check" ]]; then
    # Usable = answers, and (where psql exists) user postgres reaches database "test"
    # without a password.
    answers || exit 1
    command -v psql >/dev/null 2>&1 || exit 0
    psql -h "$HOST" -p "$PORT" -U "$PGUSER_NAME" -d "$DB" -w -X -q -c 'SELECT 1' >/dev/null 2>&1
    exit $?
fi

fail() {
    # Unrecoverable: an error in CI, a warning elsewhere.
    if [[ -n "${CI:-}" ]]; then
        echo "$ME: ERROR: $*" >&2
        exit 1
    fi
    echo "$ME: WARNING: $* - PostgreSQL tests will be skipped." >&2
    exit 0
}

is_root() { [[ "$(id -u)" == 0 ]]; }

LOG="$(mktemp "${TMPDIR:-/tmp}/ensure-postgres.XXXXXX")"
trap 'rm -f "$LOG"' EXIT

# Clusters known to postgresql-common that use our port, as "VERSION NAME" lines, newest first.
list_clusters() {
    local ver dir port
    for dir in /etc/postgresql/*/*/; do
        [[ -f "$dir/postgresql.conf" ]] || continue
        ver="$(basename "$(dirname "$dir")")"
        port="$(sed -nE 's/^[[:space:]]*port[[:space:]]*=[[:space:]]*([0-9]+).*/\1/p' \
            "$dir/postgresql.conf" | tail -n 1)"
        [[ "${port:-5432}" == "$PORT" ]] && echo "$ver $(basename "$dir")"
    done | sort -k1,1Vr
}

wait_for_server() {
    local i
    for ((i = 0; i < 30; i++)); do
        answers && return 0
        sleep 1
    done
    answers
}

start_clusters() {
    local ver name
    if is_root && [[ ! -d /var/run/postgresql ]] && id postgres >/dev/null 2>&1; then
        install -d -o postgres -g postgres -m 2775 /var/run/postgresql
    fi
    while read -r ver name; do
        [[ -n "$ver" ]] || continue
        # "already running" is fine; anything else is reported if the server stays down.
        if pg_ctlcluster --skip-systemctl-redirect "$ver" "$name" start >>"$LOG" 2>&1; then
            STARTED="$ver $name"
            wait_for_server && return 0
        elif answers; then
            STARTED="$ver $name"
            return 0
        fi
    done < <(list_clusters)
    return 1
}

psql_q() {
    # -w: never prompt for a password (CI has no stdin).
    psql -h "$HOST" -p "$PORT" -U "$PGUSER_NAME" -w -X -q -v ON_ERROR_STOP=1 "$@"
}

trust_localhost() {
    # Prepend trust rules for local TCP connections (first matching line wins), then reload.
    local ver="$1" name="$2" hba
    hba="/etc/postgresql/$ver/$name/pg_hba.conf"
    [[ -f "$hba" ]] || return 1
    cp -p "$hba" "$hba.before-ensure-postgres" || return 1
    {
        echo "# added by tunecycle scripts/ensure-postgres.sh: trust local TCP connections"
        echo "host    all    all    127.0.0.1/32    trust"
        echo "host    all    all    ::1/128         trust"
        cat "$hba.before-ensure-postgres"
    } >"$hba" || return 1
    pg_ctlcluster --skip-systemctl-redirect "$ver" "$name" reload >>"$LOG" 2>&1
}

ACTION=""
STARTED=""
INSTALLED=""

if answers; then
    ACTION="PostgreSQL already answering on $HOST:$PORT"
elif [[ -d /etc/postgresql ]] && command -v pg_ctlcluster >/dev/null 2>&1; then
    if ! start_clusters && [[ -z "$STARTED" ]]; then
        tail -n 20 "$LOG" >&2
        fail "PostgreSQL is not answering on $HOST:$PORT and no cluster for port $PORT under /etc/postgresql could be started"
    fi
    ACTION="started PostgreSQL cluster $STARTED with pg_ctlcluster"
elif is_root && command -v apt-get >/dev/null 2>&1; then
    echo "$ME: PostgreSQL not found; installing it with apt-get (this takes a minute)..."
    export DEBIAN_FRONTEND=noninteractive
    if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends postgresql; } \
        >>"$LOG" 2>&1; then
        tail -n 20 "$LOG" >&2
        fail "apt-get install postgresql failed"
    fi
    INSTALLED=yes
    # postgresql-common normally creates the "main" cluster; create one if it did not.
    if [[ -z "$(list_clusters)" ]]; then
        ver="$(ls /usr/lib/postgresql 2>/dev/null | sort -V | tail -n 1)"
        [[ -n "$ver" ]] && pg_createcluster "$ver" main >>"$LOG" 2>&1
    fi
    if ! start_clusters && [[ -z "$STARTED" ]]; then
        tail -n 20 "$LOG" >&2
        fail "installed postgresql, but no cluster for port $PORT could be started"
    fi
    ACTION="installed postgresql and started cluster $STARTED"
else
    fail "PostgreSQL is not answering on $HOST:$PORT and cannot be installed here (needs root and apt-get)"
fi

if ! wait_for_server; then
    tail -n 20 "$LOG" >&2
    fail "PostgreSQL still not answering on $HOST:$PORT after 30 s ($ACTION)"
fi

if ! command -v psql >/dev/null 2>&1; then
    fail "$ACTION, but psql is missing, so database '$DB' cannot be checked"
fi

# Can user postgres connect over TCP without a password?
if ! err="$(psql_q -d postgres -c 'SELECT 1' 2>&1 >/dev/null)"; then
    echo "$err" >>"$LOG"
    if [[ "$err" == *password* ]] && [[ -n "$STARTED" ]] && { [[ -n "$INSTALLED" ]] || [[ -n "${CI:-}" ]]; } \
        && is_root; then
        # shellcheck disable=SC2086
        trust_localhost $STARTED && sleep 1
        ACTION="$ACTION; set trust auth for 127.0.0.1/::1 in pg_hba.conf"
    fi
    if ! psql_q -d postgres -c 'SELECT 1' >/dev/null 2>>"$LOG"; then
        tail -n 5 "$LOG" | uniq >&2
        fail "$ACTION, but user $PGUSER_NAME cannot connect to $HOST:$PORT without a password (set 'trust' for 127.0.0.1/32 in pg_hba.conf)"
    fi
fi

exists="$(psql_q -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$DB'" 2>>"$LOG")"
if [[ "$exists" == 1 ]]; then
    echo "$ME: $ACTION; database '$DB' exists."
else
    # Tolerate a concurrent creator: only the final check counts.
    psql_q -d postgres -c "CREATE DATABASE $DB" >/dev/null 2>>"$LOG" || true
    exists="$(psql_q -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$DB'" 2>>"$LOG")"
    if [[ "$exists" != 1 ]]; then
        tail -n 5 "$LOG" | uniq >&2
        fail "$ACTION, but database '$DB' could not be created"
    fi
    echo "$ME: $ACTION; created database '$DB'."
fi
exit 0
