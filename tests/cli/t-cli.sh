#!/bin/sh
# t-cli.sh: etcd-pki's own command-line behaviour: dispatch on argv[0],
# flags, errors (file, JSON path, problem), -o, key formats, CA key formats
# and passwords, -initca -ca-key, -renewca, sign SUBJECT, selfsign, gencsr,
# certinfo, print-defaults, and the json (cfssljson) command.
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/cli/setup.sh"

cd "$T"
mkdir bin
ln -s "$ETCD_PKI" bin/cfssl
ln -s "$ETCD_PKI" bin/cfssljson
E=$ETCD_PKI

# run CMD...: runs it, keeping stdout in out, stderr in err and the status in rc.
run() {
	rc=0
	"$@" >out 2>err || rc=$?
}
# expect NAME RC PATTERN: the last run exited RC and stderr matches PATTERN.
expect() {
	if [ "$rc" = "$2" ] && grep -Eq -- "$3" err; then
		pass "$1"
	else
		fail "$1"
		echo "#   rc=$rc (want $2), stderr:"
		sed 's/^/#   /' err | head -20
	fi
}
# expect_out NAME PATTERN: stdout of the last run matches PATTERN, rc 0.
expect_out() {
	if [ "$rc" = 0 ] && grep -Eq -- "$2" out; then
		pass "$1"
	else
		fail "$1"
		echo "#   rc=$rc, stdout/stderr:"
		head -c 2000 out | sed 's/^/#   /'
		sed 's/^/#   /' err | head -20
	fi
}
mode() { stat -c %a "$1"; }
ossl_text() { openssl x509 -in "$1" -noout -text; }

cat >ca.json <<'J'
{"CN":"t-cli CA","key":{"algo":"ecdsa","size":256},"names":[{"O":"etcd-pki tests"}],"ca":{"expiry":"10y"}}
J
cat >leaf.json <<'J'
{"CN":"etcd1","hosts":["etcd1","127.0.0.1","::1"],"key":{"algo":"ecdsa","size":256}}
J
cat >cfg.json <<'J'
{"signing":{"default":{"expiry":"1h","usages":["signing","key encipherment","server auth"]},
 "profiles":{"peer":{"expiry":"8760h","usages":["signing","key encipherment","server auth","client auth"]},
             "client":{"expiry":"8760h","usages":["signing","client auth"]}}}}
J

# ---- dispatch and flags ---------------------------------------------
run "$E"
expect "no command: exit 1 with the command list" 1 "No command is given"
run "$E" frobnicate
expect "unknown command: exit 1" 1 "Command frobnicate is not defined"
run "$E" gencert -nosuchflag x.json
expect "unknown flag: exit 2 as Go's flag package" 2 "flag provided but not defined: -nosuchflag"
run "$E" genkey -rekey leaf.json
expect "etcd-pki flag of another command: exit 2, named" 2 "flag -rekey is not used by genkey"
expect "... in one line pointing at the command's -h" 2 "see 'etcd-pki genkey -h'\)$"
check "... and nothing else on stderr (no 50-line usage)" test "$(wc -l <err)" = 1
run "$E" genkey -hostname a.example leaf.json
expect "cfssl flag genkey does not use: ignored as cfssl does, one warning naming it" 0 '\[WARNING\] flag -hostname is not used by genkey; ignored, as cfssl ignores it$'
expect_out "cfssl flag genkey does not use: genkey still prints its JSON" '"csr":'
run "$E" genkey -ca=x -initca=true -strict leaf.json
expect "cfssl flag genkey does not use, -strict (after it): exit 1" 1 '^etcd-pki: genkey: flag -ca is not used by genkey; cfssl ignores it$'
run "$E" genkey -initca=maybe leaf.json
expect "an unused boolean flag's value is still checked: exit 2" 2 'invalid boolean value "maybe" for -initca'
run "$E" genkey -ca
expect "a flag without its value: exit 2" 2 'flag needs an argument: -ca$'
run "$E" gencert -nosuchflag x.json
expect "unknown flag: one line pointing at gencert -h" 2 "^flag provided but not defined: -nosuchflag \(see 'etcd-pki gencert -h'\)$"
check "... and nothing else on stderr" test "$(wc -l <err)" = 1
run "$E" gencert -h
expect "gencert -h: usage on stderr, exit 0" 0 "Usage of gencert"
missing=
for f in initca renewca ca ca-key ca-key-password config cn hostname profile label crl key-format o strict loglevel remote; do
	grep -q -- "^  -$f\( \|$\)" err || missing="$missing -$f"
