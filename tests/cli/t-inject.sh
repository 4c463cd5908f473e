#!/bin/sh
# t-inject.sh: failure injection.  tests/inject.so (an LD_PRELOAD shim)
# makes one write, fsync, rename or O_CREAT open under the destination
# fail with ENOSPC, EIO or EACCES (open only), for json -bare, gencert -o,
# cluster issue (into an empty and into a missing directory, and re-issue
# after a description change) and renew -force (generations, and -layout
# fixed); links (link, linkat, symlinkat) and mkdir too, with ENOSPC and
# EIO.  The calls of a clean run are counted first; then every call of
# each kind is failed in turn (a spread sample of MAXN when there are
# many; write: every one up to 30).  After each fault: a non-zero exit, one stderr line naming the error, the
# destination byte-for-byte as it was (listing, modes, link targets and
# contents; nothing new, no temporary left, nothing left in TMPDIR) and,
# for renew, "current" still naming a complete generation whose key
# matches its certificate.  A failed link may instead be tolerated by
# design (pki_file_write_set's backup link, the hard link of an unchanged
# file into a new generation): the run must then succeed completely.
. "$(dirname "$0")/setup.sh"

# PRELOAD: an ASan binary wants its runtime first in the preload list.
need_inject || skip_all "tests/inject.so is not built (make check builds it)"
time_limit "${T_INJECT_LIMIT:-900}"

T=$(cd -P "$T" && pwd)
cd "$T" || exit 1
E=$ETCD_PKI
export TMPDIR="$T/tmp"
mkdir -p "$TMPDIR"
unset INJECT_CALL INJECT_ERRNO INJECT_NTH INJECT_PATH INJECT_LOG
# Most calls of one kind failed in turn (write: every one up to 30).
MAXN=${T_INJECT_MAXN:-12}
MAXW=30
KINDS=${T_INJECT_KINDS:-write fsync rename open link mkdir}

# ---- inputs ---------------------------------------------------------
cat >ca-csr.json <<'EOF'
{"CN": "Inject CA", "key": {"algo": "ecdsa", "size": 256}}
EOF
cat >etcd1-csr.json <<'EOF'
{"CN": "etcd1", "hosts": ["etcd1.test", "127.0.0.1"],
 "key": {"algo": "ecdsa", "size": 256}}
EOF
cat >config.json <<'EOF'
{"signing": {"default": {"expiry": "2h", "usages": ["signing",
  "key encipherment", "server auth", "client auth"]}}}
EOF
"$E" gencert -initca -o ca ca-csr.json 2>/dev/null
"$E" gencert -ca ca.pem -ca-key ca-key.pem -config config.json \
    etcd1-csr.json >leaf.json 2>/dev/null
SIGN="-ca $T/ca.pem -ca-key $T/ca-key.pem -config $T/config.json"
"$E" cluster init -key-algo ecdsa-256 >desc.json 2>/dev/null
/usr/bin/python3 - desc.json <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
d["members"][1]["ips"] = ["192.0.2.22"]
json.dump(d, open("desc2.json", "w"), indent=4)
EOF

# Templates: the state each scenario starts from, copied to $T/run.
mkdir -p tpl/json tpl/gencert tpl/cfresh tpl/creissue tpl/gen tpl/fixed
mkleaf() {
	cp etcd1-csr.json ca.pem "$1/"
	"$E" gencert $SIGN -o "$1/etcd1" "$1/etcd1-csr.json" 2>/dev/null
}
mkleaf tpl/gencert
"$E" cluster issue desc.json -o tpl/creissue >/dev/null 2>&1
mkleaf tpl/gen
"$E" renew -force $SIGN tpl/gen/etcd1.pem >/dev/null 2>&1 || :
mkleaf tpl/fixed
"$E" renew -force -layout fixed $SIGN tpl/fixed/etcd1.pem >/dev/null 2>&1 || :
[ -L tpl/gen/current ] && [ -f tpl/fixed/etcd1.pem.bak ] ||
    { echo "Bail out! renew did not set up the templates"; exit 1; }

