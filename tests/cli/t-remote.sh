#!/bin/sh
# t-remote.sh: remote signing against real cfssl CA servers (issue 7).
#
# A CA made with etcd-pki is served on 127.0.0.1 by Debian's real
# "cfssl serve" (plain HTTP, HTTPS, HTTPS with client certificates) and
# "multirootca", and by tests/cli/remote-fake.py (a server answering
# garbage, HTML, truncated JSON, slowly, or recording request bodies).
# The client under test gets certificates from them with gencert, sign
# and info, through request-config.json profiles (auth_remote, remotes,
# auth_keys) and -remote; every failure must exit non-zero with one clear
# line and write no files.
#
# The client is $CLIENT (default $ETCD_PKI).  T_REMOTE_ORACLE=1 runs the
# same requests with the real /usr/bin/cfssl 1.2.0 client (and cfssl and
# cfssljson for the local steps) to show that the test itself is right;
# the assertions only etcd-pki meets (a clear one-line error, -o, no
# scheme in "127.0.0.1:P", -remote-timeout) are then skipped as "etcd-pki
# only".
. "$(dirname "$0")/setup.sh"

PY=/usr/bin/python3
[ -x "$PY" ] || skip_all "/usr/bin/python3 not installed (remote-fake.py)"
for c in cfssl multirootca openssl; do
	need_cmd "$c" || skip_all "$c not installed (Debian golang-cfssl's cfssl serve and multirootca, openssl CLI)"
done
FAKE=$TOP_SRCDIR/tests/cli/remote-fake.py
plan 98

# All servers are killed by PID at exit; the whole test ends within LIMIT s.
LIMIT=${T_REMOTE_LIMIT:-150}
: "${BG_GRACE:=3}"
time_limit "$LIMIT"
cd "$T" || exit 1

ORACLE=${T_REMOTE_ORACLE:-0}
if [ "$ORACLE" = 1 ]; then
	# (cfssl 1.2.0's gencert and sign take -tls-remote-ca and
	# -mutual-tls-client-cert/-key although their -h does not show them.)
	: "${CLIENT:=/usr/bin/cfssl}"
	LOCAL=/usr/bin/cfssl
	diag "oracle mode: the client is /usr/bin/cfssl"
else
	: "${CLIENT:=$ETCD_PKI}"
	LOCAL=$ETCD_PKI
fi
if [ ! -x "$LOCAL" ] || [ ! -x "$CLIENT" ]; then
	echo "Bail out! no $LOCAL or $CLIENT to test"
	exit 1
fi

# tojson ARGS...: cfssljson (etcd-pki json, or the real one for the oracle).
tojson() {
	if [ "$ORACLE" = 1 ]; then
		/usr/bin/cfssljson "$@"
	else
		"$ETCD_PKI" json "$@"
	fi
}

# ours NAME CMD...: an assertion only etcd-pki meets.
ours() {
	if [ "$ORACLE" = 1 ]; then
		skip "etcd-pki only: the oracle /usr/bin/cfssl 1.2.0 lacks it"
	else
		check "$@"
	fi
}

# ---- the CA, its server configuration, the servers ----------------------

KEY=0123456789ABCDEF0123456789ABCDEF
WRONGKEY=0123456789ABCDEF0123456789ABCDE0

cat >ca-csr.json <<'EOF'
{"CN": "etcd-pki remote test CA", "key": {"algo": "ecdsa", "size": 256},
 "names": [{"O": "etcd-pki test", "OU": "CA"}], "ca": {"expiry": "8760h"}}
EOF
# The node's request: its SANs are checked in the certificates.
cat >node-csr.json <<'EOF'
{"CN": "node1", "hosts": ["node1.example.internal", "127.0.0.1"],
 "key": {"algo": "ecdsa", "size": 256},
 "names": [{"O": "etcd-pki test", "OU": "remote"}]}
EOF
# Server-side profiles: server and peer need the HMAC key, open does not;
# the default needs it too (so an unknown profile cannot sign unasked).
cat >server-config.json <<EOF
{"signing": {
  "default": {"auth_key": "key1", "expiry": "8760h",
    "usages": ["signing", "key encipherment", "server auth", "client auth"]},
  "profiles": {
    "server": {"auth_key": "key1", "expiry": "8760h",
      "usages": ["signing", "key encipherment", "server auth"]},
    "peer": {"auth_key": "key1", "expiry": "8760h",
      "usages": ["signing", "key encipherment", "server auth", "client auth"]},
    "open": {"expiry": "1h",
      "usages": ["signing", "key encipherment", "client auth"]}}},
 "auth_keys": {"key1": {"type": "standard", "key": "$KEY"}}}
