#!/usr/bin/env python3
"""ktap.py LOG SUITE...: the results of the named KUnit suites in a guest log.

Prints one line per test case, "PASS suite.case" or "FAIL suite.case: why",
and "FAIL suite: did not run" for a suite whose results are not in the log
(a module that did not load must not look like a pass). Reads the console
output of the test modules' loading, not the empty plan KUnit prints at boot.
Parameterised cases count once, by their own result line. Skipped counts as
failed: a test that did not run proved nothing.
"""
import re
import sys

TS = re.compile(r'^\[\s*\d+\.\d+\]\s?')
RESULT = re.compile(r'^( *)(not ok|ok) \d+ (\S+)(.*)$')


def parse(lines, suites):
    results = {s: None for s in suites}
    current, cases = None, []
    for raw in lines:
        line = TS.sub('', raw.rstrip('\r\n'))
        m = re.match(r'^ {4}# Subtest: (\S+)$', line)
        if m and m.group(1) in results:
            current, cases = m.group(1), []
            continue
        if current is None:
            continue
        m = RESULT.match(line)
        if not m:
            continue
        indent, status, name, rest = len(m.group(1)), m.group(2), m.group(3), m.group(4)
        if indent == 4:
            ok = status == 'ok' and '# SKIP' not in rest
            why = '' if ok else ('skipped' if '# SKIP' in rest else 'failed')
            cases.append((name, ok, why))
        elif indent == 0 and name == current:
            results[current] = cases
            current = None
    return results


def main():
    log, suites = sys.argv[1], sys.argv[2:]
    with open(log, errors='replace') as f:
        results = parse(f, suites)
    for suite in suites:
        cases = results[suite]
        if cases is None:
            print(f'FAIL {suite}: did not run (no results in {log})')
        elif not cases:
            print(f'FAIL {suite}: ran no test case')
        for name, ok, why in cases or []:
            print(f'PASS {suite}.{name}' if ok else f'FAIL {suite}.{name}: {why}')


if __name__ == '__main__':
    main()
