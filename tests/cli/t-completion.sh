#!/bin/sh
# t-completion.sh: the bash and zsh completion scripts the build generates
# ("etcd-pki completion bash|zsh", installed by make install) are the
# program's current output and offer every command, every subcommand and
# every flag of every command (taken from "etcd-pki help", "GROUP help" and
# each "CMD -h", not from a copy here), the choices of enumerated flags,
# files for file flags and directories for DIR flags.  bash runs the
# completion function itself; zsh loads the script under compinit and runs
# its dispatcher with _arguments/_describe replaced by printers.
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/cli/setup.sh"

cd "$T"
E=$ETCD_PKI
BASHC=$TOP_BUILDDIR/completion/etcd-pki
ZSHC=$TOP_BUILDDIR/completion/_etcd-pki

check "the built bash script is the program's output" \
    sh -c '"$1" completion bash | cmp - "$2"' sh "$E" "$BASHC"
check "the built zsh script is the program's output" \
    sh -c '"$1" completion zsh | cmp - "$2"' sh "$E" "$ZSHC"
rc=0
"$E" completion fish >out 2>err || rc=$?
[ "$rc" -eq 2 ] && grep -q 'unknown shell "fish": expected bash or zsh' err &&
    pass "completion fish: refused, exit 2" || fail "completion fish: refused, exit 2"
rc=0
"$E" completion bash 'x;rm' >out 2>err || rc=$?
[ "$rc" -eq 2 ] && [ ! -s out ] && pass "completion bash with a bad NAME: refused" ||
    fail "completion bash with a bad NAME: refused"

# The commands and their flags, from the program.
"$E" help | awk -F'\t' '/^\t/ { split($2, a, " "); print a[1] }' >top
: >cmds
: >groups
while read -r c; do
	if "$E" "$c" -h 2>&1 | grep -q '^  -'; then
		echo "$c" >>cmds
	else
		echo "$c" >>groups
		"$E" "$c" help | awk -F'\t' -v g="$c" \
		    '/^\t/ { split($2, a, " "); print g " " a[1] }' >>cmds
	fi
done <top
[ "$(wc -l <cmds)" -gt 25 ] && [ "$(wc -l <groups)" -ge 2 ] &&
    pass "commands and groups listed" || fail "commands and groups listed"

# hflags CMD: the flags "CMD -h" lists.
hflags() {
	# shellcheck disable=SC2086
	"$E" $1 -h 2>&1 | awk '/^  -/ { print $1 }'
}
# comp WORD...: what bash completes for the last WORD (one per line).
comp() {
	bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
	    _etcd_pki; printf "%s\n" "${COMPREPLY[@]}"' sh "$BASHC" "$@" | sort
}
# has LIST WORD: LIST (lines) holds WORD.
has() {
	printf '%s\n' "$1" | grep -qxF -- "$2"
}

