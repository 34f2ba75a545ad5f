# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Kernel log lines that are a report: they fail the test they appear in
# (guest.sh), and a dead guest's first one ends the summary (run.sh).
# shellcheck disable=SC2034 # used by who sources this
KLOG_BAD='WARNING:|BUG:|Oops|KASAN|UBSAN|kernel BUG|general protection|'\
'Call Trace|possible circular locking|possible recursive locking|INFO: |'\
'unreferenced object|Kernel panic|refcount_t:|list_(add|del) corruption|'\
'waiting for .* to become free|stack-protector|double free|use-after-free'
