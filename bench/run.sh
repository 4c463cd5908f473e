#!/bin/sh
# run.sh: the etcd-pki benchmark, run by hand (not part of make check).
# Measures etcd-pki, cfssl+cfssljson, the openssl CLI, mkcert and the floor
# side by side and prints one markdown table on stdout (progress goes to
# stderr).  See bench/README.md.
#
# Usage: bench/run.sh [--quick] [-r N] [-d WORKDIR] [ETCD_PKI]
#   ETCD_PKI   the etcd-pki binary (default: ../etcd-pki relative to bench/)
#   -r N       repetitions of every measurement (long cfssl loops: at most 3)
#   --quick    fewer repetitions (about 2 minutes instead of about 6)
#   -d DIR     where the scratch directory goes (default: $TMPDIR or /tmp);
#              the filesystem matters (bench/README.md)
set -eu

usage() {
	echo "usage: $0 [--quick] [-r N] [-d WORKDIR] [ETCD_PKI]" >&2
	exit 1
}

cmdline="bench/run.sh $*"
here=$(cd "$(dirname "$0")" && pwd)
quick=0
reps=
base=${TMPDIR:-/tmp}
while [ $# -gt 0 ]; do
	case $1 in
	--quick) quick=1 ;;
	-r) [ $# -ge 2 ] || usage; reps=$2; shift ;;
	-d) [ $# -ge 2 ] || usage; base=$2; shift ;;
	-h|--help) usage ;;
	-*) usage ;;
	*) break ;;
	esac
	shift
done
[ $# -le 1 ] || usage
EP=${1:-$here/../etcd-pki}
case $EP in /*) ;; *) EP=$(pwd)/$EP ;; esac

# RH: runs of the single RSA leaf (h), at least 61 (its time is random).
if [ "$quick" = 1 ]; then
	RA=3; R=3; RC=1; RS=1; RF=20; RD=1; RH=61
else
	RA=20; R=10; RC=5; RS=3; RF=100; RD=3; RH=101
fi
if [ -n "$reps" ]; then
	case $reps in ''|*[!0-9]*|0) usage ;; esac
	RA=$reps; R=$reps; RC=$reps; RF=$((reps * 10))
	RS=$reps; [ "$RS" -le 3 ] || RS=3
	RD=$reps; [ "$RD" -le 3 ] || RD=3
	RH=$((reps * 10)); [ "$RH" -ge 61 ] || RH=61
fi

PY=/usr/bin/python3
B="$PY $here/bench.py"
GUIDE=$here/../examples/guide
NB=1000		# members in (b) and (d)
NC=100		# members in (c)

for tool in hyperfine "$PY" cc pkg-config openssl; do
	command -v "$tool" >/dev/null 2>&1 ||
	    { echo "run.sh: $tool is needed" >&2; exit 1; }
done
"$PY" -c 'import cryptography' 2>/dev/null ||
    { echo "run.sh: python3-cryptography is needed" >&2; exit 1; }
have() { command -v "$1" >/dev/null 2>&1; }
say() { printf '%s\n' "$*" >&2; }

W=$(mktemp -d "$base/etcd-pki-bench.XXXXXX")
trap 'rm -rf "$W"' EXIT
W=$(cd "$W" && pwd)
trap 'exit 130' INT TERM
RES=$W/results.tsv
LOG=$W/log
: > "$RES"
: > "$W/dists"
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
t_start=$(date +%s)

# record WORKLOAD TOOL VALUE UNIT RUNS ROLE: one row of the table.
record() {
	printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5" "$6" >> "$RES"
}

# hf WL TOOL ROLE RUNS WARMUP SHELL PREPARE COMMAND: hyperfine, median row.
# SHELL is "-N" (no shell: one process) or "" (sh -c, start corrected).
# Each measurement has its own JSON file, and its median is taken only if
# the file holds that command's results.
nhf=0
hf() {
	wl=$1 tool=$2 role=$3 runs=$4 warm=$5 shell=$6 prep=$7 cmd=$8
	nhf=$((nhf + 1))
	json=$W/hf-$nhf.json
	say "($wl) $tool: $runs run(s) ..."
	# shellcheck disable=SC2086 # $shell is "-N" or nothing
	if hyperfine $shell --style none --runs "$runs" --warmup "$warm" \
	    --prepare "$prep" --export-json "$json" "$cmd" >> "$LOG" 2>&1 &&
	    med=$($B median "$json" "$cmd" 2>> "$LOG"); then
		record "$wl" "$tool" "$med" s "$runs" "$role"
		say "($wl) $tool: median $med s"
		# For the latency distributions of the report.
		printf '%s\t%s\t%s\n' "$nhf" "$wl" "$tool" >> "$W/dists"
	else
		record "$wl" "$tool" - s "$runs" "$role"
		say "($wl) $tool: FAILED (see below)"
		tail -5 "$LOG" >&2
	fi
}

# floor WL TOOL ROLE OUT ARGS...: the floor program; its median as a row.
floor() {
	wl=$1 tool=$2 role=$3 out=$4
	shift 4
	say "($wl) $tool: $W/floor $* ..."
	if "$W/floor" -k -o "$W/floor-$wl" "$@" > "$out" 2>> "$LOG"; then
		med=$(awk '/^FLOOR_MS/ { printf "%.6f", $2 / 1000 }' "$out")
		runs=$(sed -n 's/.*, \([0-9]*\) reps*,.*/\1/p' "$out")
		record "$wl" "$tool" "$med" s "$runs" "$role"
		say "($wl) $tool: median $med s"
	else
		record "$wl" "$tool" - s - "$role"
		say "($wl) $tool: FAILED"
	fi
}

