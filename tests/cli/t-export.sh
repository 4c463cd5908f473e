#!/bin/sh
# t-export.sh: cluster export (issue 14, item 4).  One member's files for
# its host, named by the node's paths, as a tar archive that unpacks at
# "/": exactly its own files (no CA key, no other member's), the key
# owned and moded as asked, the fragments rewritten for the node's paths,
# a manifest that sha256sum -c checks, the optional etcd.service that
# systemd-analyze accepts; refusals leave nothing.
. "$(dirname "$0")/setup.sh"

for c in tar openssl sha256sum; do
	need_cmd "$c" || skip_all "$c not installed"
done
plan 37

cd "$T" || exit 1
E=$ETCD_PKI
export TMPDIR="$T/tmp"
mkdir -p "$TMPDIR"

# desc FILE [EXTRA]: three members on 127.0.0.1, the admin client; EXTRA
# is more top-level JSON ("key": ..., with a trailing comma).
desc() {
	cat >"$1" <<JSON
{"name": "t-export", ${2:-} "key": {"algo": "ecdsa", "size": 256},
 "members": [
  {"name": "etcd1", "ips": ["127.0.0.1"], "peer_urls": ["https://127.0.0.1:12380"],
   "client_urls": ["https://127.0.0.1:12379"]},
  {"name": "etcd2", "ips": ["127.0.0.1"], "peer_urls": ["https://127.0.0.1:22380"],
   "client_urls": ["https://127.0.0.1:22379"]},
  {"name": "etcd3", "ips": ["127.0.0.1"], "peer_urls": ["https://127.0.0.1:32380"],
   "client_urls": ["https://127.0.0.1:32379"]}],
 "clients": [{"name": "admin"}]}
JSON
}
desc d.json
"$E" cluster issue d.json -o pki >/dev/null 2>issue.err
check "cluster issue: the tree to export from" test -s pki/etcd1/etcd1-key.pem

# ---- a member, to a file ------------------------------------------------
run "$E" cluster export -member etcd1 -owner nobody:nogroup -mode 0640 \
    -unit -o e1.tar d.json pki
expect "export etcd1 -o e1.tar: exit 0" 0
cat >want.list <<'EOF2'
/etc/etcd/pki/etcd1.pem
/etc/etcd/pki/etcd1-key.pem
/etc/etcd/pki/ca.pem
/etc/etcd/pki/etcd1-csr.json
/etc/etcd/pki/etcd1.csr
/etc/etcd/pki/crl.pem
/etc/etcd/pki/crl.der
/etc/etcd/etcd.conf.yml
/etc/etcd/etcd.env
/etc/profile.d/etcdctl.sh
/etc/systemd/system/etcd.service
/etc/etcd/pki/etcd1-export.sha256
EOF2
check "... lists the node paths it packed" cmp want.list "$T/out"
check "... the archive is 0600 (it holds a key)" \
    test "$(stat -c %a e1.tar)" = 600
tar -tvf e1.tar >e1.tv
sed 's|^/||' want.list >want.tar
check "... holds exactly those files, relative to /, no directories" \
    sh -c 'tar -tf e1.tar | cmp - want.tar'
check "... no CA key, no other member's or client's file" \
    sh -c '! grep -E "ca-key|etcd2|etcd3|admin|inventory" e1.tv'
check "... the key nobody/nogroup 0640, by name" \
    grep -q '^-rw-r----- nobody/nogroup .* etc/etcd/pki/etcd1-key.pem$' e1.tv
check "... everything else root/root 0644" \
    test "$(grep -v etcd1-key.pem e1.tv | grep -c '^-rw-r--r-- root/root ')" = 11

mkdir root
tar -xpf e1.tar -C root
P=root/etc/etcd/pki
check "unpacked at a root: the key stays nobody:nogroup 640" \
    test "$(stat -c %U:%G:%a $P/etcd1-key.pem)" = nobody:nogroup:640
