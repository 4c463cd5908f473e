#!/bin/sh
# t-hosts.sh: the setup guide's deployment on three hosts and a CA host
# (issue 14, item 6), each host in its own network and mount namespace
# (hosts.sh), so the guide's absolute paths work unchanged on each:
#
# - the CA host runs the real "cfssl serve" with an auth key; no node ever
#   holds the CA key;
# - each node follows the guide: its CSR JSON listing every node's names
#   and IPs, "cfssl gencert -config=request-config.json -profile=peer
#   etcdN-csr.json | cfssljson -bare etcdN" through etcd-pki's cfssl and
#   cfssljson links, "chown -R etcd:etcd /etc/etcd", etcd started as user
#   etcd from /etc/etcd/etcd.conf.yml, /etc/profile.d/etcdctl.sh;
# - under a client load from a fifth host, the three nodes run the same
#   renew command at the same moment, with -restart rolling reaching the
#   cluster through the node's etcdctl settings (/etc/profile.d/etcdctl.sh):
#   one takes the cluster's lock in etcd, the others are deferred (75) and
#   their timers' next runs, a second later here, take their turns.
#
# Reported (diag): each node's new serial on both ports, key owners and
# modes, CA keys on nodes, max members down at once, failed requests,
# longest unavailability; a second run exits 0 and restarts nothing.
. "$(dirname "$0")/setup.sh"
. "$(dirname "$0")/hosts.sh"

PY=/usr/bin/python3
for c in cfssl etcd etcdctl openssl "$PY"; do
	need_cmd "$c" || skip_all "$c not installed (golang-cfssl, etcd-server, etcd-client, openssl, python3)"
done
id etcd >/dev/null 2>&1 || skip_all "no user etcd (the etcd-server package creates it)"
[ -d /var/lib/etcd ] || skip_all "no /var/lib/etcd (the etcd-server package creates it)"
hosts_init || skip_all "network namespaces unavailable: $hosts_why"
plan 25

: "${BG_GRACE:=3}"
time_limit "${T_HOSTS_LIMIT:-420}"
cd "$T" || exit 1
E=$ETCD_PKI
CTL=$TOP_SRCDIR/tests/cli/member-ctl.sh
KEY=00112233445566778899AABBCCDDEEFF
# etcd-pki's cfssl and cfssljson links, first in the nodes' PATH.
mkdir bin
ln -s "$E" bin/cfssl
ln -s "$E" bin/cfssljson
NODE_PATH=$T/bin:/usr/sbin:/usr/bin:/sbin:/bin

host_add ca 192.0.2.10
for n in 1 2 3; do
	host_add "n$n" "192.0.2.1$n"
done
host_add cl 192.0.2.20
check "five hosts, each in its own namespaces" \
    sh -c "ip netns list | grep -c '^$HP-' | grep -qx 6 && ! ip link show | grep -q 'v-n1'"

# ---- the CA host: the real cfssl, its own CA, cfssl serve ---------------
cat >ca-csr.json <<'EOF2'
{"CN": "etcd guide CA", "key": {"algo": "ecdsa", "size": 256},
 "names": [{"O": "etcd guide"}], "ca": {"expiry": "87600h"}}
EOF2
# The CA server first gives the nodes 20-minute certificates (cfssl
# backdates 5 of those minutes, from a time rounded to the minute): under
# renew's -renew-before 16m they are due at once.  Before the nodes renew,
# the server is restarted with a year for its peer profile (server-year):
# the renewed certificates are not due, and the second run has nothing to
# do, whenever it comes.
serverconf() {
	cat >"$1" <<EOF2
{"signing": {
  "default": {"auth_key": "key1", "expiry": "20m",
    "usages": ["signing", "key encipherment", "server auth", "client auth"]},
  "profiles": {
    "peer": {"auth_key": "key1", "expiry": "$2",
      "usages": ["signing", "key encipherment", "server auth", "client auth"]},
    "client": {"auth_key": "key1", "expiry": "8760h",
      "usages": ["signing", "key encipherment", "client auth"]}}},
 "auth_keys": {"key1": {"type": "standard", "key": "$KEY"}}}
EOF2
}
serverconf server-config.json 20m
serverconf server-year.json 8760h
on ca sh -c "mkdir -p /etc/etcd-ca && cd /etc/etcd-ca && umask 077 &&
    cfssl gencert -initca $T/ca-csr.json 2>/dev/null | cfssljson -bare ca"
