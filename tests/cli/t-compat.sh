#!/bin/sh
# t-compat.sh: the compatibility oracle.  The same inputs go through the real
# cfssl 1.2.0 (/usr/bin/cfssl, /usr/bin/cfssljson; Debian golang-cfssl) and
# through etcd-pki invoked as cfssl/cfssljson, and certcmp.py compares what
# they produce field by field (reference §6).  One TAP line per comparison.
#
# T_COMPAT_SELF=1 makes "ours" the real cfssl too: every comparison must then
# pass (serials and keys are random, nothing else); the checks of etcd-pki's
# deliberate differences are skipped in that mode.  T_KEEP=1 keeps the work
# directory.
#
# Known differences between cfssl 1.2.0 (deb) and cfssl master, which
# etcd-pki follows (reference §8).  Each one is exercised below as a
# "known difference" line that asserts OUR behaviour is master's:
#
#   difference              deb 1.2.0                 etcd-pki = master
#   URI SANs                URIs become DNS SANs      URI SANs (1.3.3+)
#   names[].E, names[].OID  ignored (unknown keys)    emailAddress / OID
#                                                     attributes (1.6.0+)
#   CSR ca.backdate         ignored, 5 min            notBefore = now - it
#   CSR crl_url (initca)    ignored                   CRL DP on the CA
#   CSR delegation_enabled  ignored                   DelegationUsage ext
#   "content commitment"    dropped (deb spells it    nonRepudiation; the deb
#                           "content committment")    spelling is accepted too
#   certinfo key ids        %X, no zero padding       %02X
#   Ed25519 keys            "invalid algorithm"       supported (1.6.5+); key
#                                                     PEM "PRIVATE KEY" (ours)
#   extra positional args   ignored                   error, exit 1
#   -ca/-ca-key env:/file:  plain paths only          prefixes read (1.3.0+)
#   selfsign SANs           none (issue #777)         the CSR's SANs
#   foreign CSR subject     unknown attributes        kept at the end
#                           (emailAddress) dropped
#
# Deliberate etcd-pki differences from every cfssl (errors where cfssl is
# silently wrong) are checked in t-cli-compat.sh and here for invalid inputs.
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/cli/setup.sh"

TOP_SRCDIR=$(cd "$TOP_SRCDIR" && pwd)
CERTCMP=$TOP_SRCDIR/tests/cli/certcmp.py
DATA=$TOP_SRCDIR/tests/data/compat
GUIDE=$TOP_SRCDIR/examples/guide/request-config.json
PY=/usr/bin/python3
RCFSSL=/usr/bin/cfssl
RJSON=/usr/bin/cfssljson
SELF=${T_COMPAT_SELF:-0}

[ -x "$RCFSSL" ] && [ -x "$RJSON" ] ||
	skip_all "real cfssl/cfssljson (Debian golang-cfssl) not installed"
[ -x "$PY" ] || skip_all "/usr/bin/python3 not installed"
need_cmd openssl || skip_all "openssl CLI not installed"

OBIN=$T/bin
mkdir -p "$OBIN"
if [ "$SELF" = 1 ]; then
	ln -s "$RCFSSL" "$OBIN/cfssl"
	ln -s "$RJSON" "$OBIN/cfssljson"
	diag "T_COMPAT_SELF=1: ours is the real cfssl (self-test of the harness)"
else
	[ -x "$ETCD_PKI" ] || { echo "Bail out! $ETCD_PKI is not built"; exit 1; }
	ln -s "$ETCD_PKI" "$OBIN/cfssl"
	ln -s "$ETCD_PKI" "$OBIN/cfssljson"
fi
start=$(date +%s)
ncmp=0
ndiff=0

# --------------------------------------------------------------- helpers ---

# run_pair DIR NAME ARGS...: "cfssl ARGS | cfssljson -bare NAME" in DIR/ref
# with the real tools and in DIR/ours with ours.  Each side leaves NAME.err
# (cfssl's stderr), NAME.rc (its exit status) and NAME.out (cfssljson's
# output).
run_pair() {
	run_side ref "$@"
	run_side ours "$@"
}

# run_side ref|ours DIR NAME ARGS...: one half of run_pair.  NAME.ran
# holds when the command started and ended (seconds since the epoch), for
# compare.
run_side() {
	_s=$1 _d=$2 _b=$3
	shift 3
	if [ "$_s" = ref ]; then
		_c=$RCFSSL _j=$RJSON
	else
		_c=$OBIN/cfssl _j=$OBIN/cfssljson
	fi
	mkdir -p "$_d/$_s"
	_t0=$(date +%s)
	(cd "$_d/$_s" &&
	    { "$_c" "$@" 2>"$_b.err"; echo $? >"$_b.rc"; } |
	    "$_j" -bare "$_b" >"$_b.out" 2>&1) || :
	echo "$_t0 $(date +%s)" >"$_d/$_s/$_b.ran"
}

