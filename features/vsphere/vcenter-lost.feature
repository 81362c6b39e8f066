@vsphere
Feature: A lost vCenter is rebuilt with the same KMS cluster name, and the VMs it finds locked unlock when re-registered
  The encryption bundle of each VM names its key provider; a rebuilt vCenter must use the same KMS cluster name.

  Background:
    Given a KMS cluster "kms-prod"
    And vCenter "vc01" trusts the KMS cluster "kms-prod"
    And a cluster "cl01" with hosts "esx01, esx02"
    And an encrypted VM "app01" running on host "esx01"
    And an encrypted VM "app02" powered off on host "esx02"

  # Seed 000 step 4, and seed 001: a newly allowed certificate is trusted only after 5 minutes
  Scenario: A new vCenter trusted by the KMS after the 5-minute wait re-registers the locked VMs and they unlock
    When vCenter "vc01" is lost
    And host "esx01" reboots
    And a new vCenter "vc02" is set up
    And vCenter "vc02" trusts the KMS cluster "kms-prod"
    And the administrator re-registers VM "app01"
    Then the operation fails with "KMS cluster error"
    And VM "app01" is locked
    When 5 minutes pass
    And the administrator re-registers all locked VMs
    Then VM "app01" is unlocked
    And the event log shows "Virtual machine is unlocked." for VM "app01"
    When the administrator powers on VM "app01"
    Then the data of VM "app01" reads back intact

  # Field failure 5, with a different cluster name
  Scenario: A new vCenter that names the KMS cluster differently cannot unlock the VMs
    When vCenter "vc01" is lost
    And host "esx01" reboots
    And a new vCenter "vc02" is set up
    And vCenter "vc02" trusts a KMS cluster named "kms-other"
    And 5 minutes pass
    And the administrator re-registers VM "app01"
    Then the operation fails with "kms-prod"
    And VM "app01" is locked
  # Seed 000 step 4: the hosts and the KMS are up, only vCenter is gone
  @certification
  Scenario: Losing vCenter alone does not lock running VMs
    When vCenter "vc01" is lost
    Then VM "app01" is running
    And VM "app01" is unlocked
    And host "esx01" has the key of VM "app01"
    And the data of VM "app01" reads back intact
  # Seed 000 step 4a, "restore the vCenter Server system": the backup keeps the KMS trust (no new certificate, no wait)
  @certification
  Scenario: A vCenter restored from backup keeps its trust with the KMS, and re-registering the locked VMs unlocks them
    When vCenter "vc01" is lost
    And host "esx01" reboots
    Then VM "app01" is locked
    When vCenter "vc01" is restored from backup
    And the administrator re-registers all locked VMs
    Then VM "app01" is unlocked
    And the event log shows "Virtual machine is unlocked." for VM "app01"
    When the administrator powers on VM "app01"
    Then the data of VM "app01" reads back intact

  # Seed 000 step 4a: "You must use the same KMS cluster name, but the KMS IP address can be different."
  Scenario: A new vCenter may reach the KMS cluster at a new address as long as it uses the same cluster name
    When vCenter "vc01" is lost
    And host "esx01" reboots
    And the KMS cluster "kms-prod" moves to a new address
    And a new vCenter "vc02" is set up
    And vCenter "vc02" trusts the KMS cluster "kms-prod"
    And 5 minutes pass
    And the administrator re-registers all locked VMs
    Then VM "app01" is unlocked
    When the administrator powers on VM "app01"
    Then the data of VM "app01" reads back intact

  # Seed 000 step 4 with the KMS not reachable
  Scenario: Re-registering on a new vCenter while the KMS is unreachable keeps the VMs locked; once the KMS is back they unlock
    When vCenter "vc01" is lost
    And host "esx01" reboots
    And the KMS cluster "kms-prod" becomes unreachable
    And a new vCenter "vc02" is set up
    And vCenter "vc02" trusts the KMS cluster "kms-prod"
    And 5 minutes pass
    And the administrator re-registers all locked VMs
    Then the operation fails with "KMS cluster error"
    And VM "app01" is locked
    And the event log shows "Virtual machine is locked because of a KMS cluster error." for VM "app01"
    When the KMS cluster "kms-prod" is reachable again
    And the administrator re-registers all locked VMs
    Then VM "app01" is unlocked

  # Field failure 1 with vCenter unreachable: after each reboot a host must be able to reach vCenter
  Scenario: A host that reboots while vCenter is down cannot get its VMs' keys; they unlock when vCenter is back
    When vCenter "vc01" goes down
    And host "esx01" reboots
    Then VM "app01" is locked
    And host "esx01" does not have the key of VM "app01"
    And vCenter "vc01" is not running
    When vCenter "vc01" comes back
    Then VM "app01" is unlocked
    And host "esx01" has the key of VM "app01"
    When the administrator powers on VM "app01"
    Then the data of VM "app01" reads back intact
