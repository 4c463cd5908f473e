#!/bin/sh
# t-signcaps.sh: what sign takes from a PEM request it did not make
# (issue 17, finding 6), with real cfssl 1.2.0 as the oracle where it
# refuses too.  A request key with explicit EC parameters (cfssl: "x509:
# invalid ECDSA parameters"), on P-224, or RSA below 2048 bits is refused
# in one line naming the file, nothing written; RSA-2048 and named P-256
# are still signed.  More than 1024 SANs, or a DNS label over 63 bytes,
# in the request are kept as cfssl keeps them, with the warning gencert
# gives for its hosts (-strict: an error).  A CA certificate with explicit
# parameters is no issuer, and an explicit-parameter private key does not
# load (cfssl refuses both).
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/cli/setup.sh"

RCFSSL=/usr/bin/cfssl
[ -x "$RCFSSL" ] ||
	skip_all "real cfssl (Debian golang-cfssl) not installed"
need_cmd openssl || skip_all "openssl CLI not installed"
[ -x "$ETCD_PKI" ] || { echo "Bail out! $ETCD_PKI is not built"; exit 1; }
cd "$T" || exit 1
umask 022
TS='[0-9]{4}/[0-9]{2}/[0-9]{2} [0-9:]{8}'

# run ARGS...: etcd-pki ARGS; stdout in out, stderr in err, status in rc.
run() {
	rc=0
	"$ETCD_PKI" "$@" >out 2>err || rc=$?
}

# is_refused TEXT [FILE...]: the last run exited 1 with nothing on stdout
# and exactly "etcd-pki: sign: TEXT" on stderr; no FILE exists.  Prints
# what differs.
is_refused() {
	printf 'etcd-pki: sign: %s\n' "$1" >want
	shift
	[ "$rc" = 1 ] || echo "exit status $rc"
	[ ! -s out ] || echo "stdout not empty"
	cmp -s want err || { echo "want:"; cat want; echo "stderr:"; cat err; }
	for _f; do
		[ ! -e "$_f" ] || echo "$_f exists"
	done
	[ "$rc" = 1 ] && [ ! -s out ] && cmp -s want err &&
	    for _f; do [ ! -e "$_f" ] || return 1; done
}

# refused NAME TEXT [FILE...]: is_refused as a test.
refused() {
	_rn=$1
	shift
	check "$_rn" is_refused "$@"
}

