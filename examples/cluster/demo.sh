#!/bin/sh
# demo.sh ETCD_PKI [DIR]: the built-in three-node example, end to end.
# Writes the guide's example description with "cluster init" (once),
# issues the cluster's PKI into DIR (default ./demo) with "cluster issue",
# checks it with "cluster verify", and prints what was written: member,
# file, SANs and expiry.  Running it again issues nothing new.  Then it
# shows the renewal status and renews one member once (a new generation).
set -eu
E=${1:?usage: demo.sh ETCD_PKI [DIR]}
D=${2:-demo}

mkdir -p "$D"
if [ ! -f "$D/cluster.json" ]; then
	"$E" cluster init -o "$D/cluster.json"
fi
"$E" cluster issue "$D/cluster.json" -o "$D" >"$D/.issue.log"
"$E" cluster verify "$D/cluster.json" "$D"

echo
echo "Written to $D/ (description: $D/cluster.json):"
awk '
BEGIN { printf "%-13s %-9s %-24s %-21s %s\n", "MEMBER", "STATUS", "FILE", "EXPIRES", "SANS" }
$3 ~ /^CN=/ {
	split($2, p, "/")
	who = p[1] == "clients" ? "client:" p[2] : p[1]
	sans = $0
	sub(/.*SANs: /, "", sans)
	sub(/  \(.*\)$/, "", sans)
	printf "%-13s %-9s %-24s %-21s %s\n", who, $1, $2, $5, sans
}' "$D/.issue.log"
echo
echo "Each member directory also holds etcd.conf.yml (for etcd --config-file),"
echo "etcd.env (the same as etcd's environment, with the CRL crl.der beside it,"
echo "which etcd enforces only without --config-file) and etcdctl.env"
echo "(. ./etcdctl.env; etcdctl endpoint health).  $D/inventory.db records every"
echo "certificate: etcd-pki cluster inventory $D"

# Renewal: what is due when (status), then a renewal of one member, forced
# here because a new certificate is not due for months: a new generation
# etcd1/gen/... is written and etcd1/current switched to it, atomically.
echo
"$E" status -cluster "$D/cluster.json" "$D"
echo
if [ ! -L "$D/etcd1/current" ]; then
	"$E" renew -force -cluster "$D/cluster.json" -member etcd1 "$D" ||
	    [ $? = 10 ]
	echo "Run '$E rollback -cluster $D/cluster.json -member etcd1 $D'" \
	    "to go back."
else
	echo "etcd1 was renewed by an earlier run: generations in $D/etcd1/gen/," \
	    "active: $D/etcd1/$(readlink "$D/etcd1/current")"
fi
