"""Central's tables: the terminal registry, what terminals sent (sealed as received), what was refused.

Central keeps each envelope exactly as the terminal sealed it: the personal content stays
encrypted to central's key at rest, and the terminal's signature stays verifiable. The
columns beside it hold only what ops query by, none of it personal.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Column, Float, Index, Integer, LargeBinary, MetaData, String, Table

metadata = MetaData()

terminals = Table(
    "terminals", metadata,
    Column("id", String(12), primary_key=True),
    Column("certificate", String, nullable=False),  # PEM; its key verifies the terminal's envelopes
    Column("hall", String, nullable=False, server_default=""),
    Column("registered_at", String, nullable=False),
    Column("first_seen", String, nullable=True),
    Column("last_seen", String, nullable=True),
    Column("revoked_at", String, nullable=True),
    Column("revoked_reason", String, nullable=True),
    Column("site", String(16), nullable=False, server_default=""),  # hall | bank | village
    Column("location", String, nullable=False, server_default=""),
    Column("maintenance_since", String, nullable=True),  # set: being serviced, no alerts
    Column("maintenance_by", String, nullable=True),
    Column("retired_at", String, nullable=True),  # set: decommissioned for good (revoked too)
    Column("retired_reason", String, nullable=True),
)

enrollment_tokens = Table(
    "enrollment_tokens", metadata,
    Column("digest", String(64), primary_key=True),  # SHA-256 of the token: the token itself is never stored
    Column("hall", String, nullable=False),
    Column("site", String(16), nullable=False),
    Column("prefix", String(4), nullable=False),  # terminal ids for this hall: prefix + number
    Column("location", String, nullable=False, server_default=""),
    Column("created_at", String, nullable=False),
    Column("expires_at", String, nullable=False),
    Column("used_at", String, nullable=True),
    Column("used_by", String(12), nullable=True),
    Column("terminal", String(12), nullable=True),  # set: a re-enrollment token for this registered terminal only
)

messages = Table(
    "messages", metadata,
    Column("id", String(64), primary_key=True),  # the message id: a second copy is a duplicate
    Column("terminal", String(12), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("kind", String(16), nullable=False),
    Column("created", String, nullable=False),  # the terminal's wall time
    Column("received_at", String, nullable=False),
    Column("item", String, nullable=True),  # applications: the item or bundle code
    Column("number", String, nullable=True),  # applications: the receipt number
    Column("catalog_version", String, nullable=True),
    Column("application_id", String(64), nullable=True),  # ratings and help requests
    Column("level", Integer, nullable=True),  # ratings: 1 非常不满意 … 5 非常满意
    Column("envelope", LargeBinary, nullable=False),  # the exact bytes the terminal sealed
    Column("proof_digest", LargeBinary(32), nullable=True),  # protocol v2: its bundle's proof, a row of ``proofs``
    Column("holder", String(64), nullable=True),  # applications: the holder's blind index (progress.py)
    Index("ix_messages_terminal_seq", "terminal", "seq"),
    Index("ix_messages_kind_level", "kind", "level"),
    Index("ix_messages_received_at", "received_at"),
    Index("ix_messages_number", "number"),
    Index("ix_messages_holder", "holder"),
)

proofs = Table(  # protocol v2: a bundle's signature and hash list (uplink_v2.py), stored once for its envelopes
    "proofs", metadata,
    Column("digest", LargeBinary(32), primary_key=True),  # SHA-256 of the proof: a resent bundle finds its row
    Column("proof", LargeBinary, nullable=False),
)

rejected = Table(
    "rejected", metadata,
    Column("n", Integer, primary_key=True, autoincrement=True),
    Column("terminal", String(12), nullable=True),
    Column("seq", Integer, nullable=True),  # set when the envelope's signature verified
    Column("message_id", String(64), nullable=True),
    Column("reason", String, nullable=False),
    Column("at", String, nullable=False),
    Index("ix_rejected_terminal_seq", "terminal", "seq"),
)

fleet_status = Table(
    "fleet_status", metadata,
    Column("terminal", String(12), primary_key=True),
    Column("hall", String, nullable=False, server_default=""),
    Column("site", String(16), nullable=False, server_default=""),
    Column("state", String(16), nullable=False),  # online | degraded | offline | maintenance | revoked
    Column("reasons", String, nullable=False),  # JSON list of sentences for ops
    Column("last_heartbeat", String, nullable=True),
    Column("backlog", Integer, nullable=True),
    Column("oldest_unsynced_s", Float, nullable=True),
    Column("changed_at", String, nullable=False),  # when the state or its reasons last changed
    Column("written_at", String, nullable=False),
)

fleet_alerts = Table(
    "fleet_alerts", metadata,
    Column("rule", String(32), primary_key=True),
    Column("terminal", String(12), primary_key=True),
    Column("opened_at", String, primary_key=True),
    Column("severity", String(16), nullable=False),
    Column("state", String(16), nullable=False),  # open | acknowledged | resolved
    Column("acknowledged_by", String, nullable=True),
    Column("resolved_at", String, nullable=True),
    Column("resolved_by", String, nullable=True),
    Column("acknowledged_at", String, nullable=True),
)

fleet_history = Table(
    "fleet_history", metadata,
    Column("terminal", String(12), primary_key=True),
    Column("resolution", String(8), primary_key=True),  # minute: a row is an hour; hour: a row is a day
    Column("period_start", String, primary_key=True),
    Column("states", String, nullable=False),  # one state code per slot, "-" for no data
    Column("samples", String, nullable=False),  # JSON list: samples taken in each slot
    Column("available", String, nullable=False),  # JSON list: of those, how many could take applications
    Column("backlog", String, nullable=False),  # JSON list: the largest outbox backlog reported (null: none)
    Index("ix_fleet_history_period", "resolution", "period_start"),
)

help_handled = Table(
    "help_handled", metadata,
    Column("message_id", String(64), primary_key=True),  # a help request (messages.id)
    Column("handled_at", String, nullable=False),
    Column("handled_by", String, nullable=False),
)

ops_users = Table(
    "ops_users", metadata,
    Column("name", String(64), primary_key=True),
    Column("role", String(16), nullable=False),  # viewer | operator | admin
    Column("password_hash", String, nullable=False),  # scrypt$n$r$p$salt$key
    Column("created_at", String, nullable=False),
    Column("disabled_at", String, nullable=True),
)

ops_sessions = Table(
    "ops_sessions", metadata,
    Column("digest", String(64), primary_key=True),  # SHA-256 of the cookie's token: the token is never stored
    Column("user", String(64), nullable=False),
    Column("csrf", String(64), nullable=False),  # the token every action must carry
    Column("created_at", String, nullable=False),
    Column("expires_at", String, nullable=False),
    Index("ix_ops_sessions_user", "user"),
)

AUDIT_KEEP = timedelta(days=400)  # more than the year, plus margin, that reviews of ops actions look back
ops_audit = Table(
    "ops_audit", metadata,
    Column("n", Integer, primary_key=True, autoincrement=True),
    Column("at", String, nullable=False),
    Column("user", String(64), nullable=False),
    Column("action", String(32), nullable=False),  # login, logout, acknowledge, resolve, help_handled, …
    Column("target", String, nullable=False),  # rule/terminal, terminal, user name
    Column("outcome", String(32), nullable=False),  # ok | failed | gone | refused:csrf | refused:role
    Column("address", String(64), nullable=False),  # the client's address
    Index("ix_ops_audit_at", "at"),
    Index("ix_ops_audit_user_at", "user", "at"),  # a terminal's technician lines, an operator's lines
)

fleet_rollouts = Table(
    "fleet_rollouts", metadata,
    Column("id", String(32), primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("args", String, nullable=False),  # JSON object: bounded words and texts, no personal data
    Column("urgent", Integer, nullable=False),
    Column("target", String, nullable=False),  # what ops asked for: terminal:LC0001, hall:lc-center, site:bank, fleet
    Column("by", String(64), nullable=False),
    Column("created_at", String, nullable=False),
    Column("expires_at", String, nullable=False),  # every command of the rollout expires then
    Column("rate_per_min", Integer, nullable=False),  # commands released per minute (0: all at once)
    Column("abort_pct", Integer, nullable=False),  # abort when more than this share of targets fail (100: never)
    Column("state", String(16), nullable=False),  # running | completed | aborted
    Column("detail", String, nullable=False, server_default=""),
)

fleet_commands = Table(
    "fleet_commands", metadata,
    Column("id", String(32), primary_key=True),
    Column("rollout", String(32), nullable=False),
    Column("terminal", String(12), nullable=False),
    Column("seq", Integer, nullable=True),  # given when released: per terminal, increasing
    Column("status", String(16), nullable=False),  # scheduled | queued | delivered | running | succeeded | …
    Column("detail", String, nullable=False, server_default=""),
    Column("data", String, nullable=True),  # JSON: what the terminal reported (a diagnostics snapshot)
    Column("payload", LargeBinary, nullable=True),  # the signed command, sent as is on every (re)send
    Column("released_at", String, nullable=True),
    Column("sent_at", String, nullable=True),
    Column("updated_at", String, nullable=False),
    Index("ix_fleet_commands_rollout", "rollout", "status"),
    Index("ix_fleet_commands_terminal", "terminal", "status"),
    Index("ux_fleet_commands_terminal_seq", "terminal", "seq", unique=True),
)

application_status = Table(  # the back office's word on each application (none yet: it is received)
    "application_status", metadata,
    Column("application", String(64), primary_key=True),  # messages.id of the application
    Column("terminal", String(12), nullable=False),  # the terminal it came from: the change goes back there
    Column("number", String(32), nullable=False),  # its receipt number
    Column("state", String(24), nullable=False),  # domain.lifecycle.State
    Column("reason", String, nullable=False, server_default=""),  # told to the citizen: nothing personal
    Column("owed", String, nullable=False, server_default=""),  # materials owed (补齐), comma-separated ids
    Column("due", String(10), nullable=True),  # the last day to hand them in (working days from the calendar)
    Column("changed_at", String, nullable=False),
    Column("changed_by", String(64), nullable=False),
    Index("ux_application_status_number", "number", unique=True),
)

application_changes = Table(  # every change of state, in order: the progress query's dates
    "application_changes", metadata,
    Column("n", Integer, primary_key=True, autoincrement=True),
    Column("application", String(64), nullable=False),
    Column("event", String(24), nullable=False),  # domain.lifecycle.Event
    Column("state", String(24), nullable=False),
    Column("reason", String, nullable=False, server_default=""),
    Column("at", String, nullable=False),
    Column("by", String(64), nullable=False),
    Column("command", String(32), nullable=True),  # the signed command carrying it to the terminal
    Index("ix_application_changes_application", "application", "n"),
)

supplements = Table(  # 补齐 taken from any terminal: what the applicant supplied, and how (nothing personal)
    "supplements", metadata,
    Column("message", String(64), primary_key=True),  # messages.id of the supplement envelope
    Column("application", String(64), nullable=False),  # messages.id of the application it completes
    Column("number", String(32), nullable=False),  # the application's receipt number
    Column("terminal", String(12), nullable=False),  # where the applicant supplied it (any terminal)
    Column("at", String, nullable=False),  # when central took it
    Column("materials", String, nullable=False),  # material:way, comma-separated (declare | hand_in)
    Index("ix_supplements_application", "application"),
)

feedback_cases = Table(  # a 不满意 or 非常不满意 rating to follow up (实名差评100%回访) by its deadline
    "feedback_cases", metadata,
    Column("rating", String(64), primary_key=True),  # messages.id of the rating
    Column("terminal", String(12), nullable=False),
    Column("hall", String, nullable=False),
    Column("level", Integer, nullable=False),  # 1 非常不满意, 2 不满意
    Column("application", String(64), nullable=True),  # the rated application, when the rating names one
    Column("received_at", String, nullable=False),
    Column("due", String(10), nullable=False),  # the last day of the follow-up: working days from the calendar
    Column("closed_at", String, nullable=True),  # the 回访 that reached the citizen
    Index("ix_feedback_cases_open", "closed_at", "due"),
)

feedback_followups = Table(  # each 回访: who, when, how, what came of it
    "feedback_followups", metadata,
    Column("n", Integer, primary_key=True, autoincrement=True),
    Column("rating", String(64), nullable=False),
    Column("at", String, nullable=False),
    Column("by", String(64), nullable=False),
    Column("how", String(8), nullable=False),  # phone | sms | visit | letter
    Column("reached", Integer, nullable=False),  # 1: the citizen was reached (the case closes)
    Column("outcome", String, nullable=False),  # what was said or done, nothing more personal than needed
    Index("ix_feedback_followups_rating", "rating", "n"),
)

haochaping_sent = Table(  # the provincial 好差评 push: one row per record, sent once (central/platform/haochaping.py)
    "haochaping_sent", metadata,
    Column("n", Integer, primary_key=True, autoincrement=True),
    Column("record", String(140), nullable=False, unique=True),  # a rating's id, or "<rating id>:<n>" for a 回访
    Column("type", String(16), nullable=False),  # rating | follow_up
    Column("at", String, nullable=False),  # when central learnt of it (the next push looks from the newest on)
    Column("document", String, nullable=False),  # the JSON record as it is sent
    Column("attempts", Integer, nullable=False),
    Column("next_at", String, nullable=True),  # after a failed attempt: not before then
    Column("sent_at", String, nullable=True),  # the receiver confirmed it
    Column("last_error", String, nullable=True),
    Index("ix_haochaping_sent_unsent", "sent_at", "n"),
)

certificate_history = Table(
    "certificate_history", metadata,
    Column("terminal", String(12), nullable=False),
    Column("serial", String(40), nullable=False),  # hex, as the CA's index writes it
    Column("certificate", String, nullable=False),  # PEM: its key still verifies envelopes sealed before a rotation
    Column("replaced_at", String, nullable=False),
    Column("not_after", String, nullable=False),  # never trusted for verification past this
    Index("ix_certificate_history_terminal", "terminal"),
)
