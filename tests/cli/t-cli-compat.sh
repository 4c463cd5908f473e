#!/bin/sh
# t-cli-compat.sh: etcd-pki as a drop-in for the cfssl/cfssljson command
# lines.  The same command lines run through the real cfssl 1.2.0 and through
# our cfssl/cfssljson links, and what a script can observe is compared: exit
# status, stdout JSON (keys, order, compactness), stderr log lines, files
# written by cfssljson and their modes (reference §1, §2).  Where etcd-pki
# deliberately differs (errors where cfssl silently does something else),
# the line asserts OUR behaviour and names cfssl's.
#
# T_COMPAT_SELF=1 makes "ours" the real cfssl (harness self-test); the
# checks of deliberate differences are then skipped.
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/cli/setup.sh"

TOP_SRCDIR=$(cd "$TOP_SRCDIR" && pwd)
DATA=$TOP_SRCDIR/tests/data/compat
GUIDE=$TOP_SRCDIR/examples/guide/request-config.json
PY=/usr/bin/python3
RCFSSL=/usr/bin/cfssl
RJSON=/usr/bin/cfssljson
SELF=${T_COMPAT_SELF:-0}

[ -x "$RCFSSL" ] && [ -x "$RJSON" ] ||
	skip_all "real cfssl/cfssljson (Debian golang-cfssl) not installed"
[ -x "$PY" ] || skip_all "/usr/bin/python3 not installed"
OBIN=$T/bin
mkdir -p "$OBIN" "$T/r" "$T/o"
if [ "$SELF" = 1 ]; then
	ln -s "$RCFSSL" "$OBIN/cfssl"
	ln -s "$RJSON" "$OBIN/cfssljson"
	diag "T_COMPAT_SELF=1: ours is the real cfssl (self-test of the harness)"
else
	[ -x "$ETCD_PKI" ] || { echo "Bail out! $ETCD_PKI is not built"; exit 1; }
	ln -s "$ETCD_PKI" "$OBIN/cfssl"
	ln -s "$ETCD_PKI" "$OBIN/cfssljson"
fi
umask 022
cd "$T" || exit 1

# The CA, made by the real cfssl, for 10 years: the leaves below (5 years)
# never outlive it, whichever minute each is made in (else etcd-pki warns
# that the leaf outlives its CA, and the stderr comparisons differ).
cat >ca-csr.json <<'EOF'
{"CN": "compat P-256 root", "key": {"algo": "ecdsa", "size": 256},
 "names": [{"C": "US", "O": "etcd-pki compat", "OU": "CA"}],
 "ca": {"expiry": "87600h"}}
EOF
"$RCFSSL" gencert -initca ca-csr.json 2>/dev/null |
    "$RJSON" -bare ca >/dev/null 2>&1 || :
[ -s ca.pem ] && [ -s ca-key.pem ] || { echo "Bail out! no CA"; exit 1; }
CA=$T/ca.pem
CAKEY=$T/ca-key.pem
HOSTS=$DATA/csr/02-hosts-mixed.json
NOHOSTS=$DATA/csr/01-cn-only.json

# --------------------------------------------------------------- helpers ---

# both NAME TOOL STDIN ARGS...: runs TOOL (cfssl or cfssljson) with ARGS and
# STDIN (a file, or - for none) in $T/r with the real tool and in $T/o with
# ours, leaving NAME.out, NAME.err and NAME.rc in each.
both() {
	_n=$1 _tool=$2 _in=$3
	shift 3
	[ "$_in" = - ] && _in=/dev/null
	for _s in r o; do
		if [ $_s = r ]; then
			_x=/usr/bin/$_tool
		else
			_x=$OBIN/$_tool
		fi
		_rc=0
		(cd "$T/$_s" && "$_x" "$@" <"$_in" >"$_n.out" 2>"$_n.err") ||
		    _rc=$?
		echo "$_rc" >"$T/$_s/$_n.rc"
	done
}

