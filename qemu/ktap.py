#!/usr/bin/env python3
"""ktap.py MODULE.ko RESULTS: the KUnit results of one module's suites.

The suites expected are the ones MODULE.ko was built with, read from its
.kunit_test_suites section (what the compiler emitted, not how the source
is formatted). RESULTS ("-" for stdin) holds the KTAP the guest copied from
/sys/kernel/debug/kunit/<suite>/results. Prints one line per test case,
"PASS suite.case" or "FAIL suite.case: why", and a FAIL line for a suite
that did not report, declared more cases than it reported, failed outside
its cases, or was not expected. Skipped counts as failed: a test that did
not run proved nothing. Parameterised cases count once, by their own line.
"""
import re
import struct
import sys

RESULT = re.compile(r'^( *)(not ok|ok) \d+ (\S+)(.*)$')
PLAN = re.compile(r'^ {4}1\.\.(\d+)$')
SUBTEST = re.compile(r'^ {4}# Subtest: (\S+)$')


def elf_suites(path):
    """Names of the suites in a module's .kunit_test_suites, in order."""
    with open(path, 'rb') as f:
        elf = f.read()
    if elf[:4] != b'\x7fELF' or elf[4] != 2 or elf[5] != 1:
        sys.exit(f'ktap.py: {path} is not a little-endian ELF64 file')
    shoff, = struct.unpack_from('<Q', elf, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from('<HHH', elf, 0x3a)
    sections = [struct.unpack_from('<IIQQQQIIQQ', elf, shoff + i * shentsize) for i in range(shnum)]
    strtab_off = sections[shstrndx][4]

    def cstr(off):
        return elf[off:elf.index(b'\0', off)].decode()

    by_name = {cstr(strtab_off + s[0]): s for s in sections}
    rela = by_name.get('.rela.kunit_test_suites')
    if rela is None:
        return []
    symtab = sections[rela[6]]
    names = []
    for off in range(rela[4], rela[4] + rela[5], 24):
        r_offset, r_info, r_addend = struct.unpack_from('<QQq', elf, off)
        st_name, st_info, st_other, st_shndx, st_value, st_size = \
            struct.unpack_from('<IBBHQQ', elf, symtab[4] + (r_info >> 32) * 24)
        # struct kunit_suite begins with its name, a char array.
        names.append((r_offset, cstr(sections[st_shndx][4] + st_value + r_addend)))
    return [n for _, n in sorted(names)]


def parse(lines):
    """{suite: (declared cases, [(case, ok, why)], suite ok)} from KTAP lines."""
    results, current = {}, None
    for raw in lines:
        line = raw.rstrip('\r\n')
        m = SUBTEST.match(line)
        if m:
            current = m.group(1)
            results[current] = [None, [], None]
            continue
        if current is None:
            continue
        m = PLAN.match(line)
        if m:
            results[current][0] = int(m.group(1))
            continue
        m = RESULT.match(line)
        if not m:
            continue
        indent, status, name, rest = len(m.group(1)), m.group(2), m.group(3), m.group(4)
        ok = status == 'ok' and '# SKIP' not in rest
        if indent == 4:
            why = '' if ok else ('skipped' if '# SKIP' in rest else 'failed')
            results[current][1].append((name, ok, why))
        elif indent == 0 and name == current:
            results[current][2] = ok
            current = None
    return results


def main():
    ko, src = sys.argv[1], sys.argv[2]
    expected = elf_suites(ko)
    if not expected:
        print(f'FAIL {ko}: built with no KUnit suite')
    with (sys.stdin if src == '-' else open(src, errors='replace')) as f:
        results = parse(f)
    for suite in expected:
        if suite not in results:
            print(f'FAIL {suite}: did not run')
            continue
        declared, cases, suite_ok = results.pop(suite)
        for name, ok, why in cases:
            print(f'PASS {suite}.{name}' if ok else f'FAIL {suite}.{name}: {why}')
        if declared is None or declared != len(cases):
            print(f'FAIL {suite}: declared {declared} cases, reported {len(cases)}')
        elif not cases:
            print(f'FAIL {suite}: ran no test case')
        elif suite_ok is not True and all(ok for _, ok, _ in cases):
            print(f'FAIL {suite}: suite failed outside its cases (init or exit)')
    for suite in results:
        print(f'FAIL {suite}: reported, but {ko} was not built with it')


if __name__ == '__main__':
    main()
