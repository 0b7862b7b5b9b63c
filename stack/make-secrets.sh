#!/usr/bin/env bash
# Random secrets for docker-compose (Docker secrets are files): the register owner's password,
# one per service role, the steward service's cookie secret, and the register's TLS: a
# throw-away CA and the server's key and certificate (for the names `postgres`, `localhost` and
# 127.0.0.1), made with openssl. The CA's key is not kept: nothing else can be signed with it;
# to renew, remove register-ca.pem and register-tls.* and run again. Existing files are kept, so
# running it again changes nothing. The folder is ignored by git.
set -euo pipefail
cd "$(dirname "$0")/.."
umask 077
mkdir -p .secrets
for name in db-owner-password db-linker-password db-store-password db-steward-password db-monitor-password steward-cookie-secret; do
  [ -s ".secrets/$name" ] || head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > ".secrets/$name"
done
if [ ! -s .secrets/register-tls.crt ] || [ ! -s .secrets/register-tls.key ] || [ ! -s .secrets/register-ca.pem ]; then
  command -v openssl > /dev/null || { echo "make-secrets.sh: openssl is needed for the register's TLS certificate: install it" >&2; exit 1; }
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
  openssl req -x509 "${ec[@]}" -keyout "$work/ca.key" -subj '/CN=dancu compose CA' -days 3650 \
    -addext 'basicConstraints=critical,CA:TRUE' -addext 'keyUsage=critical,keyCertSign,cRLSign' -out .secrets/register-ca.pem 2> /dev/null
  openssl req -new "${ec[@]}" -keyout .secrets/register-tls.key -subj '/CN=postgres' -out "$work/server.csr" 2> /dev/null
  printf 'subjectAltName=DNS:postgres,DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature\n' > "$work/server.ext"
  openssl x509 -req -in "$work/server.csr" -CA .secrets/register-ca.pem -CAkey "$work/ca.key" -set_serial "0x$(od -An -tx1 -N8 /dev/urandom | tr -d ' \n')" \
    -days 825 -extfile "$work/server.ext" -out .secrets/register-tls.crt 2> /dev/null
fi
echo "secrets in .secrets/ (keep them out of the repository and backups of it)"
