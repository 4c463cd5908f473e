#!/bin/sh
# t-gojson.sh: the Go-JSON escaper (pki/gojson.c) against the real cfssl,
# live.  Certificates whose subject strings hold what Go's encoder escapes
# (<, >, &, ", \, control characters, U+2028, U+2029) or leaves alone
# (/, ', DEL, U+FFFD, non-ASCII), made with openssl, must give the same
# "subject" and "issuer" text from "etcd-pki certinfo" as from
# "cfssl certinfo".  (Invalid UTF-8 cannot reach certinfo's strings;
# tests/unit/t-gojson.c holds cfssl's output for it.)
. "$(dirname "$0")/setup.sh"

RCFSSL=/usr/bin/cfssl
[ -x "$RCFSSL" ] ||
	skip_all "real cfssl (Debian golang-cfssl) not installed"
need_cmd openssl || skip_all "openssl (the command) not installed"

cd "$T"
cat >req.cnf <<'EOF'
[req]
distinguished_name = dn
prompt = no
utf8 = yes
[dn]
CN = placeholder
EOF
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
    -out k.pem 2>/dev/null

# case NAME SUBJECT: a self-signed certificate for the -subj text SUBJECT
# (openssl's escapes: \\ for a backslash, \/ for a slash), then the
# subject and issuer objects of both certinfo outputs compared.
case_() {
	_n=$1
	if ! openssl req -new -x509 -key k.pem -config req.cnf -utf8 \
	    -subj "$2" -days 1 -out "$_n.pem" 2>"$_n.err"; then
		fail "$_n: openssl made the certificate"
		sed 's/^/#   /' "$_n.err"
		return
	fi
	"$RCFSSL" certinfo -cert "$_n.pem" >"$_n.ref" 2>/dev/null || :
	"$ETCD_PKI" certinfo -cert "$_n.pem" >"$_n.ours" 2>"$_n.err" || :
	# From "subject" to the line before "serial_number".
	sed -n '/^  "subject": {/,/^  "serial_number"/p' "$_n.ref" >"$_n.r"
	sed -n '/^  "subject": {/,/^  "serial_number"/p' "$_n.ours" >"$_n.o"
	if [ -s "$_n.r" ] && cmp -s "$_n.r" "$_n.o"; then
		pass "$_n: subject and issuer as cfssl writes them"
	else
		fail "$_n: subject and issuer as cfssl writes them"
		diff "$_n.r" "$_n.o" | sed 's/^/#   /' || :
		sed 's/^/#   /' "$_n.err"
	fi
}

plan 4
case_ html "/CN=<a>&b/O=x<y>z&/OU=a&&b"
case_ quotes "/CN=$(printf '"q'"'"'\\\\s\\/')/O=$(printf 'a\\\\"b')"
case_ controls "/CN=$(printf 'a\001b\tc\037d\177e')/O=$(printf 'x\033y')"
case_ unicode "/CN=$(printf 'a\342\200\250b\342\200\251c\360\237\230\200\303\251\357\277\275')/O=$(printf '\346\227\245\346\234\254')"
finish
