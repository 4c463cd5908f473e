#!/bin/sh
# t-renew-remote.sh: renew through a central CA server (issue 14, item 1).
#
# A CA made with etcd-pki is served on 127.0.0.1 by Debian's real
# "cfssl serve" with an HMAC auth key; another CA of the same name has a
# server of its own.  The "node" directory holds what the guide leaves on
# a node (request-config.json whose profiles use auth_remote, the CSR
# JSON, the set from "gencert -config request-config.json -profile peer |
# json -bare etcd1", ca.pem) and no CA key.  renew signs through the
# server in path mode and in cluster mode (-member), keeps the key unless
# -rekey, verifies the answer before it is activated (an answer of the
# other CA is refused, the set unchanged), and schedule writes units that
# carry no key material.
. "$(dirname "$0")/setup.sh"
. "$(dirname "$0")/certfn.sh"

for c in cfssl openssl; do
	need_cmd "$c" || skip_all "$c not installed (Debian golang-cfssl's cfssl serve, openssl CLI)"
done
PY=/usr/bin/python3
[ -x "$PY" ] || skip_all "/usr/bin/python3 not installed (port probe)"
plan 39

: "${BG_GRACE:=3}"
time_limit "${T_RENEW_REMOTE_LIMIT:-150}"
cd "$T" || exit 1
E=$ETCD_PKI
export TMPDIR="$T/tmp"
mkdir -p "$TMPDIR"


KEY=0123456789ABCDEF0123456789ABCDEF
cat >ca-csr.json <<'EOF'
{"CN": "etcd-pki renew-remote CA", "key": {"algo": "ecdsa", "size": 256},
 "ca": {"expiry": "8760h"}}
EOF
cat >server-config.json <<EOF
{"signing": {
  "default": {"auth_key": "key1", "expiry": "8760h",
    "usages": ["signing", "key encipherment", "server auth", "client auth"]},
  "profiles": {
    "peer": {"auth_key": "key1", "expiry": "8760h",
      "usages": ["signing", "key encipherment", "server auth", "client auth"]}}},
 "auth_keys": {"key1": {"type": "standard", "key": "$KEY"}}}
EOF
mkdir ca other node
"$E" gencert -initca -o ca/ca ca-csr.json 2>/dev/null
"$E" gencert -initca -o other/ca ca-csr.json 2>/dev/null
check "a CA and another CA of the same name" test -s ca/ca-key.pem -a -s other/ca-key.pem

P=$(free_port)
PO=$(free_port)
serve() {
	cfssl serve -address 127.0.0.1 -port "$1" -ca "$T/$2/ca.pem" \
	    -ca-key "$T/$2/ca-key.pem" -config "$T/server-config.json" \
	    >"$T/serve-$2.log" 2>&1 &
	bg_pid $!
}
serve "$P" ca
serve "$PO" other
listening() {
	"$PY" -c 'import socket, sys
socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()' "$1"
}
both_up() { listening "$P" && listening "$PO"; }
check "cfssl serve (the CA and the other CA) listen" wait_for 15 both_up

# ---- the node: the guide's files, no CA key ----------------------------
# request_config FILE KEYSPEC: the node's request-config.json.
request_config() {
	cat >"$1" <<EOF
{"signing": {
  "default": {"auth_remote": {"remote": "caserver", "auth_key": "key1"}},
  "profiles": {
    "peer": {"auth_remote": {"remote": "caserver", "auth_key": "key1"}}}},
 "auth_keys": {"key1": {"type": "standard", "key": "$2"}},
 "remotes": {"caserver": "127.0.0.1:$P"}}
EOF
	chmod 600 "$1"
}
request_config node/request-config.json "$KEY"
cat >node/etcd1-csr.json <<'EOF'
{"CN": "etcd1", "hosts": ["etcd1.example.internal", "127.0.0.1"],
 "key": {"algo": "ecdsa", "size": 256}, "names": [{"O": "etcd"}]}
EOF
cp ca/ca.pem node/ca.pem
guide() {
	(cd node && "$E" gencert -config request-config.json -profile peer \
	    etcd1-csr.json | "$E" json -bare etcd1) 2>gencert.err
}
check "the guide's gencert line through the server makes the set" guide
s0=$(serial node/etcd1.pem)
k0=$(keyspki node/etcd1-key.pem)
RC="-config node/request-config.json -profile peer"