EOF
# For the TLS server and client certificates (signed locally).
cat >local-config.json <<'EOF'
{"signing": {"profiles": {
  "server": {"expiry": "8760h", "usages": ["signing", "key encipherment", "server auth"]},
  "client": {"expiry": "8760h", "usages": ["signing", "key encipherment", "client auth"]}}}}
EOF
cat >tls-csr.json <<'EOF'
{"CN": "127.0.0.1", "hosts": ["127.0.0.1", "localhost"],
 "key": {"algo": "ecdsa", "size": 256}}
EOF

# request_config FILE REMOTES KEY: the node's request-config.json.
request_config() {
	cat >"$1" <<EOF
{"signing": {
  "default": {"auth_remote": {"remote": "caserver", "auth_key": "key1"}},
  "profiles": {
    "server": {"auth_remote": {"remote": "caserver", "auth_key": "key1"}},
    "peer": {"auth_remote": {"remote": "caserver", "auth_key": "key1"}},
    "open": {"auth_remote": {"remote": "caserver", "auth_key": "key1"}},
    "nosuch": {"auth_remote": {"remote": "caserver", "auth_key": "key1"}}}},
 "auth_keys": {"key1": {"type": "standard", "key": "$3"}},
 "remotes": {"caserver": "$2"}}
EOF
}

make_ca() {
	"$LOCAL" gencert -initca ca-csr.json >ca.json &&
	    tojson -bare ca <ca.json &&
	    "$LOCAL" gencert -ca ca.pem -ca-key ca-key.pem \
	    -config local-config.json -profile server tls-csr.json >tls.json &&
	    tojson -bare tls <tls.json &&
	    "$LOCAL" gencert -ca ca.pem -ca-key ca-key.pem \
	    -config local-config.json -profile client tls-csr.json >tlsc.json &&
	    tojson -bare tlsc <tlsc.json &&
	    "$LOCAL" genkey node-csr.json >req.json &&
	    tojson -bare req <req.json &&
	    test -s ca.pem && test -s tls-key.pem && test -s tlsc.pem &&
	    test -s req.csr
}
check "a CA, TLS server and client certificates and a CSR made with $LOCAL" \
    make_ca
# Another CA of the same name, behind a server of its own: its answers
# pass every check but who signed them.
mkdir other
make_other() {
	(cd other && "$LOCAL" gencert -initca ../ca-csr.json >ca.json &&
	    tojson -bare ca <ca.json && test -s ca-key.pem)
}
check "another CA of the same name" make_other

P=$(free_port)		# cfssl serve, HTTP
PS=$(free_port)		# cfssl serve -tls-cert
PM=$(free_port)		# cfssl serve -tls-cert -mutual-tls-ca
PR=$(free_port)		# multirootca
PO=$(free_port)		# cfssl serve with the other CA
DOWN=$(free_port)	# nobody listens here
diag "serve $P, https $PS, mutual TLS $PM, multirootca $PR, down $DOWN"

# serve PORT LOG [FLAGS...]
serve() {
	_port=$1
	_log=$2
	shift 2
	cfssl serve -address 127.0.0.1 -port "$_port" -ca "$T/ca.pem" \
	    -ca-key "$T/ca-key.pem" -config "$T/server-config.json" "$@" \
	    >"$T/$_log" 2>&1 &
	bg_pid $!
}
serve "$P" serve.log
serve "$PS" serve-tls.log -tls-cert "$T/tls.pem" -tls-key "$T/tls-key.pem"
serve "$PM" serve-mtls.log -tls-cert "$T/tls.pem" -tls-key "$T/tls-key.pem" \
    -mutual-tls-ca "$T/ca.pem"
cfssl serve -address 127.0.0.1 -port "$PO" -ca "$T/other/ca.pem" \
    -ca-key "$T/other/ca-key.pem" -config "$T/server-config.json" \
    >"$T/serve-other.log" 2>&1 &
