// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel side: vtun devices over rtnetlink, SAs, SPIs, proxy IDs and
 * monitors over the vtun generic netlink family (the requests vtunctl
 * makes), and the family's "events" group turned into ike_acquire(),
 * ike_expire() and ike_peer_moved().
 */

#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <linux/genetlink.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/vtun.h>
#include <openssl/crypto.h>

#include "daemon.h"
#include "nl.h"

static struct nl genl = { .sock = NULL }, rtnl, events;
static struct iked_fd events_fd = { .fd = -1 };

static int talk(struct nl *nl, struct nlmsghdr *nlh, nl_reply_fn cb,
		void *data, const char *what)
{
	int err = nl_talk(nl, nlh, cb, data);

	if (err)
		iked_log(LOG_ERR, "%s: %s%s%s", what, strerror(-err),
			 nl->errmsg[0] ? ": " : "", nl->errmsg);
	return err;
}

/*
 * Dump @cmd of device @ifindex through @cb into @data, whose count @n is
 * reset for each try: again while the kernel marks the dump interrupted
 * (an entry came or went between its passes, so one may be missing), up
 * to 5 times.
 */
static int dump_dev(uint8_t cmd, uint32_t ifindex, nl_reply_fn cb,
		    void *data, int *n, const char *what)
{
	char buf[NL_BUF_SIZE];
	struct nlmsghdr *nlh;
	int err, tries = 0;

	do {
		*n = 0;
		nlh = genl_msg(&genl, buf, cmd, NLM_F_DUMP);
		mnl_attr_put_u32(nlh, VTUN_A_IFINDEX, ifindex);
		err = talk(&genl, nlh, cb, data, what);
	} while (!err && genl.dump_intr && ++tries < 5);
	return err;
}

/* ---------------------------------------------------------------------------
 * Devices
 */

static int put_sockaddr(struct nlmsghdr *nlh, uint16_t type,
			const struct sockaddr_storage *ss)
{
	size_t len;
	const void *ip = addr_ip(ss, &len);

	if (ip)
		mnl_attr_put(nlh, type, len, ip);
	return 0;
}

/*
 * RTM_NEWLINK: create @t's device (@ifindex 0) with the gateway's
 * addresses, or change an existing one's flags to up.
 */
static int link_request(struct iked_tunnel *t, int ifindex)
{
	char buf[NL_BUF_SIZE];
	struct nlattr *linkinfo, *data;
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;

	nlh = nl_msg(&rtnl, buf, RTM_NEWLINK, 0);
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	ifi->ifi_flags = IFF_UP;
	ifi->ifi_change = IFF_UP;
	if (!ifindex) {
		nlh->nlmsg_flags |= NLM_F_CREATE | NLM_F_EXCL;
		mnl_attr_put_strz(nlh, IFLA_IFNAME, t->dev);
	}
	linkinfo = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "vtun");
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	if (!ifindex) {
		put_sockaddr(nlh, IFLA_VTUN_LOCAL, &t->gw->local);
		put_sockaddr(nlh, IFLA_VTUN_REMOTE, &t->gw->peer);
		mnl_attr_put_u8(nlh, IFLA_VTUN_COPY_TOS, t->copy_tos);
	}
	/* Without an SA the carrier is off unless traffic must reach the
	 * device to raise the acquire that starts an on-demand tunnel (or
	 * brings one up again after its peer died, dpd-action trap).
	 */
	mnl_attr_put_u8(nlh, IFLA_VTUN_ON_DEMAND, t->start == IKED_START_TRAP ||
			(t->gw->dpd_delay_ms &&
			 t->gw->dpd_action == IKED_DPD_TRAP));
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, linkinfo);
	return talk(&rtnl, nlh, NULL, NULL, t->dev);
}

/*
 * No ESP in UDP on the device @ifindex: NAT traversal turns it on
 * for an IKE SA that found a NAT. When the daemon adopts a device (an
 * earlier instance, perhaps killed, may have left it with encap udp on a
 * socket that is gone) and when it exits.
 */
