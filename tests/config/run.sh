#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# tests/config/run.sh: golden tests of the ward.yaml reader, through
# `wardd -n -c FILE` (parse, check, print the normalized policy).
#
#   NN.in      must be accepted, and print exactly NN.ok;
#              NN.ok must parse back to itself (the output is a fixed point).
#   failNN.in  must be rejected with exit status 1, and the first line of
#              stderr must be failNN.err (it holds FILE:LINE, so paths are
#              given relative to the repository root, as below).
#
# WARDD overrides the binary (default build/wardd, from the repository root).
set -eu

wardd=${WARDD:-build/wardd}
# A relative WARDD given from elsewhere still names the same file after cd.
case $wardd in
/*) ;;
*) if [ -e "$wardd" ]; then wardd=$PWD/$wardd; fi ;;
esac
cd "$(dirname "$0")/../.."

if [ ! -x "$wardd" ]; then
	echo "config: $wardd not found or not executable (make build/wardd first)" >&2
	exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

pass=0
fail=0

bad() {
	echo "FAIL: $1"
	fail=$((fail + 1))
}

for f in tests/config/[0-9]*.in; do
	[ -e "$f" ] || continue
	ok=${f%.in}.ok
	if [ ! -e "$ok" ]; then
		bad "$f: no $ok"
		continue
	fi
	status=0
	"$wardd" -n -c "$f" >"$tmp/out" 2>"$tmp/err" || status=$?
	if [ "$status" -ne 0 ]; then
		bad "$f: exit status $status: $(head -n1 "$tmp/err")"
		continue
	fi
	if ! diff -u "$ok" "$tmp/out" >"$tmp/diff"; then
		bad "$f: output differs from $ok"
		cat "$tmp/diff"
		continue
	fi
	status=0
	"$wardd" -n -c "$ok" >"$tmp/again" 2>"$tmp/err" || status=$?
	if [ "$status" -ne 0 ]; then
		bad "$ok: does not parse back: $(head -n1 "$tmp/err")"
		continue
	fi
	if ! diff -u "$ok" "$tmp/again" >"$tmp/diff"; then
		bad "$ok: does not print back to itself"
		cat "$tmp/diff"
		continue
	fi
	pass=$((pass + 1))
done

for f in tests/config/fail[0-9]*.in; do
	[ -e "$f" ] || continue
	want_file=${f%.in}.err
	if [ ! -e "$want_file" ]; then
		bad "$f: no $want_file"
		continue
	fi
	want=$(head -n1 "$want_file")
	status=0
	"$wardd" -n -c "$f" >"$tmp/out" 2>"$tmp/err" || status=$?
	got=$(head -n1 "$tmp/err")
	if [ "$status" -ne 1 ]; then
		bad "$f: exit status $status, expected 1 (stderr: $got)"
		continue
	fi
	if [ "$got" != "$want" ]; then
		bad "$f: wrong error"
		echo "  expected: $want"
		echo "  got:      $got"
		continue
	fi
	pass=$((pass + 1))
done

echo "config: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
