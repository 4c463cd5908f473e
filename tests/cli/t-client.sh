#!/bin/sh
# t-client.sh: client add and client remove (no etcd needed): the
# description, the client's set and its kube-apiserver.flags, -cn, the
# refusals, the revocation and the archive without keys; cluster verify
# finds the tree consistent after each.
. "$(dirname "$0")/setup.sh"

plan 14

cd "$T" || exit 1
E=$ETCD_PKI
cat >desc.json <<EOF
{
    "name": "cl",
    "key": {"algo": "ecdsa", "size": 256},
    "fragments": true,
    "members": [
        {"name": "m1", "ips": ["10.0.0.1"]},
        {"name": "m2", "ips": ["10.0.0.2"]}
    ],
    "clients": [{"name": "admin"}]
}
EOF
run "$E" cluster issue desc.json -o pki
expect "cluster issue" 0

run "$E" client add -cluster desc.json -cn kube-apiserver-etcd-client pki kube
expect "client add kube -cn: exit 0, its set new" 0 \
    "new       clients/kube/kube.pem  CN=kube-apiserver-etcd-client"
check "the description lists it with its CN" python3 -c '
import json, sys
c = json.load(open("desc.json"))["clients"]
sys.exit(0 if {"name": "kube", "CN": "kube-apiserver-etcd-client"} in c else 1)'
check "its certificate says CN=kube-apiserver-etcd-client, client auth" sh -c "
    openssl x509 -in pki/clients/kube/kube.pem -noout -subject |
        grep -q 'CN *= *kube-apiserver-etcd-client' &&
    openssl x509 -in pki/clients/kube/kube.pem -noout -ext extendedKeyUsage |
        grep -q 'TLS Web Client Authentication'"
check "kube-apiserver.flags: the four --etcd-* flags" sh -c "
    grep -qx -- '--etcd-servers=https://10.0.0.1:2379,https://10.0.0.2:2379' pki/clients/kube/kube-apiserver.flags &&
    grep -qx -- '--etcd-cafile=$T/pki/clients/kube/ca.pem' pki/clients/kube/kube-apiserver.flags &&
    grep -qx -- '--etcd-certfile=$T/pki/clients/kube/kube.pem' pki/clients/kube/kube-apiserver.flags &&
    grep -qx -- '--etcd-keyfile=$T/pki/clients/kube/kube-key.pem' pki/clients/kube/kube-apiserver.flags &&
    test \$(wc -l <pki/clients/kube/kube-apiserver.flags) = 4"
run "$E" cluster verify desc.json pki
expect "cluster verify after client add: no problems" 0 "no problems"

cp desc.json desc.before
run "$E" client add -cluster desc.json pki m1
expect "client add of a member's name: refused" 3 "has a member of that name"
run "$E" client add -cluster desc.json pki kube
expect "client add of a client's name: refused" 3 "has a client of that name"
check "the refusals changed nothing" cmp -s desc.before desc.json

serial=$(openssl x509 -in pki/clients/kube/kube.pem -noout -serial | sed 's/.*=//')
run "$E" client remove -cluster desc.json pki kube
expect "client remove kube: revoked, archived" 0 \
    "revoked \\(cessationOfOperation\\).*|its files moved to"
check "the CRL lists its serial, beside the members' bundles" sh -c "
    openssl crl -in pki/crl.pem -noout -text | grep -qi 'Serial Number: *$serial' &&
    cmp -s pki/crl.der pki/m1/crl.der"
check "clients/kube moved under removed/, without its key" sh -c "
    test ! -e pki/clients/kube && ls pki/removed/kube.*/kube.pem >/dev/null &&
    test -z \"\$(find pki/removed -name '*-key.pem')\" &&
    ! grep -q '\"kube\"' desc.json"
run "$E" cluster verify desc.json pki
expect "cluster verify after client remove: no problems" 0 "no problems"
run "$E" client remove -cluster desc.json pki kube
expect "client remove of an unknown client: refused" 3 "no such client"
finish
