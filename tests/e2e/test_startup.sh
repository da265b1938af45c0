#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# wardd says why it can't start (issue 14, part 2): every startup failure is
# one line on stderr, "wardd: FILE:LINE: field: message" or "wardd: what:
# why", and exit 1, whatever the log target and with no syslog to hear it
# (wardd runs in B with a private /dev that has only null: no /dev/log).
# The failures:
# a missing file, a YAML error, an unknown key, a port out of range, a bad
# metrics.listen, a metrics port in use (before anything is loaded: no pins
# appear), a pin directory that is a file, unreadable TLS files, an API
# socket path that is taken. A good start logs to stderr too (target both
# without syslog), SIGUSR1 dumps go there as well. With a syslog daemon of
# the test's own on /dev/log: a failure is also a daemon.err record, and
# with --log-target syslog stderr hears the start up to ready and nothing
# after it (the SIGUSR1 dump and the stop are in syslog).
# -p DIR (issue 14, part 4): a plain directory that is not empty is refused
# and nothing is mounted on it or on its parent; an empty one gets bpffs
# mounted on itself, not on its parent.
. "$(dirname "$0")/lib.sh"

# Mounts a test of ours may leave if wardd regresses: under $TMP, deepest
# first; and the stand-in syslog daemon.
startup_cleanup() {
	syslogd_stop
	findmnt -rn -o TARGET | grep "^$TMP/" | grep -v "^$BPFFS\$" | sort -r |
		while read -r m; do umount "$m"; done
	e2e_cleanup
}
trap startup_cleanup EXIT

