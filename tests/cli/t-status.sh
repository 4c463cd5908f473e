#!/bin/sh
# t-status.sh: status (text, json, prometheus, -metrics-file),
# needs-renewal (every exit code, https:// against openssl s_server) and
# check (every Nagios state and the perfdata), on certificates made with
# short, backdated lifetimes so that every state is reached without
# waiting; the cluster's CRL in each of them.
. "$(dirname "$0")/setup.sh"

E=$ETCD_PKI
PY=/usr/bin/python3
umask 022
cd "$T"
time_limit 300

# run and expect: setup.sh's.
# row NAME REGEX: a line of the last stdout matches.
has() {
	if grep -Eq -- "$2" "$T/out"; then
		pass "$1"
	else
		fail "$1"
		diag "no line matching /$2/"
		sed 's/^/#   out: /' "$T/out" | head -30
	fi
}

# ---- fixtures ---------------------------------------------------------
run "$E" cluster init -members 3 -o desc.json
expect "cluster init for the fixtures" 0
# half-way (50% used, not due), 80% used (due), expired.
"$E" cluster issue -expiry 100h -not-before -50h -o half desc.json \
    >/dev/null 2>&1
"$E" cluster issue -expiry 100h -not-before -80h -o late desc.json \
    >/dev/null 2>&1
"$E" cluster issue -expiry 10h -not-before -20h -o old desc.json \
    >/dev/null 2>&1

# A set with drift: m1 of "half" with a CSR JSON asking for other names.
mkdir drift
cp half/m1/m1.pem half/m1/m1-key.pem drift/
cat >drift/m1-csr.json <<'EOF'
{"CN":"m1-renamed","hosts":["localhost","127.0.0.1","m1.example"],
 "key":{"algo":"ecdsa","size":256}}
EOF
# A set whose key belongs to another certificate.
mkdir mism
cp half/m1/m1.pem mism/
cp half/m2/m2-key.pem mism/m1-key.pem

# CAs shorter than their leaves, for the two warnings.
cat >ca-short.json <<'EOF'
{"CN":"short CA","key":{"algo":"ecdsa","size":256},"ca":{"expiry":"10h"}}
EOF
cat >ca-mid.json <<'EOF'
{"CN":"mid CA","key":{"algo":"ecdsa","size":256},"ca":{"expiry":"80h"}}
EOF
cat >cfg.json <<'EOF'
{"signing":{"default":{"expiry":"100h","usages":["signing","key encipherment","server auth","client auth"]}}}
EOF
cat >leaf.json <<'EOF'
{"CN":"leaf","hosts":["leaf.example"],"key":{"algo":"ecdsa","size":256}}
EOF
for k in short mid; do
	mkdir "w$k"
	(cd "w$k" && "$E" gencert -initca ../ca-$k.json 2>/dev/null |
	    "$E" json -bare ca &&
	    "$E" gencert -ca ca.pem -ca-key ca-key.pem -config ../cfg.json \
	    ../leaf.json 2>/dev/null | "$E" json -bare leaf) >/dev/null 2>&1
done
[ -f wshort/leaf.pem ] && [ -f wmid/leaf.pem ] &&
    pass "gencert fixtures for the CA warnings" ||
    fail "gencert fixtures for the CA warnings"

# ---- status: text -----------------------------------------------------
run "$E" status -cluster desc.json half
expect "status -cluster: exit 0" 0
has "status: header" '^NAME +PATH +NOT AFTER +LEFT +USED +RENEW AT +ISSUER +KEY +DRIFT$'
has "status: leaf row with every column" \
    '^m1 +half/m1/m1\.pem +20[0-9-]+T[0-9:]+Z +(1d|2d) +(49|50)% +20[0-9-]+T[0-9:]+Z +fixtures CA +match +none$'
has "status: client row" '^admin +half/clients/admin/admin\.pem '
has "status: CA table" '^ca +half/ca\.pem +20[0-9-]+T[0-9:]+Z +36[0-9]{2}d$'
has "status: CRL table" \
    '^NAME +PATH +THIS UPDATE +NEXT UPDATE +LEFT +USED +RENEW AT +NUMBER +REVOKED$'