int kernel_encap_none(int ifindex)
{
	struct iked_kernel_path p = { .ifindex = ifindex };

	return iked_kernel_path_set(&p);
}

/* The device's ifindex, creating it if missing; 0 on error. */
static int device_get(struct iked_tunnel *t)
{
	char buf[NL_BUF_SIZE], kind[RTNL_KIND_MAX] = "";
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;
	int ifindex = if_nametoindex(t->dev);

	if (!ifindex) {
		if (link_request(t, 0))
			return 0;
		ifindex = if_nametoindex(t->dev);
		iked_log(LOG_INFO, "%s: created %s", t->name, t->dev);
		return ifindex;
	}
	nlh = nl_msg(&rtnl, buf, RTM_GETLINK, 0);
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	if (talk(&rtnl, nlh, rtnl_link_kind_cb, kind, t->dev))
		return 0;
	if (strcmp(kind, "vtun")) {
		iked_log(LOG_ERR, "%s: %s exists and is not a vtun device",
			 t->name, t->dev);
		return 0;
	}
	if (link_request(t, ifindex) || kernel_encap_none(ifindex))
		return 0;
	iked_log(LOG_INFO, "%s: adopted %s", t->name, t->dev);
	return ifindex;
}

static int proxy_id_program(int ifindex, const struct iked_proxy_id *p)
{
	size_t alen = p->family == AF_INET ? 4 : 16;
	char buf[NL_BUF_SIZE];
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	int err;

	/* Replace what an earlier run left under this ID. */
	nlh = genl_msg(&genl, buf, VTUN_CMD_PROXY_ID_DEL, 0);
	mnl_attr_put_u32(nlh, VTUN_A_IFINDEX, ifindex);
	nest = mnl_attr_nest_start(nlh, VTUN_A_PROXY_ID);
	mnl_attr_put_u16(nlh, VTUN_A_PROXY_ID_ID, p->id);
	mnl_attr_nest_end(nlh, nest);
	err = nl_talk(&genl, nlh, NULL, NULL);
	if (err && err != -ENOENT)
		iked_log(LOG_WARNING, "proxy-id %u del: %s", p->id,
			 strerror(-err));

	nlh = genl_msg(&genl, buf, VTUN_CMD_PROXY_ID_NEW, 0);
	mnl_attr_put_u32(nlh, VTUN_A_IFINDEX, ifindex);
	nest = mnl_attr_nest_start(nlh, VTUN_A_PROXY_ID);
	mnl_attr_put_u16(nlh, VTUN_A_PROXY_ID_ID, p->id);
	mnl_attr_put(nlh, VTUN_A_PROXY_ID_LOCAL, alen, &p->local);
	mnl_attr_put_u8(nlh, VTUN_A_PROXY_ID_LOCAL_LEN, p->local_len);
	mnl_attr_put(nlh, VTUN_A_PROXY_ID_REMOTE, alen, &p->remote);
	mnl_attr_put_u8(nlh, VTUN_A_PROXY_ID_REMOTE_LEN, p->remote_len);
	if (p->ip_proto)
		mnl_attr_put_u8(nlh, VTUN_A_PROXY_ID_IP_PROTO, p->ip_proto);
	if (p->local_port_min || p->local_port_max != 65535) {
		mnl_attr_put_u16(nlh, VTUN_A_PROXY_ID_LOCAL_PORT_MIN,
				 p->local_port_min);
		mnl_attr_put_u16(nlh, VTUN_A_PROXY_ID_LOCAL_PORT_MAX,
				 p->local_port_max);
	}
	if (p->remote_port_min || p->remote_port_max != 65535) {
		mnl_attr_put_u16(nlh, VTUN_A_PROXY_ID_REMOTE_PORT_MIN,
				 p->remote_port_min);
		mnl_attr_put_u16(nlh, VTUN_A_PROXY_ID_REMOTE_PORT_MAX,
				 p->remote_port_max);
	}
	mnl_attr_nest_end(nlh, nest);
	return talk(&genl, nlh, NULL, NULL, "proxy-id add");
}

