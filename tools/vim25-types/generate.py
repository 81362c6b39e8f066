#!/usr/bin/env python3
"""Generates simulator/Harness.Simulator.Web/Vim25/vim25-types.tsv, the vim25 type table the simulator's SOAP server
loads to serialize vSphere data objects (element order, xsi:type) and to parse requests.

Usage (from anywhere; the defaults are relative to the repository):
    python3 tools/vim25-types/generate.py [--govmomi DIR] [--pyvmomi DIR] [--out FILE]

--govmomi DIR is govmomi's vim25/types package (default: Debian's golang-github-vmware-govmomi-dev,
/usr/share/gocode/src/github.com/vmware/govmomi/vim25/types). Only types.go, enum.go and if.go are read, and mo.go of
the sibling vim25/mo package (managed object types).
--pyvmomi DIR is pyVmomi's package (default: Debian's python3-pyvmomi, /usr/lib/python3/dist-packages/pyVmomi);
only CoreTypes.py, QueryTypes.py and ServerObjects.py are read, as text (parsed with ast, never imported), for the
vim25 version that added each type, field and method parameter (the "since" columns).
Stdlib only. The output is deterministic: the same input files give the same bytes.

Records (tab-separated, one per line, in govmomi's source order; '#' lines are comments):
    T <name> <base|-> <since>         a data object type; <base> is the embedded struct (wire name), '-' for none
    P <xmlName> <type> <flags|-> <since>
                                      a field of the preceding T or R, own fields only, in order;
                                      <type> is xsd:string, xsd:int, ... or a T/E wire name;
                                      <flags> is a comma-separated subset of array, optional, poly (in that order);
                                      an attribute is '@name', character data '#text'
    E <name> <v1,v2,...>              an enum and its wire values, in order
    R <method>                        a request (XxxRequestType); its P lines follow (_this first)
    M <name> <base|->                 a managed object type and the managed object type it extends (from govmomi's
                                      vim25/mo/mo.go: the struct it embeds; else pyVmomi's CreateManagedType parent),
                                      '-' for none
Names are vim25 wire names (govmomi's type registry keys), which differ from the Go names for a few types and
methods (e.g. Go SetCustomValue -> wire setCustomValue, Go VslmVStorageObjectControlFlag -> vslmVStorageObjectControlFlag).

<since> is the vim25 wire version ("2.0", "2.5", ..., "6.7.1") that added the type, field or parameter, from
pyVmomi's CreateDataType/CreateEnumType/CreateManagedType version arguments, mapped through its AddVersion lines
(AddVersion("vim.version.version13", "vim25", "6.7.1", 0, "vim25") -> "6.7.1"):
  - a version without a wire string of its own (vmodl.version.*, vmodl.query.version.*) is the lowest vim25 version
    that has it as an AddVersionParent (vmodl.version.version0 -> "2.0", ...);
  - a wire string that is not dotted numbers ("2.5u2", "2.5u2server", "legacy") is rounded up to the next numeric
    vim25 version ("4.0"), or to "7.0" if there is none (legacy has every version as a parent: newer than 6.7.1);
  - what pyVmomi does not know (a type, field, method or parameter it lacks) is newer than pyVmomi: "7.0";
  - ArrayOfXxx (pyVmomi makes those on the fly) is Xxx's (data type's or enum's) version, the oldest version for
    an array of xsd:*;
    ManagedObjectReference and pyVmomi's built-in types (MethodFault, RuntimeFault, LocalizedMethodFault) are
    vmodl.version.version0's, as VmomiSupport.py declares them;
  - a request's _this is the method's version; ManagedObjectReference's @type and #text are '-'.
A client that negotiated version V (SOAPAction "urn:vim25/V") gets only what has <since> <= V.
"""
import argparse
import ast
import hashlib
import os
import re
import sys

