#!/bin/sh
# t-ca-renew.sh: ca renew re-signs the CA with its key and subject.
#
# Compared with the real cfssl's gencert -renewca (subject, key,
# extensions, validity length); old leaves verify against the renewed CA;
# -expiry; in-place replacement with a .bak; -o; cluster mode rewrites
# DIR/ca.pem and every copy of it; a non-CA, a wrong key and usage errors
# change nothing.
. "$(dirname "$0")/setup.sh"

plan 35

cd "$T" || exit 1
E=$ETCD_PKI
PY=/usr/bin/python3

# Prints the -text of a certificate without what a renewal changes:
# serial, validity and signature.
cert_text() {
	openssl x509 -in "$1" -noout -text | "$PY" -c '
import sys
lines = sys.stdin.read().split("\n")
out = []
i = 0
while i < len(lines):
    s = lines[i].strip()
    if s.startswith("Signature Value"):
        break
    if s.startswith("Serial Number:"):
        i += 2 if s == "Serial Number:" else 1
        continue
    if not s.startswith("Not Before") and not s.startswith("Not After"):
        out.append(lines[i])
    i += 1
print("\n".join(out))'
}
# Seconds between notBefore and notAfter.
lifetime() {
	"$PY" -c '
import sys
from cryptography import x509
c = x509.load_pem_x509_certificate(open(sys.argv[1], "rb").read())
print(int((c.not_valid_after - c.not_valid_before).total_seconds()))' "$1"
}
spki() {
	openssl x509 -in "$1" -noout -pubkey
}
subject() {
	openssl x509 -in "$1" -noout -subject -nameopt RFC2253
}
sums() {
	(cd "$1" && find . -type f ! -name .etcd-pki.lock | LC_ALL=C sort |
	    xargs sha256sum)
}
LINE_RE='renewed: serial [0-9][0-9]* -> [0-9][0-9]*, not after [0-9T:-]*Z -> [0-9T:-]*Z (same key and subject); etcd loads trusted CAs only at start: restart every member, one at a time$'

# ---- a CA and a leaf --------------------------------------------------
# The files live in w/, the commands' output in $T: checksums of w/ and
# "no hidden temporary file" see only what ca renew writes.
mkdir w && cd w
cat >ca-csr.json <<'EOF'
{"CN": "Test CA", "key": {"algo": "ecdsa", "size": 256},
 "names": [{"C": "DE", "O": "etcd-pki test", "OU": "CA"}],
 "ca": {"expiry": "87600h", "pathlen": 1}}
EOF
cat >leaf-csr.json <<'EOF'
{"CN": "etcd1", "hosts": ["etcd1", "10.0.0.1"],
 "key": {"algo": "ecdsa", "size": 256}}
EOF
"$E" gencert -initca ca-csr.json 2>/dev/null | "$E" json -bare ca
"$E" gencert -ca ca.pem -ca-key ca-key.pem leaf-csr.json 2>/dev/null |
    "$E" json -bare leaf
check "setup: a CA and a leaf it signed" openssl verify -CAfile ca.pem leaf.pem

# ---- -o, against cfssl ------------------------------------------------
rc=0
"$E" ca renew -ca ca.pem -ca-key ca-key.pem -o ours >../o.out 2>../o.err || rc=$?
check "ca renew -o exits 0" test "$rc" = 0
check "-o writes NAME.pem only and leaves -ca alone" sh -c '
    test -s ours.pem && ! test -e ours-key.pem && ! test -e ours.csr &&
    ! test -e ca.pem.bak'
check "-o prints the renewal line for NAME.pem" \
    grep -q "^ours.pem: $LINE_RE" ../o.out
check "a new serial" sh -c \
    'test "$(openssl x509 -in ca.pem -noout -serial)" != \
    "$(openssl x509 -in ours.pem -noout -serial)"'