/* The proxy IDs on the device, from a dump. */
struct pid_list {
	uint16_t id[IKED_PROXY_MAX * 2];
	int n;
};

static int pid_list_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *attr, *inner;
	struct pid_list *l = data;

	mnl_attr_for_each(attr, nlh, sizeof(struct genlmsghdr)) {
		if (mnl_attr_get_type(attr) != VTUN_A_PROXY_ID ||
		    mnl_attr_validate(attr, MNL_TYPE_NESTED))
			continue;
		mnl_attr_for_each_nested(inner, attr)
			if (mnl_attr_get_type(inner) == VTUN_A_PROXY_ID_ID &&
			    !mnl_attr_validate(inner, MNL_TYPE_U16) &&
			    l->n < (int)(sizeof(l->id) / sizeof(l->id[0])))
				l->id[l->n++] = mnl_attr_get_u16(inner);
	}
	return 0;
}

/* Delete the device's proxy IDs the tunnel does not have (any, if none). */
static void proxy_ids_prune(const struct iked_tunnel *t)
{
	char buf[NL_BUF_SIZE];
	struct pid_list l;
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	int i;

	if (dump_dev(VTUN_CMD_PROXY_ID_GET, t->ifindex, pid_list_cb, &l, &l.n,
		     "proxy-id dump"))
		return;
	for (i = 0; i < l.n; i++) {
		if (l.id[i] >= 1 && l.id[i] <= t->n_proxy)
			continue;
		nlh = genl_msg(&genl, buf, VTUN_CMD_PROXY_ID_DEL, 0);
		mnl_attr_put_u32(nlh, VTUN_A_IFINDEX, t->ifindex);
		nest = mnl_attr_nest_start(nlh, VTUN_A_PROXY_ID);
		mnl_attr_put_u16(nlh, VTUN_A_PROXY_ID_ID, l.id[i]);
		mnl_attr_nest_end(nlh, nest);
		if (!talk(&genl, nlh, NULL, NULL, "proxy-id del"))
			iked_log(LOG_INFO, "%s: proxy-id %u removed from %s",
				 t->name, l.id[i], t->dev);
	}
}

static int monitor_program(const struct iked_tunnel *t)
{
	char buf[NL_BUF_SIZE];
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	int err;

	nlh = genl_msg(&genl, buf, VTUN_CMD_MONITOR_DEL, 0);
	mnl_attr_put_u32(nlh, VTUN_A_IFINDEX, t->ifindex);
	err = nl_talk(&genl, nlh, NULL, NULL);
	if (err && err != -ENOENT)
		iked_log(LOG_WARNING, "%s: monitor del: %s", t->name,
			 strerror(-err));

	nlh = genl_msg(&genl, buf, VTUN_CMD_MONITOR_NEW, 0);
	mnl_attr_put_u32(nlh, VTUN_A_IFINDEX, t->ifindex);
	nest = mnl_attr_nest_start(nlh, VTUN_A_MONITOR);
	put_sockaddr(nlh, VTUN_A_MONITOR_DST, &t->monitor_dst);
	mnl_attr_put_u32(nlh, VTUN_A_MONITOR_INTERVAL, t->monitor_interval_ms);
	mnl_attr_put_u8(nlh, VTUN_A_MONITOR_THRESHOLD, t->monitor_threshold);
	mnl_attr_put_u8(nlh, VTUN_A_MONITOR_ACTION, t->monitor_failover ?
			VTUN_MONITOR_ACTION_FAIL_OVER :
			VTUN_MONITOR_ACTION_WAIT_RECOVER);
	mnl_attr_nest_end(nlh, nest);
	return talk(&genl, nlh, NULL, NULL, "monitor add");
}