# rc SIDE NAME: the saved exit status.
rc() {
	cat "$T/$1/$2.rc"
}

# norm FILE: stderr with the log timestamps and serial numbers replaced.
norm() {
	sed -E -e 's#^[0-9]{4}/[0-9]{2}/[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} \[#TS [#' \
	    -e 's/serial number [0-9]+$/serial number N/' "$1"
}

# same_err NAME: both stderr texts are equal after norm.
same_err() {
	norm "$T/r/$1.err" >"$T/r/$1.nerr"
	norm "$T/o/$1.err" >"$T/o/$1.nerr"
	diff -u "$T/r/$1.nerr" "$T/o/$1.nerr"
}

# shape FILE KEYS: FILE is exactly Go's compact json.Marshal of an object
# with string members KEYS (comma-separated, in that order) and one newline.
shape() {
	"$PY" - "$1" "$2" <<'EOF'
import json, sys
text = open(sys.argv[1], encoding="utf-8").read()
want = sys.argv[2].split(",")
try:
    obj = json.loads(text)
except ValueError as e:
    sys.exit("%s: not JSON: %s: %r" % (sys.argv[1], e, text[:200]))
if list(obj) != want:
    sys.exit("%s: keys %s, want %s" % (sys.argv[1], list(obj), want))
if not all(isinstance(v, str) and v for v in obj.values()):
    sys.exit("%s: a member is not a non-empty string" % sys.argv[1])
compact = json.dumps(obj, separators=(",", ":")) + "\n"
if text != compact:
    sys.exit("%s: not compact JSON + one newline: %r" % (sys.argv[1], text[-80:]))
EOF
}

# both_shape NAME KEYS: both stdouts have the shape.
both_shape() {
	shape "$T/r/$1.out" "$2" && shape "$T/o/$1.out" "$2"
}

# ours_only LABEL: skip in T_COMPAT_SELF mode (returns 1).
ours_only() {
	if [ "$SELF" = 1 ]; then
		skip "T_COMPAT_SELF=1: ours is cfssl 1.2.0, not etcd-pki ($1)"
		return 1
	fi
	return 0
}

# rcs_are NAME R O: cfssl exited with R and ours with O.
rcs_are() {
	[ "$(rc r "$1")" = "$2" ] && [ "$(rc o "$1")" = "$3" ] ||
	    { echo "exit: cfssl $(rc r "$1") (want $2), ours $(rc o "$1") (want $3)"
	    sed 's/^/cfssl stderr: /' "$T/r/$1.err"
	    sed 's/^/ours stderr: /' "$T/o/$1.err"; return 1; }
}

# empty FILE...: every FILE is empty.
empty() {
	for _f; do
		[ ! -s "$_f" ] || { echo "$_f:"; cat "$_f"; return 1; }
	done
}

# no_match RE FILE: no line of FILE matches the basic RE.
no_match() {
	! grep -e "$1" "$2"
}

# ours_fails NAME TEXT...: ours exited 1 with empty stdout, exactly one
# stderr line that is not a timestamped log line, containing every TEXT.
ours_fails() {
	_n=$1
	shift
	_f=$T/o/$_n.err
	_l=$(grep -v -E '^[0-9]{4}/[0-9]{2}/[0-9]{2} [0-9:]{8} \[' "$_f") || :
	if [ "$(rc o "$_n")" = 1 ] && [ ! -s "$T/o/$_n.out" ] &&
	    [ "$(printf '%s\n' "$_l" | grep -c .)" = 1 ]; then
		for _t; do
			case $_l in
			*"$_t"*) ;;
			*) echo "error line lacks '$_t'"; cat "$_f"; return 1 ;;
			esac
		done
		echo "ours: $_l"
		return 0
	fi
	echo "exit $(rc o "$_n"), stdout $(wc -c <"$T/o/$_n.out") bytes, stderr:"
	cat "$_f"
	return 1
}

