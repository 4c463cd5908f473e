#!/bin/sh
# t-member-etcd.sh: member add and member remove on a real etcd 3.4.
#
# Three members m1..m3 on 127.0.0.1..3 (distinct addresses, so that every
# SAN list changes), started from their etcd.env (the CRL enforced), a
# client load (load.py) on m1 and m2 throughout.  Then:
#   member add m4 (127.0.0.4) -learner -start-cmd: added as a learner,
#     started from a configuration saying "existing", promoted; four
#     healthy voters, every member's certificate (on disk and as served,
#     with no restart) carries 127.0.0.4;
#   member add m5 (127.0.0.5), a voter; refusals of a name or URL clash;
#   member remove m3 (the leader if it leads: moved first) and m5: three
#     members, m3's certificate revoked and refused on m1's peer port,
#     its directory archived without keys, the others' certificates
#     without the removed SANs; a removal that would lose quorum (m4
#     stopped) refused.
#   client add ops, then client remove ops: refused at once on m1.
# Reported as TAP diagnostics: membership changes, requests, failed
# requests, max members down at once (downs.py).
. "$(dirname "$0")/setup.sh"
. "$(dirname "$0")/cluster3.sh"

for c in etcd etcdctl openssl curl; do
	need_cmd "$c" || skip_all "$c not installed (etcd 3.4, etcdctl, openssl and curl needed)"
done
plan 27
time_limit 600

cd "$T" || exit 1
E=$ETCD_PKI
C3_START=env
export C3_START
for n in 1 2 3 4 5; do
	eval "CP$n=\$(free_port) PP$n=\$(free_port)"
done
member() {
	eval "_cp=\$CP$1 _pp=\$PP$1"
	printf '{"name": "m%s", "ips": ["127.0.0.%s"],
     "peer_urls": ["https://127.0.0.%s:%s"],
     "client_urls": ["https://127.0.0.%s:%s"], "data_dir": "%s/data-m%s"}' \
	    "$1" "$1" "$1" "$_pp" "$1" "$_cp" "$T" "$1"
}
cat >"$C3_DESC" <<EOF
{
    "name": "mb",
    "token": "mb-$$-$(date +%s)",
    "key": {"algo": "ecdsa", "size": 256},
    "fragments": true,
    "signing": {"expiry": "1h"},
    "members": [
        $(member 1),
        $(member 2),
        $(member 3)
    ],
    "clients": [{"name": "admin"}]
}
EOF
C3_ENDPOINTS="https://127.0.0.1:$CP1,https://127.0.0.2:$CP2"
C3_ADMIN_ENV=$C3_PKI/clients/admin/etcdctl.env
C3_CACERT=$C3_PKI/clients/admin/ca.pem
C3_CERT=$C3_PKI/clients/admin/admin.pem
C3_KEY=$C3_PKI/clients/admin/admin-key.pem
run "$E" cluster issue "$C3_DESC" -o "$C3_PKI"
expect "cluster issue: three members on 127.0.0.1..3" 0

# ctl ARGS..: etcdctl as admin through m1 and m2.
ctl() (
	# shellcheck disable=SC1090
	. "$C3_ADMIN_ENV"
	ETCDCTL_ENDPOINTS=$C3_ENDPOINTS
	export ETCDCTL_ENDPOINTS
	timeout 10 etcdctl --dial-timeout 2s --command-timeout 4s "$@"
)
# up N: member N answers /health with true on its own endpoint.
up() {
	eval "_cp=\$CP$1"
	curl -sS --noproxy '*' --max-time 5 --cacert "$C3_CACERT" \
	    --cert "$C3_CERT" --key "$C3_KEY" \
	    "https://127.0.0.$1:$_cp/health" 2>/dev/null | grep -q '"health":"true"'
}
all_up() {
	for _n in "$@"; do
		up "$_n" || return 1
	done
}
# voters N: etcd lists N members, none a learner, all started.
voters() {
	ctl member list -w json >"$T/ml.json" 2>/dev/null &&
	    "$PY" - "$T/ml.json" "$1" <<'EOF'
import json, sys
m = json.load(open(sys.argv[1]))["members"]
ok = len(m) == int(sys.argv[2]) and all(
    x.get("name") and not x.get("isLearner") for x in m)
sys.exit(0 if ok else 1)
EOF
}
# sans_all DIR IP yes|no M..: each member's certificate has (or not) IP.
sans() {
	openssl x509 -in "$1" -noout -ext subjectAltName 2>/dev/null
}
has_ip() {
	_ip=$1 _want=$2
	shift 2
	for _m in "$@"; do
		if sans "$C3_PKI/$_m/$_m.pem" | grep -q "IP Address:$_ip\$\|IP Address:$_ip,"; then
			[ "$_want" = yes ] || { echo "$_m has $_ip"; return 1; }
		else
			[ "$_want" = no ] || { echo "$_m lacks $_ip"; return 1; }
		fi
	done
}
# served_has N IP: the certificate member N serves on its client port
# carries IP.
served_has() {
	eval "_cp=\$CP$1"
	echo | timeout 10 openssl s_client -connect "127.0.0.$1:$_cp" \
	    -cert "$C3_CERT" -key "$C3_KEY" 2>/dev/null |
	    openssl x509 -noout -ext subjectAltName 2>/dev/null |
	    grep -q "IP Address:$2"
}
pid_of() {
	cat "$C3_RUN/m$1.pid"
}