CAF=$(host_file ca /etc/etcd-ca/ca.pem)
check "the CA host made its CA with the real cfssl" test -s "$(host_file ca /etc/etcd-ca/ca-key.pem)"
# serve CONFIG: cfssl serve on the CA host; its pid in $SERVE.
serve() {
	# exec all the way down: $! is cfssl's own pid.
	(exec nsenter -t "$_keeper_ca" -m -n -- cfssl serve \
	    -address 192.0.2.10 -port 8888 -ca /etc/etcd-ca/ca.pem \
	    -ca-key /etc/etcd-ca/ca-key.pem -config "$T/$1") >>serve.log 2>&1 &
	SERVE=$!
	bg_pid $SERVE
}
serve server-config.json
up() {
	on "$1" "$PY" -c 'import socket, sys
socket.create_connection((sys.argv[1], int(sys.argv[2])), 1).close()' "$2" "$3"
}
check "cfssl serve answers on 192.0.2.10:8888, from node 1" wait_for 20 up n1 192.0.2.10 8888

# ---- the nodes: the guide, word for word --------------------------------
ENDPOINTS=https://192.0.2.11:2379,https://192.0.2.12:2379,https://192.0.2.13:2379
node_files() {
	n=$1
	ip=192.0.2.1$n
	mkdir -p "$T/n$n"
	cat >"$T/n$n/request-config.json" <<EOF2
{"signing": {
  "default": {"auth_remote": {"remote": "ca_server", "auth_key": "key1"}},
  "profiles": {
    "peer": {"auth_remote": {"remote": "ca_server", "auth_key": "key1"}},
    "client": {"auth_remote": {"remote": "ca_server", "auth_key": "key1"}}}},
 "auth_keys": {"key1": {"type": "standard", "key": "$KEY"}},
 "remotes": {"ca_server": "192.0.2.10:8888"}}
EOF2
	cat >"$T/n$n/etcd$n-csr.json" <<EOF2
{"CN": "etcd$n",
 "hosts": ["etcd1", "etcd2", "etcd3", "192.0.2.11", "192.0.2.12", "192.0.2.13", "127.0.0.1"],
 "key": {"algo": "ecdsa", "size": 256}, "names": [{"O": "etcd"}]}
EOF2
	cat >"$T/n$n/etcd.conf.yml" <<EOF2
name: 'etcd$n'
data-dir: '/var/lib/etcd/etcd$n.etcd'
listen-peer-urls: 'https://$ip:2380'
listen-client-urls: 'https://$ip:2379,https://127.0.0.1:2379'
initial-advertise-peer-urls: 'https://$ip:2380'
advertise-client-urls: 'https://$ip:2379'
initial-cluster: 'etcd1=https://192.0.2.11:2380,etcd2=https://192.0.2.12:2380,etcd3=https://192.0.2.13:2380'
initial-cluster-token: 'etcd-guide'
initial-cluster-state: 'new'
enable-grpc-gateway: true
client-transport-security:
  cert-file: '/etc/etcd/pki/etcd$n.pem'
  key-file: '/etc/etcd/pki/etcd$n-key.pem'
  client-cert-auth: true
  trusted-ca-file: '/etc/etcd/pki/ca.pem'
peer-transport-security:
  cert-file: '/etc/etcd/pki/etcd$n.pem'
  key-file: '/etc/etcd/pki/etcd$n-key.pem'
  client-cert-auth: true
  trusted-ca-file: '/etc/etcd/pki/ca.pem'
EOF2
	cat >"$T/n$n/etcdctl.sh" <<EOF2
export ETCDCTL_API=3
export ETCDCTL_ENDPOINTS=$ENDPOINTS
export ETCDCTL_CACERT=/etc/etcd/pki/ca.pem
export ETCDCTL_CERT=/etc/etcd/pki/etcd$n.pem
export ETCDCTL_KEY=/etc/etcd/pki/etcd$n-key.pem
EOF2
}
# guide N: the node's steps, as root on the node.
guide() {
	node_files "$1"
	on "n$1" env PATH="$NODE_PATH" sh -ec "
		mkdir -p /etc/pki/tls/private /etc/pki/tls/certs /etc/etcd/pki
		install -m 0600 $T/n$1/request-config.json /etc/pki/tls/private/
		install -m 0644 $CAF /etc/pki/tls/certs/ca.pem
		cd /etc/etcd/pki
		cp $T/n$1/etcd$1-csr.json .
		cfssl gencert -config=/etc/pki/tls/private/request-config.json \
		    -profile=peer etcd$1-csr.json | cfssljson -bare etcd$1
		cp /etc/pki/tls/certs/ca.pem /etc/etcd/pki/ca.pem
		cp $T/n$1/etcd.conf.yml /etc/etcd/etcd.conf.yml
		install -m 0644 $T/n$1/etcdctl.sh /etc/profile.d/etcdctl.sh
		chown -R etcd:etcd /etc/etcd" >"$T/n$1/guide.log" 2>&1
}
for n in 1 2 3; do
	check "node $n: the guide's gencert line through the CA server" guide "$n"