has "status: CRL row: its age and expiry as a certificate's" \
    '^crl +half/crl\.der +20[0-9-]+T[0-9:]+Z +20[0-9-]+T[0-9:]+Z +(29d|30d) +0% +20[0-9-]+T[0-9:]+Z +1 +0$'
run "$E" status -cluster desc.json -member m2 half
expect "status -member: one leaf" 0
[ "$(grep -c '^m[0-9] ' "$T/out")" -eq 1 ] && grep -q '^m2 ' "$T/out" &&
    pass "status -member restricts to m2" ||
    fail "status -member restricts to m2"
run "$E" status -cluster desc.json -member nosuch half
expect "status -member unknown: error" 1 'nosuch: no such member'

run "$E" status drift
expect "status DIR: exit 0" 0
has "status: drift column" ' match +\+DNS:m1\.example -IP:::1 subject$'
run "$E" status mism half/m3
expect "status: key mismatch reads fine" 0
has "status: KEY MISMATCH" '^m1 +mism/m1\.pem .* MISMATCH +no csr json$'
has "status: no csr json" '^m3 +half/m3/m3\.pem .* match +no csr json$'
run "$E" status half/m1/m1.pem nothere/x.pem
expect "status: a missing certificate: exit 1" 1 'nothere/x\.pem: missing'
has "status: !MISSING! row" '^!MISSING! x +nothere/x\.pem'
echo garbage >junk.pem
run "$E" status junk.pem
expect "status: unreadable certificate: exit 1" 1 'junk\.pem'
has "status: !UNREADABLE! row" '^!UNREADABLE! junk +junk\.pem'
run "$E" status old/m1/m1.pem
expect "status: expired leaf" 0
has "status: <expired> and >100% used" '<expired> +(19[0-9]|20[0-9])% '

run "$E" status wshort
expect "status: short CA" 0
has "status: warning, CA expires before the next renewal" \
    '^warning: CA wshort/ca\.pem expires 20[0-9T:Z-]+, before leaf would next be renewed \(20[0-9T:Z-]+\)$'
run "$E" status wmid
has "status: warning, CA expires before a renewal would expire" \
    '^warning: CA wmid/ca\.pem expires [0-9T:Z-]+, before a renewal of leaf at [0-9T:Z-]+ would expire \([0-9T:Z-]+\)$'
[ "$(grep -c '^warning:' "$T/out")" -eq 1 ] &&
    pass "status: one warning per leaf" || fail "status: one warning per leaf"
run "$E" status half
if grep -q '^warning' "$T/out"; then
	fail "status: no warning with a long CA"
else
	pass "status: no warning with a long CA"
fi

# ---- status: json -----------------------------------------------------
run "$E" status -o json -cluster desc.json half
expect "status -o json: exit 0" 0
cp "$T/out" half.json
run "$E" status -o json drift mism late/m1/m1.pem old/m1 wshort
cp "$T/out" mixed.json
if "$PY" - half.json mixed.json >"$T/py" 2>&1 <<'EOF'
import json, sys, datetime
def ts(s):
    return datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=datetime.timezone.utc).timestamp()
h = json.load(open(sys.argv[1]))
assert list(h) == ["version", "generated", "certificates", "cas", "locks",
    "crl", "warnings"], list(h)
assert h["version"] == 1
now = ts(h["generated"])
names = [c["name"] for c in h["certificates"]]
assert names == ["m1", "m2", "m3", "admin"], names
for c in h["certificates"]:
    assert list(c) == ["name", "path", "serial", "subject", "issuer",
        "not_before", "not_after", "seconds_left", "percent_used",
        "renew_at", "due", "key", "sans", "drift", "generation",
        "error"], list(c)
    nb, na = ts(c["not_before"]), ts(c["not_after"])
    want = (now - nb) / (na - nb) * 100
    assert abs(c["percent_used"] - want) <= 1, (c["percent_used"], want)
    assert abs(c["seconds_left"] - (na - now)) <= 1
    assert c["due"] is False and c["key"] == "match"
    assert c["drift"] == {"add": [], "remove": [], "subject": False}
    assert c["generation"] is None and c["error"] is None
    ra = ts(c["renew_at"])
    # 1/3 left, up to 5% earlier
    assert na - (1/3 + 0.05) * (na - nb) - 1 <= ra <= na - (na - nb) / 3
