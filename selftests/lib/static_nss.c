// SPDX-License-Identifier: GPL-2.0
/*
 * The tests link libnl statically. libnl's address and protocol-name helpers
 * (nl_addr_info, nl_ip_proto2str, nl_str2ip_proto) come along in the same
 * objects as functions we do use, and would pull glibc's NSS lookups into
 * the binary, which a static binary cannot use (the linker warns). No test
 * resolves host or protocol names, so these definitions answer "not found"
 * and keep NSS out of the link.
 */
#include <netdb.h>
#include <stddef.h>

int getaddrinfo(const char *node, const char *service,
		const struct addrinfo *hints, struct addrinfo **res)
{
	(void)node;
	(void)service;
	(void)hints;
	*res = NULL;
	return EAI_FAIL;
}

void freeaddrinfo(struct addrinfo *res)
{
	(void)res;
}

struct protoent *getprotobynumber(int proto)
{
	(void)proto;
	return NULL;
}

struct protoent *getprotobyname(const char *name)
{
	(void)name;
	return NULL;
}
