#!/bin/sh
# t-opts.sh: the typed flag table (cmd/opts.c).  Every checked flag
# refuses a bad value at parse time, before any work, in its type's one
# message style, with the command's usage status (2; check 3,
# needs-renewal 255) or the flag's own (-members, -key-format: 1); and
# the Go/cfssl spellings of good values still parse.
. "$(dirname "$0")/setup.sh"

E=$ETCD_PKI
cd "$T"
printf '{"CN":"x","key":{"algo":"ecdsa","size":256}}\n' >csr.json

# bad NAME CODE RE CMD...: CMD exits CODE, prints nothing on stdout, and
# its first stderr line matches "^etcd-pki: <cmd>: RE".
bad() {
	_n=$1 _code=$2 _re=$3
	shift 3
	_rc=0
	"$E" "$@" >out 2>err || _rc=$?
	if [ "$_rc" = "$_code" ] && [ ! -s out ] &&
	    head -1 err | grep -Eq -- "$_re"; then
		pass "$_n"
	else
		fail "$_n (exit $_rc)"
		sed 's/^/#   /' err
	fi
}

# Integers: a range, or an open end.
bad "-loglevel 9: out of range, exit 2" 2 \
    '^etcd-pki: gencert: -loglevel: 9 is out of range \(0\.\.5\)$' \
    gencert -loglevel 9 -initca csr.json
bad "-members 0: out of range, exit 2" 2 \
    '^etcd-pki: cluster init: -members: 0 is out of range \(1\.\.10000\)$' \
    cluster init -members 0
bad "-j 0: at least 1, exit 2" 2 \
    '^etcd-pki: cluster issue: -j: 0: must be at least 1$' \
    cluster issue -members 1 -j 0 -o made
bad "-keep -1: not negative, exit 2" 2 \
    '^etcd-pki: renew: -keep: -1: must not be negative$' \
    renew -keep -1 x.pem
bad "-members x: Go's message for a non-integer, exit 2" 2 \
    '^invalid value "x" for flag -members: parse error$' \
    cluster init -members x

# Durations.
bad "-expiry soon: not a duration" 2 \
    '^etcd-pki: cluster issue: -expiry: soon: not a duration \(e\.g\. 90s, 48h\)$' \
    cluster issue -members 1 -expiry soon -o made
bad "-expiry 500ms: at least 1s" 2 \
    '^etcd-pki: ca renew: -expiry: 500ms: must be at least 1s$' \
    ca renew -expiry 500ms -ca a.pem -ca-key a-key.pem
bad "-horizon -1h: not negative" 2 \
    '^etcd-pki: cluster verify: -horizon: -1h: must not be negative$' \
    cluster verify -horizon -1h d.json out
bad "-remote-timeout 0s: at least 1ms, exit 2" 2 \
    '^etcd-pki: gencert: -remote-timeout: 0s: must be at least 1ms$' \
    gencert -remote-timeout 0s -remote 127.0.0.1:1 csr.json
bad "-settle 25h: between 0s and 24h" 2 \
    '^etcd-pki: renew: -settle: 25h: must be between 0s and 24h$' \
    renew -settle 25h x.pem
bad "-lock-ttl 1s: between 5s and 24h" 2 \
    '^etcd-pki: renew: -lock-ttl: 1s: must be between 5s and 24h$' \
    renew -lock-ttl 1s x.pem

# Percentages, and a percentage or a duration.
bad "-stagger 100%: below 100%" 2 \
    '^etcd-pki: status: -stagger: 100%: must be at least 0% and less than 100%$' \
    status -stagger 100% x.pem
bad "-stagger 1h: a percentage only" 2 \
    '^etcd-pki: status: -stagger: 1h: not a percentage \(N%\)$' \
    status -stagger 1h x.pem
bad "-renew-before 0.5s: at least 1s" 2 \
    '^etcd-pki: status: -renew-before: 0\.5s: must be at least 1s$' \
    status -renew-before 0.5s x.pem
bad "check -warning 120%: its usage status 3" 3 \
    '^etcd-pki: check: -warning: 120%: must be between 0% and 100%$' \
    check -warning 120% x.pem
