#!/bin/sh
# t-man.sh: the manual pages are clean: "mandoc -Tlint -Wall" and
# "groff -mandoc -ww -z" print nothing for each of them.
#
# Two mandoc messages depend on the machine, not on the pages, and are
# dropped (and counted in a diagnostic):
#  - "outdated mandoc.db lacks X(N) entry": systems that use man-db have no
#    mandoc.db, so mandoc finds a referenced page only by its file name;
#  - "referenced manual not found: Xr X N" when X(N) is one of our own pages
#    (they are not installed while the tests run) or one of EXTERNAL, pages
#    of other packages that a test machine need not have installed.
# Any other reference that mandoc cannot find is reported.  The filter is
# checked against planted pages, so that it cannot hide real warnings.
. "$(dirname "$0")/setup.sh"

PAGES="etcd-pki.1 etcd-pki-csr.5 etcd-pki-config.5 etcd-pki-cluster.5"
OURS="etcd-pki 1|etcd-pki-csr 5|etcd-pki-config 5|etcd-pki-cluster 5"
EXTERNAL="etcd 1|openssl 1|sh 1|crontab 5|systemd.service 5|systemd.timer 5|systemctl 1|systemd-analyze 1|cron 8"

# Prints mandoc's lint messages for page $1 minus the machine-dependent
# ones; counts the dropped lines in $T/dropped.
mandoc_lint() {
	mandoc -Tlint -Wall "$1" >"$T/lint.raw" 2>&1 || :
	grep -E -e 'outdated mandoc\.db lacks' \
	    -e "referenced manual not found: Xr ($OURS|$EXTERNAL)( \([0-9]+ times\))?\$" \
	    "$T/lint.raw" >>"$T/dropped" || :
	grep -v -E -e 'outdated mandoc\.db lacks' \
	    -e "referenced manual not found: Xr ($OURS|$EXTERNAL)( \([0-9]+ times\))?\$" \
	    "$T/lint.raw" || :
}

# Prints groff's warnings for page $1 (and its exit status if not 0).
groff_lint() {
	groff -mandoc -ww -z "$1" 2>&1 || echo "groff exited $?"
}

have_mandoc=1
need_cmd mandoc || have_mandoc=0
have_groff=1
need_cmd groff || have_groff=0
: >"$T/dropped"

for page in $PAGES; do
	src=$TOP_SRCDIR/man/$page
	if [ ! -f "$src" ]; then
		fail "man/$page exists"
		continue
	fi
	pass "man/$page exists"

	if [ "$have_mandoc" = 1 ]; then
		mandoc_lint "$src" >"$T/out"
		if [ -s "$T/out" ]; then
			fail "mandoc -Tlint -Wall $page prints nothing"
			sed 's/^/#   /' "$T/out"
		else
			pass "mandoc -Tlint -Wall $page prints nothing"
		fi
	else
		skip "mandoc is not installed"
	fi

	if [ "$have_groff" = 1 ]; then
		groff_lint "$src" >"$T/out"
		if [ -s "$T/out" ]; then
			fail "groff -mandoc -ww -z $page prints nothing"
			sed 's/^/#   /' "$T/out"
		else
			pass "groff -mandoc -ww -z $page prints nothing"
		fi
	else
		skip "groff is not installed"
	fi
done
[ ! -s "$T/dropped" ] ||
    diag "dropped $(wc -l <"$T/dropped") machine-dependent mandoc lines"

# The checks catch what they are meant to catch: a page with a lint
# warning, a reference to a page that does not exist, and groff warnings.
cat >"$T/bad.1" <<'EOF'
.Dd November 24, 2026
.Dt BAD 1
.Os
.Sh NAME
.Nm bad
.Nd a page with mistakes
.Sh DESCRIPTION
Text with a trailing space. 
.Bl -tag
.It Fl x
an undocumented list width
.El
.Sh SEE ALSO
.Xr etcd-pki 1 ,
.Xr no-such-page-xyzzy 7
EOF
if [ "$have_mandoc" = 1 ]; then
	mandoc_lint "$T/bad.1" >"$T/out"
	if grep -q 'whitespace at end of input line' "$T/out" &&
	    grep -q 'no-such-page-xyzzy' "$T/out" &&
	    ! grep -q 'Xr etcd-pki 1' "$T/out"; then
		pass "the mandoc check reports a planted warning and bad reference"
	else
		fail "the mandoc check reports a planted warning and bad reference"
		sed 's/^/#   /' "$T/out"
	fi
else
	skip "mandoc is not installed"
fi

printf '.TH BAD 1\n.SH NAME\nbad \\- x\n.BOGUS\n\\*[nosuchstring]\n' \
    >"$T/bad-groff.1"
if [ "$have_groff" = 1 ]; then
	groff_lint "$T/bad-groff.1" >"$T/out"
	if [ -s "$T/out" ]; then
		pass "the groff check reports planted warnings"
	else
		fail "the groff check reports planted warnings"
	fi
else
	skip "groff is not installed"
fi
finish
