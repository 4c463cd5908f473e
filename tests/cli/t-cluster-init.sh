#!/bin/sh
# t-cluster-init.sh: "etcd-pki cluster init": the built-in example on
# stdout, -o FILE (mode, refusal to overwrite), descriptions from
# -initial-cluster/-ips/-dns, from etcd.conf.yml files and -members N, and
# the exit statuses of errors (1) and bad flags (2).
. "${TOP_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/cli/setup.sh"

cd "$T"
E=$ETCD_PKI
Y=$TOP_SRCDIR/tests/data/cluster/yaml
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3 2>/dev/null) || PY=

# run CMD...: stdout in out, stderr in err, status in rc.
run() {
	rc=0
	"$@" >out 2>err || rc=$?
}
# expect NAME RC PATTERN: the last run exited RC and stderr matches PATTERN.
expect() {
	if [ "$rc" = "$2" ] && grep -Eq -- "$3" err; then
		pass "$1"
	else
		fail "$1"
		echo "#   rc=$rc (want $2), stderr:"
		sed 's/^/#   /' err | head -20
	fi
}
# jq_is NAME FILE EXPR WANT: the python expression EXPR on the JSON document
# d of FILE prints WANT.
jq_is() {
	if [ -z "$PY" ]; then
		skip "python3 is not installed"
		return
	fi
	got=$("$PY" -c 'import json, sys
d = json.load(open(sys.argv[1]))
print(eval(sys.argv[2]))' "$2" "$3" 2>&1) || got="error: $got"
	if [ "$got" = "$4" ]; then
		pass "$1"
	else
		fail "$1"
		echo "#   got:  $got"
		echo "#   want: $4"
	fi
}

# ---- the example on stdout ------------------------------------------
run "$E" cluster init
if [ "$rc" = 0 ] && [ ! -s err ] &&
    cmp -s out "$TOP_SRCDIR/tests/data/cluster/valid/example.json"; then
	pass "no arguments: the guide's example on stdout, nothing on stderr"
else
	fail "no arguments: the guide's example on stdout, nothing on stderr"
	echo "#   rc=$rc"
	diff out "$TOP_SRCDIR/tests/data/cluster/valid/example.json" |
	    head -20 | sed 's/^/#   /'
fi
cp out example.json
jq_is "example: three members etcd1..etcd3" example.json \
    '",".join(m["name"] for m in d["members"])' "etcd1,etcd2,etcd3"
jq_is "example: documentation-range IPs" example.json \
    '",".join(m["ips"][0] for m in d["members"])' \
    "192.0.2.11,192.0.2.12,192.0.2.13"
jq_is "example: key order" example.json '",".join(d)' \
    "name,token,ca,key,names,signing,san_policy,local_sans,fragments,data_dir,members,clients"

# ---- -o --------------------------------------------------------------
run "$E" cluster init -o desc.json
if [ "$rc" = 0 ] && [ ! -s out ] && cmp -s desc.json example.json &&
    [ "$(stat -c %a desc.json)" = 644 ]; then
	pass "-o FILE: the same text, mode 0644, nothing on stdout"
else
	fail "-o FILE: the same text, mode 0644, nothing on stdout"
	echo "#   rc=$rc mode=$(stat -c %a desc.json 2>/dev/null)"
fi
echo "keep me" >existing.json
run "$E" cluster init -o existing.json
expect "-o refuses to overwrite a file" 1 \
    "^etcd-pki: cluster init: existing.json: file exists: not overwriting it"
if [ "$(cat existing.json)" = "keep me" ] && [ ! -s out ]; then
	pass "-o: the existing file is untouched"
else
	fail "-o: the existing file is untouched"
fi
ln -s nowhere dangling.json
run "$E" cluster init -o dangling.json
expect "-o refuses a dangling symbolic link" 1 "dangling.json: file exists"
[ ! -e nowhere ] && pass "-o: nothing written through the link" ||
    fail "-o: nothing written through the link"
run "$E" cluster init -o nodir/desc.json
expect "-o into a missing directory: exit 1" 1 "nodir/desc.json"
ls -a | grep -q '^\.desc\|tmp' && fail "-o: no temporary file left" ||
    pass "-o: no temporary file left"

# ---- flags -------------------------------------------------------------
run "$E" cluster init -name prod -token prod-1 -key-algo ecdsa-384 \
    -initial-cluster 'etcd1=https://10.0.0.1:2380,etcd2=https://etcd2.example.com:2380' \
    -ips etcd2=10.0.0.2 -dns etcd1=etcd1.example.com -o flags.json
expect "-initial-cluster -ips -dns: exit 0" 0 "wrote flags.json"
jq_is "-name, -token" flags.json 'd["name"] + " " + d["token"]' "prod prod-1"
jq_is "-key-algo" flags.json 'd["key"]["algo"] + "-" + str(d["key"]["size"])' \
    "ecdsa-384"
jq_is "-initial-cluster: IP and name hosts, -ips, -dns" flags.json \
    '[m.get("dns", []) + m["ips"] for m in d["members"]]' \
    "[['etcd1.example.com', '10.0.0.1'], ['etcd2.example.com', '10.0.0.2']]"
# Flags may follow arguments (interspersed) and use -flag=value.
run "$E" cluster init -initial-cluster='etcd1=https://10.0.0.1:2380' -strict
[ "$rc" = 0 ] && grep -q '"https://10.0.0.1:2380"' out &&
    pass "-flag=value and -strict accepted" ||
    fail "-flag=value and -strict accepted"

run "$E" cluster init -initial-cluster 'etcd1=https://10.0.0.1:2380,etcd2=https://h2:2380'
expect "member without IP: exit 1, names the flag" 1 \
    '^etcd-pki: cluster init: member "etcd2" has no IP address: add one with -ips etcd2=ADDRESS$'
[ ! -s out ] && pass "error: nothing on stdout" ||
    fail "error: nothing on stdout"
run "$E" cluster init -initial-cluster 'etcd1=https://10.0.0.1:2380' -ips etcd9=10.0.0.9
expect "-ips with an unknown member: exit 1" 1 'unknown member "etcd9"'
run "$E" cluster init -key-algo rsa-1024
expect "bad -key-algo: exit 1" 1 'unknown key "rsa-1024"'

# ---- -members ----------------------------------------------------------
run "$E" cluster init -members 3
cp out members.json
[ "$rc" = 0 ] && pass "-members 3: exit 0" || fail "-members 3: exit 0"
jq_is "-members 3: m1..m3 on 127.0.0.x, san_policy own" members.json \
    '" ".join(m["name"] + "=" + m["ips"][0] for m in d["members"]) + " " + d["san_policy"]' \
    "m1=127.0.0.1 m2=127.0.0.2 m3=127.0.0.3 own"
# A bad flag value is a usage error, exit 2, as the man page says (it
# was 1 until issue 17's finding 6).
run "$E" cluster init -members 0
expect "-members 0: exit 2" 2 "-members: 0 is out of range \\(1\\.\\.10000\\)"
run "$E" cluster init -members 10001
expect "-members 10001: exit 2" 2 "-members: 10001 is out of range"
run "$E" cluster issue -members -1 -o neg
expect "cluster issue -members -1: exit 2" 2 "-members: -1 is out of range"
check "... and no directory made" test ! -e neg
run "$E" cluster issue -members 10001 -o big
expect "cluster issue -members 10001: exit 2" 2 "-members: 10001 is out of range"
run "$E" cluster init -members 2 -ips m1=10.0.0.1
expect "-members with -ips: exit 1" 1 "does not go with"

# ---- etcd.conf.yml files -------------------------------------------------
run "$E" cluster init "$Y/etcd1.yml" "$Y/etcd2.yml" "$Y/etcd3.yml"
cp out yaml.json
[ "$rc" = 0 ] && pass "three etcd.conf.yml files: exit 0" ||
    { fail "three etcd.conf.yml files: exit 0"; sed 's/^/#   /' err; }
jq_is "yaml: token and members" yaml.json \
    'd["token"] + " " + ",".join(m["name"] for m in d["members"])' \
    "prod-cluster etcd1,etcd2,etcd3"
jq_is "yaml: etcd1's URLs and data-dir" yaml.json \
    'd["members"][0]["client_urls"] + d["members"][0]["listen_client_urls"] + [d["members"][0]["data_dir"]]' \
    "['https://10.0.0.1:2379', 'https://etcd1.example.internal:2379', 'https://10.0.0.1:2379', 'https://127.0.0.1:2379', '/var/lib/etcd/etcd1']"
run "$E" cluster init "$Y/etcd1.yml" -ips etcd3=10.0.0.3 "$Y/etcd2.yml"
[ "$rc" = 0 ] && grep -q '"10.0.0.3"' out && grep -q '"etcd2"' out &&
    pass "yaml: flags between files" || fail "yaml: flags between files"
run "$E" cluster init "$Y/etcd1.yml" "$Y/etcd2.yml"
expect "yaml: a member without a file and an IP" 1 \
    'member "etcd3" has no IP address: add one with -ips etcd3=ADDRESS'
run "$E" cluster init "$Y/bad-syntax.yml"
expect "yaml syntax error: file:line:column" 1 \
    "bad-syntax\\.yml:3:1: did not find expected ',' or ']'"
run "$E" cluster init "$Y/etcd1.yml" "$Y/other-token.yml"
expect "yaml: files disagree on the token" 1 \
    "other-token\\.yml: initial-cluster-token: differs from .*etcd1\\.yml's"
run "$E" cluster init "$Y/no-such.yml"
expect "yaml: missing file" 1 "no-such\\.yml: No such file or directory"

# ---- bad flags -----------------------------------------------------------
run "$E" cluster init -bogus
expect "unknown flag: exit 2" 2 "flag provided but not defined: -bogus"
run "$E" cluster init -config x.json
expect "flag of another command: exit 2" 2 "flag -config is not used by cluster init"
run "$E" cluster init -members many
expect "non-numeric -members: exit 2" 2 'invalid value "many" for flag -members'
run "$E" cluster init -h
expect "-h: usage, exit 0" 0 "Usage of cluster init"

finish
