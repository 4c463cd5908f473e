#!/bin/sh
# t-etcd-client.sh: pki/etcd.c (etcd's v3 JSON gateway) and pki_tls_probe()
# against a real three-member etcd 3.4 cluster on 127.0.0.1 started from
# "cluster issue" fragments, through tests/etcdc: health, status, members,
# alarms, leases, the lock (against our own second lease and against
# "etcdctl lock"), leader transfer, avoid() with a stopped member, and the
# errors a stopped member, a wrong client certificate or an untrusted
# server give; a member's gateway answering 503 or 500 (tests/cli/
# gateway-fake.py): the next endpoint is asked, a 404 is the answer; the
# TLS probe on the client and the peer port.
. "$(dirname "$0")/setup.sh"

for c in etcd etcdctl openssl curl; do
	need_cmd "$c" || skip_all "$c not installed (etcd 3.4, etcdctl, openssl and curl needed)"
done
: "${ETCDC:=$TOP_BUILDDIR/tests/etcdc}"
[ -x "$ETCDC" ] || skip_all "tests/etcdc not built (make check builds it)"
plan 33

LIMIT=${T_ETCD_LIMIT:-90}
: "${BG_GRACE:=3}"
time_limit "$LIMIT"

cd "$T" || exit 1
E=$ETCD_PKI
c1=$(free_port) c2=$(free_port) c3=$(free_port)
p1=$(free_port) p2=$(free_port) p3=$(free_port)
diag "client ports $c1 $c2 $c3, peer ports $p1 $p2 $p3"
U1=https://127.0.0.1:$c1 U2=https://127.0.0.1:$c2 U3=https://127.0.0.1:$c3
EPS=$U1,$U2,$U3

cat >desc.json <<EOF
{
    "name": "t-etcd-client",
    "token": "t-etcd-client-$$",
    "key": {"algo": "ecdsa", "size": 256},
    "members": [
        {"name": "etcd1", "ips": ["127.0.0.1"],
         "peer_urls": ["https://127.0.0.1:$p1"],
         "client_urls": ["$U1"], "data_dir": "$T/data1"},
        {"name": "etcd2", "ips": ["127.0.0.1"],
         "peer_urls": ["https://127.0.0.1:$p2"],
         "client_urls": ["$U2"], "data_dir": "$T/data2"},
        {"name": "etcd3", "ips": ["127.0.0.1"],
         "peer_urls": ["https://127.0.0.1:$p3"],
         "client_urls": ["$U3"], "data_dir": "$T/data3"}
    ],
    "clients": [{"name": "admin"}]
}
EOF
check "cluster issue writes the PKI and the fragments" \
    "$E" cluster issue desc.json -o pki

start_member() {
	etcd --config-file "$T/pki/etcd$1/etcd.conf.yml" >"$T/etcd$1.log" 2>&1 &
	eval "pid$1=\$!"
	bg_pid $!
}
start_member 1
start_member 2
start_member 3

# X ARGS...: etcdc as etcd1 (its peer certificate has clientAuth).
M=$T/pki/etcd1
X() {
	timeout 20 "$ETCDC" -c "$M/ca.pem" -C "$M/etcd1.pem" \
	    -k "$M/etcd1-key.pem" -t 3000 -e "$EPS" "$@"
}
A=$T/pki/clients/admin
# field NAME LINE: the value of NAME=... in a line of etcdc's output.
field() {
	printf '%s\n' "$2" | tr ' ' '\n' | sed -n "s/^$1=//p" | head -n 1
}

all_healthy() {
	for i in 0 1 2; do
		[ "$(X health $i)" = healthy=1 ] || return 1
	done
}
if wait_for 40 all_healthy; then
	pass "health: healthy=1 on each of the three endpoints"
else
	fail "health: healthy=1 on each of the three endpoints"
	for i in 0 1 2; do X health $i 2>&1 | sed 's/^/#   /'; done
	for n in 1 2 3; do
		diag "etcd$n.log (tail):"
		tail -n 5 "$T/etcd$n.log" | sed 's/^/#   /'
	done