run nd renew $RC node/etcd1.pem
check "renew through the server, nothing due: exit 0" rcis 0 nd.out "not due"
run r1 renew -force $RC node/etcd1.pem
check "renew -force through the server: exit 10" test "$rc" = 10
check "... a new serial" test "$(serial node/etcd1.pem)" != "$s0"
check "... the same key" test "$(keyspki node/etcd1-key.pem)" = "$k0" -a "$(spki node/etcd1.pem)" = "$k0"
check "... chains to ca.pem (openssl verify)" openssl verify -CAfile ca/ca.pem node/etcd1.pem
check "... the SANs kept" sh -c "openssl x509 -noout -ext subjectAltName -in node/etcd1.pem | grep -q 'DNS:etcd1.example.internal, IP Address:127.0.0.1'"
check "... a new generation, NAME.csr with the same key" \
    sh -c 'test -L node/current && openssl req -noout -pubkey -in node/etcd1.csr | openssl pkey -pubin -outform DER | sha256sum | grep -q "^$0 "' "$k0"
check "... no CA key on the node" test ! -e node/ca-key.pem
check "... the server signed it (its log)" grep -q "signed certificate" serve-ca.log
run r2 renew $RC node/etcd1.pem
check "a second run without -force: exit 0, nothing due" rcis 0 r2.out "not due"

# ---- a wrong answer: the other CA's server -----------------------------
s1=$(serial node/etcd1.pem)
cur1=$(readlink node/current)
g1=$(find node/gen -mindepth 1 -maxdepth 1 -type d ! -name '.*' | wc -l)
run h1 renew -force $RC -remote "127.0.0.1:$PO" node/etcd1.pem
check "the other CA's answer (set's ca.pem pins): exit 3, refused" rcis 3 h1.err "etcd1.pem"
check "... the set unchanged" test "$(serial node/etcd1.pem)" = "$s1" -a "$(readlink node/current)" = "$cur1"
check "... no generation left behind" test "$(find node/gen -mindepth 1 -maxdepth 1 -type d ! -name '.*' | wc -l)" = "$g1"
run h2 renew -force $RC -remote "127.0.0.1:$PO" -ca ca/ca.pem node/etcd1.pem
check "-ca pins too: the other CA's answer refused, exit 3" test "$rc" = 3 -a "$(serial node/etcd1.pem)" = "$s1"
request_config node/bad-config.json 0123456789ABCDEF0123456789ABCDE0
run h3 renew -force -config node/bad-config.json -profile peer node/etcd1.pem
check "a wrong auth key: the server refuses (invalid token), exit 3, unchanged" \
    sh -c 'test "$0" = 3 && grep -q "invalid token" h3.err && test "$(wc -l <h3.err)" = 1 && test "$2" = "$1"' "$rc" "$s1" "$(serial node/etcd1.pem)"

# ---- -rekey ------------------------------------------------------------
run k1 renew -force -rekey -restart-cmd true $RC node/etcd1.pem
check "-rekey through the server: exit 10, a new key" \
    test "$rc" = 10 -a "$(keyspki node/etcd1-key.pem)" != "$k0"
check "... matching the certificate, chaining to ca.pem" \
    sh -c 'test "$(openssl x509 -noout -pubkey -in node/etcd1.pem | openssl pkey -pubin -outform DER | sha256sum)" = "$(openssl pkey -in node/etcd1-key.pem -pubout -outform DER | sha256sum)" && openssl verify -CAfile ca/ca.pem node/etcd1.pem'

# ---- no CA file at all: the server's /info decides ---------------------
mkdir bare
cp node/etcd1-csr.json bare/
(cd bare && "$E" gencert -config ../node/request-config.json -profile peer \
    etcd1-csr.json 2>/dev/null | "$E" json -bare etcd1)
ninfo() { grep -c 'POST /api/v1/cfssl/info"' "$T/serve-ca.log" || :; }
i0=$(ninfo)
run b1 renew -force $RC bare/etcd1.pem
check "no ca.pem, no -ca: checked against the server's /info CA, exit 10" \
    sh -c 'test "$0" = 10 && openssl verify -CAfile ca/ca.pem bare/etcd1.pem' "$rc"
check "... one /info request for the answer's check and the verification" \
    test "$(ninfo)" = "$((i0 + 1))"
run b2 renew -force -config node/request-config.json -profile nosuch bare/etcd1.pem
check "a profile the config lacks: exit 1, named" rcis 1 b2.err "nosuch"

# ---- the key from a file: (schedule's LoadCredential) -------------------
printf '%s\n' "$KEY" >node/auth.key
chmod 600 node/auth.key
request_config node/file-config.json "file:$T/node/auth.key"
run f1 renew -force -config node/file-config.json -profile peer node/etcd1.pem
check "auth key file:PATH: exit 10" test "$rc" = 10

# ---- cluster mode, one member, through the server ----------------------
cat >desc.json <<'EOF'
{"name": "t-renew-remote", "key": {"algo": "ecdsa", "size": 256},
 "members": [
  {"name": "etcd1", "ips": ["127.0.0.1"], "peer_urls": ["https://127.0.0.1:12380"],
   "client_urls": ["https://127.0.0.1:12379"]},
  {"name": "etcd2", "ips": ["127.0.0.1"], "peer_urls": ["https://127.0.0.1:22380"],
   "client_urls": ["https://127.0.0.1:22379"]}]}
