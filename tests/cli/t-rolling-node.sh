#!/bin/sh
# t-rolling-node.sh: "renew -restart rolling" from a node, without the
# cluster description (issue 14 item 2).  Three members of a live etcd
# cluster each run, at the same moment, the node command in path mode,
#   renew -force -restart rolling -restart-cmd CMD DIR/mN/mN.pem
# with nothing but that node's etcdctl environment (its etcdctl.env:
# ETCDCTL_ENDPOINTS, ETCDCTL_CACERT, ETCDCTL_CERT, ETCDCTL_KEY), as a
# timer retrying every second until it has renewed; then the same with
# the -etcd-* flags.  Checks: every member serves its new serial on both
# ports, never two members down at once (downs.py), the cluster lock
# never held twice at once (-record), no failed request of the client
# load, and what a node without the settings is told.
. "$(dirname "$0")/setup.sh"
need_cmd etcd || skip_all "etcd not installed (Debian etcd-server)"
need_cmd etcdctl || skip_all "etcdctl not installed (Debian etcd-client)"
. "$(dirname "$0")/cluster3.sh"

E=$ETCD_PKI
time_limit 420
REC=$C3_RUN/record.jsonl

c3_setup 1h || { diag "cluster issue failed"; exit 1; }
c3_start_all
check "three members are healthy" c3_wait_healthy 40

# node_renew M [ARGS]: member M's own rolling renew in path mode, with
# only its etcdctl.env; prints the exit status.
node_renew() {
	_m=$1
	shift
	(
		unset ETCDCTL_ENDPOINTS ETCDCTL_CACERT ETCDCTL_CERT ETCDCTL_KEY
		# shellcheck disable=SC1090
		. "$C3_PKI/$_m/etcdctl.env"
		exec "$E" renew -force -restart rolling \
		    -restart-cmd "$C3_CTL restart" -gate-timeout 30s \
		    -lock-ttl 60s -settle 1s -record "$REC" \
		    -ca "$C3_PKI/ca.pem" -ca-key "$C3_PKI/ca-key.pem" "$@" \
		    "$C3_PKI/$_m/$_m.pem"
	) >>"$C3_RUN/node-$_m.out" 2>&1 && echo 0 || echo $?
}
# timer M [ARGS]: renews M, retrying while another node holds the lock
# (75), as a systemd timer's next run would; its exits in timer-M.
timer() {
	_t=$1
	shift
	: >"$C3_RUN/timer-$_t"
	_i=0
	while [ "$_i" -lt 60 ]; do
		_st=$(node_renew "$_t" "$@")
		echo "$_st" >>"$C3_RUN/timer-$_t"
		[ "$_st" = 75 ] || return 0
		sleep 1
		_i=$((_i + 1))
	done
}
serial_of() {
	openssl x509 -noout -serial -in "$1" | sed 's/^serial=//' |
	    tr 'A-F' 'a-f' | sed 's/^0*//'
}
served() {
	printf 'Q\n' | timeout 5 openssl s_client -connect "127.0.0.1:$1" \
	    -CAfile "$C3_CACERT" -cert "$C3_CERT" -key "$C3_KEY" 2>/dev/null |
	    openssl x509 -noout -serial 2>/dev/null | sed 's/^serial=//' |
	    tr 'A-F' 'a-f' | sed 's/^0*//'
}
serves_new() {
	_n=$1
	_want=$(serial_of "$C3_PKI/m$_n/m$_n.pem")
	eval "_cp=\$C3_CPORT$_n _pp=\$C3_PPORT$_n"
	[ -n "$_want" ] && [ "$(served "$_cp")" = "$_want" ] &&
	    [ "$(served "$_pp")" = "$_want" ]
}

# ---- no settings: one clear line ----------------------------------------
(
	unset ETCDCTL_ENDPOINTS ETCDCTL_CACERT ETCDCTL_CERT ETCDCTL_KEY
	"$E" renew -force -restart rolling -ca "$C3_PKI/ca.pem" \
	    -ca-key "$C3_PKI/ca-key.pem" "$C3_PKI/m1/m1.pem" >"$T/none.out" \
	    2>&1 && echo 0 >"$T/none.rc" || echo $? >"$T/none.rc"
)
check "no ETCDCTL_* and no -etcd-*: a usage error naming what to set" \
    sh -c "[ \$(cat '$T/none.rc') = 2 ] &&
    grep -q 'set ETCDCTL_ENDPOINTS, ETCDCTL_CACERT, ETCDCTL_CERT and ETCDCTL_KEY' '$T/none.out'"
