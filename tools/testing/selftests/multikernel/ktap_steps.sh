# SPDX-License-Identifier: GPL-2.0-only
# Per-step KTAP results for the long multikernel and mknet selftests, on
# the kernel's kselftest/ktap_helpers.sh, which the caller sources first.
# A test plans its steps (steps N), names each as it starts (step NAME),
# and the step under way passes when the next starts or the test ends
# (steps_done).  Its fail() calls step_failed: a test exits at its first
# failing step.  Names are single words.
STEP=
steps() {
	ktap_print_header
	ktap_set_plan "$1"
}
step() {
	[ -z "$STEP" ] || ktap_test_pass "$STEP"
	STEP=$1
}
# A planned step that this machine cannot take, maybe the one under
# way: $1 its name, $2 why.
step_skip() {
	[ "$STEP" != "$1" ] || STEP=
	step ""
	ktap_test_skip "$1 $2"
}
step_failed() {
	[ -z "$STEP" ] || ktap_test_fail "$STEP"
	STEP=
}
steps_done() {
	step ""
	ktap_print_totals
}
