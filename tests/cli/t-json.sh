#!/bin/sh
# t-json.sh: -format json of cluster issue, cluster verify, renew,
# needs-renewal, check, cluster inventory, revoke (both forms), gencrl,
# rollback, ca renew and ca rotate on a real cluster directory: each document
# validates against its schema (schemas/, python3-jsonschema), holds the
# run's values, and the exit statuses are those of the text output;
# status, ca status and certinfo take -format as well.  And the progress
# line: on a terminal (util-linux script) a run of more than a second
# rewrites one line on stderr; with stderr a file, or -quiet, none.
. "$(dirname "$0")/setup.sh"

E=$ETCD_PKI
PY=/usr/bin/python3
umask 022
cd "$T"
time_limit 600

[ -x "$PY" ] || skip_all "python3 is not installed"
"$PY" -c 'import jsonschema' 2>/dev/null ||
    skip_all "python3-jsonschema is not installed"

# doc NAME SCHEMA PYEXPR...: $T/out is one document valid against
# schemas/SCHEMA.schema.json, and each PYEXPR (d: the document) is true.
doc() {
	_name=$1
	_schema=$2
	shift 2
	if "$PY" - "$TOP_SRCDIR/schemas/$_schema.schema.json" "$T/out" "$@" \
	    >"$T/py.out" 2>&1 <<'EOF'
import json, sys
import jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.Draft7Validator.check_schema(schema)
text = open(sys.argv[2]).read()
d = json.loads(text)
jsonschema.Draft7Validator(schema).validate(d)
if list(d) != list(schema["properties"]):
    sys.exit("keys %s, not in the schema's order" % list(d))
for e in sys.argv[3:]:
    if not eval(e):
        sys.exit("false: " + e)
EOF
	then
		pass "$_name"
	else
		fail "$_name"
		sed 's/^/#   /' "$T/py.out"
		sed 's/^/#   out: /' "$T/out" | head -30
		sed 's/^/#   err: /' "$T/err" | head -10
	fi
}

"$E" cluster init -members 3 -o desc.json >/dev/null 2>&1

# ---- cluster issue ----------------------------------------------------
run "$E" cluster issue -format json -o pki desc.json
expect "cluster issue -format json exits 0" 0
doc "cluster issue: its document, 3 members and a client new" cluster-issue \
    'd["ok"] and d["error"] is None and d["dir"] == "pki"' \
    'd["counts"] == {"new": 6, "reissued": 0, "updated": 0, "kept": 0}' \
    '[f["path"] for f in d["files"] if f["action"] == "new"][:3] == ["ca.pem", "ca-key.pem", "m1/m1.pem"]' \
    '[f for f in d["files"] if f["path"] == "m2/m2.pem"][0]["subject"] == "m2"' \
    '"127.0.0.2" in [f for f in d["files"] if f["path"] == "m2/m2.pem"][0]["sans"]' \
    'any(f["action"] == "crl" for f in d["files"])'
check "cluster issue -format json: the summary stays on stderr" \
    grep -q "cluster issue: pki: 6 new" "$T/err"
run "$E" cluster issue -format json -o pki desc.json
doc "cluster issue again: everything kept" cluster-issue \
    'd["counts"]["kept"] == 4 and d["counts"]["new"] == 0'
run "$E" cluster issue -o pki desc.json
expect "cluster issue -format text (the default) prints its lines" 0 \
    '^kept +m1/m1.pem'
check "... and no JSON" sh -c '! grep -q "\"version\"" "$1"' sh "$T/out"
printf '{"members": [' >bad.json
run "$E" cluster issue -format json -o pki2 bad.json
expect "cluster issue: a description that cannot be read, exit 1" 1
check "... prints no document" test ! -s "$T/out"

# ---- cluster verify ---------------------------------------------------
run "$E" cluster verify -format json desc.json pki
expect "cluster verify -format json: no problems, exit 0" 0
doc "cluster verify: ok, no problems" cluster-verify \
    'd["ok"] and d["problems"] == []'
chmod 0644 pki/m2/m2-key.pem
run "$E" cluster verify -format json desc.json pki
expect "cluster verify -format json: a key readable by others, exit 1" 1 \
    '1 problem'
doc "cluster verify: the problem, with its path" cluster-verify \
    'not d["ok"]' \
    'd["problems"][0]["path"] == "m2/m2-key.pem"' \
    'd["problems"][0]["problem"].startswith("mode 0644")'
chmod 0600 pki/m2/m2-key.pem