bg_pid $!
cat >roots.conf <<EOF
[ primary ]
private = file://$T/ca-key.pem
certificate = $T/ca.pem
config = $T/server-config.json
EOF
multirootca -a "127.0.0.1:$PR" -roots "$T/roots.conf" -l primary \
    >"$T/multirootca.log" 2>&1 &
bg_pid $!

# fake VAR MODE [ARGS...]: starts remote-fake.py, sets VAR to its port.
mkdir rec
fake() {
	_var=$1
	shift
	"$PY" "$FAKE" "$@" >"$T/fake-$_var.port" 2>"$T/fake-$_var.log" &
	bg_pid $!
}
fake GARBAGE garbage200
fake HTML html500
fake TRUNC truncated
fake CUTOFF cutoff
fake SLOW slow
fake REC record "$T/rec" "$T/tlsc.pem" "http://127.0.0.1:$P"
mkdir hostile
fake HOSTILE hostile "$T/hostile" "http://127.0.0.1:$P"

listening() {
	"$PY" -c 'import socket, sys
socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()' "$1"
}
all_up() {
	for _port in "$P" "$PS" "$PM" "$PR" "$PO"; do
		listening "$_port" || return 1
	done
	for _var in GARBAGE HTML TRUNC CUTOFF SLOW REC HOSTILE; do
		grep -q '^[0-9][0-9]*$' "$T/fake-$_var.port" || return 1
	done
}
if wait_for 15 all_up; then
	pass "cfssl serve (4), multirootca and remote-fake.py (7) listen"
else
	fail "cfssl serve (4), multirootca and remote-fake.py (7) listen"
	for f in serve.log serve-tls.log serve-mtls.log serve-other.log \
	    multirootca.log \
	    fake-*.log; do
		diag "$f:"
		tail -n 3 "$T/$f" | sed 's/^/#   /'
	done
fi
for _var in GARBAGE HTML TRUNC CUTOFF SLOW REC HOSTILE; do
	eval "$_var=\$(cat \"\$T/fake-$_var.port\")"
done
URL=http://127.0.0.1:$P

# ---- helpers for certificates ------------------------------------------

verifies() {
	openssl verify -CAfile "$T/ca.pem" "$1"
}
# same_key CERT KEY: the certificate holds KEY's public key.
same_key() {
	openssl x509 -noout -pubkey -in "$1" >"$T/.pub1" &&
	    openssl pkey -pubout -in "$2" >"$T/.pub2" &&
	    cmp -s "$T/.pub1" "$T/.pub2"
}
# exts CERT: its SANs, key usage and extended key usage as openssl shows them.
exts() {
	openssl x509 -noout -ext subjectAltName,keyUsage,extendedKeyUsage \
	    -in "$1"
}
# has CERT TEXT... / lacks CERT TEXT...: in exts' output.
has() {
	_c=$1
	shift
	exts "$_c" >"$T/.exts" || return 1
	for _t in "$@"; do
		grep -qF "$_t" "$T/.exts" || {
			echo "no \"$_t\" in:"
			cat "$T/.exts"
			return 1
		}
	done
}
lacks() {
	_c=$1
	shift
	exts "$_c" >"$T/.exts" || return 1
	for _t in "$@"; do
		if grep -qF "$_t" "$T/.exts"; then
			echo "unexpected \"$_t\" in:"
			cat "$T/.exts"
			return 1
		fi
	done
}
# good DIR NAME [PROFILE-TEXTS...]: DIR/NAME.pem chains to the CA, holds
# DIR/NAME-key.pem's public key and the node's SANs.
good() {
	_d=$1
	_n=$2
	test -s "$_d/$_n.pem" && test -s "$_d/$_n-key.pem" &&
	    test -s "$_d/$_n.csr" && verifies "$_d/$_n.pem" &&
	    same_key "$_d/$_n.pem" "$_d/$_n-key.pem" &&
	    has "$_d/$_n.pem" "DNS:node1.example.internal" \
	    "IP Address:127.0.0.1"
}

# run_to DIR FILE CMD...: CMD run in DIR with its stdout in DIR/FILE.
run_to() {
	_d=$1
	_f=$2
	shift 2
	(cd "$_d" && "$@" >"$_f")
}