int kernel_tunnel_setup(struct iked_tunnel *t)
{
	int i;

	t->ifindex = device_get(t);
	if (!t->ifindex)
		return -1;
	proxy_ids_prune(t);
	for (i = 0; i < t->n_proxy; i++)
		if (proxy_id_program(t->ifindex, &t->proxy[i]))
			return -1;
	/*
	 * The probes' source is an address of the device: one added after
	 * the daemon made it gets the monitor at the next reload (SIGHUP) of
	 * a changed tunnel, or of a restart. Keying does not wait for it.
	 */
	if (t->monitor_dst.ss_family != AF_UNSPEC && monitor_program(t))
		iked_log(LOG_WARNING, "%s: no monitor on %s", t->name, t->dev);
	return 0;
}

/* ---------------------------------------------------------------------------
 * SAs for the engine
 */

/*
 * One request on one SA (or the device's SPI space): @cmd with the SA's
 * direction and SPI (unless @r->spi is 0 and @r->no_id), what @r->put adds
 * inside the @r->nest attribute, and @r->q for the one nested attribute
 * the answer carries. Errors are logged under @r->what unless it is NULL.
 */
struct sa_req {
	uint8_t cmd;
	int ifindex;
	uint16_t nest;			/* VTUN_A_SA, VTUN_A_SPI_ALLOC */
	bool no_id;			/* no direction and SPI */
	bool out;
	uint32_t spi;
	void (*put)(struct nlmsghdr *nlh, const void *arg);
	const void *arg;
	struct genl_nested_query *q;
	const char *what;
};

static void put_sa_id(struct nlmsghdr *nlh, bool out, uint32_t spi);

static int sa_request(const struct sa_req *r)
{
	char buf[NL_BUF_SIZE];
	struct nlmsghdr *nlh;
	struct nlattr *nest;

	nlh = genl_msg(&genl, buf, r->cmd, 0);
	mnl_attr_put_u32(nlh, VTUN_A_IFINDEX, r->ifindex);
	nest = mnl_attr_nest_start(nlh, r->nest);
	if (!r->no_id)
		put_sa_id(nlh, r->out, r->spi);
	if (r->put)
		r->put(nlh, r->arg);
	mnl_attr_nest_end(nlh, nest);
	if (!r->what)
		return nl_talk(&genl, nlh, r->q ? genl_nested_cb : NULL, r->q);
	return talk(&genl, nlh, r->q ? genl_nested_cb : NULL, r->q, r->what);
}

int iked_kernel_spi_alloc(int ifindex, uint32_t *spi)
{
	struct genl_nested_query q = {
		.outer = VTUN_A_SPI_ALLOC, .inner = VTUN_A_SPI_RANGE_SPI,
	};
	struct sa_req r = {
		.cmd = VTUN_CMD_SPI_ALLOC, .ifindex = ifindex,
		.nest = VTUN_A_SPI_ALLOC, .no_id = true, .q = &q,
		.what = "spi alloc",
	};
	int err = sa_request(&r);

	*spi = q.value;
	if (!err && !q.found)
		err = -EPROTO;
	return err;
}

static void put_sa_id(struct nlmsghdr *nlh, bool out, uint32_t spi)
{
	mnl_attr_put_u8(nlh, VTUN_A_SA_DIR, out ? VTUN_DIR_OUT : VTUN_DIR_IN);
	mnl_attr_put_u32(nlh, VTUN_A_SA_SPI, spi);
}

static void put_lifetime(struct nlmsghdr *nlh, const struct iked_kernel_sa *sa)
{
	struct nlattr *nest;

	if (!sa->soft_seconds && !sa->hard_seconds && !sa->soft_bytes &&
	    !sa->hard_bytes)
		return;
	nest = mnl_attr_nest_start(nlh, VTUN_A_SA_LIFETIME);
	if (sa->soft_seconds)
		mnl_attr_put_u64(nlh, VTUN_A_SA_LIFETIME_SOFT_SECONDS,
				 sa->soft_seconds);
	if (sa->hard_seconds)
		mnl_attr_put_u64(nlh, VTUN_A_SA_LIFETIME_HARD_SECONDS,
				 sa->hard_seconds);
	if (sa->soft_bytes)
		mnl_attr_put_u64(nlh, VTUN_A_SA_LIFETIME_SOFT_BYTES,
				 sa->soft_bytes);
	if (sa->hard_bytes)
		mnl_attr_put_u64(nlh, VTUN_A_SA_LIFETIME_HARD_BYTES,
				 sa->hard_bytes);
	mnl_attr_nest_end(nlh, nest);
}

