// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * bench/gen/wbgen.c: a packet generator for the veth benchmarks, made of
 * BPF_PROG_TEST_RUN with BPF_F_TEST_XDP_LIVE_FRAMES (see gen.bpf.c).
 *
 *   wbgen -i IFACE -d DSTMAC [-s SRC] [-D DST] [-P SPORT] [-p DPORT]
 *         [-f FLOWS] [-l LEN] [-t SECONDS] [-c CPU]
 *
 * Run it in the namespace that owns IFACE. It sends IPv4/UDP frames of LEN
 * bytes without FCS (60: 64 on the wire) with a valid IP checksum and UDP
 * checksum 0, for SECONDS, and prints how many frames it handed to the
 * kernel. Frames the target refused (a veth's ring full) are not sent: they
 * show as tx_queue_0_xdp_xmit_errors in the peer's ethtool -S, so count what
 * the receiver got, not what this says. A veth only takes redirected frames
 * when its peer has NAPI: an XDP program attached there, or GRO on.
 * It says "wbgen: sending" once the program is loaded, right before the
 * first frame, so that a harness can start its clock then: loading may take
 * a while on a busy machine. SIGINT or SIGTERM end the run early, as if the
 * time were up.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "gen.skel.h"

#define GEN_MAX_LEN	1514
#define GEN_MIN_LEN	48	/* headers plus 6 bytes: gen.bpf.c rewrites these */
#define GEN_BATCH	64		/* frames per page-pool batch */
/* One test-run call lasts 10-50 ms: the receiver may run in this CPU's
 * softirq, so a call takes as long as the receiver needs for its frames,
 * and a fixed large repeat could block for minutes on a slow one. */
#define GEN_CALL_MIN_S	0.010
#define GEN_CALL_MAX_S	0.050
#define GEN_REPEAT_MAX	(1u << 20)

struct gen_opts {
	const char *ifname;
	unsigned char dmac[ETH_ALEN];
	struct in_addr src, dst;
	unsigned int sport, dport;
	unsigned int nflows;
	unsigned int len;
	double	secs;
	int	cpu;
};

static volatile sig_atomic_t stop;

static void on_stop(int sig)
{
	stop = 1;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The Internet checksum of an IPv4 header. */
static __u16 csum16(const void *p, size_t len)
{
	const __u16 *w = p;
	__u32 s = 0;

	for (; len > 1; len -= 2)
		s += *w++;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return ~s;
}

static int parse_mac(const char *s, unsigned char *mac)
{
	return sscanf(s, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &mac[0], &mac[1], &mac[2],
		      &mac[3], &mac[4], &mac[5]) == 6 ? 0 : -EINVAL;
}

static int link_mac(const char *ifname, unsigned char *mac)
{
	struct ifreq ifr = {};
	int fd, err = 0;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr))
		err = -errno;
	else
		memcpy(mac, ifr.ifr_hwaddr.sa_data, ETH_ALEN);
	close(fd);
	return err;
}

static void build_frame(unsigned char *buf, const struct gen_opts *o,
			const unsigned char *smac)
{
	struct ethhdr *eth = (struct ethhdr *)buf;
	struct iphdr *ip = (struct iphdr *)(eth + 1);
	struct udphdr *udp = (struct udphdr *)(ip + 1);

	memset(buf, 0, o->len);
	memcpy(eth->h_dest, o->dmac, ETH_ALEN);
	memcpy(eth->h_source, smac, ETH_ALEN);
	eth->h_proto = htons(ETH_P_IP);
	ip->version = 4;
	ip->ihl = 5;
	ip->ttl = 64;
	ip->protocol = IPPROTO_UDP;
	ip->tot_len = htons(o->len - ETH_HLEN);
	ip->saddr = o->src.s_addr;
	ip->daddr = o->dst.s_addr;
	ip->check = csum16(ip, sizeof(*ip));
	udp->source = htons(o->sport);
	udp->dest = htons(o->dport);
	udp->len = htons(o->len - ETH_HLEN - sizeof(*ip));
}

/* Sends until the time is up; *sent: frames handed to the kernel. */
static int gen_run(int prog_fd, unsigned char *frame, const struct gen_opts *o,
		   unsigned long long *sent, double *secs)
{
	unsigned int repeat = 4096;
	double t0 = now_s(), t1, tc;
	int err = 0;

	*sent = 0;
	do {
		LIBBPF_OPTS(bpf_test_run_opts, opts,
			.data_in = frame,
			.data_size_in = o->len,
			.repeat = repeat,
			.flags = BPF_F_TEST_XDP_LIVE_FRAMES,
			.batch_size = GEN_BATCH);

		tc = now_s();
		if (bpf_prog_test_run_opts(prog_fd, &opts)) {
			err = -errno;
			if (err == -EINTR && stop)
				err = 0;
			t1 = now_s();
			break;
		}
		*sent += repeat;
		t1 = now_s();
		if (t1 - tc < GEN_CALL_MIN_S && repeat < GEN_REPEAT_MAX)
			repeat *= 2;
		else if (t1 - tc > GEN_CALL_MAX_S && repeat > GEN_BATCH)
			repeat /= 2;
	} while (!stop && t1 - t0 < o->secs);
	*secs = t1 - t0;
	return err;
}