# offered SHELL FN: FN (comp or zc) offers every command and subcommand.
offered() {
	got=$($2 etcd-pki '' | cut -d: -f1)
	miss=
	while read -r c; do has "$got" "$c" || miss="$miss $c"; done <top
	[ -z "$miss" ] && pass "$1: every command offered" ||
	    fail "$1: every command offered (missing:$miss)"
	miss=
	while read -r g; do
		got=$($2 etcd-pki "$g" '' | cut -d: -f1)
		for s in $(grep "^$g " cmds | cut -d' ' -f2); do
			has "$got" "$s" || miss="$miss $g/$s"
		done
	done <groups
	[ -z "$miss" ] && pass "$1: every subcommand offered" ||
	    fail "$1: every subcommand offered (missing:$miss)"
}
offered bash comp
miss=
n=0
while read -r c; do
	# shellcheck disable=SC2086
	got=$(comp etcd-pki $c -)
	for f in $(hflags "$c"); do
		n=$((n + 1))
		has "$got" "$f" || miss="$miss [$c $f]"
	done
	# shellcheck disable=SC2046
	set -- $(hflags "$c")
	[ "$(printf '%s\n' "$got" | grep -c .)" -eq $(($# + 1)) ] ||
	    miss="$miss [$c: offers $(printf "%s\n" "$got" | grep -c .) words, wants -h and $# flags]"
done <cmds
[ -z "$miss" ] && [ "$n" -gt 150 ] &&
    pass "bash: every flag of every command offered, and only those ($n)" ||
    fail "bash: every flag of every command offered, and only those ($n):$miss"

# Enumerated flags: their choices, as -h shows them (A|B|C).
for cf in "status o" "ca status o" "gencert key-format" "ca rotate phase" \
    "renew layout" "renew restart"; do
	c=${cf% *}
	f=${cf##* }
	# shellcheck disable=SC2086
	want=$("$E" $c -h 2>&1 | awk -v f="-$f" '/^  -/ && $1 == f { print $2 }' |
	    tr '|' '\n' | sort)
	# shellcheck disable=SC2086
	got=$(comp etcd-pki $c "-$f" '')
	[ -n "$want" ] && [ "$got" = "$want" ] &&
	    pass "bash: $c -$f offers $(echo $want)" ||
	    fail "bash: $c -$f offers $(echo $want) (got: $(echo $got))"
done
got=$(comp etcd-pki status -o = j)
[ "$got" = json ] && pass "bash: -o=j completes json" || fail "bash: -o=j completes json (got $got)"
got=$(comp etcd-pki gencert --key-f)
[ "$got" = --key-format ] && pass "bash: --key-f completes --key-format" ||
    fail "bash: --key-f completes --key-format (got $got)"
got=$(comp cfssljson -)
has "$got" -bare && has "$got" -stdout && ! has "$got" -ca &&
    pass "bash: as cfssljson, json's flags" || fail "bash: as cfssljson, json's flags"

# Files and directories.
mkdir sub
: >req-csr.json
got=$(comp etcd-pki gencert -config re)
[ "$got" = req-csr.json ] && pass "bash: a file flag completes files" ||
    fail "bash: a file flag completes files (got $got)"
got=$(comp etcd-pki schedule -unit-dir '')
[ "$got" = sub ] && pass "bash: a DIR flag completes directories" ||
    fail "bash: a DIR flag completes directories (got $got)"
got=$(comp etcd-pki cluster issue -not-before '')
[ -z "$got" ] && pass "bash: a time flag completes nothing" ||
    fail "bash: a time flag completes nothing (got $got)"
got=$(comp etcd-pki gencert -initca re)
[ "$got" = req-csr.json ] && pass "bash: an argument after a bool flag completes files" ||
    fail "bash: an argument after a bool flag completes files (got $got)"
got=$(comp etcd-pki completion '')
[ "$(echo $got)" = "bash zsh" ] && pass "bash: completion offers bash zsh" ||
    fail "bash: completion offers bash zsh (got $got)"

# zsh.
if ! need_cmd zsh; then
	skip "zsh is not installed"
	finish
fi
check "zsh: the script loads under compinit without a message" \
    sh -c 'out=$(zsh -fc "autoload -U compinit; compinit -u -d $2/zcd; source $1" 2>&1) &&
    [ -z "$out" ]' sh "$ZSHC" "$T"
# zc WORD...: what the zsh dispatcher offers for the last WORD: the
# _describe list, or the _arguments specs.
zc() {
	zsh -fc '. "$1"; shift
	    _describe() { print -rl -- ${(P)4}; }
	    _arguments() { print -rl -- "$@"; }
	    words=("$@"); CURRENT=$#; _etcd_pki' sh "$ZSHC" "$@" 2>&1
}
offered zsh zc
miss=
while read -r c; do
	# shellcheck disable=SC2086
	got=$(zc etcd-pki $c -x | sed -n 's/^\(-[a-z0-9-]*\)\[.*/\1/p')
	for f in $(hflags "$c"); do has "$got" "$f" || miss="$miss [$c $f]"; done
done <cmds
[ -z "$miss" ] && pass "zsh: every flag of every command offered" ||
    fail "zsh: every flag of every command offered:$miss"
# Real completion: an interactive zsh in a pseudo-terminal (zpty) loads
# the script through compinit from its fpath and completes LINE<TAB>; a
# compadd wrapper writes the candidates to a file.
mkdir zfp zs
cp "$ZSHC" zfp/_etcd-pki
cat >zpty.zsh <<'ZEOF'
zmodload zsh/zpty
d=$2
rm -f $d/zs/got $d/zs/ready
zpty z zsh -f -i
zpty -w z "fpath=($d/zfp \$fpath); autoload -U compinit; compinit -u -d $d/zcd"
zpty -w z 'compadd() {
  if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then builtin compadd "$@"; return $?; fi
  typeset -a h; builtin compadd -A h "$@"; (( $#h )) || return 1
  print -rl -- $h >>'$d'/zs/got; }'
zpty -w z "print ready >$d/zs/ready"
for i in {1..50}; do [[ -f $d/zs/ready ]] && break; sleep 0.2; done
zpty -w -n z "$1"$'\t'
for i in {1..50}; do [[ -f $d/zs/got ]] && break; sleep 0.2; done
sleep 0.5
zpty -d z
cat $d/zs/got 2>/dev/null
ZEOF
zreal() {
	PATH=$(dirname "$E"):$PATH timeout 60 zsh -f zpty.zsh "$*" "$T" | sort -u
}
got=$(zreal 'etcd-pki ')
miss=
while read -r c; do has "$got" "$c" || miss="$miss $c"; done <top
[ -z "$miss" ] && pass "zsh (real completion): every command offered" ||
    fail "zsh (real completion): every command offered (missing:$miss)"
got=$(zreal 'etcd-pki ca ')
want=$(grep '^ca ' cmds | cut -d' ' -f2 | sort)
[ "$(echo $got)" = "$(echo $want help | tr ' ' '\n' | sort | tr '\n' ' ' | sed 's/ $//')" ] &&
    pass "zsh (real completion): ca's subcommands" ||
    fail "zsh (real completion): ca's subcommands (got $(echo $got))"
got=$(zreal 'etcd-pki renew -')
miss=
for f in $(hflags renew); do has "$got" "$f" || miss="$miss $f"; done
[ -z "$miss" ] && pass "zsh (real completion): every flag of renew" ||
    fail "zsh (real completion): every flag of renew (missing:$miss)"
got=$(zreal 'etcd-pki status -o ')
[ "$(echo $got)" = "json prometheus text" ] &&
    pass "zsh (real completion): status -o offers text json prometheus" ||
    fail "zsh (real completion): status -o offers text json prometheus (got $(echo $got))"
got=$(zreal 'etcd-pki gencert -config re')
[ "$got" = req-csr.json ] && pass "zsh (real completion): a file flag completes files" ||
    fail "zsh (real completion): a file flag completes files (got $(echo $got))"

got=$(zc etcd-pki status -o '' | grep '^-o\[')
case $got in *'(text json prometheus)') pass "zsh: status -o offers its choices" ;;
*) fail "zsh: status -o offers its choices (got $got)" ;; esac
got=$(zc etcd-pki renew -x | grep '^-no-sync\[')
case $got in '-no-sync[do not fsync'*) pass "zsh: renew -no-sync described as renew's" ;;
*) fail "zsh: renew -no-sync described as renew's (got $got)" ;; esac

finish