fi

# ---- status and members --------------------------------------------------
status_consistent() {
	s0=$(X status 0) && s1=$(X status 1) && s2=$(X status 2) || return 1
	printf '%s\n%s\n%s\n' "$s0" "$s1" "$s2"
	id0=$(field member_id "$s0") id1=$(field member_id "$s1")
	id2=$(field member_id "$s2")
	l0=$(field leader "$s0")
	# Three different members, one leader they all agree on, among them.
	[ -n "$id0" ] && [ "$id0" != "$id1" ] && [ "$id1" != "$id2" ] &&
	    [ "$id0" != "$id2" ] || return 1
	[ "$(field leader "$s1")" = "$l0" ] &&
	    [ "$(field leader "$s2")" = "$l0" ] || return 1
	case $l0 in "$id0"|"$id1"|"$id2") ;; *) return 1 ;; esac
	# The leader's raft index is not far behind any follower's.
	for s in "$s0" "$s1" "$s2"; do
		[ "$(field member_id "$s")" = "$l0" ] &&
		    lidx=$(field raft_index "$s")
	done
	for s in "$s0" "$s1" "$s2"; do
		[ "$lidx" -ge $(($(field raft_index "$s") - 5)) ] || return 1
		[ "$(field raft_term "$s")" -ge 1 ] || return 1
		[ "$(field version "$s")" = 3.4.23 ] ||
		    [ -n "$(field version "$s")" ] || return 1
	done
}
check "status: distinct member_ids, one agreed leader, raft index consistent" \
    status_consistent

three_members() {
	X members -1 >members.out || return 1
	cat members.out
	[ "$(wc -l <members.out)" -eq 3 ] &&
	    [ "$(sed -n 's/.* name=\([^ ]*\) .*/\1/p' members.out | sort |
	    paste -sd, -)" = etcd1,etcd2,etcd3 ] &&
	    grep -q "name=etcd2 learner=0 peers=https://127.0.0.1:$p2 clients=$U2\$" \
	    members.out
}
check "members: etcd1, etcd2, etcd3 with their peer and client URLs" \
    three_members

check "alarms: none" sh -c "[ \"\$(\"$ETCDC\" -c '$M/ca.pem' -C '$M/etcd1.pem' \
    -k '$M/etcd1-key.pem' -e '$EPS' alarms 1)\" = 'alarms=0 desc=' ]"

# An alarm raised through the gateway by hand is seen, then cleared.
gw() {
	curl -sS --noproxy '*' --max-time 5 --cacert "$A/ca.pem" \
	    --cert "$A/admin.pem" --key "$A/admin-key.pem" -X POST \
	    "$U1$1" -d "$2"
}
alarm_seen() {
	s=$(X status 0) && id=$(field member_id "$s") &&
	    dec=$(/usr/bin/python3 -c "print(int('$id', 16))") || return 1
	gw /v3/maintenance/alarm "{\"action\":\"ACTIVATE\",\"memberID\":\"$dec\",\"alarm\":\"NOSPACE\"}" ||
	    return 1
	out=$(X alarms -1)
	gw /v3/maintenance/alarm "{\"action\":\"DEACTIVATE\",\"memberID\":\"$dec\",\"alarm\":\"NOSPACE\"}" ||
	    return 1
	echo "$out"
	[ "$out" = "alarms=1 desc=NOSPACE on $id" ] &&
	    [ "$(X alarms -1)" = "alarms=0 desc=" ]
}
check "alarms: a NOSPACE alarm is counted and named, then gone" alarm_seen

