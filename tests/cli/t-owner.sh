#!/bin/sh
# t-owner.sh: keys stay readable by the service's user (issue 14 item 3).
# etcd runs as its own user (User=etcd, the operator chowns /etc/etcd): a
# key must keep the owner and mode the service needs across renew (kept
# key and -rekey, both layouts), rollback, cluster issue (new and
# reissued leaves), ca renew and ca rotate; -owner, -mode and the
# description's owner/group/key_mode set it explicitly; a set another
# user could have planted never lends its owner.  "nobody:nogroup" and
# "daemon" stand for etcd.  Giving a key away needs root, as CI runs.
. "$(dirname "$0")/setup.sh"

E=$ETCD_PKI
umask 022
cd "$T"
time_limit 600

if [ "$(id -u)" != 0 ]; then
	skip_all "giving a key to another user needs root (CI runs as root)"
fi
if ! id nobody >/dev/null 2>&1 || ! getent group nogroup >/dev/null ||
    ! id daemon >/dev/null 2>&1; then
	skip_all "needs the users nobody and daemon and the group nogroup"
fi
DG=$(id -gn daemon)

# run NAME ARGS...: etcd-pki ARGS; stdout in NAME.out, stderr in NAME.err.
run() {
	_n=$1
	shift
	rc=0
	timeout -k 5 60 "$E" "$@" >"$_n.out" 2>"$_n.err" </dev/null || rc=$?
}
expect() {
	expect_run "$_n.out" "$_n.err" "$@"
}
om() { stat -L -c '%U:%G %a' "$1"; }
# is_om TEST FILE 'USER:GROUP MODE'
is_om() {
	if [ "$(om "$2")" = "$3" ]; then
		pass "$1"
	else
		fail "$1"
		diag "$2 is $(om "$2"), wanted $3"
	fi
}
keyspki() { openssl pkey -in "$1" -pubout -outform DER | sha256sum | cut -d' ' -f1; }

# The sets: copies of a member's directory as cluster issue writes it
# (NAME.pem, NAME-key.pem root's 0600, NAME.csr, NAME-csr.json, ca.pem).
"$E" cluster init -key-algo ecdsa-256 -o c.json 2>/dev/null
"$E" cluster issue -no-sync c.json -o base >/dev/null 2>&1
SIGN="-ca base/ca.pem -ca-key base/ca-key.pem"
REKEY="-rekey -restart-cmd true -force $SIGN"
mkset() {
	rm -rf "$1"
	mkdir -p "$1"
	for f in etcd1.pem etcd1-key.pem etcd1.csr etcd1-csr.json ca.pem; do
		cp -p "base/etcd1/$f" "$1/$f"
	done
}

# ---- renew: the flags ----------------------------------------------------
mkset g
k0=$(keyspki g/etcd1-key.pem)
run r1 renew -force -owner nobody:nogroup -mode 0640 $SIGN g/etcd1.pem
expect "renew -owner -mode: renewed" 10
is_om "renew -owner nobody:nogroup -mode 0640: the kept key is given" \
    g/etcd1-key.pem "nobody:nogroup 640"
check "... the same key, matching the new certificate" sh -c "
    test '$(keyspki g/etcd1-key.pem)' = '$k0' &&
    test '$k0' = \"\$(openssl x509 -noout -pubkey -in g/etcd1.pem |
        openssl pkey -pubin -outform DER | sha256sum | cut -d' ' -f1)\""
is_om "... the certificate stays 0644" g/etcd1.pem "root:root 644"
run r2 renew $REKEY g/etcd1.pem
expect "renew -rekey without flags: renewed, no warning" 10
check "... no warning about the owner" sh -c '! grep -q "not given" r2.err'
is_om "renew -rekey: the new key keeps the old key's owner and mode" \
    g/etcd1-key.pem "nobody:nogroup 640"
check "renew -rekey: a new key" test "$(keyspki g/etcd1-key.pem)" != "$k0"
run r3 renew -force -owner daemon $SIGN g/etcd1.pem
is_om "renew -owner daemon: the user's login group, 0600" g/etcd1-key.pem \
    "daemon:$DG 600"
