/* SPDX-License-Identifier: GPL-2.0-only */
/* What mknet_shm.h uses of the kernel's <linux/bits.h>, for the fuzzer. */
#ifndef _FUZZ_LINUX_BITS_H
#define _FUZZ_LINUX_BITS_H

#define BIT(nr)	(1UL << (nr))

#endif