done
[ -z "$missing" ] && pass "gencert -h lists every gencert flag" ||
    fail "gencert -h lists every gencert flag (missing:$missing)"
run bin/cfssl version
expect_out "invoked as cfssl: version" '^Version: '
run bin/cfssljson -version
expect_out "invoked as cfssljson: -version" '^Version: '
run "$E" gencert -loglevel=9 ca.json
expect "-loglevel out of range" 2 "loglevel: 9 is out of range"

# ---- -initca, JSON output and -o ------------------------------------
run "$E" gencert -initca ca.json
expect_out "gencert -initca prints {cert,csr,key}" '^\{"cert":"-----BEGIN CERTIFICATE-----\\n.*","csr":"-----BEGIN CERTIFICATE REQUEST-----.*","key":"-----BEGIN EC PRIVATE KEY-----'
grep -q '\[INFO\] generating a new CA key and certificate from CSR' err &&
    grep -Eq '^[0-9]{4}/[0-9]{2}/[0-9]{2} [0-9:]{8} \[INFO\] signed certificate with serial number [0-9]+$' err &&
    pass "initca logs cfssl's lines" || fail "initca logs cfssl's lines"
(umask 000 && "$E" gencert -initca -loglevel 2 -o ca ca.json) >out 2>err && rc=0 || rc=$?
if [ "$rc" = 0 ] && [ "$(mode ca-key.pem)" = 600 ] && [ "$(mode ca.pem)" = 644 ] &&
    [ -s ca.csr ] && [ ! -s out ]; then
	pass "gencert -o writes the set (key 0600 even under umask 000), nothing on stdout"
else
	fail "gencert -o writes the set"; ls -l ca* | sed 's/^/#   /'
fi
ls -a | grep -q '^\.ca' && fail "no temporary files left by -o" || pass "no temporary files left by -o"
ossl_text ca.pem >ca.txt
grep -q 'CA:TRUE' ca.txt && grep -q 'Certificate Sign, CRL Sign' ca.txt &&
    ! grep -q 'Authority Key Identifier' ca.txt && pass "CA: BC CA:TRUE, KU certSign+cRLSign, no AKI" ||
    fail "CA certificate extensions"
nb=$(openssl x509 -in ca.pem -noout -startdate | cut -d= -f2)
na=$(openssl x509 -in ca.pem -noout -enddate | cut -d= -f2)
days=$(( ($(date -d "$na" +%s) - $(date -d "$nb" +%s)) / 86400 ))
[ "$days" = 3650 ] && pass "ca.expiry 10y is 87600h (3650 days)" || fail "ca.expiry 10y gave $days days"
case $nb in *:00\ *) pass "notBefore seconds are 00 (minute rounding)" ;; *) fail "notBefore $nb not rounded" ;; esac

