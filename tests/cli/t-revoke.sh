#!/bin/sh
# t-revoke.sh: gencrl and revoke.
#
# gencrl against the real cfssl gencrl for the same serials, CA and TIME,
# field by field (tests/cli/crlcmp.py): RSA 2048 and 4096 and ECDSA
# P-256 and P-384 CAs, empty and long lists, stdin, TIME as a number and
# (cfssl 1.2.0's way) as a file; where cfssl silently misreads a serial
# we refuse.  revoke -db-config against cfssl revoke on copies of the
# same database.  revoke -cluster: by name (every certificate of it), by
# serial (decimal, or hex as etcd logs it), reasons, a member no longer
# in the description, the CA refused, the CRL and its copies, cluster
# verify and cluster issue afterwards, the lock; cluster inventory.
. "$(dirname "$0")/setup.sh"

need_cmd cfssl || skip_all "cfssl (golang-cfssl) is not installed"
plan 51

cd "$T" || exit 1
E=$ETCD_PKI
PY=/usr/bin/python3
CMP=$TOP_SRCDIR/tests/cli/crlcmp.py

q() {
	"$PY" -c 'import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
for row in db.execute(sys.argv[2]):
    print("|".join("" if v is None else str(v) for v in row))' "$1" "$2"
}
serial() {
	"$PY" -c 'import sys
from cryptography import x509
print(x509.load_pem_x509_certificate(open(sys.argv[1], "rb").read()).serial_number)' "$1"
}
# b64der FILE OUT: base64 text (one line) to DER.
b64der() {
	"$PY" -c 'import base64, sys
data = open(sys.argv[1]).read()
assert data.endswith("\n") and data.count("\n") == 1, repr(data[-20:])
open(sys.argv[2], "wb").write(base64.b64decode(data.strip(), validate=True))' \
	    "$1" "$2"
}

# ---- gencrl against cfssl gencrl ----------------------------------------
printf '%s\n' 123 456789 \
    340282366920938463463374607431768211455 \
    '' 1 >serials
: >empty
for k in rsa-2048 rsa-4096 ecdsa-256 ecdsa-384; do
	echo "{\"CN\": \"CRL test CA $k\", \"names\": [{\"O\": \"etcd-pki\", \"OU\": \"t\"}],
	  \"key\": {\"algo\": \"${k%-*}\", \"size\": ${k#*-}}}" >ca-$k.json
	cfssl gencert -initca ca-$k.json 2>/dev/null | cfssljson -bare ca-$k
done
echo 3600 >t3600
# gencrl_pair NAME SERIALS CA [TIME]: both tools, decoded to NAME.{ours,cfssl}.der
gencrl_pair() {
	_n=$1 _s=$2 _k=$3
	shift 3
	_rc=0
	"$E" gencrl "$_s" ca-$_k.pem ca-$_k-key.pem ${1:+"$1"} \
	    >"$_n.ours" 2>"$_n.err" || _rc=$?
	cfssl gencrl "$_s" ca-$_k.pem ca-$_k-key.pem ${2:+"$2"} \
	    >"$_n.cfssl" 2>/dev/null || _rc=$((_rc + 100))
	[ "$_rc" = 0 ] && b64der "$_n.ours" "$_n.ours.der" &&
	    b64der "$_n.cfssl" "$_n.cfssl.der"
}
for k in rsa-2048 rsa-4096 ecdsa-256 ecdsa-384; do
	if gencrl_pair g-$k serials $k; then
		check "gencrl $k, 4 serials: the same CRL as cfssl gencrl, field by field" \
		    "$PY" "$CMP" g-$k.ours.der g-$k.cfssl.der ca-$k.pem 604800
	else
		fail "gencrl $k: both tools exit 0 and print one line of base64"
	fi
done
gencrl_pair g-empty empty ecdsa-256 &&
    check "an empty list: an empty CRL, as cfssl's" \
    "$PY" "$CMP" g-empty.ours.der g-empty.cfssl.der ca-ecdsa-256.pem 604800 ||
    fail "an empty list: both tools exit 0"
gencrl_pair g-time serials ecdsa-256 3600 t3600 &&
    check "TIME 3600 (cfssl 1.2.0 reads it from a file): valid for an hour" \
    "$PY" "$CMP" g-time.ours.der g-time.cfssl.der ca-ecdsa-256.pem 3600 ||
    fail "TIME 3600: both tools exit 0"
