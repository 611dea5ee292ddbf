"""Jobs sent by name: what the conversations and the commands ask the background workers to do.

The senders need neither the actors nor their modules (bot/ does not import workers/): a
message names its actor and queue, and whichever worker process declared that actor runs it.
The actors take their names and queues from here, so the two cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass

import dramatiq


@dataclass(frozen=True)
class Job:
    """A dramatiq actor by name and queue."""

    actor: str
    queue: str

    def send(self, *args: object) -> None:
        """Enqueue one run with positional arguments (ids: jobs read the rest from rows)."""
        broker = dramatiq.get_broker()
        broker.declare_queue(self.queue)
        broker.enqueue(
            dramatiq.Message(
                queue_name=self.queue, actor_name=self.actor, args=args, kwargs={}, options={}
            )
        )


CROSSCHECK_APPLICATION = Job("crosscheck_application", "crosscheck")
CROSSCHECK_OPEN = Job("crosscheck_open", "crosscheck")
DELIVER_NOTIFICATION = Job("deliver_notification", "notifications")
IMPORT_UPLOAD = Job("import_upload", "imports")
# IMPORT_UPLOAD's file id for an export already on the server (uploaded on the staff console to
# `db.imports.monitoring.upload_path`) instead of a Telegram file id to download.
ON_SERVER = ""
START_BROADCAST = Job("start_broadcast", "broadcasts")
