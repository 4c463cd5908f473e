#!/bin/sh
# seed.sh: builds the seed corpus of every fuzz target under OUT
# (OUT/<target>/, one file per distinct input, named by its SHA-1) from
# the test inputs: tests/data/**, tests/bad-input/** when present, the
# regression inputs tests/fuzz-regress/TARGET/* (each to its target), and
# cfssl's test data ($CFSSL_FIXTURES, by default ../shared/fixtures/cfssl,
# read in place, never copied into the tree) when present.  Nothing here
# is committed.
#
#	sh fuzz/seed.sh OUT
set -eu
LC_ALL=C
export LC_ALL
: "${TOP_SRCDIR:=$(cd "$(dirname "$0")/.." && pwd)}"
OUT=${1:?usage: seed.sh OUT}
DATA=$TOP_SRCDIR/tests/data
BAD=$TOP_SRCDIR/tests/bad-input
REG=$TOP_SRCDIR/tests/fuzz-regress
FIX=${CFSSL_FIXTURES:-$TOP_SRCDIR/../shared/fixtures/cfssl}
[ -d "$FIX" ] || FIX=

TARGETS="csr config cluster cert req key duration hosts cfssljson"
for t in $TARGETS; do
	mkdir -p "$OUT/$t"
done

# add TARGET FILE: copy FILE into TARGET's corpus under its hash.
add() {
	[ -f "$2" ] || return 0
	h=$(sha1sum <"$2" | cut -c1-40)
	[ -f "$OUT/$1/$h" ] || cp "$2" "$OUT/$1/$h"
}
# addstr TARGET STRING: the bytes of STRING as one input.
addstr() {
	printf '%s' "$2" >"$OUT/.tmp"
	add "$1" "$OUT/.tmp"
}

# files DIR...: every regular file under DIRs that exist.
files() {
	for d in "$@"; do
		[ -d "$d" ] && find "$d" -type f ! -name '*.expect' ! -name '*.md' \
		    ! -name LICENSE
	done
	return 0
}

# The JSON formats, by directory.
for f in $(files "$DATA/csr" "$DATA/subject" "$DATA/compat/csr" \
    "$DATA/compat/initca" "$DATA/compat/invalid" "$DATA/compat/known"); do
	add csr "$f"
done
for f in $(files "$DATA/config" "$DATA/compat/config" "$DATA/cluster/config" \
    "$DATA/compat/invalid" "$DATA/compat/known" "$DATA/compat/verify"); do
	add config "$f"
done
for f in $(files "$DATA/cluster"); do
	add cluster "$f"
done

# cfssl's test data, by content.
if [ -n "$FIX" ]; then
	for f in $(files "$FIX"); do
		case $f in
		*.json)
			if grep -q '"signing"' "$f"; then add config "$f"
			else add csr "$f"; fi
			;;
		*.yml|*.yaml)
			add cluster "$f"
			;;
		*)
			grep -q 'BEGIN CERTIFICATE-----' "$f" 2>/dev/null &&
			    add cert "$f"
			grep -q 'CERTIFICATE REQUEST-----' "$f" 2>/dev/null &&
			    add req "$f"
			grep -q 'PRIVATE KEY-----\|EC PARAMETERS' "$f" 2>/dev/null &&
			    add key "$f"
			case $f in
			*.der|*.crt|*garbage*) add cert "$f" ;;
			esac
			;;
		esac
	done
fi

# What fuzzing (or a review) found, so each run starts from it.
for t in $TARGETS; do
	for f in $(files "$REG/$t"); do
		add "$t" "$f"
	done
done