# ref_quirk NAME RC STDOUT_RE STDERR_RE: cfssl exited with RC, its stdout
# matches STDOUT_RE (^$ for empty) and its stderr STDERR_RE (extended REs).
ref_quirk() {
	[ "$(rc r "$1")" = "$2" ] &&
	    { [ "$3" = '^$' ] && [ ! -s "$T/r/$1.out" ] ||
	    grep -q -E "$3" "$T/r/$1.out"; } &&
	    grep -q -E "$4" "$T/r/$1.err" ||
	    { echo "cfssl exit $(rc r "$1")"; cat "$T/r/$1.out" "$T/r/$1.err"
	    return 1; }
}

# json_member FILE KEY OUT: writes member KEY of the JSON in FILE to OUT.
json_member() {
	"$PY" -c 'import json, sys
open(sys.argv[3], "w").write(json.load(open(sys.argv[1]))[sys.argv[2]])' "$@"
}

# log_format SIDE NAME CERT: every stderr line is a log line with cfssl's
# "YYYY/MM/DD HH:MM:SS [LEVEL] " prefix (or a continuation of the multi-line
# hosts WARNING), and the logged serial is CERT's.
log_format() {
	_f=$T/$1/$2.err
	_bad=$(grep -v -E '^[0-9]{4}/[0-9]{2}/[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} \[(INFO|WARNING)\] ' "$_f" |
	    grep -v -E '^(websites\. |of Publicly-Trusted|specifically, section)') || :
	[ -z "$_bad" ] || { echo "not log lines: $_bad"; return 1; }
	_logged=$(sed -n 's/.*\[INFO\] signed certificate with serial number \([0-9]*\)$/\1/p' "$_f")
	_hex=$(openssl x509 -in "$3" -noout -serial | sed 's/^serial=//')
	_dec=$("$PY" -c 'import sys; print(int(sys.argv[1], 16))' "$_hex")
	[ "$_logged" = "$_dec" ] || { echo "logged '$_logged', cert $_dec"; return 1; }
}

# ------------------------------------------------------------- gencert ---
both gencert cfssl - gencert -ca "$CA" -ca-key "$CAKEY" -config "$GUIDE" \
    -profile peer "$HOSTS"
check "gencert: exit 0 both" rcs_are gencert 0 0
check "gencert: stdout is compact {\"cert\",\"csr\",\"key\"} + one newline" \
    both_shape gencert cert,csr,key
check "gencert: same stderr lines (received request .. signed certificate with serial number N)" \
    same_err gencert
json_member "$T/o/gencert.out" cert "$T/o/gencert.pem" 2>/dev/null || :
check "gencert: 'YYYY/MM/DD HH:MM:SS [INFO] ' prefix; the logged serial is the certificate's" \
    log_format o gencert "$T/o/gencert.pem"

both nohosts cfssl - gencert -ca "$CA" -ca-key "$CAKEY" -config "$GUIDE" \
    -profile peer "$NOHOSTS"
check "gencert without hosts: exit 0 both" rcs_are nohosts 0 0
check "gencert without hosts: same stderr with the 'lacks a \"hosts\" field' WARNING" \
    same_err nohosts
check "gencert without hosts: the WARNING is there" grep -q \
    '\[WARNING\] This certificate lacks a "hosts" field' "$T/o/nohosts.err"

both quiet cfssl - gencert -loglevel 2 -ca "$CA" -ca-key "$CAKEY" \
    -config "$GUIDE" -profile peer "$NOHOSTS"
check "gencert -loglevel 2: same stderr (the WARNING only)" same_err quiet
check "gencert -loglevel 2: no [INFO] line" no_match '\[INFO\]' "$T/o/quiet.err"
check "gencert -loglevel 2: stdout still {cert,csr,key}" both_shape quiet \
    cert,csr,key
both silent cfssl - gencert -loglevel=3 -ca "$CA" -ca-key "$CAKEY" \
    -config "$GUIDE" -profile peer "$HOSTS"
