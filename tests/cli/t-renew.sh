#!/bin/sh
# t-renew.sh: renew and rollback on real files: every exit code, the
# threshold, drift refusal, the generations layout and -keep, rollback,
# the fixed layout with .bak files, -rekey with its restart rules, hooks
# and their environment, the lock (two concurrent runs), -dry-run, and
# cluster mode.  Lifetimes are short and backdated: nothing sleeps.
. "$(dirname "$0")/setup.sh"
. "$(dirname "$0")/certfn.sh"

plan 136

cd "$T" || exit 1
E=$ETCD_PKI
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
export TMPDIR="$T/tmp"
mkdir -p "$TMPDIR"

ngens() { find "$1/gen" -mindepth 1 -maxdepth 1 -type d ! -name '.*' | wc -l; }
# run NAME ARGS...: runs etcd-pki, keeping stdout, stderr and the status.
# q ARGS...: etcd-pki, whatever its exit status.
q() { "$E" "$@" >/dev/null 2>&1 || :; }

# ---- a CA, a profile, one member set as the guide's cfssl lines make it
cat >ca-csr.json <<'EOF'
{"CN": "Test CA", "key": {"algo": "ecdsa", "size": 256}}
EOF
cat >config.json <<'EOF'
{"signing": {"profiles": {
  "peer": {"expiry": "2h", "usages": ["signing", "key encipherment",
           "server auth", "client auth"]},
  "short": {"expiry": "1h", "usages": ["signing", "key encipherment",
           "server auth", "client auth"]},
  "server": {"expiry": "4h", "usages": ["signing", "key encipherment",
           "server auth"]}}}}
EOF
cat >etcd1-csr.json <<'EOF'
{"CN": "etcd1", "hosts": ["etcd1.test", "127.0.0.1"],
 "key": {"algo": "ecdsa", "size": 256}}
EOF
"$E" gencert -initca -o ca ca-csr.json 2>/dev/null
mkset() {
	rm -rf "$1"
	mkdir "$1"
	cp etcd1-csr.json "$1/"
	"$E" gencert -ca ca.pem -ca-key ca-key.pem -config config.json \
	    -profile peer -o "$1/etcd1" "$1/etcd1-csr.json" 2>/dev/null
	cp ca.pem "$1/ca.pem"
}
SIGN="-ca ca.pem -ca-key ca-key.pem -config config.json -profile peer"
mkset m
s0=$(serial m/etcd1.pem)
k0=$(keyspki m/etcd1-key.pem)

# ---- not due: exit 0, nothing touched
run nd renew $SIGN m/etcd1.pem
check "a new certificate is not due: exit 0" test "$rc" = 0
check "not due: says when it renews" has nd.out "etcd1.pem: not due: renews at 20"
check "not due: no generation made" test ! -e m/current
run q renew -quiet $SIGN m/etcd1.pem
check "-quiet prints nothing when nothing is due" test "$rc" = 0 -a ! -s q.out

run mt renew -metrics-file "$T/renew.prom" $SIGN m/etcd1.pem
check "-metrics-file: the run's exit status" has renew.prom '^etcd_pki_last_run_exit_code{command="renew"} 0$'
check "-metrics-file: the certificate's expiry" has renew.prom '^etcd_pki_certificate_expiration_timestamp_seconds{name="etcd1",path="m/etcd1.pem"} [0-9]'
# status and renew share one textfile: each replaces only its own series.
cp m/etcd1.pem other.pem
"$E" status -metrics-file "$T/renew.prom" other.pem >/dev/null
check "-metrics-file shared with status: renew's run metrics kept" \
    has renew.prom '^etcd_pki_last_run_exit_code{command="renew"} 0$'
check "... status's added" \
    has renew.prom '^etcd_pki_last_run_exit_code{command="status"} 0$'
check "... renew's certificate kept beside status's" sh -c \
    "grep -q 'path=\"m/etcd1.pem\"' renew.prom && grep -q 'path=\"other.pem\"' renew.prom"
