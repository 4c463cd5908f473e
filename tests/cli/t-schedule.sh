#!/bin/sh
# t-schedule.sh: schedule prints and installs the systemd units and the
# cron.d file that run renew.
#
# The exact unit text for a known argument list; systemd quoting of a
# path with a space, "%" and "$" (checked by systemd-analyze where it
# works); cluster mode; renew's flags checked; -install; the cron line;
# and the generated command lines run for real (needs-renewal and renew,
# where this etcd-pki has them).
. "$(dirname "$0")/setup.sh"

plan 48

cd "$T" || exit 1
E=$ETCD_PKI
PY=/usr/bin/python3
TR=$(pwd -P)
BIN=$(readlink -f "$E")

# Replaces the binary's and the work directory's absolute paths.
norm() {
	sed -e "s|$BIN|@BIN@|g" -e "s|$TR|@T@|g" "$@"
}
# Prints the command line of systemd unit key $2 of file $1 as one argument
# per line, unquoted as systemd does for these words ("%%" -> "%", "$$" ->
# "$", then POSIX-shell-like double quotes).
sd_argv() {
	"$PY" -c '
import shlex, sys
for l in open(sys.argv[1]):
    if l.startswith(sys.argv[2] + "="):
        l = l[len(sys.argv[2]) + 1:].rstrip("\n")
        for w in shlex.split(l.replace("%%", "%").replace("$$", "$")):
            print(w)
        break' "$1" "$2"
}
# Runs the command line of key $2 of unit $1; prints the exit status.
sd_run() {
	sd_argv "$1" "$2" >argv.txt
	"$PY" -c '
import subprocess, sys
argv = open(sys.argv[1]).read().split("\n")[:-1]
print(subprocess.run(argv, stdout=subprocess.DEVNULL,
    stderr=subprocess.DEVNULL, cwd="/").returncode)' argv.txt
}

# Reads a cron command line and prints what cron gives the shell: "\%"
# becomes "%", a backslash before another character stays (and that
# character is not an escape), an unescaped "%" ends the command.
cron_cmd() {
	"$PY" -c '
import sys
s = sys.stdin.read().rstrip("\n")
out, esc = "", False
for c in s:
    if esc:
        out += c if c == "%" else "\\" + c
        esc = False
    elif c == "\\":
        esc = True
    elif c == "%":
        break
    else:
        out += c
print(out)'
}

# ---- certificates -------------------------------------------------------
"$E" cluster issue -members 2 -no-sync -o fresh >/dev/null 2>&1
"$E" cluster init -members 2 >fresh.json 2>/dev/null
# Due: 1h of a 49h lifetime left.
"$E" cluster issue -members 1 -no-sync -not-before -48h -expiry 49h \
    -o due >/dev/null 2>&1
cp fresh/m1/m1.pem one.pem
cp fresh/m1/m1-key.pem one-key.pem
mkdir conf
echo '{}' >conf/one-csr.json

# ---- the exact unit text ------------------------------------------------
rc=0
(cd conf && "$E" schedule -- -renew-before 720h -stagger 10% -keep 5 \
    -restart-cmd "systemctl restart etcd" -csr-json one-csr.json -force \
    ../one.pem) >units.txt 2>units.err || rc=$?
check "schedule exits 0" test "$rc" = 0
norm units.txt >units.norm
cat >units.want <<'EOF'
# etcd-pki-renew.service
# Written by etcd-pki schedule; see etcd-pki(1).
[Unit]
Description=etcd-pki: renew etcd certificates before they expire
Documentation=man:etcd-pki(1)
Wants=network-online.target
After=network-online.target

[Service]
Type=oneshot
# needs-renewal exits 0 when a certificate is due (run renew), 1 when none
# is (skip, not a failure), 255 on an error (fail); systemd >= 243.
ExecCondition=@BIN@ needs-renewal -renew-before 720h -stagger 10%% @T@/one.pem
ExecStart=@BIN@ renew -quiet -csr-json @T@/conf/one-csr.json -force -keep 5 -renew-before 720h -restart-cmd "systemctl restart etcd" -stagger 10%% @T@/one.pem
# renew: 10 renewed, 75 another run holds the lock.
SuccessExitStatus=10 75
# A run that hangs is stopped, fails and frees the lock.
TimeoutStartSec=30min
ReadWritePaths=@T@
# Sandbox (systemd.exec(5)); a drop-in (systemctl edit) relaxes it
# for hooks that need more.
ProtectSystem=strict
ProtectHome=read-only
PrivateDevices=yes
NoNewPrivileges=yes
CapabilityBoundingSet=CAP_CHOWN CAP_FOWNER CAP_DAC_OVERRIDE CAP_DAC_READ_SEARCH
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
ProtectClock=yes
ProtectHostname=yes
ProtectProc=invisible
ProcSubset=pid
PrivateMounts=yes
RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6
RestrictNamespaces=yes
RestrictRealtime=yes
RestrictSUIDSGID=yes
LockPersonality=yes
MemoryDenyWriteExecute=yes
SystemCallArchitectures=native
SystemCallFilter=@system-service
SystemCallErrorNumber=EPERM

