#!/bin/sh
# t-startup.sh: start-up does only what the command needs (issue 18).
# The libraries only some commands need (libcurl: remote signing and
# etcd; libssl: a TLS server's certificate; libyaml: etcd.conf.yml;
# libsqlite3: a cluster's inventory, issue 15) are
# not linked but loaded on first use (pki/dl.c): the program's DT_NEEDED
# list lacks them, `version` and a local gencert do not load them
# (LD_DEBUG=files), the commands that need them do; when one cannot be
# loaded (tests/inject.so makes dlopen fail as for a library that is not
# installed) the command that needs it fails with one line naming the
# library, what needs it and its package, and the others still work.
# OpenSSL's configuration file is read only when OPENSSL_CONF names one
# (strace: no *.cnf opened otherwise), and then it is applied: a file
# that asks for FIPS-only algorithms makes key generation fail.
. "$(dirname "$0")/setup.sh"

need_inject || skip_all "tests/inject.so is not built (make check builds it)"
need_cmd objdump || skip_all "objdump (binutils) not installed"
plan 22

E=$ETCD_PKI
cd "$T"
cat >ca-csr.json <<'J'
{"CN": "startup CA", "key": {"algo": "ecdsa", "size": 256}}
J
cat >leaf-csr.json <<'J'
{"CN": "etcd1", "hosts": ["etcd1", "127.0.0.1"],
 "key": {"algo": "ecdsa", "size": 256}}
J
"$E" gencert -initca -o ca ca-csr.json 2>"$T/err" ||
    { cat "$T/err" >&2; exit 1; }
port=$(free_port)	# nothing listens there

# loaded LOG LIB: LD_DEBUG=files LOG shows LIB being loaded.
loaded() {
	grep -q "file=$2[^ ]* .*\\(needed\\|dynamically loaded\\) by" "$1"
}

objdump -p "$E" | awk '$1 == "NEEDED" { print $2 }' >needed
if [ -s needed ] &&
    ! grep -q '^libcurl\|^libssl\|^libyaml\|^libsqlite' needed; then
	pass "etcd-pki is not linked with libcurl, libssl, libyaml or libsqlite3 (needs: $(tr '\n' ' ' <needed))"
else
	fail "etcd-pki is not linked with libcurl, libssl, libyaml or libsqlite3"
	sed 's/^/#   /' needed
fi

LD_DEBUG=files "$E" version >out 2>ld.log
if grep -q '^Version: ' out && ! loaded ld.log libcurl &&
    ! loaded ld.log libssl && ! loaded ld.log libyaml &&
    ! loaded ld.log libsqlite3; then
	pass "version loads no libcurl, libssl, libyaml or libsqlite3 ($(grep -c 'file=.*needed by' ld.log) libraries loaded)"
else
	fail "version loads no libcurl, libssl, libyaml or libsqlite3"
	grep 'file=' ld.log | sed 's/^/#   /'
fi

LD_DEBUG=files "$E" gencert -ca ca.pem -ca-key ca-key.pem -o leaf \
    leaf-csr.json 2>ld.log || :
if [ -s leaf.pem ] && ! loaded ld.log libcurl && ! loaded ld.log libssl &&
    ! loaded ld.log libyaml && ! loaded ld.log libsqlite3; then
	pass "a local gencert loads none of them"
else
	fail "a local gencert loads none of them"
	grep 'file=\|etcd-pki' ld.log | sed 's/^/#   /'
fi

rc=0
LD_DEBUG=files "$E" gencert -remote "127.0.0.1:$port" leaf-csr.json \
    >out 2>ld.log || rc=$?
if [ "$rc" = 1 ] && loaded ld.log libcurl &&
    grep -q '^etcd-pki: gencert: .*cannot connect' ld.log; then
	pass "a remote gencert loads libcurl when it needs it (and fails: nothing listens)"
else
	fail "a remote gencert loads libcurl when it needs it (exit $rc)"
	grep 'file=libcurl\|etcd-pki' ld.log | sed 's/^/#   /'
fi

# loads LIB NAME CMD...: CMD succeeds, and loads LIB (LD_DEBUG=files).
loads() {
	_lib=$1 _name=$2
	shift 2
	if LD_DEBUG=files "$@" >/dev/null 2>ld.log && loaded ld.log "$_lib"
	then
		pass "$_name"
	else
		fail "$_name"
		grep "file=$_lib\\|etcd-pki" ld.log | sed 's/^/#   /'
	fi
}

