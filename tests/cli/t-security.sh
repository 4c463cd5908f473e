#!/bin/sh
# t-security.sh: regression tests for the findings of an adversarial
# review (issue 17), one section per finding: special files at a set's
# names (no command blocks on them), the ownership of a renewed key
# (never taken from a file or directory another user controls), and the
# low-severity findings.  Every command runs under timeout(1): a hang is
# a failure, not a stuck suite.  Tests that need a second user run as
# root (as CI does) and use "nobody".
. "$(dirname "$0")/setup.sh"
. "$(dirname "$0")/certfn.sh"

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
	expect_run "$_n.out" "$_n.err" "$@"
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

# ---- finding 5: what a killed first cluster issue left is found and removed
# A kill -9 leaves a member's directory under its temporary name, with
# its private key in it: as the review found it.
run ci cluster issue -no-sync c.json -o cl
mkdir -m 700 cl/.etcd2.0a1b2c cl/clients/.admin.fe01a9
cp cl/etcd2/etcd2-key.pem cl/etcd2/etcd2.pem cl/.etcd2.0a1b2c/
cp cl/ca-key.pem cl/clients/.admin.fe01a9/admin-key.pem
run cv cluster verify c.json cl
refused "cluster verify: a killed run's leftovers are reported" \
    "^.*\.etcd2\.0a1b2c/: left by an interrupted cluster issue"
check "cluster verify: ... also under clients/" \
    grep -q "clients/\.admin\.fe01a9/: left by an interrupted" cv.out cv.err
run ci cluster issue -no-sync c.json -o cl
expect "cluster issue after a killed run: succeeds" 0
check "cluster issue: the leftovers and their keys are gone" \
    test ! -e cl/.etcd2.0a1b2c -a ! -e cl/clients/.admin.fe01a9
run cv cluster verify c.json cl
expect "cluster verify: clean again" 0

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

# ---- finding 1: the new key never goes to whoever could plant a file
REKEY="-rekey -restart-cmd true -force $SIGN"
# Her own key (the other user of the review).
mkdir -p mallory
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
    -out mallory/key.pem 2>/dev/null
