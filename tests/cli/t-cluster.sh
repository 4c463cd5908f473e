#!/bin/sh
# t-cluster.sh: cluster issue and cluster verify on real files.
#
# The guide's example (ECDSA here, for speed) is issued, checked with
# openssl and GnuTLS, compared with what the real cfssl signs from the
# same CSRs and profile, re-issued (idempotent), changed (drift: only what
# changed is re-issued), damaged in every way verify must catch, and
# issued as CI fixtures (-members, short and expired validity).  The
# files of revocation: the CRL with its copies, etcd.env, the inventory.
. "$(dirname "$0")/setup.sh"

plan 73

cd "$T" || exit 1
E=$ETCD_PKI
sum_all() {
	# checksums of every file under $1, sorted by path
	(cd "$1" && find . -type f ! -name .etcd-pki.lock | LC_ALL=C sort |
	    xargs sha256sum)
}
# edit_json FILE PYTHON-EXPR-ON-d: rewrites a JSON description.
edit_json() {
	/usr/bin/python3 - "$1" "$2" <<'EOF'
import json, sys
p, expr = sys.argv[1], sys.argv[2]
d = json.load(open(p))
exec(expr)
json.dump(d, open(p, "w"), indent=4)
EOF
}

# ---- the example ------------------------------------------------------
"$E" cluster init -key-algo ecdsa-256 >desc.json 2>init.err
check "cluster init -key-algo ecdsa-256 writes a description" \
    grep -q '"algo": "ecdsa"' desc.json
rc=0
"$E" cluster issue desc.json -o out >issue.out 2>issue.err || rc=$?
check "cluster issue exits 0" test "$rc" = 0
check "it reports four new certificates" \
    grep -q "0 reissued, 0 updated, 0 kept" issue.err
check "every member and the admin client have their files" sh -c '
    for m in etcd1 etcd2 etcd3; do
        for f in $m.pem $m-key.pem $m.csr $m-csr.json ca.pem etcd.conf.yml \
            etcdctl.env; do test -s out/$m/$f || { echo out/$m/$f; exit 1; }
        done
    done
    for f in admin.pem admin-key.pem admin.csr admin-csr.json ca.pem \
        etcdctl.env kube-apiserver.flags; do
        test -s out/clients/admin/$f || exit 1; done
    test -s out/ca.pem && test -s out/ca-key.pem && test -s out/ca.csr'
check "keys are 0600, certificates 0644 (umask 022)" sh -c '
    test "$(stat -c %a out/ca-key.pem out/etcd1/etcd1-key.pem \
        out/clients/admin/admin-key.pem | sort -u)" = 600 &&
    test "$(stat -c %a out/etcd2/etcd2.pem out/etcd2/etcd2.csr)" = "644
644"'
check "no temporary directory is left" sh -c \
    '! find out -name ".*" ! -name .etcd-pki.lock | grep .'
check "an empty CRL, signed by the CA, beside every member's ca.pem" sh -c '
    openssl crl -inform DER -in out/crl.der -CAfile out/ca.pem -noout \
        2>&1 | grep -q "verify OK" &&
    openssl crl -in out/crl.pem -noout -text | grep -q "No Revoked" &&
    for m in etcd1 etcd2 etcd3; do
        cmp -s out/crl.der out/$m/crl.der && cmp -s out/crl.pem out/$m/crl.pem ||
            exit 1
    done
    test ! -e out/clients/admin/crl.der'
check "etcd.env: the member's settings, the CRL for both ports" sh -c "
    grep -qx \"ETCD_CLIENT_CRL_FILE='\$(cd out && pwd)/etcd2/crl.der'\" \
        out/etcd2/etcd.env &&
    grep -qx \"ETCD_PEER_CRL_FILE='\$(cd out && pwd)/etcd2/crl.der'\" \
        out/etcd2/etcd.env &&
    grep -qx \"ETCD_INITIAL_CLUSTER_STATE='new'\" out/etcd2/etcd.env &&
    ! grep -q crl out/etcd2/etcd.conf.yml"
