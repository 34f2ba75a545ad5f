// SPDX-License-Identifier: GPL-2.0
/*
 * A stand-in for the IKEv2 engine (ikesa.c, child.c), linked only while
 * ikesa.c is absent: it accepts tunnels, negotiates nothing and drops every
 * message as unexpected, so that the daemon can be built and run alone.
 */

#include <syslog.h>

#include "iked.h"

uint64_t ike_drops[IKE_DROP_MAX];
const char *const ike_drop_names[IKE_DROP_MAX] = {
	[IKE_DROP_SHORT] = "short",
	[IKE_DROP_VERSION] = "version",
	[IKE_DROP_MALFORMED] = "malformed",
	[IKE_DROP_NO_SA] = "no-sa",
	[IKE_DROP_MSGID] = "msgid",
	[IKE_DROP_INTEGRITY] = "integrity",
	[IKE_DROP_UNEXPECTED] = "unexpected",
};

int ike_engine_init(const struct iked_config *conf)
{
	(void)conf;
	iked_log(LOG_WARNING, "built without the IKEv2 engine: negotiating nothing");
	return 0;
}

void ike_engine_fini(void)
{
}

void ike_engine_reconf(const struct iked_config *conf)
{
	(void)conf;
}

void ike_recv(const struct sockaddr_storage *local,
	      const struct sockaddr_storage *peer,
	      const uint8_t *msg, size_t len)
{
	(void)local;
	(void)peer;
	(void)msg;
	(void)len;
	ike_drops[IKE_DROP_UNEXPECTED]++;
}

int ike_tunnel_up(const struct iked_tunnel *t)
{
	iked_log(LOG_INFO, "%s: up (no engine)", t->name);
	return 0;
}

int ike_tunnel_down(const struct iked_tunnel *t)
{
	iked_log(LOG_INFO, "%s: down (no engine)", t->name);
	return 0;
}

void ike_acquire(int ifindex, uint32_t proxy_id)
{
	iked_log(LOG_DEBUG, "acquire ifindex %d proxy-id %u (no engine)",
		 ifindex, proxy_id);
}

void ike_expire(int ifindex, bool out, uint32_t spi, bool hard)
{
	iked_log(LOG_DEBUG, "%s expire ifindex %d %s spi 0x%08x (no engine)",
		 hard ? "hard" : "soft", ifindex, out ? "out" : "in", spi);
}

int ike_foreach_sa(int (*fn)(const struct ike_sa_info *sa, void *arg),
		   void *arg)
{
	(void)fn;
	(void)arg;
	return 0;
}
