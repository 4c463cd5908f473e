#!/bin/sh
# t-ca-rotate-etcd.sh: a full CA rotation, "ca rotate -phase add-trust",
# "reissue", "drop-old", each with -restart rolling, on a live
# three-member etcd cluster with client-cert-auth, under a client load
# through all endpoints whose client files are rotated too (load.py
# --reload): no client operation fails (retries on the next endpoint
# allowed), never two members down at once, the cluster lock's holds never
# overlap, "ca status" shows each phase, and at the end every member serves
# a certificate of the new CA and refuses a client of the old one; on a
# terminal, add-trust shows a progress line of the members restarted.
. "$(dirname "$0")/setup.sh"
. "$(dirname "$0")/cluster3.sh"

for c in etcd etcdctl openssl; do
	need_cmd "$c" || skip_all "$c not installed"
done
plan 23
LIMIT=${T_ROLL_LIMIT:-300}
: "${BG_GRACE:=3}"
time_limit "$LIMIT"

cd "$T" || exit 1
E=$ETCD_PKI
REC=$C3_RUN/record.jsonl
c3_setup 1h || { diag "cluster issue failed"; exit 1; }
c3_start_all
check "three members from cluster issue's fragments are healthy" \
    c3_wait_healthy 40
cp "$C3_PKI/ca.pem" old-ca.pem
cp "$C3_PKI/ca-key.pem" old-ca-key.pem

rotate() {
	"$E" ca rotate -phase "$1" -restart rolling -cluster "$C3_DESC" \
	    -restart-cmd "$C3_CTL restart" -gate-timeout 30s -lock-ttl 60s \
	    -settle 1s -record "$REC" "$C3_PKI" >"rotate-$1.out" 2>&1 &&
	    echo 0 || echo $?
}
phase() {
	"$E" ca status -cluster "$C3_DESC" "$C3_PKI" 2>/dev/null |
	    sed -n 's/^phase: \([a-z-]*\).*/\1/p'
}

c3_load_start --rate 30 --reload
START=$(date +%s)
# add-trust on a terminal (util-linux script): stdout to the file, stderr
# to the terminal, where the progress line of the restarts shows, drawn
# again after each step printed (the restart of a member takes seconds).
if need_cmd script; then
	script -qfc "'$E' ca rotate -phase add-trust -restart rolling \
	    -cluster '$C3_DESC' -restart-cmd '$C3_CTL restart' \
	    -gate-timeout 30s -lock-ttl 60s -settle 1s -record '$REC' \
	    '$C3_PKI' >rotate-add-trust.out; echo \$? >add-trust.st" \
	    /dev/null >add-trust.tty 2>&1 </dev/null || :
	st=$(cat add-trust.st)
	tr '\r' '\n' <add-trust.tty | grep -a "members restarted" |
	    sed 's/^/# as the terminal showed it: /; s/\x1b\[K//g' | tail -n 3
	check "add-trust on a terminal: ca rotate: members restarted 3/3" \
	    grep -aEq "$(printf '\r')ca rotate: members restarted 3/3 \(100%\)  [0-9.]+/s  ETA 0s" \
	    add-trust.tty
	check "... the line drawn again while a member restarts (after steps)" \
	    test "$(tr '\r' '\n' <add-trust.tty | grep -ac \
	    'members restarted 1/3')" -ge 2
else
	st=$(rotate add-trust)
	skip "util-linux script is not installed"
	skip "util-linux script is not installed"
fi
check "add-trust with rolling restarts: exit 10" test "$st" = 10
check "... ca status: reissue is next" test "$(phase)" = reissue
st=$(rotate reissue)
check "reissue with rolling restarts: exit 10" test "$st" = 10
check "... ca status: drop-old is next" test "$(phase)" = drop-old
st=$(rotate drop-old)
check "drop-old with rolling restarts: exit 10" test "$st" = 10
check "... ca status: idle (the old CA retired)" test "$(phase)" = idle
check "... a ca-retired-*.pem was kept" sh -c "ls '$C3_PKI'/ca-retired-*.pem"
st=$(rotate drop-old)
check "drop-old again: nothing to do (exit 0)" test "$st" = 0
sleep 1
c3_load_stop || :
END=$(date +%s)
for p in add-trust reissue drop-old; do
	sed 's/^/#   /' "rotate-$p.out" | tail -n 3
done
ops=$(c3_load_get 's["operations"]') failed=$(c3_load_get 's["failed"]')
retries=$(c3_load_get 's["retries"]')
unav=$(c3_load_get 's["longest_unavailable_s"]')
reloads=$(c3_load_get 's["tls_reloads"]')
restarts=$(grep -c '"event":"restart"' "$REC")
diag "CA rotation under load: $restarts restarts in $((END - START)) s," \
    "$ops operations, $retries retried, $failed failed, longest" \
    "unavailability ${unav}s, client files reloaded $reloads times"
check "9 rolling restarts (3 phases x 3 members)" test "$restarts" = 9
check "the load made operations throughout (at least 100)" \
    test "${ops:-0}" -ge 100
check "no client operation failed" test "${failed:-1}" = 0
check "the load client picked up its rotated files" test "${reloads:-0}" -ge 1
check "never two members down at once (members' logs, member-ctl events)" \
    c3_downs
sed 's/^/#   /' "$C3_RUN/downs.out" | tail -n 4
check "the cluster lock was never held twice at once (-record)" c3_lock_holds "$REC"
c3_save ca-rotate

# Every member serves a certificate of the new CA on both ports ...
served_new() {
	for n in 1 2 3; do
		eval "cp=\$C3_CPORT$n pp=\$C3_PPORT$n"
		for port in $cp $pp; do
			printf 'Q\n' | timeout 5 openssl s_client -connect \
			    "127.0.0.1:$port" -cert "$C3_CERT" -key "$C3_KEY" \
			    -CAfile "$C3_CACERT" 2>/dev/null |
			    openssl x509 >served.pem 2>/dev/null || return 1
			openssl verify -CAfile "$C3_PKI/ca.pem" served.pem \
			    >/dev/null 2>&1 || return 1
			! openssl verify -CAfile old-ca.pem served.pem \
			    >/dev/null 2>&1 || return 1
		done
	done
}
check "every member serves a certificate of the new CA only" served_new
check "the new CA is not the old one" sh -c "! cmp -s old-ca.pem '$C3_PKI/ca.pem'"
# ... and refuses a client certificate of the old CA.
cat >old-client.json <<'EOF'
{"CN": "old-admin", "key": {"algo": "ecdsa", "size": 256}}
EOF
"$E" gencert -ca old-ca.pem -ca-key old-ca-key.pem old-client.json 2>/dev/null |
    "$E" json -bare old-client >/dev/null 2>&1
old_refused() {
	for n in 1 2 3; do
		eval "cp=\$C3_CPORT$n"
		if timeout 8 etcdctl --endpoints "https://127.0.0.1:$cp" \
		    --cacert "$C3_PKI/ca.pem" --cert old-client.pem \
		    --key old-client-key.pem --dial-timeout 2s \
		    --command-timeout 3s get /x >/dev/null 2>&1; then
			echo "# m$n still accepts a client of the old CA"
			return 1
		fi
	done
}
check "every member refuses a client certificate of the old CA" old_refused
new_ok() {
	c3_ctl put /rotated yes >/dev/null && c3_ctl get /rotated | grep -q yes
}
check "the admin client (reissued from the new CA) works" new_ok
check "cluster verify: no problems after the rotation" \
    "$E" cluster verify -horizon 10m "$C3_DESC" "$C3_PKI"
check "the cluster is healthy" c3_wait_healthy 20

finish
