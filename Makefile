# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# ward: one Makefile, everything built under build/.

BUILD	?= build
CC	?= gcc
CLANG	?= clang
BPFTOOL	?= bpftool
ARCH	:= $(shell uname -m | sed 's/x86_64/x86/;s/aarch64/arm64/')

CFLAGS	?= -O2 -g
# Every folder of src/lib is on the include path: an area's public header
# (config.h, dataplane.h, ...) lives in the area's own folder.
LIB_DIRS := $(shell find src/lib -type d | sort)
CFLAGS	+= -Wall -Wextra -Werror -Wno-unused-parameter -std=gnu11 \
	   -Iinclude $(addprefix -I,$(LIB_DIRS)) -I$(BUILD) -I$(BUILD)/api -D_GNU_SOURCE
# Instrumentation for a separate BUILD (make sanitize, make fuzz): compile
# and link flags both, since every link line passes CFLAGS.
CFLAGS	+= $(SAN_CFLAGS)
LDLIBS	+= -lbpf -lelf -lz -lyaml -lpthread
# The gRPC C core (not the C++ one) and protobuf-c messages: wardd and wardctl.
GRPC_LIBS := -lgrpc -lgpr -lprotobuf-c -lpthread
BPF_CFLAGS := -O2 -g -Wall -Werror -target bpf -D__TARGET_ARCH_$(ARCH) \
	   -Iinclude -Ibpf -I$(BUILD)

