#!/bin/sh
# Makes a private CA and, signed by it, a server certificate and a client certificate (for mutual TLS and
# for the health probes), with openssl. For trials and for plants without a PKI; where the plant has one
# (or cert-manager), use its certificates instead. docs/DEPLOY.md.
#
#   deploy/make-certs.sh OUT_DIR SERVER_NAME [MORE_NAMES...]
#   deploy/make-certs.sh deploy/certs prodplan.plant.example prodplan.prodplan.svc.cluster.local
#
# OUT_DIR gets ca.crt/ca.key (keep ca.key offline), server.crt/server.key (SANs: the names given,
# localhost and 127.0.0.1, so that the in-container health check can verify it), probe.crt/probe.key
# (a client certificate, CN "healthcheck"). Keys are EC P-256; certificates are valid for 825 days.
set -eu
[ $# -ge 2 ] || { echo "usage: $0 OUT_DIR SERVER_NAME [MORE_NAMES...]" >&2; exit 2; }
out=$1; shift
mkdir -p "$out"
cd "$out"
umask 077
days=825

openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -sha256 -days 3650 \
    -subj "/CN=prodplan CA" -keyout ca.key -out ca.crt \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null

sans="DNS:localhost,IP:127.0.0.1"
for name in "$@"; do sans="DNS:$name,$sans"; done

issue() {  # issue NAME CN EXTENDED_KEY_USAGE [SUBJECT_ALT_NAMES]
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -sha256 \
        -subj "/CN=$2" -keyout "$1.key" -out "$1.csr" 2>/dev/null
    {
        echo "basicConstraints=critical,CA:FALSE"
        echo "keyUsage=critical,digitalSignature"
        echo "extendedKeyUsage=$3"
        [ -z "${4:-}" ] || echo "subjectAltName=$4"
    } > "$1.ext"
    openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -sha256 -days "$days" \
        -extfile "$1.ext" -out "$1.crt" 2>/dev/null
    rm -f "$1.csr" "$1.ext"
}
issue server "$1" serverAuth "$sans"
issue probe healthcheck clientAuth
rm -f ca.srl
chmod 0644 ca.crt server.crt probe.crt
echo "made in $out: ca.crt ca.key server.crt server.key probe.crt probe.key (server SANs: $sans)"