# ---- gencert errors: the ones cfssl gets wrong ----------------------
run "$E" gencert -ca ca.pem leaf.json
expect "missing -ca-key is an error (cfssl exits 0)" 1 "need a CA key"
run "$E" gencert -ca-key ca-key.pem leaf.json
expect "missing -ca is an error (cfssl exits 0)" 1 "need a CA certificate"
run "$E" gencert -ca ca.pem -ca-key ca-key.pem -config cfg.json -profile peeer leaf.json
expect "unknown profile is an error listing the known ones" 1 'cfg.json: -profile: unknown profile "peeer" \(known: default, peer, client\)'
printf '%s' '{"signing":{"profiles":{"p":{"expiry":"1h","usages":["signing","server"]}}}}' >badusage.json
run "$E" gencert -ca ca.pem -ca-key ca-key.pem -config badusage.json -profile p leaf.json
expect "unknown usage: left out as cfssl does, with a warning naming file and path" 0 '\[WARNING\] badusage.json: signing.profiles.p.usages\[1\]: unknown usage "server" \(did you mean "server auth"\?\) is left out, as cfssl does$'
run "$E" gencert -strict -ca ca.pem -ca-key ca-key.pem -config badusage.json -profile p leaf.json
expect "unknown usage with -strict: an error naming file and path" 1 '^etcd-pki: gencert: badusage.json: signing.profiles.p.usages\[1\]: unknown usage "server"'
printf '%s' '{"signing":{"default":{"expiry":"1h","usages":["signing"],"not_before":"2030-01-01T00:00:00Z","not_after":"2029-01-01T00:00:00Z"}}}' >badtime.json
run "$E" gencert -ca ca.pem -ca-key ca-key.pem -config badtime.json leaf.json
expect "not_after before not_before is an error (cfssl panics)" 1 'badtime.json: .*not_after'
printf '%s' '{"CN":"x","key":{"algo":"rsa","size":1024}}' >weak.json
run "$E" gencert -ca ca.pem -ca-key ca-key.pem weak.json
expect "weak RSA key: file, path, problem" 1 'weak.json: key.size: 1024 is too small for rsa'
printf '{"CN": "x",\n "hosts": [1,]}' >syntax.json
run "$E" gencert -ca ca.pem -ca-key ca-key.pem syntax.json
expect "JSON syntax error names file, line and column" 1 'syntax.json:2:'
printf '%s' '{"CN":"x","key":{"algo":"ecdsa","size":256},"expiry":"8760h"}' >typo.json
run "$E" gencert -loglevel 1 -ca ca.pem -ca-key ca-key.pem typo.json
if [ "$rc" = 0 ] && grep -Eq '\[WARNING\] .*typo.json: .*unknown key "expiry"' err; then
	pass "unknown key warns (and still works)"
else fail "unknown key warns"; sed 's/^/#   /' err; fi
run "$E" gencert -strict -ca ca.pem -ca-key ca-key.pem typo.json
expect "-strict makes unknown keys errors" 1 'typo.json: .*unknown key "expiry"'
printf '%s' '{"CN":"x","ca":{"expiry":"1h"}}' >withca.json
run "$E" gencert -ca ca.pem -ca-key ca-key.pem withca.json
expect "a ca section outside -initca is an error" 1 'ca: .*only permitted with -initca'
run "$E" gencert -ca ca.pem -ca-key ca-key.pem leaf.json extra.json
expect "a second argument is an error" 2 'only one argument'
run "$E" gencert -ca ca.pem -ca-key ca-key.pem -remote http://127.0.0.1:1 leaf.json
expect "-remote to a closed port: one line naming it" 1 'gencert: http://127.0.0.1:1: cannot connect: Connection refused'
run "$E" gencert -ca ca.pem -ca-key ca-key.pem nonexistent.json
expect "a missing CSR JSON names the file" 1 'nonexistent.json: No such file'

# ---- gencert: the normal path ---------------------------------------
run "$E" gencert -ca=ca.pem --ca-key ca-key.pem -config=cfg.json -profile peer -o etcd1 leaf.json
if [ "$rc" = 0 ] && openssl verify -CAfile ca.pem etcd1.pem >/dev/null 2>&1; then
	pass "gencert -o with Go flag syntaxes; chain verifies"
else fail "gencert -o etcd1"; sed 's/^/#   /' err; fi
ossl_text etcd1.pem >e1.txt
grep -q 'TLS Web Server Authentication, TLS Web Client Authentication' e1.txt &&
    grep -q 'DNS:etcd1, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1' e1.txt &&
    pass "peer profile: server+client auth, DNS then IP SANs" || fail "peer certificate contents"
run "$E" gencert -ca ca.pem -ca-key ca-key.pem -config cfg.json -profile peer \
    -hostname 'a.example,10.1.2.3' -cn renamed leaf.json
