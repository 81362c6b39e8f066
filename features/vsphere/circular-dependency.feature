@vsphere
Feature: Circular dependencies: what the keys depend on must not depend on the keys
  Seed 002 ("Important caveats") and field failures 2 and 7: vCenter must not be encrypted or on an encrypted vSAN
  datastore; the DNS servers that resolve the KMS hostname and NSX VMs should not be either; a KMS that runs inside the
  site must not depend on keys it serves itself. The Harness warns when such a VM is encrypted, and a full power cycle of
  such a site deadlocks as a real one would. Infrastructure VMs start with their hosts (DNS, KMS, NSX, then vCenter).

  Background:
    Given a KMS cluster "kms-prod"
    And vCenter "vc01" trusts the KMS cluster "kms-prod"
    And a cluster "cl01" with hosts "esx01, esx02"
    And an encrypted VM "app01" running on host "esx01"

  Scenario: Encrypting the vCenter Server appliance is warned about as a circular dependency
    Given a VM "vcsa01" powered off on host "esx02"
    And VM "vcsa01" is the vCenter Server appliance
    When the administrator encrypts VM "vcsa01"
    Then vCenter warns about a circular dependency for VM "vcsa01"
    And the event log shows "harness.crypto.CircularDependencyWarning" for VM "vcsa01"
    And vCenter does not warn about a circular dependency for VM "app01"

  # vSphere encrypts powered-off VMs only: the DNS server and the KMS's VM are encrypted before they take their roles
  Scenario: Encrypting the DNS server of the KMS hostname, the KMS's own VM or an NSX Manager is warned about
    Given a VM "dns01" powered off on host "esx02"
    And a VM "kms-vm01" powered off on host "esx02"
    And a VM "nsx01" powered off on host "esx02"
    And VM "nsx01" is an NSX Manager
    Then vCenter does not warn about a circular dependency for VM "dns01"
    When the administrator encrypts VM "dns01"
    And the administrator encrypts VM "kms-vm01"
    And the administrator encrypts VM "nsx01"
    And the administrator powers on VM "dns01"
    And the administrator powers on VM "kms-vm01"
    Given VM "dns01" is the DNS server that resolves the KMS hostname
    And the KMS cluster "kms-prod" runs on VM "kms-vm01"
    Then vCenter warns about a circular dependency for VM "dns01"
    And vCenter warns about a circular dependency for VM "kms-vm01"
    And vCenter warns about a circular dependency for VM "nsx01"

  Scenario: Enabling vSAN encryption under the vCenter Server appliance is warned about
    Given a VM "vcsa01" running on host "esx02"
    And VM "vcsa01" is the vCenter Server appliance
    And vSAN encryption is enabled on cluster "cl01"
    Then vCenter warns about a circular dependency for VM "vcsa01"

  Scenario: A site whose vCenter, KMS and DNS run unencrypted comes back after a full power cycle
    Given a VM "vcsa01" running on host "esx02"
    And a VM "kms-vm01" running on host "esx02"
    And a VM "dns01" running on host "esx01"
    And VM "vcsa01" is the vCenter Server appliance
    And the KMS cluster "kms-prod" runs on VM "kms-vm01"
    And VM "dns01" is the DNS server that resolves the KMS hostname
    When the whole site loses power and comes back
    Then vCenter "vc01" is running
    And the KMS cluster "kms-prod" can be reached
    And VM "dns01" is running
    And VM "kms-vm01" is running
    And VM "vcsa01" is running
    And VM "app01" is unlocked
    And VM "app01" is powered off
    When the administrator powers on VM "app01"
    Then the data of VM "app01" reads back intact

  Scenario: An encrypted vCenter Server appliance does not come back after a full power cycle
    Given a VM "vcsa01" powered off on host "esx02"
    And VM "vcsa01" is the vCenter Server appliance
    When the administrator encrypts VM "vcsa01"
    And the administrator powers on VM "vcsa01"
    And the whole site loses power and comes back
    Then vCenter "vc01" is not running
    And VM "vcsa01" is locked
    And VM "vcsa01" is powered off
    And VM "app01" is locked
    And host "esx01" does not have the key of VM "app01"

  Scenario: Key persistence on the host of an encrypted vCenter Server appliance lets it start without vCenter
    Given a VM "vcsa01" powered off on host "esx02"
    And VM "vcsa01" is the vCenter Server appliance
    And key persistence is enabled on host "esx02"
    When the administrator encrypts VM "vcsa01"
    And the administrator powers on VM "vcsa01"
    And the whole site loses power and comes back
    Then vCenter "vc01" is running
    And VM "vcsa01" is running
    And VM "app01" is unlocked
    And host "esx01" has the key of VM "app01"

  Scenario: A KMS that runs on an encrypted VM of the site locks every encrypted VM after a full power cycle, itself included
    Given a VM "kms-vm01" powered off on host "esx02"
    When the administrator encrypts VM "kms-vm01"
    And the administrator powers on VM "kms-vm01"
    Given the KMS cluster "kms-prod" runs on VM "kms-vm01"
    Then vCenter warns about a circular dependency for VM "kms-vm01"
    When the whole site loses power and comes back
    Then vCenter "vc01" is running
    And VM "kms-vm01" is locked
    And the event log shows "Virtual machine is locked because of a KMS cluster error." for VM "kms-vm01"
    And the KMS cluster "kms-prod" cannot be reached
    And VM "app01" is locked
    When the administrator unlocks VM "kms-vm01"
    Then the operation fails with "KMS cluster error"
    When 60 minutes pass
    Then VM "kms-vm01" is locked

  Scenario: A KMS on the encrypted vSAN datastore it unlocks does not come back after a full power cycle
    Given a VM "kms-vm01" running on host "esx02"
    And the KMS cluster "kms-prod" runs on VM "kms-vm01"
    And vSAN encryption is enabled on cluster "cl01"
    Then vCenter warns about a circular dependency for VM "kms-vm01"
    When the whole site loses power and comes back
    Then the disk groups of host "esx01" are not mounted
    And the disk groups of host "esx02" are not mounted
    And the vSAN datastore of cluster "cl01" is not accessible
    And VM "kms-vm01" is powered off
    And the KMS cluster "kms-prod" cannot be reached
    And VM "app01" is locked
    When 60 minutes pass
    Then the disk groups of host "esx01" are not mounted

  Scenario: A KMS in an unencrypted management cluster brings an encrypted vSAN cluster back after a full power cycle
    Given a cluster "mgmt" with hosts "esx10"
    And a VM "kms-vm01" running on host "esx10"
    And the KMS cluster "kms-prod" runs on VM "kms-vm01"
    And vSAN encryption is enabled on cluster "cl01"
    Then vCenter does not warn about a circular dependency for VM "kms-vm01"
    When the whole site loses power and comes back
    Then VM "kms-vm01" is running
    And the disk groups of host "esx01" are mounted
    And the disk groups of host "esx02" are mounted
    And VM "app01" is unlocked
    When the administrator powers on VM "app01"
    Then the data of VM "app01" reads back intact

  Scenario: An encrypted DNS server that resolves the KMS hostname deadlocks the site; another name resolution recovers it
    Given a VM "dns01" powered off on host "esx02"
    When the administrator encrypts VM "dns01"
    And the administrator powers on VM "dns01"
    Given VM "dns01" is the DNS server that resolves the KMS hostname
    When the whole site loses power and comes back
    Then the KMS cluster "kms-prod" cannot be reached
    And VM "dns01" is locked
    And VM "app01" is locked
    When the KMS hostname is resolved without VM "dns01"
    And the administrator unlocks VM "dns01"
    And the administrator unlocks VM "app01"
    Then VM "dns01" is unlocked
    And VM "app01" is unlocked
    When the administrator powers on VM "dns01"
    Then the data of VM "dns01" reads back intact
