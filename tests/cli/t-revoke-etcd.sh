#!/bin/sh
# t-revoke-etcd.sh: revocation enforced by a real etcd 3.4.
#
# Three members on loopback, started from the etcd.env cluster issue
# wrote (no --config-file: etcd 3.4 reads a CRL only from its flags or
# ETCD_* variables), with the empty CRL of the first issue.  Then, with
# no member restarted (their pids are checked), revoke -cluster writes
# new CRLs and each new connection is checked with curl:
#   client port: the revoked admin client is refused by every member, the
#     ops client (control) accepted, writes and reads go on;
#   peer port: the revoked member m3's certificate is refused by m1's
#     peer listener, m2's (control) accepted.
# etcd's log names the refused serials.  For contrast, m1 restarted from
# etcd.conf.yml (--config-file) accepts the revoked client again: the
# configuration file cannot carry the CRL.
. "$(dirname "$0")/setup.sh"
. "$(dirname "$0")/cluster3.sh"

for c in etcd etcdctl openssl curl; do
	need_cmd "$c" || skip_all "$c not installed (etcd 3.4, etcdctl, openssl and curl needed)"
done
plan 17

cd "$T" || exit 1
E=$ETCD_PKI
C3_START=env
export C3_START
C3_CLIENTS='[{"name": "admin"}, {"name": "ops"}]'
c3_setup 1h || { diag "cluster issue failed"; exit 1; }
A=$C3_PKI/clients/admin
O=$C3_PKI/clients/ops

# ask CERTDIR NAME PORT PATH [CURL-ARGS]: GET (or what CURL-ARGS say)
# https://127.0.0.1:PORT/PATH with that certificate; prints the answer.
ask() {
	_d=$1 _n=$2 _p=$3 _u=$4
	shift 4
	curl -sS --noproxy '*' --max-time 5 --cacert "$_d/ca.pem" \
	    --cert "$_d/$_n.pem" --key "$_d/$_n-key.pem" "$@" \
	    "https://127.0.0.1:$_p/$_u" 2>&1
}
# healthy CERTDIR NAME PORT: the client port answers /health with true.
healthy() {
	ask "$1" "$2" "$3" health | grep -q '"health":"true"'
}
refused() {
	! healthy "$@"
}
# peer_ok CERTDIR NAME PORT: the peer port lists the members (its
# listener speaks HTTP/1.1 to other clients than etcd).
peer_ok() {
	ask "$1" "$2" "$3" members --http1.1 | grep -q '"name"'
}
peer_refused() {
	! peer_ok "$@"
}
all_healthy() {
	healthy "$O" ops "$C3_CPORT1" && healthy "$O" ops "$C3_CPORT2" &&
	    healthy "$O" ops "$C3_CPORT3"
}
put_get() {
	ask "$O" ops "$C3_CPORT1" v3/kv/put -X POST \
	    -d '{"key": "a2V5", "value": "dg=="}' | grep -q revision &&
	    ask "$O" ops "$C3_CPORT3" v3/kv/range -X POST \
	    -d '{"key": "a2V5"}' | grep -q 'dg=='
}
pids() {
	echo "$(c3_pid 1) $(c3_pid 2) $(c3_pid 3)"
}
# hexserial PEM: the serial as etcd logs it: its bytes in lower-case hex
# (so with a leading 0 when the number has an odd count of digits).
hexserial() {
	openssl x509 -in "$1" -noout -serial | sed 's/.*=//' | tr 'A-F' 'a-f'
}

c3_start_all
if ! wait_for 40 all_healthy; then
	fail "three members from etcd.env become healthy"
	for m in m1 m2 m3; do
		diag "$m.log:"
		tail -n 5 "$C3_RUN/$m.log" | sed 's/^/#   /'
	done
	finish
fi
pass "three members from etcd.env become healthy"
check "etcd read the CRL file from the environment, for both ports" sh -c "
    grep -q 'ClientTLS: .*crl-file = $C3_PKI/m1/crl.der' '$C3_RUN/m1.log' &&
    grep -q 'peerTLS: .*crl-file = $C3_PKI/m1/crl.der' '$C3_RUN/m1.log'"
before=$(pids)
check "before any revocation: admin is accepted on the client port" \
    healthy "$A" admin "$C3_CPORT1"
check "before any revocation: m3's certificate is accepted on m1's peer port" \
    peer_ok "$C3_PKI/m3" m3 "$C3_PPORT1"

# ---- a client certificate --------------------------------------------------
sa=$(hexserial "$A/admin.pem")
rc=0
"$E" revoke -cluster "$C3_DESC" -reason keyCompromise "$C3_PKI" admin \
    >rv-admin.out 2>&1 || rc=$?
check "revoke -cluster admin: exit 0, CRL 2 copied to every member" sh -c "
    test $rc = 0 && grep -q 'CRL 2, 1 revoked' rv-admin.out &&
    cmp -s '$C3_PKI/crl.der' '$C3_PKI/m1/crl.der' &&
    cmp -s '$C3_PKI/crl.der' '$C3_PKI/m3/crl.der'"
check "client port: the revoked admin is refused at once, no restart" \
    refused "$A" admin "$C3_CPORT1"
check "...by every member" sh -c "
    ! curl -sS --max-time 5 --cacert '$A/ca.pem' --cert '$A/admin.pem' \
        --key '$A/admin-key.pem' https://127.0.0.1:$C3_CPORT2/health 2>&1 |
        grep -q true &&
    ! curl -sS --max-time 5 --cacert '$A/ca.pem' --cert '$A/admin.pem' \
        --key '$A/admin-key.pem' https://127.0.0.1:$C3_CPORT3/health 2>&1 |
        grep -q true"
check "...etcd says why: certificate serial $sa revoked" wait_for 5 \
    grep -q "certificate serial $sa revoked" "$C3_RUN/m1.log"
check "client port: the ops client (control) is accepted" \
    healthy "$O" ops "$C3_CPORT1"
check "a write on m1 and a read on m3 through ops" put_get

# ---- a member certificate on the peer port ----------------------------------
s3=$(hexserial "$C3_PKI/m3/m3.pem")
rc=0
"$E" revoke -cluster "$C3_DESC" "$C3_PKI" m3 >rv-m3.out 2>&1 || rc=$?
check "revoke -cluster m3: exit 0, CRL 3 lists two" sh -c \
    "test $rc = 0 && grep -q 'CRL 3, 2 revoked' rv-m3.out"
check "peer port: m3's revoked certificate is refused by m1, no restart" \
    peer_refused "$C3_PKI/m3" m3 "$C3_PPORT1"
check "...etcd says why: certificate serial $s3 revoked" wait_for 5 \
    grep -q "certificate serial $s3 revoked" "$C3_RUN/m1.log"
check "peer port: m2's certificate (control) is accepted" \
    peer_ok "$C3_PKI/m2" m2 "$C3_PPORT1"
check "no member was restarted (pids $before)" test "$(pids)" = "$before"

# ---- for contrast: the same member from etcd.conf.yml ----------------------
C3_START=
c3_restart 1
check "m1 restarted from etcd.conf.yml (--config-file) is healthy" \
    wait_for 30 healthy "$O" ops "$C3_CPORT1"
check "...and accepts the revoked admin: a config file cannot carry the CRL" \
    healthy "$A" admin "$C3_CPORT1"

finish
