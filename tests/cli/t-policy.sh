#!/bin/sh
# t-policy.sh: the strictness policy of etcd-pki(1) COMPATIBILITY, one
# item at a time, through the cfssl command lines, then through what
# cluster issue, renew, ca renew and ca rotate sign.  For what cfssl
# accepts and the policy reports: the exact warning line, the certificate
# cfssl would make, and -strict turning the warning into an error (exit 1,
# nothing written).  For what the policy refuses (a broken issuer): the
# error, nothing written, and -allow-invalid-issuer.  The issuers that
# etcd-pki will not make are made with python3-cryptography.
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/cli/setup.sh"

PY=/usr/bin/python3
[ -x "$PY" ] && "$PY" -c 'import cryptography' 2>/dev/null ||
	skip_all "python3 with python3-cryptography not installed"
need_cmd openssl || skip_all "openssl CLI not installed"
[ -x "$ETCD_PKI" ] || { echo "Bail out! $ETCD_PKI is not built"; exit 1; }
E=$ETCD_PKI
umask 022
cd "$T" || exit 1

TS='[0-9]{4}/[0-9]{2}/[0-9]{2} [0-9:]{8}'

# run ARGS...: etcd-pki ARGS in a fresh directory w/ (the cwd is kept);
# stdout in out, stderr in err, the status in rc.
run() {
	rc=0
	"$E" "$@" >out 2>err || rc=$?
}

# warned NAME TEXT: the last run exited 0 and stderr has exactly one
# [WARNING] line that is TEXT (fixed string, after the timestamp), or the
# lines given in several TEXT arguments, in that order.
warned() {
	_n=$1
	shift
	grep -E "^$TS \[WARNING\] " err | sed -E "s#^$TS \[WARNING\] ##" |
	    grep -v '^This certificate lacks a "hosts" field' >warnings || :
	if [ $# -gt 0 ]; then printf '%s\n' "$@" >want; else : >want; fi
	if [ "$rc" = 0 ] && cmp -s want warnings; then
		pass "$_n"
	else
		fail "$_n"
		echo "#   rc=$rc; want:"
		sed 's/^/#     /' want
		echo "#   stderr:"
		sed 's/^/#     /' err
	fi
}

# refused NAME TEXT [FILE...]: the last run exited 1, printed nothing on
# stdout, and its one error line is "etcd-pki: CMD: TEXT" (TEXT an ERE
# matched from the start); no FILE exists.
refused() {
	_n=$1 _t=$2
	shift 2
	_l=$(grep -v -E "^$TS \[" err) || :
	_ok=1
	[ "$rc" = 1 ] && [ ! -s out ] || _ok=0
	[ "$(printf '%s\n' "$_l" | grep -c .)" = 1 ] || _ok=0
	printf '%s\n' "$_l" | grep -Eq -- "^etcd-pki: [a-z ]+: $_t" || _ok=0
	for _f; do
		[ ! -e "$_f" ] || { _ok=0; echo "#   $_f exists"; }
	done
	if [ $_ok = 1 ]; then
		pass "$_n"
	else
		fail "$_n"
		echo "#   rc=$rc, stderr:"
		sed 's/^/#     /' err
	fi
}

# cert_field FILE FIELD: from the cfssl JSON in FILE, the certificate's
# openssl x509 FIELD (-subject, -enddate, ...).
cert_of() {
	"$PY" -c 'import json, sys; sys.stdout.write(json.load(open(sys.argv[1]))["cert"])' "$1"
}

# ---- issuers ---------------------------------------------------------------
cat >ca.json <<'J'
{"CN":"Policy CA","key":{"algo":"ecdsa","size":256}}
J
cat >leaf.json <<'J'
{"CN":"leaf.example.net","hosts":["leaf.example.net","10.0.0.1"]}
J
cat >cfg.json <<'J'
{"signing":{"default":{"expiry":"8760h","usages":["signing","key encipherment","server auth","client auth"]},
"profiles":{"short":{"expiry":"10m","usages":["signing","server auth"]},
"tiny":{"expiry":"90s","usages":["signing","server auth"]},
"long":{"expiry":"876000h","usages":["signing","server auth"]},
"old":{"expiry":"1h","not_before":"2019-01-01T00:00:00Z","not_after":"2020-01-01T00:00:00Z","usages":["signing"]},
"future":{"expiry":"1h","not_before":"2031-01-01T00:00:00Z","not_after":"2031-02-01T00:00:00Z","usages":["signing"]}}}}
J
cat >bogus.json <<'J'
{"signing":{"default":{"expiry":"8760h","usages":["signing","server auth","sever auth"]}}}
J
run gencert -initca ca.json
"$E" json -bare ca <out >/dev/null 2>&1 || :
[ -s ca.pem ] || { echo "Bail out! no CA"; exit 1; }

# Broken issuers, signed with the CA's key where they need an issuer.
"$PY" - ca.pem ca-key.pem <<'EOF'
import datetime, sys
from cryptography import x509
from cryptography.x509.oid import NameOID
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

now = datetime.datetime.now(datetime.timezone.utc)
day = datetime.timedelta(days=1)
ca = x509.load_pem_x509_certificate(open(sys.argv[1], "rb").read())
cakey = serialization.load_pem_private_key(open(sys.argv[2], "rb").read(), None)

def make(name, start, end, bc, ku, self_signed=True):
    key = ec.generate_private_key(ec.SECP256R1())
    subj = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    b = (x509.CertificateBuilder().subject_name(subj)
         .issuer_name(subj if self_signed else ca.subject)
         .public_key(key.public_key()).serial_number(x509.random_serial_number())
         .not_valid_before(start).not_valid_after(end)
         .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                        critical=False))
    if bc is not None:
        b = b.add_extension(x509.BasicConstraints(ca=bc, path_length=None),
                            critical=True)
    if ku is not None:
        b = b.add_extension(x509.KeyUsage(digital_signature=True,
            content_commitment=False, key_encipherment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=ku,
            crl_sign=ku, encipher_only=False, decipher_only=False),
            critical=True)
    cert = b.sign(key if self_signed else cakey, hashes.SHA256())
    open(name + ".pem", "wb").write(cert.public_bytes(serialization.Encoding.PEM))
    open(name + "-key.pem", "wb").write(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption()))

