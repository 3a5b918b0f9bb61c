"""Log records as one JSON object a line, for log collectors; request lines written in batches."""

import json
import logging
import os
import threading
import time
import weakref
from datetime import UTC, datetime

# Attributes every LogRecord has; anything else was passed in `extra=` and belongs in the output.
STANDARD_ATTRS = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}
# json.dumps(entry, default=str), without making an encoder for each line.
ENCODER = json.JSONEncoder(default=str)


def json_line(created, level, name, message, fields):
    """The line JsonFormatter writes for a record made at `created` (time.time()) with `fields`
    passed as `extra=`."""
    entry = {
        "time": datetime.fromtimestamp(created, UTC).isoformat(timespec="milliseconds"),
        "level": level,
        "logger": name,
        "message": message,
        **fields,
    }
    return ENCODER.encode(entry)


# (second, its "YYYY-MM-DDTHH:MM:SS" in UTC): the part of json_line's "time" that changes once a
# second; then the rest for each millisecond.
_second = (None, "")
MILLISECONDS = [f".{ms:03d}+00:00" for ms in range(1000)]


def timestamp(created):
    """datetime.fromtimestamp(created, UTC).isoformat(timespec="milliseconds"), made from the
    second's text, worked out once a second."""
    global _second
    second = int(created)
    micro = round((created - second) * 1e6)  # as fromtimestamp rounds (half to even)
    if micro >= 1_000_000:
        second, micro = second + 1, micro - 1_000_000
    kept = _second
    if kept[0] != second:
        kept = _second = (second, datetime.fromtimestamp(second, UTC).isoformat(timespec="seconds")[:19])
    return kept[1] + MILLISECONDS[micro // 1000]


RESERVED = frozenset(("time", "level", "logger", "message"))


class LineTemplate:
    """json_line(created, level, name, message, fields) made from text worked out once, for lines
    whose fields differ only in the time, in `varying` (milliseconds rounded to a tenth) and in
    the fields `per_line` names, which follow it: the same characters in the same order, for a
    fraction of the cost."""

    __slots__ = ("middle", "names", "tail")

    def __init__(self, level, name, message, fields, varying, per_line=()):
        if not RESERVED.isdisjoint(fields):
            raise ValueError(f"fields that json_line writes itself: {sorted(RESERVED & set(fields))}")
        names = list(fields)
        at = names.index(varying)
        if names[at + 1 : at + 1 + len(per_line)] != list(per_line):
            raise ValueError(f"{list(per_line)} must follow {varying!r} in the fields")
        before = {"level": level, "logger": name, "message": message}
        before.update((key, fields[key]) for key in names[:at])
        after = {key: fields[key] for key in names[at + 1 + len(per_line) :]}
        self.middle = '", ' + ENCODER.encode(before)[1:-1] + f", {ENCODER.encode(varying)}: "
        self.names = [f", {ENCODER.encode(key)}: " for key in per_line]
        self.tail = (", " + ENCODER.encode(after)[1:-1] if after else "") + "}"

    def line(self, created, milliseconds, *values):
        """The line made at `created` (time.time()) with `varying` round(milliseconds, 1) and
        the `per_line` fields `values`."""
        # format(x, ".1f") is the repr of round(x, 1) (the JSON of that float) below 1e16.
        given = "".join(key + ENCODER.encode(value) for key, value in zip(self.names, values, strict=True))
        return (
            '{"time": "' + timestamp(created) + self.middle + format(milliseconds, ".1f") + given + self.tail
        )


class JsonFormatter(logging.Formatter):
    def format(self, record):
        fields = {k: v for k, v in record.__dict__.items() if k not in STANDARD_ATTRS}
        if record.exc_info:
            fields["exception"] = self.formatException(record.exc_info)
        return json_line(record.created, record.levelname, record.name, record.getMessage(), fields)


_buffered = weakref.WeakSet()


class BufferedStreamHandler(logging.StreamHandler):
    """A StreamHandler that writes what it is given in batches, as nginx's access_log with
    `buffer=` and `flush=`: in one write() once `buffer_bytes` are waiting, else at most
    `flush_seconds` after the first line of a batch (a small thread of its own writes it), and
    when logging shuts down (at exit, logging.shutdown). A process killed outright loses the
    lines of its last `flush_seconds`. With `buffer_bytes` 0 every line is written at once."""

    def __init__(self, stream=None, buffer_bytes=64 * 1024, flush_seconds=1.0):
        super().__init__(stream)
        self.buffer_bytes, self.flush_seconds = int(buffer_bytes), float(flush_seconds)
        self._start()
        _buffered.add(self)

    def _start(self):
        """The empty batch and its lock, and no thread yet (also in a child after fork: the
        parent's lines are the parent's to write)."""
        self._pending, self._size, self._closed = [], 0, False
        self._pending_lock = threading.Lock()
        self._due = threading.Event()
        self._thread = None

    def emit(self, record):
        try:
            text = self.format(record) + self.terminator
        except Exception:  # noqa: BLE001 - as logging.StreamHandler.emit
            self.handleError(record)
            return
        self.add(text)

    def add(self, text):
        """Write `text` (whole lines, with their terminators) with the next batch."""
        with self._pending_lock:
            self._pending.append(text)
            self._size += len(text)
            first, full = len(self._pending) == 1, self._size >= self.buffer_bytes
        if full or self._closed:
            self.flush()
        elif first:
            if self._thread is None:
                self._thread = threading.Thread(target=self._write_when_due, name="log-flush", daemon=True)
                self._thread.start()
            self._due.set()

    def _write_when_due(self):
        while True:
            self._due.wait()
            self._due.clear()
            time.sleep(self.flush_seconds)
            self.flush()

    def flush(self):
        """Write the lines waiting, in one write(), and flush the stream."""
        with self.lock:
            with self._pending_lock:
                lines, self._pending, self._size = self._pending, [], 0
            if not lines:
                return
            try:
                self.stream.write("".join(lines))
                if hasattr(self.stream, "flush"):
                    self.stream.flush()
            except Exception:  # noqa: BLE001 - as logging.StreamHandler.emit
                self.handleError(logging.makeLogRecord({"msg": "".join(lines)}))

    def close(self):
        self.flush()
        self._closed = True
        super().close()


def _after_fork_in_child():
    for handler in list(_buffered):
        handler._start()


os.register_at_fork(after_in_child=_after_fork_in_child)
STREAM_HANDLERS = (logging.StreamHandler, BufferedStreamHandler)


def plain_json_streams(logger, level):
    """The handlers of `logger` when a record of `level` would go to exactly them and each would
    write it unchanged with JsonFormatter to its stream (no filter, no propagation, nothing
    subclassed but BufferedStreamHandler); else None. Those lines can be written without making
    a LogRecord."""
    if logger.propagate or logger.filters or not logger.handlers:
        return None
    handlers = logger.handlers
    for handler in handlers:
        if (
            type(handler) not in STREAM_HANDLERS
            or type(handler.formatter) is not JsonFormatter
            or handler.filters
            or handler.level > level
        ):
            return None
    return handlers


def write_line(handler, line, make_record):
    """What `handler.handle()` does with a record whose formatted line is `line`; `make_record()`
    gives the record should the stream fail (for the handler's handleError)."""
    if type(handler) is BufferedStreamHandler:
        handler.add(line + handler.terminator)
        return
    with handler.lock:
        try:
            handler.stream.write(line + handler.terminator)
            handler.flush()
        except Exception:  # noqa: BLE001 - as logging.StreamHandler.emit
            handler.handleError(make_record())