done
# keys_of HOST: "path spki" of every private key under HOST's /etc.
keys_of() {
	grep -rl 'PRIVATE KEY' "$T/hosts/$1/etc" 2>/dev/null | while read -r f; do
		echo "$f $(openssl pkey -in "$f" -pubout -outform DER 2>/dev/null | sha256sum | cut -d' ' -f1)"
	done
}
CASPKI=$(openssl x509 -in "$CAF" -noout -pubkey | openssl pkey -pubin -outform DER | sha256sum | cut -d' ' -f1)
no_ca_key() {
	for h in n1 n2 n3 cl; do
		keys_of "$h"
	done >"$T/nodekeys"
	test -s "$T/nodekeys" && ! grep -q " $CASPKI\$" "$T/nodekeys"
}
check "no CA key on any node (every private key under their /etc compared)" no_ca_key

# ---- etcd as user etcd, a client on a fifth host ------------------------
export C3_DIR=$T/hosts MC_CONF=/etc/etcd/etcd.conf.yml MC_USER=etcd
for n in 1 2 3; do
	on "n$n" "$CTL" start "etcd$n"
done
on cl env PATH="$NODE_PATH" sh -ec "
	mkdir -p /etc/etcd/pki && cd /etc/etcd/pki
	install -m 0600 $T/n1/request-config.json ./request-config.json
	install -m 0644 $CAF ca.pem
	echo '{\"CN\": \"admin\", \"key\": {\"algo\": \"ecdsa\", \"size\": 256}}' >admin-csr.json
	cfssl gencert -config=request-config.json -profile=client admin-csr.json |
	    cfssljson -bare admin" >cl.log 2>&1
CLP=/etc/etcd/pki
ctl() {
	on cl etcdctl --endpoints "$ENDPOINTS" --cacert $CLP/ca.pem \
	    --cert $CLP/admin.pem --key $CLP/admin-key.pem --dial-timeout 2s \
	    --command-timeout 3s "$@"
}
check "the three members run as user etcd and are healthy" \
    wait_for 40 sh -c "test \"\$(ps -o user= -C etcd | grep -c '^etcd')\" -ge 3 && $(command -v nsenter) -t $_keeper_cl -m -n etcdctl --endpoints $ENDPOINTS --cacert $CLP/ca.pem --cert $CLP/admin.pem --key $CLP/admin-key.pem endpoint health"
ctl member list >members.txt 2>&1 || :
check "member list: etcd1..3 started" test "$(grep -c ', started, etcd[123], ' members.txt)" = 3

# serial_at HOST:PORT: the serial the member serves there (from the client host).
serial_at() {
	on cl openssl s_client -connect "$1" -servername etcd </dev/null 2>/dev/null |
	    openssl x509 -noout -serial | sed 's/^serial=//'
}
for n in 1 2 3; do
	eval "s0_$n=\$(serial_at 192.0.2.1$n:2379)"
done
check "each node serves the certificate the CA server issued it" \
    sh -c "test -n \"$s0_1\" && test \"$s0_1\" = \"\$(openssl x509 -noout -serial -in $(host_file n1 /etc/etcd/pki/etcd1.pem) | sed 's/^serial=//')\""

# ---- the client load, from the fifth host -------------------------------
on cl "$PY" "$TOP_SRCDIR/tests/cli/load.py" --endpoints "$ENDPOINTS" \
    --cacert "$(host_file cl $CLP/ca.pem)" --cert "$(host_file cl $CLP/admin.pem)" \
    --key "$(host_file cl $CLP/admin-key.pem)" --out "$T/load.json" \
    --until-file "$T/load.stop" >load.out 2>&1 &
LOADPID=$!
bg_pid $LOADPID