# ---- leases ---------------------------------------------------------------
lease_cycle() {
	g=$(X grant -1 30) && echo "$g" && l=$(field lease "$g") &&
	    k=$(X keepalive 1 "$l") && echo "$k" &&
	    [ "$(field ttl "$k")" -gt 0 ] && [ "$(field ttl "$k")" -le 30 ] &&
	    X revoke 2 "$l" || return 1
	# Revoked: keepalive says so, naming the endpoint.
	if X keepalive 0 "$l" 2>ka.err; then
		echo "keepalive of a revoked lease succeeded"
		return 1
	fi
	cat ka.err
	grep -q "^etcdc: $U1: /v3/lease/keepalive: lease .* not found" ka.err &&
	    ! X revoke 0 "$l" 2>rv.err &&
	    grep -q "^etcdc: $U1: /v3/lease/revoke: HTTP 404: etcdserver: requested lease not found" \
	    rv.err
}
check "lease: grant, keepalive TTL in (0, 30], revoke; then not found" \
    lease_cycle

# ---- the lock ---------------------------------------------------------------
LOCK=etcd-pki-rollover
la=$(field lease "$(X grant -1 60)")
lb=$(field lease "$(X grant -1 60)")
lc=$(field lease "$(X grant -1 60)")
diag "leases A=$la B=$lb C=$lc"
ha=$(printf '%x' "$la" 2>/dev/null) || ha=
out=$(X lock 0 "$LOCK" "$la" 2000)
ka=$(field key "$out")
if [ "$out" = "locked key=$LOCK/$ha" ] && [ -n "$ha" ]; then
	pass "lock: A takes $LOCK (key $LOCK/<lease A hex>)"
else
	fail "lock: A takes $LOCK (key $LOCK/<lease A hex>)"
	diag "got: $out"
fi
b_busy() {
	t0=$(date +%s)
	out=$(X lock 1 "$LOCK" "$lb" 5000) || return 1
	echo "$out"
	[ "$(($(date +%s) - t0))" -le 2 ] &&
	    [ "${out#busy holder=key $LOCK/$ha (lease $ha, }" != "$out" ]
}
check "lock: B (another lease) is busy at once, the holder named" b_busy
b_after() {
	X unlock 2 "$ka" && out=$(X lock 1 "$LOCK" "$lb" 3000) && echo "$out" &&
	    [ "$out" = "locked key=$LOCK/$(printf '%x' "$lb")" ]
}
check "lock: after A unlocks, B gets it" b_after
kb=$LOCK/$(printf '%x' "$lb")
check "lock: B unlocks" X unlock -1 "$kb"

# etcdctl's lock (no command: it holds until signalled) makes us busy.
# Started directly (not through a function), so that $! is etcdctl's
# own PID: on TERM it unlocks.
etcdctl --endpoints "$EPS" --cacert "$A/ca.pem" --cert "$A/admin.pem" \
    --key "$A/admin-key.pem" --dial-timeout 2s lock "$LOCK" \
    >ctl-lock.out 2>&1 &
ctlpid=$!
bg_pid $ctlpid
ctl_holds() { grep -q "^$LOCK/" ctl-lock.out; }
ctl_busy() {
	wait_for 10 ctl_holds || { echo "etcdctl lock did not take it"; return 1; }
	out=$(X lock -1 "$LOCK" "$lc" 3000) || return 1
	echo "$out"
	[ "$out" = "busy holder=${out#busy holder=}" ] &&
	    case $out in *"key $(head -n 1 ctl-lock.out) (lease "*) ;; *) false ;; esac
}
check "lock: held by 'etcdctl lock $LOCK', ours is busy" ctl_busy
kill -TERM "$ctlpid" 2>/dev/null || :
wait "$ctlpid" 2>/dev/null || :
c_gets() { out=$(X lock -1 "$LOCK" "$lc" 3000) && [ "${out#locked key=}" != "$out" ]; }
check "lock: etcdctl stopped (it unlocks), C gets it" wait_for 10 c_gets
d_after_revoke() {
	ld=$(field lease "$(X grant -1 60)") || return 1
	out=$(X lock 2 "$LOCK" "$ld" 2000)
	case $out in "busy holder="*) ;; *) echo "not busy: $out"; return 1 ;; esac
	X revoke 0 "$lc" || return 1
	out=$(X lock 2 "$LOCK" "$ld" 2000) && echo "$out" &&
	    [ "$out" = "locked key=$LOCK/$(printf '%x' "$ld")" ] &&
	    X revoke 0 "$ld"
}
check "lock: revoking the holder's lease releases it (D busy, then D gets it)" \
    d_after_revoke

