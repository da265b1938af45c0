#!/usr/bin/env bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# The API over TCP with mutual TLS (api.listen: tcp://ADDR:PORT, api.tls):
# certificates made here with openssl (a CA, wardd's, a client's, and a
# client's of another CA). wardctl from namespace A reaches wardd in B
# through ward itself: a good client certificate works; none, one of the
# other CA, or a wrong --ca is refused with exit 2 and a message that says
# so. A tcp:// listen without tls is a config error (FILE:LINE).
. "$(dirname "$0")/lib.sh"
e2e_need openssl openssl
PORT=7443
PKI=$TMP/pki
mkdir -p "$PKI"

# ca NAME: a self-signed CA. cert CA NAME EXT: a key and a certificate it signs.
ca() {
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=$1" \
		-keyout "$PKI/$1.key" -out "$PKI/$1.pem" 2>/dev/null
}
cert() {
	local ca=$1 name=$2 ext=$3
	openssl req -newkey rsa:2048 -nodes -subj "/CN=$name" -keyout "$PKI/$name.key" \
		-out "$PKI/$name.csr" 2>/dev/null
	printf '%s\n' "$ext" >"$PKI/$name.ext"
	openssl x509 -req -in "$PKI/$name.csr" -CA "$PKI/$ca.pem" -CAkey "$PKI/$ca.key" \
		-CAcreateserial -days 2 -extfile "$PKI/$name.ext" -out "$PKI/$name.pem" 2>/dev/null
}
ca ward-ca
ca other-ca
cert ward-ca wardd "subjectAltName=IP:$IP_B
extendedKeyUsage=serverAuth"
cert ward-ca admin "extendedKeyUsage=clientAuth"
cert other-ca intruder "extendedKeyUsage=clientAuth"

e2e_topology
cat >"$TMP/ward.yaml" <<EOF2
interfaces:
  - { match: $DEV_B, role: lan }
defaults:
  policy: accept
metrics:
  listen: none
logs:
  path: none
api:
  listen: tcp://$IP_B:$PORT
  tls: { cert: $PKI/wardd.pem, key: $PKI/wardd.key, ca: $PKI/ward-ca.pem }
EOF2

# A plain TCP listen is refused, with the place and what to add.
sed '/tls:/d' "$TMP/ward.yaml" >"$TMP/plain.yaml"
rc=0
"$WARDD" -n -c "$TMP/plain.yaml" >/dev/null 2>"$TMP/err" || rc=$?
[ "$rc" != 0 ] && grep -q "plain.yaml:10: listen: tcp://$IP_B:$PORT: TCP is served with TLS and client certificates only" "$TMP/err" ||
	fail "a tcp:// listen without tls: exit $rc: $(cat "$TMP/err")"
ok "tcp:// without tls refused: $(head -n1 "$TMP/err")"

# wardd_start's own --api would win over api.listen: start it here.
: >"$TMP/wardd.log"
ip netns exec "$NS_B" "$WARDD" -d -c "$TMP/ward.yaml" -p "$PIN" >>"$TMP/wardd.log" 2>&1 &
WARDD_PID=$!
for i in $(seq 50); do
	grep -q 'ready:' "$TMP/wardd.log" && break
	sleep 0.1
done
grep -q "api on tcp://$IP_B:$PORT (mTLS" "$TMP/wardd.log" || fail "wardd does not serve tcp://$IP_B:$PORT"

# tls_ctl EXPECT_RC PATTERN ARGS...: wardctl from A.
tls_ctl() {
	local want=$1 pat=$2 rc=0
	shift 2
	in_a "$WARDCTL" -s tcp://$IP_B:$PORT "$@" >"$TMP/out" 2>"$TMP/err" || rc=$?
	[ "$rc" = "$want" ] || fail "wardctl $*: exit $rc, expected $want: $(cat "$TMP/out" "$TMP/err")"
	grep -q -- "$pat" "$TMP/out" "$TMP/err" || fail "wardctl $*: no '$pat' in: $(cat "$TMP/out" "$TMP/err")"
}
tls_ctl 0 "generation 1" --ca "$PKI/ward-ca.pem" --cert "$PKI/admin.pem" --key "$PKI/admin.key" status
ok "a client certificate of the CA: status over mTLS from A"
WARD_TLS_CA=$PKI/ward-ca.pem WARD_TLS_CERT=$PKI/admin.pem WARD_TLS_KEY=$PKI/admin.key \
	tls_ctl 0 "default: accept" rule list
ok "the same from \$WARD_TLS_CA, \$WARD_TLS_CERT, \$WARD_TLS_KEY"

tls_ctl 2 "refused the connection: the TLS handshake failed" --ca "$PKI/ward-ca.pem" status
ok "no client certificate: exit 2, $(cut -c1-90 "$TMP/err")..."
tls_ctl 2 "refused the connection: the TLS handshake failed" --ca "$PKI/ward-ca.pem" \
	--cert "$PKI/intruder.pem" --key "$PKI/intruder.key" status
ok "a client certificate of another CA: exit 2, refused"
tls_ctl 2 "TLS handshake failed" --ca "$PKI/other-ca.pem" --cert "$PKI/admin.pem" \
	--key "$PKI/admin.key" status
ok "a --ca that did not sign wardd's certificate: exit 2"
tls_ctl 1 "TCP is served with TLS only: give the CA" status
ok "tcp:// without --ca: exit 1, says what to give"
kill -0 $WARDD_PID || fail "wardd died"
tls_ctl 0 "generation 1" --ca "$PKI/ward-ca.pem" --cert "$PKI/admin.pem" --key "$PKI/admin.key" status
ok "wardd serves good clients after the refused ones"
