/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * tests/bpf/test_main.h: the command line every BPF suite takes, and the
 * output set up the same way for all of them. Only tests/bpf/ includes it,
 * after test_assert.h.
 */
#ifndef WARD_TEST_MAIN_H
#define WARD_TEST_MAIN_H

#include <stdbool.h>
#include <stdio.h>
#include <unistd.h>
#include "log.h"

/*
 * -v: print every test and libward/libbpf info. -b: also run the tests
 * disabled because of a known bug (only where run_bugs is not NULL).
 * Line-buffers stdout and starts the log as prog. Returns 0, or 2 after
 * printing the usage.
 */
static int test_args(int argc, char **argv, const char *prog, bool *run_bugs)
{
	int opt;

	while ((opt = getopt(argc, argv, run_bugs ? "vb" : "v")) != -1) {
		if (opt == 'v') {
			test_env.verbose = true;
		} else if (opt == 'b' && run_bugs) {
			*run_bugs = true;
		} else {
			fprintf(stderr, "usage: %s [-v]%s\n"
				"  -v  print every test and libward/libbpf info\n%s", argv[0],
				run_bugs ? " [-b]" : "",
				run_bugs ? "  -b  run the tests disabled because of a known bug\n" : "");
			return 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	log_init(prog, 0, test_env.verbose ? LOG_LVL_INFO : LOG_LVL_WARN);
	return 0;
}

#endif /* WARD_TEST_MAIN_H */