# gen DIR NAME GENCERT-ARGS...: gencert's JSON into DIR/NAME.json, then
# cfssljson -bare NAME in DIR.
gen() {
	_d=$1
	_n=$2
	shift 2
	mkdir -p "$_d"
	(cd "$_d" && "$CLIENT" gencert "$@" >"$_n.json" &&
	    tojson -bare "$_n" <"$_n.json")
}

# ---- 2. gencert with request-config.json (auth_remote, /authsign) ------

mkdir n1
request_config n1/request-config.json "$URL" "$KEY"
cp node-csr.json n1/
pipeline() (
	cd n1 || exit 1
	"$CLIENT" gencert -config request-config.json -profile server \
	    node-csr.json | tojson -bare node1
)
check "gencert -config request-config.json -profile server | json -bare" \
    pipeline
check "the certificate chains to ca.pem, holds the new key and the SANs" \
    good n1 node1
check "profile server's usages: signing, key encipherment, server auth" \
    has n1/node1.pem "Digital Signature" "Key Encipherment" \
    "TLS Web Server Authentication"
check "profile server's usages: no client auth" \
    lacks n1/node1.pem "TLS Web Client Authentication"
check "the server logged an authsign request answered 200" \
    grep -q 'POST /api/v1/cfssl/authsign" 200' serve.log

with_o() (
	cd n1 || exit 1
	"$CLIENT" gencert -config request-config.json -profile peer \
	    -o x node-csr.json >x.stdout || exit 1
	test ! -s x.stdout || { echo "stdout not empty with -o"; exit 1; }
	[ "$(stat -c %a x-key.pem)" = 600 ] || {
		echo "x-key.pem mode $(stat -c %a x-key.pem)"
		exit 1
	}
	test -s x.csr
)
ours "-o x writes x.pem, x-key.pem (0600) and x.csr, nothing on stdout" with_o
ours "-o x: x.pem chains to the CA with x-key.pem and the SANs" good n1 x
ours "-o x: x.pem has the peer profile's server and client auth" \
    has n1/x.pem "TLS Web Server Authentication" \
    "TLS Web Client Authentication"

check "-hostname overrides the CSR's hosts in the remote request" \
    run_to n1 h.json "$CLIENT" gencert -config request-config.json \
    -profile server -hostname h.example,10.9.8.7 node-csr.json
hostname_sans() {
	(cd n1 && tojson -bare h <h.json) &&
	    has n1/h.pem "DNS:h.example" "IP Address:10.9.8.7" &&
	    lacks n1/h.pem "node1.example.internal"
}
check "-hostname: the certificate has exactly the given SANs" hostname_sans

# auth_keys values: env:VAR as well as hex.
mkdir n2
request_config n2/request-config.json "$URL" env:ETCD_PKI_T_REMOTE_KEY
ETCD_PKI_T_REMOTE_KEY=$KEY
export ETCD_PKI_T_REMOTE_KEY
check "auth_keys key env:VAR: gencert signs" \
    gen "$T/n2" e -config request-config.json -profile server \
    "$T/node-csr.json"
check "auth_keys key env:VAR: the certificate is good" good n2 e

# ---- 3. the open profile with -remote (unauthenticated /sign) -----------

check "-remote http://127.0.0.1:P -profile open signs" \
    gen "$T/o1" o "-remote" "$URL" -profile open "$T/node-csr.json"
check "-remote http://...: the certificate is good" good o1 o
open_usages() {
	has "$1" "TLS Web Client Authentication" &&
	    lacks "$1" "TLS Web Server Authentication"
}
check "profile open's usages: client auth, no server auth" \
    open_usages o1/o.pem
check "-remote localhost:P (no scheme, a name) signs" \
    gen "$T/o2" o -remote "localhost:$P" -profile open "$T/node-csr.json"
ours "-remote 127.0.0.1:P (no scheme, an IP; cfssl rejects it) signs" \
    gen "$T/o3" o -remote "127.0.0.1:$P" -profile open "$T/node-csr.json"
check "-remote DOWN,UP fails over to the second server" \
    gen "$T/o4" o -remote "http://127.0.0.1:$DOWN,$URL" -profile open \
    "$T/node-csr.json"
mkdir n3
request_config n3/request-config.json "http://127.0.0.1:$DOWN,$URL" "$KEY"
check "remotes \"DOWN,UP\" in request-config.json fails over (authsign)" \
    gen "$T/n3" node -config request-config.json -profile server \
    "$T/node-csr.json"