check "the same subject" test "$(subject ca.pem)" = "$(subject ours.pem)"
check "the same key (SPKI)" test "$(spki ca.pem)" = "$(spki ours.pem)"
check "the same validity length as the original (cfssl's rule)" \
    test "$(lifetime ca.pem)" = "$(lifetime ours.pem)"
check "the same extensions and names as the original" \
    test "$(cert_text ca.pem)" = "$(cert_text ours.pem)"
check "the old leaf verifies against the renewed CA" \
    openssl verify -CAfile ours.pem leaf.pem
if need_cmd cfssl && need_cmd cfssljson; then
	cfssl gencert -renewca -ca ca.pem -ca-key ca-key.pem 2>/dev/null |
	    cfssljson -bare theirs
	check "cfssl -renewca: same subject" \
	    test "$(subject theirs.pem)" = "$(subject ours.pem)"
	check "cfssl -renewca: same key" \
	    test "$(spki theirs.pem)" = "$(spki ours.pem)"
	check "cfssl -renewca: same extensions" \
	    test "$(cert_text theirs.pem)" = "$(cert_text ours.pem)"
	check "cfssl -renewca: same validity length" \
	    test "$(lifetime theirs.pem)" = "$(lifetime ours.pem)"
else
	for i in 1 2 3 4; do skip "cfssl not installed"; done
fi

# ---- -expiry ----------------------------------------------------------
rc=0
"$E" ca renew -ca ca.pem -ca-key ca-key.pem -expiry 48h -o short \
    >/dev/null 2>&1 || rc=$?
check "-expiry 48h: exits 0, valid for 48h" \
    test "$rc:$(lifetime short.pem 2>/dev/null)" = "0:172800"
rc=0
"$E" ca renew -ca ca.pem -ca-key ca-key.pem -expiry soon -o bad \
    >/dev/null 2>../bad.err || rc=$?
check "-expiry soon: usage error (2), nothing written" sh -c \
    "test $rc = 2 && ! test -e bad.pem && grep -q -- -expiry ../bad.err"

# ---- in place -----------------------------------------------------------
cp ca.pem ca.orig
chmod 0640 ca.pem
rc=0
"$E" ca renew -ca ca.pem -ca-key ca-key.pem >../ip.out 2>../ip.err || rc=$?
check "in place: exits 0" test "$rc" = 0
check "in place: ca.pem.bak holds the previous file" cmp -s ca.orig ca.pem.bak
check "in place: ca.pem is the renewed certificate, same key and subject" \
    sh -c '! cmp -s ca.orig ca.pem &&
    test "$(openssl x509 -in ca.pem -noout -pubkey)" = \
        "$(openssl x509 -in ca.orig -noout -pubkey)"'
check "in place: the file keeps its mode" \
    test "$(stat -c %a ca.pem ca.pem.bak | sort -u)" = 640
check "in place: one line, for ca.pem" sh -c \
    "test \$(wc -l <../ip.out) = 1 && grep -q '^ca.pem: $LINE_RE' ../ip.out"
check "in place: no temporary file is left" sh -c \
    'test "$(ls -A | grep -c "^\.")" = 0'

# ---- refusals change nothing --------------------------------------------
before=$(sums .)
rc=0
"$E" ca renew -ca leaf.pem -ca-key leaf-key.pem >../nca.out 2>../nca.err ||
    rc=$?
check "a non-CA certificate: exit 1, says so, nothing changed" sh -c \
    "test $rc = 1 && grep -q 'leaf.pem: not a CA certificate' ../nca.err &&
    test '$(sums .)' = '$before'"
rc=0
"$E" ca renew -ca ca.pem -ca-key leaf-key.pem >../mm.out 2>../mm.err || rc=$?
check "a key that does not match: exit 1, says so, nothing changed" sh -c \
    "test $rc = 1 && grep -q 'does not match' ../mm.err &&
    test '$(sums .)' = '$before'"