rc=0
"$E" gencrl serials ca-ecdsa-256.pem ca-ecdsa-256-key.pem t3600 \
    >g-file.ours 2>g-file.err || rc=$?
check "TIME as a file, as cfssl 1.2.0: read, with a warning" sh -c "
    test $rc = 0 && grep -q '\[WARNING\] TIME: read from the file t3600, as cfssl 1.2.0 does' g-file.err &&
    '$PY' -c 'import base64, sys
from cryptography import x509
c = x509.load_der_x509_crl(base64.b64decode(open(\"g-file.ours\").read()))
assert (c.next_update - c.last_update).total_seconds() == 3600'"
rc=0
"$E" gencrl -strict serials ca-ecdsa-256.pem ca-ecdsa-256-key.pem t3600 \
    >g-file2.ours 2>g-file2.err || rc=$?
check "TIME as a file, -strict: refused, nothing printed" sh -c "
    test $rc = 1 && test ! -s g-file2.ours && grep -q '^etcd-pki: gencrl: TIME: read from the file t3600' g-file2.err"
echo -60 >tneg
rc=0
"$E" gencrl serials ca-ecdsa-256.pem ca-ecdsa-256-key.pem tneg \
    >g-neg.ours 2>g-neg.err || rc=$?
check "a negative TIME: a CRL whose next update is past, with a warning" sh -c "
    test $rc = 0 && test -s g-neg.ours && grep -q '\[WARNING\] TIME -60: the CRL.s next update is in the past' g-neg.err"
rc=0
"$E" gencrl -strict -- serials ca-ecdsa-256.pem ca-ecdsa-256-key.pem -60 \
    >g-neg2.ours 2>g-neg2.err || rc=$?
check "a negative TIME, -strict: refused, nothing printed" sh -c "
    test $rc = 1 && test ! -s g-neg2.ours && grep -q '^etcd-pki: gencrl: TIME -60: the CRL.s next update is in the past' g-neg2.err"
# A cfssl flag gencrl does not use: ignored as cfssl ignores it, with a
# warning; -strict makes it an error (etcd-pki(1) COMPATIBILITY).
rc=0
"$E" gencrl -ca ca-ecdsa-256.pem serials ca-ecdsa-256.pem \
    ca-ecdsa-256-key.pem >g-flag.ours 2>g-flag.err || rc=$?
check "gencrl -ca (cfssl's flag, unused): a CRL, one warning naming it" sh -c "
    test $rc = 0 && test -s g-flag.ours && grep -q '\[WARNING\] flag -ca is not used by gencrl; ignored, as cfssl ignores it' g-flag.err"
rc=0
"$E" gencrl -strict -ca ca-ecdsa-256.pem serials ca-ecdsa-256.pem \
    ca-ecdsa-256-key.pem >g-flag2.ours 2>g-flag2.err || rc=$?
check "gencrl -strict -ca: refused, nothing printed" sh -c "
    test $rc = 1 && test ! -s g-flag2.ours && grep -q 'etcd-pki: gencrl: flag -ca is not used by gencrl; cfssl ignores it' g-flag2.err"
rc=0
"$E" gencrl serials ca-ecdsa-256.pem ca-ecdsa-256-key.pem 0x3c \
    >g-hex.ours 2>/dev/null || rc=$?
check "TIME 0x3c (Go's ParseInt base prefixes): a minute" sh -c "
    test $rc = 0 && '$PY' -c 'import base64
from cryptography import x509
c = x509.load_der_x509_crl(base64.b64decode(open(\"g-hex.ours\").read()))
assert (c.next_update - c.last_update).total_seconds() == 60'"
rc=0
"$E" gencrl - ca-ecdsa-256.pem ca-ecdsa-256-key.pem <serials \
    >g-stdin.ours 2>/dev/null || rc=$?
check "SERIALS from standard input (-)" sh -c "
    test $rc = 0 && '$PY' -c 'import base64
from cryptography import x509
c = x509.load_der_x509_crl(base64.b64decode(open(\"g-stdin.ours\").read()))
assert len(list(c)) == 4'"
check "openssl reads it and verifies its signature" sh -c '
    base64 -d g-ecdsa-256.ours >o.der &&
    openssl crl -inform DER -in o.der -CAfile ca-ecdsa-256.pem -noout 2>&1 |
    grep -q "verify OK"'
printf '12\n4CA9F8\n' >hexserials
rc=0
"$E" gencrl hexserials ca-ecdsa-256.pem ca-ecdsa-256-key.pem >hx.out \
    2>hx.err || rc=$?
cfssl gencrl hexserials ca-ecdsa-256.pem ca-ecdsa-256-key.pem 2>/dev/null |
    base64 -d >hx.cfssl.der
check "a hex serial: cfssl revokes another number; ours refuses, naming the line" sh -c "
    test $rc = 1 && test ! -s hx.out &&
    grep -q 'hexserials: line 2: \"4CA9F8\" is not a decimal serial number' hx.err &&
    '$PY' -c 'from cryptography import x509
c = x509.load_der_x509_crl(open(\"hx.cfssl.der\", \"rb\").read())
assert 0x4CA9F8 not in [r.serial_number for r in c], \"cfssl got it right\"'"
rc=0
"$E" gencrl serials ca-ecdsa-256.pem >few.out 2>few.err || rc=$?
check "two arguments: cfssl's message, exit 1" sh -c "
    test $rc = 1 && grep -q 'not enough arguments are supplied --- please refer to the usage' few.err"
rc=0
"$E" gencrl serials ca-ecdsa-256.pem ca-rsa-2048-key.pem >mis.out 2>mis.err ||
    rc=$?
check "a key that is not the CA's: refused (cfssl signs a CRL nobody can verify)" \
    sh -c "test $rc = 1 && grep -q 'does not match' mis.err && test ! -s mis.out"
rc=0
"$E" gencrl serials ca-ecdsa-256.pem ca-ecdsa-256-key.pem 3000000000 \
    >big.out 2>big.err || rc=$?
check "TIME out of 32 bits: refused, as cfssl" sh -c \
    "test $rc = 1 && grep -q 'out of range' big.err"

# ---- revoke -db-config against cfssl revoke --------------------------------
cat >d.json <<'EOF'
{
    "name": "rv",
    "key": {"algo": "ecdsa", "size": 256},
    "signing": {"expiry": "1h"},
    "members": [
        {"name": "etcd1", "ips": ["127.0.0.1"]},
        {"name": "etcd2", "ips": ["127.0.0.2"]},
        {"name": "etcd3", "ips": ["127.0.0.3"]}
    ],
    "clients": [{"name": "admin"}, {"name": "ops"}]
}
EOF
"$E" cluster issue d.json -o pki >issue.out 2>&1
mkdir a b
cp pki/inventory.db a/
cp pki/inventory.db b/
echo '{"driver": "sqlite3", "data_source": "a/inventory.db"}' >a.json
echo '{"driver": "sqlite3", "data_source": "b/inventory.db"}' >b.json
s3=$(serial pki/etcd3/etcd3.pem)
aki=$(q pki/inventory.db "SELECT authority_key_identifier FROM certificates WHERE serial_number = '$s3'")
rc=0
"$E" revoke -db-config a.json -serial "$s3" -aki "$aki" -reason superseded \
    >a.out 2>&1 || rc=$?
cfssl revoke -db-config b.json -serial "$s3" -aki "$aki" -reason superseded \
    >b.out 2>&1
check "revoke -db-config: exit 0, silent, as cfssl revoke" sh -c \
    "test $rc = 0 && test ! -s a.out && test ! -s b.out"
check "...the same row, status and reason as cfssl's" test \
    "$(q a/inventory.db "SELECT serial_number, status, reason FROM certificates ORDER BY 1")" = \
    "$(q b/inventory.db "SELECT serial_number, status, reason FROM certificates ORDER BY 1")"
check "...a revocation time in CURRENT_TIMESTAMP's form, as cfssl's" test \
    "$(q a/inventory.db "SELECT length(revoked_at) FROM certificates WHERE serial_number = '$s3'")" = \
    "$(q b/inventory.db "SELECT length(revoked_at) FROM certificates WHERE serial_number = '$s3'")"
rc=0
"$E" revoke -db-config a.json -serial "$s3" \
    -aki "$(echo "$aki" | tr a-f A-F | sed 's/../&:/g; s/:$//')" \
    -reason 1 >/dev/null 2>&1 || rc=$?
check "-aki in certinfo's form (upper case, colons) finds it too" sh -c \
    "test $rc = 0 && test '$(q a/inventory.db "SELECT reason FROM certificates WHERE serial_number = '$s3'")' = 1"
for case in "serial:-aki $aki:serial number is required but not provided" \
    "aki:-serial 1:authority key id is required but not provided" \
    "dbconf:-serial 1 -aki ab:need DB config file (provide with -db-config)" \
    "notfound:-db-config a.json -serial 1 -aki ab:failed to revoke the certificate: certificate not found"; do
	n=${case%%:*}
	rest=${case#*:}
	args=${rest%%:*}
	msg=${rest#*:}
	rc=0
	# shellcheck disable=SC2086
	"$E" revoke $args >m-$n.out 2>&1 || rc=$?
	check "revoke $args: exit 1, \"$msg\"" sh -c \
	    "test $rc = 1 && grep -q '$msg' m-$n.out"
done
echo '{"driver": "postgres", "data_source": "postgres://x"}' >pg.json
rc=0
"$E" revoke -db-config pg.json -serial 1 -aki ab >pg.out 2>&1 || rc=$?
check "a postgres db-config: refused, saying why" sh -c \
    "test $rc = 1 && grep -q 'only sqlite3 is supported' pg.out"
rc=0
"$E" revoke -db-config a.json -serial 1 -aki ab -ca pki/ca.pem >ca.out 2>&1 ||
    rc=$?
check "-ca with revoke: refused with a reason (cfssl ignores it)" sh -c \
    "test $rc = 2 && grep -q -- '-ca: not used by revoke' ca.out"
rc=0
"$E" revoke -db-config a.json -serial "$s3" -aki "$aki" -reason 7 \
    >r7.out 2>&1 || rc=$?
check "-reason 7: refused (not assigned)" sh -c \
    "test $rc = 1 && grep -q 'reason 7 is not assigned' r7.out"

# ---- revoke -cluster ----------------------------------------------------
sadmin=$(serial pki/clients/admin/admin.pem)
rc=0
"$E" revoke -cluster d.json -reason keyCompromise pki admin >rv.out 2>&1 ||
    rc=$?
check "revoke -cluster admin: exit 0, says what it revoked and signed" sh -c "
    test $rc = 0 && grep -q 'clients/admin: serial $sadmin revoked (keyCompromise)' rv.out &&
    grep -q 'crl.der: signed (.*): CRL 2, 1 revoked' rv.out"
check "...the inventory records it (status, reason, time)" test \
    "$(q pki/inventory.db "SELECT status || ' ' || reason FROM certificates WHERE serial_number = '$sadmin'")" = \
    "revoked 1"
# As openssl prints it: upper case, an even number of digits.
hex=$("$PY" -c 'import sys; h = "%X" % int(sys.argv[1]); print("0" * (len(h) % 2) + h)' "$sadmin")
check "...crl.der and every member's copy list it with its reason" sh -c "
    for f in pki/crl.der pki/etcd1/crl.der pki/etcd2/crl.der pki/etcd3/crl.der; do
        openssl crl -inform DER -in \$f -noout -text >t.txt &&
        grep -q 'Serial Number: $hex' t.txt && grep -q 'Key Compromise' t.txt ||
        exit 1
    done
    cmp -s pki/crl.der pki/etcd2/crl.der && cmp -s pki/crl.pem pki/etcd2/crl.pem &&
    openssl crl -in pki/crl.pem -CAfile pki/ca.pem -noout 2>&1 | grep -q 'verify OK'"
check "...it warns that admin is still in the description" grep -q \
    "still in d.json: etcd refuses this certificate from now on" rv.out
rc=0
"$E" revoke -cluster d.json pki admin >again.out 2>&1 || rc=$?
check "revoking it again: exit 0, nothing new" sh -c "
    test $rc = 0 && grep -q 'was revoked already' again.out &&
    ! grep -q 'crl.der: signed' again.out"
"$E" cluster verify -horizon 1m d.json pki >v.out 2>&1 || :
check "cluster verify: admin.pem revoked" \
    grep -q "clients/admin/admin.pem: revoked (keyCompromise" v.out
k0=$(openssl pkey -in pki/clients/admin/admin-key.pem -pubout)
rc=0
"$E" cluster issue d.json -o pki >reissue.out 2>&1 || rc=$?
check "cluster issue reissues admin with a new key, the rest kept" sh -c "
    test $rc = 0 && grep -q 'reissued  clients/admin/admin.pem.*revoked' reissue.out &&
    grep -q '0 new, 1 reissued, 0 updated, 4 kept' reissue.out &&
    test \"\$(openssl pkey -in pki/clients/admin/admin-key.pem -pubout)\" != '$k0'"
check "...and cluster verify is clean again" \
    "$E" cluster verify -horizon 1m d.json pki

# By serial, in etcd's hex form (its log: "certificate serial <hex>").
s2=$(serial pki/etcd2/etcd2.pem)
hex2=$("$PY" -c 'import sys; print("%x" % int(sys.argv[1]))' "$s2")
colons=$(echo "$hex2" | sed 's/../&:/g; s/:$//')
rc=0
"$E" revoke -cluster d.json pki "$colons" -reason cessationOfOperation \
    >hex.out 2>&1 || rc=$?
check "revoke by serial with colons (hex): etcd2's certificate" sh -c "
    test $rc = 0 && grep -q 'etcd2: serial $s2 revoked (cessationOfOperation)' hex.out"
check "...CRL 3 lists two" sh -c \
    "openssl crl -inform DER -in pki/etcd1/crl.der -noout -text | grep -c 'Serial Number' | grep -qx 2"
# A member gone from the description is still found by name.
cp d.json d2.json
"$PY" -c 'import json
d = json.load(open("d2.json"))
d["members"] = [m for m in d["members"] if m["name"] != "etcd3"]
json.dump(d, open("d2.json", "w"))'
rc=0
"$E" revoke -cluster d2.json pki etcd3 >gone.out 2>&1 || rc=$?
check "revoke etcd3 after it left the description: found in the inventory" \
    sh -c "test $rc = 0 && grep -q 'etcd3: serial $s3 revoked' gone.out &&
    ! grep -q 'still in' gone.out"
rc=0
"$E" revoke -cluster d.json pki nosuch >no.out 2>&1 || rc=$?
check "an unknown name: exit 1, named" sh -c "test $rc = 1 &&
    grep -q 'nosuch: no certificate of that serial number or member or client name' no.out"
rc=0
"$E" revoke -cluster d.json pki ca >rca.out 2>&1 || rc=$?
check "the CA itself: refused (ca rotate replaces a CA)" sh -c \
    "test $rc = 1 && grep -q 'replace the CA with etcd-pki ca rotate' rca.out"
rc=0
"$E" revoke -cluster d.json pki admin -reason removeFromCRL >rm.out 2>&1 ||
    rc=$?
check "-reason removeFromCRL: refused (delta CRLs only)" sh -c \
    "test $rc = 1 && grep -q 'delta CRLs only' rm.out"
rc=0
"$E" revoke -cluster d.json -serial 1 pki admin >mix.out 2>&1 || rc=$?
check "-serial with -cluster: usage error" sh -c \
    "test $rc = 2 && grep -q 'with -cluster give DIR and a NAME or SERIAL' mix.out"
if need_cmd flock; then
	flock pki/.etcd-pki.lock sh -c \
	    "'$E' revoke -cluster d.json pki ops >lock.out 2>&1; echo \$? >lock.rc"
	check "the directory's lock is held by another run: exit 75, nothing revoked" \
	    sh -c "test \"\$(cat lock.rc)\" = 75 && test '$(q pki/inventory.db \
	    "SELECT status FROM certificates c JOIN etcd_pki_certificates e USING (serial_number, authority_key_identifier) WHERE e.name = 'ops'")' = good"
else
	skip "flock(1) not installed"
fi
check "no temporary file left" sh -c \
    '! find pki -name ".*" ! -name .etcd-pki.lock ! -name .etcd-pki.busy | grep .'

# ---- cluster inventory ---------------------------------------------------
"$E" cluster inventory pki >inv.out 2>&1
check "cluster inventory: the revoked ones with date and reason" sh -c "
    grep -Eq '^member +etcd2 +$s2 .* revoked [0-9T:-]+Z \\(cessationOfOperation\\)' inv.out &&
    grep -Eq '^client +admin +$sadmin .* revoked [0-9T:-]+Z \\(keyCompromise\\)' inv.out"
check "...the good ones, and who issued them" sh -c "
    grep -Eq '^client +ops +[0-9]+ +[0-9T:-]+Z +good +cluster issue; .*CN=ops' inv.out &&
    grep -Eq '^ca +ca +' inv.out"
"$E" cluster inventory -member admin pki >inva.out 2>&1
check "-member admin: its two certificates only" test \
    "$(grep -c '^client  admin ' inva.out)$(grep -vc -e '^client  admin ' -e '^KIND' inva.out)" = 20
rc=0
"$E" cluster inventory nodir >nd.out 2>&1 || rc=$?
check "no inventory: exit 1, one line" sh -c \
    "test $rc = 1 && test \$(wc -l <nd.out) = 1 && grep -q 'nodir/inventory.db' nd.out"

finish