# The hostile-input corpus: by the format its path names, else every
# target (they all must survive it).
for f in $(files "$BAD"); do
	case $f in
	*cluster*|*.yml|*.yaml) add cluster "$f" ;;
	*config*) add config "$f" ;;
	*subject*|*csr*.json|*csr/*) add csr "$f" ;;
	*cfssljson*|*/json/*) add cfssljson "$f" ;;
	*req*|*.csr) add req "$f" ;;
	*key*) add key "$f" ;;
	*cert*|*.pem|*.crt|*.der) add cert "$f" ;;
	*duration*) add duration "$f" ;;
	*host*) add hosts "$f" ;;
	*) for t in $TARGETS; do add "$t" "$f"; done ;;
	esac
done

# Keys the fixtures may lack: encrypted PKCS#8 and legacy encrypted PEM
# under the password fuzz-key tries, and Ed25519.
if command -v openssl >/dev/null 2>&1; then
	k=$OUT/.key
	if openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
	    -out "$k" 2>/dev/null; then
		add key "$k"
		openssl pkcs8 -topk8 -in "$k" -passout pass:password \
		    -iter 16 -out "$k.p8" 2>/dev/null && add key "$k.p8"
		openssl ec -in "$k" -aes128 -passout pass:password \
		    -out "$k.leg" 2>/dev/null && add key "$k.leg"
		openssl ec -in "$k" -param_out -out "$k.par" 2>/dev/null &&
		    add key "$k.par"
		# A request and a certificate for it, with every SAN type.
		if openssl req -new -key "$k" -subj '/CN=fuzz/O=o/OU=u' \
		    -addext 'subjectAltName=DNS:a.example,IP:10.0.0.1,IP:::1,email:a@b.example,URI:spiffe://x/y' \
		    -out "$k.csr" 2>/dev/null; then
			add req "$k.csr"
		fi
		if openssl req -x509 -new -key "$k" -days 1 \
		    -subj '/CN=fuzz CA/O=o' -addext 'basicConstraints=critical,CA:TRUE,pathlen:1' \
		    -addext 'subjectAltName=DNS:a.example,IP:10.0.0.1' \
		    -addext 'extendedKeyUsage=serverAuth,clientAuth,1.2.3.4' \
		    -out "$k.crt" 2>/dev/null; then
			add cert "$k.crt"
			openssl x509 -in "$k.crt" -outform DER -out "$k.der" \
			    2>/dev/null && add cert "$k.der"
			# cfssl's output: bare and in the API envelope.
			/usr/bin/python3 - "$k.crt" "$k" "$k.csr" "$OUT/cfssljson" <<'PY' || :
import hashlib, json, os, sys
crt, key, csr = (open(p).read() for p in sys.argv[1:4])
out = sys.argv[4]
docs = [
    {"cert": crt, "key": key, "csr": csr},
    {"certificate": crt, "private_key": key, "certificate_request": csr,
     "bundle": {"bundle": crt, "root": crt}},
    {"success": True, "result": {"certificate": crt, "private_key": key,
     "certificate_request": csr}, "errors": [], "messages": []},
    {"success": False, "result": None, "errors": [{"code": 1000,
     "message": "bad"}], "messages": []},
    {"encrypted_key": "x", "ocspResponse": "AAEC"},
]
for d in docs:
    b = json.dumps(d).encode()
    open(os.path.join(out, hashlib.sha1(b).hexdigest()), "wb").write(b)
PY
		fi
	fi
	if openssl genpkey -algorithm ED25519 -out "$k.ed" 2>/dev/null; then
		add key "$k.ed"
	fi
	rm -f "$k" "$k".*
fi

# Durations, in every form the parsers meet.
for s in 0 1h 8760h 43800h 87600h 876000h 30m 1h30m 1.5h -5m 1d 1y 2y3d \
    100ms 10us 10µs 10ns 0.000000001s 9223372036854775807ns \
    2562047h47m16.854775807s -2562047h47m16.854775808s 1e3h .5h 5.h \
    1h-1m 15s 43800h0m0s; do
	addstr duration "$s"
done

# Hosts: every form cfssl classifies, and those in the CSR inputs.
for s in etcd1 etcd1.example.com '*.example.com' 10.0.0.1 ::1 \
    fe80::1%eth0 2001:db8::1 ::ffff:10.0.0.1 127.1 user@example.com \
    'Name <user@example.com>' spiffe://cluster/ns/x https://a.example:8443/p \
    'a.example,10.0.0.2,b@c.example' 'x,,y' '' localhost; do
	addstr hosts "$s"
done
if [ -x /usr/bin/python3 ]; then
	/usr/bin/python3 - "$OUT/hosts" "$OUT"/csr/* <<'PY' || :
import hashlib, json, os, sys
out = sys.argv[1]
for p in sys.argv[2:]:
    try:
        d = json.load(open(p, encoding="utf-8"))
    except Exception:
        continue
    hs = d.get("hosts") if isinstance(d, dict) else None
    if not isinstance(hs, list):
        continue
    for h in hs:
        if isinstance(h, str):
            b = h.encode()
            open(os.path.join(out, hashlib.sha1(b).hexdigest()), "wb").write(b)
PY
fi
rm -f "$OUT/.tmp"

for t in $TARGETS; do
	printf '%s %s\n' "$t" "$(find "$OUT/$t" -type f | wc -l)"
done
