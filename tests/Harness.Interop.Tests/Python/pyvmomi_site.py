"""pyVmomi (Debian python3-pyvmomi 6.7.1) against the Harness simulator's vSphere API.

usage: pyvmomi_site.py PORT PASSWORD COMMAND [ARGS]
  vms                  one JSON line per VM of a container view on the root folder: moid, name, keyId, providerId,
                       cryptoState, connectionState, powerState
  badlogin             logs in with a wrong password; prints the fault's type and message
  events TYPEID        QueryEvents by eventTypeId: one JSON line per event (type, eventTypeId, vm, message)
  kmsstatus            RetrieveKmipServersStatus_Task of every key provider: "PROVIDER STATUSES" lines (the distinct
                       statuses of its servers)
  newprovider NAME CERT KEY  vCenter's "add a KMS" workflow for a new key provider NAME on the site's KMS address:
                       RegisterKmipServer, RetrieveKmipServerCert, UploadKmipServerCert, UploadClientCert (CERT and
                       KEY: PEM files), GenerateKey, then RegisterKmipServer again and RemoveKmipServer; one
                       "STEP VALUE" line each (statuses after each step as "status STATUS CONNECTIONSTATUS")
  unlock VMNAME        CryptoUnlock_Task: "unlocked" or "fault: TYPE: MESSAGE"
  poweron VMNAME       PowerOffVM_Task then PowerOnVM_Task: "poweredOn" or "fault: TYPE: MESSAGE"
  reregister VMNAME    UnregisterVM, then Folder.RegisterVM_Task with its .vmx: "OLDMOID NEWMOID"
  watch VMNAME SECONDS CreateFilter on the VM's runtime.cryptoState, WaitForUpdatesEx until it changes or SECONDS pass:
                       prints "ready" when the first update set is in, then the new value
Exit code 0 on success; a vSphere fault ends the script with exit code 3 and "fault: TYPE: MESSAGE".
"""
import json
import ssl
import sys

from pyVim.connect import SmartConnect, Disconnect
from pyVim.task import WaitForTask
from pyVmomi import vim, vmodl

USER = "administrator@vsphere.local"


def connect(port, password):
    return SmartConnect(host="127.0.0.1", port=port, user=USER, pwd=password,
                        sslContext=ssl._create_unverified_context())


def all_vms(content):
    view = content.viewManager.CreateContainerView(content.rootFolder, [vim.VirtualMachine], True)
    try:
        return list(view.view)
    finally:
        view.Destroy()


def find_vm(content, name):
    for vm in all_vms(content):
        if vm.name == name:
            return vm
    raise SystemExit("no VM " + name)


def fault_line(fault):
    return "fault: %s: %s" % (type(fault).__name__.split(".")[-1], fault.msg)


def run_task(task):
    try:
        WaitForTask(task)
        return None
    except vmodl.MethodFault as fault:
        return fault_line(fault)


def new_provider(crypto, name, cert_pem, key_pem):
    site_server = crypto.ListKmipServers()[0].servers[0]
    provider = vim.encryption.KeyProviderId(id=name)
    info = vim.encryption.KmipServerInfo(name=name + "-1", address=site_server.address, port=site_server.port)

    def status(step):
        task = crypto.RetrieveKmipServersStatus_Task([c for c in crypto.ListKmipServers() if c.clusterId.id == name])
        WaitForTask(task)
        server = task.info.result[0].servers[0]
        print("%s status %s %s %s" % (step, server.status, server.clientTrustServer, server.connectionStatus))

    crypto.RegisterKmipServer(vim.encryption.KmipServerSpec(clusterId=provider, info=info))
    print("registered %s" % ",".join(c.clusterId.id for c in crypto.ListKmipServers()))
    status("untrusted")
    cert = crypto.RetrieveKmipServerCert(keyProvider=provider, server=info)
    print("retrieved %s %s" % (cert.clientTrustServer, cert.certInfo.fingerprint))
    crypto.UploadKmipServerCert(cluster=provider, certificate=cert.certificate)
    status("servertrusted")
    crypto.UploadClientCert(cluster=provider, certificate=cert_pem, privateKey=key_pem)
    status("clientcert")
    made = crypto.GenerateKey(keyProvider=provider)
    print("generated %s %s" % (made.success, made.keyId.providerId.id))
    try:
        crypto.RegisterKmipServer(vim.encryption.KmipServerSpec(clusterId=provider, info=info))
        print("again registered")
    except vmodl.MethodFault as fault:
        print("again " + fault_line(fault))
    try:
        crypto.UploadClientCert(cluster=provider, certificate="not a certificate", privateKey=key_pem)
        print("badcert accepted")
    except vmodl.MethodFault as fault:
        print("badcert " + fault_line(fault))
    crypto.RemoveKmipServer(clusterId=provider, serverName=info.name)
    print("removed %s" % ",".join(c.clusterId.id for c in crypto.ListKmipServers()))