DEFAULT_GOVMOMI = '/usr/share/gocode/src/github.com/vmware/govmomi/vim25/types'
REPO_ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..'))
DEFAULT_OUT_REL = 'simulator/Harness.Simulator.Web/Vim25/vim25-types.tsv'
DEBIAN_PACKAGE = 'golang-github-vmware-govmomi-dev'
DEFAULT_PYVMOMI = '/usr/lib/python3/dist-packages/pyVmomi'
PYVMOMI_FILES = ('CoreTypes.py', 'QueryTypes.py', 'ServerObjects.py')
PYVMOMI_PACKAGE = 'python3-pyvmomi'
VIM25_NS = 'vim25'
NEWER = '7.0'           # the since of what pyVmomi does not know: newer than its newest vim25 version
NOT_APPLICABLE = '-'
BASE_VERSION = 'vmodl.version.version0'     # VmomiSupport.BASE_VERSION
# Types VmomiSupport.py creates itself (not in the emitted type files): wire name -> (version, {field: version}).
PYVMOMI_BUILTIN_TYPES = {
    'DataObject': (BASE_VERSION, {}),
    'MethodFault': (BASE_VERSION, {'msg': BASE_VERSION, 'faultCause': 'vmodl.version.version1',
                                   'faultMessage': 'vmodl.version.version1'}),
    'RuntimeFault': (BASE_VERSION, {}),
    'LocalizedMethodFault': (BASE_VERSION, {'fault': BASE_VERSION, 'localizedMessage': BASE_VERSION}),
    'ManagedObjectReference': (BASE_VERSION, {}),    # pyVmomi's vmodl.ManagedObject; @type/#text are '-'
}
RE_NUMERIC_VERSION = re.compile(r'^\d+(\.\d+)*$')

PRIMITIVES = {
    'string': 'xsd:string',
    'bool': 'xsd:boolean',
    'int8': 'xsd:byte',
    'byte': 'xsd:byte',
    'int16': 'xsd:short',
    'int32': 'xsd:int',
    'int64': 'xsd:long',
    'float32': 'xsd:float',
    'float64': 'xsd:double',
    'time.Time': 'xsd:dateTime',
    'AnyType': 'xsd:anyType',
    'interface{}': 'xsd:anyType',
}

RE_TYPE_STRUCT = re.compile(r'^type (\w+) struct \{(\})?$')
RE_TYPE_OTHER = re.compile(r'^type (\w+) (\S.*)$')
RE_REGISTER = re.compile(r'^\tt\["([^"]+)"\] = reflect\.TypeOf\(\(\*(\w+)\)\(nil\)\)\.Elem\(\)$')
RE_FIELD = re.compile(r'^\t(\w+)\s+(\S+)\s+`([^`]*)`$')
RE_EMBEDDED = re.compile(r'^\t(\*?\w+)$')
RE_CONST = re.compile(r'^\t(\w+)\s*=\s*(\w+)\("((?:[^"\\]|\\.)*)"\)$')
RE_XML_TAG = re.compile(r'(?:^|\s)xml:"([^"]*)"')


class GenError(Exception):
    pass


def read_lines(path):
    with open(path, encoding='utf-8') as f:
        return f.read().split('\n')


def strip_comment(line):
    """Drops whole-line // comments (newer govmomi documents every type and field)."""
    return '' if line.lstrip().startswith('//') else line


def go_unquote(s):
    if '\\' in s:
        raise GenError('escaped string literal not supported: "%s"' % s)
    return s


def parse_registry(lines):
    """t["Wire"] = reflect.TypeOf((*Go)(nil)).Elem() -> {Go: Wire} (first registration wins)."""
    reg = {}
    for line in lines:
        m = RE_REGISTER.match(line)
        if m:
            wire, go = m.groups()
            reg.setdefault(go, wire)
    return reg


def parse_interfaces(lines):
    """if.go: type BaseXxx interface { GetXxx() *Xxx } -> {BaseXxx: Xxx}, cross-checked with t["BaseXxx"]."""
    concrete = {}
    registered = {}
    cur = None
    for line in lines:
        m = re.match(r'^type (\w+) interface \{$', line)
        if m:
            cur = m.group(1)
            continue
        if cur is not None:
            m = re.match(r'^\tGet\w+\(\) \*(\w+)$', line)
            if m and cur not in concrete:
                concrete[cur] = m.group(1)
            if line == '}':
                if cur not in concrete:
                    raise GenError('if.go: interface %s has no GetXxx() *Xxx method' % cur)
                cur = None
            continue
        m = RE_REGISTER.match(line)
        if m:
            registered[m.group(1)] = m.group(2)
    for i, c in registered.items():
        if i in concrete and concrete[i] != c:
            raise GenError('if.go: %s returns *%s but is registered as %s' % (i, concrete[i], c))
    return concrete