# etcd-pki-renew.timer
# Written by etcd-pki schedule; see etcd-pki(1).
[Unit]
Description=etcd-pki: twice-daily certificate renewal check
Documentation=man:etcd-pki(1)

[Timer]
OnCalendar=*-*-* 00,12:00:00
RandomizedDelaySec=1h
AccuracySec=1m
Persistent=true

[Install]
WantedBy=timers.target
EOF
if cmp -s units.want units.norm; then
	pass "the units are exactly as expected"
else
	fail "the units are exactly as expected"
	diff units.want units.norm | sed 's/^/#   /'
fi
"$E" schedule -- one.pem >dflt.txt 2>/dev/null
check "no -renew-before/-stagger: needs-renewal gets renew's defaults" \
    grep -qx "ExecCondition=$BIN needs-renewal -stagger 5%% $TR/one.pem" \
    dflt.txt
check "-quiet given to renew is not repeated" sh -c \
    "'$E' schedule -- -quiet one.pem | grep -q '^ExecStart=.* renew -quiet $TR/one.pem\$'"

# ---- quoting ------------------------------------------------------------
mkdir 'a b%c'
cp one.pem 'a b%c/x$y.pem'
"$E" schedule -- 'a b%c/x$y.pem' >q.txt 2>/dev/null
check "a path with a space, % and \$ is quoted for systemd" \
    grep -q "^ExecStart=.* \"$TR/a b%%c/x\$\$y.pem\"\$" q.txt
if test "$(sd_argv q.txt ExecStart | tail -n 1)" = "$TR/a b%c/x\$y.pem"; then
	pass "systemd's unquoting gives the path back"
else
	fail "systemd's unquoting gives the path back"
	sd_argv q.txt ExecStart | sed 's/^/#   /'
fi
hard='sh -c "echo \"hi\" \\ 100% $HOME" '"'"'x'"'"';'
"$E" schedule -- -restart-cmd "$hard" one.pem >q2.txt 2>/dev/null
check "quotes, backslashes, \$ and ; in an argument survive systemd's unquoting" \
    test "$(sd_argv q2.txt ExecStart | sed -n 5p)" = "$hard"

# ---- cluster mode -------------------------------------------------------
"$E" schedule -- -cluster fresh.json fresh >cl.txt 2>cl.err
check "cluster mode: ExecCondition lists every leaf's path and the CRL" \
    grep -qx "ExecCondition=$BIN needs-renewal -stagger 5%% $TR/fresh/m1/m1.pem $TR/fresh/m2/m2.pem $TR/fresh/clients/admin/admin.pem $TR/fresh/crl.der" \
    cl.txt
check "cluster mode: -cluster and DIR are absolute in ExecStart" \
    grep -qx "ExecStart=$BIN renew -quiet -cluster $TR/fresh.json $TR/fresh" \
    cl.txt
"$E" schedule -- -cluster fresh.json -member m2 fresh >m2.txt 2>m2.err
check "-member restricts ExecCondition to that leaf (and the CRL)" \
    grep -qx "ExecCondition=$BIN needs-renewal -stagger 5%% $TR/fresh/m2/m2.pem $TR/fresh/crl.der" \
    m2.txt
rc=0
"$E" needs-renewal -verbose fresh/crl.der >crl1.txt 2>&1 || rc=$?
check "needs-renewal judges a fresh CRL not due (1), calling it crl" \
    sh -c "test $rc = 1 && grep -q crl crl1.txt"
rc=0
"$E" needs-renewal -renew-before 700h fresh/crl.der >/dev/null 2>&1 || rc=$?
check "needs-renewal: a CRL of 30 days with 700h asked for is due (0)" \
    test "$rc" = 0
