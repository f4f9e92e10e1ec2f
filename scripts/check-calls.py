#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Calls between the files of a driver go one way, down a given order.

usage: check-calls.py [--allow NAME]... FILE...   (top first)

A file "calls" another when it names a function or variable the other
defines without static.  Any call from a file to one above it in the
order is printed, and the exit status is 1; a NAME given with --allow
may be called from anywhere (an upcall the design has, such as an
architecture's interrupt handler calling into the core).
"""
import re
import sys

DEF = re.compile(r'^(?!static\b)[A-Za-z_][\w \t\*]*?\b([a-z_][a-z0-9_]*)\s*(\(|=|;|\[)',
                 re.M)


def code(path):
    text = open(path).read()
    text = re.sub(r'/\*.*?\*/', ' ', text, flags=re.S)
    text = re.sub(r'//[^\n]*', ' ', text)
    return re.sub(r'"(\\.|[^"\\])*"', '""', text)


def defined(text):
    names = set()
    for m in DEF.finditer(text):
        line = text[m.start():text.find('\n', m.start())]
        if line.startswith(('extern', 'typedef', 'return', '#')) or \
           line[0].isspace():
            continue
        names.add(m.group(1))
    return names


def main(files, allow):
    texts = {f: code(f) for f in files}
    defs = {f: defined(texts[f]) - allow for f in files}
    bad = 0
    for i, f in enumerate(files):
        for g in files[:i]:
            used = sorted(n for n in defs[g]
                          if re.search(r'\b%s\b' % re.escape(n), texts[f]))
            if used:
                print('%s calls up into %s: %s' % (f, g, ', '.join(used)))
                bad = 1
    return bad


if __name__ == '__main__':
    args, allowed = sys.argv[1:], set()
    while len(args) > 1 and args[0] == '--allow':
        allowed.add(args[1])
        args = args[2:]
    if len(args) < 2:
        sys.exit(__doc__)
    sys.exit(main(args, allowed))
