#!/usr/bin/env bash
# Runs a command with DATABASE_URL pointing at a throw-away PostgreSQL 15 server started
# from Debian's binaries (/usr/lib/postgresql/15/bin), on loopback, as the postgres user.
#   bash scripts/with-postgres15.sh npm run test:integration
set -euo pipefail
BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
[ -x "$BIN/initdb" ] || { echo "no PostgreSQL binaries in $BIN" >&2; exit 2; }
DIR=$(mktemp -d /tmp/palinsesto-pg15-XXXXXX)
chmod 755 "$DIR"
PORT=${PG_PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')}
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[ "$(id -u)" = 0 ] && chown postgres "$DIR"
as_pg "$BIN/initdb" -D "$DIR/data" -U postgres --auth=trust >/dev/null
as_pg "$BIN/pg_ctl" -D "$DIR/data" -o "-c listen_addresses=127.0.0.1 -c port=$PORT -c unix_socket_directories=$DIR -c fsync=off -c max_connections=300" -l "$DIR/log" -w start >/dev/null
trap 'as_pg "$BIN/pg_ctl" -D "$DIR/data" -m fast -w stop >/dev/null; rm -rf "$DIR"' EXIT
echo "PostgreSQL $("$BIN/postgres" --version | awk "{print \$3}") on 127.0.0.1:$PORT"
DATABASE_URL="postgres://postgres@127.0.0.1:$PORT/postgres" "$@"
