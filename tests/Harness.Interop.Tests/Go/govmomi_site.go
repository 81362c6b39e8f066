// govmomi (Debian golang-github-vmware-govmomi-dev, the library govc is built on) against the Harness simulator's
// vSphere API: what `govc ls`, `govc object.collect -s vm/NAME config.keyId` and `govc events` do, through the same
// library calls. Debian does not package govc itself, so this client stands in for it.
//
// usage: govmomi_site URL COMMAND [ARGS]   (URL: https://administrator%40vsphere.local:PASSWORD@127.0.0.1:PORT/sdk)
//   ls              the inventory paths of the VMs (find.Finder, as `govc ls /DC0/vm`)
//   keyid VMNAME    config.keyId.keyId of the VM (property.Collector, as `govc object.collect -s vm/NAME config.keyId`)
//   events TYPEID   the events of that eventTypeId (event.Manager.QueryEvents, as `govc events`): "TYPEID VMNAME" lines
package main

import (
	"context"
	"fmt"
	"net/url"
	"os"

	"github.com/vmware/govmomi"
	"github.com/vmware/govmomi/event"
	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Println("error:", err)
		os.Exit(3)
	}
}

func run(args []string) error {
	ctx := context.Background()
	u, err := url.Parse(args[0])
	if err != nil {
		return err
	}
	client, err := govmomi.NewClient(ctx, u, true)
	if err != nil {
		return err
	}
	defer client.Logout(ctx)
	finder := find.NewFinder(client.Client, true)
	dc, err := finder.DefaultDatacenter(ctx)
	if err != nil {
		return err
	}
	finder.SetDatacenter(dc)
	switch args[1] {
	case "ls":
		vms, err := finder.VirtualMachineList(ctx, "*")
		if err != nil {
			return err
		}
		for _, vm := range vms {
			fmt.Println(vm.InventoryPath)
		}
	case "keyid":
		vm, err := finder.VirtualMachine(ctx, args[2])
		if err != nil {
			return err
		}
		var o mo.VirtualMachine
		if err := vm.Properties(ctx, vm.Reference(), []string{"config.keyId"}, &o); err != nil {
			return err
		}
		if o.Config == nil || o.Config.KeyId == nil {
			fmt.Println("-")
		} else {
			fmt.Println(o.Config.KeyId.KeyId, o.Config.KeyId.ProviderId.Id)
		}
	case "events":
		manager := event.NewManager(client.Client)
		events, err := manager.QueryEvents(ctx, types.EventFilterSpec{EventTypeId: []string{args[2]}})
		if err != nil {
			return err
		}
		for _, e := range events {
			ex, ok := e.(*types.EventEx)
			if !ok {
				return fmt.Errorf("event %d is a %T, not an EventEx", e.GetEvent().Key, e)
			}
			fmt.Println(ex.EventTypeId, ex.Vm.Name)
		}
	default:
		return fmt.Errorf("unknown command %s", args[1])
	}
	return nil
}