expect_out "gencert -hostname/-cn" '"cert"'
sed 's/.*"cert":"\([^"]*\)".*/\1/' out | sed 's/\\n/\n/g' >hn.pem
ossl_text hn.pem >hn.txt
grep -q 'DNS:a.example, IP Address:10.1.2.3' hn.txt && grep -q 'CN *= *renamed' hn.txt &&
    ! grep -q 'etcd1' hn.txt && pass "-hostname replaces hosts, -cn replaces CN" ||
    fail "-hostname/-cn override"
run "$E" gencert -loglevel 2 -ca ca.pem -ca-key ca-key.pem -label primary \
    -crl http://crl.example/ca.crl -o crl leaf.json
ossl_text crl.pem >crl.txt 2>/dev/null || :
grep -q 'URI:http://crl.example/ca.crl' crl.txt && pass "-crl sets the CRL distribution point; -label accepted" ||
    fail "-crl / -label"
printf '%s' '{"CN":"nohosts","key":{"algo":"ecdsa","size":256}}' >nohosts.json
run "$E" gencert -ca ca.pem -ca-key ca-key.pem nohosts.json
expect "no hosts: cfssl's WARNING" 0 'This certificate lacks a "hosts" field'
run "$E" gencert -loglevel 2 -ca ca.pem -ca-key ca-key.pem -config cfg.json -profile peer leaf.json
if [ "$rc" = 0 ] && ! grep -q INFO err; then pass "-loglevel 2 silences INFO"; else fail "-loglevel 2"; fi

# ---- key formats ----------------------------------------------------
for spec in 'rsa 2048 RSA PRIVATE KEY' 'ecdsa 384 EC PRIVATE KEY' 'ed25519 0 PRIVATE KEY'; do
	set -- $spec
	algo=$1 size=$2
	shift 2
	label="$*"
	printf '{"CN":"k","hosts":["k.example"],"key":{"algo":"%s","size":%s}}' "$algo" "$size" >k.json
	[ "$algo" = ed25519 ] && printf '{"CN":"k","hosts":["k.example"],"key":{"algo":"ed25519"}}' >k.json
	run "$E" gencert -loglevel 2 -ca ca.pem -ca-key ca-key.pem -o k-$algo k.json
	if [ "$rc" = 0 ] && head -1 k-$algo-key.pem | grep -qx -- "-----BEGIN $label-----" &&
	    openssl pkey -in k-$algo-key.pem -noout 2>/dev/null; then
		pass "$algo key written as $label"
	else fail "$algo key written as $label"; sed 's/^/#   /' err; fi
	run "$E" gencert -loglevel 2 -key-format pkcs8 -ca ca.pem -ca-key ca-key.pem -o k8-$algo k.json
	if [ "$rc" = 0 ] && head -1 k8-$algo-key.pem | grep -qx -- "-----BEGIN PRIVATE KEY-----"; then
		pass "-key-format pkcs8: $algo as PRIVATE KEY"
	else fail "-key-format pkcs8: $algo"; fi
done
run "$E" genkey -key-format der k.json
expect "unknown -key-format: exit 2" 2 'key-format: unknown format "der"'

