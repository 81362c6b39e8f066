@vsphere
Feature: Encrypted virtual machines lock when their host cannot get their key, and recover as vSphere Security (p.171) describes
  A VM locks only when the host where it is registered lacks its key and vCenter cannot get the key from the KMS.

  Background:
    Given a KMS cluster "kms-prod"
    And vCenter "vc01" trusts the KMS cluster "kms-prod"
    And a cluster "cl01" with hosts "esx01, esx02"
    And an encrypted VM "app01" running on host "esx01"
  @certification
  Scenario: A host that reboots while the KMS is reachable gets its keys back and nothing locks
    When host "esx01" reboots
    Then VM "app01" is unlocked
    And host "esx01" has the key of VM "app01"
    And VM "app01" has no active alarm
    When the administrator powers on VM "app01"
    Then VM "app01" is running
    And the data of VM "app01" reads back intact

  Scenario: Losing the KMS alone does not lock running VMs
    When the KMS cluster "kms-prod" becomes unreachable
    Then VM "app01" is running
    And VM "app01" is unlocked
    And VM "app01" has no active alarm
  # Seed 000 steps 1 and 2
  @certification
  Scenario: A host that reboots while the KMS is unreachable locks its VMs; re-registering them once the KMS is back unlocks them
    When the KMS cluster "kms-prod" becomes unreachable
    And host "esx01" reboots
    Then VM "app01" is locked
    And VM "app01" has an active alarm
    And the event log shows "Virtual machine is locked because of a KMS cluster error." for VM "app01"
    And the event log shows "com.vmware.vc.vm.Crypto.VMLocked.KMSClusterError" for VM "app01"
    When the KMS cluster "kms-prod" is reachable again
    And the administrator re-registers VM "app01"
    Then VM "app01" is unlocked
    And VM "app01" has no active alarm
    And the event log shows "Virtual machine is unlocked." for VM "app01"
    When the administrator powers on VM "app01"
    Then the data of VM "app01" reads back intact

  Scenario: Unlocking a locked VM while the KMS is still unreachable fails with a KMS cluster error
    When the KMS cluster "kms-prod" becomes unreachable
    And host "esx01" reboots
    And the administrator unlocks VM "app01"
    Then the operation fails with "KMS cluster error"
    And VM "app01" is locked

  Scenario: A locked VM cannot be powered on
    When the KMS cluster "kms-prod" becomes unreachable
    And host "esx01" reboots
    And the administrator powers on VM "app01"
    Then the operation fails with "locked"
    And VM "app01" is powered off

  # Seed 000 step 2: the privilege is needed only when the key must be retrieved
  Scenario: Re-registering a VM needs Cryptographer.RegisterVM when vCenter must retrieve its key
    Given user "ops" lacks the privilege "Cryptographer.RegisterVM"
    When the KMS cluster "kms-prod" becomes unreachable
    And host "esx01" reboots
    And the KMS cluster "kms-prod" is reachable again
    And user "ops" re-registers VM "app01"
    Then the operation fails with "Cryptographer.RegisterVM"
    And VM "app01" is locked
  Scenario: Re-registering a VM whose key its host holds needs no cryptographic privilege
    Given user "ops" lacks the privilege "Cryptographer.RegisterVM"
    When the administrator powers off VM "app01"
    And user "ops" re-registers VM "app01"
    Then VM "app01" is unlocked
  # Seed 000 step 3, with 3a (the key ID from config.keyId.keyId) and 3b-3c (the KMS administrator reactivates, then unlock)
  @certification
  Scenario: A deactivated key locks the VM at the next reboot; reactivating it and unlocking recovers
    When the KMS administrator deactivates the key of VM "app01"
    And host "esx01" reboots
    Then VM "app01" is locked
    And VM "app01" has an active alarm
    And the event log shows "Virtual machine is locked because keys are missing on KMS cluster." for VM "app01"
    And the key ID of VM "app01" can be read from "VirtualMachine.config.keyId.keyId"
    And the KMS holds the key of VM "app01" in state "Deactivated"
    When the KMS administrator reactivates the key of VM "app01"
    And the administrator unlocks VM "app01"
    Then VM "app01" is unlocked
    And VM "app01" has no active alarm
    And the KMS holds the key of VM "app01" in state "Active"
    When the administrator powers on VM "app01"
    Then the data of VM "app01" reads back intact
  # Seed 000 step 5
  @certification
  Scenario: Keys missing only on the host lock the VM at once, and vCenter retrieves them without manual key recovery
    When the keys of VM "app01" are removed from host "esx01"
    Then VM "app01" is locked
    And host "esx01" does not have the key of VM "app01"
    And the event log shows "Virtual machine is locked because keys are missing on host." for VM "app01"
    When the administrator unlocks VM "app01"
    Then VM "app01" is unlocked
    And host "esx01" has the key of VM "app01"
    And the data of VM "app01" reads back intact
  # Seed 002: deleting one key revokes one VM; field failure 4
  @certification
  Scenario: Destroying one VM's key on the KMS revokes that VM only: it locks and its data cannot be decrypted, while the others keep working
    Given an encrypted VM "db01" running on host "esx02"
    When the KMS administrator destroys the key of VM "app01"
    And host "esx01" reboots
    Then VM "app01" is locked
    And the event log shows "com.vmware.vc.vm.Crypto.VMLocked.KeyMissingOnKMS" for VM "app01"
    When the administrator unlocks VM "app01"
    Then the operation fails with "keys are missing on KMS cluster"
    And the data of VM "app01" cannot be decrypted
    And the KMS holds the key of VM "app01" in state "Destroyed"
    And VM "db01" is unlocked
    And the data of VM "db01" reads back intact
  # Seed 000 step 1, "you can also reboot the host ... after restoring the connection": vCenter pushes the keys when the host reconnects
  @certification
  Scenario: Once the KMS is back, rebooting the host again unlocks the locked VMs without an administrator
    When the KMS cluster "kms-prod" becomes unreachable
    And host "esx01" reboots
    Then VM "app01" is locked
    When the KMS cluster "kms-prod" is reachable again
    And host "esx01" reboots
    Then VM "app01" is unlocked
    And VM "app01" has no active alarm
    And host "esx01" has the key of VM "app01"

  # Seed 000 step 3 with the KMS not reachable: vCenter cannot tell a missing key from an unreachable KMS until the KMS answers
  Scenario: A deactivated key while the KMS is unreachable locks with a KMS cluster error; once the KMS answers the key is missing; reactivating it by its key ID recovers
    When the KMS administrator deactivates the key of VM "app01"
    And the KMS cluster "kms-prod" becomes unreachable
    And host "esx01" reboots
    Then VM "app01" is locked
    And the event log shows "Virtual machine is locked because of a KMS cluster error." for VM "app01"
    When the KMS cluster "kms-prod" is reachable again
    And the administrator unlocks VM "app01"
    Then the operation fails with "keys are missing on KMS cluster"
    And the event log shows "Virtual machine is locked because keys are missing on KMS cluster." for VM "app01"
    And the key ID of VM "app01" can be read from "VirtualMachine.config.keyId.keyId"
    When the KMS administrator reactivates the key with the ID read from "VirtualMachine.config.keyId.keyId" of VM "app01"
    And the administrator unlocks VM "app01"
    Then VM "app01" is unlocked
    And VM "app01" has no active alarm

  # Seed 000 step 3, "ask the KMS administrator to restore the key", then 3c (unlock)
  Scenario: A key destroyed on the KMS and restored by the KMS administrator lets the VM unlock with its data intact
    When the KMS administrator destroys the key of VM "app01"
    And host "esx01" reboots
    Then VM "app01" is locked
    And the event log shows "com.vmware.vc.vm.Crypto.VMLocked.KeyMissingOnKMS" for VM "app01"
    When the KMS administrator restores the key of VM "app01"
    And the administrator unlocks VM "app01"
    Then VM "app01" is unlocked
    And the KMS holds the key of VM "app01" in state "Active"
    When the administrator powers on VM "app01"
    Then the data of VM "app01" reads back intact

  # Seed 000 step 3: "an inactive key if you are powering on a virtual machine that had been removed from the inventory and ... not registered for a long time"
  Scenario: A VM removed from the inventory long ago does not register when its key was deactivated meanwhile; reactivating the key recovers it
    When the administrator powers off VM "app01"
    And the administrator removes VM "app01" from the inventory
    And the KMS administrator deactivates the key of VM "app01"
    And 180 days pass
    And host "esx01" reboots
    And the administrator re-registers VM "app01"
    Then the operation fails with "keys are missing on KMS cluster"
    And VM "app01" is locked
    And VM "app01" has an active alarm
    When the KMS administrator reactivates the key with the ID read from "VirtualMachine.config.keyId.keyId" of VM "app01"
    And the administrator re-registers VM "app01"
    Then VM "app01" is unlocked
    And VM "app01" has no active alarm

  # Seed 000 step 3c: "vCenter Server retrieves it and pushes it to the ESXi host the next time it is needed"
  Scenario: After the key is reactivated, vCenter retrieves it the next time it is needed: the next host reconnect unlocks the VM
    When the KMS administrator deactivates the key of VM "app01"
    And host "esx01" reboots
    Then VM "app01" is locked
    When the KMS administrator reactivates the key of VM "app01"
    And host "esx01" reboots
    Then VM "app01" is unlocked
    And VM "app01" has no active alarm
    And host "esx01" has the key of VM "app01"

  # Seed 000 step 5 with the KMS not reachable
  Scenario: Keys missing only on the host cannot be retrieved while the KMS is unreachable; once it is back, unlocking retrieves them
    When the keys of VM "app01" are removed from host "esx01"
    And the KMS cluster "kms-prod" becomes unreachable
    And the administrator unlocks VM "app01"
    Then the operation fails with "KMS cluster error"
    And VM "app01" is locked
    When the KMS cluster "kms-prod" is reachable again
    And the administrator unlocks VM "app01"
    Then VM "app01" is unlocked
    And host "esx01" has the key of VM "app01"

  # Seed 000 step 2 and field failure 8: unlocking retrieves the key too, so it needs the privilege
  Scenario: Unlocking a VM needs the privilege Cryptographer.RegisterVM
    Given user "ops" lacks the privilege "Cryptographer.RegisterVM"
    When the KMS cluster "kms-prod" becomes unreachable
    And host "esx01" reboots
    And the KMS cluster "kms-prod" is reachable again
    And user "ops" unlocks VM "app01"
    Then the operation fails with "Cryptographer.RegisterVM"
    And VM "app01" is locked
    When the administrator unlocks VM "app01"
    Then VM "app01" is unlocked

  # Seed 000 step 2: "This privilege is not required for powering on an encrypted virtual machine if the key is available."
  Scenario: Once the key is on the host, a user without Cryptographer.RegisterVM can re-register and power on the VM
    Given user "ops" lacks the privilege "Cryptographer.RegisterVM"
    When the KMS cluster "kms-prod" becomes unreachable
    And host "esx01" reboots
    And the KMS cluster "kms-prod" is reachable again
    And the administrator unlocks VM "app01"
    And user "ops" re-registers VM "app01"
    Then VM "app01" is unlocked
    When the administrator powers on VM "app01"
    Then VM "app01" is running