chmod 755 mallory
chmod 644 mallory/key.pem
if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1; then
	# as_nobody CMD...: CMD as user nobody.
	as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }
	chmod 755 "$T"

	# A root set in a directory she can write: she swaps the key.
	mkset plant
	chmod 777 plant
	as_nobody sh -c 'rm -f plant/etcd1-key.pem && cp mallory/key.pem plant/etcd1-key.pem'
	run p1 renew $REKEY plant/etcd1.pem
	refused "planted key: renew -rekey refuses the mismatched pair" \
	    "etcd1-key.pem does not match .*-rekey -replace-key"
	check "planted key: nothing renewed" test ! -e plant/current
	run p2 renew $REKEY -replace-key plant/etcd1.pem
	expect "planted key: -rekey -replace-key renews" 10 \
	    "WARNING.* plant/etcd1-key.pem: the new key is not given to the old key.s owner"
	check "planted key: the new key is root's, 0600" \
	    test "$(owner plant/current/etcd1-key.pem) $(mode plant/current/etcd1-key.pem)" = "root:root 600"
	check "planted key: the new key matches the new certificate" \
	    test "$(keyspki plant/current/etcd1-key.pem)" = "$(spki plant/current/etcd1.pem)"
	run p3 renew -replace-key -force $SIGN plant/etcd1.pem
	expect "-replace-key without -rekey: a usage error" 2 "-replace-key needs -rekey"

	# A matching pair that is hers, in a directory she can write: no
	# ownership either (she could have planted both).
	mkset open
	chown nobody:nogroup open/etcd1-key.pem
	chmod 777 open
	run o1 renew $REKEY open/etcd1.pem
	expect "writable directory: renewed, with a warning" 10 \
	    "another user could write the directory"
	check "writable directory: the new key is root's, 0600" \
	    test "$(owner open/current/etcd1-key.pem) $(mode open/current/etcd1-key.pem)" = "root:root 600"

	# The trustworthy case: root's directory, the key given to a user.
	mkset given
	chown nobody:nogroup given/etcd1-key.pem
	chmod 640 given/etcd1-key.pem
	run g1 renew $REKEY given/etcd1.pem
	expect "key given to a user in root's directory: renewed" 10
	check "... no ownership warning" \
	    sh -c '! grep -q "not given to the old key" g1.out g1.err'
	check "... the new key stays the user's, 0640" \
	    test "$(owner given/current/etcd1-key.pem) $(mode given/current/etcd1-key.pem)" = "nobody:nogroup 640"

	# Generations: she repoints current at a generation she built.
	mkset gens
	run gn renew -force $SIGN gens/etcd1.pem
	chmod 777 gens gens/gen
	as_nobody sh -c 'g=gens/gen/20200101T000000.000000Z-01 && mkdir $g &&
	    cp gens/current/etcd1.pem gens/current/etcd1.csr gens/current/ca.pem $g/ &&
	    cp mallory/key.pem $g/etcd1-key.pem &&
	    ln -s gen/20200101T000000.000000Z-01 gens/cur.new &&
	    mv -T gens/cur.new gens/current'
	run gm renew $REKEY -replace-key gens/etcd1.pem
	refused "current -> a generation of another user: refused" \
	    "gens/current -> gen/20200101T000000.000000Z-01: refused: not made by this user"
	check "... and nothing renewed from it" \
	    test "$(ls gens/gen | wc -l)" = 3

	# A set whose generation another user (etcd, here nobody) owns:
	# what only reads it reports that and goes on; renew refuses.
	mkset theirs
	run tn renew -force $SIGN theirs/etcd1.pem
	expect "another user's generation: set made (exit 10)" 10
	g=$(readlink theirs/current)
	chown -R nobody:nogroup "theirs/$g"
	why="theirs/current -> $g: not made by this user \(owned by another one, or writable by group or others\): renew, rollback and ca rotate refuse this set"
	run ts status theirs/etcd1.pem
	expect "another user's generation: status reads it, exit 0" 0 \
	    "^etcd1 +theirs/etcd1.pem .* match +none"
	expect "... and warns, naming the set and why" 0 \
	    "^warning: theirs/etcd1.pem: $why"
	run tj status -o json theirs
	expect "... status -o json: the warning" 0 \
	    "\"theirs/etcd1.pem: $why\""
	run tc check theirs/etcd1.pem
	expect "... check: WARNING, says why" 1 \
	    "^ETCD-PKI WARNING - theirs/etcd1.pem: $why \| 'etcd1_seconds_left'="
	run tr needs-renewal -verbose theirs/etcd1.pem
	expect "... needs-renewal: answers (not due), with a warning" 1 \
	    "WARNING\] theirs/etcd1.pem: $why"
	run tw renew $REKEY theirs/etcd1.pem
	refused "... renew refuses it" \
	    "theirs/current -> $g: refused: not made by this user"
	run tb rollback theirs/etcd1.pem
	refused "... rollback refuses it" \
	    "theirs/current -> $g: refused: not made by this user"
	"$E" cluster init -key-algo ecdsa-256 -o ct.json 2>/dev/null
	"$E" cluster issue -no-sync ct.json -o ct >/dev/null 2>&1
	"$E" renew -force -no-sync -cluster ct.json -member etcd1 ct \
	    >/dev/null 2>&1 || :
	g=$(readlink ct/etcd1/current)
	chown -R nobody:nogroup "ct/etcd1/$g"
	run tv cluster verify ct.json ct
	expect "... cluster verify reports it, and goes on" 1 \
	    "etcd1/current -> $g: not made by this user .*: renew, rollback and ca rotate refuse this set"
	run tx status -cluster ct.json ct
	expect "... status -cluster: exit 0, the warning" 0 \
	    "^warning: ct/etcd1/etcd1.pem: ct/etcd1/current -> $g: not made by this user"
else
	for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 \
	    23 24; do
		skip "finding 1: needs root and user nobody"
	done
fi

# A generation named from the future (the caller's own) is refused too.
mkset fut
run fn renew -force $SIGN fut/etcd1.pem
g=$(readlink fut/current)
mv "fut/$g" fut/gen/29991231T000000.000000Z-01
ln -sfn gen/29991231T000000.000000Z-01 fut/current
run fu renew $REKEY fut/etcd1.pem
refused "current -> a generation from the future: refused" \
    "fut/current -> gen/29991231T000000.000000Z-01: refused: named from the future"
# current outside gen/
mkset out
run on renew -force $SIGN out/etcd1.pem
ln -sfn ../fut/gen/29991231T000000.000000Z-01 out/current
run ou renew $REKEY out/etcd1.pem
refused "current outside gen/: refused" "out/current: not a link into gen/"

# CN=admin: a copy of the admin's public certificate and a matching CSR
# JSON, with her key: refused, no certificate for her key.
cat >adm-csr.json <<'EOF'
{"CN": "admin", "hosts": [""], "key": {"algo": "ecdsa", "size": 256}}
EOF
mkdir adm admp
"$E" gencert $SIGN -o adm/admin adm-csr.json 2>/dev/null
cp adm/admin.pem admp/etcd1.pem
cp adm-csr.json admp/etcd1-csr.json
cp ca.pem mallory/key.pem admp/
mv admp/key.pem admp/etcd1-key.pem
run ad renew $REKEY admp/etcd1.pem
refused "CN=admin certificate with a planted key: refused" "does not match"
check "... no CN=admin certificate for her key" test ! -e admp/current

