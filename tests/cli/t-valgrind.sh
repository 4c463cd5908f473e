#!/bin/sh
# t-valgrind.sh: gencert -initca, gencert, sign, json, certinfo and the
# cluster commands run clean under valgrind memcheck (no invalid access, no
# definite or indirect leak).
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/cli/setup.sh"

need_cmd valgrind || skip_all "valgrind is not installed"


cd "$T"
printf '%s\n' '{"CN":"vg CA","key":{"algo":"ecdsa","size":256},"ca":{"expiry":"1h"}}' >ca.json
printf '%s\n' '{"CN":"vg leaf","hosts":["a.example","10.0.0.1","b@example.com","spiffe://x/y"],"key":{"algo":"ecdsa","size":256},"names":[{"O":"o1","OU":"u&1"},{"O":"o2"}]}' >leaf.json
cat >cfg.json <<'J'
{"signing":{"default":{"expiry":"1h","usages":["signing"]},
 "profiles":{"peer":{"expiry":"2h","usages":["signing","key encipherment","server auth","client auth"],
  "ocsp_url":"http://ocsp.example","issuer_urls":["http://ca.example/ca.crt"],"crl_url":"http://ca.example/crl"}}}}
J

check "gencert -initca under memcheck" sh -c \
    'vg() { valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect "$@"; };
     vg "$0" gencert -initca -loglevel 2 -o ca ca.json' "$ETCD_PKI"
check "gencert (peer profile) under memcheck" sh -c \
    'valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect \
     "$0" gencert -loglevel 2 -ca ca.pem -ca-key ca-key.pem -config cfg.json -profile peer -o leaf leaf.json' "$ETCD_PKI"
check "sign (with -hostname) under memcheck" sh -c \
    'valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect \
     "$0" sign -loglevel 2 -ca ca.pem -ca-key ca-key.pem -config cfg.json -profile peer -hostname x.example,::1 leaf.csr >signed.json' "$ETCD_PKI"
check "json -bare under memcheck" sh -c \
    'valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect \
     "$0" json -bare -f signed.json signed' "$ETCD_PKI"
check "error paths under memcheck (unknown profile)" sh -c \
    'valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect \
     "$0" gencert -ca ca.pem -ca-key ca-key.pem -config cfg.json -profile nope leaf.json; test $? = 1' "$ETCD_PKI"
check "certinfo under memcheck" sh -c \
    'valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect \
     "$0" certinfo -cert leaf.pem >/dev/null' "$ETCD_PKI"
# The cluster commands: threads, the CA made by a worker, a re-run that
# keeps everything, a drift that re-issues, and verify finding problems.
VG='valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect'
check "cluster init and issue (3 members, 2 threads) under memcheck" sh -c \
    "$VG '$ETCD_PKI' cluster init -key-algo ecdsa-256 -o c.json 2>/dev/null &&
     $VG '$ETCD_PKI' cluster issue c.json -j 2 -o c >/dev/null 2>&1"
check "cluster issue re-run (all kept) under memcheck" sh -c \
    "$VG '$ETCD_PKI' cluster issue c.json -o c >/dev/null 2>&1"
sed 's/192.0.2.12/192.0.2.22/' c.json >c2.json
check "cluster issue with drift (re-issues) under memcheck" sh -c \
    "$VG '$ETCD_PKI' cluster issue c2.json -o c >/dev/null 2>&1"
chmod 644 c/etcd1/etcd1-key.pem
check "cluster verify finding problems under memcheck" sh -c \
    "$VG '$ETCD_PKI' cluster verify c.json c >/dev/null 2>&1; test \$? = 1"
check "cluster issue -members 20 under memcheck" sh -c \
    "$VG '$ETCD_PKI' cluster issue -members 20 -no-sync -o f >/dev/null 2>&1"

# Renewal: conversion to generations, a new generation, -keep, rollback,
# the fixed layout, -rekey, -dry-run, and a refused drift.
check "renew -cluster (convert and renew every set) under memcheck" sh -c \
    "$VG '$ETCD_PKI' renew -force -cluster c2.json -deploy-hook true c >/dev/null 2>&1; test \$? = 10"
check "renew -cluster again with -keep 0 under memcheck" sh -c \
    "$VG '$ETCD_PKI' renew -force -keep 0 -cluster c2.json c >/dev/null 2>&1; test \$? = 10"
check "renew -rekey -dry-run under memcheck" sh -c \
    "$VG '$ETCD_PKI' renew -force -rekey -restart-cmd true -dry-run -cluster c2.json c >/dev/null 2>&1; test \$? = 10"
check "rollback under memcheck" sh -c \
    "'$ETCD_PKI' renew -force -cluster c2.json -member etcd1 c >/dev/null 2>&1;
     $VG '$ETCD_PKI' rollback -cluster c2.json -member etcd1 c >/dev/null 2>&1"
mkdir fx
cp leaf.json fx/leaf-csr.json
"$ETCD_PKI" gencert -ca ca.pem -ca-key ca-key.pem -config cfg.json -profile peer -o fx/leaf fx/leaf-csr.json 2>/dev/null
check "renew -layout fixed -rekey with stop and start under memcheck" sh -c \
    "$VG '$ETCD_PKI' renew -force -layout fixed -rekey -stop-cmd true -start-cmd true \
     -ca ca.pem -ca-key ca-key.pem -config cfg.json -profile peer fx/leaf.pem >/dev/null 2>&1; test \$? = 10"
sed 's/a.example/z.example/' leaf.json >fx/leaf-csr.json
check "renew refusing a drift under memcheck" sh -c \
    "$VG '$ETCD_PKI' renew -force -ca ca.pem -ca-key ca-key.pem -config cfg.json -profile peer \
     fx/leaf.pem >/dev/null 2>&1; test \$? = 3"
finish
