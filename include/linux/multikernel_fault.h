/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Fault injection of the multikernel core and of its drivers: debugfs
 * files that take commands making this kernel a hostile or broken peer
 * of the others.  For tests only: nothing here exists without
 * CONFIG_MULTIKERNEL_FAULT_INJECTION.
 */
#ifndef _LINUX_MULTIKERNEL_FAULT_H
#define _LINUX_MULTIKERNEL_FAULT_H

#include <linux/compiler_types.h>
#include <linux/limits.h>
#include <linux/types.h>

/**
 * struct mk_debugfs_cmd - one command of a debugfs command file
 * @name: the word that selects it
 * @fn: runs it, given the file's context, the command's arguments (NULL
 *	if none were written) and @data; returns 0 or an error for the write
 * @data: what tells apart commands that share @fn
 *
 * See mk_debugfs_cmd_write().
 */
struct mk_debugfs_cmd {
	const char *name;
	int (*fn)(void *ctx, const char *args, unsigned long data);
	unsigned long data;
};

/* The @data of a garble command that fills with random bytes. */
#define MK_GARBLE_RANDOM	ULONG_MAX

#ifdef CONFIG_MULTIKERNEL_FAULT_INJECTION
ssize_t mk_debugfs_cmd_write(const char __user *ubuf, size_t len,
			     const struct mk_debugfs_cmd *cmds,
			     unsigned int nr_cmds, void *ctx);
void mk_fault_fill(void *p, size_t len, unsigned long how);
#endif

#endif /* _LINUX_MULTIKERNEL_FAULT_H */
