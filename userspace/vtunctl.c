// SPDX-License-Identifier: GPL-2.0
/*
 * vtunctl: configure vtun devices and their security associations.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/vtun.h>

#include "linkopts.h"
#include "vtunctl.h"

struct vtunctl_opts opt;

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: vtunctl [ OPTIONS ] OBJECT { COMMAND | help }\n"
		"       vtunctl -V\n"
		"OBJECT := { link | show | sa | spi | proxy-id | monitor | events | ike | help }\n"
		"OPTIONS := { -j[son] | -p[retty] | -s[tats] | -n[etns] NAME | -h[elp] }\n"
		"\n"
		"  vtunctl link add NAME [ LINK-OPTIONS ]\n"
		"  vtunctl link set NAME [ LINK-OPTIONS ]\n"
		"  vtunctl link del NAME\n"
		"  vtunctl show [ [ dev ] NAME ]\n"
		"  vtunctl sa add DEV [ dir ] { in | out } spi SPI [ proto ] { esp | ah }\n"
		"             { aead ALG KEY ICVBITS | [ enc ALG KEY ] [ auth ALG KEY [ TRUNCBITS ] ] }\n"
		"             [ replay-window N ] [ esn { on | off } ] [ seq N ]\n"
		"             [ proxy-id ID ] [ standby ] [ limit LIMIT ]...\n"
		"  vtunctl sa set DEV [ dir ] { in | out } spi SPI [ active | standby ]\n"
		"             [ limit LIMIT ]...\n"
		"  vtunctl sa del DEV [ dir ] { in | out } spi SPI\n"
		"  vtunctl sa show [ DEV [ [ dir ] { in | out } spi SPI ] ]\n"
		"  vtunctl spi alloc DEV [ min SPI ] [ max SPI ] [ timeout SECONDS ]\n"
		"  vtunctl proxy-id add DEV id ID local PREFIX remote PREFIX\n"
		"             [ proto PROTO ] [ local-port PORT[-PORT] ] [ remote-port PORT[-PORT] ]\n"
		"  vtunctl proxy-id del DEV id ID\n"
		"  vtunctl proxy-id show [ DEV [ id ID ] ]\n"
		"  vtunctl monitor add DEV dst ADDR [ src ADDR ] [ interval MS ] [ threshold N ]\n"
		"             [ action { wait-recover | fail-over } ] [ hold-down MS ]\n"
		"             [ optimized { on | off } ]\n"
		"  vtunctl monitor set DEV [ dst ADDR ] [ ... ]\n"
		"  vtunctl monitor del DEV\n"
		"  vtunctl monitor show [ DEV ]\n"
		"  vtunctl events [ count N ]\n"
		"  vtunctl ike [ socket PATH ] { show | stats | up TUNNEL | down TUNNEL }\n"
		"\n"
		"LINK-OPTIONS :=\n");
	vtun_link_opts_usage(f, "\t");
	fprintf(f,
		"KEY := 0xHEX | @FILE (hex text or raw bytes; @- reads stdin)\n"
		"\n"
		"Exit status: 0 success, 1 the kernel or system refused, 255 bad usage.\n");
}

/* Global option: "-j", "-json", "--json" and prefixes of the long form. */
static bool is_opt(const char *arg, const char *name)
{
	if (arg[0] != '-')
		return false;
	arg++;
	if (arg[0] == '-')
		arg++;
	return matches(arg, name);
}

int main(int argc, char **argv)
{
	const char *obj;

	for (argc--, argv++; argc > 0 && argv[0][0] == '-'; argc--, argv++) {
		const char *a = argv[0];

		if (!strcmp(a, "--")) {
			argc--, argv++;
			break;
		}
		if (is_opt(a, "json")) {
			opt.json = 1;
		} else if (is_opt(a, "pretty")) {
			opt.pretty = 1;
		} else if (is_opt(a, "stats") || is_opt(a, "statistics")) {
			opt.stats++;
		} else if (is_opt(a, "netns")) {
			if (argc < 2)
				missarg(a);
			argc--, argv++;
			opt.netns = argv[0];
		} else if (is_opt(a, "Version") || !strcmp(a, "-v") ||
			   !strcmp(a, "--version")) {
			printf("vtunctl %s (vtun netlink family \"%s\" version %d)\n",
			       VTUNCTL_VERSION, VTUN_FAMILY_NAME,
			       VTUN_FAMILY_VERSION);
			return 0;
		} else if (is_opt(a, "help")) {
			usage(stdout);
			return 0;
		} else {
			usage_error("unknown option \"%s\"", a);
		}
	}
	if (argc < 1) {
		usage(stderr);
		return EXIT_USAGE;
	}
	obj = argv[0];
	argc--, argv++;
	if (matches(obj, "help")) {
		usage(stdout);
		return 0;
	}
	if (opt.netns && switch_netns(opt.netns))
		return 1;
	if (matches(obj, "link"))
		return do_link(argc, argv);
	if (matches(obj, "show") || matches(obj, "list") || matches(obj, "dev"))
		return do_show(argc, argv);
	if (matches(obj, "sa"))
		return do_sa(argc, argv);
	if (matches(obj, "proxy-id"))
		return do_proxy_id(argc, argv);
	if (matches(obj, "monitor"))
		return do_monitor(argc, argv);
	if (!strcmp(obj, "spi"))
		return do_spi(argc, argv);
	if (matches(obj, "events"))
		return do_events(argc, argv);
	if (!strcmp(obj, "ike"))
		return do_ike(argc, argv);
	usage_error("unknown object \"%s\"", obj);
}
