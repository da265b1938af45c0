# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# tests/e2e/fqdn_forge.py: a LAN client forging its resolver's answer
# (tests/e2e/test_fqdn.sh). The client sends a real query from PORT, which
# ward records (the test drops the resolver's answer), then on its own link
# a frame to the gateway's MAC from RESOLVER:53 to itself with the query's
# id, question NAME and A = ADDR: what conntrack takes for the reply.
#
#   query   RESOLVER PORT ID NAME                        the client's query
#   forge   RESOLVER CLIENT PORT ID NAME ADDR IFACE MAC  the forgery, sent on IFACE to MAC
#   answer  RESOLVER CLIENT PORT ID NAME ADDR            the genuine answer, routed
import socket
import sys

from scapy.all import DNS, DNSQR, DNSRR, IP, UDP, Ether, raw, send, sendp


def dns_answer(qid, name, addr):
    return DNS(id=qid, qr=1, aa=1, rd=1, ra=1, qd=DNSQR(qname=name),
               an=DNSRR(rrname=name, type="A", ttl=300, rdata=addr))


def main():
    cmd, a = sys.argv[1], sys.argv[2:]
    if cmd == "query":
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("0.0.0.0", int(a[1])))
        s.sendto(raw(DNS(id=int(a[2]), rd=1, qd=DNSQR(qname=a[3]))), (a[0], 53))
        s.close()
    elif cmd == "forge":
        sendp(Ether(dst=a[7]) / IP(src=a[0], dst=a[1]) / UDP(sport=53, dport=int(a[2])) /
              dns_answer(int(a[3]), a[4], a[5]), iface=a[6], verbose=0)
    elif cmd == "answer":
        send(IP(src=a[0], dst=a[1]) / UDP(sport=53, dport=int(a[2])) /
             dns_answer(int(a[3]), a[4], a[5]), verbose=0)
    else:
        sys.exit("usage: fqdn_forge.py query|forge|answer ARGS")


if __name__ == "__main__":
    main()