static void usage(FILE *f, const char *prog)
{
	fprintf(f,
		"usage: %s -i IFACE -d DSTMAC [-s SRC] [-D DST] [-P SPORT] [-p DPORT]\n"
		"       [-f FLOWS] [-l LEN] [-t SECONDS] [-c CPU]\n"
		"  -s, -D  IPv4 source and destination (198.18.0.1, 198.18.0.2)\n"
		"  -P, -p  UDP source and destination port (1024, 9)\n"
		"  -f      rotate the source port over this many flows (1)\n"
		"  -l      frame length without FCS, %d..%d (60: 64 B on the wire)\n"
		"  -t      seconds to send (5)\n"
		"  -c      pin to this CPU (-1: don't pin; the default)\n", prog, GEN_MIN_LEN,
		GEN_MAX_LEN);
}

static int parse_uint(const char *s, unsigned int lo, unsigned int hi, unsigned int *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || end == s || v < lo || v > hi)
		return -EINVAL;
	*out = v;
	return 0;
}

int main(int argc, char **argv)
{
	struct gen_opts o = {
		.sport = 1024, .dport = 9, .nflows = 1, .len = 60, .secs = 5, .cpu = -1,
	};
	unsigned char frame[GEN_MAX_LEN], smac[ETH_ALEN];
	struct sigaction sa = { .sa_handler = on_stop };
	struct bench_gen_bpf *skel;
	unsigned long long sent;
	bool have_dmac = false;
	unsigned int ifindex, cpu;
	double secs;
	int opt, err;

	inet_pton(AF_INET, "198.18.0.1", &o.src);
	inet_pton(AF_INET, "198.18.0.2", &o.dst);
	while ((opt = getopt(argc, argv, "i:d:s:D:P:p:f:l:t:c:h")) != -1) {
		switch (opt) {
		case 'i':
			o.ifname = optarg;
			break;
		case 'd':
			if (parse_mac(optarg, o.dmac))
				goto bad;
			have_dmac = true;
			break;
		case 's':
			if (inet_pton(AF_INET, optarg, &o.src) != 1)
				goto bad;
			break;
		case 'D':
			if (inet_pton(AF_INET, optarg, &o.dst) != 1)
				goto bad;
			break;
		case 'P':
			if (parse_uint(optarg, 0, 65535, &o.sport))
				goto bad;
			break;
		case 'p':
			if (parse_uint(optarg, 0, 65535, &o.dport))
				goto bad;
			break;
		case 'f':
			if (parse_uint(optarg, 1, 65536, &o.nflows))
				goto bad;
			break;
		case 'l':
			if (parse_uint(optarg, GEN_MIN_LEN, GEN_MAX_LEN, &o.len))
				goto bad;
			break;
		case 't':
			o.secs = strtod(optarg, NULL);
			if (o.secs <= 0)
				goto bad;
			break;
		case 'c':
			if (parse_uint(optarg, 0, CPU_SETSIZE - 1, &cpu))
				goto bad;
			o.cpu = cpu;
			break;
		case 'h':
			usage(stdout, argv[0]);
			return 0;
		default:
			goto bad;
		}
	}
	if (!o.ifname || !have_dmac || optind != argc) {
bad:
		usage(stderr, argv[0]);
		return 1;
	}
	ifindex = if_nametoindex(o.ifname);
	if (!ifindex || (err = link_mac(o.ifname, smac))) {
		fprintf(stderr, "wbgen: %s: %s\n", o.ifname, strerror(errno));
		return 1;
	}
	if (o.cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(o.cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set)) {
			fprintf(stderr, "wbgen: CPU %d: %s\n", o.cpu, strerror(errno));
			return 1;
		}
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	build_frame(frame, &o, smac);

	skel = bench_gen_bpf__open();
	if (!skel) {
		fprintf(stderr, "wbgen: open: %s\n", strerror(errno));
		return 1;
	}
	skel->rodata->cfg_ifindex = ifindex;
	skel->rodata->cfg_nflows = o.nflows;
	skel->rodata->cfg_sport = o.sport;
	_Static_assert(sizeof(skel->rodata->cfg_hdr) == GEN_MIN_LEN, "the headers' copy");
	memcpy((void *)skel->rodata->cfg_hdr, frame, GEN_MIN_LEN);
	err = bench_gen_bpf__load(skel);
	if (err) {
		fprintf(stderr, "wbgen: load: %s\n", strerror(-err));
		goto out_destroy;
	}
	printf("wbgen: sending\n");
	fflush(stdout);
	err = gen_run(bpf_program__fd(skel->progs.bench_gen), frame, &o, &sent, &secs);
	if (err) {
		fprintf(stderr, "wbgen: test run: %s\n", strerror(-err));
		goto out_destroy;
	}
	printf("wbgen: %s len=%u flows=%u frames=%llu secs=%.3f rate=%.4f Mpps\n",
	       o.ifname, o.len, o.nflows, sent, secs, sent / secs / 1e6);
out_destroy:
	bench_gen_bpf__destroy(skel);
	return err ? 1 : 0;
}