# ---- 4. sign and info ---------------------------------------------------

check "sign -remote URL -profile open CSR.pem" \
    run_to "$T" s1.json "$CLIENT" sign -remote "$URL" -profile open req.csr
signed_ok() {
	tojson -bare "$1" <"$1.json" && verifies "$1.pem" &&
	    same_key "$1.pem" req-key.pem &&
	    has "$1.pem" "DNS:node1.example.internal"
}
check "sign: the certificate is for the CSR's key" signed_ok s1
check "sign -config request-config.json -profile server CSR.pem (authsign)" \
    run_to "$T" s2.json "$CLIENT" sign -config n1/request-config.json \
    -profile server req.csr
check "sign with auth: the certificate is for the CSR's key" signed_ok s2

# info_ok FILE: JSON with the CA certificate and profile server's usages.
info_ok() {
	"$PY" - "$1" "$T/ca.pem" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
ca = open(sys.argv[2]).read().strip()
assert d["certificate"].strip() == ca, "certificate is not ca.pem"
assert d["usages"] == ["signing", "key encipherment", "server auth"], \
    d["usages"]
assert d["expiry"] == "8760h", d["expiry"]
EOF
}
check "info -remote URL -profile server prints JSON" \
    run_to "$T" info1.json "$CLIENT" info -remote "$URL" -profile server
check "info: certificate is ca.pem, usages and expiry of profile server" \
    info_ok info1.json
check "info -config request-config.json -profile server" \
    run_to "$T" info2.json "$CLIENT" info -config n1/request-config.json \
    -profile server
check "info -config: the same answer" info_ok info2.json

# ---- 5. failures --------------------------------------------------------

# failcase WHO NAME TEXT... -- GENCERT-ARGS...: gencert must fail: exit
# non-zero with no certificate on stdout (WHO=any: cfssl too); etcd-pki
# also prints exactly one error line (beside [INFO] logs) holding each
# TEXT, and with -o writes no file.  WHO=ours: both checks are etcd-pki
# only.
nfail=0
failcase() {
	_who=$1
	_fc_name=$2
	shift 2
	nfail=$((nfail + 1))
	_d=$T/fail$nfail
	mkdir "$_d"
	: >"$_d/.expect"
	while [ "$1" != -- ]; do
		printf '%s\n' "$1" >>"$_d/.expect"
		shift
	done
	shift
	if [ "$ORACLE" = 1 ]; then
		if [ "$_who" = ours ]; then
			skip "etcd-pki only: the oracle /usr/bin/cfssl 1.2.0 lacks it"
			skip "etcd-pki only: the oracle /usr/bin/cfssl 1.2.0 lacks it"
			return 0
		fi
		set -- gencert "$@"
	else
		set -- gencert -o out "$@"
	fi
	_t0=$(date +%s)
	_fc_rc=0
	(cd "$_d" && exec "$CLIENT" "$@") >"$_d/.stdout" 2>"$_d/.stderr" ||
	    _fc_rc=$?
	echo $(($(date +%s) - _t0)) >"$_d/.seconds"
	echo "$_fc_rc" >"$_d/.rc"
	if [ "$_who" = ours ]; then
		ours "$_fc_name: exit non-zero, no certificate" failed_run "$_d"
	else
		check "$_fc_name: exit non-zero, no certificate" failed_run "$_d"
	fi
	ours "$_fc_name: one clear line, no files" clear_error "$_d"
}
failed_run() {
	if [ "$(cat "$1/.rc")" = 0 ]; then
		echo "exit status 0; stderr:"
		cat "$1/.stderr"
		return 1
	fi
	if grep -q 'BEGIN CERTIFICATE' "$1/.stdout"; then
		echo "a certificate on stdout"
		return 1
	fi
}
clear_error() {
	grep -v '\[INFO\]' "$1/.stderr" >"$1/.lines" || :
	_nl=$(grep -c '' "$1/.lines" || :)
	_ok=1
	if [ "$_nl" != 1 ]; then
		echo "expected one error line, got $_nl:"
		_ok=0
	fi
	while IFS= read -r _t; do
		grep -qiF -- "$_t" "$1/.lines" || {
			echo "no \"$_t\" in the error:"
			_ok=0
		}
	done <"$1/.expect"
	_files=$(cd "$1" && ls)
	if [ -n "$_files" ]; then
		echo "files written: $_files"
		_ok=0
	fi
	[ "$_ok" = 1 ] && return 0
	sed 's/^/stderr: /' "$1/.stderr"
	return 1
}