# ran_of [certcmp options] A.pem B.pem: "--ran A0 A1 B0 B1" when both
# certificates were made by run_side (A.ran and B.ran), so that their
# notBefore is compared against the time each command ran, not against
# each other: the matrix's reference certificates are made long before
# some of the certificates compared with them.
ran_of() {
	while [ $# -gt 2 ]; do
		shift
	done
	case $1$2 in
	*.pem*.pem) ;;
	*) return 0 ;;
	esac
	[ -f "${1%.pem}.ran" ] && [ -f "${2%.pem}.ran" ] || return 0
	echo "--ran $(cat "${1%.pem}.ran") $(cat "${2%.pem}.ran")"
}

# compare NAME [certcmp options] A B: one TAP line from certcmp.py.  When a
# side produced no file, that tool's stderr is shown instead.
compare() {
	_name=$1
	shift
	ncmp=$((ncmp + 1))
	_rc=0
	_out=$("$PY" "$CERTCMP" $(ran_of "$@") "$@" 2>&1) || _rc=$?
	if [ "$_rc" -eq 0 ]; then
		pass "$_name"
	else
		fail "$_name"
		_nd=$(printf '%s\n' "$_out" | grep -c -v -e '^allowed: ' -e '^$') || :
		ndiff=$((ndiff + _nd))
	fi
	[ -z "$_out" ] || printf '%s\n' "$_out" | sed 's/^/#   /'
	if [ "$_rc" -eq 2 ]; then
		for _f in "$@"; do
			case $_f in
			*.pem | *.csr)
				[ -s "$_f" ] && continue
				_e=${_f%.*}
				_e=${_e%-key}.err
				[ -f "$_e" ] && sed 's/^/#   stderr: /' "$_e"
				;;
			esac
		done
	fi
	return 0
}

# exit_ok LABEL DIR NAME: both tools exited 0 in run_pair DIR NAME (or
# only ours, after run_side ours), and our stderr has no sanitizer report
# (UBSan does not change the exit status).
exit_ok() {
	_r=0
	[ ! -f "$2/ref/$3.rc" ] || _r=$(cat "$2/ref/$3.rc")
	_o=$(cat "$2/ours/$3.rc")
	if [ "$_r$_o" = 00 ] && ! grep -q -E \
	    'runtime error:|AddressSanitizer|LeakSanitizer' "$2/ours/$3.err"; then
		pass "$1: exit 0 both, no sanitizer report"
	else
		fail "$1: exit cfssl $_r, ours $_o"
		sed 's/^/#   ours stderr: /' "$2/ours/$3.err"
	fi
}

# ca_for INDEX: one of the three CAs, in turn.
ca_for() {
	case $(($1 % 3)) in
	0) echo rsa-2048 ;;
	1) echo ecdsa-256 ;;
	2) echo ecdsa-384 ;;
	esac
}

# gen_compare LABEL DIR CSRJSON CA ARGS...: gencert by both tools with the
# CA named CA ("-" for none), then compare the certificates (keys differ),
# the CSRs, and the key files' PEM labels.
gen_compare() {
	_l=$1 _gd=$2 _j=$3
	[ "$4" = - ] || set -- "$@" "-ca=$T/ca/$4.pem" "-ca-key=$T/ca/$4-key.pem"
	shift 4
	run_pair "$_gd" g gencert "$@" "$_j"
	exit_ok "gencert $_l" "$_gd" g
	compare "gencert $_l: certificate" "$_gd/ref/g.pem" "$_gd/ours/g.pem"
	compare "gencert $_l: CSR subject and extensions" --csr \
	    "$_gd/ref/g.csr" "$_gd/ours/g.csr"
	# The PEM labels ("EC PRIVATE KEY"), without the armour dashes, so that
	# the log holds no armour line (t-keysafety.sh scans the logs).
	_kr=$(head -n 1 "$_gd/ref/g-key.pem" 2>/dev/null | tr -d -) || :
	_ko=$(head -n 1 "$_gd/ours/g-key.pem" 2>/dev/null | tr -d -) || :
	if [ -n "$_kr" ] && [ "$_kr" = "$_ko" ] &&
	    key_matches "$_gd/ours/g-key.pem" "$_gd/ours/g.pem"; then
		pass "gencert $_l: key file $_ko, matches the certificate"
	else
		fail "gencert $_l: key file label ref '$_kr' ours '$_ko', or ours does not match its certificate"
	fi
}

# key_matches KEY CERT: the key's public half is the certificate's key.
key_matches() {
	_a=$(openssl pkey -in "$1" -pubout 2>/dev/null) || return 1
	_c=$(openssl x509 -in "$2" -noout -pubkey 2>/dev/null) || return 1
	[ -n "$_a" ] && [ "$_a" = "$_c" ]
}

