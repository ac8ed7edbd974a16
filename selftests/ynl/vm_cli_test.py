#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The kernel's ynl CLI (tools/ynl/cli.py) drives hvm with uapi/hvm.yaml.

Runs inside the emulated machine (selftests/ynl/vm_cli.sh puts Python, the
CLI and the spec there), as root with hvm.ko loaded. Every step runs the CLI
as a separate process, the way a user would, with --output-json, and checks
the decoded attributes against values known from elsewhere (sysfs, the
request itself). KTAP on stdout.

Usage: vm_cli_test.py DIR     (DIR holds cli.py, lib/ and hvm.yaml)
"""
import json
import os
import subprocess
import sys

DIR = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
NAME = 'ynl-a'
MEM = 2 << 20
STATS = ['exits', 'io', 'io-ignored', 'hlt', 'cpuid', 'msr', 'hypercall', 'npf',
         'intr', 'nmi', 'shutdown', 'exception', 'other', 'runs', 'timer']

results = []


def cli(*args, user=False):
    """Run cli.py; (exit status, stdout+stderr text)."""
    def drop():
        os.setgid(1000)
        os.setuid(1000)
    r = subprocess.run([sys.executable, os.path.join(DIR, 'cli.py'),
                        '--spec', os.path.join(DIR, 'hvm.yaml'), '--no-schema',
                        '--output-json'] + list(args),
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                       preexec_fn=drop if user else None, cwd='/')
    print('# $ cli.py ' + ' '.join(args) + (' (uid 1000)' if user else ''))
    for line in r.stdout.splitlines():
        print('#   ' + line)
    return r.returncode, r.stdout


def js(out, n=0):
    """The n-th JSON document of the CLI's output (one per line)."""
    return json.loads(out.splitlines()[n])


def sysfs(name):
    with open('/sys/module/hvm/' + name) as f:
        return f.read().strip()


def test(name):
    def wrap(fn):
        try:
            fn()
            results.append((name, None))
        except Exception as e:  # an assertion or a CLI output that is no JSON
            results.append((name, f'{type(e).__name__}: {e}'))
        return fn
    return wrap


def expect(got, want, what):
    if got != want:
        raise AssertionError(f'{what}: got {got!r}, expected {want!r}')


@test('info: backend, version, limits and features as sysfs says')
def _():
    rc, out = cli('--do', 'info')
    expect(rc, 0, 'exit status')
    i = js(out)
    expect(i['info-backend'], os.environ.get('HVM_BACKEND'), 'info-backend')
    expect(i['info-version'], sysfs('version'), 'info-version')
    expect(i['info-max-vms'], int(sysfs('parameters/max_vms')), 'info-max-vms')
    expect(i['info-max-vcpus'], int(sysfs('parameters/max_vcpus')), 'info-max-vcpus')
    expect(i['info-max-mem'], int(sysfs('parameters/max_mem')), 'info-max-mem')
    expect(i['info-nr-vms'], 0, 'info-nr-vms')
    paging = {'svm': 'npt', 'vmx': 'ept'}[i['info-backend']]
    if paging not in i['info-features']:
        raise AssertionError(f'info-features {i["info-features"]} lacks {paging}')


@test('vm-create: the reply decodes to what was asked, enums by name')
def _():
    rc, out = cli('--do', 'vm-create', '--json',
                  json.dumps({'vm-name': NAME, 'vm-mem-size': MEM, 'vm-vcpus': 2}))
    expect(rc, 0, 'exit status')
    v = js(out)
    expect((v['vm-name'], v['vm-mem-size'], v['vm-vcpus']), (NAME, MEM, 2), 'name, size, vcpus')
    expect((v['vm-state'], v['vm-stop-reason']), ('created', 'none'), 'state, stop reason')
    expect(v['vm-stats'], {s: 0 for s in STATS}, 'vm-stats of a VM that never ran')
    global VM_ID
    VM_ID = v['vm-id']


@test('vm-get: do by name and dump agree with the create reply')
def _():
    rc, out = cli('--do', 'vm-get', '--json', json.dumps({'vm-name': NAME}))
    expect(rc, 0, 'do exit status')
    expect((js(out)['vm-id'], js(out)['vm-state']), (VM_ID, 'created'), 'do: id, state')
    rc, out = cli('--dump', 'vm-get')
    expect(rc, 0, 'dump exit status')
    expect([(v['vm-name'], v['vm-id']) for v in js(out)], [(NAME, VM_ID)], 'dump')
    rc, out = cli('--do', 'info')
    expect(js(out)['info-nr-vms'], 1, 'info-nr-vms')


@test('errors carry errno and the extack message')
def _():
    rc, out = cli('--do', 'vm-get', '--json', json.dumps({'vm-name': 'ynl-none'}))
    expect(rc, 1, 'exit status')
    for s in ('No such file or directory', 'no VM with this name'):
        if s not in out:
            raise AssertionError(f'"{s}" not in the output')
    # vm-id is a reply attribute: the strict policy has no place for it
    rc, out = cli('--do', 'vm-get', '--json', json.dumps({'vm-name': NAME, 'vm-id': VM_ID}))
    expect(rc, 1, 'exit status with vm-id in the request')
    if 'Invalid argument' not in out:
        raise AssertionError('vm-id in a request is not EINVAL')


@test('admin-perm: uid 1000 reads info, gets EPERM for vm-create, vm-get and events')
def _():
    rc, out = cli('--do', 'info', user=True)
    expect(rc, 0, 'info exit status')
    expect(js(out)['info-nr-vms'], 1, 'info-nr-vms')
    for args in (['--do', 'vm-create', '--json', json.dumps({'vm-name': 'ynl-user'})],
                 ['--dump', 'vm-get'],
                 ['--subscribe', 'events', '--do', 'info']):
        rc, out = cli(*args, user=True)
        if rc == 0 or ('Operation not permitted' not in out and 'PermissionError' not in out):
            raise AssertionError(f'{args[0]} {args[1]}: rc {rc}, not EPERM')


@test('events: a listener on the events group gets the destroyed event of cli.py vm-destroy')
def _():
    # In-process listener through the same ynl library: cli.py --subscribe
    # with a --do whose command notifies the group itself trips over the
    # notification in 6.12's YnlFamily._ops (op is None for the next
    # recv). Subscribed before the CLI runs, the event is queued on this
    # socket by the time the CLI has its ack: no timing involved.
    sys.path.insert(0, DIR)
    from lib import YnlFamily
    ynl = YnlFamily(os.path.join(DIR, 'hvm.yaml'), '')
    ynl.ntf_subscribe('events')
    rc, out = cli('--do', 'vm-destroy', '--json', json.dumps({'vm-name': NAME}))
    expect(rc, 0, 'exit status')
    expect(js(out), None, 'vm-destroy reply (an ack)')
    ynl.check_ntf()
    got = [(n['name'], n['msg']['event'], n['msg']['vm-name'], n['msg']['vm-id'])
           for n in ynl.async_msg_queue]
    print(f'#   events: {got}')
    expect(got, [('vm-event', 'destroyed', NAME, VM_ID)], 'notifications')
    rc, out = cli('--dump', 'vm-get')
    expect(js(out), [], 'dump after destroy')


print('TAP version 13')
print(f'1..{len(results)}')
bad = 0
for n, (name, err) in enumerate(results, 1):
    if err:
        bad += 1
        print(f'# {err}')
    print(f'{"not ok" if err else "ok"} {n} {name}')
print(f'# {len(results) - bad} passed, {bad} failed')
sys.exit(1 if bad else 0)
