// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * tests/e2e/relay.c: an impaired link in userspace, for a kernel without
 * netem (sch_netem is not built here). It bridges pairs of interfaces with
 * AF_PACKET sockets, frame by frame in both directions, and on the way loses,
 * duplicates, reorders and corrupts IPv4 TCP and UDP frames with the given
 * probabilities. Other frames (ARP, IPv6 neighbour discovery) pass
 * untouched, so the link itself always comes up.
 *
 *   ward_relay [-l LOSS] [-d DUP] [-r REORDER] [-g GAP] [-c CORRUPT]
 *              [-s SEED] [-S STATSFILE] [-w PREFIX] IF1:IF2 [IF3:IF4 ...]
 *
 * Probabilities are percentages (floats). A reordered frame is held and
 * sent after the next GAP frames of its direction (default 3), or after
 * HOLD_MS when the direction goes quiet, so the last segment of a burst is
 * late, never lost. A corrupted frame has one byte of its L4 header or
 * payload flipped, never of the Ethernet or IP header: the IP checksum
 * stays valid and the frame reaches the firewall, whose conntrack (and the
 * receiver) must cope with it. A duplicate is sent right after the
 * original. The decisions come from a PRNG seeded with SEED, one draw
 * sequence per direction, so a run with the same SEED makes the same
 * decisions for the same frame sequence (timing still varies).
 *
 * The interfaces' senders must not use offloads (ethtool -K DEV tx off
 * tso off gso off gro off): a frame read here is sent as it is, so it must
 * be an MTU frame with its checksum filled in.
 *
 * -w PREFIX records the first 128 bytes of every frame in pcap files, per
 * direction what was read (PREFIX-IF1>IF2-in.pcap) and what was sent
 * (...-out.pcap): a firewall between two relays then shows what it dropped.
 *
 * On SIGTERM or SIGINT the relay writes one line of counters per direction
 * to STATSFILE (or stderr) and exits 0.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define MAX_PAIRS 4
#define MAX_HELD 64
#define FRAME_MAX 2048
#define HOLD_MS 20

struct held {
	int left;		/* frames still to pass before this one */
	uint64_t since_ms;
	size_t len;
	unsigned char buf[FRAME_MAX];
};

struct dir {			/* one direction: read rx, write tx */
	int rx, tx;
	int tx_ifindex;
	char name[40];
	uint64_t rng;
	struct held held[MAX_HELD];
	int nheld;
	unsigned long long in, out, lost, dup, reord, corrupt, other, oversize, rx_full;
	FILE *pcap_in, *pcap_out;
};

#define PCAP_SNAP 128

static double p_loss, p_dup, p_reorder, p_corrupt;
static int gap = 3;
static volatile sig_atomic_t stop;
static struct dir dirs[2 * MAX_PAIRS];
static int ndirs;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* xorshift64*: small, seedable, good enough for coin flips. */
static uint64_t rnd(struct dir *d)
{
	d->rng ^= d->rng >> 12;
	d->rng ^= d->rng << 25;
	d->rng ^= d->rng >> 27;
	return d->rng * 0x2545F4914F6CDD1DULL;
}

static int chance(struct dir *d, double pct)
{
	if (pct <= 0)
		return 0;
	return (double)(rnd(d) >> 11) / (double)(1ULL << 53) * 100.0 < pct;
}

static int open_if(const char *name, int *ifindex)
{
	struct sockaddr_ll sll = { 0 };
	int fd, one = 1, rcvbuf = 32 << 20;

	*ifindex = if_nametoindex(name);
	if (!*ifindex) {
		fprintf(stderr, "ward_relay: interface %s: %s\n", name, strerror(errno));
		return -1;
	}
	fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK, htons(ETH_P_ALL));
	if (fd < 0) {
		fprintf(stderr, "ward_relay: AF_PACKET socket: %s\n", strerror(errno));
		return -1;
	}
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = *ifindex;
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		fprintf(stderr, "ward_relay: bind %s: %s\n", name, strerror(errno));
		close(fd);
		return -1;
	}
	/* Frames we send must not come back to us on the other socket. */
	setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one));
	/* A burst must wait here, not be lost before the relay decides:
	 * what is lost is what -l says (the rest is counted as rx_full). */
	setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf));
	return fd;
}