int iked_kernel_sa_add(const struct iked_kernel_sa *sa)
{
	/* Static: the keys in it are cleansed, never left on the stack. */
	static char buf[NL_BUF_SIZE];
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	int err;

	nlh = genl_msg(&genl, buf, VTUN_CMD_SA_NEW, 0);
	mnl_attr_put_u32(nlh, VTUN_A_IFINDEX, sa->ifindex);
	nest = mnl_attr_nest_start(nlh, VTUN_A_SA);
	put_sa_id(nlh, sa->out, sa->spi);
	mnl_attr_put_u8(nlh, VTUN_A_SA_PROTO, sa->proto == IPPROTO_AH ?
			VTUN_PROTO_AH : VTUN_PROTO_ESP);
	if (sa->aead_alg) {
		mnl_attr_put_strz(nlh, VTUN_A_SA_AEAD_ALG, sa->aead_alg);
		mnl_attr_put(nlh, VTUN_A_SA_AEAD_KEY, sa->enc_key_len,
			     sa->enc_key);
		if (sa->icv_bits)
			mnl_attr_put_u32(nlh, VTUN_A_SA_ICV_BITS, sa->icv_bits);
	} else if (sa->enc_alg) {
		mnl_attr_put_strz(nlh, VTUN_A_SA_ENC_ALG, sa->enc_alg);
		mnl_attr_put(nlh, VTUN_A_SA_ENC_KEY, sa->enc_key_len,
			     sa->enc_key);
	}
	if (sa->auth_alg) {
		mnl_attr_put_strz(nlh, VTUN_A_SA_AUTH_ALG, sa->auth_alg);
		mnl_attr_put(nlh, VTUN_A_SA_AUTH_KEY, sa->auth_key_len,
			     sa->auth_key);
		if (sa->trunc_bits)
			mnl_attr_put_u32(nlh, VTUN_A_SA_AUTH_TRUNC_BITS,
					 sa->trunc_bits);
	}
	mnl_attr_put_u32(nlh, VTUN_A_SA_REPLAY_WINDOW, sa->replay_window);
	mnl_attr_put_u8(nlh, VTUN_A_SA_ESN, sa->esn);
	if (sa->proxy_id)
		mnl_attr_put_u16(nlh, VTUN_A_SA_PROXY_ID, sa->proxy_id);
	if (sa->out && sa->standby)
		mnl_attr_put_u8(nlh, VTUN_A_SA_STANDBY, 1);
	put_lifetime(nlh, sa);
	mnl_attr_nest_end(nlh, nest);
	err = talk(&genl, nlh, NULL, NULL, "sa add");
	OPENSSL_cleanse(buf, sizeof(buf));
	return err;
}

int iked_kernel_sa_del(int ifindex, bool out, uint32_t spi)
{
	struct sa_req r = {
		.cmd = VTUN_CMD_SA_DEL, .ifindex = ifindex, .nest = VTUN_A_SA,
		.out = out, .spi = spi,
	};
	int err = sa_request(&r);

	/* Gone already (hard expiry, device deleted) is what was asked. */
	if (err && err != -ENOENT && err != -ENODEV)
		iked_log(LOG_ERR, "sa del 0x%08x: %s", spi, strerror(-err));
	return err == -ENOENT ? 0 : err;
}

static void put_active(struct nlmsghdr *nlh, const void *arg)
{
	(void)arg;
	mnl_attr_put_u8(nlh, VTUN_A_SA_ACTIVE, 1);
}

