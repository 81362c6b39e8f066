@vsphere
Feature: Registration, reload and connection state follow vSphere's rules
  UnregisterVM removes a VM from the inventory (not while powered on) and keeps its files; Folder.RegisterVM_Task adds
  it back from its .vmx with a new managed object ID (AlreadyExists while it is still registered). A locked VM shows as
  "invalid"; Reload re-reads it once its key can be had again.

  Background:
    Given a KMS cluster "kms-prod"
    And vCenter "vc01" trusts the KMS cluster "kms-prod"
    And a cluster "cl01" with hosts "esx01, esx02"
    And an encrypted VM "app01" running on host "esx01"

  Scenario: A powered-on VM cannot be unregistered
    When the administrator unregisters VM "app01"
    Then the operation fails with "InvalidPowerState"
    And the connection state of VM "app01" is "connected"

  Scenario: A VM still in the inventory cannot be registered again
    When the administrator powers off VM "app01"
    And the administrator registers VM "app01" on host "esx02"
    Then the operation fails with "AlreadyExists"

  Scenario: An unregistered VM registers on another host of its cluster with a new managed object ID
    Given the managed object ID of VM "app01" is noted
    When the administrator powers off VM "app01"
    And the administrator unregisters VM "app01"
    And the administrator registers VM "app01" on host "esx02"
    And the administrator powers on VM "app01"
    Then VM "app01" runs on host "esx02"
    And the managed object ID of VM "app01" has changed
    And the event log shows "VmRegisteredEvent" for VM "app01"
    And the data of VM "app01" reads back intact

  Scenario: Registering a VM whose key vCenter cannot fetch leaves it locked and invalid
    When the administrator powers off VM "app01"
    And the administrator unregisters VM "app01"
    And the KMS cluster "kms-prod" becomes unreachable
    And host "esx01" reboots
    And the administrator registers VM "app01" on host "esx01"
    Then the operation fails with "KMS cluster error"
    And VM "app01" is locked
    And the connection state of VM "app01" is "invalid"

  Scenario: A locked VM is invalid; once its key is reactivated, reloading it unlocks it
    When the KMS administrator deactivates the key of VM "app01"
    And host "esx01" reboots
    Then VM "app01" is locked
    And the connection state of VM "app01" is "invalid"
    When the administrator reloads VM "app01"
    Then VM "app01" is locked
    When the KMS administrator reactivates the key of VM "app01"
    And the administrator reloads VM "app01"
    Then VM "app01" is unlocked
    And the connection state of VM "app01" is "connected"
    And VM "app01" has no active alarm
