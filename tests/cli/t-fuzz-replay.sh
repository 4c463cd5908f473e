#!/bin/sh
# t-fuzz-replay.sh: the fuzz targets' code (fuzz/*.c, built as
# tests/fuzz-replay) over the inputs fuzzing found (tests/fuzz-regress/
# TARGET/*) and over every test input (tests/data/**), so that the plain,
# ASan/UBSan and valgrind runs of make check cover them: each run must
# return cleanly, and under valgrind with no invalid access or leak.
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/cli/setup.sh"

: "${FUZZ_REPLAY:=$TOP_BUILDDIR/tests/fuzz-replay}"
[ -x "$FUZZ_REPLAY" ] || skip_all "tests/fuzz-replay is not built"
REG=$TOP_SRCDIR/tests/fuzz-regress
TARGETS="csr config cluster cert req key duration hosts cfssljson"

# fuzz-cluster resolves signing.config from the current directory
# (../config/signing.json), as fuzz/smoke.sh arranges.
mkdir -p "$T/run" "$T/config" "$T/tmp"
cp "$TOP_SRCDIR/tests/data/cluster/config/signing.json" "$T/config/"
cd "$T/run" || exit 1
TMPDIR=$T/tmp
export TMPDIR

# The replay runs under valgrind too, unless the build is sanitized
# (valgrind cannot run ASan binaries; the sanitizers cover it then).
VG=
if grep -q __asan_init "$FUZZ_REPLAY" 2>/dev/null; then
	diag "sanitized build: replaying under ASan/UBSan"
elif need_cmd valgrind; then
	VG="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect"
	diag "replaying under valgrind memcheck"
fi

# replay NAME TARGET FILE...: one test.
replay() {
	_name=$1
	shift
	# shellcheck disable=SC2086
	check "$_name" $VG "$FUZZ_REPLAY" "$@"
}

nreg=0
for t in $TARGETS; do
	set --
	if [ -d "$REG/$t" ]; then
		for f in "$REG/$t"/*; do
			[ -f "$f" ] && set -- "$@" "$f"
		done
	fi
	if [ $# -eq 0 ]; then
		pass "fuzz-$t: no regression inputs"
		continue
	fi
	nreg=$((nreg + $#))
	replay "fuzz-$t: $# regression input(s)" "$t" "$@"
done
diag "$nreg regression input(s) under tests/fuzz-regress"

# Every target over every test input (tests/data/**), in one run per
# directory so that valgrind starts only a few times.
for d in csr subject config cluster compat; do
	set --
	for f in $(find "$TOP_SRCDIR/tests/data/$d" -type f ! -name '*.expect' | sort); do
		set -- "$@" "$f"
	done
	replay "all targets over tests/data/$d ($# files)" all "$@"
done
# cfssl's certificates, requests and keys, when its test data is here.
if need_shared; then
	for t in cert req key; do
		set --
		case $t in
		cert) pat='BEGIN CERTIFICATE-----' ;;
		req) pat='CERTIFICATE REQUEST-----' ;;
		key) pat='PRIVATE KEY-----' ;;
		esac
		for f in $(grep -rl -- "$pat" "$FIXTURES" | sort); do
			set -- "$@" "$f"
		done
		replay "fuzz-$t over cfssl's test data ($# files)" "$t" "$@"
	done
fi
if [ -d "$TOP_SRCDIR/tests/bad-input" ]; then
	set --
	for f in $(find "$TOP_SRCDIR/tests/bad-input" -type f | sort); do
		set -- "$@" "$f"
	done
	replay "all targets over tests/bad-input ($# files)" all "$@"
fi

# The replay program itself: an unknown target is refused.
if "$FUZZ_REPLAY" nosuch /dev/null 2>/dev/null; then
	fail "an unknown target is refused"
else
	pass "an unknown target is refused"
fi
finish
