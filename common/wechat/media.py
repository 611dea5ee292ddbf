"""How the WeChat channel gets the bytes of a photo a user sent: one fetcher per process.

The callback sees only a ``MediaId`` (it lives 3 days). The process that serves WeChat
registers a fetcher (the API client's ``get_media``) at start; the channel calls it as soon as
an image arrives, keeps the bytes encrypted (`common.attachments.FileStore.keep`) and hands the
dialogs a `FileRef` with ``file_id`` = MediaId and ``storage_path`` = the kept copy. Without a
fetcher (or when the download fails) the dialogs get the MediaId alone.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from common.wechat.api import WechatApi

MediaFetcher = Callable[[str], Awaitable[bytes]]
# Downloads wait on WeChat's servers (a photo can take seconds from a county's server): they
# run on threads of their own, never on the turns' threads, which every channel shares.
DOWNLOAD_THREADS = 8

_fetcher: MediaFetcher | None = None
_downloads = ThreadPoolExecutor(DOWNLOAD_THREADS, thread_name_prefix="wechat-media")
_lock = threading.Lock()


def register_media_fetcher(fetcher: MediaFetcher | None) -> None:
    """Make `fetcher` (async, MediaId → bytes) the one of this process; None removes it."""
    global _fetcher
    with _lock:
        _fetcher = fetcher


def register_api_fetcher(api: WechatApi) -> None:
    """Fetch through `api` (media/get with the access token every process shares)."""

    async def fetch(media_id: str) -> bytes:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(_downloads, api.get_media, media_id)

    register_media_fetcher(fetch)


def media_fetcher() -> MediaFetcher | None:
    return _fetcher