assert h["certificates"][0]["sans"] == ["DNS:localhost", "IP:127.0.0.1", "IP:::1"], h["certificates"][0]["sans"]
assert h["certificates"][0]["subject"] == "CN=m1"
assert h["certificates"][0]["issuer"] == "CN=fixtures CA"
assert len(h["cas"]) == 1 and h["cas"][0]["name"] == "ca"
assert list(h["cas"][0]) == ["name", "path", "serial", "subject", "not_after", "seconds_left", "error"]
assert h["warnings"] == []
assert h["locks"] and all(list(k) == ["dir", "busy_runs", "busy_since"] and
    k["busy_runs"] == 0 and k["busy_since"] is None for k in h["locks"]), h["locks"]
c = h["crl"]
assert list(c) == ["path", "number", "issuer", "this_update", "next_update",
    "age_seconds", "seconds_left", "percent_used", "renew_at", "due",
    "revoked", "recorded_revoked", "verified", "lists_every_revocation",
    "error"], list(c)
tu, nu = ts(c["this_update"]), ts(c["next_update"])
assert c["path"] == "half/crl.der" and c["number"] == "1"
assert c["issuer"] == "CN=fixtures CA" and nu - tu == 720 * 3600
assert abs(c["seconds_left"] - (nu - now)) <= 1 and c["age_seconds"] >= 0
assert c["revoked"] == 0 and c["recorded_revoked"] == 0 and c["due"] is False
assert c["verified"] is True and c["lists_every_revocation"] is True
assert nu - (1/3 + 0.05) * (nu - tu) - 1 <= ts(c["renew_at"]) <= nu - (nu - tu) / 3
m = json.load(open(sys.argv[2]))
assert m["crl"] is None, m["crl"]
by = {(c["path"]): c for c in m["certificates"]}
d = by["drift/m1.pem"]["drift"]
assert d == {"add": ["DNS:m1.example"], "remove": ["IP:::1"], "subject": True}, d
assert by["mism/m1.pem"]["key"] == "mismatch"
assert by["mism/m1.pem"]["drift"] is None
assert by["late/m1/m1.pem"]["due"] is True
assert 79 <= by["late/m1/m1.pem"]["percent_used"] <= 81
assert by["old/m1/m1.pem"]["seconds_left"] < 0 and by["old/m1/m1.pem"]["due"] is True
assert len(m["warnings"]) == 1 and "before leaf would next be renewed" in m["warnings"][0]
print("ok")
EOF
then
	pass "status -o json: values checked with python3"
else
	fail "status -o json: values checked with python3"
	sed 's/^/#   /' "$T/py"
fi

# ---- status: prometheus and -metrics-file ----------------------------
run "$E" status -o prometheus -cluster desc.json half
expect "status -o prometheus: exit 0" 0
for m in certificate_expiration_timestamp_seconds \
    certificate_renewal_timestamp_seconds \
    certificate_not_before_timestamp_seconds ca_expiration_timestamp_seconds; do
	grep -q "^# HELP etcd_pki_$m " "$T/out" &&
	    grep -q "^# TYPE etcd_pki_$m gauge$" "$T/out" &&
	    pass "prometheus: HELP and TYPE of $m" ||
	    fail "prometheus: HELP and TYPE of $m"
