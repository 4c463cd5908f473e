#!/bin/sh
# t-keys-kept.sh: keys as configured (issue 19): encrypted CA keys for
# every command that signs, from every password source (-ca-key-password,
# CFSSL_CA_PK_PASSWORD, the systemd credential), written encrypted on
# request (-initca, cluster issue); the key format kept across renewals
# and set per member and client in the description.
. "$(dirname "$0")/setup.sh"

cd "$T"
E=$ETCD_PKI
unset CFSSL_CA_PK_PASSWORD CREDENTIALS_DIRECTORY
first() { head -1 "$1"; }

cat >desc.json <<'J'
{"key_format": "pkcs8",
 "members": [
  {"name": "etcd1", "ips": ["127.0.0.1"], "peer_urls": ["https://127.0.0.1:2380"],
   "client_urls": ["https://127.0.0.1:2379"]},
  {"name": "etcd2", "ips": ["127.0.0.1"], "peer_urls": ["https://127.0.0.1:12380"],
   "client_urls": ["https://127.0.0.1:12379"], "key_format": "cfssl"}],
 "clients": [{"name": "admin", "key_format": "cfssl"}, {"name": "java"}]}
J
printf 'not-a-secret-0123456789\n' >pw.txt
chmod 600 pw.txt

# ---- cluster issue: a new CA written encrypted, then used --------------
check "cluster issue -ca-key-password file: exit 0" \
    "$E" cluster issue -no-sync -ca-key-password file:pw.txt desc.json -o c
check "... the CA key is encrypted (legacy PEM, what cfssl reads)" sh -c \
    "grep -q '^Proc-Type: 4,ENCRYPTED' c/ca-key.pem && grep -q '^DEK-Info: AES-256-CBC,' c/ca-key.pem"
check "... openssl opens it with the password" \
    openssl pkey -in c/ca-key.pem -passin file:pw.txt -noout
check "... the members' and clients' keys in their description's format" sh -c \
    "first() { head -1 \"\$1\"; }
    test \"\$(first c/etcd1/etcd1-key.pem)\" = '-----BEGIN PRIVATE KEY-----' &&
    test \"\$(first c/etcd2/etcd2-key.pem)\" = '-----BEGIN EC PRIVATE KEY-----' &&
    test \"\$(first c/clients/admin/admin-key.pem)\" = '-----BEGIN EC PRIVATE KEY-----' &&
    test \"\$(first c/clients/java/java-key.pem)\" = '-----BEGIN PRIVATE KEY-----'"
check "cluster verify: no problems" "$E" cluster verify desc.json c
rc=0
"$E" cluster issue -no-sync desc.json -o c >out 2>err || rc=$?
check "cluster issue without the password: exit 1, says how to give it" sh -c \
    "test $rc = 1 && grep -q 'ca-key.pem: private key is encrypted; set CFSSL_CA_PK_PASSWORD or -ca-key-password' err"
check "cluster issue with CFSSL_CA_PK_PASSWORD: everything kept" sh -c \
    "CFSSL_CA_PK_PASSWORD=not-a-secret-0123456789 '$E' cluster issue -no-sync desc.json -o c >out 2>err &&
    ! grep -qv '^kept' out"
mkdir creds
cp pw.txt creds/ca-key-password
check "... and with the systemd credential (CREDENTIALS_DIRECTORY)" sh -c \
    "CREDENTIALS_DIRECTORY='$T/creds' '$E' cluster issue -no-sync desc.json -o c >out 2>err"
rc=0
CREDENTIALS_DIRECTORY=$T/creds CFSSL_CA_PK_PASSWORD=wrong \
    "$E" cluster issue -no-sync desc.json -o c >out 2>err || rc=$?
check "... CFSSL_CA_PK_PASSWORD comes before the credential" sh -c \
    "test $rc = 1 && grep -q 'wrong password' err"
rc=0
"$E" cluster issue -no-sync -ca-key-password hunter2 desc.json -o c >out 2>err || rc=$?
check "-ca-key-password with a bare password is refused" sh -c \
    "test $rc = 1 && grep -q 'expected env:VAR or file:PATH' err"
if need_cmd cfssl; then
	check "cfssl itself signs with the encrypted CA key (CFSSL_CA_PK_PASSWORD)" sh -c \
	    "CFSSL_CA_PK_PASSWORD=not-a-secret-0123456789 cfssl gencert -ca c/ca.pem \
	    -ca-key c/ca-key.pem c/etcd1/etcd1-csr.json 2>/dev/null | grep -q '\"cert\"'"
else
	skip "cfssl (golang-cfssl) is not installed"
fi

# ---- renew -cluster with the encrypted CA; formats kept -----------------
rc=0
"$E" renew -force -cluster desc.json -member etcd1 c >out 2>err || rc=$?
check "renew -cluster without the password: exit 1" sh -c \
    "test $rc = 1 && grep -q 'private key is encrypted' err"