rc=0
"$E" needs-renewal fresh.json >/dev/null 2>&1 || rc=$?
check "needs-renewal on neither certificate nor CRL: 255" test "$rc" = 255
rc=0
"$E" schedule -- -cluster fresh.json -member nope fresh >/dev/null \
    2>nope.err || rc=$?
check "-member naming no leaf: exit 1, says so" sh -c \
    "test $rc = 1 && grep -q 'nope' nope.err"

# ---- usage errors -------------------------------------------------------
rc=0
"$E" schedule -- -renew-befor 10% one.pem >/dev/null 2>bad.err || rc=$?
check "an unknown renew flag: exit 2, naming it" sh -c \
    "test $rc = 2 && grep -q -- '-renew-befor' bad.err"
rc=0
"$E" schedule -- -expiry 1h one.pem >/dev/null 2>bad2.err || rc=$?
check "a flag renew does not take: exit 2, naming it" sh -c \
    "test $rc = 2 && grep -q -- '-expiry' bad2.err"
rc=0
"$E" schedule >/dev/null 2>none.err || rc=$?
check "no targets: exit 2" sh -c "test $rc = 2 && grep -q 'nothing to renew' none.err"
rc=0
"$E" schedule -- -cluster fresh.json >/dev/null 2>&1 || rc=$?
check "-cluster without DIR: exit 2" test "$rc" = 2
rc=0
"$E" schedule -- -renew-before 150% one.pem >/dev/null 2>&1 || rc=$?
check "a bad -renew-before: exit 2" test "$rc" = 2
rc=0
"$E" schedule -- missing.pem >/dev/null 2>miss.err || rc=$?
check "a missing certificate: exit 1, naming it" sh -c \
    "test $rc = 1 && grep -q 'missing.pem' miss.err"
rc=0
"$E" schedule -systemd -cron -- one.pem >/dev/null 2>&1 || rc=$?
check "-systemd with -cron: exit 2" test "$rc" = 2
rc=0
"$E" schedule -unit-dir u -- one.pem >/dev/null 2>&1 || rc=$?
check "-unit-dir without -install: exit 2" test "$rc" = 2

# ---- -name --------------------------------------------------------------
for n in 'a.b' 'a/b' '-x' 'a b' 'a@b' ''; do
	rc=0
	"$E" schedule -name "$n" -- one.pem >/dev/null 2>&1 || rc=$?
	[ "$rc" = 2 ] || { echo "# -name '$n': exit $rc"; break; }
done
check "-name with a character outside [A-Za-z0-9_-] (or none): exit 2" \
    test "$rc" = 2
"$E" schedule -name etcd_renew-2 -- one.pem >n.txt 2>/dev/null
check "-name names both units" sh -c \
    'grep -qx "# etcd_renew-2.service" n.txt && grep -qx "# etcd_renew-2.timer" n.txt'

# ---- -install -----------------------------------------------------------
mkdir units crond
rc=0
(umask 077 && "$E" schedule -install -unit-dir units -- one.pem) \
    >inst.out 2>inst.err || rc=$?
check "-install -unit-dir: exits 0, prints the paths written" sh -c "
    test $rc = 0 && grep -qx 'wrote units/etcd-pki-renew.service' inst.out &&
    grep -qx 'wrote units/etcd-pki-renew.timer' inst.out"
check "-install: mode 0644 even under umask 077, no temporary file left" \
    sh -c 'test "$(ls -A units | tr "\n" " ")" = \
    "etcd-pki-renew.service etcd-pki-renew.timer " &&
    test "$(stat -c %a units/* | sort -u)" = 644'
check "-install writes what schedule prints" sh -c \
    '{ cat units/etcd-pki-renew.service; echo; cat units/etcd-pki-renew.timer; } |
    cmp -s - dflt.txt'
check "-install outside the default directory: says what to run" \
    grep -q 'systemctl daemon-reload && systemctl enable --now etcd-pki-renew.timer' \
    inst.out

# ---- cron ---------------------------------------------------------------
"$E" schedule -cron -- -renew-before 10% -cluster fresh.json fresh \
    >cron.txt 2>/dev/null
line=$(grep -v '^#' cron.txt | grep -v '=' || :)
check "cron: SHELL and PATH set, one job line" sh -c '
    grep -qx "SHELL=/bin/sh" cron.txt && grep -q "^PATH=/" cron.txt &&
    test "$(grep -vc "^#\|=" cron.txt)" = 1'
