#!/bin/sh
# t-lib-pure.sh: proves from its symbols that pki/libpki.a never prints or
# exits (no stdio output, exit, abort or err(3) function is referenced) and
# exports only pki_* names.  The same checks are run on planted objects to
# show that they catch a violation, including GCC's rewriting of
# fprintf(stderr, "x") into fputc('x', stderr).
. "$(dirname "$0")/setup.sh"

# Functions that print to the user or end the process.  _FORTIFY_SOURCE
# names (__fprintf_chk) are reduced to the plain name before matching.
FORBIDDEN='exit|_exit|_Exit|quick_exit|abort|err|errx|verr|verrx|warn|warnx|vwarn|vwarnx|printf|fprintf|vfprintf|vprintf|dprintf|vdprintf|puts|fputs|fputc|putchar|putc|fwrite|perror|psignal|error|error_at_line|syslog|vsyslog|__assert_fail|stdout|stderr'

# Prints the forbidden symbols lib references (nothing if it is clean).
forbidden_refs() {
	nm -u "$1" | awk 'NF >= 2 && $(NF - 1) == "U" { print $NF }' |
	    sed -e 's/@.*//' -e 's/^__\(.*\)_chk$/\1/' |
	    grep -Ex "($FORBIDDEN)" | sort -u
}

# Prints the global symbols lib defines outside the pki_ namespace.
# AddressSanitizer gives each global variable an ODR indicator named
# __odr_asan.VAR, as global as VAR itself: it is judged by VAR's name.
foreign_defs() {
	nm -g --defined-only "$1" | awk 'NF == 3 { print $3 }' |
	    sed 's/^__odr_asan\.//' | grep -v '^pki_' | sort -u
}

# Succeeds if lib passes both checks; shows what it found otherwise.
lib_is_pure() {
	_bad=$(forbidden_refs "$1")
	_foreign=$(foreign_defs "$1")
	[ -z "$_bad" ] && [ -z "$_foreign" ] && return 0
	[ -z "$_bad" ] || echo "references: $(echo "$_bad" | paste -sd ' ' -)"
	[ -z "$_foreign" ] || echo "defines: $(echo "$_foreign" | paste -sd ' ' -)"
	return 1
}

need_cmd nm || skip_all "nm (binutils) not installed"
plan 10

# The library itself.
if [ -f "$LIBPKI" ] &&
    nm -g --defined-only "$LIBPKI" | grep -q ' T pki_strerror$' &&
    nm -g --defined-only "$LIBPKI" | grep -q ' T pki_file_write_set$'; then
	pass "$LIBPKI defines pki_strerror and pki_file_write_set"
else
	fail "$LIBPKI exists and defines the library's functions"
fi
_out=$(forbidden_refs "$LIBPKI" 2>&1) || :
if [ -z "$_out" ] && [ -f "$LIBPKI" ]; then
	pass "libpki.a references no printing or exiting function"
else
	fail "libpki.a references no printing or exiting function"
	printf '%s\n' "$_out" | sed 's/^/#   /'
fi
_out=$(foreign_defs "$LIBPKI" 2>&1) || :
if [ -z "$_out" ] && [ -f "$LIBPKI" ]; then
	pass "libpki.a defines only pki_* global symbols"
else
	fail "libpki.a defines only pki_* global symbols"
	printf '%s\n' "$_out" | sed 's/^/#   /'
fi

# Planted objects: the checks must be able to fail.
CC=${CC:-cc}
AR=${AR:-ar}
if ! need_cmd "$CC" || ! need_cmd "$AR"; then
	for _i in 1 2 3 4 5 6 7; do
		skip "C compiler '$CC' or archiver '$AR' not installed"
	done
	finish
fi

# plant LIB SOURCE [CFLAGS]: compiles SOURCE as the build would and
# archives it.
plant() {
	printf '%s\n' "$2" >"$T/plant.c"
	rm -f "$T/$1"
	# shellcheck disable=SC2086
	$CC -O2 ${3:-} -c "$T/plant.c" -o "$T/plant.o" &&
	    $AR cr "$T/$1" "$T/plant.o"
}

if plant clean.a '#include <stddef.h>
#include <string.h>
size_t pki_plant_len(const char *s) { return strlen(s); }' &&
    lib_is_pure "$T/clean.a" >"$T/out" 2>&1; then
	pass "a clean planted library passes"
else
	fail "a clean planted library passes"
	sed 's/^/#   /' "$T/out"
fi

if plant fprintf.a '#include <stdio.h>
void pki_plant(void) { fprintf(stderr, "x"); }' &&
    ! lib_is_pure "$T/fprintf.a" >"$T/out" 2>&1 &&
    grep -Eq 'references:.*(fputc|stderr)' "$T/out"; then
	pass "a planted fprintf(stderr, \"x\") is caught ($(cat "$T/out"))"
else
	fail "a planted fprintf(stderr, \"x\") is caught"
	sed 's/^/#   /' "$T/out"
fi

if plant printf.a '#include <stdio.h>
void pki_plant(const char *s) { printf("%s\n", s); }' &&
    ! lib_is_pure "$T/printf.a" >"$T/out" 2>&1 &&
    grep -q 'references: puts' "$T/out"; then
	pass 'a planted printf("%s\n", s) (puts) is caught'
else
	fail 'a planted printf("%s\n", s) (puts) is caught'
	sed 's/^/#   /' "$T/out"
fi

if plant exit.a '#include <stdlib.h>
void pki_plant(int r) { if (r) exit(r); }' &&
    ! lib_is_pure "$T/exit.a" >"$T/out" 2>&1 &&
    grep -q 'references: exit' "$T/out"; then
	pass "a planted exit() is caught"
else
	fail "a planted exit() is caught"
	sed 's/^/#   /' "$T/out"
fi

if plant global.a 'int plant_counter;
int pki_plant(void) { return ++plant_counter; }' &&
    ! lib_is_pure "$T/global.a" >"$T/out" 2>&1 &&
    grep -q 'defines: plant_counter' "$T/out"; then
	pass "a planted non-pki_ global is caught"
else
	fail "a planted non-pki_ global is caught"
	sed 's/^/#   /' "$T/out"
fi

# Under AddressSanitizer (the CI's second pass), a global variable comes
# with a global __odr_asan.NAME: pki_x's is fine, other's is not.
if plant asan.a 'int pki_plant_count;
int pki_plant(void) { return ++pki_plant_count; }' -fsanitize=address &&
    nm -g --defined-only "$T/asan.a" | grep -q '__odr_asan\.pki_plant_count' &&
    lib_is_pure "$T/asan.a" >"$T/out" 2>&1; then
	pass "under ASan, a pki_ global's __odr_asan. indicator passes"
else
	fail "under ASan, a pki_ global's __odr_asan. indicator passes"
	sed 's/^/#   /' "$T/out"
fi
if plant asan2.a 'int plant_count;
int pki_plant(void) { return ++plant_count; }' -fsanitize=address &&
    ! lib_is_pure "$T/asan2.a" >"$T/out" 2>&1 &&
    grep -q 'defines: plant_count$' "$T/out"; then
	pass "under ASan, a non-pki_ global is still caught ($(cat "$T/out"))"
else
	fail "under ASan, a non-pki_ global is still caught"
	sed 's/^/#   /' "$T/out"
fi

finish