# Two lockers at once: both may find it free, one waits in /v3/lock/lock
# until its deadline: busy either way, and the loser's revoked lease takes
# its waiting key away.
race() {
	le=$(field lease "$(X grant -1 30)") && lf=$(field lease "$(X grant -1 30)") ||
	    return 1
	t0=$(date +%s)
	X lock 0 race "$le" 1500 >race-e.out 2>&1 &
	pe=$!
	X lock 1 race "$lf" 1500 >race-f.out 2>&1 &
	pf=$!
	wait "$pe" "$pf" || :
	cat race-e.out race-f.out
	[ "$(($(date +%s) - t0))" -le 5 ] &&
	    [ "$(cat race-e.out race-f.out | grep -c '^locked key=race/')" -eq 1 ] &&
	    [ "$(cat race-e.out race-f.out | grep -c '^busy holder=')" -eq 1 ] &&
	    X revoke -1 "$le" && X revoke -1 "$lf" &&
	    [ -z "$(timeout 10 etcdctl --endpoints "$U2" --cacert "$A/ca.pem" \
	    --cert "$A/admin.pem" --key "$A/admin-key.pem" get --prefix \
	    --keys-only race/)" ]
}
check "lock: two lockers at once, exactly one wins; no key left after" race

# ---- a member's gateway that cannot serve ------------------------------------
# A restarting member's gateway answers 503 (or 500 when its gRPC stream
# broke): not the cluster's answer, so a call to any member asks the
# next one; a 4xx is the cluster's answer and ends the calls.
GWFAKE=$TOP_SRCDIR/tests/cli/gateway-fake.py
gwfake() {
	/usr/bin/python3 "$GWFAKE" "$M/etcd1.pem" "$M/etcd1-key.pem" "$2" \
	    "$3" "$4" "$T/gw-$1.log" >"$T/gw-$1.port" 2>"$T/gw-$1.err" &
	bg_pid $!
}
gwfake 503 503 14 "etcdserver: not capable"
gwfake 500 500 13 "server closed the stream without sending trailers"
gwfake 404 404 5 "etcdserver: requested lease not found"
gw_up() {
	for g in 503 500 404; do
		grep -q '^[0-9][0-9]*$' "$T/gw-$g.port" || return 1
	done
}
wait_for 15 gw_up || diag "gateway-fake.py did not start: $(cat "$T"/gw-*.err)"
G503=https://127.0.0.1:$(cat "$T/gw-503.port")
G500=https://127.0.0.1:$(cat "$T/gw-500.port")
G404=https://127.0.0.1:$(cat "$T/gw-404.port")
# Y EPS ARGS...: etcdc as etcd1 with the endpoints EPS.
Y() {
	_eps=$1
	shift
	timeout 20 "$ETCDC" -c "$M/ca.pem" -C "$M/etcd1.pem" \
	    -k "$M/etcd1-key.pem" -t 3000 -e "$_eps" "$@"
}
next_after_5xx() {
	g=$(Y "$G503,$G500,$U2" grant -1 10) && echo "$g" &&
	    [ -n "$(field lease "$g")" ] &&
	    [ "$(cat "$T/gw-503.log")" = /v3/lease/grant ] &&
	    [ "$(cat "$T/gw-500.log")" = /v3/lease/grant ] &&
	    Y "$U2" revoke 0 "$(field lease "$g")"
}
check "a lease grant answered 503, then 500 (a restarting member's gateway): the next endpoint grants it" \
    next_after_5xx