# check WL TOOL DIR EXPECTED: count the leaf certificates in DIR, by
# content: those its top ca.pem issued (not the CRLs, not the copies of the
# CA a tool puts beside the leaves); verify the first three.
check() {
	ca=$(find "$3" -name ca.pem | awk '{ print length, $0 }' | sort -n |
	    head -1 | cut -d' ' -f2-)
	if [ -z "$ca" ] || ! $B certs "$ca" "$3" > "$W/certs" 2>> "$LOG"; then
		say "($1) $2: WARNING: no CA certificate (ca.pem) in $3"
		echo "- ($1) $2: no CA certificate (ca.pem) in the output" \
		    >> "$W/warnings"
		return 0
	fi
	n=$(grep -c '^leaf ' "$W/certs" || :)
	other=$(grep -c '^other ' "$W/certs" || :)
	sed -n 's/^leaf //p' "$W/certs" | head -3 > "$W/certs3"
	bad=0 tried=0
	while read -r c; do
		tried=$((tried + 1))
		openssl verify -CAfile "$ca" "$c" >/dev/null 2>&1 ||
		    bad=$((bad + 1))
	done < "$W/certs3"
	if [ "$n" -ne "$4" ] || [ "$bad" -ne 0 ] || [ "$other" -ne 0 ]; then
		msg="$n leaf certificates (expected $4), $bad of $tried"
		msg="$msg checked failed openssl verify"
		[ "$other" -eq 0 ] || msg="$msg, $other other certificates"
		say "($1) $2: WARNING: $msg"
		echo "- ($1) $2: $msg" >> "$W/warnings"
	else
		say "($1) $2: $n leaf certificates, $tried verified against $ca"
	fi
}