check "... one TYPE line per family" sh -c \
    "test \$(grep -c '^# TYPE etcd_pki_last_run_exit_code ' renew.prom) = 1"
rm other.pem
run mt2 renew -metrics-file "$T/renew.prom" $SIGN m/etcd1.pem
check "... a certificate file that is gone leaves the textfile" sh -c \
    "! grep -q 'other.pem' renew.prom && grep -q 'command=\"status\"' renew.prom"

# ---- -force: 10, converted to generations, key kept
run f1 renew -force $SIGN m/etcd1.pem
check "-force renews: exit 10" test "$rc" = 10
check "renewed: says serial old -> new" has f1.out "renewed: serial .* -> .*, not after"
check "converted: DIR/current is a link into gen/" \
    sh -c 'test -L m/current && readlink m/current | grep -q "^gen/20[0-9]\{6\}T[0-9]\{6\}\.[0-9]\{6\}Z-[0-9a-f]*$"'
check "converted: etcd1.pem is a link through current" \
    sh -c 'test "$(readlink m/etcd1.pem)" = current/etcd1.pem'
check "converted: the key and CSR too" \
    sh -c 'test "$(readlink m/etcd1-key.pem)" = current/etcd1-key.pem -a "$(readlink m/etcd1.csr)" = current/etcd1.csr'
check "converted: two generations (the original and the renewal)" test "$(ngens m)" = 2
check "the serial changed" test "$(serial m/etcd1.pem)" != "$s0"
check "the key is kept by default" test "$(keyspki m/etcd1-key.pem)" = "$k0"
check "the new pair matches" test "$(spki m/etcd1.pem)" = "$k0"
check "the key stays 0600" test "$(mode m/etcd1-key.pem)" = 600
check "the new certificate verifies against the CA" openssl verify -CAfile ca.pem m/etcd1.pem
check "the SANs are kept" test "$(sans m/etcd1.pem)" = "DNS:etcd1.test,IPAddress:127.0.0.1"
check "meta.json names the serial" "$PY" -c '
import json, sys
m = json.load(open("m/current/meta.json"))
sys.exit(0 if int(m["serial_hex"], 16) == int(sys.argv[1], 16) and m["name"] == "etcd1" else 1)' "$(serial m/etcd1.pem)"
check "the first generation holds the original certificate" \
    sh -c "for g in m/gen/*/; do openssl x509 -noout -serial -in \$g/etcd1.pem; done | grep -q '=$s0\$'"
check "no temporary file or directory left" \
    sh -c '! find m -name "*.tmp*" -o -name ".tmp*" | grep -q .'

# A conversion killed after "current" was made, before etcd1.pem became a
# link: the file is still a plain copy.  The next run finishes the job.
cp --remove-destination "m/$(readlink m/current)/etcd1.pem" m/etcd1.pem
run hc renew -force $SIGN m/etcd1.pem
check "an interrupted conversion is finished by the next run: exit 10" test "$rc" = 10
check "... etcd1.pem is a link through current again" \
    sh -c 'test "$(readlink m/etcd1.pem)" = current/etcd1.pem'

# ---- due by the threshold (no -force): -renew-before 99% of the lifetime
s1=$(serial m/etcd1.pem)
run t1 renew -renew-before 99% $SIGN m/etcd1.pem
check "-renew-before 99%: due at once: exit 10" test "$rc" = 10
run t2 renew -renew-before 30m -stagger 0% $SIGN m/etcd1.pem
check "-renew-before 30m of a 2h certificate: not due: exit 0" test "$rc" = 0
run t3 renew -renew-before 3h $SIGN m/etcd1.pem
check "-renew-before longer than the lifetime: exit 3" test "$rc" = 3
check "... says so" has t3.err "not shorter than the certificate.s lifetime"
run t4 renew -renew-before 150% $SIGN m/etcd1.pem
check "-renew-before 150%: usage error" test "$rc" = 2

