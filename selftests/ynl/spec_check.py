#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Check uapi/hvm.yaml, the YNL spec of the "hvm" family, against its C.

KTAP on stdout, one result per check; exit status 1 on any failure.

  schema        the spec validates against genetlink-legacy.yaml (jsonschema)
  ynl-load      the kernel's ynl library (tools/ynl/lib) resolves it
  uapi-enums    every netlink enum of uapi/linux/hvm.h, names and values
                (parsed, and _Static_assert'ed by the C compiler), equals
                what ynl-gen-c renders from the spec, both ways
  uapi-defines  family name, version, multicast group, HVM_NAME_MAX and
                the HVM_FEAT_* bits
  kernel-policy kmod/netlink.c's family-wide policy equals the global
                policy ynl-gen-c derives (request attributes, NLA types,
                .len from max-len)
  kernel-ops    the genl_ops table: commands, doit/dumpit, GENL_ADMIN_PERM
                exactly where the spec says admin-perm
  kernel-sysadmin  admin-perm ops' doit and dump start reach hvm_nl_admin()
                (CAP_SYS_ADMIN); info does not
  kernel-mcgrp  the multicast groups and their CAP flag
  kernel-replies  the attributes the kernel puts into each reply and event,
                with their types and pad attribute
  hvctl-policy  ctl/nl.c parses every attribute with the spec's type

--self-test mutates copies of the sources and expects each mutation to be
caught by the named check (so no check passes vacuously).
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True    # no __pycache__ in tools/ynl/lib
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
sys.path.insert(0, os.path.join(ROOT, 'tools', 'ynl'))

import yaml  # noqa: E402

SPEC = 'uapi/hvm.yaml'
SCHEMA = 'tools/ynl/genetlink-legacy.yaml'
HEADER = 'uapi/linux/hvm.h'
KERNEL = 'kmod/netlink.c'
HVCTL = 'ctl/nl.c'

# ynl-gen-c: scalar and string attribute types -> kernel policy types
NLA_OF = {'u8': 'NLA_U8', 'u16': 'NLA_U16', 'u32': 'NLA_U32', 'u64': 'NLA_U64',
          's8': 'NLA_S8', 's16': 'NLA_S16', 's32': 'NLA_S32', 's64': 'NLA_S64',
          'string': 'NLA_NUL_STRING', 'flag': 'NLA_FLAG', 'nest': 'NLA_NESTED',
          'binary': 'NLA_BINARY'}
# nla_put_*() -> spec type
PUT_TYPE = {'u8': 'u8', 'u16': 'u16', 'u32': 'u32', 'u64_64bit': 'u64',
            'string': 'string', 's32': 's32', 's64': 's64', 'flag': 'flag'}


class CheckError(Exception):
    pass


def c_upper(name):
    return name.upper().replace('-', '_')


def c_lower(name):
    return name.lower().replace('-', '_')


def read(root, path):
    with open(os.path.join(root, path)) as f:
        return f.read()


def strip_comments(text):
    text = re.sub(r'/\*.*?\*/', ' ', text, flags=re.S)
    return re.sub(r'//[^\n]*', '', text)


def c_eval(expr, known):
    """Evaluate a constant C integer expression of numbers and known names."""
    def name(m):
        if m.group(0) not in known:
            raise CheckError(f'cannot evaluate "{expr}": {m.group(0)} unknown')
        return str(known[m.group(0)])
    e = re.sub(r'\b(0x[0-9a-fA-F]+|[0-9]+)[uUlL]+\b', r'\1', expr.strip())
    e = re.sub(r'\b[A-Za-z_]\w*\b', name, e)
    if not re.fullmatch(r'[0-9a-fA-Fx()<>|+\- \t]*', e):
        raise CheckError(f'cannot evaluate "{expr}"')
    return int(eval(e, {'__builtins__': {}}))  # digits and operators only


def c_enums(text):
    """{enum name: [(entry, value)]} of every named enum in C text."""
    enums = {}
    for m in re.finditer(r'\benum\s+(\w+)\s*\{(.*?)\}\s*;', text, re.S):
        known, val, entries = {}, -1, []
        for item in m.group(2).split(','):
            item = item.strip()
            if not item:
                continue
            if '=' in item:
                n, e = item.split('=', 1)
                n = n.strip()
                val = c_eval(e, known)
            else:
                n = item
                val += 1
            known[n] = val
            entries.append((n, val))
        enums[m.group(1)] = entries
    return enums


def c_defines(text):
    return {m.group(1): m.group(2).strip()
            for m in re.finditer(r'^#define\s+(\w+)[ \t]+(.+)$', text, re.M)}


def c_initializer(text, decl_re):
    """The {...} body of the initializer of the declaration matching decl_re."""
    m = re.search(decl_re + r'[^=;]*=\s*\{', text)
    if not m:
        raise CheckError(f'no declaration matching /{decl_re}/')
    depth, i = 1, m.end()
    while depth:
        if i >= len(text):
            raise CheckError(f'unterminated initializer of /{decl_re}/')
        depth += {'{': 1, '}': -1}.get(text[i], 0)
        i += 1
    return text[m.end():i - 1]


def c_blocks(body):
    """Top-level {...} items of an initializer body: [(designator, body)]."""
    items, depth, start, desig = [], 0, 0, None
    for i, ch in enumerate(body):
        if ch == '{':
            if depth == 0:
                start = i + 1
                d = re.search(r'\[\s*(\w+)\s*\]\s*=\s*$', body[:i])
                desig = d.group(1) if d else None
            depth += 1
        elif ch == '}':
            depth -= 1
            if depth == 0:
                items.append((desig, body[start:i]))
    return items


def c_fields(body):
    """{field: value} of a designated struct initializer."""
    fields = {}
    for m in re.finditer(r'\.(\w+)\s*=\s*([^,]+?)\s*(?:,|$)', body.strip()):
        fields[m.group(1)] = m.group(2).strip()
    return fields


def c_functions(text):
    """{name: body} of the functions defined at file scope."""
    funcs = {}
    for m in re.finditer(r'^(?:static\s+)?[\w\s\*]+?\b(\w+)\(([^;{]*?)\)\s*\n\{(.*?)\n\}',
                         text, re.S | re.M):
        funcs[m.group(1)] = m.group(3)
    return funcs


class Spec:
    """The spec, resolved by the kernel's ynl library, and its C rendering."""

    def __init__(self, root):
        from lib import SpecFamily
        self.path = os.path.join(root, SPEC)
        self.fam = SpecFamily(self.path, schema_path='')
        self.y = self.fam.yaml
        self.ident = self.y['name']

    def enums(self):
        """{C enum name: [(entry, value)]}, as ynl-gen-c --mode uapi renders them."""
        out = {}
        for d in self.y.get('definitions', []):
            if d['type'] != 'enum' or d.get('header'):
                continue
            enum = self.fam.consts[d['name']]
            pfx = d.get('name-prefix', f"{self.ident}-{d['name']}-")
            ents = [(c_upper(pfx + e.name), e.value) for e in enum.entries.values()]
            if d.get('render-max'):
                # ynl-gen-c: __PFX_MAX, PFX_MAX = (__PFX_MAX - 1)
                ents += [(c_upper('__' + pfx + 'max'), ents[-1][1] + 1),
                         (c_upper(pfx + 'max'), ents[-1][1])]
            out[c_lower(d.get('enum-name') or f"{self.ident}-{d['name']}")] = ents
        for name, aset in self.fam.attr_sets.items():
            if aset.subset_of:
                continue
            y = aset.yaml
            pfx = y.get('name-prefix', f"{self.ident}-{name}-a-")
            ents = [(c_upper(a.yaml.get('name-prefix', pfx) + a.name), a.value)
                    for a in aset.attrs.values()]
            cnt = c_upper(y.get('attr-cnt-name', f'__{pfx}max'))
            ents += [(cnt, ents[-1][1] + 1),
                     (c_upper(y.get('attr-max-name', f'{pfx}max')), ents[-1][1])]
            out[c_lower(y['enum-name'])] = ents
        ops = self.y['operations']
        pfx = ops.get('name-prefix', f'{self.ident}-')
        ents = [(c_upper(pfx + m.name), m.req_value) for m in self.fam.msgs.values()]
        ents += [(c_upper(self.y.get('cmd-cnt-name', f'__{pfx}max')), ents[-1][1] + 1),
                 (c_upper(self.y.get('cmd-max-name', f'{pfx}max')), ents[-1][1])]
        out[c_lower(ops['enum-name'])] = ents
        return out

    def defines(self):
        """{C define: value}: family, version, consts, mcast groups, flag bits."""
        out = {c_upper(self.y.get('c-family-name', f'{self.ident}-family-name')):
               f'"{self.ident}"',
               c_upper(self.y.get('c-version-name', f'{self.ident}-family-version')):
               self.y.get('version', 1)}
        for d in self.y.get('definitions', []):
            if d['type'] == 'const':
                out[c_upper(f"{self.ident}-{d['name']}")] = d['value']
            elif d['type'] == 'flags':
                pfx = d.get('name-prefix', f"{self.ident}-{d['name']}-")
                for e in self.fam.consts[d['name']].entries.values():
                    out[c_upper(pfx + e.name)] = e.user_value()
        for g in self.y['mcast-groups']['list']:
            out[c_upper(g.get('c-define-name', f"{self.ident}-mcgrp-{g['name']}"))] = \
                f'"{g["name"]}"'
        return out

    def attr_enum(self, set_name, attr_name):
        aset = self.fam.attr_sets[set_name]
        pfx = aset.yaml.get('name-prefix', f'{self.ident}-{set_name}-a-')
        return c_upper(aset[attr_name].yaml.get('name-prefix', pfx) + attr_name)

    def const_c(self, value):
        if isinstance(value, int):
            return str(value)
        return c_upper(f'{self.ident}-{value}')

    def global_policy(self):
        """[(C attr, NLA type, len or None)] as ynl-gen-c renders kernel-policy: global."""
        if self.y.get('kernel-policy') != 'global':
            raise CheckError('the kernel has one family-wide policy: the spec '
                             'must say kernel-policy: global')
        sets, req = set(), set()
        for op in self.fam.ops.values():
            if 'attribute-set' not in op.yaml:
                continue
            sets.add(op.yaml['attribute-set'])
            for mode in ('do', 'dump'):
                req.update(op.yaml.get(mode, {}).get('request', {}).get('attributes', []))
        if len(sets) != 1:
            raise CheckError(f'a global policy needs one attribute set, ops use {sorted(sets)}')
        set_name = sets.pop()
        pol = []
        for name, a in self.fam.attr_sets[set_name].attrs.items():
            if name not in req:
                continue
            checks = a.yaml.get('checks', {})
            ln = checks.get('max-len')
            pol.append((self.attr_enum(set_name, name), NLA_OF[a.type],
                        None if ln is None else self.const_c(ln)))
        return set_name, pol

    def call_ops(self):
        """[(C cmd, modes, flags)] of the ops the kernel must implement."""
        ops = self.y['operations']
        pfx = ops.get('name-prefix', f'{self.ident}-')
        return [(c_upper(pfx + o.name), sorted(o.modes & {'do', 'dump'}),
                 sorted(o.yaml.get('flags', [])))
                for o in self.fam.ops.values() if o.is_call]


# ---------------------------------------------------------------------------

def check_schema(root, spec):
    import jsonschema
    with open(os.path.join(root, SCHEMA)) as f:
        schema = yaml.safe_load(f)
    with open(os.path.join(root, SPEC)) as f:
        jsonschema.validate(yaml.safe_load(f), schema)


def check_ynl_load(root, spec):
    if spec is None:
        raise CheckError('the ynl library could not load the spec')
    for op in spec.fam.msgs.values():
        for mode in ('do', 'dump'):
            for part in ('request', 'reply'):
                for a in op.yaml.get(mode, {}).get(part, {}).get('attributes', []):
                    if a not in op.attr_set.attrs:
                        raise CheckError(f'{op.name} {mode} {part}: no attribute {a}')


def check_uapi_enums(root, spec, cc=True):
    hdr = strip_comments(read(root, HEADER))
    have = c_enums(hdr)
    errs = []
    for name, want in spec.enums().items():
        got = have.get(name)
        if got is None:
            errs.append(f'{HEADER}: no enum {name}')
        elif got != want:
            errs.append(f'enum {name}: header {got}, spec renders {want}')
    if errs:
        raise CheckError('; '.join(errs))
    if not cc:
        return
    # the compiler, not this script's parser, has the last word on values
    asserts = [f'_Static_assert({n} == {v}, "{n} == {v}");'
               for ents in spec.enums().values() for n, v in ents]
    asserts += [f'_Static_assert({n} == {v}ULL, "{n} == {v}");'
                for n, v in spec.defines().items() if isinstance(v, int)]
    src = '#include <linux/hvm.h>\n' + '\n'.join(asserts) + '\n'
    r = subprocess.run([os.environ.get('CC', 'cc'), '-fsyntax-only', '-x', 'c',
                        '-I', os.path.join(root, 'uapi'), '-'],
                       input=src, capture_output=True, text=True)
    if r.returncode:
        raise CheckError('the C compiler disagrees: ' +
                         ' '.join(re.findall(r'error: (.*)', r.stderr))[:600])


def check_uapi_defines(root, spec):
    defs = c_defines(strip_comments(read(root, HEADER)))
    errs = []
    want = spec.defines()
    for n, v in want.items():
        if n not in defs:
            errs.append(f'{HEADER}: no #define {n}')
        elif isinstance(v, int):
            if c_eval(defs[n], {}) != v:
                errs.append(f'{n} is {defs[n]}, spec {v}')
        elif defs[n] != v:
            errs.append(f'{n} is {defs[n]}, spec {v}')
    # flag bits the spec does not know
    for d in spec.y.get('definitions', []):
        if d['type'] != 'flags':
            continue
        pfx = c_upper(d.get('name-prefix', f"{spec.ident}-{d['name']}-"))
        extra = sorted(n for n in defs if n.startswith(pfx) and n not in want)
        if extra:
            errs.append(f'{HEADER}: {extra} missing from flags {d["name"]}')
    if errs:
        raise CheckError('; '.join(errs))


def kernel_family(text):
    return c_fields(c_initializer(text, r'\bstruct\s+genl_family\s+hvm_genl_family\b'))


def check_kernel_policy(root, spec):
    text = strip_comments(read(root, KERNEL))
    fam = kernel_family(text)
    pol_name = fam.get('policy')
    if not pol_name:
        raise CheckError(f'{KERNEL}: hvm_genl_family has no family-wide .policy')
    _, want = spec.global_policy()
    if fam.get('maxattr') not in ('HVM_A_MAX', want[-1][0]):
        raise CheckError(f'.maxattr = {fam.get("maxattr")}')
    got = []
    for attr, body in c_blocks(c_initializer(text, r'\bstruct\s+nla_policy\s+' +
                                             pol_name + r'\b')):
        f = c_fields(body)
        got.append((attr, f.get('type'), f.get('len')))
    if sorted(got) != sorted(want):
        raise CheckError(f'{KERNEL} {pol_name}: {sorted(got)}; spec (global policy of '
                         f'the request attributes): {sorted(want)}')


def kernel_ops(text):
    ops = {}
    for _, body in c_blocks(c_initializer(text, r'\bstruct\s+genl_ops\s+hvm_genl_ops\b')):
        f = c_fields(body)
        ops[f['cmd']] = f
    return ops


def check_kernel_ops(root, spec):
    text = strip_comments(read(root, KERNEL))
    fam = kernel_family(text)
    if fam.get('ops') != 'hvm_genl_ops':
        raise CheckError(f'hvm_genl_family.ops is {fam.get("ops")}, expected hvm_genl_ops')
    have = kernel_ops(text)
    errs = []
    want = spec.call_ops()
    for cmd, modes, flags in want:
        f = have.get(cmd)
        if f is None:
            errs.append(f'{cmd}: not in hvm_genl_ops')
            continue
        got_modes = sorted(m for m in ('do', 'dump') if f.get(m + 'it'))
        if got_modes != modes:
            errs.append(f'{cmd}: kernel has {got_modes}, spec {modes}')
        kflags = sorted(x.strip() for x in f.get('flags', '').split('|') if x.strip())
        wflags = sorted(c_upper('genl-' + x) for x in flags)
        if kflags != wflags:
            errs.append(f'{cmd}: kernel flags {kflags}, spec {wflags}')
    extra = sorted(set(have) - {c for c, _, _ in want})
    if extra:
        errs.append(f'hvm_genl_ops has {extra}, which the spec has no do/dump for')
    if errs:
        raise CheckError('; '.join(errs))


def reaches(funcs, start, target, seen=None):
    seen = seen if seen is not None else set()
    if start in seen or start not in funcs:
        return False
    seen.add(start)
    body = funcs[start]
    if re.search(r'\b' + target + r'\s*\(', body):
        return True
    return any(reaches(funcs, c, target, seen)
               for c in re.findall(r'\b(\w+)\s*\(', body) if c in funcs)


def check_kernel_sysadmin(root, spec):
    text = strip_comments(read(root, KERNEL))
    funcs = c_functions(text)
    have = kernel_ops(text)
    errs = []
    for cmd, modes, flags in spec.call_ops():
        f = have.get(cmd, {})
        entry = []
        if 'do' in modes:
            entry.append(('doit', f.get('doit')))
        if 'dump' in modes:
            entry.append(('dump start', f.get('start')))
        for what, fn in entry:
            ok = bool(fn) and reaches(funcs, fn, 'hvm_nl_admin')
            if 'admin-perm' in flags and not ok:
                errs.append(f'{cmd} {what} ({fn}) does not check CAP_SYS_ADMIN (hvm_nl_admin)')
            if 'admin-perm' not in flags and ok:
                errs.append(f'{cmd} {what} ({fn}) checks CAP_SYS_ADMIN; the spec says anyone')
    if errs:
        raise CheckError('; '.join(errs))


def check_kernel_mcgrp(root, spec):
    text = strip_comments(read(root, KERNEL))
    defs = c_defines(strip_comments(read(root, HEADER)))
    fam = kernel_family(text)
    got = []
    for _, body in c_blocks(c_initializer(text, r'\bstruct\s+genl_multicast_group\s+' +
                                          fam.get('mcgrps', '?') + r'\b')):
        f = c_fields(body)
        name = defs.get(f.get('name'), f.get('name', '')).strip('"')
        flags = {x.strip() for x in f.get('flags', '').split('|') if x.strip()}
        admin = bool(flags & {'GENL_MCAST_CAP_SYS_ADMIN', 'GENL_MCAST_CAP_NET_ADMIN'})
        got.append((name, admin))
    want = [(g['name'], 'admin-perm' in g.get('flags', []))
            for g in spec.y['mcast-groups']['list']]
    if got != want:
        raise CheckError(f'{KERNEL} groups (name, CAP flag) {got}, spec {want}')
    for op in spec.fam.msgs.values():
        if op.is_async and op.yaml.get('mcgrp') not in [g for g, _ in want]:
            raise CheckError(f'{op.name}: mcgrp {op.yaml.get("mcgrp")} is no group')


def call_args(body, start):
    """The comma-separated arguments of the call whose '(' ends at start."""
    depth, i, args, cur = 1, start, [], ''
    while depth and i < len(body):
        ch = body[i]
        depth += {'(': 1, ')': -1}.get(ch, 0)
        if depth == 1 and ch == ',':
            args.append(cur.strip())
            cur = ''
        elif depth:
            cur += ch
        i += 1
    return args + [cur.strip()]


def puts(funcs, fn):
    """[(attr C name, spec type, pad)] that function fn puts, in order;
    ('call', function, None) for the file's own functions it calls."""
    out = []
    for m in re.finditer(r'\b(\w+)\s*\(', funcs[fn]):
        f = m.group(1)
        if f.startswith('nla_put_') and f[8:] in PUT_TYPE:
            args = call_args(funcs[fn], m.end())
            t = PUT_TYPE[f[8:]]
            out.append((args[1], t, args[3] if t == 'u64' and len(args) > 3 else None))
        elif f.startswith('nla_nest_start'):
            out.append((call_args(funcs[fn], m.end())[1], 'nest', None))
        elif f in funcs and f != fn:
            out.append(('call', f, None))
    return out


def check_kernel_replies(root, spec):
    text = strip_comments(read(root, KERNEL))
    funcs = c_functions(text)
    aset = spec.fam.attr_sets
    by_c = {}
    pads = {}
    for sname, s in aset.items():
        for a in s.attrs.values():
            by_c[spec.attr_enum(sname, a.name)] = (sname, a)
            if a.type == 'pad':
                pads[sname] = spec.attr_enum(sname, a.name)

    def flatten(fn):
        got = []
        for attr, t, pad in puts(funcs, fn):
            if attr == 'call':
                got += flatten(t)
            else:
                got.append((attr, t, pad))
        return got

    def compare(what, fn, want_attrs, extra_ok=()):
        got = flatten(fn)
        errs = []
        names = []
        for attr, t, pad in got:
            if not re.fullmatch(r'[A-Z_][A-Z0-9_]*', attr):
                continue    # a loop variable: the stats loop, checked below
            if attr not in by_c:
                errs.append(f'{fn} puts {attr}, no attribute of the spec')
                continue
            sname, a = by_c[attr]
            names.append(a.name)
            # an indexed-array is a nest of nests typed 1, 2, ...
            if a.type != t and (t, a.type) != ('nest', 'indexed-array'):
                errs.append(f'{fn} puts {attr} as {t}, spec {a.type}')
            if pad is not None and pad != pads.get(sname):
                errs.append(f'{fn} pads {attr} with {pad}, spec {pads.get(sname)}')
        if sorted(names) != sorted(want_attrs) and \
                sorted(names) != sorted(list(want_attrs) + list(extra_ok)):
            errs.append(f'{what}: {fn} puts {sorted(names)}, spec {sorted(want_attrs)}')
        return errs

    def reply_attrs(op, mode='do'):
        o = spec.fam.msgs[op].yaml
        if 'event' in o:
            return o['event']['attributes']
        return o[mode].get('reply', {}).get('attributes', [])

    errs = []
    errs += compare('info reply', 'hvm_nl_info', reply_attrs('info'))
    # vm-get do adds one vCPU (vcpu-index in the request): hvm_nl_put_vcpu()
    vm = [a for a in reply_attrs('vm-get') if a != 'vcpu']
    if 'vcpu' in reply_attrs('vm-get'):
        nested = ['vcpu'] + [a.name for sn in ('vcpu-attrs', 'exit-attrs')
                             for a in aset[sn].attrs.values()
                             if a.type not in ('unused', 'pad')]
        errs += compare('vm-get vcpu', 'hvm_nl_put_vcpu', nested)
    for op, mode in (('vm-create', 'do'), ('vm-get', 'dump')):
        if sorted(reply_attrs(op, mode)) != sorted(vm):
            errs.append(f'{op} {mode} reply differs from vm-get do reply; '
                        f'{KERNEL} fills both with hvm_nl_fill_vm()')
    ev = reply_attrs('vm-event')
    if sorted(set(ev) - set(vm)) != ['event'] or not set(vm) <= set(ev):
        errs.append('vm-event must carry the vm-get reply attributes and event')
    errs += compare('vm-get reply / vm-event', 'hvm_nl_fill_vm', vm, ['event'])
    # the stats nest: every counter from exits up to __HVM_STAT_MAX, as u64
    body = funcs.get('hvm_nl_put_stats', '')
    m = re.search(r'for\s*\(\s*s\s*=\s*(\w+)\s*;\s*s\s*<\s*(\w+)\s*;\s*s\+\+\s*\)\s*'
                  r'if\s*\(\s*nla_put_u64_64bit\s*\(\s*skb\s*,\s*s\s*,[^,]*,\s*(\w+)\s*\)',
                  body)
    st = aset['stats']
    first = [a for a in st.attrs.values() if a.type not in ('unused', 'pad')]
    if not m:
        errs.append('hvm_nl_put_stats: no loop putting the counters as u64')
    else:
        if m.group(1) != spec.attr_enum('stats', first[0].name):
            errs.append(f'stats start at {m.group(1)}, spec at {first[0].name}')
        if m.group(2) != c_upper(st.yaml.get('attr-cnt-name', '__hvm-stat-max')):
            errs.append(f'stats loop ends at {m.group(2)}')
        if m.group(3) != pads.get('stats'):
            errs.append(f'stats padded with {m.group(3)}, spec {pads.get("stats")}')
        if any(a.type != 'u64' for a in first):
            errs.append('the kernel puts every counter as u64; the spec disagrees: ' +
                        str([(a.name, a.type) for a in first if a.type != 'u64']))
    if errs:
        raise CheckError('; '.join(errs))


HVCTL_TYPES = {'NLA_U8': 'u8', 'NLA_U16': 'u16', 'NLA_U32': 'u32', 'NLA_U64': 'u64',
               'NLA_STRING': 'string', 'NLA_NUL_STRING': 'string', 'NLA_NESTED': 'nest'}


def check_hvctl_policy(root, spec):
    text = strip_comments(read(root, HVCTL))
    errs = []
    for pol, sname in (('hvm_policy', 'hvm'), ('stat_policy', 'stats')):
        s = spec.fam.attr_sets[sname]
        got = {}
        for attr, body in c_blocks(c_initializer(text, r'\bstruct\s+nla_policy\s+' +
                                                 pol + r'\b')):
            got[attr] = c_fields(body)
        for a in s.attrs.values():
            if a.type in ('unused', 'pad'):
                continue
            c = spec.attr_enum(sname, a.name)
            f = got.pop(c, None)
            if f is None:
                errs.append(f'{HVCTL} {pol}: no entry for {c}')
                continue
            if HVCTL_TYPES.get(f.get('type')) != a.type:
                errs.append(f'{HVCTL} {pol}: {c} is {f.get("type")}, spec {a.type}')
            ml = a.yaml.get('checks', {}).get('max-len')
            if ml is not None and 'maxlen' in f:
                want = spec.const_c(ml) + ' + 1'
                if f['maxlen'].replace(' ', '') != want.replace(' ', ''):
                    errs.append(f'{HVCTL} {pol}: {c} maxlen {f["maxlen"]}, spec {want}')
        if got:
            errs.append(f'{HVCTL} {pol}: {sorted(got)} not in the spec')
    if errs:
        raise CheckError('; '.join(errs))


CHECKS = [('schema', check_schema), ('ynl-load', check_ynl_load),
          ('uapi-enums', check_uapi_enums), ('uapi-defines', check_uapi_defines),
          ('kernel-policy', check_kernel_policy), ('kernel-ops', check_kernel_ops),
          ('kernel-sysadmin', check_kernel_sysadmin), ('kernel-mcgrp', check_kernel_mcgrp),
          ('kernel-replies', check_kernel_replies), ('hvctl-policy', check_hvctl_policy)]


def run_checks(root):
    """[(check name, None or error text)]."""
    results = []
    try:
        spec = Spec(root)
    except Exception as e:  # reported by ynl-load
        spec, load_err = None, e
    for name, fn in CHECKS:
        if spec is None and name != 'schema':
            results.append((name, f'spec not loaded: {load_err}'))
            continue
        try:
            fn(root, spec)
            results.append((name, None))
        except Exception as e:
            results.append((name, f'{type(e).__name__}: {e}'))
    return results


# (file, regex, replacement, the check that must fail)
MUTATIONS = [
    (SPEC, r'(name: vm-vcpus\n\s+type: )u32', r'\1u64', 'kernel-policy'),
    (SPEC, r'protocol: genetlink-legacy', 'protocol: genetlink-nope', 'schema'),
    (SPEC, r'- vm-hw-error\n', '', 'kernel-replies'),
    (SPEC, r'(name: vm-start\n.*\n.*\n)\s+flags: \[ admin-perm \]\n', r'\1', 'kernel-ops'),
    (SPEC, r'name: reboot', 'name: restart', 'uapi-enums'),
    (SPEC, r'entries: \[ unspec, created', 'entries: [ created', 'uapi-enums'),
    (SPEC, r'max-len: name-max', 'max-len: 30', 'kernel-policy'),
    (SPEC, r'(name: events\n.*\n\s+)flags: \[ admin-perm \]', r'\1flags: []', 'kernel-mcgrp'),
    (HEADER, r'HVM_STOP_INTERNAL,', 'HVM_STOP_INTERNAL = 9,', 'uapi-enums'),
    (HEADER, r'\tHVM_A_VM_MEM_USED,.*\n', '', 'uapi-enums'),
    (HEADER, r'HVM_STAT_TIMER,', 'HVM_STAT_TIMER,\n\tHVM_STAT_NEW,', 'uapi-enums'),
    (HEADER, r'\(1ULL << 12\)', '(1ULL << 13)', 'uapi-defines'),
    (HEADER, r'#define HVM_NAME_MAX\t\t31', '#define HVM_NAME_MAX\t\t63', 'uapi-defines'),
    (KERNEL, r'(\.cmd = HVM_CMD_VM_STOP,\n.*\n)\s+\.flags = GENL_ADMIN_PERM,\n', r'\1',
     'kernel-ops'),
    (KERNEL, r'\.start = hvm_nl_dump_start,\n\s+\.dumpit = hvm_nl_dump,\n', '', 'kernel-ops'),
    (KERNEL, r'(\[HVM_A_VM_VCPUS\]\s+= \{ \.type = NLA_)U32', r'\1U16', 'kernel-policy'),
    (KERNEL, r'\.len = HVM_NAME_MAX', '.len = HVM_NAME_MAX + 1', 'kernel-policy'),
    (KERNEL, r'(\[HVM_A_VM_VCPUS\].*\n)', r'\1\t[HVM_A_VM_ID] = { .type = NLA_U32 },\n',
     'kernel-policy'),
    (KERNEL, r'(static int hvm_nl_dump_start\(struct netlink_callback \*cb\)\n\{\n)'
     r'\treturn hvm_nl_admin\(cb->skb, cb->extack\);', r'\1\treturn 0;', 'kernel-sysadmin'),
    (KERNEL, r'(hvm_nl_info\(struct sk_buff \*skb_in, struct genl_info \*info\)\n\{\n)',
     r'\1\tif (hvm_nl_admin(skb_in, info->extack))\n\t\treturn -EPERM;\n', 'kernel-sysadmin'),
    (KERNEL, r'\.flags = GENL_MCAST_CAP_SYS_ADMIN,', '', 'kernel-mcgrp'),
    (KERNEL, r'nla_put_u32\(skb, HVM_A_INFO_NR_ASIDS', 'nla_put_u64_64bit(skb, HVM_A_INFO_NR_ASIDS',
     'kernel-replies'),
    (KERNEL, r'\s+nla_put_u32\(skb, HVM_A_VM_STOP_REASON, reason\) \|\|', '', 'kernel-replies'),
    (KERNEL, r'HVM_A_VM_STOP_RIP, stop_rip, HVM_A_PAD', 'HVM_A_VM_STOP_RIP, stop_rip, HVM_STAT_PAD',
     'kernel-replies'),
    (HVCTL, r'(\[HVM_A_VM_STOP_RIP\]\s+= \{ \.type = NLA_)U64', r'\1U32', 'hvctl-policy'),
    (HVCTL, r'\t\[HVM_STAT_TIMER\].*\n', '', 'hvctl-policy'),
]


def self_test():
    """Each mutation must fail exactly its check; the tree itself must pass all."""
    results = []
    files = {SPEC, SCHEMA, HEADER, KERNEL, HVCTL}
    for i, (path, pat, rep, check) in enumerate(MUTATIONS):
        with tempfile.TemporaryDirectory() as tmp:
            for f in files:
                os.makedirs(os.path.dirname(os.path.join(tmp, f)), exist_ok=True)
                shutil.copy(os.path.join(ROOT, f), os.path.join(tmp, f))
            text = read(tmp, path)
            new, n = re.subn(pat, rep, text, count=1)
            name = f'mutation {i + 1} of {path} is caught by {check}'
            if n != 1 or new == text:
                results.append((name, f'pattern /{pat}/ not found: fix MUTATIONS'))
                continue
            with open(os.path.join(tmp, path), 'w') as f:
                f.write(new)
            failed = {c for c, err in run_checks(tmp) if err}
            results.append((name, None if check in failed else
                            f'{check} passed (failed: {sorted(failed) or "none"})'))
    return results


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--self-test', action='store_true',
                    help='also prove that each check catches a mutation')
    args = ap.parse_args()
    results = [(f'spec-{n}', e) for n, e in run_checks(ROOT)]
    if args.self_test:
        results += self_test()
    print('TAP version 13')
    print(f'1..{len(results)}')
    bad = 0
    for i, (name, err) in enumerate(results, 1):
        if err:
            bad += 1
            for line in err.split('; '):
                print(f'# {line}')
        print(f'{"not ok" if err else "ok"} {i} {name}')
    print(f'# {len(results) - bad} passed, {bad} failed')
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