# The filesystem: ext4 without a journal skips, for every file it creates,
# the free inodes deleted in the last minutes, so creating files costs up
# to 20 times more after a big "rm -rf" (bench/README.md).  Nothing is
# deleted until the end: the fresh output directory of each run is made
# by moving the previous one into $W/trash.
fs_desc() {
	fst=$(df --output=fstype "$1" | tail -1)
	dev=$(df --output=source "$1" | tail -1)
	case $fst in
	ext3|ext4)
		journal=0
		for j in /proc/fs/jbd2/"$(basename "$dev")"-*; do
			[ ! -e "$j" ] || journal=1
		done
		if [ "$journal" = 1 ]; then
			echo "$fst ($dev)"
		else
			echo "$fst without a journal ($dev)"
		fi ;;
	*)	echo "$fst ($dev)" ;;
	esac
}
mkdir "$W/trash"
cat > "$W/trash.sh" <<'EOF'
# trash.sh [-m] DIR: moves DIR into the trash; with -m, makes it anew;
# then writes back every dirty page, so that no run pays for an earlier
# one's writeback (etcd-pki's syncfs would).
set -eu
mk=0
if [ "$1" = -m ]; then mk=1; shift; fi
if [ -e "$1" ]; then
	mv "$1" "$(mktemp -d "${0%/trash.sh}/trash/t.XXXXXXXX")/"
fi
[ "$mk" = 0 ] || mkdir "$1"
sync
EOF
TRASH="sh $W/trash.sh"
say "work directory $W on $(fs_desc "$W")"
# shellcheck disable=SC2046 # the flags are words
cc -O2 -o "$W/floor" "$here/floor.c" \
    $(pkg-config --cflags --libs libcrypto) -pthread
# shellcheck disable=SC2046 # the flags are words
cc -O2 -o "$W/rsagen" "$here/rsagen.c" \
    $(pkg-config --cflags --libs libcrypto) -lm
# shellcheck disable=SC2046 # the flags are words
cc -O2 -o "$W/leafbound" "$here/leafbound.c" \
    $(pkg-config --cflags --libs libcrypto)

# A copy, so that a rebuild during the run changes nothing.
have_ep=0
if [ -x "$EP" ] && cp "$EP" "$W/etcd-pki" && EP=$W/etcd-pki &&
    "$EP" cluster init -o "$W/desc.json" >> "$LOG" 2>&1; then
	have_ep=1
	ep_version=$("$EP" version 2>/dev/null | sed -n 's/^Version: //p')
	rev=$(git -C "$here" describe --always --dirty 2>/dev/null || true)
	[ -z "$rev" ] || ep_version="$ep_version (git $rev)"
else
	say "$EP: no working 'cluster init': etcd-pki rows are n/a"
	ep_version="n/a"
fi
# The real cfssl and cfssljson (Go), where PATH finds them; links to
# etcd-pki there (whose version says "Runtime: OpenSSL") do not count.
have_cfssl=0
CFSSL=$(command -v cfssl || :)
CFSSLJSON=$(command -v cfssljson || :)
if [ -z "$CFSSL" ] || [ -z "$CFSSLJSON" ]; then
	say "cfssl or cfssljson missing (apt-get install golang-cfssl):" \
	    "no cfssl rows"
elif "$CFSSL" version 2>/dev/null | grep -q '^Runtime: go' &&
    ! "$CFSSLJSON" -version 2>/dev/null | grep -q '^Runtime: OpenSSL'; then
	have_cfssl=1
else
	say "$CFSSL, $CFSSLJSON: not cfssl's own (links to etcd-pki?):" \
	    "no cfssl rows"
fi
# strace, if it works here, shows which programs (g)'s pipelines run.
have_strace=0
! strace -f -qq -e trace=execve -o /dev/null true >/dev/null 2>&1 ||
    have_strace=1

# An ECDSA P-256 CA for (d) and (f), and (f)'s leaf: etcd1 of the guide.
F=$W/f
mkdir -p "$F/out" "$F/mkroot"
$B guide-inputs "$GUIDE" "$F/in"
$B key "$F/in" ecdsa-256
cp "$F/in/etcd1-csr.json" "$F/leaf.json"
cp "$F/in/ca-csr.json" "$F/ca-csr.json"
cp "$F/in/request-config.json" "$F/request-config.json"
if [ "$have_cfssl" = 1 ]; then
	(cd "$F" && "$CFSSL" gencert -initca ca-csr.json 2>>"$LOG" |
	    "$CFSSLJSON" -bare ca)
elif [ "$have_ep" = 1 ]; then
	(cd "$F" && "$EP" gencert -initca -o ca ca-csr.json 2>>"$LOG")