check "... nothing renewed" test ! -e "$C3_PKI/m1/current"
st=$(node_renew m1 -etcd-endpoints http://127.0.0.1:$C3_CPORT1)
check "-etcd-endpoints http://...: refused (needs https)" test "$st" = 2
check "... says so" grep -q 'needs https' "$C3_RUN/node-m1.out"
check "-etcd-endpoints without -restart rolling: a usage error" sh -c "
    '$E' renew -force -etcd-endpoints https://127.0.0.1:1 \
        -ca '$C3_PKI/ca.pem' -ca-key '$C3_PKI/ca-key.pem' \
        '$C3_PKI/m1/m1.pem' >/dev/null 2>&1; [ \$? = 2 ]"

# ---- three nodes' timers fire together --------------------------------------
old1=$(serial_of "$C3_PKI/m1/m1.pem")
old2=$(serial_of "$C3_PKI/m2/m2.pem")
old3=$(serial_of "$C3_PKI/m3/m3.pem")
c3_load_start --rate 30
START=$(date +%s)
timer m1 &
t1=$!
timer m2 &
t2=$!
timer m3 &
t3=$!
wait "$t1" || :
wait "$t2" || :
wait "$t3" || :
END=$(date +%s)
c3_load_stop || :
for m in m1 m2 m3; do
	diag "$m: exits $(tr '\n' ' ' <"$C3_RUN/timer-$m")"
done
check "every node renewed (its last exit 10)" sh -c "
    for m in m1 m2 m3; do
        [ \"\$(tail -n 1 '$C3_RUN'/timer-\$m)\" = 10 ] || exit 1
    done"
check "the nodes that fired while another held the lock were deferred (75)" \
    sh -c "cat '$C3_RUN'/timer-m1 '$C3_RUN'/timer-m2 '$C3_RUN'/timer-m3 |
    grep -qx 75"
check "new serials on disk" sh -c "
    [ '$(serial_of "$C3_PKI/m1/m1.pem")' != '$old1' ] &&
    [ '$(serial_of "$C3_PKI/m2/m2.pem")' != '$old2' ] &&
    [ '$(serial_of "$C3_PKI/m3/m3.pem")' != '$old3' ]"
for n in 1 2 3; do
	check "m$n serves its new serial on both ports" serves_new "$n"
done
check "never two members down at once (downs.py)" c3_downs
sed 's/^/#   /' "$C3_RUN/downs.out" | tail -n 4
check "the cluster lock was never held twice at once (-record)" \
    c3_lock_holds "$REC"
check "the lock was taken three times, once per member" sh -c "
    [ \$(grep -c '\"event\": *\"locked\"' '$REC') = 3 ]"
failed=$(c3_load_get 's["failed"]')
unav=$(c3_load_get 's["longest_unavailable_s"]')
diag "three nodes in $((END - START)) s; failed requests $failed, longest unavailability ${unav}s"
check "no failed request under the client load" test "$failed" = 0

# ---- the flags instead of the environment -----------------------------------
old2=$(serial_of "$C3_PKI/m2/m2.pem")
st=$(
	unset ETCDCTL_ENDPOINTS ETCDCTL_CACERT ETCDCTL_CERT ETCDCTL_KEY
	"$E" renew -force -restart rolling -restart-cmd "$C3_CTL restart" \
	    -gate-timeout 30s -lock-ttl 60s -settle 1s -record "$REC" \
	    -etcd-endpoints "127.0.0.1:$C3_CPORT1,https://127.0.0.1:$C3_CPORT3" \
	    -etcd-cacert "$C3_PKI/m2/ca.pem" -etcd-cert "$C3_PKI/m2/m2.pem" \
	    -etcd-key "$C3_PKI/m2/m2-key.pem" \
	    -ca "$C3_PKI/ca.pem" -ca-key "$C3_PKI/ca-key.pem" \
	    "$C3_PKI/m2/m2.pem" >"$T/flags.out" 2>&1 && echo 0 || echo $?
)
check "-etcd-endpoints/-etcd-cacert/-etcd-cert/-etcd-key: renewed (10)" \
    test "$st" = 10
check "... m2 serves the new serial" serves_new 2
check "... a new serial" test "$(serial_of "$C3_PKI/m2/m2.pem")" != "$old2"
check "the lock holds still never overlap" c3_lock_holds "$REC"
check "the cluster is healthy at the end" c3_wait_healthy 20

finish
