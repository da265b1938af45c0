/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * src/wardctl/rpc.h: unary calls to wardd's gRPC API (api/ward/v1/ward.proto)
 * with the gRPC C core and protobuf-c messages. For wardctl only.
 *
 * Every function that can fail returns wardctl's exit status: 0, 1 for an
 * error the daemon reported (its message is printed), 2 when the daemon
 * cannot be reached (and what to do about it is printed).
 */
#ifndef WARDCTL_RPC_H
#define WARDCTL_RPC_H

#include <signal.h>
#include <protobuf-c/protobuf-c.h>

#define WARDCTL_EXIT_OK		0
#define WARDCTL_EXIT_USER	1
#define WARDCTL_EXIT_UNREACHABLE 2

#define WARDCTL_ADDR_DEFAULT	"unix:/run/ward/ward.sock"

struct rpc;

/* Files for tcp://: the CA of wardd's certificate, and this client's
 * certificate and key (mTLS); NULL when not given. */
struct rpc_tls {
	const char *cert;
	const char *key;
	const char *ca;
};

/* addr is "unix:PATH" (or "unix:///PATH") or "tcp://HOST:PORT" (with tls).
 * Checks that something listens there before any call, to say precisely
 * what is wrong when not. */
int rpc_open(const char *addr, const struct rpc_tls *tls, struct rpc **out);
void rpc_close(struct rpc *r);

/* Calls /ward.v1.Ward/<method>. On 0, *resp is the answer: free it with
 * protobuf_c_message_free_unpacked(*resp, NULL). */
int rpc_call(struct rpc *r, const char *method, const ProtobufCMessage *req,
	     const ProtobufCMessageDescriptor *resp_desc, ProtobufCMessage **resp,
	     int timeout_s);

/* A server stream: fn is called with each message (which it must not
 * free) until the server ends the stream, fn returns non-zero (a negative
 * value ends it quietly, a positive one is the exit status), or *stop
 * becomes set (Ctrl-C: the call is cancelled, not an error). */
int rpc_stream(struct rpc *r, const char *method, const ProtobufCMessage *req,
	       const ProtobufCMessageDescriptor *resp_desc,
	       int (*fn)(void *arg, ProtobufCMessage *msg), void *arg,
	       volatile sig_atomic_t *stop);

#endif /* WARDCTL_RPC_H */
