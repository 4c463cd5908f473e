#!/bin/sh
# t-bundle.sh: bundle (and the cfssl-bundle and cfssl-certinfo program
# names) against the real cfssl 1.2.0.  A root, an intermediate and leaves
# made by the real cfssl are bundled by both, through "cfssl bundle" and
# links to etcd-pki, and what a script sees is compared: the exit status,
# the JSON object field by field (hostnames as a set, the key-id padding
# of certinfo aside), its lack of a final newline, the log lines, and the
# file cfssljson -bare writes from it.  The differences that are etcd-pki's
# on purpose are checked as such: leaf_expires (cfssl master), one-line
# errors, PKCS #12 with current encryption, cfssljson master's
# result.bundle form, DER that cfssl's white-space trim breaks.
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/cli/setup.sh"

PY=/usr/bin/python3
RCFSSL=/usr/bin/cfssl
[ -x "$RCFSSL" ] && [ -x /usr/bin/cfssljson ] && [ -x /usr/bin/cfssl-certinfo ] ||
	skip_all "real cfssl, cfssljson, cfssl-certinfo (Debian golang-cfssl) not installed"
[ -x "$PY" ] || skip_all "/usr/bin/python3 not installed"
need_cmd openssl || skip_all "openssl CLI not installed"
[ -x "$ETCD_PKI" ] || { echo "Bail out! $ETCD_PKI is not built"; exit 1; }
OBIN=$T/bin
mkdir -p "$OBIN" "$T/r" "$T/o" "$T/in"
for n in cfssl cfssljson cfssl-certinfo cfssl-bundle; do
	ln -s "$ETCD_PKI" "$OBIN/$n"
done
umask 022
I=$T/in
cd "$I" || exit 1

# ---- inputs, all made by the real cfssl ------------------------------------
cat >ca.json <<'J'
{"CN":"Bundle Root","key":{"algo":"ecdsa","size":256},"names":[{"C":"US","O":"Acme"}]}
J
cat >rsaca.json <<'J'
{"CN":"RSA Root","key":{"algo":"rsa","size":2048},"names":[{"O":"Acme"}]}
J
cat >int.json <<'J'
{"CN":"Bundle Inter","key":{"algo":"ecdsa","size":256},"names":[{"O":"Acme"}]}
J
cat >leaf.json <<'J'
{"CN":"leaf.example.net","hosts":["leaf.example.net","alt.example.net","10.0.0.1"],"key":{"algo":"rsa","size":2048},"names":[{"O":"Acme","OU":"Ops"}]}
J
cat >cfg.json <<'J'
{"signing":{"default":{"expiry":"8760h","usages":["signing","key encipherment","server auth"]},
"profiles":{"inter":{"expiry":"43800h","usages":["cert sign","crl sign"],"ca_constraint":{"is_ca":true,"max_path_len":0,"max_path_len_zero":true}},
"client":{"expiry":"8760h","usages":["signing","client auth"]},
"ocsp":{"expiry":"8760h","usages":["signing","server auth"],"ocsp_url":"http://ocsp.example","crl_url":"http://crl.example/x.crl"},
"soon":{"expiry":"100h","usages":["signing","server auth"]},
"peer":{"expiry":"8760h","usages":["signing","key encipherment","server auth","client auth"]}}}}
J
mk() {
	_n=$1
	shift
	"$RCFSSL" "$@" 2>/dev/null | /usr/bin/cfssljson -bare "$_n" >/dev/null 2>&1 || :
	[ -s "$_n.pem" ] || { echo "Bail out! cfssl could not make $_n"; exit 1; }
}
mk ca gencert -initca ca.json
mk rsaca gencert -initca rsaca.json
mk int gencert -ca ca.pem -ca-key ca-key.pem -config cfg.json -profile inter int.json
# cfssl's bundler trims white space off DER input (bytes.TrimSpace), which
# breaks a certificate whose signature ends in a tab, newline, vertical
# tab, form feed, return or space (6 in 256): the leaf, which the DER case
# reads, is signed again until its last byte is none of them.
_try=0
while :; do
	mk leaf gencert -ca int.pem -ca-key int-key.pem -config cfg.json leaf.json
	openssl x509 -in leaf.pem -outform DER -out leaf.der
	case $(tail -c 1 leaf.der | od -An -tu1 | tr -d ' ') in
	9 | 10 | 11 | 12 | 13 | 32) ;;
	*) break ;;
	esac
	_try=$((_try + 1))
	[ $_try -lt 10 ] || { echo "Bail out! no leaf cfssl can read as DER"; exit 1; }
	rm -f leaf.pem leaf-key.pem leaf.csr