rc=0
"$E" ca renew -ca ca.pem >/dev/null 2>../u.err || rc=$?
check "no -ca-key: usage error (2)" test "$rc" = 2
rc=0
"$E" ca renew -cluster x.json -ca ca.pem dir >/dev/null 2>../u.err || rc=$?
check "-cluster with -ca: usage error (2)" test "$rc" = 2

cd "$T"
# ---- cluster mode -------------------------------------------------------
"$E" cluster init -key-algo ecdsa-256 >desc.json 2>/dev/null
"$E" cluster issue desc.json -o pki >/dev/null 2>&1
cp pki/ca.pem cl-ca.orig
# A member whose copy is a bundle (differs): left alone.
cat pki/ca.pem w/ca.orig >pki/etcd3/ca.pem
cp pki/etcd3/ca.pem etcd3-bundle
# A client whose copy is an earlier renewal (same key): replaced.
"$E" ca renew -ca pki/ca.pem -ca-key pki/ca-key.pem -o earlier >/dev/null 2>&1
cp earlier.pem pki/clients/admin/ca.pem
rc=0
"$E" ca renew -cluster desc.json pki >cl.out 2>cl.err || rc=$?
check "cluster: exits 0" test "$rc" = 0
check "cluster: DIR/ca.pem.bak is the previous CA" cmp -s cl-ca.orig pki/ca.pem.bak
check "cluster: DIR/ca.pem renewed, same key" sh -c '
    ! cmp -s cl-ca.orig pki/ca.pem &&
    test "$(openssl x509 -in pki/ca.pem -noout -pubkey)" = \
        "$(openssl x509 -in cl-ca.orig -noout -pubkey)"'
check "cluster: every member's and client's copy is the renewed CA (also \
one that held an earlier renewal)" sh -c '
    for f in pki/etcd1/ca.pem pki/etcd2/ca.pem pki/clients/admin/ca.pem; do
        cmp -s pki/ca.pem $f || { echo $f; exit 1; }
    done'
check "cluster: one line per file written" sh -c "
    test \$(grep -c ': $LINE_RE' cl.out) = 4 &&
    grep -q '^pki/ca.pem: ' cl.out && grep -q '^pki/etcd2/ca.pem: ' cl.out &&
    grep -q '^pki/clients/admin/ca.pem: ' cl.out"
check "cluster: a copy that differs (a bundle) is left alone, with a warning" \
    sh -c 'cmp -s etcd3-bundle pki/etcd3/ca.pem &&
    grep -q "pki/etcd3/ca.pem: not a copy of pki/ca.pem" cl.err'
check "cluster: every leaf verifies against the renewed CA" \
    openssl verify -CAfile pki/ca.pem pki/etcd1/etcd1.pem pki/etcd2/etcd2.pem \
    pki/etcd3/etcd3.pem pki/clients/admin/admin.pem

"$E" cluster issue desc.json -o pki >reissue.out 2>reissue.err || :
check "cluster issue afterwards keeps every certificate (none new or \
reissued)" grep -q ': 0 new, 0 reissued, ' reissue.err

# ---- cluster mode, generations layout ------------------------------------
# etcd1 converted to generations by renew: ca renew switches "current" to
# a new generation whose ca.pem is the renewed CA.
"$E" renew -force -cluster desc.json -member etcd1 pki >conv.out 2>&1 || :
g=$(readlink pki/etcd1/current)
cp pki/ca.pem cl-ca.2
rc=0
"$E" ca renew -cluster desc.json pki >g.out 2>g.err || rc=$?
check "generations: exits 0, current switched to a new generation \
whose ca.pem is the renewed CA, the old one intact" sh -c "
    test -n '$g' && test $rc = 0 &&
    test \"\$(readlink pki/etcd1/current)\" != '$g' &&
    cmp -s pki/ca.pem pki/etcd1/current/ca.pem &&
    cmp -s cl-ca.2 'pki/etcd1/$g/ca.pem' &&
    test -L pki/etcd1/etcd1.pem &&
    openssl verify -CAfile pki/etcd1/ca.pem pki/etcd1/etcd1.pem"

finish
