#!/bin/sh
# Restore Redis from a backup taken with `redis-cli --rdb FILE` (deploy/README.md, "Backup and
# restore"). Usage: restore.sh DATA_DIR BACKUP_RDB, with Redis stopped.
# With appendonly on, Redis 7 ignores a dump.rdb when it finds no append-only directory and starts
# empty; so the snapshot becomes the base file of a fresh append-only directory, which it loads.
# POSIX sh: it runs inside the redis:7.4-alpine image as well as on a host.
set -eu
data=$1 backup=$2
[ -s "$backup" ] || { echo "restore: $backup is missing or empty" >&2; exit 1; }
head -c 5 "$backup" | grep -q REDIS || { echo "restore: $backup is not an RDB file" >&2; exit 1; }
rm -rf "$data/appendonlydir" "$data/dump.rdb"
mkdir -p "$data/appendonlydir"
cp "$backup" "$data/appendonlydir/appendonly.aof.1.base.rdb"
cp "$backup" "$data/dump.rdb"  # for a Redis run without appendonly (deploy/local/redis.sh)
printf 'file appendonly.aof.1.base.rdb seq 1 type b\n' >"$data/appendonlydir/appendonly.aof.manifest"
echo "restore: $backup is in $data; start Redis"