mkdir n4
request_config n4/request-config.json "$URL" "$WRONGKEY"
failcase any "wrong auth key" "127.0.0.1:$P" "invalid token" -- \
    -config "$T/n4/request-config.json" -profile server "$T/node-csr.json"
failcase any "unauthenticated /sign for a profile with auth_key at serve" \
    "127.0.0.1:$P" "authentication required" -- \
    -remote "$URL" -profile server "$T/node-csr.json"
failcase any "unknown profile at serve, unauthenticated (default needs a key)" \
    "127.0.0.1:$P" "authentication required" -- \
    -remote "$URL" -profile nosuch "$T/node-csr.json"
# (With a valid token cfssl serve signs an unknown profile with its
# default profile: the client cannot know the server's profiles, so it
# must not refuse.  multirootca refuses: see section 8.)
default_profile() {
	gen "$T/n1" nd -config request-config.json -profile nosuch \
	    "$T/node-csr.json" && verifies n1/nd.pem &&
	    has n1/nd.pem "TLS Web Server Authentication" \
	    "TLS Web Client Authentication"
}
check "unknown profile at serve with a valid token: the server's default" \
    default_profile
failcase any "a server that is down" "127.0.0.1:$DOWN" -- \
    -remote "http://127.0.0.1:$DOWN" -profile open "$T/node-csr.json"
failcase any "200 with a body that is not JSON" "127.0.0.1:$GARBAGE" -- \
    -remote "http://127.0.0.1:$GARBAGE" -profile open "$T/node-csr.json"
failcase any "500 with an HTML page" "127.0.0.1:$HTML" 500 -- \
    -remote "http://127.0.0.1:$HTML" -profile open "$T/node-csr.json"
failcase any "200 with truncated JSON" "127.0.0.1:$TRUNC" -- \
    -remote "http://127.0.0.1:$TRUNC" -profile open "$T/node-csr.json"
failcase any "connection closed in the middle of the answer" \
    "127.0.0.1:$CUTOFF" -- \
    -remote "http://127.0.0.1:$CUTOFF" -profile open "$T/node-csr.json"
failcase ours "a slow server with -remote-timeout 2s" "127.0.0.1:$SLOW" \
    "no answer within" -- \
    -remote "http://127.0.0.1:$SLOW" -remote-timeout 2s -profile open \
    "$T/node-csr.json"
fast_enough() {
	_s=$(cat "$T/fail$nfail/.seconds")
	[ "$_s" -lt 10 ] || { echo "took $_s s"; return 1; }
}
ours "the slow server: gencert gave up in less than 10 s" fast_enough

# ---- 6. the private key never leaves the machine ------------------------

# body_ok BODYFILE KEYFILE sign|authsign: the request holds the CSR for
# KEYFILE's key and nothing of the private key; for authsign the token
# is HMAC-SHA256 over the exact inner bytes.
openssl_der() {
	openssl pkey -in "$1" -outform DER -out "$2"
}
body_ok() {
	openssl_der "$2" "$T/.keyder" || return 1
	openssl pkey -in "$2" -pubout -out "$T/.keypub" || return 1
	"$PY" - "$1" "$2" "$T/.keyder" "$T/.keypub" "$3" "$KEY" <<'EOF'
import base64, hashlib, hmac, json, subprocess, sys
body_file, key_pem, key_der, key_pub, kind, hexkey = sys.argv[1:]
raw = open(body_file, "rb").read()
der = open(key_der, "rb").read()
pem = open(key_pem).read()
b64 = base64.b64encode(der).decode()
lines = [l for l in pem.splitlines() if l and not l.startswith("-----")]
outer = json.loads(raw)
texts = [raw]
if kind == "authsign":
    assert set(outer) >= {"token", "request"}, sorted(outer)
    inner_raw = base64.b64decode(outer["request"])
    want = base64.b64encode(hmac.new(bytes.fromhex(hexkey), inner_raw,
                                     hashlib.sha256).digest()).decode()
    assert outer["token"] == want, "token is not the HMAC of the request"
    texts.append(inner_raw)
    inner = json.loads(inner_raw)
else:
    inner = outer
for t in texts:
    s = t.decode("latin-1")
    assert "PRIVATE KEY" not in s, "PRIVATE KEY in the body"
    assert der not in t, "the key's DER in the body"
    assert b64 not in s, "the key's DER base64 in the body"
    for l in lines[:-1]:
        assert l not in s, "a line of the key's PEM in the body"
    assert "private_key" not in s, "a private_key field"
csr = inner["certificate_request"]
assert "BEGIN CERTIFICATE REQUEST" in csr
pub = subprocess.run(["openssl", "req", "-noout", "-pubkey"], input=csr,
                     capture_output=True, text=True, check=True).stdout
assert pub == open(key_pub).read(), "the CSR is not for the generated key"
assert inner["profile"] in ("open", "server"), inner["profile"]
EOF
}
REC_URL=http://127.0.0.1:$REC
check "gencert -remote (recording proxy) -profile open signs" \
    gen "$T/k1" k -remote "$REC_URL" -profile open "$T/node-csr.json"