# ---- CA keys: formats, prefixes, passwords --------------------------
openssl pkcs8 -topk8 -nocrypt -in ca-key.pem -out ca-key-p8.pem
openssl pkcs8 -topk8 -v2 aes-256-cbc -passout pass:s3cret -in ca-key.pem -out ca-key-enc.pem
openssl ec -aes256 -passout pass:s3cret -in ca-key.pem -out ca-key-legacy.pem 2>/dev/null
run "$E" gencert -loglevel 2 -ca ca.pem -ca-key ca-key-p8.pem leaf.json
expect_out "CA key as PKCS#8" '"cert"'
run env -u CFSSL_CA_PK_PASSWORD "$E" gencert -ca ca.pem -ca-key ca-key-enc.pem leaf.json
expect "encrypted CA key without a password: clear error" 1 'ca-key-enc.pem: .*encrypted'
run env CFSSL_CA_PK_PASSWORD=s3cret "$E" gencert -loglevel 2 -ca ca.pem -ca-key ca-key-enc.pem leaf.json
expect_out "encrypted PKCS#8 CA key with CFSSL_CA_PK_PASSWORD" '"cert"'
run env CFSSL_CA_PK_PASSWORD=wrong "$E" gencert -ca ca.pem -ca-key ca-key-enc.pem leaf.json
expect "wrong password: clear error" 1 'ca-key-enc.pem: .*(decrypt|password)'
printf 's3cret\n' >pw.txt
run "$E" gencert -loglevel 2 -ca ca.pem -ca-key ca-key-legacy.pem -ca-key-password file:pw.txt leaf.json
expect_out "legacy encrypted PEM with -ca-key-password file:" '"cert"'
run env PW=s3cret "$E" gencert -loglevel 2 -ca ca.pem -ca-key ca-key-enc.pem -ca-key-password env:PW leaf.json
expect_out "-ca-key-password env:VAR" '"cert"'
run "$E" gencert -ca ca.pem -ca-key ca-key-enc.pem -ca-key-password s3cret leaf.json
expect "a literal password on the command line is refused" 1 'ca-key-password: expected env:VAR or file:PATH'
run env CA_PEM="$(cat ca.pem)" "$E" gencert -loglevel 2 -ca env:CA_PEM -ca-key file:ca-key.pem leaf.json
expect_out "-ca env:VAR and -ca-key file:PATH" '"cert"'
run "$E" gencert -ca ca.pem -ca-key foo:ca-key.pem leaf.json
expect "unknown prefix" 1 'unknown prefix: foo'
"$E" gencert -initca -loglevel 2 -o other ca.json 2>/dev/null
run "$E" gencert -ca ca.pem -ca-key other-key.pem leaf.json
expect "CA key not matching the CA certificate" 1 'does not match'

# ---- -initca -ca-key and -renewca ----------------------------------
run "$E" gencert -initca -loglevel 2 -ca-key ca-key.pem ca.json
if [ "$rc" = 0 ] && grep -q '"cert"' out && grep -q '"csr"' out && ! grep -q '"key"' out; then
	pass "-initca -ca-key prints {cert,csr} without a key"
else fail "-initca -ca-key"; fi
run "$E" gencert -renewca -loglevel 2 -ca ca.pem -ca-key ca-key.pem -o renewed
if [ "$rc" = 0 ] && [ "$(openssl x509 -in renewed.pem -noout -pubkey)" = "$(openssl x509 -in ca.pem -noout -pubkey)" ] &&
    [ "$(openssl x509 -in renewed.pem -noout -serial)" != "$(openssl x509 -in ca.pem -noout -serial)" ] &&
    [ "$(openssl x509 -in renewed.pem -noout -subject)" = "$(openssl x509 -in ca.pem -noout -subject)" ]; then
	pass "-renewca: same key and subject, new serial"
else fail "-renewca"; sed 's/^/#   /' err; fi
nb=$(openssl x509 -in renewed.pem -noout -startdate | cut -d= -f2)
na=$(openssl x509 -in renewed.pem -noout -enddate | cut -d= -f2)
[ $(( ($(date -d "$na" +%s) - $(date -d "$nb" +%s)) / 86400 )) = 3650 ] &&
    pass "-renewca keeps the validity length" || fail "-renewca validity length"
run "$E" gencert -renewca -ca etcd1.pem -ca-key etcd1-key.pem
expect "-renewca of a leaf is refused" 1 'not a CA'

# ---- genkey, gencsr, sign, selfsign ---------------------------------
run "$E" genkey -loglevel 2 leaf.json
expect_out "genkey prints {csr,key}" '^\{"csr":"-----BEGIN CERTIFICATE REQUEST-----.*","key":"-----BEGIN EC PRIVATE KEY'
run "$E" genkey -loglevel 2 -o req leaf.json
[ "$rc" = 0 ] && [ -s req.csr ] && [ "$(mode req-key.pem)" = 600 ] && [ ! -e req.pem ] &&
    pass "genkey -o writes NAME.csr and NAME-key.pem" || fail "genkey -o"