LIB_SRC	:= $(shell find src/lib -name '*.c' | sort)
LIB_HDR	:= $(shell find src/lib -name '*.h' | sort)
WARDD_SRC := $(shell find src/wardd -name '*.[ch]' | sort)
WARDCTL_SRC := $(shell find src/wardctl -name '*.[ch]' | sort)
LIB_OBJ	:= $(LIB_SRC:src/lib/%.c=$(BUILD)/lib/%.o)
BPF_HDR	:= $(wildcard bpf/lib/*.h) include/ward/abi.h $(BUILD)/vmlinux.h
SKEL	:= $(BUILD)/ward.skel.h
PB_C	:= $(BUILD)/api/ward/v1/ward.pb-c.c
PB_O	:= $(BUILD)/api/ward.pb-c.o

.PHONY: all deps prereqs check unit bpftest e2e config-test difftest demo bench clean layout-check \
	fuzz fuzz-smoke fuzz-build fuzzers sanitize sanitize-build
all: $(BUILD)/wardd $(BUILD)/wardctl $(BUILD)/ward_bpf_test $(BUILD)/ward_ct_test \
	$(BUILD)/ward_ct_linux_test $(BUILD)/ward_ct_pressure_test $(BUILD)/test_unit \
	$(BUILD)/ward_fqdn_test $(BUILD)/ward_fqdn_bench \
	$(BUILD)/ward_reject_test $(BUILD)/ward_nat_test $(BUILD)/ward_dryrun_test \
	$(BUILD)/ward_frag_test $(BUILD)/xdp_pass.bpf.o \
	$(BUILD)/ward_microbench

$(BUILD)/vmlinux.h:
	@mkdir -p $(@D)
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $@.tmp && mv $@.tmp $@

$(BUILD)/bpf/%.bpf.o: bpf/%.bpf.c $(BPF_HDR)
	@mkdir -p $(@D)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

# Test helper: the client end of a veth needs an XDP program of its own to
# receive what ward sends back with XDP_TX (tests/e2e/test_reject.sh).
$(BUILD)/xdp_pass.bpf.o: tests/e2e/xdp_pass.bpf.c $(BUILD)/vmlinux.h
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

# One object holds both entry points and a single set of maps.
$(BUILD)/ward.bpf.o: $(BUILD)/bpf/xdp.bpf.o $(BUILD)/bpf/tc.bpf.o $(BUILD)/bpf/path.bpf.o \
		    $(BUILD)/bpf/trace.bpf.o $(BUILD)/bpf/frag.bpf.o
	$(BPFTOOL) gen object $@ $^

$(SKEL): $(BUILD)/ward.bpf.o
	$(BPFTOOL) gen skeleton $< name ward_bpf > $@.tmp && mv $@.tmp $@

$(BUILD)/lib/%.o: src/lib/%.c $(LIB_HDR) include/ward/abi.h $(SKEL)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/libward.a: $(LIB_OBJ)
	@rm -f $@	# a moved or removed source must not stay in it as a stale member
	ar rcs $@ $^

# api/ward/v1/ward.proto -> protobuf-c messages (the .h comes with the .c).
$(PB_C): api/ward/v1/ward.proto
	@mkdir -p $(BUILD)/api
	protoc-c --proto_path=api --c_out=$(BUILD)/api ward/v1/ward.proto

$(PB_O): $(PB_C)
	$(CC) $(CFLAGS) -c $< -o $@

# wardd's folders too (api/ holds the gRPC API): one include name per header.
WARDD_DIRS := $(shell find src/wardd -type d | sort)
$(BUILD)/wardd: $(WARDD_SRC) $(BUILD)/libward.a $(PB_O)
	$(CC) $(CFLAGS) $(addprefix -I,$(WARDD_DIRS)) $(filter %.c,$^) $(PB_O) $(BUILD)/libward.a $(LDLIBS) $(GRPC_LIBS) -o $@

$(BUILD)/wardctl: $(WARDCTL_SRC) $(PB_O)
	$(CC) $(CFLAGS) $(filter %.c,$^) $(PB_O) $(GRPC_LIBS) -o $@

$(BUILD)/ward_bpf_test: tests/bpf/test_bpf.c tests/bpf/bpf_harness.c tests/bpf/test_bpf_parser.c \
		tests/bpf/test_bpf_malformed.c tests/bpf/test_bpf_rules.c tests/bpf/test_bpf_commit.c \
		$(wildcard tests/bpf/*.h) $(BUILD)/libward.a
	$(CC) $(CFLAGS) -Itests/bpf $(filter %.c,$^) $(BUILD)/libward.a $(LDLIBS) -o $@

$(BUILD)/ward_fqdn_test: tests/bpf/test_fqdn.c tests/bpf/test_fqdn_track.c $(wildcard tests/bpf/*.h) $(BUILD)/libward.a
	$(CC) $(CFLAGS) -Itests/bpf $(filter %.c,$^) $(BUILD)/libward.a $(LDLIBS) -o $@

$(BUILD)/ward_ct_test: tests/bpf/test_ct.c tests/bpf/ct_harness.c tests/bpf/test_ct_tcp.c \
		tests/bpf/test_ct_tcp_close.c tests/bpf/test_ct_udp_icmp.c tests/bpf/test_ct_policy.c \
		tests/bpf/test_ct_table.c $(wildcard tests/bpf/*.h) $(BUILD)/libward.a
	$(CC) $(CFLAGS) -Itests/bpf $(filter %.c,$^) $(BUILD)/libward.a $(LDLIBS) -o $@

$(BUILD)/ward_ct_linux_test: tests/bpf/test_ct_linux.c tests/bpf/ct_harness.c $(wildcard tests/bpf/*.h) $(BUILD)/libward.a
	$(CC) $(CFLAGS) -Itests/bpf $(filter %.c,$^) $(BUILD)/libward.a $(LDLIBS) -o $@

$(BUILD)/ward_ct_pressure_test: tests/bpf/test_ct_pressure.c tests/bpf/ct_harness.c $(wildcard tests/bpf/*.h) $(BUILD)/libward.a
	$(CC) $(CFLAGS) -Itests/bpf $(filter %.c,$^) $(BUILD)/libward.a $(LDLIBS) -o $@

$(BUILD)/ward_nat_test: tests/bpf/test_nat.c $(wildcard tests/bpf/*.h) $(BUILD)/libward.a
	$(CC) $(CFLAGS) -Itests/bpf $(filter %.c,$^) $(BUILD)/libward.a $(LDLIBS) -o $@

$(BUILD)/ward_reject_test: tests/bpf/test_reject.c $(wildcard tests/bpf/*.h) $(BUILD)/libward.a
	$(CC) $(CFLAGS) -Itests/bpf $(filter %.c,$^) $(BUILD)/libward.a $(LDLIBS) -o $@

$(BUILD)/ward_dryrun_test: tests/bpf/test_dryrun.c $(wildcard tests/bpf/*.h) $(BUILD)/libward.a
	$(CC) $(CFLAGS) -Itests/bpf $(filter %.c,$^) $(BUILD)/libward.a $(LDLIBS) -o $@

$(BUILD)/ward_frag_test: tests/bpf/test_frag.c $(wildcard tests/bpf/*.h) $(BUILD)/libward.a
	$(CC) $(CFLAGS) -Itests/bpf $(filter %.c,$^) $(BUILD)/libward.a $(LDLIBS) -o $@

$(BUILD)/ward_microbench: $(wildcard bench/microbench*.c) $(wildcard bench/*.h) $(BUILD)/libward.a
	$(CC) $(CFLAGS) -Ibench $(filter %.c,$^) $(BUILD)/libward.a $(LDLIBS) -lm -o $@

$(BUILD)/ward_fqdn_bench: bench/fqdn_bench.c tests/bpf/dns_pkt.h $(BUILD)/libward.a
	$(CC) $(CFLAGS) -Itests/bpf $(filter %.c,$^) $(BUILD)/libward.a $(LDLIBS) -o $@

$(BUILD)/test_unit: $(wildcard tests/unit/*.c) $(BUILD)/libward.a
	$(CC) $(CFLAGS) $(filter %.c,$^) $(BUILD)/libward.a $(LDLIBS) -lcmocka -o $@

# Fuzzing and sanitizers (docs/hardening.md). Both build with clang into a
# BUILD of their own, ASan+UBSan on every object of ours; the fuzzers add
# libFuzzer's coverage. clang 14 warns of designated initializers that
# leave a field out, which the tables of the config reader do on purpose.
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer \
	     -Wno-missing-field-initializers
export UBSAN_OPTIONS ?= halt_on_error=1:print_stacktrace=1
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 60
FUZZERS	:= config api dns packet

fuzz-build:
	$(MAKE) BUILD=$(FUZZ_BUILD) CC=$(CLANG) SAN_CFLAGS="-O1 $(SAN_FLAGS) -fsanitize=fuzzer-no-link" fuzzers

fuzzers: $(FUZZERS:%=$(BUILD)/fuzz_%) $(BUILD)/ward_fuzz_seeds

$(BUILD)/fuzz_%: tests/fuzz/fuzz_%.c $(wildcard tests/fuzz/*.h) $(BUILD)/libward.a $(PB_O)
	$(CC) $(CFLAGS) -fsanitize=fuzzer -Itests/bpf $< $(PB_O) $(BUILD)/libward.a $(LDLIBS) -lprotobuf-c -o $@

$(BUILD)/ward_fuzz_seeds: tests/fuzz/seeds.c tests/bpf/dns_pkt.h $(PB_O)
	$(CC) $(CFLAGS) -Itests/bpf $< $(PB_O) -lprotobuf-c -o $@

# Each fuzzer FUZZ_SECONDS, after replaying its regression corpus.
fuzz: fuzz-build
	BUILD=$(FUZZ_BUILD) FUZZ_SECONDS=$(FUZZ_SECONDS) ./tests/fuzz/run.sh $(FUZZERS)

# What CI runs: 25 s each, under two minutes in all.
fuzz-smoke:
	$(MAKE) fuzz FUZZ_SECONDS=25

SAN_BUILD ?= build-asan
sanitize-build:
	$(MAKE) BUILD=$(SAN_BUILD) CC=$(CLANG) SAN_CFLAGS="-O1 $(SAN_FLAGS)" \
		$(SAN_BUILD)/test_unit $(SAN_BUILD)/wardd

# The unit and config suites, and a wardd start/reload/stop under LSan.
sanitize: sanitize-build
	ASAN_OPTIONS=detect_leaks=1 $(SAN_BUILD)/test_unit
	ASAN_OPTIONS=detect_leaks=1 WARDD=$(SAN_BUILD)/wardd ./tests/config/run.sh
	WARDD=$(SAN_BUILD)/wardd ./tests/fuzz/lsan_cycle.sh

# Debian packages by name: the only thing a fresh machine needs.
deps:
	./tools/install-deps.sh

# What the suites need of this machine (BTF, bpffs, netns, every tool, a
# scapy send+sniff), in seconds: a missing piece stops here, named.
prereqs:
	./tools/check-prereqs

unit: $(BUILD)/test_unit
	$(BUILD)/test_unit

config-test: $(BUILD)/wardd
	./tests/config/run.sh

bpftest: $(BUILD)/ward_bpf_test $(BUILD)/ward_ct_test $(BUILD)/ward_ct_linux_test \
	$(BUILD)/ward_ct_pressure_test \
	$(BUILD)/ward_fqdn_test $(BUILD)/ward_reject_test $(BUILD)/ward_nat_test $(BUILD)/ward_dryrun_test \
	$(BUILD)/ward_frag_test
	$(BUILD)/ward_bpf_test
	$(BUILD)/ward_ct_test
	$(BUILD)/ward_ct_linux_test
	$(BUILD)/ward_ct_pressure_test
	$(BUILD)/ward_fqdn_test
	$(BUILD)/ward_reject_test
	$(BUILD)/ward_nat_test
	$(BUILD)/ward_dryrun_test
	$(BUILD)/ward_frag_test

# No source over 800 lines (but tools/layout-allow.txt's) and no include
# cycle across folders: see the top of tools/check-layout.
layout-check:
	./tools/check-layout

e2e: all
	./tests/e2e/run.sh

# Conntrack frame by frame against nftables (tests/diff/run.sh; SEED=, N=
# and `tests/diff/run.sh random` for longer runs).
difftest: $(BUILD)/wardd
	./tests/diff/run.sh scripted

# The order matters: packages, then the probe, then the long part.
check: deps
	$(MAKE) prereqs
	$(MAKE) all
	$(MAKE) layout-check unit config-test bpftest e2e difftest
	$(MAKE) sanitize fuzz-smoke
	QUICK=1 BUILD=$(BUILD) ./bench/run.sh >/dev/null
	@echo "make check: all suites passed"

demo: deps
	$(MAKE) prereqs
	$(MAKE) all
	./examples/demo.sh

# QUICK=1: a short version of every benchmark (what `make check` runs).
bench: deps
	$(MAKE) all
	$(MAKE) -f bench/bench.mk BUILD=$(BUILD)
	QUICK=$(QUICK) BUILD=$(BUILD) BUILD_SKIP=1 ./bench/run.sh

clean:
	rm -rf $(BUILD)