# ---- -keep
for i in 1 2 3 4; do q renew -force -keep 2 $SIGN m/etcd1.pem; done
check "-keep 2: current and two older generations" test "$(ngens m)" = 3
run k0 renew -force -keep 0 $SIGN m/etcd1.pem
check "-keep 0: only current" test "$(ngens m)" = 1
check "-keep 0: says what it removed" has k0.out "removed 3 old generations (-keep 0)"

# ---- rollback
q renew -force $SIGN m/etcd1.pem
sa=$(serial m/etcd1.pem)
ga=$(readlink m/current)
q renew -force $SIGN m/etcd1.pem
sb=$(serial m/etcd1.pem)
run rb rollback m/etcd1.pem
check "rollback: exit 0" test "$rc" = 0
check "rollback: current is the previous generation" test "$(readlink m/current)" = "$ga"
check "rollback: the previous serial is served" test "$(serial m/etcd1.pem)" = "$sa"
check "rollback: says from and to" has rb.out "rolled back: gen/.* (serial .*) -> $ga"
run rb2 rollback -to "$(ls m/gen | tail -n 1)" m/etcd1.pem
check "rollback -to the newest generation: exit 0" test "$rc" = 0 -a "$(serial m/etcd1.pem)" = "$sb"
run rb3 rollback -to nosuch m/etcd1.pem
check "rollback -to an unknown generation: exit 3" test "$rc" = 3
q renew -force -keep 0 $SIGN m/etcd1.pem
run rb4 rollback m/etcd1.pem
check "rollback with no older generation: exit 3" rcis 3 rb4.err "no generation before"

# ---- drift
mkset d
sed 's/"etcd1.test"/"etcd1.test", "etcd1.new.test"/' etcd1-csr.json >d/etcd1-csr.json
ds=$(serial d/etcd1.pem)
run dr renew -force $SIGN d/etcd1.pem
check "SANs added in the CSR JSON: refused, exit 3" test "$rc" = 3
check "... with the diff" has dr.err "differs from the certificate: +DNS:etcd1.new.test"
check "... nothing changed" test "$(serial d/etcd1.pem)" = "$ds" -a ! -e d/current
sed 's/"127.0.0.1"/"127.0.0.2"/; s/"CN": "etcd1"/"CN": "etcd-one"/' etcd1-csr.json >d/etcd1-csr.json
run dr2 renew -force $SIGN d/etcd1.pem
check "an IP changed and the CN: the diff names both" \
    sh -c 'grep -q "+IP:127.0.0.2 -IP:127.0.0.1 subject CN=etcd-one" dr2.err'
run dr3 renew -force -allow-san-change $SIGN d/etcd1.pem
check "-allow-san-change: reissued, exit 10" test "$rc" = 10
check "... with the CSR JSON's SANs" test "$(sans d/etcd1.pem)" = "DNS:etcd1.test,IPAddress:127.0.0.2"
check "... and subject" sh -c 'openssl x509 -noout -subject -in d/etcd1.pem | grep -q "CN *= *etcd-one"'

# ---- preconditions and errors
mkset p
rm p/etcd1-csr.json
run p1 renew -force $SIGN p/etcd1.pem
check "no CSR JSON: exit 3" rcis 3 p1.err "no CSR JSON"
run p2 renew -force $SIGN -csr-json etcd1-csr.json p/etcd1.pem
check "-csr-json FILE: renewed" test "$rc" = 10
cp etcd1-csr.json p/
run p3 renew -force $SIGN p/nosuch.pem
check "a missing certificate: exit 3" rcis 3 p3.err "nosuch.pem: missing"
run p4 renew -force -ca ca.pem -ca-key p/etcd1-key.pem p/etcd1.pem
check "a CA key that does not match: exit 1" test "$rc" = 1
run p5 renew -force -ca ca.pem -ca-key ca-key.pem -config config.json -profile server p/etcd1.pem
check "a profile that drops client auth: refused before activation, exit 3" test "$rc" = 3
check "... names the usage" has p5.err 'drops the extended key usage "client auth"'
sp=$(serial p/etcd1.pem)
run p6 renew -renew-before 99% -ca ca.pem -ca-key ca-key.pem -config config.json -profile short p/etcd1.pem
check "a renewal that would expire earlier: exit 3" rcis 3 p6.err "earlier than the current one"
check "... current untouched" test "$(serial p/etcd1.pem)" = "$sp"
cat >other-csr.json <<'EOF'
{"CN": "Other CA", "key": {"algo": "ecdsa", "size": 256}}
EOF
"$E" gencert -initca -o other other-csr.json 2>/dev/null
run p7 renew -force -ca other.pem -ca-key other-key.pem -config config.json -profile peer p/etcd1.pem
check "signed by a CA the member does not trust (its ca.pem): exit 3" rcis 3 p7.err "does not verify against"
check "... current untouched" test "$(serial p/etcd1.pem)" = "$sp"