check "gencert -loglevel=3: no stderr at all" empty "$T/r/silent.err" \
    "$T/o/silent.err"

# ---------------------------------------------------- genkey and sign ---
both genkey cfssl - genkey "$HOSTS"
check "genkey: exit 0 both" rcs_are genkey 0 0
check "genkey: stdout is compact {\"csr\",\"key\"} + one newline" \
    both_shape genkey csr,key
check "genkey: same stderr lines" same_err genkey

json_member "$T/r/gencert.out" csr "$T/in.csr"
both sign cfssl - sign -ca "$CA" -ca-key "$CAKEY" -config "$GUIDE" \
    -profile server "$T/in.csr"
check "sign: exit 0 both" rcs_are sign 0 0
check "sign: stdout is compact {\"cert\",\"csr\"} + one newline" \
    both_shape sign cert,csr
check "sign: csr is the input file verbatim" "$PY" -c 'import json, sys
sys.exit(json.load(open(sys.argv[1]))["csr"] != open(sys.argv[2]).read())' \
    "$T/o/sign.out" "$T/in.csr"
check "sign: same stderr lines" same_err sign
both sign-csr cfssl "$T/in.csr" sign -ca "$CA" -ca-key "$CAKEY" \
    -config "$GUIDE" -profile server -csr -
check "sign -csr - (stdin): exit 0 both" rcs_are sign-csr 0 0
check "sign -csr -: stdout {cert,csr}" both_shape sign-csr cert,csr

# ---------------------------------------------------- Go flag syntaxes ---
both syn1 cfssl - gencert "-ca=$CA" "-ca-key=$CAKEY" "-config=$GUIDE" \
    -profile=peer "$HOSTS"
check "flags -ca=x -ca-key=x -config=x -profile=x: exit 0 both" \
    rcs_are syn1 0 0
check "flags -ca=x ...: stdout {cert,csr,key}" both_shape syn1 cert,csr,key
both syn2 cfssl - gencert --ca "$CA" --ca-key "$CAKEY" --config "$GUIDE" \
    --profile peer "$HOSTS"
check "flags --ca x --ca-key x --config x --profile x: exit 0 both" \
    rcs_are syn2 0 0
check "flags --ca x ...: stdout {cert,csr,key}" both_shape syn2 cert,csr,key
both syn3 cfssl - gencert -initca=true "$DATA/initca/ca-ecdsa-256.json"
check "flag -initca=true: exit 0 both" rcs_are syn3 0 0
check "flag -initca=true: stdout {cert,csr,key}" both_shape syn3 cert,csr,key
check "flag -initca=true: same stderr lines (generating a new CA key ..)" \
    same_err syn3
both badflag cfssl - gencert -no-such-flag x "$HOSTS"
check "unknown flag: exit 2 both" rcs_are badflag 2 2
both help cfssl - gencert -h
check "gencert -h: exit 0 both" rcs_are help 0 0
both nocmd cfssl -
check "no command: exit 1 both" rcs_are nocmd 1 1
both badcmd cfssl - frobnicate
check "unknown command: exit 1 both" rcs_are badcmd 1 1
check "unknown command: same first stderr line" sh -c \
    '[ "$(head -n 1 "$1")" = "$(head -n 1 "$2")" ]' sh "$T/r/badcmd.err" \
    "$T/o/badcmd.err"

# ---------------------------------------------------------- cfssljson ---
# Every cfssljson run gets the same input, so the outputs must be equal bytes.
IN=$T/r/gencert.out

# modes DIR PREFIX: "file mode" lines of DIR/PREFIX*.
modes() {
	(cd "$1" && for _f in "$2"*; do
		[ -e "$_f" ] && echo "$_f $(stat -c %a "$_f")"
	done)
}

