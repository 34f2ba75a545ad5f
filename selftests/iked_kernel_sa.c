// SPDX-License-Identifier: GPL-2.0
/*
 * A command line over vtun-iked's kernel.c, for iked_kernel.sh: the SA
 * operations the engine calls, one per run, so that the test compares
 * what they did with vtunctl's view.
 *
 *   iked_kernel_sa alloc DEV                 prints the SPI
 *   iked_kernel_sa add DEV in|out SPI [standby]
 *   iked_kernel_sa activate DEV SPI
 *   iked_kernel_sa last-used DEV in|out SPI  prints seconds since the epoch
 *   iked_kernel_sa del DEV in|out SPI
 */

#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"

void ike_acquire(int ifindex, uint32_t proxy_id)
{
	(void)ifindex;
	(void)proxy_id;
}

void ike_expire(int ifindex, bool out, uint32_t spi, bool hard)
{
	(void)ifindex;
	(void)out;
	(void)spi;
	(void)hard;
}

void ike_peer_moved(int ifindex, uint32_t spi_in,
		    const struct sockaddr_storage *peer)
{
	(void)ifindex;
	(void)spi_in;
	(void)peer;
}

/* net.c's port 4500 sockets: none here (no ESP in UDP). */
int net_encap_fd(const struct sockaddr_storage *local)
{
	(void)local;
	return -1;
}

static const uint8_t key[20] = {
	0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99,
	0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x01, 0x02, 0x03, 0x04,
};

int main(int argc, char **argv)
{
	const char *cmd = argc > 2 ? argv[1] : "";
	int ifindex = argc > 2 ? (int)if_nametoindex(argv[2]) : 0;
	bool out = argc > 3 && !strcmp(argv[3], "out");
	uint32_t spi = argc > 4 ? strtoul(argv[4], NULL, 0) : 0;
	uint64_t when;
	int err = 1;

	if (!ifindex || iked_loop_init() || kernel_open())
		return 2;
	if (!strcmp(cmd, "alloc")) {
		err = iked_kernel_spi_alloc(ifindex, &spi);
		if (!err)
			printf("0x%08x\n", spi);
	} else if (!strcmp(cmd, "add") && argc >= 5) {
		struct iked_kernel_sa sa = {
			.ifindex = ifindex, .out = out, .spi = spi,
			.proto = IPPROTO_ESP, .aead_alg = "rfc4106(gcm(aes))",
			.enc_key = key, .enc_key_len = sizeof(key),
			.icv_bits = 128, .replay_window = 1024,
			.standby = argc > 5 && !strcmp(argv[5], "standby"),
			.soft_seconds = 100, .hard_seconds = 200,
		};

		err = iked_kernel_sa_add(&sa);
	} else if (!strcmp(cmd, "activate") && argc >= 4) {
		err = iked_kernel_sa_activate(ifindex, strtoul(argv[3], NULL, 0));
	} else if (!strcmp(cmd, "last-used") && argc >= 5) {
		err = iked_kernel_sa_last_used(ifindex, out, spi, &when);
		if (!err)
			printf("%llu\n", (unsigned long long)when);
	} else if (!strcmp(cmd, "del") && argc >= 5) {
		err = iked_kernel_sa_del(ifindex, out, spi);
	}
	kernel_close();
	iked_loop_fini();
	return err ? 1 : 0;
}
