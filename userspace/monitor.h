/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tunnel monitors, shared by "monitor show", "show" and "events".
 */
#ifndef _VTUN_MONITOR_H
#define _VTUN_MONITOR_H

#include <stdint.h>

struct nlattr;
struct nlmsghdr;

/* The members of one monitor nest: JSON members or text words. */
void print_monitor(const struct nlattr *nest);

/* A monitor-down or monitor-up event, if @cmd is one; returns 1 if so. */
int print_monitor_event(const struct nlmsghdr *nlh, uint8_t cmd);

#endif /* _VTUN_MONITOR_H */