def main():
    port, password, command, args = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4:]
    if command == "badlogin":
        try:
            connect(port, password + "-wrong")
            print("logged in with a wrong password")
            return 1
        except vim.fault.InvalidLogin as e:
            print("InvalidLogin: " + e.msg)
            return 0
    si = connect(port, password)
    content = si.RetrieveContent()
    try:
        if command == "vms":
            for vm in all_vms(content):
                key = vm.config.keyId
                print(json.dumps({
                    "moid": vm._moId, "name": vm.name,
                    "keyId": key.keyId if key else None,
                    "providerId": key.providerId.id if key else None,
                    "cryptoState": vm.runtime.cryptoState,
                    "connectionState": vm.runtime.connectionState,
                    "powerState": vm.runtime.powerState,
                }))
        elif command == "events":
            spec = vim.event.EventFilterSpec(eventTypeId=[args[0]])
            for e in content.eventManager.QueryEvents(spec):
                print(json.dumps({
                    "type": type(e).__name__.split(".")[-1],
                    "eventTypeId": getattr(e, "eventTypeId", None),
                    "vm": e.vm.name if e.vm else None,
                    "message": e.fullFormattedMessage,
                }))
        elif command == "kmsstatus":
            crypto = content.cryptoManager
            clusters = crypto.ListKmipServers()
            task = crypto.RetrieveKmipServersStatus_Task(clusters)
            WaitForTask(task)
            # ClusterStatus.overallStatus is vim25 7.0: a 6.7.1 client sees each server's status.
            for status in task.info.result:
                print("%s %s" % (status.clusterId.id, ",".join(sorted(set(s.status for s in status.servers)))))
        elif command == "newprovider":
            new_provider(content.cryptoManager, args[0], open(args[1]).read(), open(args[2]).read())
        elif command == "unlock":
            print(run_task(find_vm(content, args[0]).CryptoUnlock_Task()) or "unlocked")
        elif command == "poweron":
            vm = find_vm(content, args[0])
            if vm.runtime.powerState == "poweredOn":
                error = run_task(vm.PowerOffVM_Task())
                if error:
                    print(error)
                    return 0
            print(run_task(vm.PowerOnVM_Task()) or vm.runtime.powerState)
        elif command == "reregister":
            vm = find_vm(content, args[0])
            old, path, host = vm._moId, vm.config.files.vmPathName, vm.runtime.host
            if vm.runtime.powerState == "poweredOn":
                WaitForTask(vm.PowerOffVM_Task())
            vm.UnregisterVM()
            datacenter = content.rootFolder.childEntity[0]
            task = datacenter.vmFolder.RegisterVM_Task(path=path, name=args[0], asTemplate=False, host=host)
            WaitForTask(task)
            print("%s %s" % (old, task.info.result._moId))
        elif command == "watch":
            vm, seconds = find_vm(content, args[0]), int(args[1])
            pc = content.propertyCollector
            spec = vmodl.query.PropertyCollector.FilterSpec(
                objectSet=[vmodl.query.PropertyCollector.ObjectSpec(obj=vm)],
                propSet=[vmodl.query.PropertyCollector.PropertySpec(type=vim.VirtualMachine, pathSet=["runtime.cryptoState"])])
            pc.CreateFilter(spec, True)
            options = vmodl.query.PropertyCollector.WaitOptions(maxWaitSeconds=seconds)
            update = pc.WaitForUpdatesEx("", options)
            first = update.filterSet[0].objectSet[0].changeSet[0].val
            print("ready " + str(first))
            sys.stdout.flush()
            update = pc.WaitForUpdatesEx(update.version, options)
            if update is None:
                print("no change")
            else:
                print(update.filterSet[0].objectSet[0].changeSet[0].val)
        else:
            print("unknown command " + command)
            return 2
    finally:
        Disconnect(si)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except vmodl.MethodFault as fault:
        print(fault_line(fault))
        sys.exit(3)
