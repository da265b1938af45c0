# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# bench/bench.mk: the benchmark's own tools, beside what the top-level
# Makefile builds (wardd, ward_microbench): the live-frames packet generator
# and the XDP sink. Called by bench/run.sh and `make bench`:
#   make -f bench/bench.mk BUILD=build
# Same toolchain and flags as the top-level Makefile; the output goes to
# $(BUILD)/bench/.

BUILD	?= build
CC	?= gcc
CLANG	?= clang
BPFTOOL	?= bpftool
ARCH	:= $(shell uname -m | sed 's/x86_64/x86/;s/aarch64/arm64/')
OUT	:= $(BUILD)/bench

CFLAGS	?= -O2 -g
CFLAGS	+= -Wall -Wextra -Werror -Wno-unused-parameter -std=gnu11 -D_GNU_SOURCE -I$(OUT)
LDLIBS	+= -lbpf -lelf -lz
BPF_CFLAGS := -O2 -g -Wall -Werror -target bpf -D__TARGET_ARCH_$(ARCH) -I$(BUILD)

.PHONY: all
all: $(OUT)/wbgen $(OUT)/sink.bpf.o $(OUT)/clock.bpf.o

$(BUILD)/vmlinux.h:
	@mkdir -p $(@D)
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $@.tmp && mv $@.tmp $@

$(OUT)/%.bpf.o: bench/gen/%.bpf.c $(BUILD)/vmlinux.h
	@mkdir -p $(@D)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUT)/gen.skel.h: $(OUT)/gen.bpf.o
	$(BPFTOOL) gen skeleton $< name bench_gen_bpf > $@.tmp && mv $@.tmp $@

$(OUT)/wbgen: bench/gen/wbgen.c $(OUT)/gen.skel.h
	$(CC) $(CFLAGS) $< $(LDLIBS) -o $@
