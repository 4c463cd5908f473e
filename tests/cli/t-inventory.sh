#!/bin/sh
# t-inventory.sh: the inventory (DIR/inventory.db) and the CRL outside
# cluster issue: every command that issues in cluster mode records what it
# issued (renew, ca renew, ca rotate), renew renews the CRL before its
# nextUpdate and signs it anew when the inventory's revocations change;
# and the real cfssl uses the same file: cfssl revoke and cfssl
# ocsprefresh/ocspdump read and change it, cfssl serve -db-config records
# what it signs in it.
. "$(dirname "$0")/setup.sh"

need_cmd cfssl || skip_all "cfssl (golang-cfssl) is not installed"
need_cmd curl || skip_all "curl is not installed"
plan 20

cd "$T" || exit 1
E=$ETCD_PKI
PY=/usr/bin/python3

# q SQL: the rows of SQL on pki/inventory.db, one per line, "|"-joined.
q() {
	"$PY" -c 'import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
for row in db.execute(sys.argv[2]):
    print("|".join("" if v is None else str(v) for v in row))' \
	    pki/inventory.db "$1"
}
# serial PEM: the certificate's serial in decimal.
serial() {
	"$PY" -c 'import sys
from cryptography import x509
print(x509.load_pem_x509_certificate(open(sys.argv[1], "rb").read()).serial_number)' "$1"
}
# crlnum DER: the CRL Number of a DER CRL (decimal).
crlnum() {
	"$PY" -c 'import sys
from cryptography import x509
c = x509.load_der_x509_crl(open(sys.argv[1], "rb").read())
print(c.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number)' "$1"
}
# origin SERIAL: "kind name origin" of a recorded certificate.
origin() {
	q "SELECT kind || ' ' || name || ' ' || origin FROM etcd_pki_certificates WHERE serial_number = '$1'"
}

cat >d.json <<'EOF'
{
    "name": "inv",
    "key": {"algo": "ecdsa", "size": 256},
    "signing": {"expiry": "1h", "crl_expiry": "2m"},
    "members": [
        {"name": "etcd1", "ips": ["127.0.0.1"]},
        {"name": "etcd2", "ips": ["127.0.0.2"]}
    ],
    "clients": [{"name": "admin"}, {"name": "ops"}]
}
EOF
"$E" cluster issue d.json -o pki >issue.out 2>&1
check "cluster issue records the CA and the four leaves" test \
    "$(q "SELECT count(*) FROM etcd_pki_certificates WHERE origin = 'cluster issue'")" = 5

# ---- renew records, and renews the CRL ------------------------------------
# The CRL lives 2 minutes: with -renew-before 119s (no stagger) it is due
# a second after it was signed; the leaves (55 minutes left) are not.
sleep 1.2
rc=0
"$E" renew -force -renew-before 119s -stagger 0% -cluster d.json \
    -member etcd1 pki >renew.out 2>&1 || rc=$?
check "renew -force -member etcd1: exit 10" test "$rc" = 10
check "renew records the new certificate (origin renew)" test \
    "$(origin "$(serial pki/etcd1/etcd1.pem)")" = "member etcd1 renew"
check "renew signed the CRL anew before its next update (due)" \
    grep -q 'crl.der: signed (due): CRL 2' renew.out
check "...and copied it to every member" test "$(crlnum pki/etcd2/crl.der)" = 2
rc=0
"$E" renew -cluster d.json pki >again.out 2>&1 || rc=$?
check "renew again (a third of 2 minutes): nothing due, exit 0" sh -c \
    "test $rc = 0 && ! grep -q 'crl.der: signed' again.out"
sleep 1.2
rc=0
"$E" renew -dry-run -renew-before 119s -stagger 0% -cluster d.json pki \
    >dry.out 2>&1 || rc=$?
check "renew -dry-run when it is due: says so, changes nothing" sh -c \
    "test $rc = 10 && grep -q 'crl.der: would be signed anew (due)' dry.out &&
     test $(crlnum pki/crl.der) = 2"
sed 's/"2m"/"1s"/' d.json >e.json
"$E" cluster issue e.json -o pki-e >/dev/null 2>&1
sleep 1.2
rc=0
"$E" renew -dry-run -cluster e.json pki-e >e.out 2>&1 || rc=$?
check "a CRL past its next update: due whatever the policy" sh -c \
    "test $rc = 10 &&
     grep -q 'crl.der: would be signed anew (its next update has passed)' e.out"

# ---- the real cfssl on the same file ------------------------------------
sa=$(serial pki/clients/admin/admin.pem)
aki=$(q "SELECT authority_key_identifier FROM certificates WHERE serial_number = '$sa'")
rc=0
cfssl revoke -db-config pki/db-config.json -serial "$sa" -aki "$aki" \
    -reason keyCompromise >cfrev.out 2>&1 || rc=$?
check "cfssl revoke -db-config finds admin's row by serial and AKI" sh -c \
    "test $rc = 0 && test \"\$(cat cfrev.out)\" = ''"