done
mk cli gencert -ca int.pem -ca-key int-key.pem -config cfg.json -profile client leaf.json
mk ocsp gencert -ca int.pem -ca-key int-key.pem -config cfg.json -profile ocsp leaf.json
mk soon gencert -ca int.pem -ca-key int-key.pem -config cfg.json -profile soon leaf.json
mk direct gencert -ca rsaca.pem -ca-key rsaca-key.pem -config cfg.json -profile ocsp leaf.json
mk peer gencert -ca rsaca.pem -ca-key rsaca-key.pem -config cfg.json -profile peer leaf.json
cat leaf.pem int.pem >chain.pem
cat int.pem leaf.pem >rchain.pem
cat soon.pem int.pem >soonchain.pem
cat ca.pem rsaca.pem >roots.pem
openssl pkcs12 -export -in leaf.pem -inkey leaf-key.pem -certfile int.pem \
    -passout pass:0 -out leaf.p12 2>/dev/null
printf 'not a certificate\n' >junk.pem

# ---- helpers ----------------------------------------------------------------

# both NAME TOOL ARGS...: TOOL (cfssl, cfssl-bundle, cfssl-certinfo) with
# ARGS, run in $I by the real program and by our link; NAME.{out,err,rc}
# in $T/r and $T/o.
both() {
	_n=$1 _tool=$2
	shift 2
	for _s in r o; do
		if [ $_s = r ]; then _x=/usr/bin/$_tool; else _x=$OBIN/$_tool; fi
		_rc=0
		"$_x" "$@" >"$T/$_s/$_n.out" 2>"$T/$_s/$_n.err" || _rc=$?
		echo "$_rc" >"$T/$_s/$_n.rc"
	done
}

rcs() {
	[ "$(cat "$T/r/$1.rc")" = "$2" ] && [ "$(cat "$T/o/$1.rc")" = "$3" ] ||
	    { echo "cfssl exit $(cat "$T/r/$1.rc"), ours $(cat "$T/o/$1.rc")"
	    sed 's/^/cfssl: /' "$T/r/$1.err"; sed 's/^/ours: /' "$T/o/$1.err"
	    return 1; }
}

# same_json NAME: both stdouts are one JSON object without a final
# newline, equal field by field (ours may add leaf_expires, cfssl
# master's; hostnames compared as sets, cfssl's order being a Go map's).
same_json() {
	"$PY" - "$T/r/$1.out" "$T/o/$1.out" <<'EOF'
import json, sys
texts = [open(p, encoding="utf-8").read() for p in sys.argv[1:3]]
for who, t in zip(("cfssl", "ours"), texts):
    if t.endswith("\n"):
        sys.exit("%s: a final newline" % who)
ref, ours = (json.loads(t) for t in texts)
if "leaf_expires" in ours:
    le = ours.pop("leaf_expires")
    if not (isinstance(le, str) and le.endswith("Z") and le >= ours["expires"]):
        sys.exit("ours: leaf_expires %r" % le)
bad = []
for k in sorted(set(ref) | set(ours)):
    a, b = ref.get(k), ours.get(k)
    if k == "hostnames" and a is not None and b is not None:
        a, b = sorted(a), sorted(b)
    if a != b:
        bad.append("%s: cfssl %r, ours %r" % (k, str(a)[:160], str(b)[:160]))
if list(json.loads(texts[1])) != sorted(json.loads(texts[1])):
    bad.append("ours: keys not sorted as json.Marshal sorts a map")
print("%d fields compared" % len(set(ref) | set(ours)))
if bad:
    sys.exit("\n".join(bad))
EOF
}

