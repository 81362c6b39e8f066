#!/usr/bin/env python3
"""Self-check of the vim25 type table written by generate.py: loads the TSV, checks its shape and a few known facts.

Usage: python3 tools/vim25-types/check.py [FILE]   (default: simulator/Harness.Simulator.Web/Vim25/vim25-types.tsv)
Exit 0 when every check holds, 1 otherwise (each failure on stderr).
The since values are checked against the vim25 versions of pyVmomi's AddVersion lines (python3-pyvmomi, read as text)."""
import os
import re
import sys

REPO_ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..'))
DEFAULT = os.path.join(REPO_ROOT, 'simulator/Harness.Simulator.Web/Vim25/vim25-types.tsv')
FLAGS = ('array', 'optional', 'poly')
PYVMOMI_SERVER_OBJECTS = '/usr/lib/python3/dist-packages/pyVmomi/ServerObjects.py'
NEWER = '7.0'       # since of what pyVmomi does not know
RE_ADD_VERSION = re.compile(r'^AddVersion\("([^"]*)", "([^"]*)", "([^"]*)", \d+, "vim25"\)$', re.M)


def vim25_versions(path=PYVMOMI_SERVER_OBJECTS):
    """The numeric vim25 wire versions of pyVmomi's AddVersion lines ("2.0", ..., "6.7.1")."""
    with open(path, encoding='utf-8') as f:
        text = f.read()
    return {v for _, _, v in RE_ADD_VERSION.findall(text) if re.match(r'^\d+(\.\d+)*$', v)}


def version_key(v):
    return tuple(int(x) for x in v.split('.'))


