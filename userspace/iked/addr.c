// SPDX-License-Identifier: GPL-2.0
/*
 * Socket addresses. See addr.h.
 */

#include <arpa/inet.h>
#include <string.h>
#include <netinet/in.h>

#include "addr.h"
#include "iked.h"
#include "ikev2.h"

const void *addr_ip(const struct sockaddr_storage *ss, size_t *len)
{
	size_t n = 0;
	const void *ip = NULL;

	if (ss->ss_family == AF_INET) {
		ip = &((const struct sockaddr_in *)ss)->sin_addr;
		n = 4;
	} else if (ss->ss_family == AF_INET6) {
		ip = &((const struct sockaddr_in6 *)ss)->sin6_addr;
		n = 16;
	}
	if (len)
		*len = n;
	return ip;
}

bool addr_eq(const struct sockaddr_storage *a,
	     const struct sockaddr_storage *b)
{
	const void *ia, *ib;
	size_t na, nb;

	if (a->ss_family != b->ss_family)
		return false;
	ia = addr_ip(a, &na);
	ib = addr_ip(b, &nb);
	return ia && ib && !memcmp(ia, ib, na);
}

bool addr_is_any(const struct sockaddr_storage *ss)
{
	static const uint8_t zero[16];
	const void *ip;
	size_t n;

	ip = addr_ip(ss, &n);
	return !ip || !memcmp(ip, zero, n);
}

uint16_t addr_port(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)ss)->sin_port);
	if (ss->ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
	return 0;
}

void addr_set_port(struct sockaddr_storage *ss, uint16_t port)
{
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)ss)->sin_port = htons(port);
	else if (ss->ss_family == AF_INET6)
		((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
}

const char *addr_str(const struct sockaddr_storage *ss, char *buf,
		     size_t len)
{
	const void *ip = addr_ip(ss, NULL);

	if (!ip)
		return "any";
	if (!inet_ntop(ss->ss_family, ip, buf, len))
		return "?";
	return buf;
}

bool addr_id(const struct sockaddr_storage *ss, struct iked_id *id)
{
	const void *ip;
	size_t len;

	memset(id, 0, sizeof(*id));
	ip = addr_ip(ss, &len);
	if (!ip)
		return false;
	id->type = len == 4 ? IKEV2_ID_IPV4_ADDR : IKEV2_ID_IPV6_ADDR;
	id->len = (uint16_t)len;
	memcpy(id->data, ip, len);
	return true;
}
