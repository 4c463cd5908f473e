#!/bin/sh
# t-verify.sh: independent verification of etcd-pki's certificates.  With
# etcd-pki alone (through cfssl/cfssljson links) it makes a root per key type
# (rsa-2048, ecdsa-256/384/521, ed25519), a peer leaf under each, and a
# root -> intermediate -> leaf chain, and has them checked by other
# implementations: OpenSSL (`openssl verify -x509_strict`, purposes,
# -checkend, `openssl pkey -check` of each key), GnuTLS (`certtool
# --verify`) and Go's crypto/x509 (through the real cfssl 1.2.0's
# `certinfo`).  Also: key matches certificate, file modes.
#
# T_COMPAT_SELF=1 runs it with the real cfssl instead (harness self-test;
# Ed25519 is then left out, cfssl 1.2.0 cannot make such keys).
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/cli/setup.sh"

TOP_SRCDIR=$(cd "$TOP_SRCDIR" && pwd)
DATA=$TOP_SRCDIR/tests/data/compat
GUIDE=$TOP_SRCDIR/examples/guide/request-config.json
SELF=${T_COMPAT_SELF:-0}

need_cmd openssl || skip_all "openssl CLI not installed"
need_cmd certtool || skip_all "GnuTLS certtool (gnutls-bin) not installed"
[ -x /usr/bin/cfssl ] ||
	skip_all "real cfssl (Debian golang-cfssl, the Go parser check) not installed"
OBIN=$T/bin
mkdir -p "$OBIN"
if [ "$SELF" = 1 ]; then
	ln -s /usr/bin/cfssl "$OBIN/cfssl"
	ln -s /usr/bin/cfssljson "$OBIN/cfssljson"
	diag "T_COMPAT_SELF=1: the certificates are made by the real cfssl"
else
	[ -x "$ETCD_PKI" ] || { echo "Bail out! $ETCD_PKI is not built"; exit 1; }
	ln -s "$ETCD_PKI" "$OBIN/cfssl"
	ln -s "$ETCD_PKI" "$OBIN/cfssljson"
fi
PATH=$OBIN:$PATH
export PATH
umask 022
cd "$T" || exit 1

# mk NAME ARGS...: "cfssl ARGS | cfssljson -bare NAME" with our links; both
# must exit 0, without a sanitizer report, and write NAME.pem and the key.
mk() {
	_n=$1
	shift
	{ cfssl "$@" 2>"$_n.err"; echo $? >"$_n.rc"; } |
	    cfssljson -bare "$_n" >"$_n.jout" 2>&1 && _jrc=0 || _jrc=$?
	if [ "$(cat "$_n.rc")$_jrc" = 00 ] && [ -s "$_n.pem" ] &&
	    [ -s "$_n-key.pem" ] && ! grep -q -E \
	    'runtime error:|AddressSanitizer|LeakSanitizer' "$_n.err" "$_n.jout"
	then
		pass "made $_n"
		return 0
	fi
	fail "made $_n (cfssl exit $(cat "$_n.rc"), cfssljson exit $_jrc)"
	sed 's/^/#   /' "$_n.err" "$_n.jout"
	return 1
}

# key_matches KEY CERT
key_matches() {
	_a=$(openssl pkey -in "$1" -pubout) || return 1
	_c=$(openssl x509 -in "$2" -noout -pubkey) || return 1
	[ -n "$_a" ] && [ "$_a" = "$_c" ]
}

# mode_is MODE FILE...: every FILE has permission bits MODE (octal).
mode_is() {
	_want=$1
	shift
	for _f; do
		_m=$(stat -c %a "$_f")
		[ "$_m" = "$_want" ] || { echo "$_f: mode $_m, want $_want"; return 1; }
	done
}

# is_text TEXT CMD...: CMD's output, stripped of leading and trailing blanks
# on each line, is TEXT.
is_text() {
	_want=$1
	shift
	_got=$("$@" | sed 's/^[[:space:]]*//; s/[[:space:]]*$//') || return 1
	[ "$_got" = "$_want" ] || { echo "got:"; echo "$_got"; return 1; }
}