only_5xx() {
	! Y "$G503" grant -1 10 2>g1.err && cat g1.err &&
	    grep -q "^etcdc: $G503: /v3/lease/grant: HTTP 503: etcdserver: not capable (gRPC code 14)\$" g1.err &&
	    ! Y "$G503,$G500" grant -1 10 2>g2.err && cat g2.err &&
	    grep -q "^etcdc: no etcd endpoint answered: $G503: /v3/lease/grant: HTTP 503: .*; $G500: /v3/lease/grant: HTTP 500: server closed the stream without sending trailers (gRPC code 13)\$" \
	    g2.err
}
check "only gateways that cannot serve: the error names each endpoint and its answer" \
    only_5xx
fourxx_ends() {
	: >"$T/gw-404.log"
	! Y "$G404,$U2" revoke -1 12345 2>g3.err && cat g3.err &&
	    grep -q "^etcdc: $G404: /v3/lease/revoke: HTTP 404: etcdserver: requested lease not found (gRPC code 5)\$" g3.err &&
	    [ "$(wc -l <"$T/gw-404.log")" -eq 1 ]
}
check "a 404 is the cluster's answer: reported, the next endpoint not asked" \
    fourxx_ends
ep_5xx() {
	! Y "$G503,$U2" status 0 2>g4.err && cat g4.err &&
	    grep -q "^etcdc: $G503: /v3/maintenance/status: HTTP 503: etcdserver: not capable (gRPC code 14)\$" g4.err
}
check "a call to one given endpoint reports its 503 (no other is asked)" ep_5xx

# ---- leader transfer ----------------------------------------------------------
s=$(X status 0)
leader=$(field leader "$s")
li=
for i in 0 1 2; do
	[ "$(field member_id "$(X status $i)")" = "$leader" ] && li=$i
done
# The target: a follower other than endpoint 0, so that endpoint 0 is a
# follower afterwards (it is stopped below).
case $li in 0) ti=1 ;; 1) ti=2 ;; *) ti=1 ;; esac
target=$(field member_id "$(X status $ti)")
diag "leader $leader at endpoint $li; moving it to $target (endpoint $ti)"
fi_=$(( (li + 1) % 3 ))
[ "$fi_" = "$ti" ] && fi_=$(( (li + 2) % 3 ))
not_leader() {
	! X move-leader "$fi_" "$target" 2>ml.err && cat ml.err &&
	    grep -q "^etcdc: https://127.0.0.1:[0-9]*: /v3/maintenance/transfer-leadership: HTTP 412: etcdserver: not leader" \
	    ml.err
}
check "move_leader at a follower: an error naming the endpoint (not leader)" \
    not_leader
new_leader() { [ "$(field leader "$(X status "$ti")")" = "$target" ]; }
moved() {
	X move-leader "$li" "$target" && wait_for 10 new_leader &&
	    [ "$(field leader "$(X status "$li")")" = "$target" ]
}
check "move_leader at the leader: status shows the new leader" moved

# ---- avoid() and a stopped member ------------------------------------------------
id_of0=$(field member_id "$(X status 0)")
avoided() {
	s=$(X -a 0 status -1) && echo "$s" && [ -n "$id_of0" ] &&
	    [ "$(field member_id "$s")" != "$id_of0" ]
}
check "avoid(0): ep=-1 is answered by another endpoint" avoided
kill -TERM "$pid1" 2>/dev/null || :
wait "$pid1" 2>/dev/null || :
stopped_calls() {
	X -a 0 status -1 && X -a 0 members -1 >/dev/null &&
	    g=$(X -a 0 grant -1 10) && X -a 0 revoke -1 "$(field lease "$g")" &&
	    X -a 0 health -1 | grep -qx healthy=1
}
check "endpoint 0's member stopped: ep=-1 calls with avoid(0) still work" \
    stopped_calls