# signed NAME [WARNING...]: the last run (sign -o got) exited 0, got.pem
# verifies under ca.pem, and stderr's [WARNING] lines are exactly the
# WARNING arguments.
signed() {
	_n=$1
	shift
	grep -E "^$TS \[WARNING\] " err | sed -E "s#^$TS \[WARNING\] ##" \
	    >warnings || :
	if [ $# -gt 0 ]; then printf '%s\n' "$@" >want; else : >want; fi
	if [ "$rc" = 0 ] && cmp -s want warnings &&
	    openssl verify -CAfile ca.pem got.pem >/dev/null 2>&1; then
		pass "$_n"
	else
		fail "$_n"
		echo "#   rc=$rc; want warnings:"
		sed 's/^/#     /' want
		echo "#   stderr:"
		sed 's/^/#     /' err
	fi
	rm -f got.pem
}

# csr NAME KEYFILE [SAN]: NAME.csr for the key in KEYFILE, CN NAME.
csr() {
	if [ $# -gt 2 ]; then
		openssl req -new -key "$2" -subj "/CN=$1" \
		    -addext "subjectAltName=$3" -out "$1.csr" 2>/dev/null
	else
		openssl req -new -key "$2" -subj "/CN=$1" -out "$1.csr" \
		    2>/dev/null
	fi
}

# cfssl_says NAME RC TEXT CA CAKEY CSR: the real cfssl's sign exits RC
# (0 or 1) and prints TEXT (fixed string) on stdout or stderr.
cfssl_says() {
	_n=$1 _rc=$2 _t=$3
	shift 3
	cfrc=0
	"$RCFSSL" sign -ca "$1" -ca-key "$2" "$3" >cf.out 2>&1 || cfrc=$?
	if [ "$cfrc" = "$_rc" ] && grep -qF -- "$_t" cf.out; then
		pass "$_n"
	else
		fail "$_n"
		sed 's/^/#   /' cf.out
	fi
}

# ---- the CA and the keys ---------------------------------------------------
printf '%s' '{"CN":"Caps CA","key":{"algo":"ecdsa","size":256}}' >ca.json
"$ETCD_PKI" gencert -initca -o ca ca.json 2>/dev/null || {
	echo "Bail out! gencert -initca failed"
	exit 1
}
openssl ecparam -name prime256v1 -param_enc explicit -genkey -noout \
    -out explicit-key.pem
openssl ec -in explicit-key.pem -param_enc named_curve -out named-key.pem \
    2>/dev/null
openssl ecparam -name secp224r1 -genkey -noout -out p224-key.pem
for b in 512 1024 2048; do
	openssl genrsa -out "rsa$b-key.pem" "$b" 2>/dev/null
done
csr explicit explicit-key.pem "DNS:explicit.example.net"
csr named named-key.pem "DNS:named.example.net"
csr p224 p224-key.pem
csr rsa512 rsa512-key.pem
csr rsa1024 rsa1024-key.pem
csr rsa2048 rsa2048-key.pem "DNS:rsa.example.net"

# ---- request keys ----------------------------------------------------------
cfssl_says "explicit parameters: cfssl refuses (x509: invalid ECDSA parameters)" \
    1 'x509: invalid ECDSA parameters' ca.pem ca-key.pem explicit.csr
run sign -ca ca.pem -ca-key ca-key.pem -o got explicit.csr
refused "explicit parameters: refused too, nothing written" \
    "explicit.csr: the request's public key: EC key with explicit curve parameters (RFC 5480 allows a named curve only; Go cannot parse it)" \
    got.pem got.csr
run sign -ca ca.pem -ca-key ca-key.pem explicit.csr
refused "explicit parameters, cfssl JSON on stdout: nothing printed" \
    "explicit.csr: the request's public key: EC key with explicit curve parameters (RFC 5480 allows a named curve only; Go cannot parse it)"
rc=0
"$ETCD_PKI" sign -ca ca.pem -ca-key ca-key.pem - <explicit.csr >out 2>err || rc=$?
refused "explicit parameters on stdin: named <stdin>" \
    "<stdin>: the request's public key: EC key with explicit curve parameters (RFC 5480 allows a named curve only; Go cannot parse it)"

cfssl_says "P-224: cfssl signs it (a difference, etcd-pki(1) COMPATIBILITY)" \
    0 '"cert"' ca.pem ca-key.pem p224.csr
cfssl_says "RSA-512: cfssl signs it (a difference, etcd-pki(1) COMPATIBILITY)" \
    0 '"cert"' ca.pem ca-key.pem rsa512.csr

# NAME|CSR|PROBLEM: refused in one line, -allow-invalid-issuer or not.
while IFS='|' read -r name req why; do
	for flag in -strict -allow-invalid-issuer; do
		run sign -ca ca.pem -ca-key ca-key.pem $flag -o got "$req"
		refused "$name ($flag): refused, nothing written" \
		    "$req: the request's public key: $why" got.pem got.csr
	done
done <<'EOF'
P-224 (cfssl signs it; TLS 1.3 cannot use it)|p224.csr|EC key on curve secp224r1 (Go's TLS takes P-256, P-384 and P-521 only)
RSA-512 (cfssl signs it)|rsa512.csr|RSA key of 512 bits, fewer than 2048: it can be factored
RSA-1024|rsa1024.csr|RSA key of 1024 bits, fewer than 2048: it can be factored
EOF
run sign -remote 127.0.0.1:1 rsa512.csr
refused "sign -remote: the key is refused before anything is sent" \
    "rsa512.csr: the request's public key: RSA key of 512 bits, fewer than 2048: it can be factored"

run sign -ca ca.pem -ca-key ca-key.pem -o got rsa2048.csr
signed "RSA-2048: signed, verifies, no warning"
run sign -ca ca.pem -ca-key ca-key.pem -o got named.csr
signed "named P-256 (the explicit key, written with its curve's name): signed"

# ---- the request's SANs ----------------------------------------------------
sans=$(seq 1 1025 | sed 's/^/DNS:h/; s/$/.example.net/' | paste -sd, -)
csr many named-key.pem "$sans"
sans=$(seq 1 1024 | sed 's/^/DNS:h/; s/$/.example.net/' | paste -sd, -)
csr enough named-key.pem "$sans"
run sign -ca ca.pem -ca-key ca-key.pem -o got many.csr
n=$(openssl x509 -in got.pem -noout -ext subjectAltName 2>/dev/null |
    tr ',' '\n' | grep -c 'DNS:') || :
[ "$n" = 1025 ] && pass "1025 SANs: all 1025 kept, as cfssl keeps them" ||
	fail "1025 SANs: all 1025 kept, as cfssl keeps them (got $n)"
signed "1025 SANs: one warning naming the file" \
    "many.csr: subjectAltName: 1025 entries, more than 1024; kept, as cfssl keeps them"
run sign -strict -ca ca.pem -ca-key ca-key.pem -o got many.csr
refused "1025 SANs, -strict: refused, nothing written" \
    "many.csr: subjectAltName: 1025 entries, more than 1024; kept, as cfssl keeps them" \
    got.pem
run sign -strict -ca ca.pem -ca-key ca-key.pem -o got enough.csr
signed "1024 SANs, -strict: signed"
run sign -strict -ca ca.pem -ca-key ca-key.pem -hostname a.example.net \
    -o got many.csr
signed "1025 SANs replaced by -hostname: not checked, signed even -strict"

long=$(printf '%064d' 0)
csr label named-key.pem "DNS:$long.example.net,IP:10.0.0.1"
run sign -ca ca.pem -ca-key ca-key.pem -o got label.csr
signed "a 64-byte DNS label: kept, one warning naming the file and the name" \
    "label.csr: subjectAltName \"$(printf '%060d' 0)...\": DNS label of 64 bytes, longer than 63: no name in DNS can match it; kept, as cfssl keeps it"

# ---- issuers and CA keys ---------------------------------------------------
# NAME|CA KEY (the certificate's)|-ca-key|cfssl's error|ours
while IFS='|' read -r name certkey cakey cferr ours; do
	openssl req -new -x509 -key "$certkey" -subj "/CN=$name" -days 30 \
	    -addext basicConstraints=critical,CA:TRUE \
	    -addext keyUsage=critical,keyCertSign,cRLSign -out issuer.pem
	cfssl_says "$name: cfssl refuses it" 1 "$cferr" issuer.pem "$cakey" \
	    rsa2048.csr
	run sign -ca issuer.pem -ca-key "$cakey" -o got rsa2048.csr
	refused "$name: refused, nothing written" "$ours" got.pem
done <<'EOF'
a CA certificate with explicit parameters|explicit-key.pem|named-key.pem|Failed to parse certificate|issuer.pem: the CA certificate's key: EC key with explicit curve parameters (RFC 5480 allows a named curve only; Go cannot parse it): what it signs does not verify (-allow-invalid-issuer signs anyway)
an explicit-parameter CA key|named-key.pem|explicit-key.pem|Failed to parse private key|explicit-key.pem: unsupported EC key (explicit curve parameters)
EOF
printf '%s' '{"CN":"x"}' >x.json
rc=0
"$ETCD_PKI" gencsr -key explicit-key.pem x.json >out 2>err || rc=$?
[ "$rc" = 1 ] && [ ! -s out ] &&
    [ "$(cat err)" = "etcd-pki: gencsr: explicit-key.pem: unsupported EC key (explicit curve parameters)" ] &&
	pass "gencsr -key with explicit parameters: refused (no such request made)" ||
	{ fail "gencsr -key with explicit parameters: refused (no such request made)"; sed 's/^/#   /' err; }

finish