# same_files PREFIX: r/PREFIX* and o/PREFIX* are the same names, modes and
# bytes, and there is at least one.
same_files() {
	modes "$T/r" "$1" >"$T/modes-r"
	modes "$T/o" "$1" >"$T/modes-o"
	[ -s "$T/modes-r" ] || { echo "cfssljson wrote no $1*"; return 1; }
	diff "$T/modes-r" "$T/modes-o" || return 1
	while read -r _f _m; do
		cmp "$T/r/$_f" "$T/o/$_f" || return 1
	done <"$T/modes-r"
}

# modes_are PREFIX LINES: o/PREFIX* have exactly these "file mode" lines.
modes_are() {
	_got=$(modes "$T/o" "$1")
	[ "$_got" = "$2" ] || { echo "got: $_got"; return 1; }
}

both j1 cfssljson "$IN" -bare bare1 -
check "cfssljson -bare NAME - (trailing - ignored): exit 0 both" \
    rcs_are j1 0 0
check "cfssljson -bare NAME -: same files, bytes and modes" same_files bare1
check "cfssljson -bare: key 0600, pem 0644, csr 0644 (umask 022)" \
    modes_are bare1 "$(printf 'bare1-key.pem 600\nbare1.csr 644\nbare1.pem 644')"
both j2 cfssljson - -f "$IN" -bare fromfile
check "cfssljson -f FILE -bare NAME: exit 0 both" rcs_are j2 0 0
check "cfssljson -f FILE -bare NAME: same files, bytes and modes" \
    same_files fromfile
both j3 cfssljson "$IN" -bare -stdout
check "cfssljson -bare -stdout: exit 0 both" rcs_are j3 0 0
check "cfssljson -bare -stdout: same stdout bytes" cmp "$T/r/j3.out" \
    "$T/o/j3.out"
check "cfssljson -bare -stdout: writes no file" modes_are cert ""
json_member "$IN" cert "$T/leaf.pem"
"$PY" -c 'import json, sys
print(json.dumps({"success": True,
    "result": {"certificate": open(sys.argv[1]).read()},
    "errors": [], "messages": []}))' "$T/leaf.pem" >"$T/env-ok.json"
both j4 cfssljson "$T/env-ok.json" envname
check "cfssljson (no -bare) on a success envelope: exit 0 both" \
    rcs_are j4 0 0
check "cfssljson (no -bare) on a success envelope: same NAME.pem" \
    same_files envname
printf '%s\n' '{"success":false,"result":null,"errors":[{"code":1,"message":"boom"}],"messages":[]}' \
    >"$T/env-fail.json"
both j5 cfssljson "$T/env-fail.json" failname
check "cfssljson on a failure envelope: exit 1 both" rcs_are j5 1 1
check "cfssljson on a failure envelope: same stdout and stderr" sh -c \
    'cmp "$1" "$2" && cmp "$3" "$4"' sh "$T/r/j5.out" "$T/o/j5.out" \
    "$T/r/j5.err" "$T/o/j5.err"
printf 'Request failed:\n\tboom\n' >"$T/want-j5.err"
check "cfssljson on a failure envelope: 'Request failed:' then a tab and boom" \
    cmp "$T/want-j5.err" "$T/o/j5.err"
check "cfssljson on a failure envelope: writes no file" modes_are failname ""

# ------------------------------------- print-defaults, version, certinfo ---
for w in csr config; do
	both "pd-$w" cfssl - print-defaults "$w"
	check "print-defaults $w: exit 0 both" rcs_are "pd-$w" 0 0
	check "print-defaults $w: parses as the same JSON" "$PY" -c '
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
sys.exit(a != b)' "$T/r/pd-$w.out" "$T/o/pd-$w.out"
done
both pd-list cfssl - print-defaults list
check "print-defaults list: exit 0 both" rcs_are pd-list 0 0
check "print-defaults list: same lines (cfssl's order is random)" sh -c \
    '[ "$(sort "$1")" = "$(sort "$2")" ]' sh "$T/r/pd-list.out" \
    "$T/o/pd-list.out"
both version cfssl - version
check "version: exit 0 both" rcs_are version 0 0
check "version: starts with 'Version: '" grep -q '^Version: ' "$T/o/version.out"