# same_log NAME: the same log lines, timestamps aside.
same_log() {
	for _s in r o; do
		sed -E 's#^[0-9]{4}/[0-9]{2}/[0-9]{2} [0-9:]{8} #TS #' \
		    "$T/$_s/$1.err" >"$T/$_s/$1.nerr"
	done
	diff -u "$T/r/$1.nerr" "$T/o/$1.nerr"
}

# fails_both NAME TEXT: cfssl fails; ours exits 1, prints nothing on
# stdout and one error line (besides log lines) containing TEXT.
fails_both() {
	[ "$(cat "$T/r/$1.rc")" != 0 ] || { echo "cfssl succeeded"; return 1; }
	_l=$(grep -v -E '^[0-9]{4}/[0-9]{2}/[0-9]{2} [0-9:]{8} \[' "$T/o/$1.err") || :
	[ "$(cat "$T/o/$1.rc")" = 1 ] && [ ! -s "$T/o/$1.out" ] &&
	    [ "$(printf '%s\n' "$_l" | grep -c .)" = 1 ] || {
		echo "ours: exit $(cat "$T/o/$1.rc")"; cat "$T/o/$1.err"; return 1; }
	case $_l in
	*"$2"*) echo "cfssl: $(tail -n 1 "$T/r/$1.err")"; echo "ours: $_l" ;;
	*) echo "ours: '$_l' lacks '$2'"; return 1 ;;
	esac
}

# ok_case LABEL NAME ARGS...: cfssl bundle ARGS by both: exit 0, the same
# JSON, the same log lines.
ok_case() {
	_l=$1 _n=$2
	shift 2
	both "$_n" cfssl bundle "$@"
	check "$_l: exit 0 both" rcs "$_n" 0 0
	check "$_l: the same JSON, field by field" same_json "$_n"
	check "$_l: the same log lines" same_log "$_n"
}

# ---- bundles cfssl makes ---------------------------------------------------
ok_case "leaf + -int-bundle" b1 -cert leaf.pem -ca-bundle ca.pem -int-bundle int.pem
ok_case "leaf+intermediate in one file" b2 -cert chain.pem -ca-bundle ca.pem
ok_case "intermediate+leaf (reversed)" b3 -cert rchain.pem -ca-bundle ca.pem
ok_case "-flavor optimal" b4 -cert chain.pem -ca-bundle ca.pem -flavor optimal
ok_case "-flavor force" b5 -cert chain.pem -ca-bundle ca.pem -flavor force
ok_case "-flavor force, leaf only" b6 -cert soon.pem -flavor force
ok_case "an unknown flavor (ubiquitous, no warning)" b7 -cert chain.pem -ca-bundle ca.pem -flavor bogus
ok_case "OCSP leaf under an intermediate" b8 -cert ocsp.pem -ca-bundle ca.pem -int-bundle int.pem
ok_case "OCSP leaf right under the root: the root stays" b9 -cert direct.pem -ca-bundle rsaca.pem
ok_case "RSA-only chain: no ECDSA message" b10 -cert peer.pem -ca-bundle rsaca.pem
ok_case "two roots in the CA bundle" b11 -cert chain.pem -ca-bundle roots.pem
ok_case "-key" b12 -cert leaf.pem -key leaf-key.pem -ca-bundle ca.pem -int-bundle int.pem
ok_case "a leaf expiring within 30 days" b13 -cert soon.pem -ca-bundle ca.pem -int-bundle int.pem
ok_case "force, expiring, with its intermediate" b14 -cert soonchain.pem -flavor force
ok_case "an intermediate as the certificate" b15 -cert int.pem -ca-bundle ca.pem
ok_case "DER certificate" b16 -cert leaf.der -ca-bundle ca.pem -int-bundle int.pem
ok_case "-cert=x -ca-bundle=y spellings" b17 -cert=chain.pem --ca-bundle=ca.pem

# The stand-alone program name.
both sa cfssl-bundle -cert chain.pem -ca-bundle ca.pem
check "cfssl-bundle (program name): exit 0 both" rcs sa 0 0
check "cfssl-bundle: the same JSON" same_json sa