# recorded N PATH TEXT: request N went to PATH and its body has TEXT.
recorded() {
	grep -qx "$2" "$T/rec/$1.path" && grep -qF "$3" "$T/rec/$1.body"
}
check "recorded request 1: POST /api/v1/cfssl/sign with certificate_request" \
    recorded 1 /api/v1/cfssl/sign '"certificate_request"'
check "the /sign body holds nothing of the private key" \
    body_ok rec/1.body k1/k-key.pem sign
# After each answer, the same server's /info for the same profile: the CA
# the answer must come from (no -ca to pin one); cfssl asks no /info.
AS=3
[ "$ORACLE" != 1 ] || AS=2
ours "recorded request 2: POST /api/v1/cfssl/info for profile open" \
    recorded 2 /api/v1/cfssl/info '"profile":"open"'
mkdir k2
request_config k2/request-config.json "$REC_URL" "$KEY"
check "gencert -config (auth_remote through the recording proxy) signs" \
    gen "$T/k2" k -config request-config.json -profile server \
    "$T/node-csr.json"
check "recorded request $AS: POST /api/v1/cfssl/authsign with a token" \
    recorded $AS /api/v1/cfssl/authsign '"token"'
check "the /authsign body and its inner request hold nothing of the key" \
    body_ok rec/$AS.body k2/k-key.pem authsign
ours "recorded request 4: /info, unauthenticated, for profile server" \
    sh -c 'grep -qx /api/v1/cfssl/info "$1/rec/4.path" &&
    grep -qF "\"profile\":\"server\"" "$1/rec/4.body" &&
    ! grep -q token "$1/rec/4.body"' sh "$T"

# ---- 6b. a hostile server's answers (issue 17, finding 3) ---------------

# The answer must hold exactly one certificate, for the request's key,
# subject and SANs, not a CA: else a clear error and nothing written.
HOST_URL=http://127.0.0.1:$HOSTILE
cp "$T/ca.pem" hostile/ca.pem
cp "$T/tlsc.pem" hostile/other.pem
for how in otherkey:"public key is not the request's" \
    ca:"public key is not the request's" \
    foreign-first:"more than one certificate" dupkey:"a key given twice" \
    privkey:"more than one certificate, or other text" \
    ansi:"more than one certificate, or other text" \
    padding:"127.0.0.1:$HOSTILE"; do
	echo "${how%%:*}" >hostile/how
	failcase ours "a hostile server's answer (${how%%:*})" \
	    "127.0.0.1:$HOSTILE" "${how#*:}" -- \
	    -remote "$HOST_URL" -profile open "$T/node-csr.json"
done
echo otherkey >hostile/how
ours "sign -remote: a certificate for another key: refused" \
    sh -c '! "$1" sign -remote "$2" -profile open "$3" >"$4" 2>&1 &&
    grep -q "public key is not the request" "$4" &&
    ! grep -q "BEGIN CERT" "$4" || { cat "$4"; false; }' \
    sh "$CLIENT" "$HOST_URL" "$T/req.csr" "$T/hostile/sign.out"
echo pass >hostile/how
check "the same server's untouched answer: signed" \
    gen "$T/h1" h -remote "$HOST_URL" -profile open "$T/node-csr.json"