run "$E" sign -loglevel 2 -ca ca.pem -ca-key ca-key.pem -config cfg.json -profile client req.csr
if [ "$rc" = 0 ] && grep -q '"csr":' out &&
    [ "$(sed 's/.*"csr":"\([^"]*\)".*/\1/' out | sed 's/\\n/\n/g' | head -c -1)" = "$(cat req.csr)" ]; then
	pass "sign prints {cert,csr} with the input CSR verbatim"
else fail "sign output"; sed 's/^/#   /' err; fi
printf '%s' '{"CN":"overridden","names":[{"O":"New Org"}]}' >subj.json
run "$E" sign -loglevel 2 -ca ca.pem -ca-key ca-key.pem -hostname z.example -o signed -csr req.csr subj.json
ossl_text signed.pem >signed.txt 2>/dev/null || :
grep -q 'O *= *New Org, CN *= *overridden' signed.txt && grep -q 'DNS:z.example$' signed.txt &&
    [ ! -e signed.csr ] && pass "sign -csr with a SUBJECT file and -hostname" || fail "sign SUBJECT/-hostname"
printf '%s' '{"CN":"x","hosts":["bad"]}' >badsubj.json
run "$E" sign -ca ca.pem -ca-key ca-key.pem req.csr badsubj.json
expect "SUBJECT file with a non-subject key warns" 0 'badsubj.json: .*unknown key "hosts"'
run "$E" sign -ca ca.pem -ca-key ca-key.pem ca.pem
expect "sign of a non-CSR PEM" 1 'ca.pem: '
"$E" gencert -initca -loglevel 2 -o inter ca.json 2>/dev/null
run "$E" sign -ca ca.pem -ca-key ca-key.pem inter.csr
expect "a CSR asking for CA:TRUE under a leaf profile is refused" 1 'CA'
run "$E" gencsr -loglevel 2 -key etcd1-key.pem leaf.json
expect_out "gencsr -key prints {csr,key}" '^\{"csr":"-----BEGIN CERTIFICATE REQUEST'
sed 's/.*"csr":"\([^"]*\)".*/\1/' out | sed 's/\\n/\n/g' >g.csr
[ "$(openssl req -in g.csr -noout -pubkey)" = "$(openssl pkey -in etcd1-key.pem -pubout)" ] &&
    pass "gencsr uses the given key" || fail "gencsr key"
run "$E" gencsr -loglevel 2 -key etcd1-key.pem -cert etcd1.pem
expect_out "gencsr -cert" '"csr"'
run "$E" selfsign -loglevel 2 ignored.example leaf.json
if [ "$rc" = 0 ] && grep -q 'Self-signed certificates are dangerous' err && grep -q '"key"' out; then
	pass "selfsign: banner on stderr, {cert,csr,key}"
else fail "selfsign"; sed 's/^/#   /' err; fi

# ---- certinfo and print-defaults ------------------------------------
run "$E" certinfo -cert etcd1.pem
if [ "$rc" = 0 ] && /usr/bin/python3 -c '
import json, sys
d = json.load(open("out"))
assert list(d) == ["subject", "issuer", "serial_number", "sans", "not_before", "not_after", "sigalg", "authority_key_id", "subject_key_id", "pem"], list(d)
assert d["subject"]["common_name"] == "etcd1"
assert d["sans"] == ["etcd1", "127.0.0.1", "::1"], d["sans"]
assert d["sigalg"] == "ECDSAWithSHA256"
assert d["not_before"].endswith(":00Z")
'; then pass "certinfo -cert: cfssl's keys in order and values"; else fail "certinfo -cert"; fi
run "$E" certinfo -csr req.csr
expect_out "certinfo -csr" '"subject"'
run "$E" certinfo
expect "certinfo without a target" 2 'Must specify certinfo target'
# -domain: what a TLS server on loopback presents, as -cert describes it.
port=$(free_port)
openssl s_server -quiet -accept "127.0.0.1:$port" -cert etcd1.pem \
    -key etcd1-key.pem >/dev/null 2>&1 </dev/null &
bg_pid $!
wait_for 10 sh -c 'ss -Hltn "sport = :$1" | grep -q .' sh "$port" || :
run "$E" certinfo -cert etcd1.pem
cp out domain-want.json
run "$E" certinfo -domain "127.0.0.1:$port"
if [ "$rc" = 0 ] && cmp -s out domain-want.json; then
	pass "certinfo -domain 127.0.0.1:PORT: what -cert gives for the served certificate"
else
	fail "certinfo -domain 127.0.0.1:PORT (rc $rc)"
	sed 's/^/#   /' err
fi
cport=$(free_port)
run "$E" certinfo -domain "127.0.0.1:$cport"
expect "certinfo -domain, nobody listening: exit 1, one line naming the address" 1 "^etcd-pki: certinfo: 127.0.0.1:$cport: connect: Connection refused"
printf 'not a pem\n' >garbage.pem
run "$E" certinfo -cert garbage.pem
expect "certinfo of a non-PEM file" 1 'garbage.pem: '
for what in csr config; do
	run "$E" print-defaults $what
	[ "$rc" = 0 ] && /usr/bin/python3 -c 'import json; json.load(open("out"))' &&
	    pass "print-defaults $what is JSON" || fail "print-defaults $what"
done
run "$E" print-defaults
expect "print-defaults without an argument" 1 'not enough arguments'

# ---- json (cfssljson) ------------------------------------------------
"$E" gencert -loglevel 2 -ca ca.pem -ca-key ca-key.pem leaf.json >leaf.out
run sh -c 'bin/cfssljson -bare j - <leaf.out'
[ "$rc" = 0 ] && [ "$(mode j.pem)" = 644 ] && [ "$(mode j-key.pem)" = 600 ] && [ "$(mode j.csr)" = 644 ] &&
    pass "cfssljson -bare NAME - writes the set with cfssl's modes" || fail "cfssljson -bare"
chmod 644 j-key.pem
run bin/cfssljson -bare -f leaf.out j
[ "$rc" = 0 ] && [ "$(mode j-key.pem)" = 600 ] &&
    pass "replacing a 0644 key file leaves it 0600" || fail "key mode after replacement"
run bin/cfssljson -bare -stdout -f leaf.out
[ "$rc" = 0 ] && grep -q 'BEGIN CERTIFICATE-----' out && grep -q 'BEGIN EC PRIVATE KEY' out &&
    pass "cfssljson -stdout" || fail "cfssljson -stdout"
cert_json=$(sed 's/.*"cert":\("[^"]*"\).*/\1/' leaf.out)
printf '{"success":true,"result":{"certificate":%s},"errors":[],"messages":[]}' "$cert_json" >env.json
run bin/cfssljson -f env.json api
[ "$rc" = 0 ] && cmp -s api.pem j.pem && pass "envelope mode writes result.certificate" || fail "envelope mode"
printf '%s' '{"success":false,"result":null,"errors":[{"code":1,"message":"boom"}],"messages":[]}' >fail.json
run bin/cfssljson -f fail.json x
if [ "$rc" = 1 ] && [ "$(cat err)" = "$(printf 'Request failed:\n\tboom')" ]; then
	pass "failed envelope: Request failed: + messages, exit 1"
else fail "failed envelope"; fi
run sh -c 'printf "" | bin/cfssljson -bare x'
expect "empty input (the command before the pipe failed)" 1 'Failed to parse input'
printf '%s' '{"cert":5}' >num.json
run bin/cfssljson -bare -f num.json x
expect "a non-string value is an error, not a panic" 1 'cert: expected a string'
[ ! -e x.pem ] && pass "nothing written on a bad input" || fail "nothing written on a bad input"
printf '%s' '{"code":5100,"message":"x"}' >nothing.json
run bin/cfssljson -bare -f nothing.json x
expect "no known key: an error (cfssljson exits 0)" 1 'no certificate, key or CSR'
cp j.pem keep.pem
rm -f j.csr && mkdir j.csr
run bin/cfssljson -bare -f leaf.out j
if [ "$rc" = 1 ] && cmp -s j.pem keep.pem && ! ls -a | grep -q '^\.j'; then
	pass "a failing set leaves existing files untouched and no temporaries"
else fail "all-or-nothing set"; ls -la | sed 's/^/#   /'; fi

finish
