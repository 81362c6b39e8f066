@vsphere
Feature: A disk whose key is missing does not lock its VM, but the VM cannot power on
  Field failure 9 (vSphere Security, "Unlock Locked Virtual Machines"): through the API each disk can have a key of its
  own. If the VM key is available but a disk's key is not, the VM is not shown as invalid (not locked), but it cannot
  power on: "The disk [path] is encrypted and a required key was not found."

  Background:
    Given a KMS cluster "kms-prod"
    And vCenter "vc01" trusts the KMS cluster "kms-prod"
    And a cluster "cl01" with hosts "esx01, esx02"
    And an encrypted VM "app01" powered off on host "esx01"
    And disk "disk0" of VM "app01" is encrypted with a key of its own

  Scenario: With every key on the KMS, a VM whose disk has a key of its own powers on after a reboot
    When host "esx01" reboots
    And the administrator powers on VM "app01"
    Then VM "app01" is running
    And the data of VM "app01" reads back intact

  Scenario: A disk key missing on the KMS leaves the VM unlocked, but powering it on fails naming the disk; restoring the key recovers
    When the KMS administrator destroys the key of disk "disk0" of VM "app01"
    And host "esx01" reboots
    Then VM "app01" is unlocked
    And VM "app01" has no active alarm
    And host "esx01" has the key of VM "app01"
    When the administrator powers on VM "app01"
    Then the operation fails with "The disk [cl01-ds] app01/app01_0.vmdk is encrypted and a required key was not found."
    And VM "app01" is powered off
    And VM "app01" is unlocked
    And the data of VM "app01" cannot be decrypted
    When the KMS administrator restores the key of disk "disk0" of VM "app01"
    And the administrator powers on VM "app01"
    Then VM "app01" is running
    And the data of VM "app01" reads back intact

  Scenario: The VM's own key missing locks the VM even though its disk's key is on the KMS
    When the KMS administrator deactivates the key of VM "app01"
    And host "esx01" reboots
    Then VM "app01" is locked
    And the event log shows "Virtual machine is locked because keys are missing on KMS cluster." for VM "app01"
    When the administrator powers on VM "app01"
    Then the operation fails with "locked"
