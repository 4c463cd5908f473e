#!/bin/sh
# soak.sh [TEST]: runs a live test again and again ("make soak"; not part
# of "make check") and adds up what it measured.
#
# TEST (default tests/cli/t-rolling.sh) runs SOAK_CYCLES times (default
# 20), one after the other.  Cycle N runs with SOAK_OUT set to
# $SOAK_OUT/cycle-N (SOAK_OUT default ./soak-out, emptied first), where
# the test leaves its summaries (cluster3.sh's c3_save: NAME-load.json
# from load.py, NAME-downs.json from downs.py); its TAP output goes to
# cycle-N.log.  At the end "load.py --sum" adds them up, and the last line
# is
#
#   soak: cycles C failed-cycles F restarts R requests Q failed X
#   longest-unavailable S s
#
# (one line).  SOAK_STOP=1 stops at the first failed cycle.  Exit status:
# 0 when every cycle passed and no operation failed, 1 otherwise, 2 on a
# usage error.
set -eu
LC_ALL=C
export LC_ALL
here=$(cd "$(dirname "$0")" && pwd)
: "${TOP_SRCDIR:=$(cd "$here/.." && pwd)}"
: "${TOP_BUILDDIR:=$TOP_SRCDIR}"
: "${ETCD_PKI:=$TOP_BUILDDIR/etcd-pki}"
: "${LIBPKI:=$TOP_BUILDDIR/pki/libpki.a}"
export TOP_SRCDIR TOP_BUILDDIR ETCD_PKI LIBPKI
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3

[ $# -le 1 ] || { echo "usage: soak.sh [TEST]" >&2; exit 2; }
test=${1:-$TOP_SRCDIR/tests/cli/t-rolling.sh}
[ -r "$test" ] || { echo "soak.sh: $test: no such test" >&2; exit 2; }
cycles=${SOAK_CYCLES:-20}
case $cycles in
''|*[!0-9]*|0) echo "soak.sh: SOAK_CYCLES must be a positive integer" >&2
	exit 2 ;;
esac
out=${SOAK_OUT:-$PWD/soak-out}
case $out in /*) ;; *) out=$PWD/$out ;; esac
# Emptied only when it is one of ours (or empty).
if [ -d "$out" ] && [ -n "$(ls -A "$out")" ] && [ ! -e "$out/.soak-out" ]; then
	echo "soak.sh: $out exists and is not a soak output: not emptying it" >&2
	exit 2
fi
rm -rf "$out"
mkdir -p "$out"
: >"$out/.soak-out"

failed=0
i=1
while [ "$i" -le "$cycles" ]; do
	c=$(printf 'cycle-%03d' "$i")
	start=$(date +%s)
	rc=0
	SOAK_OUT=$out/$c sh "$test" >"$out/$c.log" 2>&1 </dev/null || rc=$?
	secs=$(($(date +%s) - start))
	if [ "$rc" = 0 ]; then
		echo "soak: $c ok (${secs} s)"
	else
		failed=$((failed + 1))
		echo "soak: $c FAILED, exit $rc (${secs} s), log $out/$c.log:"
		grep -E '^(not ok|Bail out!)' "$out/$c.log" | sed 's/^/soak:   /' || :
		if [ "${SOAK_STOP:-0}" = 1 ]; then
			i=$((i + 1))
			break
		fi
	fi
	i=$((i + 1))
done
ran=$((i - 1))

if ! "$PY" "$TOP_SRCDIR/tests/cli/load.py" --sum --cycles "$ran" "$out" \
    >"$out/totals.json"; then
	echo "soak: cannot add up the summaries in $out" >&2
	exit 1
fi
"$PY" - "$out/totals.json" "$failed" <<'EOF'
import json, sys
t = json.load(open(sys.argv[1]))
print("soak: %d summaries of %d cycles, %d operations, %d retries, "
      "max %d members down at once" % (t["runs"], t["cycles"],
      t["operations"], t["retries"], t["max_down"]))
print("soak: cycles %d failed-cycles %s restarts %d requests %d failed %d "
      "longest-unavailable %s s" % (t["cycles"], sys.argv[2], t["restarts"],
      t["requests"], t["failed"], t["longest_unavailable_s"]))
EOF
bad=$("$PY" -c 'import json, sys; print(json.load(open(sys.argv[1]))["failed"])' \
    "$out/totals.json")
[ "$failed" = 0 ] && [ "$bad" = 0 ]