# ---- renew -----------------------------------------------------------
run "$E" renew -format json -cluster desc.json pki
expect "renew -format json: nothing due, exit 0" 0
doc "renew: every set not due" renew \
    'd["outcome"] == "ok" and d["exit"] == 0 and not d["dry_run"]' \
    '[s["name"] for s in d["sets"]] == ["m1", "m2", "m3", "admin"]' \
    'all(s["state"] == "not-due" and s["due"] is False for s in d["sets"])' \
    'any(m["set"] == "m1" and m["kind"] == "info" and m["text"].startswith("not due") for m in d["messages"])'
serial=$(openssl x509 -in pki/m2/m2.pem -noout -serial | sed 's/serial=//')
run "$E" renew -format json -force -cluster desc.json -member m2 pki
expect "renew -format json -force -member m2: renewed, exit 10" 10
doc "renew: m2 renewed, its serials and generation" renew \
    'd["outcome"] == "changed" and d["exit"] == 10' \
    'len(d["sets"]) == 1 and d["sets"][0]["state"] == "renewed"' \
    "int(d['sets'][0]['serial']) == int('$serial', 16)" \
    'd["sets"][0]["new_serial"] not in (None, d["sets"][0]["serial"])' \
    'd["sets"][0]["generation"].startswith("gen/")' \
    'any(m["kind"] == "result" and m["text"].startswith("renewed: serial") for m in d["messages"])'
new=$(openssl x509 -in pki/m2/m2.pem -noout -serial | sed 's/serial=//')
check "renew: the document's new serial is the certificate's" "$PY" -c "
import json, sys
d = json.load(open('$T/out'))
sys.exit(int(d['sets'][0]['new_serial']) != int('$new', 16))"
run "$E" renew -format json -dry-run -force -cluster desc.json -member m1 pki
expect "renew -format json -dry-run: exit 10" 10
doc "renew -dry-run: would-renew" renew \
    'd["dry_run"] and d["sets"][0]["state"] == "would-renew"'
run "$E" renew -format json -cluster desc.json nosuchdir
expect "renew -format json on a missing directory: exit 1" 1
check "... a document with outcome failed, or none" sh -c \
    '! test -s "$1" || grep -q "\"outcome\": \"failed\"" "$1"' sh "$T/out"

# ---- needs-renewal ---------------------------------------------------
run "$E" needs-renewal -format json pki/m1/m1.pem
expect "needs-renewal -format json: not due, exit 1" 1
doc "needs-renewal: not due" needs-renewal \
    'd["verdict"] == "not-due" and d["exit"] == 1' \
    'd["certificates"][0]["target"] == "pki/m1/m1.pem"' \
    'd["certificates"][0]["expired"] is False and d["certificates"][0]["why"]'
run "$E" needs-renewal -format json -expires-in 0% pki/m1/m1.pem nosuch.pem
expect "needs-renewal -format json: due and missing, exit 2" 2
doc "needs-renewal: each target's state" needs-renewal \
    'd["verdict"] == "missing" and d["exit"] == 2' \
    '[c["state"] for c in d["certificates"]] == ["due", "missing"]' \
    'd["certificates"][1]["percent_used"] is None'
run "$E" needs-renewal -format json -expires-in 0% pki/m1/m1.pem
expect "needs-renewal -format json: due, exit 0" 0
doc "needs-renewal: due" needs-renewal 'd["verdict"] == "due"'

# ---- check -------------------------------------------------------------
run "$E" check -format json -cluster desc.json pki
expect "check -format json: OK, exit 0" 0
doc "check: OK with perfdata" check \
    'd["state"] == "OK" and d["exit"] == 0' \
    '"m1_seconds_left" in d["perfdata"]'
run "$E" check -format json -warning 100% pki/m1/m1.pem
expect "check -format json -warning 100%: WARNING, exit 1" 1
doc "check: WARNING" check 'd["state"] == "WARNING" and d["exit"] == 1'
run "$E" check -format json nosuch.pem
expect "check -format json: a missing file is CRITICAL, exit 2" 2
doc "check: CRITICAL" check 'd["state"] == "CRITICAL"'
run "$E" check -format json -cluster bad.json pki
expect "check -format json: an unreadable description is UNKNOWN, exit 3" 3
doc "check: UNKNOWN" check 'd["state"] == "UNKNOWN" and d["perfdata"] is None'