# sign_compare LABEL DIR CSR CA ARGS...: sign the same CSR PEM with both
# tools and the CA named CA ("-": ARGS give it), compare with --same-key.
sign_compare() {
	_l=$1 _sd=$2 _c=$3
	[ "$4" = - ] || set -- "$@" "-ca=$T/ca/$4.pem" "-ca-key=$T/ca/$4-key.pem"
	shift 4
	run_pair "$_sd" s sign "$@" "$_c"
	exit_ok "sign $_l" "$_sd" s
	compare "sign $_l" --same-key "$_sd/ref/s.pem" "$_sd/ours/s.pem"
}

# ours_only LABEL: in T_COMPAT_SELF mode skip a check of etcd-pki's own
# behaviour (returns 1), else return 0.
ours_only() {
	if [ "$SELF" = 1 ]; then
		skip "T_COMPAT_SELF=1: ours is cfssl 1.2.0, not etcd-pki ($1)"
		return 1
	fi
	return 0
}

# show FILE: certcmp.py's readable dump of a certificate.
show() {
	"$PY" "$CERTCMP" --show "$1" 2>&1 || :
}

# shows LABEL FILE GLOB: a line of `show FILE` matches the shell pattern GLOB
# (escape [ ] * ? with a backslash to match them literally).
shows() {
	_out=$(show "$2")
	_ifs=$IFS
	IFS='
'
	for _line in $_out; do
		# shellcheck disable=SC2254
		case $_line in
		$3) IFS=$_ifs; pass "$1"; return 0 ;;
		esac
	done
	IFS=$_ifs
	fail "$1"
	printf '%s\n' "$_out" | sed 's/^/#   got: /'
}

# --------------------------------------------------------- the three CAs ---
mkdir -p "$T/ca"
for ca in rsa-2048 ecdsa-256 ecdsa-384; do
	(cd "$T/ca" && "$RCFSSL" gencert -initca "$DATA/initca/ca-$ca.json" \
	    2>"$ca.err" | "$RJSON" -bare "$ca" >/dev/null 2>&1) || :
	if [ -s "$T/ca/$ca.pem" ] && [ -s "$T/ca/$ca-key.pem" ]; then
		pass "CA $ca made by cfssl gencert -initca"
	else
		fail "CA $ca made by cfssl gencert -initca"
		sed 's/^/#   /' "$T/ca/$ca.err"
		echo "Bail out! cannot make the CAs"
		exit 1
	fi
done
# The CA of single cases.
CA1=-ca=$T/ca/ecdsa-256.pem
CK1=-ca-key=$T/ca/ecdsa-256-key.pem

# ------------------------------------------------ certcmp.py self-check ---
# The comparator must see what it is meant to see: differences made by
# editing one DER byte string of a real certificate (the signature is then
# wrong, which certcmp does not check) and whole different certificates.

# must_differ NAME WANT [certcmp options] A B: certcmp.py exits 1 and one of
# its lines contains WANT.
must_differ() {
	_name=$1 _want=$2
	shift 2
	_rc=0
	_out=$("$PY" "$CERTCMP" "$@" 2>&1) || _rc=$?
	case $_rc:$_out in
	1:*"$_want"*) pass "certcmp self-check: $_name" ;;
	*)
		fail "certcmp self-check: $_name (exit $_rc)"
		printf '%s\n' "$_out" | sed 's/^/#   /'
		;;
	esac
}

# mutate IN OUT WHAT: writes OUT, IN's certificate with one edit of its DER.
mutate() {
	"$PY" - "$@" <<'EOF'
import base64, re, sys
sys.dont_write_bytecode = True  # never write into the source tree
sys.path.insert(0, sys.argv[4])
import certcmp as cc
src, dst, what = sys.argv[1:4]
der = bytearray(cc.read_pem(src, ("CERTIFICATE",)))
c = cc.Cert(src)
if what == "rdn-order":      # swap the two values of a 2-valued RDN SET
    for rdn in cc.inner(der, c.subject_t):
        avas = cc.inner(der, rdn)
        if len(avas) == 2:
            a, b = (bytes(der[t[1]:t[3]]) for t in avas)
            der[avas[0][1]:avas[1][3]] = b + a
            break
    else:
        sys.exit("no 2-valued RDN")
elif what == "string-type":  # PrintableString CN -> UTF8String
    cn = bytes.fromhex("0603550403") + b"\x13"
    i = der.index(cn, c.subject_t[1])
    der[i + 5] = 0x0C
elif what == "san-byte":     # one letter of a DNS name
    i = der.index(b"multi.example.net", c.subject_t[3])
    der[i] = ord("n")
elif what == "eku-order":    # swap serverAuth and clientAuth
    sa = bytes.fromhex("06082b06010505070301")
    ca = bytes.fromhex("06082b06010505070302")
    i = der.index(sa + ca)
    der[i:i + 20] = ca + sa
pem = base64.encodebytes(bytes(der)).decode().replace("\n", "")
with open(dst, "w") as f:
    f.write("-----BEGIN CERTIFICATE-----\n")
    f.write("\n".join(pem[i:i + 64] for i in range(0, len(pem), 64)))
    f.write("\n-----END CERTIFICATE-----\n")
EOF
}

