#!/bin/sh
# t-renew-shared.sh: several certificate sets in one directory, as
# "cfssljson -bare" and the setup guide leave them (ca, etcd1, etcd2 side
# by side; issue 14, item 5).  Renewing one set gives it generations of
# its own (DIR/NAME.gen) and touches no other set's files, nor the CA's
# ca.pem; a directory that an earlier version converted (DIR/current
# holding etcd1) stays readable and renewable, and a set beside it gets
# its own generations.  Lifetimes are short: nothing sleeps.
. "$(dirname "$0")/setup.sh"
. "$(dirname "$0")/certfn.sh"

need_cmd openssl || skip_all "openssl not installed (openssl CLI)"
plan 23

cd "$T" || exit 1
E=$ETCD_PKI
export TMPDIR="$T/tmp"
mkdir -p "$TMPDIR"

sum() { sha256sum <"$1" | cut -d' ' -f1; }

cat >ca-csr.json <<'EOF'
{"CN": "Shared CA", "key": {"algo": "ecdsa", "size": 256}}
EOF
cat >config.json <<'EOF'
{"signing": {"profiles": {
  "peer": {"expiry": "2h", "usages": ["signing", "key encipherment",
           "server auth", "client auth"]}}}}
EOF
# mkdir_sets DIR: the CA and etcd1, etcd2 through "json -bare", in DIR.
mkdir_sets() {
	mkdir "$1"
	for n in etcd1 etcd2; do
		printf '{"CN": "%s", "hosts": ["%s.test", "127.0.0.1"], "key": {"algo": "ecdsa", "size": 256}}\n' \
		    "$n" "$n" >"$1/$n-csr.json"
	done
	(cd "$1" && "$E" gencert -initca ../ca-csr.json 2>/dev/null |
	    "$E" json -bare ca &&
	    for n in etcd1 etcd2; do
		"$E" gencert -ca ca.pem -ca-key ca-key.pem \
		    -config ../config.json -profile peer "$n-csr.json" \
		    2>/dev/null | "$E" json -bare "$n" || exit 1
	    done)
}
check "ca, etcd1 and etcd2 in one directory (json -bare)" mkdir_sets d
SIGN="-ca d/ca.pem -ca-key d/ca-key.pem -config config.json -profile peer"
ca0=$(sum d/ca.pem)
a0=$(serial d/etcd1.pem)
b0=$(serial d/etcd2.pem)

run r1 renew -force $SIGN d/etcd1.pem
check "renew etcd1: exit 10" test "$rc" = 10
check "... etcd1.pem links into its own generations" \
    test "$(readlink d/etcd1.pem)" = etcd1.gen/current/etcd1.pem -a "$(serial d/etcd1.pem)" != "$a0"
check "... the key and CSR too" \
    test "$(readlink d/etcd1-key.pem)" = etcd1.gen/current/etcd1-key.pem -a "$(readlink d/etcd1.csr)" = etcd1.gen/current/etcd1.csr
check "... no DIR/current, DIR/gen" test ! -e d/current -a ! -e d/gen
check "... ca.pem still the CA's own file, unchanged" \
    test -f d/ca.pem -a ! -L d/ca.pem -a "$(sum d/ca.pem)" = "$ca0"
check "... etcd2's files untouched" \
    test -f d/etcd2.pem -a ! -L d/etcd2.pem -a "$(serial d/etcd2.pem)" = "$b0"

a1=$(serial d/etcd1.pem)
g1=$(readlink d/etcd1.gen/current)
run r2 renew -force $SIGN d/etcd2.pem
check "renew etcd2 next: exit 10 (not \"missing\")" test "$rc" = 10
check "... its own generations" \
    test "$(readlink d/etcd2.pem)" = etcd2.gen/current/etcd2.pem -a "$(serial d/etcd2.pem)" != "$b0"
check "... etcd1 unchanged" test "$(readlink d/etcd1.gen/current)" = "$g1" -a "$(serial d/etcd1.pem)" = "$a1"
check "both verify against ca.pem" openssl verify -CAfile d/ca.pem d/etcd1.pem d/etcd2.pem

run r3 renew $SIGN d/etcd1.pem d/etcd2.pem
check "a second run: exit 0, nothing due" test "$rc" = 0
run rb rollback d/etcd2.pem
check "rollback etcd2: exit 0, its previous certificate" \
    test "$rc" = 0 -a "$(serial d/etcd2.pem)" = "$b0"
check "... etcd1 not rolled back" test "$(serial d/etcd1.pem)" = "$a1"
run st status d/etcd1.pem d/etcd2.pem
check "status reads both sets" sh -c 'test "$0" = 0 && grep -q etcd1 st.out && grep -q etcd2 st.out' "$rc"

run cr ca renew -ca d/ca.pem -ca-key d/ca-key.pem
check "ca renew on the CA beside them: exit 0 (ca.pem is not a link)" \
    test "$rc" = 0 -a "$(sum d/ca.pem)" != "$ca0"
check "... the leaves still verify against the renewed CA" \
    openssl verify -CAfile d/ca.pem d/etcd1.pem d/etcd2.pem

# -layout fixed in a shared directory: in place, with .bak, nothing else.
mkdir_sets f
run fx renew -force -layout fixed -ca f/ca.pem -ca-key f/ca-key.pem -config config.json -profile peer f/etcd1.pem
check "-layout fixed: exit 10, no generations made" \
    test "$rc" = 10 -a -f f/etcd1.pem -a -f f/etcd1.pem.bak -a ! -e f/etcd1.gen -a ! -e f/current

# ---- a directory an earlier version converted ----------------------------
# One set and the CA's copy (no CA key: a single set), as before: DIR/current.
mkdir o
cp d/etcd1-csr.json o/
"$E" gencert -ca d/ca.pem -ca-key d/ca-key.pem -config config.json -profile peer \
    -o o/etcd1 o/etcd1-csr.json 2>/dev/null
cp d/ca.pem o/ca.pem
run o1 renew -force $SIGN o/etcd1.pem
check "a single set: the generations layout as before (DIR/current)" \
    test "$rc" = 10 -a "$(readlink o/etcd1.pem)" = current/etcd1.pem -a -L o/current
o1=$(serial o/etcd1.pem)
run o2 renew -force $SIGN o/etcd1.pem
check "... renewed again in it" test "$rc" = 10 -a "$(serial o/etcd1.pem)" != "$o1" -a "$(readlink o/etcd1.pem)" = current/etcd1.pem
# etcd2 arrives beside the converted etcd1.
cp d/etcd2-csr.json o/
"$E" gencert -ca d/ca.pem -ca-key d/ca-key.pem -config config.json -profile peer \
    -o o/etcd2 o/etcd2-csr.json 2>/dev/null
cur=$(readlink o/current)
o2=$(serial o/etcd1.pem)
run o3 renew -force $SIGN o/etcd2.pem
check "a set beside a converted one: exit 10, generations of its own" \
    test "$rc" = 10 -a "$(readlink o/etcd2.pem)" = etcd2.gen/current/etcd2.pem
check "... the converted set, its current and ca.pem untouched" \
    test "$(readlink o/current)" = "$cur" -a "$(serial o/etcd1.pem)" = "$o2" -a "$(readlink o/ca.pem)" = current/ca.pem
run o4 renew -force $SIGN o/etcd1.pem
check "... and the converted set still renews in DIR/current" \
    test "$rc" = 10 -a "$(readlink o/current)" != "$cur" -a "$(readlink o/etcd1.pem)" = current/etcd1.pem

finish