rc=0
"$E" renew -force -rekey -restart-cmd true -ca-key-password file:pw.txt \
    -cluster desc.json c >out 2>err || rc=$?
check "renew -rekey -cluster -ca-key-password: exit 10" test "$rc" = 10
check "... every new key in its described format" sh -c \
    "first() { head -1 \"\$1\"; }
    test \"\$(first c/etcd1/etcd1-key.pem)\" = '-----BEGIN PRIVATE KEY-----' &&
    test \"\$(first c/etcd2/etcd2-key.pem)\" = '-----BEGIN EC PRIVATE KEY-----' &&
    test \"\$(first c/clients/java/java-key.pem)\" = '-----BEGIN PRIVATE KEY-----'"
check "... cluster verify: no problems" "$E" cluster verify desc.json c

# revoke -cluster signs the CRL with the encrypted CA key (a copy of c).
cp -a c rv
rc=0
"$E" revoke -cluster desc.json rv java >out 2>err || rc=$?
check "revoke -cluster without the password: exit 1, the CRL not signed" \
    sh -c "test $rc = 1 && grep -q 'private key is encrypted' err &&
    cmp -s c/crl.der rv/crl.der"
s=$(openssl x509 -in rv/clients/java/java.pem -noout -serial | cut -d= -f2)
check "revoke -cluster -ca-key-password: the new CRL lists java's certificate" \
    sh -c "'$E' revoke -cluster desc.json -ca-key-password file:pw.txt rv \
    java >out 2>&1 && openssl crl -in rv/crl.pem -noout -text |
    grep -q 'Serial Number: $s' && openssl crl -in rv/crl.pem -noout \
    -CAfile rv/ca.pem"
rc=0
"$E" revoke -db-config x.json -serial 1 -aki ab -ca-key-password \
    file:pw.txt >out 2>err || rc=$?
check "revoke -ca-key-password without -cluster: usage error" sh -c \
    "test $rc = 2 && grep -q 'only with -cluster' err"

# A format changed in the description: re-issued, and verify said so.
sed 's/"key_format": "cfssl"}],/"key_format": "pkcs8"}],/' desc.json >desc2.json
rc=0
"$E" cluster verify desc2.json c >out 2>&1 || rc=$?
check "verify: a key in another format than described is a problem" sh -c \
    "test $rc = 1 && grep -q 'etcd2-key.pem: key is in cfssl format, the description says pkcs8' out"

# ---- plain files: -initca encrypted, renew keeps the format -----------
printf '{"CN":"t CA","key":{"algo":"ecdsa","size":256}}\n' >ca-csr.json
printf '{"CN":"leaf","hosts":["127.0.0.1"],"key":{"algo":"ecdsa","size":256}}\n' >leaf-csr.json
check "gencert -initca -ca-key-password: exit 0" \
    "$E" gencert -loglevel 5 -initca -ca-key-password file:pw.txt -o ca ca-csr.json
check "... the key is legacy-encrypted EC" sh -c \
    "test \"\$(head -1 ca-key.pem)\" = '-----BEGIN EC PRIVATE KEY-----' && grep -q '^Proc-Type: 4,ENCRYPTED' ca-key.pem"
check "gencert -initca -key-format pkcs8 -ca-key-password: encrypted PKCS#8" sh -c \
    "'$E' gencert -loglevel 5 -initca -key-format pkcs8 -ca-key-password file:pw.txt -o ca8 ca-csr.json &&
    test \"\$(head -1 ca8-key.pem)\" = '-----BEGIN ENCRYPTED PRIVATE KEY-----'"
check "gencert -initca with only CFSSL_CA_PK_PASSWORD: not encrypted, as cfssl" sh -c \
    "CFSSL_CA_PK_PASSWORD=x '$E' gencert -loglevel 5 -initca -o plain ca-csr.json &&
    ! grep -q ENCRYPTED plain-key.pem"
check "gencert signs with the encrypted CA, -key-format pkcs8 leaf" \
    "$E" gencert -loglevel 5 -ca ca.pem -ca-key ca-key.pem -ca-key-password file:pw.txt \
    -key-format pkcs8 -o leaf leaf-csr.json
rc=0
CFSSL_CA_PK_PASSWORD=not-a-secret-0123456789 "$E" renew -force -rekey \
    -restart-cmd true -ca ca.pem -ca-key ca-key.pem leaf.pem >out 2>err || rc=$?
check "renew -rekey of a PKCS#8 key (password from the environment): exit 10" \
    test "$rc" = 10
check "... the new key is PKCS#8 again" sh -c \
    "test \"\$(head -1 leaf-key.pem)\" = '-----BEGIN PRIVATE KEY-----'"
check "... and matches the new certificate" sh -c \
    "test \"\$(openssl x509 -in leaf.pem -noout -pubkey)\" = \"\$(openssl pkey -in leaf-key.pem -pubout)\""
finish
