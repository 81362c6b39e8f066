@vsphere
Feature: Deleting the root key crypto-shreds every key of the KMS
  Seed 002 (key revocation) and field failure 11: the KMS stores every key wrapped by a customer root key; deleting the
  root key revokes every key at once, and all the data they protect is cryptographically shredded. Hosts keep the keys
  they hold while they run, so the cluster must restart before nothing can be read any more.

  Background:
    Given a KMS cluster "kms-prod"
    And vCenter "vc01" trusts the KMS cluster "kms-prod"
    And a cluster "cl01" with hosts "esx01, esx02"
    And an encrypted VM "app01" running on host "esx01"
    And an encrypted VM "db01" running on host "esx02"

  Scenario: After the root key is deleted the KMS serves no key, while running VMs keep running on the keys their hosts hold
    When the KMS administrator deletes the root key
    Then the KMS no longer serves the key of VM "app01"
    And the KMS no longer serves the key of VM "db01"
    And VM "app01" is running
    And VM "db01" is running
    And the data of VM "app01" reads back intact

  Scenario: Deleting the root key shreds the data of every VM once the hosts restart
    When the KMS administrator deletes the root key
    And all hosts of cluster "cl01" reboot
    Then VM "app01" is locked
    And VM "db01" is locked
    And the event log shows "com.vmware.vc.vm.Crypto.VMLocked.KeyMissingOnKMS" for VM "app01"
    And the event log shows "com.vmware.vc.vm.Crypto.VMLocked.KeyMissingOnKMS" for VM "db01"
    And the data of VM "app01" cannot be decrypted
    And the data of VM "db01" cannot be decrypted
    When the administrator unlocks VM "app01"
    Then the operation fails with "keys are missing on KMS cluster"
    When the KMS administrator restores the key of VM "app01"
    Then the operation fails with "root key"
    And VM "app01" is locked

  Scenario: Deleting the root key leaves the disk groups of an encrypted vSAN cluster unmounted after a restart
    Given vSAN encryption is enabled on cluster "cl01"
    And a VM "web01" running on host "esx01"
    When the KMS administrator deletes the root key
    Then the disk groups of host "esx01" are mounted
    When all hosts of cluster "cl01" reboot
    Then the disk groups of host "esx01" are not mounted
    And the disk groups of host "esx02" are not mounted
    And the vSAN datastore of cluster "cl01" is not accessible
    And the data of VM "web01" cannot be decrypted
    When 60 minutes pass
    Then the disk groups of host "esx01" are not mounted

  Scenario: Deleting one key revokes one VM; the others keep working
    When the KMS administrator destroys the key of VM "app01"
    And all hosts of cluster "cl01" reboot
    Then VM "app01" is locked
    And the data of VM "app01" cannot be decrypted
    And VM "db01" is unlocked
    And the KMS serves the key of VM "db01"
    When the administrator powers on VM "db01"
    Then the data of VM "db01" reads back intact

  Scenario: Removing a vCenter's KMS service removes every key made for its certificate; its VMs lock at their next reboot
    When the KMS service of vCenter "vc01" is removed from the KMS cluster "kms-prod"
    Then the KMS holds the key of VM "app01" in state "Destroyed"
    And the KMS holds the key of VM "db01" in state "Destroyed"
    And VM "app01" is running
    And the data of VM "app01" reads back intact
    When host "esx01" reboots
    Then VM "app01" is locked
    And the data of VM "app01" cannot be decrypted
    And VM "db01" is running
    When the administrator unlocks VM "app01"
    Then the operation fails with "KMS cluster"
