#!/bin/sh
# The image's three commands. `exec` so that node, not this shell, receives tini's signals.
set -eu
cd /app
command="${1:-api}"
[ "$#" -gt 0 ] && shift
case "$command" in
  api) exec node dist/apps/api/apps/api/src/main.js "$@" ;;
  worker) exec node dist/apps/worker/apps/worker/src/main.js "$@" ;;
  manager) exec node dist/apps/manager/apps/manager/src/main.js "$@" ;;
  om) exec node dist/apps/cli/apps/cli/src/main.js "$@" ;;
  help | --help | -h)
    echo "usage: api | worker | manager | om <cli arguments> | <any command>"
    ;;
  *) exec "$command" "$@" ;;
esac
