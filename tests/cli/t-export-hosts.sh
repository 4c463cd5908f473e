#!/bin/sh
# t-export-hosts.sh: cluster export's archives installed on three hosts
# and a client host (issue 14, item 4), each host in its own network and
# mount namespace (hosts.sh): the admin host issues the cluster and packs
# one archive per host; each host unpacks its own at "/", checks it with
# sha256sum -c, and runs etcd as user etcd from the exported
# /etc/etcd/etcd.env (so the CRL holds); the client host reaches the
# cluster with the exported /etc/profile.d/etcdctl.sh.  A revocation
# then travels the same way: the new archives carry the CRL, and every
# member refuses the revoked client without a restart.
. "$(dirname "$0")/setup.sh"
. "$(dirname "$0")/hosts.sh"

for c in etcd etcdctl tar sha256sum; do
	need_cmd "$c" || skip_all "$c not installed (etcd-server, etcd-client, tar, coreutils)"
done
id etcd >/dev/null 2>&1 || skip_all "no user etcd (the etcd-server package creates it)"
[ -d /var/lib/etcd ] || skip_all "no /var/lib/etcd (the etcd-server package creates it)"
hosts_init || skip_all "network namespaces unavailable: $hosts_why"
plan 17

: "${BG_GRACE:=3}"
time_limit "${T_EXPORT_HOSTS_LIMIT:-240}"
cd "$T" || exit 1
E=$ETCD_PKI
CTL=$TOP_SRCDIR/tests/cli/member-ctl.sh

for n in 1 2 3; do
	host_add "n$n" "192.0.2.1$n"
done
host_add cl 192.0.2.20

cat >d.json <<'EOF2'
{"name": "t-export-hosts", "key": {"algo": "ecdsa", "size": 256},
 "data_dir": "/var/lib/etcd/member",
 "members": [
  {"name": "etcd1", "ips": ["192.0.2.11"], "dns": ["etcd1"]},
  {"name": "etcd2", "ips": ["192.0.2.12"], "dns": ["etcd2"]},
  {"name": "etcd3", "ips": ["192.0.2.13"], "dns": ["etcd3"]}],
 "clients": [{"name": "admin"}, {"name": "backup"}]}
EOF2
"$E" cluster issue d.json -o pki >issue.out 2>&1
check "the admin host issues the cluster" test -s pki/etcd3/etcd3-key.pem

# install HOST NAME: export NAME's archive and unpack it on HOST, as root.
install_on() {
	"$E" cluster export -member "$2" -owner etcd:etcd -o "$T/$2.tar" \
	    d.json pki >"$T/$2.list" &&
	    on "$1" tar -xpf "$T/$2.tar" -C / &&
	    on "$1" sha256sum -c --quiet "/etc/etcd/pki/$2-export.sha256"
}
for n in 1 2 3; do
	check "etcd$n: exported, unpacked at / on its host, sha256sum -c passes" \
	    install_on "n$n" "etcd$n"
done
check "admin: the same on the client host" install_on cl admin
check "each host holds its own key only, owned by etcd, no CA key" \
    sh -c "test \"\$(find $T/hosts/n2/etc -name '*-key.pem' -printf '%f %u %m\n')\" = 'etcd2-key.pem etcd 600' &&
        test -z \"\$(find $T/hosts -name 'ca-key.pem')\""

export C3_DIR=$T/hosts C3_START=env MC_CONF=/etc/etcd/etcd.conf.yml \
    MC_ENV=/etc/etcd/etcd.env MC_USER=etcd
for n in 1 2 3; do
	on "n$n" "$CTL" start "etcd$n"
done
# ctl ARGS: etcdctl on the client host with its exported environment.
ctl() {
	on cl sh -c '. /etc/profile.d/etcdctl.sh && exec etcdctl --dial-timeout 2s --command-timeout 3s "$@"' ctl "$@"
}
check "the members run as etcd from etcd.env and are healthy (etcdctl.sh)" \
    wait_for 40 ctl endpoint health
ctl member list >members.txt 2>&1 || :
check "member list: etcd1..3 started, the exported peer URLs" \
    test "$(grep -c ', started, etcd[123], https://192.0.2.1[123]:2380' members.txt)" = 3
check "the client writes and reads through etcdctl.sh" \
    sh -c "$(command -v nsenter) -t $_keeper_cl -m -n sh -c '. /etc/profile.d/etcdctl.sh && etcdctl put k v >/dev/null && etcdctl get --print-value-only k' | grep -qx v"
check "the fragments name the hosts' paths, not the admin host's" \
    sh -c "grep -q \"^ETCD_CERT_FILE='/etc/etcd/pki/etcd1.pem'\$\" $(host_file n1 /etc/etcd/etcd.env) &&
        ! grep -rq '$T/pki' $T/hosts/n1/etc/etcd $T/hosts/cl/etc/profile.d"

# ---- a revocation travels the same way -----------------------------------
"$E" cluster export -member backup -owner root -o backup.tar d.json pki >/dev/null
on cl sh -c "mkdir -p /etc/backup && tar -xOf $T/backup.tar etc/etcd/pki/backup.pem >/etc/backup/backup.pem &&
    tar -xOf $T/backup.tar etc/etcd/pki/backup-key.pem >/etc/backup/backup-key.pem"
as_backup() {
	on cl sh -c '. /etc/profile.d/etcdctl.sh && unset ETCDCTL_CERT ETCDCTL_KEY &&
	    exec etcdctl --dial-timeout 2s --command-timeout 3s --cert /etc/backup/backup.pem --key /etc/backup/backup-key.pem "$@"' ctl "$@"
}
check "before: the backup client is served" as_backup get k
pids0=$(cat "$T"/hosts/run/etcd*.pid | tr '\n' ' ')
"$E" revoke -cluster d.json pki backup >revoke.out 2>&1
check "revoke -cluster backup" grep -q . pki/etcd1/crl.der
for n in 1 2 3; do
	install_on "n$n" "etcd$n" >/dev/null 2>&1 || :
done
check "the new archives carry the new CRL to every host" \
    sh -c "for n in 1 2 3; do cmp pki/etcd\$n/crl.der $T/hosts/n\$n/etc/etcd/pki/crl.der || exit 1; done"
as_backup get k >revoked.out 2>&1 && rc=0 || rc=$?
check "after: the backup client is refused" test "$rc" != 0
check "... by the members: 'certificate serial ... revoked' in their logs" \
    sh -c "grep -l 'revoked' $T/hosts/run/etcd[123].log | grep -q ."
check "... while the admin client is still served" ctl get k
check "... with no restart (the same etcd processes)" \
    test "$(cat "$T"/hosts/run/etcd*.pid | tr '\n' ' ')" = "$pids0"
finish