check "... the same key and certificate as the tree's" \
    sh -c 'cmp pki/etcd1/etcd1-key.pem root/etc/etcd/pki/etcd1-key.pem &&
        cmp pki/etcd1/etcd1.pem root/etc/etcd/pki/etcd1.pem'
check "... the certificate verifies against the unpacked ca.pem" \
    openssl verify -CAfile $P/ca.pem $P/etcd1.pem
manifest() { sed "s|  /|  $T/root/|" $P/etcd1-export.sha256; }
check "... the manifest checks (sha256sum -c), 11 files" \
    sh -c "test \"\$(sed 's|  /|  $T/root/|' $P/etcd1-export.sha256 | sha256sum -c - | grep -c ': OK\$')\" = 11"
echo '# changed' >>root/etc/etcd/etcd.env
check "... and catches a changed file" \
    sh -c "! sed 's|  /|  $T/root/|' $P/etcd1-export.sha256 | sha256sum -c --quiet - 2>/dev/null"

C=root/etc/etcd/etcd.conf.yml
check "etcd.conf.yml names the node's paths, not the tree's" \
    sh -c "grep -q \"cert-file: '/etc/etcd/pki/etcd1.pem'\" $C &&
        grep -q \"trusted-ca-file: '/etc/etcd/pki/ca.pem'\" $C && ! grep -q '$T' $C"
check "etcd.env names the node's CRL" \
    grep -q "^ETCD_CLIENT_CRL_FILE='/etc/etcd/pki/crl.der'$" root/etc/etcd/etcd.env
check "etcdctl.sh exports the member's node paths" \
    sh -c "grep -q \"^export ETCDCTL_CERT='/etc/etcd/pki/etcd1.pem'$\" root/etc/profile.d/etcdctl.sh &&
        grep -q \"^export ETCDCTL_KEY='/etc/etcd/pki/etcd1-key.pem'$\" root/etc/profile.d/etcdctl.sh"
U=root/etc/systemd/system/etcd.service
check "etcd.service runs etcd as -owner from etcd.env" \
    sh -c "grep -qx User=nobody $U && grep -qx Group=nogroup $U &&
        grep -qx EnvironmentFile=/etc/etcd/etcd.env $U && grep -qx Type=notify $U"
if need_cmd systemd-analyze && [ -x /usr/bin/etcd ] &&
    timeout 30 systemd-analyze verify --man=no "$T/$U" >sa.out 2>&1; then
	pass "systemd-analyze verify accepts etcd.service"
elif ! need_cmd systemd-analyze || [ ! -x /usr/bin/etcd ]; then
	skip "systemd-analyze or /usr/bin/etcd missing"
else
	fail "systemd-analyze verify accepts etcd.service"
	sed 's/^/#   /' sa.out
fi

# ---- to standard output, defaults ---------------------------------------
"$E" cluster export -member etcd2 d.json pki >e2.tar 2>e2.err
check "export etcd2 to a pipe: a tar of etcd2's files, no unit" \
    sh -c 'tar -tf e2.tar | grep -qx etc/etcd/pki/etcd2-key.pem &&
        ! tar -tf e2.tar | grep -q -e etcd1 -e systemd'
check "... the key root/root 0600 without -owner" \
    sh -c 'tar -tvf e2.tar | grep -q "^-rw------- root/root .* etc/etcd/pki/etcd2-key.pem$"'
"$E" cluster export -member etcd2 -o - d.json pki >e2b.tar 2>/dev/null
check "... -o - is standard output too" \
    sh -c 'test "$(tar -tf e2b.tar)" = "$(tar -tf e2.tar)"'

