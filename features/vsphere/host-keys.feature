@vsphere
Feature: Keys removed from hosts by force, and host keys renewed
  Field failure 10. vCenter's RemoveKeys takes a key that a VM uses only with force, and then from every host: the VM
  locks until vCenter gets the key again from the KMS (which keeps it). A host in crypto-safe mode has a host key from
  the KMS for its core dumps; renewing it (ChangeKey_Task) re-encrypts the core dumps it can and leaves the old key on
  the KMS; when the KMS cannot give the host its key, the HostKey.NewKey events say why.

  Background:
    Given a KMS cluster "kms-prod"
    And vCenter "vc01" trusts the KMS cluster "kms-prod"
    And a cluster "cl01" with hosts "esx01, esx02"
    And an encrypted VM "app01" running on host "esx01"

  Scenario: Removing a key that a VM uses is refused unless forced
    When the administrator removes the key of VM "app01" from vCenter
    Then the operation fails with "in use"
    And VM "app01" is running
    And host "esx01" has the key of VM "app01"

  Scenario: A forced key removal takes the key from every host and locks the VM until vCenter gets it again from the KMS
    When the administrator force-removes the key of VM "app01"
    Then VM "app01" is locked
    And VM "app01" has an active alarm
    And host "esx01" does not have the key of VM "app01"
    And host "esx02" does not have the key of VM "app01"
    And the event log shows "Virtual machine is locked because keys are missing on host." for VM "app01"
    And the KMS serves the key of VM "app01"
    When the administrator unlocks VM "app01"
    Then VM "app01" is unlocked
    And host "esx01" has the key of VM "app01"
    When the administrator powers on VM "app01"
    Then the data of VM "app01" reads back intact

  Scenario: A renewed host key replaces the old one, the core dumps are re-encrypted, and the old host key stays on the KMS
    Given host "esx01" has a host key
    And host "esx01" has written a core dump
    When the administrator renews the host key of host "esx01"
    Then host "esx01" has a new host key
    And the core dumps of host "esx01" can be decrypted
    And the KMS still holds the previous host key of host "esx01" in state "Active"
    And the event log shows "harness.host.Crypto.HostKeyChanged" for host "esx01"
    And VM "app01" is running

  Scenario: Renewing a host key while the KMS is unreachable fails; the host keeps its key and its VMs keep running
    Given host "esx01" has a host key
    When the KMS cluster "kms-prod" becomes unreachable
    And the administrator renews the host key of host "esx01"
    Then the operation fails with "KMS cluster error"
    And the event log shows "com.vmware.vc.host.Crypto.HostKey.NewKey.KMSClusterError" for host "esx01"
    And host "esx01" holds its host key
    And VM "app01" is running

  Scenario: A host key deactivated on the KMS is not given back after a reboot: the VMs unlock, but its core dumps cannot be decrypted
    Given host "esx01" has a host key
    And host "esx01" has written a core dump
    When the KMS administrator deactivates the host key of host "esx01"
    And host "esx01" reboots
    Then VM "app01" is unlocked
    And host "esx01" does not hold its host key
    And the event log shows "com.vmware.vc.host.Crypto.HostKey.NewKey.KeyMissingOnKMS" for host "esx01"
    And the core dumps of host "esx01" cannot be decrypted
    When the KMS administrator reactivates the host key of host "esx01"
    And host "esx01" reboots
    Then host "esx01" holds its host key
    And the core dumps of host "esx01" can be decrypted