EOF
mkdir c
cp ca/ca.pem ca/ca-key.pem c/
"$E" cluster issue desc.json -o c >/dev/null 2>&1
rm c/ca-key.pem
c1=$(serial c/etcd1/etcd1.pem)
c2=$(serial c/etcd2/etcd2.pem)
ck=$(keyspki c/etcd1/etcd1-key.pem)
run c1 renew -force -cluster desc.json -member etcd1 $RC c
check "cluster mode -member through the server, no DIR/ca-key.pem: exit 10" test "$rc" = 10
check "... etcd1 renewed, same key, chains to the cluster CA" \
    sh -c 'test "$(serial c/etcd1/etcd1.pem)" != "$0" && test "$(openssl pkey -in c/etcd1/etcd1-key.pem -pubout -outform DER | sha256sum | cut -d" " -f1)" = "$1" && openssl verify -CAfile c/ca.pem c/etcd1/etcd1.pem' "$c1" "$ck"
check "... etcd2 untouched" test "$(serial c/etcd2/etcd2.pem)" = "$c2"
run c2 renew -force -cluster desc.json -member etcd2 $RC -remote "127.0.0.1:$PO" c
check "cluster mode, the other CA's answer: exit 3, etcd2 unchanged" \
    test "$rc" = 3 -a "$(serial c/etcd2/etcd2.pem)" = "$c2"
run c3 renew -force -cluster desc.json -member etcd2 c
check "cluster mode without -config/-remote still needs DIR/ca-key.pem: exit 1" \
    rcis 1 c3.err "ca-key.pem"

# ---- schedule: the units for the node's renew ---------------------------
run s1 schedule -- $RC "$T/node/etcd1.pem"
check "schedule for the remote renew: exit 0, no warning" test "$rc" = 0 -a ! -s s1.err
check "... no key material in the units" sh -c '! grep -q "$0" s1.out' "$KEY"
check "... ExecStart names the config file, no credential" \
    sh -c 'grep -q "^ExecStart=.* -config $0/node/request-config.json -profile peer " s1.out && ! grep -q LoadCredential s1.out' "$T"
check "... a start timeout" grep -q "^TimeoutStartSec=" s1.out
run s2 schedule -- -config "$T/node/file-config.json" -profile peer "$T/node/etcd1.pem"
check "file: auth key: LoadCredential=remote-auth-key:PATH, nothing on the command line" \
    sh -c 'grep -qx "LoadCredential=remote-auth-key:$0/node/auth.key" s2.out && ! grep -q "$1" s2.out && ! grep "^ExecStart=" s2.out | grep -q auth.key' "$T" "$KEY"
run s3 schedule -cron -- -config "$T/node/file-config.json" -profile peer "$T/node/etcd1.pem"
check "-cron: no key material in the line" sh -c 'test "$0" = 0 && ! grep -q "$1" s3.out' "$rc" "$KEY"
# As the unit runs it: the key file itself is gone, the credential holds it.
mkdir cred
cp node/auth.key cred/remote-auth-key
mv node/auth.key node/auth.key.away
rc=0
CREDENTIALS_DIRECTORY="$T/cred" "$E" renew -force -config node/file-config.json -profile peer node/etcd1.pem >cr.out 2>cr.err || rc=$?
check "renew reads a file: auth key from \$CREDENTIALS_DIRECTORY/remote-auth-key: exit 10" test "$rc" = 10
mv node/auth.key.away node/auth.key
chmod 644 node/request-config.json
run s4 schedule -- $RC "$T/node/etcd1.pem"
check "a config file holding the key, readable by others: a warning" rcis 0 s4.err "readable by group or others"
request_config node/env-config.json env:AUTHKEY
run s5 schedule -- -config "$T/node/env-config.json" -profile peer "$T/node/etcd1.pem"
check "an env: auth key: a warning (a unit's environment lacks it)" rcis 0 s5.err "environment"
mkdir sd
printf '[Unit]\nDescription=probe\n[Service]\nType=oneshot\nExecStart=/bin/true\n' \
    >sd/probe.service
if need_cmd systemd-analyze &&
    timeout 30 systemd-analyze verify --man=no "$T/sd/probe.service" \
    >/dev/null 2>&1; then
	"$E" schedule -install -unit-dir sd -- -config "$T/node/file-config.json" \
	    -profile peer "$T/node/etcd1.pem" >/dev/null 2>&1
	check "systemd-analyze verify accepts the units with LoadCredential=" \
	    timeout 30 systemd-analyze verify --man=no \
	    "$T/sd/etcd-pki-renew.service" "$T/sd/etcd-pki-renew.timer"
else
	skip "systemd-analyze missing or not working here"
fi

finish
