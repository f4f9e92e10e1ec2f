#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Judge guest console logs: KUnit KTAP results, our selftests, and splats.

KUnit prints KTAP through the kernel log: its lines carry a printk
timestamp, and its test cases are indented one level.  The guest's
kselftest runner prints one KTAP document per collection from user space,
with no timestamp: 'TAP version 13', a plan '1..N', then per test its
output as '# ' diagnostics and 'ok N name', 'ok N name # SKIP' or
'not ok N name # exit=R'.  A selftest that reports its steps prints a
KTAP document of its own (kselftest/ktap_helpers.sh), which the runner
shows as '# ' lines: each step counts as a result, and a selftest that
passed must have reported every step it planned.  Harness steps outside
that runner (bad boot parameters, fuzzing, stress) print
'mkselftest: ok|not ok|skip name';
'mkexpect: name: text' passes name once a later line of the log holds
text, and fails it otherwise.

Every KUnit test case, selftest and selftest step counts once.  A splat
anywhere in a log, a boot that did not reach the end of its plan, a KTAP
document with fewer or more results than its plan, or a log with no
result at all is a failure of its own.  The last line printed is
'N passed, N failed, N skipped'; the exit status is non-zero on any
failure or when nothing ran.

A '*.console' file is what started instances wrote on the machine's
second UART: no results, only splats, judged as one check per file.  The
instance tests panic instances on purpose through sysrq, so that one
panic, and only it, is not a splat there.
"""
import re
import sys

TIMESTAMP = re.compile(r'^\[\s*\d+\.\d+\]\s?')
KTAP_RESULT = re.compile(r'^(\s*)(not ok|ok) (\d+) (\S+)(.*)$')
# The kselftest runner's document: header, plan, results.
KSFT_HEADER = re.compile(r'^(TAP|KTAP) version \d+$')
KSFT_PLAN = re.compile(r'^1\.\.(\d+)')
KSFT_RESULT = re.compile(r'^(not ok|ok) (\d+)(?: ([^#]*?))?\s*(?:# (.*))?$')
KSFT_TEST = re.compile(r'^selftests: (\S+): (\S+)$')
KSFT_NOTE = re.compile(r'^# ?(.*)$')
SELFTEST = re.compile(r'^mkselftest: (ok|not ok|skip) (\S+)(.*)$')
SELFTEST_START = re.compile(r'^mkselftest: start (\S+)')
SELFTEST_NOTE = re.compile(r'^mkselftest: # (.*)$')
# A check of what the kernel says after the plan (on its power-off):
# 'mkexpect: NAME: TEXT' passes NAME once a later line holds TEXT.
EXPECT = re.compile(r'^mkexpect: (\S+): (.+)$')
# Lines of a failing selftest's own output shown next to its verdict.
NOTE_LINES = 6

SPLATS = [
    ('BUG', re.compile(r'\bBUG: ')),
    ('WARNING', re.compile(r'\bWARNING: ')),
    ('KASAN', re.compile(r'KASAN: ')),
    ('UBSAN', re.compile(r'UBSAN: ')),
    ('lockdep', re.compile(r'possible (recursive|circular) locking|'
                           r'inconsistent lock state|lock held when returning|'
                           r'suspicious RCU usage')),
    ('RCU stall', re.compile(r'rcu: INFO: .* detected stalls|self-detected stall')),
    ('hung task', re.compile(r'INFO: task .* blocked for more than')),
    ('soft lockup', re.compile(r'soft lockup - CPU')),
    ('sleep in atomic', re.compile(r'scheduling while atomic|'
                                   r'sleeping function called from invalid context')),
    ('Oops', re.compile(r'\bOops\b|general protection fault')),
    ('panic', re.compile(r'Kernel panic')),
    ('kmemleak', re.compile(r'unreferenced object 0x')),
]


# The deliberate crash of an instance; its call trace matches no splat.
DELIBERATE = re.compile(r'Kernel panic - not syncing: sysrq triggered crash')


def judge_console(path):
    """One check per instance console: no splat but the deliberate panic."""
    name = path.rsplit('/', 1)[-1]
    found = []
    with open(path, errors='replace') as f:
        for raw_line in f:
            line = TIMESTAMP.sub('', raw_line.rstrip('\r\n'))
            if DELIBERATE.search(line):
                continue
            for kind, rx in SPLATS:
                if rx.search(line) and kind not in (k for k, _ in found):
                    found.append((kind, line.strip()))
    if not found:
        return [f'{name}: no splat from any instance'], [], []
    return [], [f'{name}: {kind} splat from an instance: {line}'
                for kind, line in found], []


def is_skip(directive):
    """Whether a KTAP result's directive ('# ...') says SKIP."""
    return bool(directive) and directive.upper().startswith('SKIP')


def ksft_name(desc):
    """'selftests: drivers/net/mknet: ping.sh' reads drivers/net/mknet/ping."""
    m = KSFT_TEST.match(desc)
    return f'{m.group(1)}/{m.group(2).removesuffix(".sh")}' if m else desc