int iked_kernel_sa_activate(int ifindex, uint32_t spi)
{
	struct sa_req r = {
		.cmd = VTUN_CMD_SA_SET, .ifindex = ifindex, .nest = VTUN_A_SA,
		.out = true, .spi = spi, .put = put_active,
		.what = "sa activate",
	};

	return sa_request(&r);
}

int iked_kernel_sa_last_used(int ifindex, bool out, uint32_t spi,
			     uint64_t *when)
{
	struct genl_nested_query q = {
		.outer = VTUN_A_SA, .inner = VTUN_A_SA_LAST_USED,
	};
	struct sa_req r = {
		.cmd = VTUN_CMD_SA_GET, .ifindex = ifindex, .nest = VTUN_A_SA,
		.out = out, .spi = spi, .q = &q, .what = "sa get",
	};
	int err = sa_request(&r);

	*when = q.value;
	return err;
}

struct peer_arg {
	const struct sockaddr_storage *peer;
	bool port;
};

static void put_peer(struct nlmsghdr *nlh, const void *arg)
{
	const struct peer_arg *a = arg;

	put_sockaddr(nlh, VTUN_A_SA_PEER, a->peer);
	if (a->port)
		mnl_attr_put_u16(nlh, VTUN_A_SA_PEER_PORT, addr_port(a->peer));
}

int iked_kernel_peer_set(int ifindex, uint32_t spi_out,
			 const struct sockaddr_storage *peer, bool encap)
{
	struct peer_arg a = { .peer = peer, .port = encap };
	struct sa_req r = {
		.cmd = VTUN_CMD_SA_SET, .ifindex = ifindex, .nest = VTUN_A_SA,
		.out = true, .spi = spi_out, .put = put_peer, .arg = &a,
		.what = "sa set peer",
	};

	return sa_request(&r);
}

int iked_kernel_path_set(const struct iked_kernel_path *p)
{
	char buf[NL_BUF_SIZE];
	struct nlattr *linkinfo, *data;
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;
	int fd = -1;

	if (p->encap) {
		fd = net_encap_fd(&p->local);
		if (fd < 0) {
			iked_log(LOG_ERR, "no port %u socket for ESP in UDP",
				 addr_port(&p->local));
			return -ENOTCONN;
		}
	}
	nlh = nl_msg(&rtnl, buf, RTM_NEWLINK, 0);
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = p->ifindex;
	linkinfo = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "vtun");
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	put_sockaddr(nlh, IFLA_VTUN_REMOTE, &p->peer);
	if (p->encap) {
		mnl_attr_put_u8(nlh, IFLA_VTUN_ENCAP, VTUN_ENCAP_UDP);
		mnl_attr_put_u16(nlh, IFLA_VTUN_ENCAP_DPORT,
				 addr_port(&p->peer));
		mnl_attr_put_u16(nlh, IFLA_VTUN_KEEPALIVE, p->keepalive);
		/* the socket's port is the device's encap-sport */
		mnl_attr_put_u32(nlh, IFLA_VTUN_ENCAP_FD, (uint32_t)fd);
	} else {
		mnl_attr_put_u8(nlh, IFLA_VTUN_ENCAP, VTUN_ENCAP_NONE);
	}
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, linkinfo);
	return talk(&rtnl, nlh, NULL, NULL, "device path");
}

/* ---------------------------------------------------------------------------
 * Events
 */

static uint32_t nested_u32(const struct nlattr *nest, uint16_t type, int mnl)
{
	const struct nlattr *a;

	mnl_attr_for_each_nested(a, nest) {
		if (mnl_attr_get_type(a) != type || mnl_attr_validate(a, mnl))
			continue;
		switch (mnl) {
		case MNL_TYPE_U8:
			return mnl_attr_get_u8(a);
		case MNL_TYPE_U16:
			return mnl_attr_get_u16(a);
		default:
			return mnl_attr_get_u32(a);
		}
	}
	return 0;
}

