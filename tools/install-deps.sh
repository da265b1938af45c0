#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Installs what building and testing ward needs, by Debian package name.
# Quiet and quick when everything is already there.
set -eu

# One group a line, each package named: --no-install-recommends installs
# nothing that is not asked for (tools/check-prereqs checks the result).
pkgs=(
	# build: compilers, BPF toolchain, libraries, the gRPC C core, protobuf-c
	make gcc libc6-dev clang llvm libclang-rt-14-dev pkg-config bpftool libbpf-dev libelf-dev zlib1g-dev
	libyaml-dev libcmocka-dev libgrpc-dev protobuf-c-compiler libprotobuf-c-dev
	# bench/run.sh records the commit it measured
	git
	# e2e: namespaces, links, clients and servers the tests run
	iproute2 iputils-ping netcat-openbsd curl ethtool procps psmisc util-linux coreutils
	dnsmasq-base bind9-dnsutils traceroute iperf3 hping3 openssl nftables iptables
	# python: /usr/bin/python3 with scapy (its sniffer needs libpcap to apply
	# a filter), the gRPC client and its code generator (pkg_resources)
	python3 python3-scapy libpcap0.8 python3-grpcio python3-grpc-tools python3-protobuf
	python3-pkg-resources python3-prometheus-client
	# bench: plots
	gnuplot-nox
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