# runcmd NAME VAR=VALUE...: the command of scenario NAME, run in $T
# with the destination $T/run/d and the shim configured by the VARs.
runcmd() {
	_c=$1
	shift
	case $_c in
	json) set -- "$@" "$E" json -bare -f leaf.json "$T/run/d/etcd1" ;;
	gencert) set -- "$@" "$E" gencert $SIGN -o "$T/run/d/etcd1" \
	    etcd1-csr.json ;;
	cfresh | cmissing) set -- "$@" "$E" cluster issue desc.json \
	    -o "$T/run/d" ;;
	creissue) set -- "$@" "$E" cluster issue desc2.json -o "$T/run/d" ;;
	gen) set -- "$@" "$E" renew -force $SIGN "$T/run/d/etcd1.pem" ;;
	fixed) set -- "$@" "$E" renew -force -layout fixed $SIGN \
	    "$T/run/d/etcd1.pem" ;;
	esac
	env LD_PRELOAD="$PRELOAD" INJECT_PATH="$T/run/d" "$@"
}

spki() { openssl x509 -noout -pubkey -in "$1" 2>/dev/null; }
keyspki() { openssl pkey -pubout -in "$1" 2>/dev/null; }

# What must not change: every name, type, mode, link target and content.
snapshot() {
	[ -e "$T/run/d" ] || { echo absent; return 0; }
	(cd "$T/run/d" && find . ! -name .etcd-pki.lock \
	    -printf '%p %y %m %s %l\n' | sort &&
	    find . -type f ! -name .etcd-pki.lock | sort | xargs -r sha256sum)
}

fresh() {
	rm -rf "$T/run"
	mkdir -p "$T/run"
	[ ! -e "tpl/$1" ] || cp -a "tpl/$1" "$T/run/d"
}

errtext() {
	case $1 in
	ENOSPC) echo "No space left on device" ;;
	EIO) echo "Input/output error" ;;
	EACCES) echo "Permission denied" ;;
	esac
}

# The numbers 1..$1, or an even spread of $2 of them (first and last in).
picks() {
	awk -v n="$1" -v m="$2" 'BEGIN {
		if (n <= m) { for (i = 1; i <= n; i++) print i; exit }
		for (i = 0; i < m; i++) print 1 + int(i * (n - 1) / (m - 1) + 0.5)
	}' | uniq
}