# ---- usage errors
run u1 renew $SIGN
check "no certificate: exit 2" test "$rc" = 2
run u2 renew -restart bogus $SIGN m/etcd1.pem
check "-restart bogus: exit 2" test "$rc" = 2
run u3 renew -rekey $SIGN m/etcd1.pem
check "-rekey without a restart: exit 2" rcis 2 u3.err "rekey needs -restart-cmd"
run u4 renew -rekey -restart none -restart-cmd true $SIGN m/etcd1.pem
check "-restart none with -restart-cmd: exit 2" test "$rc" = 2
run u5 renew -keep -1 $SIGN m/etcd1.pem
check "-keep -1: exit 2" test "$rc" = 2
run u6 renew -rekey -layout fixed -restart-cmd true $SIGN m/etcd1.pem
check "-rekey -layout fixed without -stop-cmd/-start-cmd: exit 2" test "$rc" = 2
run u7 renew -pre-hook "echo 'unterminated" $SIGN m/etcd1.pem
check "an unterminated quote in a hook: exit 2" rcis 2 u7.err "unterminated ' quote"
run u8 renew $SIGN m/etcd1-key.pem
check "a key path instead of a certificate: exit 2" test "$rc" = 2
run u9 renew -layout sideways $SIGN m/etcd1.pem
check "-layout sideways: exit 2" test "$rc" = 2

# ---- hooks
mkset h
cat >hook.sh <<'EOF'
#!/bin/sh
{ echo "$1"; env | grep '^ETCD_PKI_' | sort; } >>"$HOOKLOG"
exit "${HOOKRC:-0}"
EOF
chmod +x hook.sh
export HOOKLOG="$T/hook.log"
hs=$(serial h/etcd1.pem)
run h1 renew -force -pre-hook "$T/hook.sh pre" -deploy-hook "$T/hook.sh deploy" \
    -post-hook "$T/hook.sh post" $SIGN h/etcd1.pem
check "hooks: renewed, exit 10" test "$rc" = 10
check "hooks ran in order pre, deploy, post" \
    sh -c 'grep -x "pre\|deploy\|post" hook.log | tr "\n" " " | grep -qx "pre deploy post "'
check "pre hook: ETCD_PKI_DUE" has hook.log "^ETCD_PKI_DUE=etcd1$"
# decimal SERIAL_FILE: the serial of a certificate in decimal.
decimal() { "$PY" -c 'import sys; print(int(sys.argv[1], 16))' "$(serial "$1")"; }
check "deploy hook: the member" has hook.log "^ETCD_PKI_MEMBER=etcd1$"
check "deploy hook: the old serial" has hook.log "^ETCD_PKI_OLD_SERIAL=$("$PY" -c 'import sys; print(int(sys.argv[1], 16))' "$hs")$"
check "deploy hook: the new serial is the one served" has hook.log "^ETCD_PKI_NEW_SERIAL=$(decimal h/etcd1.pem)$"
check "deploy hook: the generation" has hook.log "^ETCD_PKI_GENERATION=gen/"
check "post hook: renewed list and exit code" \
    sh -c 'grep -q "^ETCD_PKI_RENEWED=etcd1$" hook.log && grep -q "^ETCD_PKI_EXIT=10$" hook.log && grep -q "^ETCD_PKI_FAILED=$" hook.log'
