#!/usr/bin/env bash
# An --admin-command for `./harness certify` when the KMS under test is a Harness KMS (`./harness serve --admin ...`),
# and an example for vendors of what such a script does. Harness calls it as:
#   SCRIPT ACTION KEY_ID        ACTION: deactivate | reactivate | restore | delete-root-key (KEY_ID is then "-")
# with HARNESS_KMS_HOST / HARNESS_KMS_PORT naming the KMS. Exit 0 when the action is done; anything else fails the
# scenario step with this script's output. This one needs HARNESS_ADMIN_URL (e.g. http://127.0.0.1:5697/) and
# HARNESS_ADMIN_TOKEN_FILE (the server's data/admin.token).
set -euo pipefail
action="${1:?usage: $0 ACTION KEY_ID}"
key="${2:?usage: $0 ACTION KEY_ID}"
url="${HARNESS_ADMIN_URL:?set HARNESS_ADMIN_URL to the Harness KMS admin interface}"
token="$(cat "${HARNESS_ADMIN_TOKEN_FILE:?set HARNESS_ADMIN_TOKEN_FILE to the admin.token file of the server}")"
case "$action" in
  deactivate|reactivate|restore) path="objects/$key/$action" ;;
  delete-root-key) path="root-key/delete" ;;
  *) echo "unknown action \"$action\" (deactivate, reactivate, restore, delete-root-key)" >&2; exit 2 ;;
esac
curl -sS --fail-with-body --max-time 20 -X POST -H "Authorization: Bearer $token" "${url%/}/$path"
echo
