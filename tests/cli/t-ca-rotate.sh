#!/bin/sh
# t-ca-rotate.sh: ca rotate -phase add-trust|reissue|drop-old and ca
# status, with -restart none.
#
# Files first, with no etcd running (the probes cannot connect, so the
# phase comes from the files): each phase's results (bundles, issuers,
# key modes, ca-next/ca-prev/ca-retired), refusals in the wrong phase
# (exit 3 with a message), idempotent reruns (exit 0), resuming after an
# interruption, cluster verify after each phase, renew signing with the
# new CA.  Then a live three-member cluster, restarted by hand, where ca
# status shows the phase and what each member accepts.
. "$(dirname "$0")/setup.sh"

plan 57

cd "$T" || exit 1
E=$ETCD_PKI
PY=/usr/bin/python3

# fps FILE: the SHA-256 of each certificate in a PEM file, one a line.
fps() {
	"$PY" -c '
import base64, hashlib, re, sys
t = open(sys.argv[1]).read()
for b in re.findall(r"-----BEGIN CERTIFICATE-----(.*?)-----END CERTIFICATE-----", t, re.S):
    print(hashlib.sha256(base64.b64decode("".join(b.split()))).hexdigest())' "$1"
}
# ncerts FILE: the number of certificates, as openssl counts them.
ncerts() {
	openssl crl2pkcs7 -nocrl -certfile "$1" | openssl pkcs7 -print_certs |
	    grep -c '^subject='
}
# bundle_is FILE CA...: FILE holds exactly the certificates of CA...
bundle_is() {
	_f=$1
	shift
	for _c in "$@"; do fps "$_c"; done | sort -u >"$T/want.fps"
	fps "$_f" | sort >"$T/got.fps"
	cmp -s "$T/want.fps" "$T/got.fps" && [ "$(ncerts "$_f")" -eq "$#" ]
}
mode() {
	stat -c %a "$1"
}
pubkey() {
	openssl x509 -in "$1" -noout -pubkey
}
issued_by() {
	openssl verify -CAfile "$1" "$2" >/dev/null 2>&1
}
# rc CMD...: runs CMD, output in $T/out, echoes the exit status.
rc() {
	"$@" >"$T/out" 2>&1 && echo 0 || echo $?
}
LEAVES="etcd1/etcd1.pem etcd2/etcd2.pem etcd3/etcd3.pem clients/admin/admin.pem"
BUNDLES="etcd1/ca.pem etcd2/ca.pem etcd3/ca.pem clients/admin/ca.pem"
all_bundles() {
	for _b in $BUNDLES; do
		bundle_is "pki/$_b" "$@" || { echo "$_b"; return 1; }
	done
}
all_issued_by() {
	for _l in $LEAVES; do
		issued_by "$1" "pki/$_l" || { echo "$_l"; return 1; }
	done
}

# desc NAME: a three-member description on free ports (nothing listens
# there in the files part).
desc() {
	c1=$(free_port) c2=$(free_port) c3=$(free_port)
	p1=$(free_port) p2=$(free_port) p3=$(free_port)
	cat >"$1" <<EOF
{
    "name": "t-ca-rotate",
    "token": "t-ca-rotate-$$",
    "key": {"algo": "ecdsa", "size": 256},
    "members": [
        {"name": "etcd1", "ips": ["127.0.0.1"],
         "peer_urls": ["https://127.0.0.1:$p1"],
         "client_urls": ["https://127.0.0.1:$c1"], "data_dir": "$T/data1"},
        {"name": "etcd2", "ips": ["127.0.0.1"],
         "peer_urls": ["https://127.0.0.1:$p2"],
         "client_urls": ["https://127.0.0.1:$c2"], "data_dir": "$T/data2"},
        {"name": "etcd3", "ips": ["127.0.0.1"],
         "peer_urls": ["https://127.0.0.1:$p3"],
         "client_urls": ["https://127.0.0.1:$c3"], "data_dir": "$T/data3"}
    ],
    "clients": [{"name": "admin"}]
}
EOF
}

# ---- files only ----------------------------------------------------------
mkdir f && cd f || exit 1
desc d.json
check "cluster issue" "$E" cluster issue d.json -o pki
cp pki/ca.pem old-ca.pem
pubkey pki/etcd2/etcd2.pem >etcd2.pub

r=$(rc "$E" ca status -cluster d.json pki)
check "ca status: idle, exit 1 (no member answers)" \
    sh -c "[ $r -eq 1 ] && grep -q '^phase: idle (unverified' '$T/out'"