: >hook.log
run h2 renew -pre-hook "$T/hook.sh pre" -post-hook "$T/hook.sh post" $SIGN h/etcd1.pem
check "nothing due: no hook runs" test "$rc" = 0 -a ! -s hook.log
hs=$(serial h/etcd1.pem)
run h3 renew -force -pre-hook "sh -c 'exit 7'" -post-hook "$T/hook.sh post" $SIGN h/etcd1.pem
check "a failing pre hook: exit 3" test "$rc" = 3
check "... nothing renewed" test "$(serial h/etcd1.pem)" = "$hs"
check "... the post hook still runs, with the failure" \
    sh -c 'grep -q "^ETCD_PKI_FAILED=etcd1$" hook.log && grep -q "^ETCD_PKI_EXIT=3$" hook.log'
: >hook.log
sed 's/"etcd1.test"/"x.test"/' etcd1-csr.json >h/etcd1-csr.json
run h4 renew -force -post-hook "$T/hook.sh post" $SIGN h/etcd1.pem
check "drift refused: the post hook runs with FAILED and EXIT=3" \
    rcis 3 hook.log "^ETCD_PKI_FAILED=etcd1$"
: >hook.log
run h4b renew -force -pre-hook "$T/hook.sh pre" $SIGN h/etcd1.pem
check "drift refused: no pre hook (no renewal is attempted)" test "$rc" = 3 -a ! -s hook.log
cp etcd1-csr.json h/etcd1-csr.json
run h5 renew -force -deploy-hook "$T/hook.sh deploy" -post-hook "/nonexistent/hook" $SIGN h/etcd1.pem
check "a post hook that cannot run: reported" has h5.err "post-hook"
check "a hook with a quoted argument reaches it whole" \
    sh -c "'$E' renew -force -deploy-hook \"sh -c 'echo \\\"\\\$0\\\" >$T/argv' 'two words'\" $SIGN h/etcd1.pem >/dev/null 2>&1; test \"\$(cat $T/argv)\" = 'two words'"

# ---- the lock
mkset l
rc=0
flock l/.etcd-pki.lock "$E" renew -force $SIGN l/etcd1.pem >l1.out 2>l1.err || rc=$?
check "the lock held by another process: exit 75 at once" test "$rc" = 75
check "... says deferred" has l1.err "deferred: .*another etcd-pki run holds"
check "... nothing renewed" test ! -e l/current
: >race.log
for i in 1 2; do
	( r=0; "$E" renew -force -pre-hook "sleep 1" $SIGN l/etcd1.pem >/dev/null 2>&1 || r=$?; echo $r >>race.log ) &
done
wait
check "two concurrent runs: exactly one renews (10), the other exits 75" \
    test "$(sort race.log | tr '\n' ' ')" = "10 75 "
check "... and one generation was added" test "$(ngens l)" = 2

# ---- -dry-run
mkset y
ys=$(serial y/etcd1.pem)
listing() { find y ! -name .etcd-pki.lock -printf '%p %s %m %i\n' | sort | sha256sum; }
q renew $SIGN y/etcd1.pem
before=$(listing)
run y1 renew -force -dry-run -deploy-hook "$T/hook.sh deploy" $SIGN y/etcd1.pem
check "-dry-run: exit 10 (would renew)" test "$rc" = 10
check "-dry-run: says so" has y1.out "would renew: serial .* (dry run: nothing changed)"
check "-dry-run: nothing changed in the directory" test "$(listing)" = "$before"
check "-dry-run: no scratch directory left" sh -c '! ls "$TMPDIR" | grep -q dry-run'