bad "check -critical 1e1%: plain digits only" 3 \
    '^etcd-pki: check: -critical: 1e1%: not a percentage \(N%\)$' \
    check -critical 1e1% x.pem
bad "needs-renewal -expires-in 50.5%: whole, its usage status 255" 255 \
    '^etcd-pki: needs-renewal: -expires-in: 50\.5%: must be a whole percentage$' \
    needs-renewal -expires-in 50.5% x.pem
bad "needs-renewal -expires-in -1h: not negative" 255 \
    '^etcd-pki: needs-renewal: -expires-in: -1h: must not be negative$' \
    needs-renewal -expires-in -1h x.pem

# Enumerations, per-command variants of -o among them.
bad "-key-format der: exit 2" 2 \
    '^etcd-pki: genkey: -key-format: unknown format "der": expected cfssl or pkcs8$' \
    genkey -key-format der csr.json
bad "status -o yaml" 2 \
    '^etcd-pki: status: -o: unknown format "yaml": expected text, json or prometheus$' \
    status -o yaml x.pem
bad "ca status -o yaml: its own variant of -o" 2 \
    '^etcd-pki: ca status: -o: unknown format "yaml": expected text or json$' \
    ca status -o yaml -cluster d.json p
bad "ca status -o prometheus: not one of ca status's formats" 2 \
    '^etcd-pki: ca status: -o: unknown format "prometheus": expected text or json$' \
    ca status -o prometheus -cluster d.json p
bad "ca renew -expiry 500ms: at least 1s" 2 \
    '^etcd-pki: ca renew: -expiry: 500ms: must be' \
    ca renew -expiry 500ms -cluster d.json p
bad "ca status -timeout 2h: the older wording kept" 2 \
    '^etcd-pki: ca status: -timeout: 2h: need a duration from 1ms to 1h' \
    ca status -timeout 2h -cluster d.json p
bad "-layout sideways" 2 \
    '^etcd-pki: renew: -layout: unknown layout "sideways": expected fixed or generations$' \
    renew -layout sideways x.pem
bad "-phase bogus" 2 \
    '^etcd-pki: ca rotate: -phase: unknown phase "bogus": expected add-trust, reissue or drop-old$' \
    ca rotate -phase bogus -cluster d.json p

# Times.
bad "-not-before yesterday" 2 \
    '^etcd-pki: cluster issue: -not-before: yesterday: not an RFC 3339 UTC time' \
    cluster issue -members 1 -not-before yesterday -o made

# A bad value is refused before anything is done or written.
check "a bad value: no output directory was made" test ! -e made

# Go's and cfssl's spellings of good values still parse.
check "-flag=value, --flag value and -bool=true" sh -c \
    "'$E' gencert --loglevel 5 -initca=true -key-format=pkcs8 csr.json >g.json &&
    grep -q 'PRIVATE KEY' g.json"
check "an empty value is the default, as before" sh -c \
    "'$E' genkey -key-format= -loglevel=5 csr.json >k.json &&
    grep -q 'EC PRIVATE KEY' k.json"
check "status -o json is the variant of -o that takes a format" sh -c \
    "'$E' gencert -loglevel 5 -initca -o ca csr.json &&
    '$E' status -o json ca.pem | grep -q '^  \"certificates\": \\['"
check "-not-before takes an RFC 3339 time and -expiry a duration" sh -c \
    "'$E' cluster issue -members 1 -no-sync -expiry 2h \
    -not-before 2030-01-02T03:04:05Z -o fx 2>/dev/null &&
    openssl x509 -noout -startdate -in fx/m1/m1.pem |
    grep -q 'Jan  2 03:04:05 2030 GMT'"

# The path types: schedule makes renew's file flags absolute by them,
# inputs that must exist and outputs (-metrics-file, -record) alike.
check "schedule: file flags made absolute by their type" sh -c \
    "'$E' schedule -- -record rec.jsonl -metrics-file m.prom ca.pem |
    grep -q -- '-metrics-file $T/m.prom -record $T/rec.jsonl $T/ca.pem'"

finish
