/* SPDX-License-Identifier: GPL-2.0-only */
/* What mknet_shm.h uses of <linux/minmax.h>, for the userspace fuzzer. */
#ifndef _FUZZ_LINUX_MINMAX_H
#define _FUZZ_LINUX_MINMAX_H

#define max(a, b) ({			\
	typeof(a) _max_a = (a);		\
	typeof(b) _max_b = (b);		\
	_max_a > _max_b ? _max_a : _max_b; })

#endif