# without LIB RC MSG NAME CMD...: with LIB missing, CMD exits RC (255
# may stand for any non-zero), prints nothing on stdout and one
# "etcd-pki: ..." line on stderr, matching MSG.
without() {
	_lib=$1 _want=$2 _msg=$3 _name=$4
	shift 4
	_rc=0
	env LD_PRELOAD="$PRELOAD" INJECT_CALL=dlopen INJECT_PATH="$_lib" \
	    "$@" >out 2>err || _rc=$?
	if [ "$_rc" != 0 ] && { [ "$_want" = 255 ] || [ "$_rc" = "$_want" ]; } &&
	    [ ! -s out ] && [ "$(grep -c '^etcd-pki' err)" = 1 ] &&
	    grep -q "^$_msg" err; then
		pass "$_name: $(grep '^etcd-pki' err)"
	else
		fail "$_name (exit $_rc)"
		sed 's/^/#   /' err out
	fi
}

# Without libcurl: the remote commands fail in one line.
without libcurl 1 "etcd-pki: gencert: cannot load libcurl.so.[0-9]*, needed for remote signing and etcd access (Debian package libcurl4): .*cannot open shared object file" \
    "without libcurl, gencert -remote fails in one line" \
    "$E" gencert -remote "127.0.0.1:$port" leaf-csr.json
without libcurl 1 "etcd-pki: info: cannot load libcurl" \
    "without libcurl, info -remote fails in one line too" \
    "$E" info -remote "127.0.0.1:$port"

rm -f leaf.pem leaf-key.pem leaf.csr
if env LD_PRELOAD="$PRELOAD" INJECT_CALL=dlopen INJECT_PATH=libcurl \
    "$E" gencert -ca ca.pem -ca-key ca-key.pem -o leaf leaf-csr.json \
    2>err && openssl verify -CAfile ca.pem leaf.pem >/dev/null 2>&1; then
	pass "without libcurl, a local gencert still works"
else
	fail "without libcurl, a local gencert still works"
	sed 's/^/#   /' err
fi
if env LD_PRELOAD="$PRELOAD" INJECT_CALL=dlopen INJECT_PATH=libcurl \
    "$E" version >out 2>err && grep -q '^Version: ' out; then
	pass "without libcurl, version still works"
else
	fail "without libcurl, version still works"
	sed 's/^/#   /' err
fi

# OpenSSL's configuration: only an explicit OPENSSL_CONF is read.
if need_cmd strace; then
	rm -f leaf.pem
	strace -f -e trace=open,openat -o trace "$E" gencert -ca ca.pem \
	    -ca-key ca-key.pem -o leaf leaf-csr.json 2>err || :
	if [ -s leaf.pem ] && grep -q 'leaf-csr.json' trace &&
	    ! grep -q '\.cnf"' trace; then
		pass "without OPENSSL_CONF, gencert reads no OpenSSL configuration file"
	else
		fail "without OPENSSL_CONF, gencert reads no OpenSSL configuration file"
		grep 'cnf\|etcd-pki' trace err | sed 's/^/#   /'
	fi
	cp /dev/null empty.cnf
	rm -f leaf.pem
	OPENSSL_CONF=$T/empty.cnf strace -f -e trace=open,openat -o trace \
	    "$E" gencert -ca ca.pem -ca-key ca-key.pem -o leaf \
	    leaf-csr.json 2>err || :
	if [ -s leaf.pem ] && grep -q "\"$T/empty.cnf\"" trace; then
		pass "with OPENSSL_CONF, that file is read"
	else
		fail "with OPENSSL_CONF, that file is read"
		grep 'cnf' trace | sed 's/^/#   /'
	fi
else
	skip "strace not installed (apt-get install strace)"
	skip "strace not installed (apt-get install strace)"
fi
cat >fips.cnf <<'C'
openssl_conf = openssl_init
[openssl_init]
alg_section = evp_properties
[evp_properties]
default_properties = "fips=yes"
C
rc=0
OPENSSL_CONF=$T/fips.cnf "$E" gencert -ca ca.pem -ca-key ca-key.pem \
    -o fips leaf-csr.json >out 2>err || rc=$?
if [ "$rc" = 1 ] && [ ! -e fips.pem ] &&
    grep -q '^etcd-pki: gencert: .*unsupported' err; then
	pass "OPENSSL_CONF is applied: FIPS-only properties (no FIPS provider) make gencert fail"
else
	fail "OPENSSL_CONF is applied: FIPS-only properties make gencert fail (exit $rc)"
	sed 's/^/#   /' err
fi