# ---- finding 4: a name_whitelist glibc would take gigabytes over
printf '{"signing":{"default":{"expiry":"1h","usages":["server auth"],"name_whitelist":"^\\\\S++++++++++++++++++++++++++++++++++++++++"}}}\n' >re.json
# Bounded (2 GB, 20 s) so that an unfixed binary fails instead of
# taking the machine's memory. An ASan binary reserves terabytes of
# shadow address space at start and cannot run under ulimit -v; the
# time bound alone holds it (ASan's own allocator limit stops it too).
asan=
if nm "$E" 2>/dev/null | grep -q __asan_init; then
	asan=1
fi
rc=0
([ -n "$asan" ] || ulimit -v 2000000
    timeout -k 5 20 "$E" gencert -ca ca.pem -ca-key ca-key.pem \
    -config re.json etcd1-csr.json) >re.out 2>re.err </dev/null || rc=$?
_n=re
refused "name_whitelist \\S+++...: refused at once, as RE2 refuses it" \
    "name_whitelist: invalid regular expression: bad repetition operator"

# ---- finding 6: the low ones
mkdir o6
run o6 gencert -initca -o o6/ ca-csr.json
expect "gencert -o DIR/: no base name: a usage error" 2 "-o o6/: no base name"
check "... and no o6/.pem written" test ! -e o6/.pem -a ! -e o6/-key.pem
run ic cluster init -initial-cluster ""
expect "cluster init -initial-cluster \"\": a usage error" 2 "-initial-cluster: empty"
run rc renew -cluster c.json -csr-json etcd1-csr.json cl
expect "renew -cluster -csr-json: a usage error" 2 "-csr-json goes without -cluster"
# The hooks see neither the CA key's variable nor its password, and no
# core file of etcd-pki (which holds keys) can be written.
mkset hook
ulimit -c unlimited 2>/dev/null || :
CAKEY=$(cat ca-key.pem) CFSSL_CA_PK_PASSWORD=not-for-hooks run hk renew \
    -force -ca ca.pem -ca-key env:CAKEY -config config.json -profile peer \
    -deploy-hook "sh -c 'env >hook.env; cat /proc/self/limits >hook.limits'" \
    hook/etcd1.pem
expect "renew -ca-key env:CAKEY with a deploy hook: renewed" 10
check "the hook's environment has no CAKEY, no CFSSL_CA_PK_PASSWORD" \
    sh -c 'test -s hook.env && ! grep -q "^CAKEY=\|^CFSSL_CA_PK_PASSWORD=\|PRIVATE KEY" hook.env'
if [ "$(ulimit -c)" = unlimited ]; then
	check "no core files: the core size limit is 0 (inherited by the hook)" \
	    grep -Eq '^Max core file size +0 +0 ' hook.limits
else
	skip "no core files: the hard core size limit here is already $(ulimit -H -c)"
fi

# ---- finding 6: status on nothing, or on a device
mkdir empty
run st status empty
refused "status on a directory without certificates: an error" "empty: no certificate in this directory"
run st status /dev/zero
refused "status /dev/zero: says what it is" "/dev/zero: not a regular file \(a character device\)"

# ---- finding 6: renew -cluster and a member directory that is a link
"$E" cluster issue -members 2 -o cll >/dev/null 2>&1
"$E" cluster init -members 2 -o cll.json 2>/dev/null
mv cll/m1 cll-elsewhere
ln -s ../cll-elsewhere cll/m1
run rl renew -force -cluster cll.json cll
refused "renew -cluster: a member directory that is a link: refused" \
    "cll/m1: a symbolic link, not a directory: refused"
check "... nothing renewed through it, nor anything else" sh -c \
    'test ! -e cll-elsewhere/current && test ! -e cll/m2/current'
# ---- finding 6: schedule's warnings with a newline in a file name
"$E" cluster init -members 1 -o nl.json 2>/dev/null
nl='ev
il'
mkdir "$nl"
run sc schedule -- -cluster nl.json "$nl"
expect "schedule over a directory named with a newline: the units" 0
check "... each warning one line, the newline escaped" sh -c \
    'test "$(grep -c "" sc.err)" = 2 &&
    test "$(grep -c "ev\\\\nil/.*: No such file" sc.err)" = 2'

finish
