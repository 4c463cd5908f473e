#!/bin/sh
# t-etcd.sh: a real three-member etcd cluster on 127.0.0.1 secured with
# certificates made by the etcd TLS guide's cfssl/cfssljson lines, run with
# etcd-pki behind "cfssl" and "cfssljson" links.  Checks that the cluster
# forms, serves a client with a certificate, and refuses connections with
# no client certificate or one from a foreign CA, on the client and the
# peer ports.
#
# T_ETCD_ORACLE=1 runs the same lines with the real /usr/bin/cfssl and
# /usr/bin/cfssljson instead, which shows that the test itself works with
# the reference tool.
. "$(dirname "$0")/setup.sh"

for c in etcd etcdctl; do
	need_cmd "$c" || skip_all "$c not installed (etcd 3.4 server and etcdctl needed)"
done
plan 15

# Whatever happens, the whole test ends within 60 seconds: after LIMIT s
# a watchdog sends TERM to this shell, which acts on it when its current
# command ends (etcdctl runs at most 8 s) and kills the members, giving
# them BG_GRACE s.  (A leader that is told to stop while its peers stop
# too tries for a long time to hand over its leadership.)
LIMIT=${T_ETCD_LIMIT:-45}
: "${BG_GRACE:=3}"
time_limit "$LIMIT"

ETCDCTL_API=3
export ETCDCTL_API
GUIDE=$TOP_SRCDIR/examples/guide

mkdir "$T/bin" "$T/pki" "$T/foreign"
if [ "${T_ETCD_ORACLE:-0}" = 1 ]; then
	diag "oracle mode: /usr/bin/cfssl and /usr/bin/cfssljson"
	PATH=/usr/bin:$PATH
	tool=/usr/bin/cfssl
else
	ln -s "$ETCD_PKI" "$T/bin/cfssl"
	ln -s "$ETCD_PKI" "$T/bin/cfssljson"
	PATH=$T/bin:$PATH
	tool=$ETCD_PKI
fi
export PATH