r=$(rc "$E" ca status -timeout 2h -cluster d.json pki)
check "ca status -timeout 2h: usage error (exit 2)" \
    sh -c "[ $r -eq 2 ] && grep -q 'need a duration from 1ms to 1h' '$T/out'"
t0=$(date +%s)
r=$(rc "$E" ca status -timeout 300ms -cluster d.json pki)
t1=$(date +%s)
check "ca status -timeout 300ms: still idle (unverified), exit 1, within 3 s" \
    sh -c "[ $r -eq 1 ] && grep -q '^phase: idle (unverified' '$T/out' &&
    [ $((t1 - t0)) -le 3 ]"
r=$(rc "$E" ca rotate -phase reissue -restart none -cluster d.json pki)
check "reissue while idle: exit 3, no rotation in progress" \
    sh -c "[ $r -eq 3 ] && grep -q 'no rotation in progress' '$T/out'"
r=$(rc "$E" ca rotate -phase drop-old -restart none -cluster d.json pki)
check "drop-old while idle: exit 3" sh -c "[ $r -eq 3 ]"
r=$(rc "$E" ca rotate -phase bogus -cluster d.json pki)
check "-phase bogus: usage error (exit 2)" sh -c "[ $r -eq 2 ]"
r=$(rc "$E" ca rotate -phase add-trust -restart none pki)
check "no -cluster: usage error (exit 2)" sh -c "[ $r -eq 2 ]"

# add-trust for one member only: as if a run stopped after it.
r=$(rc "$E" ca rotate -phase add-trust -restart none -member etcd1 \
    -cluster d.json pki)
check "add-trust -member etcd1: exit 10" sh -c "[ $r -eq 10 ]"
check "ca-next.pem and ca-next-key.pem (0600) written" \
    sh -c "[ -f pki/ca-next.pem ] && [ \$(stat -c %a pki/ca-next-key.pem) = 600 ]"