/* peer-ntf: the sa nest's peer and peer-port; false if missing. */
static bool nested_peer(const struct nlattr *nest, struct sockaddr_storage *ss)
{
	const struct nlattr *a;

	memset(ss, 0, sizeof(*ss));
	mnl_attr_for_each_nested(a, nest) {
		uint16_t len = mnl_attr_get_payload_len(a);

		if (mnl_attr_get_type(a) != VTUN_A_SA_PEER)
			continue;
		if (len == 4) {
			struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

			s4->sin_family = AF_INET;
			memcpy(&s4->sin_addr, mnl_attr_get_payload(a), 4);
		} else if (len == 16) {
			struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

			s6->sin6_family = AF_INET6;
			memcpy(&s6->sin6_addr, mnl_attr_get_payload(a), 16);
		}
	}
	if (ss->ss_family == AF_UNSPEC)
		return false;
	addr_set_port(ss, nested_u32(nest, VTUN_A_SA_PEER_PORT, MNL_TYPE_U16));
	return addr_port(ss) != 0;
}

static void event(const struct nlmsghdr *nlh)
{
	const struct nlattr *attr, *sa = NULL, *pid = NULL, *exp = NULL;
	const struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);
	uint32_t ifindex = 0;

	mnl_attr_for_each(attr, nlh, sizeof(*g)) {
		uint16_t type = mnl_attr_get_type(attr);

		if (type == VTUN_A_IFINDEX &&
		    !mnl_attr_validate(attr, MNL_TYPE_U32))
			ifindex = mnl_attr_get_u32(attr);
		else if (mnl_attr_validate(attr, MNL_TYPE_NESTED))
			continue;
		else if (type == VTUN_A_SA)
			sa = attr;
		else if (type == VTUN_A_PROXY_ID)
			pid = attr;
		else if (type == VTUN_A_EXPIRE)
			exp = attr;
	}
	if (!ifindex)
		return;
	switch (g->cmd) {
	case VTUN_CMD_ACQUIRE_NTF: {
		uint32_t id = pid ? nested_u32(pid, VTUN_A_PROXY_ID_ID,
					       MNL_TYPE_U16) : 0;

		iked_log(LOG_DEBUG, "kernel: acquire ifindex %u proxy-id %u",
			 ifindex, id);
		ike_acquire(ifindex, id);
		break;
	}
	case VTUN_CMD_EXPIRE_NTF: {
		bool out, hard;
		uint32_t spi;

		if (!sa)
			return;
		out = nested_u32(sa, VTUN_A_SA_DIR, MNL_TYPE_U8) == VTUN_DIR_OUT;
		spi = nested_u32(sa, VTUN_A_SA_SPI, MNL_TYPE_U32);
		hard = exp && nested_u32(exp, VTUN_A_EXPIRE_HARD, MNL_TYPE_U8);
		iked_log(LOG_DEBUG, "kernel: %s expire ifindex %u %s spi 0x%08x",
			 hard ? "hard" : "soft", ifindex, out ? "out" : "in",
			 spi);
		ike_expire(ifindex, out, spi, hard);
		break;
	}
	case VTUN_CMD_PEER_NTF: {
		struct sockaddr_storage peer;
		char a[64];
		uint32_t spi;

		if (!sa || !nested_peer(sa, &peer))
			return;
		spi = nested_u32(sa, VTUN_A_SA_SPI, MNL_TYPE_U32);
		iked_log(LOG_DEBUG, "kernel: peer ifindex %u spi 0x%08x %s port %u",
			 ifindex, spi, addr_str(&peer, a, sizeof(a)),
			 addr_port(&peer));
		ike_peer_moved(ifindex, spi, &peer);
		break;
	}
	}
}