# ---- status, ca status, certinfo -------------------------------------
run "$E" status -format json pki/m1
expect "status -format json" 0 '"certificates": \['
"$E" status -o json pki/m1 >o.json 2>/dev/null
# The same document but for the clock's fields.
check "status -format json is status -o json" sh -c \
    'x="generated\|seconds_left\|percent_used"; grep -v "$x" "$1" >a &&
     grep -v "$x" o.json >b && cmp -s a b' sh "$T/out"
run "$E" status -format prometheus pki/m1
expect "status -format prometheus" 0 '^etcd_pki_'
run "$E" ca status -format json -cluster desc.json -timeout 100ms pki
expect "ca status -format json" 1 '"version": 1'
run "$E" certinfo -format json -cert pki/ca.pem
expect "certinfo -format json" 0 '"subject"'
run "$E" certinfo -format text -cert pki/ca.pem
expect "certinfo -format text is refused: its output is JSON" 2 \
    'expected json'
run "$E" gencert -format json -initca /dev/null
expect "-format is refused where it has no meaning" 2 \
    'not used by gencert'

# ---- cluster inventory, revoke, gencrl ---------------------------------
run "$E" cluster inventory -format json pki
expect "cluster inventory -format json" 0
doc "cluster inventory: every certificate, all good" cluster-inventory \
    'd["dir"] == "pki" and d["member"] is None' \
    '[c["kind"] for c in d["certificates"]][:2] == ["ca", "member"]' \
    'all(c["status"] == "good" and c["revoked_at"] is None for c in d["certificates"])' \
    '"IP:127.0.0.2" in [c for c in d["certificates"] if c["name"] == "m2"][0]["sans"]'
s3=$(openssl x509 -in pki/m3/m3.pem -noout -serial | sed 's/serial=//')
run "$E" revoke -format json -reason superseded -cluster desc.json pki m3
expect "revoke -cluster -format json: exit 0" 0
doc "revoke -cluster: m3, superseded, changed, the messages" revoke \
    'd["target"] == "m3" and d["reason"] == "superseded"' \
    'd["outcome"] == "changed" and d["exit"] == 0' \
    'any(m["set"] == "m3" and m["kind"] == "result" for m in d["messages"])'
check "... and no text on stdout besides" sh -c \
    '! grep -q "^m3: " "$1"' sh "$T/out"
run "$E" revoke -format json -cluster desc.json pki m3
doc "revoke -cluster again: nothing left to revoke, ok, no reason given" \
    revoke 'd["outcome"] == "ok" and d["exit"] == 0 and d["reason"] is None'
run "$E" revoke -format json -cluster desc.json pki nosuch
expect "revoke -cluster of an unknown name: exit 1" 1
doc "revoke -cluster: refused" revoke \
    'd["outcome"] == "refused" and d["exit"] == 1'
run "$E" cluster inventory -format json -member m3 pki
doc "cluster inventory -member m3: revoked, with date and reason" \
    cluster-inventory 'd["member"] == "m3"' \
    'len(d["certificates"]) == 1 and d["certificates"][0]["status"] == "revoked"' \
    'd["certificates"][0]["reason"] == "superseded" and d["certificates"][0]["revoked_at"]' \
    "int(d['certificates'][0]['serial']) == int('$s3', 16)"
cp pki/inventory.db db.db
echo '{"driver": "sqlite3", "data_source": "db.db"}' >db.json
s2=$(openssl x509 -in pki/m2/m2.pem -noout -serial | sed 's/serial=//')
s2=$("$PY" -c "print(int('$s2', 16))")
aki=$(openssl x509 -in pki/m2/m2.pem -noout -ext authorityKeyIdentifier |
    sed -n 's/^ *//; s/://g; 2p')
run "$E" revoke -format json -db-config db.json -serial "$s2" -aki "$aki"
expect "revoke -db-config -format json: exit 0" 0
doc "revoke -db-config: the serial, unspecified, changed" revoke \
    "d['target'] == '$s2' and d['reason'] == 'unspecified'" \
    'd["outcome"] == "changed" and d["messages"] == []'
run "$E" revoke -format json -db-config db.json -serial 1 -aki "$aki"
expect "revoke -db-config -format json: not found, exit 1" 1 \
    'certificate not found'
doc "revoke -db-config: failed" revoke \
    'd["outcome"] == "failed" and d["exit"] == 1'
