#!/usr/bin/env bash
# CI needs PostgreSQL and Redis: start them when installed but down; fail when absent.
# `ensure-services.sh postgres` checks PostgreSQL alone (the benchmarks need no Redis).
set -euo pipefail
only="${1:-all}"
if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  if [ -d /etc/postgresql ] && command -v pg_ctlcluster >/dev/null; then
    echo "Starting PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start
    for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
  fi
fi
pg_isready -q -h 127.0.0.1 -p 5432 || { echo "PostgreSQL is required on 127.0.0.1:5432 and is not running" >&2; exit 1; }
if [ "$only" = postgres ]; then echo "PostgreSQL is up"; exit 0; fi
if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  if command -v redis-server >/dev/null; then
    echo "Starting Redis"
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
    for _ in $(seq 1 30); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 1; done
  fi
fi
redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 || { echo "Redis is required on 127.0.0.1:6379 and is not running" >&2; exit 1; }
echo "PostgreSQL and Redis are up"
