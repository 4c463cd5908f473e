# hosts.sh: hosts on this one machine for the multi-host tests, each in
# its own network namespace and mount namespace.  Source it after
# setup.sh:
#
#   . "$(dirname "$0")/setup.sh"
#   . "$(dirname "$0")/hosts.sh"
#
# The hosts' network is a bridge that lives in a namespace of its own; a
# host is a veth pair from the bridge to the host's namespace (eth0, an
# address of 192.0.2.0/24, TEST-NET-1, which exists only there) and its
# loopback.  Nothing is added to the root namespace and nothing routes out
# of the bridge.  Each host has a keeper process in a private mount
# namespace: /etc is an overlay whose changes go to $T/hosts/NAME/etc
# (the upper directory: the test reads a host's files there), so the
# guide's absolute paths (/etc/etcd, /etc/pki) work on every host unchanged
# and the machine's /etc is never written; /var/lib/etcd is a tmpfs owned
# by etcd.  Everything is removed on exit (at_exit): the etcd processes
# member-ctl.sh started (their pid files in $T/hosts/run), the keepers
# (bg_pid) and the namespaces, by name.
#
#   hosts_init        sets HP (the namespaces' prefix); returns 1 with the
#                     reason in $hosts_why when namespaces cannot be made
#   host_add NAME IP  a host on the bridge at IP
#   on NAME CMD..     runs CMD (no shell) in NAME's namespaces, as root
#   host_file NAME PATH   the path of a file NAME changed under /etc

hosts_init() {
	HP=ep$$
	hosts_why=
	for _c in ip unshare nsenter; do
		need_cmd "$_c" || { hosts_why="$_c is not installed"; return 1; }
	done
	if [ "$(id -u)" != 0 ]; then
		hosts_why="not root: network namespaces need CAP_SYS_ADMIN"
		return 1
	fi
	mkdir -p "$T/hosts/run"
	_hosts=
	at_exit _hosts_down
	if ! ip netns add "$HP-br" 2>"$T/hosts/why"; then
		hosts_why="ip netns add: $(head -n 1 "$T/hosts/why")"
		return 1
	fi
	_hosts="$HP-br"
	if ! ip -n "$HP-br" link add br0 type bridge 2>"$T/hosts/why" ||
	    ! ip -n "$HP-br" link set br0 up 2>>"$T/hosts/why"; then
		hosts_why="a bridge: $(head -n 1 "$T/hosts/why")"
		return 1
	fi
}

_hosts_down() {
	for _f in "$T"/hosts/run/*.pid; do
		[ -r "$_f" ] || continue
		_p=$(cat "$_f")
		kill -KILL "$_p" 2>/dev/null || :
	done
	for _n in $_hosts; do
		ip netns del "$_n" 2>/dev/null || :
	done
}

host_add() {
	_h=$1
	_ns=$HP-$_h
	ip netns add "$_ns"
	_hosts="$_hosts $_ns"
	ip -n "$HP-br" link add "v-$_h" type veth peer name eth0 netns "$_ns"
	ip -n "$HP-br" link set "v-$_h" master br0 up
	ip -n "$_ns" link set lo up
	ip -n "$_ns" addr add "$2/24" dev eth0
	ip -n "$_ns" link set eth0 up
	mkdir -p "$T/hosts/$_h/etc" "$T/hosts/$_h/work"
	# The keeper: the host's mount namespace lives as long as it does.
	ip netns exec "$_ns" unshare -m --propagation private sh -c '
		mount -t overlay overlay -o "lowerdir=/etc,upperdir=$1/etc,workdir=$1/work" /etc &&
		mount -t tmpfs -o mode=0700 tmpfs /var/lib/etcd &&
		chown etcd:etcd /var/lib/etcd &&
		touch "$1/ready" && exec sleep 100000' keeper "$T/hosts/$_h" \
	    >"$T/hosts/$_h/keeper.log" 2>&1 &
	eval "_keeper_$_h=$!"
	bg_pid $!
	wait_for 10 test -e "$T/hosts/$_h/ready" || {
		diag "host $_h: the mount namespace failed:"
		sed 's/^/#   /' "$T/hosts/$_h/keeper.log"
		return 1
	}
}

on() {
	_h=$1
	shift
	eval "_k=\$_keeper_$_h"
	nsenter -t "$_k" -m -n -- "$@"
}

host_file() {
	echo "$T/hosts/$1/etc/${2#/etc/}"
}