run r4 renew -force -owner :nogroup -mode 0640 $SIGN g/etcd1.pem
is_om "renew -owner :nogroup -mode 0640: the group only, that mode" \
    g/etcd1-key.pem "daemon:nogroup 640"
run r5 renew -force -owner 0:0 $SIGN g/etcd1.pem
is_om "renew -owner 0:0 (numbers): back to root, 0600" g/etcd1-key.pem \
    "root:root 600"

# ---- renew: refusals -------------------------------------------------------
run rm renew -force -mode 0644 $SIGN g/etcd1.pem
expect "-mode 0644: refused, exit 2" 2 \
    '^etcd-pki: renew: -mode: unknown mode "0644": expected 0600 or 0640$'
for m in 0660 0604 0700 0200 0400 640x; do
	run rm renew -force -mode "$m" $SIGN g/etcd1.pem
	expect "-mode $m: a usage error" 2 "-mode: unknown mode \"$m\""
done
is_om "... the key is untouched by the refused runs" g/etcd1-key.pem \
    "root:root 600"
run ru renew -force -owner no-such-user-etcd-pki $SIGN g/etcd1.pem
expect "-owner with an unknown user: one line, exit 2" 2 \
    '^etcd-pki: renew: -owner "no-such-user-etcd-pki": no such user$'
run rg renew -force -owner nobody:no-such-group-etcd-pki $SIGN g/etcd1.pem
expect "-owner with an unknown group: exit 2" 2 "no such group"
chmod 755 "$T"
rc=0
setpriv --reuid=nobody --regid=nogroup --clear-groups "$E" renew -force \
    -owner root $SIGN g/etcd1.pem >nr.out 2>nr.err || rc=$?
_n=nr
expect "-owner another user, not root: refused" 2 "only root can give a key"

# ---- renew: the fixed layout and rollback ----------------------------------
mkset f
chown nobody:nogroup f/etcd1-key.pem
chmod 640 f/etcd1-key.pem
run f1 renew -layout fixed -rekey -stop-cmd true -start-cmd true -force \
    $SIGN f/etcd1.pem
expect "fixed -rekey: renewed" 10
is_om "fixed -rekey: the new key keeps the old owner and mode" \
    f/etcd1-key.pem "nobody:nogroup 640"
is_om "fixed: the .bak keeps the old key's owner and mode" \
    f/etcd1-key.pem.bak "nobody:nogroup 640"
run f2 rollback -restart-cmd true f/etcd1.pem
expect "fixed: rollback" 0
is_om "fixed rollback: the restored key is still the service's" \
    f/etcd1-key.pem "nobody:nogroup 640"
run f3 renew -layout fixed -force -owner daemon -mode 0640 $SIGN f/etcd1.pem
is_om "fixed -owner daemon -mode 0640 (kept key)" f/etcd1-key.pem \
    "daemon:$DG 640"

mkset rb
chown nobody:nogroup rb/etcd1-key.pem
chmod 640 rb/etcd1-key.pem
run b1 renew $REKEY rb/etcd1.pem
run b2 renew -force -owner daemon $SIGN rb/etcd1.pem
is_om "generations: -owner daemon" rb/etcd1-key.pem "daemon:$DG 600"
run b3 rollback rb/etcd1.pem
expect "generations: rollback" 0
is_om "generations rollback: the previous generation's key, as it was" \
    rb/etcd1-key.pem "nobody:nogroup 640"

# ---- renew: a set someone else could have planted ----------------------------
mkset open
chown nobody:nogroup open/etcd1-key.pem
chmod 640 open/etcd1-key.pem
chmod 777 open
run o1 renew $REKEY open/etcd1.pem
expect "a directory others can write: renewed, with a warning naming the flags" \
    10 "another user could write the directory.*pass -owner USER\[:GROUP\] and -mode"
is_om "... the new key is root's, 0600" open/etcd1-key.pem "root:root 600"
run o2 renew $REKEY -owner nobody:nogroup -mode 0640 open/etcd1.pem
expect "... -owner given: renewed without a warning" 10
check "... no warning" sh -c '! grep -q "not given" o2.err'
is_om "... the new key is the explicit owner's" open/etcd1-key.pem \
    "nobody:nogroup 640"