cp pki/ca-next.pem next-ca.pem
check "ca-next has ca.pem's subject and another key" sh -c "
    [ \"\$(openssl x509 -in pki/ca-next.pem -noout -subject)\" = \
      \"\$(openssl x509 -in pki/ca.pem -noout -subject)\" ] &&
    [ \"\$(openssl x509 -in pki/ca-next.pem -noout -pubkey)\" != \
      \"\$(openssl x509 -in pki/ca.pem -noout -pubkey)\" ] &&
    openssl x509 -in pki/ca-next.pem -noout -text | grep -q 'CA:TRUE'"
check "etcd1's bundle: old + new" bundle_is pki/etcd1/ca.pem old-ca.pem \
    next-ca.pem
check "etcd2's bundle untouched (old only)" bundle_is pki/etcd2/ca.pem \
    old-ca.pem
etcd1gen=$(readlink pki/etcd1/current)
r=$(rc "$E" ca rotate -phase reissue -restart none -cluster d.json pki)
check "reissue before add-trust is complete: exit 3 naming etcd2" \
    sh -c "[ $r -eq 3 ] && grep -q 'etcd2: .*does not hold the new CA' '$T/out'"
"$E" ca status -cluster d.json pki >st.txt 2>/dev/null || :
check "ca status: add-trust, etcd1 old+new, etcd2 old" sh -c "
    grep -q '^phase: add-trust' st.txt &&
    grep -q '^etcd1  *old+new  *old ' st.txt &&
    grep -q '^etcd2  *old  *old ' st.txt"
r=$(rc "$E" ca rotate -phase add-trust -restart none -cluster d.json pki)
check "add-trust resumes: exit 10" sh -c "[ $r -eq 10 ]"
check "ca-next kept" cmp -s pki/ca-next.pem next-ca.pem
check "etcd1 not rewritten" sh -c "[ \"\$(readlink pki/etcd1/current)\" = '$etcd1gen' ]"
check "every bundle: old + new" all_bundles old-ca.pem next-ca.pem
check "cluster verify after add-trust" "$E" cluster verify d.json pki
r=$(rc "$E" ca rotate -phase add-trust -restart none -cluster d.json pki)
check "add-trust again: exit 0 (complete)" sh -c "[ $r -eq 0 ]"
r=$(rc "$E" ca rotate -phase drop-old -restart none -cluster d.json pki)
check "drop-old during add-trust: exit 3" \
    sh -c "[ $r -eq 3 ] && grep -q 'ca-next.pem exists' '$T/out'"

# reissue: the switch, then every leaf.
r=$(rc "$E" ca rotate -phase reissue -restart none -cluster d.json pki)
check "reissue: exit 10" sh -c "[ $r -eq 10 ]"
check "ca.pem is the new CA, ca-prev.pem the old, ca-next gone" sh -c "
    cmp -s pki/ca.pem next-ca.pem && cmp -s pki/ca-prev.pem old-ca.pem &&
    [ ! -e pki/ca-next.pem ] && [ ! -e pki/ca-next-key.pem ]"
check "ca-key.pem and ca-prev-key.pem are 0600" sh -c "
    [ \$(stat -c %a pki/ca-key.pem) = 600 ] &&
    [ \$(stat -c %a pki/ca-prev-key.pem) = 600 ]"
check "every leaf is issued by the new CA" all_issued_by next-ca.pem
check "no leaf is issued by the old CA" sh -c "
    ! openssl verify -CAfile old-ca.pem pki/etcd1/etcd1.pem >/dev/null 2>&1"
check "the key is kept" sh -c "pubkey() { openssl x509 -in \"\$1\" -noout -pubkey; }
    [ \"\$(pubkey pki/etcd2/etcd2.pem)\" = \"\$(cat etcd2.pub)\" ]"
check "cluster verify after reissue" "$E" cluster verify d.json pki
r=$(rc "$E" ca rotate -phase reissue -restart none -cluster d.json pki)
check "reissue again: exit 0" sh -c "[ $r -eq 0 ]"
r=$(rc "$E" ca rotate -phase add-trust -restart none -cluster d.json pki)
check "add-trust during the rotation: exit 3" \
    sh -c "[ $r -eq 3 ] && grep -q 'ca-prev.pem exists' '$T/out'"
# A switch killed after its files were written leaves ca-next == ca.
cp pki/ca.pem pki/ca-next.pem
cp pki/ca-key.pem pki/ca-next-key.pem
r=$(rc "$E" ca rotate -phase reissue -restart none -cluster d.json pki)
check "an interrupted switch is finished: ca-next removed, exit 0" \
    sh -c "[ $r -eq 0 ] && [ ! -e pki/ca-next.pem ] && cmp -s pki/ca.pem next-ca.pem"
r=$(rc "$E" renew -cluster d.json -member etcd3 -force pki)
check "renew after the switch: exit 10" sh -c "[ $r -eq 10 ]"
check "renew signs with the new CA" issued_by next-ca.pem pki/etcd3/etcd3.pem
"$E" ca status -cluster d.json pki >st.txt 2>/dev/null || :
check "ca status: drop-old, bundles old+new, leaves new" sh -c "
    grep -q '^phase: drop-old' st.txt && grep -q '^etcd3  *old+new  *new ' st.txt &&
    grep -q '^admin  *old+new  *new' st.txt"

# drop-old: bundles := the new CA only, the old one retired.
serial=$(openssl x509 -in old-ca.pem -noout -serial | sed 's/^serial=//' |
    tr 'A-F' 'a-f' | sed 's/^0*//')
r=$(rc "$E" ca rotate -phase drop-old -restart none -cluster d.json pki)
check "drop-old: exit 10" sh -c "[ $r -eq 10 ]"
check "every bundle: the new CA only" all_bundles next-ca.pem
check "ca-prev retired as ca-retired-SERIAL.pem, key 0600" sh -c "
    [ ! -e pki/ca-prev.pem ] && [ ! -e pki/ca-prev-key.pem ] &&
    ls pki/ca-retired-*.pem | grep -q '$serial' &&
    cmp -s pki/ca-retired-*[0-9a-f].pem old-ca.pem &&
    [ \$(stat -c %a pki/ca-retired-*-key.pem) = 600 ]"
check "cluster verify after drop-old" "$E" cluster verify d.json pki
r=$(rc "$E" ca rotate -phase drop-old -restart none -cluster d.json pki)
check "drop-old again: exit 0" sh -c "[ $r -eq 0 ]"
"$E" ca status -cluster d.json -o json pki >st.json 2>/dev/null || :
check "ca status -o json: version 1, phase idle, no next/prev" "$PY" -c '
import json, sys
d = json.load(open("st.json"))
assert d["version"] == 1 and d["phase"] == "idle", d
assert d["next"] is None and d["prev"] is None and not d["verified"]
assert [m["name"] for m in d["members"]] == ["etcd1", "etcd2", "etcd3"]
assert d["clients"][0]["leaf"] == "ca"'
cd "$T" || exit 1

# ---- live: three members, restarted by hand ------------------------------
for c in etcd etcdctl; do
	if ! need_cmd "$c"; then
		skip 16 "$c not installed"
		finish
	fi
done
LIMIT=${T_ETCD_LIMIT:-150}
: "${BG_GRACE:=3}"
time_limit "$LIMIT"
mkdir l && cd l || exit 1
desc d.json
diag "client ports $c1 $c2 $c3, peer ports $p1 $p2 $p3"
check "live: cluster issue" "$E" cluster issue d.json -o pki

start_member() {
	etcd --config-file "$T/l/pki/etcd$1/etcd.conf.yml" \
	    >>"$T/etcd$1.log" 2>&1 &
	eval "pid$1=\$!"
	bg_pid $!
}
stop_member() {
	eval "_p=\$pid$1"
	kill "$_p" 2>/dev/null
	wait "$_p" 2>/dev/null
}
ADMIN=$T/l/pki/clients/admin/etcdctl.env
healthy() (
	. "$ADMIN"
	timeout 8 etcdctl --dial-timeout 2s --command-timeout 3s \
	    endpoint health
)
restart_all() {
	for _n in 1 2 3; do
		stop_member "$_n"
		start_member "$_n"
		wait_for 30 healthy || return 1
	done
}
start_member 1
start_member 2
start_member 3
if wait_for 40 healthy; then
	pass "live: three members healthy"
else
	fail "live: three members healthy"
	for n in 1 2 3; do tail -n 5 "$T/etcd$n.log" | sed 's/^/#   /'; done
fi
status() {
	"$E" ca status -cluster d.json pki >st.txt 2>st.err || :
}
check "live: ca status: idle, exit 0, every member serves and trusts the CA" \
    sh -c "'$E' ca status -cluster d.json pki >st.txt &&
    grep -q '^phase: idle$' st.txt &&
    [ \$(grep -c '^etcd[123]  *ca  *ca  *ca  *ca  *yes  *yes' st.txt) -eq 3 ]"
r=$(rc "$E" ca rotate -phase add-trust -restart none -cluster d.json pki)
check "live: add-trust -restart none: exit 10, restart advice" sh -c "
    [ $r -eq 10 ] && grep -q 'restart by hand.*etcd1 etcd2 etcd3' '$T/out'"
status
check "live: ca status: add-trust, members do not trust the new CA yet" sh -c "
    grep -q '^phase: add-trust$' st.txt &&
    [ \$(grep -c '^etcd[123]  *old+new  *old  *old  *old  *no  *yes' st.txt) -eq 3 ]"
r=$(rc "$E" ca rotate -phase reissue -restart none -cluster d.json pki)
check "live: reissue refused until the members restart (exit 3)" sh -c "
    [ $r -eq 3 ] && grep -q 'does not accept client certificates of the new CA' '$T/out'"
check "live: restart the members one at a time" restart_all
status
check "live: ca status: reissue, every member trusts old and new" sh -c "
    grep -q '^phase: reissue$' st.txt &&
    [ \$(grep -c '^etcd[123]  *old+new  *old  *old  *old  *yes  *yes' st.txt) -eq 3 ]"
r=$(rc "$E" ca rotate -phase reissue -restart none -cluster d.json pki)
check "live: reissue: exit 10" sh -c "[ $r -eq 10 ]"
status
check "live: ca status: drop-old, new leaves served (hot reload)" sh -c "
    grep -q '^phase: drop-old$' st.txt &&
    [ \$(grep -c '^etcd[123]  *old+new  *new  *new  *new  *yes  *yes' st.txt) -eq 3 ]"
check "live: the admin client works with its new certificate" healthy
r=$(rc "$E" ca rotate -phase drop-old -restart none -cluster d.json pki)
check "live: drop-old writes the bundles, waits for restarts (exit 10)" sh -c "
    [ $r -eq 10 ] && [ -e pki/ca-prev.pem ] && grep -q 'restart by hand' '$T/out'"
check "live: restart the members again" restart_all
status
check "live: ca status: drop-old, members refuse the old CA" sh -c "
    grep -q '^phase: drop-old$' st.txt &&
    [ \$(grep -c '^etcd[123]  *new  *new  *new  *new  *yes  *no' st.txt) -eq 3 ]"
r=$(rc "$E" ca rotate -phase drop-old -restart none -cluster d.json pki)
check "live: drop-old retires the old CA (exit 10), then idle" sh -c "
    [ $r -eq 10 ] && [ ! -e pki/ca-prev.pem ] &&
    '$E' ca status -cluster d.json pki | grep -q '^phase: idle$'"
check "live: the cluster is healthy" healthy
finish