fi
hosts=$($PY -c 'import json, sys
print(" ".join(json.load(open(sys.argv[1]))["hosts"]))' "$F/leaf.json")

# ---- (a) the guide's 3-node RSA-2048 cluster --------------------------------
A=$W/a
mkdir -p "$A"
if [ "$have_ep" = 1 ]; then
	hf a etcd-pki ep "$RA" 1 -N "$TRASH $A/ep" \
	    "$EP cluster issue $W/desc.json -o $A/ep"
	check a etcd-pki "$A/ep" 4
	$B harvest "$A/ep" "$A/in" "$GUIDE/ca-csr.json" "$GUIDE" ||
	    $B guide-inputs "$GUIDE" "$A/in"
	$B key "$A/in" rsa-2048
else
	record a etcd-pki - s - ep
	$B guide-inputs "$GUIDE" "$A/in"
fi
$B cfssl-script "$A/in" "$A/cfssl.sh" flat
$B openssl-script "$A/in" "$A/openssl.sh"
if [ "$have_cfssl" = 1 ]; then
	hf a "cfssl+cfssljson (guide)" other "$RA" 1 -N "$TRASH $A/cfssl" \
	    "sh $A/cfssl.sh $A/cfssl"
	check a cfssl "$A/cfssl" "$(wc -l < "$A/in/leaves")"
fi
hf a "openssl CLI script" other "$RA" 1 -N "$TRASH $A/openssl" \
    "sh $A/openssl.sh $A/openssl"
check a openssl "$A/openssl" "$(wc -l < "$A/in/leaves")"
# -P: RSA keys made as etcd-pki makes them (bench/README.md, "RSA key
# generation"), so that the floor is the same work.
floor a floor floor "$A/floor.out" -a rsa-2048 -P -R der -r "$RA"
check a floor "$W/floor-a/der.0" 4

# ---- (b) 1,000 ECDSA P-256 certificates -------------------------------------
Bd=$W/b
mkdir -p "$Bd"
nb=$((NB + 1))
if [ "$have_ep" = 1 ]; then
	issue="$EP cluster issue -members $NB -key-algo ecdsa-256"
	hf b etcd-pki ep "$R" 1 -N "$TRASH $Bd/ep" "$issue -o $Bd/ep"
	check b etcd-pki "$Bd/ep" "$nb"
	hf b "etcd-pki -no-sync" other "$R" 1 -N "$TRASH $Bd/ns" \
	    "$issue -no-sync -o $Bd/ns"
	hf b "etcd-pki -j 1" other "$R" 1 -N "$TRASH $Bd/j1" \
	    "$issue -j 1 -o $Bd/j1"
else
	record b etcd-pki - s - ep
fi
$B members "$GUIDE" "$Bd/in" "$NB" ecdsa-256
nb=$(wc -l < "$Bd/in/leaves")
if [ "$have_cfssl" = 1 ]; then
	$B cfssl-script "$Bd/in" "$Bd/cfssl.sh"
	hf b "cfssl+cfssljson ($nb pipelines)" other "$RS" 0 -N \
	    "$TRASH $Bd/cfssl" "sh $Bd/cfssl.sh $Bd/cfssl"
	check b cfssl "$Bd/cfssl" "$nb"
fi
floor b floor floor "$Bd/floor.out" -a ecdsa-256 -n "$NB" -r "$R"
check b "floor (der route)" "$W/floor-b/der.0" "$nb"
check b "floor (x509 route)" "$W/floor-b/x509.0" "$nb"
floor b "floor -j 1" other "$Bd/floor-j1.out" -a ecdsa-256 -n "$NB" -j 1 \
    -R der -r "$R"
check b "floor -j 1" "$W/floor-b/der.0" "$nb"

# ---- (c) 100 RSA-2048 certificates ------------------------------------------
C=$W/c
mkdir -p "$C"
if [ "$have_ep" = 1 ]; then
	hf c etcd-pki ep "$RC" 0 -N "$TRASH $C/ep" \
	    "$EP cluster issue -members $NC -key-algo rsa-2048 -o $C/ep"
	check c etcd-pki "$C/ep" $((NC + 1))
else
	record c etcd-pki - s - ep
fi
$B members "$GUIDE" "$C/in" "$NC" rsa-2048
nc=$(wc -l < "$C/in/leaves")
if [ "$have_cfssl" = 1 ]; then
	$B cfssl-script "$C/in" "$C/cfssl.sh"
	hf c "cfssl+cfssljson ($nc pipelines)" other "$RS" 0 -N \
	    "$TRASH $C/cfssl" "sh $C/cfssl.sh $C/cfssl"
	check c cfssl "$C/cfssl" "$nc"
fi
floor c floor floor "$C/floor.out" -a rsa-2048 -P -n "$NC" -R der -r "$RC"
check c floor "$W/floor-c/der.0" "$nc"

# ---- (d) peak memory of (b) -------------------------------------------------
D=$W/d
mkdir -p "$D"
RSS_MK=		# "-m": rss makes D/out anew before each run
# rss WL TOOL ROLE COMMAND...: median of RD runs of /usr/bin/time -f %M.
rss() {
	wl=$1 tool=$2 role=$3
	shift 3
	: > "$D/rss"
	i=0
	while [ "$i" -lt "$RD" ]; do
		$TRASH $RSS_MK "$D/out"
		if ! /usr/bin/time -f %M -o "$D/rss1" "$@" >> "$LOG" 2>&1; then
			record "$wl" "$tool" - MiB "$RD" "$role"
			say "($wl) $tool: FAILED"
			return 0
		fi
		tail -1 "$D/rss1" >> "$D/rss"
		i=$((i + 1))
	done
	med=$($PY -c 'import statistics, sys
print("%.3f" % (statistics.median(float(l) for l in sys.stdin) / 1024))' \
	    < "$D/rss")
	record "$wl" "$tool" "$med" MiB "$RD" "$role"
	say "($wl) $tool: max RSS median $med MiB"
}
if [ -x /usr/bin/time ]; then
	if [ "$have_ep" = 1 ]; then
		rss d etcd-pki ep "$EP" cluster issue -members "$NB" \
		    -key-algo ecdsa-256 -o "$D/out"
	else
		record d etcd-pki - MiB - ep
	fi
	rss d "floor (der route, 1 run)" floor "$W/floor" -n "$NB" -r 1 \
	    -R der -k -o "$D/out"
	if [ "$have_cfssl" = 1 ]; then
		m=$(awk 'NR == 1 { print $1 }' "$Bd/in/leaves")
		rss d "cfssl gencert (one of the $nb processes)" other \
		    "$CFSSL" gencert -ca "$F/ca.pem" -ca-key "$F/ca-key.pem" \
		    -config "$Bd/in/request-config.json" -profile peer \
		    "$Bd/in/$m-csr.json"
	fi
else
	say "(d) /usr/bin/time missing (apt-get install time): skipped"
	record d etcd-pki - MiB - ep
fi

# ---- (f) one ECDSA leaf as a whole process ----------------------------------
rmx="$TRASH -m $F/out"
x=$F/out/x
# The leaf's request, as cfssl gencert takes it in (f), (g) and (h).
req="-ca $F/ca.pem -ca-key $F/ca-key.pem -config $F/request-config.json"
req="$req -profile peer"
# verify_one WL TOOL: the leaf the last run of TOOL wrote chains to the CA.
verify_one() {
	if openssl verify -CAfile "$F/ca.pem" "$x.pem" >/dev/null 2>&1; then
		say "($1) $2: x.pem verified against $F/ca.pem"
	else
		say "($1) $2: WARNING: x.pem does not verify"
		echo "- ($1) $2: x.pem does not verify against the CA" \
		    >> "$W/warnings"
	fi
}
if [ "$have_ep" = 1 ]; then
	hf f "etcd-pki gencert -o" ep "$RF" 10 -N "$rmx" \
	    "$EP gencert $req -o $x $F/leaf.json"
	verify_one f etcd-pki
else
	record f etcd-pki - s - ep
fi
if [ "$have_cfssl" = 1 ]; then
	hf f "cfssl+cfssljson pipeline" other "$RF" 10 "" "$rmx" \
	    "$CFSSL gencert $req $F/leaf.json 2>/dev/null | $CFSSLJSON -bare $x"
	verify_one f cfssl
fi
if have mkcert; then
	# mkcert's CA is the same ECDSA CA (it wants PKCS#8); with CAROOT set
	# it never touches a trust store unless given -install.
	cp "$F/ca.pem" "$F/mkroot/rootCA.pem"
	openssl pkcs8 -topk8 -nocrypt -in "$F/ca-key.pem" \
	    -out "$F/mkroot/rootCA-key.pem"
	CAROOT=$F/mkroot
	export CAROOT
	mk="mkcert -ecdsa -cert-file $x.pem -key-file $x-key.pem $hosts"
	TRUST_STORES=none
	export TRUST_STORES
	hf f "mkcert (TRUST_STORES=none)" other "$RF" 10 -N "$rmx" "$mk"
	unset TRUST_STORES
	verify_one f "mkcert (TRUST_STORES=none)"
	hf f "mkcert (default: checks the system trust store)" other \
	    "$RF" 10 -N "$rmx" "$mk"
	verify_one f "mkcert (default)"
	mkcert_version=$(mkcert -version 2>/dev/null || echo '?')
	unset CAROOT
else
	say "(f) mkcert not installed (apt-get install mkcert): skipped"
	record f "mkcert (TRUST_STORES=none)" - s - other
	mkcert_version="not installed"
fi
# Not a floor of the same work but a bound below it (bench/leafbound.c):
# OpenSSL's start, one P-256 key and three files written durably.
hf f "lower bound: start, one key, 3 durable files (leafbound.c)" floor \
    "$RF" 10 -N "$rmx" "$W/leafbound $x"
# ---- (e) start-up alone: version ---------------------------------------------
printf 'int main(void) { return 0; }\n' > "$W/empty.c"
cc -O2 -o "$W/empty" "$W/empty.c"
if [ "$have_ep" = 1 ]; then
	hf e "etcd-pki version" ep "$RF" 10 -N true "$EP version"
else
	record e etcd-pki - s - ep
fi
[ "$have_cfssl" = 0 ] ||
    hf e "cfssl version" other "$RF" 10 -N true "$CFSSL version"
! have mkcert ||
    hf e "mkcert -version" other "$RF" 10 -N true "mkcert -version"
hf e "floor: an empty C program" floor "$RF" 10 -N true "$W/empty"

# ---- (g) the guide's pipeline through the links -------------------------------
# The guide's pipeline through hyperfine's shell: through cfssl and
# cfssljson links to etcd-pki (what ./configure --enable-cfssl-links
# installs: two etcd-pki processes), then through the real cfssl.  Each
# pipeline first runs once, untimed, under strace: a row is measured only
# if that run executed the programs its label names, nothing else, and
# wrote a leaf that verifies; otherwise it is n/a.
# ran_as TOOL COMMAND PROGRAM...: that run; false with the reason in $why.
# PROGRAMs are the programs the pipeline must execute besides the shell.
ran_as() {
	tool=$1 cmd=$2
	shift 2
	want=$(for p in "$@"; do readlink -f "$p"; done | sort | xargs)
	$rmx
	if [ "$have_strace" = 0 ]; then
		say "(g) $tool: no strace: which programs run is not checked"
		sh -c "$cmd" >> "$LOG" 2>&1 || { why="it failed"; return 1; }
	else
		strace -f -qq -z -e trace=execve -e signal=none \
		    -o "$W/trace" sh -c "$cmd" >> "$LOG" 2>&1 ||
		    { why="it failed"; return 1; }
		# The programs executed, but the shell (the first), resolved.
		ran=$(sed -n 's/^[0-9]* *execve("\([^"]*\)",.* = 0$/\1/p' \
		    "$W/trace" | sed 1d | while read -r p; do
			readlink -f "$p"
		done | sort | xargs)
		if [ "$ran" != "$want" ]; then
			why="it ran ${ran:-nothing} instead of $want"
			return 1
		fi
		say "(g) $tool: one run executed $want"
	fi
	openssl verify -CAfile "$F/ca.pem" "$x.pem" >/dev/null 2>&1 ||
	    { why="its x.pem does not verify"; return 1; }
}
# g_row TOOL ROLE COMMAND PROGRAM1 PROGRAM2: ran_as, then the row.
g_row() {
	if ran_as "$1" "$3" "$4" "$5"; then
		hf g "$1" "$2" "$RF" 10 "" "$rmx" "$3"
		verify_one g "$1"
	else
		say "(g) $1: WARNING: not measured: $why"
		echo "- (g) $1: not measured: $why" >> "$W/warnings"
		record g "$1" - s - "$2"
	fi
}
mkdir -p "$W/links"
if [ "$have_ep" = 1 ]; then
	ln -s "$EP" "$W/links/cfssl"
	ln -s "$EP" "$W/links/cfssljson"
	g_row "etcd-pki through the links (2 processes)" ep \
	    "$W/links/cfssl gencert $req $F/leaf.json 2>/dev/null | $W/links/cfssljson -bare $x" \
	    "$EP" "$EP"
else
	record g etcd-pki - s - ep
fi
if [ "$have_cfssl" = 1 ]; then
	g_row "cfssl+cfssljson" other \
	    "$CFSSL gencert $req $F/leaf.json 2>/dev/null | $CFSSLJSON -bare $x" \
	    "$CFSSL" "$CFSSLJSON"
else
	record g "cfssl+cfssljson" - s - other
fi

# ---- (h) one RSA-2048 leaf ---------------------------------------------------
# The same leaf with an RSA-2048 key (mkcert's default key), RH runs:
# key generation takes a random time, so the distribution is reported too.
$PY -c 'import json, sys
d = json.load(open(sys.argv[1])); d["key"] = {"algo": "rsa", "size": 2048}
json.dump(d, open(sys.argv[2], "w"))' "$F/leaf.json" "$F/leaf-rsa.json"
if [ "$have_ep" = 1 ]; then
	hf h "etcd-pki gencert -o" ep "$RH" 3 -N "$rmx" \
	    "$EP gencert $req -o $x $F/leaf-rsa.json"
	verify_one h etcd-pki
else
	record h etcd-pki - s - ep
fi
if [ "$have_cfssl" = 1 ]; then
	hf h "cfssl+cfssljson pipeline" other "$RH" 3 "" "$rmx" \
	    "$CFSSL gencert $req $F/leaf-rsa.json 2>/dev/null | $CFSSLJSON -bare $x"
	verify_one h cfssl
fi
if have mkcert; then
	CAROOT=$F/mkroot TRUST_STORES=none
	export CAROOT TRUST_STORES
	hf h "mkcert (TRUST_STORES=none)" other "$RH" 3 -N "$rmx" \
	    "mkcert -cert-file $x.pem -key-file $x-key.pem $hosts"
	verify_one h mkcert
	unset CAROOT TRUST_STORES
fi

# ---- (i) peak memory of one ECDSA leaf ------------------------------------------
if [ -x /usr/bin/time ]; then
	RSS_MK=-m
	if [ "$have_ep" = 1 ]; then
		rss i "etcd-pki gencert -o" ep "$EP" gencert -ca "$F/ca.pem" \
		    -ca-key "$F/ca-key.pem" -config "$F/request-config.json" \
		    -profile peer -o "$D/out/x" "$F/leaf.json"
	else
		record i etcd-pki - MiB - ep
	fi
	[ "$have_cfssl" = 0 ] ||
	    rss i "cfssl gencert (the pipeline's first process)" other \
	    "$CFSSL" gencert -ca "$F/ca.pem" -ca-key "$F/ca-key.pem" \
	    -config "$F/request-config.json" -profile peer "$F/leaf.json"
	if have mkcert; then
		CAROOT=$F/mkroot TRUST_STORES=none
		export CAROOT TRUST_STORES
		rss i "mkcert (TRUST_STORES=none)" other mkcert -ecdsa \
		    -cert-file "$D/out/x.pem" -key-file "$D/out/x-key.pem" \
		    $hosts
		unset CAROOT TRUST_STORES
	fi
	rss i "lower bound: start, one key, 3 durable files (leafbound.c)" \
	    floor "$W/leafbound" "$D/out/x"
fi

# RSA-2048 key generation alone, CPU time per key (bench/README.md).
say "(h) rsagen: $RH RSA-2048 keys, OpenSSL's generator and two primes ..."
"$W/rsagen" -n "$RH" > "$W/rsagen.out" 2>> "$LOG" || : > "$W/rsagen.out"
"$W/rsagen" -m primes -n "$RH" > "$W/rsagen-primes.out" 2>> "$LOG" ||
    : > "$W/rsagen-primes.out"

# ---- the report -------------------------------------------------------------
t_end=$(date +%s)
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
cfssl_version=n/a
[ "$have_cfssl" = 0 ] || cfssl_version=$("$CFSSL" version 2>/dev/null |
    sed -n 's/^Version: //p; s/^Runtime: / /p' | tr -d '\n')
fstype=$(fs_desc "$W")
echo "Command: \`$cmdline\` ($(date -u '+%Y-%m-%d %H:%M UTC'), $((t_end - t_start)) s)"
echo
echo "Machine: nproc $(nproc), $cpu, Linux $(uname -r)," \
    "$(openssl version | cut -d' ' -f1-2), cfssl $cfssl_version," \
    "mkcert $mkcert_version, $(hyperfine --version)," \
    "etcd-pki $ep_version; work directory on $fstype;" \
    "load average $load_before before, $(cut -d' ' -f1-3 /proc/loadavg) after"
echo
$B table "$RES"
echo
echo "Medians of hyperfine's \`times\` (wall clock, one fresh output" \
    "directory per run; (n=N) is the number of runs); the floor's" \
    "medians are in-process (bench/floor.c).  Ratios are median / median."
echo
echo "Latency distributions (wall clock, ms; nearest-rank percentiles):"
echo
echo "| workload | tool | runs | median | p90 | p99 | max |"
echo "| --- | --- | ---: | ---: | ---: | ---: | ---: |"
while IFS="$(printf '\t')" read -r k wl tool; do
	case $wl in f|h) ;; *) continue ;; esac
	# shellcheck disable=SC2046 # five numbers
	set -- $($B dist "$W/hf-$k.json")
	echo "| ($wl) | $tool | $1 | $2 | $3 | $4 | $5 |"
done < "$W/dists"
if [ -s "$W/warnings" ]; then
	echo
	echo "Warnings:"
	cat "$W/warnings"
fi
echo
echo "Floor breakdown (per op: keygen per key; build per CSR+certificate;" \
    "sign per signature; encode per leaf; file per file written):"
echo
echo '```'
for f in "$A/floor.out" "$Bd/floor.out" "$Bd/floor-j1.out" "$C/floor.out"; do
	[ -s "$f" ] || continue
	grep -v '^(per op\|^FLOOR_MS' "$f"
	echo
done
echo '```'
if [ -s "$W/rsagen.out" ]; then
	echo
	echo "RSA-2048 key generation alone (bench/rsagen.c: CPU time of the" \
	    "generating thread, so it holds on a loaded machine; the" \
	    "correlation says how much of it is the prime search), with" \
	    "OpenSSL's generator, then etcd-pki's two primes:"
	echo
	echo '```'
	sed -n '1p; /^cpu ms/,$p' "$W/rsagen.out"
	[ ! -s "$W/rsagen-primes.out" ] ||
	    sed -n '1p; /^cpu ms/,$p' "$W/rsagen-primes.out"
	echo '```'
fi