# ---- what cfssl refuses ----------------------------------------------------
both e1 cfssl bundle -cert leaf.pem -ca-bundle ca.pem
check "no intermediate: both fail (unknown authority)" fails_both e1 "unknown authority"
both e2 cfssl bundle -cert cli.pem -ca-bundle ca.pem -int-bundle int.pem
check "client-auth-only leaf: both fail (server auth needed)" fails_both e2 "server auth"
both e3 cfssl bundle -cert ca.pem -ca-bundle ca.pem
check "self-signed: both fail" fails_both e3 "self-signed"
both e4 cfssl bundle -cert leaf.pem -key int-key.pem -ca-bundle ca.pem -int-bundle int.pem
check "key of another certificate: both fail" fails_both e4 "does not match"
both e5 cfssl bundle -cert junk.pem -ca-bundle ca.pem
check "not a certificate: both fail, ours names the file" fails_both e5 "junk.pem"
both e6 cfssl bundle -cert nonexistent.pem -ca-bundle ca.pem
check "missing file: both fail" fails_both e6 "nonexistent.pem"
both e7 cfssl bundle -cert leaf.pem -ca-bundle nonexistent.pem
check "missing CA bundle: both fail" fails_both e7 "nonexistent.pem"
# Without -ca-bundle, the system's roots: a private root is unknown.
both e8 cfssl bundle -cert chain.pem
check "no -ca-bundle: the system's roots, which lack this root: both fail" fails_both e8 "unknown authority"

# ---- cfssljson on bundle output --------------------------------------------
for s in r o; do
	if [ $s = r ]; then c=$RCFSSL j=/usr/bin/cfssljson; else c=$OBIN/cfssl j=$OBIN/cfssljson; fi
	(cd "$T/$s" && "$c" bundle -cert "$I/chain.pem" -ca-bundle "$I/ca.pem" 2>/dev/null |
	    "$j" -bare srv >/dev/null 2>&1) || :
done
check "cfssl bundle | cfssljson -bare srv: the same srv-bundle.pem, bytes and mode" sh -c '
	cmp "$1/srv-bundle.pem" "$2/srv-bundle.pem" &&
	[ "$(stat -c %a "$1/srv-bundle.pem")" = "$(stat -c %a "$2/srv-bundle.pem")" ] &&
	[ "$(ls "$1" | grep -c "^srv")" = "$(ls "$2" | grep -c "^srv")" ]' sh "$T/r" "$T/o"
check "srv-bundle.pem is the chain openssl verifies" openssl verify -CAfile "$I/ca.pem" \
    -untrusted "$T/o/srv-bundle.pem" "$T/o/srv-bundle.pem"
# cfssljson master reads {"result":{"bundle":{...}}}; 1.2.0 writes nothing.
"$OBIN/cfssl" bundle -cert "$I/chain.pem" -ca-bundle "$I/ca.pem" 2>/dev/null |
    "$PY" -c 'import json, sys; print(json.dumps({"result": {"bundle": json.load(sys.stdin)}}))' \
    >"$T/wrapped.json"
(cd "$T/r" && /usr/bin/cfssljson -bare wrapped <"$T/wrapped.json" >/dev/null 2>&1) || :
(cd "$T/o" && "$OBIN/cfssljson" -bare wrapped <"$T/wrapped.json" >/dev/null 2>&1) || :
check "known difference: cfssljson 1.2.0 writes nothing from result.bundle" sh -c \
    '! ls "$1" | grep -q "^wrapped"' sh "$T/r"
check "known difference: ours writes wrapped-bundle.pem (bundle + root) and wrapped-root.pem, as cfssljson master" sh -c '
	[ -s "$1/wrapped-root.pem" ] &&
	[ "$(grep -c BEGIN "$1/wrapped-bundle.pem")" = 3 ] &&
	openssl verify -CAfile "$1/wrapped-root.pem" -untrusted "$1/wrapped-bundle.pem" \
	    "$1/wrapped-bundle.pem"' sh "$T/o"

# ---- deliberate differences ------------------------------------------------
both p12 cfssl bundle -cert leaf.p12 -ca-bundle ca.pem
check "known difference: a PKCS #12 file of current OpenSSL: cfssl 1.2.0 cannot decode it" \
    sh -c '[ "$(cat "$1")" != 0 ]' sh "$T/r/p12.rc"