run "$E" cluster export -member admin d.json pki
check "a client: its key, ca.pem, etcdctl.sh, kube-apiserver.flags, no etcd.conf.yml" \
    sh -c "tar -tf $T/out | grep -qx etc/etcd/pki/admin-key.pem &&
        tar -tf $T/out | grep -qx etc/profile.d/etcdctl.sh &&
        tar -xOf $T/out etc/etcd/pki/kube-apiserver.flags | grep -qx -- --etcd-certfile=/etc/etcd/pki/admin.pem &&
        ! tar -tf $T/out | grep -q -e etcd.conf.yml -e etcd.env"

# ---- the description's node paths ---------------------------------------
desc n.json '"pki_dir": "/srv/etcd/tls", "config_dir": "/srv/etcd", "etcdctl_env": "/root/etcdctl.env",'
cp -R pki npki
run "$E" cluster export -member etcd3 -o e3.tar n.json npki
check "pki_dir, config_dir and etcdctl_env from the description" \
    sh -c 'tar -tf e3.tar | grep -qx srv/etcd/tls/etcd3.pem &&
        tar -tf e3.tar | grep -qx srv/etcd/etcd.conf.yml &&
        tar -tf e3.tar | grep -qx root/etcdctl.env'
check "... and the fragments name them" \
    sh -c "tar -xOf e3.tar srv/etcd/etcd.conf.yml | grep -q \"key-file: '/srv/etcd/tls/etcd3-key.pem'\""

# ---- the description's owner, group and key_mode --------------------------
desc o.json '"owner": "nobody", "group": "nogroup", "key_mode": "0640",'
cp -R pki opki
run "$E" cluster export -member etcd2 -unit -o o.tar o.json opki
expect "no -owner: the description's owner, group and key_mode" 0
check "... the key nobody/nogroup 0640, the unit's User= and Group=" \
    sh -c 'tar -tvf o.tar | grep -q "^-rw-r----- nobody/nogroup .* etc/etcd/pki/etcd2-key.pem$" &&
        tar -xOf o.tar etc/systemd/system/etcd.service | grep -qx User=nobody &&
        tar -xOf o.tar etc/systemd/system/etcd.service | grep -qx Group=nogroup'
run "$E" cluster export -member etcd2 -owner root -mode 0600 -o o2.tar o.json opki
check "-owner and -mode beat the description's" \
    sh -c 'tar -tvf o2.tar | grep -q "^-rw------- root/root .* etc/etcd/pki/etcd2-key.pem$"'

# ---- refusals: one line, nothing written ---------------------------------
run "$E" cluster export -member etcd9 -o x.tar d.json pki
expect "an unknown member: exit 1, named" 1 'no member or client named "etcd9"'
check "... no archive" test ! -e x.tar
run "$E" cluster export -member admin -unit -owner nobody -o x.tar d.json pki
expect "-unit for a client: refused" 1 'is a client'
run "$E" cluster export -member etcd1 -unit -o x.tar d.json pki
expect "-unit without -owner: refused" 1 '-owner'
desc r.json '"config_dir": "etc/etcd",'
run "$E" cluster export -member etcd1 -o x.tar r.json pki
expect "a relative config_dir: refused, naming file and key" 1 'r.json: config_dir: "etc/etcd": a node path must be absolute'
cp pki/etcd2/etcd2-key.pem pki/etcd1/etcd1-key.pem
run "$E" cluster export -member etcd1 -o x.tar d.json pki
expect "a key that does not match its certificate: refused" 1 'does not match'
check "... no archive after any refusal" test ! -e x.tar
run "$E" cluster export -member etcd1 -mode 0644 -o x.tar d.json pki
expect "-mode 0644: refused (a key readable by others)" 2 'unknown mode "0644"'
run "$E" cluster export d.json pki
expect "no -member: usage error" 2 '-member'
if need_cmd script; then
	script -qec "$E cluster export -member etcd2 d.json pki" /dev/null \
	    >tty.out 2>&1 || :
	check "the archive is not written to a terminal" \
	    grep -q 'not written to a terminal' tty.out
else
	skip "script (bsdutils) not installed"
fi
finish
