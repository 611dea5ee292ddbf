"""The module `wugong worker` hands to dramatiq: the broker from the settings, every actor, and
the runtime with the senders of the configured channels (each worker process imports it)."""

import os

from common.broker import setup_broker
from common.runtime import start
from common.settings import get_settings
from workers import context, declare_actors
from wugong.senders import register_senders

os.umask(0o077)  # as `wugong` sets it, also when dramatiq is started without it
broker = setup_broker(get_settings().queue.redis_url)
declare_actors()
runtime = start(log_level="INFO")  # a worker process runs for long
context.install(runtime)
register_senders(runtime)