mkdir -p "$T/self"
"$RCFSSL" gencert -ca "$T/ca/ecdsa-256.pem" -ca-key "$T/ca/ecdsa-256-key.pem" \
    -config "$GUIDE" -profile peer "$DATA/csr/04-multi-names.json" 2>/dev/null |
    (cd "$T/self" && "$RJSON" -bare c) || :
for w in rdn-order string-type san-byte eku-order; do
	mutate "$T/self/c.pem" "$T/self/$w.pem" "$w" "$TOP_SRCDIR/tests/cli" ||
	    fail "certcmp self-check: cannot make the $w edit"
done
must_differ "RDN SET member order" "subject: DER differs" \
    "$T/self/c.pem" "$T/self/rdn-order.pem"
must_differ "PrintableString vs UTF8String" "CN='multi.example.net'/UTF8" \
    "$T/self/c.pem" "$T/self/string-type.pem"
must_differ "one SAN byte, printed decoded" "DNS:nulti.example.net" \
    "$T/self/c.pem" "$T/self/san-byte.pem"
must_differ "EKU order" "ext extKeyUsage(2.5.29.37): value differs" \
    "$T/self/c.pem" "$T/self/eku-order.pem"
must_differ "two roots: key algorithm" "public key algorithm" \
    "$T/ca/rsa-2048.pem" "$T/ca/ecdsa-256.pem"
must_differ "two roots: signature algorithm" "signature algorithm" \
    "$T/ca/ecdsa-256.pem" "$T/ca/ecdsa-384.pem"
must_differ "--same-key on different keys" "public key: bits differ" \
    --same-key "$T/ca/ecdsa-256.pem" "$T/self/c.pem"
must_differ "--allow lets only the named fields pass" "validity: lifetime" \
    --allow subject --allow issuer --allow signature --allow publickey \
    --allow extensions "$T/ca/ecdsa-384.pem" "$T/self/c.pem"
check "certcmp self-check: a certificate equals itself" "$PY" "$CERTCMP" \
    --same-key "$T/self/c.pem" "$T/self/c.pem"

