@vsphere
Feature: One KMS server of a cluster down does not lock anything
  vCenter tries the servers of a key provider in turn (field failure 12).

  Background:
    Given a KMS cluster "kms-ha" with 2 servers
    And vCenter "vc01" trusts the KMS cluster "kms-ha"
    And a cluster "cl01" with hosts "esx01, esx02"
    And an encrypted VM "app01" running on host "esx01"
  @certification
  Scenario: With one of two KMS servers down, a host reboot still gets its keys
    When KMS server 1 of cluster "kms-ha" goes down
    And host "esx01" reboots
    Then VM "app01" is unlocked
    And host "esx01" has the key of VM "app01"

  Scenario: New VMs can still be encrypted when one of two KMS servers is down
    Given a VM "web01" powered off on host "esx02"
    When KMS server 1 of cluster "kms-ha" goes down
    And the administrator encrypts VM "web01"
    Then the KMS holds the key of VM "web01" in state "Active"
    And host "esx02" has the key of VM "web01"

  Scenario: With one of two KMS servers down, the hosts of an encrypted vSAN cluster still mount their disk groups
    Given vSAN encryption is enabled on cluster "cl01"
    When KMS server 1 of cluster "kms-ha" goes down
    And host "esx01" reboots
    Then the disk groups of host "esx01" are mounted
    And VM "app01" is unlocked
  @certification
  Scenario: With both KMS servers down a rebooted host's VMs lock; one server back is enough to unlock them
    When KMS server 1 of cluster "kms-ha" goes down
    And KMS server 2 of cluster "kms-ha" goes down
    And host "esx01" reboots
    Then VM "app01" is locked
    And the event log shows "Virtual machine is locked because of a KMS cluster error." for VM "app01"
    When KMS server 2 of cluster "kms-ha" is back
    And the administrator unlocks VM "app01"
    Then VM "app01" is unlocked
