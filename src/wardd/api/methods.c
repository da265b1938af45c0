// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * src/wardd/api/methods.c: the table from each gRPC method of ward.proto to
 * its request type and handler. A new area adds its rows here and its
 * handlers in a file of its own.
 */
#include "api_int.h"

const struct api_method api_methods[M_N] = {
	[M_STATUS] = { "/ward.v1.Ward/Status", &ward__v1__status_request__descriptor,
		       false, m_status },
	[M_VALIDATE] = { "/ward.v1.Ward/Validate", &ward__v1__validate_request__descriptor,
			 false, m_validate },
	/* Locked mode is checked by m_apply: a dry run changes nothing. */
	[M_APPLY] = { "/ward.v1.Ward/Apply", &ward__v1__apply_request__descriptor,
		      false, m_apply },
	[M_RULE_ADD] = { "/ward.v1.Ward/RuleAdd", &ward__v1__rule_add_request__descriptor,
			 true, m_rule_add },
	[M_RULE_LIST] = { "/ward.v1.Ward/RuleList", &ward__v1__rule_list_request__descriptor,
			  false, m_rule_list },
	[M_RULE_DELETE] = { "/ward.v1.Ward/RuleDelete",
			    &ward__v1__rule_delete_request__descriptor, true, m_rule_delete },
	[M_RULE_CLEAR] = { "/ward.v1.Ward/RuleClear", &ward__v1__rule_clear_request__descriptor,
			   true, m_rule_clear },
	[M_CT_LIST] = { "/ward.v1.Ward/ConntrackList",
			&ward__v1__conntrack_list_request__descriptor, false, m_ct_list },
	[M_CT_FLUSH] = { "/ward.v1.Ward/ConntrackFlush",
			 &ward__v1__conntrack_flush_request__descriptor, true, m_ct_flush },
	/* A server stream: m_flow_events takes the call over. */
	[M_FLOW_EVENTS] = { "/ward.v1.Ward/FlowEvents", &ward__v1__flow_events_request__descriptor,
			    false, m_flow_events },
	[M_TRACE] = { "/ward.v1.Ward/Trace", &ward__v1__trace_request__descriptor, false, m_trace },
	/* FQDN rules */
	[M_FQDN_LIST] = { "/ward.v1.Ward/FqdnList", &ward__v1__fqdn_list_request__descriptor,
			  false, m_fqdn_list },
};
