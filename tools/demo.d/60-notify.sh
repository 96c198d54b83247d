# notify: every event reaches the business (or the customer, or a webhook).
# Delivered to a dir: transport here, so the demo needs no mail server.
say "notify: tell the business about an erasure, and deliver the outbox"
privacyctl init >/dev/null
privacyctl location show mitte >/dev/null 2>&1 ||
	privacyctl location add mitte --name "Salon Mitte" >/dev/null
privacyctl settings set mitte notify-email=team@salon-mitte.example >/dev/null
cat >"$DEMO/notify.yaml" <<YAML
mail:
  from: datenschutz@salon-mitte.example
YAML
note "An erasure record piped to notify becomes a mail to the location's"
note "notify-email, in the location's language, with the identifiers the"
note "business needs to find the customer in its other systems."
step sh -c "echo '{\"event\":\"erasure.completed\",\"location\":\"mitte\",\"request_id\":42,\"external_id\":\"K-1007\",\"email\":\"anna.schmidt@example.com\"}' |
	notify -c '$DEMO/notify.yaml' --transport 'dir:$DEMO/mail'"
step sh -c "cat '$DEMO'/mail/new/* | tr -d '\\r' | sed -n '/^Subject:/,/^[^ ]/p; /^\$/,\$p'"
note "Delivered events are scrubbed: the outbox keeps only ids."
step sqlite3 "$PRIVACY_DB" "SELECT id, type, status, payload FROM events"
note "A second run finds nothing to do (the cron job: notify --pending)."
step notify -c "$DEMO/notify.yaml" --transport "dir:$DEMO/mail" --pending
