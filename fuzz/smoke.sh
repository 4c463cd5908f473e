#!/bin/sh
# smoke.sh: "make fuzz-smoke".  Runs each named fuzz target for
# FUZZ_SECONDS on a copy of its seed corpus (fuzz/seed.sh) and prints,
# per target, the executions and the final cov/ft of libFuzzer's last
# stats line.  Fails if any target found a crash, leak, timeout or
# out-of-memory; its reproducer is kept under fuzz/smoke.work/artifacts/
# and its log under fuzz/smoke.work/.  The table also goes to
# fuzz/smoke.log.
#
#	FUZZ_SECONDS=60 FUZZ_BINDIR=builddir/fuzz TOP_SRCDIR=src \
#	    sh fuzz/smoke.sh csr config ...
set -eu
LC_ALL=C
export LC_ALL
: "${TOP_SRCDIR:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${FUZZ_BINDIR:=$TOP_SRCDIR/fuzz}"
: "${FUZZ_SECONDS:=60}"
[ $# -gt 0 ] || set -- csr config cluster cert req key duration hosts cfssljson

W=$FUZZ_BINDIR/smoke.work
LOG=$FUZZ_BINDIR/smoke.log
rm -rf "$W" "$FUZZ_BINDIR/corpus"
mkdir -p "$W/run" "$W/config" "$W/tmp" "$W/corpus" "$W/artifacts"
# fuzz-cluster resolves signing.config from the current directory, as
# tests/data/cluster/valid does: ../config/signing.json.
cp "$TOP_SRCDIR/tests/data/cluster/config/signing.json" "$W/config/"

echo "fuzz-smoke: seed corpus (fuzz/corpus):"
export TOP_SRCDIR
sh "$TOP_SRCDIR/fuzz/seed.sh" "$FUZZ_BINDIR/corpus" |
    sed 's/^/  /'

failed=
{
	printf '# fuzz-smoke: %s s per target, -max_len=65536 -timeout=10 -rss_limit_mb=2048\n' \
	    "$FUZZ_SECONDS"
	printf '%-10s %6s %10s %7s %7s %7s  %s\n' target seeds execs exec/s cov ft result
} >"$LOG"
for t in "$@"; do
	bin=$FUZZ_BINDIR/fuzz-$t
	[ -x "$bin" ] || { echo "fuzz-smoke: $bin is missing" >&2; exit 1; }
	cp -R "$FUZZ_BINDIR/corpus/$t" "$W/corpus/$t"
	mkdir -p "$W/artifacts/$t"
	dict=
	case $t in
	csr|config|cluster|cfssljson) dict=-dict=$TOP_SRCDIR/fuzz/json.dict ;;
	cert|req|key) dict=-dict=$TOP_SRCDIR/fuzz/pem.dict ;;
	esac
	seeds=$(find "$W/corpus/$t" -type f | wc -l)
	echo "fuzz-smoke: fuzz-$t for $FUZZ_SECONDS s ($seeds seeds)"
	rc=0
	# shellcheck disable=SC2086
	(cd "$W/run" && TMPDIR=$W/tmp \
	    ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} \
	    UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
	    "$bin" -max_total_time="$FUZZ_SECONDS" -max_len=65536 \
	    -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
	    -artifact_prefix="$W/artifacts/$t/" $dict "$W/corpus/$t" \
	    <"/dev/null" >"$W/$t.log" 2>&1) || rc=$?
	last=$(grep -E '^#[0-9]+.*cov: [0-9]+ ft: [0-9]+' "$W/$t.log" | tail -1)
	cov=$(printf '%s\n' "$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
	ft=$(printf '%s\n' "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$W/$t.log" | tail -1)
	speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$W/$t.log" | tail -1)
	nart=$(find "$W/artifacts/$t" -type f | wc -l)
	if [ "$rc" -eq 0 ] && [ "$nart" -eq 0 ]; then
		result=ok
	else
		result="FAIL (exit $rc, $nart artifact(s))"
		failed="$failed $t"
	fi
	printf '%-10s %6s %10s %7s %7s %7s  %s\n' "$t" "$seeds" "${execs:-?}" \
	    "${speed:-?}" "${cov:-?}" "${ft:-?}" "$result" >>"$LOG"
	if [ "$result" != ok ]; then
		echo "fuzz-smoke: fuzz-$t failed; log $W/$t.log, reproducers:" >&2
		find "$W/artifacts/$t" -type f >&2
		grep -E 'ERROR: |SUMMARY: |runtime error' "$W/$t.log" | head -5 >&2 || :
	fi
done
cat "$LOG"
if [ -n "$failed" ]; then
	echo "fuzz-smoke: FAILED:$failed" >&2
	exit 1
fi