def judge(path):
    passed, failed, skipped = [], [], []
    finished = False
    splats = {}
    with open(path, errors='replace') as f:
        raw = [l.rstrip('\r\n') for l in f]
    name = path.rsplit('/', 1)[-1].removesuffix('.log')
    notes = []
    ksft = False        # inside the runner's KTAP document
    plan = results = None
    expect = {}         # NAME: TEXT awaited
    steps = []          # a selftest's own KTAP results, until its own
    step_plan = None

    def judge_steps(test, ok):
        """A selftest's steps count as results of their own."""
        for res, desc, directive in steps:
            label = f'{name}: selftest {test}: {desc}'
            if is_skip(directive):
                skipped.append(label)
            elif res == 'ok':
                passed.append(label)
            else:
                failed.append(label)
        # A test that fails stops at its failing step; one that passes
        # must have reported all it planned.
        if ok and step_plan is not None and len(steps) != step_plan:
            failed.append(f'{name}: selftest {test} planned {step_plan} '
                          f'steps, reported {len(steps)}')

    def ksft_end():
        if plan is not None and results != plan:
            failed.append(f'{name}: selftests planned {plan}, '
                          f'reported {results}')

    for raw_line in raw:
        kernel = bool(TIMESTAMP.match(raw_line))
        line = TIMESTAMP.sub('', raw_line)
        if line.startswith('mkplan: done'):
            finished = True
        for test, text in list(expect.items()):
            if text in line:
                passed.append(f'{name}: selftest {test}')
                del expect[test]
        m = EXPECT.match(line)
        if m and not kernel:
            expect[m.group(1)] = m.group(2)
            continue
        for kind, rx in SPLATS:
            if rx.search(line) and kind not in splats:
                splats[kind] = line.strip()
        if not kernel and KSFT_HEADER.match(line):
            ksft_end()
            ksft, plan, results, notes = True, None, 0, []
            continue
        if ksft and not kernel:
            m = KSFT_PLAN.match(line)
            if m and plan is None:
                plan = int(m.group(1))
                continue
            m = KSFT_RESULT.match(line)
            if m:
                res, desc, directive = m.group(1), m.group(3) or '', m.group(4)
                results += 1
                label = f'{name}: selftest {ksft_name(desc)}'
                judge_steps(ksft_name(desc),
                            res == 'ok' and not is_skip(directive))
                steps, step_plan = [], None
                if is_skip(directive):
                    # The kernel's runner gives no reason: the test's
                    # last line does ('SKIP: no region', say).
                    why = directive[4:].strip() or (
                        re.sub(r'^SKIP:?\s*', '', notes[-1]) if notes else '')
                    skipped.append(label + (f' ({why})' if why else ''))
                elif res == 'ok':
                    passed.append(label)
                else:
                    if directive:
                        label += f' ({directive})'
                    # CI keeps only what we print: say why, not just that.
                    failed.append(label + ''.join(
                        f'\n            | {n}' for n in notes[-NOTE_LINES:]))
                notes = []
                continue
            if line.startswith('Bail out!'):
                failed.append(f'{name}: selftests bailed out: {line}')
                continue
            m = KSFT_NOTE.match(line)
            if m:
                inner = m.group(1)
                if KSFT_TEST.match(inner):
                    notes, steps, step_plan = [], [], None
                    continue
                # The selftest's own KTAP document (ktap_helpers.sh).
                if KSFT_HEADER.match(inner):
                    continue
                n = KSFT_PLAN.match(inner)
                if n and step_plan is None and not steps:
                    step_plan = int(n.group(1))
                    continue
                n = KSFT_RESULT.match(inner)
                if n and step_plan is not None:
                    steps.append((n.group(1), (n.group(3) or '').strip(),
                                  n.group(4)))
                    if n.group(1) == 'ok':
                        continue
                notes.append(inner)
                continue
        if SELFTEST_START.match(line):
            notes = []
            continue
        m = SELFTEST_NOTE.match(line)
        if m:
            notes.append(m.group(1))
            continue
        m = SELFTEST.match(line)
        if m:
            res, test = m.group(1), m.group(2)
            label = f'{name}: selftest {test}{m.group(3)}'
            if res == 'not ok':
                label += ''.join(f'\n            | {n}'
                                 for n in notes[-NOTE_LINES:])
            {'ok': passed, 'not ok': failed, 'skip': skipped}[res].append(
                label)
            continue
        m = KTAP_RESULT.match(line)
        # KUnit test cases are indented one level; suites are not.
        if m and len(m.group(1)) == 4 and not (ksft and not kernel):
            res, test, rest = m.group(2), m.group(4), m.group(5)
            label = f'{name}: kunit {test}'
            if '# SKIP' in rest:
                skipped.append(label + rest)
            elif res == 'ok':
                passed.append(label)
            else:
                failed.append(label)
    ksft_end()
    for test, text in expect.items():
        failed.append(f'{name}: selftest {test} (no "{text}" after it)')
    if not finished:
        failed.append(f'{name}: boot did not finish its plan')
    for kind, line in splats.items():
        failed.append(f'{name}: {kind} splat in console: {line}')
    return passed, failed, skipped


def main(paths):
    allp, allf, alls = [], [], []
    for p in paths:
        ps, fs, ss = judge_console(p) if p.endswith('.console') else judge(p)
        allp += ps
        allf += fs
        alls += ss
        print(f'  LOG     {p}: {len(ps)} passed, {len(fs)} failed, '
              f'{len(ss)} skipped')
    for s in alls:
        print(f'  SKIP    {s}')
    for f in allf:
        print(f'  FAIL    {f}')
    if not allp and not allf:
        allf.append('no test ran')
        print('  FAIL    no test ran')
    print(f'{len(allp)} passed, {len(allf)} failed, {len(alls)} skipped')
    return 1 if allf else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