# ---- cluster issue ---------------------------------------------------------
python3 - <<'EOF'
import json
d = json.load(open("c.json"))
d["owner"] = "nobody"
d["group"] = "nogroup"
d["key_mode"] = "0640"
d["members"][1]["owner"] = "daemon"
d["members"][2]["key_mode"] = "0600"
json.dump(d, open("own.json", "w"), indent=1)
d["clients"] = [{"name": "admin", "owner": "no-such-user-etcd-pki"}]
json.dump(d, open("bad.json", "w"), indent=1)
EOF
run c1 cluster issue -no-sync own.json -o cl
expect "cluster issue with owner/group/key_mode: exit 0" 0
is_om "cluster issue: etcd1's key: the top-level owner, group, key_mode" \
    cl/etcd1/etcd1-key.pem "nobody:nogroup 640"
is_om "cluster issue: etcd2's own owner (its login group), top-level mode" \
    cl/etcd2/etcd2-key.pem "daemon:$DG 640"
is_om "cluster issue: etcd3's own key_mode" cl/etcd3/etcd3-key.pem \
    "nobody:nogroup 600"
is_om "cluster issue: a client's key" cl/clients/admin/admin-key.pem \
    "nobody:nogroup 640"
is_om "cluster issue: the CA key stays root's, 0600" cl/ca-key.pem \
    "root:root 600"
is_om "cluster issue: certificates 0644" cl/etcd1/etcd1.pem "root:root 644"
run c2 cluster issue -no-sync bad.json -o cl
expect "cluster issue: an unknown owner: one line naming file and path" 1 \
    'bad.json: clients\[0\]\.owner: "no-such-user-etcd-pki": no such user'

# Reissue (expired certificates) from a description without owners: the
# keys keep the service's owner, as the old matching pairs had them.
e1=$(keyspki cl/etcd1/etcd1-key.pem)
run c3 cluster issue -no-sync c.json -o cl -not-before 2020-01-01T00:00:00Z \
    -expiry 1h
expect "cluster issue: every leaf reissued (expired)" 0 "0 new, 4 reissued"
run c4 cluster issue -no-sync c.json -o cl
expect "cluster issue: reissued again, no owner warning" 0 "4 reissued"
check "... no warning about the owner" sh -c '! grep -q "not given" c4.err'
check "cluster issue reissue: a new key" \
    test "$(keyspki cl/etcd1/etcd1-key.pem)" != "$e1"
is_om "cluster issue reissue: etcd1's key keeps nobody:nogroup 0640" \
    cl/etcd1/etcd1-key.pem "nobody:nogroup 640"
is_om "cluster issue reissue: etcd2's key keeps daemon 0640" \
    cl/etcd2/etcd2-key.pem "daemon:$DG 640"
is_om "cluster issue reissue: the client's key keeps its owner" \
    cl/clients/admin/admin-key.pem "nobody:nogroup 640"
check "cluster verify: sound where the description says key_mode 0640" \
    "$E" cluster verify own.json cl
run v1 cluster verify c.json cl
expect "cluster verify: a 0640 key the description does not allow: reported" \
    1 "etcd1-key.pem: mode 0640: a private key must not be accessible to group or others \(0600\)"

# A member directory others can write: no inheritance, root's, a warning.
chmod 777 cl/etcd3
rm cl/etcd3/etcd3.pem
run c5 cluster issue -no-sync c.json -o cl
expect "cluster issue: a writable member directory: reissued, a warning" 0 \
    "etcd3-key.pem: the new key is not given.*(another user could write|did not match)"
is_om "... etcd3's new key is root's, 0600" cl/etcd3/etcd3-key.pem \
    "root:root 600"
chmod 755 cl/etcd3
# -owner beats the description.
rm cl/etcd3/etcd3.pem
run c6 cluster issue -no-sync -owner daemon -mode 0640 own.json -o cl
expect "cluster issue -owner daemon -mode 0640: exit 0" 0 "1 reissued"
is_om "... -owner beats the description's owner" cl/etcd3/etcd3-key.pem \
    "daemon:$DG 640"