static FILE *pcap_open(const char *prefix, const char *name, const char *what)
{
	/* pcap: magic, v2.4, tz 0, sigfigs 0, snaplen, Ethernet */
	static const uint32_t hdr[6] = { 0xa1b2c3d4, 0x00040002, 0, 0, PCAP_SNAP, 1 };
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s-%s-%s.pcap", prefix, name, what);
	f = fopen(path, "w");
	if (!f) {
		fprintf(stderr, "ward_relay: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	fwrite(hdr, sizeof(hdr), 1, f);
	return f;
}

static void pcap_write(FILE *f, const unsigned char *buf, size_t len)
{
	struct timeval tv;
	uint32_t rec[4];

	if (!f)
		return;
	gettimeofday(&tv, NULL);
	rec[0] = (uint32_t)tv.tv_sec;
	rec[1] = (uint32_t)tv.tv_usec;
	rec[2] = len < PCAP_SNAP ? (uint32_t)len : PCAP_SNAP;
	rec[3] = (uint32_t)len;
	fwrite(rec, sizeof(rec), 1, f);
	fwrite(buf, rec[2], 1, f);
}

static void send_frame(struct dir *d, const unsigned char *buf, size_t len)
{
	struct sockaddr_ll sll = { 0 };

	sll.sll_family = AF_PACKET;
	sll.sll_ifindex = d->tx_ifindex;
	sll.sll_halen = ETH_ALEN;
	memcpy(sll.sll_addr, buf, ETH_ALEN);
	/* A full socket buffer is a lost frame, as on a real link. */
	if (sendto(d->tx, buf, len, 0, (struct sockaddr *)&sll, sizeof(sll)) == (ssize_t)len) {
		d->out++;
		pcap_write(d->pcap_out, buf, len);
	}
}

/* Send the held frames whose turn came (after GAP frames, or HOLD_MS). */
static void release(struct dir *d, int passed, uint64_t now)
{
	int i = 0;

	while (i < d->nheld) {
		struct held *h = &d->held[i];

		h->left -= passed;
		if (h->left <= 0 || now - h->since_ms >= HOLD_MS) {
			send_frame(d, h->buf, h->len);
			d->held[i] = d->held[--d->nheld];
			continue;
		}
		i++;
	}
}

/* L4 offset of an IPv4 TCP/UDP frame (first fragment or whole), or 0. */
static size_t l4_offset(const unsigned char *buf, size_t len)
{
	size_t ihl;

	if (len < ETH_HLEN + 20 || buf[12] != 0x08 || buf[13] != 0x00)
		return 0;
	if ((buf[ETH_HLEN] >> 4) != 4)
		return 0;
	if (buf[ETH_HLEN + 9] != IPPROTO_TCP && buf[ETH_HLEN + 9] != IPPROTO_UDP)
		return 0;
	ihl = (size_t)(buf[ETH_HLEN] & 0xf) * 4;
	if (ihl < 20 || ETH_HLEN + ihl >= len)
		return 0;
	return ETH_HLEN + ihl;
}

static void forward(struct dir *d, unsigned char *buf, size_t len)
{
	size_t l4 = l4_offset(buf, len);
	int dup;

	d->in++;
	pcap_write(d->pcap_in, buf, len);
	if (!l4) {		/* ARP, ND, anything else: the link's plumbing */
		d->other++;
		send_frame(d, buf, len);
		return;
	}
	if (chance(d, p_loss)) {
		d->lost++;
		return;
	}
	if (chance(d, p_corrupt)) {
		size_t at = l4 + rnd(d) % (len - l4);

		buf[at] ^= (unsigned char)(1 + rnd(d) % 255);
		d->corrupt++;
	}
	dup = chance(d, p_dup);
	if (dup)
		d->dup++;
	if (chance(d, p_reorder) && d->nheld < MAX_HELD) {
		struct held *h = &d->held[d->nheld++];

		h->left = gap;
		h->since_ms = now_ms();
		h->len = len;
		memcpy(h->buf, buf, len);
		d->reord++;
		if (dup)	/* the copy goes on time: the original comes late */
			send_frame(d, buf, len);
		return;
	}
	send_frame(d, buf, len);
	if (dup)
		send_frame(d, buf, len);
	release(d, 1, now_ms());
}

static void usage(void)
{
	fprintf(stderr, "usage: ward_relay [-l LOSS%%] [-d DUP%%] [-r REORDER%%] [-g GAP] "
		"[-c CORRUPT%%] [-s SEED] [-S STATSFILE] [-w PREFIX] IF1:IF2 [IF3:IF4 ...]\n");
	exit(2);
}

static double pct_arg(const char *opt, const char *s)
{
	char *end;
	double v = strtod(s, &end);

	if (*s == '\0' || *end != '\0' || v < 0 || v > 100) {
		fprintf(stderr, "ward_relay: %s: '%s' is not a percentage 0-100\n", opt, s);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	const char *statsfile = NULL, *pcap_prefix = NULL;
	unsigned long long seed = 1;
	struct pollfd pfd[2 * MAX_PAIRS];
	static unsigned char buf[FRAME_MAX];
	FILE *out;
	int opt, i;

	while ((opt = getopt(argc, argv, "l:d:r:g:c:s:S:w:")) != -1) {
		switch (opt) {
		case 'l': p_loss = pct_arg("-l", optarg); break;
		case 'd': p_dup = pct_arg("-d", optarg); break;
		case 'r': p_reorder = pct_arg("-r", optarg); break;
		case 'c': p_corrupt = pct_arg("-c", optarg); break;
		case 'g':
			gap = atoi(optarg);
			if (gap < 1 || gap > 1000) {
				fprintf(stderr, "ward_relay: -g: '%s' is not a frame count 1-1000\n", optarg);
				return 2;
			}
			break;
		case 's': seed = strtoull(optarg, NULL, 0); break;
		case 'S': statsfile = optarg; break;
		case 'w': pcap_prefix = optarg; break;
		default: usage();
		}
	}
	if (optind >= argc || argc - optind > MAX_PAIRS)
		usage();
	for (i = optind; i < argc; i++) {
		char a[IF_NAMESIZE + 1], b[IF_NAMESIZE + 1];
		struct dir *ab = &dirs[ndirs], *ba = &dirs[ndirs + 1];
		int fa, fb, ia, ib;

		if (sscanf(argv[i], "%16[^:]:%16s", a, b) != 2) {
			fprintf(stderr, "ward_relay: '%s' is not IF1:IF2\n", argv[i]);
			return 2;
		}
		fa = open_if(a, &ia);
		fb = open_if(b, &ib);
		if (fa < 0 || fb < 0)
			return 1;
		*ab = (struct dir){ .rx = fa, .tx = fb, .tx_ifindex = ib };
		*ba = (struct dir){ .rx = fb, .tx = fa, .tx_ifindex = ia };
		snprintf(ab->name, sizeof(ab->name), "%s>%s", a, b);
		snprintf(ba->name, sizeof(ba->name), "%s>%s", b, a);
		if (pcap_prefix) {
			ab->pcap_in = pcap_open(pcap_prefix, ab->name, "in");
			ab->pcap_out = pcap_open(pcap_prefix, ab->name, "out");
			ba->pcap_in = pcap_open(pcap_prefix, ba->name, "in");
			ba->pcap_out = pcap_open(pcap_prefix, ba->name, "out");
		}
		/* Distinct, never zero, repeatable streams per direction. */
		ab->rng = (seed + 1) * 0x9E3779B97F4A7C15ULL + (uint64_t)ndirs;
		ba->rng = (seed + 1) * 0x9E3779B97F4A7C15ULL + (uint64_t)ndirs + 1;
		ndirs += 2;
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	for (i = 0; i < ndirs; i++)
		pfd[i] = (struct pollfd){ .fd = dirs[i].rx, .events = POLLIN };
	while (!stop) {
		int n = poll(pfd, ndirs, HOLD_MS / 2);

		if (n < 0 && errno != EINTR)
			break;
		for (i = 0; i < ndirs; i++) {
			struct dir *d = &dirs[i];
			int burst;

			/* Drain a batch so one busy direction cannot starve the other. */
			for (burst = 0; burst < 64 && (pfd[i].revents & POLLIN); burst++) {
				struct sockaddr_ll from;
				socklen_t fl = sizeof(from);
				ssize_t len = recvfrom(d->rx, buf, sizeof(buf), MSG_TRUNC,
						       (struct sockaddr *)&from, &fl);

				if (len < 0)
					break;
				if (from.sll_pkttype == PACKET_OUTGOING)
					continue;
				if ((size_t)len > sizeof(buf)) {	/* offload left on: a test setup error */
					d->oversize++;
					continue;
				}
				forward(d, buf, (size_t)len);
			}
			if (d->nheld)
				release(d, 0, now_ms());
		}
	}
	out = statsfile ? fopen(statsfile, "w") : stderr;
	if (!out)
		out = stderr;
	for (i = 0; i < ndirs; i++) {
		struct dir *d = &dirs[i];
		struct tpacket_stats st;
		socklen_t sl = sizeof(st);

		if (!getsockopt(d->rx, SOL_PACKET, PACKET_STATISTICS, &st, &sl))
			d->rx_full = st.tp_drops;
		fprintf(out, "%s in %llu out %llu lost %llu dup %llu reorder %llu corrupt %llu other %llu oversize %llu rx_full %llu\n",
			d->name, d->in, d->out, d->lost, d->dup, d->reord, d->corrupt, d->other,
			d->oversize, d->rx_full);
		if (d->pcap_in)
			fclose(d->pcap_in);
		if (d->pcap_out)
			fclose(d->pcap_out);
	}
	if (out != stderr)
		fclose(out);
	return 0;
}