# ---- the same renew command on every node, at the same moment -----------
# renew_all: on the three nodes at once, the node's command as its timer
# would run it (the etcdctl settings of /etc/profile.d/etcdctl.sh); exit
# statuses in $T/rcN, output in $T/renewN.*.
renew_all() {
	tag=$1
	for n in 1 2 3; do
		on "n$n" env PATH="$NODE_PATH" C3_DIR="$C3_DIR" MC_CONF="$MC_CONF" \
		    MC_USER="$MC_USER" sh -c '. /etc/profile.d/etcdctl.sh
			# The timer: its next run comes while another node
			# holds the lock (75, deferred).
			i=0
			while :; do
				"$0" renew -config /etc/pki/tls/private/request-config.json \
				    -profile peer -renew-before 16m -stagger 0% \
				    -restart rolling -restart-cmd "$1 restart etcd$2" \
				    -settle 1s /etc/etcd/pki/etcd$2.pem >>"$3.out" 2>>"$3.err"
				st=$?
				printf "%s " $st >>"$3.runs"
				[ "$st" = 75 ] && [ $i -lt 120 ] || break
				i=$((i + 1))
				sleep 1
			done
			echo $st >"$4"' "$E" "$CTL" "$n" "$T/renew$n.$tag" "$T/rc$n" &
		_rp="${_rp:-} $!"
	done
	for p in $_rp; do
		wait "$p" || :
	done
	_rp=
}
rcs() { echo "$(cat rc1 2>&1) $(cat rc2 2>&1) $(cat rc3 2>&1)"; }
restarts() { grep -c ' start$' "$T/hosts/run/events" || :; }

kill "$SERVE"
wait "$SERVE" 2>/dev/null || :
check "the first cfssl serve is gone" sh -c "! kill -0 $SERVE 2>/dev/null"
serve server-year.json
check "the CA server runs again, its peer profile a year long" \
    wait_for 20 up n1 192.0.2.10 8888
r0=$(restarts)
renew_all due
check "due: the command renews on all three nodes at once (exit 10 each)" test "$(rcs)" = "10 10 10"
for n in 1 2 3; do
	diag "node $n: exits of its timer's runs: $(cat renew$n.due.runs)"
done
check "... three restarts, one per member" test "$(($(restarts) - r0))" = 3
sleep 2
touch load.stop
wait "$LOADPID" || :

for n in 1 2 3; do
	new=$(serial_at 192.0.2.1$n:2379)
	peer=$(serial_at 192.0.2.1$n:2380)
	file=$(openssl x509 -noout -serial -in "$(host_file n$n /etc/etcd/pki/etcd$n.pem)" | sed 's/^serial=//')
	eval "old=\$s0_$n"
	diag "node $n: serial $old -> client port $new, peer port $peer"
	check "node $n serves its new certificate on both ports" \
	    test -n "$new" -a "$new" != "$old" -a "$new" = "$peer" -a "$new" = "$file"
done
check "every new certificate chains to the CA (openssl verify)" \
    sh -c "for n in 1 2 3; do openssl verify -CAfile $CAF \$(dirname $T/hosts/n1)/n\$n/etc/etcd/pki/etcd\$n.pem || exit 1; done"
check "the CA server signed the renewals (3 authsign requests after the 3 first)" \
    test "$(grep -c 'POST /api/v1/cfssl/authsign' serve.log)" -ge 7
# key_state N: owner:group:mode of the key etcd loads (links followed).
key_state() {
	on "n$1" stat -L -c %U:%G:%a "/etc/etcd/pki/etcd$1-key.pem"
}
for n in 1 2 3; do
	diag "node $n key: $(key_state $n)"
done
keys_etcds() {
	for n in 1 2 3; do
		case $(key_state "$n") in
		etcd:*:600|etcd:*:640|etcd:*:400) ;;
		*) return 1 ;;
		esac
	done
}
check "the keys stay etcd's, readable by no one else" keys_etcds
check "still no CA key on any node" no_ca_key

"$PY" "$TOP_SRCDIR/tests/cli/downs.py" --json downs.json "$T/hosts/run" >downs.out 2>&1 || :
maxdown=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["max_down"])' downs.json 2>/dev/null || echo '?')
diag "members down at once, at most: $maxdown"
sed 's/^/#   /' downs.out
check "never two members down at once" test "$maxdown" -le 1
"$PY" -c 'import json, sys
d = json.load(open(sys.argv[1]))
print("requests %d, operations %d, failed %d, retries %d, longest unavailable %.3f s" % (d["requests"], d["operations"], d["failed"], d["retries"], d["longest_unavailable_s"]))' load.json >load.txt 2>&1 || :
diag "client load: $(cat load.txt)"
check "the client load: no failed operation" \
    "$PY" -c 'import json, sys; d = json.load(open(sys.argv[1])); sys.exit(0 if d["failed"] == 0 and d["operations"] > 0 else 1)' load.json

r1=$(restarts)
renew_all again
check "a second run of the same command: exit 0 on all three, nothing due" test "$(rcs)" = "0 0 0"
check "... and it restarts nothing" test "$(restarts)" = "$r1"
finish