both certinfo cfssl - certinfo -cert "$T/leaf.pem"
check "certinfo -cert: exit 0 both" rcs_are certinfo 0 0
check "certinfo -cert: same JSON text once key ids are zero-padded" \
    "$PY" -c '
import difflib, re, sys
def pad(m):
    return "\"%s\": \"%s\"" % (m.group(1), ":".join(
        "%02X" % int(x, 16) for x in m.group(2).split(":")))
ref, ours = (re.sub(r"\"(authority_key_id|subject_key_id)\": \"([0-9A-F:]+)\"",
                    pad, open(p).read()) for p in sys.argv[1:3])
if ref != ours:
    sys.stdout.writelines(difflib.unified_diff(
        ref.splitlines(True), ours.splitlines(True), "cfssl", "ours"))
    sys.exit(1)' "$T/r/certinfo.out" "$T/o/certinfo.out"
if ours_only "certinfo key-id padding"; then
	check "certinfo -cert: ours zero-pads key ids (%02X, master; deb prints e.g. A:8)" \
	    "$PY" -c '
import json, re, sys
j = json.load(open(sys.argv[1]))
for k in ("authority_key_id", "subject_key_id"):
    if not re.fullmatch(r"[0-9A-F]{2}(:[0-9A-F]{2}){19}", j[k]):
        sys.exit("%s: %r" % (k, j[k]))' "$T/o/certinfo.out"
fi

# ---------------------------------------------- deliberate differences ---
both noca cfssl - gencert "$HOSTS"
check "missing -ca: cfssl logs [ERROR] need a CA certificate, exits 0, empty stdout" \
    ref_quirk noca 0 '^$' 'need a CA certificate'
if ours_only "missing -ca"; then
	check "missing -ca: ours exits 1 with one error line naming -ca (cfssl: exit 0)" \
	    ours_fails noca -ca
fi
both nocakey cfssl - sign -ca "$CA" "$T/in.csr"
check "sign without -ca-key: cfssl logs [ERROR] need CA key, exits 0, empty stdout" \
    ref_quirk nocakey 0 '^$' 'need CA key'
if ours_only "missing -ca-key"; then
	check "sign without -ca-key: ours exits 1 with one error line naming -ca-key (cfssl: exit 0)" \
	    ours_fails nocakey -ca-key
fi
both badprof cfssl - gencert -ca "$CA" -ca-key "$CAKEY" \
    -config "$DATA/config/misc.json" -profile no-such-profile "$HOSTS"
check "unknown -profile: cfssl silently signs with the default profile (exit 0)" \
    ref_quirk badprof 0 '"cert"' 'signed certificate'
if ours_only "unknown -profile"; then
	check "unknown -profile: ours exits 1 naming the profile (cfssl: falls back to default)" \
	    ours_fails badprof no-such-profile
fi
both badusage cfssl - gencert -ca "$CA" -ca-key "$CAKEY" \
    -config "$DATA/known/unknown-usage.json" -profile peer "$HOSTS"
check "unknown usage name: cfssl silently drops it (exit 0)" \
    ref_quirk badusage 0 '"cert"' 'signed certificate'
if ours_only "unknown usage"; then
	check "unknown usage name: ours drops it too (exit 0, a certificate)" \
	    rcs_are badusage 0 0
	check "unknown usage name: ours warns once, naming the file, the JSON path and the name" \
	    grep -q '\[WARNING\] [^ ]*unknown-usage.json: signing.profiles.peer.usages\[3\]: unknown usage "bogus usage"' \
	    "$T/o/badusage.err"
	both badusage-strict cfssl - gencert -strict -ca "$CA" -ca-key "$CAKEY" \
	    -config "$DATA/known/unknown-usage.json" -profile peer "$HOSTS"
	check "unknown usage name with -strict: ours exits 1 naming the file and \"bogus usage\"" \
	    ours_fails badusage-strict unknown-usage.json "bogus usage"
fi
finish
