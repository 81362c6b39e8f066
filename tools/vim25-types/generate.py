#!/usr/bin/env python3
"""Generates simulator/Harness.Simulator.Web/Vim25/vim25-types.tsv, the vim25 type table the simulator's SOAP server
loads to serialize vSphere data objects (element order, xsi:type) and to parse requests.

Usage (from anywhere; the defaults are relative to the repository):
    python3 tools/vim25-types/generate.py [--govmomi DIR] [--out FILE]

DIR is govmomi's vim25/types package (default: Debian's golang-github-vmware-govmomi-dev,
/usr/share/gocode/src/github.com/vmware/govmomi/vim25/types). Only types.go, enum.go and if.go are read.
Stdlib only. The output is deterministic: the same input files give the same bytes.

Records (tab-separated, one per line, in govmomi's source order; '#' lines are comments):
    T <name> <base|->                 a data object type; <base> is the embedded struct (wire name), '-' for none
    P <xmlName> <type> <flags|->      a field of the preceding T or R, own fields only, in order;
                                      <type> is xsd:string, xsd:int, ... or a T/E wire name;
                                      <flags> is a comma-separated subset of array, optional, poly (in that order);
                                      an attribute is '@name', character data '#text'
    E <name> <v1,v2,...>              an enum and its wire values, in order
    R <method>                        a request (XxxRequestType); its P lines follow (_this first)
Names are vim25 wire names (govmomi's type registry keys), which differ from the Go names for a few types and
methods (e.g. Go SetCustomValue -> wire setCustomValue, Go VslmVStorageObjectControlFlag -> vslmVStorageObjectControlFlag).
"""
import argparse
import hashlib
import os
import re
import sys

DEFAULT_GOVMOMI = '/usr/share/gocode/src/github.com/vmware/govmomi/vim25/types'
REPO_ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..'))
DEFAULT_OUT_REL = 'simulator/Harness.Simulator.Web/Vim25/vim25-types.tsv'
DEBIAN_PACKAGE = 'golang-github-vmware-govmomi-dev'

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


def parse_tag(tag, where):
    m = RE_XML_TAG.search(tag)
    if not m:
        raise GenError('%s: no xml tag in `%s`' % (where, tag))
    parts = m.group(1).split(',')
    return parts[0], parts[1:]


class Generator:
    def __init__(self, govmomi):
        self.govmomi = govmomi
        self.paths = {f: os.path.join(govmomi, f) for f in ('types.go', 'enum.go', 'if.go')}
        for p in self.paths.values():
            if not os.path.isfile(p):
                raise GenError('not found: %s' % p)
        self.lines = {f: read_lines(p) for f, p in self.paths.items()}
        self.notes = []            # things worth knowing, printed with --verbose
        self.special_tags = []     # (type, field, tag)

    def run(self):
        types_lines, enum_lines, if_lines = self.lines['types.go'], self.lines['enum.go'], self.lines['if.go']
        self.registry = parse_registry(types_lines + enum_lines)
        self.ifaces = parse_interfaces(if_lines)
        self.enums = parse_enums(enum_lines, self.paths['enum.go'])
        decls, aliases = parse_types(types_lines, self.paths['types.go'])

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
            else:
                if name not in self.registry:
                    self.notes.append('struct %s is not registered; emitted under its Go name' % name)
                base = '-'
                if embedded:
                    if embedded.startswith('*') or embedded in self.ifaces or embedded not in self.struct_names:
                        raise GenError('%s embeds %s, which is not a struct' % (name, embedded))
                    base = self.wire(embedded)
                out.append('T\t%s\t%s' % (self.wire(name), base))
                self.counts['T'] += 1
            for fname, ftype, tag in fields:
                p = self.field(name, fname, ftype, tag)
                if p is not None:
                    out.append(p)
                    self.counts['P'] += 1
        for name, values in self.enums:
            for v in values:
                if not v or any(c in v for c in ',\t\n\r'):
                    raise GenError('enum %s value %r cannot be written comma-separated' % (name, v))
            out.append('E\t%s\t%s' % (self.wire(name), ','.join(values)))
            self.counts['E'] += 1
        self.check_closed(out)
        return out

    def wire(self, go_name):
        return self.registry.get(go_name, go_name)

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
        h.append('# Regenerate (from the repository root): python3 tools/vim25-types/generate.py')
        h.append('# Records, tab-separated, in govmomi source order (see the generator\'s docstring):')
        h.append('#   T name base|-        data object type and the type it extends')
        h.append('#   P xmlName type flags  own field of the preceding T/R; type xsd:* or a T/E name;')
        h.append('#                         flags: array,optional,poly or -; poly = write xsi:type;')
        h.append('#                         @name = XML attribute, #text = character data')
        h.append('#   E name v1,v2,...      enum and its wire values')
        h.append('#   R method              request (the method element\'s children follow as P lines)')
        return h


def debian_version():
    try:
        with open('/var/lib/dpkg/status', encoding='utf-8', errors='replace') as f:
            text = f.read()
    except OSError:
        return None
    for para in text.split('\n\n'):
        if re.search(r'^Package: %s$' % re.escape(DEBIAN_PACKAGE), para, re.M):
            m = re.search(r'^Version: (\S+)$', para, re.M)
            return m.group(1) if m else None
    return None


def main(argv):
    ap = argparse.ArgumentParser(description='Generate the vim25 type table from govmomi.')
    ap.add_argument('--govmomi', default=DEFAULT_GOVMOMI,
                    help='govmomi vim25/types directory (default: %(default)s)')
    ap.add_argument('--out', default=None,
                    help='output file (default: <repo>/%s)' % DEFAULT_OUT_REL)
    ap.add_argument('--verbose', action='store_true', help='print notes about special cases to stderr')
    args = ap.parse_args(argv)
    out_path = args.out or os.path.join(REPO_ROOT, DEFAULT_OUT_REL)
    try:
        g = Generator(args.govmomi)
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
        skipped = g.skipped_aliases
        faults = [n for n, r in skipped.items() if n == r.replace('Base', '', 1) + 'Fault' or n == r + 'Fault']
        others = {n: r for n, r in skipped.items() if n not in faults}
        print('skipped %d fault element aliases (XxxFault = Xxx); other non-struct types: %s'
              % (len(faults), ', '.join('%s=%s' % kv for kv in sorted(others.items())) or 'none'), file=sys.stderr)
    shown = os.path.relpath(out_path) if not args.out else args.out
    print('%d data types, %d enums, %d request types -> %s' % (g.counts['T'], g.counts['E'], g.counts['R'], shown))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