# gnutls_ok CA CHAINFILE: certtool says the chain is verified.
gnutls_ok() {
	_o=$(certtool --verify --verify-profile=medium \
	    --load-ca-certificate "$1" --infile "$2" 2>&1) || :
	printf '%s\n' "$_o" | grep -q '^Chain verification output: Verified\.' ||
	    { printf '%s\n' "$_o"; return 1; }
}

# go_parses CERT SIGALG: the real cfssl (Go 1.19 crypto/x509) parses CERT,
# reports its serial as OpenSSL does, and names the signature SIGALG.
go_parses() {
	_j=$(/usr/bin/cfssl certinfo -cert "$1" 2>&1) || { echo "$_j"; return 1; }
	_s=$(openssl x509 -in "$1" -noout -serial | sed 's/^serial=//')
	_d=$(/usr/bin/python3 -c 'import sys; print(int(sys.argv[1], 16))' "$_s")
	printf '%s\n' "$_j" | grep -q "\"serial_number\": \"$_d\"" ||
	    { echo "serial $_d not in: $_j"; return 1; }
	printf '%s\n' "$_j" | grep -q "\"sigalg\": \"$2\"" ||
	    { echo "sigalg is not $2: $_j"; return 1; }
}

# verify_leaf NAME CA LEAF SIGALG [INTERMEDIATE]: every check of one leaf.
verify_leaf() {
	_v=$1 _ca=$2 _leaf=$3 _alg=$4 _int=${5:-}
	cat "$_leaf.pem" ${_int:+"$_int.pem"} >"$_leaf-chain.pem"
	check "$_v: openssl verify -x509_strict" openssl verify -x509_strict \
	    -CAfile "$_ca.pem" ${_int:+-untrusted "$_int.pem"} "$_leaf.pem"
	check "$_v: openssl verify -purpose sslserver" openssl verify \
	    -x509_strict -purpose sslserver -CAfile "$_ca.pem" \
	    ${_int:+-untrusted "$_int.pem"} "$_leaf.pem"
	check "$_v: openssl verify -purpose sslclient" openssl verify \
	    -x509_strict -purpose sslclient -CAfile "$_ca.pem" \
	    ${_int:+-untrusted "$_int.pem"} "$_leaf.pem"
	check "$_v: GnuTLS certtool --verify of the chain" \
	    gnutls_ok "$_ca.pem" "$_leaf-chain.pem"
	if [ "$_alg" = Ed25519 ]; then
		# cfssl 1.2.0 predates Go's Ed25519 names: its certinfo
		# parses the certificate but prints "Unknown Signature".
		check "$_v: Go crypto/x509 (cfssl 1.2.0 certinfo) parses it; sigalg 'Unknown Signature' (deb has no Ed25519 name, known)" \
		    go_parses "$_leaf.pem" "Unknown Signature"
	else
		check "$_v: Go crypto/x509 (cfssl 1.2.0 certinfo) parses it, sigalg $_alg" \
		    go_parses "$_leaf.pem" "$_alg"
	fi
	check "$_v: openssl x509 -checkend 0" openssl x509 -noout \
	    -checkend 0 -in "$_leaf.pem"
	check "$_v: key matches the certificate" key_matches \
	    "$_leaf-key.pem" "$_leaf.pem"
	check "$_v: openssl pkey -check of the private key (for RSA: p and q prime, d and the CRT values)" \
	    openssl pkey -noout -check -in "$_leaf-key.pem"
	check "$_v: key file mode 0600" mode_is 600 "$_leaf-key.pem"
	check "$_v: certificate and CSR modes 0644 (umask 022)" mode_is 644 \
	    "$_leaf.pem" "$_leaf.csr"
}