# ---- the fixed layout
mkset x
xs=$(serial x/etcd1.pem)
cp x/etcd1.pem x.orig
run x1 renew -force -layout fixed $SIGN x/etcd1.pem
check "-layout fixed: exit 10" test "$rc" = 10
check "-layout fixed: plain files, no current" test ! -L x/etcd1.pem -a ! -e x/current
check "-layout fixed: the previous certificate in etcd1.pem.bak" cmp -s x/etcd1.pem.bak x.orig
check "-layout fixed: new serial" test "$(serial x/etcd1.pem)" != "$xs"
check "-layout fixed: key unchanged, no key .bak" test ! -e x/etcd1-key.pem.bak -a "$(spki x/etcd1.pem)" = "$(keyspki x/etcd1-key.pem)"
run x2 rollback x/etcd1.pem
check "rollback in the fixed layout restores the .bak" test "$rc" = 0 -a "$(serial x/etcd1.pem)" = "$xs"
run x3 renew -force -layout fixed -rekey -stop-cmd "sh -c 'echo stop >>$T/svc.log'" \
    -start-cmd "sh -c 'echo start >>$T/svc.log'" $SIGN x/etcd1.pem
check "-layout fixed -rekey with stop and start: exit 10" test "$rc" = 10
check "... stop then start ran" test "$(tr '\n' ' ' <svc.log)" = "stop start "
check "... a new key, matching, 0600" \
    sh -c 'test "$(spki x/etcd1.pem)" = "$(keyspki x/etcd1-key.pem)" -a "$(stat -c %a x/etcd1-key.pem)" = 600'
check "... the old key in etcd1-key.pem.bak, 0600" test "$(mode x/etcd1-key.pem.bak)" = 600
run x4 rollback x/etcd1.pem
check "rollback of a rekey without -restart-cmd: refused, exit 3" test "$rc" = 3
run x5 rollback -restart-cmd true x/etcd1.pem
check "rollback -restart-cmd: exit 0, the old pair back" \
    sh -c 'test "$0" = 0 && test "$(openssl x509 -noout -serial -in x/etcd1.pem)" = "serial=$1"' "$rc" "$xs"
run x6 renew -force -layout fixed $SIGN m/etcd1.pem
check "-layout fixed on a generations directory: exit 3" test "$rc" = 3

# ---- -rekey in the generations layout
mkset r
rk=$(keyspki r/etcd1-key.pem)
run r1 renew -force -rekey -restart-cmd "sh -c 'echo restarted >>$T/restart.log'" $SIGN r/etcd1.pem
check "-rekey -restart-cmd: exit 10" test "$rc" = 10
check "... a new key" test "$(keyspki r/etcd1-key.pem)" != "$rk"
check "... matching its certificate" test "$(spki r/etcd1.pem)" = "$(keyspki r/etcd1-key.pem)"
check "... the key file 0600 in the generation" test "$(stat -c %a "r/$(readlink r/current)/etcd1-key.pem")" = 600
check "... the restart command ran once" test "$(cat restart.log)" = restarted
run r2 rollback r/etcd1.pem
check "rollback to another key without -restart-cmd: exit 3" rcis 3 r2.err "another key"
run r3 rollback -force r/etcd1.pem
check "rollback -force: exit 0, the old key back" test "$rc" = 0 -a "$(keyspki r/etcd1-key.pem)" = "$rk"
run r4 renew -force -restart-cmd false $SIGN r/etcd1.pem
check "a failing -restart-cmd: exit 1" rcis 1 r4.err "restart-cmd failed"

# ---- cluster mode
cat >desc.json <<'EOF'
{"name": "t-renew", "key": {"algo": "ecdsa", "size": 256},
 "members": [
  {"name": "etcd1", "ips": ["127.0.0.1"], "peer_urls": ["https://127.0.0.1:12380"],
   "client_urls": ["https://127.0.0.1:12379"]},
  {"name": "etcd2", "ips": ["127.0.0.1"], "peer_urls": ["https://127.0.0.1:22380"],
   "client_urls": ["https://127.0.0.1:22379"]},
  {"name": "etcd3", "ips": ["127.0.0.1"], "peer_urls": ["https://127.0.0.1:32380"],
   "client_urls": ["https://127.0.0.1:32379"]}]}