# Who signed: the answer must come from the CA the server's /info gives
# for the profile, or from the one -ca pins.
echo "http://127.0.0.1:$PO" >hostile/upstream2
echo othersigner >hostile/how
failcase ours "a certificate from another CA of the same name, /info ours" \
    "127.0.0.1:$HOSTILE" "the CA it must come from did not sign it" -- \
    -remote "$HOST_URL" -profile open "$T/node-csr.json"
echo pass >hostile/how
check "-ca pins the CA: signed by it, accepted" \
    gen "$T/h2" h -remote "$URL" -ca "$T/ca.pem" -profile open \
    "$T/node-csr.json"
failcase ours "-ca pins our CA, the server signs with another" \
    "127.0.0.1:$PO" "the CA it must come from did not sign it" -- \
    -remote "http://127.0.0.1:$PO" -ca "$T/ca.pem" -profile open \
    "$T/node-csr.json"
ours "sign -remote -ca: another CA's answer refused" \
    sh -c '! "$1" sign -remote "$2" -ca "$3" -profile open "$4" >"$5" 2>&1 &&
    grep -q "the CA it must come from did not sign it" "$5" &&
    ! grep -q "BEGIN CERT" "$5" || { cat "$5"; false; }' \
    sh "$CLIENT" "http://127.0.0.1:$PO" "$T/ca.pem" "$T/req.csr" \
    "$T/hostile/sign2.out"

# ---- 7. HTTPS and mutual TLS --------------------------------------------

SURL=https://127.0.0.1:$PS
MURL=https://127.0.0.1:$PM
check "https: -remote https://127.0.0.1:P -tls-remote-ca ca.pem signs" \
    gen "$T/t1" t -remote "$SURL" -tls-remote-ca "$T/ca.pem" -profile open \
    "$T/node-csr.json"
check "https: the certificate is good" good t1 t
mkdir t2
request_config t2/request-config.json "$SURL" "$KEY"
check "https: request-config.json (authsign) with -tls-remote-ca signs" \
    gen "$T/t2" t -config request-config.json -tls-remote-ca "$T/ca.pem" \
    -profile peer "$T/node-csr.json"
failcase any "https without -tls-remote-ca" "127.0.0.1:$PS" certificate -- \
    -remote "$SURL" -profile open "$T/node-csr.json"
check "mutual TLS: with -mutual-tls-client-cert/-key signs" \
    gen "$T/t3" t -remote "$MURL" -tls-remote-ca "$T/ca.pem" \
    -mutual-tls-client-cert "$T/tlsc.pem" \
    -mutual-tls-client-key "$T/tlsc-key.pem" -profile open \
    "$T/node-csr.json"
failcase any "mutual TLS without a client certificate" "127.0.0.1:$PM" -- \
    -remote "$MURL" -tls-remote-ca "$T/ca.pem" -profile open \
    "$T/node-csr.json"

# ---- 8. multirootca -----------------------------------------------------

mkdir m1
request_config m1/request-config.json "http://127.0.0.1:$PR" "$KEY"
check "multirootca: auth_remote with -label primary signs" \
    gen "$T/m1" m -config request-config.json -profile server \
    -label primary "$T/node-csr.json"
server_cert() {
	good "$1" "$2" && has "$1/$2.pem" "TLS Web Server Authentication" &&
	    lacks "$1/$2.pem" "TLS Web Client Authentication"
}
check "multirootca: the certificate is good, profile server" server_cert m1 m
failcase any "multirootca: a profile without auth_key (401)" \
    "127.0.0.1:$PR" "authorisation required" -- \
    -config "$T/m1/request-config.json" -profile open -label primary \
    "$T/node-csr.json"
failcase any "multirootca: unknown label" "127.0.0.1:$PR" "bad request" -- \
    -config "$T/m1/request-config.json" -profile server -label nolabel \
    "$T/node-csr.json"
failcase any "multirootca: unknown profile" "127.0.0.1:$PR" \
    "invalid profile" -- \
    -config "$T/m1/request-config.json" -profile nosuch -label primary \
    "$T/node-csr.json"
check "multirootca: info -label primary -profile server" \
    run_to "$T" info3.json "$CLIENT" info -remote "http://127.0.0.1:$PR" \
    -label primary -profile server
check "multirootca info: certificate, usages and expiry" info_ok info3.json

finish