check "the inventory records the CA and the four leaves" sh -c "
    test \"\$(/usr/bin/python3 -c 'import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
print(db.execute(\"SELECT group_concat(kind || \x27:\x27 || name, \x27 \x27) FROM \"
    \"(SELECT kind, name FROM etcd_pki_certificates ORDER BY kind, name)\").fetchone()[0])
' out/inventory.db)\" = 'ca:ca client:admin member:etcd1 member:etcd2 member:etcd3'"
check "db-config.json names it for cfssl" sh -c \
    "grep -q '\"data_source\": \"'\"\$(cd out && pwd)\"'/inventory.db\"' out/db-config.json"
check "the new inventory: 0644, sound, an ordinary rollback journal" sh -c "
    test \"\$(stat -c %a out/inventory.db)\" = 644 &&
    test \"\$(/usr/bin/python3 -c 'import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
print(db.execute(\"PRAGMA integrity_check\").fetchone()[0],
    db.execute(\"PRAGMA journal_mode\").fetchone()[0])
' out/inventory.db)\" = 'ok delete'"
# A killed run leaves the temporary files of its last file set (the new
# inventory, a new CA key): the next run removes them, and only what has
# such a name for a file it writes there.
mkdir sweep && : >sweep/.inventory.db.0a1B2c && : >sweep/.ca-key.pem.Zz09aQ &&
    : >sweep/.crl.pem.old.abcdef && : >sweep/.inventory.db.0a1b2c3 &&
    : >sweep/.notours.db.abcdef && ln -s ca.pem sweep/.ca.pem.c0ffee
rc=0
"$E" cluster issue desc.json -o sweep >sweep.out 2>sweep.err || rc=$?
check "cluster issue removes the temporary files a killed run left" sh -c "
    test $rc = 0 && test ! -e sweep/.inventory.db.0a1B2c &&
    test ! -e sweep/.ca-key.pem.Zz09aQ && test ! -e sweep/.crl.pem.old.abcdef &&
    test -e sweep/.inventory.db.0a1b2c3 && test -e sweep/.notours.db.abcdef &&
    test -L sweep/.ca.pem.c0ffee && test -s sweep/inventory.db"
: >sweep/etcd2/.etcd2-key.pem.Q1w2E3 && : >sweep/etcd2/.etcd2-key.pem.Q1w2E
rc=0
"$E" cluster issue desc.json -o sweep >sweep.out 2>sweep.err || rc=$?
check "... and in a member's directory" sh -c "
    test $rc = 0 && test ! -e sweep/etcd2/.etcd2-key.pem.Q1w2E3 &&
    test -e sweep/etcd2/.etcd2-key.pem.Q1w2E"
check "openssl verify: every certificate chains to ca.pem" \
    openssl verify -CAfile out/ca.pem out/etcd1/etcd1.pem \
    out/etcd2/etcd2.pem out/etcd3/etcd3.pem out/clients/admin/admin.pem
if need_cmd certtool; then
	check "GnuTLS certtool verifies etcd2.pem against ca.pem" sh -c \
	    'certtool --verify --load-ca-certificate out/ca.pem \
	    --infile out/etcd2/etcd2.pem | grep -q "Chain verification output: Verified"'
else
	skip "certtool not installed"
fi
check "peer certificates: server auth and client auth" sh -c '
    openssl x509 -in out/etcd1/etcd1.pem -noout -ext extendedKeyUsage |
    grep -q "TLS Web Server Authentication, TLS Web Client Authentication"'
check "the admin certificate: client auth only" sh -c '
    openssl x509 -in out/clients/admin/admin.pem -noout \
        -ext extendedKeyUsage >eku.txt &&
    grep -q "TLS Web Client Authentication" eku.txt &&
    ! grep -q "Server" eku.txt'
check "all-members: etcd3's certificate names every member and the local names" sh -c '
    openssl x509 -in out/etcd3/etcd3.pem -noout -ext subjectAltName >san.txt
    for n in DNS:etcd1.example.internal DNS:etcd2.example.internal \
        IP\ Address:192.0.2.11 IP\ Address:192.0.2.12 IP\ Address:192.0.2.13 \
        DNS:localhost IP\ Address:127.0.0.1 IP\ Address:0:0:0:0:0:0:0:1; do
        grep -q "$n" san.txt || { echo "no $n"; cat san.txt; exit 1; }
    done'
check "each key matches its certificate" sh -c '
    for m in etcd1 etcd2 etcd3; do
        a=$(openssl x509 -in out/$m/$m.pem -noout -pubkey) &&
        b=$(openssl pkey -in out/$m/$m-key.pem -pubout) &&
        test "$a" = "$b" || exit 1
    done'
check "the member CSR JSON has the guide's shape" sh -c '
    head -2 out/etcd1/etcd1-csr.json | grep -q "^    \"CN\": \"etcd1\""'
check "cluster verify: no problems" "$E" cluster verify desc.json out

# The real cfssl signs the member's CSR under the guide's peer profile:
# the same certificate but for serial and signature.
if need_cmd cfssl && [ -x /usr/bin/cfssl ]; then
	cp "$TOP_SRCDIR/examples/guide/request-config.json" .
	cfssl_sign() {
		/usr/bin/cfssl sign -ca out/ca.pem -ca-key out/ca-key.pem \
		    -config request-config.json -profile peer \
		    out/etcd2/etcd2.csr 2>/dev/null >signed.json &&
		    /usr/bin/python3 -c 'import json,sys
sys.stdout.write(json.load(open("signed.json"))["cert"])' >cfssl-etcd2.pem &&
		    /usr/bin/python3 "$TOP_SRCDIR/tests/cli/certcmp.py" \
		    --same-key cfssl-etcd2.pem out/etcd2/etcd2.pem
	}
	check "cfssl sign of etcd2.csr (peer profile) gives the same certificate" \
	    cfssl_sign
else
	skip "cfssl not installed"
fi

# ---- idempotency and drift ------------------------------------------
sum_all out >before.sum
"$E" cluster issue desc.json -o out >again.out 2>again.err
check "re-running issues nothing" grep -q \
    "0 new, 0 reissued, 0 updated, 4 kept" again.err
sum_all out >after.sum
check "re-running changes no byte" cmp before.sum after.sum

edit_json desc.json 'd["san_policy"] = "own"'
"$E" cluster issue desc.json -o out >own.out 2>own.err
check "san_policy own: the three peers are re-issued, the client kept" \
    grep -q "0 new, 3 reissued, 0 updated, 1 kept" own.err
sum_all out >own.sum
edit_json desc.json 'd["members"][1]["ips"] = ["192.0.2.22"]'
"$E" cluster issue desc.json -o out >drift.out 2>drift.err
check "an IP change re-issues that member only" \
    grep -q "1 reissued, .* 3 kept" drift.err
check "the report says why" grep -q \
    "reissued  etcd2/etcd2.pem.*SANs missing from the certificate: IP:192.0.2.22" \
    drift.out
sum_all out >drift.sum
check "no key, certificate or request of etcd1, etcd3 or the client changed" sh -c '
    diff own.sum drift.sum | grep "^[<>]" | grep -v "\./etcd2/" |
    grep -v -e "/etcd.conf.yml\$" -e "/etcd.env\$" -e "/etcdctl.env\$" \
        -e "/kube-apiserver.flags\$" -e "/inventory.db\$" | grep . && exit 1
    diff own.sum drift.sum | grep -q "\./etcd2/etcd2.pem"'
# the others' etcd.conf.yml and etcdctl.env name etcd2's new URLs
check "...only the fragments that name etcd2's URLs are updated" sh -c \
    'grep -q "updated   etcd1/etcd.conf.yml" drift.out &&
     grep -q "updated   clients/admin/etcdctl.env" drift.out &&
     grep -q "updated   clients/admin/kube-apiserver.flags" drift.out'

edit_json desc.json 'd["signing"]["expiry"] = "8760h"'
"$E" cluster issue desc.json -o out >exp.out 2>exp.err
check "a profile change (expiry) re-issues every certificate" \
    grep -q "0 new, 4 reissued" exp.err
check "...saying the validity differs" \
    grep -q "validity length differs from profile" exp.out
check "verify after the changes: no problems" "$E" cluster verify desc.json out

printf '# hand edit\n' >>out/etcd3/etcd.conf.yml
"$E" cluster issue desc.json -o out >edit.out 2>edit.err
check "a hand-edited etcd.conf.yml is rewritten alone" sh -c \
    'grep -q "0 reissued, 1 updated, 4 kept" edit.err &&
     ! grep -q "hand edit" out/etcd3/etcd.conf.yml'

# ---- the CA is never replaced ------------------------------------------
cp out/ca-key.pem ca-key.save
mv out/ca.pem ca.pem.save
rc=0
"$E" cluster issue desc.json -o out >noca.out 2>noca.err || rc=$?
check "ca-key.pem without ca.pem: refused" sh -c \
    "test $rc = 1 && grep -q 'ca-key.pem exists without ca.pem' noca.err"
check "...and the CA key is untouched" cmp ca-key.save out/ca-key.pem
mv ca.pem.save out/ca.pem
mkdir other
"$E" cluster issue -members 1 -o other >/dev/null 2>&1
cp other/ca-key.pem out/ca-key.pem
rc=0
"$E" cluster issue desc.json -o out >mis.out 2>mis.err || rc=$?
check "a CA key that does not match ca.pem: refused" sh -c \
    "test $rc = 1 && grep -q 'does not match' mis.err"
cp ca-key.save out/ca-key.pem

# ---- verify catches each defect --------------------------------------
# defect NAME EXPECTED-LINE-REGEX SETUP UNDO
defect() {
	_d=$1 _re=$2
	sh -c "$3"
	_rc=0
	"$E" cluster verify desc.json out >v.out 2>v.err || _rc=$?
	if [ "$_rc" = 1 ] && grep -Eq "$_re" v.out; then
		pass "verify catches: $_d"
	else
		fail "verify catches: $_d (exit $_rc)"
		sed 's/^/#   /' v.out v.err
	fi
	sh -c "$4"
}
defect "a world-readable key" "etcd1/etcd1-key.pem: mode 0644" \
    "chmod 644 out/etcd1/etcd1-key.pem" "chmod 600 out/etcd1/etcd1-key.pem"
defect "a key that does not match" "etcd1-key.pem does not match etcd1.pem" \
    "cp out/etcd1/etcd1-key.pem k1; cp out/etcd3/etcd3-key.pem out/etcd1/etcd1-key.pem" \
    "cp k1 out/etcd1/etcd1-key.pem"
defect "a certificate from another CA" "etcd2.pem: not issued by the cluster CA" \
    "cp out/etcd2/etcd2.pem c2; cp other/m1/m1.pem out/etcd2/etcd2.pem" \
    "cp c2 out/etcd2/etcd2.pem"
defect "a client certificate used as a peer's" \
    "etcd3/extended key usage TLS Web Server Authentication missing" \
    "cp out/etcd3/etcd3.pem c3; cp out/clients/admin/admin.pem out/etcd3/etcd3.pem" \
    "cp c3 out/etcd3/etcd3.pem"
defect "a missing member directory" "^out/etcd2/: missing" \
    "mv out/etcd2 etcd2.save" "mv etcd2.save out/etcd2"
defect "an edited etcdctl.env" "clients/admin/etcdctl.env: differs" \
    "cp out/clients/admin/etcdctl.env env.save; echo x >>out/clients/admin/etcdctl.env" \
    "cp env.save out/clients/admin/etcdctl.env"
defect "a SAN the description now requires" \
    "SANs missing from the certificate: DNS:etcd1.new.example" \
    "cp desc.json d.save; /usr/bin/python3 -c 'import json; d=json.load(open(\"desc.json\")); d[\"members\"][0][\"dns\"].append(\"etcd1.new.example\"); json.dump(d, open(\"desc.json\",\"w\"))'" \
    "cp d.save desc.json"
defect "the CA key readable by others" "ca-key.pem: mode 0644" \
    "chmod 644 out/ca-key.pem" "chmod 600 out/ca-key.pem"
defect "a description whose CA subject changed" \
    "ca.pem: subject differs from the description's ca" \
    "cp desc.json d.save; /usr/bin/python3 -c 'import json; d=json.load(open(\"desc.json\")); d[\"ca\"][\"CN\"]=\"another CA\"; json.dump(d, open(\"desc.json\",\"w\"))'" \
    "cp d.save desc.json"
rc=0
"$E" cluster verify -horizon 100000h desc.json out >h.out 2>&1 || rc=$?
check "verify -horizon: certificates expiring within it are problems" \
    sh -c "test $rc = 1 && grep -q 'etcd1.pem: expires in .*, within the horizon' h.out"
check "verify is clean again after undoing every defect" \
    "$E" cluster verify desc.json out
rc=0
"$E" cluster verify -horizon 100% desc.json out >h.out 2>&1 || rc=$?
check "verify -horizon 100%: every certificate is within it" \
    sh -c "test $rc = 1 && grep -q 'etcd1.pem: expires in .*, within the horizon' h.out &&
    grep -q 'ca.pem: the CA certificate expires in' h.out"

# The horizon is each certificate's renewal point: a day-long cluster
# passes its own verify at once, and fails it past two thirds of its day.
"$E" cluster issue -no-sync -expiry 24h desc.json -o short >/dev/null 2>&1
check "verify right after issuing certificates of a day: no problems" \
    "$E" cluster verify desc.json short
"$E" cluster issue -no-sync -expiry 24h -not-before -20h desc.json \
    -o aged >/dev/null 2>&1
rc=0
"$E" cluster verify desc.json aged >h.out 2>&1 || rc=$?
check "verify 20h into a day: past the renewal point is a problem" \
    sh -c "test $rc = 1 && grep -q 'aged/etcd1/etcd1.pem: due for renewal since 20[0-9-]*T.* (expires in ' h.out"
check "verify -horizon 0%: only expired certificates are problems" \
    "$E" cluster verify -horizon 0% desc.json aged

# ---- signing.crl_expiry -------------------------------------------------
cp desc.json crl.json
edit_json crl.json 'd["signing"]["crl_expiry"] = "48h"'
"$E" cluster issue crl.json -o crlx >/dev/null 2>&1
check "signing.crl_expiry 48h: the CRL is valid for 48 hours" sh -c '
    l=$(openssl crl -in crlx/crl.pem -noout -lastupdate | cut -d= -f2)
    n=$(openssl crl -in crlx/crl.pem -noout -nextupdate | cut -d= -f2)
    test $(( $(date -d "$n" +%s) - $(date -d "$l" +%s) )) = 172800'

# ---- the lock --------------------------------------------------------
if need_cmd flock; then
	flock out/.etcd-pki.lock sh -c \
	    "'$E' cluster issue desc.json -o out >lock.out 2>lock.err; echo \$? >lock.rc"
	check "a second run while the lock is held fails at once" sh -c \
	    'test "$(cat lock.rc)" = 1 && grep -q "another etcd-pki run holds" lock.err'
else
	skip "flock(1) not installed"
fi

# ---- CI fixtures ------------------------------------------------------
rc=0
"$E" cluster issue -members 40 -key-algo ecdsa-256 -o fx >fx.out 2>fx.err || rc=$?
check "-members 40: exit 0, the CA, 40 members and the admin client" sh -c \
    "test $rc = 0 && grep -q '43 new' fx.err"
check "-members: m40 has IP 127.0.0.40 and only its own SANs" sh -c '
    openssl x509 -in fx/m40/m40.pem -noout -ext subjectAltName >s.txt &&
    grep -q "IP Address:127.0.0.40" s.txt && ! grep -q 127.0.0.39 s.txt'
check "-members: the directories hold the -bare set only" sh -c \
    'test "$(ls fx/m7)" = "m7-key.pem
m7.csr
m7.pem"'
check "-members: openssl verifies all 40" sh -c \
    'openssl verify -CAfile fx/ca.pem fx/m*/m*.pem | grep -c ": OK" | grep -qx 40'
"$E" cluster init -members 40 -key-algo ecdsa-256 >fx.json 2>/dev/null
check "-members: cluster verify agrees with cluster init -members" \
    "$E" cluster verify fx.json fx
"$E" cluster issue -members 3 -expiry 10m -o short >/dev/null 2>&1
check "-expiry 10m: a 10-minute certificate" sh -c '
    openssl x509 -in short/m1/m1.pem -noout -checkend 0 >/dev/null &&
    ! openssl x509 -in short/m1/m1.pem -noout -checkend 700 >/dev/null'
"$E" cluster issue -members 3 -not-before -48h -expiry 24h -o old \
    >/dev/null 2>&1
check "-not-before -48h -expiry 24h: already expired" sh -c \
    '! openssl x509 -in old/m2/m2.pem -noout -checkend 0 >/dev/null'
"$E" cluster init -members 3 >old.json 2>/dev/null
"$E" cluster verify old.json old >old.out 2>&1 || :
check "verify reports the expired certificates" grep -q "m2/m2.pem: expired" \
    old.out
"$E" cluster issue -members 2 -not-before 2030-01-02T03:04:05Z -expiry 1h \
    -o fut >/dev/null 2>&1
check "-not-before RFC 3339: notBefore is that time" sh -c \
    'openssl x509 -in fut/m1/m1.pem -noout -startdate |
     grep -q "Jan  2 03:04:05 2030 GMT"'
"$E" cluster issue -members 2 -j 1 -no-sync -o j1 >/dev/null 2>&1
check "-j 1 -no-sync works" openssl verify -CAfile j1/ca.pem j1/m1/m1.pem \
    j1/m2/m2.pem

# ---- usage errors -----------------------------------------------------
usage_err() {
	"$E" "$@" >u.out 2>u.err
	[ $? = 2 ]
}
check "no -o: usage error (exit 2)" usage_err cluster issue desc.json
check "a description and -members: usage error" \
    usage_err cluster issue desc.json -members 3 -o x
check "-j 0: usage error" usage_err cluster issue -members 1 -j 0 -o x
check "-expiry nonsense: usage error" \
    usage_err cluster issue -members 1 -expiry soon -o x
check "-not-before nonsense: usage error" \
    usage_err cluster issue -members 1 -not-before yesterday -o x
check "verify with one argument: usage error" usage_err cluster verify desc.json
check "an unknown subcommand: usage error" usage_err cluster frobnicate
rc=0
"$E" cluster issue nonexistent.json -o x >ne.out 2>ne.err || rc=$?
check "a missing description: exit 1 naming the file" sh -c \
    "test $rc = 1 && grep -q 'nonexistent.json' ne.err && test ! -e x"
check "cluster issue -h lists every flag" sh -c "
    '$E' cluster issue -h 2>&1 | grep -c -E '^  -(o|j|members|key-algo|expiry|not-before|no-sync|strict|loglevel)( |$)' | grep -qx 9"
check "cluster verify -h lists every flag" sh -c "
    '$E' cluster verify -h 2>&1 | grep -c -E '^  -(horizon|strict|loglevel)( |$)' | grep -qx 3"

finish