def parse_enums(lines, path):
    """enum.go: type X string + const ( Name = X("value") ... ) -> ordered [(X, [values])]."""
    enums = {}
    order = []
    in_const = False
    for n, raw in enumerate(lines, 1):
        line = strip_comment(raw)
        if in_const:
            if line == ')':
                in_const = False
                continue
            if not line.strip():
                continue
            m = RE_CONST.match(line)
            if not m:
                raise GenError('%s:%d: unexpected const line: %s' % (path, n, raw))
            _, typ, value = m.groups()
            if typ not in enums:
                raise GenError('%s:%d: const of unknown enum type %s' % (path, n, typ))
            enums[typ].append(go_unquote(value))
            continue
        if line == 'const (':
            in_const = True
            continue
        m = RE_TYPE_OTHER.match(line)
        if m:
            name, rhs = m.groups()
            if rhs != 'string':
                raise GenError('%s:%d: enum.go type that is not a string: %s' % (path, n, raw))
            enums[name] = []
            order.append(name)
    return [(name, enums[name]) for name in order]


def parse_types(lines, path):
    """types.go -> (decls in source order, aliases). decls: ('struct', name, embedded|None, fields, line).
    fields: (goName, goType, tag). aliases: {name: rhs} for non-struct type declarations."""
    decls = []
    aliases = {}
    cur = None
    for n, raw in enumerate(lines, 1):
        line = strip_comment(raw)
        if cur is not None:
            if line == '}':
                decls.append(('struct', cur['name'], cur['embedded'], cur['fields'], cur['line']))
                cur = None
                continue
            if not line.strip():
                continue
            m = RE_FIELD.match(line)
            if m:
                cur['fields'].append(m.groups())
                continue
            m = RE_EMBEDDED.match(line)
            if m:
                if cur['fields'] or cur['embedded']:
                    raise GenError('%s:%d: embedded field %s is not the first field of %s'
                                   % (path, n, m.group(1), cur['name']))
                cur['embedded'] = m.group(1)
                continue
            raise GenError('%s:%d: unexpected line in struct %s: %s' % (path, n, cur['name'], raw))
        m = RE_TYPE_STRUCT.match(line)
        if m:
            if m.group(2):
                decls.append(('struct', m.group(1), None, [], n))
            else:
                cur = {'name': m.group(1), 'embedded': None, 'fields': [], 'line': n}
            continue
        m = RE_TYPE_OTHER.match(line)
        if m:
            aliases[m.group(1)] = m.group(2)
    if cur is not None:
        raise GenError('%s: unterminated struct %s' % (path, cur['name']))
    return decls, aliases


RE_MO_STRUCT = re.compile(r'^type (\w+) struct \{$')
RE_MO_EMBED = re.compile(r'^\t(\w+)$')


def parse_managed(lines):
    """Managed object types of govmomi's vim25/mo/mo.go, in source order: (name, base or None). A type's base is the
    struct it embeds on its first line (ClusterComputeResource embeds ComputeResource)."""
    out = []
    for i, line in enumerate(lines):
        m = RE_MO_STRUCT.match(line)
        if not m:
            continue
        first = lines[i + 1] if i + 1 < len(lines) else ''
        e = RE_MO_EMBED.match(first)
        out.append((m.group(1), e.group(1) if e else None))
    names = {n for n, _ in out}
    for n, b in out:
        if b is not None and b not in names:
            raise GenError('managed object type %s embeds %s, which is not a managed object type' % (n, b))
    return out


def version_key(wire):
    return tuple(int(x) for x in wire.split('.'))


