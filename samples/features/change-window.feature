@change-window
Feature: A host reboot in a change window: the team's change tickets beside Harness's vSphere steps
  The change-ticket phrases come from Contoso.ChangeSteps (a Reqnroll step library of the team's own); the vSphere
  and KMS phrases from Harness.Steps. Both run in the same scenario.

  Background:
    Given a KMS cluster "kms-prod"
    And vCenter "vc01" trusts the KMS cluster "kms-prod"
    And a cluster "cl01" with hosts "esx01, esx02"
    And an encrypted VM "app01" running on host "esx01"

  Scenario: An approved reboot with the KMS reachable closes its ticket
    Given change ticket "CHG-1001" is approved
    When host "esx01" reboots
    Then VM "app01" is unlocked
    And VM "app01" has no active alarm
    When the operator closes change ticket "CHG-1001" with notes:
      | note                                 |
      | esx01 rebooted, got its keys back    |
      | app01 unlocked, no alarm             |
    Then change ticket "CHG-1001" is closed
    And the last change ticket has 2 notes

  Scenario: A reboot while the KMS is down locks the VM until the KMS is back
    Given change ticket "CHG-1002" is approved
    When the KMS cluster "kms-prod" becomes unreachable
    And host "esx01" reboots
    Then VM "app01" is locked
    When the KMS cluster "kms-prod" is reachable again
    And the administrator re-registers VM "app01"
    Then VM "app01" is unlocked
    When the operator closes change ticket "CHG-1002" with notes:
      | note                                    |
      | app01 locked until the KMS came back    |
    Then change ticket "CHG-1002" is closed