# scenario NAME KIND ERRNO N: one fault; returns 0 or prints why not.
scenario() {
	_s=$1 _k=$2 _e=$3 _n=$4
	fresh "$_s"
	snapshot >"$T/before"
	_rc=0
	runcmd "$_s" INJECT_CALL="$_k" INJECT_ERRNO="$_e" INJECT_NTH="$_n" \
	    INJECT_LOG="$T/fault.log" >"$T/out" 2>"$T/err" || _rc=$?
	_why=
	grep -q ' FAIL$' "$T/fault.log" 2>/dev/null ||
	    _why="$_why; the fault was not reached"
	# A failed link may be tolerated (a backup link; a hard link into
	# a new generation, then copied): a complete success is clean too.
	if [ "$_k" = link ] && { [ "$_rc" -eq 0 ] || [ "$_rc" -eq 10 ]; }; then
		echo "$_s $_k $_e $_n" >>"$T/tolerated"
	else
		[ "$_rc" -ne 0 ] || _why="$_why; exit 0"
		[ "$_rc" -ne 10 ] || _why="$_why; exit 10 (renewed)"
		# cfssl's log lines aside, one line: the error.
		_nl=$(grep -cv '^[0-9/]* [0-9:]* \[[A-Z]*\] ' "$T/err" ||
		    :)
		[ "$_nl" -eq 1 ] || _why="$_why; $_nl stderr lines"
		grep -q "$(errtext "$_e")" "$T/err" ||
		    _why="$_why; stderr does not say \"$(errtext "$_e")\""
		snapshot >"$T/after"
		cmp -s "$T/before" "$T/after" ||
		    _why="$_why; destination changed:$(diff "$T/before" \
		    "$T/after" | grep '^[<>]' | head -n 4 |
		    sed 's/^\(.\) \.\/\([^ ]*\).*/ \1\2/' | tr -d '\n')"
	fi
	_left=$(cd "$T/run" && find . \( -name '*.tmp*' -o -name '.*' \) \
	    ! -name . ! -name .etcd-pki.lock -print | sort | tr '\n' ' ')
	[ -z "$_left" ] || _why="$_why; temporaries left: $_left"
	[ -z "$(ls -A "$TMPDIR")" ] || _why="$_why; left in TMPDIR"
	case $_s in
	gen)
		_cur=$(readlink "$T/run/d/current" || :)
		[ -n "$_cur" ] && [ -s "$T/run/d/$_cur/etcd1.pem" ] &&
		    [ -s "$T/run/d/$_cur/etcd1-key.pem" ] &&
		    [ -s "$T/run/d/$_cur/etcd1.csr" ] &&
		    [ "$(spki "$T/run/d/$_cur/etcd1.pem")" = \
		    "$(keyspki "$T/run/d/$_cur/etcd1-key.pem")" ] ||
		    _why="$_why; current does not name a complete generation"
		;;
	esac
	rm -f "$T/fault.log"
	rm -rf "$TMPDIR"/* "$TMPDIR"/.[!.]* 2>/dev/null || :
	if [ -n "$_why" ]; then
		echo "${_why#; }"
		sed 's/^/  stderr: /' "$T/err" | head -n 3
		return 1
	fi
	return 0
}

total=0
for s in json gencert cfresh cmissing creissue gen fixed; do
	# A clean run through the shim: it must succeed, and its log counts
	# the calls of each kind under the destination.
	fresh "$s"
	rc=0
	runcmd "$s" INJECT_LOG="$T/clean.log" >"$T/out" 2>"$T/err" || rc=$?
	case $s in gen | fixed) want=10 ;; *) want=0 ;; esac
	if [ "$rc" = "$want" ]; then
		pass "$s: a clean run through the shim exits $want"
	else
		fail "$s: a clean run through the shim exits $want (got $rc)"
		sed 's/^/#   /' "$T/err"
	fi
	counts=
	nscen=0
	nbad=0
	for k in $KINDS; do
		c=$(grep -c "^$k " "$T/clean.log" || :)
		counts="$counts $k=$c"
		if [ "$c" -eq 0 ]; then
			continue
		fi
		case $k in
		write) ns=$(picks "$c" "$MAXW") errs="ENOSPC EIO" ;;
		open) ns=$(picks "$c" "$MAXN") errs="ENOSPC EIO EACCES" ;;
		*) ns=$(picks "$c" "$MAXN") errs="ENOSPC EIO" ;;
		esac
		for e in $errs; do
			for n in $ns; do
				nscen=$((nscen + 1))
				if ! why=$(scenario "$s" "$k" "$e" "$n"); then
					nbad=$((nbad + 1))
					[ "$nbad" -gt 10 ] ||
					    diag "$s $k $e #$n: $why"
				fi
			done
		done
	done
	rm -f "$T/clean.log"
	total=$((total + nscen))
	tol=$(grep -c "^$s " "$T/tolerated" 2>/dev/null || :)
	diag "$s: calls of a clean run:$counts; $nscen scenarios" \
	    "(${tol:-0} failed links tolerated: complete success)"
	if [ "$nbad" -eq 0 ]; then
		pass "$s: $nscen injected faults, each a clean failure"
	else
		fail "$s: $nbad of $nscen injected faults not a clean failure"
	fi
done
diag "$total failure-injection scenarios in all"
finish
