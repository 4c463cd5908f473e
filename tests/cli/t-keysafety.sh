#!/bin/sh
# t-keysafety.sh: private key files are created 0600 whatever the umask
# (gencert -o, json -bare, cluster issue, renew), a symlink planted at the
# destination is never written through, a CA key readable by group or
# others draws a warning (gencert, sign, cluster issue, renew), and no test
# log of the build tree holds private key material.
#
# The log scan: every tests/**/*.log under $TOP_BUILDDIR that exists when
# this test runs (make check runs it among the others; run it last, or
# again after the suite, for full coverage) must contain no line with
# "PRIVATE KEY-----" (a PEM armour line, also inside JSON strings).  The
# scanner is first run on a planted log to show that it can fail.
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/cli/setup.sh"

cd "$T"
printf '%s\n' '{"CN":"ks CA","key":{"algo":"ecdsa","size":256},"ca":{"expiry":"1h"}}' >ca.json
printf '%s\n' '{"CN":"ks leaf","hosts":["leaf.example"],"key":{"algo":"ecdsa","size":256}}' >leaf.json
printf '%s\n' '{"signing":{"default":{"expiry":"1h","usages":["signing","server auth"]}}}' >cfg.json
"$ETCD_PKI" gencert -initca -loglevel 5 -o ca ca.json 2>/dev/null
chmod 600 ca-key.pem

mode() {
	stat -c %a "$1"
}

for um in 000 022 077; do
	d=u$um
	mkdir "$d"
	check "umask $um: gencert -o: key 0600" sh -c "
	    umask $um; cd $d &&
	    '$ETCD_PKI' gencert -loglevel 5 -ca ../ca.pem -ca-key ../ca-key.pem \
	        -config ../cfg.json -o g ../leaf.json &&
	    test \"\$(stat -c %a g-key.pem)\" = 600"
	check "umask $um: json -bare: key 0600" sh -c "
	    umask $um; cd $d &&
	    '$ETCD_PKI' gencert -loglevel 5 -ca ../ca.pem -ca-key ../ca-key.pem \
	        -config ../cfg.json ../leaf.json >g.json &&
	    '$ETCD_PKI' json -bare -f g.json j &&
	    test \"\$(stat -c %a j-key.pem)\" = 600"
	check "umask $um: cluster issue: every key 0600" sh -c "
	    umask $um; cd $d &&
	    '$ETCD_PKI' cluster init -key-algo ecdsa-256 -o c.json 2>/dev/null &&
	    '$ETCD_PKI' cluster issue c.json -no-sync -o c >/dev/null 2>&1 &&
	    $(command -v find) c -name '*-key.pem' | grep -q . &&
	    test -z \"\$(find c -type f -name '*-key.pem' ! -perm 600)\""
	check "umask $um: renew -force: every key 0600" sh -c "
	    umask $um; cd $d &&
	    '$ETCD_PKI' renew -force -cluster c.json c >/dev/null 2>&1;
	    test \$? = 10 || exit 1
	    test -z \"\$(find c -type f -name '*-key.pem' ! -perm 600)\""
done

# Symlinks planted at the destination: the target outside is untouched.
mkdir sl outside
echo precious >outside/target
ln -s ../outside/target sl/g-key.pem
(cd sl && "$ETCD_PKI" gencert -loglevel 5 -ca ../ca.pem -ca-key ../ca-key.pem \
    -config ../cfg.json -o g ../leaf.json >/dev/null 2>&1) || :
if [ "$(cat outside/target)" = precious ] &&
    { [ -L sl/g-key.pem ] || { [ -f sl/g-key.pem ] && [ "$(mode sl/g-key.pem)" = 600 ]; }; }; then
	pass "gencert -o: a symlink at NAME-key.pem is not written through"
else
	fail "gencert -o: a symlink at NAME-key.pem is not written through"
fi
"$ETCD_PKI" gencert -loglevel 5 -ca ca.pem -ca-key ca-key.pem -config cfg.json \
    leaf.json >sl.json 2>/dev/null
