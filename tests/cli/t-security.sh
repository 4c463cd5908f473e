#!/bin/sh
# t-security.sh: regression tests for the findings of an adversarial
# review (issue 17), one section per finding: special files at a set's
# names (no command blocks on them), the ownership of a renewed key
# (never taken from a file or directory another user controls), and the
# low-severity findings.  Every command runs under timeout(1): a hang is
# a failure, not a stuck suite.  Tests that need a second user run as
# root (as CI does) and use "nobody".
. "$(dirname "$0")/setup.sh"

E=$ETCD_PKI
umask 022
cd "$T"
time_limit 600
export TMPDIR="$T/tmp"
mkdir -p "$TMPDIR"

# run NAME ARGS...: etcd-pki ARGS under a 20 s timeout; stdout in
# NAME.out, stderr in NAME.err, status in $rc (124: it hung).
run() {
	_n=$1
	shift
	rc=0
	timeout -k 5 20 "$E" "$@" >"$_n.out" 2>"$_n.err" </dev/null || rc=$?
}
# expect TEST RC [REGEX]: the last run exited RC and its output matches.
expect() {
	if [ "$rc" -eq "$2" ] && { [ $# -lt 3 ] ||
	    cat "$_n.out" "$_n.err" | grep -Eq -- "$3"; }; then
		pass "$1"
	else
		fail "$1"
		diag "exit $rc, wanted $2${3:+, output matching /$3/}"
		sed 's/^/#   out: /' "$_n.out" | head -10
		sed 's/^/#   err: /' "$_n.err" | head -10
	fi
}
# refused TEST REGEX: the last run ended (no hang), non-zero, and says so.
refused() {
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] && [ "$rc" -ne 137 ] &&
	    cat "$_n.out" "$_n.err" | grep -Eq -- "$2"; then
		pass "$1"
	else
		fail "$1"
		diag "exit $rc (124: timed out), wanted non-zero and /$2/"
		sed 's/^/#   err: /' "$_n.err" | head -10
	fi
}
spki() { openssl x509 -noout -pubkey -in "$1" | openssl pkey -pubin -outform DER | sha256sum | cut -d' ' -f1; }
keyspki() { openssl pkey -in "$1" -pubout -outform DER | sha256sum | cut -d' ' -f1; }
owner() { stat -L -c %U:%G "$1"; }
mode() { stat -L -c %a "$1"; }

# ---- a CA, a profile, a plain set as the guide's cfssl lines make it
cat >ca-csr.json <<'EOF'
{"CN": "Sec CA", "key": {"algo": "ecdsa", "size": 256}}
EOF
cat >config.json <<'EOF'
{"signing": {"profiles": {"peer": {"expiry": "2h", "usages": ["signing",
  "key encipherment", "server auth", "client auth"]}}}}
EOF
cat >etcd1-csr.json <<'EOF'
{"CN": "etcd1", "hosts": ["etcd1.test", "127.0.0.1"],
 "key": {"algo": "ecdsa", "size": 256}}
EOF
"$E" gencert -initca -o ca ca-csr.json 2>/dev/null
SIGN="-ca ca.pem -ca-key ca-key.pem -config config.json -profile peer"
# mkset DIR: a fresh plain set DIR/etcd1.{pem,-key.pem,csr}, CSR JSON, ca.pem.
mkset() {
	rm -rf "$1"
	mkdir -p "$1"
	cp etcd1-csr.json "$1/"
	"$E" gencert $SIGN -o "$1/etcd1" "$1/etcd1-csr.json" 2>/dev/null
	cp ca.pem "$1/ca.pem"
}