# "${nodevlog[@]}" CMD...: CMD in B with a /dev of its own that has only
# null, so no syslog. Each step execs the next: CMD keeps the PID of the call.
privdev='mount -t tmpfs nodev /dev && mknod -m 666 /dev/null c 1 3 || exit 99'
nodevlog=(ip netns exec "$NS_B" sh -c "$privdev"'
exec "$@"' sh)

# "${withsyslog[@]}" CMD...: the same, with a syslog daemon of our own on
# /dev/log that appends each record to $TMP/syslog, one a line.
cat >"$TMP/syslogd.py" <<EOF
import os, socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind('/dev/log')
s.settimeout(0.5)
open('$TMP/syslog', 'a').close()
end = time.monotonic() + 60
while time.monotonic() < end:
    try:
        rec = s.recv(65536)
    except socket.timeout:
        continue
    with open('$TMP/syslog', 'a') as f:
        f.write(rec.decode(errors='replace').rstrip('\\n') + '\\n')
EOF
withsyslog=(ip netns exec "$NS_B" sh -c "$privdev"'
/usr/bin/python3 "$1" & echo $! >"$2"
i=0; while [ ! -S /dev/log ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
shift 2; exec "$@"' sh "$TMP/syslogd.py" "$TMP/syslogd.pid")
syslogd_stop() {
	[ -s "$TMP/syslogd.pid" ] && kill "$(cat "$TMP/syslogd.pid")" 2>/dev/null
	rm -f "$TMP/syslogd.pid"
}
# syslog_has PATTERN: a record matching PATTERN reaches it within 5 s.
syslog_has() {
	local i
	for i in $(seq 50); do
		grep -Eq -- "$1" "$TMP/syslog" 2>/dev/null && return 0
		sleep 0.1
	done
	[ -e "$TMP/syslog" ] || fail "test error: the stand-in syslog daemon did not start"
	return 1
}

# start_ready LOG CMD...: CMD (wardd) in the background, until it is ready.
start_ready() {
	local log=$1 i
	shift
	: >"$log"
	"$@" >"$log" 2>&1 &
	WARDD_PID=$!
	for i in $(seq 100); do
		grep -q 'ready:' "$log" && return 0
		kill -0 "$WARDD_PID" 2>/dev/null || fail "wardd exited before ready: $(cat "$log")"
		sleep 0.1
	done
	fail "wardd not ready after 10 s: $(cat "$log")"
}

# Other messages on stderr: "TIME wardd: LEVEL: text".
MSG='^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z wardd: '

# start_fails NAME REGEX WARDD-ARGS...: wardd must exit 1, and print one
# failure line ("wardd: ...", no time, no level) on stderr, matching REGEX;
# the other lines are messages.
start_fails() {
	local name=$1 re=$2 rc=0 lines
	shift 2
	"$@" >"$TMP/out" 2>"$TMP/err" || rc=$?
	[ "$rc" != 124 ] || fail "$name: wardd still running after 20 s: $(cat "$TMP/err")"
	[ "$rc" = 1 ] || fail "$name: exit $rc, not 1: $(cat "$TMP/err")"
	lines=$(grep -Ev "${MSG}(warning|info|debug): " "$TMP/err" || true)
	[ -n "$lines" ] || fail "$name: no failure line on stderr: $(cat "$TMP/err")"
	[ "$(printf '%s\n' "$lines" | wc -l)" = 1 ] || fail "$name: more than one failure line: $lines"
	printf '%s\n' "$lines" | grep -Eq -- "$re" || fail "$name: '$lines' does not match '$re'"
	ok "$name: $lines"
}

e2e_topology

# Files with one error each, and the line the error is on.
printf 'interfaces: []\nrules: [\n' >"$TMP/yaml.yaml"
printf 'interfaces: []\ndefaults:\n  policy: drop\n  bogus: 1\n' >"$TMP/key.yaml"
cat >"$TMP/port.yaml" <<EOF
interfaces: []
rules:
  - name: web
    proto: tcp
    port: 99999
    action: accept
EOF

for target in both syslog stderr; do
	run=("${nodevlog[@]}" "$WARDD" --log-target $target -p "$PIN" --api none)
	start_fails "missing file ($target)" "^wardd: $TMP/nope.yaml: cannot open: No such file or directory\$" \
		"${run[@]}" -c "$TMP/nope.yaml"
	start_fails "YAML error ($target)" "^wardd: $TMP/yaml.yaml:[0-9]+: yaml: " \
		"${run[@]}" -c "$TMP/yaml.yaml"
	start_fails "unknown key ($target)" "^wardd: $TMP/key.yaml:4: bogus: unknown key\$" \
		"${run[@]}" -c "$TMP/key.yaml"
	start_fails "bad port ($target)" "^wardd: $TMP/port.yaml:5: port: 99999 is out of range" \
		"${run[@]}" -c "$TMP/port.yaml"
done
# -d is --log-target stderr.
start_fails "unknown key (-d)" "^wardd: $TMP/key.yaml:4: bogus: unknown key\$" \
	"${nodevlog[@]}" "$WARDD" -d -c "$TMP/key.yaml" -p "$PIN" --api none
start_fails "bad --log-target" "^wardd: --log-target journal: expected stderr, syslog or both\$" \
	"${nodevlog[@]}" "$WARDD" --log-target journal

# Listeners. The metrics port is bound before the data plane is touched:
# when it fails, no pin directory appears.
printf 'interfaces: []\nmetrics:\n  listen: 127.0.0.1:99999\n' >"$TMP/mport.yaml"
start_fails "metrics.listen port out of range" \
	"^wardd: metrics.listen 127.0.0.1:99999: expected ADDR:PORT with a port of 1-65535\$" \
	"${nodevlog[@]}" "$WARDD" -c "$TMP/mport.yaml" -p "$BPFFS/m1" --api none
printf 'interfaces: []\nmetrics:\n  listen: 127.0.0.1:9771\n' >"$TMP/metrics.yaml"
in_b /usr/bin/python3 -c "
import socket, time
s = socket.socket()
s.bind(('127.0.0.1', 9771))
s.listen()
open('$TMP/held', 'w').close()
time.sleep(60)
" >/dev/null 2>&1 &
BG_PIDS+=($!)
for i in $(seq 50); do [ -e "$TMP/held" ] && break; sleep 0.1; done
[ -e "$TMP/held" ] || fail "test error: could not hold port 9771 in B"
start_fails "metrics port in use" "^wardd: metrics.listen 127.0.0.1:9771: Address already in use\$" \
	"${nodevlog[@]}" "$WARDD" -c "$TMP/metrics.yaml" -p "$BPFFS/m2" --api none
[ ! -e "$BPFFS/m2" ] || fail "metrics port in use: the data plane was loaded anyway ($BPFFS/m2 exists)"
ok "metrics port in use: nothing loaded"

printf 'interfaces: []\nmetrics:\n  listen: none\n' >"$TMP/quiet.yaml"
: >"$TMP/afile"
start_fails "pin directory is a file" "^wardd: pin directory $TMP/afile: Not a directory\$" \
	"${nodevlog[@]}" "$WARDD" -c "$TMP/quiet.yaml" -p "$TMP/afile" --api none
: >"$TMP/taken.sock"
start_fails "API socket path taken" "^wardd: api: $TMP/taken.sock exists and is not a socket\$" \
	"${nodevlog[@]}" "$WARDD" -c "$TMP/quiet.yaml" -p "$PIN" --api "unix:$TMP/taken.sock"
cat >"$TMP/tls.yaml" <<EOF
interfaces: []
metrics:
  listen: none
api:
  listen: tcp://$IP_B:7443
  tls: { cert: $TMP/none.pem, key: $TMP/none.key, ca: $TMP/none-ca.pem }
EOF
start_fails "TLS files unreadable" \
	"^wardd: api.tls.ca: $TMP/none-ca.pem: cannot open: No such file or directory\$" \
	"${nodevlog[@]}" "$WARDD" -c "$TMP/tls.yaml" -p "$PIN"

# Two daemons on one data plane: the second can't have the API socket the
# first serves, and stops before its policy (drop all) goes live: pings
# still cross.
for pol in accept drop; do
	cat >"$TMP/$pol.yaml" <<EOF
interfaces:
  - { match: $DEV_B, role: lan }
defaults:
  policy: $pol
metrics:
  listen: none
EOF
done
start_ready "$TMP/wardd.log" ip netns exec "$NS_B" "$WARDD" -d -c "$TMP/accept.yaml" -p "$PIN" \
	--api "unix:$TMP/api1.sock"
ping4 || fail "test error: no ping across ward with policy accept"
start_fails "API socket served by another wardd" \
	"^wardd: api: $TMP/api1.sock: another wardd is serving there\$" \
	"${nodevlog[@]}" "$WARDD" -c "$TMP/drop.yaml" -p "$PIN" --api "unix:$TMP/api1.sock"
ping4 || fail "the second wardd's policy went live although it failed to start"
wardd_stop
ok "the second wardd changed nothing: pings still cross"

# -p on a plain directory with files: refused, and nothing mounted on it or
# on its parent; --reset does not empty it (only bpffs holds pins). unshare -n: wardd in a netns of its own (no link to attach
# to) but in our mount namespace, so a mount it made would be seen here.
mkdir -p "$TMP/plain/full"
echo keep >"$TMP/plain/full/note"
start_fails "-p on a non-empty plain directory" \
	"^wardd: pin directory $TMP/plain/full: not on bpffs and not empty; will not mount bpffs over its files\$" \
	unshare -n "$WARDD" -d -c "$TMP/quiet.yaml" -p "$TMP/plain/full" --api none --reset
mounted=$(findmnt -rn -o TARGET | grep "^$TMP/plain" || true)
[ -z "$mounted" ] || fail "-p on a non-empty directory: mounted $mounted"
[ "$(cat "$TMP/plain/full/note")" = keep ] || fail "-p on a non-empty directory: its file changed"
ok "-p on a non-empty plain directory with --reset: nothing mounted, its file kept"

# A good start with no syslog (target both): messages on stderr, one line
# each with its level; -p on an empty plain directory mounts bpffs there.
mkdir -p "$TMP/plain/empty"
start_ready "$TMP/wardd.log" "${nodevlog[@]}" "$WARDD" -c "$TMP/quiet.yaml" -p "$TMP/plain/empty" \
	--api "unix:$TMP/api.sock"
grep -Eq "${MSG}info: ready: generation [0-9]+, 0 links, pins in $TMP/plain/empty\$" "$TMP/wardd.log" ||
	fail "no 'wardd: info: ready:' line on stderr without syslog"
ok "no syslog, target both: $(grep 'ready:' "$TMP/wardd.log")"
# wardd's own mount namespace (ip netns exec made it): bpffs on the pin
# directory, nothing on its parent.
mnt=$(awk -v d="$TMP/plain/empty" '$5 == d { for (i = 7; $i != "-"; i++); print $(i + 1) }' \
	/proc/$WARDD_PID/mountinfo)
[ "$mnt" = bpf ] || fail "-p on an empty directory: no bpffs mounted on it (found '$mnt')"
if awk -v d="$TMP/plain" '$5 == d' /proc/$WARDD_PID/mountinfo | grep -q .; then
	fail "-p on an empty directory: something was mounted on its parent"
fi
# -r: wardd's own root too (under a chroot, as tools/fresh-check runs us,
# entering the mount namespace alone would land at the host's /).
nsenter -t "$WARDD_PID" -m -r ls "$TMP/plain/empty" | grep -q '^ward_ct$' ||
	fail "-p on an empty directory: no pins in it"
ok "-p on an empty plain directory: bpffs mounted there, pins in it"
wardd_signal USR1 'counter accept'
ok "SIGUSR1 dump on stderr: $(grep -c '^counter ' "$TMP/wardd.log") counter lines"
kill -TERM "$WARDD_PID"
rc=0
wait "$WARDD_PID" || rc=$?
WARDD_PID=
[ "$rc" = 0 ] || fail "wardd exit $rc after SIGTERM"
grep -Eq "${MSG}info: stopping" "$TMP/wardd.log" || fail "no 'stopping' line on stderr"
ok "SIGTERM: stopped, said so on stderr"

# With a syslog there: a startup failure is its one line on stderr and a
# record at daemon.err (<27>) in syslog.
start_fails "unknown key, syslog there" "^wardd: $TMP/key.yaml:4: bogus: unknown key\$" \
	"${withsyslog[@]}" "$WARDD" -c "$TMP/key.yaml" -p "$PIN" --api none
syslog_has "^<27>.*wardd\[[0-9]+\]: $TMP/key.yaml:4: bogus: unknown key\$" ||
	fail "startup failure not in syslog at daemon.err: $(cat "$TMP/syslog")"
syslogd_stop
ok "startup failure in syslog too: $(grep -c . "$TMP/syslog") record"

# --log-target syslog: stderr hears the start up to ready, then nothing;
# the SIGUSR1 dump and the stop go to syslog (daemon.info, <30>) only.
rm -f "$TMP/syslog"
start_ready "$TMP/wardd.log" "${withsyslog[@]}" "$WARDD" --log-target syslog -c "$TMP/quiet.yaml" \
	-p "$PIN" --api none
grep -Eq "${MSG}info: ready: " "$TMP/wardd.log" || fail "--log-target syslog: no ready line on stderr"
syslog_has "^<30>.*wardd\[[0-9]+\]: ready: generation" ||
	fail "--log-target syslog: no ready record in syslog: $(cat "$TMP/syslog" 2>/dev/null)"
ok "--log-target syslog: ready on stderr and in syslog"
kill -USR1 "$WARDD_PID"
syslog_has "^<30>.*wardd\[[0-9]+\]: counter accept " || fail "--log-target syslog: no SIGUSR1 dump in syslog"
kill -TERM "$WARDD_PID"
wait "$WARDD_PID" || fail "--log-target syslog: wardd exit $? after SIGTERM"
WARDD_PID=
syslog_has "^<30>.*wardd\[[0-9]+\]: stopping" || fail "--log-target syslog: no stopping record in syslog"
if grep -Eq '^counter |stopping' "$TMP/wardd.log"; then
	fail "--log-target syslog: messages after ready on stderr: $(cat "$TMP/wardd.log")"
fi
syslogd_stop
ok "--log-target syslog: the SIGUSR1 dump and the stop in syslog only"