check "cron: the line's shape (M H,H+12, root, stands down under systemd)" \
    sh -c "printf '%s\n' \"\$1\" | grep -Eq \
    '^[0-9]+ [0-9]+,[0-9]+ \* \* \* root test -d /run/systemd/system \|\| \{ sleep \\\$\(shuf -i 0-3599 -n 1\); timeout -k 1m 30m .+ renew -quiet .+; \}\$'" \
    sh "$line"
m=$(echo "$line" | cut -d' ' -f1)
h=$(echo "$line" | cut -d' ' -f2)
check "cron: minute < 60, hours H and H+12 with H < 12" sh -c "
    test $m -lt 60 && test ${h%,*} -lt 12 && test ${h#*,} = \$((${h%,*} + 12))"
check "cron: % is escaped as \\%" sh -c \
    "printf '%s\n' \"\$1\" | grep -q -- '-renew-before 10\\\\%'" sh "$line"
"$E" schedule -cron -- -restart-cmd "$hard\\%x" one.pem >cron3.txt 2>/dev/null
printf '#!/bin/sh\nfor a; do printf "%%s\\n" "$a"; done\n' >printargs
chmod +x printargs
grep -v '^#\|=' cron3.txt | sed -e 's/^[^|]*|| //' -e 's/sleep [^;]*; //' \
    -e "s|$BIN |$TR/printargs |" | cron_cmd >cron3.sh
check "cron: an argument with quotes, \\, \\%, \$ and ; survives cron and sh" \
    test "$(sh cron3.sh | sed -n 4p)" = "$hard\\%x"
rc=0
"$E" schedule -cron -install -cron-dir crond -name etcd_pki -- one.pem \
    >ci.out 2>&1 || rc=$?
check "-install -cron: crond/NAME, mode 0644, nothing else" sh -c "
    test $rc = 0 && test \"\$(ls -A crond)\" = etcd_pki &&
    test \"\$(stat -c %a crond/etcd_pki)\" = 644"

# ---- systemd-analyze verify ---------------------------------------------
mkdir sd
printf '[Unit]\nDescription=probe\n[Service]\nType=oneshot\nExecStart=/bin/true\n' \
    >sd/probe.service
if need_cmd systemd-analyze &&
    timeout 30 systemd-analyze verify --man=no "$T/sd/probe.service" \
    >/dev/null 2>&1; then
	"$E" schedule -install -unit-dir sd -- -cluster fresh.json fresh \
	    >/dev/null 2>&1
	check "systemd-analyze verify accepts the units" timeout 30 \
	    systemd-analyze verify --man=no "$T/sd/etcd-pki-renew.service" \
	    "$T/sd/etcd-pki-renew.timer"
	# The executable's path, quoted: systemd must find the program.
	mkdir 'bin dir%1'
	cp "$E" 'bin dir%1/etcd-pki'
	rm sd/etcd-pki-renew.*
	"$T/bin dir%1/etcd-pki" schedule -install -unit-dir sd -- one.pem \
	    >/dev/null 2>&1
	check "systemd-analyze finds etcd-pki in a directory with a space and %" \
	    timeout 30 systemd-analyze verify --man=no \
	    "$T/sd/etcd-pki-renew.service"
else
	skip "systemd-analyze missing or not working here"
	skip "systemd-analyze missing or not working here"
fi

# ---- the sandbox -----------------------------------------------------------
printf 'pw\n' >pw.txt
mkdir m
"$E" schedule -- -ca-key-password file:pw.txt -metrics-file m/x.prom \
    -cluster fresh.json fresh >sb.txt 2>/dev/null
check "the service is sandboxed (ProtectSystem=strict, NoNewPrivileges, ...)" \
    sh -c "grep -qx 'ProtectSystem=strict' sb.txt && grep -qx 'NoNewPrivileges=yes' sb.txt &&
    grep -qx 'ProtectHome=read-only' sb.txt && grep -qx 'PrivateDevices=yes' sb.txt &&
    grep -qx 'SystemCallFilter=@system-service' sb.txt"
check "ReadWritePaths: the cluster directory and the metrics file's, once each" \
    grep -qx "ReadWritePaths=$T/m $T/fresh" sb.txt
check "no PrivateTmp when renew writes under /tmp (it would hide it)" \
    sh -c "! grep -q '^PrivateTmp=' sb.txt"
check "-ca-key-password file: becomes LoadCredential=, not an argument" \
    sh -c "grep -qx 'LoadCredential=ca-key-password:$T/pw.txt' sb.txt &&
    ! grep '^ExecStart=' sb.txt | grep -q ca-key-password"
mkdir sbx
printf '[Unit]\nDescription=probe\n[Service]\nExecStart=/bin/true\n' >sbx/p.service
if need_cmd systemd-analyze &&
    timeout 30 systemd-analyze security --offline=yes "$T/sbx/p.service" \
    >/dev/null 2>&1; then
	"$E" schedule -install -unit-dir sbx -- -cluster fresh.json fresh \
	    >/dev/null 2>&1
	timeout 30 systemd-analyze security --offline=yes \
	    "$T/sbx/etcd-pki-renew.service" >sec.txt 2>&1 || :
	exposure=$(sed -n 's/.*Overall exposure level for etcd-pki-renew.service: \([0-9.]*\).*/\1/p' sec.txt)
	diag "systemd-analyze security: exposure ${exposure:-?} (main before the sandbox: 9.6 UNSAFE)"
	check "systemd-analyze security: exposure at most 3.0 (sandboxed)" \
	    awk -v e="${exposure:-99}" 'BEGIN { exit !(e <= 3.0) }'
else
	skip "systemd-analyze security --offline missing or not working here"
fi

# ---- the generated command lines, run ------------------------------------
if "$E" needs-renewal -h >/dev/null 2>&1; then
	"$E" schedule -- -cluster fresh.json fresh >run1.txt 2>/dev/null
	check "ExecCondition on fresh certificates: 1 (not due)" \
	    test "$(sd_run run1.txt ExecCondition)" = 1
	"$E" cluster init -members 1 >due.json 2>/dev/null
	"$E" schedule -- -cluster due.json due >run2.txt 2>/dev/null
	check "ExecCondition on a certificate with 1h of 49h left: 0 (due)" \
	    test "$(sd_run run2.txt ExecCondition)" = 0
else
	skip "this etcd-pki has no needs-renewal command"
	skip "this etcd-pki has no needs-renewal command"
fi
if "$E" renew -h >/dev/null 2>&1; then
	"$E" schedule -- -dry-run -cluster fresh.json fresh >run3.txt 2>/dev/null
	check "ExecStart (renew -dry-run) on fresh certificates: 0" \
	    test "$(sd_run run3.txt ExecStart)" = 0
	"$E" schedule -cron -- -dry-run -cluster fresh.json fresh \
	    >cron2.txt 2>/dev/null
	# The command cron runs, after the "||" and without the sleep.
	cmd=$(grep -v '^#\|=' cron2.txt | sed -e 's/^[^|]*|| //' \
	    -e 's/sleep [^;]*; //' | cron_cmd)
	rc=0
	(cd / && sh -c "$cmd") >/dev/null 2>&1 || rc=$?
	check "the cron command (renew -dry-run) on fresh certificates: 0" \
	    test "$rc" = 0
else
	skip "this etcd-pki has no renew command"
	skip "this etcd-pki has no renew command"
fi

# A rolling restart from a node: the unit has none of the shell's
# ETCDCTL_* variables, so schedule wants the -etcd-* flags.
rc=0
ETCDCTL_ENDPOINTS=https://127.0.0.1:2379 "$E" schedule -- -restart rolling \
    one.pem >node1.txt 2>node1.err || rc=$?
check "schedule: renew -restart rolling without -cluster or -etcd-*: refused" \
    sh -c "[ $rc = 1 ] && grep -q 'give renew -etcd-endpoints, -etcd-cacert, -etcd-cert and -etcd-key' node1.err"
"$E" schedule -- -restart rolling -etcd-endpoints https://127.0.0.1:2379 \
    -etcd-cacert one.pem -etcd-cert one.pem -etcd-key one.pem one.pem \
    >node2.txt 2>&1 || :
check "schedule: ... with them: the unit passes them on (absolute paths)" \
    grep -q "^ExecStart=.* renew -quiet -etcd-cacert $PWD/one.pem -etcd-cert $PWD/one.pem -etcd-endpoints https://127.0.0.1:2379 -etcd-key $PWD/one.pem -restart rolling $PWD/one.pem" node2.txt
"$E" schedule -- -owner root:root -mode 0640 one.pem >own.txt 2>&1 || :
check "schedule: -owner and -mode pass through to the unit" \
    grep -q "^ExecStart=.* renew -quiet -mode 0640 -owner root:root $PWD/one.pem" own.txt

finish