run "$E" revoke -db-config db.json -serial "$s2" -aki "$aki"
expect "revoke -db-config without -format: silent, as cfssl" 0
check "... nothing on stdout" test ! -s "$T/out"
printf '123\n456\n' >serials
run "$E" gencrl -format json serials pki/ca.pem pki/ca-key.pem 3600
expect "gencrl -format json" 0
doc "gencrl: the entries, dates an hour apart, no CRL number" gencrl \
    '[e["serial"] for e in d["entries"]] == ["123", "456"]' \
    'd["number"] is None and d["issuer"] == "CN=fixtures CA"' \
    'd["this_update"] < d["next_update"] and d["entries"][0]["reason"] is None'
"$PY" -c "import base64, json; open('crl.der', 'wb').write(
    base64.b64decode(json.load(open('$T/out'))['der']))"
check "... its der is the CRL, signed by the CA" sh -c \
    'openssl crl -inform DER -in crl.der -CAfile pki/ca.pem -noout 2>&1 |
     grep -q "verify OK"'
run "$E" gencrl serials pki/ca.pem pki/ca-key.pem 3600
expect "gencrl without -format: one line of base64, as cfssl" 0 \
    '^[A-Za-z0-9+/=]*$'

# ---- rollback, ca renew, ca rotate, cluster init -------------------------
"$E" renew -force -cluster desc.json -member m1 pki >/dev/null 2>&1 || :
run "$E" rollback -format json -cluster desc.json -member m1 pki
expect "rollback -format json: exit 0" 0
doc "rollback: ok, to null, the result message" rollback \
    'd["outcome"] == "ok" and d["exit"] == 0 and d["to"] is None' \
    'any(m["set"] == "m1" and m["text"].startswith("rolled back") for m in d["messages"])'
run "$E" rollback -format json -cluster desc.json -member m1 -to nosuch pki
expect "rollback -to an unknown generation: refused, exit 3" 3
doc "rollback -to: refused, the generation asked for, the error" rollback \
    'd["outcome"] == "refused" and d["to"] == "nosuch"' \
    'd["messages"][-1]["kind"] == "error"'
run "$E" rollback -format json -to x pki/m1/m1.pem pki/m2/m2.pem
expect "rollback -to with two sets: a usage error, no document" 2
check "... none" test ! -s "$T/out"
run "$E" ca renew -format json -cluster desc.json pki
expect "ca renew -format json: exit 0" 0
doc "ca renew: changed, the CA and its copies" ca-renew \
    'd["ca"] == "pki/ca.pem" and d["out"] is None' \
    'd["outcome"] == "changed" and d["exit"] == 0' \
    'any(m["text"].startswith("renewed: serial") for m in d["messages"])'
cp -R pki rot
run "$E" ca rotate -format json -phase add-trust -restart none \
    -cluster desc.json rot
expect "ca rotate -format json -phase add-trust: changed, exit 10" 10
doc "ca rotate: phase, restart, messages" ca-rotate \
    'd["phase"] == "add-trust" and d["restart"] == "none"' \
    'd["outcome"] == "changed" and d["exit"] == 10' \
    'any(m["set"] == "rot/ca-next.pem" for m in d["messages"])'
run "$E" ca rotate -format json -phase drop-old -restart none \
    -cluster desc.json rot
expect "ca rotate -phase drop-old too early: exit 3" 3
doc "ca rotate: refused" ca-rotate 'd["outcome"] == "refused"'
run "$E" cluster init -format json -members 1
expect "cluster init -format json: the description, as ever" 0 '"members"'
run "$E" cluster init -format text -members 1
expect "cluster init -format text: refused, its output is JSON" 2

# ---- member and client -------------------------------------------------
run "$E" client add -format json -cluster desc.json pki jsonc
expect "client add -format json: exit 0" 0
doc "client add: its document, the client named, the new set reported" \
    member 'd["command"] == "client add" and d["name"] == "jsonc"' \
    'd["exit"] == 0 and any("jsonc" in m["text"] for m in d["messages"])'
run "$E" client remove -format json -cluster desc.json pki jsonc
expect "client remove -format json: exit 0" 0
doc "client remove: its document" member \
    'd["command"] == "client remove" and d["name"] == "jsonc" and d["exit"] == 0'
run "$E" member remove -format json -cluster desc.json pki nosuch
expect "member remove of an unknown member: refused" 3
doc "member remove: refused, the error in the document" member \
    'd["command"] == "member remove" and d["outcome"] == "refused"' \
    'd["messages"][-1]["kind"] == "error"'

