#!/bin/sh
# t-sync.sh: what each command syncs, and in which order (etcd-pki(1),
# "Durability").  A set of files is written to temporary files, made
# durable with one syncfs (not an fsync per file), renamed into place,
# and its directory fsync'ed; a single file is fsync'ed itself.  renew
# syncs a staged generation once before naming it, then the names.
# cluster issue uses syncfs (not sync); with -no-sync only the set of
# files it replaces (here the new CA's) is synced.  tests/inject.so logs the calls
# (INJECT_LOG) on the output directory without failing any.
. "$(dirname "$0")/setup.sh"

need_inject || skip_all "tests/inject.so is not built (make check builds it)"
plan 8

T=$(cd -P "$T" && pwd)
cd "$T"
E=$ETCD_PKI
cat >ca-csr.json <<'J'
{"CN": "sync CA", "key": {"algo": "ecdsa", "size": 256}}
J
cat >etcd1-csr.json <<'J'
{"CN": "etcd1", "hosts": ["etcd1", "127.0.0.1"],
 "key": {"algo": "ecdsa", "size": 256}}
J
cat >config.json <<'J'
{"signing": {"default": {"expiry": "2h", "usages": ["signing",
  "key encipherment", "server auth", "client auth"]}}}
J
"$E" gencert -initca -o ca ca-csr.json 2>/dev/null
SIGN="-ca ca.pem -ca-key ca-key.pem -config config.json"

# traced DIR LOG CMD...: runs CMD with the shim logging calls under DIR.
traced() {
	_d=$1 _l=$2
	shift 2
	rm -f "$_l"
	env LD_PRELOAD="$PRELOAD" INJECT_PATH="$_d" INJECT_LOG="$_l" "$@"
}

# set_order LOG DIR: a set written to DIR: one syncfs before the first
# rename, the directory's fsync after the last, nothing else synced.
set_order() {
	awk -v d="$2" '
	$1 == "fsync" && $2 == "syncfs" && $3 == d { if (!s) s = NR; ns++; next }
	$1 == "fsync" && $2 == "fsync" && $3 == d { f = NR; nf++; next }
	$1 == "fsync" { other++ }
	$1 == "rename" { if (!r1) r1 = NR; rn = NR; nr++ }
	END { exit !(ns == 1 && nf == 1 && !other && nr >= 2 &&
	    s < r1 && rn < f) }' "$1"
}

mkdir o
traced "$T/o" log "$E" gencert $SIGN -o "$T/o/etcd1" etcd1-csr.json \
    2>/dev/null
if [ -s o/etcd1.pem ] && set_order log "$T/o"; then
	pass "gencert -o: one syncfs before the renames, one fsync of the directory after, no file fsync'ed"
else
	fail "gencert -o: one syncfs before the renames, one fsync of the directory after"
	grep -v '^write\|^open' log | sed 's/^/#   /'
fi

"$E" gencert $SIGN etcd1-csr.json 2>/dev/null >etcd1.json
mkdir j
(cd j && traced "$T/j" ../log "$E" json -bare etcd1 <../etcd1.json)
if [ -s j/etcd1-key.pem ] && set_order log "$T/j/."; then
	pass "json -bare: the same"
else
	fail "json -bare: the same"
	grep -v '^write\|^open' log | sed 's/^/#   /'
fi

mkdir s
traced "$T/s" log "$E" cluster init -o "$T/s/desc.json" 2>/dev/null
if [ -s s/desc.json ] &&
    awk -v d="$T/s" '
	$1 == "fsync" && $2 == "fsync" && index($3, d "/.desc.json") == 1 { t = NR }
	$1 == "fsync" && $2 == "fsync" && $3 == d { f = NR }
	$1 == "fsync" && $2 == "syncfs" { bad = 1 }
	$1 == "rename" { r = NR }
	END { exit !(t && r && f && t < r && r < f && !bad) }' log; then
	pass "a single file (cluster init -o): its own fsync before the rename, the directory's after, no syncfs"
