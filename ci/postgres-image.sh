#!/usr/bin/env bash
# Builds the PostgreSQL image the tests run through testcontainers. This machine's Docker
# engine has no registry, so the image is made here: a Debian rootfs by debootstrap, with
# PostgreSQL 15 from Debian's packages, imported into Docker. Idempotent: quick when it exists.
set -euo pipefail
# The tag names the script's version: an image of an older script (which trusted the network)
# is never taken for this one.
image="${LIMANI_POSTGRES_IMAGE:-limani-kit/postgres:15-scram}"
if docker image inspect "$image" >/dev/null 2>&1; then
  echo "postgres-image: $image is there"
  exit 0
fi
echo "postgres-image: building $image from Debian packages (no registry needed)"
if ! command -v debootstrap >/dev/null; then
  apt-get update -qq && apt-get install -y -qq debootstrap >/dev/null
fi
# The Debian mirror this machine's apt already uses.
mirror=$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/*.sources 2>/dev/null | grep -v security | head -n 1)
[ -n "$mirror" ] || mirror=$(awk '/^deb /{print $2; exit}' /etc/apt/sources.list)
root=$(mktemp -d /tmp/limani-pg-rootfs.XXXXXX)
log=$(mktemp /tmp/limani-debootstrap.XXXXXX)
trap 'rm -rf "$root" "$log"' EXIT
debootstrap --variant=minbase --include=postgresql-15,ca-certificates bookworm "$root" "$mirror" >"$log" 2>&1 \
  || { tail -n 30 "$log"; exit 1; }
cat > "$root/usr/local/bin/limani-postgres" <<'SCRIPT'
#!/bin/sh
# Starts PostgreSQL like the official image: POSTGRES_USER/POSTGRES_DB, and POSTGRES_PASSWORD
# required (scram-sha-256 everywhere: no trust, not even on the container's own socket).
set -e
PGDATA=/var/lib/postgresql/data
BIN=/usr/lib/postgresql/15/bin
if [ -z "$POSTGRES_PASSWORD" ]; then
  echo "limani-postgres: set POSTGRES_PASSWORD (this image trusts no one)" >&2
  exit 1
fi
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  mkdir -p "$PGDATA" && chown -R postgres:postgres /var/lib/postgresql
  umask 077
  printf '%s\n' "$POSTGRES_PASSWORD" > /var/lib/postgresql/pwfile && chown postgres /var/lib/postgresql/pwfile
  su postgres -s /bin/sh -c "$BIN/initdb -D $PGDATA -U ${POSTGRES_USER:-postgres} --auth=scram-sha-256 --pwfile=/var/lib/postgresql/pwfile -E UTF8 --locale=C.UTF-8 >/dev/null"
  rm -f /var/lib/postgresql/pwfile
  printf 'host all all 0.0.0.0/0 scram-sha-256\nhost all all ::/0 scram-sha-256\n' >> "$PGDATA/pg_hba.conf"
  if [ -n "$POSTGRES_DB" ] && [ "$POSTGRES_DB" != "${POSTGRES_USER:-postgres}" ]; then
    su postgres -s /bin/sh -c "$BIN/postgres --single -D $PGDATA postgres" <<SQL >/dev/null
CREATE DATABASE "$POSTGRES_DB";
SQL
  fi
fi
exec su postgres -s /bin/sh -c "exec $BIN/postgres -D $PGDATA -c listen_addresses='*' -c unix_socket_directories=/tmp"
SCRIPT
chmod +x "$root/usr/local/bin/limani-postgres"
rm -rf "$root/var/cache/apt/archives/"*.deb "$root/var/lib/apt/lists/"*
tar -C "$root" -c . | docker import \
  --change 'ENTRYPOINT ["/usr/local/bin/limani-postgres"]' \
  --change 'EXPOSE 5432' \
  --change 'ENV LANG=C.UTF-8' \
  - "$image" >/dev/null
echo "postgres-image: built $image ($(docker image inspect -f '{{.Size}}' "$image" | awk '{printf "%.0f MB", $1/1e6}'))"
