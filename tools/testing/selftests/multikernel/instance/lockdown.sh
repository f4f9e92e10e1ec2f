#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Starting an instance is what kexec does, so it is held to kexec's
# rules: with CONFIG_KEXEC_SIG a start checks the kernel's signature as
# kexec_file_load() would, and logs an unsigned one; under lockdown no
# control file takes a write.  Lockdown cannot be lifted: this runs last,
# in a boot of its own that says so (mklockdown).
. "$(dirname "$0")/lib.sh"

lockdown=/sys/kernel/security/lockdown
[ -e $lockdown ] || mount -t securityfs securityfs /sys/kernel/security 2>/dev/null
[ -w $lockdown ] || { echo "SKIP: no lockdown LSM (CONFIG_SECURITY_LOCKDOWN_LSM)"; exit 4; }
grep -qw mklockdown /proc/cmdline ||
	{ echo "SKIP: lockdown lasts until reboot: only in a boot marked mklockdown"; exit 4; }
[ -w $d/control ] || fail "no control files in $d"

# The check runs before the start looks at CPUs or memory, so whether
# this start then goes ahead does not matter; one that does is stopped.
unverified() { dmesg | grep -c "instance 1: kernel signature not verified"; }
cat /boot/bzImage > $d/kernel || fail "loading the kernel"
before=$(unverified)
if echo start > $d/control 2>/dev/null; then
	echo stop > $d/control || fail "stop refused"
fi
[ "$(unverified)" -gt "$before" ] ||
	fail "an unsigned kernel started without 'kernel signature not verified'"
echo "an unsigned kernel: $(dmesg | grep "instance 1: kernel signature" | tail -n 1 | sed 's/^\[[^]]*\] //')"

control=$(cat $d/control)
echo integrity > $lockdown || fail "setting lockdown to integrity"
grep -q '\[integrity\]' $lockdown || fail "lockdown reads '$(cat $lockdown)'"
for w in "start:control" "$CMDLINE:cmdline" "1:cpus" "$MEM:memory" \
	 "x:kernel" "x:initrd"; do
	f=${w##*:}
	out=$(sh -c "echo '${w%:*}' > $d/$f" 2>&1) &&
		fail "$f took a write under lockdown"
	case $out in
	*"not permitted"*) ;;
	*) fail "a write to $f under lockdown: '$out', not EPERM" ;;
	esac
done
echo "under lockdown: control, cmdline, cpus, memory, kernel and initrd refuse writes (EPERM)"
dmesg | grep -q "Lockdown: .*kexec of unsigned images is restricted" ||
	fail "lockdown logged no reason"
[ "$(cat $d/control)" = "$control" ] ||
	fail "control reads $(cat $d/control) under lockdown, was $control"
cat $d/state > /dev/null || fail "state unreadable under lockdown"