run "$E" cluster export -format json -member m2 -o m2.tar desc.json pki
expect "cluster export -format json -o FILE: exit 0" 0
doc "cluster export: its document, the member's host paths, the manifest last" \
    cluster-export 'd["name"] == "m2" and d["kind"] == "member" and d["out"] == "m2.tar"' \
    '"/etc/etcd/pki/m2-key.pem" in d["paths"] and d["paths"][-1].endswith("m2-export.sha256")'
run "$E" cluster export -format json -member m2 desc.json pki
expect "cluster export -format json without -o: a usage error" 2 'with -o FILE'

# ---- the progress line ------------------------------------------------
# pline FILE PREFIX TOTAL: FILE holds "\rPREFIX N/TOTAL (P%)".
pline() {
	grep -aq "$(printf '\r')$2 [0-9]*/$3 ([0-9]*%)" "$1"
}
if need_cmd script; then
	# Over a second on any machine: RSA-3072 keys on one thread.
	big="-members 8 -key-algo rsa-3072 -j 1 -no-sync -o big"
	script -qfc "'$E' cluster issue $big >/dev/null" /dev/null \
	    >tty.out 2>&1 </dev/null || :
	check "cluster issue on a terminal: an updating progress line" \
	    pline tty.out "cluster issue: leaves" 9
	check "... rewritten in place: carriage return, clear to end of line" \
	    grep -aq "$(printf '\033')\[K" tty.out
	check "... counts done of the total, with rate and ETA" \
	    grep -aEq "leaves [1-9]/9 \([0-9]+%\)  [0-9.]+/s  ETA [0-9]" \
	    tty.out
	check "... erased before the summary line" \
	    grep -aq "$(printf '\r\033')\[Ketcd-pki: cluster issue: big: 11 new" \
	    tty.out
	rm -rf big
	"$E" cluster issue $big >/dev/null 2>big.err
	check "stderr a file: no progress line" sh -c \
	    '! grep -aq "leaves\|$(printf "\r")" big.err'
	check "... the summary only" grep -q "big: 11 new" big.err
	rm -rf big
	script -qfc "'$E' cluster issue -quiet $big >/dev/null" /dev/null \
	    >tty2.out 2>&1 </dev/null || :
	check "-quiet on a terminal: no progress line" sh -c \
	    '! grep -aq "leaves" tty2.out && grep -q "big: 11 new" tty2.out'
	rm -rf big
	script -qfc "'$E' cluster issue $big" /dev/null >tty4.out 2>&1 \
	    </dev/null || :
	check "stdout on the terminal too: the line erased before the first" \
	    grep -aq "$(printf '\r\033')\[Knew  *ca.pem" tty4.out
	check "... and no issue line written after the progress text" sh -c \
	    '! grep -aq "ETA [0-9a-z]*$(printf "\033")\[Knew" tty4.out'
	# renew of many sets (cluster mode): a deploy hook of 0.1 s per set
	# makes the run last over a second.
	"$E" cluster init -members 15 -o many.json >/dev/null 2>&1
	"$E" cluster issue -no-sync -o many many.json >/dev/null 2>&1
	renew="renew -force -no-sync -deploy-hook 'sleep 0.1' -cluster many.json"
	script -qfc "'$E' $renew many >/dev/null" /dev/null >tty3.out 2>&1 \
	    </dev/null || :
	check "renew -cluster of 16 sets on a terminal: a progress line" \
	    pline tty3.out "renew: sets" 16
	check "... up to 16/16" grep -aq "renew: sets 16/16 (100%)" tty3.out
	check "... and the renewals on stdout are not in it" sh -c \
	    '! grep -aq "renewed: serial" tty3.out'
	sh -c "'$E' $renew many >/dev/null 2>many.err" || :
	check "renew with stderr a file: no progress line" sh -c \
	    '! grep -aq "renew: sets" many.err'
	# Errors and warnings on stderr while the line is up erase it first:
	# a failing deploy hook reports each set while the line is shown.
	bad="renew -force -no-sync -deploy-hook 'sh -c \"sleep 0.1; exit 3\"'"
	script -qfc "'$E' $bad -cluster many.json many >/dev/null" /dev/null \
	    >tty5.out 2>&1 </dev/null || :
	check "a hook failing while the line is up: the errors and the line" \
	    sh -c 'grep -aq "deploy hook failed" "$1" &&
	    grep -aq "renew: sets" "$1"' sh tty5.out
	check "... each message starts its own line, the line erased first" \
	    "$PY" "$TOP_SRCDIR/tests/cli/linestart.py" tty5.out
else
	skip "util-linux script is not installed"
fi

finish
