"""Kombu's filesystem transport, with message files that appear whole.

The stock transport creates a message file under its final name and then writes into
it. A consumer polling the same folder can move and read the file in between, find it
empty, and die on the JSON error (seen here: `make run`'s worker stopped when beat sent
the sweep, and honcho then stopped the whole site). Here a message is written under a
name consumers skip and renamed into place once complete; a rename within one folder
is atomic, so a consumer sees either no file or the whole message.

Used for ``filesystem://`` broker URLs (``hub.celeryconfig``); everything else is the
stock transport.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from time import monotonic

from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps

__all__ = ["Channel", "Transport"]


class Channel(filesystem.Channel):
    def _put(self, queue, payload, **kwargs):
        """Put ``payload`` onto ``queue`` under the stock transport's file name."""
        name = f"{int(round(monotonic() * 1000))}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        # no "." in the temporary name: consumers only read "<id>.<queue>.msg" files
        partial = os.path.join(self.data_folder_out, f"writing-{uuid.uuid4().hex}")
        try:
            with open(partial, "wb") as fh:
                fh.write(str_to_bytes(dumps(payload)))
            os.replace(partial, final)
        except OSError as exc:
            with contextlib.suppress(OSError):
                os.remove(partial)
            raise ChannelError(f"Cannot add file {final!r} to directory") from exc


class Transport(filesystem.Transport):
    Channel = Channel
