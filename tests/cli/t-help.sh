#!/bin/sh
# t-help.sh: "CMD -h" describes each flag as it applies to CMD (issue 19):
# for every command and subcommand, no flag text has another command as its
# subject ("renew: ...", "; cluster issue: ..."); the issue's three
# examples (gencert -o, renew -no-sync, ca rotate -quiet) and a few more
# say what the flag does for the command asked about; an unknown flag is
# one line pointing at CMD -h.  The commands come from "etcd-pki help" and
# "etcd-pki GROUP help", the flags from each -h.
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/cli/setup.sh"

cd "$T"
E=$ETCD_PKI

# The commands, and the words of every command's name.
"$E" help | awk -F'\t' '/^\t/ { split($2, a, " "); print a[1] }' >top
: >cmds
while read -r c; do
	# A group takes no flags; its "help" lists the subcommands.
	if "$E" "$c" -h 2>&1 | grep -q '^  -'; then
		echo "$c" >>cmds
	else
		"$E" "$c" help | awk -F'\t' -v g="$c" \
		    '/^\t/ { split($2, a, " "); print g " " a[1] }' >>cmds
	fi
done <top
words=$(cat top cmds | tr ' ' '\n' | sort -u | tr '\n' ' ')
[ "$(wc -l <cmds)" -gt 25 ] && pass "the commands are listed ($(wc -l <cmds))" ||
    fail "the commands are listed ($(wc -l <cmds))"

# flags CMD: "NAME<TAB>TEXT" for each flag of "CMD -h".
flags() {
	# shellcheck disable=SC2086
	"$E" $1 -h 2>&1 | awk '
	    /^  -/ { f = substr($1, 2) }
	    /^    \t/ { sub(/^    \t/, ""); print f "\t" $0 }'
}
# text CMD FLAG: the help text of FLAG in "CMD -h".
text() {
	flags "$1" | awk -F'\t' -v f="$2" '$1 == f { print $2 }'
}

# Every subject of a clause (at the start, or after "; " or "(") that
# starts with a command's word names only words of CMD's name.
bad=
while read -r c; do
	flags "$c" >f
	[ -s f ] || { bad="$bad [$c: no flags]"; continue; }
	out=$(awk -F'\t' -v cmd="$c" -v words="$words" '
	    BEGIN { n = split(words, w, " "); for (i = 1; i <= n; i++) isw[w[i]] = 1
		    m = split(cmd, cw, " "); for (i = 1; i <= m; i++) mine[cw[i]] = 1 }
	    {
		t = $2
		gsub(/; /, "\n", t); gsub(/\(/, "\n", t)
		k = split(t, cl, "\n")
		for (j = 1; j <= k; j++) {
			if (match(cl[j], /^[a-z][a-z0-9 ,-]*: /) == 0)
				continue
			s = substr(cl[j], 1, RLENGTH - 2)
			gsub(/,/, " ", s)
			ns = split(s, sw, " ")
			if (!isw[sw[1]])
				continue
			for (i = 1; i <= ns; i++)
				if (isw[sw[i]] && !mine[sw[i]])
					print "-" $1 ": \"" s ":\""
		}
	    }' f)
	[ -z "$out" ] || bad="$bad [$c $(echo "$out" | tr '\n' ' ')]"
done <cmds
[ -z "$bad" ] && pass "no flag text of any CMD -h has another command as its subject" ||
    fail "no flag text of any CMD -h has another command as its subject:$bad"

# -o: every command's text names no other command.
bad=
while read -r c; do
	t=$(text "$c" o)
	[ -n "$t" ] || continue
	for o in gencert sign "cluster init" "cluster issue" "ca renew" status \
	    "ca status"; do
		[ "$o" = "$c" ] && continue
		case " $t " in *[!a-z]"$o"[!a-z]*) bad="$bad [$c -o: $o]" ;; esac
	done
done <cmds
[ -z "$bad" ] && pass "-o: each command's -h describes its own -o only" ||
    fail "-o: each command's -h describes its own -o only:$bad"

# expect_text NAME CMD FLAG GOOD BAD: the text of FLAG in CMD -h matches
# the ERE GOOD and not BAD.
expect_text() {
	t=$(text "$2" "$3")
	if echo "$t" | grep -Eq -- "$4" && ! echo "$t" | grep -Eq -- "$5"; then
		pass "$1"
	else
		fail "$1"
		diag "$2 -h, -$3: $t"
	fi
}
expect_text "gencert -h: -o writes NAME.pem, NAME-key.pem and NAME.csr" \
    gencert o '^write NAME\.pem, NAME-key\.pem and NAME\.csr' \
    'cluster|status|ca renew|directory'
expect_text "renew -h: -no-sync is renew's (every switch atomic), not cluster issue's" \
    renew no-sync 'fsync.*switch is still atomic' 'cluster issue|files are still'
expect_text "ca rotate -h: -quiet is ca rotate's, not renew's" \
    "ca rotate" quiet 'details and steps' 'renew|nothing is due'
expect_text "ca rotate -h: -timeout is ca rotate's, not ca status's" \
    "ca rotate" timeout 'TLS probe' 'ca status'
expect_text "rollback -h: -force is rollback's" rollback force \
    '^switch even to a generation with another key$' 'not due'
expect_text "renew -h: -force is renew's" renew force '^renew even when not due$' \
    'rollback|generation'
expect_text "cluster issue -h: -expiry without ca renew's" "cluster issue" expiry \
    '^validity of new leaf' 'ca renew|renewed CA'
expect_text "ca renew -h: -expiry without cluster issue's" "ca renew" expiry \
    '^validity of the renewed CA' 'cluster issue|leaf'
expect_text "cluster issue -h: -key-algo keeps its condition (with -members)" \
    "cluster issue" key-algo '^with -members: key of every certificate' 'cluster init'
expect_text "revoke -h: -serial keeps its condition (with -db-config)" revoke \
    serial '^with -db-config: serial number' '^revoke'
expect_text "gencert -h: -strict without renew's exit status" gencert strict \
    'exit 1, nothing written' 'renew|ca rotate|exit 3'
expect_text "renew -h: -strict with renew's exit status" renew strict \
    'exit 3' 'ca rotate|renew and'
expect_text "schedule -h: -name is schedule's, not cluster init's" schedule name \
    '^unit or cron file name' 'cluster'
expect_text "bundle -h: -domain is bundle's" bundle domain '^not supported$' \
    'certinfo'

# The cfssl link shows the same flag texts.
mkdir bin
ln -s "$E" bin/cfssl
"$E" gencert -h 2>&1 | sed -n '/^Flags:/,$p' >etcd.h
bin/cfssl gencert -h 2>&1 | sed -n '/^Flags:/,$p' >cfssl.h
check "cfssl gencert -h: the same flags and texts as etcd-pki gencert -h" \
    sh -c '[ "$(wc -l <"$1")" -gt 20 ] && cmp "$1" "$2"' sh etcd.h cfssl.h

# An unknown flag: one line, pointing at CMD -h (also for a subcommand);
# a flag of another command: one line too.
for args in "renew -no-such-flag" "ca rotate -no-such-flag" "status -no-sync"; do
	rc=0
	# shellcheck disable=SC2086
	"$E" $args >out 2>err || rc=$?
	c=${args% -*}
	if [ "$rc" -ne 0 ] && [ "$(wc -l <err)" -eq 1 ] &&
	    grep -q "(see 'etcd-pki $c -h')$" err; then
		pass "$args: one line pointing at '$c -h'"
	else
		fail "$args: one line pointing at '$c -h'"
		sed 's/^/#   /' err | head -5
	fi
done

finish
