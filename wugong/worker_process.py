"""The module `wugong worker` hands to dramatiq: the broker from the settings, then every actor."""

from common.broker import setup_broker
from common.settings import get_settings
from workers import declare_actors

broker = setup_broker(get_settings().queue.redis_url)
declare_actors()
