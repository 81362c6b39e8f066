@vsphere
Feature: vSAN encryption: each host fetches the cluster's key from the KMS itself and mounts its disk groups only then
  VSPHERE-MODEL.md, vSAN encryption, and field failure 3 (vSAN disk groups not mounted after a reboot): one KEK and a
  host key per cluster from the KMS, a DEK per disk group wrapped with the KEK. After a reboot the host itself (not
  vCenter) fetches the KEK, so hosts need network access to the KMS (seed 001).

  Background:
    Given a KMS cluster "kms-prod"
    And vCenter "vc01" trusts the KMS cluster "kms-prod"
    And a cluster "cl01" with hosts "esx01, esx02, esx03"
    And vSAN encryption is enabled on cluster "cl01"
    And a VM "web01" running on host "esx01"

  Scenario: Enabling vSAN encryption makes the cluster's key on the KMS and every host mounts its disk groups
    Then the disk groups of host "esx01" are mounted
    And the disk groups of host "esx02" are mounted
    And the disk groups of host "esx03" are mounted
    And the KMS holds the vSAN key of cluster "cl01" in state "Active"
    And the event log shows "harness.vsan.EncryptionEnabled" for cluster "cl01"
    And the vSAN datastore of cluster "cl01" is accessible
    And the data of VM "web01" reads back intact

  Scenario: A host that reboots while the KMS is reachable fetches the key and mounts its disk groups
    When host "esx01" reboots
    Then the disk groups of host "esx01" are mounted
    And the event log shows "harness.vsan.DiskGroupsMounted" for host "esx01"

  Scenario: A host that reboots while the KMS is unreachable does not mount its disk groups until it can fetch the key
    When the KMS cluster "kms-prod" becomes unreachable
    And host "esx01" reboots
    Then the disk groups of host "esx01" are not mounted
    And the disk groups of host "esx02" are mounted
    And the event log shows "vsan.health.test.encryption.kmsconnection.event" for host "esx01"
    And the vSAN datastore of cluster "cl01" is accessible
    When a minute passes
    Then the disk groups of host "esx01" are not mounted
    When the KMS cluster "kms-prod" is reachable again
    And a minute passes
    Then the disk groups of host "esx01" are mounted

  Scenario: Hosts fetch the vSAN key themselves: their disk groups mount after a reboot even with vCenter lost
    When vCenter "vc01" is lost
    And host "esx01" reboots
    Then the disk groups of host "esx01" are mounted

  Scenario: When every host restarts while the KMS is unreachable the vSAN datastore is not accessible and its VMs cannot be read
    When the KMS cluster "kms-prod" becomes unreachable
    And all hosts of cluster "cl01" reboot
    Then the disk groups of host "esx01" are not mounted
    And the disk groups of host "esx02" are not mounted
    And the disk groups of host "esx03" are not mounted
    And the vSAN datastore of cluster "cl01" is not accessible
    And the data of VM "web01" cannot be decrypted
    When the administrator powers on VM "web01"
    Then the operation fails with "not accessible"
    When the KMS cluster "kms-prod" is reachable again
    And a minute passes
    Then the disk groups of host "esx01" are mounted
    And the vSAN datastore of cluster "cl01" is accessible
    When the administrator powers on VM "web01"
    Then VM "web01" is running
    And the data of VM "web01" reads back intact

  Scenario: With key persistence a host mounts its disk groups after a reboot without the KMS
    Given key persistence is enabled on host "esx01"
    When the KMS cluster "kms-prod" becomes unreachable
    And host "esx01" reboots
    Then the disk groups of host "esx01" are mounted

  Scenario: A shallow rekey of vSAN encryption gives the cluster a new key, the old one stays on the KMS, and hosts mount with the new one
    When the administrator rekeys the vSAN encryption of cluster "cl01"
    Then the KMS still holds the previous vSAN key of cluster "cl01" in state "Active"
    And the KMS holds the vSAN key of cluster "cl01" in state "Active"
    When all hosts of cluster "cl01" reboot
    Then the disk groups of host "esx01" are mounted
    And the disk groups of host "esx02" are mounted
    And the data of VM "web01" reads back intact

  Scenario: A deep rekey of vSAN encryption re-encrypts the disk groups under new data keys; they still mount after a reboot
    When the administrator deep rekeys the vSAN encryption of cluster "cl01"
    And all hosts of cluster "cl01" reboot
    Then the disk groups of host "esx01" are mounted
    And the disk groups of host "esx03" are mounted
    And the KMS still holds the previous vSAN key of cluster "cl01" in state "Active"

  Scenario: vSAN encryption cannot be rekeyed while a host's disk groups are not mounted
    When the KMS cluster "kms-prod" becomes unreachable
    And host "esx02" reboots
    And the KMS cluster "kms-prod" is reachable again
    And the administrator rekeys the vSAN encryption of cluster "cl01"
    Then the operation fails with "not mounted"
