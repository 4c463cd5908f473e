#!/bin/sh
# bootstrap.sh: install what etcd-pki needs on Debian 12 (when run as root
# or with sudo available), then configure and build it.  Extra arguments go
# to ./configure, e.g. "sh bootstrap.sh --enable-werror".
set -eu
cd "$(dirname "$0")"

DEPS="build-essential clang libclang-rt-14-dev autoconf automake pkg-config libssl-dev libjansson-dev
libyaml-dev libcurl4-openssl-dev libsqlite3-dev openssl golang-cfssl etcd-server etcd-client gnutls-bin python3
python3-jsonschema python3-cryptography mandoc groff-base valgrind iproute2
systemd strace zsh"

if command -v apt-get >/dev/null 2>&1; then
	if [ "$(id -u)" = 0 ]; then
		SUDO=
	elif command -v sudo >/dev/null 2>&1; then
		SUDO=sudo
	else
		SUDO=none
	fi
	if [ "$SUDO" != none ]; then
		# shellcheck disable=SC2086
		$SUDO apt-get update -qq
		# shellcheck disable=SC2086
		DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq \
		    --no-install-recommends $DEPS >/dev/null
	else
		echo "bootstrap.sh: not root and no sudo: assuming the" \
		    "dependencies are installed" >&2
	fi
fi

autoreconf -fi
./configure "$@"
make -j"$(nproc 2>/dev/null || echo 2)"