check "...and marks it revoked, reason 1" test \
    "$(q "SELECT status || ' ' || reason FROM certificates WHERE serial_number = '$sa'")" = "revoked 1"
rc=0
"$E" renew -cluster d.json pki >after.out 2>&1 || rc=$?
# As openssl prints it: upper case, an even number of digits.
hex=$("$PY" -c 'import sys; h = "%X" % int(sys.argv[1]); print("0" * (len(h) % 2) + h)' "$sa")
openssl crl -inform DER -in pki/etcd1/crl.der -noout -text >crl.txt
check "renew then lists it in a new CRL, with its reason" sh -c "
    test $rc = 10 && grep -q 'crl.der: signed (' after.out &&
    grep -q 'Key Compromise' crl.txt && grep -q 'Serial Number: $hex' crl.txt"
"$E" cluster verify d.json pki >v.out 2>&1 || :
check "cluster verify: admin.pem is revoked" \
    grep -q "clients/admin/admin.pem: revoked (keyCompromise" v.out

rc=0
cfssl ocsprefresh -db-config pki/db-config.json -ca pki/ca.pem \
    -responder pki/ca.pem -responder-key pki/ca-key.pem >ocsp.out 2>&1 ||
    rc=$?
check "cfssl ocsprefresh reads every unexpired row" sh -c \
    "test $rc = 0 && test $(q 'SELECT count(*) FROM ocsp_responses') -ge 5"
cfssl ocspdump -db-config pki/db-config.json >dump.b64 2>/dev/null || :
check "its OCSP answers: admin revoked (keyCompromise), etcd2 good" \
    "$PY" - dump.b64 "$sa" "$(serial pki/etcd2/etcd2.pem)" <<'EOF'
import base64, sys
from cryptography.x509 import ocsp
want = {int(sys.argv[2]): "REVOKED", int(sys.argv[3]): "GOOD"}
seen = {}
for line in open(sys.argv[1]):
    line = line.strip()
    if not line:
        continue
    r = ocsp.load_der_ocsp_response(base64.b64decode(line))
    seen[r.serial_number] = r.certificate_status.name
    if r.serial_number == int(sys.argv[2]):
        assert r.revocation_reason.name == "key_compromise", r.revocation_reason
for s, st in want.items():
    assert seen.get(s) == st, (s, seen.get(s), st)
EOF

# cfssl serve -db-config records what it signs in the same inventory.
port=$(free_port)
cat >serve-config.json <<'EOF'
{"signing": {"default": {"expiry": "1h", "usages": ["client auth"]}}}
EOF
cfssl serve -address 127.0.0.1 -port "$port" -ca pki/ca.pem \
    -ca-key pki/ca-key.pem -config serve-config.json \
    -db-config pki/db-config.json >serve.log 2>&1 &
bg_pid $!
wait_for 10 curl -s -o /dev/null -d '{}' \
    "http://127.0.0.1:$port/api/v1/cfssl/info" ||
    diag "cfssl serve did not come up: $(tail -n 3 serve.log)"
echo '{"CN": "remote", "key": {"algo": "ecdsa", "size": 256}}' >remote.json
"$E" gencert -remote "127.0.0.1:$port" remote.json 2>/dev/null |
    "$E" json -bare remote >/dev/null 2>&1 || :
sr=$(serial remote.pem 2>/dev/null || echo none)
check "cfssl serve -db-config recorded what it signed in the inventory" \
    test "$(q "SELECT count(*) FROM certificates WHERE serial_number = '$sr'")" = 1

# ---- ca renew and ca rotate record the CAs and leaves they issue ---------
rc=0
"$E" ca renew -cluster d.json pki >carenew.out 2>&1 || rc=$?
check "ca renew -cluster records the renewed CA (origin ca renew)" sh -c \
    "test $rc = 0 && test \"$(origin "$(serial pki/ca.pem)")\" = 'ca ca ca renew'"
"$E" ca rotate -phase add-trust -restart none -cluster d.json pki \
    >add.out 2>&1 || :
check "ca rotate add-trust records the next CA (origin ca rotate)" test \
    "$(origin "$(serial pki/ca-next.pem)")" = "ca ca ca rotate"
"$E" ca rotate -phase reissue -restart none -cluster d.json pki \
    >reissue.out 2>&1 || :
check "ca rotate reissue records the four leaves it reissued" test \
    "$(q "SELECT count(*) FROM etcd_pki_certificates WHERE origin = 'ca rotate' AND kind != 'ca'")" = 4
check "...and signs the CRL with the new CA" sh -c \
    "openssl crl -inform DER -in pki/crl.der -CAfile pki/ca.pem -noout 2>&1 |
     grep -q 'verify OK'"
missing=
for f in pki/ca.pem pki/ca-prev.pem pki/etcd1/etcd1.pem pki/etcd2/etcd2.pem \
    pki/clients/admin/admin.pem pki/clients/ops/ops.pem; do
	[ "$(q "SELECT count(*) FROM certificates WHERE serial_number = '$(serial $f)'")" = 1 ] ||
	    missing="$missing $f"
done
check "every certificate on disk is in the inventory" test -z "$missing"

finish
