// SPDX-License-Identifier: GPL-2.0
/*
 * vtun: route-based IPsec tunnel devices.
 */

#include <linux/module.h>

#include "compat.h"
#include "device.h"
#include "netlink.h"
#include "rx.h"
#include "sa.h"

static int __init vtun_init(void)
{
	int err;

	err = vtun_sa_init();
	if (err)
		return err;
	/* Before the devices: its namespace exit runs after theirs. */
	err = vtun_lt_register();
	if (err)
		goto err_sa;
	err = vtun_device_init();
	if (err)
		goto err_lt;
	err = vtun_rx_init();
	if (err)
		goto err_device;
	vtun_nl_restrict_events();
	err = vtun_genl_register();
	if (err)
		goto err_rx;
	return 0;

err_rx:
	vtun_rx_exit();
err_device:
	vtun_device_exit();
err_lt:
	vtun_lt_unregister();
err_sa:
	vtun_sa_exit();
	return err;
}

static void __exit vtun_exit(void)
{
	vtun_genl_unregister();
	vtun_rx_exit();
	vtun_device_exit();
	vtun_lt_unregister();
	vtun_sa_exit();
}

module_init(vtun_init);
module_exit(vtun_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Route-based IPsec tunnel devices");
MODULE_ALIAS_RTNL_LINK("vtun");
MODULE_ALIAS_GENL_FAMILY(VTUN_FAMILY_NAME);