class PyVmomiVersions:
    """pyVmomi's type files, read with ast (not imported): the vim25 version of types, fields, methods, parameters."""

    def __init__(self, directory):
        self.directory = directory
        self.paths = {f: os.path.join(directory, f) for f in PYVMOMI_FILES}
        self.versions = {}      # name -> (ns, versionId, serviceNs), first AddVersion wins (as in pyVmomi)
        self.parents = {}       # name -> {parent}
        self.types = {}         # wire name -> (version, {field: version})
        self.enums = {}         # wire name -> version
        self.methods = {}       # wire name -> (version, {param: version})
        self.managed_wsdl = {}  # managed type vmodl name -> wire name
        self.managed_parent = {}    # managed type wire name -> its parent's vmodl name
        for f, path in self.paths.items():
            if not os.path.isfile(path):
                raise GenError('not found: %s' % path)
            with open(path, encoding='utf-8') as fh:
                try:
                    tree = ast.parse(fh.read(), path)
                except SyntaxError as e:
                    raise GenError('%s: %s' % (path, e))
            for stmt in tree.body:
                if (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call)
                        and isinstance(stmt.value.func, ast.Name)):
                    self.call(path, stmt.value.func.id, stmt.value.args, stmt.lineno)
        for name, (version, fields) in PYVMOMI_BUILTIN_TYPES.items():
            if name not in self.types:
                self.types[name] = (version, dict(fields))
        self.order_vim25()
        self.wire_cache = {}
        for v in sorted({v for v, _ in self.types.values()} | set(self.enums.values())
                        | {v for t in self.types.values() for v in t[1].values()}
                        | {v for m in self.methods.values() for v in [m[0]] + list(m[1].values())}):
            self.wire(v)        # every version used maps to a vim25 wire version, or GenError

    def call(self, path, fn, args, line):
        where = '%s:%d' % (path, line)
        if fn not in ('AddVersion', 'AddVersionParent', 'CreateDataType', 'CreateEnumType', 'CreateManagedType'):
            return
        try:
            a = [self.lax(x) for x in args]
        except ValueError as e:
            raise GenError('%s: %s(...) with an argument that is not a literal: %s' % (where, fn, e))
        if fn == 'AddVersion':
            name, ns, version_id, _legacy, service_ns = (a + [None] * 5)[:5]
            if name not in self.versions:
                self.versions[name] = (ns or service_ns or '', version_id or '', service_ns or ns or '')
                self.parents.setdefault(name, set())
        elif fn == 'AddVersionParent':
            self.parents.setdefault(a[0], set()).add(a[1])
        elif fn == 'CreateDataType':
            _, wsdl, _, version, props = a
            fields = {}
            for p in props or ():
                fields[p[0]] = p[2]
            if wsdl in self.types:
                raise GenError('%s: data type %s defined twice' % (where, wsdl))
            self.types[wsdl] = (version, fields)
        elif fn == 'CreateEnumType':
            self.enums[a[1]] = a[2]
        elif fn == 'CreateManagedType':
            self.managed_wsdl[a[0]] = a[1]
            self.managed_parent[a[1]] = a[2]
            for m in a[5] or ():
                _, wsdl, version, params = m[:4]
                if wsdl in self.methods:
                    raise GenError('%s: method %s defined twice' % (where, wsdl))
                self.methods[wsdl] = (version, {p[0]: p[2] for p in params or ()})

    def lax(self, node):
        """literal_eval, but names (F_OPTIONAL, None) and flag expressions (F_LINK | F_OPTIONAL) become None."""
        if isinstance(node, (ast.Name, ast.BinOp)):
            return None
        if isinstance(node, (ast.Tuple, ast.List)):
            return [self.lax(e) for e in node.elts]
        return ast.literal_eval(node)

    def order_vim25(self):
        """The vim25 versions with a wire string, oldest first; each is an AddVersionParent of every later one."""
        vim25 = [v for v, (_, vid, sns) in self.versions.items() if sns == VIM25_NS and vid]
        vim25.sort(key=lambda v: (len(self.parents.get(v, ())), v))
        for i, older in enumerate(vim25):
            for newer in vim25[i + 1:]:
                if older not in self.parents.get(newer, ()):
                    raise GenError('pyVmomi versions %s and %s are not ordered' % (older, newer))
        self.vim25 = vim25
        numeric = [self.versions[v][1] for v in vim25 if RE_NUMERIC_VERSION.match(self.versions[v][1])]
        if not numeric:
            raise GenError('no numeric vim25 version in pyVmomi')
        if [version_key(x) for x in numeric] != sorted(version_key(x) for x in numeric) \
                or version_key(numeric[-1]) >= version_key(NEWER):
            raise GenError('pyVmomi vim25 versions are not below %s and ascending: %s' % (NEWER, ', '.join(numeric)))
        self.wire_strings = numeric

    def wire(self, version):
        """pyVmomi version name -> vim25 wire version string (see the module docstring)."""
        if version in self.wire_cache:
            return self.wire_cache[version]
        if version not in self.versions:
            raise GenError('pyVmomi uses version %s, which has no AddVersion' % version)
        if version in self.vim25:
            start = self.vim25.index(version)
        else:
            start = next((i for i, v in enumerate(self.vim25) if version in self.parents.get(v, ())), None)
            if start is None:
                raise GenError('pyVmomi version %s is no vim25 version\'s parent' % version)
        wire = next((self.versions[v][1] for v in self.vim25[start:]
                     if RE_NUMERIC_VERSION.match(self.versions[v][1])), NEWER)
        self.wire_cache[version] = wire
        return wire

    def mapping(self):
        """[(version name, wire string it was given, since written)] for the header, vim25 versions in order."""
        rows = [(v, self.versions[v][1], self.wire(v)) for v in self.vim25]
        others = sorted(v for v in self.versions if v not in self.vim25 and self.versions[v][2] == VIM25_NS)
        return rows + [(v, self.versions[v][1], self.wire(v)) for v in others]


