/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vtun-iked fuzz harnesses: each file defines LLVMFuzzerTestOneInput().
 * Built with clang -fsanitize=fuzzer for `make fuzz`, or with any compiler
 * and replay.c (a main() reading corpus files) for `make check`.
 */
#ifndef _VTUN_IKED_FUZZ_H
#define _VTUN_IKED_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif /* _VTUN_IKED_FUZZ_H */
