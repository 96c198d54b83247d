/*
 * schema.c - the numbered migrations.  Migration N brings a database from
 * user_version N-1 to N.  Until the first release, migration 1 is the whole
 * schema and may still be edited; after it, only new migrations are added.
 */
#include "schema.h"

static const char m1[] =
	"CREATE TABLE meta (\n"
	"  key TEXT PRIMARY KEY,\n"
	"  value TEXT NOT NULL\n"
	") STRICT;\n"

	"CREATE TABLE locations (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  slug TEXT NOT NULL UNIQUE,\n"
	"  name TEXT NOT NULL,\n"
	"  timezone TEXT NOT NULL DEFAULT 'Europe/Berlin',\n"
	"  holidays TEXT NOT NULL DEFAULT 'DE',\n"
	"  created_at TEXT NOT NULL\n"
	") STRICT;\n"

	"CREATE TABLE settings (\n"
	"  location_id INTEGER PRIMARY KEY\n"
	"    REFERENCES locations(id) ON DELETE CASCADE,\n"
	"  requests TEXT NOT NULL DEFAULT 'manual'\n"
	"    CHECK (requests IN ('self-service', 'manual')),\n"
	"  marketing TEXT NOT NULL DEFAULT 'off'\n"
	"    CHECK (marketing IN ('on', 'off')),\n"
	"  notify_email TEXT,\n"
	"  notify_webhook TEXT,\n"
	"  language TEXT NOT NULL DEFAULT 'de' CHECK (language IN ('de', 'en'))\n"
	") STRICT;\n"

	"CREATE TABLE customers (\n"
	/* AUTOINCREMENT: the id of an erased customer is never given to
	 * another one (the audit log, events and requests name ids) */
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,\n"
	"  location_id INTEGER NOT NULL REFERENCES locations(id),\n"
	"  external_id TEXT NOT NULL,\n"
	"  first_name TEXT,\n"
	"  last_name TEXT,\n"
	"  email TEXT COLLATE NOCASE,\n"
	"  phone TEXT,\n"
	"  birth_date TEXT,\n"
	"  street TEXT,\n"
	"  postal_code TEXT,\n"
	"  city TEXT,\n"
	"  country TEXT,\n"
	"  notes TEXT,\n"
	"  legal_hold TEXT,\n" /* the reason, NULL when there is none */
	/* restriction of processing (Art. 18) and objection to direct
	 * marketing (Art. 21(2)) granted on a request: when, NULL when not;
	 * either keeps the customer out of every audience and campaign */
	"  restricted_at TEXT,\n"
	"  objected_at TEXT,\n"
	/* the booking system's customer-since date (YYYY-MM-DD) */
	"  customer_since TEXT,\n"
	/* inactive cleanup: when the deletion notice went out, and the
	 * day it announced (privacyctl customer notice) */
	"  inactive_notice_at TEXT,\n"
	"  inactive_erase_on TEXT,\n"
	"  created_at TEXT NOT NULL,\n"
	"  updated_at TEXT NOT NULL,\n"
	"  UNIQUE (location_id, external_id)\n"
	") STRICT;\n"
	"CREATE INDEX customers_email ON customers(email);\n"

	"CREATE TABLE appointments (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  location_id INTEGER NOT NULL REFERENCES locations(id),\n"
	"  customer_id INTEGER REFERENCES customers(id),\n"
	"  external_id TEXT NOT NULL,\n"
	"  starts_at TEXT NOT NULL,\n"
	"  service TEXT,\n"
	"  staff TEXT,\n"
	"  price_cents INTEGER,\n"
	"  notes TEXT,\n"
	/* held past its retention end (a running tax audit): the reason */
	"  hold_reason TEXT,\n"
	"  UNIQUE (location_id, external_id)\n"
	") STRICT;\n"
	"CREATE INDEX appointments_customer ON appointments(customer_id, starts_at);\n"

	/* Custom fields of the booking system (a mapping's custom columns:
	 * colour formula, skin type, allergies), per customer and per
	 * appointment.  They go with their row: deleted with it (erasure,
	 * purge), and an appointment anonymised loses them too. */
	"CREATE TABLE customer_attributes (\n"
	"  customer_id INTEGER NOT NULL REFERENCES customers(id)\n"
	"    ON DELETE CASCADE,\n"
	"  name TEXT NOT NULL,\n"
	"  value TEXT NOT NULL,\n"
	"  PRIMARY KEY (customer_id, name)\n"
	") STRICT, WITHOUT ROWID;\n"
	"CREATE TABLE appointment_attributes (\n"
	"  appointment_id INTEGER NOT NULL REFERENCES appointments(id)\n"
	"    ON DELETE CASCADE,\n"
	"  name TEXT NOT NULL,\n"
	"  value TEXT NOT NULL,\n"
	"  PRIMARY KEY (appointment_id, name)\n"
	") STRICT, WITHOUT ROWID;\n"
	"CREATE TRIGGER appointment_attributes_anonymised AFTER UPDATE OF\n"
	"  customer_id ON appointments WHEN NEW.customer_id IS NULL BEGIN\n"
	"  DELETE FROM appointment_attributes WHERE appointment_id = NEW.id;\n"
	"END;\n"

	"CREATE TABLE invoices (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  location_id INTEGER NOT NULL REFERENCES locations(id),\n"
	"  customer_id INTEGER REFERENCES customers(id),\n"
	"  number TEXT NOT NULL,\n"
	"  issued_on TEXT NOT NULL,\n"
	"  total_cents INTEGER NOT NULL,\n"
	"  currency TEXT NOT NULL DEFAULT 'EUR',\n"
	"  billing_name TEXT,\n"
	"  billing_address TEXT,\n"
	"  hold_reason TEXT,\n"
	"  UNIQUE (location_id, number)\n"
	") STRICT;\n"
	"CREATE INDEX invoices_customer ON invoices(customer_id);\n"

	/* The texts people agree to, archived once each (consent.h): the
	 * campaign mails as templates, before personalisation, per language,
	 * and the forms' consent wording.  Never personal data; kept when
	 * the people who agreed to them are erased. */
	"CREATE TABLE consent_texts (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  name TEXT NOT NULL,\n"
	"  language TEXT NOT NULL,\n"
	"  version INTEGER NOT NULL,\n"
	"  subject TEXT,\n"
	"  body TEXT NOT NULL,\n"
	"  sha256 TEXT NOT NULL,\n"
	"  created_at TEXT NOT NULL,\n"
	"  UNIQUE (name, language, version),\n"
	"  UNIQUE (name, language, sha256)\n"
	") STRICT;\n"
	"CREATE TRIGGER consent_texts_immutable BEFORE UPDATE ON consent_texts\n"
	"BEGIN SELECT RAISE(ABORT, 'an archived consent text never changes'); END;\n"

	/* The ledger is append-only: rows are inserted, never updated; they
	 * are deleted only by an erasure of their customer. */
	"CREATE TABLE consents (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  customer_id INTEGER NOT NULL REFERENCES customers(id),\n"
	"  purpose TEXT NOT NULL\n"
	"    CHECK (purpose IN ('marketing-email', 'marketing-sms')),\n"
	/* The CHECKs of rows written in bulk compare with = : an IN list
	 * of three or more values makes SQLite build an ephemeral index
	 * on every execution of the INSERT (a third of the instructions of
	 * an import with marketing columns, bench/RESULTS.md). */
	"  event TEXT NOT NULL CHECK (event = 'granted' OR\n"
	"    event = 'confirmed' OR event = 'declined' OR\n"
	"    event = 'withdrawn' OR event = 'expired'),\n"
	"  at TEXT NOT NULL,\n"
	"  source TEXT NOT NULL,\n"
	"  evidence_ip TEXT,\n"
	"  evidence_user_agent TEXT,\n"
	"  text_version TEXT,\n"
	"  text_id INTEGER REFERENCES consent_texts(id),\n" /* the archived text */
	"  document TEXT,\n" /* a signed paper form's reference (source paper) */
	"  campaign TEXT,\n"
	"  recorded_at TEXT NOT NULL\n"
	") STRICT;\n"
	"CREATE INDEX consents_customer ON consents(customer_id, purpose, at);\n"
	"CREATE TRIGGER consents_append_only BEFORE UPDATE ON consents\n"
	"BEGIN SELECT RAISE(ABORT, 'the consent ledger is append-only'); END;\n"

	"CREATE TABLE requests (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  location_id INTEGER NOT NULL REFERENCES locations(id),\n"
	"  customer_id INTEGER REFERENCES customers(id),\n"
	"  type TEXT NOT NULL CHECK (type IN ('access', 'portability',\n"
	"    'erasure', 'rectification', 'restriction', 'objection')),\n"
	"  channel TEXT NOT NULL,\n"
	"  status TEXT NOT NULL CHECK (status IN ('unverified', 'received',\n"
	"    'verified', 'in-progress', 'completed', 'rejected', 'cancelled')),\n"
	"  received_at TEXT NOT NULL,\n"
	"  due_on TEXT NOT NULL,\n"
	"  extended_due_on TEXT,\n"
	"  extension_reason TEXT,\n"
	"  reject_reason TEXT,\n"
	"  note TEXT,\n"
	"  result TEXT,\n"
	"  error TEXT,\n"
	"  verify_hash TEXT,\n"
	"  verify_attempts INTEGER NOT NULL DEFAULT 0,\n"
	"  verify_expires_at TEXT,\n"
	"  verify_resends INTEGER NOT NULL DEFAULT 0,\n"
	/* how staff checked the identity instead of a code, as they wrote it */
	"  verified_by TEXT,\n"
	/* the customer withdrew the request (status cancelled) */
	"  cancel_reason TEXT,\n"
	/* the address that asked, kept only when it matched no customer
	 * (Art. 15 still wants an answer): the answer goes there */
	"  requester_email TEXT,\n"
	"  created_at TEXT NOT NULL,\n"
	"  updated_at TEXT NOT NULL\n"
	") STRICT;\n"
	"CREATE INDEX requests_customer ON requests(customer_id);\n"
	"CREATE INDEX requests_status ON requests(status, due_on);\n"
	/* the other customers of the address a request came by, at the
	 * controller's other locations (issue 14, J9): the request covers
	 * them too; a row goes with its customer when that is erased */
	"CREATE TABLE request_customers (\n"
	"  request_id INTEGER NOT NULL REFERENCES requests(id),\n"
	"  customer_id INTEGER NOT NULL REFERENCES customers(id)\n"
	"    ON DELETE CASCADE,\n"
	"  PRIMARY KEY (request_id, customer_id)\n"
	") STRICT;\n"
	"CREATE INDEX request_customers_customer ON "
	"request_customers(customer_id);\n"

	"CREATE TABLE request_history (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  request_id INTEGER NOT NULL REFERENCES requests(id),\n"
	"  at TEXT NOT NULL,\n"
	"  status TEXT NOT NULL,\n"
	"  note TEXT\n"
	") STRICT;\n"
	"CREATE INDEX request_history_request ON request_history(request_id);\n"

	/* a request's repeated findings (remind.h): what `check --new` last
	 * reported and when (key: event|status|due day), and staff's
	 * acknowledgement (for status|due day, until a day or NULL) */
	"CREATE TABLE reminders (\n"
	"  request_id INTEGER PRIMARY KEY,\n"
	"  key TEXT,\n"
	"  sent_on INTEGER,\n"
	"  ack_key TEXT,\n"
	"  ack_until INTEGER,\n"
	"  ack_reason TEXT,\n"
	"  ack_by TEXT\n" /* who acknowledged: the audit log's actor */
	") STRICT;\n"

	/* The outbox. */
	"CREATE TABLE events (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  type TEXT NOT NULL,\n"
	"  at TEXT NOT NULL,\n"
	"  location_id INTEGER REFERENCES locations(id),\n"
	"  customer_id INTEGER,\n" /* no FK: the customer may be erased */
	"  request_id INTEGER,\n"
	"  audience TEXT NOT NULL CHECK (audience IN ('business', 'customer')),\n"
	"  payload TEXT NOT NULL,\n"
	/* CHECKs of tables written per subject or message compare with
	 * '=': an IN list of three or more values is coded as an ephemeral
	 * table built on every INSERT (see consents) */
	"  status TEXT NOT NULL DEFAULT 'pending' CHECK (status = 'pending'\n"
	"    OR status = 'delivered' OR status = 'deferred'\n"
	"    OR status = 'failed'),\n"
	"  attempts INTEGER NOT NULL DEFAULT 0,\n"
	"  next_attempt_at TEXT,\n"
	"  last_reply TEXT,\n"
	"  delivered_at TEXT,\n"
	"  scrubbed INTEGER NOT NULL DEFAULT 0,\n"
	/* notify --retry: the give-up time counts from here */
	"  retried_at TEXT,\n"
	/* the bulk run that queued it (the id of the run's first event;
	 * NULL: an event of its own): notify tells a location's business
	 * of a run's erasures in one mail with the list attached */
	"  run INTEGER\n"
	") STRICT;\n"
	"CREATE INDEX events_status ON events(status, next_attempt_at);\n"
	/* an erasure purges the replies kept for its customer (erase.c) */
	"CREATE INDEX events_customer ON events(customer_id);\n"
	/* One row per event and channel that notify has tried: an event for
	 * the business may go by e-mail and to a webhook, each with its own
	 * state; events.status is their sum.  No addresses are kept here. */
	"CREATE TABLE deliveries (\n"
	"  event_id INTEGER NOT NULL REFERENCES events(id) ON DELETE CASCADE,\n"
	"  channel TEXT NOT NULL CHECK (channel IN ('email', 'webhook')),\n"
	"  status TEXT NOT NULL CHECK (status = 'pending'\n"
	"    OR status = 'delivered' OR status = 'deferred'\n"
	"    OR status = 'failed'),\n"
	"  attempts INTEGER NOT NULL DEFAULT 0,\n"
	"  next_attempt_at TEXT,\n"
	"  last_reply TEXT,\n"
	"  delivered_at TEXT,\n"
	/* e-mail: the Message-ID of the first attempt, kept for every
	 * retry, so that a receiver can drop a copy sent again after its
	 * answer was lost */
	"  message_id TEXT,\n"
	"  PRIMARY KEY (event_id, channel)\n"
	") STRICT, WITHOUT ROWID;\n"

	"CREATE TABLE audit (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  at TEXT NOT NULL,\n"
	"  actor TEXT NOT NULL,\n"
	"  action TEXT NOT NULL,\n"
	"  object TEXT,\n"
	"  detail TEXT,\n"
	"  prev_hash TEXT NOT NULL,\n"
	"  hash TEXT NOT NULL\n"
	") STRICT;\n"
	"CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit\n"
	"BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;\n"
	"CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit\n"
	"BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;\n"

	"CREATE TABLE tombstones (\n"
	"  hash TEXT PRIMARY KEY,\n"
	"  kind TEXT NOT NULL CHECK (kind = 'external_id' OR kind = 'email'\n"
	"    OR kind = 'phone'),\n"
	"  created_at TEXT NOT NULL\n"
	") STRICT, WITHOUT ROWID;\n"
	/* blocks lifted by staff (privacyctl customer unblock): the hash
	 * of the external id that may come back, and why */
	"CREATE TABLE tombstone_lifts (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  hash TEXT NOT NULL,\n"
	"  reason TEXT NOT NULL,\n"
	"  lifted_at TEXT NOT NULL\n"
	") STRICT;\n"

	/* consent-send's campaigns and their send journal.  A message row
	 * holds no personal data: the address is read from the customer at
	 * send time; the tokens are stored only as their SHA-256 (token.h). */
	"CREATE TABLE campaigns (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  name TEXT NOT NULL UNIQUE,\n"
	"  kind TEXT NOT NULL CHECK (kind IN ('repermission', 'double-opt-in')),\n"
	"  location_id INTEGER REFERENCES locations(id),\n" /* NULL: all */
	"  created_at TEXT NOT NULL\n"
	") STRICT;\n"
	"CREATE TABLE campaign_messages (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  campaign_id INTEGER NOT NULL REFERENCES campaigns(id),\n"
	"  customer_id INTEGER NOT NULL,\n" /* no FK: the customer may be erased */
	"  purposes TEXT NOT NULL,\n"        /* "marketing-email,marketing-sms" */
	"  status TEXT NOT NULL DEFAULT 'queued' CHECK (status = 'queued'\n"
	"    OR status = 'sending' OR status = 'sent' OR status = 'deferred'\n"
	"    OR status = 'failed' OR status = 'cancelled'),\n"
	"  message_id TEXT NOT NULL UNIQUE,\n"
	/* the confirm token's SHA-256, and the decline token's (token.h) */
	"  token_hash TEXT NOT NULL UNIQUE,\n"
	"  decline_token_hash TEXT UNIQUE,\n"
	"  token_expires_at TEXT,\n"
	"  text_hash TEXT,\n"
	"  text_id INTEGER REFERENCES consent_texts(id),\n"
	"  attempts INTEGER NOT NULL DEFAULT 0,\n"
	"  next_attempt_at TEXT,\n"
	"  last_reply TEXT,\n"
	"  queued_at TEXT NOT NULL,\n"
	"  sent_at TEXT,\n"
	"  answer TEXT CHECK (answer = 'confirmed' OR answer = 'declined'\n"
	"    OR answer = 'expired'),\n"
	"  answered_at TEXT,\n"
	"  UNIQUE (campaign_id, customer_id)\n"
	") STRICT;\n"
	"CREATE INDEX campaign_messages_status ON campaign_messages(campaign_id,\n"
	"  status);\n"
	"CREATE INDEX campaign_messages_customer ON campaign_messages(\n"
	"  customer_id);\n"
	"CREATE INDEX campaign_messages_open ON campaign_messages(answer,\n"
	"  token_expires_at);\n"

	/* privacy-web's rate limits: hits per client address and bucket
	 * in the current hour, keyed by an HMAC (web key) of the bucket and
	 * the address, so that no address is stored (web.h). */
	"CREATE TABLE web_limits (\n"
	"  key TEXT PRIMARY KEY,\n"
	"  window_start TEXT NOT NULL,\n"
	"  hits INTEGER NOT NULL\n"
	") STRICT, WITHOUT ROWID;\n"

	/* privacy-web's export download (export.delivery: link, web.h):
	 * the keyed hash of the code that verified the request on the web,
	 * then the document under the hash of its link token until the
	 * link expires.  Deleted with the customer. */
	"CREATE TABLE web_exports (\n"
	"  request_id INTEGER PRIMARY KEY REFERENCES requests(id),\n"
	"  customer_id INTEGER NOT NULL,\n"
	"  code_hash TEXT NOT NULL,\n"
	"  token_hash TEXT UNIQUE,\n"
	"  document TEXT,\n"
	"  expires_at TEXT,\n"
	"  attempts INTEGER NOT NULL DEFAULT 0,\n"
	"  created_at TEXT NOT NULL\n"
	") STRICT;\n"
	"CREATE TRIGGER web_exports_erased AFTER DELETE ON customers\n"
	"BEGIN DELETE FROM web_exports WHERE customer_id = old.id; END;\n"

	/* Records kept after an erasure under a legal duty, restricted. */
	"CREATE TABLE retained (\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  location_id INTEGER NOT NULL REFERENCES locations(id),\n"
	"  kind TEXT NOT NULL,\n"         /* the policy rule: "invoices" */
	"  record_key TEXT NOT NULL,\n"   /* e.g. the invoice number */
	"  record_date TEXT NOT NULL,\n"
	"  data TEXT NOT NULL,\n"         /* JSON of the kept fields */
	"  basis TEXT NOT NULL,\n"
	"  retain_until TEXT NOT NULL,\n"
	"  request_id INTEGER,\n"
	/* keyed hash of the erased customer's external id (tombstone key),
	 * so that a later access request can find what is still held */
	"  subject_ref TEXT,\n"
	/* the same for the e-mail address: a request by address from an
	 * erased person learns what is still kept (J8) */
	"  email_ref TEXT,\n"
	"  hold_reason TEXT,\n"
	"  created_at TEXT NOT NULL\n"
	") STRICT;\n"
	"CREATE INDEX retained_until ON retained(retain_until);\n"
	"CREATE INDEX retained_subject ON retained(subject_ref);\n"
	"CREATE INDEX retained_email ON retained(email_ref);\n";

const char *const pv_migrations[] = {m1};
const int pv_nmigrations = sizeof pv_migrations / sizeof pv_migrations[0];