EOF
# 3 h certificates issued 2 h 30 min ago: 1/6 of the lifetime left, due.
"$E" cluster issue -expiry 3h -not-before -2h30m desc.json -o c >/dev/null 2>&1
c2=$(serial c/etcd2/etcd2.pem)
run c1 renew -cluster desc.json -member etcd1 c
check "cluster mode, due by age: exit 10" test "$rc" = 10
check "-member: only etcd1 renewed" test -L c/etcd1/current -a ! -e c/etcd2/current -a "$(serial c/etcd2/etcd2.pem)" = "$c2"
check "cluster mode: the renewal has the description's profile lifetime (not -expiry's 3h)" \
    sh -c 'test "$(openssl x509 -noout -checkend 86400 -in c/etcd1/etcd1.pem >/dev/null; echo $?)" = 0'
run c3 cluster verify desc.json c
check "cluster verify reads etcd1 through its links: no problem with it" \
    sh -c '! grep -q "c/etcd1/" c3.out && grep -q "c/etcd2/etcd2.pem: due for renewal since .* (expires in " c3.out'
run c4 renew -cluster desc.json c
check "cluster mode, all: the others renewed (exit 10)" test "$rc" = 10
check "... etcd1 (just renewed) not due" has c4.out "etcd1: not due"
check "... the client too" test -L c/clients/admin/current
run c5 renew -cluster desc.json -member nosuch c
check "-member nosuch: exit 2" test "$rc" = 2
rc=0
flock c/.etcd-pki.lock "$E" renew -cluster desc.json c >c6.out 2>c6.err || rc=$?
check "cluster mode takes DIR's lock (the one cluster issue takes): 75" test "$rc" = 75
# -restart rolling: the flags, and a cluster that cannot be reached.
# Without -cluster (issue 14: from a node) it needs etcdctl's settings.
unset ETCDCTL_ENDPOINTS ETCDCTL_CACERT ETCDCTL_CERT ETCDCTL_KEY
run r1 renew -restart rolling $SIGN m/etcd1.pem
check "-restart rolling without -cluster or ETCDCTL_*: exit 2" rcis 2 r1.err \
    "without -cluster reaches the cluster as etcdctl does on this node: set ETCDCTL_ENDPOINTS"
run r2 renew -restart rolling -gate-timeout 2m -lock-ttl 1m -cluster desc.json -member etcd1 c
check "-lock-ttl not longer than -gate-timeout: exit 2" rcis 2 r2.err "must be longer than -gate-timeout"
run r3 renew -gate-timeout 1m -cluster desc.json c
check "-gate-timeout without -restart rolling: exit 2" rcis 2 r3.err "are for -restart rolling"
run r4 renew -restart rolling -layout fixed -cluster desc.json c
check "-restart rolling -layout fixed: exit 2" rcis 2 r4.err "does not work with -layout fixed"
run r5 renew -restart rolling -gate-timeout 0.5s -cluster desc.json c
check "-gate-timeout below 1s: exit 2" rcis 2 r5.err "must be between"
run r7 renew -restart rolling -max-lag -1 -cluster desc.json c
check "-max-lag -1: exit 2" rcis 2 r7.err "max-lag: -1: must not be negative"
run r8 renew -max-lag 10 -cluster desc.json c
check "-max-lag without -restart rolling: exit 2" rcis 2 r8.err "are for -restart rolling"
cur=$(readlink c/etcd2/current)
ng=$(ls c/etcd2/gen | wc -l)
run r6 renew -restart rolling -force -restart-cmd false -cluster desc.json -member etcd2 c
check "-restart rolling, no member reachable: exit 3, nothing changed" \
    sh -c "test $rc = 3 && test \"\$(readlink c/etcd2/current)\" = '$cur'"
check "... it says the cluster cannot be reached" has r6.err "cannot be reached"
check "... and removed the staged generation" \
    sh -c "test \$(ls c/etcd2/gen | wc -l) = $ng"
run c7 cluster issue desc.json -o c
check "cluster issue after renewals: exit 0 (kept)" test "$rc" = 0
check "... and the generations layout is intact" \
    sh -c 'test -L c/etcd1/etcd1.pem -a -L c/etcd1/current'

finish
