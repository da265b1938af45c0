// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * src/wardd/wardd.c: the daemon. A thin main over libward: read the policy,
 * compile it, swap it into the data plane, attach to the links it names,
 * and reload on SIGHUP. The data plane keeps enforcing after we exit.
 */
#include <errno.h>
#include <ftw.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/statfs.h>
#include <unistd.h>
#include <linux/magic.h>
#include "api.h"
#include "config.h"
#include "discovery.h"
#include "events.h"
#include "log.h"
#include "metrics.h"
#include "wardd.h"
#include "ct_pressure.h"
#include "ct_sweep.h"
#include "dataplane_nat.h"

/* The sweeper walks this many flows a tick: a 1M-flow table in 16 s. */
#define WARDD_TICK_MS		1000
#define WARDD_SWEEP_BUDGET	65536

static void usage(FILE *f)
{
	fprintf(f,
		"usage: wardd [-d] [-v] [-c ward.yaml] [-p PIN_DIR] [--api unix:PATH] [--api-locked]\n"
		"             [--log-target stderr|syslog|both] [--detach-on-exit] [--reset]\n"
		"       wardd -n [-c ward.yaml]\n"
		"  -c FILE           policy file (default: the embedded dry-run default)\n"
		"  -n                check the file, print it normalized, and exit\n"
		"  -d                log to stderr only (--log-target stderr)\n"
		"  --log-target T    stderr, syslog or both (default both: syslog where\n"
		"                    /dev/log exists); startup messages always reach stderr\n"
		"  -v                debug logging\n"
		"  -p DIR            pin directory (default " WARD_PIN_DIR "); bpffs is mounted\n"
		"                    on DIR when it is not on one and is empty\n"
		"  --api unix:PATH   where the gRPC API listens (default " API_LISTEN_DEFAULT "),\n"
		"                    none for no API\n"
		"  --api-locked      serve the API read-only: the file is the only source of truth\n"
		"  --detach-on-exit  on SIGTERM, remove ward's programs and pins\n"
		"  --reset           remove pinned maps of an earlier run before loading\n"
		"signals: SIGHUP reloads the file, SIGUSR1 logs counters, SIGTERM stops\n"
		"A startup failure is one line on stderr and exit status 1.\n");
}

/* The file (or the embedded default) parsed; on error err says
 * FILE:LINE: field: message. */
static int load_policy(const char *path, struct pol_policy *pol, char *err, size_t errlen)
{
	if (path)
		return cfg_parse_file(path, pol, err, errlen);
	return cfg_parse_string("<embedded>", cfg_embedded_default,
				strlen(cfg_embedded_default), pol, err, errlen);
}

/* parse -> compile -> links -> commit -> attach. Until the commit nothing
 * changes; an error before it leaves the running policy as it was. */
int wardd_reload(struct wardd *w)
{
	struct wardd_src src = {};
	struct pol_policy pol = {};
	struct compiled comp = {};
	struct dp_link *links = NULL;
	size_t n_links = 0;
	char err[CFG_ERR_MAX];
	int ret;

	/* The file's text (or one an API call queued), with the API's rules
	 * merged in: one policy, one generation. */
	ret = api_source(w, &src, w->reload_err, sizeof(w->reload_err));
	if (!ret)
		ret = api_parse(w, &src, &pol, w->reload_err, sizeof(w->reload_err));
	if (ret) {
		pr_warn("%s\n", w->reload_err);
		goto err_src;
	}
	ret = compile_policy(&pol, &comp, err, sizeof(err));
	if (ret) {
		snprintf(w->reload_err, sizeof(w->reload_err), "%s: %.440s",
			 pol.source ? pol.source : "policy", err);
		pr_warn("%s\n", w->reload_err);
		goto err_pol;
	}
	ret = dp_scan_links(&comp, &pol, &links, &n_links);
	if (ret) {
		snprintf(w->reload_err, sizeof(w->reload_err), "listing links: %s",
			 strerror(-ret));
		pr_warn("%s\n", w->reload_err);
		goto err_comp;
	}
	ret = dp_commit(&w->dp, &comp, links, n_links);
	if (ret) {
		snprintf(w->reload_err, sizeof(w->reload_err),
			 "the data plane refused the policy: %s", strerror(-ret));
		pr_warn("%s\n", w->reload_err);
		goto err_links;
	}
	dp_attach(&w->dp, links, n_links);
	free(links);

	if (w->have_policy) {
		compiled_free(&w->comp);
		pol_free(&w->pol);
	}
	w->pol = pol;
	w->comp = comp;
	w->have_policy = true;
	w->reload_err[0] = '\0';
	api_committed(w, &src);
	events_configure(w);
	return 0;

err_links:
	free(links);
err_comp:
	compiled_free(&comp);
err_pol:
	pol_free(&pol);
err_src:
	api_src_free(&src);
	return ret;
}

int wardd_sync_links(struct wardd *w)
{
	struct dp_link *links = NULL;
	size_t n_links = 0;
	int ret;

	if (!w->have_policy)
		return 0;
	ret = dp_scan_links(&w->comp, &w->pol, &links, &n_links);
	if (ret)
		return ret;
	ret = dp_attach(&w->dp, links, n_links);
	free(links);
	return ret;
}

