@vsphere @keyprotect
Feature: The KMS keeps its root key in Key Protect (IBM Cloud KMIP for VMware)
  Seeds 001 and 002: every key the KMS serves vCenter is wrapped by a customer root key (CRK) held in IBM Key Protect
  (or Hyper Protect Crypto Services, the same API). Rotating the CRK keeps everything working; disabling it suspends
  access to every key until it is enabled again; deleting it crypto-shreds every key, and since ESXi hosts keep the
  keys they hold while they run, the vSphere cluster must restart before nothing can be read any more. Here Key Protect
  is Harness's emulator of its REST API, reached over HTTP by the KMS.

  Background:
    Given a KMS cluster "kms-prod"
    And the KMS cluster "kms-prod" keeps its root key in Key Protect
    And vCenter "vc01" trusts the KMS cluster "kms-prod"
    And a cluster "cl01" with hosts "esx01, esx02"
    And an encrypted VM "app01" running on host "esx01"
    And an encrypted VM "db01" running on host "esx02"

  Scenario: Rotating the customer root key keeps every VM running, and rebooted hosts get their keys
    When the customer root key of KMS cluster "kms-prod" is rotated in Key Protect
    And host "esx01" reboots
    Then VM "app01" is unlocked
    And host "esx01" has the key of VM "app01"
    And the data of VM "app01" reads back intact
    And every key the KMS cluster "kms-prod" acknowledged is still served

  Scenario: A disabled customer root key locks the VMs of a rebooted host until it is enabled again
    When the customer root key of KMS cluster "kms-prod" is disabled in Key Protect
    And host "esx01" reboots
    Then VM "app01" is locked
    And VM "app01" has an active alarm
    And VM "db01" is running
    When the administrator unlocks VM "app01"
    Then the operation fails with "KMS cluster"
    When the customer root key of KMS cluster "kms-prod" is enabled again in Key Protect
    And the administrator unlocks VM "app01"
    Then VM "app01" is unlocked
    And VM "app01" has no active alarm
    When the administrator powers on VM "app01"
    Then the data of VM "app01" reads back intact

  Scenario: A deleted customer root key shreds every VM's data once the cluster restarts; running hosts keep their keys until then
    When the customer root key of KMS cluster "kms-prod" is deleted in Key Protect
    Then the KMS no longer serves the key of VM "app01"
    And VM "app01" is running
    And VM "db01" is running
    And the data of VM "app01" reads back intact
    When all hosts of cluster "cl01" reboot
    Then VM "app01" is locked
    And VM "db01" is locked
    And the data of VM "app01" cannot be decrypted
    And the data of VM "db01" cannot be decrypted
    When the customer root key of KMS cluster "kms-prod" is enabled again in Key Protect
    Then the operation fails with "deleted"

  Scenario: Deleting one key in the key manager revokes one VM; the others keep working
    When the KMS administrator destroys the key of VM "app01"
    And all hosts of cluster "cl01" reboot
    Then VM "app01" is locked
    And VM "db01" is unlocked
    And the KMS serves the key of VM "db01"

  Scenario: Removing the KMS service of a vCenter locks its VMs at the next reboot
    When the KMS service of vCenter "vc01" is removed from the KMS cluster "kms-prod"
    Then VM "app01" is running
    When all hosts of cluster "cl01" reboot
    Then VM "app01" is locked
    And VM "db01" is locked
    And the data of VM "db01" cannot be decrypted
