#!/bin/sh
# t-remote-etcd.sh: the etcd TLS guide's lines with the CA on a CA server
# (issue 7), end to end.  A CA made with etcd-pki is served by the real
# "cfssl serve" on 127.0.0.1; three "nodes" (directories) hold ONLY a
# request-config.json whose profiles point at that server (auth_remote,
# auth_keys, remotes) and their etcdN-csr.json, and each runs
#
#	$CLIENT gencert -config request-config.json -profile peer \
#	    etcdN-csr.json | cfssljson -bare etcdN
#
# (cfssljson being "etcd-pki json").  A client directory does the same
# with -profile client.  Then a three-member etcd cluster starts with
# those certificates (peer TLS, client-cert-auth; the style of t-etcd.sh)
# and a put through one member is read through another.
#
# The client is $CLIENT (default $ETCD_PKI); T_REMOTE_ORACLE=1 uses the
# real /usr/bin/cfssl and /usr/bin/cfssljson instead, which shows that the
# test itself works with the reference tool.
. "$(dirname "$0")/setup.sh"

PY=/usr/bin/python3
[ -x "$PY" ] || skip_all "/usr/bin/python3 not installed"
for c in cfssl etcd etcdctl openssl; do
	need_cmd "$c" || skip_all "$c not installed (Debian golang-cfssl's cfssl serve, etcd 3.4 server and etcdctl, openssl CLI)"
done
plan 12

# The whole test ends within LIMIT s whatever happens (see t-etcd.sh).
LIMIT=${T_ETCD_LIMIT:-60}
: "${BG_GRACE:=3}"
time_limit "$LIMIT"

ETCDCTL_API=3
export ETCDCTL_API
GUIDE=$TOP_SRCDIR/examples/guide
if [ "${T_REMOTE_ORACLE:-0}" = 1 ]; then
	diag "oracle mode: /usr/bin/cfssl and /usr/bin/cfssljson"
	: "${CLIENT:=/usr/bin/cfssl}"
	LOCAL=/usr/bin/cfssl
	tojson() { /usr/bin/cfssljson "$@"; }
else
	: "${CLIENT:=$ETCD_PKI}"
	LOCAL=$ETCD_PKI
	tojson() { "$ETCD_PKI" json "$@"; }
fi
if [ ! -x "$LOCAL" ] || [ ! -x "$CLIENT" ]; then
	echo "Bail out! no $LOCAL or $CLIENT to test"
	exit 1
fi
cd "$T" || exit 1
KEY=00112233445566778899AABBCCDDEEFF

# ---- the CA server -------------------------------------------------------

# The guide's profiles on the server, each requiring the HMAC key.
mkdir ca
"$PY" - "$GUIDE/request-config.json" ca/server-config.json "$KEY" <<'EOF'
import json, sys
cfg = json.load(open(sys.argv[1]))
s = cfg["signing"]
for p in [s["default"]] + list(s.get("profiles", {}).values()):
    p["auth_key"] = "ca-key"
    p.setdefault("usages", ["signing", "key encipherment", "server auth",
                            "client auth"])
cfg["auth_keys"] = {"ca-key": {"type": "standard", "key": sys.argv[3]}}
json.dump(cfg, open(sys.argv[2], "w"), indent=4)
EOF
make_ca() (
	cd ca || exit 1
	cp "$GUIDE/ca-csr.json" . &&
	    "$LOCAL" gencert -initca ca-csr.json | tojson -bare ca &&
	    test -s ca.pem && test -s ca-key.pem
)
check "the CA: gencert -initca ca-csr.json | json -bare ca" make_ca

P=$(free_port)
cfssl serve -address 127.0.0.1 -port "$P" -ca "$T/ca/ca.pem" \
    -ca-key "$T/ca/ca-key.pem" -config "$T/ca/server-config.json" \
    >"$T/serve.log" 2>&1 &
bg_pid $!
listening() {
	"$PY" -c 'import socket, sys
socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()' "$1"
}
if wait_for 15 listening "$P"; then
	pass "cfssl serve listens on 127.0.0.1:$P"
else
	fail "cfssl serve listens on 127.0.0.1:$P"
	tail -n 5 serve.log | sed 's/^/#   /'
fi

# ---- the nodes: request-config.json and a CSR JSON, nothing else --------

# The guide's request-config.json, its profiles pointed at the CA server.
"$PY" - "$GUIDE/request-config.json" request-config.json "$KEY" \
    "http://127.0.0.1:$P" <<'EOF'
import json, sys
cfg = json.load(open(sys.argv[1]))
s = cfg["signing"]
for p in [s["default"]] + list(s.get("profiles", {}).values()):
    p["auth_remote"] = {"remote": "caserver", "auth_key": "ca-key"}
cfg["auth_keys"] = {"ca-key": {"type": "standard", "key": sys.argv[3]}}
cfg["remotes"] = {"caserver": sys.argv[4]}
json.dump(cfg, open(sys.argv[2], "w"), indent=4)
EOF