for n in 1 2 3; do
	"$C3_CTL" start "m$n"
done
if ! wait_for 60 all_up 1 2 3; then
	fail "three members become healthy"
	for m in m1 m2 m3; do
		diag "$m.log:"
		tail -n 5 "$C3_RUN/$m.log" | sed 's/^/#   /'
	done
	finish
fi
pass "three members on 127.0.0.1..3 become healthy"
before="$(pid_of 1) $(pid_of 2) $(pid_of 3)"
c3_load_start --rate 20
changes=0

# ---- member add m4, a learner, promoted --------------------------------------
run "$E" member add -cluster "$C3_DESC" -hostname 127.0.0.4 \
    -peer-urls "https://127.0.0.4:$PP4" -client-urls "https://127.0.0.4:$CP4" \
    -data-dir "$T/data-m4" -learner -start-cmd "$C3_CTL start" \
    -gate-timeout 90s "$C3_PKI" m4
expect "member add m4 -learner -start-cmd: added as a learner, promoted" 0 \
    "promoted to a voting member"
cp "$T/out" add-m4.out
changes=$((changes + 1))
check "m4's configuration says initial-cluster-state existing" sh -c "
    grep -q \"^initial-cluster-state: 'existing'\" '$C3_PKI/m4/etcd.conf.yml' &&
    grep -q \"^ETCD_INITIAL_CLUSTER_STATE='existing'\" '$C3_PKI/m4/etcd.env' &&
    grep -q '\"initial_cluster_state\": \"existing\"' '$C3_DESC'"
check "m1..m3 keep initial-cluster-state new" \
    grep -q "^initial-cluster-state: 'new'" "$C3_PKI/m1/etcd.conf.yml"
check "etcd lists four started voters" wait_for 30 voters 4
check "four members healthy" wait_for 30 all_up 1 2 3 4
check "every member's certificate carries 127.0.0.4" \
    has_ip 127.0.0.4 yes m1 m2 m3 m4
now="$(pid_of 1) $(pid_of 2) $(pid_of 3)"
if [ "$now" = "$before" ] && served_has 1 127.0.0.4 &&
    served_has 3 127.0.0.4; then
	pass "m1 and m3 serve the new certificates, not restarted"
else
	fail "m1 and m3 serve the new certificates, not restarted"
	diag "pids before: $before, now: $now"
fi

# ---- refusals ------------------------------------------------------------------
cp "$C3_DESC" desc.before
run "$E" member add -cluster "$C3_DESC" -hostname 127.0.0.6 "$C3_PKI" m2
expect "member add of an existing name: refused (exit 3)" 3 \
    "m2: .* has a member of that name"
run "$E" member add -cluster "$C3_DESC" -hostname 127.0.0.6 \
    -peer-urls "https://127.0.0.2:$PP2" "$C3_PKI" m6
expect "member add of another member's peer URL: refused" 3 \
    "is member m2's URL already"
check "the refusals changed nothing" cmp -s desc.before "$C3_DESC"

# ---- member add m5, a voter ------------------------------------------------------
sleep 5	# etcd: peers connected for 5 s before the next change
run "$E" member add -cluster "$C3_DESC" -hostname 127.0.0.5 \
    -peer-urls "https://127.0.0.5:$PP5" -client-urls "https://127.0.0.5:$CP5" \
    -data-dir "$T/data-m5" -start-cmd "$C3_CTL start" -gate-timeout 90s \
    "$C3_PKI" m5
expect "member add m5 (a voter) -start-cmd" 0 "added to etcd as a voting member"
changes=$((changes + 1))
wait_for 30 voters 5 && wait_for 30 all_up 1 2 3 4 5 &&
    pass "etcd lists five voters, all healthy" ||
    fail "etcd lists five voters, all healthy"

# ---- member remove m3 and m5 --------------------------------------------------------
sleep 5
p3=$(pid_of 3)
s3=$(openssl x509 -in "$C3_PKI/m3/m3.pem" -noout -serial | sed 's/.*=//')
cp -r "$C3_PKI/m3" m3-copy
run "$E" member remove -cluster "$C3_DESC" "$C3_PKI" m3
expect "member remove m3: removed, revoked, archived" 0 "removed from etcd"
cp "$T/out" rm-m3.out
changes=$((changes + 1))
# It exits by itself; its pid file goes (it is no member any more).
wait_for 30 sh -c "! kill -0 $p3" && rm -f "$C3_RUN/m3.pid"
sleep 5
p5=$(pid_of 5)
run "$E" member remove -cluster "$C3_DESC" "$C3_PKI" m5
expect "member remove m5" 0 "removed from etcd"
changes=$((changes + 1))
wait_for 30 sh -c "! kill -0 $p5" && rm -f "$C3_RUN/m5.pid"
wait_for 30 voters 3 && wait_for 30 all_up 1 2 4 &&
    pass "three members left, healthy" || fail "three members left, healthy"
