#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Installs what building and testing ward needs, by Debian package name.
# Quiet and quick when everything is already there.
set -eu

pkgs=(
	make gcc clang llvm pkg-config bpftool libbpf-dev libelf-dev zlib1g-dev
	libyaml-dev libcmocka-dev
	libgrpc-dev protobuf-c-compiler libprotobuf-c-dev python3-grpcio python3-grpc-tools
	python3-protobuf
	iproute2 iputils-ping netcat-openbsd curl ethtool procps psmisc dnsmasq-base dnsutils
	traceroute
	python3 python3-scapy python3-prometheus-client nftables iptables iperf3 gnuplot-nox
)

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "install-deps: missing packages: ${missing[*]} (run as root to install)" >&2
	exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
