@vsphere
Feature: Key rotation: a rekey gives a VM a new key, and the old keys stay on the KMS
  Seeds 001/002 (key rotation with Set-VMEncryptionKey) and VSPHERE-MODEL.md, Rekey: a shallow rekey makes a new KEK
  and rewraps the data keys, while the VM runs; a deep rekey also makes new data keys and re-encrypts the disks, with
  the VM powered off and without snapshots. vCenter never destroys keys: the old ones stay on the KMS.

  Background:
    Given a KMS cluster "kms-prod"
    And vCenter "vc01" trusts the KMS cluster "kms-prod"
    And a cluster "cl01" with hosts "esx01, esx02"
    And an encrypted VM "app01" running on host "esx01"

  Scenario: A shallow rekey gives a running VM a new key, keeps its data keys and leaves the old key on the KMS
    When the administrator rekeys VM "app01"
    Then VM "app01" has a new key
    And VM "app01" is running
    And VM "app01" is unlocked
    And the disks of VM "app01" keep their data keys
    And the KMS still holds the previous key of VM "app01" in state "Active"
    And host "esx02" has the key of VM "app01"
    And the data of VM "app01" reads back intact
    When host "esx01" reboots
    Then VM "app01" is unlocked
    When the administrator powers on VM "app01"
    Then the data of VM "app01" reads back intact

  Scenario: A deep rekey is refused while the VM is running
    When the administrator deep rekeys VM "app01"
    Then the operation fails with "powered off"
    And VM "app01" still has its first key
    And VM "app01" is running

  Scenario: A deep rekey of a powered-off VM makes new data keys and re-encrypts its disks; the old key stays on the KMS
    When the administrator powers off VM "app01"
    And the administrator deep rekeys VM "app01"
    Then VM "app01" has a new key
    And the disks of VM "app01" have new data keys
    And the KMS still holds the previous key of VM "app01" in state "Active"
    When the administrator powers on VM "app01"
    Then VM "app01" is running
    And the data of VM "app01" reads back intact

  Scenario: A deep rekey is refused while the VM has snapshots; a shallow rekey is not
    Given VM "app01" has a snapshot
    When the administrator powers off VM "app01"
    And the administrator deep rekeys VM "app01"
    Then the operation fails with "snapshot"
    And VM "app01" still has its first key
    When the administrator rekeys VM "app01"
    Then VM "app01" has a new key
    And the disks of VM "app01" keep their data keys

  Scenario: After a rekey the VM no longer needs its old key: destroying the old key on the KMS leaves it intact
    When the administrator rekeys VM "app01"
    And the KMS administrator destroys the previous key of VM "app01"
    And host "esx01" reboots
    Then VM "app01" is unlocked
    When the administrator powers on VM "app01"
    Then the data of VM "app01" reads back intact

  Scenario: Rekeying while the KMS is unreachable fails; the VM keeps its key and keeps running
    When the KMS cluster "kms-prod" becomes unreachable
    And the administrator rekeys VM "app01"
    Then the operation fails with "KMS cluster error"
    And the event log shows "com.vmware.vc.kms.crypto.KeyGenerateFail" for VM "app01"
    And VM "app01" still has its first key
    And VM "app01" is running
    And the data of VM "app01" reads back intact

  Scenario: Rekeying needs the privilege Cryptographer.Recrypt
    Given user "ops" lacks the privilege "Cryptographer.Recrypt"
    When user "ops" rekeys VM "app01"
    Then the operation fails with "Cryptographer.Recrypt"
    And VM "app01" still has its first key