check "the removed members' processes are gone" sh -c "
    ! kill -0 $p3 2>/dev/null && ! kill -0 $p5 2>/dev/null"
has_ip 127.0.0.3 no m1 m2 m4 && has_ip 127.0.0.5 no m1 m2 m4 &&
    pass "the others' certificates carry neither 127.0.0.3 nor 127.0.0.5" ||
    fail "the others' certificates carry neither 127.0.0.3 nor 127.0.0.5"
check "m3's directory archived under removed/, without private keys" sh -c "
    test ! -e '$C3_PKI/m3' && ls -d '$C3_PKI'/removed/m3.* >/dev/null &&
    test -z \"\$(find '$C3_PKI/removed' -name '*-key.pem')\" &&
    ls '$C3_PKI'/removed/m3.*/ | grep -q m3.pem"
check "the CRL lists m3's serial and reached every member left" sh -c "
    openssl crl -in '$C3_PKI/crl.pem' -noout -text | grep -qi 'Serial Number: *$s3' &&
    cmp -s '$C3_PKI/crl.der' '$C3_PKI/m1/crl.der' &&
    cmp -s '$C3_PKI/crl.der' '$C3_PKI/m4/crl.der'"
# peer ON_DIR NAME: member NAME's certificate (in ON_DIR) asks m1's peer
# port for the member list.
peer() {
	curl -sS --noproxy '*' --max-time 5 --http1.1 --cacert "$1/ca.pem" \
	    --cert "$1/$2.pem" --key "$1/$2-key.pem" \
	    "https://127.0.0.1:$PP1/members" 2>&1 | grep -q '"name"'
}
hex3=$(openssl x509 -in m3-copy/m3.pem -noout -serial | sed 's/.*=//' |
    tr 'A-F' 'a-f')
if ! peer m3-copy m3 && peer "$C3_PKI/m2" m2 &&
    wait_for 5 grep -q "certificate serial $hex3 revoked" "$C3_RUN/m1.log"; then
	pass "m3's certificate is refused on m1's peer port (etcd: revoked), m2's accepted"
else
	fail "m3's certificate is refused on m1's peer port (etcd: revoked), m2's accepted"
fi

# ---- a client added, then removed: refused at once, no restart -------------------
# health_as DIR NAME: member m1 answers /health to that client certificate.
health_as() {
	curl -sS --noproxy '*' --max-time 5 --cacert "$1/ca.pem" \
	    --cert "$1/$2.pem" --key "$1/$2-key.pem" \
	    "https://127.0.0.1:$CP1/health" 2>/dev/null | grep -q '"health":"true"'
}
run "$E" client add -cluster "$C3_DESC" "$C3_PKI" ops
cp -r "$C3_PKI/clients/ops" ops-copy
if [ "$rc" = 0 ] && health_as ops-copy ops; then
	pass "client add ops: its certificate is accepted"
else
	fail "client add ops: its certificate is accepted"
fi
p1=$(pid_of 1)
run "$E" client remove -cluster "$C3_DESC" "$C3_PKI" ops
if [ "$rc" = 0 ] && ! health_as ops-copy ops &&
    health_as "$C3_PKI/clients/admin" admin && [ "$(pid_of 1)" = "$p1" ]; then
	pass "client remove ops: refused by m1 at once (no restart), admin accepted"
else
	fail "client remove ops: refused by m1 at once (no restart), admin accepted"
fi
changes_c=2

# ---- a removal that would lose quorum ------------------------------------------------
sleep 5
"$C3_CTL" stop m4
run "$E" member remove -cluster "$C3_DESC" "$C3_PKI" m2
expect "member remove m2 with m4 down: refused, quorum" 3 \
    "would lose quorum"
"$C3_CTL" start m4
check "m4 back" wait_for 60 all_up 1 2 4

c3_load_stop || :
req=$(c3_load_get 's["requests"]' 2>/dev/null) || req=?
failed=$(c3_load_get 's["failed"]' 2>/dev/null) || failed=?
if [ "$failed" = 0 ] && [ "$req" != ? ] && [ "$req" -gt 0 ]; then
	pass "the load ran throughout: $req requests, no failed operation"
else
	fail "the load ran throughout: $req requests, no failed operation"
	diag "failed: $failed"
fi
c3_downs || :
maxdown=$("$PY" -c 'import json, sys; print(json.load(open(sys.argv[1]))["max_down"])' "$C3_RUN/downs.json")
diag "membership changes made: $changes (add m4 learner+promote, add m5, remove m3, remove m5); client changes: $changes_c (add ops, remove ops)"
diag "requests sent: $req, failed operations: $failed, retries: $(c3_load_get 's["retries"]'), longest unavailable: $(c3_load_get 's["longest_unavailable_s"]') s"
diag "max members down at once: $maxdown (m4 stopped once for the quorum refusal)"
finish
