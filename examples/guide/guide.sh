#!/bin/sh
# The etcd TLS setup guide's lines, run with etcd-pki through cfssl/cfssljson
# links: a CA, three peer certificates and a client certificate.
# Usage: guide.sh [ETCD_PKI [OUTDIR]]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
bin=${1:-${ETCD_PKI:-etcd-pki}}
out=${2:-guide-out}
case $bin in /*) ;; */*) bin=$(pwd)/$bin ;; *) bin=$(command -v "$bin") ;; esac
mkdir -p "$out/.bin"
ln -sf "$bin" "$out/.bin/cfssl"
ln -sf "$bin" "$out/.bin/cfssljson"
PATH=$(cd "$out/.bin" && pwd):$PATH
export PATH
cd "$out"
cfssl gencert -initca "$here/ca-csr.json" | cfssljson -bare ca
for n in etcd1 etcd2 etcd3; do
	cfssl gencert -ca=ca.pem -ca-key=ca-key.pem \
	    -config="$here/request-config.json" -profile=peer \
	    "$here/$n-csr.json" | cfssljson -bare "$n"
done
cfssl gencert -ca=ca.pem -ca-key=ca-key.pem -config="$here/request-config.json" \
    -profile=client "$here/client-csr.json" | cfssljson -bare client
rm -rf .bin
echo "wrote into $(pwd):"
for f in *; do
	printf '  %s  %s\n' "$(ls -l "$f" | cut -c1-10)" "$f"
done
if command -v openssl >/dev/null 2>&1; then
	for n in ca etcd1 etcd2 etcd3 client; do
		echo "$n.pem:"
		openssl x509 -in "$n.pem" -noout -subject -enddate \
		    -ext subjectAltName,extendedKeyUsage 2>/dev/null |
		    sed 's/^/    /'
		openssl verify -CAfile ca.pem "$n.pem" 2>&1 | sed 's/^/    verify: /'
	done
fi