ln -s ../outside/target sl/j-key.pem
(cd sl && "$ETCD_PKI" json -bare -f ../sl.json j >/dev/null 2>&1) || :
if [ "$(cat outside/target)" = precious ] &&
    { [ -L sl/j-key.pem ] || [ "$(mode sl/j-key.pem)" = 600 ]; }; then
	pass "json -bare: a symlink at NAME-key.pem is not written through"
else
	fail "json -bare: a symlink at NAME-key.pem is not written through"
fi
# A dangling symlink (a target that does not exist yet) is not created.
ln -s ../outside/new sl/n-key.pem
(cd sl && "$ETCD_PKI" json -bare -f ../sl.json n >/dev/null 2>&1) || :
if [ ! -e outside/new ]; then
	pass "json -bare: a dangling symlink at NAME-key.pem creates nothing"
else
	fail "json -bare: a dangling symlink at NAME-key.pem creates nothing"
fi
# The same for a cluster member's key.
mkdir slc
"$ETCD_PKI" cluster issue -members 1 -no-sync -o slc >/dev/null 2>&1
rm -f slc/m1/m1-key.pem
ln -s ../../outside/target slc/m1/m1-key.pem
"$ETCD_PKI" cluster issue -members 1 -no-sync -o slc >/dev/null 2>&1 || :
if [ "$(cat outside/target)" = precious ]; then
	pass "cluster issue: a symlink at a member key is not written through"
else
	fail "cluster issue: a symlink at a member key is not written through"
fi

# The warning for a CA key readable by group or others.
W='warning: ca-key.pem: mode 0644: readable by group or others'
chmod 644 ca-key.pem
"$ETCD_PKI" gencert -loglevel 5 -ca ca.pem -ca-key ca-key.pem -config cfg.json \
    leaf.json >/dev/null 2>err || :
check "gencert warns about a 0644 CA key" grep -qF "gencert: $W" err
"$ETCD_PKI" gencert -loglevel 5 -ca ca.pem -ca-key ca-key.pem -config cfg.json \
    -o w leaf.json 2>/dev/null
"$ETCD_PKI" sign -loglevel 5 -ca ca.pem -ca-key ca-key.pem -config cfg.json \
    w.csr >/dev/null 2>err || :
check "sign warns about a 0644 CA key" grep -qF "sign: $W" err
chmod 600 ca-key.pem
"$ETCD_PKI" gencert -loglevel 5 -ca ca.pem -ca-key ca-key.pem -config cfg.json \
    leaf.json >/dev/null 2>err || :
check "no warning for a 0600 CA key" sh -c '! grep -q warning err'
chmod 640 u000/c/ca-key.pem
"$ETCD_PKI" cluster issue u000/c.json -no-sync -o u000/c >/dev/null 2>err || :
check "cluster issue warns about a 0640 CA key" \
    grep -qF 'cluster issue: warning: u000/c/ca-key.pem: mode 0640: readable by group or others' err
(cd u000 && "$ETCD_PKI" renew -force -cluster c.json c >/dev/null 2>../err) || :
check "renew warns about a 0640 CA key" \
    grep -q 'renew: warning: .*ca-key.pem: mode 0640: readable by group or others' err

# No private key material in any test log.
scan_logs() {
	find "$1" -name '*.log' -path '*tests*' -type f -exec \
	    grep -l -e 'PRIVATE KEY-----' {} + 2>/dev/null || :
}
mkdir -p fake/tests/cli
cp ca-key.pem fake/tests/cli/t-x.log
check "the log scanner finds a key in a planted log" \
    sh -c "test -n \"\$(find fake -name '*.log' -path '*tests*' -type f -exec grep -l -e 'PRIVATE KEY-----' {} +)\""
leaks=$(scan_logs "$TOP_BUILDDIR")
nlogs=$(find "$TOP_BUILDDIR" -name '*.log' -path '*tests*' -type f 2>/dev/null | wc -l)
diag "scanned $nlogs test logs under $TOP_BUILDDIR"
if [ -z "$leaks" ]; then
	pass "no PRIVATE KEY armour in any test log"
else
	fail "no PRIVATE KEY armour in any test log"
	for f in $leaks; do
		diag "$f:$(grep -n -m 1 'PRIVATE KEY-----' "$f" | cut -d: -f1)"
	done
fi
finish