# The guide's lines, verbatim, in a directory holding the guide's inputs.
# (check runs this in an "if", where set -e does not apply: hence exit 1.)
make_guide_pki() (
	cd "$T/pki" || exit 1
	cp "$GUIDE"/*.json . || exit 1
	cfssl gencert -initca ca-csr.json | cfssljson -bare ca || exit 1
	for n in 1 2 3; do
		cfssl gencert -ca=ca.pem -ca-key=ca-key.pem \
		    -config=request-config.json -profile=peer \
		    etcd$n-csr.json | cfssljson -bare etcd$n || exit 1
	done
	cfssl gencert -ca=ca.pem -ca-key=ca-key.pem \
	    -config=request-config.json -profile=client \
	    client-csr.json | cfssljson -bare client || exit 1
	for f in ca etcd1 etcd2 etcd3 client; do
		for g in $f.pem $f-key.pem $f.csr; do
			test -s "$g" || { echo "$g missing"; exit 1; }
		done
	done
)

# A second CA, unrelated to the first, and a client certificate from it.
make_foreign_pki() (
	cd "$T/foreign" || exit 1
	cp "$GUIDE"/request-config.json "$GUIDE"/client-csr.json . || exit 1
	sed 's/etcd-pki example CA/foreign CA/' "$GUIDE"/ca-csr.json \
	    >ca-csr.json || exit 1
	cfssl gencert -initca ca-csr.json | cfssljson -bare ca || exit 1
	cfssl gencert -ca=ca.pem -ca-key=ca-key.pem \
	    -config=request-config.json -profile=client \
	    client-csr.json | cfssljson -bare client || exit 1
	test -s client.pem && test -s client-key.pem
)

if [ "$(command -v cfssl)" != "$T/bin/cfssl" ] &&
    [ "${T_ETCD_ORACLE:-0}" != 1 ] || [ ! -x "$tool" ]; then
	fail "$tool is built and the cfssl link to it comes first in PATH"
	echo "Bail out! no $tool to test"
	exit 1
fi
check "the guide's lines make ca, etcd1..3 and client with $tool" \
    make_guide_pki
check "a foreign CA and a client certificate from it" make_foreign_pki
P=$T/pki
check "openssl verify: peer and client certificates chain to ca.pem" \
    openssl verify -CAfile "$P/ca.pem" "$P/etcd1.pem" "$P/etcd2.pem" \
    "$P/etcd3.pem" "$P/client.pem"

# Three members with six distinct ports.
cport1=$(free_port) cport2=$(free_port) cport3=$(free_port)
pport1=$(free_port) pport2=$(free_port) pport3=$(free_port)
cluster=etcd1=https://127.0.0.1:$pport1,etcd2=https://127.0.0.1:$pport2,etcd3=https://127.0.0.1:$pport3
endpoints=https://127.0.0.1:$cport1,https://127.0.0.1:$cport2,https://127.0.0.1:$cport3
diag "client ports $cport1 $cport2 $cport3, peer ports $pport1 $pport2 $pport3"

# start_member N CLIENT_PORT PEER_PORT
start_member() {
	etcd --name "etcd$1" --data-dir "$T/data$1" \
	    --logger zap --log-outputs stderr \
	    --listen-client-urls "https://127.0.0.1:$2" \
	    --advertise-client-urls "https://127.0.0.1:$2" \
	    --listen-peer-urls "https://127.0.0.1:$3" \
	    --initial-advertise-peer-urls "https://127.0.0.1:$3" \
	    --initial-cluster "$cluster" \
	    --initial-cluster-state new \
	    --initial-cluster-token "etcd-pki-test-$$" \
	    --client-cert-auth --trusted-ca-file "$P/ca.pem" \
	    --cert-file "$P/etcd$1.pem" --key-file "$P/etcd$1-key.pem" \
	    --peer-client-cert-auth --peer-trusted-ca-file "$P/ca.pem" \
	    --peer-cert-file "$P/etcd$1.pem" \
	    --peer-key-file "$P/etcd$1-key.pem" \
	    >"$T/etcd$1.log" 2>&1 &
	bg_pid $!
}
cd "$T" || exit 1
start_member 1 "$cport1" "$pport1"
start_member 2 "$cport2" "$pport2"
start_member 3 "$cport3" "$pport3"

# etcdctl ENDPOINTS [--no-cert | --foreign] ARGS...: bounded etcdctl runs.
ctl() {
	_ep=$1
	shift
	case ${1:-} in
	--no-cert)
		shift
		set -- --cacert "$P/ca.pem" "$@" ;;
	--foreign)
		shift
		set -- --cacert "$P/ca.pem" --cert "$T/foreign/client.pem" \
		    --key "$T/foreign/client-key.pem" "$@" ;;
	*)
		set -- --cacert "$P/ca.pem" --cert "$P/client.pem" \
		    --key "$P/client-key.pem" "$@" ;;
	esac
	timeout 8 etcdctl --endpoints "$_ep" --dial-timeout 2s \
	    --command-timeout 3s "$@"
}

etcd_check_cluster

value=etcd-pki-$$-$(date +%s)
put_get() {
	ctl "https://127.0.0.1:$cport1" put /etcd-pki/test "$value" &&
	    got=$(ctl "https://127.0.0.1:$cport3" get --print-value-only \
	    /etcd-pki/test) &&
	    [ "$got" = "$value" ]
}
check "a put through member 1 is read through member 3" put_get

# Refusals.  Each has a positive control on the same port just before it.
refused() {
	if "$@"; then
		echo "unexpectedly succeeded: $*"
		return 1
	fi
	return 0
}
check "etcdctl without a client certificate is refused" \
    refused ctl "https://127.0.0.1:$cport1" --no-cert get /etcd-pki/test
check "etcdctl with a client certificate from a foreign CA is refused" \
    refused ctl "https://127.0.0.1:$cport1" --foreign get /etcd-pki/test

# s_client PORT [openssl options]: sends GET /version and prints the reply.
version_over_tls() {
	_port=$1
	shift
	printf 'GET /version HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' |
	    timeout 5 openssl s_client -connect "127.0.0.1:$_port" \
	    -CAfile "$P/ca.pem" -verify_return_error -quiet "$@" 2>&1 || :
}
answers() {
	version_over_tls "$@" >"$T/reply"
	if grep -q '"etcdserver"' "$T/reply"; then
		return 0
	fi
	sed 's/^/reply: /' "$T/reply"
	return 1
}

if need_cmd openssl; then
check "s_client with the client certificate gets /version on the client port" \
    answers "$cport1" -cert "$P/client.pem" -key "$P/client-key.pem"
check "s_client without a client certificate gets no reply on the client port" \
    refused answers "$cport1"
check "s_client with a foreign client certificate gets no reply" \
    refused answers "$cport1" -cert "$T/foreign/client.pem" \
    -key "$T/foreign/client-key.pem"
check "s_client with a peer certificate gets /version on the peer port" \
    answers "$pport2" -cert "$P/etcd1.pem" -key "$P/etcd1-key.pem"
check "s_client without a client certificate gets no reply on the peer port" \
    refused answers "$pport2"
check "s_client with a foreign certificate gets no reply on the peer port" \
    refused answers "$pport2" -cert "$T/foreign/client.pem" \
    -key "$T/foreign/client-key.pem"
else
	for _ in 1 2 3 4 5 6; do
		skip "openssl command not installed (s_client checks)"
	done
fi

# Still a cluster of three after all the refused connections.
check "all three members still healthy" etcd_healthy

finish