# A kept key whose owner differs from the description: rewritten.
chown root:root cl/etcd1/etcd1-key.pem
chmod 600 cl/etcd1/etcd1-key.pem
k1=$(keyspki cl/etcd1/etcd1-key.pem)
run c8 cluster issue -no-sync own.json -o cl
expect "cluster issue: a kept key not as described: updated, nothing reissued" \
    0 "updated +etcd1/etcd1-key.pem .*owner or mode differs"
check "... nothing reissued" grep -q "0 reissued" c8.err
is_om "... the kept key is the described owner's again" \
    cl/etcd1/etcd1-key.pem "nobody:nogroup 640"
check "... the same key" test "$(keyspki cl/etcd1/etcd1-key.pem)" = "$k1"
run c9 cluster issue -no-sync own.json -o cl
check "cluster issue again: nothing updated" sh -c '! grep -q "^updated" c9.out'
run c7 cluster issue -no-sync -mode 0666 own.json -o cl
expect "cluster issue -mode 0666: a usage error" 2 '-mode: unknown mode "0666"'
# The description may say 0400 or 0440; never a dangerous mode.
python3 -c '
import json
d = json.load(open("own.json"))
d["key_mode"] = "0644"
json.dump(d, open("bad2.json", "w"))
'
run c10 cluster issue -no-sync bad2.json -o cl
expect "cluster issue: key_mode 0644 in the description: one line, refused" 1 \
    "bad2.json: key_mode: 0644: a key mode would give a dangerous result"

# ---- renew -cluster: the description's owner -------------------------------
run rc1 renew -force -cluster own.json -member etcd1 cl
expect "renew -cluster -member etcd1: renewed" 10
is_om "renew -cluster: the description's owner for the kept key" \
    cl/etcd1/etcd1-key.pem "nobody:nogroup 640"
run rc2 renew -force -rekey -restart-cmd true -cluster c.json -member etcd2 cl
is_om "renew -cluster -rekey (no owner described): the old key's owner" \
    cl/etcd2/etcd2-key.pem "daemon:$DG 640"

# ---- ca renew and ca rotate keep the keys as they are ----------------------
run ca1 ca renew -cluster c.json cl
expect "ca renew -cluster: exit 0" 0
for l in etcd1/etcd1 etcd2/etcd2 clients/admin/admin; do
	o=$(om "cl/$l-key.pem")
	case $o in
	"root:"*) fail "ca renew: $l-key.pem is still the service's ($o)" ;;
	*) pass "ca renew: $l-key.pem is still the service's ($o)" ;;
	esac
done
is_om "ca renew: etcd1's key (generations) unchanged" cl/etcd1/etcd1-key.pem \
    "nobody:nogroup 640"
run ro1 ca rotate -phase add-trust -restart none -cluster c.json cl
expect "ca rotate add-trust: exit 10" 10
run ro2 ca rotate -phase reissue -restart none -cluster c.json cl
expect "ca rotate reissue: exit 10" 10
is_om "ca rotate: etcd1's key still the service's" cl/etcd1/etcd1-key.pem \
    "nobody:nogroup 640"
is_om "ca rotate: etcd2's key still the service's" cl/etcd2/etcd2-key.pem \
    "daemon:$DG 640"
is_om "ca rotate: the client's key still its owner's" \
    cl/clients/admin/admin-key.pem "nobody:nogroup 640"
check "ca rotate: each key still matches its certificate" sh -c "
    for l in etcd1/etcd1 etcd2/etcd2 etcd3/etcd3 clients/admin/admin; do
        test \"\$(openssl pkey -in cl/\$l-key.pem -pubout -outform DER |
            sha256sum)\" = \"\$(openssl x509 -noout -pubkey -in cl/\$l.pem |
            openssl pkey -pubin -outform DER | sha256sum)\" || exit 1
    done"
check "no key readable by others anywhere" sh -c '
    test -z "$(find g f rb open cl -type f -name "*-key.pem*" -perm /o=rwx)"'

finish