# libyaml: cluster init from etcd.conf.yml files.
Y=$TOP_SRCDIR/tests/data/cluster/yaml
loads libyaml "cluster init from etcd.conf.yml files loads libyaml" \
    "$E" cluster init -o desc.json "$Y/etcd1.yml" "$Y/etcd2.yml" \
    "$Y/etcd3.yml"
rc=0
env LD_PRELOAD="$PRELOAD" INJECT_CALL=dlopen INJECT_PATH=libyaml \
    "$E" cluster init -o desc2.json "$Y/etcd1.yml" >out 2>err || rc=$?
if [ "$rc" = 1 ] && [ ! -e desc2.json ] &&
    [ "$(grep -c '^etcd-pki' err)" = 1 ] &&
    grep -q '^etcd-pki: cluster init: cannot load libyaml-0.so.[0-9]*, needed for reading etcd.conf.yml files (Debian package libyaml-0-2): ' err; then
	pass "without libyaml, cluster init FILE.yml fails in one line"
else
	fail "without libyaml, cluster init FILE.yml fails in one line (exit $rc)"
	sed 's/^/#   /' err
fi

# libssl: needs-renewal https://HOST:PORT reads the server's certificate.
rc=0
LD_DEBUG=files "$E" needs-renewal "https://127.0.0.1:$port" >out 2>ld.log ||
    rc=$?
if [ "$rc" != 0 ] && loaded ld.log libssl &&
    grep -q '^etcd-pki: needs-renewal: .*127.0.0.1' ld.log; then
	pass "needs-renewal https://... loads libssl (and fails: nothing listens)"
else
	fail "needs-renewal https://... loads libssl (exit $rc)"
	grep 'file=libssl\|etcd-pki' ld.log | sed 's/^/#   /'
fi
without libssl 255 "etcd-pki: needs-renewal: cannot load libssl.so.[0-9]*, needed for reading a TLS server's certificate (Debian package libssl3): " \
    "without libssl, needs-renewal https://... fails in one line" \
    "$E" needs-renewal "https://127.0.0.1:$port"
rc=0
env LD_PRELOAD="$PRELOAD" INJECT_CALL=dlopen INJECT_PATH=libssl \
    "$E" needs-renewal leaf.pem >out 2>err || rc=$?
if [ "$rc" = 1 ] && ! grep -q '^etcd-pki' err; then
	pass "without libssl, needs-renewal of a file still works (1: not due)"
else
	fail "without libssl, needs-renewal of a file still works (exit $rc)"
	sed 's/^/#   /' err out
fi
# libsqlite3: a cluster's inventory (cluster issue, revoke, renew, status).
# cfssl's gencrl reads a list of serials, and status of plain files reads
# no inventory: neither loads it.
echo 12345 >serials
LD_DEBUG=files "$E" gencrl serials ca.pem ca-key.pem >crl.b64 2>ld.log || :
LD_DEBUG=files "$E" status ca.pem >/dev/null 2>>ld.log || :
if [ -s crl.b64 ] && grep -q 'file=.*needed by' ld.log &&
    ! loaded ld.log libsqlite3; then
	pass "gencrl and status of files load no libsqlite3"
else
	fail "gencrl and status of files load no libsqlite3"
	grep 'file=libsqlite\|etcd-pki' ld.log | sed 's/^/#   /'
fi
"$E" cluster init -members 1 >sq.json 2>/dev/null
without libsqlite3 1 "etcd-pki: cluster issue: cannot load libsqlite3.so.[0-9]*, needed for the certificate inventory (Debian package libsqlite3-0): " \
    "without libsqlite3, cluster issue fails in one line" \
    "$E" cluster issue -no-sync sq.json -o sq
check "...and writes nothing" test ! -e sq
loads libsqlite3 "cluster issue loads libsqlite3" \
    "$E" cluster issue -no-sync sq.json -o sq
check "...and records the inventory" test -s sq/inventory.db
rc=0
env LD_PRELOAD="$PRELOAD" INJECT_CALL=dlopen INJECT_PATH=libsqlite3 \
    "$E" status -cluster sq.json sq >out 2>err || rc=$?
if [ "$rc" = 1 ] && grep -q '^m1 ' out &&
    grep -q '^!UNREADABLE! crl ' out &&
    grep -q '^etcd-pki: status: cannot load libsqlite3' err; then
	pass "without libsqlite3, status still lists the certificates, the CRL unreadable"
else
	fail "without libsqlite3, status still lists the certificates (exit $rc)"
	sed 's/^/#   /' out err
fi
finish
