#!/usr/bin/env python3
"""Self-check of the vim25 type table written by generate.py: loads the TSV, checks its shape and a few known facts.

Usage: python3 tools/vim25-types/check.py [FILE]   (default: simulator/Harness.Simulator.Web/Vim25/vim25-types.tsv)
Exit 0 when every check holds, 1 otherwise (each failure on stderr)."""
import os
import sys

REPO_ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..'))
DEFAULT = os.path.join(REPO_ROOT, 'simulator/Harness.Simulator.Web/Vim25/vim25-types.tsv')
FLAGS = ('array', 'optional', 'poly')


def load(path):
    with open(path, 'rb') as f:
        raw = f.read()
    assert b'\r' not in raw, 'CR in file'
    assert raw.endswith(b'\n'), 'no final newline'
    lines = raw.decode('utf-8').split('\n')[:-1]
    assert lines and lines[0].startswith('# Generated'), 'missing generated-file comment'
    types, enums, requests = {}, {}, {}
    cur = None
    for n, line in enumerate(lines, 1):
        if line.startswith('#'):
            continue
        f = line.split('\t')
        kind = f[0]
        if kind == 'T':
            assert len(f) == 3, 'line %d: T needs 3 fields' % n
            assert f[1] not in types and f[1] not in enums, 'line %d: duplicate type %s' % (n, f[1])
            cur = types[f[1]] = {'base': f[2], 'props': []}
        elif kind == 'R':
            assert len(f) == 2, 'line %d: R needs 2 fields' % n
            assert f[1] not in requests, 'line %d: duplicate request %s' % (n, f[1])
            cur = requests[f[1]] = {'props': []}
        elif kind == 'P':
            assert len(f) == 4, 'line %d: P needs 4 fields' % n
            assert cur is not None, 'line %d: P outside T/R' % n
            flags = () if f[3] == '-' else tuple(f[3].split(','))
            assert flags == tuple(x for x in FLAGS if x in flags), 'line %d: bad flags %s' % (n, f[3])
            assert all(f[1:3]), 'line %d: empty name or type' % n
            cur['props'].append((f[1], f[2], set(flags)))
        elif kind == 'E':
            assert len(f) == 3, 'line %d: E needs 3 fields' % n
            assert f[1] not in types and f[1] not in enums, 'line %d: duplicate enum %s' % (n, f[1])
            enums[f[1]] = f[2].split(',')
            cur = None
        else:
            raise AssertionError('line %d: unknown record %r' % (n, kind))
    for name, t in list(types.items()) + list(requests.items()):
        if t.get('base', '-') != '-':
            assert t['base'] in types, '%s: unknown base %s' % (name, t['base'])
        for p, typ, _ in t['props']:
            assert typ.startswith('xsd:') or typ in types or typ in enums, '%s.%s: unknown type %s' % (name, p, typ)
    return types, enums, requests


def main(argv):
    path = argv[0] if argv else DEFAULT
    failures = []

    def check(cond, what):
        if not cond:
            failures.append(what)

    try:
        types, enums, requests = load(path)
    except (AssertionError, OSError, UnicodeDecodeError) as e:
        print('check.py: %s: %s' % (path, e), file=sys.stderr)
        return 1

    def props(name, table=None):
        t = (table or types).get(name)
        return {p: (typ, flags) for p, typ, flags in t['props']} if t else {}

    def order(name, table=None):
        t = (table or types).get(name)
        return [p for p, _, _ in t['props']] if t else []

    check(len(types) >= 2000, 'expected thousands of data types, got %d' % len(types))
    check(len(enums) >= 200, 'expected hundreds of enums, got %d' % len(enums))
    check(len(requests) >= 500, 'expected hundreds of request types, got %d' % len(requests))

    check(types.get('VirtualMachineRuntimeInfo', {}).get('base') == 'DynamicData', 'VirtualMachineRuntimeInfo base')
    check(props('VirtualMachineRuntimeInfo').get('cryptoState') == ('xsd:string', {'optional'}),
          'VirtualMachineRuntimeInfo.cryptoState xsd:string optional')

    ck = props('CryptoKeyId')
    check(ck.get('keyId') == ('xsd:string', set()), 'CryptoKeyId.keyId xsd:string')
    check(ck.get('providerId') == ('KeyProviderId', {'optional'}), 'CryptoKeyId.providerId KeyProviderId optional')
    check(order('CryptoKeyId') == ['keyId', 'providerId'], 'CryptoKeyId field order')

    rp = props('RetrievePropertiesEx', requests)
    check(order('RetrievePropertiesEx', requests) == ['_this', 'specSet', 'options'], 'RetrievePropertiesEx fields')
    check(rp.get('_this', ('', set()))[0] == 'ManagedObjectReference', 'RetrievePropertiesEx._this')
    check(rp.get('specSet') == ('PropertyFilterSpec', {'array'}), 'RetrievePropertiesEx.specSet PropertyFilterSpec array')
    check(rp.get('options', ('', set()))[0] == 'RetrieveOptions', 'RetrievePropertiesEx.options RetrieveOptions')
    check('PowerOnVM_Task' in requests, 'request PowerOnVM_Task')

    check(order('ObjectContent') == ['obj', 'propSet', 'missingSet'], 'ObjectContent fields obj, propSet, missingSet')
    check(props('DynamicProperty').get('name', ('',))[0] == 'xsd:string', 'DynamicProperty.name')
    check(props('DynamicProperty').get('val', ('',))[0] == 'xsd:anyType', 'DynamicProperty.val xsd:anyType')
    check(types.get('InvalidState', {}).get('base') == 'VimFault', 'InvalidState base VimFault')
    check(enums.get('VirtualMachinePowerState') == ['poweredOff', 'poweredOn', 'suspended'],
          'VirtualMachinePowerState = poweredOff,poweredOn,suspended')

    mor = types.get('ManagedObjectReference', {})
    check(mor.get('base') == '-' and order('ManagedObjectReference') == ['@type', '#text'],
          'ManagedObjectReference = @type, #text')
    check(props('LocalizedMethodFault').get('fault') == ('MethodFault', {'poly'}), 'LocalizedMethodFault.fault poly')
    check(props('ArrayOfString').get('string') == ('xsd:string', {'array', 'optional'}), 'ArrayOfString.string')

    for f in failures:
        print('check.py: FAIL %s' % f, file=sys.stderr)
    print('%s: %d data types, %d enums, %d request types; %s'
          % (path if argv else os.path.relpath(path), len(types), len(enums), len(requests),
             '%d check(s) failed' % len(failures) if failures else 'all checks passed'))
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
