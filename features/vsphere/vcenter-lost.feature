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