# ------------------------------------- (a)+(b) every CSR JSON, peer profile ---
# Each CSR JSON: gencert by both tools under the guide's peer profile with one
# CA (in turn), then the reference's CSR PEM signed by both tools with every CA.
csrs=
for f in "$DATA"/csr/*.json; do
	csrs="$csrs $f"
done
if need_shared; then
	for f in testdata/csr.json cli/genkey/testdata/csr.json \
	    cli/gencsr/testdata/csr.json; do
		[ -f "$FIXTURES/$f" ] && csrs="$csrs $FIXTURES/$f"
	done
else
	skip "../shared not present: cfssl's CSR JSON fixtures not compared"
fi
i=0
for j in $csrs; do
	case $j in
	"$DATA"/*) n=$(basename "$j" .json) ;;
	*) n=fixture-$(echo "${j#"$FIXTURES"/}" | tr '/' '-' | sed 's/\.json$//') ;;
	esac
	ca=$(ca_for "$i")
	d=$T/m/$n
	gen_compare "$n (peer, CA $ca)" "$d" "$j" "$ca" -config="$GUIDE" \
	    -profile=peer
	if [ -s "$d/ref/g.csr" ]; then
		for sca in rsa-2048 ecdsa-256 ecdsa-384; do
			sign_compare "$n (peer, CA $sca)" "$d/sign-$sca" \
			    "$d/ref/g.csr" "$sca" -config="$GUIDE" -profile=peer
		done
	else
		fail "sign $n: no CSR from the reference gencert"
	fi
	i=$((i + 1))
done

# ------------------------------------------- every profile of the configs ---
# "config profile csr" triples; the CSR is a name from csr/ whose reference
# CSR PEM (made above) is also signed by both tools with every CA.
i=0
while read -r cfg prof csr; do
	pargs="-config=$cfg"
	[ "$prof" = default ] || pargs="$pargs -profile=$prof"
	ca=$(ca_for "$i")
	n=$(basename "$cfg" .json)-$prof
	d=$T/p/$n
	# shellcheck disable=SC2086
	gen_compare "$csr ($n, CA $ca)" "$d" "$DATA/csr/$csr.json" "$ca" \
	    $pargs
	for sca in rsa-2048 ecdsa-256 ecdsa-384; do
		# shellcheck disable=SC2086
		sign_compare "$csr ($n, CA $sca)" "$d/sign-$sca" \
		    "$T/m/$csr/ref/g.csr" "$sca" $pargs
	done
	i=$((i + 1))
done <<EOF
$GUIDE server 02-hosts-mixed
$GUIDE client 07-empty-subject
$DATA/config/intermediate.json intermediate 02-hosts-mixed
$DATA/config/intermediate.json ca-pathlen0 07-empty-subject
$DATA/config/intermediate.json ca-nopathlen 03-names-no-cn
$DATA/config/urls.json default 02-hosts-mixed
$DATA/config/urls.json inherit 02-hosts-mixed
$DATA/config/urls.json override 01-cn-only
$DATA/config/misc.json ocsp-nocheck 01-cn-only
$DATA/config/misc.json backdate 02-hosts-mixed
$DATA/config/misc.json fixed 04-multi-names
$DATA/config/misc.json whitelist 16-whitelist
$DATA/config/usages.json ku-all 02-hosts-mixed
$DATA/config/usages.json eku-all 02-hosts-mixed
$DATA/config/usages.json ku-only 01-cn-only
$DATA/config/usages.json eku-only 07-empty-subject
EOF

# A chain: the reference's intermediate (is_ca, max_path_len 1; its key is
# that of the reference gencert of 02-hosts-mixed) signs a leaf with both
# tools, so issuer and AKI come from an intermediate.
inter=$T/p/intermediate-intermediate/sign-ecdsa-256/ref/s.pem
if [ -s "$inter" ]; then
	sign_compare "leaf under the cfssl-made intermediate" "$T/chain" \
	    "$T/m/01-cn-only/ref/g.csr" - -ca="$inter" \
	    -ca-key="$T/m/02-hosts-mixed/ref/g-key.pem" -config="$GUIDE" \
	    -profile=server
else
	fail "leaf under the cfssl-made intermediate: no intermediate"
fi

# ------------------------------------------------------ -initca by both ---
for j in "$DATA"/initca/*.json; do
	n=$(basename "$j" .json)
	gen_compare "-initca $n" "$T/i/$n" "$j" - -initca
done

# ---------------------------------------------------------- overrides ---
gen_compare "-hostname a.example,10.0.0.1" "$T/o/hostname" \
    "$DATA/csr/02-hosts-mixed.json" ecdsa-256 -config="$GUIDE" \
    -profile=peer -hostname=a.example,10.0.0.1
gen_compare "-cn override.example.net" "$T/o/cn" \
    "$DATA/csr/04-multi-names.json" rsa-2048 -config="$GUIDE" \
    -profile=server -cn=override.example.net
sign_compare "-hostname 'b.example, 10.0.0.2,' (no trimming)" \
    "$T/o/sign-hostname" "$T/m/02-hosts-mixed/ref/g.csr" ecdsa-384 \
    -config="$GUIDE" -profile=client "-hostname=b.example, 10.0.0.2,"
# -initca ignores -hostname, -config and -profile in cfssl.
gen_compare "-initca ignores -hostname/-config/-profile" "$T/o/initca" \
    "$DATA/initca/hosts.json" - -initca -hostname=x.example,10.1.1.1 \
    -config="$GUIDE" -profile=peer

# ------------------------------------------------------- invalid inputs ---
# both_fail LABEL WANT ARGS...: cfssl ARGS must fail (exit non-zero, or no
# certificate on stdout: cfssl exits 0 on some errors, reference §1.0), and
# ours must exit non-zero with empty stdout and exactly one stderr line that
# is not a timestamped log line, containing WANT (the input file's name).
LOGLINE='^[0-9]{4}/[0-9]{2}/[0-9]{2} [0-9:]{8} \[[A-Z]+\] '
both_fail() {
	_l=$1 _want=$2
	shift 2
	_bd=$T/bad/$(echo "$_l" | tr -c 'A-Za-z0-9._\n-' _)
	mkdir -p "$_bd"
	_rrc=0
	"$RCFSSL" "$@" >"$_bd/ref.out" 2>"$_bd/ref.err" || _rrc=$?
	_why=$(grep -v -E "$LOGLINE" "$_bd/ref.err" | head -n 1 | cut -c 1-100)
	if [ "$_rrc" -ne 0 ] || ! grep -q '"cert"' "$_bd/ref.out"; then
		pass "$_l: cfssl fails (exit $_rrc: $_why)"
	else
		fail "$_l: cfssl accepted it"
	fi
	_orc=0
	"$OBIN/cfssl" "$@" >"$_bd/ours.out" 2>"$_bd/ours.err" || _orc=$?
	if ! ours_only "$_l: one-line error"; then
		return 0
	fi
	grep -v -E "$LOGLINE" "$_bd/ours.err" >"$_bd/ours.err1" || :
	if [ "$_orc" -ne 0 ] && [ ! -s "$_bd/ours.out" ] &&
	    [ "$(wc -l <"$_bd/ours.err1")" -eq 1 ] &&
	    grep -qF -e "$_want" "$_bd/ours.err1"; then
		pass "$_l: ours exits $_orc: $(sed "s|$TOP_SRCDIR/||" "$_bd/ours.err1")"
	else
		fail "$_l: ours exit $_orc, want non-zero, no stdout and one error line with '$_want'"
		sed 's/^/#   stderr: /' "$_bd/ours.err"
		sed 's/^/#   stdout: /' "$_bd/ours.out"
	fi
}

for f in "$DATA"/invalid/config-*.json; do
	b=$(basename "$f")
	both_fail "invalid config $b" "$b" gencert "$CA1" "$CK1" \
	    -config="$f" "$DATA/csr/01-cn-only.json"
done
for f in "$DATA"/invalid/csr-*.json; do
	b=$(basename "$f")
	both_fail "invalid CSR JSON $b" "$b" gencert "$CA1" "$CK1" \
	    -config="$GUIDE" -profile=peer "$f"
done
# The guide's default profile has no usages: 5100 in cfssl.  This is found
# when signing, not when loading the file: the error names the profile.
both_fail "default profile without usages" 'profile "default"' gencert \
    "$CA1" "$CK1" -config="$GUIDE" "$DATA/csr/01-cn-only.json"
if need_shared; then
	for f in "$FIXTURES"/config/testdata/invalid_*.json \
	    "$FIXTURES"/testdata/good_config.json; do
		both_fail "fixture ${f#"$FIXTURES"/}" "$(basename "$f")" \
		    gencert "$CA1" "$CK1" -config="$f" \
		    "$DATA/csr/01-cn-only.json"
	done
	f=$FIXTURES/cli/testdata/bad_csr.json
	both_fail "fixture ${f#"$FIXTURES"/}" "$(basename "$f")" gencert \
	    "$CA1" "$CK1" -config="$GUIDE" -profile=peer "$f"
else
	skip "../shared not present: cfssl's invalid config/CSR fixtures not run"
fi

# --------------------------------------------------- known differences ---
K=$DATA/known
kd=$T/k

# URI SANs.
run_pair "$kd/uri" g gencert "$CA1" "$CK1" -config="$GUIDE" -profile=peer \
    "$K/uri-san.json"
compare "known difference URI SANs: only the SAN differs" --allow ext:san \
    "$kd/uri/ref/g.pem" "$kd/uri/ours/g.pem"
ours_only "URI SANs" &&
    shows "known difference URI SANs: ours are URI SANs (master; deb: DNS SANs)" \
    "$kd/uri/ours/g.pem" 'ext subjectAltName(2.5.29.17): \[DNS:uri.example.net, URI:https://uri.example.net/etcd, URI:spiffe://example.net/etcd/member1\]'
shows "known difference URI SANs: cfssl 1.2.0 makes DNS SANs of URIs" \
    "$kd/uri/ref/g.pem" 'ext subjectAltName(2.5.29.17): \[DNS:uri.example.net, DNS:https://uri.example.net/etcd, DNS:spiffe://example.net/etcd/member1\]'


# names[].E and names[].OID.
run_pair "$kd/eoid" g gencert "$CA1" "$CK1" -config="$GUIDE" -profile=peer \
    "$K/names-e-oid.json"
compare "known difference names[].E/OID: only the subject differs" \
    --allow subject "$kd/eoid/ref/g.pem" "$kd/eoid/ours/g.pem"
ours_only "names[].E/OID" &&
    shows "known difference names[].E/OID: ours adds the OID and emailAddress attributes after CN (master)" \
    "$kd/eoid/ours/g.pem" "subject: O='E Org'/Printable, CN='e.example.net'/Printable, 1.2.3.4.5='abc'/*, emailAddress='admin@example.net'/*"

# ca.backdate in an -initca CSR.
run_pair "$kd/backdate" g gencert -initca "$K/initca-backdate.json"
now=$(date +%s)
compare "known difference ca.backdate: only notBefore differs" \
    --allow notBefore "$kd/backdate/ref/g.pem" "$kd/backdate/ours/g.pem"
if ours_only "ca.backdate"; then
	nb=$(show "$kd/backdate/ours/g.pem" | sed -n 's/^notBefore: \([0-9]*\) .*/\1/p')
	rb=$(show "$kd/backdate/ref/g.pem" | sed -n 's/^notBefore: \([0-9]*\) .*/\1/p')
	if [ -n "$nb" ] && [ $((now - nb)) -ge 3540 ] && [ $((now - nb)) -le 3690 ]; then
		pass "known difference ca.backdate: ours notBefore is now - 1h (master; deb: now - $(((now - rb) / 60)) min)"
	else
		fail "known difference ca.backdate: ours notBefore now - $((now - ${nb:-0})) s"
	fi
