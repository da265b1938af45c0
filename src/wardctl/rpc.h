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

#include <protobuf-c/protobuf-c.h>

#define WARDCTL_EXIT_OK		0
#define WARDCTL_EXIT_USER	1
#define WARDCTL_EXIT_UNREACHABLE 2

#define WARDCTL_ADDR_DEFAULT	"unix:/run/ward/ward.sock"

struct rpc;

/* addr is "unix:PATH" (or "unix:///PATH"). Checks that something listens
 * there before any call, to say precisely what is wrong when not. */
int rpc_open(const char *addr, struct rpc **out);
void rpc_close(struct rpc *r);

/* Calls /ward.v1.Ward/<method>. On 0, *resp is the answer: free it with
 * protobuf_c_message_free_unpacked(*resp, NULL). */
int rpc_call(struct rpc *r, const char *method, const ProtobufCMessage *req,
	     const ProtobufCMessageDescriptor *resp_desc, ProtobufCMessage **resp,
	     int timeout_s);

#endif /* WARDCTL_RPC_H */