make("expired", now - 10 * day, now - day, True, True)
make("young", now + day, now + 10 * day, True, True)
make("notca", now - day, now + 100 * day, False, None)
make("nosign", now - day, now + 100 * day, True, False)
make("nobc", now - day, now + 100 * day, None, None, self_signed=False)
make("v3nobc", now - day, now + 3000 * day, None, None)
EOF
# A version 1 root, as old tutorials make them.
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout v1root-key.pem -subj /CN=v1root -out v1root.csr 2>/dev/null &&
    openssl x509 -req -in v1root.csr -signkey v1root-key.pem -days 4000 \
    -out v1root.pem 2>/dev/null || { echo "Bail out! no v1 root"; exit 1; }
chmod 600 ./*-key.pem

for b in expired young notca nosign nobc v3nobc; do
	case $b in
	expired) why='the CA certificate expired on [0-9T:-]+Z' ;;
	young) why='the CA certificate is not valid before [0-9T:-]+Z' ;;
	notca) why='not a CA certificate \(basicConstraints CA:FALSE\)' ;;
	nosign) why="the CA certificate's keyUsage lacks keyCertSign" ;;
	nobc | v3nobc) why='not a CA certificate \(no basicConstraints extension\)' ;;
	esac
	run gencert -ca $b.pem -ca-key $b-key.pem -config cfg.json -o out-$b leaf.json
	refused "issuer $b: gencert refuses, naming the file and the problem" \
	    "$b.pem: $why: what it signs does not verify \(-allow-invalid-issuer signs anyway\)$" \
	    out-$b.pem out-$b-key.pem
	run gencert -allow-invalid-issuer -strict -ca $b.pem -ca-key $b-key.pem \
	    -config cfg.json leaf.json
	if [ "$rc" = 0 ] && grep -Eq "^$TS \[WARNING\] $b.pem: $why: signing anyway \(-allow-invalid-issuer\)$" err &&
	    [ "$(grep -c '\[WARNING\]' err)" = 1 ] && grep -q '"cert"' out; then
		pass "issuer $b, -allow-invalid-issuer (even with -strict): signed, one warning"
	else
		fail "issuer $b, -allow-invalid-issuer"
		sed 's/^/#   /' err
	fi
done
# sign refuses too; the CSR comes from genkey.
run genkey leaf.json
"$E" json -bare req <out >/dev/null 2>&1 || :
run sign -ca expired.pem -ca-key expired-key.pem -config cfg.json req.csr
refused "issuer expired: sign refuses" 'expired.pem: the CA certificate expired on '
run sign -allow-invalid-issuer -ca expired.pem -ca-key expired-key.pem -config cfg.json req.csr
check "issuer expired: sign -allow-invalid-issuer signs" sh -c '[ "$1" = 0 ] && grep -q "\"cert\"" out' sh "$rc"
cert_of out >expired-leaf.pem
check "...and the certificate does not verify, as promised" sh -c \
    '! openssl verify -CAfile expired.pem expired-leaf.pem >/dev/null 2>&1'
# A self-signed version 1 root is a trust anchor (a v3 one without
# basicConstraints is not: v3nobc above).
run gencert -ca v1root.pem -ca-key v1root-key.pem -config cfg.json leaf.json
warned "a self-signed version 1 root: accepted (OpenSSL and Go trust it)"
cert_of out >v1-leaf.pem
check "...and its leaf verifies with openssl" openssl verify -CAfile v1root.pem v1-leaf.pem
# cluster issue under an existing, expired CA.
mkdir -p cl
cp expired.pem cl/ca.pem
cp expired-key.pem cl/ca-key.pem
run cluster issue -members 1 -o cl
refused "cluster issue under an expired CA: refused" 'ca.pem: the CA certificate expired on '
check "cluster issue: nothing issued" sh -c '[ ! -e cl/m1 ]'
run cluster issue -allow-invalid-issuer -members 1 -o cl
check "cluster issue -allow-invalid-issuer: issued, with one warning" sh -c \
    '[ "$1" = 0 ] && [ -s cl/m1/m1.pem ] && grep -q "signing anyway (-allow-invalid-issuer)" err' sh "$rc"
check "...one for the whole run, not one per leaf (m1 and admin)" sh -c \
    '[ "$(grep -c "signing anyway" err)" = 1 ]'
# ca status shows a cluster whose CA expired: its trust probe (never
# written) is made under the expired CA, as the policy allows a probe.
"$E" cluster init -members 1 >m1.json 2>/dev/null
run ca status -cluster m1.json cl
check "ca status under an expired CA: the state is shown, no policy error" sh -c \
    'grep -q "^ca  *cl/ca.pem: serial " out && grep -q "^m1 " out &&
    ! grep -q "does not verify" err' sh
# cluster issue -expiry: the same backdate cut, named by the flag.
run cluster issue -members 3 -expiry 10m -o clshort
warned "cluster issue -expiry 10m: the backdate is cut, one warning for all leaves" \
    "-expiry: 10m0s is less than 10 times the backdate (5m0s): the backdate is cut to 1m0s (with the full backdate the certificate would start 50% used)"
nb=$(date -d "$(openssl x509 -in clshort/m2/m2.pem -noout -startdate | cut -d= -f2)" +%s)
na=$(date -d "$(openssl x509 -in clshort/m2/m2.pem -noout -enddate | cut -d= -f2)" +%s)
check "cluster issue -expiry 10m: notAfter = notBefore + 10m, valid now" sh -c \
    '[ $(($2 - $1)) = 600 ] && openssl verify -CAfile clshort/ca.pem clshort/m2/m2.pem >/dev/null' \
    sh "$nb" "$na"
run cluster issue -strict -members 3 -expiry 10m -o clstrict
refused "cluster issue -expiry 10m, -strict: refused" '-expiry: 10m0s is less than' \
    clstrict
run cluster issue -members 1 -not-before -48h -expiry 24h -o clold
warned "cluster issue -not-before -48h: expired as asked, no warning"

# ---- validity --------------------------------------------------------------
now=$(date +%s)
run gencert -ca ca.pem -ca-key ca-key.pem -config cfg.json -profile short leaf.json
warned "expiry 10m: the backdate is cut, one warning" \
    "cfg.json: signing.profiles.short.expiry: 10m0s is less than 10 times the backdate (5m0s): the backdate is cut to 1m0s (cfssl's certificate would start 50% used)"
cert_of out >short.pem
nb=$(date -d "$(openssl x509 -in short.pem -noout -startdate | cut -d= -f2)" +%s)
na=$(date -d "$(openssl x509 -in short.pem -noout -enddate | cut -d= -f2)" +%s)
check "expiry 10m: notBefore about now - 1m, notAfter = notBefore + 10m" sh -c \
    '[ $(($2 - $1)) = 600 ] && [ $(($3 - $1)) -ge 55 ] && [ $(($3 - $1)) -le 70 ]' \
    sh "$nb" "$na" "$now"
check "expiry 10m: valid now (openssl -x509_strict)" openssl verify -x509_strict \
    -CAfile ca.pem short.pem
run gencert -ca ca.pem -ca-key ca-key.pem -config cfg.json -profile tiny leaf.json
warned "expiry 90s: the backdate is cut, one warning" \
    "cfg.json: signing.profiles.tiny.expiry: 1m30s is less than 10 times the backdate (5m0s): the backdate is cut to 9s (cfssl's certificate would be expired when issued)"
cert_of out >tiny.pem
check "expiry 90s: not expired when issued (cfssl's would be)" openssl verify \
    -CAfile ca.pem tiny.pem
run gencert -strict -ca ca.pem -ca-key ca-key.pem -config cfg.json -profile tiny -o tiny-strict leaf.json
refused "expiry 90s, -strict: refused" 'cfg.json: signing.profiles.tiny.expiry: 1m30s is less than' \
    tiny-strict.pem tiny-strict-key.pem
printf '{"CN":"Short CA","ca":{"expiry":"5m"}}\n' >shortca.json
run gencert -initca shortca.json
warned "ca.expiry 5m (cfssl issue #1064): the backdate is cut, one warning" \
    "shortca.json: ca.expiry: 5m0s is less than 10 times the backdate (5m0s): the backdate is cut to 30s (cfssl's certificate would be expired when issued)"
cert_of out >shortca.pem
check "ca.expiry 5m: the CA is valid now" openssl verify -CAfile shortca.pem shortca.pem
run gencert -ca ca.pem -ca-key ca-key.pem -config cfg.json -profile long leaf.json
cafter=$(openssl x509 -in ca.pem -noout -enddate | cut -d= -f2)
check "a leaf outliving its CA: one warning naming the CA and both dates" sh -c \
    '[ "$1" = 0 ] && grep -Eq "\[WARNING\] ca.pem: the new certificate \(valid until [0-9T:-]+Z\) outlives its CA \(valid until [0-9T:-]+Z\): it stops verifying when the CA expires$" err' sh "$rc"
run gencert -strict -ca ca.pem -ca-key ca-key.pem -config cfg.json -profile long leaf.json
refused "a leaf outliving its CA, -strict: refused" 'ca.pem: the new certificate \(valid until '
run gencert -ca ca.pem -ca-key ca-key.pem -config cfg.json -profile old leaf.json
warned "fixed dates in the past: signed as cfssl does, one warning" \
    "cfg.json: signing.profiles.old: the certificate is expired when issued (notAfter 2020-01-01T00:00:00Z)"
run gencert -strict -ca ca.pem -ca-key ca-key.pem -config cfg.json -profile old leaf.json
refused "fixed dates in the past, -strict: refused" 'cfg.json: signing.profiles.old: the certificate is expired when issued'
run gencert -ca ca.pem -ca-key ca-key.pem -config cfg.json -profile future leaf.json
check "fixed dates in the future: signed, warned (not yet valid; outlives the CA? no)" sh -c \
    '[ "$1" = 0 ] && grep -q "signing.profiles.future: the certificate is not valid yet when issued (notBefore 2031-01-01T00:00:00Z)" err' sh "$rc"

# ---- inputs cfssl accepts ------------------------------------------------------
printf '{"CN":"usa.example.net","hosts":["usa.example.net"],"names":[{"C":"USA","O":"etcd"}]}\n' >usa.json
run gencert -ca ca.pem -ca-key ca-key.pem -config cfg.json usa.json
warned '"C": "USA": kept, one warning' \
    'usa.json: names[0].C: "USA" is not a 2-letter country code (RFC 5280); kept, as cfssl keeps it'
cert_of out >usa.pem
check '"C": "USA": the subject has C=USA, and openssl -x509_strict verifies it' sh -c \
    'openssl x509 -in usa.pem -noout -subject | grep -q "C = USA" &&
    openssl verify -x509_strict -CAfile ca.pem usa.pem'
run gencert -strict -ca ca.pem -ca-key ca-key.pem -config cfg.json usa.json
refused '"C": "USA", -strict: refused' 'usa.json: names\[0\]\.C: "USA" is not a 2-letter country code'
printf '{"CN":"a","names":[{"O":"x","OU":"one","OU":"two"}],"hosts":["dup.example"]}\n' >dup.json
run gencert -ca ca.pem -ca-key ca-key.pem -config cfg.json dup.json
warned "a repeated key: the last one wins, one warning" \
    'dup.json: names[0].OU: key "OU" repeated in one object; the last one wins, as in cfssl'
cert_of out >dup.pem
check "a repeated key: the certificate has OU=two only" sh -c \
    'openssl x509 -in dup.pem -noout -subject | grep -q "OU = two" &&
    ! openssl x509 -in dup.pem -noout -subject | grep -q "OU = one"'
run gencert -strict -ca ca.pem -ca-key ca-key.pem -config cfg.json dup.json
refused "a repeated key, -strict: refused" 'dup.json: names\[0\]\.OU: key "OU" repeated'
printf '{"CN":"a","cn":"b","hosts":["dup.example"]}\n' >cdup.json
run gencert -ca ca.pem -ca-key ca-key.pem -config cfg.json cdup.json
warned "CN and cn: the last one wins, one warning" \
    'cdup.json: cn: "CN" and "cn" are the same key to cfssl (case is ignored); the last one wins, as in cfssl'
run gencert -ca ca.pem -ca-key ca-key.pem -config bogus.json leaf.json
warned "an unknown usage: left out, one warning with the suggestion" \
    'bogus.json: signing.default.usages[2]: unknown usage "sever auth" (did you mean "server auth"?) is left out, as cfssl does'
run gencert -strict -ca ca.pem -ca-key ca-key.pem -config bogus.json leaf.json
refused "an unknown usage, -strict: refused" 'bogus.json: signing\.default\.usages\[2\]: unknown usage'
printf '{"CN":"ip","hosts":["999.1.1.1","10.0.0.1"]}\n' >ip.json
run gencert -ca ca.pem -ca-key ca-key.pem -config cfg.json ip.json
warned "a host like 999.1.1.1: a DNS name, as in cfssl, one warning" \
    'ip.json: hosts[0]: "999.1.1.1" looks like an IP address but is not one; it becomes a DNS name, as in cfssl'
cert_of out >ip.pem
check "999.1.1.1: DNS:999.1.1.1 and IP Address:10.0.0.1 in the certificate" sh -c \
    'openssl x509 -in ip.pem -noout -ext subjectAltName | grep -q "DNS:999.1.1.1, IP Address:10.0.0.1"'
run gencert -strict -ca ca.pem -ca-key ca-key.pem -config cfg.json ip.json
refused "a host like 999.1.1.1, -strict: refused" 'ip.json: hosts\[0\]: "999\.1\.1\.1" looks like an IP address'
run gencert -ca ca.pem -ca-key ca-key.pem -config cfg.json -hostname '1.2.3,ok.example' leaf.json
warned "-hostname 1.2.3: one warning naming the flag and the host" \
    '-hostname: "1.2.3": looks like an IP address but is not one; it becomes a DNS name, as in cfssl'
printf '{"CN":"e","hosts":[""]}\n' >empty.json
run gencert -ca ca.pem -ca-key ca-key.pem -config cfg.json empty.json
warned 'an empty host: kept as cfssl keeps it, one warning' \
    'empty.json: hosts[0]: an empty host becomes an empty DNS name, as in cfssl; GnuTLS cannot parse such a certificate'
run gencert -strict -ca ca.pem -ca-key ca-key.pem -config cfg.json \
    -hostname node1.example empty.json
warned 'hosts replaced by -hostname: not checked, no warning even -strict'
printf '{"CN":"%s","hosts":[""]}\n' "$(printf '%070d' 0)" >longcn.json
run gencert -strict -ca ca.pem -ca-key ca-key.pem -config cfg.json \
    -cn short -hostname node1.example longcn.json
warned 'a CN replaced by -cn: not checked, no warning even -strict'
run gencert -strict -initca -hostname node1.example empty.json
refused 'gencert -initca takes its hosts from the JSON (cfssl): checked' \
    'empty.json: hosts\[0\]: an empty host'
run genkey -ca ca.pem leaf.json
warned "a cfssl flag genkey does not use: ignored, one warning" \
    'flag -ca is not used by genkey; ignored, as cfssl ignores it'
run genkey -strict -ca ca.pem leaf.json
refused "a cfssl flag genkey does not use, -strict: refused" 'flag -ca is not used by genkey'
run gencert -ca ca.pem -ca-key ca-key.pem -config cfg.json leaf.json
warned "an ordinary gencert: no warning at all"

# ---- what the engine signs: renew, ca renew, ca rotate ---------------------
mkdir -p rn
run gencert -ca ca.pem -ca-key ca-key.pem -config cfg.json -profile short -o rn/leaf leaf.json
cp leaf.json rn/leaf-csr.json
serial() { openssl x509 -in "$1" -noout -serial; }
s0=$(serial rn/leaf.pem)
run renew -force -ca ca.pem -ca-key ca-key.pem -config cfg.json -profile short rn/leaf.pem
check "renew under a 10m profile: renewed (exit 10)" sh -c '[ "$1" = 10 ]' sh "$rc"
rc=0	# exit 10 checked; warned wants the status of a success
warned "renew under a 10m profile: the backdate warning names the set" \
    "rn/leaf.pem: cfg.json: signing.profiles.short.expiry: 10m0s is less than 10 times the backdate (5m0s): the backdate is cut to 1m0s (cfssl's certificate would start 50% used)"
s1=$(serial rn/leaf.pem)
run renew -force -strict -ca ca.pem -ca-key ca-key.pem -config cfg.json -profile short rn/leaf.pem
check "renew -strict under a 10m profile: refused (exit 3), naming the set, nothing changed" sh -c \
    '[ "$1" = 3 ] && grep -q "^etcd-pki: renew: rn/leaf.pem: cfg.json: signing.profiles.short.expiry: 10m0s is less than" err &&
    [ "$(openssl x509 -in rn/leaf.pem -noout -serial)" = "$2" ]' sh "$rc" "$s1"
run renew -force -ca expired.pem -ca-key expired-key.pem -config cfg.json rn/leaf.pem
check "renew under an expired CA: refused (exit 3), with no flag to offer, nothing changed" sh -c \
    '[ "$1" = 3 ] && grep -Eq "^etcd-pki: renew: rn/leaf.pem: expired.pem: the CA certificate expired on [0-9T:-]+Z: what it signs does not verify$" err &&
    [ "$(openssl x509 -in rn/leaf.pem -noout -serial)" = "$2" ]' sh "$rc" "$s1"
for c in renew "ca rotate"; do
	# shellcheck disable=SC2086
	run $c -allow-invalid-issuer rn/leaf.pem
	check "$c -allow-invalid-issuer: a usage error (what it signs must verify)" sh -c \
	    '[ "$1" = 2 ] && grep -q "flag -allow-invalid-issuer is not used by" err' sh "$rc"
done
check "...the renewals above signed anew" sh -c '[ "$1" != "$2" ]' sh "$s0" "$s1"
# ca renew -expiry, and gencert -renewca of a short-lived CA.
cp ca.pem rca.pem
cp ca-key.pem rca-key.pem
run ca renew -ca rca.pem -ca-key rca-key.pem -expiry 20m
warned "ca renew -expiry 20m: the backdate is cut, one warning naming the flag" \
    "-expiry: 20m0s is less than 10 times the backdate (5m0s): the backdate is cut to 2m0s (with the full backdate the certificate would start 25% used)"
nb=$(date -d "$(openssl x509 -in rca.pem -noout -startdate | cut -d= -f2)" +%s)
na=$(date -d "$(openssl x509 -in rca.pem -noout -enddate | cut -d= -f2)" +%s)
check "ca renew -expiry 20m: 20 minutes, valid now" sh -c \
    '[ $(($2 - $1)) = 1200 ] && openssl verify -CAfile rca.pem rca.pem >/dev/null' sh "$nb" "$na"
cp rca.pem rca-before.pem
run ca renew -strict -ca rca.pem -ca-key rca-key.pem -expiry 20m
refused "ca renew -strict -expiry 20m: refused, the CA file unchanged" '-expiry: 20m0s is less than'
check "...rca.pem is as it was" cmp rca.pem rca-before.pem
printf '{"CN":"Tiny CA","ca":{"expiry":"30m"}}\n' >tiny.json
"$E" gencert -initca -o tiny tiny.json 2>/dev/null
run gencert -renewca -ca tiny.pem -ca-key tiny-key.pem
warned "gencert -renewca of a 30m CA: its validity is named" \
    "tiny.pem: validity: 30m0s is less than 10 times the backdate (5m0s): the backdate is cut to 3m0s (cfssl's certificate would start 16% used)"
# ca rotate: the new CA of a 40m ca.expiry, and leaves outliving it.
"$E" cluster init -members 1 >rot.json 2>/dev/null
"$PY" -c 'import json, sys
d = json.load(open(sys.argv[1])); d["ca"]["expiry"] = "40m"
json.dump(d, open(sys.argv[1], "w"), indent=1)' rot.json
"$E" cluster issue -o rot rot.json >/dev/null 2>&1
run ca rotate -strict -phase add-trust -restart none -cluster rot.json rot
refused "ca rotate -strict add-trust: a 40m ca.expiry is an error, no new CA written" \
    'rot.json: ca.expiry: 40m0s is less than 10 times the backdate' rot/ca-next.pem rot/ca-next-key.pem
run ca rotate -phase add-trust -restart none -cluster rot.json rot
check "ca rotate add-trust: the new CA's short ca.expiry is warned, naming the description" sh -c \
    '[ "$1" = 10 ] && grep -q "\[WARNING\] rot.json: ca.expiry: 40m0s is less than 10 times the backdate" err' sh "$rc"
m1s=$(serial rot/m1/m1.pem)
run ca rotate -strict -phase reissue -restart none -cluster rot.json rot
check "ca rotate -strict reissue: a leaf outliving the new CA is refused (exit 3), the leaf unchanged" sh -c \
    '[ "$1" = 3 ] && grep -q "^etcd-pki: ca rotate: m1: rot/ca.pem: the new certificate (valid until .*) outlives its CA" err &&
    [ "$(openssl x509 -in "$3" -noout -serial)" = "$2" ]' sh "$rc" "$m1s" rot/m1/m1.pem
run ca rotate -phase reissue -restart none -cluster rot.json rot
check "ca rotate reissue: a leaf outliving the new CA is warned, naming the leaf" sh -c \
    '[ "$1" = 10 ] && grep -Eq "\[WARNING\] m1: rot/ca.pem: the new certificate \(valid until [0-9T:-]+Z\) outlives its CA" err' sh "$rc"
finish
