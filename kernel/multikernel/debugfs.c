// SPDX-License-Identifier: GPL-2.0-only
/*
 * Command files in debugfs: a word written to the file, maybe followed by
 * arguments, picks one function from a table.
 *
 * The fault injection files of the core and of its drivers take commands
 * of one form; one parser gives them the same syntax and the same answer
 * to a bad write, and leaves each of them only its table.
 */
#include <linux/export.h>
#include <linux/multikernel.h>
#include <linux/string.h>
#include <linux/uaccess.h>

/* Longest write taken, with room for arguments and echo's newline. */
#define MK_DEBUGFS_CMD_LEN	64

/**
 * mk_debugfs_cmd_write - run the command written to a debugfs file
 * @ubuf: what user space wrote
 * @len: bytes at @ubuf
 * @cmds: the commands the file knows
 * @nr_cmds: entries in @cmds
 * @ctx: passed to the command's function
 *
 * A write is one command: its name, then optionally whitespace and its
 * arguments.  Whitespace around the whole is ignored, so ``echo NAME``
 * works; a command must come in one write.  The function gets the
 * arguments with the whitespace around them removed, or NULL when the
 * name stood alone.
 *
 * Whatever lock the commands need, the caller takes around this call.
 *
 * Context: process; may sleep to fault @ubuf in.
 * Return: @len once the command returned 0, else its error; -EINVAL for
 * a write of 64 bytes or more or a name not in @cmds, -EFAULT when @ubuf
 * cannot be read.
 */
ssize_t mk_debugfs_cmd_write(const char __user *ubuf, size_t len,
			     const struct mk_debugfs_cmd *cmds,
			     unsigned int nr_cmds, void *ctx)
{
	char buf[MK_DEBUGFS_CMD_LEN], *args, *name;
	unsigned int i;
	int err;

	if (len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, len))
		return -EFAULT;
	buf[len] = '\0';
	args = strim(buf);
	name = strsep(&args, " \t\n");
	if (args)
		args = skip_spaces(args);

	for (i = 0; i < nr_cmds; i++) {
		if (strcmp(name, cmds[i].name))
			continue;
		err = cmds[i].fn(ctx, args);
		return err ?: len;
	}
	return -EINVAL;
}
EXPORT_SYMBOL_GPL(mk_debugfs_cmd_write);