# ---- finding 2: a FIFO at a set's file never blocks a command
for f in etcd1.pem etcd1-key.pem ca.pem etcd1.csr; do
	mkset fifo
	rm "fifo/$f"
	mkfifo "fifo/$f"
	run ff renew -force $SIGN fifo/etcd1.pem
	refused "renew: a FIFO at $f: refused, no hang" "fifo/$f: not a regular file"
	case $f in etcd1.pem|etcd1-key.pem)
		run ff status fifo/etcd1.pem
		refused "status: a FIFO at $f: no hang, says so" "fifo/$f: not a regular file \(a FIFO\)"
		run ff needs-renewal fifo/etcd1.pem
		if [ "$f" = etcd1.pem ]; then
			refused "needs-renewal: a FIFO at $f: no hang, says so" "not a regular file"
		else
			# needs-renewal reads only the certificate.
			expect "needs-renewal: a FIFO at $f: no hang" 1
		fi
		run ff check fifo/etcd1.pem
		refused "check: a FIFO at $f: no hang, says so" "not a regular file"
	esac
done
mkset fifo
run ff renew -force $SIGN fifo/etcd1.pem
expect "renew: the lock a refused run held is free again" 10

"$E" cluster init -key-algo ecdsa-256 -o c.json 2>/dev/null
"$E" cluster issue -no-sync c.json -o cl >/dev/null 2>&1
rm cl/etcd1/etcd1-key.pem
mkfifo cl/etcd1/etcd1-key.pem
run cv cluster verify c.json cl
refused "cluster verify: a FIFO at a member's key: reported, no hang" "etcd1-key.pem: cannot read: not a regular file"
run ci cluster issue -no-sync c.json -o cl
expect "cluster issue: a FIFO at a member's key: no hang" 0
mv cl/ca.pem cl/ca.pem.real
mkfifo cl/ca.pem
run ci cluster issue -no-sync c.json -o cl
refused "cluster issue: a FIFO at ca.pem: refused, no hang" "ca.pem: cannot read: not a regular file"
run cv cluster verify c.json cl
refused "cluster verify: a FIFO at ca.pem: reported, no hang" "ca.pem: not a regular file"
run rn renew -cluster c.json cl
refused "renew -cluster: a FIFO at ca.pem: refused, no hang" "ca.pem: not a regular file"
rm cl/ca.pem
mv cl/ca.pem.real cl/ca.pem

# ---- finding 2: runs that keep finding the lock held are visible
mkset busy
sh -c 'exec 9>>"$1"; flock -x 9; exec sleep 120' sh busy/.etcd-pki.lock &
holder=$!
bg_pid $holder
wait_for 10 sh -c '! flock -n busy/.etcd-pki.lock true' || :
run b1 renew $SIGN busy/etcd1.pem
expect "lock held: renew exits 75" 75 "another etcd-pki run holds"
run b2 renew $SIGN busy/etcd1.pem
expect "lock held again: 75" 75
run bs status busy
expect "status: two runs found the lock held: exit 1, a warning" 1 \
    "warning: busy: 2 runs in a row found the lock busy/.etcd-pki.lock held, since 20[0-9-]+T[0-9:]+Z: a run may hang"
run bp status -o prometheus busy
expect "status -o prometheus: etcd_pki_lock_busy_runs" 1 '^etcd_pki_lock_busy_runs\{dir="busy"\} 2$'
run bj status -o json busy
expect "status -o json: the lock's busy count" 1 '"busy_runs": 2'
run bc check busy/etcd1.pem
expect "check: CRITICAL" 2 "^ETCD-PKI CRITICAL - busy: 2 runs found the lock held since"
kill "$holder"
wait "$holder" 2>/dev/null || :
run b3 renew $SIGN busy/etcd1.pem
expect "the lock free again: renew runs" 0 "not due"
run bs status -o prometheus busy
expect "... and the count is back to 0" 0 '^etcd_pki_lock_busy_runs\{dir="busy"\} 0$'

# ---- finding 6: status on nothing, or on a device
mkdir empty
run st status empty
refused "status on a directory without certificates: an error" "empty: no certificate in this directory"
run st status /dev/zero
refused "status /dev/zero: says what it is" "/dev/zero: not a regular file \(a character device\)"

finish