fi

# crl_url in an -initca CSR.
run_pair "$kd/crl" g gencert -initca "$K/initca-crl.json"
compare "known difference CSR crl_url: only the CRL DP differs" \
    --allow ext:crldp "$kd/crl/ref/g.pem" "$kd/crl/ours/g.pem"
if ours_only "crl_url"; then
	if openssl x509 -in "$kd/crl/ours/g.pem" -noout -ext crlDistributionPoints 2>/dev/null |
	    grep -q 'URI:http://crl.example.net/root.crl'; then
		pass "known difference CSR crl_url: ours CA has the CRL distribution point (master)"
	else
		fail "known difference CSR crl_url: ours CA lacks the CRL distribution point"
	fi
fi

# delegation_enabled.
run_pair "$kd/deleg" g gencert "$CA1" "$CK1" -config="$GUIDE" -profile=peer \
    "$K/delegation.json"
compare "known difference delegation_enabled: only DelegationUsage differs (certificate)" \
    --allow ext:1.3.6.1.4.1.44363.44 "$kd/deleg/ref/g.pem" "$kd/deleg/ours/g.pem"
compare "known difference delegation_enabled: only DelegationUsage differs (CSR)" \
    --csr --allow ext:1.3.6.1.4.1.44363.44 "$kd/deleg/ref/g.csr" "$kd/deleg/ours/g.csr"
