"""Times the simulator's vSphere API with pyVmomi (Debian python3-pyvmomi), against a running `./harness demo`.

usage: /usr/bin/python3 tools/vsphere-api-bench/bench.py --sdk URL --password PASSWORD --api URL [--unlock N] [--runs R]

  1. RetrievePropertiesEx of runtime.cryptoState for every VM of a container view on the root folder (R runs; the
     pages ContinueRetrievePropertiesEx gives are followed).
  2. With --unlock N: the KMS cluster becomes unreachable and hosts reboot (through the simulator's REST API at --api)
     until at least N encrypted VMs are locked; the KMS comes back; then N CryptoUnlock_Task calls, each waited for
     with pyVim.task.WaitForTask, one after the other.
Prints one line per measurement.

Example, a site of 10,000 VMs all encrypted:
  ./harness demo --clusters 10 --hosts-per-cluster 10 --vms-per-host 100 --encrypted 1
  /usr/bin/python3 tools/vsphere-api-bench/bench.py --sdk https://127.0.0.1:PORT/sdk --password PASSWORD \\
      --api http://127.0.0.1:PORT/api --unlock 1000
"""
import argparse
import json
import ssl
import time
import urllib.parse
import urllib.request

from pyVim.connect import SmartConnect, Disconnect
from pyVim.task import WaitForTask
from pyVmomi import vim, vmodl

PC = vmodl.query.PropertyCollector


def rest(api, method, path):
    request = urllib.request.Request(api.rstrip("/") + "/" + path, method=method, data=b"" if method == "POST" else None)
    with urllib.request.urlopen(request, timeout=600) as response:
        body = response.read()
        return json.loads(body) if body else None


def crypto_states(content, view):
    spec = PC.FilterSpec(
        objectSet=[PC.ObjectSpec(obj=view, skip=True, selectSet=[PC.TraversalSpec(name="view", type=vim.view.ContainerView, path="view", skip=False)])],
        propSet=[PC.PropertySpec(type=vim.VirtualMachine, pathSet=["runtime.cryptoState"])])
    pc = content.propertyCollector
    result = pc.RetrievePropertiesEx([spec], PC.RetrieveOptions())
    states = {}
    while result is not None:
        for o in result.objects:
            states[o.obj._moId] = o.propSet[0].val if o.propSet else None
        result = pc.ContinueRetrievePropertiesEx(result.token) if result.token else None
    return states


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sdk", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--api", required=True)
    parser.add_argument("--unlock", type=int, default=0)
    parser.add_argument("--runs", type=int, default=3)
    a = parser.parse_args()
    url = urllib.parse.urlparse(a.sdk)
    si = SmartConnect(host=url.hostname, port=url.port, user="administrator@vsphere.local", pwd=a.password,
                      sslContext=ssl._create_unverified_context())
    content = si.RetrieveContent()
    view = content.viewManager.CreateContainerView(content.rootFolder, [vim.VirtualMachine], True)
    try:
        for run in range(a.runs):
            start = time.perf_counter()
            states = crypto_states(content, view)
            took = time.perf_counter() - start
            print("RetrievePropertiesEx runtime.cryptoState: %d VMs (%d encrypted) in %.3f s (run %d)"
                  % (len(states), sum(1 for s in states.values() if s), took, run + 1))
        if a.unlock > 0:
            hosts = rest(a.api, "GET", "hosts")
            rest(a.api, "POST", "kms-clusters/kms-prod/unreachable")
            locked = 0
            for h in hosts:
                if locked >= a.unlock:
                    break
                rest(a.api, "POST", "hosts/%s/reboot" % urllib.parse.quote(h["name"]))
                locked = sum(1 for s in crypto_states(content, view).values() if s == "locked")
            rest(a.api, "POST", "kms-clusters/kms-prod/reachable")
            by_moid = {vm._moId: vm for vm in view.view}
            targets = [by_moid[m] for m, s in crypto_states(content, view).items() if s == "locked"][:a.unlock]
            start = time.perf_counter()
            for vm in targets:
                WaitForTask(vm.CryptoUnlock_Task())
            took = time.perf_counter() - start
            left = sum(1 for s in crypto_states(content, view).values() if s == "locked")
            print("CryptoUnlock_Task + WaitForTask: %d locked VMs unlocked in %.1f s (%.1f ms each); %d still locked"
                  % (len(targets), took, 1000 * took / max(1, len(targets)), left))
    finally:
        view.Destroy()
        Disconnect(si)


if __name__ == "__main__":
    main()
