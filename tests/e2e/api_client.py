#!/usr/bin/python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""A client of wardd's API in another language, generated from ward.proto:
proof that the proto is usable by others, not only by wardctl.

usage: api_client.py SOCKET STUBDIR [--expect-rule NAME] [--locked]

STUBDIR holds ward/v1/ward_pb2{,_grpc}.py, made by
/usr/bin/python3 -m grpc_tools.protoc (Debian's python3-grpc-tools).
Prints ok: lines, or FAIL: and exits 1.
"""
import argparse
import sys


def fail(msg):
    print("FAIL: python client: " + msg, file=sys.stderr)
    sys.exit(1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("socket")
    ap.add_argument("stubdir")
    ap.add_argument("--expect-rule", action="append", default=[])
    ap.add_argument("--locked", action="store_true")
    args = ap.parse_args()

    sys.path.insert(0, args.stubdir)
    import grpc
    from ward.v1 import ward_pb2 as pb
    from ward.v1 import ward_pb2_grpc as rpc

    with grpc.insecure_channel("unix:" + args.socket) as ch:
        stub = rpc.WardStub(ch)
        st = stub.Status(pb.StatusRequest(), timeout=10)
        if st.generation < 1:
            fail("Status: generation %d" % st.generation)
        if st.locked != args.locked:
            fail("Status: locked is %s" % st.locked)
        if not any(i.mode in ("xdp", "xdp-generic", "tc") for i in st.interfaces):
            fail("Status: no attached interface in %s" % list(st.interfaces))
        print("ok: python Status: generation %d, %d rules, %s" %
              (st.generation, st.rules, ", ".join(
                  "%s (%s)" % (i.name, i.mode) for i in st.interfaces)))

        rl = stub.RuleList(pb.RuleListRequest(), timeout=10)
        names = []

        def walk(rules):
            for r in rules:
                names.append(r.name)
                walk(r.rules)
        walk(rl.rules)
        for want in args.expect_rule:
            if want not in names:
                fail("RuleList: no rule %s in %s" % (want, names))
        if rl.generation != st.generation:
            fail("RuleList generation %d, Status said %d" % (rl.generation, st.generation))
        print("ok: python RuleList: %s" % ", ".join(names))

        # Bad input: a status code and a message that names the field.
        try:
            stub.RuleAdd(pb.RuleAddRequest(rule=pb.Rule(name="py-bad", src=["10.0.0.1/8"],
                                                        action="drop")), timeout=10)
            fail("RuleAdd of a CIDR with host bits was accepted")
        except grpc.RpcError as e:
            want = (grpc.StatusCode.PERMISSION_DENIED if args.locked
                    else grpc.StatusCode.INVALID_ARGUMENT)
            if e.code() != want:
                fail("RuleAdd: %s (%s), expected %s" % (e.code(), e.details(), want))
            if args.locked and "locked" not in e.details():
                fail("PERMISSION_DENIED without saying why: %s" % e.details())
            if not args.locked and "from" not in e.details():
                fail("INVALID_ARGUMENT does not name the field: %s" % e.details())
            print("ok: python RuleAdd refused: %s: %s" % (e.code().name, e.details()))
        if stub.Status(pb.StatusRequest(), timeout=10).generation != st.generation:
            fail("a refused RuleAdd changed the generation")


if __name__ == "__main__":
    main()