static void events_rx(struct iked_fd *f, uint32_t ev)
{
	char buf[NL_BUF_SIZE];
	int i;

	(void)f;
	(void)ev;
	for (i = 0; i < 32; i++) {
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;
		ssize_t len = recv(events_fd.fd, buf, sizeof(buf),
				   MSG_DONTWAIT);
		int left = len;

		if (len < 0) {
			if (errno == ENOBUFS)
				iked_log(LOG_WARNING, "kernel events lost (ENOBUFS)");
			else if (errno != EAGAIN && errno != EINTR)
				iked_log(LOG_ERR, "events: %s", strerror(errno));
			if (errno != ENOBUFS)
				return;
			continue;
		}
		for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left))
			if (nlh->nlmsg_type == events.family &&
			    mnl_nlmsg_get_payload_len(nlh) >=
			    sizeof(struct genlmsghdr))
				event(nlh);
	}
}

int kernel_open(void)
{
	int rcvbuf = 4 << 20;

	if (nl_open(&rtnl, NETLINK_ROUTE)) {
		iked_log(LOG_ERR, "rtnetlink: %s", strerror(errno));
		return -1;
	}
	if (genl_open(&genl, VTUN_FAMILY_NAME) ||
	    genl_open(&events, VTUN_FAMILY_NAME) ||
	    genl_join_group(&events, VTUN_FAMILY_NAME, VTUN_MCGRP_EVENTS))
		return -1;
	events_fd.fd = mnl_socket_get_fd(events.sock);
	/*
	 * Every SA added or deleted on any device is an event here: a rekey
	 * round of hundreds of tunnels overflows the default buffer, and a
	 * soft expiry lost with the overflow is a rekey not made.
	 */
	if (setsockopt(events_fd.fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf,
		       sizeof(rcvbuf)))
		setsockopt(events_fd.fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
			   sizeof(rcvbuf));
	events_fd.fn = events_rx;
	return iked_fd_add(&events_fd);
}

void kernel_close(void)
{
	if (events_fd.fd >= 0)
		iked_fd_del(&events_fd);
	events_fd.fd = -1;
	nl_close(&events);
	nl_close(&genl);
	nl_close(&rtnl);
}

/* ---------------------------------------------------------------------------
 * No orphan SAs: at start-up (those of a previous instance that did not
 * remove them) and at exit (any the engine no longer knows of)
 */

struct sa_ids {
	struct sa_id {
		bool out;
		uint32_t spi;
	} *id;
	int n, cap;
};

static int sa_ids_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *attr;
	struct sa_ids *l = data;
	struct sa_id *n;

	mnl_attr_for_each(attr, nlh, sizeof(struct genlmsghdr)) {
		if (mnl_attr_get_type(attr) != VTUN_A_SA ||
		    mnl_attr_validate(attr, MNL_TYPE_NESTED))
			continue;
		if (l->n == l->cap) {
			n = realloc(l->id, (size_t)(l->cap ? 2 * l->cap : 16) *
					   sizeof(*n));
			if (!n)
				return -ENOMEM;
			l->id = n;
			l->cap = l->cap ? 2 * l->cap : 16;
		}
		l->id[l->n].out = nested_u32(attr, VTUN_A_SA_DIR, MNL_TYPE_U8) ==
				  VTUN_DIR_OUT;
		l->id[l->n].spi = nested_u32(attr, VTUN_A_SA_SPI, MNL_TYPE_U32);
		l->n++;
	}
	return 0;
}

int kernel_tunnel_flush(const struct iked_tunnel *t)
{
	struct sa_ids l = { .id = NULL };
	int i, n = 0, err;

	if (!t->ifindex)
		return 0;
	err = dump_dev(VTUN_CMD_SA_GET, t->ifindex, sa_ids_cb, &l, &l.n,
		       "sa dump");
	for (i = 0; !err && i < l.n; i++)
		if (!iked_kernel_sa_del(t->ifindex, l.id[i].out, l.id[i].spi))
			n++;
	free(l.id);
	if (n)
		iked_log(LOG_NOTICE, "%s: %d SA%s removed from %s", t->name, n,
			 n == 1 ? "" : "s", t->dev);
	return err ? err : n;
}