ours_only "delegation_enabled" &&
    shows "known difference delegation_enabled: ours copies DelegationUsage (NULL) into the certificate (master)" \
    "$kd/deleg/ours/g.pem" 'ext delegationUsage(1.3.6.1.4.1.44363.44): 0500'

# "content commitment" (master) vs "content committment" (deb).
SP=$K/spelling.json
run_pair "$kd/cc-master" g gencert "$CA1" "$CK1" -config="$SP" -profile=master-spelling \
    "$DATA/csr/01-cn-only.json"
compare "known difference \"content commitment\": only keyUsage differs" \
    --allow ext:ku "$kd/cc-master/ref/g.pem" "$kd/cc-master/ours/g.pem"
ours_only "content commitment" &&
    shows "known difference \"content commitment\": ours sets nonRepudiation (master)" \
    "$kd/cc-master/ours/g.pem" 'ext keyUsage(2.5.29.15) critical: 030206c0 (digitalSignature,nonRepudiation)'
shows "known difference \"content commitment\": cfssl 1.2.0 drops the name (digitalSignature only)" \
    "$kd/cc-master/ref/g.pem" 'ext keyUsage(2.5.29.15) critical: 03020780 (digitalSignature)'
run_pair "$kd/cc-deb" g gencert "$CA1" "$CK1" -config="$SP" -profile=deb-spelling \
    "$DATA/csr/01-cn-only.json"
compare "\"content committment\" (deb spelling): same certificate" \
    "$kd/cc-deb/ref/g.pem" "$kd/cc-deb/ours/g.pem"

# certinfo key ids: deb does not zero-pad.
if ours_only "certinfo key-id padding"; then
	c=$T/m/01-cn-only/ref/g.pem
	"$RCFSSL" certinfo -cert "$c" >"$kd/ci-ref.json" 2>/dev/null || :
	"$OBIN/cfssl" certinfo -cert "$c" >"$kd/ci-ours.json" 2>&1 || :
	if "$PY" - "$kd/ci-ref.json" "$kd/ci-ours.json" <<'EOF'
import json, re, sys
ref, ours = (json.load(open(p)) for p in sys.argv[1:3])
pad = lambda s: ":".join("%02X" % int(x, 16) for x in s.split(":")) if s else s
ok = True
for k in ("authority_key_id", "subject_key_id"):
    if not re.fullmatch(r"([0-9A-F]{2})(:[0-9A-F]{2})*", ours.get(k, "")):
        print("ours %s not zero-padded: %r" % (k, ours.get(k)))
        ok = False
    if pad(ref.get(k, "")) != ours.get(k):
        print("%s: deb %r (padded %r) != ours %r" % (k, ref.get(k), pad(ref.get(k, "")), ours.get(k)))
        ok = False
    ref[k] = ours.get(k)
if ref != ours:
    print("other certinfo fields differ")
    ok = False
sys.exit(0 if ok else 1)
EOF
	then
		pass "known difference certinfo key ids: ours zero-pads (%02X, master); otherwise equal"
	else
		fail "known difference certinfo key ids"
	fi
fi

# Ed25519.
run_pair "$kd/ed" g gencert "$CA1" "$CK1" -config="$GUIDE" -profile=peer "$K/ed25519.json"
if grep -q 'invalid algorithm' "$kd/ed/ref/g.err" && [ ! -s "$kd/ed/ref/g.pem" ]; then
	pass "known difference Ed25519: cfssl 1.2.0 fails with invalid algorithm"
else
	fail "known difference Ed25519: cfssl 1.2.0 did not fail as expected"
fi
if ours_only "Ed25519"; then
	shows "known difference Ed25519: ours issues an Ed25519 leaf" \
	    "$kd/ed/ours/g.pem" 'publickey: Ed25519(1.3.101.112)'
	check "known difference Ed25519: ours writes the key as PKCS#8 PRIVATE KEY (cfssl master: \"Ed25519 PRIVATE KEY\")" \
	    grep -qx -e '-----BEGIN PRIVATE KEY-----' "$kd/ed/ours/g-key.pem"
	check "known difference Ed25519: the key matches the leaf" key_matches \
	    "$kd/ed/ours/g-key.pem" "$kd/ed/ours/g.pem"
	run_side ours "$kd/ed" edca gencert -initca "$K/ed25519-ca.json"
	exit_ok "known difference Ed25519: ours gencert -initca" "$kd/ed" edca
	shows "known difference Ed25519: ours makes an Ed25519 root (pure Ed25519 signature)" \
	    "$kd/ed/ours/edca.pem" 'signature: Ed25519(1.3.101.112)'
	check "known difference Ed25519: the root verifies (openssl -x509_strict)" \
	    openssl verify -x509_strict -CAfile "$kd/ed/ours/edca.pem" \
	    "$kd/ed/ours/edca.pem"
