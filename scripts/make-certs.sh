#!/usr/bin/env bash
# Certificates for gRPC over mutual TLS (docs/DEPLOY.md "mTLS"): a CA, the coordinator's server
# certificate and one client certificate per name, all PEM, written to DIR (mode 0600 keys).
#
#   scripts/make-certs.sh DIR [--host NAME]... [--client NAME]... [--days N]
#
#   --host NAME    a DNS name or IP address the coordinator is reached at (repeatable; 127.0.0.1,
#                  ::1 and localhost are always included), e.g. anomseer-coordinator for the
#                  Kubernetes Service, coordinator for Compose
#   --client NAME  a client certificate DIR/NAME.crt + DIR/NAME.key (repeatable; default:
#                  learner, worker, status)
#   --days N       validity, default 365
#
# Then:
#   anomseer coordinator job.yaml --tls-cert DIR/coordinator.crt --tls-key DIR/coordinator.key --tls-ca DIR/ca.crt
#   anomseer worker --coordinator HOST:7070 --tls-ca DIR/ca.crt --tls-cert DIR/worker.crt --tls-key DIR/worker.key
#
# An existing CA in DIR (ca.crt + ca.key) is reused, so new clients can be added later; nothing
# else is overwritten. Needs openssl (1.1.1 or 3.x). ECDSA P-256 keys.
set -euo pipefail

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit "${1:-2}"; }

[ $# -ge 1 ] || usage
case "$1" in -h | --help) usage 0 ;; -*) echo "make-certs: the first argument is the output directory" >&2; exit 2 ;; esac
dir=$1
shift
hosts=(127.0.0.1 ::1 localhost)
clients=()
days=365
while [ $# -gt 0 ]; do
  case "$1" in
    --host) [ $# -ge 2 ] || { echo "make-certs: --host needs a name" >&2; exit 2; }; hosts+=("$2"); shift 2 ;;
    --client) [ $# -ge 2 ] || { echo "make-certs: --client needs a name" >&2; exit 2; }; clients+=("$2"); shift 2 ;;
    --days) [[ "${2:-}" =~ ^[1-9][0-9]*$ ]] || { echo "make-certs: --days must be a positive integer" >&2; exit 2; }; days=$2; shift 2 ;;
    *) echo "make-certs: unknown argument $1" >&2; usage ;;
  esac
done
[ ${#clients[@]} -gt 0 ] || clients=(learner worker status)
for c in "${clients[@]}"; do
  [[ "$c" =~ ^[A-Za-z0-9._-]+$ ]] || { echo "make-certs: client name \"$c\" must be letters, digits, '.', '_' or '-'" >&2; exit 2; }
  [ "$c" != ca ] && [ "$c" != coordinator ] || { echo "make-certs: \"$c\" is taken (ca, coordinator)" >&2; exit 2; }
done
command -v openssl >/dev/null || { echo "make-certs: openssl not found" >&2; exit 2; }

mkdir -p "$dir"
umask 077
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

if [ ! -f "$dir/ca.crt" ] || [ ! -f "$dir/ca.key" ]; then
  key "$dir/ca.key"
  openssl req -x509 -new -key "$dir/ca.key" -sha256 -days "$days" -subj "/CN=anomseer cluster CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" -out "$dir/ca.crt"
  echo "make-certs: CA $dir/ca.crt"
fi

# sign NAME CN EXT: a key and a certificate signed by the CA, with the extensions in file EXT.
sign() {
  local name=$1 cn=$2 ext=$3
  if [ -f "$dir/$name.crt" ]; then echo "make-certs: $dir/$name.crt exists; kept"; return; fi
  key "$dir/$name.key"
  openssl req -new -key "$dir/$name.key" -subj "/CN=$cn" -out "$tmp/$name.csr"
  openssl x509 -req -in "$tmp/$name.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" -CAcreateserial -CAserial "$tmp/ca.srl" \
    -days "$days" -sha256 -extfile "$ext" -out "$dir/$name.crt" 2>/dev/null
  echo "make-certs: $name $dir/$name.crt"
}

san=""
for h in "${hosts[@]}"; do
  if [[ "$h" =~ ^[0-9.]+$ || "$h" == *:* ]]; then san+="IP:$h,"; else san+="DNS:$h,"; fi
done
printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=%s\n' "${san%,}" >"$tmp/server.ext"
# Client certificates may also serve TLS: a worker serves its weight relay to other workers with
# its own certificate (mutual TLS; the relay is trusted for its CA, not for its address).
printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth,serverAuth\n' >"$tmp/client.ext"

sign coordinator "anomseer coordinator" "$tmp/server.ext"
for c in "${clients[@]}"; do sign "$c" "anomseer $c" "$tmp/client.ext"; done
chmod 600 "$dir"/*.key
chmod 644 "$dir"/*.crt