# The roots, each checked on its own, and a peer leaf under each.
roots="rsa-2048:$DATA/initca/ca-rsa-2048.json:SHA256WithRSA:verify/peer-rsa
ecdsa-256:$DATA/initca/ca-ecdsa-256.json:ECDSAWithSHA256:verify/peer
ecdsa-384:$DATA/initca/ca-ecdsa-384.json:ECDSAWithSHA384:verify/peer
ecdsa-521:$DATA/initca/ca-ecdsa-521.json:ECDSAWithSHA512:verify/peer
ed25519:$DATA/known/ed25519-ca.json:Ed25519:known/ed25519"
for r in $roots; do
	k=${r%%:*}
	rest=${r#*:}
	json=${rest%%:*}
	rest=${rest#*:}
	alg=${rest%%:*}
	leafjson=$DATA/${rest#*:}.json
	if [ "$k" = ed25519 ] && [ "$SELF" = 1 ]; then
		skip "T_COMPAT_SELF=1: cfssl 1.2.0 cannot make Ed25519 keys"
		continue
	fi
	mk "ca-$k" gencert -initca "$json" || continue
	check "root $k: openssl verify -x509_strict (self-signed)" openssl \
	    verify -x509_strict -CAfile "ca-$k.pem" "ca-$k.pem"
	if [ "$alg" = Ed25519 ]; then
		check "root $k: Go crypto/x509 parses it; sigalg 'Unknown Signature' (deb has no Ed25519 name, known)" \
		    go_parses "ca-$k.pem" "Unknown Signature"
	else
		check "root $k: Go crypto/x509 parses it, sigalg $alg" \
		    go_parses "ca-$k.pem" "$alg"
	fi
	check "root $k: key matches the certificate" key_matches \
	    "ca-$k-key.pem" "ca-$k.pem"
	check "root $k: openssl pkey -check of the private key (for RSA: p and q prime, d and the CRT values)" \
	    openssl pkey -noout -check -in "ca-$k-key.pem"
	check "root $k: key file mode 0600" mode_is 600 "ca-$k-key.pem"
	mk "leaf-$k" gencert -ca "ca-$k.pem" -ca-key "ca-$k-key.pem" \
	    -config "$GUIDE" -profile peer "$leafjson" || continue
	verify_leaf "peer leaf under $k" "ca-$k" "leaf-$k" "$alg"
done

# The verifiers must be able to say no: a leaf against another root.
# fails CMD...: CMD exits non-zero.
fails() {
	! "$@" >/dev/null 2>&1
}
if [ -s leaf-ecdsa-256.pem ] && [ -s ca-ecdsa-384.pem ]; then
	check "openssl verify rejects a leaf against the wrong root" fails \
	    openssl verify -x509_strict -CAfile ca-ecdsa-384.pem leaf-ecdsa-256.pem
	check "certtool --verify rejects a leaf against the wrong root" fails \
	    gnutls_ok ca-ecdsa-384.pem leaf-ecdsa-256.pem
	check "key_matches rejects another key" fails key_matches \
	    ca-ecdsa-384-key.pem leaf-ecdsa-256.pem
else
	fail "no ecdsa-256 leaf or ecdsa-384 root for the negative checks"
fi

# root (ecdsa-256) -> intermediate (is_ca, max_path_len 1) -> peer leaf.
if [ -s ca-ecdsa-256.pem ] &&
    mk inter gencert -ca ca-ecdsa-256.pem -ca-key ca-ecdsa-256-key.pem \
    -config "$DATA/config/intermediate.json" -profile intermediate \
    "$DATA/verify/intermediate.json"; then
	check "intermediate: openssl verify -x509_strict" openssl verify \
	    -x509_strict -CAfile ca-ecdsa-256.pem inter.pem
	check "intermediate: is a CA with pathlen 1 and keeps only its IP SAN" \
	    is_text "$(printf '%s\n' 'X509v3 Basic Constraints: critical' \
	    'CA:TRUE, pathlen:1' 'X509v3 Subject Alternative Name:' \
	    'IP Address:10.99.0.1')" openssl x509 -in inter.pem -noout -ext \
	    basicConstraints,subjectAltName
	if mk leaf-inter gencert -ca inter.pem -ca-key inter-key.pem \
	    -config "$GUIDE" -profile peer "$DATA/verify/peer.json"; then
		verify_leaf "peer leaf under the intermediate" ca-ecdsa-256 \
		    leaf-inter ECDSAWithSHA384 inter
	fi
fi
finish