check "known difference: ours reads it (password \"0\", cfssl's default) and bundles" \
    "$PY" -c 'import json, sys
j = json.load(open(sys.argv[1]))
assert j["bundle"].count("BEGIN CERTIFICATE") == 2 and j["key"].startswith("-----BEGIN RSA")' \
    "$T/o/p12.out"
# A DER certificate whose signature ends in white space (see the leaf
# above), signed by etcd-pki until one does (1 in about 43; 2000 tries
# miss with a chance under 1e-20).
_try=0
while [ $_try -lt 2000 ]; do
	"$ETCD_PKI" gencert -ca int.pem -ca-key int-key.pem -config cfg.json \
	    -o ws leaf.json 2>/dev/null || break
	openssl x509 -in ws.pem -outform DER -out ws.der
	case $(tail -c 1 ws.der | od -An -tu1 | tr -d ' ') in
	9 | 10 | 11 | 12 | 13 | 32) break ;;
	esac
	_try=$((_try + 1))
	rm -f ws.der
done
both ws cfssl bundle -cert ws.der -ca-bundle ca.pem -int-bundle int.pem
check "known difference: a DER certificate ending in a white-space byte: cfssl cannot decode it" \
    sh -c '[ -s ws.der ] && [ "$(cat "$1")" != 0 ] &&
    grep -q "Failed to decode certificate" "$2"' sh "$T/r/ws.rc" "$T/r/ws.err"
check "known difference: ours bundles it" "$PY" -c 'import json, sys
j = json.load(open(sys.argv[1]))
assert j["bundle"].count("BEGIN CERTIFICATE") == 2' "$T/o/ws.out"
both dom cfssl bundle -domain example.net
check "-domain: ours refuses it in one line (no network)" sh -c '
	[ "$(cat "$1/dom.rc")" = 1 ] && grep -q "^cfssl: bundle: -domain: .*not supported" "$1/dom.err"' \
    sh "$T/o"

# ---- cfssl-certinfo ---------------------------------------------------------
both ci cfssl-certinfo -cert leaf.pem
check "cfssl-certinfo -cert (program name): exit 0 both" rcs ci 0 0
check "cfssl-certinfo -cert: the same JSON once key ids are zero-padded" "$PY" -c '
import re, sys
def pad(m):
    return "\"%s\": \"%s\"" % (m.group(1), ":".join(
        "%02X" % int(x, 16) for x in m.group(2).split(":")))
a, b = (re.sub(r"\"(authority_key_id|subject_key_id)\": \"([0-9A-F:]+)\"", pad,
        open(p).read()) for p in sys.argv[1:3])
sys.exit(a != b)' "$T/r/ci.out" "$T/o/ci.out"
both ci2 cfssl-certinfo -cert nonexistent.pem
check "cfssl-certinfo on a missing file: cfssl exits 0 (!), ours 1 with one line" sh -c '
	[ "$(cat "$1/ci2.rc")" = 0 ] && [ "$(cat "$2/ci2.rc")" = 1 ] &&
	grep -q "^cfssl-certinfo: certinfo: nonexistent.pem: " "$2/ci2.err"' sh "$T/r" "$T/o"

# certinfo -domain against a TLS server on loopback.
port=$(free_port)
openssl s_server -quiet -accept "127.0.0.1:$port" -cert "$I/leaf.pem" \
    -key "$I/leaf-key.pem" -cert_chain "$I/int.pem" >/dev/null 2>&1 </dev/null &
bg_pid $!
wait_for 10 sh -c 'ss -Hltn "sport = :$1" | grep -q .' sh "$port" || :
both dom2 cfssl certinfo -domain "127.0.0.1:$port"
check "certinfo -domain 127.0.0.1:PORT: exit 0 both" rcs dom2 0 0
check "certinfo -domain: the same JSON (key ids padded) as cfssl's" "$PY" -c '
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
pad = lambda s: ":".join("%02X" % int(x, 16) for x in s.split(":"))
for k in ("authority_key_id", "subject_key_id"):
    a[k] = pad(a[k])
sys.exit(a != b)' "$T/r/dom2.out" "$T/o/dom2.out"
finish