def load(path):
    with open(path, 'rb') as f:
        raw = f.read()
    assert b'\r' not in raw, 'CR in file'
    assert raw.endswith(b'\n'), 'no final newline'
    lines = raw.decode('utf-8').split('\n')[:-1]
    assert lines and lines[0].startswith('# Generated'), 'missing generated-file comment'
    types, enums, requests, managed = {}, {}, {}, {}
    cur = None
    for n, line in enumerate(lines, 1):
        if line.startswith('#'):
            continue
        f = line.split('\t')
        kind = f[0]
        if kind == 'T':
            assert len(f) == 4, 'line %d: T needs 4 fields' % n
            assert f[1] not in types and f[1] not in enums, 'line %d: duplicate type %s' % (n, f[1])
            assert f[3], 'line %d: empty since' % n
            cur = types[f[1]] = {'base': f[2], 'since': f[3], 'props': [], 'psince': {}}
        elif kind == 'R':
            assert len(f) == 2, 'line %d: R needs 2 fields' % n
            assert f[1] not in requests, 'line %d: duplicate request %s' % (n, f[1])
            cur = requests[f[1]] = {'props': [], 'psince': {}}
        elif kind == 'P':
            assert len(f) == 5, 'line %d: P needs 5 fields' % n
            assert cur is not None, 'line %d: P outside T/R' % n
            flags = () if f[3] == '-' else tuple(f[3].split(','))
            assert flags == tuple(x for x in FLAGS if x in flags), 'line %d: bad flags %s' % (n, f[3])
            assert all(f[1:3]) and f[4], 'line %d: empty name, type or since' % n
            cur['props'].append((f[1], f[2], set(flags)))
            cur['psince'][f[1]] = f[4]
        elif kind == 'E':
            assert len(f) == 3, 'line %d: E needs 3 fields' % n
            assert f[1] not in types and f[1] not in enums, 'line %d: duplicate enum %s' % (n, f[1])
            enums[f[1]] = f[2].split(',')
            cur = None
        elif kind == 'M':
            assert len(f) == 3, 'line %d: M needs 3 fields' % n
            assert f[1] not in managed, 'line %d: duplicate managed object type %s' % (n, f[1])
            managed[f[1]] = f[2]
            cur = None
        else:
            raise AssertionError('line %d: unknown record %r' % (n, kind))
    for name, base in managed.items():
        assert base == '-' or base in managed, '%s: unknown managed base %s' % (name, base)
    for name, base in (('ClusterComputeResource', 'ComputeResource'), ('ComputeResource', 'ManagedEntity'),
                       ('VirtualMachine', 'ManagedEntity'), ('ContainerView', 'ManagedObjectView'),
                       ('ManagedObjectView', 'View'), ('ManagedEntity', 'ExtensibleManagedObject')):
        assert managed.get(name) == base, 'managed object type %s should extend %s, not %s' % (name, base, managed.get(name))
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

    # since: the vim25 version that added a type/field/parameter (pyVmomi's versions; NEWER if pyVmomi lacks it)
    def since(name, field=None, table=None):
        t = (table or types).get(name, {})
        return t.get('since') if field is None else t.get('psince', {}).get(field)

    try:
        allowed = vim25_versions() | {NEWER}
    except OSError as e:
        allowed = set()
        check(False, 'pyVmomi AddVersion lines: %s' % e)
    check({'2.0', '2.5', '4.0', '5.5', '6.5', '6.7', '6.7.1'} <= allowed, 'pyVmomi vim25 versions 2.0 ... 6.7.1')
    check(all(version_key(v) < version_key(NEWER) for v in allowed - {NEWER}), 'pyVmomi vim25 versions below %s' % NEWER)
    check(since('KmipClusterInfo', 'managementType') == NEWER, 'KmipClusterInfo.managementType since %s' % NEWER)
    check(since('KmipClusterInfo', 'clusterId') == '6.5', 'KmipClusterInfo.clusterId since 6.5')
    check(since('KmipClusterInfo') == '6.5', 'KmipClusterInfo since 6.5')
    check(since('VirtualMachineRuntimeInfo', 'cryptoState') == '6.7', 'VirtualMachineRuntimeInfo.cryptoState since 6.7')
    check(since('HostRuntimeInfo', 'cryptoState') == '6.5', 'HostRuntimeInfo.cryptoState since 6.5')
    check(since('VirtualMachineConfigInfo', 'keyId') == '6.5', 'VirtualMachineConfigInfo.keyId since 6.5')
    check(since('VirtualMachineRuntimeInfo') == '2.0', 'VirtualMachineRuntimeInfo since 2.0')
    check(since('VirtualMachineRuntimeInfo', 'powerState') == '2.0', 'VirtualMachineRuntimeInfo.powerState since 2.0')
    check(since('DynamicData') == '2.0' and since('ManagedObjectReference') == '2.0', 'DynamicData, MoRef since 2.0')
    check(since('ManagedObjectReference', '@type') == '-' and since('ManagedObjectReference', '#text') == '-',
          'ManagedObjectReference @type, #text since -')
    check(since('ArrayOfString') == '2.0' and since('ArrayOfString', 'string') == '2.0', 'ArrayOfString since 2.0')
    check(since('ArrayOfKmipClusterInfo') == '6.5', 'ArrayOfKmipClusterInfo since 6.5 (as its element type)')
    check(since('RetrievePropertiesEx', '_this', requests) == '4.1', 'RetrievePropertiesEx._this since 4.1')
    check(since('PowerOnVM_Task', '_this', requests) == '2.0', 'PowerOnVM_Task._this since 2.0')
    check(since('LocalizedMethodFault', 'fault') == '2.0', 'LocalizedMethodFault.fault since 2.0 (pyVmomi built-in)')
    bad, dash, order = [], [], []
    for kind, table in (('T', types), ('R', requests)):
        for name, t in table.items():
            if kind == 'T' and t['since'] not in allowed:
                bad.append('%s since %s' % (name, t['since']))
            for p, _, _ in t['props']:
                s = t['psince'][p]
                if s == '-':
                    if not (p.startswith('@') or p == '#text'):
                        dash.append('%s.%s' % (name, p))
                elif s not in allowed:
                    bad.append('%s.%s since %s' % (name, p, s))
                elif kind == 'T' and t['since'] in allowed and version_key(s) < version_key(t['since']):
                    order.append('%s.%s since %s < %s' % (name, p, s, t['since']))
            if kind == 'T' and t['base'] in types and {t['since'], types[t['base']]['since']} <= allowed \
                    and version_key(t['since']) < version_key(types[t['base']]['since']):
                order.append('%s since %s < its base %s' % (name, t['since'], t['base']))
    check(not bad, 'since not a pyVmomi vim25 version, %s or -: %s' % (NEWER, ', '.join(bad[:10])))
    check(not dash, 'since - for an element (only @attributes and #text): %s' % ', '.join(dash[:10]))
    check(not order, 'since older than its type or base type: %s' % ', '.join(order[:10]))

    for f in failures:
        print('check.py: FAIL %s' % f, file=sys.stderr)
    print('%s: %d data types, %d enums, %d request types; %s'
          % (path if argv else os.path.relpath(path), len(types), len(enums), len(requests),
             '%d check(s) failed' % len(failures) if failures else 'all checks passed'))
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
