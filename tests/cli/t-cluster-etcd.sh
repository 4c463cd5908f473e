#!/bin/sh
# t-cluster-etcd.sh: a real three-member etcd 3.4 cluster on 127.0.0.1,
# started from nothing but what "cluster issue" writes: each member runs
# "etcd --config-file DIR/etcdN/etcd.conf.yml" (client and peer TLS with
# client-cert-auth), and etcdctl is driven by the generated etcdctl.env
# files (the admin client's and a member's).  Also checks that a client
# without a certificate is refused, and that the cluster keeps working
# after "cluster issue" re-issues one member for a changed description
# and that member is restarted.
. "$(dirname "$0")/setup.sh"

for c in etcd etcdctl; do
	need_cmd "$c" || skip_all "$c not installed (etcd 3.4 server and etcdctl needed)"
done
plan 10

# The whole test ends within LIMIT s whatever happens (see t-etcd.sh).
LIMIT=${T_ETCD_LIMIT:-60}
: "${BG_GRACE:=3}"
time_limit "$LIMIT"

cd "$T" || exit 1
E=$ETCD_PKI
c1=$(free_port) c2=$(free_port) c3=$(free_port)
p1=$(free_port) p2=$(free_port) p3=$(free_port)
diag "client ports $c1 $c2 $c3, peer ports $p1 $p2 $p3"

# Three members on one host: one IP, six ports, one data dir each.
cat >desc.json <<EOF
{
    "name": "t-cluster-etcd",
    "token": "t-cluster-etcd-$$",
    "key": {"algo": "ecdsa", "size": 256},
    "members": [
        {"name": "etcd1", "dns": ["etcd1.test"], "ips": ["127.0.0.1"],
         "peer_urls": ["https://127.0.0.1:$p1"],
         "client_urls": ["https://127.0.0.1:$c1"], "data_dir": "$T/data1"},
        {"name": "etcd2", "dns": ["etcd2.test"], "ips": ["127.0.0.1"],
         "peer_urls": ["https://127.0.0.1:$p2"],
         "client_urls": ["https://127.0.0.1:$c2"], "data_dir": "$T/data2"},
        {"name": "etcd3", "dns": ["etcd3.test"], "ips": ["127.0.0.1"],
         "peer_urls": ["https://127.0.0.1:$p3"],
         "client_urls": ["https://127.0.0.1:$c3"], "data_dir": "$T/data3"}
    ],
    "clients": [{"name": "admin"}]
}
EOF
check "cluster issue writes the PKI and the fragments" \
    "$E" cluster issue desc.json -o pki
check "cluster verify: no problems" "$E" cluster verify desc.json pki

start_member() {
	etcd --config-file "$T/pki/etcd$1/etcd.conf.yml" >"$T/etcd$1.log" 2>&1 &
	eval "pid$1=\$!"
	bg_pid $!
}
start_member 1
start_member 2
start_member 3

# ctl ENVFILE ARGS...: etcdctl with nothing but the generated environment.
ctl() (
	_env=$1
	shift
	# shellcheck disable=SC1090
	. "$_env"
	# ETCD3_ONLY narrows the endpoints (etcdctl refuses --endpoints
	# together with ETCDCTL_ENDPOINTS).
	if [ -n "${ETCD3_ONLY:-}" ]; then
		ETCDCTL_ENDPOINTS=$ETCD3_ONLY
		export ETCDCTL_ENDPOINTS
	fi
	timeout 8 etcdctl --dial-timeout 2s --command-timeout 3s "$@"
)
ADMIN=$T/pki/clients/admin/etcdctl.env
healthy() {
	ctl "$ADMIN" endpoint health
}
if wait_for 40 healthy; then
	pass "three members started from etcd.conf.yml are healthy"
else
	fail "three members started from etcd.conf.yml are healthy"
	ctl "$ADMIN" endpoint health 2>&1 | sed 's/^/#   /' || :
	for n in 1 2 3; do
		diag "etcd$n.log (tail):"
		tail -n 5 "$T/etcd$n.log" | sed 's/^/#   /'
	done
fi
check "admin etcdctl.env: member list shows 3 started members" sh -c "
    . '$ADMIN'; timeout 8 etcdctl member list | grep -c ', started, etcd[123], ' |
    grep -qx 3"

value=v-$$-$(date +%s)
put_get() {
	ctl "$ADMIN" put /t/key "$value" >/dev/null &&
	    got=$(ETCD3_ONLY="https://127.0.0.1:$c3" ctl \
	    "$T/pki/etcd3/etcdctl.env" get --print-value-only /t/key) &&
	    [ "$got" = "$value" ]
}
check "a put with the admin env is read with etcd3's env (its peer cert)" \
    put_get
no_cert() {
	if timeout 8 etcdctl --endpoints "https://127.0.0.1:$c1" \
	    --cacert "$T/pki/ca.pem" --dial-timeout 2s --command-timeout 3s \
	    get /t/key; then
		echo "a client without a certificate was served"
		return 1
	fi
	return 0
}
check "a client without a certificate is refused (client-cert-auth)" no_cert

# A changed description re-issues etcd2 only; etcd2 restarts on the new
# certificate and the cluster stays whole.
/usr/bin/python3 - desc.json <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
d["members"][1]["dns"].append("etcd2.new.test")
json.dump(d, open(sys.argv[1], "w"), indent=4)
EOF
"$E" cluster issue desc.json -o pki >reissue.out 2>reissue.err
check "a new DNS name for etcd2 re-issues the peers (all-members policy)" \
    grep -q "0 new, 3 reissued, 0 updated, 1 kept" reissue.err
kill -TERM "$pid2" 2>/dev/null
wait "$pid2" 2>/dev/null || :
start_member 2
member2_new() {
	ctl "$ADMIN" endpoint health &&
	    printf 'Q\n' | timeout 5 openssl s_client -connect \
	    "127.0.0.1:$c2" -CAfile "$T/pki/ca.pem" 2>/dev/null |
	    openssl x509 -noout -ext subjectAltName 2>/dev/null |
	    grep -q etcd2.new.test
}
if wait_for 30 member2_new; then
	pass "etcd2 restarted serves the new certificate; all members healthy"
else
	fail "etcd2 restarted serves the new certificate; all members healthy"
	tail -n 5 "$T/etcd2.log" | sed 's/^/#   /'
fi
check "the data written before the restart is still there" sh -c "
    . '$T/pki/clients/admin/etcdctl.env'
    test \"\$(timeout 8 etcdctl get --print-value-only /t/key)\" = '$value'"
check "cluster verify after the change: no problems" \
    "$E" cluster verify desc.json pki

finish