def parse_tag(tag, where):
    m = RE_XML_TAG.search(tag)
    if not m:
        raise GenError('%s: no xml tag in `%s`' % (where, tag))
    parts = m.group(1).split(',')
    return parts[0], parts[1:]


class Generator:
    def __init__(self, govmomi, pyvmomi=DEFAULT_PYVMOMI):
        self.govmomi = govmomi
        self.py = PyVmomiVersions(pyvmomi)
        self.paths = {f: os.path.join(govmomi, f) for f in ('types.go', 'enum.go', 'if.go')}
        for p in self.paths.values():
            if not os.path.isfile(p):
                raise GenError('not found: %s' % p)
        self.mo_path = os.path.join(os.path.dirname(os.path.normpath(govmomi)), 'mo', 'mo.go')
        if not os.path.isfile(self.mo_path):
            raise GenError('not found: %s' % self.mo_path)
        self.lines = {f: read_lines(p) for f, p in self.paths.items()}
        self.notes = []            # things worth knowing, printed with --verbose
        self.special_tags = []     # (type, field, tag)
        self.unknown = {'type': [], 'field': [], 'method': [], 'param': [], 'enum': []}  # pyVmomi lacks: NEWER

    def run(self):
        types_lines, enum_lines, if_lines = self.lines['types.go'], self.lines['enum.go'], self.lines['if.go']
        self.registry = parse_registry(types_lines + enum_lines)
        self.ifaces = parse_interfaces(if_lines)
        self.enums = parse_enums(enum_lines, self.paths['enum.go'])
        decls, aliases = parse_types(types_lines, self.paths['types.go'])
        self.decl_fields = {d[1]: d[3] for d in decls}

        self.enum_names = {name for name, _ in self.enums}
        self.struct_names = {d[1] for d in decls}
        # Method names: type PowerOnVM_Task PowerOnVMRequestType
        self.methods = {}
        for name, rhs in aliases.items():
            if rhs.endswith('RequestType') and rhs in self.struct_names:
                if rhs in self.methods:
                    raise GenError('two methods for %s: %s, %s' % (rhs, self.methods[rhs], name))
                self.methods[rhs] = self.wire(name)
        method_aliases = {n for n, rhs in aliases.items() if rhs in self.methods}
        self.string_types = {n for n, rhs in aliases.items() if rhs == 'string'}
        self.skipped_aliases = {n: rhs for n, rhs in aliases.items()
                                if not (rhs.endswith('RequestType') and rhs in self.struct_names)}

        self.enum_since = {self.wire(n): self.py.wire(self.py.enums[self.wire(n)])
                           for n, _ in self.enums if self.wire(n) in self.py.enums}
        self.unknown['enum'] = [self.wire(n) for n, _ in self.enums if self.wire(n) not in self.py.enums]
        self.type_since = {}
        out = []
        self.counts = {'T': 0, 'E': 0, 'R': 0, 'P': 0}
        self.poly_mismatch = []
        for kind, name, embedded, fields, line in decls:
            if name.endswith('Response') and name[:-len('Response')] in method_aliases:
                continue    # XxxResponse of method Xxx
            if name.endswith('RequestType'):
                method = self.methods.get(name)
                if method is None:
                    method = name[:-len('RequestType')]
                    self.notes.append('no method alias for %s; method name %s' % (name, method))
                if embedded:
                    raise GenError('%s embeds %s' % (name, embedded))
                out.append('R\t%s' % method)
                self.counts['R'] += 1
                since_of = self.method_since(method)
            else:
                if name not in self.registry:
                    self.notes.append('struct %s is not registered; emitted under its Go name' % name)
                base = '-'
                if embedded:
                    if embedded.startswith('*') or embedded in self.ifaces or embedded not in self.struct_names:
                        raise GenError('%s embeds %s, which is not a struct' % (name, embedded))
                    base = self.wire(embedded)
                since, since_of = self.data_type_since(name, fields)
                out.append('T\t%s\t%s\t%s' % (self.wire(name), base, since))
                self.counts['T'] += 1
            for fname, ftype, tag in fields:
                p = self.field(name, fname, ftype, tag)
                if p is not None:
                    out.append('%s\t%s' % (p, since_of(p.split('\t')[1])))
                    self.counts['P'] += 1
        for name, values in self.enums:
            for v in values:
                if not v or any(c in v for c in ',\t\n\r'):
                    raise GenError('enum %s value %r cannot be written comma-separated' % (name, v))
            out.append('E\t%s\t%s' % (self.wire(name), ','.join(values)))
            self.counts['E'] += 1
        self.check_closed(out)
        self.counts['M'] = 0
        for name, base in parse_managed(read_lines(self.mo_path)):
            # govmomi leaves out a few embeddings (ManagedObjectView does not embed View): pyVmomi's parent fills in.
            if base is None:
                base = self.py.managed_wsdl.get(self.py.managed_parent.get(name, ''))
            out.append('M\t%s\t%s' % (name, base or '-'))
            self.counts['M'] += 1
        return out

    def wire(self, go_name):
        return self.registry.get(go_name, go_name)

    def method_since(self, method):
        """-> since_of(param xmlName) for the request of method."""
        known = self.py.methods.get(method)
        if known is None:
            self.unknown['method'].append(method)
            return lambda param: NEWER
        version, params = known

        def since_of(param):
            if param == '_this':
                return self.py.wire(version)
            if param not in params:
                self.unknown['param'].append('%s(%s)' % (method, param))
                return NEWER
            return self.py.wire(params[param])
        return since_of

    def data_type_since(self, go_name, fields):
        """-> (since of the type, since_of(field xmlName))."""
        wire = self.wire(go_name)
        if wire in self.type_since:
            return self.type_since[wire]
        known = self.py.types.get(wire)
        if known is None and wire.startswith('ArrayOf') and len(fields) == 1:
            # pyVmomi makes array types on the fly: as old as the element type
            elem = self.element_since(wire, fields[0])
            result = (elem, lambda field: elem)
        elif known is None:
            self.unknown['type'].append(wire)
            result = (NEWER, lambda field: NEWER)
        else:
            version, py_fields = known

            def since_of(field):
                if field.startswith('@') or field == '#text':
                    return NOT_APPLICABLE
                if field not in py_fields:
                    self.unknown['field'].append('%s.%s' % (wire, field))
                    return NEWER
                return self.py.wire(py_fields[field])
            result = (self.py.wire(version), since_of)
        self.type_since[wire] = result
        return result

    def element_since(self, array_name, field):
        _, ftype, tag = field
        t = ftype.lstrip('[]*')
        if t in self.ifaces:
            t = self.ifaces[t]
        if t in PRIMITIVES or t in self.string_types or t == '[]byte' or t == 'byte':
            return self.py.wire(BASE_VERSION)
        if t in self.enum_names:
            return self.enum_since.get(self.wire(t), NEWER)
        if t in self.decl_fields:
            return self.data_type_since(t, self.decl_fields[t])[0]
        raise GenError('%s: element type %s is not a type' % (array_name, ftype))

    def field(self, owner, fname, ftype, tag):
        where = '%s.%s' % (owner, fname)
        xml_name, opts = parse_tag(tag, where)
        if xml_name == '-' and not opts:
            self.special_tags.append((owner, fname, tag))
            return None
        known = {'omitempty', 'typeattr', 'attr', 'chardata'}
        unknown = [o for o in opts if o not in known]
        if unknown:
            raise GenError('%s: unsupported xml tag option(s) %s in `%s`' % (where, ','.join(unknown), tag))
        if 'attr' in opts:
            if not xml_name:
                raise GenError('%s: attribute without a name' % where)
            xml_name = '@' + xml_name
            self.special_tags.append((owner, fname, tag))
        elif 'chardata' in opts:
            if xml_name:
                raise GenError('%s: named chardata' % where)
            xml_name = '#text'
            self.special_tags.append((owner, fname, tag))
        elif not xml_name:
            raise GenError('%s: empty xml element name in `%s`' % (where, tag))

        array = optional = poly = False
        t = ftype
        if t == '[]byte':
            core = 'xsd:base64Binary'
        else:
            if t.startswith('[]'):
                array, t = True, t[2:]
            if t.startswith('*'):
                optional, t = True, t[1:]
            if t.startswith('[]') or t.startswith('*'):
                if t != '[]byte':
                    raise GenError('%s: unsupported type %s' % (where, ftype))
            if t == '[]byte':
                core = 'xsd:base64Binary'
            elif t == 'ByteSlice' and t not in self.struct_names:
                # newer govmomi: a []byte written as one <name>N</name> element per byte (WSDL xsd:byte[])
                core, array = 'xsd:byte', True
            elif t in PRIMITIVES:
                core = PRIMITIVES[t]
                if core == 'xsd:anyType':
                    poly = True     # like BaseXxx: the value's xsi:type says what it is (govmomi: typeattr)
            elif t in self.ifaces:
                core, poly = self.wire(self.ifaces[t]), True
            elif t in self.struct_names or t in self.enum_names:
                core = self.wire(t)
            elif t in self.string_types:
                core = 'xsd:string'
                self.notes.append('%s: %s is a plain string type, written as xsd:string' % (where, t))
            else:
                raise GenError('%s: unknown type %s' % (where, ftype))
        if 'omitempty' in opts:
            optional = True
        if poly != ('typeattr' in opts):
            self.poly_mismatch.append('%s %s `%s`' % (where, ftype, tag))
        flags = [f for f, on in (('array', array), ('optional', optional), ('poly', poly)) if on]
        return 'P\t%s\t%s\t%s' % (xml_name, core, ','.join(flags) or '-')

    def check_closed(self, out):
        names = {l.split('\t')[1] for l in out if l[0] in 'TE'}
        for l in out:
            if l[0] == 'P':
                t = l.split('\t')[2]
                if not t.startswith('xsd:') and t not in names:
                    raise GenError('field type %s is neither a T nor an E' % t)
            elif l[0] == 'T':
                b = l.split('\t')[2]
                if b != '-' and b not in names:
                    raise GenError('base type %s is not a T' % b)

    def header(self):
        h = ['# Generated by tools/vim25-types/generate.py - do not edit.']
        src = os.path.realpath(self.govmomi)
        version = debian_version() if src == os.path.realpath(DEFAULT_GOVMOMI) else None
        h.append('# Source: govmomi vim25/types%s, %s' % (
            ' (Debian %s %s)' % (DEBIAN_PACKAGE, version) if version else '', src))
        for f in ('types.go', 'enum.go', 'if.go'):
            with open(self.paths[f], 'rb') as fh:
                h.append('#   %s sha256 %s' % (f, hashlib.sha256(fh.read()).hexdigest()))
        with open(self.mo_path, 'rb') as fh:
            h.append('#   ../mo/mo.go sha256 %s' % hashlib.sha256(fh.read()).hexdigest())
        src = os.path.realpath(self.py.directory)
        version = debian_version(PYVMOMI_PACKAGE) if src == os.path.realpath(DEFAULT_PYVMOMI) else None
        h.append('# Versions: pyVmomi%s, %s' % (' (Debian %s %s)' % (PYVMOMI_PACKAGE, version) if version else '', src))
        for f in PYVMOMI_FILES:
            with open(self.py.paths[f], 'rb') as fh:
                h.append('#   %s sha256 %s' % (f, hashlib.sha256(fh.read()).hexdigest()))
        h.append('# Regenerate (from the repository root): python3 tools/vim25-types/generate.py')
        h.append('# Records, tab-separated, in govmomi source order (see the generator\'s docstring):')
        h.append('#   T name base|- since   data object type, the type it extends, the vim25 version that added it')
        h.append('#   P xmlName type flags since')
        h.append('#                         own field of the preceding T/R; type xsd:* or a T/E name;')
        h.append('#                         flags: array,optional,poly or -; poly = write xsi:type;')
        h.append('#                         @name = XML attribute, #text = character data;')
        h.append('#                         since: the vim25 version that added the field/parameter, - for none')
        h.append('#   E name v1,v2,...      enum and its wire values')
        h.append('#   R method              request (the method element\'s children follow as P lines)')
        h.append('#   M name base|-         managed object type and the managed object type it extends')
        h.append('# since: a vim25 wire version (a client that negotiated V gets what has since <= V); %s = not in'
                 % NEWER)
        h.append('#   pyVmomi (newer than its newest version). pyVmomi version -> since:')
        for name, given, since in self.py.mapping():
            h.append('#   %s %s -> %s' % (name, '"%s"' % given, since))
        return h