done
na=$("$PY" -c 'import json,sys,datetime
c=json.load(open(sys.argv[1]))["certificates"][0]
print(int(datetime.datetime.strptime(c["not_after"],"%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc).timestamp()))' half.json)
has "prometheus: m1 expiration value" \
    "^etcd_pki_certificate_expiration_timestamp_seconds\\{name=\"m1\",path=\"half/m1/m1\\.pem\"\\} $na\$"
has "prometheus: CA sample" \
    '^etcd_pki_ca_expiration_timestamp_seconds\{name="ca",path="half/ca\.pem"\} [0-9]+$'
nu=$("$PY" -c 'import json,sys,datetime
c=json.load(open(sys.argv[1]))["crl"]
print(int(datetime.datetime.strptime(c["next_update"],"%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc).timestamp()))' half.json)
has "prometheus: the CRL's next update" \
    "^etcd_pki_crl_next_update_timestamp_seconds\\{path=\"half/crl\\.der\"\\} $nu\$"
has "prometheus: the CRL's renewal time and revoked count" \
    '^etcd_pki_crl_renewal_timestamp_seconds\{path="half/crl\.der"\} [0-9]+$'
if grep -q last_run "$T/out"; then
	fail "prometheus on stdout has no last-run gauges"
else
	pass "prometheus on stdout has no last-run gauges"
fi
mkdir prom
run "$E" status -metrics-file prom/etcd.prom -cluster desc.json half
expect "status -metrics-file: exit 0" 0
[ "$(ls -A prom)" = etcd.prom ] && pass "-metrics-file: no temporary file left" ||
    fail "-metrics-file: no temporary file left ($(ls -A prom))"
[ "$(stat -c %a prom/etcd.prom)" = 644 ] && pass "-metrics-file: mode 0644" ||
    fail "-metrics-file: mode 0644 ($(stat -c %a prom/etcd.prom))"
grep -q '^etcd_pki_last_run_exit_code{command="status"} 0$' prom/etcd.prom &&
    grep -Eq '^etcd_pki_last_run_timestamp_seconds\{command="status"\} [0-9]{10}$' prom/etcd.prom &&
    grep -q "^etcd_pki_certificate_expiration_timestamp_seconds{name=\"m1\",path=\"half/m1/m1.pem\"} $na\$" prom/etcd.prom &&
    pass "-metrics-file: samples and last-run gauges" ||
    fail "-metrics-file: samples and last-run gauges"
run "$E" status -metrics-file prom/etcd.prom half/m1/m1.pem nothere.pem
grep -q '^etcd_pki_last_run_exit_code{command="status"} 1$' prom/etcd.prom &&
    pass "-metrics-file: exit code 1 recorded" ||
    fail "-metrics-file: exit code 1 recorded"
run "$E" status -o yaml half
expect "status -o yaml: usage error 2" 2 'expected text, json or prometheus'
run "$E" status -renew-before 150% half
expect "status -renew-before 150%: usage error naming it" 2 \
    '-renew-before: 150%: must be between 0% and 100%'
run "$E" status
expect "status without arguments: usage 2" 2

# ---- needs-renewal ----------------------------------------------------
run "$E" needs-renewal half/m1/m1.pem
expect "needs-renewal: 50% used: 1 (not due)" 1
run "$E" needs-renewal late/m1/m1.pem
expect "needs-renewal: 80% used: 0 (due)" 0
run "$E" needs-renewal old/m1/m1.pem
expect "needs-renewal: expired: 0" 0
run "$E" needs-renewal nothere.pem
expect "needs-renewal: missing file: 2" 2
run "$E" needs-renewal junk.pem
expect "needs-renewal: not a certificate: 255" 255
run "$E" needs-renewal -nosuchflag half/m1/m1.pem
expect "needs-renewal: usage error: 255" 255
run "$E" needs-renewal
expect "needs-renewal: no target: 255" 255
run "$E" needs-renewal -expires-in 50% half/m1/m1.pem
expect "needs-renewal -expires-in 50% at 50.x% used: 0" 0
run "$E" needs-renewal -expires-in 51% half/m1/m1.pem
expect "needs-renewal -expires-in 51% at 50.x% used: 1" 1
run "$E" needs-renewal -expires-in 0% half/m1/m1.pem
expect "needs-renewal -expires-in 0%: 0" 0
run "$E" needs-renewal -expires-in 100% late/m1/m1.pem
expect "needs-renewal -expires-in 100% at 80%: 1" 1
run "$E" needs-renewal -expires-in 101% late/m1/m1.pem
expect "needs-renewal -expires-in 101%: 255" 255
run "$E" needs-renewal -expires-in 0s old/m1/m1.pem
expect "needs-renewal -expires-in 0s on an expired certificate: 0" 0
run "$E" needs-renewal -expires-in 0s half/m1/m1.pem
expect "needs-renewal -expires-in 0s on a valid one: 1" 1
run "$E" needs-renewal -expires-in 60h half/m1/m1.pem
expect "needs-renewal -expires-in 60h with 50h left: 0" 0
run "$E" needs-renewal -expires-in 40h half/m1/m1.pem
expect "needs-renewal -expires-in 40h with 50h left: 1" 1
run "$E" needs-renewal -renew-before 55% half/m1/m1.pem
expect "needs-renewal -renew-before 55% at 50% left: 0" 0
run "$E" needs-renewal -renew-before 33% -stagger 0% half/m1/m1.pem
expect "needs-renewal -renew-before 33% -stagger 0%: 1" 1
run "$E" needs-renewal -renew-before 45h -stagger 0% half/m1/m1.pem
expect "needs-renewal -renew-before 45h with 50h left: 1" 1
run "$E" needs-renewal -renew-before 100h half/m1/m1.pem
expect "needs-renewal -renew-before = lifetime: 255" 255 'not shorter than'
run "$E" needs-renewal -renew-before 33% -expires-in 50% half/m1/m1.pem
expect "needs-renewal -renew-before with -expires-in: 255" 255
run "$E" needs-renewal -stagger 100% half/m1/m1.pem
expect "needs-renewal -stagger 100%: 255" 255 '-stagger'
run "$E" needs-renewal half/m1/m1.pem late/m1/m1.pem
expect "needs-renewal: several, one due: 0" 0
run "$E" needs-renewal late/m1/m1.pem nothere.pem
expect "needs-renewal: due and missing: 2" 2
run "$E" needs-renewal nothere.pem junk.pem
expect "needs-renewal: missing and error: 255" 255
run "$E" needs-renewal -verbose half/m1/m1.pem late/m1/m1.pem old/m1/m1.pem
expect "needs-renewal -verbose: exit 0" 0
has "-verbose: not due line" \
    '^half/m1/m1\.pem: not due: (49|50)% of the lifetime used \(renew at 20[0-9-]+T[0-9:]+Z\)$'
has "-verbose: due line" \
    '^late/m1/m1\.pem: due: (79|80)% of the lifetime used \(renew at 20[0-9-]+T[0-9:]+Z\)$'
has "-verbose: expired line" '^old/m1/m1\.pem: due: expired 20[0-9-]+T[0-9:]+Z$'
# renew's arithmetic: needs-renewal and status agree on RENEW AT.
run "$E" status -o json -renew-before 40% -stagger 7% half/m2/m2.pem
s_at=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["certificates"][0]["renew_at"])' "$T/out")
run "$E" needs-renewal -verbose -renew-before 40% -stagger 7% half/m2/m2.pem
has "needs-renewal and status give the same renewal time" "renew at $s_at\\)\$"

# ---- needs-renewal https:// -----------------------------------------
if need_cmd openssl && need_cmd timeout; then
	port=$(free_port)
	timeout 120 openssl s_server -quiet -cert late/m1/m1.pem \
	    -key late/m1/m1-key.pem -accept "127.0.0.1:$port" \
	    </dev/null >/dev/null 2>&1 &
	bg_pid $!
	port2=$(free_port)
	timeout 120 openssl s_server -quiet -cert half/m2/m2.pem \
	    -key half/m2/m2-key.pem -Verify 1 -CAfile half/ca.pem \
	    -accept "127.0.0.1:$port2" </dev/null >/dev/null 2>&1 &
	bg_pid $!
	wait_for 10 sh -c "ss -Hltn 'sport = :$port' | grep -q . &&
	    ss -Hltn 'sport = :$port2' | grep -q ." || diag "s_server slow"
	run "$E" needs-renewal -verbose "https://127.0.0.1:$port"
	expect "needs-renewal https:// (80% used): 0" 0 \
	    "^https://127\\.0\\.0\\.1:$port: due: (79|80)%"
	run "$E" needs-renewal -verbose "https://127.0.0.1:$port2"
	expect "needs-renewal https:// requiring a client certificate: 1" 1 \
	    "^https://127\\.0\\.0\\.1:$port2: not due: (49|50)%"
	run "$E" needs-renewal -expires-in 40% "https://127.0.0.1:$port2/health"
	expect "needs-renewal https://HOST:PORT/path, -expires-in 40%: 0" 0
	refused=$(free_port)
	run "$E" needs-renewal "https://127.0.0.1:$refused"
	expect "needs-renewal: refused port: 255" 255 \
	    "127\\.0\\.0\\.1:$refused: connect: Connection refused"
	run "$E" needs-renewal "https://[::1"
	expect "needs-renewal: malformed URL: 255" 255 'expected https://HOST:PORT'
else
	for i in 1 2 3 4 5; do skip "openssl or timeout not installed"; done
fi

# ---- check ------------------------------------------------------------
run "$E" check -cluster desc.json half
expect "check: OK exit 0" 0 \
    '^ETCD-PKI OK - 5 certificates, soonest (m1|m2|m3|admin) expires in [12]d \(20[0-9-]+T[0-9:]+Z\) \| '
has "check: perfdata per certificate" \
    "'m1_seconds_left'=[0-9]+s;72000;36000;0;360000 'm2_seconds_left'=[0-9]+s;72000;36000;0;360000 .*'ca_seconds_left'=[0-9]+s;[0-9]+;[0-9]+;0;[0-9]+( |\$)"
has "check: the CRL's perfdata, last" \
    "'crl_seconds_left'=[0-9]+s;518400;259200;0;2592000\$"
run "$E" check -warning 60% -cluster desc.json half
expect "check -warning 60%: WARNING exit 1" 1 \
    '^ETCD-PKI WARNING - m1 expires in [12]d \(20[0-9T:Z-]+\), m2 expires in'
has "check -warning 60%: thresholds in seconds" "'m1_seconds_left'=[0-9]+s;216000;36000;0;360000"
run "$E" check -warning 70h -critical 60h half/m1
expect "check -critical 60h: CRITICAL exit 2" 2 \
    "^ETCD-PKI CRITICAL - m1 expires in [12]d .*'m1_seconds_left'=[0-9]+s;252000;216000;0;360000\$"
run "$E" check -cluster desc.json old
expect "check: expired: CRITICAL" 2 '^ETCD-PKI CRITICAL - m1: expired 20[0-9-]+T[0-9:]+Z, m2: expired'
run "$E" check half/m1/m1.pem nothere.pem
expect "check: missing: CRITICAL" 2 '^ETCD-PKI CRITICAL - nothere: missing'
run "$E" check mism
expect "check: key mismatch: CRITICAL" 2 'm1: key does not match'
run "$E" check half/m1/m1.pem junk.pem
expect "check: unreadable: UNKNOWN exit 3" 3 '^ETCD-PKI UNKNOWN - junk: '
# The CRL: a revocation the inventory records but no CRL lists yet
# (cfssl revoke -db-config, say); no CRL at all.
cp -a half crlx
"$PY" -c 'import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("UPDATE certificates SET status = \x27revoked\x27, reason = 1, "
    "revoked_at = CURRENT_TIMESTAMP WHERE common_name = \x27admin\x27")
db.commit()' crlx/inventory.db
run "$E" check -cluster desc.json crlx
expect "check: a revocation no CRL lists: CRITICAL" 2 \
    'crl: lists 0 revoked, the inventory records 1'
run "$E" status -cluster desc.json crlx
has "status: warns that the CRL lacks a revocation" \
    '^warning: crlx/crl\.der: lists 0 revoked certificates, the inventory records 1 '
rm -f crlx/crl.der
run "$E" status -cluster desc.json crlx
expect "status: the CRL missing: exit 1, row" 1 '^!MISSING! crl +crlx/crl\.der'
run "$E" check -cluster desc.json crlx
expect "check: the CRL missing: CRITICAL" 2 'crl: missing \(crlx/crl\.der\)'
run "$E" check -nosuchflag half
expect "check: usage error: 3" 3
run "$E" check -warning abc half
expect "check -warning abc: 3" 3 '-warning: abc'
run "$E" check
expect "check without arguments: 3" 3

finish
