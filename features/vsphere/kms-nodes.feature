@vsphere @postgres
Feature: A KMS cluster of nodes on one PostgreSQL database loses a node and nothing locks
  vCenter's key provider lists several KMS servers that "must replicate keys" (seed 001). Here each server is a real
  Harness KMS process and all of them share one PostgreSQL database: a key made through one node is served by every
  other, a change made through one is seen by the next request to another, and a killed node (kill -9) costs nothing
  while another one answers.

  Background:
    Given a KMS cluster "kms-prod" with 3 nodes sharing one PostgreSQL database
    And vCenter "vc01" trusts the KMS cluster "kms-prod"
    And a cluster "cl01" with hosts "esx01, esx02"
    And an encrypted VM "app01" running on host "esx01"

  Scenario: With the node vCenter asks first killed, a rebooted host gets its keys from another node
    When KMS node 1 of cluster "kms-prod" is killed
    And host "esx01" reboots
    Then VM "app01" is unlocked
    And host "esx01" has the key of VM "app01"
    And the data of VM "app01" reads back intact

  Scenario: A key made through one node is served by the others once that node is killed
    Given a VM "web01" powered off on host "esx02"
    When the administrator encrypts VM "web01"
    And KMS node 1 of cluster "kms-prod" is killed
    Then every key the KMS cluster "kms-prod" acknowledged is still served
    When host "esx02" reboots
    And the administrator powers on VM "web01"
    Then VM "web01" is unlocked
    And host "esx02" has the key of VM "web01"
    And the data of VM "web01" reads back intact

  Scenario: A key deactivated through one node is missing on the others at once
    When the KMS administrator deactivates the key of VM "app01"
    And KMS node 1 of cluster "kms-prod" is killed
    And host "esx01" reboots
    Then VM "app01" is locked
    And the event log shows "Virtual machine is locked because keys are missing on KMS cluster." for VM "app01"
    When KMS node 1 of cluster "kms-prod" is restarted
    And the KMS administrator reactivates the key of VM "app01"
    And the administrator unlocks VM "app01"
    Then VM "app01" is unlocked

  Scenario: With every node killed a rebooted host's VMs lock; one node restarted is enough to unlock them
    When KMS node 1 of cluster "kms-prod" is killed
    And KMS node 2 of cluster "kms-prod" is killed
    And KMS node 3 of cluster "kms-prod" is killed
    And host "esx01" reboots
    Then VM "app01" is locked
    And the event log shows "Virtual machine is locked because of a KMS cluster error." for VM "app01"
    And vCenter "vc01" shows the KMS cluster "kms-prod" as "red"
    When KMS node 3 of cluster "kms-prod" is restarted
    And the administrator unlocks VM "app01"
    Then VM "app01" is unlocked
    And vCenter "vc01" shows the KMS cluster "kms-prod" as "yellow"