def debian_version(package=DEBIAN_PACKAGE):
    try:
        with open('/var/lib/dpkg/status', encoding='utf-8', errors='replace') as f:
            text = f.read()
    except OSError:
        return None
    for para in text.split('\n\n'):
        if re.search(r'^Package: %s$' % re.escape(package), para, re.M):
            m = re.search(r'^Version: (\S+)$', para, re.M)
            return m.group(1) if m else None
    return None


def main(argv):
    ap = argparse.ArgumentParser(description='Generate the vim25 type table from govmomi.')
    ap.add_argument('--govmomi', default=DEFAULT_GOVMOMI,
                    help='govmomi vim25/types directory (default: %(default)s)')
    ap.add_argument('--pyvmomi', default=DEFAULT_PYVMOMI,
                    help='pyVmomi package directory, for the vim25 versions (default: %(default)s)')
    ap.add_argument('--out', default=None,
                    help='output file (default: <repo>/%s)' % DEFAULT_OUT_REL)
    ap.add_argument('--verbose', action='store_true', help='print notes about special cases to stderr')
    args = ap.parse_args(argv)
    out_path = args.out or os.path.join(REPO_ROOT, DEFAULT_OUT_REL)
    try:
        g = Generator(args.govmomi, args.pyvmomi)
        body = g.run()
    except (GenError, OSError) as e:
        print('generate.py: %s' % e, file=sys.stderr)
        return 2
    text = '\n'.join(g.header() + body) + '\n'
    os.makedirs(os.path.dirname(os.path.abspath(out_path)), exist_ok=True)
    tmp = out_path + '.tmp'
    with open(tmp, 'w', encoding='utf-8', newline='\n') as f:
        f.write(text)
    os.replace(tmp, out_path)
    if args.verbose:
        for owner, fname, tag in g.special_tags:
            print('special tag: %s.%s `%s`' % (owner, fname, tag), file=sys.stderr)
        for m in g.poly_mismatch:
            print('poly/typeattr mismatch: %s' % m, file=sys.stderr)
        for n in g.notes:
            print('note: %s' % n, file=sys.stderr)
        for kind, names in g.unknown.items():
            print('not in pyVmomi (%s): %d %s%s' % (NEWER, len(names), kind + 's', ''.join('\n  ' + n for n in names)),
                  file=sys.stderr)
        skipped = g.skipped_aliases
        faults = [n for n, r in skipped.items() if n == r.replace('Base', '', 1) + 'Fault' or n == r + 'Fault']
        others = {n: r for n, r in skipped.items() if n not in faults}
        print('skipped %d fault element aliases (XxxFault = Xxx); other non-struct types: %s'
              % (len(faults), ', '.join('%s=%s' % kv for kv in sorted(others.items())) or 'none'), file=sys.stderr)
    shown = os.path.relpath(out_path) if not args.out else args.out
    print('%d data types, %d enums, %d request types, %d managed object types -> %s'
          % (g.counts['T'], g.counts['E'], g.counts['R'], g.counts['M'], shown))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
