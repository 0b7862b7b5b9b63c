#!/usr/bin/env bash
# Random secrets for docker-compose (Docker secrets are files): the register owner's password,
# one per service role, the steward service's cookie secret. Existing files are kept, so running
# it again changes nothing. The folder is ignored by git.
set -euo pipefail
cd "$(dirname "$0")/.."
umask 077
mkdir -p .secrets
for name in db-owner-password db-linker-password db-store-password db-steward-password db-monitor-password steward-cookie-secret; do
  [ -s ".secrets/$name" ] || head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > ".secrets/$name"
done
echo "secrets in .secrets/ (keep them out of the repository and backups of it)"
