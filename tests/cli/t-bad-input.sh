#!/bin/sh
# t-bad-input.sh: the hostile-input corpus tests/bad-input/ (one test per
# MANIFEST line; the format is described in tests/bad-input/gen.py).  Each
# case runs in an empty scratch directory holding only its input file, with
# a 10 s limit, and passes when
#   - the exit status is the expected one (so no crash: >= 128 fails, and
#     so does the 124 of a time-out),
#   - the first line of stderr matches the expected prefix (an ERE),
#   - stdout is empty and the directory holds nothing but the input file
#     afterwards (nothing written, no -o output, no temporary file).
# Then a sample of BAD_INPUT_VG_SAMPLE (20) cases runs again under valgrind
# memcheck, when valgrind exists and the build is not an ASan one (the ASan
# build runs every case instrumented already).
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/cli/setup.sh"

BAD=$TOP_SRCDIR/tests/bad-input
MAX=4194304
LIMIT=10

need_cmd timeout || skip_all "timeout (coreutils) is not installed"

# The shared valid inputs, with keys of mode 0600 (git keeps 0644).
A=$T/aux
mkdir "$A"
cp "$BAD"/aux/* "$A"/
chmod 600 "$A"/*-key.pem

asan=
if nm "$ETCD_PKI" 2>/dev/null | grep -q __asan_init; then
	asan=1
fi

# run_case N NAME CMD CODE RE [WRAPPER..]: runs one case; prints a diagnosis
# on stdout and returns 1 on a failure.
run_case() {
	_n=$1 _name=$2 _cmd=$3 _code=$4 _re=$5
	shift 5
	_d=$T/run/$_n
	rm -rf "$_d"
	mkdir -p "$_d"
	if [ -f "$BAD/cases/$_name" ]; then
		cp "$BAD/cases/$_name" "$_d/$_name"
		chmod 600 "$_d/$_name"
		case $_name in
		*.big)
			_sz=$(wc -c <"$_d/$_name")
			# Pad with spaces to one byte past the cap.
			head -c $((MAX + 1 - _sz)) /dev/zero | tr '\0' ' ' \
			    >>"$_d/$_name"
			;;
		esac
		case $_cmd in
		*%F*)	_val=$(cat "$_d/$_name") ;;
		*)	_val= ;;
		esac
	else
		_val=
	fi
	_args=$(printf '%s\n' "$_cmd" | sed "s|%A|$A|g; s|@|$_name|g")
	(
		cd "$_d"
		set -f
		# shellcheck disable=SC2086
		set -- "$@" "$ETCD_PKI" $(printf '%s\n' "$_args" |
		    awk -v v="$_val" '{ gsub(/%F/, v); print }')
		exec timeout "$LIMIT" "$@" >"$T/out" 2>"$T/err"
	) && _rc=0 || _rc=$?
	_first=$(head -n 1 "$T/err")
	_ok=1
	if [ "$_rc" != "$_code" ]; then
		echo "exit $_rc, expected $_code"
		_ok=0
	fi
	if ! printf '%s\n' "$_first" | grep -Eq -- "^($_re)"; then
		echo "first stderr line does not match ^($_re)"
		_ok=0
	fi
	if [ -s "$T/out" ]; then
		echo "stdout is not empty:"
		head -c 300 "$T/out" | sed 's/^/  /'
		echo
		_ok=0
	fi
	_left=$(cd "$_d" && ls -A | grep -vxF -- "$_name" || :)
	if [ -n "$_left" ]; then
		echo "left behind: $_left"
		_ok=0
	fi
	if [ $_ok = 0 ]; then
		echo "stderr:"
		head -n 3 "$T/err" | cut -c 1-300 | sed 's/^/  /'
		rm -rf "$_d"
		return 1
	fi
	rm -rf "$_d"
	return 0
}

grep -v '^#' "$BAD/MANIFEST" | grep -v '^$' >"$T/manifest"
ncases=$(wc -l <"$T/manifest")
vgn=${BAD_INPUT_VG_SAMPLE:-20}
# The valgrind pass is a test of its own only where it can run: valgrind
# cannot run an ASan binary, whose run above already checked every case.
if [ -n "$asan" ]; then
	plan "$ncases"
else
	plan $((ncases + 1))
fi

i=0
while IFS='|' read -r name cmd code re; do
	i=$((i + 1))
	name=$(echo $name)
	cmd=$(echo "$cmd" | sed 's/^ *//; s/ *$//')
	code=$(echo $code)
	re=$(echo "$re" | sed 's/^ //; s/ *$//')
	if run_case "$i" "$name" "$cmd" "$code" "$re" >"$T/diag" 2>&1; then
		pass "$name: $cmd"
	else
		fail "$name: $cmd"
		sed 's/^/#   /' "$T/diag"
	fi
done <"$T/manifest"

# memcheck on an evenly spread sample.
if [ -n "$asan" ]; then
	:
elif ! need_cmd valgrind; then
	skip "valgrind is not installed"
else
	step=$((ncases / vgn))
	[ "$step" -ge 1 ] || step=1
	i=0
	bad=
	while IFS='|' read -r name cmd code re; do
		i=$((i + 1))
		[ $((i % step)) -eq 0 ] || continue
		name=$(echo $name)
		cmd=$(echo "$cmd" | sed 's/^ *//; s/ *$//')
		code=$(echo $code)
		re=$(echo "$re" | sed 's/^ //; s/ *$//')
		if ! LIMIT=120 run_case "vg$i" "$name" "$cmd" "$code" "$re" valgrind -q \
		    --error-exitcode=99 --leak-check=full \
		    --errors-for-leak-kinds=definite,indirect >"$T/diag" 2>&1
		then
			bad="$bad $name"
			sed 's/^/#   /' "$T/diag"
		fi
	done <"$T/manifest"
	if [ -z "$bad" ]; then
		pass "a sample of $vgn cases runs clean under valgrind memcheck"
	else
		fail "under valgrind memcheck:$bad"
	fi
fi
finish