check "endpoint 0's member stopped: ep=-1 without avoid falls over" \
    sh -c "'$ETCDC' -c '$M/ca.pem' -C '$M/etcd1.pem' -k '$M/etcd1-key.pem' \
    -e '$EPS' status -1 | grep -q member_id="
stopped_error() {
	! X status 0 2>st.err && cat st.err &&
	    grep -q "^etcdc: $U1: cannot connect: Connection refused\$" st.err
}
check "a stopped member: a clear error naming its endpoint" stopped_error
only_avoided() {
	! timeout 10 "$ETCDC" -c "$M/ca.pem" -C "$M/etcd1.pem" \
	    -k "$M/etcd1-key.pem" -e "$U1" -a 0 status -1 2>av.err &&
	    cat av.err && grep -q "no endpoint to try ($U1 is avoided)" av.err
}
check "avoid() of the only endpoint: an error, nothing contacted" only_avoided

# ---- TLS errors -------------------------------------------------------------
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout other-ca-key.pem -out other-ca.pem -subj /CN=other-ca -days 2 \
    >/dev/null 2>&1
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout other-key.pem -out other.csr -subj /CN=intruder >/dev/null 2>&1
printf 'extendedKeyUsage=clientAuth,serverAuth\n' >ext.cnf
openssl x509 -req -in other.csr -CA other-ca.pem -CAkey other-ca-key.pem \
    -CAcreateserial -out other.pem -days 1 -extfile ext.cnf >/dev/null 2>&1
wrong_cert() {
	! timeout 20 "$ETCDC" -c "$M/ca.pem" -C other.pem -k other-key.pem \
	    -e "$U2" status 0 2>wc.err && cat wc.err &&
	    grep -q "^etcdc: $U2: TLS: .*client certificate" wc.err &&
	    ! timeout 20 "$ETCDC" -c "$M/ca.pem" -C other.pem -k other-key.pem \
	    -e "$U2,$U3" health -1 2>wc2.err && cat wc2.err &&
	    grep -q "^etcdc: no etcd endpoint answered: $U2: TLS: .*client certificate.*; $U3: TLS: .*client certificate" \
	    wc2.err
}
check "a client certificate from another CA: a clear TLS error per endpoint" \
    wrong_cert
untrusted() {
	! timeout 20 "$ETCDC" -c other-ca.pem -C "$M/etcd1.pem" \
	    -k "$M/etcd1-key.pem" -e "$U2" health 0 2>ut.err && cat ut.err &&
	    grep -q "^etcdc: $U2: the server's certificate is not trusted" ut.err
}
check "a server certificate from another CA: not trusted" untrusted
http_refused() {
	! "$ETCDC" -e "http://127.0.0.1:$c2" health 0 2>http.err &&
	    cat http.err && grep -q "^etcdc: etcd endpoint \"http://127.0.0.1:$c2\": plain http is not supported" http.err
}
check "an http:// endpoint is refused (HTTPS only)" http_refused

# ---- the TLS probe ------------------------------------------------------------
serial2=$(openssl x509 -in "$T/pki/etcd2/etcd2.pem" -noout -serial |
    sed 's/serial=//')
serial2=$(/usr/bin/python3 -c "print(int('$serial2', 16))")
probe_is() {
	out=$("$ETCDC" probe 127.0.0.1 "$1" "$2" "$3") && echo "$out" &&
	    [ "$out" = "accepted=$4 served_serial=$serial2" ]
}
check "probe client port: our CA's certificate accepted, etcd2's served" \
    probe_is "$c2" "$M/etcd1.pem" "$M/etcd1-key.pem" 1
check "probe client port: another CA's certificate refused" \
    probe_is "$c2" other.pem other-key.pem 0
check "probe peer port: our CA's certificate accepted" \
    probe_is "$p2" "$A/admin.pem" "$A/admin-key.pem" 1
check "probe peer port: another CA's certificate refused" \
    probe_is "$p2" other.pem other-key.pem 0

finish
