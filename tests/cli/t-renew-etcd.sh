#!/bin/sh
# t-renew-etcd.sh: a real etcd member serving client and peer TLS (with
# client-cert-auth) from what "cluster issue" wrote keeps accepting new
# connections while "renew -restart none" renews its certificate again and
# again (etcd re-reads cert and key on every handshake; the key is kept, so
# any mix of reads is a valid pair), and afterwards presents the new
# serial on both ports without having been restarted.
. "$(dirname "$0")/setup.sh"

for c in etcd etcdctl openssl; do
	need_cmd "$c" || skip_all "$c not installed"
done
plan 9
LIMIT=${T_ETCD_LIMIT:-60}
: "${BG_GRACE:=3}"
time_limit "$LIMIT"

cd "$T" || exit 1
E=$ETCD_PKI
c1=$(free_port) p1=$(free_port)
cat >desc.json <<EOF
{"name": "t-renew-etcd", "token": "t-renew-etcd-$$",
 "key": {"algo": "ecdsa", "size": 256},
 "members": [{"name": "etcd1", "ips": ["127.0.0.1"],
   "peer_urls": ["https://127.0.0.1:$p1"],
   "client_urls": ["https://127.0.0.1:$c1"], "data_dir": "$T/data1"}],
 "clients": [{"name": "admin"}]}
EOF
"$E" cluster issue desc.json -o pki >/dev/null 2>&1
etcd --config-file "$T/pki/etcd1/etcd.conf.yml" >etcd1.log 2>&1 &
pid=$!
bg_pid $pid

ADMIN=$T/pki/clients/admin/etcdctl.env
ctl() (
	# shellcheck disable=SC1090
	. "$ADMIN"
	timeout 8 etcdctl --dial-timeout 2s --command-timeout 3s "$@"
)
healthy() { ctl endpoint health; }
if wait_for 30 healthy; then
	pass "the member started from its etcd.conf.yml is healthy"
else
	fail "the member started from its etcd.conf.yml is healthy"
	tail -n 5 etcd1.log | sed 's/^/#   /'
fi

# served PORT: the serial of the certificate the member presents.
served() {
	printf 'Q\n' | timeout 5 openssl s_client -connect "127.0.0.1:$1" \
	    -cert pki/clients/admin/admin.pem -key pki/clients/admin/admin-key.pem \
	    -CAfile pki/ca.pem 2>/dev/null | openssl x509 -noout -serial 2>/dev/null
}
s0=$(openssl x509 -noout -serial -in pki/etcd1/etcd1.pem)
check "before: the client port presents the issued serial" test "$(served "$c1")" = "$s0"

# A client making new connections all the time (each etcdctl run dials).
(
	ok=0 bad=0
	while [ ! -e "$T/stop" ]; do
		if ctl put /t/k "v$ok" >/dev/null 2>>load.err; then
			ok=$((ok + 1))
		else
			bad=$((bad + 1))
		fi
	done
	echo "$ok $bad" >load.out
) &
lpid=$!
bg_pid $lpid
fails=0
for i in 1 2 3 4 5; do
	"$E" renew -restart none -force -cluster desc.json -member etcd1 pki \
	    >>renew.out 2>&1 || [ $? = 10 ] || fails=$((fails + 1))
	sleep 0.5
done
touch "$T/stop"
wait "$lpid" || :
read -r ok bad <load.out || :
diag "client requests during 5 renewals: $ok succeeded, $bad failed"
check "5 renewals with -restart none: all exit 10" test "$fails" = 0
check "requests kept succeeding during the renewals (at least 5)" test "${ok:-0}" -ge 5
check "no request failed" test "${bad:-1}" = 0
s1=$(openssl x509 -noout -serial -in pki/etcd1/etcd1.pem)
check "after: the serial on disk changed" test "$s1" != "$s0"
check "after: the client port presents the new serial" test "$(served "$c1")" = "$s1"
check "after: the peer port presents the new serial" test "$(served "$p1")" = "$s1"
check "the member was never restarted" kill -0 "$pid"

finish