static int check_only(const char *path)
{
	struct pol_policy pol = {};
	struct compiled comp = {};
	char err[CFG_ERR_MAX];
	int ret;

	/* Plain FILE:LINE: field: message on stderr, for editors and scripts. */
	if (path)
		ret = cfg_parse_file(path, &pol, err, sizeof(err));
	else
		ret = cfg_parse_string("<embedded>", cfg_embedded_default,
				       strlen(cfg_embedded_default), &pol, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	/* A policy the compiler refuses (too many shapes...) is invalid too. */
	if (compile_policy(&pol, &comp, err, sizeof(err))) {
		fprintf(stderr, "%s: %s\n", pol.source ? pol.source : "policy", err);
		pol_free(&pol);
		return 1;
	}
	cfg_print(&pol, stdout);
	compiled_free(&comp);
	pol_free(&pol);
	return 0;
}

/* SIGUSR1: the counters, flows and links, where every other message goes. */
static void dump_counters(struct wardd *w)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f) {
		pr_warn("SIGUSR1: no memory for the counter dump\n");
		return;
	}
	dp_print_stats(&w->dp, f);
	fprintf(f, "conntrack flows %zu max %u\n", dp_ct_count(&w->dp), w->dp.max_flows);
	dp_print_links(&w->dp, f);
	if (fclose(f))
		pr_warn("SIGUSR1: no memory for the counter dump\n");
	else
		log_block(LOG_LVL_INFO, text);
	free(text);
}

static void on_signal(int fd, uint32_t events, void *arg)
{
	struct signalfd_siginfo si;
	struct wardd *w = arg;

	if (read(fd, &si, sizeof(si)) != sizeof(si))
		return;
	switch (si.ssi_signo) {
	case SIGHUP:
		pr_info("SIGHUP: reloading %s\n",
			w->config_path ? w->config_path : "the embedded default");
		if (wardd_reload(w))
			pr_warn("reload failed; generation %llu stays live\n",
				(unsigned long long)w->dp.generation);
		break;
	case SIGUSR1:
		dump_counters(w);
		break;
	default:
		pr_info("stopping%s\n", w->detach_on_exit ? ": detaching" :
			"; the data plane keeps enforcing");
		loop_stop(w->loop);
	}
}

/* Some NAT binding was ever made (the counters outlive restarts). Until
 * then there is nothing for dp_nat_sweep to find, and its walk of an empty
 * ward_nat (2 x max_flows buckets) is what an idle wardd would pay. */
static bool nat_made(struct wardd *w)
{
	__u64 cnt[WARD_CNT_MAX];

	return !dp_read_counters(&w->dp, cnt) && cnt[WARD_CNT_NAT_NEW];
}

/* Once a second: the pressure on the flow table, and expired flows'
 * memory given back. */
static void on_tick(void *arg)
{
	struct wardd *w = arg;
	size_t gone;

	dp_ct_pressure_update(&w->dp, &w->pol.conntrack);
	gone = dp_ct_expire(&w->dp);
	if (gone)
		pr_debug("expired %zu flows\n", gone);
	if (nat_made(w)) {
		gone = dp_nat_sweep(&w->dp, WARDD_SWEEP_BUDGET);
		if (gone)
			pr_debug("removed %zu NAT binding entries of gone flows\n", gone);
	}
	events_tick(w);
}

static int unpin(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	const char *name = path + ftw->base;

	if (ftw->level == 0)
		return 0;	/* the directory stays: it may be a mount point */
	/* The kernel's own iterators at a bpffs root (bpf_preload). */
	if (ftw->level == 1 && (!strcmp(name, "maps.debug") || !strcmp(name, "progs.debug")))
		return 0;
	if (remove(path))
		pr_warn("--reset: %s: cannot remove: %s\n", path, strerror(errno));
	return 0;
}

/* --reset: pins are plain files in bpffs; unlinking them drops our
 * references. Only on bpffs: whatever else -p names is not ours to delete. */
