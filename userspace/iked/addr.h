/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Socket addresses (AF_INET or AF_INET6 in a sockaddr_storage; any other
 * family, AF_UNSPEC above all, is "no address"), shared by the engine and
 * the daemon.
 */
#ifndef _VTUN_IKED_ADDR_H
#define _VTUN_IKED_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct iked_id;

/* Same family and IP address; ports are not compared. */
bool addr_eq(const struct sockaddr_storage *a,
	     const struct sockaddr_storage *b);
/* The wildcard address, or no address at all. */
bool addr_is_any(const struct sockaddr_storage *ss);
/* The IP address bytes and their length (4 or 16); NULL if no address. */
const void *addr_ip(const struct sockaddr_storage *ss, size_t *len);
/* Port in host order, 0 if no address. */
uint16_t addr_port(const struct sockaddr_storage *ss);
/* Sets the port (host order) of an address; no address: nothing. */
void addr_set_port(struct sockaddr_storage *ss, uint16_t port);
/* The IP address as text in @buf, "any" if no address, "?" if it does
 * not fit.
 */
const char *addr_str(const struct sockaddr_storage *ss, char *buf,
		     size_t len);
/* @id = ID_IPV4_ADDR or ID_IPV6_ADDR of @ss; false (@id zeroed) if no
 * address.
 */
bool addr_id(const struct sockaddr_storage *ss, struct iked_id *id);

#endif /* _VTUN_IKED_ADDR_H */
