#!/bin/sh
# t-lib-deps.sh: proves from its symbols that no two objects of
# pki/libpki.a depend on each other, directly or through others.  Object
# A depends on B when A references a symbol B defines (nm); a cycle is a
# strongly connected component of that graph with more than one object
# (Tarjan's algorithm, in awk).  The check runs on planted libraries too,
# to show that it finds a cycle of two and of three objects and passes a
# chain.
. "$(dirname "$0")/setup.sh"

# deps LIB: prints one "A B" line per dependency of object A on object B.
deps() {
	nm -A "$1" 2>/dev/null | awk '
	{
		# "lib.a:obj.o:<value> T name" or "lib.a:obj.o: U name"
		n = split($1, p, ":")
		obj = p[n - 1]
		if ($(NF - 1) == "U")
			refs[obj, $NF] = 1
		else if ($(NF - 1) ~ /^[TDBRCVWGS]$/)
			def[$NF] = obj
	}
	END {
		for (k in refs) {
			split(k, q, SUBSEP)
			if ((q[2] in def) && def[q[2]] != q[1])
				print q[1], def[q[2]]
		}
	}' | sort -u
}

# cycles: reads "A B" lines and prints "cycle: A B ..." per cycle.
cycles() {
	awk '
	function visit(v,    i, w, comp, n) {
		idx[v] = low[v] = ++counter
		stack[++sp] = v
		on[v] = 1
		for (i = 1; i <= nout[v]; i++) {
			w = out[v, i]
			if (!(w in idx)) {
				visit(w)
				if (low[w] < low[v])
					low[v] = low[w]
			} else if (on[w] && idx[w] < low[v])
				low[v] = idx[w]
		}
		if (low[v] == idx[v]) {
			comp = ""
			n = 0
			do {
				w = stack[sp--]
				on[w] = 0
				comp = comp " " w
				n++
			} while (w != v)
			if (n > 1)
				print "cycle:" comp
		}
	}
	{
		out[$1, ++nout[$1]] = $2
		node[$1] = node[$2] = 1
	}
	END {
		for (v in node)
			if (!(v in idx))
				visit(v)
	}'
}

need_cmd nm || skip_all "nm (binutils) not installed"
plan 6

if [ -f "$LIBPKI" ] && deps "$LIBPKI" >"$T/edges" &&
    grep -qx 'issue.o fastleaf.o' "$T/edges" &&
    grep -qx 'clissue.o clverify.o' "$T/edges"; then
	pass "libpki.a: $(wc -l <"$T/edges") dependencies between objects (issue.o -> fastleaf.o, clissue.o -> clverify.o among them)"
else
	fail "libpki.a: the dependencies between its objects are found"
fi
cycles <"$T/edges" >"$T/cycles"
if [ -f "$LIBPKI" ] && [ ! -s "$T/cycles" ]; then
	pass "libpki.a: no two objects depend on each other"
else
	fail "libpki.a: no two objects depend on each other"
	sed 's/^/#   /' "$T/cycles"
	# The edges inside each cycle, to find the reference to move.
	while read -r _c _objs; do
		for _o in $_objs; do
			for _p in $_objs; do
				grep -x "$_o $_p" "$T/edges" | sed 's/^/#     /'
			done
		done
	done <"$T/cycles"
fi

# Planted libraries: the check must be able to fail.
CC=${CC:-cc}
AR=${AR:-ar}
if ! need_cmd "$CC" || ! need_cmd "$AR"; then
	for _i in 1 2 3 4; do
		skip "C compiler '$CC' or archiver '$AR' not installed"
	done
	finish
fi

# plant LIB NAME=SOURCE...: compiles each SOURCE into NAME.o and archives
# them all into LIB.
plant() {
	_lib=$T/$1
	shift
	rm -f "$_lib"
	for _s in "$@"; do
		printf '%s\n' "${_s#*=}" >"$T/${_s%%=*}.c"
		$CC -O0 -c "$T/${_s%%=*}.c" -o "$T/${_s%%=*}.o" || return 1
		$AR cr "$_lib" "$T/${_s%%=*}.o" || return 1
	done
}

if plant chain.a 'a=int pki_b(void); int pki_a(void) { return pki_b(); }' \
    'b=int pki_c(void); int pki_b(void) { return pki_c() + 1; }' \
    'c=int pki_c(void) { return 1; }' &&
    deps "$T/chain.a" >"$T/e" && [ "$(wc -l <"$T/e")" -eq 2 ] &&
    [ -z "$(cycles <"$T/e")" ]; then
	pass "a planted chain a.o -> b.o -> c.o has no cycle"
else
	fail "a planted chain a.o -> b.o -> c.o has no cycle"
	sed 's/^/#   /' "$T/e" 2>/dev/null || :
fi

if plant two.a 'a=int pki_b(int); int pki_a(int n) { return n ? pki_b(n - 1) : 0; }' \
    'b=int pki_a(int); int pki_b(int n) { return n ? pki_a(n - 1) : 1; }' &&
    deps "$T/two.a" | cycles >"$T/c" &&
    grep -qx 'cycle: [ab]\.o [ab]\.o' "$T/c"; then
	pass "a planted cycle a.o <-> b.o is caught ($(cat "$T/c"))"
else
	fail "a planted cycle a.o <-> b.o is caught"
	sed 's/^/#   /' "$T/c" 2>/dev/null || :
fi

if plant three.a 'a=int pki_b(int); int pki_a(int n) { return n ? pki_b(n - 1) : 0; }' \
    'b=int pki_c(int); int pki_b(int n) { return n ? pki_c(n - 1) : 1; }' \
    'c=int pki_a(int); int pki_c(int n) { return n ? pki_a(n - 1) : 2; }' \
    'd=int pki_a(int); int pki_d(void) { return pki_a(3); }' &&
    deps "$T/three.a" | cycles >"$T/c" &&
    [ "$(wc -l <"$T/c")" -eq 1 ] &&
    [ "$(tr ' ' '\n' <"$T/c" | grep -c '^[abc]\.o$')" -eq 3 ] &&
    ! grep -q 'd\.o' "$T/c"; then
	pass "a planted cycle a.o -> b.o -> c.o -> a.o is caught, and d.o outside it is not named ($(cat "$T/c"))"
else
	fail "a planted cycle a.o -> b.o -> c.o -> a.o is caught"
	sed 's/^/#   /' "$T/c" 2>/dev/null || :
fi

if plant data.a 'a=extern int pki_tbl[]; int pki_a(void) { return pki_tbl[0]; }' \
    'b=int pki_a(void); int pki_tbl[2] = { 1, 2 }; int pki_b(void) { return pki_a(); }' &&
    deps "$T/data.a" | cycles >"$T/c" && [ -s "$T/c" ]; then
	pass "a cycle through a data symbol is caught too ($(cat "$T/c"))"
else
	fail "a cycle through a data symbol is caught too"
fi

finish