static void reset_pins(const char *dir)
{
	struct statfs st;

	if (statfs(dir, &st) || st.f_type != BPF_FS_MAGIC)
		return;
	nftw(dir, unpin, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
}

/* metrics.listen is read at start only: a socket is not swapped. It is
 * bound before the data plane is touched, so a port in use changes nothing. */
static int start_metrics(struct wardd *w, const struct pol_policy *pol)
{
	const char *listen = pol->observe.metrics_listen ? pol->observe.metrics_listen :
			     POL_METRICS_DEFAULT;
	int err;

	if (!strcmp(listen, "none"))
		return 0;
	log_hold();
	err = metrics_start(w, listen);
	if (err) {
		log_fatal("metrics.listen %s: %s", listen, strerror(-err));
		return err;
	}
	log_release();
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "detach-on-exit", no_argument, NULL, 'D' },
		{ "reset", no_argument, NULL, 'R' },
		{ "api", required_argument, NULL, 'A' },
		{ "api-locked", no_argument, NULL, 'L' },
		{ "log-target", required_argument, NULL, 'T' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct wardd w = {};
	struct pol_policy first = {};
	const char *pin_dir = WARD_PIN_DIR;
	bool check = false, detach = false, reset = false;
	int target = LOG_TARGET_BOTH;
	const char *api_listen = NULL;
	bool api_locked = false;
	enum log_level level = LOG_LVL_INFO;
	char err_msg[CFG_ERR_MAX];
	sigset_t mask;
	int sigfd = -1, err;
	int c, ret = 1;

	while ((c = getopt_long(argc, argv, "c:np:dvh", opts, NULL)) != -1) {
		switch (c) {
		case 'c': w.config_path = optarg; break;
		case 'n': check = true; break;
		case 'p': pin_dir = optarg; break;
		case 'd': target = LOG_TARGET_STDERR; break;
		case 'v': level = LOG_LVL_DEBUG; break;
		case 'D': detach = true; break;
		case 'R': reset = true; break;
		case 'A': api_listen = optarg; break;
		case 'L': api_locked = true; break;
		case 'T':
			target = log_target_parse(optarg);
			if (target < 0) {
				fprintf(stderr, "wardd: --log-target %s: expected stderr, syslog or both\n",
					optarg);
				return 1;
			}
			break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 1;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 1;
	}
	log_init("wardd", check ? LOG_TARGET_STDERR : target, level);
	if (check)
		return check_only(w.config_path);
	if (target == LOG_TARGET_SYSLOG && !log_to_syslog())
		pr_warn("--log-target syslog: no syslog here (/dev/log); logging to stderr\n");

	/* Signals are read from a descriptor in the event loop, beside
	 * the other modules' sockets. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGUSR1);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sigfd = signalfd(-1, &mask, SFD_CLOEXEC);
	w.loop = loop_new();
	if (sigfd < 0 || !w.loop) {
		log_fatal("event loop: %s", strerror(errno));
		goto out_close;
	}

	/* The file is read once before anything changes: its errors, the
	 * flow table's size and the listeners come from it. */
	if (load_policy(w.config_path, &first, err_msg, sizeof(err_msg))) {
		log_fatal("%s", err_msg);
		goto out_close;
	}
	if (start_metrics(&w, &first))
		goto out_first;
	if (reset)
		reset_pins(pin_dir);
	log_hold();
	err = dp_open(&w.dp, pin_dir, first.conntrack.max_flows);
	if (err) {
		log_fatal("pin directory %s: cannot load the data plane: %s", pin_dir,
			  strerror(-err));
		goto out_first;
	}
	if (discovery_start(&w)) {
		log_fatal("link discovery: cannot start");
		goto out_dp;
	}
	log_release();
	if (loop_add_fd(w.loop, sigfd, EPOLLIN, on_signal, &w) < 0 ||
	    loop_add_timer(w.loop, WARDD_TICK_MS, on_tick, &w) < 0) {
		log_fatal("event loop: cannot register the signals and the timer");
		goto out_dp;
	}
	/* Until the first reload makes a policy live, the file's settings
	 * stand in for it (borrowed from first: have_policy stays false, so
	 * nothing frees them twice). The flow log and the webhook are set up
	 * from them, and the API is bound by them before the commit: a
	 * listener that fails leaves the data plane as it was. */
	w.pol = first;
	if (events_start(&w))
		pr_warn("no flow log or alerts: cannot read the event ring buffer\n");
	/* The API is read at start only too (the command line wins over the
	 * file). A socket it cannot bind is a startup failure: a daemon that
	 * runs on without its API would look healthy and take no orders. */
	if (!api_listen)
		api_listen = first.api.listen ? first.api.listen : API_LISTEN_DEFAULT;
	api_locked |= first.api.locked;
	if (strcmp(api_listen, "none")) {
		log_hold();
		err = api_start(&w, api_listen, api_locked, &first.api);
		if (err) {
			log_fatal("api %s: %s", api_listen, strerror(-err));
			goto out_api;
		}
		log_release();
	}
	log_hold();
	if (wardd_reload(&w)) {
		log_fatal("no policy could be applied");
		goto out_api;
	}
	/* The new programs are on their links: pins of an older layout can
	 * now give way to the new maps (a failure leaves the old pins, and
	 * this daemon enforcing with its own maps). */
	dp_upgrade_finish(&w.dp);
	log_release();
	pr_info("ready: generation %llu, %zu links, pins in %s\n",
		(unsigned long long)w.dp.generation, w.dp.n_links, pin_dir);
	/* Only a daemon that started detaches on its way out: a failed start
	 * leaves the data plane as it found it. */
	w.detach_on_exit = detach;
	log_startup_done();
	ret = loop_run(w.loop) ? 1 : 0;

out_api:
	api_stop(&w);		/* also frees the text of the live policy */
	events_stop(&w);
out_dp:
	discovery_stop(&w);
	dp_close(&w.dp, w.detach_on_exit);
	if (w.have_policy) {
		compiled_free(&w.comp);
		pol_free(&w.pol);
	}
out_first:
	metrics_stop(&w);
	pol_free(&first);
out_close:
	loop_free(w.loop);
	if (sigfd >= 0)
		close(sigfd);
	return ret;
}