fi

# Extra positional arguments.
run_pair "$kd/extra" g gencert "$CA1" "$CK1" -config="$GUIDE" -profile=peer \
    "$DATA/csr/01-cn-only.json" extra-argument
if [ -s "$kd/extra/ref/g.pem" ]; then
	pass "known difference extra argument: cfssl 1.2.0 ignores it"
else
	fail "known difference extra argument: cfssl 1.2.0 failed"
fi
if ours_only "extra argument"; then
	if [ "$(cat "$kd/extra/ours/g.rc")" -ne 0 ] && [ ! -s "$kd/extra/ours/g.pem" ]; then
		pass "known difference extra argument: ours refuses it (master): $(tail -n 1 "$kd/extra/ours/g.err")"
	else
		fail "known difference extra argument: ours accepted it"
	fi
fi

# -ca file:PATH and -ca-key env:VAR.
if ours_only "-ca file: / -ca-key env:"; then
	CAKEY_PEM=$(cat "$T/ca/ecdsa-384-key.pem")
	export CAKEY_PEM
	# The reference is signed now too, so that the times compare.
	run_side ref "$kd/prefix" s sign -ca "$T/ca/ecdsa-384.pem" \
	    -ca-key "$T/ca/ecdsa-384-key.pem" -config="$GUIDE" -profile=peer \
	    "$T/m/01-cn-only/ref/g.csr"
	run_side ours "$kd/prefix" s sign -ca "file:$T/ca/ecdsa-384.pem" \
	    -ca-key env:CAKEY_PEM -config="$GUIDE" -profile=peer \
	    "$T/m/01-cn-only/ref/g.csr"
	unset CAKEY_PEM
	exit_ok "known difference -ca file:PATH -ca-key env:VAR: ours sign" \
	    "$kd/prefix" s
	compare "known difference -ca file:PATH -ca-key env:VAR: ours reads them (master) and signs as cfssl does with paths" \
	    --same-key "$kd/prefix/ref/s.pem" "$kd/prefix/ours/s.pem"
fi

# selfsign puts the CSR's SANs in (master); deb puts none.
run_pair "$kd/selfsign" g selfsign ignored.example \
    "$DATA/csr/02-hosts-mixed.json"
exit_ok "selfsign" "$kd/selfsign" g
ours_only "selfsign SANs" &&
    shows "known difference selfsign: ours has the CSR's SANs (master; deb: none)" \
    "$kd/selfsign/ours/g.pem" 'ext subjectAltName(2.5.29.17): \[DNS:mixed.example.net, DNS:\*.mixed.example.net, DNS:localhost, email:ops@example.net, IP:10.20.30.40, IP:2001:db8::17, IP:::1\]'
check "known difference selfsign: cfssl 1.2.0 puts no SAN in" \
    sh -c '! "$1" "$2" --show "$3" | grep subjectAltName' sh "$PY" \
    "$CERTCMP" "$kd/selfsign/ref/g.pem"
compare "selfsign: same subject, key type, usages (serial, SANs, validity rounding allowed)" \
    --allow ext:san --allow validity "$kd/selfsign/ref/g.pem" "$kd/selfsign/ours/g.pem"

# A foreign (OpenSSL) CSR: CN first, UTF8String values, an emailAddress.
# Both re-encode the subject in Go's order and string types; master (and
# ours) keeps emailAddress at the end, deb drops it.
mkdir -p "$kd/foreign"
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$kd/foreign/k.pem" -utf8 -out "$kd/foreign/f.csr" \
    -subj "/CN=foreign.example.net/O=Foreign Org/emailAddress=pki@example.net" \
    2>/dev/null || :
run_pair "$kd/foreign" s sign "$CA1" "$CK1" -config="$GUIDE" -profile=peer \
    "$kd/foreign/f.csr"
compare "known difference foreign CSR: only the subject differs" \
    --allow subject --same-key "$kd/foreign/ref/s.pem" "$kd/foreign/ours/s.pem"
shows "foreign CSR: cfssl 1.2.0 re-encodes the subject in Go's order and types, drops emailAddress" \
    "$kd/foreign/ref/s.pem" "subject: O='Foreign Org'/Printable, CN='foreign.example.net'/Printable"
ours_only "foreign CSR subject" &&
    shows "known difference foreign CSR: ours re-encodes the same and keeps emailAddress at the end (master)" \
    "$kd/foreign/ours/s.pem" "subject: O='Foreign Org'/Printable, CN='foreign.example.net'/Printable, emailAddress='pki@example.net'/*"

diag "$ncmp comparisons, $ndiff differences, $(($(date +%s) - start)) s"
finish