# node DIR PROFILE NAME: the guide's line in a directory holding only
# request-config.json and NAME-csr.json.
node() (
	mkdir "$1" && cp request-config.json "$GUIDE/$3-csr.json" "$1/" &&
	    cd "$1" || exit 1
	"$CLIENT" gencert -config=request-config.json -profile="$2" \
	    "$3-csr.json" | tojson -bare "$3" || exit 1
	for f in "$3.pem" "$3-key.pem" "$3.csr"; do
		test -s "$f" || { echo "$f missing"; exit 1; }
	done
)
for n in 1 2 3; do
	check "node$n: gencert -config=request-config.json -profile=peer etcd$n-csr.json | json -bare etcd$n" \
	    node "node$n" peer "etcd$n"
done
check "client: gencert -config=request-config.json -profile=client | json -bare client" \
    node client client client

only_theirs() {
	for n in 1 2 3; do
		_have=$(cd "node$n" && ls | tr '\n' ' ')
		_want="etcd$n-csr.json etcd$n-key.pem etcd$n.csr etcd$n.pem request-config.json "
		[ "$_have" = "$_want" ] || {
			echo "node$n holds: $_have"
			return 1
		}
	done
	grep -q 'POST /api/v1/cfssl/authsign" 200' serve.log || {
		echo "no authsign request answered 200 in serve.log"
		return 1
	}
}
check "the nodes hold only their own files; the CA server signed (authsign)" \
    only_theirs

# The nodes trust the CA certificate (copied there, as an administrator
# would).
for n in 1 2 3; do
	cp ca/ca.pem "node$n/ca.pem"
done
cp ca/ca.pem client/ca.pem
peer_certs() {
	openssl verify -CAfile ca/ca.pem node1/etcd1.pem node2/etcd2.pem \
	    node3/etcd3.pem client/client.pem || return 1
	for n in 1 2 3; do
		openssl x509 -noout -ext extendedKeyUsage,subjectAltName \
		    -in "node$n/etcd$n.pem" >"$T/.ext" || return 1
		for want in "TLS Web Server Authentication" \
		    "TLS Web Client Authentication" "IP Address:127.0.0.1" \
		    "DNS:etcd$n.example.internal"; do
			grep -qF "$want" "$T/.ext" || {
				echo "etcd$n.pem lacks $want:"
				cat "$T/.ext"
				return 1
			}
		done
	done
}
check "openssl verify: all chain to ca.pem; peers have server+client auth" \
    peer_certs

# ---- the cluster ----------------------------------------------------------

cport1=$(free_port) cport2=$(free_port) cport3=$(free_port)
pport1=$(free_port) pport2=$(free_port) pport3=$(free_port)
cluster=etcd1=https://127.0.0.1:$pport1,etcd2=https://127.0.0.1:$pport2,etcd3=https://127.0.0.1:$pport3
endpoints=https://127.0.0.1:$cport1,https://127.0.0.1:$cport2,https://127.0.0.1:$cport3
diag "CA server $P, client ports $cport1 $cport2 $cport3, peer ports $pport1 $pport2 $pport3"

# start_member N CLIENT_PORT PEER_PORT: with node N's files only.
start_member() {
	_n=$T/node$1
	etcd --name "etcd$1" --data-dir "$T/data$1" \
	    --logger zap --log-outputs stderr \
	    --listen-client-urls "https://127.0.0.1:$2" \
	    --advertise-client-urls "https://127.0.0.1:$2" \
	    --listen-peer-urls "https://127.0.0.1:$3" \
	    --initial-advertise-peer-urls "https://127.0.0.1:$3" \
	    --initial-cluster "$cluster" \
	    --initial-cluster-state new \
	    --initial-cluster-token "etcd-pki-remote-$$" \
	    --client-cert-auth --trusted-ca-file "$_n/ca.pem" \
	    --cert-file "$_n/etcd$1.pem" --key-file "$_n/etcd$1-key.pem" \
	    --peer-client-cert-auth --peer-trusted-ca-file "$_n/ca.pem" \
	    --peer-cert-file "$_n/etcd$1.pem" \
	    --peer-key-file "$_n/etcd$1-key.pem" \
	    >"$T/etcd$1.log" 2>&1 &
	bg_pid $!
}
start_member 1 "$cport1" "$pport1"
start_member 2 "$cport2" "$pport2"
start_member 3 "$cport3" "$pport3"

# ctl ENDPOINTS ARGS...: a bounded etcdctl run with the client certificate.
ctl() {
	_ep=$1
	shift
	timeout 8 etcdctl --endpoints "$_ep" --dial-timeout 2s \
	    --command-timeout 3s --cacert "$T/client/ca.pem" \
	    --cert "$T/client/client.pem" --key "$T/client/client-key.pem" "$@"
}
etcd_check_cluster

value=etcd-pki-remote-$$-$(date +%s)
put_get() {
	ctl "https://127.0.0.1:$cport2" put /etcd-pki/remote "$value" &&
	    got=$(ctl "https://127.0.0.1:$cport3" get --print-value-only \
	    /etcd-pki/remote) &&
	    [ "$got" = "$value" ]
}
check "a put through member 2 is read through member 3" put_get

no_cert_refused() {
	etcd_healthy || return 1	# the positive control: the cluster answers
	if timeout 8 etcdctl --endpoints "https://127.0.0.1:$cport1" \
	    --dial-timeout 2s --command-timeout 3s \
	    --cacert "$T/client/ca.pem" get /etcd-pki/remote; then
		echo "a client without a certificate was served"
		return 1
	fi
}
check "etcdctl without a client certificate is refused" no_cert_refused

finish