else
	fail "a single file (cluster init -o): its own fsync, the directory's"
	grep -v '^write\|^open' log | sed 's/^/#   /'
fi

# renew, generations layout: the staged generation is synced once.
mkdir r
"$E" gencert $SIGN -o r/etcd1 etcd1-csr.json 2>/dev/null
cp etcd1-csr.json r/
"$E" renew -force $SIGN r/etcd1.pem >/dev/null 2>&1 || :
traced "$T/r" log "$E" renew -force $SIGN "$T/r/etcd1.pem" >/dev/null 2>&1 ||
    :
if [ -L r/current ] && awk -v d="$T/r" '
	$1 == "fsync" && $2 == "syncfs" && index($3, d "/gen/.tmp-") == 1 { s = NR; ns++ }
	$1 == "rename" && index($3, d "/gen/.tmp-") == 1 { g = NR }
	$1 == "fsync" && $2 == "fsync" && $3 == d "/gen" { fg = NR }
	$1 == "rename" && $4 == d "/current" { c = NR }
	$1 == "fsync" && $2 == "fsync" && $3 == d { fd = NR }
	$1 == "fsync" && $2 == "fsync" && index($3, d "/gen/.tmp-") == 1 { bad = 1 }
	END { exit !(ns == 1 && s < g && g < fg && fg < c && c < fd && !bad) }' log
then
	pass "renew: one syncfs of the staged generation, then its name, then current, each synced in that order"
else
	fail "renew: one syncfs of the staged generation, then its name, then current"
	grep -v '^write\|^open' log | sed 's/^/#   /'
fi
n=$(awk '$1 == "fsync" { n++ } END { print n + 0 }' log)
if [ "$n" -le 4 ]; then
	pass "renew: $n syncs in all (at most 4)"
else
	fail "renew: $n syncs in all (at most 4)"
fi

# cluster issue: syncfs, never a whole-system sync.
traced "$T/c" log "$E" cluster issue -members 3 -o "$T/c" >/dev/null \
    2>&1 || :
ns=$(awk '$1 == "fsync" && $2 == "syncfs" { n++ } END { print n + 0 }' log)
nf=$(awk -v d="$T/c" '$1 == "fsync" && $2 == "fsync" && $3 ~ /\.(pem|csr|json|yml|env)$/ { n++ } END { print n + 0 }' log)
if [ -s c/m1/m1.pem ] && [ "$ns" -ge 1 ] && [ "$nf" = 0 ]; then
	pass "cluster issue: $ns syncfs, no file fsync'ed on its own"
else
	fail "cluster issue: syncfs, no file fsync'ed on its own ($ns syncfs, $nf file fsyncs)"
	grep '^fsync' log | sed 's/^/#   /'
fi
if need_cmd nm && nm -u "$E" 2>/dev/null | grep -qw syncfs &&
    ! nm -u "$E" 2>/dev/null | grep -qw 'sync'; then
	pass "etcd-pki calls syncfs and never sync"
else
	fail "etcd-pki calls syncfs and never sync"
	nm -u "$E" 2>/dev/null | grep -w 'sync\|syncfs' | sed 's/^/#   /'
fi
rc=0
traced "$T/c2" log "$E" cluster issue -members 3 -no-sync -o "$T/c2" \
    >/dev/null 2>&1 || rc=$?
if [ "$rc" = 0 ] && awk -v d="$T/c2" '
	$1 == "fsync" && $2 == "syncfs" && $3 == d { s = NR; ns++; next }
	$1 == "fsync" && $2 == "fsync" && $3 == d { f = NR; nf++; next }
	$1 == "fsync" { other++ }
	$1 == "rename" && index($4, d "/ca") == 1 { if (!r1) r1 = NR; rn = NR }
	END { exit !(ns == 1 && nf == 1 && !other && s < r1 && rn < f) }' log
then
	pass "cluster issue -no-sync: only the new CA's set is synced (one syncfs, one fsync)"
else
	fail "cluster issue -no-sync: only the new CA's set is synced (exit $rc)"
	grep '^fsync' log | sed 's/^/#   /'
fi
finish
