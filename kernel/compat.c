// SPDX-License-Identifier: GPL-2.0
/*
 * Registration of the generated genetlink family on kernels with and
 * without split ops.
 */

#include "compat.h"
#include "netlink.h"

#ifndef VTUN_COMPAT_GENL_SPLIT_OPS

#include "netlink-gen.c"

int vtun_genl_register(void)
{
	return genl_register_family(&vtun_nl_family);
}

void vtun_genl_unregister(void)
{
	genl_unregister_family(&vtun_nl_family);
}

#else

/* What the generated table needs of a split op. */
struct genl_split_ops {
	int (*pre_doit)(const struct genl_split_ops *ops, struct sk_buff *skb,
			struct genl_info *info);
	int (*doit)(struct sk_buff *skb, struct genl_info *info);
	void (*post_doit)(const struct genl_split_ops *ops, struct sk_buff *skb,
			  struct genl_info *info);
	int (*dumpit)(struct sk_buff *skb, struct netlink_callback *cb);
	const struct nla_policy *policy;
	unsigned int maxattr;
	u8 cmd;
	u8 flags;
};

/* What the generated family needs; the real one is built from it. */
struct vtun_genl_desc {
	const char *name;
	unsigned int version;
	bool netnsok;
	bool parallel_ops;
	struct module *module;
	const struct genl_split_ops *split_ops;
	unsigned int n_split_ops;
	const struct genl_multicast_group *mcgrps;
	unsigned int n_mcgrps;
};

#define genl_family vtun_genl_desc
#define vtun_nl_family vtun_nl_family_desc
#include "netlink-gen.c"
#undef vtun_nl_family
#undef genl_family

#define VTUN_NL_MAX_OPS 16

static struct genl_ops vtun_genl_ops[VTUN_NL_MAX_OPS];
static const struct genl_split_ops *vtun_genl_pre_post;

static int vtun_genl_pre_doit(const struct genl_ops *ops, struct sk_buff *skb,
			      struct genl_info *info)
{
	return vtun_genl_pre_post->pre_doit(NULL, skb, info);
}

static void vtun_genl_post_doit(const struct genl_ops *ops,
				struct sk_buff *skb, struct genl_info *info)
{
	vtun_genl_pre_post->post_doit(NULL, skb, info);
}

/* The generated header named the description; this is the real family. */
extern struct genl_family vtun_nl_family;
struct genl_family vtun_nl_family __ro_after_init;

static struct genl_ops *vtun_genl_op(unsigned int *n, u8 cmd)
{
	unsigned int i;

	for (i = 0; i < *n; i++)
		if (vtun_genl_ops[i].cmd == cmd)
			return &vtun_genl_ops[i];
	if (WARN_ON(*n == VTUN_NL_MAX_OPS))
		return NULL;
	vtun_genl_ops[*n].cmd = cmd;
	return &vtun_genl_ops[(*n)++];
}

/* Merge the do and dump halves of each command into one classic op. */
static int vtun_genl_build_ops(const struct vtun_genl_desc *desc)
{
	unsigned int i, n = 0;

	for (i = 0; i < desc->n_split_ops; i++) {
		const struct genl_split_ops *s = &desc->split_ops[i];
		struct genl_ops *op = vtun_genl_op(&n, s->cmd);

		if (!op)
			return -EINVAL;
		op->flags |= s->flags & (GENL_ADMIN_PERM | GENL_UNS_ADMIN_PERM);
		if (s->doit) {
			op->doit = s->doit;
			op->policy = s->policy;
			op->maxattr = s->maxattr;
			vtun_genl_pre_post = s;
		} else {
			op->dumpit = s->dumpit;
			if (!op->policy) {
				op->policy = s->policy;
				op->maxattr = s->maxattr;
			}
		}
	}
	return n;
}

int vtun_genl_register(void)
{
	const struct vtun_genl_desc *desc = &vtun_nl_family_desc;
	struct genl_family *f = &vtun_nl_family;
	int n_ops = vtun_genl_build_ops(desc);

	if (n_ops < 0)
		return n_ops;
	strscpy(f->name, desc->name, sizeof(f->name));
	f->version = desc->version;
	f->netnsok = desc->netnsok;
	f->parallel_ops = desc->parallel_ops;
	f->module = desc->module;
	f->ops = vtun_genl_ops;
	f->n_ops = n_ops;
	f->mcgrps = desc->mcgrps;
	f->n_mcgrps = desc->n_mcgrps;
	f->pre_doit = vtun_genl_pre_doit;
	f->post_doit = vtun_genl_post_doit;
	vtun_nl_restrict_events();
	return genl_register_family(f);
}

void vtun_genl_unregister(void)
{
	genl_unregister_family(&vtun_nl_family);
}

#endif
